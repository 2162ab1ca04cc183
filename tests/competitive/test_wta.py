"""Competitive learning: distance and competition layers, WTA/WTM steps, the SG algorithm."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnunsup.competitive import (KERNELS, CompetitiveLearning, criterion, kernel, sq_distances,
                                 winners, wta_step, wta_step_reference, wtm_step,
                                 wtm_step_reference)
from nnunsup.nn import gradcheck
from tests.helpers import rel_error


def _naive_sq_distances(X, W):
    return np.array([[sum((x[j] - w[j]) ** 2 for j in range(len(x))) for w in W] for x in X])


def test_distance_layer_equals_naive_loops(rng):
    """ρ²(x_i, w_y) by the ‖x‖² − 2x·w + ‖w‖² kernel equals the double loop.  [C1, C3]"""
    X, W = rng.standard_normal((7, 4)), rng.standard_normal((5, 4))
    assert rel_error(sq_distances(X, W), _naive_sq_distances(X, W)) < 1e-12


def test_competition_layer_is_argmin(rng):
    """a(x) = argmin_y ρ(x, w_y), object by object.  [C1, C3]"""
    X, W = rng.standard_normal((20, 3)), rng.standard_normal((6, 3))
    expected = [min(range(6), key=lambda y: ((x - W[y]) ** 2).sum()) for x in X]
    assert winners(X, W).tolist() == expected


def test_criterion_is_the_sum_of_squared_distances_to_winners(rng):
    """Q(w; X) = Σ_i ρ²(x_i, w_{a(x_i)}), a sum over objects as on the slide.  [C2]"""
    X, W = rng.standard_normal((9, 2)), rng.standard_normal((3, 2))
    D = _naive_sq_distances(X, W)
    assert criterion(X, W) == pytest.approx(D.min(axis=1).sum(), rel=1e-12)


def test_loss_and_grads_gradient(float64, rng):
    """The mean criterion's gradient with winners fixed passes gradcheck.  [C2, C4]"""
    X = rng.standard_normal((30, 3))
    model = CompetitiveLearning(4, epochs=1, random_state=0).fit(X)
    loss, grads = model.loss_and_grads(X)
    assert float(loss) == pytest.approx(model.criterion(X) / 30, rel=1e-12)
    assert gradcheck(model, X).max_rel_error < 1e-6


def test_wta_step_is_gradient_descent_on_half_rho2(float64, rng):
    """For one object, the WTA step [C4] equals W − (η/2)·∇Q (winners fixed)."""
    X = rng.standard_normal((20, 3))
    model = CompetitiveLearning(4, epochs=1, random_state=0).fit(X)
    x, eta = X[:1], 0.3
    _, grads = model.loss_and_grads(x)
    expected = model.params["W"] - eta / 2 * grads["W"]
    wta_step(model.params["W"], x[0], eta)
    assert rel_error(model.params["W"], expected) < 1e-12


def test_wta_step_vectorised_equals_reference(rng):
    """The array step and the slide's loop over units give the same update.  [C4]"""
    W, x = rng.standard_normal((6, 4)), rng.standard_normal(4)
    W_ref, W0 = W.copy(), W.copy()
    y, _ = wta_step(W, x, 0.2)
    assert (y, _) == pytest.approx(wta_step_reference(W_ref, x, 0.2))
    assert rel_error(W, W_ref) < 1e-12
    changed = np.flatnonzero((W != W0).any(axis=1))
    assert changed.tolist() == [y]                       # only the winner moved


@pytest.mark.parametrize("name", list(KERNELS))
def test_wtm_step_vectorised_equals_reference(rng, name):
    """WTM: every centre moves by η K(ρ) (x − w_y); array form = slide loop.  [C6]"""
    W, x = rng.standard_normal((6, 4)), rng.standard_normal(4)
    W_ref, W0 = W.copy(), W.copy()
    K = kernel(name)
    y, rho2 = wtm_step(W, x, 0.2, K, 1.5)
    y_ref, rho2_ref = wtm_step_reference(W_ref, x, 0.2, K, 1.5)
    assert (y, rho2) == (y_ref, pytest.approx(rho2_ref))
    assert np.abs(W - W_ref).max() < 1e-12
    rho = np.sqrt(((x - W0) ** 2).sum(axis=1))
    expected = W0 + 0.2 * K(rho, 1.5)[:, None] * (x - W0)
    assert np.abs(W - expected).max() < 1e-12


def test_wtm_moves_every_centre_less_when_farther(rng):
    """With a Gaussian kernel all centres move towards x, the farther ones by a smaller share."""
    W, x = rng.standard_normal((5, 2)) * 3, np.zeros(2)
    before = np.sqrt((W ** 2).sum(axis=1))
    W_new = W.copy()
    wtm_step(W_new, x, 0.5, kernel("gaussian"), 2.0)
    after = np.sqrt((W_new ** 2).sum(axis=1))
    share = 1 - after / before
    assert (after < before).all()
    assert np.all(np.diff(share[np.argsort(before)]) <= 1e-12)


@given(r=st.lists(st.floats(0, 50), min_size=2, max_size=8), sigma=st.floats(0.1, 10))
def test_kernels_are_non_negative_non_increasing_and_one_at_zero(r, sigma):
    """Every K(r): K(0) = 1, K ≥ 0, and r₁ ≤ r₂ ⇒ K(r₁) ≥ K(r₂).  [C6]"""
    r = np.sort(np.array(r))
    for K in KERNELS.values():
        values = K(r, sigma)
        assert K(np.array(0.0), sigma) == 1.0
        assert (values >= 0).all() and (np.diff(values) <= 1e-15).all()


def test_sg_algorithm_by_hand(float64, rng):
    """fit is the SG algorithm of the slide, replayed by hand with the same order: initial
    Q = mean ρ², the step, Q := (1 − λ)Q + λρ² (ρ² before the step).  [C5]"""
    X = rng.standard_normal((40, 2))
    init = X[:3].copy()
    model = CompetitiveLearning(3, learning_rate=0.1, lam=0.05, epochs=2, tol=0.0, init=init,
                                random_state=7).fit(X)
    shuffle = np.random.default_rng(np.random.SeedSequence(7).spawn(4)[1])
    W, Q = init.copy(), _naive_sq_distances(X, init).min(axis=1).mean()
    for _ in range(2):
        for i in shuffle.permutation(40):
            d2 = ((X[i] - W) ** 2).sum(axis=1)
            y = d2.argmin()
            W[y] += 0.1 * (X[i] - W[y])
            Q = (1 - 0.05) * Q + 0.05 * d2[y]
    assert np.abs(model.params["W"] - W).max() < 1e-12
    assert model.Q_ == pytest.approx(Q, rel=1e-12)
    assert len(model.history_["Q"]) == 2 and model.n_iter_ == 2


def test_stopping_rule(rng):
    """A loose tol stops as soon as Q and w stabilise; tol=0 runs every epoch.  [C5]"""
    X = np.r_[rng.normal(-3, 0.3, (50, 2)), rng.normal(3, 0.3, (50, 2))]
    loose = CompetitiveLearning(2, learning_rate=0.05, epochs=50, tol=0.05, random_state=0).fit(X)
    strict = CompetitiveLearning(2, learning_rate=0.05, epochs=5, tol=0.0, random_state=0).fit(X)
    assert loose.n_iter_ < 50 and strict.n_iter_ == 5
    last = loose.history_
    assert last["shift"][-1] <= 0.05
    assert abs(last["Q"][-1] - last["Q"][-2]) <= 0.05 * last["Q"][-2]


def test_reference_and_vectorised_training_agree(float64, rng):
    """Whole runs in both modes give the same centres, for WTA and WTM.  [C4, C6]"""
    X = rng.standard_normal((30, 3))
    for rule in ("wta", "wtm"):
        kw = dict(rule=rule, sigma=1.0, epochs=2, random_state=3)
        a = CompetitiveLearning(3, algorithm="vectorized", **kw).fit(X)
        b = CompetitiveLearning(3, algorithm="reference", **kw).fit(X)
        assert np.abs(a.params["W"] - b.params["W"]).max() < 1e-12


def test_wta_leaves_dead_units_where_wtm_does_not(rng):
    """Three clusters; one centre starts far above the third: under WTA it never wins
    (one dead unit), under WTM the Gaussian kernel pulls it in (no dead unit).  [C6]"""
    centres = np.array([[0, 0], [10, 0], [20, 0.0]])
    X = np.concatenate([c + 0.7 * rng.standard_normal((150, 2)) for c in centres])
    init = np.array([[0.5, 0.5], [10.5, 0.5], [20.0, 12.0]])
    kw = dict(kernel="gaussian", sigma=3.0, learning_rate=0.05, epochs=30, init=init,
              random_state=0)
    wta = CompetitiveLearning(3, rule="wta", **kw).fit(X)
    wtm = CompetitiveLearning(3, rule="wtm", **kw).fit(X)
    assert wta.n_dead_ == 1 and wta.win_counts_[2] == 0
    assert wtm.n_dead_ == 0
    assert np.abs(wtm.cluster_centers_[2] - centres[2]).max() < 1.0


def test_transform_predict_score(rng):
    """transform = ρ to every centre [C3]; predict = its argmin; score = −Q/N."""
    X = rng.standard_normal((25, 2))
    model = CompetitiveLearning(4, epochs=3, random_state=0).fit(X)
    D = model.transform(X)
    assert D.shape == (25, 4)
    assert np.array_equal(model.predict(X), D.argmin(axis=1))
    assert model.score(X) == pytest.approx(-model.criterion(X) / 25, rel=1e-6)
    assert np.array_equal(model.fit_predict(X), model.predict(X))


def test_same_seed_same_centres(rng):
    """The same random_state gives bitwise the same centres."""
    X = rng.standard_normal((40, 3))
    a = CompetitiveLearning(3, rule="wtm", epochs=3, random_state=5).fit(X)
    b = CompetitiveLearning(3, rule="wtm", epochs=3, random_state=5).fit(X)
    assert np.array_equal(a.params["W"], b.params["W"])


@pytest.mark.parametrize("kwargs, X, error, message", [
    ({}, np.array([[1.0, np.nan], [0, 0]]), ValueError, "X contains NaN"),
    ({}, np.zeros((0, 2)), ValueError, "0 samples"),
    ({"n_clusters": 0}, np.ones((4, 2)), ValueError, "n_clusters must be >= 1"),
    ({"rule": "wtx"}, np.ones((4, 2)), ValueError, "rule must be one of 'wta', 'wtm'; got 'wtx'"),
    ({"kernel": "box"}, np.ones((4, 2)), ValueError, "kernel must be one of"),
    ({"n_clusters": 5}, np.ones((4, 2)), ValueError, "needs at least n_clusters=5 objects"),
    ({"init": np.zeros((3, 2))}, np.ones((4, 2)), ValueError, "init must have shape"),
    ({"learning_rate": 0}, np.ones((4, 2)), ValueError, "learning_rate must be > 0"),
])
def test_bad_input(kwargs, X, error, message):
    """Bad data and hyperparameters give errors naming the argument."""
    params = {"n_clusters": 2, **kwargs}
    with pytest.raises(error, match=message):
        CompetitiveLearning(**params).fit(X)


def test_wrong_width_at_predict(rng):
    """predict on data of another width names both widths."""
    model = CompetitiveLearning(2, epochs=1).fit(rng.standard_normal((10, 3)))
    with pytest.raises(ValueError, match="X has 2 features, but CompetitiveLearning "
                                         "is expecting 3 features"):
        model.predict(rng.standard_normal((4, 2)))
