"""The LSTM and backpropagation through time, written out step by step.  [A15]

One LSTM step (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000)
reads the input x_t and the previous state (h_{t−1}, c_{t−1}):

    a   = W_x x_t + W_h h_{t−1} + b          the four gates' pre-activations, stacked
    i   = σ(a_i)       input gate            how much of the candidate to write
    f   = σ(a_f)       forget gate           how much of the old cell to keep
    g   = tanh(a_g)    candidate             what to write
    o   = σ(a_o)       output gate           how much of the cell to show
    c_t = f ⊙ c_{t−1} + i ⊙ g                the cell (the long memory)
    h_t = o ⊙ tanh(c_t)                      the hidden state (the output of the step)

A sequence is the same step T times with the same weights.  Backpropagation through time
(BPTT) is the chain rule on that unrolled loop: walking back from t = T to 1, the gradient
reaching h_t is what its output received *plus* what step t+1 sends back through W_h, and
c_t receives what step t+1 sends back through f.

Code layout (CS231n's RNN homework): :func:`lstm_step_forward` / :func:`lstm_step_backward`
for one step; :func:`lstm_forward` / :func:`lstm_backward` loop over them and also take an
initial state (h_0, c_0) and give back its gradient, so one LSTM can be started from
another's final state (seq2seq); :class:`LSTM` wraps them in the layer protocol (zero
initial state).  Three small layers make sequence models out of the rest of
:mod:`nnunsup.nn.layers`: :class:`LastStep` (h_T of a sequence), :class:`RepeatSteps` (a
vector fed at every step) and :class:`TimeDistributed` (one layer applied at every step).

Slides: "Inne typy autoenkoderéw" (Polish notes: "sequence-to-sequence: AE z uzyciem
        jednostek rekurencyjnych (np. LSTM)"); "Пятиминутка" (Russian notes, lecture 4,
        a warm-up question: "Какие фильтры (gates) есть в LSTM?").

References
----------
Hochreiter & Schmidhuber (1997). Long short-term memory. Neural Computation.
Gers, Schmidhuber & Cummins (2000). Learning to forget: continual prediction with LSTM.
Jozefowicz, Zaremba & Sutskever (2015). An empirical exploration of recurrent network
architectures. ICML (forget-gate bias 1).

Shape legend: ``N`` objects, ``T`` time steps, ``n`` input features per step, ``H`` hidden
units; the gates are stacked in the order i, f, g, o along an axis of length ``4H``.
"""
import math

from .. import backend
from . import functional as F
from . import init as initializers
from .layers import Layer

__all__ = ["lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
           "LSTM", "LastStep", "RepeatSteps", "TimeDistributed"]


# ---------------------------------------------------------------------------------------
# One time step
# ---------------------------------------------------------------------------------------

def lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b):
    """One LSTM step: (x_t, h_{t−1}, c_{t−1}) → (h_t, c_t).  [A15]

    Formula:  a = W_x x_t + W_h h_{t−1} + b;   i, f, o = σ(a_i), σ(a_f), σ(a_o);
              g = tanh(a_g);   c_t = f ⊙ c_{t−1} + i ⊙ g;   h_t = o ⊙ tanh(c_t)

    Parameters
    ----------
    x : array of shape (N, n)          x_t, the inputs at this step
    h_prev, c_prev : arrays (N, H)     h_{t−1}, c_{t−1}
    W_x : array of shape (4H, n)       input weights, gate blocks in the order i, f, g, o
    W_h : array of shape (4H, H)       recurrent weights, same order
    b : array of shape (4H,)           biases, same order

    Returns
    -------
    h, c : arrays of shape (N, H)      h_t, c_t
    cache : tuple                      for :func:`lstm_step_backward`
    """
    H = h_prev.shape[1]
    a = x @ W_x.T + h_prev @ W_h.T + b               # (N, 4H)
    i = F.sigmoid(a[:, 0 * H:1 * H])                 # (N, H) input gate
    f = F.sigmoid(a[:, 1 * H:2 * H])                 # (N, H) forget gate
    g = F.tanh(a[:, 2 * H:3 * H])                    # (N, H) candidate
    o = F.sigmoid(a[:, 3 * H:4 * H])                 # (N, H) output gate
    c = f * c_prev + i * g                           # (N, H) new cell
    tanh_c = F.tanh(c)                               # (N, H)
    h = o * tanh_c                                   # (N, H) new hidden state
    cache = (x, h_prev, c_prev, W_x, W_h, i, f, g, o, tanh_c)
    return h, c, cache


def lstm_step_backward(dh, dc, cache):
    """Backward of one LSTM step: gradients of the inputs, the state and the weights.  [A15]

    Formula (chain rule through the forward lines, last line first):
              do = dh ⊙ tanh(c_t);   dc ← dc + dh ⊙ o ⊙ (1 − tanh²(c_t))
              df = dc ⊙ c_{t−1};   di = dc ⊙ g;   dg = dc ⊙ i;   dc_{t−1} = dc ⊙ f
              da = [di ⊙ i(1−i), df ⊙ f(1−f), dg ⊙ (1−g²), do ⊙ o(1−o)]
              dx_t = da W_x;   dh_{t−1} = da W_h;   dW_x = daᵀ x_t;   dW_h = daᵀ h_{t−1};
              db = Σ_rows da

    Parameters
    ----------
    dh : array of shape (N, H)         ∂L/∂h_t, everything h_t feeds (output and step t+1)
    dc : array of shape (N, H)         ∂L/∂c_t through step t+1 (c_t's other use, via h_t,
                                       is added here)
    cache : tuple                      from :func:`lstm_step_forward`

    Returns
    -------
    dx : array of shape (N, n)
    dh_prev, dc_prev : arrays (N, H)   ∂L/∂h_{t−1}, ∂L/∂c_{t−1} through this step
    dW_x : array of shape (4H, n)
    dW_h : array of shape (4H, H)
    db : array of shape (4H,)
    """
    x, h_prev, c_prev, W_x, W_h, i, f, g, o, tanh_c = cache
    xp = backend.get_xp(dh)
    do = dh * tanh_c                                  # (N, H)   h = o ⊙ tanh(c)
    dc = dc + dh * o * F.tanh_grad(tanh_c)            # (N, H)   c's two uses add up
    df = dc * c_prev                                  # (N, H)   c = f ⊙ c_prev + i ⊙ g
    di = dc * g                                       # (N, H)
    dg = dc * i                                       # (N, H)
    dc_prev = dc * f                                  # (N, H)
    da = xp.concatenate([di * F.sigmoid_grad(i),      # (N, 4H)  through σ, σ, tanh, σ
                         df * F.sigmoid_grad(f),
                         dg * F.tanh_grad(g),
                         do * F.sigmoid_grad(o)], axis=1)
    dx = da @ W_x                                     # (N, n)   a = x W_xᵀ + h_prev W_hᵀ + b
    dh_prev = da @ W_h                                # (N, H)
    dW_x = da.T @ x                                   # (4H, n)
    dW_h = da.T @ h_prev                              # (4H, H)
    db = da.sum(axis=0)                               # (4H,)
    return dx, dh_prev, dc_prev, dW_x, dW_h, db


# ---------------------------------------------------------------------------------------
# A whole sequence: the step in a loop (forward) and the loop run backwards (BPTT)
# ---------------------------------------------------------------------------------------

def lstm_forward(x, h0, c0, W_x, W_h, b):
    """Run an LSTM over a sequence from the state (h_0, c_0).  [A15]

    Formula:  (h_t, c_t) = step(x_t, h_{t−1}, c_{t−1}),  t = 1..T  (:func:`lstm_step_forward`)

    Parameters
    ----------
    x : array of shape (N, T, n)       the sequences x_1..x_T
    h0, c0 : arrays (N, H) or None     the initial state; None: zeros
    W_x : array of shape (4H, n)
    W_h : array of shape (4H, H)
    b : array of shape (4H,)

    Returns
    -------
    hs : array of shape (N, T, H)      h_1..h_T (the final hidden state is hs[:, -1])
    c_T : array of shape (N, H)        the final cell state
    cache : tuple                      for :func:`lstm_backward`
    """
    xp = backend.get_xp(x)
    N, T, _ = x.shape
    H = W_h.shape[1]
    h = xp.zeros((N, H), dtype=x.dtype) if h0 is None else h0      # (N, H)
    c = xp.zeros((N, H), dtype=x.dtype) if c0 is None else c0      # (N, H)
    hs = xp.empty((N, T, H), dtype=x.dtype)                         # (N, T, H)
    step_caches = []
    for t in range(T):
        h, c, step_cache = lstm_step_forward(x[:, t], h, c, W_x, W_h, b)
        hs[:, t] = h
        step_caches.append(step_cache)
    cache = (x, W_x, W_h, step_caches)
    return hs, c, cache


def lstm_backward(dhs, dc_T, cache):
    """Backpropagation through time: the gradients of :func:`lstm_forward`.  [A15]

    Walks t = T..1.  The gradient reaching h_t is the one from its own output, dhs[:, t],
    plus the one step t+1 sends back through W_h; c_t receives what step t+1 sends back
    through f (and, at t = T, whatever used c_T).  The weights are the same at every step,
    so their gradients are the sums over the steps.

    Formula:  ∂L/∂h_t = dhs_t + ∂L/∂h_t|_{step t+1};   ∂L/∂W = Σ_t ∂L/∂W|_{step t}

    Parameters
    ----------
    dhs : array of shape (N, T, H)     ∂L/∂h_t for every t (zeros where h_t is unused)
    dc_T : array (N, H) or None        ∂L/∂c_T (e.g. from a decoder started at c_T);
                                       None: c_T is unused
    cache : tuple                      from :func:`lstm_forward`

    Returns
    -------
    dx : array of shape (N, T, n)
    dh0, dc0 : arrays (N, H)           gradients of the initial state
    dW_x : array of shape (4H, n)
    dW_h : array of shape (4H, H)
    db : array of shape (4H,)
    """
    x, W_x, W_h, step_caches = cache
    xp = backend.get_xp(dhs)
    N, T, H = dhs.shape
    dx = xp.empty_like(x)                                   # (N, T, n)
    dW_x = xp.zeros_like(W_x)                               # (4H, n)
    dW_h = xp.zeros_like(W_h)                               # (4H, H)
    db = xp.zeros((4 * H,), dtype=dhs.dtype)                # (4H,)
    dh_prev = xp.zeros((N, H), dtype=dhs.dtype)             # ∂L/∂h_T from a step T+1: none
    dc_prev = xp.zeros((N, H), dtype=dhs.dtype) if dc_T is None else dc_T
    for t in reversed(range(T)):
        dh = dhs[:, t] + dh_prev                            # (N, H) h_t's two uses add up
        dx[:, t], dh_prev, dc_prev, dW_x_t, dW_h_t, db_t = lstm_step_backward(
            dh, dc_prev, step_caches[t])
        dW_x += dW_x_t                                      # shared weights: sum over t
        dW_h += dW_h_t
        db += db_t
    return dx, dh_prev, dc_prev, dW_x, dW_h, db


# ---------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------

class LSTM(Layer):
    """LSTM over whole sequences, from a zero state: (N, T, n) → h_1..h_T (N, T, H).  [A15]

    ==========  =========================================  ===========
    params key  symbol                                     shape
    ==========  =========================================  ===========
    ``W_x``     W_x, input weights, blocks i, f, g, o      (4H, n)
    ``W_h``     W_h, recurrent weights, blocks i, f, g, o  (4H, H)
    ``b``       b, biases, blocks i, f, g, o               (4H,)
    ==========  =========================================  ===========

    Initialisation (PyTorch's rule): every weight U(−1/√H, 1/√H); biases 0 except the
    forget gate's, b_f = 1, so that f ≈ σ(1) ≈ 0.73 and the cell keeps most of its memory
    at the start of training (Jozefowicz et al. 2015).

    To start from a given state (h_0, c_0), read the final cell state c_T, or get the
    gradients of the initial state back — as a seq2seq decoder started from its encoder's
    final state needs — call :func:`lstm_forward` and :func:`lstm_backward` directly: this
    layer only wraps them.

    Parameters
    ----------
    n_in : int          n, features per step
    n_hidden : int      H, hidden units
    """

    def __init__(self, n_in, n_hidden):
        self.n_in, self.n_hidden = n_in, n_hidden

    def init_params(self, rng, dtype=None):
        n, H = self.n_in, self.n_hidden
        bound = 1.0 / math.sqrt(H)
        b = initializers.zeros((4 * H,), dtype=dtype)
        b[1 * H:2 * H] = 1.0                                    # forget-gate bias b_f = 1
        return {"W_x": initializers.uniform(rng, (4 * H, n), -bound, bound, dtype),
                "W_h": initializers.uniform(rng, (4 * H, H), -bound, bound, dtype),
                "b": b}

    def forward(self, params, x):
        hs, _, cache = lstm_forward(x, None, None, params["W_x"], params["W_h"], params["b"])
        return hs, cache                                        # (N, T, H); c_T unused

    def backward(self, dout, cache):
        dx, _, _, dW_x, dW_h, db = lstm_backward(dout, None, cache)     # zero state: no dh0, dc0
        return dx, {"W_x": dW_x, "W_h": dW_h, "b": db}


class LastStep(Layer):
    """The last step of a sequence: (N, T, H) → (N, H), e.g. an encoder's h_T.  [A15]

    Backward puts the gradient at step T and zeros at the other steps.
    """

    def forward(self, params, x):
        return x[:, -1], x.shape                                # (N, H)

    def backward(self, dout, cache):
        shape = cache
        dx = backend.get_xp(dout).zeros(shape, dtype=dout.dtype)    # (N, T, H)
        dx[:, -1] = dout
        return dx, {}


class RepeatSteps(Layer):
    """The same vector at every one of T steps: (N, m) → (N, T, m), e.g. a decoder's input.  [A15]

    Backward sums the gradient over the steps (the vector was used T times).
    """

    def __init__(self, n_steps):
        self.n_steps = n_steps

    def forward(self, params, x):
        xp = backend.get_xp(x)
        out = xp.repeat(x[:, None, :], self.n_steps, axis=1)    # (N, T, m)
        return out, None

    def backward(self, dout, cache):
        return dout.sum(axis=1), {}                             # (N, m)


class TimeDistributed(Layer):
    """One layer applied at every step with the same parameters: (N, T, ·) → (N, T, ·).  [A15]

    The N·T steps are stacked as N·T rows, the layer runs once on them, and the result is
    split back into sequences; the parameter gradients are therefore the sums over steps.
    The params keys are those of the wrapped layer.
    """

    def __init__(self, layer):
        self.layer = layer

    def init_params(self, rng, dtype=None):
        return self.layer.init_params(rng, dtype)

    def forward(self, params, x):
        N, T = x.shape[:2]
        rows = x.reshape((N * T,) + x.shape[2:])                # (N·T, n)
        out, layer_cache = self.layer.forward(params, rows)     # (N·T, m)
        cache = (N, T, layer_cache)
        return out.reshape((N, T) + out.shape[1:]), cache       # (N, T, m)

    def backward(self, dout, cache):
        N, T, layer_cache = cache
        drows, grads = self.layer.backward(dout.reshape((N * T,) + dout.shape[2:]), layer_cache)
        return drows.reshape((N, T) + drows.shape[1:]), grads   # (N, T, n)
