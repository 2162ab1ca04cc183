"""The sequence-to-sequence (LSTM) autoencoder.  [A15]"""
import numpy as np
import pytest

from nnunsup import backend
from nnunsup.autoencoders import SequenceAutoencoder
from nnunsup.datasets import sine_sequences
from nnunsup.nn import losses
from nnunsup.nn.gradcheck import numerical_grad, rel_error
from nnunsup.nn.recurrent import lstm_forward


def _model_gradient_error(model, X, h=1e-5):
    """Worst |g − g_num| over every parameter entry, relative to the model's largest |g|.

    The entry-wise gradcheck cannot judge this model: its LSTM W_h gradients are 1e-6–1e-5
    of the loss scale (whole tensors of them in a stacked decoder), and the central
    difference's round-off, ε_mach · L / h ≈ 1e-10 for L ≈ 5, is that large.  Extended
    precision confirms those entries agree.  Each LSTM piece is checked entry by entry in
    tests/nn/test_recurrent.py; this check is of the model's wiring, where a wrong term
    gives errors of 1e-4 and more on this scale.
    """
    _, grads = model.loss_and_grads(X)

    def f():
        return float(model.loss_and_grads(X)[0])

    scale = max(float(np.abs(g).max()) for g in grads.values())
    worst = 0.0
    for key, p in model.params.items():
        num = np.array([numerical_grad(f, p, i, h) for i in np.ndindex(*p.shape)])
        worst = max(worst, rel_error(grads[key], num.reshape(p.shape), floor=scale))
    return worst


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("kwargs", [dict(), dict(code_size=2), dict(hidden_sizes=(3, 2))],
                         ids=["code-h_T", "code-size", "stacked"])
def test_gradient(float64, rng, loss, kwargs):
    """loss_and_grads, by central differences in float64: the LSTM encoder, the code, the
    LSTM decoder fed the code at every step, and the per-step output layer.  [A15]"""
    X = rng.uniform(0.05, 0.95, (3, 4 * 2))
    model = SequenceAutoencoder(**{"hidden_sizes": (3,), **kwargs}, seq_shape=(4, 2), loss=loss,
                                random_state=0).init_params(8)
    assert _model_gradient_error(model, X) < 1e-6


def test_loss_is_the_formula(float64, rng):
    """The objective equals the seq2seq AE written out here with the function API: encoder
    LSTM → h_T → the code repeated as the decoder's input → Linear at every step → MSE summed
    over steps and features, averaged over objects.  [A1, A15]"""
    N, T, d, H = 4, 5, 2, 3
    X = rng.uniform(0, 1, (N, T * d))
    model = SequenceAutoencoder((H,), seq_shape=(T, d), loss="mse", random_state=0)
    model.init_params(T * d)
    p = model.params
    hs, _, _ = lstm_forward(X.reshape(N, T, d), None, None,
                            p["encoder.0.W_x"], p["encoder.0.W_h"], p["encoder.0.b"])
    z = hs[:, -1]
    np.testing.assert_allclose(model.transform(X), z, rtol=1e-12)
    z_seq = np.repeat(z[:, None, :], T, axis=1)
    hd, _, _ = lstm_forward(z_seq, None, None,
                            p["decoder.1.W_x"], p["decoder.1.W_h"], p["decoder.1.b"])
    x_hat = hd @ p["decoder.2.W"].T + p["decoder.2.b"]                    # (N, T, d)
    expected = ((x_hat.reshape(N, T * d) - X) ** 2).sum() / N
    loss, _ = model.loss_and_grads(X)
    np.testing.assert_allclose(float(loss), expected, rtol=1e-12)
    reconstructed, _ = losses.mse(model.reconstruct(X), X)
    np.testing.assert_allclose(float(loss), float(reconstructed), rtol=1e-12)


def test_codes_and_reconstructions():
    """The code is h_T (H wide) or the code layer's output; decoding needs only the code;
    reconstructions are rows of T·d.  [A15]"""
    X, _ = sine_sequences(10, length=6, n_features=2, n_classes=2, random_state=0)
    model = SequenceAutoencoder((5,), seq_shape=(6, 2), epochs=1, random_state=0).fit(X)
    Z = model.transform(X)
    assert Z.shape == (10, 5) and np.abs(Z).max() < 1                  # h_T = o ⊙ tanh(c)
    X_hat = model.inverse_transform(Z)
    assert X_hat.shape == (10, 12) and X_hat.min() > 0 and X_hat.max() < 1
    np.testing.assert_array_equal(model.reconstruct(X), X_hat)
    np.testing.assert_array_equal(model.inverse_transform(Z[:3]), X_hat[:3])   # per object
    coded = SequenceAutoencoder((5, 4), seq_shape=(6, 2), code_size=2, epochs=1,
                                random_state=0).fit(X)
    assert coded.transform(X).shape == (10, 2)
    assert coded.inverse_transform(np.zeros((1, 2))).shape == (1, 12)
    with pytest.raises(ValueError, match="Z has 3 columns, but the code .* has 2"):
        coded.inverse_transform(np.zeros((1, 3)))


def test_float32_stays_float32():
    """Training in the default float32 keeps parameters, codes and reconstructions float32."""
    X, _ = sine_sequences(8, length=5, n_classes=2, random_state=0)
    model = SequenceAutoencoder((4,), seq_shape=(5, 1), loss="mse", epochs=1, random_state=0).fit(X)
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert model.transform(X).dtype == model.reconstruct(X).dtype == np.float32


def test_training_reconstructs_sine_waves():
    """On 256 sine waves of 8 steps (random phase) the reconstruction error falls below a
    fifth of the mean-sequence predictor's within 20 epochs (it reaches ~0.02 of it; about
    half a second).  [A15]"""
    X, _ = sine_sequences(256, length=8, n_classes=1, random_state=0)
    baseline = float(((X - X.mean(axis=0)) ** 2).sum(axis=1).mean())
    model = SequenceAutoencoder((16,), seq_shape=(8, 1), loss="mse", epochs=20, batch_size=16,
                                learning_rate=2e-2, random_state=0).fit(X)
    loss = model.history_["loss"]
    assert loss[-1] < 0.2 * loss[0]
    assert model.reconstruction_error(X) < 0.2 * baseline


def test_same_seed_same_model():
    """random_state fixes initialisation and shuffling: two fits give the same weights."""
    X, _ = sine_sequences(20, length=5, n_classes=2, random_state=0)
    a = SequenceAutoencoder((3,), seq_shape=(5, 1), epochs=2, random_state=4).fit(X)
    b = SequenceAutoencoder((3,), seq_shape=(5, 1), epochs=2, random_state=4).fit(X)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


HALF = np.full((2, 8), 0.5)
WITH_NAN = np.array([[0.5] * 8, [0.5] * 3 + [np.nan] + [0.5] * 4])


@pytest.mark.parametrize("kwargs, X, error, message", [
    (dict(seq_shape=(28, 28)), np.full((2, 64), 0.5), ValueError,
     r"X has 64 features, but seq_shape \(28, 28\) needs T·d = 784"),
    (dict(seq_shape=(4, 2)), WITH_NAN, ValueError, r"X contains NaN \(first at row 1, column 3\)"),
    (dict(seq_shape=(4, 2)), np.full((2, 8), 1.5), ValueError, r"needs X in \[0, 1\]"),
    (dict(seq_shape=(28,)), np.full((2, 28), 0.5), ValueError, r"seq_shape must be \(T, d\)"),
    (dict(seq_shape=(0, 8)), HALF, ValueError, r"seq_shape\[0\] \(steps T\) must be >= 1"),
    (dict(seq_shape=(4, 2), code_size=0), HALF, ValueError, "code_size must be >= 1"),
    (dict(seq_shape=(4, 2), hidden_sizes=()), HALF, TypeError, "hidden_sizes"),
], ids=["wrong-width", "nan", "bce-range", "seq-shape-1d", "seq-shape-zero", "code-size",
        "no-hidden"])
def test_bad_input(kwargs, X, error, message):
    """Data or settings that do not fit are refused with the reason.  [A15]"""
    with pytest.raises(error, match=message):
        SequenceAutoencoder(**{"hidden_sizes": (2,), **kwargs}, epochs=1).fit(X)


def test_bad_input_after_fit():
    """transform checks the width against seq_shape as fit does."""
    X, _ = sine_sequences(4, length=5, n_classes=2, random_state=0)
    model = SequenceAutoencoder((2,), seq_shape=(5, 1), epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 6 features"):
        model.transform(np.full((2, 6), 0.5))


def _objective_on(name, X):
    """Loss, gradients and codes of a fresh float64 model on backend ``name``, on the host."""
    previous, dtype = backend.current(), backend.get_default_dtype()
    backend.use(name)
    backend.set_default_dtype(np.float64)
    try:
        model = SequenceAutoencoder((3,), seq_shape=(5, 2), random_state=0).init_params(10)
        Xb = backend.asarray(X)
        loss, grads = model.loss_and_grads(Xb)
        Z = model.transform(Xb)
        assert backend.get_xp(Z) is backend.get_xp(Xb)           # outputs follow the backend
        return float(loss), {k: backend.to_numpy(g) for k, g in grads.items()}, backend.to_numpy(Z)
    finally:
        backend.use(previous)
        backend.set_default_dtype(dtype)


def test_every_backend_gives_the_numpy_objective(xp):
    """One code path: on each backend the same seed gives the same weights (drawn on the
    host) and the NumPy objective, gradients and codes (float64).  [A15]"""
    X, _ = sine_sequences(6, length=5, n_features=2, n_classes=2, random_state=0)
    loss, grads, Z = _objective_on(backend.current(), X)
    loss_ref, grads_ref, Z_ref = _objective_on("numpy", X)
    np.testing.assert_allclose(loss, loss_ref, rtol=1e-10)
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-10, atol=1e-12)
    for k in grads_ref:
        np.testing.assert_allclose(grads[k], grads_ref[k], rtol=1e-8, atol=1e-12)
