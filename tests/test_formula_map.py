"""The formula map is complete and tells the truth about the code.

Every row of ``docs/formulas.md`` is ``| [ID] | slide section | formula | code | test |``.
In the code column, a fully qualified ``nnunsup.…`` name must exist, and so must the test
files the row names.  Every public function, class, method or module the code column names —
fully qualified, or by a bare name that follows one (``som_step_reference`` after
``nnunsup.competitive.som.som_step``, ``.partial_fit`` after a class) — must carry the row's
``[ID]`` in its docstring, the form ``../shared/tools/spec_coverage.py`` reads.  Names after
the word "against" are the baselines a row compares with, and a class's constructor
arguments are hyperparameters; neither is checked.  Finally, every formula ID of the SPEC
has a row, and ``spec_coverage.py --strict`` passes where the SPEC is at hand.
"""
import importlib
import inspect
import os
import pathlib
import re
import subprocess
import sys

import pytest

from nnunsup.demos._formula_map import cited_ids, map_rows, parse_formula_map

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORMULAS = ROOT / "docs" / "formulas.md"
FORMULAS_TEXT = FORMULAS.read_text(encoding="utf-8")
SHARED = ROOT.parent / "shared"
NAME = re.compile(r"\.?[A-Za-z_][\w.]*")


def rows():
    """(ID, code cell, test cell) of every row of the map."""
    return [(ID, cells[-2], cells[-1]) for ID, cells in map_rows(FORMULAS_TEXT)]


def ids_in(obj):
    """The formula IDs written in brackets in an object's docstring — or, for data such as
    a table, in the ``#:`` comment above its assignment (the comment Sphinx documents)."""
    if isinstance(obj, Data):
        doc = obj.comment()
    else:
        doc = inspect.getdoc(obj) or ""
    return set(cited_ids(doc))


class Data:
    """A module-level value (not a function, class or module) named by the map."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def comment(self):
        path = pathlib.Path(self.module.__file__)
        files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
        pattern = re.compile(rf"((?:^#:.*\n)+)^{re.escape(self.name)}\s*=", re.M)
        return " ".join(m.group(1) for f in files
                        for m in pattern.finditer(f.read_text(encoding="utf-8")))


def resolve(dotted):
    """The object a fully qualified ``nnunsup.…`` name denotes, or None."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            owner, obj = obj, getattr(obj, name, None)
            if obj is None:
                return None
        if not (inspect.ismodule(obj) or inspect.isroutine(obj) or inspect.isclass(obj)):
            return Data(owner, parts[-1])
        return obj
    return None


def named_objects(code):
    """(token, object) for every checkable name of a code cell; unresolved qualified names
    give (token, None)."""
    found, module, cls = [], None, None
    for clause in code.split(";"):
        clause = clause.split(" against ")[0]
        for token in re.findall(r"`([^`]+)`", clause):
            match = NAME.match(token)
            if not match or "/" in token or "=" in token.split("(")[0]:
                continue
            name = match.group(0).rstrip(".")
            if name.startswith("nnunsup."):
                obj = resolve(name)
                found.append((token, obj))
                if inspect.ismodule(obj):
                    module, cls = obj, None
                elif obj is not None and not isinstance(obj, Data):
                    module = inspect.getmodule(obj)
                    cls = obj if inspect.isclass(obj) else None
                continue
            name = name.lstrip(".")
            if name.startswith("_") or "…" in token:
                continue
            if cls is not None and name in inspect.signature(cls).parameters:
                continue                                       # a hyperparameter
            owner = cls if cls is not None and hasattr(cls, name.split(".")[0]) else module
            obj = owner
            for part in name.split("."):
                obj = getattr(obj, part, None) if obj is not None else None
            if obj is None and owner is cls and module is not None:
                obj = resolve(f"{module.__name__}.{name}")
            if obj is not None and (inspect.isroutine(obj) or inspect.isclass(obj)):
                found.append((token, obj))
    return found


MAP = rows()


def test_every_spec_id_has_a_row():
    spec = SHARED / "SPEC.md"
    if not spec.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{spec} is missing under CI")
        pytest.skip(f"{spec} not found: the SPEC lives beside the repository")
    wanted = re.findall(r"^\|\s*([CAVRGT]\d+)\s*\|", spec.read_text(encoding="utf-8"), re.M)
    assert sorted({i for i, _, _ in MAP}) == sorted(set(wanted))


@pytest.mark.parametrize("ID, code, tests", MAP, ids=[row[0] for row in MAP])
def test_row_names_real_code_that_cites_it(ID, code, tests):
    named = named_objects(code)
    assert named, f"[{ID}] names no code"
    missing = [token for token, obj in named if obj is None]
    assert not missing, f"[{ID}] names code that does not exist: {missing}"
    uncited = [token for token, obj in named if ID not in ids_in(obj)]
    assert not uncited, f"[{ID}] is missing from the docstrings of {uncited}"
    for path in re.findall(r"`(tests/[^`]+?\.py)`", tests):
        assert (ROOT / path).is_file(), f"[{ID}] names a test file that does not exist: {path}"


def test_the_check_catches_a_missing_id():
    """A planted row whose code does not cite the ID fails the check."""
    named = named_objects("`nnunsup.competitive.som.som_step`, `batch_update`")
    assert {token: "C99" in ids_in(obj) for token, obj in named} == {
        "nnunsup.competitive.som.som_step": False, "batch_update": False}
    assert named_objects("`nnunsup.competitive.som.no_such_step`")[0][1] is None


def test_spec_coverage_strict():
    tool = SHARED / "tools" / "spec_coverage.py"
    if not tool.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing under CI")
        pytest.skip(f"{tool} not found: the project tools live beside the repository")
    result = subprocess.run([sys.executable, str(tool), "--strict"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_demo_reports_copy_of_the_map_is_current():
    """The demo report shows each figure's formulas from a copy of the map inside the
    package; it must match docs/formulas.md (regenerate it with
    ``python -m nnunsup.demos._formula_map docs/formulas.md``)."""
    from nnunsup.demos._formula_table import FORMULAS as PACKAGED
    assert PACKAGED == parse_formula_map(FORMULAS_TEXT)

