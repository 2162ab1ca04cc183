"""The general autoencoder: objective, gradients, tied weights, codes and reconstructions."""
import numpy as np
import pytest

from nnunsup.autoencoders import Autoencoder
from nnunsup.nn import gradcheck

CONFIGS = [
    dict(hidden_sizes=(3,)),                                              # undercomplete [A5]
    dict(hidden_sizes=(9,), loss="bce"),                                  # overcomplete  [A5]
    dict(hidden_sizes=(5, 2), activation="tanh", code_activation="identity"),
    dict(hidden_sizes=(5, 3), tied=True, loss="bce"),                     # [A13]
    dict(hidden_sizes=(4,), tied=True, activation="relu", output_activation="sigmoid"),
    dict(hidden_sizes=(8,), decoder_sizes=(5, 4), activation="softplus"),
]


@pytest.mark.parametrize("kwargs", CONFIGS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_gradient(float64, rng, kwargs):
    """loss_and_grads passes gradcheck for deep, over/undercomplete and tied configurations.
    [A1, A3, A4, A5, A13]"""
    X = rng.uniform(0.05, 0.95, (8, 6))
    model = Autoencoder(**kwargs, epochs=1, random_state=0).fit(X)
    result = gradcheck(model, X)
    assert result.max_rel_error < 1e-6, result


def test_objective_is_the_two_layer_formula(float64, rng):
    """For one hidden layer: L = (1/N) Σ ‖σ_g(B σ_f(A x + a) + b) − x‖², by hand.  [A1, A3]"""
    X = rng.uniform(0, 1, (7, 5))
    model = Autoencoder((3,), activation="sigmoid", output_activation="sigmoid", epochs=1,
                        random_state=0).fit(X)
    p = model.params
    sigma = lambda s: 1 / (1 + np.exp(-s))
    z = sigma(X @ p["encoder.0.W"].T + p["encoder.0.b"])
    x_hat = sigma(z @ p["decoder.0.W"].T + p["decoder.0.b"])
    expected = ((x_hat - X) ** 2).sum(axis=1).mean()
    assert float(model.loss_and_grads(X)[0]) == pytest.approx(expected, rel=1e-12)
    assert np.allclose(model.transform(X), z) and np.allclose(model.reconstruct(X), x_hat)


def test_cross_entropy_objective(float64, rng):
    """loss="bce": −(1/N) Σ Σ [x log x̂ + (1 − x) log(1 − x̂)], by hand.  [A4]"""
    X = rng.uniform(0, 1, (6, 4))
    model = Autoencoder((2,), loss="bce", epochs=1, random_state=0).fit(X)
    x_hat = model.reconstruct(X)
    expected = -(X * np.log(x_hat) + (1 - X) * np.log(1 - x_hat)).sum(axis=1).mean()
    assert float(model.loss_and_grads(X)[0]) == pytest.approx(expected, rel=1e-10)


def test_tied_weights_share_one_array(float64, rng):
    """With tied=True the decoder has no weight of its own and uses Wᵀ of the encoder.  [A13]"""
    X = rng.uniform(0, 1, (6, 5))
    model = Autoencoder((4, 2), tied=True, epochs=1, random_state=0).fit(X)
    assert not any(k.startswith("decoder") and k.endswith(".W") for k in model.params)
    A1, A2 = model.params["encoder.0.W"], model.params["encoder.2.W"]
    sigma = lambda s: 1 / (1 + np.exp(-s))
    z = model.transform(X)
    h = sigma(z @ A2 + model.params["decoder.0.b"])
    expected = h @ A1 + model.params["decoder.2.b"]                   # identity output
    assert np.allclose(model.inverse_transform(z), expected)


def test_training_reduces_the_reconstruction_error(rng):
    """A few epochs on structured data lower the error well below the start."""
    basis = rng.standard_normal((2, 10))
    X = rng.standard_normal((300, 2)) @ basis
    model = Autoencoder((2,), activation="tanh", code_activation="identity", epochs=60,
                        learning_rate=1e-2, random_state=0).fit(X)
    assert model.history_["loss"][-1] < 0.1 * model.history_["loss"][0]
    assert model.reconstruction_error(X) < 0.1 * (X ** 2).sum(axis=1).mean()


def test_code_and_reconstruction_shapes(rng):
    """transform gives (N, m); inverse_transform maps codes back to (N, n)."""
    X = rng.uniform(0, 1, (12, 7))
    model = Autoencoder((5, 3), epochs=1, random_state=0).fit(X)
    Z = model.transform(X)
    assert Z.shape == (12, 3) and model.inverse_transform(Z).shape == (12, 7)
    assert np.array_equal(model.predict(X), model.reconstruct(X))
    with pytest.raises(ValueError, match="Z has 2 columns, but the code of this Autoencoder has 3"):
        model.inverse_transform(Z[:, :2])


@pytest.mark.parametrize("kwargs, X, error, message", [
    (dict(loss="bce"), np.array([[0.5, 1.2], [0, 0]]), ValueError,
     r"Autoencoder with loss='bce' needs X in \[0, 1\]; found max 1.2 at row 0, column 1"),
    (dict(loss="bce", output_activation="identity"), np.ones((3, 2)) / 2, ValueError,
     "needs a sigmoid output"),
    (dict(loss="l1"), np.ones((3, 2)), ValueError, "loss must be one of 'mse', 'bce'"),
    (dict(hidden_sizes=(0,)), np.ones((3, 2)), ValueError, "hidden_sizes entries must be >= 1"),
    (dict(hidden_sizes=4), np.ones((3, 2)), TypeError, "hidden_sizes must be a non-empty sequence"),
    (dict(activation="gelu"), np.ones((3, 2)), ValueError, "activation must be one of"),
    (dict(tied=True, decoder_sizes=(3,)), np.ones((3, 2)), ValueError, "tied=True needs"),
    (dict(), np.array([[np.nan, 1.0]]), ValueError, "X contains NaN"),
])
def test_bad_input(kwargs, X, error, message):
    """Data outside [0, 1] for cross-entropy, bad options and NaN give named errors."""
    with pytest.raises(error, match=message):
        Autoencoder(**{"hidden_sizes": (2,), "epochs": 1, **kwargs}).fit(X)


def test_wrong_width_at_transform(rng):
    """transform on data of another width names both widths."""
    model = Autoencoder((2,), epochs=1).fit(rng.uniform(0, 1, (5, 4)))
    with pytest.raises(ValueError, match="X has 3 features, but Autoencoder is expecting 4 features"):
        model.transform(rng.uniform(0, 1, (2, 3)))
