"""nnunsup.backend: the NumPy/CuPy switch, the dtype policy and the few shims."""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from nnunsup import backend

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _restore_backend():
    """Every test here leaves the active backend and default dtype as it found them."""
    name, dtype = backend.current(), backend.get_default_dtype()
    yield
    backend.use(name)
    backend.set_default_dtype(dtype)


def _python(code, env_value):
    """Run ``python -c code`` in a fresh interpreter with NNUNSUP_BACKEND=env_value."""
    env = dict(os.environ)
    env["NNUNSUP_BACKEND"] = env_value
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)


class _FakeCupyArray:
    """A stand-in whose type lives in a ``cupy`` module, so mixing can be tested on a CPU."""

    __module__ = "cupy._core.core"
    shape = (2,)


# --- use / current ---------------------------------------------------------------------

def test_use_numpy_makes_numpy_active():
    """use("numpy") makes NumPy the active module and current() report it."""
    backend.use("numpy")
    assert backend.current() == "numpy"
    assert backend.get_xp() is np
    assert isinstance(backend.asarray([1.0, 2.0]), np.ndarray)


@pytest.mark.parametrize("name", ["bogus", "gpu", "", "torch"])
def test_use_unknown_name_lists_choices(name):
    """An unknown backend name is a ValueError that lists both choices and the bad name."""
    with pytest.raises(ValueError) as info:
        backend.use(name)
    message = str(info.value)
    assert "'numpy'" in message and "'cupy'" in message
    assert repr(name) in message
    assert backend.current() == "numpy"          # a failed switch changes nothing


def test_use_cupy_without_gpu_says_what_to_install():
    """Without CuPy (or a GPU) use("cupy") raises RuntimeError and leaves NumPy active."""
    if backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is available here")
    with pytest.raises(RuntimeError, match="cupy|CuPy|GPU") as info:
        backend.use("cupy")
    message = str(info.value)
    try:
        import cupy  # noqa: F401
    except ImportError:
        assert "pip install" in message      # CuPy missing: tell the user what to install
    else:
        assert "GPU" in message              # CuPy present but no device
    assert backend.current() == "numpy"
    assert backend.get_xp() is np


def test_is_cupy_available_agrees_with_use():
    """is_cupy_available() is True exactly when use("cupy") succeeds."""
    if backend.is_cupy_available():
        backend.use("cupy")
        assert backend.current() == "cupy"
    else:
        with pytest.raises(RuntimeError):
            backend.use("cupy")


# --- NNUNSUP_BACKEND at import ---------------------------------------------------------

@pytest.mark.parametrize("value", ["numpy", " NumPy "])
def test_env_var_selects_backend_at_import(value):
    """NNUNSUP_BACKEND=numpy (any case, surrounding blanks) is honoured at import time."""
    result = _python("import nnunsup.backend as b; print(b.current(), b.get_xp().__name__)", value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["numpy", "numpy"]


def test_env_var_invalid_value_fails_clearly():
    """An invalid NNUNSUP_BACKEND stops the import with a message naming it and the choices."""
    result = _python("import nnunsup", "bogus")
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ValueError")
    assert "NNUNSUP_BACKEND" in last_line and "'bogus'" in last_line
    assert "'numpy'" in last_line and "'cupy'" in last_line


def test_env_var_cupy_without_gpu_fails_clearly():
    """NNUNSUP_BACKEND=cupy without CuPy/GPU stops the import with a RuntimeError saying so."""
    if backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is available here")
    result = _python("import nnunsup", "cupy")
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("RuntimeError")
    assert "NNUNSUP_BACKEND" in last_line and ("install" in last_line or "GPU" in last_line)


# --- get_xp ----------------------------------------------------------------------------

def test_get_xp_of_numpy_arrays_is_numpy():
    """get_xp returns numpy for NumPy arrays, alone or several."""
    a, b = np.zeros(3), np.ones((2, 2), dtype=np.float32)
    assert backend.get_xp(a) is np
    assert backend.get_xp(a, b) is np


def test_get_xp_without_arrays_is_active_backend(xp):
    """With no arrays (nothing, None, scalars, lists) get_xp gives the active module."""
    assert backend.get_xp() is xp
    assert backend.get_xp(None) is xp
    assert backend.get_xp(None, 3.0, [1, 2]) is xp


def test_get_xp_ignores_non_arrays_next_to_arrays():
    """Scalars and None next to a NumPy array do not change the answer."""
    assert backend.get_xp(None, np.zeros(2), 1.5) is np


def test_get_xp_mixed_stand_in_raises_type_error_naming_positions():
    """Mixing NumPy arrays with (stand-in) CuPy arrays is a TypeError naming both positions."""
    with pytest.raises(TypeError) as info:
        backend.get_xp(np.zeros(2), None, _FakeCupyArray())
    message = str(info.value)
    assert "[2]" in message and "[0]" in message
    assert "to_numpy" in message or "asarray" in message


@pytest.mark.gpu
def test_get_xp_mixed_real_cupy_raises_type_error():
    """A real CuPy array next to a NumPy array is a TypeError (needs CuPy and a GPU)."""
    if not backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is not available")
    import cupy

    with pytest.raises(TypeError):
        backend.get_xp(cupy.zeros(2), np.zeros(2))
    assert backend.get_xp(cupy.zeros(2)) is cupy


# --- dtype policy ----------------------------------------------------------------------

def test_default_dtype_is_float32():
    """New models train in float32 unless told otherwise (the documented default)."""
    assert backend.get_default_dtype() == np.float32


@pytest.mark.parametrize("dtype", [np.float64, "float64", np.dtype("float32"), "float32"])
def test_set_default_dtype_accepts_floats(dtype):
    """float32 and float64, given as types, dtypes or names, become the default dtype."""
    backend.set_default_dtype(dtype)
    assert backend.get_default_dtype() == np.dtype(dtype)
    assert isinstance(backend.get_default_dtype(), np.dtype)


@pytest.mark.parametrize("dtype", [np.int32, "int64", np.float16, bool, np.complex128])
def test_set_default_dtype_rejects_others(dtype):
    """Integer, half, bool and complex dtypes are a ValueError naming the allowed ones."""
    with pytest.raises(ValueError, match="float32 or float64"):
        backend.set_default_dtype(dtype)
    assert backend.get_default_dtype() == np.float32


def test_float64_fixture_sets_default(float64):
    """The conftest float64 fixture makes float64 the default for the test."""
    assert backend.get_default_dtype() == np.float64


# --- asarray / to_numpy ----------------------------------------------------------------

def test_asarray_to_numpy_round_trip(xp, rng):
    """asarray puts data on the active backend; to_numpy brings back the same values."""
    host = rng.standard_normal((3, 4))
    a = backend.asarray(host)
    assert isinstance(a, xp.ndarray)
    back = backend.to_numpy(a)
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, host)


def test_asarray_dtype_and_lists(xp):
    """asarray converts lists and honours dtype=."""
    a = backend.asarray([[1, 2], [3, 4]], dtype=np.float32)
    assert a.dtype == np.float32 and a.shape == (2, 2)
    np.testing.assert_array_equal(backend.to_numpy(a), [[1, 2], [3, 4]])


def test_asarray_does_not_copy_numpy_input():
    """On the NumPy backend asarray of a matching array is the array itself (no copy)."""
    host = np.arange(5.0)
    assert backend.asarray(host) is host
    converted = backend.asarray(host, dtype=np.float32)
    assert converted.dtype == np.float32 and host.dtype == np.float64


def test_to_numpy_is_noop_for_numpy():
    """to_numpy of a NumPy array returns it unchanged, and turns lists into arrays."""
    host = np.ones(3)
    assert backend.to_numpy(host) is host
    np.testing.assert_array_equal(backend.to_numpy([1.0, 2.0]), [1.0, 2.0])


# --- default_rng -----------------------------------------------------------------------

def test_default_rng_same_int_seed_same_stream(xp):
    """Two generators from the same int seed draw the same numbers; other seeds differ."""
    a = backend.to_numpy(backend.default_rng(7).random(20))
    b = backend.to_numpy(backend.default_rng(7).random(20))
    c = backend.to_numpy(backend.default_rng(8).random(20))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_default_rng_seed_sequence_reproducible(xp):
    """Equal SeedSequences give equal streams; spawned children give different ones."""
    first = backend.to_numpy(backend.default_rng(np.random.SeedSequence(99)).random(10))
    second = backend.to_numpy(backend.default_rng(np.random.SeedSequence(99)).random(10))
    np.testing.assert_array_equal(first, second)
    children = np.random.SeedSequence(99).spawn(2)
    c0 = backend.to_numpy(backend.default_rng(children[0]).random(10))
    c1 = backend.to_numpy(backend.default_rng(children[1]).random(10))
    assert not np.array_equal(c0, c1)


def test_default_rng_numpy_matches_numpy_generator():
    """On NumPy, default_rng(seed) is numpy.random.default_rng(seed)."""
    np.testing.assert_array_equal(backend.default_rng(3).standard_normal(5),
                                  np.random.default_rng(3).standard_normal(5))


# --- scatter_add -----------------------------------------------------------------------

def test_scatter_add_accumulates_repeated_indices(xp):
    """Repeated indices add up (unlike a[index] += v), in place, returning the array."""
    a = xp.zeros(4)
    out = backend.scatter_add(a, xp.asarray([0, 1, 1, 3, 1]), xp.asarray([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert out is a
    np.testing.assert_array_equal(backend.to_numpy(a), [1.0, 10.0, 0.0, 4.0])


def test_scatter_add_rows_matches_loop(xp, rng):
    """Adding rows of a matrix at repeated row indices equals the explicit loop."""
    index = rng.integers(0, 3, size=10)
    values = rng.standard_normal((10, 2))
    expected = np.zeros((3, 2))
    for i, row in zip(index, values):
        expected[i] += row
    a = xp.zeros((3, 2))
    backend.scatter_add(a, xp.asarray(index), xp.asarray(values))
    np.testing.assert_allclose(backend.to_numpy(a), expected, rtol=1e-12, atol=1e-12)
