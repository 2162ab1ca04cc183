"""The NumPy/CuPy switch: the one module of nnunsup that imports CuPy.

Model code never imports ``numpy`` or ``cupy`` to *compute*; kernels ask for the
array module of the arrays they receive (``xp = get_xp(x)``), and constructors and
``fit`` create arrays on the *active* backend through :func:`asarray`.  So one code
path serves float64 gradient checks on the CPU and float32 training on a GPU.

    >>> from nnunsup import backend
    >>> backend.use("numpy")          # the default; "cupy" moves new work to the GPU
    >>> backend.get_default_dtype()
    dtype('float32')

The environment variable ``NNUNSUP_BACKEND`` ("numpy" or "cupy") sets the backend at
import time.  dtype policy: new models train in float32 unless
:func:`set_default_dtype` says otherwise; :mod:`nnunsup.nn.gradcheck` always works on
float64 copies.
"""
import os

import numpy

__all__ = [
    "use", "current", "get_xp", "asarray", "to_numpy", "default_rng", "scatter_add",
    "set_default_dtype", "get_default_dtype", "is_cupy_available",
]

_BACKENDS = ("numpy", "cupy")
_state = {"name": "numpy", "xp": numpy, "dtype": numpy.dtype(numpy.float32)}


def _import_cupy():
    """Import CuPy and check that a GPU answers; RuntimeError saying what is missing."""
    try:
        import cupy
    except ImportError as exc:
        raise RuntimeError(
            "the 'cupy' backend needs CuPy, which is not installed; install it with "
            "`pip install nnunsup[gpu]` (CuPy for CUDA 13) or the cupy-cudaXXx wheel "
            "matching your CUDA version") from exc
    try:
        n_devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken
        raise RuntimeError(f"the 'cupy' backend needs an NVIDIA GPU, but CUDA reports: {exc}") from exc
    if n_devices < 1:
        raise RuntimeError("the 'cupy' backend needs an NVIDIA GPU; CUDA found none")
    return cupy


def is_cupy_available():
    """True when CuPy imports and sees at least one GPU."""
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


def use(name):
    """Make ``name`` ("numpy" or "cupy") the backend for arrays created from now on.

    Arrays that already exist stay where they are; move a fitted model's parameters with
    :func:`asarray` if needed.
    """
    if name not in _BACKENDS:
        raise ValueError(f"backend must be 'numpy' or 'cupy', got {name!r}")
    xp = numpy if name == "numpy" else _import_cupy()
    _state["name"], _state["xp"] = name, xp


def current():
    """Name of the active backend: "numpy" or "cupy"."""
    return _state["name"]


def set_default_dtype(dtype):
    """Set the floating dtype of new models' parameters (float32 by default)."""
    dtype = numpy.dtype(dtype)
    if dtype not in (numpy.float32, numpy.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    _state["dtype"] = dtype


def get_default_dtype():
    """The floating dtype new models are created in."""
    return _state["dtype"]


def _is_cupy_array(a):
    return type(a).__module__.startswith("cupy")


def get_xp(*arrays):
    """Array module (numpy or cupy) of the given arrays; the active one if none is an array.

    Raises TypeError when NumPy and CuPy arrays are mixed, naming their positions.
    """
    kinds = {i: _is_cupy_array(a) for i, a in enumerate(arrays) if hasattr(a, "shape")}
    if not kinds:
        return _state["xp"]
    if len(set(kinds.values())) > 1:
        on_gpu = [i for i, g in kinds.items() if g]
        on_cpu = [i for i, g in kinds.items() if not g]
        raise TypeError(
            f"arrays at positions {on_gpu} are CuPy arrays but those at {on_cpu} are NumPy "
            "arrays; move them to one backend with nnunsup.backend.asarray or to_numpy")
    if any(kinds.values()):
        import cupy
        return cupy
    return numpy


def asarray(a, dtype=None):
    """``a`` as an array of the active backend (copied only when it must be)."""
    if _state["name"] == "cupy":
        return _state["xp"].asarray(a, dtype=dtype)
    return numpy.asarray(to_numpy(a), dtype=dtype)


def to_numpy(a):
    """``a`` on the host, as a NumPy array (a no-op for NumPy input)."""
    if _is_cupy_array(a):
        return a.get()
    return numpy.asarray(a)


def default_rng(seed=None):
    """Random generator of the active backend.

    ``seed`` is None, an int or a ``numpy.random.SeedSequence``.  The same seed gives the
    same stream on the same backend; NumPy's and CuPy's streams differ.
    """
    if _state["name"] == "numpy":
        return numpy.random.default_rng(seed)
    if isinstance(seed, numpy.random.SeedSequence):
        seed = int(seed.generate_state(1, numpy.uint64)[0])
    return _state["xp"].random.default_rng(seed)


def scatter_add(a, index, values):
    """``a[index] += values`` with repeated indices accumulated (np.add.at)."""
    get_xp(a).add.at(a, index, values)
    return a


_env = os.environ.get("NNUNSUP_BACKEND")
if _env:
    try:
        use(_env.strip().lower())
    except (ValueError, RuntimeError) as exc:   # say where the bad name came from
        raise type(exc)(f"environment variable NNUNSUP_BACKEND={_env!r}: {exc}") from exc
