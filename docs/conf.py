"""Sphinx configuration: the Markdown pages of docs/ and an API reference from the docstrings.

Build (``tests/test_docs.py`` runs the same, with ``--keep-going``; ``-W`` makes every
warning an error):

    .venv/bin/python -m sphinx -W -b html docs docs/_build/html

Two things here go beyond a plain configuration, both local to this file:

* ``_split_aligned_fields`` lets napoleon read the house layout of NumPy sections, where
  the description follows the type on the same line, aligned in a column
  (``A : array of shape (m, n)      encoder weights``).  The docstrings stay as they are, so
  they read the same in ``help()``.
* The pages link to repository files with relative links
  (``../nnunsup/transfer/finetune.py``, ``../nnunsup/transfer/``, ``../benchmarks/…``,
  ``../README.md``), which work on the repository view and are left as written.  In the
  site, a link to a module of nnunsup goes to its highlighted source (viewcode) when the
  API documents it, a link to a subpackage's folder to its API page (``RepositoryLinks``),
  and a link to any other file to a copy of it that Sphinx places under ``_downloads/``
  (MyST's own handling; ``MarkdownOutsideDocs`` extends it to ``.md`` files outside
  docs/).  A link to anything else, such as another folder, is a warning, so the build
  fails rather than leave a broken link.
"""
import importlib
import os
import pathlib
import posixpath
import re
import sys

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))               # autodoc imports this checkout's nnunsup
os.environ["NNUNSUP_BACKEND"] = "numpy"     # on NumPy: the docs need no CuPy and no GPU

import nnunsup  # noqa: E402

project = "nnunsup"
author = "the nnunsup authors"
copyright = "the nnunsup authors"
version = release = nnunsup.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
templates_path = []
html_theme = "alabaster"
html_static_path = []
html_title = f"nnunsup {release}"
smartquotes = False                    # "sigmoid" is a string value, φ' a derivative: as written

# MyST: $…$ and $$…$$ are maths; \begin{align} … \end{align} too; headings down to ####
# get GitHub-style anchors, so links like performance.md#vae-epoch-… work here as on the
# repository view.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 4

# autodoc + napoleon: NumPy-style docstrings, members in the order of __all__.
autodoc_member_order = "bysource"
autodoc_typehints = "none"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_param = False             # one "Parameters" list: grouped names stay together
# Attributes laid out like Parameters: a list of names, not attribute entries (which would
# collide with documented properties) nor ``:ivar:`` fields (which misread "a, b, c")
napoleon_custom_sections = [("Attributes", "params_style")]
viewcode_line_numbers = True

# the subpackages of the API reference, each documented on its page docs/api/<name>.md
API_PACKAGES = ["competitive", "nn", "autoencoders", "rbm", "gan", "transfer", "plot",
                "datasets", "backend"]

# --- NumPy sections in the house layout ---------------------------------------------------

_FIELD_SECTIONS = {"parameters", "other parameters", "returns", "yields", "receives",
                   "attributes", "raises", "warns", "keyword arguments"}
_UNDERLINE = re.compile(r" *-{3,}")
_WRAPPED = re.compile(r" *[\w*]+(?:, [\w*]+)*,")                  # "epochs, batch_size,"
_ALIGNED = re.compile(r"(?P<field>\S.*?) {2,}(?P<text>\S.*)")       # "name : type   text"


def _split_aligned_fields(app, what, name, obj, options, lines):
    """Rewrite the house layout of NumPy field sections into the standard one, in place.

    Inside Parameters, Returns, Attributes, …, at the section's own indentation:

    * a list of names wrapped onto the next line (``epochs, batch_size,`` / ``verbose : …``)
      is joined into one line;
    * ``name : type    description`` (the description aligned in a column) becomes
      ``name : type`` and the description on the next line, indented; the continuation
      lines aligned to that column move with it;
    * names ending in ``_`` (``history_``) are escaped: in reST they are references, and
      napoleon escapes them only when the unrelated ``strip_signature_backslash`` is on.

    So ``A : array of shape (m, n)      encoder weights`` reads to napoleon as::

        A : array of shape (m, n)
            encoder weights
    """
    out, section, base, column = [], None, 0, None
    for i, line in enumerate(lines):
        indent, stripped = len(line) - len(line.lstrip()), line.strip()
        if i + 1 < len(lines) and stripped and _UNDERLINE.fullmatch(lines[i + 1]):
            section = stripped.lower() if stripped.lower() in _FIELD_SECTIONS else None
            base, column = indent, None
        elif section is None or not stripped or _UNDERLINE.fullmatch(line):
            pass
        elif indent == base:
            if out and _WRAPPED.fullmatch(out[-1]):
                stripped = out.pop().strip() + " " + stripped
            match = _ALIGNED.fullmatch(stripped)
            field = match["field"] if match else stripped
            names, colon, kind = field.partition(" : ")
            line = " " * base + re.sub(r"(?<=\w)_(?=,|$)", r"\\_", names) + colon + kind
            column = None
            if match:
                column = len(lines[i]) - len(match["text"])
                out.append(line)
                line = " " * (base + 4) + match["text"]
        elif column is not None and indent >= column:
            line = " " * (base + 4) + line[column:]
        out.append(line)
    lines[:] = out


def _drop_type_docstring(app, what, name, obj, options, lines):
    """A constant (``KERNELS``, ``SHAPES``) has no docstring of its own: autodoc would show
    that of its type (``dict``, ``tuple``); the page's text follows instead."""
    if what == "data" and lines and "\n".join(lines).strip() == (type(obj).__doc__ or "").strip():
        lines.clear()


# --- links to repository files ------------------------------------------------------------

def _repository_path(refdoc, target):
    """The repository path (posix, relative to ROOT) of a link ``target`` in page ``refdoc``."""
    path = (DOCS / posixpath.dirname(refdoc) / target.split("#")[0]).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return None


def _modules_with_source_page(env):
    """Modules that sphinx.ext.viewcode writes a page for: those defining a documented class
    or function (viewcode follows each documented object to its ``__module__``)."""
    modules = set()
    for fullname, entry in env.get_domain("py").objects.items():
        if entry.objtype in ("class", "function", "exception"):
            modname, _, attr = fullname.rpartition(".")
            obj = getattr(sys.modules.get(modname) or importlib.import_module(modname), attr, None)
            modules.add(getattr(obj, "__module__", None))
    return modules


class MarkdownOutsideDocs(SphinxTransform):
    """``../README.md``: MyST takes a link to a Markdown file for a link to a page, but
    outside docs/ there is none; make it a download, as for any other repository file.

    Runs while the page is read, so that Sphinx registers (and copies) the download.
    """

    default_priority = 500

    def apply(self, **kwargs):
        for node in list(self.document.findall(addnodes.pending_xref)):
            if (node.get("reftype") != "myst" or node.get("refdomain") != "doc"
                    or node["reftarget"] in self.env.found_docs):
                continue
            target = pathlib.Path(self.env.srcdir, node["reftarget"])   # absolute stays so
            found = [target.with_name(target.name + suffix) for suffix in self.config.source_suffix]
            found = [path for path in found if path.is_file() and ROOT in path.resolve().parents]
            if found:
                page_dir = pathlib.Path(self.env.srcdir, posixpath.dirname(self.env.docname))
                download = addnodes.download_reference(
                    "", "", *node.children, refdomain=None, reftype="myst",
                    reftarget=os.path.relpath(found[0], page_dir), refdoc=self.env.docname,
                    refexplicit=node.get("refexplicit", False))
                node.replace_self(download)


class RepositoryLinks(SphinxPostTransform):
    """Resolve links from the pages to nnunsup's own files; other repository files stay
    downloads.

    * ``../nnunsup/<subpackage>/`` (or its ``__init__.py``) → the API page
      ``api/<subpackage>``;
    * ``../nnunsup/<path>.py`` → its highlighted source, ``_modules/nnunsup/<path>.html``
      from viewcode, when the module defines a documented class or function; otherwise, as
      for every other existing repository file (``../benchmarks/…``, ``../tests/…``,
      ``../notebooks/…``, ``../README.md``), MyST's download link to a copy placed under
      ``_downloads/``.

    Runs before MyST's own link resolution (priority 9), which would warn about the
    folders.  A ``.py`` link has been registered as a download while the page was read
    (viewcode's pages are known only once every page is), so its copy is still written,
    unused.
    """

    default_priority = 5

    def run(self, **kwargs):
        self.source_pages = None
        for node in list(self.document.findall(addnodes.pending_xref)) + list(
                self.document.findall(addnodes.download_reference)):
            if node.get("reftype") != "myst":
                continue
            path = _repository_path(node.get("refdoc", self.env.docname), node["reftarget"])
            if path is None or path.split("/")[0] != "nnunsup":
                continue
            page = self._page_for(path)
            if page is None:
                continue
            uri = self.app.builder.get_relative_uri(self.env.docname, page)
            reference = nodes.reference("", "", internal=True, refuri=uri)
            for child in node.children:
                if isinstance(child, nodes.Element) and "download" in child["classes"]:
                    child["classes"].remove("download")
                reference += child
            node.replace_self(reference)

    def _page_for(self, path):
        """The page of the site for repository path ``path``, or None to keep the link."""
        package = path[:-len("__init__.py")] if path.endswith("/__init__.py") else path
        if (ROOT / package).is_dir():
            parts = package.strip("/").split("/")
            page = "api/index" if len(parts) == 1 else f"api/{parts[1]}"
            return page if len(parts) <= 2 and page in self.env.all_docs else None
        if path.endswith(".py") and self.app.builder.format == "html":
            if self.source_pages is None:
                self.source_pages = _modules_with_source_page(self.env)
            modname = path[:-len(".py")].replace("/", ".")
            return f"_modules/{path[:-len('.py')]}" if modname in self.source_pages else None
        return None


def setup(app):
    app.connect("autodoc-process-docstring", _split_aligned_fields, priority=400)  # before napoleon
    app.connect("autodoc-process-docstring", _drop_type_docstring, priority=300)
    app.add_transform(MarkdownOutsideDocs)
    app.add_post_transform(RepositoryLinks)
