"""scikit-learn conventions on every estimator that exists so far."""
import numpy as np
import pytest

from nnunsup import NotFittedError, backend
from nnunsup.nn import MLPClassifier, MLPRegressor

from .estimators import CASES, case_ids

sklearn_base = pytest.importorskip("sklearn.base")

ESTIMATORS = [
    (MLPClassifier, dict(hidden_sizes=(4,), epochs=2), "labels"),
    (MLPRegressor, dict(hidden_sizes=(4,), epochs=2), "targets"),
]


def _data(kind):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = (X[:, 0] > 0).astype(int) if kind == "labels" else X[:, 1]
    return X, y


@pytest.mark.parametrize("cls, kwargs, kind", ESTIMATORS)
def test_init_stores_hyperparameters_unchanged(cls, kwargs, kind):
    """__init__ stores every argument as given; get_params returns them; clone works."""
    model = cls(random_state=3, **kwargs)
    params = model.get_params()
    assert params["random_state"] == 3 and all(params[k] == v for k, v in kwargs.items())
    clone = sklearn_base.clone(model)
    assert clone.get_params() == params and clone is not model


@pytest.mark.parametrize("cls, kwargs, kind", ESTIMATORS)
def test_fit_returns_self_and_learned_attributes_end_in_underscore(cls, kwargs, kind):
    """fit returns self; it adds only attributes ending in _ (or private ones)."""
    model = cls(random_state=0, **kwargs)
    before = set(vars(model))
    assert model.fit(*_data(kind)) is model
    added = set(vars(model)) - before
    assert added and all(a.endswith("_") or a.startswith("_") for a in added)
    assert model.n_features_in_ == 3


@pytest.mark.parametrize("cls, kwargs, kind", ESTIMATORS)
def test_set_params_rejects_unknown_names(cls, kwargs, kind):
    """set_params with a typo lists the valid hyperparameters."""
    with pytest.raises(ValueError, match="not a hyperparameter.*valid ones"):
        cls().set_params(learnig_rate=0.1)


@pytest.mark.parametrize("cls, kwargs, kind", ESTIMATORS)
def test_repr_shows_changed_hyperparameters(cls, kwargs, kind):
    """repr lists what differs from the defaults, as scikit-learn does."""
    assert repr(cls(epochs=7)) == f"{cls.__name__}(epochs=7)"


@pytest.mark.parametrize("cls, kwargs, kind", ESTIMATORS)
def test_float32_and_float64_agree(cls, kwargs, kind):
    """Training in float32 and float64 from the same seed ends close (float32 tolerance)."""
    X, y = _data(kind)
    a = cls(random_state=0, **kwargs).fit(X.astype(np.float32), y)
    previous = backend.get_default_dtype()
    backend.set_default_dtype(np.float64)
    try:
        b = cls(random_state=0, **kwargs).fit(X, y)
    finally:
        backend.set_default_dtype(previous)
    assert all(a.params[k].dtype == np.float32 and b.params[k].dtype == np.float64 for k in a.params)
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-3, atol=1e-4)


PARTIAL_FIT_CASES = [case for case in CASES if hasattr(case.cls, "partial_fit")]


@pytest.mark.parametrize("case", PARTIAL_FIT_CASES, ids=case_ids(PARTIAL_FIT_CASES))
def test_partial_fit_adds_one_epoch_to_a_fitted_model(case):
    """partial_fit after fit trains one more pass (with fit's extra arguments: labels,
    tasks, privileged features) and changes the parameters."""
    args = case.data()
    model = case.make().fit(*args)
    before = {k: backend.to_numpy(v).copy() for k, v in model.params.items()}
    epochs = getattr(model, "n_iter_", None) or len(model.history_["loss"])
    assert model.partial_fit(*args) is model
    after = getattr(model, "n_iter_", None) or len(model.history_["loss"])
    assert after == epochs + 1
    assert any(not np.array_equal(before[k], backend.to_numpy(v)) for k, v in model.params.items())


NEEDS_FIT_FIRST = {"SemiSupervisedAutoencoder", "TransferClassifier", "MultiTaskClassifier",
                   "PrivilegedClassifier", "MLPClassifier"}


@pytest.mark.parametrize("case", PARTIAL_FIT_CASES, ids=case_ids(PARTIAL_FIT_CASES))
def test_partial_fit_on_a_new_model(case):
    """On a new model partial_fit creates the parameters, or says what it needs first:
    fit (for models that learn their classes or tasks in fit) or classes= (MLPClassifier,
    as scikit-learn's)."""
    model = case.make()
    if case.name not in NEEDS_FIT_FIRST:
        assert model.partial_fit(*case.data()) is model and model.params
    elif case.name == "MLPClassifier":
        with pytest.raises(ValueError, match="needs classes="):
            model.partial_fit(*case.data())
    else:
        with pytest.raises(NotFittedError, match="call fit first"):
            model.partial_fit(*case.data())


def test_refused_width_leaves_the_model_exactly_as_it_was():
    """A refit that _init_params refuses (a linear code wider than the data) changes no
    attribute — not even the random streams: training on afterwards is bitwise the same
    as for a twin that never saw the failed call."""
    from nnunsup.autoencoders import LinearAutoencoder
    X = np.random.default_rng(0).random((20, 4))
    model, twin = (LinearAutoencoder(n_components=2, epochs=1, random_state=0, verbose=False).fit(X)
                   for _ in range(2))
    with pytest.raises(ValueError, match="n_components"):
        model.set_params(n_components=9).fit(X)
    model.set_params(n_components=2)
    model.partial_fit(X)
    twin.partial_fit(X)
    for k in twin.params:
        np.testing.assert_array_equal(model.params[k], twin.params[k])
