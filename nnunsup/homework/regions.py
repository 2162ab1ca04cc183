"""Solution regions: finding them, checking they balance, and replacing them by a stub.

The markers are nbgrader's defaults (``ClearSolutions.begin_solution_delimeter`` and
``end_solution_delimeter``, written as comments): in library source a marker is a line
holding only ``### BEGIN SOLUTION`` or ``### END SOLUTION`` (plus indentation).  A region
becomes nbgrader's Python stub, indented like its BEGIN line::

    # YOUR CODE HERE
    raise NotImplementedError()

Library stubs put a message naming the exercise into the ``NotImplementedError``.  In
notebooks the rule is nbgrader's own: any line containing ``BEGIN SOLUTION`` opens a
region, and a region in a Markdown cell becomes ``YOUR ANSWER HERE``.
"""
import ast
import pathlib
import re

__all__ = ["BEGIN", "END", "CODE_STUB", "TEXT_STUB", "solution_regions", "function_lines",
           "find_region", "stub_source", "stub_cell", "stub_notebook"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"   # nbgrader's code_stub["python"]
TEXT_STUB = "YOUR ANSWER HERE"                                # nbgrader's text_stub


def _is_begin(line, nbgrader_rule):
    return "BEGIN SOLUTION" in line if nbgrader_rule else line.strip() == BEGIN


def _is_end(line, nbgrader_rule):
    return "END SOLUTION" in line if nbgrader_rule else line.strip() == END


def solution_regions(lines, where, nbgrader_rule=False):
    """The (begin, end) 0-based line indices of every region; raises if they do not balance.

    Parameters
    ----------
    lines : list of str       the text, split into lines
    where : str               what to name in messages ("nnunsup/competitive/som.py")
    nbgrader_rule : bool      False: a marker is a line holding only the marker (library
                              source); True: any line containing "BEGIN SOLUTION" /
                              "END SOLUTION" (nbgrader's rule, used for notebook cells)

    Raises
    ------
    ValueError    naming ``where`` and the 1-based line of a nested BEGIN, an END
                  without a BEGIN, or a BEGIN without an END
    """
    regions, begin = [], None
    for index, line in enumerate(lines):
        if _is_begin(line, nbgrader_rule):
            if begin is not None:
                raise ValueError(f"{where}, line {index + 1}: {BEGIN} inside the region "
                                 f"opened at line {begin + 1}; close it with {END} first")
            begin = index
        elif _is_end(line, nbgrader_rule):
            if begin is None:
                raise ValueError(f"{where}, line {index + 1}: {END} without a {BEGIN} "
                                 f"before it")
            regions.append((begin, index))
            begin = None
    if begin is not None:
        raise ValueError(f"{where}, line {begin + 1}: {BEGIN} without a matching {END}")
    return regions


def function_lines(tree, qualname, where):
    """First and last 1-based line of the function or method ``qualname`` in a module's AST.

    ``qualname`` is ``"name"`` or ``"Class.method"``; raises ``ValueError`` naming
    ``where`` when it is not defined there.
    """
    body, node = tree.body, None
    for part in qualname.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.ClassDef)) and n.name == part), None)
        if node is None:
            raise ValueError(f"{where} defines no {qualname!r} (no {part!r} found)")
        body = node.body
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise ValueError(f"{where}: {qualname!r} is not a function")
    return node.lineno, node.end_lineno


def find_region(text, where, function):
    """The (begin, end) 0-based line indices of the one region inside ``function``.

    Raises ``ValueError`` naming the file and line when the file's markers do not balance,
    when the function holds no region, or more than one.
    """
    lines = text.splitlines()
    regions = solution_regions(lines, where)
    first, last = function_lines(ast.parse(text, filename=where), function, where)
    inside = [(b, e) for b, e in regions if first - 1 <= b <= last - 1]
    for begin, end in inside:                 # an END after the last statement (a region
        for index in range(last, end):        # ending in return) may follow only comments
            if lines[index].strip() and not lines[index].lstrip().startswith("#"):
                raise ValueError(f"{where}, line {end + 1}: the {END} of the region opened "
                                 f"at line {begin + 1} lies outside function {function!r}")
    if not inside:
        raise ValueError(f"{where}, lines {first}–{last}: function {function!r} holds no "
                         f"solution region; mark the formula's lines with {BEGIN} / {END}")
    if len(inside) > 1:
        lines_found = ", ".join(str(b + 1) for b, _ in inside)
        raise ValueError(f"{where}: function {function!r} holds {len(inside)} solution "
                         f"regions (lines {lines_found}); an exercise blanks exactly one")
    return inside[0]


def _stub(indent, stub_lines):
    return [indent + line for line in stub_lines]


def stub_source(text, where, stubs):
    """Replace the regions of the given functions by stubs that raise NotImplementedError.

    Parameters
    ----------
    text : str                the module's source
    where : str               its path, for messages
    stubs : dict              function qualname → message of its NotImplementedError

    Returns
    -------
    text : str                markers and solution lines of those regions replaced by
                              ``# YOUR CODE HERE`` and ``raise NotImplementedError(message)``,
                              indented like the BEGIN line; other regions kept as they are
    """
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if text.endswith("\r\n") else "\n"
    spans = sorted(((find_region(text, where, function), message)
                    for function, message in stubs.items()), reverse=True)
    for (begin, end), message in spans:                        # bottom up: indices stay valid
        indent = re.match(r"\s*", lines[begin]).group(0)
        stub = ["# YOUR CODE HERE", f"raise NotImplementedError({message!r})"]
        lines[begin:end + 1] = [line + newline for line in _stub(indent, stub)]
    return "".join(lines)


def stub_cell(source, where, cell_type="code"):
    """nbgrader's ClearSolutions on one cell: (new source, whether a region was replaced).

    Every region becomes ``CODE_STUB`` (code cells) or ``TEXT_STUB`` (Markdown cells),
    indented like its BEGIN line; markers are matched by nbgrader's rule.
    """
    lines = source.split("\n")
    regions = solution_regions(lines, where, nbgrader_rule=True)
    stub_lines = (CODE_STUB if cell_type == "code" else TEXT_STUB).split("\n")
    for begin, end in reversed(regions):
        indent = re.match(r"\s*", lines[begin]).group(0)
        lines[begin:end + 1] = _stub(indent, stub_lines)
    return "\n".join(lines), bool(regions)


def stub_notebook(path):
    """The student version of a notebook: solution regions stubbed, all outputs cleared.

    Needs ``nbformat`` (the ``dev`` or ``notebooks`` extra).  Returns the notebook node;
    raises ``ValueError`` naming the notebook, cell and line of unbalanced markers.
    """
    try:
        import nbformat
    except ImportError as error:                   # pragma: no cover - nbformat is in dev
        raise ImportError("stubbing notebooks needs nbformat: pip install nbformat "
                          "(it is in nnunsup's dev and notebooks extras)") from error
    path = pathlib.Path(path)
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type in ("code", "markdown"):
            cell.source, _ = stub_cell(cell.source, f"{path}, cell {index}", cell.cell_type)
        if cell.cell_type == "code":               # as nbgrader's ClearOutput does
            cell.outputs, cell.execution_count = [], None
    return notebook
