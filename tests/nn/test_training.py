"""The shared training loop: minibatches, history, early stopping, progress, divergence guard."""
import io

import numpy as np
import pytest

from nnunsup import NonFiniteLossError, NotFittedError
from nnunsup.nn import MLPRegressor
from nnunsup.nn.training import EarlyStopping, History, Progress, minibatches


def test_minibatches_cover_every_index_once(rng):
    """One epoch visits every object exactly once, in batches of at most batch_size."""
    batches = list(minibatches(103, 10, rng))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    assert sorted(np.concatenate(batches).tolist()) == list(range(103))


def test_minibatches_seeded_and_unshuffled():
    """Same seed gives the same order; rng=None keeps the data order."""
    a = np.concatenate(list(minibatches(50, 7, np.random.default_rng(3))))
    b = np.concatenate(list(minibatches(50, 7, np.random.default_rng(3))))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, np.arange(50))
    assert np.array_equal(np.concatenate(list(minibatches(50, 7))), np.arange(50))


def test_history_appends_per_epoch():
    """History is a dict of lists and counts finished epochs."""
    h = History()
    h.append(loss=1.0, time=0.1)
    h.append(loss=0.5, time=0.1, extra=3)
    assert h.epochs == 2 and h["loss"] == [1.0, 0.5] and h["extra"] == [3]


def test_early_stopping_patience():
    """Stops after `patience` epochs without an improvement larger than tol."""
    stopper = EarlyStopping(patience=2, tol=0.1)
    decisions = [stopper.update(v, e) for e, v in enumerate([1.0, 0.5, 0.45, 0.44, 0.3])]
    assert decisions == [False, False, False, True, False]
    assert stopper.best_epoch == 4 and stopper.best == 0.3


def test_progress_draws_only_when_enabled():
    """verbose=True writes a bar; False writes nothing; 'auto' is silent under pytest."""
    for verbose, expect in [(True, True), (False, False), ("auto", False)]:
        stream = io.StringIO()
        bar = Progress(2, 5, verbose=verbose, stream=stream)
        bar.update(0, 5, 0.25, force=True)
        bar.close()
        assert ("epoch 1/2" in stream.getvalue()) is expect


def _data(rng, n=80):
    X = rng.standard_normal((n, 3))
    return X, X @ np.array([1.0, -2.0, 0.5])


def test_fit_returns_self_and_records_history(rng):
    """fit returns the model and one history entry per epoch; the loss goes down."""
    X, y = _data(rng)
    model = MLPRegressor((8,), epochs=30, learning_rate=1e-2, random_state=0)
    assert model.fit(X, y) is model
    assert model.history_.epochs == 30 and len(model.history_["time"]) == 30
    assert model.history_["loss"][-1] < 0.2 * model.history_["loss"][0]


def test_same_seed_same_parameters(rng):
    """The same random_state gives bitwise the same parameters; another seed does not."""
    X, y = _data(rng)
    fit = lambda seed: MLPRegressor((8,), epochs=3, random_state=seed).fit(X, y).params
    a, b, c = fit(1), fit(1), fit(2)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


def test_refit_is_idempotent_and_warm_start_continues(rng):
    """fit twice gives the same result (fresh parameters); warm_start keeps training."""
    X, y = _data(rng)
    model = MLPRegressor((8,), epochs=3, random_state=0)
    first = {k: v.copy() for k, v in model.fit(X, y).params.items()}
    second = model.fit(X, y).params
    assert all(np.array_equal(first[k], second[k]) for k in first)
    model.set_params(warm_start=True).fit(X, y)
    assert model.history_.epochs == 6
    assert not all(np.array_equal(first[k], model.params[k]) for k in first)


def test_params_are_live_arrays_updated_in_place(rng):
    """A reference to params[k] taken before training sees the trained values."""
    X, y = _data(rng)
    model = MLPRegressor((8,), epochs=2, random_state=0, warm_start=True).init_params(3)
    W = model.params["net.0.W"]
    before = W.copy()
    model.fit(X, y)
    assert model.params["net.0.W"] is W and not np.array_equal(W, before)


def test_partial_fit_is_one_epoch(rng):
    """partial_fit creates the parameters on the first call and adds one epoch per call."""
    X, y = _data(rng)
    model = MLPRegressor((8,), random_state=0)
    model.partial_fit(X, y).partial_fit(X, y)
    assert model.history_.epochs == 2


def test_validation_loss_and_early_stopping_restore_best(rng):
    """X_val adds val_loss; patience stops early and restores the best epoch's parameters."""
    X, y = _data(rng, 120)
    y_noisy = y + 3 * rng.standard_normal(len(y))
    model = MLPRegressor((64,), epochs=300, learning_rate=1e-2, patience=5, random_state=0)
    model.fit(X[:40], y_noisy[:40], X_val=X[40:], y_val=y[40:])
    history = model.history_
    assert len(history["val_loss"]) == history.epochs < 300
    best = int(np.argmin(history["val_loss"]))
    assert model.best_epoch_ == best + 1
    restored, _ = model.loss_and_grads(X[40:].astype(np.float32), y[40:, None].astype(np.float32))
    assert float(restored) == pytest.approx(history["val_loss"][best], rel=1e-4)


def test_divergence_raises_and_restores_last_finite_params(rng):
    """After 50 good epochs, a learning rate of 1e4 set through set_params (warm start)
    diverges: NonFiniteLossError names the epoch, step and that learning rate; the
    parameters are the last ones with a finite loss and the 50 epochs stay in history_."""
    X, y = _data(rng)
    model = MLPRegressor((8,), epochs=50, learning_rate=1e-3, optimizer="sgd", random_state=0,
                         warm_start=True).fit(X, y)
    model.set_params(learning_rate=1e4, epochs=5)
    with pytest.raises(NonFiniteLossError, match=r"epoch 5\d, step \d+.*learning_rate=10000") as info:
        model.fit(X, y)
    assert info.value.epoch > 50 and info.value.step >= 1
    assert info.value.last_finite_loss == model.history_["loss"][-1]
    assert all(np.isfinite(v).all() for v in model.params.values())
    assert model.history_.epochs >= 50
    loss, _ = model.loss_and_grads(X, y)
    assert np.isfinite(float(loss))


def test_divergence_on_the_first_step_keeps_the_initial_parameters(rng):
    """If the very first loss is already inf, the parameters are the initial ones, bitwise."""
    X, y = _data(rng)
    model = MLPRegressor((4,), epochs=3, random_state=0)
    initial = {k: v.copy() for k, v in MLPRegressor((4,), random_state=0)
               .init_params(3).params.items()}
    with pytest.raises(NonFiniteLossError, match="epoch 1, step 1"):
        model.fit(X, 1e30 * y)
    assert all(np.array_equal(initial[k], model.params[k]) for k in initial)
    assert model.history_.epochs == 0


def test_numpy_integers_are_integers(rng):
    """epochs=np.int64(2) is accepted like 2 (and a float is refused as 'an integer')."""
    X, y = _data(rng, 10)
    assert MLPRegressor(epochs=np.int64(2)).fit(X, y).history_.epochs == 2
    with pytest.raises(TypeError, match="epochs must be an integer"):
        MLPRegressor(epochs=2.0).fit(X, y)


def test_best_epoch_belongs_to_the_last_fit(rng):
    """best_epoch_ exists after a fit with early stopping and not after one without."""
    X, y = _data(rng, 40)
    model = MLPRegressor((4,), epochs=5, patience=2, random_state=0).fit(X, y)
    assert hasattr(model, "best_epoch_")
    model.set_params(patience=None).fit(X, y)
    assert not hasattr(model, "best_epoch_")


def test_not_fitted_error_says_what_to_call():
    """params before fit raises NotFittedError naming fit and init_params."""
    with pytest.raises(NotFittedError, match="fit.*init_params"):
        MLPRegressor().params


@pytest.mark.parametrize("name, value, error", [
    ("epochs", 0, ValueError), ("epochs", 2.5, TypeError), ("batch_size", -1, ValueError),
    ("learning_rate", -0.1, ValueError), ("learning_rate", float("nan"), ValueError),
    ("patience", 0, ValueError), ("optimizer", "adagrad", ValueError),
])
def test_bad_training_hyperparameters(rng, name, value, error):
    """Bad training hyperparameters raise at fit with the hyperparameter's name."""
    X, y = _data(rng, 10)
    with pytest.raises(error, match=name if name != "optimizer" else "optimizer"):
        MLPRegressor(**{name: value}).fit(X, y)


def test_wrong_width_after_fit(rng):
    """Predicting on data of another width names both widths."""
    X, y = _data(rng, 10)
    model = MLPRegressor(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but MLPRegressor is expecting 3 features as input"):
        model.predict(X[:, :2])
