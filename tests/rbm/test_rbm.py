"""The RBM: energy, conditionals and free energy against brute-force sums over all states,
Gibbs sampling and CD against their per-unit loops, CD-k against the exact gradient,
training against the exact log-likelihood, Gaussian units, and bad input."""
import itertools
import math

import numpy as np
import pytest

from nnunsup import backend
from nnunsup.datasets import bars_and_stripes
from nnunsup.nn import gradcheck
from nnunsup.rbm import (BernoulliRBM, GaussianBernoulliRBM, cd_statistics,
                         cd_statistics_reference, draw_chain_noise, energy, free_energy,
                         gibbs_chain, gibbs_chain_reference, hidden_mean, log_partition_exact,
                         visible_mean)


def _states(k):
    return np.array(list(itertools.product([0.0, 1.0], repeat=k)))


def _tiny(rng, n=5, m=3, scale=1.0):
    return rng.normal(0, scale, (n, m)), rng.normal(0, 1, n), rng.normal(0, 1, m)


def _joint(W, a, b):
    """p(x, h) over all states, by E(x, h) of the slide, written out here."""
    xs, hs = _states(W.shape[0]), _states(W.shape[1])
    E = -(xs @ a)[:, None] - (hs @ b)[None, :] - xs @ W @ hs.T     # −Σ a x − Σ b h − Σ x w h
    p = np.exp(-E)
    return xs, hs, p / p.sum(), np.log(p.sum())


# -- [R1, R2, R3] against all states ------------------------------------------------------

def test_energy_is_the_slide_formula(float64, rng):
    """E(x, h) = −Σ a_i x_i − Σ b_j h_j − Σ_i Σ_j x_i w_ij h_j, by a double loop.  [R1]"""
    W, a, b = _tiny(rng)
    x, h = (rng.random((4, 5)) < 0.5) * 1.0, (rng.random((4, 3)) < 0.5) * 1.0
    expected = [-sum(a[i] * x[r, i] for i in range(5)) - sum(b[j] * h[r, j] for j in range(3))
                - sum(x[r, i] * W[i, j] * h[r, j] for i in range(5) for j in range(3))
                for r in range(4)]
    np.testing.assert_allclose(energy(x, h, W, a, b), expected, rtol=1e-12)


def test_conditionals_equal_brute_force(float64, rng):
    """P(h_j = 1 | x) and P(x_k = 1 | h) from the joint over all 2^(n+m) states equal the
    factorised sigmoids.  [R2]"""
    W, a, b = _tiny(rng)
    xs, hs, p, _ = _joint(W, a, b)
    p_h_given_x = p / p.sum(axis=1, keepdims=True)                  # (2^n, 2^m)
    np.testing.assert_allclose(p_h_given_x @ hs, hidden_mean(xs, W, b), rtol=1e-10)
    p_x_given_h = p / p.sum(axis=0, keepdims=True)
    np.testing.assert_allclose(p_x_given_h.T @ xs, visible_mean(hs, W, a), rtol=1e-10)


def test_free_energy_and_log_partition_equal_brute_force(float64, rng):
    """p(x) = e^{−F(x)}/Z with F from the closed form and Z from either enumeration equal the
    marginal of the joint; log Z by listing x or h agrees.  [R3]"""
    W, a, b = _tiny(rng)
    xs, _, p, log_z = _joint(W, a, b)
    np.testing.assert_allclose(np.exp(-free_energy(xs, W, a, b) - log_z), p.sum(axis=1),
                               rtol=1e-10)
    assert log_partition_exact(W, a, b) == pytest.approx(log_z, rel=1e-12)        # lists h
    assert log_partition_exact(W.T, b, a) == pytest.approx(log_z, rel=1e-12)      # lists x


def test_gaussian_visible_units_by_quadrature(float64, rng):
    """Gaussian visible units: F(x) = −log Σ_h e^{−E(x, h)} by listing h, and log Z by
    integrating e^{−F(x)} numerically over a grid of 2 visible units.  [R1, R2, R3]"""
    W, a, b = _tiny(rng, n=2, m=3, scale=0.5)
    sigma = np.array([0.8, 1.3])
    hs = _states(3)
    x = rng.normal(0, 1, (4, 2))
    E = np.array([[energy(xi[None], h[None], W, a, b, "gaussian", sigma=sigma)[0] for h in hs]
                  for xi in x])
    np.testing.assert_allclose(free_energy(x, W, a, b, "gaussian", sigma=sigma),
                               -np.log(np.exp(-E).sum(axis=1)), rtol=1e-12)
    p_h = np.exp(-E) / np.exp(-E).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p_h @ hs, hidden_mean(x, W, b, sigma=sigma, visible="gaussian"),
                               rtol=1e-10)
    grid = np.linspace(-12, 12, 1201)
    g1, g2 = np.meshgrid(grid, grid, indexing="ij")
    xs = np.stack([g1.ravel(), g2.ravel()], axis=1)
    dx = grid[1] - grid[0]
    numeric = np.log(np.exp(-free_energy(xs, W, a, b, "gaussian", sigma=sigma)).sum() * dx * dx)
    assert log_partition_exact(W, a, b, "gaussian", sigma=sigma) == pytest.approx(numeric, abs=1e-6)


def test_gaussian_hidden_units_by_quadrature(float64, rng):
    """Gaussian hidden units N(b + Wᵀx, 1): F(x) = −log ∫ e^{−E(x, h)} dh on a grid of one
    hidden unit, and p(x|h) is still the sigmoid of the slide.  [R2, R3]"""
    W, a, b = _tiny(rng, n=3, m=1, scale=0.7)
    x = (rng.random((5, 3)) < 0.5) * 1.0
    grid = np.linspace(-15, 15, 6001)[:, None]
    E = np.stack([energy(np.repeat(xi[None], len(grid), 0), grid, W, a, b, hidden="gaussian")
                  for xi in x])                                          # (5, grid)
    numeric = -np.log(np.exp(-E).sum(axis=1) * (grid[1, 0] - grid[0, 0]))
    np.testing.assert_allclose(free_energy(x, W, a, b, hidden="gaussian"), numeric, rtol=1e-9)
    np.testing.assert_allclose(hidden_mean(x, W, b, "gaussian"), x @ W + b, rtol=1e-12)


# -- [R5] Gibbs sampling and CD: the batch kernels against the slide's loops ------------------

@pytest.mark.parametrize("units", [dict(),
                                   dict(visible="gaussian", sigma=np.array([0.5, 1, 2, 1, 1, .7])),
                                   dict(hidden="gaussian")],
                         ids=["bernoulli", "gaussian-visible", "gaussian-hidden"])
def test_vectorised_chain_and_statistics_equal_the_loops(float64, rng, units):
    """From the same random draws, k = 3 block-Gibbs steps of 7 chains and the CD statistics
    (x hᵀ − x′h′ᵀ, x − x′, h − h′) equal the per-unit, per-object loops to 1e-12.  [R2, R5]"""
    W, a, b = _tiny(rng, n=6, m=4, scale=0.5)
    x = (rng.random((7, 6)) < 0.5) * 1.0
    kinds = dict(visible=units.get("visible", "bernoulli"), hidden=units.get("hidden", "bernoulli"))
    noise = draw_chain_noise(backend.default_rng(0), 3, 7, 6, 4, **kinds, dtype=np.float64)
    x_neg = gibbs_chain(x, W, a, b, noise, **units)
    np.testing.assert_allclose(x_neg, gibbs_chain_reference(x, W, a, b, noise, **units),
                               rtol=1e-12, atol=1e-12)
    fast = cd_statistics(x, x_neg, W, a, b, **units)
    slow = cd_statistics_reference(x, x_neg, W, a, b, **units)
    for key in fast:
        np.testing.assert_allclose(fast[key], slow[key], rtol=1e-12, atol=1e-14)


def test_cd_statistics_are_the_slide_update(float64, rng):
    """ΔW = mean(x hᵀ) − mean(x′h′ᵀ), Δa = mean(x − x′), Δb = mean(h − h′) with h = σ(Wᵀx + b),
    written out here; and they are minus the gradient of mean F(x) − mean F(x′).  [R5]"""
    W, a, b = _tiny(rng, n=6, m=4)
    x, x_neg = rng.random((5, 6)), rng.random((8, 6))
    sig = lambda s: 1 / (1 + np.exp(-s))
    h, h_neg = sig(x @ W + b), sig(x_neg @ W + b)
    delta = cd_statistics(x, x_neg, W, a, b)
    np.testing.assert_allclose(delta["W"], x.T @ h / 5 - x_neg.T @ h_neg / 8, rtol=1e-12)
    np.testing.assert_allclose(delta["a"], x.mean(0) - x_neg.mean(0), rtol=1e-12)
    np.testing.assert_allclose(delta["b"], h.mean(0) - h_neg.mean(0), rtol=1e-12)
    minus = cd_statistics(x, x_neg, W, a, b, sign=-1.0)
    assert all(np.allclose(minus[k], -delta[k], rtol=1e-14) for k in delta)


@pytest.mark.parametrize("kwargs", [dict(), dict(weight_decay=0.3), dict(hidden="gaussian")],
                         ids=["plain", "weight-decay", "gaussian-hidden"])
def test_surrogate_gradient(float64, rng, kwargs):
    """loss_and_grads(X, x_neg=…) passes gradcheck; its gradient is −(x hᵀ − x′h′ᵀ) (+ λW).
    [R3, R5]"""
    X, x_neg = rng.random((6, 5)), rng.random((9, 5))
    model = BernoulliRBM(3, allow_probabilities=True, random_state=0, **kwargs).fit(X)
    result = gradcheck(model, X, x_neg=x_neg)
    assert result.max_rel_error < 1e-6, result
    loss, grads = model.loss_and_grads(X, x_neg=x_neg)
    p = model.params
    expected = free_energy(X, p["W"], p["a"], p["b"], hidden=model.hidden).mean() - free_energy(
        x_neg, p["W"], p["a"], p["b"], hidden=model.hidden).mean()
    expected += 0.5 * kwargs.get("weight_decay", 0) * (p["W"] ** 2).sum()
    assert float(loss) == pytest.approx(expected, rel=1e-12)


def test_gaussian_bernoulli_surrogate_gradient(float64, rng):
    """The same for Gaussian visible units with one σ per feature.  [R3, R5]"""
    X, x_neg = rng.normal(0, 1, (6, 4)), rng.normal(0, 1, (5, 4))
    model = GaussianBernoulliRBM(3, sigma=[0.5, 1.0, 1.5, 2.0], random_state=0).fit(X)
    assert gradcheck(model, X, x_neg=x_neg).max_rel_error < 1e-6


def test_reference_training_equals_vectorised_training(float64, rng):
    """Whole CD-2 runs with the slide's loops and with the batch kernel end at the same
    parameters (same seed, so the same random draws).  [R5]"""
    X = (rng.random((12, 5)) < 0.5) * 1.0
    kwargs = dict(n_hidden=3, k=2, epochs=3, batch_size=4, learning_rate=0.3, random_state=1)
    fast = BernoulliRBM(**kwargs).fit(X)
    slow = BernoulliRBM(**kwargs, algorithm="reference").fit(X)
    for key in fast.params:
        np.testing.assert_allclose(slow.params[key], fast.params[key], rtol=1e-11, atol=1e-13)


# -- CD-k against the exact gradient; training against the exact likelihood -------------------

def _exact_log_likelihood_grad(X, W, a, b):
    """∇ of (1/N) Σ log p(x_i) by enumeration: the data statistics minus the model's,
    mean(x hᵀ) − E_p[x hᵀ] (and the same for a, b), with p(x) over all 2^n states."""
    xs = _states(W.shape[0])
    p = np.exp(-free_energy(xs, W, a, b) - log_partition_exact(W, a, b))      # p(x)
    sig = lambda s: 1 / (1 + np.exp(-s))
    h_data, h_model = sig(X @ W + b), sig(xs @ W + b)
    return {"W": X.T @ h_data / len(X) - (xs * p[:, None]).T @ h_model,
            "a": X.mean(0) - p @ xs, "b": h_data.mean(0) - p @ h_model}


def test_cd_k_approaches_the_exact_gradient(float64, rng):
    """On a 6 × 4 model the expected CD-k update (20,000 chains per object) moves towards the
    exact log-likelihood gradient as k grows: the error of CD-50 is below CD-5's, which is
    below CD-1's, and CD-50's is within 10 % of the gradient's norm.  [R4, R5]"""
    W, a, b = _tiny(rng, n=6, m=4, scale=1.0)
    X = (rng.random((4, 6)) < 0.5) * 1.0
    exact = _exact_log_likelihood_grad(X, W, a, b)
    reps = np.repeat(X, 20_000, axis=0)
    norm = np.sqrt(sum((v ** 2).sum() for v in exact.values()))
    errors = {}
    for k in (1, 5, 50):
        rng_k = backend.default_rng(k)
        x_neg = reps
        for _ in range(k):
            x_neg = gibbs_chain(x_neg, W, a, b, draw_chain_noise(rng_k, 1, len(reps), 6, 4,
                                                                 dtype=np.float64))
        delta = cd_statistics(reps, x_neg, W, a, b)
        errors[k] = np.sqrt(sum(((delta[key] - exact[key]) ** 2).sum() for key in exact))
    assert errors[50] < errors[5] < errors[1], errors
    assert errors[50] < 0.1 * norm, (errors, norm)


def test_training_raises_the_exact_log_likelihood(rng):
    """CD-1 by plain SGD on 3 × 3 bars and stripes (14 patterns, 9 visible units, 16 hidden)
    raises the exact mean log-likelihood from −9 log 2 (the uniform start) by more than 2.5
    nats (the best possible, −log 14, is 3.6 above it); the 14 training patterns then hold
    more than half of the probability of all 512 states.  [R4, R5]"""
    X, _ = bars_and_stripes(3, 1400, random_state=0)
    model = BernoulliRBM(16, epochs=1, batch_size=20, learning_rate=0.1, random_state=0)
    model.init_params(9)
    start = float(model.log_likelihood(X).mean())
    assert start == pytest.approx(-9 * math.log(2), abs=0.05)
    for _ in range(60):
        model.partial_fit(X)
    end = float(model.log_likelihood(X).mean())
    assert end > start + 2.5, (start, end)
    patterns = np.unique(X, axis=0)
    assert len(patterns) == 14 and float(np.exp(model.log_likelihood(patterns)).sum()) > 0.5


def test_persistent_chains_continue(rng):
    """With persistent=True the negative chains carry over between steps; PCD-1 (plain SGD,
    ε = 0.05) raises the exact log-likelihood on bars and stripes by more than 2.5 nats in
    100 epochs.  [R4, R5]"""
    X, _ = bars_and_stripes(3, 1400, random_state=0)
    model = BernoulliRBM(16, persistent=True, epochs=1, batch_size=20, learning_rate=0.05,
                         random_state=0).init_params(9)
    start = float(model.log_likelihood(X).mean())
    for _ in range(100):
        model.partial_fit(X)
    assert float(model.log_likelihood(X).mean()) > start + 2.5


# -- using the model ------------------------------------------------------------------------

def test_transform_gibbs_sample_and_reproducibility(rng):
    """transform = P(h = 1 | x), inverse_transform = P(x = 1 | h); gibbs and sample give
    binary states (or means), reproducibly from a seed; the same seed, the same model.  [R2]"""
    X, _ = bars_and_stripes(3, 200, random_state=0)
    model = BernoulliRBM(8, epochs=3, batch_size=20, random_state=4).fit(X)
    p = model.params
    np.testing.assert_allclose(model.transform(X), 1 / (1 + np.exp(-(X @ p["W"] + p["b"]))),
                               rtol=1e-5)
    H = model.transform(X)
    np.testing.assert_allclose(model.inverse_transform(H),
                               1 / (1 + np.exp(-(H @ p["W"].T + p["a"]))), rtol=1e-5)
    g = model.gibbs(X, k=2, random_state=1)
    assert set(np.unique(g)) <= {0.0, 1.0} and np.array_equal(g, model.gibbs(X, 2, random_state=1))
    s = model.sample(5, n_gibbs=10, random_state=2)
    assert s.shape == (5, 9) and set(np.unique(s)) <= {0.0, 1.0}
    m = model.sample(5, n_gibbs=10, mean=True, random_state=2)
    assert np.all((m > 0) & (m < 1))
    again = BernoulliRBM(8, epochs=3, batch_size=20, random_state=4).fit(X)
    assert all(np.array_equal(model.params[k], again.params[k]) for k in model.params)


def test_pseudo_likelihood_is_per_unit(float64, rng):
    """score_samples = log P(x_i | x_−i) of one random unit per row (brute force over the
    flip); averaged over many flips it is (1/n) Σ_i log P(x_i | x_−i), a mean over units
    rather than scikit-learn's n-fold sum."""
    X = (rng.random((3, 6)) < 0.5) * 1.0
    model = BernoulliRBM(4, random_state=0).init_params(6)
    model.params["W"][:] = rng.normal(0, 1, (6, 4))
    p = model.params
    exact = []
    for x in X:
        terms = []
        for i in range(6):
            y = x.copy()
            y[i] = 1 - y[i]
            fx, fy = free_energy(np.stack([x, y]), p["W"], p["a"], p["b"])
            terms.append(-np.log1p(np.exp(fx - fy)))                  # log σ(F(y) − F(x))
        exact.append(np.mean(terms))
    reps = np.repeat(X, 4000, axis=0)
    estimate = model.score_samples(reps, random_state=0).reshape(3, 4000).mean(axis=1)
    np.testing.assert_allclose(estimate, exact, atol=0.03)


def test_gaussian_bernoulli_rbm_samples_and_trains(rng):
    """p(x | h) = N(a + σ W h, σ²): the visible mean; CD-1 with σ = 0.4 on 2-D Gaussian data
    with correlation 0.8 raises the exact log-likelihood by 3 nats, and the model's samples
    have that correlation within 0.15 (with σ = 1 a mixture of unit-variance components
    cannot: the data's minor variance is 0.2).  [R2, R3, R5]"""
    model = GaussianBernoulliRBM(3, sigma=0.5, random_state=0).init_params(2)
    model.params["W"][:] = rng.normal(0, 1, (2, 3))
    h = np.array([[1.0, 0.0, 1.0]])
    mean = model.inverse_transform(h)[0]
    np.testing.assert_allclose(mean, model.params["a"] + 0.5 * model.params["W"] @ h[0], rtol=1e-6)
    X = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], 2000).astype(np.float32)
    model = GaussianBernoulliRBM(8, sigma=0.4, epochs=1, learning_rate=0.01,
                                 optimizer="momentum", random_state=0).init_params(2)
    start = model.score(X)
    for _ in range(20):
        model.partial_fit(X)
    assert model.score(X) > start + 3
    samples = model.sample(2000, n_gibbs=200, random_state=0)
    assert abs(np.corrcoef(samples.T)[0, 1] - 0.8) < 0.15


# -- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, X, message", [
    (dict(), np.array([[0.0, 0.5], [1, 1]]),
     r"BernoulliRBM needs binary X \(0 or 1\); found 0.5 at row 0, column 1.*"
     r"allow_probabilities=True"),
    (dict(allow_probabilities=True), np.array([[0.0, 1.5]]),
     r"BernoulliRBM needs X in \[0, 1\]; found max 1.5 at row 0, column 1"),
    (dict(n_hidden=0), np.ones((2, 2)), "n_hidden must be >= 1"),
    (dict(k=0), np.ones((2, 2)), "k must be >= 1"),
    (dict(hidden="relu"), np.ones((2, 2)), "hidden must be one of 'bernoulli', 'gaussian'"),
    (dict(), np.array([[np.nan, 1.0]]), r"X contains NaN \(first at row 0, column 0\)"),
    (dict(), np.zeros((0, 3)), "X has 0 samples"),
])
def test_bad_input(kwargs, X, message):
    """Non-binary data for binary units, bad options, NaN and empty data are named."""
    with pytest.raises(ValueError, match=message):
        BernoulliRBM(**{"n_hidden": 2, "epochs": 1, **kwargs}).fit(X)


def test_bad_calls(rng):
    """Wrong widths of x_neg, H and X; AIS for Gaussian units; pseudo-likelihood of real data."""
    X = (rng.random((10, 4)) < 0.5) * 1.0
    model = BernoulliRBM(3, epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="x_neg has 3 columns, but X has 4"):
        model.loss_and_grads(X, x_neg=X[:, :3])
    with pytest.raises(ValueError, match="H has 2 columns, but this RBM has 3 hidden units"):
        model.inverse_transform(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="X has 5 features, but BernoulliRBM is expecting 4"):
        model.transform(np.zeros((1, 5)))
    gb = GaussianBernoulliRBM(3, epochs=1, random_state=0).fit(rng.normal(size=(10, 4)))
    with pytest.raises(ValueError, match="pseudo-likelihood flips binary units"):
        gb.score_samples(rng.normal(size=(2, 4)))
    with pytest.raises(ValueError, match="sigma has 3 entries, but X has 4 features"):
        GaussianBernoulliRBM(3, sigma=[1, 1, 1], epochs=1).fit(rng.normal(size=(10, 4)))
    with pytest.raises(ValueError, match="sigma must be > 0"):
        GaussianBernoulliRBM(3, sigma=0.0, epochs=1).fit(rng.normal(size=(10, 4)))


@pytest.mark.gpu
def test_cupy_gives_the_numpy_update(rng):
    """The same parameters, data and random draws give the same CD-1 loss and gradients on
    CuPy as on NumPy, and a short fit runs on the GPU (skipped without CuPy and a GPU)."""
    if not backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is not available")
    X = (rng.random((20, 6)) < 0.5).astype(np.float32)
    x_neg = (rng.random((20, 6)) < 0.5).astype(np.float32)
    host = BernoulliRBM(4, random_state=0).init_params(6)
    host_loss, host_grads = host.loss_and_grads(X, x_neg=x_neg)
    previous = backend.current()
    backend.use("cupy")
    try:
        xp = backend.get_xp()
        model = BernoulliRBM(4, epochs=2, batch_size=5, random_state=0).init_params(6)
        loss, grads = model.loss_and_grads(xp.asarray(X), x_neg=xp.asarray(x_neg))
        model.fit(xp.asarray(X))
        log_z = model.log_partition("exact")
    finally:
        backend.use(previous)
    assert float(loss) == pytest.approx(float(host_loss), rel=1e-5)
    for key in grads:
        np.testing.assert_allclose(backend.to_numpy(grads[key]), host_grads[key], rtol=1e-4,
                                   atol=1e-6)
    assert np.isfinite(log_z)
