"""Weight initialisers.  Every one takes the caller's generator; none touches a global RNG.

Weights are drawn on the host by a ``numpy.random.Generator`` and then moved to the
active backend, so a seed gives the same initial weights on NumPy and on CuPy.

For a weight of shape (fan_out, fan_in) (the slides' orientation, ``A`` in ``A x + a``),
or (out_channels, in_channels, kh, kw) for a convolution, the fans are computed by
:func:`fans`.
"""
import math

from .. import backend

__all__ = ["fans", "zeros", "uniform", "normal", "xavier_uniform", "xavier_normal",
           "he_uniform", "he_normal"]


def fans(shape):
    """(fan_in, fan_out) of a weight of ``shape`` (out, in) or (out, in, kh, kw)."""
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def zeros(shape, dtype=None):
    """All zeros (biases)."""
    return backend.get_xp().zeros(shape, dtype=dtype or backend.get_default_dtype())


def _put(host, dtype):
    return backend.asarray(host, dtype=dtype or backend.get_default_dtype())


def uniform(rng, shape, low, high, dtype=None):
    """U(low, high) entries."""
    return _put(rng.uniform(low, high, size=shape), dtype)


def normal(rng, shape, std, dtype=None):
    """N(0, std²) entries."""
    return _put(rng.normal(0.0, std, size=shape), dtype)


def xavier_uniform(rng, shape, gain=1.0, dtype=None):
    """U(−a, a), a = gain · sqrt(6 / (fan_in + fan_out))  (Glorot & Bengio, 2010)."""
    fan_in, fan_out = fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(rng, shape, -bound, bound, dtype)


def xavier_normal(rng, shape, gain=1.0, dtype=None):
    """N(0, gain² · 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return normal(rng, shape, gain * math.sqrt(2.0 / (fan_in + fan_out)), dtype)


def he_uniform(rng, shape, dtype=None):
    """U(−a, a), a = sqrt(6 / fan_in)  (He et al., 2015), for ReLU layers."""
    fan_in, _ = fans(shape)
    bound = math.sqrt(6.0 / fan_in)
    return uniform(rng, shape, -bound, bound, dtype)


def he_normal(rng, shape, dtype=None):
    """N(0, 2 / fan_in), for ReLU layers."""
    fan_in, _ = fans(shape)
    return normal(rng, shape, math.sqrt(2.0 / fan_in), dtype)
