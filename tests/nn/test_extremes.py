"""Layers and losses at extreme values: finite outputs and gradients where the maths allows.

Property tests (hypothesis) in float32 and float64 with inputs such as 0, ±1e−30, ±1e4,
±1e30 and half the dtype's largest number, exact probabilities 0 and 1, all-zero batches
and log-variances of ±100.  Everything runs under ``np.errstate`` that turns overflow,
invalid operations (NaN) and division by zero into errors; underflow to 0 is the right
answer there (e^(−1e30) = 0) and stays allowed.  Where the true value exceeds the dtype's
range, the documented behaviour is tested instead: BCE on probabilities clips to [ε, 1 − ε];
``mse``, the Gaussian KL and NLL overflow to inf (with NumPy's warning), never to NaN.

``test_layers.py`` and ``test_losses.py`` check values at moderate inputs and at ±1e3 in
float64; this file adds the extreme magnitudes, float32 and the properties over them.
"""
import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnunsup.autoencoders.vae import reparameterize, reparameterize_backward
from nnunsup.gan.gan import discriminator_loss, generator_loss
from nnunsup.nn import functional as F
from nnunsup.nn import losses
from nnunsup.nn.layers import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh
from nnunsup.rbm.rbm import free_energy, free_energy_grads
from nnunsup.transfer.distill import soft_cross_entropy

DTYPES = [np.float32, np.float64]
SHAPES = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5)


@contextmanager
def _strict():
    """Overflow, NaN and division by zero raise; so does any warning.  Underflow is allowed."""
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _extremes(dtype, limit):
    """0, ±tiny, ±1e−30, ±1, ±1e4, ±1e30 and ±limit that fit in ±limit, as dtype values."""
    dtype = np.dtype(dtype).type
    limit = float(dtype(limit))                             # representable in dtype
    values = [0.0, np.finfo(dtype).tiny, 1e-30, 1.0, 1e4, 1e30, limit]
    values = sorted({float(dtype(s * v)) for v in values if v <= limit for s in (1, -1)})
    return st.sampled_from(values) | st.floats(-limit, limit, width=np.finfo(dtype).bits)


def _arrays(dtype, limit, shape=SHAPES):
    return hnp.arrays(dtype, shape, elements=_extremes(dtype, limit))


def _half_max(dtype):
    return float(np.finfo(dtype).max) / 2


def _sum_limit(dtype):
    """Inputs whose sums over a 5 × 5 batch (times 10, for 1/T) cannot overflow."""
    return 1e30 if dtype == np.float32 else 1e300


def _finite(*arrays):
    for a in arrays:
        assert np.all(np.isfinite(a)), a


@st.composite
def _z(draw, limit=_half_max):
    dtype = draw(st.sampled_from(DTYPES))
    return draw(_arrays(dtype, limit(dtype)))


# -- activations ---------------------------------------------------------------------------
@given(z=_z(limit=lambda dtype: float(np.finfo(dtype).max)))
def test_elementwise_activations_are_finite_and_bounded_for_any_finite_input(z):
    """σ, tanh, ReLU, leaky ReLU, softplus, log σ and their derivatives: finite, in their
    ranges, in the input's dtype, for every finite z up to the dtype's largest number."""
    with _strict():
        s, t = F.sigmoid(z), F.tanh(z)
        r, lr, sp, ls = F.relu(z), F.leaky_relu(z), F.softplus(z), F.log_sigmoid(z)
        grads = (F.sigmoid_grad(s), F.tanh_grad(t), F.relu_grad(z), F.leaky_relu_grad(z),
                 F.softplus_grad(z))
    for out in (s, t, r, lr, sp, ls, *grads):
        assert out.dtype == z.dtype
        _finite(out)
    assert np.all((0 <= s) & (s <= 1)) and np.all((-1 <= t) & (t <= 1))
    assert np.all(r >= 0) and np.all(ls <= 0)
    assert np.all(sp >= r) and np.all(sp - r <= math.log(2) * (1 + 1e-6))   # log 2 at z = 0
    assert np.all((0 <= grads[0]) & (grads[0] <= 0.25))
    assert np.all((0 <= grads[1]) & (grads[1] <= 1)) and np.all((0 <= grads[4]) & (grads[4] <= 1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("z", [1e4, 1e30])
def test_activation_limits_are_exact(dtype, z):
    """At ±1e4 and ±1e30 the activations take their limits exactly: σ → 0, 1; softplus(z)
    = z and 0; log σ(−z) = −z; tanh → ±1; softmax → one-hot, log_softmax → 0 and −2z."""
    zs = np.array([-z, z], dtype=dtype)
    with _strict():
        assert F.sigmoid(zs).tolist() == [0.0, 1.0]
        assert F.softplus(zs).tolist() == [0.0, float(dtype(z))]
        assert F.log_sigmoid(zs).tolist() == [-float(dtype(z)), 0.0]
        assert F.tanh(zs).tolist() == [-1.0, 1.0]
        assert F.softmax(zs[None]).tolist() == [[0.0, 1.0]]
        assert F.log_softmax(zs[None]).tolist() == [[-float(dtype(2 * dtype(z))), 0.0]]


@given(z=_z())
def test_softmax_and_log_softmax_are_finite_up_to_half_the_largest_number(z):
    """|z| ≤ max/2 (so z − max z cannot overflow): softmax rows are probabilities summing
    to 1, log_softmax is finite and ≤ 0, the row's largest entry has log p ≥ −log K."""
    with _strict():
        p, log_p = F.softmax(z), F.log_softmax(z)
        dz = F.softmax_grad(p, np.ones_like(p))
    _finite(p, log_p, dz)
    tol = 10 * np.finfo(z.dtype).eps * z.shape[1]
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=tol)
    assert np.all(log_p <= 0)
    assert np.all(log_p.max(axis=1) >= -math.log(z.shape[1]) - tol)
    np.testing.assert_allclose(dz, 0, atol=tol)         # softmax is shift-invariant


LAYERS = [Identity(), Sigmoid(), Tanh(), ReLU(), LeakyReLU(), Softplus(), Softmax()]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: type(layer).__name__)
@given(z=_z(), data=st.data())
def test_activation_layers_forward_and_backward_are_finite(layer, z, data):
    """Each activation layer's forward and backward (upstream gradient in [−1, 1]) are
    finite at extreme inputs, in the input's dtype."""
    dout = data.draw(hnp.arrays(z.dtype, z.shape, elements=st.floats(-1, 1, width=np.finfo(z.dtype).bits)))
    with _strict():
        out, cache = layer.forward({}, z)
        dz, grads = layer.backward(dout, cache)
    assert out.dtype == dz.dtype == z.dtype and grads == {}
    _finite(out, dz)


# -- losses on logits ---------------------------------------------------------------------
@st.composite
def _logits_and_targets(draw):
    dtype = draw(st.sampled_from(DTYPES))
    z = draw(_arrays(dtype, _sum_limit(dtype)))
    target = draw(hnp.arrays(dtype, z.shape, elements=st.sampled_from([0.0, 1.0, 0.5])
                             | st.floats(0, 1, width=np.finfo(dtype).bits)))
    return z, target


@given(args=_logits_and_targets())
def test_bce_with_logits_is_finite_at_any_logit(args):
    """softplus(z) − x z: finite and ≥ 0 for targets in [0, 1]; (σ(z) − x)/N in [−1/N, 1/N]."""
    z, target = args
    with _strict():
        value, dz = losses.bce_with_logits(z, target)
    _finite(value, dz)
    N = z.shape[0]
    assert float(value) >= 0
    assert np.all(np.abs(dz) <= 1 / N * (1 + 1e-6))


@given(args=_logits_and_targets(), data=st.data())
def test_softmax_ce_is_finite_at_any_logit(args, data):
    """Int labels and soft targets: the value is finite and ≥ 0, each row of the gradient
    (softmax − target)/N sums to 0 (for targets summing to 1)."""
    z, _ = args
    N, K = z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, K - 1), min_size=N, max_size=N)))
    soft = F.softmax(np.array(data.draw(hnp.arrays(np.float64, (N, K), elements=st.floats(-5, 5)))))
    for y in (labels, soft.astype(z.dtype)):
        with _strict():
            value, dz = losses.softmax_ce(z, y)
        _finite(value, dz)
        assert float(value) >= -1e-6
        np.testing.assert_allclose(dz.sum(axis=1), 0, atol=10 * np.finfo(z.dtype).eps * K / N)


@st.composite
def _probabilities(draw):
    """Probabilities with exact 0s and 1s, values beyond the clip range, and targets."""
    dtype = draw(st.sampled_from(DTYPES))
    eps = float(np.finfo(dtype).eps)
    edge = st.sampled_from([0.0, 1.0, float(dtype(eps / 4)), float(dtype(1 - eps / 2)), 0.5])
    p = draw(hnp.arrays(dtype, draw(SHAPES), elements=edge | st.floats(0, 1, width=np.finfo(dtype).bits)))
    target = draw(hnp.arrays(dtype, p.shape, elements=st.sampled_from([0.0, 1.0])
                             | st.floats(0, 1, width=np.finfo(dtype).bits)))
    return p, target


@given(args=_probabilities())
def test_bce_on_probabilities_clips_exact_zeros_and_ones(args):
    """bce(p, x) with p = 0 or 1 (log 0 in the formula) is, as documented, the loss of p
    clipped to [ε, 1 − ε]: finite; its gradient is finite and 0 where p was clipped."""
    p, target = args
    eps = np.finfo(p.dtype).eps
    with _strict():
        value, dp = losses.bce(p, target)
    _finite(value, dp)
    q = np.clip(p.astype(np.float64), eps, 1 - eps)
    expected = -(target * np.log(q) + (1 - target) * np.log1p(-q)).sum() / p.shape[0]
    assert float(value) == pytest.approx(expected, rel=1e-4 if p.dtype == np.float32 else 1e-10)
    clipped = (p < eps) | (p > 1 - eps)
    assert np.all(dp[clipped] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_of_probability_zero_for_a_one_costs_minus_log_eps(dtype):
    """The worst answer, p = 0 where x = 1 (infinite in the maths), costs −log ε per entry."""
    p, target = np.zeros((2, 3), dtype), np.ones((2, 3), dtype)
    with _strict():
        value, dp = losses.bce(p, target)
    eps = float(np.finfo(dtype).eps)
    assert float(value) == pytest.approx(-3 * math.log(eps), rel=1e-6)
    assert np.all(dp == 0)


# -- squared errors and Gaussians ------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_mse_overflows_to_inf_only_where_the_true_value_does(dtype):
    """(1/N) Σ (x̂ − x)²: at 1e4 finite; at 1e30 in float32 (true value 3e60) inf with NumPy's
    overflow warning, as documented, and the gradient 2 (x̂ − x)/N still finite."""
    pred = np.full((2, 3), 1e4, dtype)
    with _strict():
        value, dpred = losses.mse(pred, np.zeros_like(pred))
    assert float(value) == pytest.approx(3e8, rel=1e-6)
    _finite(dpred)
    pred = np.full((2, 3), 1e30, dtype)
    if dtype == np.float32:
        with pytest.warns(RuntimeWarning, match="overflow"):
            value, dpred = losses.mse(pred, np.zeros_like(pred))
        assert float(value) == math.inf
    else:
        with _strict():
            value, dpred = losses.mse(pred, np.zeros_like(pred))
        assert float(value) == pytest.approx(3e60, rel=1e-12)
    _finite(dpred)


def _log_max(dtype):
    return math.log(float(np.finfo(dtype).max))


def _safe(dtype, log_value):
    """Whether e^log_value, summed over a small batch, stays inside the dtype's range."""
    return log_value < _log_max(dtype) - math.log(100)


@st.composite
def _gaussian(draw):
    """x, μ and log σ² in [−100, 100] (both ends included), with some x exactly μ."""
    dtype = draw(st.sampled_from(DTYPES))
    width = np.finfo(dtype).bits
    shape = draw(SHAPES)
    mu = draw(hnp.arrays(dtype, shape, elements=st.floats(-1e4, 1e4, width=width)))
    diff = draw(hnp.arrays(dtype, shape, elements=st.sampled_from([0.0, 1.0, -1e-20])
                           | st.floats(-1, 1, width=width)))
    log_var = draw(hnp.arrays(dtype, shape, elements=st.sampled_from([-100.0, 100.0, 0.0])
                              | st.floats(-100, 100, width=width)))
    return (mu + diff).astype(dtype), mu, log_var


@given(args=_gaussian())
def test_gaussian_nll_and_log_prob_are_finite_where_the_maths_is(args):
    """At log σ² = ±100: finite value and gradients wherever (x − μ)²/σ² and (x − μ)/σ² are
    representable (x = μ at log σ² = −100 in float32 included); inf there otherwise, and
    never NaN."""
    x, mu, log_var = args
    diff = x.astype(np.float64) - mu                       # the exact difference
    lv = log_var.astype(np.float64)
    with np.errstate(divide="ignore"):
        log_diff = np.log(np.abs(diff))                    # −inf where x = μ
    # the largest true magnitudes, in logs: (x − μ)²/σ² and the gradient (x − μ)/σ²
    representable = _safe(x.dtype, float(np.maximum(2 * log_diff - lv, log_diff - lv).max()))
    with np.errstate(over="raise" if representable else "ignore", invalid="raise",
                     divide="raise", under="ignore"):
        value, dmu, dlog_var = losses.gaussian_nll(x, mu, log_var)
        log_p = losses.gaussian_log_prob(x, mu, log_var)
    outputs = (value, dmu, dlog_var, log_p)
    assert not any(np.isnan(out).any() for out in outputs)
    if representable:
        _finite(*outputs)
        terms = math.log(2 * math.pi) + lv + diff ** 2 * np.exp(-lv)
        scale = (math.log(2 * math.pi) + np.abs(lv) + diff ** 2 * np.exp(-lv)).sum() / x.shape[0]
        assert abs(float(value) - 0.5 * terms.sum() / x.shape[0]) <= 1e-4 * scale
    else:
        assert any(np.isinf(out).any() for out in outputs)


@given(args=_gaussian())
def test_kl_and_reparameterisation_are_finite_where_the_maths_is(args):
    """KL(N(μ, σ²) ‖ N(0, 1)) and z = μ + σ ε with its backward at log σ² = ±100: finite
    wherever σ² is representable (all of float64); the KL is inf beyond (float32, log σ²
    > 88.7), never NaN, while σ = e^(½ log σ²) and z stay finite."""
    _, mu, log_var = args
    largest = float(log_var.max())
    representable = _safe(mu.dtype, largest)
    with np.errstate(over="raise" if representable else "ignore", invalid="raise",
                     divide="raise", under="ignore"):
        value, dmu, dlog_var = losses.kl_gauss(mu, log_var)
        per_object = losses.kl_gauss_per_object(mu, log_var)
    assert not any(np.isnan(out).any() for out in (value, dlog_var, per_object))
    assert float(value) >= -1e-3 and np.all(per_object >= -1e-3)
    _finite(dmu)
    if representable:
        _finite(value, dlog_var, per_object)
    elif largest > _log_max(mu.dtype):                    # σ² itself overflows
        assert float(value) == math.inf
    eps = np.ones_like(mu)
    with _strict():
        z, sigma = reparameterize(mu, log_var, eps)
        dmu_z, dlog_var_z = reparameterize_backward(np.ones_like(z), sigma, eps)
    _finite(z, sigma, dmu_z, dlog_var_z)


# -- GAN, RBM and distillation ----------------------------------------------------------------
@given(z=_z(limit=_sum_limit))
def test_gan_losses_are_finite_at_any_logit(z):
    """L_D and both L_G from logits at ±1e30 (float32) / ±1e300 (float64): finite values
    (≥ 0, minimax ≤ 0) and gradients bounded by ½ per object."""
    real, fake = z[0], z.reshape(-1)
    with _strict():
        d_value, d_real, d_fake = discriminator_loss(real, fake)
        ns_value, ns_grad = generator_loss(fake)
        mm_value, mm_grad = generator_loss(fake, "minimax")
    _finite(d_value, d_real, d_fake, ns_value, ns_grad, mm_value, mm_grad)
    assert float(d_value) >= 0 and float(ns_value) >= 0 and float(mm_value) <= 0
    for grad, M in ((d_real, real.size), (d_fake, fake.size), (ns_grad, fake.size), (mm_grad, fake.size)):
        assert np.all(np.abs(grad) <= 0.5 / M * (1 + 1e-6))


@st.composite
def _rbm(draw):
    """Binary x (all-zero rows likely) and weights / biases up to ±1e30 (float32)."""
    dtype = draw(st.sampled_from(DTYPES))
    limit = 1e30 if dtype == np.float32 else 1e300
    n, m, N = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = draw(hnp.arrays(dtype, (N, n), elements=st.sampled_from([0.0, 1.0])))
    W = draw(_arrays(dtype, limit, shape=(n, m)))
    a = draw(_arrays(dtype, limit, shape=(n,)))
    b = draw(_arrays(dtype, limit, shape=(m,)))
    return x, W, a, b


@given(args=_rbm())
def test_rbm_free_energy_is_finite_at_extreme_weights(args):
    """F(x) = −aᵀx − Σ_j softplus(b_j + w_jᵀx) and its gradients: finite at weights and
    biases of ±1e30 / ±1e300 (no naive log(1 + e^s)); for x = 0, F = −Σ_j softplus(b_j)."""
    x, W, a, b = args
    with _strict():
        energy = free_energy(x, W, a, b)
        grads = free_energy_grads(x, W, a, b, scale=1.0 / x.shape[0])
    _finite(energy, *grads.values())
    zero_rows = ~x.any(axis=1)
    with _strict():
        expected = -F.softplus(b).sum()
    assert np.all(energy[zero_rows] == expected)


@pytest.mark.parametrize("temperature", [0.1, 1.0, 4.0])
@given(args=_logits_and_targets(), data=st.data())
def test_soft_cross_entropy_is_finite_at_any_logit(temperature, args, data):
    """T² CE(softmax(a/T), softmax(b/T)) and both gradients: finite, value ≥ 0, for student
    and teacher logits at ±1e30 / ±1e300 and temperatures 0.1 to 4."""
    student, _ = args
    teacher = data.draw(hnp.arrays(student.dtype, student.shape,
                                   elements=_extremes(student.dtype, _sum_limit(student.dtype))))
    with _strict():
        value, dstudent, dteacher = soft_cross_entropy(student, teacher, temperature)
    _finite(value, dstudent, dteacher)
    assert float(value) >= -1e-6


# -- all-zero batches ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, call, expected", [
    ("mse", lambda z: losses.mse(z, z), 0.0),
    ("bce", lambda z: losses.bce(z, z), None),           # p = 0 clipped to ε
    ("bce_with_logits", lambda z: losses.bce_with_logits(z, z), 4 * math.log(2)),
    ("softmax_ce", lambda z: losses.softmax_ce(z, np.zeros(3, dtype=int)), math.log(4)),
    ("gaussian_nll", lambda z: losses.gaussian_nll(z, z, z), 2 * math.log(2 * math.pi)),
    ("kl_gauss", lambda z: losses.kl_gauss(z, z), 0.0),
    ("kl_bernoulli", lambda z: losses.kl_bernoulli(0.05, z[0]), None),   # ρ = 0 clipped
    ("free_energy", lambda z: (free_energy(z, z[:4].T @ z[:4], z[0], z[0]).sum(),), -12 * math.log(2)),
    ("discriminator_loss", lambda z: discriminator_loss(z[:, 0], z[:, 1]), math.log(2)),
    ("generator_loss", lambda z: generator_loss(z[:, 0]), 0.5 * math.log(2)),
    ("soft_cross_entropy", lambda z: soft_cross_entropy(z, z, 2.0), 4 * math.log(4)),
])
def test_all_zero_batches_give_finite_values_and_gradients(dtype, name, call, expected):
    """Every loss on an all-zero batch (zero predictions, logits, targets, activities):
    finite value and gradients, equal to the closed form where one is given."""
    with _strict():
        value, *grads = call(np.zeros((3, 4), dtype))
    _finite(value, *grads)
    if expected is None:
        assert float(value) >= 0
    else:
        assert float(value) == pytest.approx(expected, rel=1e-6, abs=1e-7)
