"""Shared figures: they take ax=None, draw on a given ax, and return what they drew."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnunsup.plot import image_grid, plot_decision_regions, plot_history  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_history_draws_each_key():
    """One line per key that has values; epochs start at 1."""
    fig, ax = plt.subplots()
    lines = plot_history({"loss": [3, 2, 1], "val_loss": [], "time": [1, 1, 1]}, ax=ax)
    assert len(lines) == 1 and list(lines[0].get_xdata()) == [1, 2, 3]
    assert lines[0].axes is ax


def test_image_grid_tiles_images():
    """k images of h×w in ncols columns give the expected canvas with 1-pixel gaps."""
    images = np.arange(6 * 4 * 3, dtype=float).reshape(6, 12)
    shown = image_grid(images, shape=(4, 3), ncols=4)
    canvas = shown.get_array()
    assert canvas.shape == (2 * 4 + 1, 4 * 3 + 3)
    assert np.array_equal(canvas[:4, :3], images[0].reshape(4, 3))


def test_image_grid_needs_shape_for_non_square_rows():
    """Rows that are not square images ask for shape=."""
    with pytest.raises(ValueError, match="pass shape"):
        image_grid(np.zeros((2, 10)))


def test_plot_decision_regions_returns_regions_and_points():
    """The plane is coloured by predict and the points are scattered."""
    X = np.random.default_rng(0).standard_normal((30, 2))
    regions, points = plot_decision_regions(lambda g: (g[:, 0] > 0).astype(int), X,
                                            (X[:, 0] > 0).astype(int), resolution=20)
    assert points.get_offsets().shape == (30, 2)
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        plot_decision_regions(lambda g: g[:, 0], np.zeros((3, 3)), np.zeros(3))
