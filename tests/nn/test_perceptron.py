"""MLPClassifier and MLPRegressor: the model protocol on the smallest complete models."""
import numpy as np
import pytest

from nnunsup import backend
from nnunsup.datasets import rings
from nnunsup.nn import MLPClassifier, MLPRegressor, gradcheck


@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_classifier_gradient(float64, rng, lam):
    """loss_and_grads of the classifier (softmax CE + λ/2 Σ‖W‖²) matches finite differences."""
    X = rng.standard_normal((12, 4))
    y = np.arange(12) % 3
    model = MLPClassifier((5, 4), activation="tanh", lam=lam, epochs=1, random_state=0).fit(X, y)
    result = gradcheck(model, X, y)
    assert result.max_rel_error < 1e-6, result


def test_regressor_gradient(float64, rng):
    """loss_and_grads of the regressor (quadratic loss) matches finite differences."""
    X = rng.standard_normal((10, 3))
    Y = rng.standard_normal((10, 2))
    model = MLPRegressor((6,), activation="sigmoid", lam=0.1, epochs=1, random_state=0).fit(X, Y)
    assert gradcheck(model, X, Y).max_rel_error < 1e-6


def test_loss_is_the_documented_objective(float64, rng):
    """The returned loss equals the mean CE plus (λ/2) Σ‖W‖² computed independently."""
    X = rng.standard_normal((7, 3))
    y = np.array([0, 1, 1, 0, 1, 0, 0])
    model = MLPClassifier((4,), lam=0.5, epochs=1, random_state=0).fit(X, y)
    p = model.params
    h = np.maximum(X @ p["net.0.W"].T + p["net.0.b"], 0)
    z = h @ p["net.2.W"].T + p["net.2.b"]
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -log_p[np.arange(7), y].mean() + 0.25 * ((p["net.0.W"] ** 2).sum() + (p["net.2.W"] ** 2).sum())
    assert float(model.loss_and_grads(X, y)[0]) == pytest.approx(expected, rel=1e-12)


def test_loss_and_grads_has_no_side_effects(rng):
    """Calling loss_and_grads changes no parameter."""
    X = rng.standard_normal((8, 3)).astype(np.float32)
    model = MLPRegressor((4,), epochs=1, random_state=0).fit(X, X[:, 0])
    before = {k: v.copy() for k, v in model.params.items()}
    loss, grads = model.loss_and_grads(X, X[:, :1])
    assert set(grads) == set(model.params)
    assert all(grads[k].shape == model.params[k].shape for k in grads)
    assert all(np.array_equal(before[k], model.params[k]) for k in before)


def test_classifier_separates_rings():
    """A small tanh MLP reaches ≥ 0.98 accuracy on two concentric rings."""
    X, y = rings(400, noise=0.05, random_state=0)
    model = MLPClassifier((16, 16), activation="tanh", epochs=80, learning_rate=1e-2,
                          random_state=0).fit(X, y)
    assert model.score(X, y) >= 0.98
    proba = model.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1, atol=1e-5)


def test_classifier_keeps_original_labels(rng):
    """String or shifted labels come back from predict as they were given."""
    X = np.r_[rng.normal(-2, 0.3, (20, 2)), rng.normal(2, 0.3, (20, 2))]
    y = np.array(["cat"] * 20 + ["dog"] * 20)
    model = MLPClassifier((8,), epochs=40, learning_rate=1e-2, random_state=0).fit(X, y)
    assert set(model.predict(X)) <= {"cat", "dog"} and model.score(X, y) == 1.0


def test_classifier_label_errors(rng):
    """Missing labels, one class, unseen labels and a wrong length give clear errors."""
    X = rng.standard_normal((6, 2))
    with pytest.raises(ValueError, match="y is required"):
        MLPClassifier().fit(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(X, np.zeros(6))
    model = MLPClassifier(epochs=1).fit(X, np.arange(6) % 2)
    with pytest.raises(ValueError, match="not seen in fit"):
        model.partial_fit(X, np.arange(6) % 3)
    with pytest.raises(ValueError, match="one label per row"):
        MLPClassifier().fit(X, np.arange(5) % 2)
    with pytest.raises(ValueError, match="classes="):
        MLPClassifier().partial_fit(X, np.arange(6) % 2)


def test_regressor_fits_a_product():
    """The regressor learns x0·x1 on [−1, 1]² to R² ≥ 0.9 and predicts 1-D for 1-D y."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (400, 2))
    y = X[:, 0] * X[:, 1]
    model = MLPRegressor((32,), activation="tanh", epochs=150, learning_rate=1e-2,
                         random_state=0).fit(X, y)
    assert model.predict(X).shape == (400,)
    assert model.score(X, y) >= 0.9


def test_hidden_size_must_be_positive(rng):
    """A zero-width hidden layer is rejected by name."""
    with pytest.raises(ValueError, match="hidden_sizes"):
        MLPRegressor((0,)).fit(rng.standard_normal((4, 2)), np.zeros(4))


def test_classifier_refuses_continuous_targets(rng):
    """Non-integer float targets are a regression problem, said so by name."""
    X = rng.standard_normal((10, 2))
    with pytest.raises(ValueError, match="y looks continuous.*MLPRegressor"):
        MLPClassifier().fit(X, X[:, 0])


def test_classifier_warm_start_with_other_classes(rng):
    """A warm refit whose labels differ from the model's classes is refused clearly."""
    X = rng.standard_normal((12, 2))
    model = MLPClassifier(epochs=1, warm_start=True).fit(X, np.arange(12) % 2)
    with pytest.raises(ValueError, match=r"warm_start: y has classes \[0, 1, 2\]"):
        model.fit(X, np.arange(12) % 3)


def test_classifier_init_params_with_classes(rng):
    """init_params(n, classes=) creates the weights without fitting; without classes it says so."""
    model = MLPClassifier((4,)).init_params(3, classes=["a", "b", "c"])
    assert model.params["net.2.W"].shape == (3, 4)
    with pytest.raises(ValueError, match="classes="):
        MLPClassifier().init_params(3)


def test_loss_and_grads_speaks_in_labels_and_param_dtype(rng):
    """loss_and_grads takes the original labels (here 5 and 7) and float64 data, and
    returns gradients in the parameters' dtype (float32)."""
    X = rng.standard_normal((8, 3))
    y = np.array([5, 7] * 4)
    model = MLPClassifier((4,), epochs=1, random_state=0).fit(X, y)
    loss, grads = model.loss_and_grads(X, y)
    assert np.isfinite(float(loss))
    assert all(g.dtype == np.float32 for g in grads.values())
    with pytest.raises(ValueError, match="not seen in fit"):
        model.loss_and_grads(X, np.zeros(8, dtype=int))


def test_validation_targets_are_named(rng):
    """A bad y_val is reported as y_val, not as y."""
    X = rng.standard_normal((10, 2))
    Y = rng.standard_normal((10, 2))
    with pytest.raises(ValueError, match="y_val has 1 columns"):
        MLPRegressor(epochs=1).fit(X, Y, X_val=X, y_val=Y[:, 0])


def test_hidden_sizes_must_be_a_sequence(rng):
    """hidden_sizes=5 (not a tuple) is a TypeError that shows the expected form."""
    with pytest.raises(TypeError, match=r"hidden_sizes must be a sequence.*\(64,\)"):
        MLPRegressor(hidden_sizes=5).fit(rng.standard_normal((4, 2)), np.zeros(4))


def test_regressor_score_is_scikit_learns_r2():
    """score is sklearn's r2_score: averaged over the outputs, and 0 (not a division by
    zero) for a constant target that is not predicted exactly."""
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    Y = np.c_[X[:, 0], 2.0 * X[:, 1] + 1.0]
    model = MLPRegressor(hidden_sizes=(4,), epochs=3, random_state=0, verbose=False).fit(X, Y)
    pred = backend.to_numpy(model.predict(X))
    np.testing.assert_allclose(model.score(X, Y), metrics.r2_score(Y, pred), rtol=1e-5)
    constant = np.full((30, 2), 0.5)
    assert model.score(X, constant) == metrics.r2_score(constant, pred) == 0.0
