"""Homework templates and the autograder: the markers in the library, make, grade (end to
end, against the student's copy), notebooks, nbgrader's syntax, and the command line."""
import importlib
import inspect
import json
import pathlib
import re
import shutil

import pytest

from nnunsup.__main__ import main
from nnunsup.homework import (BEGIN, CODE_STUB, END, EXERCISES, MANIFEST, SHEET, TEXT_STUB,
                              find_region, get_exercises, grade, make, solution_regions,
                              stub_cell, stub_source)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOM = "nnunsup/competitive/som.py"
BRACKET = re.compile(r"\[\s*([CAVRGT]\d+(?:\s*,\s*[CAVRGT]\d+)*)\s*\]")


def _ids_in(text):
    return {i.strip() for group in BRACKET.findall(text or "") for i in group.split(",")}


def _function(exercise):
    module = importlib.import_module(exercise.file[:-3].replace("/", "."))
    obj = module
    for part in exercise.function.split("."):
        obj = getattr(obj, part)
    return obj


# -- the markers and the registry -------------------------------------------------------------

def test_markers_are_nbgraders():
    """The markers and stubs are nbgrader's defaults (ClearSolutions: begin/end_solution_
    delimeter "BEGIN SOLUTION"/"END SOLUTION" written as ### comments, code_stub["python"],
    text_stub), and a cell is stubbed as nbgrader's documentation shows, indentation kept."""
    assert BEGIN == "### BEGIN SOLUTION" and END == "### END SOLUTION"
    assert CODE_STUB == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert TEXT_STUB == "YOUR ANSWER HERE"
    head = 'def foo(bar):\n    """Prints `bar`."""\n'
    source = head + "    ### BEGIN SOLUTION\n    print(bar)\n    ### END SOLUTION"
    expected = head + "    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert stub_cell(source, "cell") == (expected, True)
    assert stub_cell("## BEGIN SOLUTION\nx = 1\n## END SOLUTION\ny = 2", "cell") == (
        CODE_STUB + "\ny = 2", True)                     # nbgrader: any line containing it
    assert stub_cell("Why?\nBEGIN SOLUTION\nBecause.\nEND SOLUTION", "cell", "markdown") == (
        "Why?\nYOUR ANSWER HERE", True)
    assert stub_cell("x = 1", "cell") == ("x = 1", False)
    library = stub_source(source + "\n", "foo.py", {"foo": "exercise foo: print bar"})
    assert library.splitlines()[2:] == ["    # YOUR CODE HERE",
                                        "    raise NotImplementedError('exercise foo: print bar')"]


def test_library_markers_balance_and_every_exercise_has_its_region():
    """Every module's markers balance; every registered exercise names a function that holds
    exactly one region, carries the exercise's [ID] in its docstring, and is graded by test
    functions that exist."""
    for path in (ROOT / "nnunsup").rglob("*.py"):
        solution_regions(path.read_text(encoding="utf-8").splitlines(), str(path))
    assert len({e.name for e in EXERCISES}) == len(EXERCISES)
    for exercise in EXERCISES:
        text = (ROOT / exercise.file).read_text(encoding="utf-8")
        begin, end = find_region(text, exercise.file, exercise.function)
        assert end - begin >= 2, exercise.name                     # at least one line of code
        assert set(exercise.ids) <= _ids_in(inspect.getdoc(_function(exercise))), exercise.name
        assert set(exercise.ids) <= _ids_in(exercise.task) and '"' in exercise.task  # ID, slide
        assert exercise.points > 0 and exercise.tests
        for node in exercise.tests:
            file, name = node.split("::")
            assert f"def {name.split('[')[0]}(" in (ROOT / file).read_text(encoding="utf-8"), node
        assert set(exercise.builds_on) <= {e.name for e in EXERCISES}


def test_solution_regions_name_the_line_of_unbalanced_markers():
    lines = ["x = 1", "    ### BEGIN SOLUTION", "y = 2", "    ### END SOLUTION"]
    assert solution_regions(lines, "m.py") == [(1, 3)]
    with pytest.raises(ValueError, match=r"m\.py, line 2: ### BEGIN SOLUTION without a matching"):
        solution_regions(lines[:3], "m.py")
    with pytest.raises(ValueError, match=r"m\.py, line 1: ### END SOLUTION without a"):
        solution_regions(lines[3:], "m.py")
    with pytest.raises(ValueError, match=r"m\.py, line 3: ### BEGIN SOLUTION inside the region "
                                         r"opened at line 2"):
        solution_regions(lines[:2] + lines[1:], "m.py")


# -- make -------------------------------------------------------------------------------------

def test_make_refuses_unknown_exercises_and_non_empty_folders(tmp_path):
    with pytest.raises(ValueError, match="unknown exercise 'som'; choose from: wta_step, "):
        make(tmp_path / "a", ["som"], source=ROOT)
    assert not (tmp_path / "a").exists()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="new or empty folder; .* already holds 1 entries"):
        make(tmp_path / "b", ["som_step"], source=ROOT)
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["notes.txt"]


def _fake_source(tmp_path, edit):
    """A copy of the package whose som.py has its lines passed through ``edit``."""
    fake = tmp_path / "fake"
    shutil.copytree(ROOT / "nnunsup", fake / "nnunsup",
                    ignore=shutil.ignore_patterns("__pycache__"))
    path = fake / SOM
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return fake, lines


def test_make_refuses_a_missing_or_unbalanced_region(tmp_path):
    """The error names the file and the line; nothing is written."""
    marker_lines = lambda lines, m: [i for i, line in enumerate(lines) if line.strip() == m]
    fake, lines = _fake_source(tmp_path, lambda lines: [l for i, l in enumerate(lines)
                                                        if i != marker_lines(lines, END)[0]])
    begins = marker_lines(lines, BEGIN)                     # som_step's region comes first
    with pytest.raises(ValueError, match=rf"competitive/som\.py, line {begins[1]}: ### BEGIN "
                                         rf"SOLUTION inside the region opened at line "
                                         rf"{begins[0] + 1}"):
        make(tmp_path / "out", ["som_step"], source=fake)
    assert not (tmp_path / "out").exists()
    shutil.rmtree(fake)
    first = marker_lines(lines, BEGIN)[0]
    drop = (first, marker_lines(lines, END)[0])
    fake, _ = _fake_source(tmp_path, lambda lines: [l for i, l in enumerate(lines)
                                                    if i not in drop])
    with pytest.raises(ValueError, match=r"competitive/som\.py, lines \d+–\d+: function "
                                         r"'som_step' holds no solution region"):
        make(tmp_path / "out", ["som_step"], source=fake)
    assert not (tmp_path / "out").exists()


def test_template_of_one_exercise(tmp_path):
    """Only the chosen region is stubbed, indented like its markers, which disappear; the
    other regions keep solution and markers; only its tests are copied, with pytest's config."""
    out = tmp_path / "hw"
    manifest = make(out, ["som_step"], source=ROOT)
    library = (ROOT / SOM).read_text(encoding="utf-8")
    student = (out / SOM).read_text(encoding="utf-8")
    begin, end = find_region(library, SOM, "som_step")
    old, new = library.splitlines(), student.splitlines()
    assert new[:begin] == old[:begin] and new[begin + 2:] == old[end + 1:]
    assert new[begin] == "    # YOUR CODE HERE"
    assert new[begin + 1].startswith("    raise NotImplementedError('homework exercise "
                                     "som_step [C9]: ")
    assert student.count(BEGIN) == library.count(BEGIN) - 1 == 1      # batch_update's stays
    compile(student, SOM, "exec")
    rbm = "nnunsup/rbm/rbm.py"
    assert (out / rbm).read_bytes() == (ROOT / rbm).read_bytes()
    assert not list(out.rglob("__pycache__"))
    assert [e["name"] for e in manifest["exercises"]] == ["som_step"]
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8")) == manifest
    tests = sorted(str(p.relative_to(out)) for p in (out / "tests").rglob("*.py"))
    assert tests == ["tests/__init__.py", "tests/competitive/__init__.py",
                     "tests/competitive/test_som.py", "tests/conftest.py", "tests/helpers.py"]
    ini = (out / "pytest.ini").read_text(encoding="utf-8")
    assert "--strict-markers" in ini and "gpu:" in ini and "slow:" in ini
    sheet = (out / SHEET).read_text(encoding="utf-8")
    assert "`som_step` [C9]" in sheet and "cd_statistics" not in sheet


def test_notebooks_are_stubbed_cell_by_cell(tmp_path):
    """A marked code cell becomes nbgrader's stub (indentation kept, outputs cleared); other
    cells stay; unbalanced markers are refused naming notebook, cell and line."""
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.v4.new_notebook()
    solution = ('def double(x):\n    """Twice x."""\n'
                "    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION")
    marked = nbformat.v4.new_code_cell(solution, execution_count=1, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="4\n")])
    notebook.cells = [nbformat.v4.new_markdown_cell("Write `double`."), marked,
                      nbformat.v4.new_code_cell("assert double(2) == 4")]
    path = tmp_path / "lesson.ipynb"
    nbformat.write(notebook, path)
    out = tmp_path / "hw"
    manifest = make(out, ["som_step"], notebooks=[path], source=ROOT)
    student = nbformat.read(out / "notebooks" / "lesson.ipynb", as_version=4)
    assert student.cells[1].source == ('def double(x):\n    """Twice x."""\n'
                                       '    # YOUR CODE HERE\n    raise NotImplementedError()')
    assert student.cells[1].outputs == [] and student.cells[1].execution_count is None
    assert [c.source for c in student.cells[::2]] == ["Write `double`.", "assert double(2) == 4"]
    assert manifest["notebooks"] == ["notebooks/lesson.ipynb"]
    marked.source = solution.rsplit("\n", 1)[0]             # END missing
    nbformat.write(notebook, path)
    with pytest.raises(ValueError, match=r"lesson\.ipynb, cell 1, line 3: ### BEGIN SOLUTION "
                                         r"without a matching"):
        make(tmp_path / "hw2", ["som_step"], notebooks=[path], source=ROOT)
    assert not (tmp_path / "hw2").exists()


# -- grade, end to end ------------------------------------------------------------------------

def test_stubs_score_zero_solutions_full_marks(tmp_path, capsys):
    """All exercises stubbed: 0 points each.  The solutions copied back except one file: only
    that file's exercise scores 0.  All copied back: full marks.  The grade is of the
    student's nnunsup, never the installed one, and changed tests are refused."""
    out = tmp_path / "hw"
    make(out, source=ROOT)
    possible = sum(e.points for e in EXERCISES)
    result = grade(out, verbose=False)
    assert (result["earned"], result["possible"]) == (0, possible)
    assert all(e["earned"] == 0 for e in result["exercises"].values())
    assert pathlib.Path(result["nnunsup"]).resolve().is_relative_to(out.resolve())

    left_out = "nnunsup/autoencoders/vae.py"
    for exercise in EXERCISES:
        if exercise.file != left_out:
            shutil.copyfile(ROOT / exercise.file, out / exercise.file)
    assert main(["homework", "grade", str(out)]) == 0
    printed = capsys.readouterr().out
    (stubbed,) = [e for e in EXERCISES if e.file == left_out]
    assert re.search(rf"{stubbed.name}\s+0 / {stubbed.points}\b", printed), printed
    assert re.search(rf"total\s+{possible - stubbed.points} / {possible}\b", printed), printed

    shutil.copyfile(ROOT / left_out, out / left_out)
    result = grade(out, verbose=False)
    assert result["earned"] == possible, result["output"][-3000:]
    assert all(status == "passed" for e in result["exercises"].values()
               for status in e["tests"].values())

    test_file = out / "tests" / "competitive" / "test_som.py"
    original = test_file.read_text(encoding="utf-8")
    test_file.write_text(original + "\n# edited\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"tests/competitive/test_som\.py .* differs"):
        grade(out, verbose=False)
    test_file.write_text(original, encoding="utf-8")
    shutil.rmtree(out / "nnunsup")                      # the installed one would be found
    with pytest.raises(RuntimeError, match="not from the student's folder"):
        grade(out, verbose=False)


def test_code_that_does_not_import_fails_only_the_tests_that_import_it(tmp_path):
    """A syntax error in som.py errors som_step's tests while kl_gauss is still graded; one in
    a module conftest.py imports scores 0 and says why no test ran."""
    out = tmp_path / "hw"
    make(out, ["som_step", "kl_gauss"], source=ROOT)
    losses = "nnunsup/nn/losses.py"
    shutil.copyfile(ROOT / losses, out / losses)                     # kl_gauss solved
    with open(out / SOM, "a", encoding="utf-8") as file:
        file.write("def broken(:\n")
    result = grade(out, verbose=False)
    assert result["exercises"]["kl_gauss"]["earned"] == result["exercises"]["kl_gauss"]["points"]
    assert set(result["exercises"]["som_step"]["tests"].values()) == {"error"}
    assert result["problem"] is None
    with open(out / losses, "a", encoding="utf-8") as file:
        file.write("def broken(:\n")
    result = grade(out, verbose=False)
    assert result["earned"] == 0 and "SyntaxError" in result["problem"]


# -- the command line -------------------------------------------------------------------------

def test_command_line(tmp_path, capsys):
    assert main(["homework", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(e.name in listed and e.label in listed for e in EXERCISES)
    out = tmp_path / "hw"
    assert main(["homework", "make", "--out", str(out), "--source", str(ROOT),
                 "kl_gauss", "wta_step"]) == 0
    points = sum(e.points for e in get_exercises(["wta_step", "kl_gauss"]))
    assert f"wta_step, kl_gauss ({points} points)" in capsys.readouterr().out
    assert [e.name for e in get_exercises(["kl_gauss", "wta_step"])] == ["wta_step", "kl_gauss"]
    with pytest.raises(SystemExit) as exit_info:
        main(["homework", "make", "--out", str(tmp_path / "hw2"), "nope"])
    assert exit_info.value.code == 2
    assert "unknown exercise 'nope'" in capsys.readouterr().err
