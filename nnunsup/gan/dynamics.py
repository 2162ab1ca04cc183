"""Training dynamics made measurable: how many modes of a toy mixture a generator covers,
and how many of its samples are good.  [G6]

On the 8-Gaussian ring (``nnunsup.datasets.make_2d_mixture``) a collapsed generator puts its
samples on one or a few of the modes; Srivastava et al. (2017) count a sample as *good* when
it lies within 3 standard deviations of some mode's centre, and a mode as *covered* when
enough good samples fall on it.

References
----------
Srivastava, Valkov, Russell, Gutmann & Sutton (2017). VEEGAN: Reducing mode collapse in
GANs using implicit variational learning. NeurIPS.
"""
import numpy

from .. import backend

__all__ = ["mode_coverage", "ring_centers"]


def ring_centers(n_components=8, radius=2.0):
    """The means r (cos 2πk/K, sin 2πk/K) of the ring mixture, shape (K, 2).  [G6]"""
    angle = 2 * numpy.pi * numpy.arange(n_components) / n_components
    return radius * numpy.column_stack([numpy.cos(angle), numpy.sin(angle)])


def mode_coverage(samples, centers, std, n_std=3.0, min_share=0.01):
    """Modes covered and the share of good samples.  [G6]

    Parameters
    ----------
    samples : array of shape (S, n)     generated objects
    centers : array of shape (K, n)     the modes' means
    std : float                         the modes' standard deviation
    n_std : float                       a sample is good within n_std · std of its nearest mode
    min_share : float                   a mode is covered when at least this share of all
                                        samples are good samples at it

    Returns
    -------
    result : dict  ``modes`` (how many covered), ``good`` (share of good samples),
                   ``counts`` (good samples per mode, array (K,))
    """
    S = numpy.asarray(backend.to_numpy(samples), dtype=float)
    C = numpy.asarray(centers, dtype=float)
    if S.ndim != 2 or C.ndim != 2 or S.shape[1] != C.shape[1]:
        raise ValueError(f"samples (S, n) and centers (K, n) must agree in n, got {S.shape} "
                         f"and {C.shape}")
    distance = numpy.linalg.norm(S[:, None, :] - C[None, :, :], axis=2)     # (S, K)
    nearest = distance.argmin(axis=1)
    good = distance[numpy.arange(len(S)), nearest] <= n_std * std
    counts = numpy.bincount(nearest[good], minlength=len(C))
    return {"modes": int((counts >= min_share * len(S)).sum()), "good": float(good.mean()),
            "counts": counts}
