"""Figures of the partial-learning part: experiment curves, and the summary slide's two kinds
of training.  [T1, T2, T6]

Every function takes ``ax=None`` and returns what it drew.
"""
import numpy

from .basics import _axes

__all__ = ["plot_curves", "plot_training_schemes"]


def plot_curves(table, x, ax=None, xlabel=None, ylabel="test accuracy", logx=True):
    """One line per column of an experiment's table against its column ``x``.  [T1, T2]

    Parameters
    ----------
    table : dict of lists     e.g. :func:`nnunsup.transfer.transfer_curve`'s result
    x : str                   the key of the x values (e.g. "m")

    Returns
    -------
    lines : list of Line2D
    """
    if x not in table:
        raise ValueError(f"table has no column {x!r}; its columns are {sorted(table)}")
    ax = _axes(ax)
    lines = []
    for key, values in table.items():
        if key != x:
            lines += ax.plot(table[x], values, "o-", label=key)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return lines


def plot_training_schemes(schemes=None, ax=None):
    """The summary slide as a figure: models trained simultaneously and sequentially, each
    with the library's class that implements it.  [T6]

    Slides: "Когда несколько моделей обучаются одновременно / последовательно" (MIPT notes).

    Parameters
    ----------
    schemes : dict or None     {"simultaneously": [(what, class path), …], "sequentially":
                               […]}; None: :data:`nnunsup.transfer.TRAINING_SCHEMES`

    Returns
    -------
    texts : list of matplotlib Text, one per entry (and the two headings)
    """
    if schemes is None:
        from ..transfer import TRAINING_SCHEMES
        schemes = TRAINING_SCHEMES
    ax = _axes(ax)
    texts = []
    titles = {"simultaneously": "trained simultaneously\n(one objective, all parts at once)",
              "sequentially": "trained sequentially\n(one model, then the next on its output)"}
    for column, (kind, entries) in enumerate(schemes.items()):
        x = 0.02 + 0.5 * column
        texts.append(ax.text(x, 0.97, titles.get(kind, kind), fontsize=11, weight="bold",
                             va="top", transform=ax.transAxes))
        for row, (what, where) in enumerate(entries):
            y = 0.82 - row * numpy.float64(0.11)
            texts.append(ax.text(x, y, f"{what}\n    {where}", fontsize=8.5, va="top",
                                 family="monospace", transform=ax.transAxes,
                                 bbox=dict(boxstyle="round", fc="0.95", ec="0.7")))
    ax.set_axis_off()
    return texts
