"""Grading a student's folder: its manifest's tests, run by pytest against the student's code.

pytest runs in a subprocess with the folder as working directory and as the first entry
of ``PYTHONPATH``, so ``import nnunsup`` finds the student's copy, never the installed
package (editable or not).  A small plugin, copied from :mod:`nnunsup.homework._plugin`
into a temporary folder, records every test's outcome and where ``nnunsup`` came from;
a grade whose ``nnunsup`` is not the student's is refused with ``RuntimeError``.
"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from .template import FORMAT, MANIFEST

__all__ = ["grade", "node_status"]

_PLUGIN = "_nnunsup_grading_plugin"


def _read_manifest(folder):
    path = folder / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{folder} holds no {MANIFEST}; grade a folder written by "
                                f"nnunsup.homework.make (python -m nnunsup homework make)")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path} has format {manifest.get('format')!r}; this nnunsup reads "
                         f"{FORMAT!r}")
    return manifest


def _check_test_files(folder, manifest):
    for name, digest in manifest["test_files"].items():
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{name} is missing from {folder}; restore it from the template")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ValueError(f"{name} in {folder} differs from the version make wrote; "
                             f"grade with the original tests (restore the file)")


def node_status(node, outcomes, collection_errors):
    """The status of one manifest test id from the per-item outcomes of the run.

    "passed" when at least one of its items passed and none failed (skipped items, such
    as CuPy cases without a GPU, are neutral); "failed" or "error" when one did;
    "skipped" when all were skipped; "missing" when no item ran.
    """
    module = node.split("::")[0]
    if module in collection_errors:
        return "error"
    states = [state for item, state in outcomes.items()
              if item == node or item.startswith(node + "[") or item.startswith(node + "::")]
    for bad in ("error", "failed"):
        if bad in states:
            return bad
    if "passed" in states:
        return "passed"
    return "skipped" if states else "missing"


def _run_pytest(folder, nodes, timeout):
    plugin = pathlib.Path(__file__).with_name("_plugin.py").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="nnunsup-grading-") as tmp:
        (pathlib.Path(tmp) / f"{_PLUGIN}.py").write_text(plugin, encoding="utf-8")
        report_path = pathlib.Path(tmp) / "report.json"
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
        env.update(PYTHONPATH=os.pathsep.join([str(folder), tmp]), PYTHONDONTWRITEBYTECODE="1",
                   HYPOTHESIS_STORAGE_DIRECTORY=str(pathlib.Path(tmp) / "hypothesis"),
                   NNUNSUP_GRADING_FOLDER=str(folder), NNUNSUP_GRADING_REPORT=str(report_path),
                   NNUNSUP_GRADING_TESTS=json.dumps(nodes))
        modules = list(dict.fromkeys(node.split("::")[0] for node in nodes))
        command = [sys.executable, "-m", "pytest", "-c", "pytest.ini", "--rootdir", str(folder),
                   "-p", _PLUGIN, "-p", "no:cacheprovider", "--continue-on-collection-errors",
                   "-q", "--tb=short", *modules]
        try:
            done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(f"grading {folder} did not finish within {timeout} s (an "
                               f"endless loop in a solution?)") from error
        output = done.stdout + done.stderr
        if not report_path.is_file():
            raise RuntimeError(f"pytest ended with exit status {done.returncode} and no "
                               f"grading report; its output ended with:\n{output[-3000:]}")
        report = json.loads(report_path.read_text(encoding="utf-8"))
    report["output"], report["returncode"] = output, done.returncode
    return report


def _check_origin(folder, report):
    """Refuse a run whose nnunsup did not come from the student's folder."""
    for key in ("found", "imported"):
        path = report[key]
        if key == "imported" and path is None:
            continue                                   # not imported: every test failed
        if path is None or folder not in pathlib.Path(path).resolve().parents:
            raise RuntimeError(f"grading imported nnunsup from {path}, not from the student's "
                               f"folder {folder}; the grade would be the library's, not the "
                               f"student's (is {folder / 'nnunsup'} there?)\n"
                               f"{report['output'][-2000:]}")


def _print(result, file):
    width = max(len(name) for name in result["exercises"]) + 2
    print(f"nnunsup homework: {result['folder']}  ({result['seconds']:.1f} s)", file=file)
    for name, entry in result["exercises"].items():
        bad = [node for node, status in entry["tests"].items() if status != "passed"]
        note = ("all tests passed" if not bad else
                f"{len(bad)} of {len(entry['tests'])} tests not passed: "
                + ", ".join(f"{node.split('::')[-1]} ({entry['tests'][node]})" for node in bad))
        print(f"  {name:{width}} {entry['earned']:>3} / {entry['points']:<3} {note}", file=file)
    print(f"  {'total':{width}} {result['earned']:>3} / {result['possible']:<3}", file=file)
    if result["problem"]:
        print(result["problem"], file=file)


def grade(folder, *, timeout=600, verbose=True, file=None):
    """Run the manifest's tests against the student's copy in ``folder``; score each exercise.

    Parameters
    ----------
    folder : str or Path     a folder written by :func:`nnunsup.homework.make`, with the
                             student's code in ``folder/nnunsup``
    timeout : float          seconds before the run is abandoned (``RuntimeError``)
    verbose : bool           print the score table (to ``file``, default stdout)

    Returns
    -------
    result : dict            "exercises": name → {"points", "earned", "tests": node →
                             status}; "earned", "possible" (totals); "seconds"; "folder";
                             "nnunsup" (the file imported); "output" (pytest's output);
                             "problem" (why no test ran, or None)

    Raises
    ------
    FileNotFoundError   no manifest in ``folder``
    ValueError          a test file differs from the one make wrote, or is missing
    RuntimeError        nnunsup was imported from elsewhere than ``folder``; pytest gave
                        no report; the run timed out

    Notes
    -----
    An exercise earns its points only when every one of its tests passes.  A test that
    cannot be collected (e.g. a syntax error in the student's code) fails, but the others
    still run (``--continue-on-collection-errors``).
    """
    folder = pathlib.Path(folder).resolve()
    manifest = _read_manifest(folder)
    _check_test_files(folder, manifest)
    nodes = list(dict.fromkeys(node for e in manifest["exercises"] for node in e["tests"]))
    start = time.perf_counter()
    report = _run_pytest(folder, nodes, timeout)
    seconds = time.perf_counter() - start
    _check_origin(folder, report)
    exercises = {}
    for entry in manifest["exercises"]:
        statuses = {node: node_status(node, report["outcomes"], report["collection_errors"])
                    for node in entry["tests"]}
        passed = all(status == "passed" for status in statuses.values())
        exercises[entry["name"]] = {"points": entry["points"],
                                    "earned": entry["points"] if passed else 0,
                                    "tests": statuses}
    result = {"folder": str(folder), "exercises": exercises,
              "earned": sum(e["earned"] for e in exercises.values()),
              "possible": sum(e["points"] for e in exercises.values()),
              "seconds": seconds, "nnunsup": report["imported"], "output": report["output"],
              "problem": None}
    if not report["outcomes"]:                     # e.g. conftest.py could not import nnunsup
        result["problem"] = (f"pytest ran no test (exit status {report['returncode']}); its "
                             f"output ends with:\n{report['output'][-2000:]}")
    if verbose:
        _print(result, file if file is not None else sys.stdout)
    return result
