"""Deep belief networks and the RBM-pretrained deep autoencoder: the stacking, the unrolling,
fine-tuning from the RBMs, pre-training against a random start, and PCA."""
import numpy as np
import pytest

from nnunsup.autoencoders import pca, pca_reconstruction_error
from nnunsup.datasets import bars_and_stripes, binarize, load_mnist
from nnunsup.nn import MLPClassifier
from nnunsup.rbm import DBN, DeepAutoencoder


@pytest.fixture(scope="module")
def bars():
    X, _ = bars_and_stripes(4, 400, random_state=0)
    return X


def test_dbn_stacks_rbms_on_the_activities(bars):
    """Each RBM reads the activities P(h = 1 | ·) of the one below (its width); params are the
    RBMs' own arrays; transform goes up the stack.  [R7]"""
    dbn = DBN((8, 4), epochs=2, batch_size=20, random_state=0).fit(bars)
    first, second = dbn.rbms_
    assert first.n_features_in_ == 16 and second.n_features_in_ == 8 and second.n_hidden == 4
    assert dbn.params["rbm.1.W"] is second.params["W"]
    H = first.transform(bars)
    np.testing.assert_array_equal(dbn.transform(bars), second.transform(H))
    assert sorted(dbn.params) == [f"rbm.{l}.{k}" for l in (0, 1) for k in ("W", "a", "b")]


def test_dbn_classifier_starts_from_the_rbms_and_samples(bars):
    """classifier(): sigmoid layers with weights Wᵀ and biases b of each RBM, a fresh softmax;
    sample(): visible probabilities from the top chain, reproducible with a seed.  [R7]"""
    dbn = DBN((8, 4), epochs=2, batch_size=20, random_state=0).fit(bars)
    clf = dbn.classifier([0, 1], epochs=1)
    for l, rbm in enumerate(dbn.rbms_):
        np.testing.assert_array_equal(clf.params[f"net.{2 * l}.W"], rbm.params["W"].T)
        np.testing.assert_array_equal(clf.params[f"net.{2 * l}.b"], rbm.params["b"])
    samples = dbn.sample(6, n_gibbs=50, random_state=3)
    assert samples.shape == (6, 16) and np.all((samples >= 0) & (samples <= 1))
    assert np.array_equal(samples, dbn.sample(6, n_gibbs=50, random_state=3))


def test_deep_autoencoder_unrolls_the_rbms(bars):
    """With epochs=0 the autoencoder is the unrolled stack: encoder layer l = (W_lᵀ, b_l),
    decoder layer l = (W_l, a_l); the code is the top RBM's linear hidden mean, and the
    reconstruction the mean-field pass down the RBMs.  [R8]"""
    model = DeepAutoencoder((8, 6, 2), pretrain_epochs=2, epochs=0, batch_size=20,
                            random_state=0).fit(bars)
    rbms = model.rbms_
    assert [r.hidden for r in rbms] == ["bernoulli", "bernoulli", "gaussian"]
    for l, (e, d) in enumerate(zip((0, 2, 4), (4, 2, 0))):
        np.testing.assert_array_equal(model.params[f"encoder.{e}.W"], rbms[l].params["W"].T)
        np.testing.assert_array_equal(model.params[f"encoder.{e}.b"], rbms[l].params["b"])
        np.testing.assert_array_equal(model.params[f"decoder.{d}.W"], rbms[l].params["W"])
        np.testing.assert_array_equal(model.params[f"decoder.{d}.b"], rbms[l].params["a"])
    up = bars
    for rbm in rbms:
        up = rbm.transform(up)
    np.testing.assert_allclose(model.transform(bars), up, rtol=1e-5, atol=1e-6)
    down = up
    for rbm in reversed(rbms):
        down = rbm.inverse_transform(down)
    np.testing.assert_allclose(model.reconstruct(bars), down, rtol=1e-5, atol=1e-6)
    assert DeepAutoencoder((8, 2), pretrain=False, epochs=1, random_state=0).fit(bars).rbms_ == []


def test_deep_autoencoder_bad_input():
    """Pre-training reads X as probabilities: values outside [0, 1] are named."""
    X = np.random.default_rng(0).normal(size=(20, 6))
    with pytest.raises(ValueError, match="pre-training reads X as probabilities"):
        DeepAutoencoder((4, 2), loss="mse", epochs=0).fit(X)
    with pytest.raises(ValueError, match="pretrain_epochs must be >= 1"):
        DeepAutoencoder((4, 2), pretrain_epochs=0).fit(np.abs(X) / 10)


# -- on MNIST ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits(data_dir):
    X, y = load_mnist("train", path=data_dir / "mnist", n_samples=5000, random_state=0)
    X_test, y_test = load_mnist("test", path=data_dir / "mnist", n_samples=2000, random_state=0)
    return X, y, X_test, y_test


def test_pretraining_helps_with_few_labels(digits):
    """The same 784-256-128-10 sigmoid net, the same SGD budget on 200 labelled digits:
    started from a DBN pre-trained on 5,000 unlabelled digits it is more than 3 points more
    accurate on 2,000 test digits than from a random start.  [R9]"""
    X, y, X_test, y_test = digits
    B, B_test = binarize(X, random_state=0), binarize(X_test, random_state=1)
    dbn = DBN((256, 128), epochs=5, random_state=0).fit(B)
    settings = dict(epochs=100, batch_size=20, learning_rate=0.1, optimizer="sgd",
                    random_state=0, verbose=False)
    pretrained = dbn.classifier(np.arange(10), **settings).fit(B[:200], y[:200])
    scratch = MLPClassifier((256, 128), activation="sigmoid", **settings).fit(B[:200], y[:200])
    accuracy = {name: float((m.predict(B_test) == y_test).mean())
                for name, m in (("pretrained", pretrained), ("scratch", scratch))}
    assert accuracy["pretrained"] > accuracy["scratch"] + 0.03, accuracy


def test_deep_autoencoder_beats_pca_and_needs_its_pretraining(data_dir):
    """A 784-256-128-30 autoencoder pre-trained as RBMs (10 epochs each) and fine-tuned for 15
    epochs on 10,000 digits: held-out squared error per image below 0.7 × that of PCA with
    30 components [R8]; the same net and fine-tuning from a random start stays above PCA's
    error [R9] (Hinton & Salakhutdinov: deep autoencoders without pre-training learn poorly).
    """
    X, _ = load_mnist("train", path=data_dir / "mnist", n_samples=10000, random_state=0)
    X_test, _ = load_mnist("test", path=data_dir / "mnist", n_samples=2000, random_state=0)
    settings = dict(pretrain_epochs=10, epochs=15, random_state=0, verbose=False)
    model = DeepAutoencoder((256, 128, 30), **settings).fit(X)
    U, mean, _ = pca(X, 30)
    pca_error = pca_reconstruction_error(X_test, U, mean)
    error = model.reconstruction_error(X_test)
    assert error < 0.7 * pca_error, (error, pca_error)
    scratch = DeepAutoencoder((256, 128, 30), pretrain=False, **settings).fit(X)
    assert scratch.reconstruction_error(X_test) > pca_error > error
