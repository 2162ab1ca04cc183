"""GAN figures: snapshots of samples, D's decision surface, the players' losses.  [G6]"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnunsup.plot import plot_decision_surface, plot_gan_losses, plot_gan_snapshots  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_snapshots_draw_each_moment(rng):
    """One panel per snapshot, the samples in each, the data behind them.  [G6]"""
    snaps = [rng.normal(size=(30, 2)), rng.normal(size=(40, 2))]
    points = plot_gan_snapshots(snaps, X=rng.normal(size=(10, 2)), labels=["a", "b"])
    assert [p.get_offsets().shape for p in points] == [(30, 2), (40, 2)]
    with pytest.raises(ValueError, match=r"snapshots\[0\] must have shape \(S, 2\)"):
        plot_gan_snapshots([rng.normal(size=(5, 3))])


def test_decision_surface_evaluates_D_on_a_grid():
    """D is called once on resolution² points spanning the square.  [G6]"""
    seen = []

    def D(points):
        seen.append(points)
        return 1 / (1 + np.exp(-points[:, 0]))

    image = plot_decision_surface(D, extent=2.0, resolution=20)
    assert seen[0].shape == (400, 2) and seen[0].min() == -2.0 and seen[0].max() == 2.0
    assert image.get_array().shape == (20, 20)


def test_losses_plot_needs_a_gan_history():
    """Four curves from a GAN's history_; other histories are refused.  [G6]"""
    history = {"d_loss": [0.7, 0.6], "g_loss": [0.8, 0.9], "d_real": [0.5, 0.6],
               "d_fake": [0.5, 0.4]}
    assert len(plot_gan_losses(history)) == 4
    with pytest.raises(ValueError, match="history has no 'g_loss' values"):
        plot_gan_losses({"d_loss": [1.0], "loss": [1.0]})
