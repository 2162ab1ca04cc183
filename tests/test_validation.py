"""nnunsup._validation: input checks at the public boundary and the library's exceptions.

The checks are tested here on their own; the table of bad inputs × every public estimator
lives with the estimators.
"""
import numbers
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnunsup import backend
from nnunsup._validation import (NonFiniteLossError, NotFittedError, check_array,
                                 check_choice, check_n_features, check_random_state,
                                 check_range, check_scalar, check_sizes)


def _with_nan_at(shape, *where):
    X = np.ones(shape)
    for index in where:
        X[index] = np.nan
    return X


# --- check_array: bad inputs -----------------------------------------------------------

BAD_VALUES = [
    # (id, X, kwargs, message pattern)
    ("nan", _with_nan_at((4, 5), (2, 3)), {}, r"X contains NaN \(first at row 2, column 3\)"),
    ("nan-first-of-two", _with_nan_at((5, 6), (3, 0), (1, 4)), {},
     r"X contains NaN \(first at row 1, column 4\)"),
    ("inf", np.array([[0.0, np.inf], [1.0, 2.0]]), {},
     r"X contains infinity \(first at row 0, column 1\)"),
    ("-inf", np.array([[0.0, 1.0], [1.0, -np.inf]]), {},
     r"X contains infinity \(first at row 1, column 1\)"),
    ("nan-1d", np.array([0.0, 1.0, np.nan]), {"ndim": 1}, r"X contains NaN \(first at index 2\)"),
    ("nan-3d", _with_nan_at((2, 3, 4), (1, 2, 0)), {"ndim": 3},
     r"X contains NaN \(first at index \(1, 2, 0\)\)"),
    ("1-D", np.arange(4.0), {}, r"X must be 2-D, got a 1-D array of shape \(4,\).*reshape"),
    ("3-D", np.zeros((2, 3, 4)), {}, r"X must be 2-D, got a 3-D array of shape \(2, 3, 4\)"),
    ("4-D-when-2-or-3", np.zeros((1, 2, 3, 4)), {"ndim": (2, 3)}, r"X must be 2-D or 3-D, got a 4-D"),
    ("0-D", np.float64(3.0), {}, r"X must be 2-D, got a 0-D"),
    ("empty", np.zeros((0, 3)), {}, r"X has 0 samples; at least 1 is required"),
    ("no-features", np.zeros((3, 0)), {}, r"X has 0 feature\(s\) \(shape=\(3, 0\)\) while a minimum of 1 is required\."),
    ("too-few-features", np.zeros((3, 2)), {"min_features": 3},
     r"X has 2 feature\(s\) \(shape=\(3, 2\)\) while a minimum of 3 is required\."),
]


@pytest.mark.parametrize("X, kwargs, pattern", [case[1:] for case in BAD_VALUES],
                         ids=[case[0] for case in BAD_VALUES])
def test_check_array_rejects_bad_values(X, kwargs, pattern):
    """Bad values and shapes are a ValueError whose message says what and where."""
    with pytest.raises(ValueError, match=pattern):
        check_array(X, **kwargs)


@pytest.mark.parametrize("X, kwargs, pattern", [case[1:] for case in BAD_VALUES],
                         ids=[case[0] for case in BAD_VALUES])
def test_check_array_messages_use_name(X, kwargs, pattern):
    """The name= argument replaces "X" at the start of every message."""
    with pytest.raises(ValueError) as info:
        check_array(X, name="X_val", **kwargs)
    assert str(info.value).startswith("X_val ")


@pytest.mark.parametrize("X, kwargs, pattern", [case[1:] for case in BAD_VALUES],
                         ids=[case[0] for case in BAD_VALUES])
def test_failed_check_leaves_input_unchanged(X, kwargs, pattern):
    """A failed check never modifies the user's array (values, dtype, shape).

    The input is float64, so check_array works on it without a copy: any in-place
    "repair" (NaN → 0, clipping, reshaping) would show here.
    """
    X = np.array(X, dtype=np.float64)
    before = X.copy()
    with pytest.raises(ValueError):
        check_array(X, **kwargs)
    assert X.dtype == before.dtype and X.shape == before.shape
    np.testing.assert_array_equal(X, before)


BAD_TYPES = [
    ("None", None, "got NoneType"),
    ("str", "1, 2, 3", "got str"),
    ("bytes", b"123", "got bytes"),
    ("strings", np.array([["a", "b"], ["c", "d"]]), "numeric"),
    ("object", np.array([[1.0, {}]], dtype=object), "non-numeric objects"),
    ("ragged", [[1.0, 2.0], [3.0]], "could not convert"),
]


@pytest.mark.parametrize("X, fragment", [case[1:] for case in BAD_TYPES],
                         ids=[case[0] for case in BAD_TYPES])
def test_check_array_rejects_non_numeric(X, fragment):
    """Non-numeric data is a TypeError naming the argument and what was found."""
    with pytest.raises(TypeError) as info:
        check_array(X, name="data")
    assert str(info.value).startswith("data must")
    assert fragment in str(info.value)


def test_check_array_accepts_object_arrays_of_numbers():
    """An object array holding plain numbers (scikit-learn's dtype_object check) is converted."""
    X = np.array([[1, 2.5], [3, 4]], dtype=object)
    assert np.array_equal(check_array(X, dtype=np.float64), [[1, 2.5], [3, 4]])


def test_check_array_rejects_complex_and_sparse():
    """Complex numbers are a ValueError; a sparse matrix is a TypeError saying how to convert."""
    with pytest.raises(ValueError, match="data holds complex numbers"):
        check_array(np.ones((2, 2), dtype=complex), name="data")
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match=r"sparse matrix.*X.toarray\(\)"):
        check_array(sparse.csr_matrix(np.eye(3)))


@given(n_rows=st.integers(1, 6), n_cols=st.integers(1, 6), data=st.data(),
       value=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_check_array_reports_first_bad_entry(n_rows, n_cols, data, value):
    """For any shape, the message names the first non-finite entry in row-major order."""
    X = np.zeros((n_rows, n_cols))
    flat = data.draw(st.lists(st.integers(0, n_rows * n_cols - 1), min_size=1, max_size=4))
    for i in flat:
        X.flat[i] = value
    row, col = divmod(min(flat), n_cols)
    what = "NaN" if np.isnan(value) else "infinity"
    with pytest.raises(ValueError, match=re.escape(f"X contains {what} (first at row {row}, column {col})")):
        check_array(X)


# --- check_array: good inputs ----------------------------------------------------------

def test_check_array_keeps_float64():
    """float64 input stays float64 (no silent loss of precision), values unchanged."""
    X = np.arange(6.0).reshape(2, 3)
    out = check_array(X)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, X)


def test_check_array_keeps_float32():
    """float32 input stays float32."""
    assert check_array(np.ones((2, 2), dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize("X", [np.arange(6).reshape(2, 3), np.ones((2, 3), dtype=bool),
                               np.ones((2, 3), dtype=np.float16), [[1, 2, 3], [4, 5, 6]]],
                         ids=["int", "bool", "float16", "list"])
def test_check_array_other_numeric_becomes_default_float(X):
    """int, bool, half and list input become the backend's default float dtype."""
    out = check_array(X)
    assert out.dtype == backend.get_default_dtype() == np.float32
    np.testing.assert_array_equal(out, np.asarray(X, dtype=np.float32))


def test_check_array_default_dtype_follows_policy(float64):
    """With float64 as the default, integer input becomes float64."""
    assert check_array(np.arange(4).reshape(2, 2)).dtype == np.float64


def test_check_array_explicit_dtype():
    """dtype= forces the result dtype; the input keeps its own."""
    X = np.arange(4.0).reshape(2, 2)
    out = check_array(X, dtype=np.float32)
    assert out.dtype == np.float32 and X.dtype == np.float64


def test_check_array_options_accept():
    """allow_empty, a tuple ndim and a 1-D ndim accept what they say."""
    assert check_array(np.zeros((0, 3)), allow_empty=True).shape == (0, 3)
    assert check_array(np.zeros((2, 1, 4, 4)), ndim=(2, 4)).shape == (2, 1, 4, 4)
    assert check_array(np.arange(3.0), ndim=1).shape == (3,)


def test_check_array_allow_nan_keeps_nan_and_refuses_infinity():
    """allow_nan=True (the image plots' blank pixels) passes NaN through, never infinity."""
    X = np.array([[0.5, np.nan], [1.0, 0.0]])
    assert np.isnan(backend.to_numpy(check_array(X, allow_nan=True))[0, 1])
    X[1, 0] = np.inf
    with pytest.raises(ValueError, match=r"X contains infinity \(first at row 1, column 0\)"):
        check_array(X, allow_nan=True)


def test_check_array_success_leaves_input_unchanged():
    """A successful conversion to another dtype does not touch the user's array."""
    X = np.arange(6, dtype=np.int64).reshape(2, 3)
    before = X.copy()
    out = check_array(X)
    out[0, 0] = 100.0
    np.testing.assert_array_equal(X, before)


def test_check_array_returns_active_backend_array(xp):
    """The result lives on the active backend."""
    out = check_array(np.ones((2, 2)))
    assert isinstance(out, xp.ndarray)


# --- check_n_features / check_range ----------------------------------------------------

def test_check_n_features_message():
    """A width mismatch names both widths and who was fitted, in scikit-learn's words."""
    check_n_features(np.zeros((2, 3)), 3, "SOM")
    with pytest.raises(ValueError,
                       match=r"^X has 5 features, but SOM is expecting 3 features as input$"):
        check_n_features(np.zeros((2, 5)), 3, "SOM")


def test_check_range_accepts_inside_and_empty():
    """Values inside [low, high] (bounds included) and empty arrays pass."""
    assert check_range(np.array([[0.0, 1.0], [0.5, 0.25]]), 0, 1, "BernoulliRBM") is None
    assert check_range(np.zeros((0, 3)), 0, 1, "BernoulliRBM") is None


def test_check_range_min_message_with_location():
    """Below range: message names who, the range, the minimum and its row and column."""
    X = np.full((4, 3), 0.5)
    X[2, 1] = -0.2
    with pytest.raises(ValueError, match=re.escape(
            "Negative values in data: BernoulliRBM needs X in [0, 1]; found min -0.2 at row 2, "
            "column 1")):
        check_range(X, 0, 1, "BernoulliRBM")


def test_check_range_max_message_with_location():
    """Above range: message names the maximum and where it is; name= is used."""
    X = np.full(5, 0.5)
    X[3] = 1.5
    with pytest.raises(ValueError, match=re.escape("bce needs target in [0, 1]; found max 1.5 at index 3")):
        check_range(X, 0, 1, "bce", name="target")


# --- check_scalar ----------------------------------------------------------------------

@pytest.mark.parametrize("value", [0.1, 3, np.float64(0.5), np.int64(2), np.float32(1.5)])
def test_check_scalar_returns_reals_unchanged(value):
    """Python and NumPy reals pass and come back as the same object."""
    assert check_scalar(value, "learning_rate") is value


@pytest.mark.parametrize("value", [True, False, "0.1", None, [0.1], 1 + 2j])
def test_check_scalar_rejects_non_reals(value):
    """Bools, strings, None, lists and complex numbers are a TypeError naming the argument."""
    with pytest.raises(TypeError, match=r"^learning_rate must be a real number"):
        check_scalar(value, "learning_rate")


def test_check_scalar_integral_kind():
    """kind=Integral accepts ints and rejects floats and bools with 'an integer'."""
    assert check_scalar(5, "epochs", numbers.Integral, low=1) == 5
    assert check_scalar(np.int32(5), "epochs", numbers.Integral) == 5
    for bad in (5.0, True):
        with pytest.raises(TypeError, match=r"^epochs must be an integer"):
            check_scalar(bad, "epochs", numbers.Integral)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -np.inf])
def test_check_scalar_rejects_non_finite(value):
    """NaN and ±inf are a ValueError saying the value must be finite."""
    with pytest.raises(ValueError, match=r"^lam must be finite"):
        check_scalar(value, "lam")


def test_check_scalar_closed_bounds_include_ends():
    """Closed bounds accept their end points and reject what lies beyond, saying >= / <=."""
    assert check_scalar(0, "p", low=0, high=1) == 0
    assert check_scalar(1, "p", low=0, high=1) == 1
    with pytest.raises(ValueError, match=r"^p must be >= 0, got -0.1$"):
        check_scalar(-0.1, "p", low=0, high=1)
    with pytest.raises(ValueError, match=r"^p must be <= 1, got 1.1$"):
        check_scalar(1.1, "p", low=0, high=1)


def test_check_scalar_open_bounds_exclude_ends():
    """Open bounds reject their end points, saying > / <."""
    assert check_scalar(0.5, "beta", low=0, high=1, low_open=True, high_open=True) == 0.5
    with pytest.raises(ValueError, match=r"^beta must be > 0, got 0$"):
        check_scalar(0, "beta", low=0, low_open=True)
    with pytest.raises(ValueError, match=r"^beta must be < 1, got 1$"):
        check_scalar(1, "beta", high=1, high_open=True)


def test_check_scalar_allow_none():
    """None passes only with allow_none=True."""
    assert check_scalar(None, "batch_size", allow_none=True) is None
    with pytest.raises(TypeError):
        check_scalar(None, "batch_size")


# --- check_choice ----------------------------------------------------------------------

def test_check_choice_accepts_and_lists_choices():
    """A valid choice comes back; an invalid one is a ValueError listing every choice."""
    assert check_choice("wta", "rule", ("wta", "wtm")) == "wta"
    with pytest.raises(ValueError, match=re.escape("rule must be one of 'wta', 'wtm'; got 'wtx'")):
        check_choice("wtx", "rule", ("wta", "wtm"))


# --- check_random_state ----------------------------------------------------------------

def _draws(seed_seq, n=5):
    return np.random.default_rng(seed_seq).random(n)


def test_check_random_state_none_gives_fresh_entropy():
    """None gives a SeedSequence with fresh entropy each time."""
    a, b = check_random_state(None), check_random_state(None)
    assert isinstance(a, np.random.SeedSequence)
    assert not np.array_equal(_draws(a), _draws(b))


@pytest.mark.parametrize("seed", [0, 42, np.int64(7)])
def test_check_random_state_int_is_reproducible(seed):
    """An int (Python or NumPy) gives a SeedSequence with that entropy: same seed, same stream."""
    a, b = check_random_state(seed), check_random_state(seed)
    assert isinstance(a, np.random.SeedSequence) and a.entropy == int(seed)
    np.testing.assert_array_equal(_draws(a), _draws(b))


def test_check_random_state_negative_int():
    """A negative int is a ValueError naming random_state."""
    with pytest.raises(ValueError, match=r"random_state must be a non-negative integer, got -1"):
        check_random_state(-1)


def test_check_random_state_seed_sequence_passes_through():
    """A SeedSequence is returned as it is."""
    seq = np.random.SeedSequence(3)
    assert check_random_state(seq) is seq


def test_check_random_state_generator_spawns_child():
    """A Generator gives a child SeedSequence: reproducible from the same seed, new each call."""
    a = check_random_state(np.random.default_rng(5))
    b = check_random_state(np.random.default_rng(5))
    assert isinstance(a, np.random.SeedSequence)
    np.testing.assert_array_equal(_draws(a), _draws(b))
    gen = np.random.default_rng(5)
    first, second = check_random_state(gen), check_random_state(gen)
    assert not np.array_equal(_draws(first), _draws(second))


@pytest.mark.parametrize("bad", [1.5, "42", True, [1], np.random.RandomState(0)])
def test_check_random_state_bad_type(bad):
    """Floats, strings, bools, lists and legacy RandomState are a TypeError listing the options."""
    with pytest.raises(TypeError, match=r"random_state must be None, an int, a SeedSequence or a Generator"):
        check_random_state(bad)


# --- exceptions ------------------------------------------------------------------------

def test_non_finite_loss_error_attributes():
    """NonFiniteLossError keeps its message, epoch, step and last finite loss."""
    err = NonFiniteLossError("loss became nan at epoch 3, step 7", epoch=3, step=7,
                             last_finite_loss=0.25)
    assert isinstance(err, FloatingPointError)
    assert str(err) == "loss became nan at epoch 3, step 7"
    assert (err.epoch, err.step, err.last_finite_loss) == (3, 7, 0.25)
    bare = NonFiniteLossError("diverged")
    assert (bare.epoch, bare.step, bare.last_finite_loss) == (None, None, None)
    with pytest.raises(FloatingPointError, match="diverged"):
        raise bare


def test_not_fitted_error_is_value_and_attribute_error():
    """NotFittedError is caught as ValueError and as AttributeError (so hasattr is False)."""
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(NotFittedError, AttributeError)

    class Model:
        @property
        def params(self):
            raise NotFittedError("call fit or init_params first")

    assert not hasattr(Model(), "params")
    with pytest.raises(ValueError, match="call fit"):
        Model().params


@pytest.mark.parametrize("sizes, allow_empty, error, pattern", [
    (4, False, TypeError, r"hidden_sizes must be a non-empty sequence of widths such as \(64,\); got 4"),
    ((), False, TypeError, r"hidden_sizes must be a non-empty sequence"),
    (None, True, TypeError, r"hidden_sizes must be a sequence of widths"),
    ((4, 0), True, ValueError, r"hidden_sizes entries must be >= 1, got 0"),
    ((4, 2.5), False, TypeError, r"hidden_sizes entries must be an integer"),
])
def test_check_sizes_rejects(sizes, allow_empty, error, pattern):
    with pytest.raises(error, match=pattern):
        check_sizes(sizes, "hidden_sizes", allow_empty=allow_empty)


def test_check_sizes_accepts():
    check_sizes((3, 1), "hidden_sizes")
    check_sizes([], "head_sizes", allow_empty=True)

