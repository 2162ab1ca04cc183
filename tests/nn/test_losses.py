"""nnunsup.nn.losses: values against closed forms written out here, gradients, stability.

Convention under test: each value sums over features and averages over objects, and the
returned gradient is the gradient of exactly that value (it carries the 1/N).
"""
import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnunsup import backend
from nnunsup.nn import losses
from nnunsup.nn.gradcheck import gradcheck
from tests.helpers import rel_error


@contextmanager
def _no_overflow():
    """Overflow, invalid and divide-by-zero become errors (underflow to 0 is allowed)."""
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _host(a):
    return backend.to_numpy(a)


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


# --- values against explicit loops over objects ------------------------------------------

def test_mse_value_closed_form(xp, rng):
    """mse = (1/N) Σ_i Σ_k (x̂_ik − x_ik)², by explicit loops.  [A4]"""
    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    expected = 0.0
    for i in range(3):
        for k in range(4):
            expected += (pred[i, k] - target[i, k]) ** 2
    expected /= 3
    value, dpred = losses.mse(xp.asarray(pred), xp.asarray(target))
    assert np.ndim(value) == 0
    assert float(value) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(_host(dpred), 2 * (pred - target) / 3, rtol=1e-12)


def test_bce_value_closed_form(xp, rng):
    """bce = −(1/N) Σ_i Σ_k [x log x̂ + (1 − x) log(1 − x̂)], by explicit loops.  [A4]"""
    p = rng.uniform(0.05, 0.95, size=(3, 4))
    target = rng.uniform(0, 1, size=(3, 4))
    target[0] = np.round(target[0])                       # binary and soft targets
    expected = 0.0
    for i in range(3):
        for k in range(4):
            expected -= target[i, k] * math.log(p[i, k]) + (1 - target[i, k]) * math.log(1 - p[i, k])
    expected /= 3
    value, _ = losses.bce(xp.asarray(p), xp.asarray(target))
    assert float(value) == pytest.approx(expected, rel=1e-12)


def test_bce_with_logits_value_closed_form(xp, rng):
    """bce_with_logits(z) = −(1/N) Σ [x log σ(z) + (1 − x) log(1 − σ(z))], by loops.  [A4]"""
    z = rng.standard_normal((3, 4)) * 3
    target = rng.integers(0, 2, size=(3, 4)).astype(float)
    expected = 0.0
    for i in range(3):
        for k in range(4):
            s = _sigmoid(z[i, k])
            expected -= target[i, k] * math.log(s) + (1 - target[i, k]) * math.log(1 - s)
    expected /= 3
    value, dz = losses.bce_with_logits(xp.asarray(z), xp.asarray(target))
    assert float(value) == pytest.approx(expected, rel=1e-10)
    np.testing.assert_allclose(_host(dz), (1 / (1 + np.exp(-z)) - target) / 3, rtol=1e-12)


def test_bce_with_logits_equals_bce_of_sigmoid(rng):
    """On moderate logits, bce_with_logits(z) = bce(σ(z)) in value and chain-ruled gradient.  [A4]"""
    z = rng.standard_normal((4, 3))
    target = rng.uniform(0, 1, size=(4, 3))
    p = 1 / (1 + np.exp(-z))
    v_logits, dz = losses.bce_with_logits(z, target)
    v_probs, dp = losses.bce(p, target)
    assert float(v_logits) == pytest.approx(float(v_probs), rel=1e-12)
    assert rel_error(dz, dp * p * (1 - p)) < 1e-10


def test_softmax_ce_value_closed_form(xp, rng):
    """softmax_ce = −(1/N) Σ_i log(e^(z_i,y_i) / Σ_k e^(z_ik)), by explicit loops."""
    logits = rng.standard_normal((4, 3)) * 2
    y = np.array([0, 2, 1, 2])
    expected = 0.0
    for i in range(4):
        norm = sum(math.exp(v) for v in logits[i])
        expected -= math.log(math.exp(logits[i, y[i]]) / norm)
    expected /= 4
    value, _ = losses.softmax_ce(xp.asarray(logits), xp.asarray(y))
    assert float(value) == pytest.approx(expected, rel=1e-12)


def test_softmax_ce_soft_targets_closed_form(rng):
    """With (N, K) target probabilities softmax_ce = −(1/N) Σ_i Σ_k y_ik log softmax(z_i)_k."""
    logits = rng.standard_normal((3, 4))
    y = rng.dirichlet(np.ones(4), size=3)
    expected = 0.0
    for i in range(3):
        norm = sum(math.exp(v) for v in logits[i])
        for k in range(4):
            expected -= y[i, k] * (logits[i, k] - math.log(norm))
    value, _ = losses.softmax_ce(logits, y)
    assert float(value) == pytest.approx(expected / 3, rel=1e-12)


def test_softmax_ce_int_labels_equal_one_hot(xp, rng):
    """Integer labels and their one-hot targets give the same value and gradient."""
    logits = xp.asarray(rng.standard_normal((5, 3)))
    y = rng.integers(0, 3, size=5)
    one_hot = np.eye(3)[y]
    v_int, g_int = losses.softmax_ce(logits, xp.asarray(y))
    v_hot, g_hot = losses.softmax_ce(logits, xp.asarray(one_hot))
    assert float(v_int) == pytest.approx(float(v_hot), rel=1e-12)
    np.testing.assert_allclose(_host(g_int), _host(g_hot), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(_host(g_int).sum(axis=1), 0.0, atol=1e-15)


def test_gaussian_nll_matches_scipy(xp, rng):
    """gaussian_nll = −(1/N) Σ_i Σ_k log N(x_ik; μ_ik, σ²_ik), against scipy.stats.norm.logpdf."""
    x, mu = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    log_var = rng.uniform(-2, 2, size=(4, 3))
    expected = -scipy.stats.norm.logpdf(x, loc=mu, scale=np.exp(0.5 * log_var)).sum() / 4
    value, _, _ = losses.gaussian_nll(xp.asarray(x), xp.asarray(mu), xp.asarray(log_var))
    assert float(value) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("shape", [(3,), (1, 3)])
def test_gaussian_nll_broadcast_log_var_matches_scipy(rng, shape):
    """A per-feature log σ² (shape (n,) or (1, n)) is broadcast over objects, as scipy does."""
    x, mu = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    log_var = rng.uniform(-1, 1, size=shape)
    expected = -scipy.stats.norm.logpdf(x, loc=mu, scale=np.exp(0.5 * log_var)).sum() / 4
    value, dmu, dlog_var = losses.gaussian_nll(x, mu, log_var)
    assert float(value) == pytest.approx(expected, rel=1e-12)
    assert dmu.shape == (4, 3) and dlog_var.shape == shape


@pytest.mark.parametrize("prior_var", [1.0, 2.5, 0.3])
def test_kl_gauss_value_closed_form(xp, rng, prior_var):
    """KL(N(μ, σ²) ‖ N(0, s²)) = Σ_j [log(s/σ_j) + (σ_j² + μ_j²)/(2 s²) − ½], averaged over objects.  [V4]"""
    mu = rng.standard_normal((3, 2))
    log_var = rng.uniform(-2, 2, size=(3, 2))
    expected = 0.0
    for i in range(3):
        for j in range(2):
            sigma = math.exp(0.5 * log_var[i, j])
            s = math.sqrt(prior_var)
            expected += math.log(s / sigma) + (sigma ** 2 + mu[i, j] ** 2) / (2 * s * s) - 0.5
    expected /= 3
    value, _, _ = losses.kl_gauss(xp.asarray(mu), xp.asarray(log_var), prior_var)
    assert float(value) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("prior_var", [1.0, 2.5])
def test_kl_gauss_per_object_closed_form(xp, rng, prior_var):
    """Per object, Σ_j [log(s/σ_j) + (σ_j² + μ_j²)/(2 s²) − ½]; their mean is kl_gauss.  [V4]"""
    mu, log_var = rng.standard_normal((4, 3)), rng.uniform(-2, 2, size=(4, 3))
    s = math.sqrt(prior_var)
    expected = [sum(math.log(s) - 0.5 * log_var[i, j]
                    + (math.exp(log_var[i, j]) + mu[i, j] ** 2) / (2 * prior_var) - 0.5
                    for j in range(3)) for i in range(4)]
    per_object = losses.kl_gauss_per_object(xp.asarray(mu), xp.asarray(log_var), prior_var)
    np.testing.assert_allclose(_host(per_object), expected, rtol=1e-12)
    value, _, _ = losses.kl_gauss(xp.asarray(mu), xp.asarray(log_var), prior_var)
    assert float(value) == pytest.approx(np.mean(expected), rel=1e-12)


def test_log_probs_match_scipy(xp, rng):
    """bernoulli_log_prob = Σ_k log Bernoulli(x_k; σ(l_k)) and gaussian_log_prob =
    Σ_k log N(x_k; μ_k, σ_k²) per object, against scipy.stats; a number is a valid log σ².  [V1]"""
    logits, x = rng.normal(0, 3, (5, 4)), (rng.random((5, 4)) < 0.5).astype(float)
    expected = scipy.stats.bernoulli.logpmf(x, 1 / (1 + np.exp(-logits))).sum(axis=1)
    got = losses.bernoulli_log_prob(xp.asarray(logits), xp.asarray(x))
    np.testing.assert_allclose(_host(got), expected, rtol=1e-12)
    mu, log_var = rng.standard_normal((5, 4)), rng.uniform(-1, 1, (5, 4))
    expected = scipy.stats.norm.logpdf(x, mu, np.exp(0.5 * log_var)).sum(axis=1)
    got = losses.gaussian_log_prob(xp.asarray(x), xp.asarray(mu), xp.asarray(log_var))
    np.testing.assert_allclose(_host(got), expected, rtol=1e-12)
    expected = scipy.stats.norm.logpdf(x, 0.0, 1.5).sum(axis=1)
    got = losses.gaussian_log_prob(xp.asarray(x), 0.0, math.log(1.5 ** 2))
    np.testing.assert_allclose(_host(got), expected, rtol=1e-12)


def test_kl_gauss_matches_monte_carlo():
    """The closed form [V4] agrees with a seeded Monte-Carlo estimate of E_q[log q(z) − log p(z)].  [V4]"""
    gen = np.random.default_rng(2024)
    mu = np.array([[0.5, -1.0, 0.0], [1.5, 0.2, -0.3]])
    log_var = np.array([[0.0, -1.0, 0.7], [0.3, -0.5, 0.1]])
    for prior_var in (1.0, 2.0):
        sigma = np.exp(0.5 * log_var)
        z = mu + sigma * gen.standard_normal((100_000,) + mu.shape)          # (S, N, m)
        log_q = scipy.stats.norm.logpdf(z, loc=mu, scale=sigma)
        log_p = scipy.stats.norm.logpdf(z, loc=0.0, scale=math.sqrt(prior_var))
        estimate = (log_q - log_p).sum(axis=2).mean()
        value, _, _ = losses.kl_gauss(mu, log_var, prior_var)
        assert float(value) == pytest.approx(estimate, rel=0.02, abs=0.01)


def test_kl_bernoulli_value_closed_form(xp):
    """Σ_j [ε log(ε/ρ_j) + (1 − ε) log((1 − ε)/(1 − ρ_j))] by an explicit loop; no 1/N.  [A6]"""
    eps, rho = 0.1, np.array([0.05, 0.1, 0.3, 0.9])
    expected = sum(eps * math.log(eps / r) + (1 - eps) * math.log((1 - eps) / (1 - r)) for r in rho)
    value, drho = losses.kl_bernoulli(eps, xp.asarray(rho))
    assert float(value) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(_host(drho), -eps / rho + (1 - eps) / (1 - rho), rtol=1e-12)


# --- gradients ---------------------------------------------------------------------------

def test_mse_gradcheck(rng):
    """mse's gradient passes gradcheck in float64.  [A4]"""
    result = gradcheck(losses.mse, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))
    assert result.max_rel_error < 1e-6, result


def test_bce_gradcheck(rng):
    """bce's gradient (inside the clip range) passes gradcheck.  [A4]"""
    p = rng.uniform(0.05, 0.95, size=(4, 3))
    result = gradcheck(losses.bce, p, rng.uniform(0, 1, size=(4, 3)))
    assert result.max_rel_error < 1e-6, result


def test_bce_with_logits_gradcheck(rng):
    """bce_with_logits's gradient passes gradcheck.  [A4]"""
    z = rng.standard_normal((4, 3)) * 3
    result = gradcheck(losses.bce_with_logits, z, rng.integers(0, 2, size=(4, 3)).astype(float))
    assert result.max_rel_error < 1e-6, result


@pytest.mark.parametrize("labels", ["int", "soft"])
def test_softmax_ce_gradcheck(rng, labels):
    """softmax_ce's gradient passes gradcheck for int labels and for soft targets."""
    logits = rng.standard_normal((5, 4))
    y = rng.integers(0, 4, size=5) if labels == "int" else rng.dirichlet(np.ones(4), size=5)
    result = gradcheck(losses.softmax_ce, logits, y)
    assert result.max_rel_error < 1e-6, result


@pytest.mark.parametrize("shape", [(4, 3), (3,), (1, 3)])
def test_gaussian_nll_gradcheck(rng, shape):
    """gaussian_nll's dμ and dlog σ² pass gradcheck (wrt=(1, 2)), also for broadcast log σ²."""
    x, mu = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    log_var = rng.uniform(-1, 1, size=shape)
    result = gradcheck(losses.gaussian_nll, x, mu, log_var, wrt=(1, 2))
    assert result.max_rel_error < 1e-6, result
    assert set(result.errors) == {"input 1", "input 2"}


@pytest.mark.parametrize("prior_var", [1.0, 2.5])
def test_kl_gauss_gradcheck(rng, prior_var):
    """kl_gauss's dμ and dlog σ² pass gradcheck (wrt=(0, 1)).  [V4]"""
    mu, log_var = rng.standard_normal((3, 4)), rng.uniform(-2, 2, size=(3, 4))
    result = gradcheck(losses.kl_gauss, mu, log_var, prior_var, wrt=(0, 1))
    assert result.max_rel_error < 1e-6, result


def test_kl_bernoulli_gradcheck(rng):
    """kl_bernoulli's dρ passes gradcheck (wrt=(1,)).  [A6]"""
    rho = rng.uniform(0.05, 0.95, size=6)
    result = gradcheck(losses.kl_bernoulli, 0.1, rho, wrt=(1,))
    assert result.max_rel_error < 1e-6, result


# --- averaging convention and batch order ------------------------------------------------

def _loss_cases(rng):
    """(name, loss, args, index of the per-object argument(s)) for the averaging tests."""
    x = rng.standard_normal((4, 3))
    p = rng.uniform(0.1, 0.9, size=(4, 3))
    t = rng.uniform(0, 1, size=(4, 3))
    labels = rng.integers(0, 3, size=4)
    return {
        "mse": (losses.mse, (x, t)),
        "bce": (losses.bce, (p, t)),
        "bce_with_logits": (losses.bce_with_logits, (x, t)),
        "softmax_ce-int": (losses.softmax_ce, (x, labels)),
        "softmax_ce-soft": (losses.softmax_ce, (x, t / t.sum(axis=1, keepdims=True))),
        "gaussian_nll": (losses.gaussian_nll, (x, t, p)),
        "kl_gauss": (losses.kl_gauss, (x, p)),
    }


LOSS_NAMES = ["mse", "bce", "bce_with_logits", "softmax_ce-int", "softmax_ce-soft",
              "gaussian_nll", "kl_gauss"]


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_duplicated_batch_has_same_value(rng, name):
    """A batch stacked on itself has the same value (an average over objects), half the per-row gradient."""
    loss, args = _loss_cases(rng)[name]
    once = loss(*args)
    twice = loss(*(np.concatenate([a, a]) for a in args))
    assert float(twice[0]) == pytest.approx(float(once[0]), rel=1e-12)
    for g_once, g_twice in zip(once[1:], twice[1:]):
        np.testing.assert_allclose(g_twice[:4], g_once / 2, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_batch_order_invariance(rng, name):
    """Permuting the objects permutes the gradients and leaves the value unchanged."""
    loss, args = _loss_cases(rng)[name]
    order = np.array([2, 0, 3, 1])
    base = loss(*args)
    permuted = loss(*(a[order] for a in args))
    assert float(permuted[0]) == pytest.approx(float(base[0]), rel=1e-12)
    for g, g_perm in zip(base[1:], permuted[1:]):
        np.testing.assert_allclose(g_perm, g[order], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_float32_in_float32_gradients(rng, name):
    """float32 inputs give float32 gradients (labels stay integers)."""
    loss, args = _loss_cases(rng)[name]
    args32 = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in args]
    result = loss(*args32)
    assert all(g.dtype == np.float32 for g in result[1:])
    assert np.isfinite(float(result[0]))


# --- stability at the extremes -----------------------------------------------------------

def test_bce_with_logits_finite_at_extremes():
    """At logits ±1e3 bce_with_logits is finite and exact, with no overflow warnings.  [A4]"""
    z = np.array([[1e3, -1e3, 1e3, -1e3]])
    target = np.array([[0.0, 1.0, 1.0, 0.0]])
    with _no_overflow():
        value, dz = losses.bce_with_logits(z, target)
    assert float(value) == pytest.approx(2e3, rel=1e-12)
    np.testing.assert_allclose(dz, [[1.0, -1.0, 0.0, 0.0]], atol=1e-15)


def test_softmax_ce_finite_at_extremes():
    """At logits ±1e3 softmax_ce is finite and exact, with no overflow warnings."""
    logits = np.array([[1e3, -1e3], [1e3, -1e3]])
    with _no_overflow():
        value, dlogits = losses.softmax_ce(logits, np.array([1, 0]))
    assert float(value) == pytest.approx(1e3, rel=1e-12)                 # (2000 + 0) / 2
    np.testing.assert_allclose(dlogits, [[0.5, -0.5], [0.0, 0.0]], atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_clips_probabilities_zero_and_one(dtype):
    """p = 0 and p = 1 give a finite value and gradient; a right answer costs ≈ 0.  [A4]"""
    p = np.array([[0.0, 1.0, 0.0, 1.0]], dtype=dtype)
    with _no_overflow():
        right, d_right = losses.bce(p, np.array([[0.0, 1.0, 0.0, 1.0]], dtype=dtype))
        wrong, d_wrong = losses.bce(p, np.array([[1.0, 0.0, 1.0, 0.0]], dtype=dtype))
    assert np.isfinite(float(right)) and np.isfinite(float(wrong))
    assert np.all(np.isfinite(d_right)) and np.all(np.isfinite(d_wrong))
    assert 0 <= float(right) < 1e-5
    eps = np.finfo(dtype).eps
    assert float(wrong) == pytest.approx(-4 * math.log(eps), rel=1e-3)


def test_kl_bernoulli_finite_for_dead_and_saturated_units():
    """ρ = 0 or 1 (dead or saturated units) gives a finite penalty and gradient.  [A6]"""
    with _no_overflow():
        value, drho = losses.kl_bernoulli(0.05, np.array([0.0, 1.0, 0.05]))
    assert np.isfinite(float(value)) and float(value) > 0
    assert np.all(np.isfinite(drho))


# --- properties: KL ≥ 0 with equality at the prior / target --------------------------------

_moments = hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
                      elements=st.floats(-5, 5))


@given(mu=_moments, data=st.data(), prior_var=st.floats(0.1, 10))
def test_kl_gauss_nonnegative(mu, data, prior_var):
    """KL(q ‖ p) ≥ 0 for any μ, log σ² and prior variance.  [V4]"""
    log_var = data.draw(hnp.arrays(np.float64, mu.shape, elements=st.floats(-5, 5)))
    value, _, _ = losses.kl_gauss(mu, log_var, prior_var)
    assert float(value) >= -1e-12


@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 4)), prior_var=st.floats(0.1, 10))
def test_kl_gauss_zero_at_prior(shape, prior_var):
    """KL = 0 and both gradients vanish at μ = 0, log σ² = log s².  [V4]"""
    mu = np.zeros(shape)
    log_var = np.full(shape, math.log(prior_var))
    value, dmu, dlog_var = losses.kl_gauss(mu, log_var, prior_var)
    assert abs(float(value)) < 1e-12
    assert np.all(np.abs(dmu) < 1e-15) and np.all(np.abs(dlog_var) < 1e-12)


@given(eps=st.floats(0.01, 0.99),
       rho=hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(0.001, 0.999)))
def test_kl_bernoulli_nonnegative_and_zero_at_target(eps, rho):
    """Σ_j KL(ε ‖ ρ_j) ≥ 0, and = 0 with zero gradient at ρ = ε.  [A6]"""
    value, _ = losses.kl_bernoulli(eps, rho)
    assert float(value) >= -1e-12
    at_target, drho = losses.kl_bernoulli(eps, np.full(rho.shape, eps))
    assert abs(float(at_target)) < 1e-12
    assert np.all(np.abs(drho) < 1e-9)


def test_bce_gradient_is_that_of_the_clipped_value():
    """Where p is clipped the gradient is 0 (the clipped value is constant there); elsewhere
    it is the usual (x̂ − x)/(x̂(1 − x̂))/N.  [A4]"""
    p = np.array([[1e-17, 0.3], [1.0, 0.6]])
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    _, dp = losses.bce(p, t)
    assert dp[0, 0] == 0 and dp[1, 0] == 0
    assert dp[0, 1] == pytest.approx(0.3 / (0.3 * 0.7 * 2))
    assert dp[1, 1] == pytest.approx(-0.4 / (0.6 * 0.4 * 2))


@pytest.mark.parametrize("name", ["mse", "bce_with_logits", "softmax_ce"])
def test_object_weights(rng, name):
    """With weights w, value = (1/N) Σ_i w_i ℓ_i; 0/1 weights give the subset's sum over the
    whole N; the weighted gradient passes gradcheck."""
    z = rng.standard_normal((6, 4))
    target = np.arange(6) % 4 if name == "softmax_ce" else rng.uniform(0, 1, (6, 4))
    loss = getattr(losses, name)
    w = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 0.5])
    per_object = [float(loss(z[i:i + 1], target[i:i + 1])[0]) for i in range(6)]
    value, grad = loss(z, target, weights=w)
    assert float(value) == pytest.approx(np.dot(w, per_object) / 6, rel=1e-12)
    assert np.all(grad[[1, 3]] == 0)
    assert gradcheck(lambda a, b: loss(a, b, weights=w), z, target).max_rel_error < 1e-6
