"""Figures of the autoencoder section: code maps, reconstructions, before/after grids.  [A14]

Every function takes ``ax=None`` (a new figure when omitted), moves arrays to the host
with ``backend.to_numpy`` and returns what it drew.  Shape legend: ``N`` objects,
``n = h·w`` pixels, ``k`` images shown.
"""
import numpy

from .. import backend
from .._validation import check_array
from .basics import _axes, image_grid

__all__ = ["plot_code_map", "plot_reconstructions", "plot_latent_grid"]


def plot_code_map(Z, y=None, ax=None, s=4, cmap="tab10", legend=True):
    """Scatter of 2-D codes coloured by class (the slides' MNIST 784 → 2 map).  [A14, V6]

    Parameters
    ----------
    Z : array of shape (N, 2)      codes
    y : array of shape (N,) or None
    Returns
    -------
    points : matplotlib PathCollection
    """
    Z = numpy.asarray(backend.to_numpy(check_array(Z, name="Z")), dtype=float)
    if Z.shape[1] != 2:
        raise ValueError(f"Z must have shape (N, 2) to be drawn in the plane, got {Z.shape}")
    ax = _axes(ax)
    c = None if y is None else numpy.asarray(backend.to_numpy(y))
    points = ax.scatter(Z[:, 0], Z[:, 1], c=c, s=s, cmap=cmap, edgecolors="none")
    if legend and c is not None and len(numpy.unique(c)) <= 20:
        ax.legend(*points.legend_elements(), loc="best", fontsize="small", markerscale=0.8)
    ax.set_xlabel("z₁")
    ax.set_ylabel("z₂")
    return points


def plot_reconstructions(rows, shape=None, ax=None, labels=None, n=10):
    """Image rows one above the other: originals, reconstructions, corrupted inputs, ….  [A14]

    Parameters
    ----------
    rows : list of arrays of shape (≥ n, h·w)    each array one row of the figure (NaN
                                                pixels stay blank)
    shape : (h, w) or None                      square images by default
    labels : list of str or None                a label per row, on the left
    n : int                                     images per row

    Returns
    -------
    image : matplotlib AxesImage
    """
    if not rows:
        raise ValueError("rows must hold at least one array of images")
    stacked = numpy.concatenate([
        numpy.asarray(backend.to_numpy(check_array(r, name=f"rows[{i}]", allow_nan=True)),
                      dtype=float)[:n] for i, r in enumerate(rows)])
    ax = _axes(ax)
    shown = image_grid(stacked, shape=shape, ncols=n, ax=ax, vmin=0, vmax=1)
    if labels:
        h = stacked.reshape(len(stacked), -1).shape[1] if shape is None else shape[0]
        side = int(round(h ** 0.5)) if shape is None else shape[0]
        for i, label in enumerate(labels):
            ax.text(-2, i * (side + 1) + side / 2, label, ha="right", va="center", fontsize="small")
    return shown


def plot_latent_grid(decode, shape, extent=3.0, n=15, ax=None, spacing="linear", sigma=1.0):
    """Decode an n × n grid of 2-D codes and tile the images (the slides' latent map).  [A14, V6]

    Parameters
    ----------
    decode : callable               codes (k, 2) → image rows (k, h·w), e.g.
                                    ``model.inverse_transform``
    shape : (h, w)                  the image shape
    extent : float or ((lo₁, hi₁), (lo₂, hi₂))
                                    spacing="linear": the square [−extent, extent]² (codes
                                    near a N(0, I) prior), or a box per code coordinate (the
                                    range an autoencoder's codes actually cover)
    n : int                         images per side (15 on the slides)
    spacing : "linear" or "quantile"
                                    "quantile": the coordinates are the quantiles of the
                                    prior N(0, σ²) at probabilities 0.05 … 0.95, so every
                                    cell carries the same prior mass (Kingma & Welling 2014,
                                    Fig. 4); ``extent`` is then unused
    sigma : float                   σ of the prior, for spacing="quantile"

    Returns
    -------
    image : matplotlib AxesImage    z₁ grows to the right, z₂ upwards
    """
    if spacing not in ("linear", "quantile"):
        raise ValueError(f"spacing must be one of 'linear', 'quantile'; got {spacing!r}")
    if spacing == "quantile":
        from scipy.special import ndtri                    # Φ⁻¹, host-side
        z1 = z2 = sigma * ndtri(numpy.linspace(0.05, 0.95, n))
    else:
        if numpy.ndim(extent) == 0:
            extent = ((-extent, extent), (-extent, extent))
        (lo1, hi1), (lo2, hi2) = numpy.asarray(extent, dtype=float)
        if not (hi1 > lo1 and hi2 > lo2):
            raise ValueError(f"extent must give lo < hi for both code coordinates, got {extent!r}")
        z1, z2 = numpy.linspace(lo1, hi1, n), numpy.linspace(lo2, hi2, n)
    ax = _axes(ax)
    codes = numpy.array([[a, b] for b in z2[::-1] for a in z1])            # (n², 2), top row first
    images = backend.to_numpy(decode(codes))
    return image_grid(images, shape=shape, ncols=n, ax=ax, vmin=0, vmax=1, pad=0)
