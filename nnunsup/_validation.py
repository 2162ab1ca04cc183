"""Input checks for the public entry points, and the library's own exceptions.

Only ``fit``, ``partial_fit``, ``transform``, ``predict``, ``score``, ``loss_and_grads``
and the plot functions validate; kernels trust their input.  Every message names the
argument, what was expected and what was found, with the first offending entry::

    X contains NaN (first at row 3, column 7)
    X has 0 samples; at least 1 is required
    X has 5 features, but SOM is expecting 3 features as input
"""
import numbers

import numpy

from . import backend

__all__ = [
    "NotFittedError", "NonFiniteLossError", "check_array", "check_n_features",
    "check_range", "check_scalar", "check_sizes", "check_choice", "check_random_state",
]


class NotFittedError(ValueError, AttributeError):
    """Raised when a model is used before ``fit`` (or ``init_params``) created its state."""


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN/inf loss.  The model keeps its last finite parameters.

    Attributes ``epoch``, ``step`` (1-based) and ``last_finite_loss`` say where it happened.
    """

    def __init__(self, message, epoch=None, step=None, last_finite_loss=None):
        super().__init__(message)
        self.epoch, self.step, self.last_finite_loss = epoch, step, last_finite_loss

    def during(self, phase):
        """This error with the training phase named in front ("pre-training RBM 1 of 2: …").

        Models trained in phases re-raise a phase's error through this; ``epoch``, ``step``
        and ``last_finite_loss`` are kept as that phase's training loop reported them.
        """
        return NonFiniteLossError(f"{phase}: {self}", epoch=self.epoch, step=self.step,
                                  last_finite_loss=self.last_finite_loss)


def _where(index, ndim):
    if ndim == 1:
        return f"at index {index[0]}"
    if ndim == 2:
        return f"at row {index[0]}, column {index[1]}"
    return f"at index {tuple(int(i) for i in index)}"


def check_array(X, *, name="X", ndim=2, dtype=None, allow_empty=False, min_features=1,
                allow_nan=False):
    """Validate ``X`` and return it as a floating array of the active backend.

    Parameters
    ----------
    X : array-like                 the user's data, moved to the active backend
    name : str                     the argument's name, used in messages
    ndim : int or tuple of int     allowed numbers of dimensions (rows are objects)
    dtype : dtype or None          result dtype; None keeps float64/float32 input and
                                   turns anything else into the backend's default dtype
    allow_empty : bool             accept zero rows
    min_features : int             the fewest columns accepted (2-D and more)
    allow_nan : bool               accept NaN (never infinity), e.g. the blank pixels of
                                   the image plots

    Raises
    ------
    TypeError   non-numeric data (strings, objects that are not numbers), sparse matrices
    ValueError  complex numbers, wrong number of dimensions, no samples or features,
                NaN or inf
    """
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be a numeric array, got {type(X).__name__}")
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise TypeError(f"{name} is a sparse matrix, which nnunsup does not support; "
                        f"convert it with {name}.toarray()")
    xp = backend.get_xp(X) if hasattr(X, "shape") else backend.get_xp()
    try:
        arr = xp.asarray(X)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array; could not convert it: {exc}") from exc
    if arr.dtype.kind == "O":                      # e.g. a list of mixed Python numbers
        try:
            arr = arr.astype(numpy.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold numbers; found non-numeric objects ({exc})") from exc
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} holds complex numbers, and "
                         f"nnunsup needs real numbers")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric (bool, int or float), got dtype {arr.dtype}")
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        hint = ""
        if arr.ndim == 1 and 2 in allowed:
            hint = (f" (Reshape your data: {name}.reshape(1, -1) if it is a single sample, "
                    f"{name}.reshape(-1, 1) if it has a single feature)")
        raise ValueError(f"{name} must be {want}, got a {arr.ndim}-D array of shape {arr.shape}{hint}")
    if arr.ndim >= 1 and arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} has 0 samples; at least 1 is required")
    if arr.ndim >= 2 and arr.shape[1] < min_features:
        raise ValueError(f"{name} has {arr.shape[1]} feature(s) (shape={arr.shape}) while a "
                         f"minimum of {min_features} is required.")
    if dtype is None:
        dtype = arr.dtype if arr.dtype.kind == "f" and arr.dtype.itemsize >= 4 else backend.get_default_dtype()
    arr = arr.astype(dtype, copy=False)
    accepted = xp.isfinite(arr) | xp.isnan(arr) if allow_nan else xp.isfinite(arr)
    if arr.size and not bool(accepted.all()):
        bad = xp.argwhere(~accepted)[0]
        value = float(arr[tuple(bad)])
        what = "NaN" if numpy.isnan(value) else "infinity"
        raise ValueError(f"{name} contains {what} (first {_where(backend.to_numpy(bad), arr.ndim)})")
    if xp is not backend.get_xp():
        arr = backend.asarray(arr)
    return arr


def check_n_features(X, n_features, who, name="X"):
    """ValueError unless ``X`` has ``n_features`` columns (the width ``who`` was fitted with).

    ``who`` is one word, the class's name: the message is scikit-learn's, which its
    estimator checks match.
    """
    if X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features, but {who} is expecting "
                         f"{n_features} features as input")


def check_range(X, low, high, who, name="X"):
    """ValueError unless every entry of ``X`` lies in [low, high] (e.g. BCE, Bernoulli units).

    A negative entry where ``low`` is 0 starts the message with "Negative values in data",
    the words scikit-learn's estimator checks expect of models that need X ≥ 0.
    """
    xp = backend.get_xp(X)
    if X.size == 0:
        return
    lo, hi = xp.min(X), xp.max(X)
    if float(lo) < low:
        at = backend.to_numpy(xp.argwhere(X == lo)[0])
        negative = "Negative values in data: " if float(lo) < 0 <= low else ""
        raise ValueError(f"{negative}{who} needs {name} in [{low:g}, {high:g}]; found min "
                         f"{float(lo):g} {_where(at, X.ndim)}")
    if float(hi) > high:
        at = backend.to_numpy(xp.argwhere(X == hi)[0])
        raise ValueError(f"{who} needs {name} in [{low:g}, {high:g}]; found max {float(hi):g} "
                         f"{_where(at, X.ndim)}")


def check_scalar(value, name, kind=numbers.Real, *, low=None, high=None, low_open=False,
                 high_open=False, allow_none=False):
    """Validate a hyperparameter: its type and its interval; returns it unchanged.

    >>> check_scalar(0.1, "learning_rate", low=0, low_open=True)
    0.1
    """
    if value is None and allow_none:
        return value
    if kind is int:
        kind = numbers.Integral                    # NumPy integers count as integers
    if isinstance(value, bool) or not isinstance(value, kind):
        want = "an integer" if issubclass(kind, numbers.Integral) else "a real number"
        raise TypeError(f"{name} must be {want}, got {value!r} ({type(value).__name__})")
    if isinstance(value, numbers.Real) and not numpy.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return value


def check_sizes(sizes, name, *, example="(64,)", allow_empty=False):
    """TypeError unless ``sizes`` is a (non-empty) sequence; ValueError unless its entries
    are integers ≥ 1 — the layer widths, channels or shapes of a hyperparameter."""
    if not hasattr(sizes, "__iter__") or (not allow_empty and not len(sizes)):
        raise TypeError(f"{name} must be a {'' if allow_empty else 'non-empty '}sequence of "
                        f"widths such as {example}; got {sizes!r}")
    for size in sizes:
        check_scalar(size, f"{name} entries", kind=int, low=1)


def check_choice(value, name, choices):
    """ValueError unless ``value`` is one of ``choices``, listing them (MiniSom's style)."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def check_random_state(random_state):
    """``random_state`` → ``numpy.random.SeedSequence``, to be spawned into streams.

    None (fresh entropy), an int >= 0, a SeedSequence, or a ``numpy.random.Generator``
    (a child sequence is spawned from it).
    """
    if random_state is None or isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state is not None and random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return numpy.random.SeedSequence(random_state)
    if isinstance(random_state, numpy.random.SeedSequence):
        return random_state
    if isinstance(random_state, numpy.random.Generator):
        return random_state.bit_generator.seed_seq.spawn(1)[0]
    raise TypeError(f"random_state must be None, an int, a SeedSequence or a Generator, "
                    f"got {type(random_state).__name__}")
