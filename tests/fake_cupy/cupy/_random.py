"""``cupy.random`` of the stand-in: a Generator with only the methods CuPy's has.

The draws come from a NumPy generator (so they differ from CuPy's cuRAND streams, as the
library documents) and land on the stand-in's device.  The methods and arguments are those
of ``cupy.random.Generator`` in CuPy 13 (``cupy/random/_generator_api.pyx``); asking for
another method — ``normal``, ``choice``, ``permutation``, ``shuffle``, ``multinomial``,
``spawn`` — raises AttributeError, as on a GPU.
"""
import numpy as _np

from . import _wrap, ndarray

__all__ = ["Generator", "default_rng"]


class Generator:
    """The device generator: random, uniform, integers, standard_normal and the rest."""

    __module__ = "cupy.random._generator_api"       # where CuPy's Generator lives

    def __init__(self, seed=None):
        self._rng = _np.random.default_rng(seed)

    def random(self, size=None, dtype=_np.float64, out=None):
        values = self._rng.random(size, dtype=_np.float64 if _np.dtype(dtype) == _np.float64
                                  else _np.float32)
        return self._out(values.astype(dtype, copy=False), out)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=_np.float64):
        return _wrap(self._rng.uniform(_host(low), _host(high), size).astype(dtype, copy=False))

    def integers(self, low, high=None, size=None, dtype=_np.int64, endpoint=False):
        return _wrap(_np.asarray(self._rng.integers(low, high, size, dtype=dtype,
                                                    endpoint=endpoint)))

    def standard_normal(self, size=None, dtype=_np.float64, out=None):
        if _np.dtype(dtype).char not in "fd":
            raise TypeError(f"Unsupported dtype {_np.dtype(dtype).name} for standard_normal")
        return self._out(self._rng.standard_normal(size, dtype=dtype), out)

    def standard_exponential(self, size=None, dtype=_np.float64, method="inv", out=None):
        return self._out(self._rng.standard_exponential(size).astype(dtype, copy=False), out)

    def exponential(self, scale=1.0, size=None):
        return _wrap(_np.asarray(self._rng.exponential(_host(scale), size)))

    def binomial(self, n, p, size=None):
        return _wrap(_np.asarray(self._rng.binomial(_host(n), _host(p), size)))

    def poisson(self, lam=1.0, size=None):
        return _wrap(_np.asarray(self._rng.poisson(_host(lam), size)))

    def gamma(self, shape, scale=1.0, size=None):
        return _wrap(_np.asarray(self._rng.gamma(_host(shape), _host(scale), size)))

    def standard_gamma(self, shape, size=None, dtype=_np.float64, out=None):
        return self._out(_np.asarray(self._rng.standard_gamma(_host(shape), size)).astype(dtype),
                         out)

    def beta(self, a, b, size=None, dtype=_np.float64):
        return _wrap(_np.asarray(self._rng.beta(_host(a), _host(b), size)).astype(dtype))

    @staticmethod
    def _out(values, out):
        values = _np.asarray(values)
        if out is None:
            return _wrap(values)
        out._a[...] = values
        return out


def _host(value):
    """A parameter given as a device array, on the host for NumPy's generator."""
    return value._a if isinstance(value, ndarray) else value


def default_rng(seed=None):
    """A :class:`Generator` seeded with None, an int or a ``numpy.random.SeedSequence``, as
    CuPy's takes."""
    if seed is not None and not isinstance(seed, (int, _np.integer, _np.random.SeedSequence)):
        raise TypeError(f"cupy.random.default_rng takes an int or a SeedSequence, got "
                        f"{type(seed).__name__}")
    return Generator(seed)
