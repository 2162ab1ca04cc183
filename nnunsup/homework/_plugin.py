"""pytest plugin loaded by :func:`nnunsup.homework.grade` in its subprocess.

It is copied out of the package into a temporary folder, so a student's copy cannot
change it.  It keeps only the tests listed in ``NNUNSUP_GRADING_TESTS`` (JSON) and
records the outcome of every test, the collection errors, and where ``nnunsup`` is found
and was imported from; it writes them as JSON to the file named by
``NNUNSUP_GRADING_REPORT``.  When ``nnunsup`` would not come from the folder named by
``NNUNSUP_GRADING_FOLDER`` it stops the session before any test runs.
"""
import importlib.util
import json
import os
import pathlib
import sys

import pytest

_report = {"found": None, "imported": None, "outcomes": {}, "collection_errors": {}}


def _inside_folder(path):
    folder = pathlib.Path(os.environ["NNUNSUP_GRADING_FOLDER"]).resolve()
    path = pathlib.Path(path).resolve()
    return folder in path.parents


def _write():
    with open(os.environ["NNUNSUP_GRADING_REPORT"], "w", encoding="utf-8") as file:
        json.dump(_report, file)


def _find():
    """Where ``import nnunsup`` would load from, without running it."""
    spec = importlib.util.find_spec("nnunsup")
    return spec.origin if spec is not None else None


_report["found"] = _find()        # at import (-p), before conftest.py can import nnunsup,
_write()                          # so a conftest that fails to import still leaves a report


def pytest_configure(config):
    if _report["found"] is None or not _inside_folder(_report["found"]):
        _write()
        pytest.exit(f"nnunsup would be imported from {_report['found']}, not from the "
                    f"student's folder {os.environ['NNUNSUP_GRADING_FOLDER']}", returncode=3)


def _wanted(nodeid, tests):
    return any(nodeid == test or nodeid.startswith((test + "[", test + "::")) for test in tests)


def pytest_collection_modifyitems(session, config, items):
    """Keep the manifest's tests (NNUNSUP_GRADING_TESTS) and deselect the rest of the
    modules: pytest is given module paths, so one module that cannot be imported does not
    stop the others ("found no collectors" would end a run given node ids)."""
    tests = json.loads(os.environ["NNUNSUP_GRADING_TESTS"])
    keep = [item for item in items if _wanted(item.nodeid, tests)]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


def pytest_collectreport(report):
    if report.failed:
        _report["collection_errors"][report.nodeid] = str(report.longrepr)[-4000:]


def pytest_runtest_logreport(report):
    outcomes = _report["outcomes"]
    state = outcomes.setdefault(report.nodeid, "passed")
    if report.failed:
        outcomes[report.nodeid] = "failed" if report.when == "call" else "error"
    elif report.skipped and state == "passed":
        outcomes[report.nodeid] = "skipped"


def pytest_sessionfinish(session, exitstatus):
    module = sys.modules.get("nnunsup")
    _report["imported"] = getattr(module, "__file__", None)
    _write()
