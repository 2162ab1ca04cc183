"""nnunsup.nn.layers, nnunsup.nn.functional and nnunsup.nn.init.

Gradients: every layer passes gradcheck in float64 (relative error < 1e-6), on fixed and on
hypothesis-drawn shapes.  Values: against independent closed forms and Python loops.
Inputs of ReLU-type layers are kept away from the kink at 0.
"""
import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnunsup import backend
from nnunsup.nn import functional as F
from nnunsup.nn import init as initializers
from nnunsup.nn.gradcheck import gradcheck
from nnunsup.nn.layers import (Dropout, Flatten, Identity, Layer, LeakyReLU, Linear, ReLU,
                               Reshape, Sequential, Sigmoid, Softmax, Softplus, Tanh,
                               activation, mlp, prefixed, subparams)
from tests.helpers import rel_error


@contextmanager
def _no_overflow():
    """Turn overflow, invalid and divide-by-zero (and any warning) into errors.

    Underflow to 0 (e.g. e^(−1000)) is the correct answer and stays allowed.
    """
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _away_from_zero(rng, shape, low=0.1, high=2.0):
    """Entries with |x| in [low, high] and random sign: no finite-difference step crosses 0."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def _mask(rng, shape, p, dtype=np.float64):
    """An inverted-dropout mask: [u ≥ p] / (1 − p)."""
    return ((rng.random(shape) >= p) / (1 - p)).astype(dtype)


# Each case: layer factory, input shape, whether x must avoid 0, explicit-noise factory.
LAYER_CASES = {
    "linear": (lambda: Linear(4, 3), (5, 4), False, None),
    "linear-no-bias": (lambda: Linear(4, 3, bias=False), (5, 4), False, None),
    "linear-he": (lambda: Linear(4, 3, init="he"), (5, 4), False, None),
    "linear-normal": (lambda: Linear(4, 3, init="normal"), (5, 4), False, None),
    "identity": (Identity, (3, 4), False, None),
    "sigmoid": (Sigmoid, (3, 4), False, None),
    "tanh": (Tanh, (3, 4), False, None),
    "relu": (ReLU, (3, 4), True, None),
    "leaky_relu": (lambda: LeakyReLU(0.1), (3, 4), True, None),
    "softplus": (Softplus, (3, 4), False, None),
    "softmax": (Softmax, (3, 5), False, None),
    "flatten": (Flatten, (2, 3, 4), False, None),
    "reshape": (lambda: Reshape((3, 4)), (2, 12), False, None),
    "dropout-mask": (lambda: Dropout(0.5), (4, 5), False,
                     lambda rng, dtype: {"mask": _mask(rng, (4, 5), 0.5, dtype)}),
    "mlp-tanh-sigmoid": (lambda: mlp([4, 6, 5, 3], "tanh", output="sigmoid"), (5, 4), False, None),
    "mlp-relu-softmax": (lambda: mlp([4, 8, 3], "relu", output="softmax"), (5, 4), False, None),
    "mlp-softplus": (lambda: mlp([3, 4, 2], "softplus"), (4, 3), False, None),
    "sequential-dropout": (lambda: Sequential(Linear(4, 6), Dropout(0.5), Tanh(), Linear(6, 2)),
                           (5, 4), False,
                           lambda rng, dtype: {"noise": {"1.mask": _mask(rng, (5, 6), 0.5, dtype)}}),
}
CASE_IDS = list(LAYER_CASES)


def _case(name, rng, dtype=np.float64):
    factory, shape, away, noise = LAYER_CASES[name]
    x = _away_from_zero(rng, shape) if away else rng.standard_normal(shape)
    return factory(), x.astype(dtype), ({} if noise is None else noise(rng, dtype))


# --- gradients ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", CASE_IDS)
def test_layer_gradcheck(name, rng):
    """Every layer's backward matches central differences in float64 (rel. error < 1e-6)."""
    layer, x, noise = _case(name, rng)
    result = gradcheck(layer, x, **noise)
    assert result.passed, result
    assert result.max_rel_error < 1e-6
    expected = {"x"} | set(layer.init_params(np.random.default_rng(0), np.float64))
    assert set(result.errors) == expected


@given(batch=st.integers(1, 6), n_in=st.integers(1, 7), n_out=st.integers(1, 7),
       bias=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_linear_gradcheck_any_shape(batch, n_in, n_out, bias, seed):
    """Linear passes gradcheck for any small shape, with and without a bias."""
    x = np.random.default_rng(seed).standard_normal((batch, n_in))
    result = gradcheck(Linear(n_in, n_out, bias=bias), x, seed=seed % 1000)
    assert result.max_rel_error < 1e-6, result


ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax"]


@given(name=st.sampled_from(ACTIVATIONS), batch=st.integers(1, 6), features=st.integers(1, 7),
       seed=st.integers(0, 2**32 - 1))
def test_activation_gradcheck_any_shape(name, batch, features, seed):
    """Every activation passes gradcheck for any small shape (ReLU-type away from the kink)."""
    rng = np.random.default_rng(seed)
    x = _away_from_zero(rng, (batch, features), 0.05, 3.0)
    result = gradcheck(activation(name), x)
    assert result.max_rel_error < 1e-6, result


# --- the protocol on each backend and dtype ----------------------------------------------

@pytest.mark.parametrize("name", CASE_IDS)
def test_layer_protocol_on_backend(name, xp, rng):
    """On the active backend: out and dx are backend arrays; grads mirror params; no state on the layer."""
    layer, x_host, noise_host = _case(name, rng)
    params = layer.init_params(np.random.default_rng(1), np.float64)
    state_before = repr(vars(layer))
    x = xp.asarray(x_host)
    noise = {k: (xp.asarray(v) if hasattr(v, "shape") else {kk: xp.asarray(vv) for kk, vv in v.items()})
             for k, v in noise_host.items()}
    out, cache = layer.forward(params, x, **noise)
    dout = xp.asarray(rng.standard_normal(out.shape))
    dx, grads = layer.backward(dout, cache)
    assert isinstance(out, xp.ndarray) and isinstance(dx, xp.ndarray)
    assert dx.shape == x.shape
    assert set(grads) == set(params)
    for k in params:
        assert isinstance(grads[k], xp.ndarray)
        assert grads[k].shape == params[k].shape and grads[k].dtype == params[k].dtype
    assert repr(vars(layer)) == state_before
    # the same numbers as the NumPy computation on the host
    host_params = {k: backend.to_numpy(v) for k, v in params.items()}
    host_noise = {k: (backend.to_numpy(v) if hasattr(v, "shape") else
                      {kk: backend.to_numpy(vv) for kk, vv in v.items()}) for k, v in noise.items()}
    out_ref, cache_ref = layer.forward(host_params, x_host, **host_noise)
    dx_ref, _ = layer.backward(backend.to_numpy(dout), cache_ref)
    np.testing.assert_allclose(backend.to_numpy(out), out_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(backend.to_numpy(dx), dx_ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", CASE_IDS)
def test_float32_in_float32_out(name, rng):
    """float32 input and params give float32 output, dx and grads (no silent upcast)."""
    layer, x, noise = _case(name, rng, dtype=np.float32)
    params = layer.init_params(np.random.default_rng(1), np.float32)
    assert all(v.dtype == np.float32 for v in params.values())
    out, cache = layer.forward(params, x, **noise)
    dx, grads = layer.backward(np.ones_like(out), cache)
    assert out.dtype == np.float32
    assert dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


def test_float32_agrees_with_float64(rng):
    """An MLP in float32 gives the float64 result to float32 precision."""
    net = mlp([4, 6, 3], "tanh", output="sigmoid")
    params = net.init_params(np.random.default_rng(2), np.float64)
    x = rng.standard_normal((5, 4))
    out64, _ = net.forward(params, x)
    out32, _ = net.forward({k: v.astype(np.float32) for k, v in params.items()}, x.astype(np.float32))
    np.testing.assert_allclose(out32, out64, rtol=1e-5, atol=1e-6)


# --- values against independent references -----------------------------------------------

def _linear_naive(x, W, b):
    """out[i, j] = b_j + Σ_k W[j, k] x[i, k], one object and one unit at a time."""
    N, n = x.shape
    m = W.shape[0]
    out = np.zeros((N, m))
    for i in range(N):
        for j in range(m):
            total = 0.0 if b is None else b[j]
            for k in range(n):
                total += W[j, k] * x[i, k]
            out[i, j] = total
    return out


@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_backward_equal_naive_loops(rng, bias):
    """Linear's forward and backward equal explicit loops over objects and units."""
    layer = Linear(4, 3, bias=bias)
    params = {"W": rng.standard_normal((3, 4))}
    if bias:
        params["b"] = rng.standard_normal(3)
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    out, cache = layer.forward(params, x)
    assert rel_error(out, _linear_naive(x, params["W"], params.get("b"))) < 1e-12
    dx, grads = layer.backward(dout, cache)
    dW, db, dx_naive = np.zeros((3, 4)), np.zeros(3), np.zeros((5, 4))
    for i in range(5):
        for j in range(3):
            db[j] += dout[i, j]
            for k in range(4):
                dW[j, k] += dout[i, j] * x[i, k]
                dx_naive[i, k] += dout[i, j] * params["W"][j, k]
    assert rel_error(grads["W"], dW) < 1e-12
    assert rel_error(dx, dx_naive) < 1e-12
    if bias:
        assert rel_error(grads["b"], db) < 1e-12
    else:
        assert "b" not in grads


def test_linear_forward_does_not_modify_inputs(rng):
    """Linear.forward leaves x, W and b untouched (the bias is added to a new array)."""
    layer = Linear(3, 2)
    params = {"W": rng.standard_normal((2, 3)), "b": rng.standard_normal(2)}
    x = rng.standard_normal((4, 3))
    copies = x.copy(), params["W"].copy(), params["b"].copy()
    layer.forward(params, x)
    for before, after in zip(copies, (x, params["W"], params["b"])):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("dtype, low, rtol", [(np.float64, -700, 1e-14), (np.float32, -80, 1e-6)])
def test_sigmoid_relative_precision_in_both_tails(dtype, low, rtol):
    """σ(z) equals scipy's expit to full *relative* precision down to the dtype's
    underflow (σ(−40) = 4.2e−18 in float64, not 0), with no overflow warning."""
    special = pytest.importorskip("scipy.special")
    z = np.linspace(low, 40, 2001).astype(dtype)
    with np.errstate(all="raise"):
        s = F.sigmoid(z)
    assert s.dtype == dtype
    np.testing.assert_allclose(s, special.expit(z), rtol=rtol, atol=0)
    assert F.sigmoid(np.array(0.0)) == 0.5
    assert F.sigmoid(np.array([-1e4, 1e4])).tolist() == [0.0, 1.0]


@given(z=st.floats(-50, 50))
def test_sigmoid_symmetry(z):
    """σ(−z) = 1 − σ(z), and σ(z) lies in [0, 1]."""
    s, s_neg = F.sigmoid(np.float64(z)), F.sigmoid(np.float64(-z))
    assert abs(s_neg - (1 - s)) < 2e-16
    assert 0.0 <= s <= 1.0


@given(z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
                    elements=st.floats(-1e3, 1e3)),
       shift=st.floats(-100, 100))
def test_softmax_rows_sum_to_one(z, shift):
    """Softmax rows are probabilities summing to 1, unchanged by adding a constant to a row."""
    with _no_overflow():
        p = F.softmax(z)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(F.softmax(z + shift), p, atol=1e-12)


def test_softmax_and_log_softmax_closed_form(rng):
    """softmax = e^z / Σ e^z and log_softmax = log of it, for moderate z; axis= is honoured."""
    z = rng.standard_normal((4, 5)) * 3
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(F.softmax(z), expected, rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(z), np.log(expected), rtol=1e-12, atol=1e-12)
    expected0 = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(F.softmax(z, axis=0), expected0, rtol=1e-12)


def test_softmax_log_softmax_at_extremes():
    """At ±1e3 softmax and log_softmax are finite, exact, and raise no overflow warnings."""
    z = np.array([[1e3, -1e3, 0.0]])
    with _no_overflow():
        p, log_p = F.softmax(z), F.log_softmax(z)
    np.testing.assert_array_equal(p, [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(log_p, [[0.0, -2e3, -1e3]], atol=1e-12)


def test_softplus_log_sigmoid_closed_form():
    """softplus = log(1 + e^z) and log σ(z) = −log(1 + e^(−z)) where the direct forms are safe."""
    z = np.linspace(-30, 30, 301)
    np.testing.assert_allclose(F.softplus(z), np.log1p(np.exp(z)), rtol=1e-12)
    np.testing.assert_allclose(F.log_sigmoid(z), -np.log1p(np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(F.log_sigmoid(z), np.log(1 / (1 + np.exp(-z))), atol=1e-15)
    np.testing.assert_allclose(F.softplus_grad(z), 1 / (1 + np.exp(-z)), rtol=1e-12, atol=1e-16)


def test_softplus_log_sigmoid_at_extremes():
    """At ±1e3: softplus(1e3) = 1e3, softplus(−1e3) ≈ 0, log σ(−1e3) = −1e3, log σ(1e3) ≈ 0, no warnings."""
    z = np.array([-1e3, 1e3])
    with _no_overflow():
        sp, ls, s = F.softplus(z), F.log_sigmoid(z), F.sigmoid(z)
    assert np.all(np.isfinite(sp)) and np.all(np.isfinite(ls))
    assert sp[1] == 1e3 and 0 <= sp[0] < 1e-300
    assert ls[0] == -1e3 and -1e-300 < ls[1] <= 0
    np.testing.assert_array_equal(s, [0.0, 1.0])


def test_elementwise_activations_closed_forms():
    """tanh, ReLU and leaky ReLU forwards equal their definitions entry by entry."""
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(F.tanh(z), [math.tanh(v) for v in z], rtol=1e-15)
    np.testing.assert_array_equal(F.relu(z), [0.0, 0.0, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(F.leaky_relu(z, 0.2), [-0.4, -0.1, 0.0, 0.5, 2.0])
    out, _ = LeakyReLU(0.2).forward({}, z)
    np.testing.assert_allclose(out, [-0.4, -0.1, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(F.relu_grad(z), [0, 0, 0, 1, 1])    # 0 at the kink
    np.testing.assert_allclose(F.leaky_relu_grad(z, 0.2), [0.2, 0.2, 0.2, 1, 1])


def test_flatten_reshape_round_trip(rng):
    """Flatten and Reshape move entries without changing them; backward restores the shape."""
    x = rng.standard_normal((2, 3, 4))
    flat, cache = Flatten().forward({}, x)
    np.testing.assert_array_equal(flat, x.reshape(2, 12))
    back, _ = Flatten().backward(flat, cache)
    np.testing.assert_array_equal(back, x)
    shaped, cache = Reshape((4, 3)).forward({}, flat)
    assert shaped.shape == (2, 4, 3)
    np.testing.assert_array_equal(Reshape((4, 3)).backward(shaped, cache)[0], flat)


# --- Dropout -----------------------------------------------------------------------------

def test_dropout_identity_without_rng_or_mask(rng):
    """With neither rng nor mask (evaluation) Dropout passes x and dout through unchanged."""
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    out, cache = Dropout(0.5).forward({}, x)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(Dropout(0.5).backward(dout, cache)[0], dout)


def test_dropout_p_zero_never_drops(rng):
    """p = 0 with an rng is the identity and does not draw from the rng."""
    x = rng.standard_normal((3, 4))
    gen = np.random.default_rng(3)
    out, _ = Dropout(0.0).forward({}, x, rng=gen)
    np.testing.assert_array_equal(out, x)
    assert gen.random() == np.random.default_rng(3).random()


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_mask_keep_rate_and_scale(p):
    """A drawn mask keeps ≈ 1 − p of the entries, scales them by 1/(1 − p); E[out] = x."""
    x = np.ones((200, 200))
    out, mask = Dropout(p).forward({}, x, rng=np.random.default_rng(0))
    kept = out != 0
    assert abs(kept.mean() - (1 - p)) < 0.01                 # ≈ 5 standard errors
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-12)
    np.testing.assert_array_equal(out, x * mask)
    assert abs(out.mean() - 1.0) < 0.05


def test_dropout_same_seed_same_mask(rng):
    """The same seed gives the same mask; another seed gives another."""
    x = rng.standard_normal((10, 10))
    a, _ = Dropout(0.5).forward({}, x, rng=np.random.default_rng(4))
    b, _ = Dropout(0.5).forward({}, x, rng=np.random.default_rng(4))
    c, _ = Dropout(0.5).forward({}, x, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dropout_explicit_mask_wins_and_backward_uses_it(rng):
    """An explicit mask is used as given (the rng is not drawn from), and backward multiplies by it."""
    x, dout = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    mask = _mask(rng, (4, 5), 0.5)
    gen = np.random.default_rng(6)
    out, cache = Dropout(0.5).forward({}, x, mask=mask, rng=gen)
    np.testing.assert_array_equal(out, x * mask)
    assert gen.random() == np.random.default_rng(6).random()
    dx, grads = Dropout(0.5).backward(dout, cache)
    np.testing.assert_array_equal(dx, dout * mask)
    assert grads == {}


def test_dropout_backward_uses_drawn_mask(rng):
    """Backward after a drawn mask zeroes exactly the dropped entries and scales the rest."""
    x = rng.standard_normal((6, 7))
    out, cache = Dropout(0.3).forward({}, x, rng=np.random.default_rng(8))
    dx, _ = Dropout(0.3).backward(np.ones_like(x), cache)
    np.testing.assert_array_equal(dx == 0, out == 0)
    np.testing.assert_allclose(dx[dx != 0], 1 / 0.7)


def test_dropout_float32_mask(rng):
    """A mask drawn for float32 input is float32."""
    out, mask = Dropout(0.5).forward({}, np.ones((3, 3), np.float32), rng=np.random.default_rng(0))
    assert out.dtype == mask.dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_bad_p(p):
    """p outside [0, 1) is a ValueError naming p."""
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        Dropout(p)


# --- Sequential and mlp --------------------------------------------------------------------

def test_sequential_key_naming():
    """Sequential names keys "<index>.<name>"; parameter-free layers add none."""
    net = Sequential(Linear(3, 4), ReLU(), Linear(4, 2, bias=False), Sigmoid())
    params = net.init_params(np.random.default_rng(0), np.float64)
    assert set(params) == {"0.W", "0.b", "2.W"}
    assert params["0.W"].shape == (4, 3) and params["0.b"].shape == (4,)
    assert params["2.W"].shape == (2, 4)
    assert len(net) == 4 and isinstance(net[1], ReLU)


def test_sequential_equals_manual_composition(rng):
    """Sequential forward/backward equal calling the layers one by one with their slices."""
    net = Sequential(Linear(3, 4), Tanh(), Linear(4, 2))
    params = net.init_params(np.random.default_rng(0), np.float64)
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    h, c0 = net[0].forward(subparams(params, "0."), x)
    a, c1 = net[1].forward({}, h)
    y, c2 = net[2].forward(subparams(params, "2."), a)
    out, cache = net.forward(params, x)
    np.testing.assert_array_equal(out, y)
    dx, grads = net.backward(dout, cache)
    da, g2 = net[2].backward(dout, c2)
    dh, _ = net[1].backward(da, c1)
    dx_manual, g0 = net[0].backward(dh, c0)
    np.testing.assert_array_equal(dx, dx_manual)
    expected = {**prefixed("0.", g0), **prefixed("2.", g2)}
    assert set(grads) == set(expected) == set(params)
    for k in expected:
        np.testing.assert_array_equal(grads[k], expected[k])


def test_subparams_prefixed_inverse():
    """subparams picks and strips a prefix; prefixed puts it back."""
    params = {"0.W": 1, "0.b": 2, "10.W": 3, "encoder.0.W": 4}
    assert subparams(params, "0.") == {"W": 1, "b": 2}
    assert prefixed("0.", subparams(params, "0.")) == {"0.W": 1, "0.b": 2}
    assert subparams(params, "encoder.") == {"0.W": 4}


def test_sequential_passes_explicit_noise(rng):
    """noise={"1.mask": m} reaches layer 1 (Dropout), overrides rng, and is used on backward."""
    net = Sequential(Linear(3, 4), Dropout(0.5), Linear(4, 2))
    params = net.init_params(np.random.default_rng(0), np.float64)
    x = rng.standard_normal((5, 3))
    m = _mask(rng, (5, 4), 0.5)
    out, cache = net.forward(params, x, noise={"1.mask": m})
    h = x @ params["0.W"].T + params["0.b"]
    expected = (h * m) @ params["2.W"].T + params["2.b"]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    with_rng, _ = net.forward(params, x, rng=np.random.default_rng(1), noise={"1.mask": m})
    np.testing.assert_array_equal(with_rng, out)
    _, grads = net.backward(np.ones((5, 2)), cache)
    np.testing.assert_allclose(grads["2.W"], np.ones((2, 5)) @ (h * m), rtol=1e-12)


def test_sequential_rng_draws_noise_and_eval_is_deterministic(rng):
    """With rng the dropout mask is drawn (reproducibly by seed); without, the net is deterministic."""
    net = Sequential(Linear(3, 8), Dropout(0.5), Linear(8, 2))
    params = net.init_params(np.random.default_rng(0), np.float64)
    x = rng.standard_normal((4, 3))
    eval_out, _ = net.forward(params, x)
    plain = x @ params["0.W"].T + params["0.b"]
    np.testing.assert_allclose(eval_out, plain @ params["2.W"].T + params["2.b"], rtol=1e-12)
    a, _ = net.forward(params, x, rng=np.random.default_rng(3))
    b, _ = net.forward(params, x, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, eval_out)


def test_mlp_structure():
    """mlp builds Linear/activation pairs, no activation after the last Linear unless output=."""
    net = mlp([4, 6, 5, 3], "tanh", output="sigmoid")
    assert [type(layer) for layer in net.layers] == [Linear, Tanh, Linear, Tanh, Linear, Sigmoid]
    assert [(layer.n_in, layer.n_out) for layer in net.layers if isinstance(layer, Linear)] == \
        [(4, 6), (6, 5), (5, 3)]
    linear_out = mlp([4, 3], "relu")
    assert [type(layer) for layer in linear_out.layers] == [Linear]
    assert all(layer.init == "he" for layer in mlp([2, 3, 2], "relu").layers if isinstance(layer, Linear))
    assert all(layer.init == "xavier" for layer in net.layers if isinstance(layer, Linear))
    params = net.init_params(np.random.default_rng(0), np.float64)
    assert set(params) == {"0.W", "0.b", "2.W", "2.b", "4.W", "4.b"}


def test_activation_lookup_and_bogus_name():
    """activation(name) builds the layer; a Layer passes through; a bad name lists the choices."""
    assert isinstance(activation("relu"), ReLU)
    assert isinstance(activation("linear"), Identity)
    assert isinstance(activation("softmax"), Softmax)
    leaky = LeakyReLU(0.3)
    assert activation(leaky) is leaky
    with pytest.raises(ValueError) as info:
        activation("bogus")
    message = str(info.value)
    assert "'bogus'" in message
    for name in ("'relu'", "'sigmoid'", "'tanh'", "'softplus'", "'identity'"):
        assert name in message


def test_linear_bad_init_lists_choices():
    """Linear with an unknown init is a ValueError listing the three choices."""
    with pytest.raises(ValueError, match="'xavier', 'he', 'normal'; got 'zeros'"):
        Linear(3, 2, init="zeros").init_params(np.random.default_rng(0))


def test_layer_repr_shows_hyperparameters():
    """A layer's repr shows its hyperparameters; Sequential's lists its layers."""
    assert repr(Linear(3, 2, bias=False)) == "Linear(n_in=3, n_out=2, init='xavier', bias=False)"
    assert "Dropout(p=0.25)" in repr(Sequential(Linear(3, 2), Dropout(0.25)))


def test_base_layer_has_no_params_and_no_math():
    """The base Layer creates no params and leaves forward/backward to subclasses."""
    assert Layer().init_params(np.random.default_rng(0)) == {}
    with pytest.raises(NotImplementedError):
        Layer().forward({}, np.zeros(2))


# --- initialisers ------------------------------------------------------------------------

INITS = {
    "uniform": lambda rng, shape, dtype=None: initializers.uniform(rng, shape, -0.5, 0.5, dtype),
    "normal": lambda rng, shape, dtype=None: initializers.normal(rng, shape, 0.1, dtype),
    "xavier_uniform": initializers.xavier_uniform,
    "xavier_normal": initializers.xavier_normal,
    "he_uniform": initializers.he_uniform,
    "he_normal": initializers.he_normal,
}


@pytest.mark.parametrize("name", list(INITS))
def test_init_shapes_dtypes_and_seed(name):
    """Each initialiser gives the shape, the default or requested dtype, and is seed-reproducible."""
    init = INITS[name]
    a = init(np.random.default_rng(0), (5, 3))
    b = init(np.random.default_rng(0), (5, 3))
    c = init(np.random.default_rng(1), (5, 3))
    assert a.shape == (5, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert init(np.random.default_rng(0), (2, 3, 3, 3), dtype=np.float64).dtype == np.float64


def test_init_default_dtype_follows_backend(float64):
    """With float64 as the default dtype, initialisers and zeros create float64."""
    assert initializers.xavier_uniform(np.random.default_rng(0), (3, 2)).dtype == np.float64
    assert initializers.zeros((3,)).dtype == np.float64


@pytest.mark.parametrize("name, expected_std", [
    ("xavier_uniform", math.sqrt(2 / (400 + 600))),
    ("xavier_normal", math.sqrt(2 / (400 + 600))),
    ("he_uniform", math.sqrt(2 / 600)),
    ("he_normal", math.sqrt(2 / 600)),
])
def test_init_empirical_std_matches_theory(name, expected_std):
    """On a 400 × 600 weight the sample std is within 2 % of the theoretical one; mean ≈ 0."""
    W = INITS[name](np.random.default_rng(0), (400, 600), dtype=np.float64)
    assert abs(W.std() / expected_std - 1) < 0.02
    assert abs(W.mean()) < 0.02 * expected_std                # ≈ 10 standard errors


@pytest.mark.parametrize("name, bound", [("xavier_uniform", math.sqrt(6 / 1000)),
                                         ("he_uniform", math.sqrt(6 / 600))])
def test_uniform_inits_respect_bounds(name, bound):
    """Uniform initialisers stay inside ±bound and come close to it."""
    W = INITS[name](np.random.default_rng(0), (400, 600), dtype=np.float64)
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.99 * bound


def test_fans_and_zeros():
    """fans of (out, in) and of (out, in, kh, kw); zeros are zeros of the given shape."""
    assert initializers.fans((3, 5)) == (5, 3)
    assert initializers.fans((8, 3, 5, 5)) == (75, 200)
    z = initializers.zeros((2, 3))
    assert z.shape == (2, 3) and z.dtype == np.float32 and not z.any()


def test_linear_init_params_seeded(rng):
    """Linear.init_params: W (m, n) from the rng, b zeros; same seed, same weights."""
    layer = Linear(4, 3)
    a = layer.init_params(np.random.default_rng(9), np.float64)
    b = layer.init_params(np.random.default_rng(9), np.float64)
    assert a["W"].shape == (3, 4) and a["b"].shape == (3,)
    assert not a["b"].any()
    np.testing.assert_array_equal(a["W"], b["W"])


def test_need_dx_false_skips_only_the_input_gradient(rng):
    """backward(..., need_dx=False) returns dx = None and the very same parameter gradients
    (a first Linear or Conv2d skips the product for ∂L/∂x; other layers still pass it on)."""
    from nnunsup.nn import Conv2d
    for net, x in [(mlp([4, 5, 3], "tanh"), rng.standard_normal((6, 4))),
                   (Sequential(Conv2d(2, 3, 3, padding=1), Tanh()),
                    rng.standard_normal((2, 2, 5, 5)))]:
        params = net.init_params(rng, np.float64)
        out, cache = net.forward(params, x)
        dout = rng.standard_normal(out.shape)
        dx, full = net.backward(dout, cache)
        none, partial = net.backward(dout, cache, need_dx=False)
        assert dx is not None and none is None
        assert full.keys() == partial.keys()
        assert all(np.array_equal(full[k], partial[k]) for k in full)
