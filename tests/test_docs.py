"""docs/ builds into a site with Sphinx, with no warning (``-W``), and the site is whole.

The site is built once (``site``, about 15 s on 2 cores) with the command README.md gives;
the tests read the HTML.  Without Sphinx or MyST (the ``docs`` and ``dev`` extras) the tests
are skipped with the reason, except under ``CI=true``, where that is a failure.
"""
import html.parser
import importlib
import inspect
import os
import pathlib
import re
import subprocess
import sys
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# the toctree of docs/index.md, in the lecture's order, then the library's pages
PAGES = ["formulas", "kohonen", "autoencoders", "vae", "rbm", "gan", "transfer", "protocol",
         "backend", "performance", "api/index"]
API_PACKAGES = ["competitive", "nn", "autoencoders", "rbm", "gan", "transfer", "plot",
                "datasets", "backend"]


def _require(module):
    try:
        importlib.import_module(module)
    except ImportError:
        message = f"{module} is not installed; pip install '.[docs]' (or '.[dev]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site's folder; the build must succeed with warnings as errors."""
    _require("sphinx")
    _require("myst_parser")
    out = tmp_path_factory.mktemp("html")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs",
               str(out)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{' '.join(command)} failed:\n{run.stdout}\n{run.stderr}"
    return out


class _Page(html.parser.HTMLParser):
    """The ids, the links (href and src) and the text of one HTML page."""

    def __init__(self, path):
        super().__init__()
        self.ids, self.links, self.text = set(), [], []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        self.links += [attrs[key] for key in ("href", "src") if attrs.get(key)]

    def handle_data(self, data):
        self.text.append(data)


def _page(site, name):
    return _Page(site / f"{name}.html")


def test_every_page_of_the_toctree_is_built_in_order(site):
    """index.html lists the pages in the lecture's order, and each was built."""
    assert (site / "index.html").is_file()
    for name in PAGES + [f"api/{package}" for package in API_PACKAGES]:
        assert (site / f"{name}.html").is_file(), name
    index = (site / "index.html").read_text(encoding="utf-8")
    toctrees = re.findall(r'<div class="toctree-wrapper compound">(.*?)</div>', index, re.S)
    listed = re.findall(r'<a class="reference internal" href="([\w/]+)\.html">', "".join(toctrees))
    assert [name for name in listed if name in PAGES] == PAGES


def test_math_is_rendered(site):
    """``$…$`` and ``$$…$$`` become MathJax markup (dollarmath), and MathJax is loaded."""
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<span class="math notranslate nohighlight">\\(x_i\\)</span>' in index
    assert re.search(r'<div class="math notranslate nohighlight">\s*\\\[\s*w_\{mh\} :=', index)
    assert "mathjax" in index.lower()


def test_api_pages_document_every_public_name(site):
    """Each subpackage's page has an entry for every name of its ``__all__``; a module in
    ``__all__`` has its own section, documenting the names of its ``__all__`` (the ones the
    subpackage re-exports are documented once, there or in the subpackage's section)."""
    for package in API_PACKAGES:
        module = importlib.import_module(f"nnunsup.{package}")
        ids = _page(site, f"api/{package}").ids
        assert f"module-nnunsup.{package}" in ids
        public = [getattr(module, name) for name in module.__all__]
        submodules = [value for value in public if inspect.ismodule(value)]
        for submodule in submodules:
            assert f"module-{submodule.__name__}" in ids, (package, submodule.__name__)
            for name in submodule.__all__:
                assert {f"{submodule.__name__}.{name}", f"nnunsup.{package}.{name}"} & ids, (
                    package, submodule.__name__, name)
        for name, value in zip(module.__all__, public):
            if not inspect.ismodule(value):
                where = {f"nnunsup.{package}.{name}"} | {
                    f"{s.__name__}.{name}" for s in submodules if getattr(s, name, None) is value}
                assert where & ids, (package, name)
    transfer = "".join(_page(site, "api/transfer").text)
    assert "TransferClassifier" in transfer and "encoder_of" in transfer


def test_links_resolve(site):
    """Every relative link and image of the site points at a built file, and every
    ``#anchor`` to an id of that page (the pages' links to each other's headings too)."""
    site = site.resolve()
    pages = {path.resolve(): _Page(path) for path in site.rglob("*.html")}
    broken = []
    for path, page in pages.items():
        for link in page.links:
            parts = urllib.parse.urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            target = (path.parent / urllib.parse.unquote(parts.path)).resolve()
            if not parts.path:
                target = path
            if not target.exists() or (parts.fragment and target in pages
                                       and parts.fragment not in pages[target].ids):
                broken.append(f"{path.relative_to(site)}: {link}")
    assert not broken, "\n".join(broken)


def test_repository_links_go_to_the_source_the_api_or_a_copy(site):
    """The pages' links to repository files (``../nnunsup/transfer/finetune.py``) lead to
    the highlighted source, a package folder to its API page, other files to a copy."""
    links = _page(site, "transfer").links
    assert "_modules/nnunsup/transfer/finetune.html" in links
    assert "api/transfer.html" in links
    copies = [link for link in links if link.startswith("_downloads/")]
    assert any(link.endswith("/06_transfer.ipynb") for link in copies)
    assert any(link.endswith("/transfer_mnist.py") for link in copies)
    readme = r"_downloads/\w+/README\.md"
    assert any(re.fullmatch(readme, link) for link in _page(site, "index").links)
