"""RBM figures: filters and Gibbs chains.  [R6]"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnunsup.plot import plot_filters, plot_gibbs_chains  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_filters_are_the_columns_of_W(rng):
    """Filter j is column j of W as an image, scaled to [0, 1] on its own.  [R6]"""
    W = rng.normal(size=(12, 7))
    canvas = plot_filters(W, shape=(3, 4), n=5, ncols=5).get_array()
    assert canvas.shape == (3, 5 * 5 - 1)
    first = W[:, 0].reshape(3, 4)
    np.testing.assert_allclose(canvas[:, :4], (first - first.min()) / np.ptp(first))
    with pytest.raises(ValueError, match=r"W must have shape \(h·w, m\) = \(12, m\)"):
        plot_filters(W.T, shape=(3, 4))


def test_gibbs_chains_one_row_per_chain(rng):
    """s snapshots of c chains: c rows of s images, chain 1 first.  [R6]"""
    snapshots = rng.random((4, 2, 6))
    canvas = plot_gibbs_chains(snapshots, shape=(2, 3)).get_array()
    assert canvas.shape == (2 * 3 - 1, 4 * 4 - 1)
    np.testing.assert_allclose(canvas[:2, 4:7], snapshots[1, 0].reshape(2, 3))
    with pytest.raises(ValueError, match=r"snapshots must have shape \(s, c, h·w\)"):
        plot_gibbs_chains(snapshots[0], shape=(2, 3))
