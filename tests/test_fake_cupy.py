"""The CPU stand-in for CuPy (tests/fake_cupy) enforces the rules it claims to.

``NNUNSUP_FAKE_CUPY=1 pytest -m gpu`` runs the library's CuPy cases against the stand-in;
a stand-in that let host arrays through would make those runs pass for code that fails on
a GPU.  These tests load it under a name of its own (so a real CuPy is not shadowed) and
check each rule of its docstring.
"""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

from nnunsup import backend

_PACKAGE = pathlib.Path(__file__).parent / "fake_cupy" / "cupy"


@pytest.fixture(scope="module")
def cp():
    """The stand-in, imported as ``_fake_cupy_under_test``."""
    name = "_fake_cupy_under_test"
    spec = importlib.util.spec_from_file_location(name, _PACKAGE / "__init__.py",
                                                  submodule_search_locations=[str(_PACKAGE)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]


def test_device_arrays_look_like_cupys(cp):
    """The class is ``cupy.ndarray`` to the backend, and is not a NumPy array."""
    a = cp.asarray(np.arange(3.0))
    assert backend._is_cupy_array(a) and not isinstance(a, np.ndarray)
    assert type(a).__name__ == "ndarray" and type(a).__module__ == "cupy"


def test_implicit_conversion_to_the_host_is_refused(cp):
    """numpy.asarray of a device array raises; .get() and asnumpy copy to the host."""
    a = cp.asarray(np.arange(3.0))
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    np.testing.assert_array_equal(a.get(), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(cp.asnumpy(a), [0.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="size-1"):
        float(a)


def test_mixing_host_and_device_arrays_is_refused(cp):
    """Operators, NumPy ufuncs and cupy functions refuse a host array operand."""
    a, host = cp.asarray(np.ones(3)), np.ones(3)
    for mix in (lambda: a + host, lambda: host * a, lambda: np.maximum(a, host),
                lambda: cp.maximum(a, host), lambda: cp.concatenate([a, host]),
                lambda: a.__iadd__(host)):
        with pytest.raises(TypeError, match="Unsupported type"):
            mix()
    b = a + 1.5                                       # Python and NumPy scalars are fine
    b *= np.float32(2)
    assert isinstance(b, cp.ndarray)
    b[:2] = host[:2]                                  # an explicit host → device copy
    np.testing.assert_array_equal(b.get(), [1.0, 1.0, 5.0])


def test_reductions_are_zero_dimensional_device_arrays(cp):
    """sum, mean, max and NumPy's reductions give 0-d device arrays, not NumPy scalars."""
    a = cp.asarray(np.arange(4.0))
    for value in (a.sum(), a.max(), cp.mean(a), np.mean(a), (a > 1).all()):
        assert isinstance(value, cp.ndarray) and value.ndim == 0
    assert float(a.sum()) == 6.0 and int(a.argmax()) == 3 and bool((a > 1).any())
    assert a.sum().item() == 6.0


def test_numpy_functions_dispatch_to_the_device(cp):
    """NumPy's ufuncs and functions called on device arrays return device arrays."""
    a = cp.asarray(np.arange(3.0))
    for value in (np.exp(a), np.concatenate([a, a]), np.where(a > 0, a, 0.0), a @ a, a.T):
        assert isinstance(value, cp.ndarray)


def test_out_and_views_are_the_arrays_themselves(cp):
    """``out=``, asarray and a cast without copy return the given device array itself;
    views write through to their base."""
    a = cp.asarray(np.arange(6.0).reshape(2, 3))
    assert np.multiply(a, 2.0, out=a) is a and cp.exp(a, out=a) is a
    assert cp.asarray(a) is a and a.astype(a.dtype, copy=False) is a
    assert a.astype(np.float32) is not a
    a.T[0] = 0.0
    np.testing.assert_array_equal(a.get()[:, 0], [0.0, 0.0])


def test_ufunc_methods_are_cupys(cp):
    """add.at scatters; reduce and accumulate exist for add and multiply only, through
    cupy and through NumPy's dispatch alike; lists are refused as ufunc operands."""
    a = cp.zeros(3)
    cp.add.at(a, cp.asarray([0, 0, 2]), 1.0)
    np.testing.assert_array_equal(a.get(), [2.0, 0.0, 1.0])
    assert float(cp.add.reduce(a)) == 3.0
    np.testing.assert_array_equal(cp.add.accumulate(a).get(), [2.0, 2.0, 3.0])
    for unsupported in (lambda: cp.maximum.reduce(a), lambda: np.maximum.reduce(a),
                        lambda: cp.maximum.accumulate(a)):
        with pytest.raises(NotImplementedError):
            unsupported()
    for mix in (lambda: a + [1.0, 2.0, 3.0], lambda: cp.maximum(a, [1.0, 2.0, 3.0]),
                lambda: np.maximum(a, (1.0, 2.0, 3.0))):
        with pytest.raises(TypeError, match="Unsupported type"):
            mix()


def test_the_generator_has_cupys_methods_only(cp):
    """random, standard_normal, integers, uniform land on the device with the requested
    dtype; NumPy-only methods are missing."""
    rng = cp.random.default_rng(0)
    for draw, dtype in ((rng.random((2, 3), dtype=np.float32), np.float32),
                        (rng.standard_normal((2, 3), dtype=np.float32), np.float32),
                        (rng.uniform(-1, 1, (2, 3)), np.float64),
                        (rng.integers(0, 5, (2, 3)), np.int64)):
        assert isinstance(draw, cp.ndarray) and draw.dtype == dtype and draw.shape == (2, 3)
    assert isinstance(rng.integers(2 ** 32), cp.ndarray)             # a 0-d array, as CuPy's
    for missing in ("normal", "choice", "permutation", "shuffle", "multinomial", "spawn"):
        assert not hasattr(rng, missing), missing
    assert type(rng).__module__.startswith("cupy.random")
    cp.random.default_rng(np.random.SeedSequence(0))  # CuPy's takes one too
    with pytest.raises(TypeError, match="int or a SeedSequence"):
        cp.random.default_rng(0.5)


def test_copies_between_host_and_device_are_counted(cp):
    """``transfers`` counts uploads (asarray of a host array or a list, assigning one),
    downloads (get, asnumpy, tolist, tobytes, printing) and scalar reads (float, bool, item,
    an index, a formatted scalar), and nothing else."""
    cp.transfers.update(dict.fromkeys(cp.transfers, 0))
    a = cp.asarray(np.arange(4.0))                    # upload
    a[:2] = np.zeros(2)                               # upload
    c = cp.asarray([1, 2, 3])                         # upload
    b = cp.asarray(a) * 2 + cp.exp(a)                 # device only
    b.get(), cp.asnumpy(b), b.tolist(), b.tobytes(), str(b)        # five downloads
    float(b.sum()), bool((b > 0).any()), b[0].item()  # three scalar reads
    [0, 1, 2][c[0]], f"{b[1]:.2f}"                    # two more
    assert cp.transfers == {"to_device": 3, "to_host": 5, "scalars": 5}
    out = np.empty(4)
    assert b.get(out=out) is out and np.array_equal(out, b.get())


def test_host_memory_views_are_refused(cp):
    """A device array offers no view of host memory to read it through."""
    a = cp.asarray(np.arange(4.0))
    for name in ("data", "ctypes", "__array_interface__"):
        with pytest.raises(AttributeError):
            getattr(a, name)
    with pytest.raises(TypeError):
        np.frombuffer(a, dtype=a.dtype)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.array(a.flat)
    a.flat[cp.asarray([1, 3])] = 0.0                  # flat indexing stays on the device
    assert isinstance(a.flat[2], cp.ndarray)
    np.testing.assert_array_equal(a.get(), [0.0, 0.0, 2.0, 0.0])


def test_elementwise_kernels_run_their_statements_in_place(cp):
    """A kernel's statements run on whole arrays, the outputs updated in place; a statement
    C could not compile for want of ';' is refused."""
    kernel = cp.ElementwiseKernel("T x, T a", "T y, T z", "y += a * x;\nz = sqrt(y);", "axpy")
    x, y, z = cp.asarray(np.arange(4.0)), cp.asarray(np.ones(4)), cp.zeros(4)
    out = kernel(x, 2.0, y, z)
    assert out[0] is y and out[1] is z
    np.testing.assert_allclose(y.get(), [1.0, 3.0, 5.0, 7.0])
    np.testing.assert_allclose(z.get(), np.sqrt([1.0, 3.0, 5.0, 7.0]))
    with pytest.raises(ValueError, match="';'"):
        cp.ElementwiseKernel("T x", "T y", "y = x", "no_semicolon")
    with pytest.raises(TypeError, match="Unsupported type"):
        kernel(np.arange(4.0), 2.0, y, z)            # a host array among the arguments
    with pytest.raises(TypeError, match="Type is mismatched"):
        kernel(x, 2.0, y.astype(np.float32), z)      # two dtypes under one placeholder
    with pytest.raises(ValueError, match="Out shape"):
        kernel(x, 2.0, cp.zeros(3), cp.zeros(3))
    scale = cp.ElementwiseKernel("T x, T a", "T y", "y = a * x;", "scale")
    y_new = scale(x.astype(np.float32), 2.5)          # the output allocated, 2.5 cast to T
    assert y_new.dtype == np.float32 and y_new.shape == (4,)
    np.testing.assert_array_equal(y_new.get(), [0.0, 2.5, 5.0, 7.5])
