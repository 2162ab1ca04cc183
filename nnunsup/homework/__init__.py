"""Homework from the library itself: exercises cut out of the formula code, graded by its tests.

The library marks the lines that implement a formula with nbgrader's solution markers,
``### BEGIN SOLUTION`` and ``### END SOLUTION``, each on its own line inside the function
body around the formula's lines (in ``som_step``: from ``diff = x - W`` to ``W += diff``).
They are comments only: the library runs as if they were not there.

:data:`EXERCISES` names each region (file, function, formula ID, points) and the project's
tests that grade it.  :func:`make` writes a student version — the package with the chosen
regions replaced by ``raise NotImplementedError("…")``, the grading tests, an exercise
sheet and a manifest — and :func:`grade` runs the manifest's tests against a student's
folder and scores each exercise.  From the command line::

    python -m nnunsup homework list
    python -m nnunsup homework make --out hw1 som_step cd_statistics
    python -m nnunsup homework grade hw1

``docs/homework.md`` is the instructor's guide.
"""
from .exercises import EXERCISES, Exercise, get_exercises
from .grading import grade, node_status
from .regions import (BEGIN, CODE_STUB, END, TEXT_STUB, find_region, solution_regions,
                      stub_cell, stub_notebook, stub_source)
from .template import MANIFEST, SHEET, make

__all__ = ["EXERCISES", "Exercise", "get_exercises", "make", "grade", "node_status",
           "BEGIN", "END", "CODE_STUB", "TEXT_STUB", "solution_regions", "find_region",
           "stub_source", "stub_cell", "stub_notebook", "MANIFEST", "SHEET"]
