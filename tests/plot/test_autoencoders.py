"""Autoencoder figures: code map, reconstruction rows, decoded latent grid.  [A14]"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnunsup.plot import plot_code_map, plot_latent_grid, plot_reconstructions  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_code_map_draws_every_code():
    """One point per code, coloured by class; 3-D codes are refused.  [A14]"""
    Z = np.random.default_rng(0).standard_normal((50, 2))
    points = plot_code_map(Z, np.arange(50) % 3)
    assert points.get_offsets().shape == (50, 2)
    with pytest.raises(ValueError, match=r"Z must have shape \(N, 2\)"):
        plot_code_map(np.zeros((5, 3)))


def test_reconstruction_rows():
    """k rows of n images become a (k·(h+1) − 1) × (n·(w+1) − 1) canvas.  [A14]"""
    rows = [np.zeros((12, 16)), np.ones((12, 16))]
    shown = plot_reconstructions(rows, labels=["x", "x̂"], n=5)
    assert shown.get_array().shape == (2 * 5 - 1, 5 * 5 - 1)
    with pytest.raises(ValueError, match="at least one"):
        plot_reconstructions([])


def test_latent_grid_decodes_n_by_n_codes():
    """The decoder is called once on n² codes spanning the square.  [A14]"""
    seen = []

    def decode(codes):
        seen.append(codes)
        return np.tile(codes[:, :1], (1, 4)) * 0 + 0.5

    shown = plot_latent_grid(decode, shape=(2, 2), extent=2.0, n=3)
    assert seen[0].shape == (9, 2) and seen[0].min() == -2.0 and seen[0].max() == 2.0
    assert shown.get_array().shape == (6, 6)


def test_latent_grid_over_a_box():
    """A box per coordinate decodes the codes an autoencoder actually uses; the top-left
    image is (lo₁, hi₂) and z₁ grows to the right.  [A14]"""
    seen = []

    def decode(codes):
        seen.append(codes)
        return np.zeros((len(codes), 4))

    plot_latent_grid(decode, shape=(2, 2), extent=((0.0, 1.0), (10.0, 14.0)), n=5)
    codes = seen[0]
    assert codes.shape == (25, 2)
    assert tuple(codes[0]) == (0.0, 14.0) and tuple(codes[4]) == (1.0, 14.0)
    assert tuple(codes[-1]) == (1.0, 10.0)
    with pytest.raises(ValueError, match="lo < hi"):
        plot_latent_grid(decode, shape=(2, 2), extent=((1.0, 0.0), (0.0, 1.0)))
