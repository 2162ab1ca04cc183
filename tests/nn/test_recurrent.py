"""nnunsup.nn.recurrent: the LSTM step, the sequence loop, BPTT, and the sequence layers.

Values: one step against the gate equations written out independently here; the sequence
forward against a loop of the step.  Gradients: every function and layer passes gradcheck
in float64 (relative error < 1e-6), including the gradients of the initial state
(h_0, c_0) and of the final cell state c_T: entry by entry on fixed shapes, and along
random directions (Chainer's check, ``max_entries=0``) on hypothesis-drawn shapes.

Why not entry by entry on drawn shapes: with N·T of 1–12 terms per sum, some entries of
dW_h come out 1e-6–1e-5 of the tensor's largest by chance (e.g. dW_h = da_2 h_1ᵀ when
N = 1, T = 2, and one h_1 component is small).  The central difference's round-off,
about ε_mach · |f| / h ≈ 1e-11, is then 1e-5 of such an entry, so an entry-wise 1e-6
fails on a few of every thousand draws although the gradient is right (checked in
extended precision).  A directional derivative is compared with ‖g‖, not with one entry.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnunsup.nn import Linear, Sequential, Tanh
from nnunsup.nn.gradcheck import gradcheck
from nnunsup.nn.recurrent import (LSTM, LastStep, RepeatSteps, TimeDistributed, lstm_backward,
                                  lstm_forward, lstm_step_backward, lstm_step_forward)
from tests.helpers import rel_error


def _weights(rng, n, H, scale=0.5):
    """Random W_x (4H, n), W_h (4H, H), b (4H,): large enough that no gate is trivial."""
    return (scale * rng.standard_normal((4 * H, n)), scale * rng.standard_normal((4 * H, H)),
            scale * rng.standard_normal(4 * H))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------- values

def test_step_matches_gate_equations(rng):
    """One step equals the LSTM equations written gate by gate, one object at a time:
    i, f, o = σ(·), g = tanh(·), c = f c_prev + i g, h = o tanh(c), blocks i, f, g, o.  [A15]"""
    N, n, H = 3, 4, 5
    W_x, W_h, b = _weights(rng, n, H)
    x = rng.standard_normal((N, n))
    h_prev, c_prev = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    h, c, _ = lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b)
    for k in range(N):
        def gate(block):
            rows = slice(block * H, (block + 1) * H)
            return W_x[rows] @ x[k] + W_h[rows] @ h_prev[k] + b[rows]
        i, f, g, o = _sigmoid(gate(0)), _sigmoid(gate(1)), np.tanh(gate(2)), _sigmoid(gate(3))
        c_expected = f * c_prev[k] + i * g
        np.testing.assert_allclose(c[k], c_expected, rtol=1e-12)
        np.testing.assert_allclose(h[k], o * np.tanh(c_expected), rtol=1e-12)


def test_sequence_is_the_step_in_a_loop(rng):
    """lstm_forward equals calling lstm_step_forward for t = 1..T, from the given state.  [A15]"""
    N, T, n, H = 2, 5, 3, 4
    W_x, W_h, b = _weights(rng, n, H)
    x = rng.standard_normal((N, T, n))
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    hs, c_T, _ = lstm_forward(x, h0, c0, W_x, W_h, b)
    h, c = h0, c0
    for t in range(T):
        h, c, _ = lstm_step_forward(x[:, t], h, c, W_x, W_h, b)
        np.testing.assert_array_equal(hs[:, t], h)
    np.testing.assert_array_equal(c_T, c)


def test_zero_state_by_default(rng):
    """h_0 = c_0 = None means zeros; the LSTM layer runs from that zero state.  [A15]"""
    N, T, n, H = 2, 3, 2, 3
    layer = LSTM(n, H)
    params = layer.init_params(rng, np.float64)
    x = rng.standard_normal((N, T, n))
    zeros = np.zeros((N, H))
    expected, _, _ = lstm_forward(x, zeros, zeros, params["W_x"], params["W_h"], params["b"])
    out, _ = layer.forward(params, x)
    np.testing.assert_array_equal(out, expected)
    assert out.shape == (N, T, H)


def test_forget_gate_keeps_the_cell(rng):
    """With the forget gate open (f ≈ 1) and the input gate shut (i ≈ 0) the cell carries
    c_0 through every step unchanged: the LSTM's long memory.  [A15]"""
    N, T, n, H = 2, 6, 3, 4
    W_x, W_h, b = _weights(rng, n, H, scale=0.1)
    b[0 * H:1 * H] = -40.0                    # input gate shut
    b[1 * H:2 * H] = +40.0                    # forget gate open
    c0 = rng.standard_normal((N, H))
    _, c_T, _ = lstm_forward(rng.standard_normal((N, T, n)), None, c0, W_x, W_h, b)
    np.testing.assert_allclose(c_T, c0, rtol=1e-12)


def test_init_params(rng):
    """Weights in U(−1/√H, 1/√H); biases 0 except the forget gate's, b_f = 1.  [A15]"""
    n, H = 3, 5
    params = LSTM(n, H).init_params(rng, np.float64)
    assert params["W_x"].shape == (4 * H, n) and params["W_h"].shape == (4 * H, H)
    assert params["b"].shape == (4 * H,)
    for key in ("W_x", "W_h"):
        assert np.abs(params[key]).max() <= 1 / math.sqrt(H)
    np.testing.assert_array_equal(params["b"][H:2 * H], 1.0)
    np.testing.assert_array_equal(np.delete(params["b"], np.s_[H:2 * H]), 0.0)


def test_sequence_layers_values(rng):
    """LastStep takes h_T, RepeatSteps copies a vector to every step, TimeDistributed applies
    one layer to every step with the same weights."""
    x = rng.standard_normal((2, 4, 3))
    np.testing.assert_array_equal(LastStep().forward({}, x)[0], x[:, -1])
    v = rng.standard_normal((2, 3))
    repeated = RepeatSteps(4).forward({}, v)[0]
    assert repeated.shape == (2, 4, 3)
    np.testing.assert_array_equal(repeated[:, 2], v)
    linear = Linear(3, 5)
    params = linear.init_params(rng, np.float64)
    out, _ = TimeDistributed(linear).forward(params, x)
    for t in range(4):
        np.testing.assert_allclose(out[:, t], linear.forward(params, x[:, t])[0], rtol=1e-12)


# ---------------------------------------------------------------- gradients

def _step_objective(x, h_prev, c_prev, W_x, W_h, b, G_h, G_c):
    """Σ G_h ⊙ h_t + Σ G_c ⊙ c_t and its gradients w.r.t. the first six arguments."""
    h, c, cache = lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b)
    value = (G_h * h).sum() + (G_c * c).sum()
    return (value, *lstm_step_backward(G_h, G_c, cache))


def _sequence_objective(x, h0, c0, W_x, W_h, b, G_hs, G_c):
    """Σ G_hs ⊙ h_1..h_T + Σ G_c ⊙ c_T and its gradients (the seq2seq case: c_T is used)."""
    hs, c_T, cache = lstm_forward(x, h0, c0, W_x, W_h, b)
    value = (G_hs * hs).sum() + (G_c * c_T).sum()
    return (value, *lstm_backward(G_hs, G_c, cache))


def _sequence_inputs(rng, N, T, n, H):
    x = rng.standard_normal((N, T, n))
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    G_hs, G_c = rng.standard_normal((N, T, H)), rng.standard_normal((N, H))
    return (x, h0, c0, *_weights(rng, n, H), G_hs, G_c)


def test_step_gradcheck(rng):
    """lstm_step_backward: dx, dh_prev, dc_prev, dW_x, dW_h, db by central differences.  [A15]"""
    N, n, H = 3, 4, 5
    inputs = (rng.standard_normal((N, n)), rng.standard_normal((N, H)), rng.standard_normal((N, H)),
              *_weights(rng, n, H), rng.standard_normal((N, H)), rng.standard_normal((N, H)))
    result = gradcheck(_step_objective, *inputs, wrt=(0, 1, 2, 3, 4, 5))
    assert result.max_rel_error < 1e-6, result


def test_lstm_layer_gradcheck_entrywise(rng):
    """The LSTM layer, entry by entry: dx, W_x, W_h and b.  [A15]"""
    result = gradcheck(LSTM(3, 4), rng.standard_normal((2, 5, 3)))
    assert result.max_rel_error < 1e-6, result


def test_bptt_gradcheck(rng):
    """lstm_backward (backpropagation through time): dx, dh_0, dc_0 and the weights, with a
    gradient arriving at every h_t and at c_T.  [A15]"""
    result = gradcheck(_sequence_objective, *_sequence_inputs(rng, 3, 5, 2, 4),
                       wrt=(0, 1, 2, 3, 4, 5))
    assert result.max_rel_error < 1e-6, result


@given(N=st.integers(1, 3), T=st.integers(1, 4), n=st.integers(1, 3), H=st.integers(1, 4),
       seed=st.integers(0, 2**16))
def test_bptt_gradcheck_any_shape(N, T, n, H, seed):
    """BPTT passes gradcheck on hypothesis-drawn shapes (T = 1 included), along a random
    direction per tensor.  [A15]"""
    rng = np.random.default_rng(seed)
    result = gradcheck(_sequence_objective, *_sequence_inputs(rng, N, T, n, H),
                       wrt=(0, 1, 2, 3, 4, 5), max_entries=0, seed=seed)
    assert result.max_rel_error < 1e-6, result


@given(N=st.integers(1, 3), T=st.integers(1, 4), n=st.integers(1, 3), H=st.integers(1, 4),
       seed=st.integers(0, 2**16))
def test_lstm_layer_gradcheck(N, T, n, H, seed):
    """The LSTM layer (its own initialisation): dx and every parameter, along a random
    direction per tensor.  [A15]"""
    rng = np.random.default_rng(seed)
    result = gradcheck(LSTM(n, H), rng.standard_normal((N, T, n)), max_entries=0, seed=seed)
    assert result.max_rel_error < 1e-6, result


@pytest.mark.parametrize("layer, shape", [
    (LastStep(), (3, 4, 2)),
    (RepeatSteps(4), (3, 2)),
    (TimeDistributed(Linear(2, 3)), (3, 4, 2)),
    (TimeDistributed(Sequential(Linear(2, 3), Tanh())), (2, 3, 2)),
], ids=["last-step", "repeat-steps", "time-distributed", "time-distributed-sequential"])
def test_sequence_layers_gradcheck(rng, layer, shape):
    """LastStep puts the gradient at step T, RepeatSteps sums it over the steps,
    TimeDistributed sums the parameter gradients over the steps."""
    result = gradcheck(layer, rng.standard_normal(shape))
    assert result.max_rel_error < 1e-6, result


def test_encoder_decoder_chain_gradcheck(rng):
    """The sequence autoencoder's chain as layers: LSTM → LSTM → h_T → code → repeat →
    LSTM → LSTM → per-step Linear passes gradcheck end to end.  [A15]"""
    T = 4
    chain = Sequential(LSTM(2, 3), LSTM(3, 2), LastStep(), Linear(2, 2), RepeatSteps(T),
                       LSTM(2, 2), LSTM(2, 3), TimeDistributed(Linear(3, 2)))
    result = gradcheck(chain, rng.standard_normal((3, T, 2)))
    assert result.max_rel_error < 1e-6, result


def test_state_passing_gradcheck(rng):
    """Seq2seq state passing through the function API: a decoder started from the encoder's
    final state (h_T, c_T) sends dh_0, dc_0 back into the encoder's BPTT.  [A15]"""
    N, T, n, H = 2, 3, 2, 3
    x, y = rng.standard_normal((N, T, n)), rng.standard_normal((N, T, n))
    G = rng.standard_normal((N, T, H))
    dec = _weights(rng, n, H)

    def objective(x, W_x, W_h, b):
        hs, c_T, enc_cache = lstm_forward(x, None, None, W_x, W_h, b)
        out, _, dec_cache = lstm_forward(y, hs[:, -1], c_T, *dec)
        _, dh0, dc0, *_ = lstm_backward(G, None, dec_cache)
        dhs = np.zeros_like(hs)
        dhs[:, -1] = dh0                              # h_T was the decoder's h_0
        dx, _, _, dW_x, dW_h, db = lstm_backward(dhs, dc0, enc_cache)
        return (G * out).sum(), dx, dW_x, dW_h, db

    result = gradcheck(objective, x, *_weights(rng, n, H), wrt=(0, 1, 2, 3))
    assert result.max_rel_error < 1e-6, result


def test_gradcheck_catches_truncated_bptt(rng):
    """The checker can fail: dropping the recurrent term ∂L/∂h_t through step t+1 (a common
    BPTT mistake) is reported.  [A15]"""
    def truncated(x, h0, c0, W_x, W_h, b, G_hs, G_c):
        hs, c_T, cache = lstm_forward(x, h0, c0, W_x, W_h, b)
        value = (G_hs * hs).sum() + (G_c * c_T).sum()
        _, W_x_, W_h_, step_caches = cache
        dx = np.empty_like(x)
        dc = G_c
        for t in reversed(range(x.shape[1])):
            dx[:, t], _, dc, *_ = lstm_step_backward(G_hs[:, t], dc, step_caches[t])  # no dh_prev
        return value, dx

    result = gradcheck(truncated, *_sequence_inputs(rng, 2, 4, 2, 3))
    assert not result.passed and result.max_rel_error > 1e-2


# ---------------------------------------------------------------- dtypes

def test_float32_stays_float32(rng):
    """Forward and backward in float32 give float32 outputs and gradients; they agree with
    float64 to float32 precision.  [A15]"""
    N, T, n, H = 2, 4, 3, 5
    layer = LSTM(n, H)
    params64 = layer.init_params(rng, np.float64)
    params32 = {k: v.astype(np.float32) for k, v in params64.items()}
    x64 = rng.standard_normal((N, T, n))
    dout64 = rng.standard_normal((N, T, H))
    out32, cache32 = layer.forward(params32, x64.astype(np.float32))
    dx32, grads32 = layer.backward(dout64.astype(np.float32), cache32)
    assert out32.dtype == dx32.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads32.values())
    out64, cache64 = layer.forward(params64, x64)
    dx64, grads64 = layer.backward(dout64, cache64)
    assert rel_error(out32, out64, floor=1e-3) < 1e-5
    assert rel_error(dx32, dx64, floor=1e-3) < 1e-4
    for k in grads64:
        assert rel_error(grads32[k], grads64[k], floor=1e-3) < 1e-4
