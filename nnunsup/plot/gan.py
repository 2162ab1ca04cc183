"""Figures of the GAN section: samples over training, the discriminator's decision surface,
the players' losses.  [G6]

Every function takes ``ax=None`` (a new figure when omitted; ``plot_gan_snapshots`` takes a
row of axes), moves arrays to the host with ``backend.to_numpy`` and returns what it drew.
Digit grids are :func:`~nnunsup.plot.image_grid`.  Shape legend: ``N`` data points, ``S``
samples, ``s`` snapshots.
"""
import numpy

from .. import backend
from .._validation import check_array
from .basics import _axes

__all__ = ["plot_gan_snapshots", "plot_decision_surface", "plot_gan_losses"]


def _points(P, name):
    """Finite points of the plane (N, 2) on the host, or an error naming the argument."""
    P = numpy.asarray(backend.to_numpy(check_array(P, name=name)), dtype=float)
    if P.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2) to be drawn in the plane, got {P.shape}")
    return P


def plot_gan_snapshots(snapshots, X=None, labels=None, axes=None, s=3):
    """2-D samples of the generator at several moments of training, over the data.  [G6]

    Parameters
    ----------
    snapshots : list of arrays of shape (S, 2)    samples at each moment
    X : array of shape (N, 2) or None             the real data, drawn in grey
    labels : list of str or None                  a title per snapshot (e.g. "step 500")
    axes : sequence of matplotlib Axes or None    one per snapshot (a new row when None)

    Returns
    -------
    points : list of PathCollection, one per snapshot
    """
    if not len(snapshots):
        raise ValueError("snapshots must hold at least one array of samples")
    arrays = [numpy.asarray(backend.to_numpy(check_array(S, name=f"snapshots[{i}]")), dtype=float)
              for i, S in enumerate(snapshots)]
    for i, S in enumerate(arrays):
        if S.shape[1] != 2:
            raise ValueError(f"snapshots[{i}] must have shape (S, 2), got {S.shape}")
    if axes is None:
        import matplotlib.pyplot as plt
        _, axes = plt.subplots(1, len(arrays), figsize=(3 * len(arrays), 3), squeeze=False)
        axes = axes[0]
    points = []
    data = None if X is None else _points(X, "X")
    for i, (ax, S) in enumerate(zip(axes, arrays)):
        if data is not None:
            ax.scatter(data[:, 0], data[:, 1], s=s, c="0.75", edgecolors="none")
        points.append(ax.scatter(S[:, 0], S[:, 1], s=s, c="C3", edgecolors="none"))
        if labels is not None:
            ax.set_title(labels[i], fontsize="small")
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    return points


def plot_decision_surface(discriminate, X=None, samples=None, extent=3.0, resolution=150,
                          ax=None):
    """D(x) over the plane, with the real data and the generator's samples.  [G6]

    Parameters
    ----------
    discriminate : callable        points (k, 2) → D(x) (k,), e.g. ``model.discriminate``
    X, samples : arrays (N, 2) or None
    extent : float                 the square [−extent, extent]²

    Returns
    -------
    image : matplotlib AxesImage   D from 0 (fake) to 1 (real)
    """
    ax = _axes(ax)
    ticks = numpy.linspace(-extent, extent, resolution)
    g1, g2 = numpy.meshgrid(ticks, ticks)
    grid = numpy.column_stack([g1.ravel(), g2.ravel()])
    D = numpy.asarray(backend.to_numpy(discriminate(grid)), dtype=float).reshape(g1.shape)
    image = ax.imshow(D, origin="lower", extent=(-extent, extent, -extent, extent),
                      vmin=0, vmax=1, cmap="RdBu")
    for points, name, colour in ((X, "X", "k"), (samples, "samples", "C3")):
        if points is not None:
            P = _points(points, name)
            ax.scatter(P[:, 0], P[:, 1], s=2, c=colour, edgecolors="none")
    ax.set_title("D(x): blue = real, red = fake", fontsize="small")
    return image


def plot_gan_losses(history, ax=None):
    """Both players' losses per epoch, and D's mean verdicts on real and generated data.  [G6]

    Parameters
    ----------
    history : dict of lists       a GAN's ``history_``

    Returns
    -------
    lines : list of Line2D        L_D, L_G, mean D(x), mean D(G(z))
    """
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        if not history.get(key):
            raise ValueError(f"history has no {key!r} values; pass a fitted GAN's history_")
    ax = _axes(ax)
    epochs = numpy.arange(1, len(history["d_loss"]) + 1)
    lines = ax.plot(epochs, history["d_loss"], label="L_D")
    lines += ax.plot(epochs, history["g_loss"], label="L_G")
    lines += ax.plot(epochs, history["d_real"], ls="--", label="mean D(x)")
    lines += ax.plot(epochs, history["d_fake"], ls="--", label="mean D(G(z))")
    ax.axhline(numpy.log(2), color="0.7", lw=0.8, label="log 2: L_D at D = ½ everywhere")
    ax.set_xlabel("epoch")
    ax.legend(fontsize="small")
    return lines
