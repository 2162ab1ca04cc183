"""Figures of section C: they draw on a given ax, return what they drew with one element per
node, pair, feature or object, work on square and hexagonal grids, and name bad arguments."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from matplotlib.colors import to_rgb  # noqa: E402

from nnunsup.competitive import (SOM, CompetitiveLearning, label_map, u_matrix,  # noqa: E402
                                 u_matrix_edges)
from nnunsup.plot import (plot_competitive, plot_component_planes, plot_density_map,  # noqa: E402
                          plot_hit_map, plot_label_map, plot_map, plot_som_in_data_space,
                          plot_u_matrix)

M, H = 4, 5
TOPOLOGIES = ["rectangular", "hexagonal"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.3, (30, 3)), rng.normal(2, 0.3, (30, 3))])
    y = np.repeat([0, 1], 30)
    return X, y


@pytest.fixture(scope="module", params=TOPOLOGIES)
def som(request, data):
    return SOM(M, H, topology=request.param, epochs=5, random_state=0, verbose=False).fit(data[0])


def test_plot_map_draws_one_cell_per_node(som):
    """[C10] A colour map has M·H cells carrying the values, on the given axes."""
    fig, ax = plt.subplots()
    values = np.arange(M * H, dtype=float).reshape(M, H)
    cells = plot_map(values, som, ax=ax, title="t")
    assert cells.axes is ax and len(cells.get_paths()) == M * H
    assert np.array_equal(cells.get_array(), values.ravel())
    assert ax.get_title() == "t"
    assert ax.get_ylim()[0] > ax.get_ylim()[1]               # row 0 on top


def test_plot_map_cell_shapes_follow_the_topology(som):
    """Square grids get 4-gons of side 1; hexagonal ones hexagons of width 1 (they tile)."""
    cells = plot_map(np.zeros(M * H), som)
    vertices = cells.get_paths()[0].vertices
    corners = np.unique(np.round(vertices, 9), axis=0)
    if som.topology == "rectangular":
        assert len(corners) == 4 and np.ptp(corners[:, 0]) == pytest.approx(1.0)
    else:
        assert len(corners) == 6 and np.ptp(corners[:, 0]) == pytest.approx(1.0)


def test_plot_map_rejects_values_of_the_wrong_shape(som):
    with pytest.raises(ValueError, match=r"values must have shape \(M, H\)"):
        plot_map(np.zeros((M, H + 1)), som)


def test_plot_u_matrix_full(som):
    """Square: the (2M−1)×(2H−1) image; hexagonal: M·H node cells + E in-between cells."""
    fig, ax = plt.subplots()
    shown = plot_u_matrix(som, ax=ax, colorbar=True)
    assert shown.axes is ax
    if som.topology == "rectangular":
        assert shown.get_array().shape == (2 * M - 1, 2 * H - 1)
    else:
        _, distances, _ = u_matrix_edges(som)
        assert len(shown.get_paths()) == M * H + len(distances)
        assert np.allclose(shown.get_array(), np.concatenate([u_matrix(som).ravel(), distances]))
    assert len(fig.axes) == 2                                # the colorbar asked for


def test_plot_u_matrix_nodes_only(som):
    """full=False draws the M·H node values only; no colorbar unless asked."""
    fig, ax = plt.subplots()
    cells = plot_u_matrix(som, ax=ax, full=False)
    assert len(cells.get_paths()) == M * H and len(fig.axes) == 1
    assert np.allclose(cells.get_array(), u_matrix(som).ravel())


def test_plot_u_matrix_needs_a_som():
    with pytest.raises(TypeError, match="som must be a fitted"):
        plot_u_matrix(CompetitiveLearning(2))


def test_plot_component_planes_one_axes_per_feature(som):
    """[C10] One titled map per feature, in the given figure."""
    fig = plt.figure()
    axes = plot_component_planes(som, ["a", "b", "c"], ncols=2, fig=fig)
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    assert all(ax.figure is fig for ax in axes)
    with pytest.raises(ValueError, match="feature_names must name all 3"):
        plot_component_planes(som, ["a", "b"])
    with pytest.raises(ValueError, match="ncols"):
        plot_component_planes(som, ncols=0)


def test_plot_density_and_hit_maps(som, data):
    """[C10] Both draw M·H cells; the hit map's values sum to N and are written in the cells."""
    X = data[0]
    fig, (left, right) = plt.subplots(1, 2)
    density = plot_density_map(som, X, k=3, ax=left)
    hits = plot_hit_map(som, X, ax=right)
    assert len(density.get_paths()) == M * H and density.axes is left
    assert len(hits.get_paths()) == M * H and hits.get_array().sum() == len(X)
    assert len(right.texts) == M * H
    with pytest.raises(ValueError, match="X has 2 features"):
        plot_hit_map(som, X[:, :2])
    with pytest.raises(ValueError, match="k"):
        plot_density_map(som, X, k=0)


def test_plot_label_map_one_cell_per_occupied_node(som, data):
    """[C10, C11] One coloured cell per node that wins objects; pure nodes in their class colour."""
    X, y = data
    fig, ax = plt.subplots()
    cells = plot_label_map(som, X, y, ax=ax, class_names=["zero", "one"])
    occupied = np.bincount(np.asarray(som.predict(X)), minlength=M * H) > 0
    assert len(cells.get_paths()) == occupied.sum()
    shares, _ = label_map(som, X, y)
    pure_zero = shares.reshape(-1, 2)[occupied, 0] == 1.0
    assert pure_zero.any()
    assert np.allclose(cells.get_facecolors()[pure_zero, :3], to_rgb("tab:blue"))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zero", "one"]
    with pytest.raises(ValueError, match="class_names must name all 2"):
        plot_label_map(som, X, y, class_names=["zero"])
    with pytest.raises(ValueError, match="y must be 1-D"):
        plot_label_map(som, X, y[:-1])


def test_plot_som_in_data_space_joins_grid_neighbours(data):
    """The elastic net: M·H neurons, and a line per pair of nodes at grid distance 1."""
    X = data[0]
    expected = {"rectangular": M * (H - 1) + (M - 1) * H,
                "hexagonal": M * (H - 1) + (M - 1) * (2 * H - 1)}
    for topology, n_lines in expected.items():
        som = SOM(M, H, topology=topology, epochs=2, random_state=0, verbose=False).fit(X)
        fig, ax = plt.subplots()
        points, lines, neurons = plot_som_in_data_space(som, X, ax=ax, dims=(0, 2))
        assert len(lines.get_segments()) == n_lines
        assert neurons.get_offsets().shape == (M * H, 2) and points.get_offsets().shape == (60, 2)
        assert np.allclose(neurons.get_offsets(),
                           np.asarray(som.params["W"]).reshape(-1, 3)[:, [0, 2]])
        with pytest.raises(ValueError, match="dims must be two different"):
            plot_som_in_data_space(som, X, dims=(0, 3))


def test_plot_competitive_marks_dead_units():
    """[C1, C6] Points by winner; a unit that wins nothing is drawn as dead, not as a centre."""
    X = np.random.default_rng(1).normal(0, 0.2, (40, 2))
    model = CompetitiveLearning(3, init=np.array([[0.0, 0.0], [0.1, 0.0], [9.0, 9.0]]),
                                epochs=2, random_state=0).fit(X)
    fig, ax = plt.subplots()
    points, centres, dead = plot_competitive(model, X, ax=ax)
    assert points.get_offsets().shape == (40, 2)
    assert len(dead.get_offsets()) == model.n_dead_ == 1
    assert len(centres.get_offsets()) == 2
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plot_competitive(model, np.zeros((5, 3)))
