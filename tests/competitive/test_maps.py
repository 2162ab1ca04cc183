"""Interpretation maps of a SOM [C10]: density, component planes, U-matrix, hits, labels."""
import math

import numpy as np
import pytest

from nnunsup.competitive import (SOM, component_planes, density_map, hit_map, label_map,
                                 purity, u_matrix, u_matrix_edges, u_matrix_full)


@pytest.fixture
def fitted(rng):
    X = rng.standard_normal((80, 3))
    return SOM(4, 5, epochs=3, random_state=0).fit(X), X


def test_density_map_equals_brute_force_knn(fitted):
    """Node colour = mean distance to its k nearest sample points, by brute force.  [C10]"""
    som, X = fitted
    W = som.params["W"].astype(float)
    expected = np.empty((4, 5))
    for m in range(4):
        for h in range(5):
            d = sorted(math.dist(W[m, h], x) for x in X)
            expected[m, h] = np.mean(d[:7])
    assert np.abs(density_map(som, X, k=7) - expected).max() < 1e-5
    with pytest.raises(ValueError, match="k must be <= 80"):
        density_map(som, X, k=81)


def test_component_planes_are_the_weights(fitted):
    """One M × H map per feature j: the node's colour is w_mh[j].  [C10]"""
    som, _ = fitted
    planes = component_planes(som)
    assert planes.shape == (3, 4, 5)
    assert np.array_equal(planes[1], som.params["W"][:, :, 1])


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_u_matrix_is_the_mean_neighbour_distance(rng, topology):
    """U-matrix: mean ρ(w_a, w_b) over grid neighbours (distance < 1.5), by a double loop."""
    som = SOM(4, 5, topology=topology, epochs=2, random_state=0).fit(rng.standard_normal((40, 2)))
    W = som.params["W"].reshape(-1, 2).astype(float)
    p = som.positions_
    expected = [np.mean([math.dist(W[a], W[b]) for b in range(20)
                         if b != a and math.dist(p[a], p[b]) < 1.5]) for a in range(20)]
    assert np.abs(u_matrix(som).ravel() - expected).max() < 1e-5
    pairs, distances, midpoints = u_matrix_edges(som)
    assert len(pairs) == len(distances) == len(midpoints)
    assert len(pairs) == sum(math.dist(p[a], p[b]) < 1.5 for a in range(20) for b in range(a + 1, 20))


def test_u_matrix_full_has_the_in_between_cells(fitted):
    """Square grids: (2M−1)×(2H−1) with node cells, edge cells and diagonal cells."""
    som, _ = fitted
    U = u_matrix_full(som)
    W = som.params["W"].astype(float)
    assert U.shape == (7, 9)
    assert U[1, 0] == pytest.approx(math.dist(W[0, 0], W[1, 0]), rel=1e-5)
    assert U[0, 1] == pytest.approx(math.dist(W[0, 0], W[0, 1]), rel=1e-5)
    diagonal = (math.dist(W[0, 0], W[1, 1]) + math.dist(W[0, 1], W[1, 0])) / 2
    assert U[1, 1] == pytest.approx(diagonal, rel=1e-5)
    assert np.allclose(U[::2, ::2], u_matrix(som))
    hexagonal = SOM(2, 2, topology="hexagonal", epochs=1).fit(np.eye(3))
    with pytest.raises(ValueError, match="rectangular grid"):
        u_matrix_full(hexagonal)


def test_hit_and_label_maps(fitted):
    """Hits sum to N; class shares sum to 1 on nodes with hits and are NaN elsewhere;
    purity is the hit-weighted majority share, by brute force."""
    som, X = fitted
    y = (X[:, 0] > 0).astype(int)
    hits = hit_map(som, X)
    assert hits.sum() == len(X)
    shares, classes = label_map(som, X, y)
    assert classes.tolist() == [0, 1] and shares.shape == (4, 5, 2)
    filled = hits > 0
    assert np.allclose(shares[filled].sum(axis=1), 1)
    assert np.isnan(shares[~filled]).all()
    c = som.predict(X)
    majority = sum(np.bincount(y[c == node]).max() for node in np.unique(c))
    assert purity(som, X, y) == pytest.approx(majority / len(X))
    with pytest.raises(ValueError, match="one label per row"):
        label_map(som, X, y[:-1])
