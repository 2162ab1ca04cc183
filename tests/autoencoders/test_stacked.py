"""Stacked (greedy layer-wise) and semi-supervised autoencoders."""
import numpy as np
import pytest

from nnunsup.autoencoders import SemiSupervisedAutoencoder, StackedAutoencoder
from nnunsup.nn import gradcheck

Y = np.array([0, 1, 2, -1, -1, -1, 0, 1, -1, 2, -1, -1])


@pytest.mark.parametrize("kwargs", [dict(), dict(loss="bce", head_sizes=(3,)),
                                    dict(reconstruct_all=True, lam=0.3, activation="tanh")])
def test_semi_supervised_gradient(float64, rng, kwargs):
    """The joint objective's gradient (encoder, decoder and predictor) passes gradcheck.  [A11]"""
    X = rng.uniform(0, 1, (12, 6))
    model = SemiSupervisedAutoencoder((4,), **kwargs, epochs=1, random_state=0).fit(X, Y)
    assert {k.split(".")[0] for k in model.params} == {"encoder", "decoder", "head"}
    assert gradcheck(model, X, Y).max_rel_error < 1e-6


def test_semi_supervised_objective_by_hand(float64, rng):
    """(1/N)[Σ_U ‖x̂_i − x_i‖² + λ Σ_L −log ŷ_i[y_i]], computed from the model's parts.  [A11]"""
    X = rng.uniform(0, 1, (12, 5))
    model = SemiSupervisedAutoencoder((3,), lam=0.7, epochs=1, random_state=0).fit(X, Y)
    x_hat = model.reconstruct(X)
    proba = model.predict_proba(X)
    unlabelled = Y == -1
    rec = ((x_hat - X) ** 2).sum(axis=1)[unlabelled].sum()
    index = np.searchsorted(model.classes_, Y[~unlabelled])
    pred = -np.log(proba[~unlabelled][np.arange(len(index)), index]).sum()
    expected = (rec + 0.7 * pred) / 12
    assert float(model.loss_and_grads(X, Y)[0]) == pytest.approx(expected, rel=1e-10)


def test_semi_supervised_labels(rng):
    """Labels may be any integers but −1 (unlabelled); predict returns them."""
    X = rng.uniform(0, 1, (12, 5))
    y = np.where(Y == -1, -1, Y + 5)
    model = SemiSupervisedAutoencoder((3,), epochs=2, random_state=0).fit(X, y)
    assert model.classes_.tolist() == [5, 6, 7]
    assert set(model.predict(X)) <= {5, 6, 7}
    with pytest.raises(ValueError, match="at least 2 classes"):
        SemiSupervisedAutoencoder((3,)).fit(X, np.full(12, -1))
    with pytest.raises(ValueError, match="not seen in fit"):
        model.loss_and_grads(X, np.full(12, 9))


def test_stacked_pretraining_builds_the_stack(float64, rng):
    """Each greedy layer is trained on the codes of the one below, and its encoder becomes
    layer h of the stack (its decoder the mirrored layer): with epochs=0 the stacked
    encoder reproduces the greedy codes exactly.  [A10]"""
    X = rng.uniform(0, 1, (40, 6))
    stack = StackedAutoencoder((4, 2), pretrain_epochs=3, epochs=0, random_state=0).fit(X)
    assert len(stack.pretrain_history_) == 2 and stack.history_.epochs == 0
    first, second = stack.layers_
    assert first.hidden_sizes == (4,) and second.hidden_sizes == (2,)
    assert np.array_equal(stack.params["encoder.0.W"], first.params["encoder.0.W"])
    assert np.array_equal(stack.params["encoder.2.W"], second.params["encoder.0.W"])
    assert np.array_equal(stack.params["decoder.0.W"], second.params["decoder.0.W"])   # g^2 first
    assert np.array_equal(stack.params["decoder.2.W"], first.params["decoder.0.W"])
    codes = second.transform(first.transform(X))                  # x² = f²(f¹(x))
    assert np.allclose(stack.transform(X), codes, atol=1e-12)
    assert second.n_features_in_ == 4                               # trained on the codes x¹


def test_stacked_fine_tuning_gradient_and_progress(float64, rng):
    """Fine-tuning trains the whole unrolled autoencoder; its gradient passes gradcheck.  [A10]"""
    X = rng.uniform(0, 1, (30, 6))
    stack = StackedAutoencoder((4, 2), loss="bce", pretrain_epochs=2, epochs=3,
                               random_state=0).fit(X)
    assert stack.history_.epochs == 3
    assert gradcheck(stack, X).max_rel_error < 1e-6


def test_stacked_classifier_starts_from_the_encoders(rng):
    """classifier() returns an MLP whose hidden layers are the stacked encoders.  [A10]"""
    X = rng.uniform(0, 1, (30, 6))
    stack = StackedAutoencoder((4, 3), pretrain_epochs=2, epochs=1, random_state=0).fit(X)
    clf = stack.classifier([0, 1], epochs=1)
    assert np.array_equal(clf.params["net.2.W"], stack.params["encoder.2.W"])
    clf.fit(X, (X[:, 0] > 0.5).astype(int))
    assert clf.history_.epochs == 1


@pytest.mark.slow
def test_pretraining_beats_random_initialisation_with_few_labels(data_dir):
    """200 labelled MNIST digits, the same 784-128-64-10 sigmoid net and the same budget
    (plain SGD, η = 0.3, batch 20, 30 epochs): starting from the stacked encoders
    (pre-trained on 3000 unlabelled digits, 8 epochs per layer) beats random initialisation
    by at least 1.5 points of test accuracy for each of three seeds (measured: +2.5 to +3.4
    points, 0.815–0.822 against 0.788–0.790).  [A10]"""
    from nnunsup.datasets import load_mnist
    from nnunsup.nn import MLPClassifier
    X, y = load_mnist("train", path=data_dir, n_samples=3000, random_state=0)
    X_test, y_test = load_mnist("test", path=data_dir, n_samples=2000, random_state=0)
    stack = StackedAutoencoder((128, 64), activation="sigmoid", loss="bce", pretrain_epochs=8,
                               epochs=0, learning_rate=3e-3, random_state=0, verbose=False).fit(X)
    budget = dict(epochs=30, optimizer="sgd", learning_rate=0.3, batch_size=20, verbose=False)
    for seed in range(3):
        pretrained = stack.classifier(np.arange(10), random_state=seed, **budget)
        pretrained.fit(X[:200], y[:200])
        scratch = MLPClassifier((128, 64), activation="sigmoid", random_state=seed, **budget)
        scratch.fit(X[:200], y[:200])
        assert pretrained.score(X_test, y_test) >= scratch.score(X_test, y_test) + 0.015
