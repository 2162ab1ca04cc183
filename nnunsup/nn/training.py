"""Pieces of the training loop: seeded minibatches, history, early stopping, progress.

:class:`nnunsup._base.GradientModel` puts them together; they are separate here so
each can be read (and tested) on its own.
"""
import math
import os
import sys
import time

import numpy

__all__ = ["minibatches", "History", "EarlyStopping", "Progress"]


def minibatches(n_samples, batch_size, rng=None):
    """Index arrays of the minibatches of one epoch.

    Parameters
    ----------
    n_samples : int
    batch_size : int                 the last batch may be smaller
    rng : numpy.random.Generator     shuffles the order; None keeps it

    Yields
    ------
    index : numpy int array of shape (≤ batch_size,), host-side
    """
    order = rng.permutation(n_samples) if rng is not None else numpy.arange(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start:start + batch_size]


class History(dict):
    """Per-epoch training record: ``history["loss"]``, ``["val_loss"]``, ``["time"]``.

    A dict of lists (one entry per finished epoch), so ``plt.plot(model.history_["loss"])``
    just works; ``history.epochs`` counts finished epochs.
    """

    def __init__(self):
        super().__init__(loss=[], val_loss=[], time=[])

    @property
    def epochs(self):
        return len(self["loss"])

    def append(self, **values):
        for key, value in values.items():
            self.setdefault(key, []).append(value)


class EarlyStopping:
    """Stop when the monitored loss has not improved by more than ``tol`` for ``patience`` epochs.

    ``update(value)`` returns True when training should stop; ``improved`` tells whether
    the last value was a new best (the loop keeps a copy of those parameters).
    """

    def __init__(self, patience, tol=1e-4):
        self.patience, self.tol = patience, tol
        self.best, self.best_epoch, self.wait, self.improved = math.inf, -1, 0, False

    def update(self, value, epoch):
        self.improved = value < self.best - self.tol
        if self.improved:
            self.best, self.best_epoch, self.wait = value, epoch, 0
        else:
            self.wait += 1
        return self.wait >= self.patience


def _interactive():
    """True in a terminal or a Jupyter kernel, False under pytest or when piped."""
    if "PYTEST_CURRENT_TEST" in os.environ:
        return False
    if "ipykernel" in sys.modules:
        return True
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


class Progress:
    """A one-line progress bar on stderr for long runs, redrawn at most ten times a second.

    ``verbose``: "auto" shows it in terminals and notebooks, once a run has lasted
    ``delay`` seconds, and stays silent under tests and in pipes; True/1 always shows it;
    False/0 never.
    """

    def __init__(self, total_epochs, steps_per_epoch, verbose="auto", stream=None, delay=1.0):
        self.total_epochs, self.steps = total_epochs, steps_per_epoch
        self.enabled = _interactive() if verbose == "auto" else bool(verbose)
        self.delay = delay if verbose == "auto" else 0.0
        self.stream = stream or sys.stderr
        self.start = self.last_draw = time.perf_counter()
        self.drawn = False

    def update(self, epoch, step, loss, val_loss=None, force=False):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.start < self.delay or (not force and now - self.last_draw < 0.1):
            return
        self.last_draw, self.drawn = now, True
        done = (epoch * self.steps + step) / max(1, self.total_epochs * self.steps)
        bar = "#" * int(20 * done) + "." * (20 - int(20 * done))
        text = f"\repoch {epoch + 1}/{self.total_epochs} [{bar}] loss {loss:.4g}"
        if val_loss is not None:
            text += f"  val {val_loss:.4g}"
        self.stream.write(text + f"  {now - self.start:.1f}s ")
        self.stream.flush()

    def close(self):
        if self.drawn:
            self.drawn = False
            self.stream.write("\n")
            self.stream.flush()
