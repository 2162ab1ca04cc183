"""The partial-learning models: objectives by hand and by finite differences, frozen means
frozen, the encoders taken out of every kind of source, and bad input."""
import importlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnunsup.autoencoders import (VAE, Autoencoder, ConvAutoencoder,  # noqa: E402
                                  SequenceAutoencoder)
from nnunsup.nn import MLPClassifier, gradcheck  # noqa: E402
from nnunsup.plot import plot_curves, plot_training_schemes  # noqa: E402
from nnunsup.transfer import (TRAINING_SCHEMES, DistilledClassifier,  # noqa: E402
                              MultiTaskClassifier, PrivilegedClassifier,
                              RelativePositionPretext, TransferClassifier, encoder_of,
                              extract_patches, soft_cross_entropy)


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@pytest.fixture
def data(rng):
    X = rng.random((12, 6))
    y = np.array([0, 1, 2] * 4)
    return X, y


# -- [T1] transfer -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["frozen", "finetune", "scratch"])
def test_transfer_gradient_and_keys(float64, data, mode):
    """β′ only when frozen; α and β′ otherwise; every gradient by finite differences.  [T1]"""
    X, y = data
    source = Autoencoder((5, 4), epochs=1, random_state=0).fit(X)
    model = TransferClassifier(source, mode=mode, head_sizes=(3,), activation="tanh", lam=0.1,
                               epochs=2, random_state=0).fit(X, y)
    assert any(k.startswith("encoder.") for k in model.params) == (mode != "frozen")
    assert gradcheck(model, X, y).max_rel_error < 1e-6


def test_frozen_means_frozen(data):
    """Training the head leaves α bitwise unchanged, in the model and in the source; fine-
    tuning moves it; from scratch starts elsewhere.  [T1]"""
    X, y = data
    source = Autoencoder((5, 4), epochs=3, random_state=0).fit(X)
    before = {k: v.copy() for k, v in source.params.items()}
    layers, alpha, width = encoder_of(source)
    frozen = TransferClassifier(source, mode="frozen", epochs=20, random_state=0).fit(X, y)
    for key, value in alpha.items():
        assert np.array_equal(frozen.encoder_params_[key], value)
    tuned = TransferClassifier(source, mode="finetune", epochs=20, random_state=0).fit(X, y)
    assert not np.array_equal(tuned.params["encoder.0.W"], alpha["0.W"])
    scratch = TransferClassifier(source, mode="scratch", epochs=1, random_state=0).fit(X, y)
    assert not np.allclose(scratch.params["encoder.0.W"], alpha["0.W"], atol=0.05)
    assert all(np.array_equal(source.params[k], v) for k, v in before.items())
    assert width == 4 and frozen.transform(X).shape == (12, 4)


def test_encoder_of_every_source(rng):
    """The vectorisation taken out equals the source's own codes: an autoencoder's and a
    convolutional and a sequence one's transform, a VAE's μ(x), a classifier's last hidden layer.  [T1]"""
    X = rng.random((10, 16))
    y = np.arange(10) % 2
    for source in (Autoencoder((6, 3), epochs=1, random_state=0).fit(X),
                   ConvAutoencoder((2,), image_shape=(1, 4, 4), code_size=3, epochs=1,
                                   random_state=0).fit(X),
                   SequenceAutoencoder((4,), seq_shape=(4, 4), code_size=3, epochs=1,
                                       random_state=0).fit(X),
                   VAE((6, 3), epochs=1, random_state=0).fit((X > 0.5) * 1.0)):
        layers, params, width = encoder_of(source)
        codes = layers.forward(params, X if not isinstance(source, VAE) else (X > 0.5) * 1.0)[0]
        np.testing.assert_allclose(codes, source.transform(X if not isinstance(source, VAE)
                                                           else (X > 0.5) * 1.0),
                                   rtol=1e-6, atol=1e-7)
        assert width == 3
    net = MLPClassifier((7, 5), epochs=1, random_state=0).fit(X, y)
    layers, params, width = encoder_of(net)
    p = net.params
    hidden = np.maximum(np.maximum(X @ p["net.0.W"].T + p["net.0.b"], 0) @ p["net.2.W"].T
                        + p["net.2.b"], 0)
    np.testing.assert_allclose(layers.forward(params, X)[0], hidden, rtol=1e-6)
    assert width == 5
    with pytest.raises(TypeError, match="encoder_of cannot take the encoder out of a"):
        encoder_of(PrivilegedClassifier(epochs=1).fit(X, y, X))


# -- [T2] multi-task ---------------------------------------------------------------------------

def test_multitask_objective_by_hand_and_gradient(float64, rng):
    """(1/N) Σ_i CE(g_{t_i}(f(x_i)), y_i): each object through its own task's head, by a loop;
    and gradcheck.  [T2]"""
    X = rng.random((9, 5))
    tasks = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2])
    y = np.array([3, 4, 3, 0, 1, 2, 0, 7, 9])
    model = MultiTaskClassifier((4,), activation="tanh", epochs=2, random_state=0).fit(X, y, tasks)
    assert [list(c) for c in model.classes_] == [[3, 4], [0, 1, 2], [7, 9]]
    p = model.params
    z = np.tanh(X @ p["shared.0.W"].T + p["shared.0.b"])
    expected = np.mean([-_log_softmax((z[i] @ p[f"head{t}.W"].T + p[f"head{t}.b"])[None])[
        0, list(model.classes_[t]).index(y[i])] for i, t in enumerate(tasks)])
    assert float(model.loss_and_grads(X, y, tasks)[0]) == pytest.approx(expected, rel=1e-10)
    assert gradcheck(model, X, y, tasks=tasks, h=1e-4).max_rel_error < 1e-6
    assert set(model.predict(X[:3], task=0)) <= {3, 4}


def test_multitask_bad_input(rng):
    """A task with one class, missing or mismatched task ids, and unknown tasks are named."""
    X, y = rng.random((6, 3)), np.array([0, 1, 0, 1, 5, 5])
    with pytest.raises(ValueError, match="task 1 has only the labels \\[5\\]"):
        MultiTaskClassifier(epochs=1).fit(X, y, [0, 0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="tasks is required"):
        MultiTaskClassifier(epochs=1).fit(X, y)
    model = MultiTaskClassifier(epochs=1).fit(X[:4], y[:4], [0, 0, 0, 0])
    with pytest.raises(ValueError, match="task contains tasks \\[3\\] not seen in fit"):
        model.predict(X, task=3)


# -- [T3] self-supervised ------------------------------------------------------------------------

def test_patches_and_pretext_objective(float64, rng):
    """Patch 3r + c is rows 9r…9r+8, columns 9c…9c+8 of the image; the pretext loss is the
    mean over all 8 neighbours of all centres of CE(h([f(c), f(p_k)]), k), by a loop; and
    gradcheck.  [T3]"""
    X = rng.random((3, 784))
    patches = extract_patches(X, (1, 28, 28), 9)
    image = X[1].reshape(28, 28)
    np.testing.assert_array_equal(patches[1, 5], image[9:18, 18:27].ravel())     # r=1, c=2
    model = RelativePositionPretext(hidden_sizes=(6, 4), head_sizes=(5,), activation="tanh",
                                    epochs=1, random_state=0).fit(X)
    p = model.params
    f = lambda v: np.tanh(np.tanh(v @ p["f.0.W"].T + p["f.0.b"]) @ p["f.2.W"].T + p["f.2.b"])
    h = lambda v: np.tanh(v @ p["h.0.W"].T + p["h.0.b"]) @ p["h.2.W"].T + p["h.2.b"]
    terms = []
    for i in range(3):
        for k, j in enumerate((0, 1, 2, 3, 5, 6, 7, 8)):
            logits = h(np.concatenate([f(patches[i, 4]), f(patches[i, j])])[None])
            terms.append(-_log_softmax(logits)[0, k])
    assert float(model.loss_and_grads(X)[0]) == pytest.approx(np.mean(terms), rel=1e-10)
    assert gradcheck(model, X).max_rel_error < 1e-6
    assert model.transform(X).shape == (3, 36)
    probe = TransferClassifier(model, mode="finetune", epochs=1, random_state=0).fit(X, [0, 1, 0])
    assert gradcheck(probe, X, [0, 1, 0]).max_rel_error < 1e-6


# -- [T4] distillation ---------------------------------------------------------------------------

def test_soft_cross_entropy_by_hand(float64, rng):
    """T² (1/N) Σ CE(softmax(a/T), softmax(b/T)) and its gradients w.r.t. b and a.  [T4, T5]"""
    b, a = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    p = np.exp(_log_softmax(a / 3))
    expected = 9 * np.mean(-(p * _log_softmax(b / 3)).sum(axis=1))
    assert float(soft_cross_entropy(b, a, 3.0)[0]) == pytest.approx(expected, rel=1e-12)
    assert gradcheck(lambda b, a: soft_cross_entropy(b, a, 3.0), b, a, wrt=(0, 1)).max_rel_error < 1e-6


def test_distillation_objective_and_gradient(float64, data):
    """(1 − α) T² mean CE(p_teacher, q) + α (1/N) Σ_labelled CE(y, b), with −1 for unlabelled
    rows; gradcheck; the teacher's classes.  [T4]"""
    X, y = data
    teacher = MLPClassifier((8,), epochs=3, random_state=0).fit(X, y)
    labels = np.where(np.arange(12) % 3 == 0, y, -1)
    model = DistilledClassifier(teacher, hidden_sizes=(4,), activation="tanh", temperature=2.0,
                                alpha=0.3, epochs=2, random_state=0).fit(X, labels)
    a = np.asarray(teacher._output(X))
    b = np.asarray(model._output(X))
    soft = 4 * np.mean(-(np.exp(_log_softmax(a / 2)) * _log_softmax(b / 2)).sum(axis=1))
    labelled = labels >= 0
    hard = -_log_softmax(b)[labelled, labels[labelled]].sum() / 12
    assert float(model.loss_and_grads(X, labels)[0]) == pytest.approx(0.7 * soft + 0.3 * hard,
                                                                        rel=1e-10)
    assert gradcheck(model, X, labels).max_rel_error < 1e-6
    assert list(model.classes_) == [0, 1, 2]
    unlabelled = DistilledClassifier(teacher, hidden_sizes=(4,), epochs=1, random_state=0).fit(X)
    assert unlabelled.predict(X).shape == (12,)


# -- [T5] LUPI ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lam", [0.0, 0.7])
def test_lupi_objective_and_gradient(float64, data, rng, lam):
    """CE(a(x), y) + λ CE(a(x*), y) + μ T² CE(softmax(a(x*)/T), softmax(a(x)/T)), by hand;
    gradcheck over w (and w* when λ > 0).  [T5]"""
    X, y = data
    X_star = rng.random((12, 4))
    model = PrivilegedClassifier((4,), (3,), activation="tanh", mu=0.8, lam=lam,
                                 temperature=2.0, epochs=2, random_state=0).fit(X, y, X_star)
    p = model.params
    s = np.tanh(X @ p["student.0.W"].T + p["student.0.b"]) @ p["student.2.W"].T + p["student.2.b"]
    if lam:
        t = (np.tanh(X_star @ p["teacher.0.W"].T + p["teacher.0.b"]) @ p["teacher.2.W"].T
             + p["teacher.2.b"])
    else:
        t = np.asarray(model.teacher_._output(X_star))
    ce = lambda z: -_log_softmax(z)[np.arange(12), y].mean()
    imitation = 4 * np.mean(-(np.exp(_log_softmax(t / 2)) * _log_softmax(s / 2)).sum(axis=1))
    expected = ce(s) + lam * ce(t) + 0.8 * imitation
    assert float(model.loss_and_grads(X, y, X_star=X_star)[0]) == pytest.approx(expected, rel=1e-10)
    assert gradcheck(model, X, y, X_star=X_star).max_rel_error < 1e-6
    assert any(k.startswith("teacher.") for k in model.params) == bool(lam)


def test_lupi_bad_input(data, rng):
    """Missing privileged features, or of the wrong shape, are named."""
    X, y = data
    with pytest.raises(ValueError, match="X_star is required"):
        PrivilegedClassifier(epochs=1).fit(X, y)
    model = PrivilegedClassifier(epochs=1, random_state=0).fit(X, y, rng.random((12, 4)))
    with pytest.raises(ValueError, match="X_star has 3 features, but this PrivilegedClassifier"):
        model.loss_and_grads(X, y, X_star=rng.random((12, 3)))
    with pytest.raises(ValueError, match="X_star has 5 rows but X has 12"):
        model.loss_and_grads(X, y, X_star=rng.random((5, 4)))
    assert model.predict(X).shape == (12,)                 # x* not needed to predict


def test_transfer_bad_options(data):
    """An unknown mode, an unfitted source and a source of another width are named."""
    X, y = data
    source = Autoencoder((4,), epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="mode must be one of 'frozen', 'finetune', 'scratch'"):
        TransferClassifier(source, mode="partial", epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but the source Autoencoder"):
        TransferClassifier(source, epochs=1).fit(X[:, :5], y)


# -- [T6] simultaneous and sequential ----------------------------------------------------------

def test_training_schemes_name_the_library(rng):
    """Every model the summary slide lists points at a class that exists; the figure draws
    one box per entry plus the two headings.  [T6]"""
    for kind in ("simultaneously", "sequentially"):
        for what, path in TRAINING_SCHEMES[kind]:
            module, name = path.rsplit(".", 1)
            assert hasattr(importlib.import_module(module), name), path
    texts = plot_training_schemes()
    n = sum(len(entries) for entries in TRAINING_SCHEMES.values())
    assert len(texts) == n + 2
    lines = plot_curves({"m": [10, 100], "frozen": [0.5, 0.7], "scratch": [0.4, 0.8]}, "m")
    assert len(lines) == 2
    with pytest.raises(ValueError, match="table has no column 'n'"):
        plot_curves({"m": [1]}, "n")
    plt.close("all")
