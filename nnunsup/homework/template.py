"""Making the student version: the package with regions stubbed, its tests, a sheet, a manifest.

Layout of the output folder::

    nnunsup/          a copy of the package; each chosen exercise's region stubbed
    tests/            the grading tests, with conftest.py, helpers.py and __init__.py files
    pytest.ini        the project's pytest configuration (--strict-markers, gpu/slow)
    EXERCISES.md      the exercise sheet
    homework.json     the grading manifest read by :func:`nnunsup.homework.grade`
    notebooks/        the given notebooks, stubbed cell by cell (only when given)
"""
import configparser
import hashlib
import json
import pathlib
import shlex
import shutil

from .. import __version__
from .exercises import get_exercises
from .regions import stub_notebook, stub_source

__all__ = ["make", "MANIFEST", "SHEET"]

MANIFEST = "homework.json"
SHEET = "EXERCISES.md"
FORMAT = "nnunsup-homework/1"
_ROOT = pathlib.Path(__file__).resolve().parents[2]     # the project root of this package
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".*")
_DEFAULT_PYTEST = {"testpaths": "tests", "addopts": "-ra --strict-markers",
                   "markers": "\ngpu: needs CuPy and an NVIDIA GPU (skipped otherwise)"
                              "\nslow: long runs, left out by default (run with -m slow)",
                   "filterwarnings": "\nerror::RuntimeWarning"}


def _message(exercise):
    return (f"homework exercise {exercise.name} {exercise.label}: {exercise.task} "
            f"(see EXERCISES.md)")


def _check_out(out):
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a folder; {out} is a file")
    if out.is_dir() and any(out.iterdir()):
        raise ValueError(f"out must be a new or empty folder; {out} already holds "
                         f"{len(list(out.iterdir()))} entries (choose another or empty it)")
    return out


def _student_sources(root, exercises):
    """{relative path: stubbed text} of every module holding a chosen region."""
    by_file = {}
    for exercise in exercises:
        by_file.setdefault(exercise.file, {})[exercise.function] = _message(exercise)
    texts = {}
    for relative, stubs in by_file.items():
        path = root / relative
        if not path.is_file():
            raise ValueError(f"{relative} not found under {root}")
        texts[relative] = stub_source(path.read_text(encoding="utf-8"), relative, stubs)
    return texts


def _test_files(root, exercises):
    """The test modules of the chosen exercises, plus the package files pytest needs."""
    files = set()
    for exercise in exercises:
        for node in exercise.tests:
            relative = pathlib.PurePosixPath(node.split("::")[0])
            if not (root / relative).is_file():
                raise ValueError(f"exercise {exercise.name!r}: test file {relative} not found "
                                 f"under {root}; make needs a source checkout with tests/")
            files.add(relative)
            for folder in relative.parents:
                if str(folder) in (".", ""):
                    continue
                for helper in ("__init__.py", "conftest.py", "helpers.py"):
                    if (root / folder / helper).is_file():
                        files.add(folder / helper)
    return sorted(files)


def _pytest_ini(root):
    """The [tool:pytest] section of the project's setup.cfg as a pytest.ini."""
    options = dict(_DEFAULT_PYTEST)
    parser = configparser.ConfigParser(interpolation=None)
    if parser.read(root / "setup.cfg", encoding="utf-8") and parser.has_section("tool:pytest"):
        options = dict(parser.items("tool:pytest"))
    lines = ["# The project's pytest configuration (setup.cfg [tool:pytest]), for grading.",
             "[pytest]"]
    lines += [f"{key} = {value}".replace("\n", "\n    ") for key, value in options.items()]
    return "\n".join(lines) + "\n"


def _sheet(exercises, notebooks):
    total = sum(e.points for e in exercises)
    lines = [
        "# nnunsup homework", "",
        f"{len(exercises)} exercise{'s' * (len(exercises) != 1)}, {total} points "
        f"(made from nnunsup {__version__}).", "",
        "Each exercise is one formula of the lectures, cut out of the library: in the named "
        "function the lines", "",
        "```python", "# YOUR CODE HERE", 'raise NotImplementedError("…")', "```", "",
        "stand where the formula's code was.  Replace them by your code; the docstring of the "
        "function gives the formula, the shapes and what to return, and the lines after the "
        "stub show which names your code must define.", "",
        "Check your work from this folder with the exercise's tests, e.g.", "",
        "```bash", f"python -m pytest {shlex.quote(exercises[0].tests[0])}", "```", "",
        "An exercise earns its points when all its tests pass; it is graded with "
        "`python -m nnunsup homework grade <this folder>`.  Do not edit the files under "
        "`tests/`: the grader refuses a folder whose tests changed.", "",
        "| exercise | formula | points | where |", "|---|---|---|---|"]
    lines += [f"| `{e.name}` | {e.label} | {e.points} | `{e.file}`, `{e.function}` |"
              for e in exercises]
    for number, e in enumerate(exercises, 1):
        lines += ["", f"## {number}. `{e.name}` {e.label} — {e.points} "
                      f"point{'s' * (e.points != 1)}", "", e.task, "",
                  f"Where: `{e.file}`, function `{e.function}`."]
        if e.builds_on:
            lines += ["", "Builds on " + ", ".join(f"`{name}`" for name in e.builds_on)
                      + ": its tests run that code as well."]
        lines += ["", "Tests:", ""] + [f"* `{node}`" for node in e.tests]
    if notebooks:
        lines += ["", "## Notebooks", "", "Fill the cells marked `# YOUR CODE HERE`:", ""]
        lines += [f"* `notebooks/{name}`" for name in notebooks]
    return "\n".join(lines) + "\n"


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make(out, exercises=None, notebooks=(), *, source=None):
    """Write the student version of the homework into the folder ``out``.

    Parameters
    ----------
    out : str or Path            a new or empty folder
    exercises : list of str      names from :data:`~nnunsup.homework.EXERCISES`; None: all
    notebooks : paths            notebooks to stub cell by cell (nbgrader's markers and
                                 stub; outputs cleared), written to ``out/notebooks/``
    source : str or Path         the project root to copy from (holding ``nnunsup/`` and
                                 ``tests/``); default: the checkout this package lives in

    Returns
    -------
    manifest : dict              what ``homework.json`` holds

    Raises
    ------
    ValueError    an unknown exercise (listing the known ones), a non-empty ``out``, a
                  missing or unbalanced solution region (naming file and line), a missing
                  test file, or two notebooks of the same name

    Notes
    -----
    Regions of exercises not chosen keep their solution and their markers.  Everything is
    checked before anything is written, so a refused call leaves ``out`` untouched.
    """
    chosen = get_exercises(None if exercises is None else list(exercises))
    if not chosen:
        raise ValueError("exercises is empty; give at least one name, or None for all")
    out = _check_out(out)
    root = pathlib.Path(source).resolve() if source is not None else _ROOT
    if not (root / "nnunsup").is_dir():
        raise ValueError(f"source must be a project root holding nnunsup/; {root} has none")
    texts = _student_sources(root, chosen)
    tests = _test_files(root, chosen)
    stubbed = {}
    for path in map(pathlib.Path, notebooks):
        if path.name in stubbed:
            raise ValueError(f"two notebooks are called {path.name}; rename one")
        stubbed[path.name] = stub_notebook(path)

    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root / "nnunsup", out / "nnunsup", ignore=_IGNORE)
    for relative, text in texts.items():
        (out / relative).write_text(text, encoding="utf-8")
    for relative in tests:
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, out / relative)
    (out / "pytest.ini").write_text(_pytest_ini(root), encoding="utf-8")
    if stubbed:
        import nbformat
        (out / "notebooks").mkdir()
        for name, notebook in stubbed.items():
            nbformat.write(notebook, out / "notebooks" / name)
    (out / SHEET).write_text(_sheet(chosen, list(stubbed)), encoding="utf-8")
    checked = [str(t) for t in tests] + ["pytest.ini"]
    manifest = {
        "format": FORMAT,
        "nnunsup_version": __version__,
        "exercises": [{"name": e.name, "file": e.file, "function": e.function,
                       "ids": list(e.ids), "task": e.task, "points": e.points,
                       "tests": list(e.tests), "builds_on": list(e.builds_on)}
                      for e in chosen],
        "points": sum(e.points for e in chosen),
        "test_files": {name: _sha256(out / name) for name in checked},
        "notebooks": [f"notebooks/{name}" for name in stubbed],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                encoding="utf-8")
    return manifest
