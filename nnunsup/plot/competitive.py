"""Figures of competitive learning and Kohonen maps: U-matrix, M × H colour maps,
component planes, label maps, the map in data space, WTA/WTM clusterings.  [C10]

The grid is drawn in the plane of ``som.positions_``: node (m, h) sits at column h
(x to the right) and row m (y downwards, row 0 on top, as in a matrix).  A rectangular
grid is tiled by unit squares; a hexagonal grid (odd rows shifted by ½, rows √3/2 apart)
by "pointy-top" hexagons of width 1 (circumradius 1/√3), which tile it exactly.

Every function takes ``ax=None`` (a new figure when omitted), moves arrays to the host
with ``backend.to_numpy`` and returns what it drew.  Shape legend: ``N`` objects, ``n``
features, ``M × H`` grid, ``E`` pairs of neighbouring nodes, ``K`` units or classes.
"""
import math

import numpy

from .. import backend
from .._validation import check_array, check_n_features, check_scalar
from ..competitive import maps
from ..competitive.som import SOM
from .basics import _axes

__all__ = ["plot_map", "plot_u_matrix", "plot_component_planes", "plot_density_map",
           "plot_hit_map", "plot_label_map", "plot_som_in_data_space", "plot_competitive"]

_SQUARE = numpy.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])        # (4, 2)
_ANGLES = numpy.pi / 2 + numpy.arange(6) * numpy.pi / 3                           # vertex up
_HEXAGON = numpy.column_stack([numpy.cos(_ANGLES), numpy.sin(_ANGLES)]) / math.sqrt(3)  # (6, 2)


# -- helpers -----------------------------------------------------------------------------

def _check_som(som, name="som"):
    if not isinstance(som, SOM):
        raise TypeError(f"{name} must be a fitted nnunsup.competitive.SOM, "
                        f"got {type(som).__name__}")
    som.params                                   # NotFittedError before fit
    return som


def _check_data(som, X, name="X"):
    X = backend.to_numpy(check_array(X, name=name))
    check_n_features(X, som.n_features_in_, "SOM", name)
    return X.astype(float)


def _centres(positions):
    """Grid-plane coordinates (row, col) → drawing coordinates (x = col, y = row)."""
    return numpy.asarray(positions, dtype=float)[:, ::-1]                         # (P, 2)


def _cell_shape(som):
    return _HEXAGON if som.topology == "hexagonal" else _SQUARE


def _draw_cells(ax, centres, shape, values=None, scale=1.0, cmap=None, **style):
    """One polygon of ``shape`` (times ``scale``) around each centre, as a PolyCollection."""
    from matplotlib.collections import PolyCollection
    scale = numpy.broadcast_to(numpy.asarray(scale, dtype=float), (len(centres),))
    verts = centres[:, None, :] + scale[:, None, None] * shape[None, :, :]      # (P, V, 2)
    cells = PolyCollection(verts, cmap=cmap, **style)
    if values is not None:
        cells.set_array(numpy.asarray(values, dtype=float))
    ax.add_collection(cells)
    return cells


def _frame(ax, som, margin=0.6):
    """Limits around the whole grid, row 0 on top, equal aspect, no ticks."""
    xy = _centres(som.positions_)
    ax.set_xlim(xy[:, 0].min() - margin, xy[:, 0].max() + margin)
    ax.set_ylim(xy[:, 1].max() + margin, xy[:, 1].min() - margin)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def _annotate(ax, som, values, cells, fmt="{:g}"):
    """Write each node's value in its cell, white on dark colours and black on light."""
    colours = cells.get_cmap()(cells.norm(numpy.asarray(values, dtype=float)))    # (MH, 4)
    light = colours[:, :3] @ numpy.array([0.299, 0.587, 0.114]) > 0.5
    size = max(4.0, min(9.0, 90.0 / max(som.m, som.h)))
    return [ax.text(x, y, fmt.format(v), ha="center", va="center", fontsize=size,
                    color="black" if is_light else "white")
            for (x, y), v, is_light in zip(_centres(som.positions_), values, light)]


def _node_values(values, som, name="values"):
    values = numpy.asarray(backend.to_numpy(values), dtype=float)
    if values.shape not in ((som.m, som.h), (som.m * som.h,)):
        raise ValueError(f"{name} must have shape (M, H) = {(som.m, som.h)} or (M·H,), "
                         f"got {values.shape}")
    return values.ravel()                                                        # (MH,)


# -- maps on the grid --------------------------------------------------------------------

def plot_map(values, som, ax=None, cmap="viridis", title=None, colorbar=False,
             vmin=None, vmax=None):
    """Any M × H colour map drawn on the SOM's grid (squares or hexagons).  [C10]

    Parameters
    ----------
    values : array of shape (M, H) or (M·H,)    one value per node; NaN cells stay blank
    som : fitted SOM                             gives the grid and its topology

    Returns
    -------
    cells : matplotlib PolyCollection with M·H polygons
    """
    _check_som(som)
    values = _node_values(values, som)
    ax = _axes(ax)
    cells = _draw_cells(ax, _centres(som.positions_), _cell_shape(som), values, cmap=cmap,
                        edgecolors="face", linewidths=0.3)
    cells.set_clim(vmin, vmax)
    _frame(ax, som)
    if title is not None:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(cells, ax=ax, shrink=0.8)
    return cells


def plot_u_matrix(som, ax=None, full=True, cmap="bone_r", colorbar=False):
    """The U-matrix: distances between neighbouring neurons (dark = far = cluster border).  [C10]

    Square grids, ``full=True``: the (2M − 1) × (2H − 1) image of
    :func:`~nnunsup.competitive.u_matrix_full`, node (m, h) at cell (2m, 2h) and the
    distances to its neighbours in the cells between.  Hexagonal grids, ``full=True``:
    every node and every neighbour-pair midpoint gets a hexagon of half the node's size —
    nodes and midpoints together form the hexagonal lattice of half the spacing, so the
    cells tile the map; a node's cell shows its mean neighbour distance
    (:func:`~nnunsup.competitive.u_matrix`), a midpoint's the distance ρ(w_a, w_b)
    (:func:`~nnunsup.competitive.u_matrix_edges`).  ``full=False`` draws only the nodes.

    Returns
    -------
    AxesImage (square grid, full) or PolyCollection with M·H + E polygons (hexagonal,
    full) or M·H polygons (``full=False``)
    """
    _check_som(som)
    ax = _axes(ax)
    if not full:
        return plot_map(maps.u_matrix(som), som, ax=ax, cmap=cmap, colorbar=colorbar)
    if som.topology == "rectangular":
        U = maps.u_matrix_full(som)                                              # (2M−1, 2H−1)
        shown = ax.imshow(U, cmap=cmap, interpolation="nearest",
                          extent=(-0.25, som.h - 0.75, som.m - 0.75, -0.25))
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        _, distances, midpoints = maps.u_matrix_edges(som)                      # (E,), (E, 2)
        centres = numpy.vstack([_centres(som.positions_), _centres(midpoints)])  # (MH + E, 2)
        values = numpy.concatenate([maps.u_matrix(som).ravel(), distances])
        shown = _draw_cells(ax, centres, _HEXAGON, values, scale=0.5, cmap=cmap,
                            edgecolors="face", linewidths=0.3)
        _frame(ax, som)
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, shrink=0.8)
    return shown


def plot_component_planes(som, feature_names=None, ncols=4, fig=None, cmap="viridis"):
    """One small map per feature j, node colour w_mh[j] (a "component plane").  [C10]

    Returns
    -------
    axes : list of n matplotlib Axes, one per feature
    """
    _check_som(som)
    planes = maps.component_planes(som)                                          # (n, M, H)
    n = planes.shape[0]
    if feature_names is None:
        feature_names = [f"feature {j}" for j in range(n)]
    if len(feature_names) != n:
        raise ValueError(f"feature_names must name all {n} features, got {len(feature_names)}")
    check_scalar(ncols, "ncols", kind=int, low=1)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    if fig is None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(2.8 * ncols, 2.6 * nrows))
    axes = []
    for j in range(n):
        ax = fig.add_subplot(nrows, ncols, j + 1)
        plot_map(planes[j], som, ax=ax, cmap=cmap, colorbar=True)
        ax.set_title(feature_names[j], fontsize=8)
        axes.append(ax)
    return axes


def plot_density_map(som, X, k=5, ax=None, cmap="viridis_r", colorbar=True):
    """Local density of each node: mean distance to its k nearest objects (bright = dense).  [C10]

    Returns
    -------
    cells : PolyCollection with M·H polygons
    """
    _check_som(som)
    X = _check_data(som, X)
    density = maps.density_map(som, X, k)                                        # (M, H)
    return plot_map(density, som, ax=ax, cmap=cmap, colorbar=colorbar,
                    title=f"density: mean ρ to {k} nearest")


def plot_hit_map(som, X, ax=None, cmap="Blues", numbers=None):
    """How many objects each node wins; the counts are written in the cells of small maps.  [C10]

    ``numbers=None`` writes them when the map has at most 15 × 15 nodes.

    Returns
    -------
    cells : PolyCollection with M·H polygons
    """
    _check_som(som)
    X = _check_data(som, X)
    hits = maps.hit_map(som, X).ravel()                                          # (MH,)
    cells = plot_map(hits, som, ax=ax, cmap=cmap, title="hits")
    if numbers or (numbers is None and som.m * som.h <= 225):
        _annotate(cells.axes, som, hits, cells, fmt="{:.0f}")
    return cells


def _palette(K):
    from matplotlib import colors
    names = ["tab:blue", "tab:red"] if K <= 2 else [f"C{k % 10}" for k in range(K)]
    return numpy.array([colors.to_rgb(c) for c in names])                       # (K, 3)


def plot_label_map(som, X, y, ax=None, class_names=None):
    """Nodes coloured by the classes of the objects they win.  [C10, C11]

    Each node that wins objects is drawn with its class shares mixed into one colour
    (pure nodes in their class's colour — for two classes blue and red, mixed nodes in
    between) and with an area proportional to its hits; empty nodes are blank outlines.

    Parameters
    ----------
    X : array of shape (N, n)
    y : array of shape (N,)               class labels
    class_names : sequence of K str       names of the classes in sorted label order

    Returns
    -------
    cells : PolyCollection, one polygon per node that wins at least one object
    """
    _check_som(som)
    X = _check_data(som, X)
    shares, classes = maps.label_map(som, X, y)                                  # (M, H, K)
    K = len(classes)
    if class_names is not None and len(class_names) != K:
        raise ValueError(f"class_names must name all {K} classes {list(classes)}, "
                         f"got {len(class_names)}")
    hits = maps.hit_map(som, X).ravel().astype(float)                            # (MH,)
    shares = shares.reshape(-1, K)                                               # (MH, K)
    full = hits > 0
    colour = numpy.nan_to_num(shares[full]) @ _palette(K)                        # mixed RGB
    ax = _axes(ax)
    centres, shape = _centres(som.positions_), _cell_shape(som)
    _draw_cells(ax, centres, shape, facecolors="white", edgecolors="0.85", linewidths=0.5)
    cells = _draw_cells(ax, centres[full], shape, scale=numpy.sqrt(hits[full] / hits.max()),
                        facecolors=colour, edgecolors="none")
    _frame(ax, som)
    if class_names is not None or K <= 10:
        from matplotlib.patches import Patch
        names = class_names if class_names is not None else [str(c) for c in classes]
        ax.legend(handles=[Patch(color=c, label=str(name))
                           for c, name in zip(_palette(K), names)],
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(K, 4),
                  frameon=False, fontsize=8)
    return cells


# -- the map and the units in data space -------------------------------------------------

def plot_som_in_data_space(som, X=None, ax=None, dims=(0, 1)):
    """The "elastic net": objects and neurons in data space, neurons joined along the grid.

    Neighbours at grid distance 1 are joined (4 per node on squares, 6 on hexagons), so
    one sees the map unfold over the data during training.  ``dims`` picks the two
    features drawn.

    Returns
    -------
    (points, lines, neurons) : PathCollection of the N objects (None without X),
        LineCollection of the grid lines, PathCollection of the M·H neurons
    """
    from matplotlib.collections import LineCollection
    _check_som(som)
    n = som.n_features_in_
    if len(dims) != 2 or len(set(dims)) != 2 or not all(0 <= d < n for d in dims):
        raise ValueError(f"dims must be two different feature indices in [0, {n}), got {dims}")
    W = backend.to_numpy(som.params["W"]).reshape(-1, n)[:, list(dims)]         # (MH, 2)
    ax = _axes(ax)
    points = None
    if X is not None:
        X = _check_data(som, X)[:, list(dims)]
        points = ax.scatter(X[:, 0], X[:, 1], s=4, color="0.7", zorder=1)
    p = som.positions_
    r = numpy.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=2))          # (MH, MH)
    a, b = numpy.nonzero(numpy.triu(r < 1.0 + 1e-9, k=1))                      # grid lines
    lines = LineCollection(numpy.stack([W[a], W[b]], axis=1), colors="tab:red",
                           linewidths=0.8, zorder=2)
    ax.add_collection(lines)
    neurons = ax.scatter(W[:, 0], W[:, 1], s=8, color="black", zorder=3)
    ax.autoscale_view()
    ax.set_aspect("equal", adjustable="datalim")
    return points, lines, neurons


def plot_competitive(model, X, ax=None):
    """2-D data coloured by winning unit, live centres as stars, dead units as crosses.  [C1, C6]

    A unit is dead when it wins no object of X (WTA leaves such units, WTM does not).

    Parameters
    ----------
    model : fitted CompetitiveLearning (or anything with params["W"] of shape (K, 2))
    X : array of shape (N, 2)

    Returns
    -------
    (points, centres, dead) : PathCollections of the N objects, the live centres and the
        dead units
    """
    X = backend.to_numpy(check_array(X, name="X")).astype(float)
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) to be drawn in the plane, got {X.shape}")
    W = backend.to_numpy(model.params["W"]).astype(float).reshape(-1, X.shape[1])  # (K, 2)
    a = ((X[:, None, :] - W[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)      # (N,) winners
    alive = numpy.bincount(a, minlength=len(W)) > 0                              # (K,)
    palette = numpy.array([f"C{k % 10}" for k in range(len(W))])
    ax = _axes(ax)
    points = ax.scatter(X[:, 0], X[:, 1], s=6, c=palette[a], alpha=0.6, zorder=1)
    centres = ax.scatter(W[alive, 0], W[alive, 1], s=220, marker="*", c=palette[alive],
                         edgecolors="black", linewidths=1.0, zorder=3, label="centre")
    dead = ax.scatter(W[~alive, 0], W[~alive, 1], s=120, marker="X", color="black",
                      zorder=3, label="dead unit (wins nothing)" if (~alive).any() else "_none")
    for x, y in W[~alive]:
        ax.annotate("dead", (x, y), textcoords="offset points", xytext=(8, 6), fontsize=8)
    ax.legend(loc="best", fontsize=8)
    ax.set_aspect("equal", adjustable="datalim")
    return points, centres, dead
