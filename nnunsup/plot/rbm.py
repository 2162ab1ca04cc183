"""Figures of the RBM section: filters, Gibbs chains.  [R6]

Every function takes ``ax=None`` (a new figure when omitted), moves arrays to the host with
``backend.to_numpy`` and returns what it drew.  Reconstructions are
:func:`~nnunsup.plot.plot_reconstructions`.  Shape legend: ``n = h·w`` visible units,
``m`` hidden units, ``c`` chains, ``s`` snapshots.
"""
import numpy

from .. import backend
from .basics import _axes, image_grid

__all__ = ["plot_filters", "plot_gibbs_chains"]


def plot_filters(W, shape, n=100, ncols=10, ax=None):
    """The weights into each hidden unit, w_j (column j of W), as images.  [R6]

    Slides: "Filtry RBM na MNIST", "Filtry DBN na MNIST" (Polish notes).

    Parameters
    ----------
    W : array of shape (n_visible, m)   an RBM's ``params["W"]`` (or a first layer's weights
                                        in that orientation)
    shape : (h, w)                      the image shape, h·w = n_visible
    n : int                             how many filters (the first n hidden units)
    ncols : int

    Returns
    -------
    image : matplotlib AxesImage        each filter scaled to [0, 1] on its own
    """
    W = numpy.asarray(backend.to_numpy(W), dtype=float)
    if W.ndim != 2 or W.shape[0] != shape[0] * shape[1]:
        raise ValueError(f"W must have shape (h·w, m) = ({shape[0] * shape[1]}, m) for images "
                         f"of shape {tuple(shape)}, got {W.shape}")
    ax = _axes(ax)
    return image_grid(W[:, :n].T, shape=shape, ncols=ncols, ax=ax, normalize=True)


def plot_gibbs_chains(snapshots, shape, ax=None):
    """Chains of block Gibbs sampling: one row per chain, one column per snapshot.  [R6]

    Parameters
    ----------
    snapshots : array of shape (s, c, h·w)    the visible states (or means) of c chains at s
                                              moments, e.g. from repeated ``model.gibbs``
    shape : (h, w)

    Returns
    -------
    image : matplotlib AxesImage
    """
    S = numpy.asarray(backend.to_numpy(snapshots), dtype=float)
    if S.ndim != 3 or S.shape[2] != shape[0] * shape[1]:
        raise ValueError(f"snapshots must have shape (s, c, h·w) with h·w = {shape[0] * shape[1]}, "
                         f"got {S.shape}")
    rows = S.transpose(1, 0, 2).reshape(-1, S.shape[2])              # chain by chain
    ax = _axes(ax)
    return image_grid(rows, shape=shape, ncols=S.shape[0], ax=ax, vmin=0, vmax=1)
