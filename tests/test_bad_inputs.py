"""Bad input at every public entry point: one table, every estimator × every kind of bad input.

Each estimator of :data:`tests.estimators.CASES` is fed NaN, infinity, arrays of the wrong
number of dimensions, empty and non-numeric data, values outside [0, 1] where its loss or
its visible units need them, targets of the wrong length, and bad hyperparameters; a fitted
one is also given data of the wrong width and NaN at every public method that takes ``X``.
Each call must raise ValueError or TypeError whose message names the argument and the
problem, and a failed call modifies nothing: neither the caller's arrays nor — for a
fitted model — its parameters (bitwise), ``history_`` and other learned attributes.

Where a kind of input is not an error for a class (values outside [0, 1] for a model with
the quadratic loss, no labels for distillation), the table says so with the reason, and the
test checks that the class accepts it.

Smaller tables at the end cover the plot functions that take data arrays and the dataset
loaders.  Kernels (``nn.functional``, ``nn.losses``, ``competitive.kernels``, …) trust their
input, by the policy of :mod:`nnunsup._validation`, and are not called here.
"""
import copy
import functools
import inspect
import re

import numpy as np
import pytest

from nnunsup import NotFittedError, plot
from nnunsup.autoencoders import Autoencoder
from nnunsup.competitive import SOM, CompetitiveLearning
from nnunsup.datasets import (bars_and_stripes, binarize, gaussian_mixture, load_fashion_mnist,
                              load_house_votes, load_mnist, make_1d_mixture, make_2d_mixture,
                              rings, s_curve, shapes_images, sine_sequences, swiss_roll,
                              two_moons, uniform_square)
from nnunsup.nn import MLPClassifier
from tests.estimators import CASES, case_ids

N = 8                                   # objects in every data set of this file
ERRORS = (ValueError, TypeError)
BY_NAME = {case.name: case for case in CASES}


def mentions(*words):
    """A regex for a message that contains every one of ``words`` as a whole word."""
    return "(?s)" + "".join(rf"(?=.*(?<![\w.]){re.escape(w)}(?![\w]))" for w in words)


# -- the state a failed call must leave as it was ---------------------------------------------

def _frozen(value):
    """A comparable copy of ``value``: arrays by dtype, shape and bytes (so NaN == NaN and
    -0.0 != 0.0), containers entry by entry, models by identity and their weights."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, dict):
        return ("dict", type(value).__name__, tuple((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if hasattr(value, "get_params"):
        return ("model", id(value), _frozen(getattr(value, "_params", None)))
    return ("value", repr(value))


def learned_state(model):
    """The weights and every learned attribute (name ending in "_", e.g. ``history_``,
    ``classes_``, ``rbms_``) of ``model``."""
    return {name: _frozen(value) for name, value in vars(model).items()
            if name == "_params" or name.endswith("_") and not name.startswith("_")}


def frozen_args(args):
    """The caller's arguments, to check that a failed call did not write into them."""
    return [_frozen(arg) for arg in args]


@functools.lru_cache(maxsize=None)
def _fitted_once(name):
    case = BY_NAME[name]
    return case.make().fit(*case.data(N))


def fitted(case):
    """A fitted model of ``case`` (a copy of one fitted per class, so tests stay apart)."""
    return copy.deepcopy(_fitted_once(case.name))


def fails_cleanly(call, args, match, model=None, kwargs=None):
    """``call(*args, **kwargs)`` raises ValueError/TypeError matching ``match``, and neither
    ``args`` nor ``model``'s learned state changed."""
    kwargs = kwargs or {}
    before_args = frozen_args([*args, *kwargs.values()])
    before = learned_state(model) if model is not None else None
    with pytest.raises(ERRORS, match=match):
        call(*args, **kwargs)
    assert frozen_args([*args, *kwargs.values()]) == before_args, "the caller's data changed"
    if model is not None:
        after = learned_state(model)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        assert not changed, f"a failed call changed {changed}"


# -- 1. bad X at fit ----------------------------------------------------------------------------

def _put(X, where, value):
    X = X.copy()
    X[where] = value
    return X


def _list_with_string(X):
    rows = X.tolist()
    rows[1][2] = "0.5a"
    return rows


def _objects_with_a_word(X):
    X = X.astype(object)
    X[1, 2] = "abc"
    return X


#: kind → (the bad X made from a good one, the message it must produce)
BAD_X = {
    "NaN": (lambda X: _put(X, (2, 3), np.nan), r"X contains NaN \(first at row 2, column 3\)"),
    "inf": (lambda X: _put(X, (1, 0), np.inf), r"X contains infinity \(first at row 1, column 0\)"),
    "-inf": (lambda X: _put(X, (0, 5), -np.inf),
             r"X contains infinity \(first at row 0, column 5\)"),
    "1-D": (lambda X: X[:, 0], r"X must be 2-D, got a 1-D array"),
    "3-D": (lambda X: X[:, None, :], r"X must be 2-D, got a 3-D array"),
    "0 samples": (lambda X: X[:0], r"X has 0 samples"),
    "0 features": (lambda X: X[:, :0], r"X has 0 feature"),
    "strings": (lambda X: X.astype(str), r"X must be numeric .*got dtype <U"),
    "list with a string": (_list_with_string, r"X must be numeric .*got dtype <U"),
    "object dtype with a word": (_objects_with_a_word, r"X must hold numbers"),
    "complex": (lambda X: X + 0.5j, mentions("X", "complex")),
    "None": (lambda X: None, r"X must be a numeric array, got NoneType"),
}


def _with_X(args, X, kind):
    """fit's arguments with X replaced; for "0 samples" the other arrays lose their rows too."""
    rest = [a[:0] for a in args[1:]] if kind == "0 samples" else list(args[1:])
    return (X, *rest)


@pytest.mark.parametrize("kind", list(BAD_X))
@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_fit_refuses_bad_X(case, kind):
    """fit with bad X: the error names X and the problem; the model stays unfitted."""
    make_bad, match = BAD_X[kind]
    args = case.data(N)
    model = case.make()
    fails_cleanly(model.fit, _with_X(args, make_bad(args[0]), kind), match)
    with pytest.raises(NotFittedError):
        model.params                                # a failed fit leaves it unfitted


@pytest.mark.parametrize("kind", list(BAD_X))
@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_failed_refit_loses_nothing(case, kind):
    """fit with bad X on a fitted model: an error, and the fitted model as it was."""
    make_bad, match = BAD_X[kind]
    args = case.data(N)
    model = fitted(case)
    fails_cleanly(model.fit, _with_X(args, make_bad(args[0]), kind), match, model)


# -- values outside [0, 1] -----------------------------------------------------------------------

_ANY_REAL = "the quadratic loss (or a real-valued input layer) takes any real X"

#: class → [(hyperparameter overrides, X outside [0, 1] refused?, why)]: every class is
#: listed; refused where the loss is a cross-entropy or the visible units are Bernoulli
RANGE = {
    "MLPClassifier": [({}, False, "a classifier's features may be any real numbers")],
    "MLPRegressor": [({}, False, "a regressor's features may be any real numbers")],
    "Autoencoder": [({}, False, _ANY_REAL), ({"loss": "bce"}, True, "cross-entropy")],
    "LinearAutoencoder": [({}, False, _ANY_REAL)],
    "SparseAutoencoder": [({}, False, _ANY_REAL), ({"loss": "bce"}, True, "cross-entropy")],
    "DenoisingAutoencoder": [({}, False, _ANY_REAL), ({"loss": "bce"}, True, "cross-entropy")],
    "ContractiveAutoencoder": [({}, False, _ANY_REAL), ({"loss": "bce"}, True, "cross-entropy")],
    "RelationalAutoencoder": [({}, False, _ANY_REAL), ({"loss": "bce"}, True, "cross-entropy")],
    "StackedAutoencoder": [({}, False, _ANY_REAL), ({"loss": "bce"}, True, "cross-entropy")],
    "SemiSupervisedAutoencoder": [({}, False, _ANY_REAL),
                                  ({"loss": "bce"}, True, "cross-entropy")],
    "ConvAutoencoder": [({}, True, "loss='bce' by default"), ({"loss": "mse"}, False, _ANY_REAL)],
    "SequenceAutoencoder": [({}, True, "loss='bce' by default"),
                            ({"loss": "mse"}, False, _ANY_REAL)],
    "DeepClustering": [({}, True, "loss='bce' by default"), ({"loss": "mse"}, False, _ANY_REAL)],
    "VAE": [({}, True, "Bernoulli decoder"),
            ({"likelihood": "gaussian"}, False, "a Gaussian decoder takes any real X")],
    "SOM": [({}, False, "distances are defined for any real X")],
    "CompetitiveLearning": [({}, False, "distances are defined for any real X")],
    "BernoulliRBM": [({}, True, "binary visible units"),
                     ({"allow_probabilities": True}, True, "probabilities of binary units")],
    "GaussianBernoulliRBM": [({}, False, "Gaussian visible units take any real X")],
    "DBN": [({}, True, "binary visible units of the first RBM"),
            ({"allow_probabilities": True}, True, "probabilities of binary units")],
    "DeepAutoencoder": [({}, True, "loss='bce' by default"),
                        ({"loss": "mse"}, True, "pre-training reads X as probabilities"),
                        ({"loss": "mse", "pretrain": False}, False, _ANY_REAL)],
    "GAN": [({}, True, "output_activation='sigmoid' generates in [0, 1]"),
            ({"output_activation": "identity"}, False, "an identity output generates any real")],
    "DCGAN": [({}, True, "a sigmoid output generates in [0, 1]")],
    "TransferClassifier": [({}, False, "the source autoencoder (quadratic loss) takes any X")],
    "MultiTaskClassifier": [({}, False, "a classifier's features may be any real numbers")],
    "RelativePositionPretext": [({}, False, "patches of any real values")],
    "DistilledClassifier": [({}, False, "a classifier's features may be any real numbers")],
    "PrivilegedClassifier": [({}, False, "a classifier's features may be any real numbers")],
}

RANGE_ROWS = [pytest.param(BY_NAME[name], overrides, refused,
                           id=f"{name}-{'refused' if refused else 'accepted'}-"
                              f"{','.join(f'{k}={v}' for k, v in overrides.items()) or 'default'}")
              for name, rows in RANGE.items() for overrides, refused, why in rows]


def test_range_table_lists_every_estimator():
    """No class is left out of RANGE: each says whether X outside [0, 1] is refused."""
    assert sorted(RANGE) == sorted(BY_NAME)


@pytest.mark.parametrize("case, overrides, refused", RANGE_ROWS)
def test_values_outside_unit_interval(case, overrides, refused):
    """1.5 and −0.2 are refused (named with their value) or fitted, as RANGE says."""
    args = case.data(N)
    high, low = _put(args[0], (1, 2), 1.5), _put(args[0], (3, 1), -0.2)
    if not refused:
        both = _put(high, (3, 1), -0.2)
        assert case.make(**overrides).fit(both, *args[1:]) is not None
        return
    fails_cleanly(case.make(**overrides).fit, (high, *args[1:]), mentions("X", "1.5"))
    fails_cleanly(case.make(**overrides).fit, (low, *args[1:]), mentions("X", "-0.2"))


# -- bad targets at fit --------------------------------------------------------------------------

def _replace(args, index, value):
    args = list(args)
    args[index] = value
    return tuple(args)


def _nan_at(y, i):
    y = y.astype(float)
    y[i] = np.nan
    return y


#: targets kind → {kind of bad targets: (fit's arguments made from good ones, message)}
BAD_TARGETS = {
    "labels": {
        "y missing": (lambda a: a[:1], mentions("y", "required")),
        "y of wrong length": (lambda a: _replace(a, 1, a[1][:-1]), mentions("y", "7", "8")),
        "y with NaN": (lambda a: _replace(a, 1, _nan_at(a[1], 3)), mentions("y", "NaN")),
    },
    "values": {
        "y missing": (lambda a: a[:1], mentions("y", "required")),
        "y of wrong length": (lambda a: _replace(a, 1, a[1][:-1]), mentions("y", "7", "8")),
        "y with NaN": (lambda a: _replace(a, 1, _nan_at(a[1], 3)),
                       r"y contains NaN \(first at index 3\)"),
        "y with inf": (lambda a: _replace(a, 1, _put(a[1], 2, np.inf)),
                       r"y contains infinity \(first at index 2\)"),
    },
    "labels+tasks": {
        "y of wrong length": (lambda a: _replace(a, 1, a[1][:-1]), mentions("y", "7", "8")),
        "y with NaN": (lambda a: _replace(a, 1, _nan_at(a[1], 3)), mentions("y", "NaN")),
        "tasks missing": (lambda a: a[:2], mentions("tasks", "required")),
        "tasks of wrong length": (lambda a: _replace(a, 2, a[2][:-1]),
                                  mentions("tasks", "7", "8")),
    },
    "labels+privileged": {
        "y of wrong length": (lambda a: _replace(a, 1, a[1][:-1]), mentions("y", "7", "8")),
        "y with NaN": (lambda a: _replace(a, 1, _nan_at(a[1], 3)), mentions("y", "NaN")),
        "X_star missing": (lambda a: a[:2], mentions("X_star", "required")),
        "X_star of wrong length": (lambda a: _replace(a, 2, a[2][:-1]),
                                   mentions("X_star", "7", "8")),
        "X_star with NaN": (lambda a: _replace(a, 2, _put(a[2], (4, 1), np.nan)),
                            r"X_star contains NaN \(first at row 4, column 1\)"),
        "X_star 1-D": (lambda a: _replace(a, 2, a[2][:, 0]), r"X_star must be 2-D"),
    },
}

#: (class, kind) → why that bad target is no error for the class (the test checks that fit
#: accepts it)
TARGETS_ACCEPTED = {
    ("DistilledClassifier", "y missing"): "labels are optional: the teacher's soft targets "
                                          "are the objective",
}

TARGET_ROWS = [pytest.param(case, kind, id=f"{case.name}-{kind}")
               for case in CASES if case.targets is not None
               for kind in BAD_TARGETS[case.targets]]


@pytest.mark.parametrize("case, kind", TARGET_ROWS)
def test_fit_refuses_bad_targets(case, kind):
    """Missing, short or non-finite y (tasks, X_star): refused, or accepted as the table says."""
    make_bad, match = BAD_TARGETS[case.targets][kind]
    args = make_bad(case.data(N))
    if (case.name, kind) in TARGETS_ACCEPTED:
        assert case.make().fit(*args) is not None
        return
    fails_cleanly(case.make().fit, args, match)


@pytest.mark.parametrize("case, kind", [row for row in TARGET_ROWS
                                        if (row.values[0].name, row.values[1])
                                        not in TARGETS_ACCEPTED])
def test_failed_refit_with_bad_targets_loses_nothing(case, kind):
    """The same bad targets given to a fitted model: an error, and the model as it was."""
    make_bad, match = BAD_TARGETS[case.targets][kind]
    model = fitted(case)
    fails_cleanly(model.fit, make_bad(case.data(N)), match, model)


# -- 2. a fitted model: bad X at every method that takes X ----------------------------------------

def _methods_taking_X(cls):
    """Public methods whose first argument is X, other than the fit family."""
    names = []
    for name, member in inspect.getmembers(cls, callable):
        if name.startswith("_") or name.startswith("fit") or isinstance(member, type):
            continue
        params = list(inspect.signature(member).parameters)
        if len(params) > 1 and params[:2] == ["self", "X"]:
            names.append(name)
    return names


def _call_args(case, method):
    """The arguments after X for ``method``: fit's targets under their names, a task id."""
    data = case.data(N)
    extra = dict(zip({"labels": ["y"], "values": ["y"], "labels+tasks": ["y", "tasks"],
                      "labels+privileged": ["y", "X_star"]}.get(case.targets, []), data[1:]))
    params = inspect.signature(getattr(case.cls, method)).parameters
    kwargs = {k: v for k, v in extra.items() if k in params}
    if "task" in params:
        kwargs["task"] = 0
    return kwargs


#: (class, method) → why the method refuses every X, good or bad (checked below)
ALWAYS_REFUSED = {
    ("GaussianBernoulliRBM", "score_samples"): "the pseudo-likelihood flips binary units, "
                                               "and Gaussian visible units are not binary",
}


def _width_rows():
    return [pytest.param(case, method, id=f"{case.name}.{method}")
            for case in CASES for method in _methods_taking_X(case.cls)
            if (case.name, method) not in ALWAYS_REFUSED]


@pytest.mark.parametrize("name, method", list(ALWAYS_REFUSED))
def test_methods_that_refuse_every_X(name, method):
    """The methods left out of the table above refuse good X too, saying why."""
    case = BY_NAME[name]
    with pytest.raises(ValueError, match="pseudo-likelihood"):
        getattr(fitted(case), method)(case.data(N)[0])


#: kind → (the bad X made from a good one of n features, the message)
BAD_X_FITTED = {
    "wrong width": (lambda X: X[:, :5], lambda n: mentions("X", "5", str(n))),
    "NaN": (lambda X: _put(X, (2, 3), np.nan),
            lambda n: r"X contains NaN \(first at row 2, column 3\)"),
    "1-D": (lambda X: X[0], lambda n: r"X must be 2-D, got a 1-D array"),
}


def test_every_estimator_has_methods_taking_X():
    """The introspection finds methods to test for every class."""
    for case in CASES:
        assert _methods_taking_X(case.cls), case.name


@pytest.mark.parametrize("kind", list(BAD_X_FITTED))
@pytest.mark.parametrize("case, method", _width_rows())
def test_fitted_methods_refuse_bad_X(case, method, kind):
    """transform, predict, score, … of a fitted model: wrong width (both counts named), NaN
    and 1-D X are refused, and the model is left as it was."""
    make_bad, match = BAD_X_FITTED[kind]
    model = fitted(case)
    X = make_bad(case.data(N)[0])
    fails_cleanly(getattr(model, method), (X,), match(case.n_features), model,
                  kwargs=_call_args(case, method))


# -- 3. bad hyperparameters ---------------------------------------------------------------------

def _unfitted_autoencoder():
    return Autoencoder(hidden_sizes=(4,), epochs=1, verbose=False)


def _unfitted_classifier():
    return MLPClassifier(hidden_sizes=(4,), epochs=1, verbose=False)


#: hyperparameter → bad values, for every class that has it
BAD_HYPERPARAMETERS = {
    "activation": ["relu6"],
    "algorithm": ["fast"],
    "alpha": [1.5, -0.1],
    "batch_size": [0, 2.5],
    "beta": [-1.0],
    "channels": [(2, 0), (2,)],
    "clusterer": ["dbscan"],
    "code_activation": ["relu6"],
    "code_learning_rate": [0.0],
    "code_size": [0],
    "conv_channels": [(0,)],
    "decoder_sizes": [(0,)],
    "discriminator_learning_rate": [-1.0],
    "discriminator_sizes": [(0,)],
    "epochs": [-1, 2.5],
    "eps": [0.0, 1.0],
    "gamma": [-1.0],
    "generator_loss": ["wasserstein"],
    "generator_sizes": [(0,)],
    "h": [0],
    "head_sizes": [(0,)],
    "hidden": ["poisson"],
    "hidden_sizes": [(0,), (4, 0), 4],
    "image_shape": [(1, 0, 4), (4, 4)],
    "init": ["zeros"],
    "k": [0],
    "kernel": ["box"],
    "kernel_size": [0],
    "lam": [-1.0],
    "lam_codes": [-1.0],
    "learning_rate": [-0.1, 0.0, float("nan")],
    "learning_rate_final": [0.0],
    "likelihood": ["poisson"],
    "loss": ["foo"],
    "m": [0],
    "mode": ["partial"],
    "mu": [-1.0],
    "n_clusters": [0],
    "n_components": [0, 100],
    "n_hidden": [0],
    "n_latent": [0],
    "noise": ["salt"],
    "optimizer": ["adamw"],
    "output_activation": ["relu6"],
    "output_var": [0.0],
    "p0": [1.0, -0.1],
    "patch": [0],
    "patience": [0],
    "pretrain_epochs": [0],
    "pretrain_learning_rate": [0.0],
    "random_state": [-1, "seed"],
    "rule": ["wtx"],
    "s0": [float("nan")],
    "seq_shape": [(4, 0), (16,)],
    "sigma": [-1.0],
    "sigma_final": [0.0],
    "source": [_unfitted_autoencoder, "model"],
    "teacher": [_unfitted_classifier, "model"],
    "teacher_epochs": [0],
    "teacher_sizes": [(0,)],
    "temperature": [0.0],
    "tol": [-1.0],
    "topology": ["triangular"],
    "weight_decay": [-1.0],
    "weight_penalty": ["l3"],
}

#: hyperparameter → why no value of it is an error
NOT_CHECKED = {
    "allow_probabilities": "a flag, read by its truth value",
    "bias": "a flag, read by its truth value",
    "persistent": "a flag, read by its truth value",
    "pretrain": "a flag, read by its truth value",
    "reconstruct_all": "a flag, read by its truth value",
    "tied": "a flag, read by its truth value",
    "warm_start": "a flag, read by its truth value",
    "verbose": "'auto' or a flag read by its truth value",
}

#: (hyperparameter, value) → why partial_fit, which continues the weights a model has,
#: does not refuse it: the value is bad only for the width of the data, which fit checks
#: when it makes the weights
WIDTH_DEPENDENT = {
    ("n_components", 100): "wider than the 16 features: no bottleneck",
}

#: (class, hyperparameter) → other settings under which the hyperparameter is read at all
CONTEXT = {
    ("VAE", "image_shape"): {"conv_channels": (2,)},
    ("VAE", "kernel_size"): {"conv_channels": (2,), "image_shape": (1, 4, 4)},
    ("VAE", "output_var"): {"likelihood": "gaussian"},
}


def _value_id(value):
    return getattr(value, "__name__", None) or repr(value)


def _hyper_rows():
    return [pytest.param(case, name, value, id=f"{case.name}-{name}={_value_id(value)}")
            for case in CASES for name in case.cls._get_param_names()
            for value in BAD_HYPERPARAMETERS.get(name, [])]


def _settings(case, name, value):
    """Overrides with the bad ``value`` of ``name`` (built when it is a factory)."""
    value = value() if callable(value) else value
    return {**CONTEXT.get((case.name, name), {}), name: value}


def test_every_hyperparameter_is_in_the_table():
    """Each hyperparameter of each class has bad values to try, or a reason it has none."""
    names = {name for case in CASES for name in case.cls._get_param_names()}
    assert not names - set(BAD_HYPERPARAMETERS) - set(NOT_CHECKED)
    assert not set(BAD_HYPERPARAMETERS) & set(NOT_CHECKED)


@pytest.mark.parametrize("case, name, value", _hyper_rows())
def test_fit_refuses_bad_hyperparameter(case, name, value):
    """A bad hyperparameter: fit's error names it, and the model stays unfitted."""
    model = case.make(**_settings(case, name, value))
    fails_cleanly(model.fit, case.data(N), mentions(name))
    with pytest.raises(NotFittedError):
        model.params


def _other_data(case):
    """Valid fit arguments whose labels (and tasks, and target width) differ from those the
    fitted model saw, so that a fit that overwrote ``classes_`` before failing is caught."""
    args = list(case.data(N, seed=1))
    if case.targets in ("labels", "labels+privileged") and case.name != "DistilledClassifier":
        args[1] = args[1] + 10
    elif case.targets == "labels+tasks":
        args[1], args[2] = args[1] + 10, args[2] + 10
    elif case.targets == "values":
        args[1] = np.column_stack([args[1], args[1]])
    return tuple(args)


@pytest.mark.parametrize("case, name, value", _hyper_rows())
def test_bad_hyperparameter_on_a_fitted_model_loses_nothing(case, name, value):
    """set_params(bad) on a fitted model, then fit and partial_fit: errors, and the model as
    it was (its weights are not dropped before the check)."""
    model = fitted(case).set_params(**_settings(case, name, value))
    fails_cleanly(model.fit, _other_data(case), mentions(name), model)
    if hasattr(model, "partial_fit") and (name, value) not in WIDTH_DEPENDENT:
        fails_cleanly(model.partial_fit, case.data(N), mentions(name), model)


@pytest.mark.parametrize("case", [case for case in CASES
                                  if "X_val" in inspect.signature(case.cls.fit).parameters],
                         ids=lambda case: case.name)
def test_failed_fit_with_bad_validation_data_loses_nothing(case):
    """fit(X, X_val=bad) on a fitted model: X_val is checked before new weights are made."""
    args = case.data(N)
    model = fitted(case)
    fails_cleanly(model.fit, args, r"X_val contains NaN \(first at row 2, column 3\)",
                  model, kwargs={"X_val": _put(args[0], (2, 3), np.nan)})
    fails_cleanly(model.fit, args, mentions("X_val", "5", str(case.n_features)), model,
                  kwargs={"X_val": args[0][:, :5]})


# -- 5. plot functions that take data -----------------------------------------------------------

@pytest.fixture
def figures():
    """Agg backend; every figure closed afterwards."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    yield
    plt.close("all")


def _som():
    return SOM(m=2, h=2, epochs=1, random_state=0, verbose=False).fit(np.random.default_rng(0).random((8, 3)))


def _cl():
    return CompetitiveLearning(n_clusters=2, epochs=1, random_state=0).fit(
        np.random.default_rng(0).random((8, 2)))


def _decode(Z):
    return np.repeat(np.asarray(Z)[:, :1], 4, axis=1)


_RNG = np.random.default_rng(0)
_POINTS, _LABELS = _RNG.random((8, 2)), np.arange(8) % 2
_IMAGES, _GRID3 = _RNG.random((4, 4)), _RNG.random((8, 3))

#: function → (call taking the array under test, a good array, a wrong-ndim array, argument
#: name, NaN refused?): scatter plots refuse NaN (a NaN point would vanish or break the axis
#: limits); image plots draw a NaN pixel blank, by design (plot_latent_arithmetic fills its
#: empty cells with NaN)
PLOTS = {
    "plot_code_map": (lambda a: plot.plot_code_map(a, _LABELS), _POINTS, _POINTS[:, 0], "Z", True),
    "plot_decision_regions": (lambda a: plot.plot_decision_regions(
        lambda G: (G[:, 0] > 0.5).astype(int), a, _LABELS, resolution=5),
        _POINTS, _POINTS[:, 0], "X", True),
    "plot_competitive": (lambda a: plot.plot_competitive(_cl(), a), _POINTS, _POINTS[:, 0], "X", True),
    "plot_gan_snapshots X": (lambda a: plot.plot_gan_snapshots([_POINTS], X=a),
                             _POINTS, _POINTS[:, 0], "X", True),
    "plot_gan_snapshots snapshots": (lambda a: plot.plot_gan_snapshots([a]),
                                     _POINTS, _POINTS[:, 0], "snapshots[0]", True),
    "plot_decision_surface X": (lambda a: plot.plot_decision_surface(
        lambda G: np.full(len(G), 0.5), X=a, resolution=5), _POINTS, _POINTS[:, 0], "X", True),
    "plot_decision_surface samples": (lambda a: plot.plot_decision_surface(
        lambda G: np.full(len(G), 0.5), samples=a, resolution=5),
        _POINTS, _POINTS[:, 0], "samples", True),
    "plot_hit_map": (lambda a: plot.plot_hit_map(_som(), a), _GRID3, _GRID3[0], "X", True),
    "plot_density_map": (lambda a: plot.plot_density_map(_som(), a, k=2), _GRID3, _GRID3[0], "X", True),
    "plot_label_map": (lambda a: plot.plot_label_map(_som(), a, _LABELS), _GRID3, _GRID3[0], "X", True),
    "plot_som_in_data_space": (lambda a: plot.plot_som_in_data_space(_som(), a),
                               _GRID3, _GRID3[0], "X", True),
    "plot_interpolation z_from": (lambda a: plot.plot_interpolation(
        _decode, a, np.ones(2), (2, 2), n_steps=3), np.zeros(2), np.zeros((1, 2)), "z_from", True),
    "plot_latent_arithmetic Z_c": (lambda a: plot.plot_latent_arithmetic(
        _decode, np.zeros(2), np.ones(2), a, (2, 2)), np.zeros((2, 2)), np.zeros((1, 2, 2)),
        "Z_c", True),
    "image_grid": (lambda a: plot.image_grid(a), _IMAGES, _IMAGES[0], "images", False),
    "plot_reconstructions": (lambda a: plot.plot_reconstructions([_IMAGES, a]),
                             _IMAGES, _IMAGES[0], "rows[1]", False),
    "plot_filters": (lambda a: plot.plot_filters(a, (2, 2)), _IMAGES, _IMAGES[0], "W", False),
    "plot_gibbs_chains": (lambda a: plot.plot_gibbs_chains(a, (2, 2)), _IMAGES[None],
                          _IMAGES, "snapshots", False),
    "plot_variations X": (lambda a: plot.plot_variations(a, _IMAGES[:, None, :]),
                          _IMAGES, _IMAGES[0], "X", False),
    "plot_variations variations": (lambda a: plot.plot_variations(_IMAGES, a),
                                   _IMAGES[:, None, :], _IMAGES, "variations", False),
    "plot_map": (lambda a: plot.plot_map(a, _som()), np.arange(4.0), np.arange(4.0)[None, None],
                 "values", False),
}

#: plot functions that take no data arrays, and why
PLOTS_WITHOUT_ARRAYS = {
    "plot_history": "a dict of lists (history_), drawn as it is",
    "plot_elbo_history": "a VAE's history_, checked for its keys",
    "plot_gan_losses": "a GAN's history_, checked for its keys",
    "plot_curves": "a dict of lists, checked for its x column",
    "plot_training_schemes": "a dict of names",
    "plot_latent_grid": "a decode function and the grid's settings",
    "plot_u_matrix": "a fitted SOM only",
    "plot_component_planes": "a fitted SOM only",
}


def test_plot_table_lists_every_plot_function():
    """Each function of nnunsup.plot is in PLOTS or in PLOTS_WITHOUT_ARRAYS."""
    listed = {key.split()[0] for key in PLOTS} | set(PLOTS_WITHOUT_ARRAYS)
    assert listed == set(plot.__all__)


def _nan_in(a):
    a = np.array(a, dtype=float)
    a.flat[1] = np.nan
    return a


@pytest.mark.parametrize("function", list(PLOTS))
def test_plot_refuses_wrong_ndim(function, figures):
    """The good array draws; one with the wrong number of dimensions is named."""
    call, good, wrong, name, _ = PLOTS[function]
    assert call(good) is not None
    fails_cleanly(call, (wrong,), mentions(name))


@pytest.mark.parametrize("function", list(PLOTS))
def test_plot_nan(function, figures):
    """NaN: refused by the scatter plots (named), drawn blank by the image plots."""
    call, good, _, name, refused = PLOTS[function]
    if refused:
        fails_cleanly(call, (_nan_in(good),), mentions(name, "NaN"))
    else:
        assert call(_nan_in(good)) is not None      # drawn as a blank pixel or cell


# -- dataset loaders and generators ---------------------------------------------------------------

#: call with one bad argument → the argument the message must name (no download is tried:
#: arguments are checked before any file is looked for)
DATASETS = {
    "load_mnist subset": (lambda: load_mnist("validation", download=False), "subset"),
    "load_mnist n_samples=0": (lambda: load_mnist(n_samples=0, download=False), "n_samples"),
    "load_mnist n_samples=-5": (lambda: load_mnist(n_samples=-5, download=False), "n_samples"),
    "load_mnist n_samples=2.5": (lambda: load_mnist(n_samples=2.5, download=False), "n_samples"),
    "load_mnist n_samples='10'": (lambda: load_mnist(n_samples="10", download=False), "n_samples"),
    "load_fashion_mnist subset": (lambda: load_fashion_mnist("dev", download=False), "subset"),
    "load_fashion_mnist n_samples": (lambda: load_fashion_mnist(n_samples=0, download=False),
                                     "n_samples"),
    "load_house_votes missing": (lambda: load_house_votes(missing="mean", download=False),
                                 "missing"),
    "gaussian_mixture": (lambda: gaussian_mixture(0), "n_samples"),
    "rings": (lambda: rings(0), "n_samples"),
    "rings noise": (lambda: rings(10, noise=-1.0), "noise"),
    "two_moons": (lambda: two_moons(-3), "n_samples"),
    "swiss_roll": (lambda: swiss_roll(0), "n_samples"),
    "s_curve": (lambda: s_curve(2.5), "n_samples"),
    "uniform_square": (lambda: uniform_square(0), "n_samples"),
    "bars_and_stripes": (lambda: bars_and_stripes(n_samples=0), "n_samples"),
    "bars_and_stripes size": (lambda: bars_and_stripes(size=1), "size"),
    "shapes_images": (lambda: shapes_images(0), "n_samples"),
    "shapes_images shapes": (lambda: shapes_images(10, shapes=("hexagon",)), "shapes"),
    "make_1d_mixture": (lambda: make_1d_mixture(0), "n_samples"),
    "make_2d_mixture": (lambda: make_2d_mixture(0), "n_samples"),
    "sine_sequences": (lambda: sine_sequences(0), "n_samples"),
    "binarize method": (lambda: binarize(_IMAGES, method="round"), "method"),
}


@pytest.mark.parametrize("call", list(DATASETS))
def test_dataset_refuses_bad_argument(call):
    """Loaders and generators name their bad argument (before any file is looked for)."""
    function, name = DATASETS[call]
    with pytest.raises(ERRORS, match=mentions(name)):
        function()


@pytest.mark.parametrize("kind, X, words", [
    ("NaN", _nan_in(_IMAGES), ("X", "NaN")),
    ("outside [0, 1]", _put(_IMAGES, (1, 1), 1.5), ("X", "1.5")),
    ("strings", _IMAGES.astype(str), ("X", "numeric")),
])
def test_binarize_refuses_bad_X(kind, X, words):
    """binarize names X and the problem, and leaves the caller's X as it was."""
    fails_cleanly(binarize, (X,), mentions(*words))
