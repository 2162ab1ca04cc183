"""Seeded synthetic data for the demos and tests: point clouds, manifolds, binary patterns,
tiny images, GAN toy distributions and toy sequences.

Every function takes ``random_state`` (None, an int, a ``numpy.random.SeedSequence`` or a
``numpy.random.Generator``) and draws only from ``numpy.random.default_rng`` built from it,
so the same seed gives the same arrays.  Results are NumPy arrays on the host: point clouds
float64, images, binary patterns and sequences float32, labels int64.  Every function returns
``(X, y)`` except :func:`uniform_square`, which has no labels.

Shapes: ``N`` samples, ``n`` features.
"""
import numbers

import numpy

from .._validation import check_choice, check_random_state, check_scalar

__all__ = ["gaussian_mixture", "rings", "two_moons", "swiss_roll", "s_curve",
           "uniform_square", "bars_and_stripes", "shapes_images", "SHAPES",
           "make_1d_mixture", "make_2d_mixture", "sine_sequences"]


def _rng(random_state):
    return numpy.random.default_rng(check_random_state(random_state))


def _n_samples(n_samples):
    return check_scalar(n_samples, "n_samples", numbers.Integral, low=1)


def _even_split(n_samples, k):
    """Counts of ``k`` groups as equal as possible, summing to ``n_samples``."""
    return numpy.full(k, n_samples // k) + (numpy.arange(k) < n_samples % k)


def _labels(counts, rng):
    """Labels 0..k−1 repeated by ``counts``, in a random order: shape (N,), int64."""
    return rng.permutation(numpy.repeat(numpy.arange(len(counts)), counts)).astype(numpy.int64)


def gaussian_mixture(n_samples=300, centers=3, n_features=2, cluster_std=1.0, weights=None,
                     center_box=(-5.0, 5.0), random_state=None):
    """Isotropic Gaussian blobs: x = μ_k + s_k ε, ε ~ N(0, I), k the component.

    Parameters
    ----------
    n_samples : int
    centers : int or array of shape (k, n)
        Number of components (means drawn uniformly in ``center_box``) or the means.
    n_features : int                  n; ignored when ``centers`` is an array
    cluster_std : float or array of shape (k,)   standard deviation s_k per component
    weights : None or array of shape (k,)
        Mixing proportions (counts drawn from a multinomial); None splits evenly.
    center_box : (float, float)       bounds for random means
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    X : array of shape (N, n), float64
    y : array of shape (N,), int64 component index
    """
    n_samples = _n_samples(n_samples)
    rng = _rng(random_state)
    if isinstance(centers, numbers.Integral):
        check_scalar(centers, "centers", numbers.Integral, low=1)
        check_scalar(n_features, "n_features", numbers.Integral, low=1)
        means = rng.uniform(center_box[0], center_box[1], size=(centers, n_features))
    else:
        means = numpy.asarray(centers, dtype=numpy.float64)
        if means.ndim != 2 or means.shape[0] == 0:
            raise ValueError(f"centers must be an int or an array of shape (k, n_features), "
                             f"got shape {means.shape}")
    k = means.shape[0]
    std = numpy.broadcast_to(numpy.asarray(cluster_std, dtype=numpy.float64), (k,))
    if (std < 0).any():
        raise ValueError(f"cluster_std must be >= 0, got {cluster_std!r}")
    if weights is None:
        counts = _even_split(n_samples, k)
    else:
        p = numpy.asarray(weights, dtype=numpy.float64)
        if p.shape != (k,) or (p < 0).any() or p.sum() <= 0:
            raise ValueError(f"weights must be {k} non-negative numbers with a positive sum, "
                             f"got {weights!r}")
        counts = rng.multinomial(n_samples, p / p.sum())
    y = _labels(counts, rng)                                        # (N,)
    X = means[y] + std[y, None] * rng.standard_normal((n_samples, means.shape[1]))  # (N, n)
    return X, y


def rings(n_samples=300, n_rings=2, noise=0.05, radii=None, random_state=None):
    """Concentric circles in 2-D: x = r_k (cos t, sin t) + noise · ε, t ~ U[0, 2π).

    Parameters
    ----------
    n_samples : int                   split evenly between the rings
    n_rings : int
    noise : float                     standard deviation of the Gaussian noise ε
    radii : None or array of shape (n_rings,)   default 1/n_rings, 2/n_rings, …, 1
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    X : array of shape (N, 2), float64
    y : array of shape (N,), int64 ring index (0 = innermost by default)
    """
    n_samples = _n_samples(n_samples)
    check_scalar(n_rings, "n_rings", numbers.Integral, low=1)
    check_scalar(noise, "noise", low=0)
    if radii is None:
        radii = numpy.arange(1, n_rings + 1) / n_rings
    radii = numpy.asarray(radii, dtype=numpy.float64)
    if radii.shape != (n_rings,):
        raise ValueError(f"radii must have {n_rings} entries (n_rings), got shape {radii.shape}")
    rng = _rng(random_state)
    y = _labels(_even_split(n_samples, n_rings), rng)
    t = rng.uniform(0, 2 * numpy.pi, n_samples)                     # (N,)
    X = radii[y, None] * numpy.column_stack([numpy.cos(t), numpy.sin(t)])  # (N, 2)
    return X + noise * rng.standard_normal((n_samples, 2)), y


def two_moons(n_samples=300, noise=0.1, random_state=None):
    """Two interleaving half circles: (cos t, sin t) and (1 − cos t, ½ − sin t), t ~ U[0, π].

    Returns
    -------
    X : array of shape (N, 2), float64     plus Gaussian noise of std ``noise``
    y : array of shape (N,), int64          0 upper moon, 1 lower moon
    """
    n_samples = _n_samples(n_samples)
    check_scalar(noise, "noise", low=0)
    rng = _rng(random_state)
    y = _labels(_even_split(n_samples, 2), rng)
    t = rng.uniform(0, numpy.pi, n_samples)                         # (N,)
    upper = numpy.column_stack([numpy.cos(t), numpy.sin(t)])
    lower = numpy.column_stack([1 - numpy.cos(t), 0.5 - numpy.sin(t)])
    X = numpy.where(y[:, None] == 0, upper, lower)                  # (N, 2)
    return X + noise * rng.standard_normal((n_samples, 2)), y


def swiss_roll(n_samples=1000, noise=0.0, random_state=None):
    """A 2-D sheet rolled up in 3-D: x = (t cos t, h, t sin t), t ~ U[1.5π, 4.5π], h ~ U[0, 21].

    Returns
    -------
    X : array of shape (N, 3), float64   plus Gaussian noise of std ``noise``
    t : array of shape (N,), float64     position along the roll (colour it by t)
    """
    n_samples = _n_samples(n_samples)
    check_scalar(noise, "noise", low=0)
    rng = _rng(random_state)
    t = 1.5 * numpy.pi * (1 + 2 * rng.random(n_samples))            # (N,)
    h = 21 * rng.random(n_samples)                                  # (N,)
    X = numpy.column_stack([t * numpy.cos(t), h, t * numpy.sin(t)])  # (N, 3)
    return X + noise * rng.standard_normal((n_samples, 3)), t


def s_curve(n_samples=1000, noise=0.0, random_state=None):
    """An S-shaped 2-D sheet in 3-D: x = (sin t, h, sign(t)(cos t − 1)), t ~ U[−1.5π, 1.5π],
    h ~ U[0, 2].

    Returns
    -------
    X : array of shape (N, 3), float64   plus Gaussian noise of std ``noise``
    t : array of shape (N,), float64     position along the curve
    """
    n_samples = _n_samples(n_samples)
    check_scalar(noise, "noise", low=0)
    rng = _rng(random_state)
    t = 3 * numpy.pi * (rng.random(n_samples) - 0.5)                # (N,)
    h = 2 * rng.random(n_samples)                                   # (N,)
    X = numpy.column_stack([numpy.sin(t), h, numpy.sign(t) * (numpy.cos(t) - 1)])  # (N, 3)
    return X + noise * rng.standard_normal((n_samples, 3)), t


def uniform_square(n_samples=1000, n_features=2, low=0.0, high=1.0, random_state=None):
    """Points uniform in the square (cube) [low, high]^n — the SOM unfolding demo.

    Returns
    -------
    X : array of shape (N, n), float64   (no labels)
    """
    n_samples = _n_samples(n_samples)
    check_scalar(n_features, "n_features", numbers.Integral, low=1)
    if not low < high:
        raise ValueError(f"low must be < high, got low={low!r}, high={high!r}")
    return _rng(random_state).uniform(low, high, size=(n_samples, n_features))


def bars_and_stripes(size=4, n_samples=None, flatten=True, random_state=None):
    """MacKay's bars-and-stripes patterns on a ``size × size`` grid, for RBMs.

    A pattern has all rows uniform (stripes, label 0) or all columns uniform (bars, label 1).
    There are 2^(size+1) − 2 distinct patterns: 2^size of each orientation, the all-off and
    all-on patterns being both (they are listed once, as stripes).

    Parameters
    ----------
    size : int                 grid side, >= 2
    n_samples : None or int
        None: every distinct pattern once, in a fixed order (stripes first, by the binary
        number their rows spell; then bars) — ``random_state`` is not used.  An int: draw
        that many by MacKay's process — an orientation with probability ½, then every row
        (or column) on with probability ½ — so all-off and all-on are twice as likely as
        any other pattern; y is the orientation drawn.
    flatten : bool             rows of size² pixels if True, else (N, size, size)
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    X : array of shape (N, size²) or (N, size, size), float32 in {0, 1}
    y : array of shape (N,), int64: 0 stripes (rows uniform), 1 bars (columns uniform)

    References
    ----------
    MacKay, D. (2003). Information Theory, Inference, and Learning Algorithms, ch. 43.
    """
    check_scalar(size, "size", numbers.Integral, low=2)
    if n_samples is None:
        lines = (numpy.arange(2 ** size)[:, None] >> numpy.arange(size)[::-1]) & 1  # (2^size, size)
        stripes = numpy.repeat(lines[:, :, None], size, axis=2)        # rows uniform
        bars = numpy.repeat(lines[1:-1, None, :], size, axis=1)       # columns uniform, no duplicates
        images = numpy.concatenate([stripes, bars])
        y = numpy.repeat(numpy.array([0, 1]), [len(stripes), len(bars)])
    else:
        n_samples = _n_samples(n_samples)
        rng = _rng(random_state)
        y = rng.integers(0, 2, n_samples)                              # orientation
        lines = rng.integers(0, 2, (n_samples, size))                  # (N, size) on/off
        stripes = numpy.repeat(lines[:, :, None], size, axis=2)
        images = numpy.where(y[:, None, None] == 0, stripes, stripes.transpose(0, 2, 1))
    X = images.astype(numpy.float32)
    return (X.reshape(len(X), size * size) if flatten else X), y.astype(numpy.int64)


SHAPES = ("square", "circle", "plus", "cross", "triangle", "hline", "vline")


def _shape_masks(dy, dx, r):
    """Boolean masks (N, size, size) per shape name; dy, dx offsets from integer centres."""
    a, b = numpy.abs(dy), numpy.abs(dx)
    return {
        "square": numpy.maximum(a, b) == r,                            # outline
        "circle": numpy.abs(numpy.hypot(dy, dx) - r) < 0.5,            # outline
        "plus": ((dx == 0) & (a <= r)) | ((dy == 0) & (b <= r)),
        "cross": (a == b) & (a <= r),                                  # the letter x
        "triangle": (a <= r) & (2 * b <= dy + r),                      # filled, apex up
        "hline": (dy == 0) & (b <= r),
        "vline": (dx == 0) & (a <= r),
    }


def shapes_images(n_samples=500, size=16, shapes=SHAPES, noise=0.0, flatten=True,
                  random_state=None):
    """Tiny binary images of simple shapes at random positions and sizes, with labels.

    Each image shows one shape (label = its index in ``shapes``) of radius r ~ U{2, …,
    size//2 − 1} centred at a random pixel where it fits; pixels are 1 on the shape and 0
    elsewhere, then Gaussian noise of std ``noise`` is added and the result clipped to
    [0, 1].  Classes are balanced (an even split, shuffled).

    Parameters
    ----------
    n_samples : int
    size : int                 image side, >= 8 (12 or 16 are typical)
    shapes : sequence of str   a subset of :data:`SHAPES`
    noise : float              >= 0
    flatten : bool             (N, size²) if True, else (N, 1, size, size) for conv nets
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    X : array of shape (N, size²) or (N, 1, size, size), float32 in [0, 1]
    y : array of shape (N,), int64 index into ``shapes``
    """
    n_samples = _n_samples(n_samples)
    check_scalar(size, "size", numbers.Integral, low=8)
    check_scalar(noise, "noise", low=0)
    shapes = tuple(shapes)
    if not shapes:
        raise ValueError("shapes must name at least one shape")
    for name in shapes:
        check_choice(name, "shapes entry", SHAPES)
    rng = _rng(random_state)
    y = _labels(_even_split(n_samples, len(shapes)), rng)           # (N,)
    r = rng.integers(2, size // 2, n_samples)                       # (N,) radius, fits: 2r+1 <= size − 1
    cy = rng.integers(r, size - r)                                  # (N,) centre row
    cx = rng.integers(r, size - r)                                  # (N,) centre column
    rows = numpy.arange(size)
    dy = (rows[None, :, None] - cy[:, None, None]).astype(numpy.float64)  # (N, size, 1)
    dx = (rows[None, None, :] - cx[:, None, None]).astype(numpy.float64)  # (N, 1, size)
    dy, dx = numpy.broadcast_arrays(dy, dx)                         # (N, size, size)
    masks = _shape_masks(dy, dx, r[:, None, None])
    X = numpy.zeros((n_samples, size, size))
    for k, name in enumerate(shapes):
        X[y == k] = masks[name][y == k]
    if noise > 0:
        X = numpy.clip(X + noise * rng.standard_normal(X.shape), 0, 1)
    X = X.astype(numpy.float32)
    return (X.reshape(n_samples, size * size) if flatten else X[:, None]), y


def make_1d_mixture(n_samples=1000, means=(-2.0, 2.0), stds=(0.5, 0.5), weights=None,
                    random_state=None):
    """A 1-D Gaussian mixture (bimodal by default), the GAN training-dynamics toy.

    Parameters
    ----------
    means, stds : sequences of length k
    weights : None (equal) or sequence of length k   mixing proportions

    Returns
    -------
    X : array of shape (N, 1), float64
    y : array of shape (N,), int64 component index
    """
    means = numpy.asarray(means, dtype=numpy.float64).reshape(-1, 1)
    stds = numpy.asarray(stds, dtype=numpy.float64)
    if stds.shape != (len(means),):
        raise ValueError(f"stds must have {len(means)} entries (one per mean), got {stds.shape}")
    if weights is None:
        weights = numpy.ones(len(means))
    return gaussian_mixture(n_samples, centers=means, cluster_std=stds, weights=weights,
                            random_state=random_state)


def make_2d_mixture(n_samples=1000, n_components=8, layout="ring", radius=2.0, std=0.02,
                    random_state=None):
    """The GAN mode-collapse toys: Gaussians on a ring (8 by default) or on a square grid.

    "ring": means r (cos 2πk/K, sin 2πk/K), k = 0…K−1.  "grid": K must be a square number
    s²; means on an s × s grid spanning [−radius, radius]² (the 25-Gaussian toy for K = 25).
    Components are sampled with equal probability.

    Returns
    -------
    X : array of shape (N, 2), float64
    y : array of shape (N,), int64 component index
    """
    check_scalar(n_components, "n_components", numbers.Integral, low=1)
    check_choice(layout, "layout", ("ring", "grid"))
    check_scalar(std, "std", low=0)
    if layout == "ring":
        angle = 2 * numpy.pi * numpy.arange(n_components) / n_components
        means = radius * numpy.column_stack([numpy.cos(angle), numpy.sin(angle)])
    else:
        side = int(round(n_components ** 0.5))
        if side * side != n_components:
            raise ValueError(f"layout='grid' needs a square n_components (4, 9, 25, …), "
                             f"got {n_components}")
        ticks = numpy.linspace(-radius, radius, side) if side > 1 else numpy.zeros(1)
        means = numpy.stack(numpy.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2)
    return gaussian_mixture(n_samples, centers=means, cluster_std=std,
                            weights=numpy.ones(n_components), random_state=random_state)


def sine_sequences(n_samples=500, length=20, n_features=1, n_classes=3, noise=0.0,
                   flatten=True, random_state=None):
    """Sine waves in [0, 1] of a few frequencies with random phases: toy sequences, with labels.

    Object i of class y_i ∈ {0, …, K−1} has, in feature j at step t = 0, …, T−1,

        x_itj = ½ + 0.4 sin(2π (y_i + 1) t / T + φ_ij),   φ_ij ∼ U(0, 2π),

    that is y_i + 1 whole periods over the sequence; Gaussian noise of std ``noise`` is
    added and the result clipped to [0, 1].  Classes are balanced (an even split, shuffled).
    The sequence autoencoder's test and demo data [A15].

    Parameters
    ----------
    n_samples : int
    length : int               T, steps per sequence
    n_features : int           features per step (each with its own phase)
    n_classes : int            K frequencies; 2K < T so that the fastest wave is resolved
    noise : float              >= 0
    flatten : bool             (N, T·n_features) rows, step after step, if True; else
                               (N, T, n_features)
    random_state : None, int, SeedSequence or Generator

    Returns
    -------
    X : array of shape (N, T·n_features) or (N, T, n_features), float32 in [0, 1]
    y : array of shape (N,), int64 frequency index
    """
    n_samples = _n_samples(n_samples)
    check_scalar(length, "length", numbers.Integral, low=2)
    check_scalar(n_features, "n_features", numbers.Integral, low=1)
    check_scalar(n_classes, "n_classes", numbers.Integral, low=1)
    check_scalar(noise, "noise", low=0)
    if 2 * n_classes >= length:
        raise ValueError(f"n_classes={n_classes} needs length > {2 * n_classes} (the fastest "
                         f"wave has {n_classes} periods), got length={length}")
    rng = _rng(random_state)
    y = _labels(_even_split(n_samples, n_classes), rng)                    # (N,)
    phase = rng.uniform(0, 2 * numpy.pi, (n_samples, 1, n_features))      # (N, 1, n)
    t = numpy.arange(length)[None, :, None]                                # (1, T, 1)
    omega = 2 * numpy.pi * (y + 1)[:, None, None] / length                 # (N, 1, 1)
    X = 0.5 + 0.4 * numpy.sin(omega * t + phase)                           # (N, T, n)
    if noise > 0:
        X = numpy.clip(X + noise * rng.standard_normal(X.shape), 0, 1)
    X = X.astype(numpy.float32)
    return (X.reshape(n_samples, length * n_features) if flatten else X), y
