"""Interpretation maps of a trained SOM: M × H colour maps, one value per node.  [C10]

The slides draw two kinds: the local density of each node (mean distance to its k
nearest sample points) and one map per feature j (the node's colour is w_mh[j], a
"component plane").  The usual companions are here too: the U-matrix (distances between
neighbouring neurons), the hit map (how many objects each node wins) and the label map
(class shares per node), with the hit-weighted purity that summarises it.

Slides: "Интерпретация карт Кохонена" (MIPT and SPbU notes).

Every function takes a fitted :class:`~nnunsup.competitive.SOM`; arrays come back on the
host (NumPy), ready to plot.  Shape legend: ``N`` objects, ``n`` features, ``M × H``
grid, ``E`` pairs of neighbouring nodes, ``K`` classes.
"""
import numpy

from .. import backend
from .._validation import check_scalar
from .som import ADJACENT
from .wta import sq_distances

__all__ = ["neighbour_pairs", "u_matrix", "u_matrix_full", "u_matrix_edges", "density_map",
           "component_planes", "hit_map", "label_map", "purity"]


def _weights(som):
    som._check_fitted()
    return backend.to_numpy(som.params["W"]).astype(float)       # (M, H, n)


def neighbour_pairs(som):
    """Index pairs (a, b), a < b, of nodes that are grid neighbours: array of shape (E, 2)."""
    p = som.positions_
    r = numpy.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=2))
    a, b = numpy.nonzero(numpy.triu(r < ADJACENT, k=1))
    return numpy.column_stack([a, b])


def u_matrix_edges(som):
    """The U-matrix's in-between cells: one per pair of neighbouring nodes.  [C10]

    Returns
    -------
    pairs : int array of shape (E, 2)       flat node indices
    distances : array of shape (E,)         ρ(w_a, w_b)
    midpoints : array of shape (E, 2)       where the cell sits in the grid's plane
    """
    W = _weights(som).reshape(-1, som.n_features_in_)
    pairs = neighbour_pairs(som)
    distances = numpy.sqrt(((W[pairs[:, 0]] - W[pairs[:, 1]]) ** 2).sum(axis=1))
    midpoints = (som.positions_[pairs[:, 0]] + som.positions_[pairs[:, 1]]) / 2
    return pairs, distances, midpoints


def u_matrix(som):
    """Mean distance from each neuron to its grid neighbours, array of shape (M, H).  [C10]

    Neighbours: the 8 surrounding nodes on a square grid, the 6 on a hexagonal one (fewer
    at the border).  High values mark cluster borders, low values cluster interiors.
    """
    pairs, distances, _ = u_matrix_edges(som)
    MH = som.m * som.h
    total = numpy.bincount(pairs.ravel(), weights=numpy.repeat(distances, 2), minlength=MH)
    count = numpy.bincount(pairs.ravel(), minlength=MH)
    return (total / numpy.maximum(count, 1)).reshape(som.m, som.h)


def u_matrix_full(som):
    """The U-matrix with in-between cells, array of shape (2M − 1, 2H − 1) (square grids).  [C10]

    Cell (2m, 2h) is node (m, h) (its mean neighbour distance); (2m + 1, 2h) and
    (2m, 2h + 1) are the distances to the next node down and right; (2m + 1, 2h + 1) is
    the mean of the two diagonal distances across it.  Hexagonal grids have no such
    array: use :func:`u_matrix_edges` (and ``nnunsup.plot.plot_u_matrix``) for them.
    """
    if som.topology != "rectangular":
        raise ValueError("u_matrix_full needs a rectangular grid; for hexagonal grids use "
                         "u_matrix_edges or nnunsup.plot.plot_u_matrix")
    W = _weights(som)
    M, H = som.m, som.h
    U = numpy.zeros((2 * M - 1, 2 * H - 1))
    dist = lambda a, b: numpy.sqrt(((a - b) ** 2).sum(axis=-1))
    U[1::2, ::2] = dist(W[:-1], W[1:])                           # between rows
    U[::2, 1::2] = dist(W[:, :-1], W[:, 1:])                     # between columns
    U[1::2, 1::2] = (dist(W[:-1, :-1], W[1:, 1:]) + dist(W[:-1, 1:], W[1:, :-1])) / 2
    U[::2, ::2] = u_matrix(som)
    return U


def density_map(som, X, k=5):
    """Local density of each node: mean distance to its k nearest sample points.  [C10]

    Parameters
    ----------
    X : array of shape (N, n)
    k : int                        how many nearest objects (at most N)

    Returns
    -------
    density : array of shape (M, H)   small values = dense regions of the data
    """
    X = som._check_input(X)
    check_scalar(k, "k", kind=int, low=1, high=X.shape[0])
    W = som.params["W"].reshape(-1, som.n_features_in_)
    D2 = backend.to_numpy(sq_distances(W, X)).astype(float)      # (MH, N)
    nearest = numpy.partition(D2, k - 1, axis=1)[:, :k]          # (MH, k)
    return numpy.sqrt(nearest).mean(axis=1).reshape(som.m, som.h)


def component_planes(som):
    """One M × H map per feature j, the node's value w_mh[j]: array of shape (n, M, H).  [C10]"""
    return numpy.moveaxis(_weights(som), 2, 0)


def hit_map(som, X):
    """How many objects of X each node wins, int array of shape (M, H).  [C10]"""
    c = backend.to_numpy(som.predict(X))
    return numpy.bincount(c, minlength=som.m * som.h).reshape(som.m, som.h)


def label_map(som, X, y):
    """Class shares per node: array of shape (M, H, K), NaN where a node wins nothing.  [C11]

    Returns
    -------
    shares : array of shape (M, H, K)
    classes : array of shape (K,)      the labels, in the order of the last axis
    """
    y = numpy.asarray(backend.to_numpy(y))
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be 1-D with one label per row of X ({len(X)}), got shape {y.shape}")
    classes, labels = numpy.unique(y, return_inverse=True)
    c = backend.to_numpy(som.predict(X))
    MH = som.m * som.h
    counts = numpy.zeros((MH, len(classes)))
    numpy.add.at(counts, (c, labels), 1)
    total = counts.sum(axis=1, keepdims=True)
    with numpy.errstate(invalid="ignore"):
        shares = numpy.where(total > 0, counts / numpy.where(total > 0, total, 1), numpy.nan)
    return shares.reshape(som.m, som.h, len(classes)), classes


def purity(som, X, y):
    """Hit-weighted node purity: Σ_nodes (objects of the node's majority class) / N.  [C11]"""
    shares, _ = label_map(som, X, y)
    hits = hit_map(som, X)
    majority = numpy.nan_to_num(numpy.nanmax(shares, axis=2, initial=0.0))
    return float((majority * hits).sum() / hits.sum())
