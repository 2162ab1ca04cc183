"""The self-organising map: grid, initialisation, the online/reference/batch updates, errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnunsup.competitive import (SOM, batch_update, grid_distances, grid_positions, kernel,
                                 purity, som_step, som_step_reference)
from nnunsup.datasets import load_house_votes, uniform_square


@pytest.mark.parametrize("topology, inner_neighbours", [("rectangular", 8), ("hexagonal", 6)])
def test_grid_positions_and_metric(topology, inner_neighbours):
    """r((m_i,h_i),(m,h)) = sqrt((m − m_i)² + (h − h_i)²) on the node coordinates; an inner
    node has 8 (square) or 6 (hexagonal) neighbours below 1.5, hexagonal ones at exactly 1.  [C7]"""
    p = grid_positions(5, 6, topology)
    R = grid_distances(p)
    naive = np.array([[math.dist(a, b) for b in p] for a in p])
    assert np.abs(R - naive).max() < 1e-12
    inner = 2 * 6 + 2                                  # node (2, 2)
    neighbours = np.flatnonzero((R[inner] > 0) & (R[inner] < 1.5))
    assert len(neighbours) == inner_neighbours
    if topology == "hexagonal":
        assert np.allclose(R[inner, neighbours], 1.0)


def test_slides_initialisation_bounds(float64):
    """init="slides": w_mh ∼ U(−1/(2MH), 1/(2MH)), every entry inside the bound.  [C8]"""
    som = SOM(4, 5, random_state=0).init_params(3)
    W = som.params["W"]
    assert W.shape == (4, 5, 3)
    assert np.abs(W).max() <= 1 / (2 * 4 * 5) and np.abs(W).max() > 0.5 / (2 * 4 * 5)


def test_random_and_pca_initialisation(rng, float64):
    """init="random" picks objects; init="pca" spreads the nodes over the first two PCs.  [C8]"""
    X = rng.standard_normal((200, 3)) * [5.0, 2.0, 0.1]
    W = SOM(3, 4, init="random", random_state=0).init_params(3, X).params["W"].reshape(-1, 3)
    assert all((np.abs(X - w).sum(axis=1) == 0).any() for w in W)
    W = SOM(3, 4, init="pca", random_state=0).init_params(3, X).params["W"]
    corner_gap = W[-1, 0] - W[0, 0]                    # along the first component
    assert abs(corner_gap[0]) > 5 and abs(corner_gap[2]) < 0.5
    with pytest.raises(ValueError, match="needs the data"):
        SOM(2, 2, init="pca").init_params(3)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("name", ["gaussian", "bubble", "triangle"])
def test_online_step_equals_slide_loop(rng, topology, name):
    """One step with all nodes at once equals the slide's loop over the grid.  [C9]"""
    M, H = 4, 5
    W = rng.standard_normal((M, H, 3))
    x = rng.standard_normal(3)
    p = grid_positions(M, H, topology)
    W_ref = W.copy()
    c = som_step(W.reshape(-1, 3), grid_distances(p), x, 0.3, kernel(name), 1.7)
    c_ref = som_step_reference(W_ref, p, x, 0.3, kernel(name), 1.7, M, H)
    assert c == c_ref
    assert np.abs(W - W_ref).max() < 1e-12


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), eta=st.floats(0.01, 1.0), sigma=st.floats(0.3, 4.0))
def test_step_moves_the_winner_towards_x(seed, eta, sigma):
    """A SOM step never moves the winner away from x, nor any node farther than x.  [C9]"""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((9, 2))
    x = rng.standard_normal(2)
    R = grid_distances(grid_positions(3, 3))
    before = np.sqrt(((W - x) ** 2).sum(axis=1))
    c = som_step(W, R, x, eta, kernel("gaussian"), sigma)
    after = np.sqrt(((W - x) ** 2).sum(axis=1))
    assert after[c] <= before[c] * (1 - eta) + 1e-12
    assert (after <= before + 1e-12).all()


def test_batch_update_is_the_kernel_weighted_mean(rng):
    """Batch map: w_k = Σ_i K(r(c_i, k)) x_i / Σ_i K(r(c_i, k)), by brute force.  [C9]"""
    X = rng.standard_normal((50, 3))
    W = rng.standard_normal((12, 3))
    R = grid_distances(grid_positions(3, 4))
    K = kernel("gaussian")
    c = ((X[:, None, :] - W[None]) ** 2).sum(axis=2).argmin(axis=1)
    weights = K(R[c], 1.2)                            # (N, MH)
    expected = (weights.T @ X) / weights.sum(axis=0)[:, None]
    W_new = W.copy()
    used = batch_update(X, W_new, R, K, 1.2, chunk=16)
    assert np.array_equal(used, c)
    assert np.abs(W_new - expected).max() < 1e-12


def test_online_and_reference_training_give_the_same_map(float64, rng):
    """Whole online runs: all-nodes-at-once and the literal loops agree to 1e-12.  [C9]"""
    X = rng.standard_normal((40, 3))
    kw = dict(topology="hexagonal", epochs=2, random_state=1, init="random")
    a = SOM(4, 3, algorithm="online", **kw).fit(X)
    b = SOM(4, 3, algorithm="reference", **kw).fit(X)
    assert np.abs(a.params["W"] - b.params["W"]).max() < 1e-12


def test_partial_fit_calls_follow_the_epoch_schedule(float64, rng):
    """k partial_fit calls equal an online fit of k epochs: call k uses epoch k's σ and η."""
    X = rng.standard_normal((30, 2))
    kw = dict(epochs=3, algorithm="online", init="random", random_state=4)
    fitted = SOM(3, 3, **kw).fit(X)
    streamed = SOM(3, 3, **kw)
    for _ in range(3):
        streamed.partial_fit(X)
    assert np.abs(fitted.params["W"] - streamed.params["W"]).max() < 1e-12
    assert streamed.history_["sigma"] == fitted.history_["sigma"]


def test_schedules_decay_from_start_to_end(rng):
    """σ_e = σ (σ_final/σ)^(e/(T−1)): first epoch σ, last σ_final, geometric in between."""
    X = rng.standard_normal((20, 2))
    som = SOM(6, 4, sigma=3.0, sigma_final=0.5, epochs=5, random_state=0).fit(X)
    sigma = som.history_["sigma"]
    assert sigma[0] == pytest.approx(3.0) and sigma[-1] == pytest.approx(0.5)
    assert np.allclose(np.diff(np.log(sigma)), np.log(0.5 / 3.0) / 4)


def test_stopping_rule_on_changed_winners(rng):
    """tol = share of objects whose winner changed; tol=1 stops after the second epoch."""
    X = rng.standard_normal((30, 2))
    som = SOM(3, 3, epochs=10, tol=1.0, random_state=0).fit(X)
    assert som.n_iter_ == 2 and som.history_["changed"][0] is None
    assert 0 <= som.history_["changed"][1] <= 1
    assert SOM(3, 3, epochs=4, random_state=0).fit(X).n_iter_ == 4


@pytest.mark.parametrize("algorithm", ["batch", "online"])
def test_map_unfolds_on_the_unit_square(algorithm):
    """A 10 × 10 map on the uniform unit square unfolds: topographic error below 0.05."""
    X = uniform_square(2000, random_state=0)
    som = SOM(10, 10, algorithm=algorithm, epochs=20, random_state=0).fit(X)
    assert som.topographic_error(X) < 0.05
    assert som.quantization_error(X) < 0.06


def test_house_votes_map(data_dir):
    """The slides' example: a SOM of the 435 congressmen separates the parties — hit-weighted
    node purity ≥ 0.90 and topographic error ≤ 0.15 for a seeded run.  [C11]"""
    X, party = load_house_votes(path=data_dir)
    som = SOM(8, 8, epochs=30, random_state=0).fit(X)
    assert purity(som, X, party) >= 0.90
    assert som.topographic_error(X) <= 0.15


def test_errors_equal_brute_force(rng):
    """Quantisation error = mean ρ to the winner; topographic error = share of objects whose
    two nearest nodes are not neighbours (grid distance ≥ 1.5).  [C12]"""
    X = rng.standard_normal((60, 3))
    som = SOM(4, 4, epochs=3, random_state=0).fit(X)
    W = som.params["W"].reshape(-1, 3).astype(float)
    D = np.sqrt(((X[:, None, :] - W[None]) ** 2).sum(axis=2))
    assert som.quantization_error(X) == pytest.approx(D.min(axis=1).mean(), rel=1e-5)
    order = np.argsort(D, axis=1)
    p = som.positions_
    far = [math.dist(p[a], p[b]) > 1.5 for a, b in order[:, :2]]
    assert som.topographic_error(X) == pytest.approx(np.mean(far))


def test_winner_predict_transform(rng):
    """winner gives (m, h) with predict = m·H + h; transform = distances to all nodes."""
    X = rng.standard_normal((10, 2))
    som = SOM(3, 5, epochs=2, random_state=0).fit(X)
    mh = som.winner(X)
    assert np.array_equal(mh[:, 0] * 5 + mh[:, 1], som.predict(X))
    assert som.transform(X).shape == (10, 15)
    # step returns the winner's (m, h); on the object with the clearest winner, since on a
    # near-tie step's ‖x − w‖² and winner's ‖w‖² − 2 x·w can round to different nodes
    W = som.params["W"].reshape(15, 2).astype(np.float64)
    d = np.sort(((X[:, None, :] - W[None]) ** 2).sum(axis=2), axis=1)
    i = int(np.argmax(d[:, 1] - d[:, 0]))
    assert d[i, 1] - d[i, 0] > 1e-3
    before = tuple(som.winner(X[i:i + 1])[0])
    assert som.step(X[i]) == before


def test_labels_and_fit_transform(rng):
    """labels_ are the winners of the last fit / partial_fit data; fit_transform = fit, transform."""
    X, X2 = rng.standard_normal((10, 2)), rng.standard_normal((6, 2))
    som = SOM(3, 5, epochs=2, random_state=0)
    D = som.fit_transform(X)
    assert np.array_equal(som.labels_, som.predict(X)) and som.labels_.dtype.kind == "i"
    assert np.array_equal(D, SOM(3, 5, epochs=2, random_state=0).fit(X).transform(X))
    assert np.array_equal(som.partial_fit(X2).labels_, som.predict(X2))


@pytest.mark.parametrize("kwargs, X, error, message", [
    ({}, np.array([[np.inf, 0.0]]), ValueError, "X contains infinity"),
    ({}, np.zeros((0, 2)), ValueError, "0 samples"),
    ({"m": 0}, np.ones((4, 2)), ValueError, "m must be >= 1"),
    ({"h": 2.5}, np.ones((4, 2)), TypeError, "h must be an integer"),
    ({"topology": "triangular"}, np.ones((4, 2)), ValueError, "topology must be one of"),
    ({"algorithm": "fast"}, np.ones((4, 2)), ValueError, "algorithm must be one of"),
    ({"init": np.zeros((2, 2, 3))}, np.ones((4, 2)), ValueError, r"init must have shape \(m, h"),
])
def test_bad_input(kwargs, X, error, message):
    """NaN/inf, empty data, a zero-sized grid and bad options are named in the error."""
    params = {"m": 2, "h": 2, **kwargs}
    with pytest.raises(error, match=message):
        SOM(**params).fit(X)


def test_wrong_width_after_fit(rng):
    """predict on data of another width names both widths."""
    som = SOM(2, 2, epochs=1).fit(rng.standard_normal((5, 3)))
    with pytest.raises(ValueError, match="X has 4 features, but SOM is expecting 3 features"):
        som.predict(rng.standard_normal((2, 4)))


def test_same_seed_same_map(rng):
    """The same random_state gives bitwise the same neurons, for every algorithm."""
    X = rng.standard_normal((30, 2))
    for algorithm in ("batch", "online"):
        a = SOM(3, 3, algorithm=algorithm, epochs=2, random_state=9).fit(X).params["W"]
        b = SOM(3, 3, algorithm=algorithm, epochs=2, random_state=9).fit(X).params["W"]
        assert np.array_equal(a, b)
