"""The lecture demos behind ``python -m nnunsup demo``.

Each section is a module with ``TITLE`` and ``run(ctx)``; ``run`` trains what the slides
show, saves its figures through ``ctx.figure`` and writes its text through ``ctx.text``.
:func:`run_demos` runs the chosen sections and writes ``report.md`` and ``report.html``
beside the figures, each figure next to the slide formulas its caption cites.
"""
import pathlib
import sys
import time

from . import autoencoders, basics, gan, kohonen, rbm, transfer, vae
from ._report import write_html, write_markdown

__all__ = ["SECTIONS", "DemoContext", "run_demos"]

#: section name → module (later lecture parts add theirs here, in the slides' order)
SECTIONS = {"basics": basics, "kohonen": kohonen, "autoencoders": autoencoders, "vae": vae,
            "rbm": rbm, "gan": gan, "transfer": transfer}


class DemoContext:
    """What a demo section needs: where to write, how long to train, where data lives.

    Attributes
    ----------
    out : pathlib.Path     output folder (figures and report)
    fast : bool            the short default run; False trains to the slides' quality
    data : path or None    folder of real datasets (else NNUNSUP_DATA, the cache, a download)
    download : bool        whether loaders may download missing files
    seed : int             the seed every demo derives its random_state from
    """

    def __init__(self, out, fast=True, data=None, download=True, seed=0, stream=None):
        self.out = pathlib.Path(out)
        self.fast, self.data, self.download, self.seed = fast, data, download, seed
        self.stream = stream or sys.stderr
        self.blocks = []
        self.figures = []

    def log(self, message):
        """A progress line on stderr."""
        self.stream.write(f"  {message}\n")
        self.stream.flush()

    def text(self, markdown):
        """A paragraph (or table) of the report."""
        self.blocks.append(("text", markdown))

    def figure(self, fig, name, caption):
        """Save a matplotlib figure as ``<out>/<name>.png`` and place it in the report."""
        path = self.out / f"{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        import matplotlib.pyplot as plt
        plt.close(fig)
        self.figures.append(path)
        self.blocks.append(("figure", path.name, caption))
        return path


def run_demos(names=None, out="demo-output", fast=True, data=None, download=True, seed=0,
              stream=None):
    """Run the demo sections ``names`` (all when None); write the figures, ``report.md`` and
    ``report.html``.

    Returns the path of ``report.md``.
    """
    import matplotlib
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    names = list(SECTIONS) if not names or names == ["all"] else names
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown demo {unknown[0]!r}; choose from {', '.join(SECTIONS)} or 'all'")
    ctx = DemoContext(out, fast, data, download, seed, stream)
    ctx.out.mkdir(parents=True, exist_ok=True)
    intro = (f"Mode: {'fast' if fast else 'full'}; seed {seed}. Formula IDs in brackets refer to "
             "docs/formulas.md; each figure is shown with the formulas it illustrates.")
    sections = []
    begin = time.perf_counter()
    for i, name in enumerate(names, 1):
        module = SECTIONS[name]
        ctx.stream.write(f"[{i}/{len(names)}] {module.TITLE}\n")
        start = time.perf_counter()
        ctx.blocks = []
        module.run(ctx)
        seconds = time.perf_counter() - start
        ctx.stream.write(f"  done in {seconds:.1f} s\n")
        sections.append((module.TITLE, ctx.blocks, seconds))
    total = time.perf_counter() - begin
    intro += (f" {len(sections)} section{'s' * (len(sections) != 1)}, {len(ctx.figures)} figures, "
              f"{total:.0f} s in all.")
    write_html(ctx.out / "report.html", "nnunsup demo report", intro, sections)
    return write_markdown(ctx.out / "report.md", ["# nnunsup demo report", "", intro], sections)
