"""Figures of the variational autoencoder: the two parts of the ELBO over training, variations
of an object, interpolation and arithmetic in the latent space.  [V1, V5, V7]

The 15 × 15 grid of decoded digits and the scatter of codes [V6] are
:func:`~nnunsup.plot.plot_latent_grid` (``spacing="quantile"``) and
:func:`~nnunsup.plot.plot_code_map`.  Every function takes ``ax=None`` (a new figure when
omitted), moves arrays to the host with ``backend.to_numpy`` and returns what it drew.
Shape legend: ``N`` objects, ``n = h·w`` pixels, ``m`` latent units, ``k`` codes.
"""
import numpy

from .. import backend
from .._validation import check_array
from ..autoencoders.latent import interpolate, midpoint
from .basics import _axes, image_grid

__all__ = ["plot_elbo_history", "plot_variations", "plot_interpolation",
           "plot_latent_arithmetic"]


def plot_elbo_history(history, ax=None):
    """The loss per epoch (the negative ELBO when β = 1) and its two parts.  [V1, V4]

    Parameters
    ----------
    history : dict of lists     a VAE's ``history_`` (keys ``loss``, ``reconstruction``,
                                ``kl`` and, with validation data, ``val_…``)

    Returns
    -------
    lines : list of matplotlib Line2D
    """
    for key in ("loss", "reconstruction", "kl"):
        if not history.get(key):
            raise ValueError(f"history has no {key!r} values; pass a fitted VAE's history_")
    ax = _axes(ax)
    lines = []
    styles = {"loss": ("loss = reconstruction + β KL (−ELBO at β = 1)", "k"),
              "reconstruction": ("reconstruction −log p(x|z)", "C0"),
              "kl": ("KL(q(z|x) ‖ p(z))", "C1")}
    for key, (label, colour) in styles.items():
        for name, style, suffix in ((key, "-", ""), ("val_" + key, "--", ", validation")):
            values = history.get(name) or []
            if len(values):               # each list against its own epochs (1, 2, …)
                lines += ax.plot(numpy.arange(1, len(values) + 1), values, color=colour,
                                 ls=style, label=label + suffix)
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats per object")
    ax.legend(fontsize="small")
    return lines


def plot_variations(X, variations, shape=None, ax=None):
    """Each object (left column) beside its variations x ∼ p(x | f(x_i, α, ε)).  [V5]

    Parameters
    ----------
    X : array of shape (N, n)                     the objects
    variations : array of shape (N, v, n)         ``VAE.variations(X, v)``
    shape : (h, w) or None                        square images by default

    Returns
    -------
    image : matplotlib AxesImage
    """
    X = numpy.asarray(backend.to_numpy(check_array(X, name="X", allow_nan=True)), dtype=float)
    V = numpy.asarray(backend.to_numpy(check_array(variations, name="variations", ndim=3,
                                                   allow_nan=True)), dtype=float)
    if V.shape[0] != X.shape[0] or V.shape[2] != X.shape[1]:
        raise ValueError(f"variations must have shape (N, v, n) = ({X.shape[0]}, v, "
                         f"{X.shape[1]}) for X of shape {X.shape}, got {V.shape}")
    rows = numpy.concatenate([X[:, None, :], V], axis=1)                # (N, 1 + v, n)
    ax = _axes(ax)
    shown = image_grid(rows.reshape(-1, X.shape[1]), shape=shape, ncols=rows.shape[1], ax=ax,
                       vmin=0, vmax=1)
    ax.set_title("object | variations", fontsize="small")
    return shown


def plot_interpolation(decode, z_from, z_to, shape, n_steps=10, method="linear", ax=None):
    """Decoded codes on the way from ``z_from`` to ``z_to`` (both ends shown).  [V7]

    Parameters
    ----------
    decode : callable          codes (k, m) → image rows (k, h·w), e.g. ``model.inverse_transform``
    z_from, z_to : arrays of shape (m,)
    shape : (h, w)
    n_steps : int
    method : "linear" or "slerp"   see :func:`nnunsup.autoencoders.interpolate`

    Returns
    -------
    image : matplotlib AxesImage
    """
    z_from, z_to = (numpy.asarray(backend.to_numpy(check_array(z, name=name, ndim=1)), dtype=float)
                    for z, name in ((z_from, "z_from"), (z_to, "z_to")))
    path = interpolate(z_from, z_to, n_steps, method)
    ax = _axes(ax)
    shown = image_grid(backend.to_numpy(decode(path)), shape=shape, ncols=n_steps, ax=ax,
                       vmin=0, vmax=1)
    ax.set_title(f"{method} interpolation, t = 0 … 1", fontsize="small")
    return shown


def plot_latent_arithmetic(decode, z_a, z_b, Z_c, shape, ax=None, labels=("a", "b")):
    """Latent arithmetic, decoded: a, the midpoint ½(a + b), b on the first row; codes c
    and c + (a − b) on the next two.  [V7]

    Parameters
    ----------
    decode : callable                 codes (k, m) → image rows (k, h·w)
    z_a, z_b : arrays of shape (m,)   two concepts (e.g. mean codes of two groups)
    Z_c : array of shape (k, m)       codes that receive the difference a − b
    shape : (h, w)
    labels : (str, str)               names of the two concepts, for the row captions

    Returns
    -------
    image : matplotlib AxesImage
    """
    z_a, z_b = (numpy.asarray(backend.to_numpy(check_array(z, name=name, ndim=1)), dtype=float)
                for z, name in ((z_a, "z_a"), (z_b, "z_b")))
    Z_c = numpy.atleast_2d(numpy.asarray(
        backend.to_numpy(check_array(Z_c, name="Z_c", ndim=(1, 2))), dtype=float))
    top = numpy.stack([z_a, midpoint(z_a, z_b), z_b])                  # (3, m)
    images = backend.to_numpy(decode(numpy.concatenate([top, Z_c, Z_c + (z_a - z_b)])))
    images = numpy.asarray(images, dtype=float)
    k = max(3, len(Z_c))
    rows = []
    for row in (images[:3], images[3:3 + len(Z_c)], images[3 + len(Z_c):]):
        blank = numpy.full((k - len(row), images.shape[1]), numpy.nan)    # empty cells
        rows += [row, blank]
    rows = numpy.concatenate(rows)                                        # (3 k, n)
    ax = _axes(ax)
    shown = image_grid(rows, shape=shape, ncols=k, ax=ax, vmin=0, vmax=1)
    side = shape[0] + 1
    a, b = labels
    for i, text in enumerate((f"{a} | ½({a} + {b}) | {b}", "c", f"c + ({a} − {b})")):
        ax.text(-2, i * side + side / 2, text, ha="right", va="center", fontsize="small")
    return shown
