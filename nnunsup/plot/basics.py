"""Figures shared by every section: training curves, image grids, decision regions."""
import numpy

from .. import backend
from .._validation import check_array

__all__ = ["plot_history", "image_grid", "plot_decision_regions"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots()
    return ax


def plot_history(history, ax=None, keys=("loss", "val_loss"), logy=False):
    """Per-epoch curves of a model's ``history_`` (or any dict of lists).

    Returns
    -------
    lines : list of matplotlib Line2D, one per key that has values
    """
    ax = _axes(ax)
    lines = []
    for key in keys:
        values = history.get(key) or []
        if len(values):
            lines += ax.plot(numpy.arange(1, len(values) + 1), values, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if logy:
        ax.set_yscale("log")
    if lines:
        ax.legend()
    return lines


def image_grid(images, shape=None, ncols=10, ax=None, cmap="gray", vmin=None, vmax=None,
               pad=1, normalize=False):
    """Tile images into one picture (digits, reconstructions, filters, samples).

    Parameters
    ----------
    images : array of shape (k, h*w), (k, h, w) or (k, 1, h, w)    NaN pixels stay blank
    shape : (h, w) or None          needed for flat rows; a square is assumed otherwise
    ncols : int                     images per row
    normalize : bool                rescale each image to [0, 1] (for filters)

    Returns
    -------
    image : matplotlib AxesImage
    """
    images = check_array(images, name="images", ndim=(2, 3, 4), allow_nan=True)
    images = numpy.asarray(backend.to_numpy(images), dtype=float)
    if images.ndim == 4:
        images = images[:, 0]
    if images.ndim == 2:
        if shape is None:
            side = int(round(images.shape[1] ** 0.5))
            if side * side != images.shape[1]:
                raise ValueError(f"images have {images.shape[1]} pixels; pass shape=(h, w)")
            shape = (side, side)
        images = images.reshape(-1, *shape)
    if normalize:
        low = images.min(axis=(1, 2), keepdims=True)
        high = images.max(axis=(1, 2), keepdims=True)
        images = (images - low) / numpy.maximum(high - low, 1e-12)
    k, h, w = images.shape
    ncols = max(1, min(ncols, k))
    nrows = -(-k // ncols)
    canvas = numpy.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), numpy.nan)
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        canvas[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = img
    ax = _axes(ax)
    shown = ax.imshow(canvas, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()
    return shown


def plot_decision_regions(predict, X, y, ax=None, resolution=200, alpha=0.3):
    """Colour the plane by ``predict`` and scatter the 2-D points ``X`` coloured by ``y``.

    Returns
    -------
    (regions, points) : matplotlib QuadContourSet and PathCollection
    """
    X = backend.to_numpy(check_array(X, name="X"))
    y = numpy.asarray(backend.to_numpy(y))
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) to be drawn in the plane, got {X.shape}")
    ax = _axes(ax)
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0))
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = numpy.meshgrid(numpy.linspace(lo[0], hi[0], resolution),
                            numpy.linspace(lo[1], hi[1], resolution))
    grid = numpy.column_stack([gx.ravel(), gy.ravel()])
    z = numpy.asarray(backend.to_numpy(predict(grid))).reshape(gx.shape)
    regions = ax.contourf(gx, gy, z, alpha=alpha, cmap="coolwarm")
    points = ax.scatter(X[:, 0], X[:, 1], c=y, s=8, cmap="coolwarm", edgecolors="none")
    return regions, points
