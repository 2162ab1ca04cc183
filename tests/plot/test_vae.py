"""VAE figures: the ELBO parts over training, variations, interpolation, latent arithmetic,
and the 15 × 15 grid at prior quantiles.  [V1, V5, V6, V7]"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.stats import norm  # noqa: E402

from nnunsup.autoencoders import VAE  # noqa: E402
from nnunsup.plot import (plot_code_map, plot_elbo_history, plot_interpolation,  # noqa: E402
                          plot_latent_arithmetic, plot_latent_grid, plot_variations)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def model():
    X = (np.random.default_rng(0).random((60, 16)) < 0.4).astype(np.float32)
    return VAE((8, 2), epochs=3, batch_size=20, random_state=0).fit(X, X_val=X[:20]), X


def test_elbo_history_draws_both_parts_and_validation(model):
    """Loss, reconstruction and KL, each for training and validation: six curves whose
    values are the history's.  [V1]"""
    vae, X = model
    lines = plot_elbo_history(vae.history_)
    assert len(lines) == 6
    np.testing.assert_array_equal(lines[2].get_ydata(), vae.history_["reconstruction"])
    with pytest.raises(ValueError, match="history has no 'kl' values"):
        plot_elbo_history({"loss": [1.0], "reconstruction": [1.0]})
    vae.partial_fit(X)                          # one more epoch, without validation data
    lines = plot_elbo_history(vae.history_)     # each curve against its own epochs
    assert [len(line.get_xdata()) for line in lines] == [4, 3, 4, 3, 4, 3]


def test_latent_grid_at_prior_quantiles():
    """spacing="quantile" decodes the 15 × 15 grid of σ Φ⁻¹(0.05 … 0.95) in both
    coordinates (Kingma & Welling's figure).  [V6]"""
    seen = []

    def decode(codes):
        seen.append(codes)
        return np.zeros((len(codes), 4))

    plot_latent_grid(decode, shape=(2, 2), n=15, spacing="quantile", sigma=2.0)
    codes = seen[0]
    expected = 2.0 * norm.ppf(np.linspace(0.05, 0.95, 15))
    assert codes.shape == (225, 2)
    np.testing.assert_allclose(codes[:15, 0], expected, rtol=1e-12)
    np.testing.assert_allclose(codes[::15, 1], expected[::-1], rtol=1e-12)
    with pytest.raises(ValueError, match="spacing must be one of"):
        plot_latent_grid(decode, shape=(2, 2), spacing="log")


def test_vae_scatter_and_grid_from_a_model(model):
    """The two 2-D latent figures straight from a fitted VAE.  [V6]"""
    vae, X = model
    assert plot_code_map(vae.transform(X), np.arange(60) % 4).get_offsets().shape == (60, 2)
    assert plot_latent_grid(vae.inverse_transform, (4, 4), n=15,
                            spacing="quantile").get_array().shape == (60, 60)


def test_variations_rows(model):
    """N rows of 1 + v images: the object, then its variations.  [V5]"""
    vae, X = model
    V = vae.variations(X[:3], n_variations=4, random_state=0)
    shown = plot_variations(X[:3], V, shape=(4, 4))
    canvas = shown.get_array()
    assert canvas.shape == (3 * 5 - 1, 5 * 5 - 1)
    np.testing.assert_array_equal(canvas[:4, :4], X[0].reshape(4, 4))
    with pytest.raises(ValueError, match=r"variations must have shape \(N, v, n\)"):
        plot_variations(X[:3], V[:2], shape=(4, 4))


def test_interpolation_and_arithmetic_decode_the_right_codes():
    """The interpolation row decodes z_a … z_b; the arithmetic panel decodes a, ½(a + b), b,
    then c and c + (a − b).  [V7]"""
    seen = []

    def decode(codes):
        seen.append(np.array(codes))
        return np.zeros((len(codes), 4))

    z_a, z_b = np.array([1.0, 0.0]), np.array([0.0, 3.0])
    plot_interpolation(decode, z_a, z_b, shape=(2, 2), n_steps=4)
    np.testing.assert_allclose(seen[0][[0, -1]], [z_a, z_b])
    Z_c = np.array([[5.0, 5.0], [6.0, 7.0], [0.0, 1.0], [2.0, 2.0]])
    shown = plot_latent_arithmetic(decode, z_a, z_b, Z_c, shape=(2, 2), labels=("thick", "thin"))
    codes = seen[1]
    np.testing.assert_allclose(codes[:3], [z_a, (z_a + z_b) / 2, z_b])
    np.testing.assert_allclose(codes[3:7], Z_c)
    np.testing.assert_allclose(codes[7:], Z_c + (z_a - z_b))
    assert shown.get_array().shape == (3 * 3 - 1, 4 * 3 - 1)
