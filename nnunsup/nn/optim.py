"""Optimisers on ``(params, grads)`` dicts, updating the arrays in place.

In place matters: a model's ``params`` dict holds its live arrays, and views such as
``components_`` keep pointing at them after every step.

    opt = Adam(learning_rate=1e-3)
    loss, grads = model.loss_and_grads(X)
    opt.step(model.params, grads)

State (velocities, moments) is kept per key, created on the first step.

Subnormal moments.  A moment whose gradient is 0 — the weight of a pixel that is blank in
every image of a batch, a dead unit — decays geometrically: Adam's m by β₁ = 0.9 a step
passes below float32's smallest normal number (1.18e-38) after about 800 steps and needs
another 150 to reach 0.  In between it is *subnormal*, and x86 CPUs take a slow path for
every operation on a subnormal operand: an MNIST autoencoder with 10 % of its m subnormal
after 13 epochs spent 0.23 s per epoch in Adam against 0.09 s in its first.  Every
``FLUSH_EVERY`` steps the stateful optimisers therefore set their subnormal moments to 0,
what a CPU in flush-to-zero mode (or a GPU) does on every operation.  The update such a
moment carries, η m / (sqrt(v) + ε), is below 1e-30: no weight changes by it in float32.
"""
import math

import numpy

from .. import backend
from .._validation import check_scalar

#: the stateful optimisers flush their subnormal moments to 0 every this many steps
FLUSH_EVERY = 16

#: on CuPy, Adam's update of one parameter runs as one fused kernel (:func:`_fused_adam`)
#: instead of twelve array passes; False runs the passes on the GPU too
FUSED_ON_GPU = True

__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "make_optimizer", "flush_subnormals",
           "FLUSH_EVERY", "FUSED_ON_GPU"]


class Optimizer:
    """Base: holds ``learning_rate`` and per-key state; subclasses implement ``_update``."""

    def __init__(self, learning_rate):
        self.learning_rate = check_scalar(learning_rate, "learning_rate", low=0, low_open=True)
        self.state = {}
        self.t = 0

    def step(self, params, grads):
        """One update of every ``params[k]`` that has a gradient ``grads[k]``, in place."""
        self.t += 1
        for key, g in grads.items():
            self._update(key, params[key], g)

    def _update(self, key, p, g):
        raise NotImplementedError

    def _flush_due(self):
        """Whether this step flushes the subnormal moments (every ``FLUSH_EVERY``-th)."""
        return self.t % FLUSH_EVERY == 0

    def __repr__(self):
        hyper = {k: v for k, v in vars(self).items() if k not in ("state", "t")}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in hyper.items())})"


def flush_subnormals(a, scratch=None):
    """Set the subnormal entries of ``a`` (0 < abs(a) < its dtype's smallest normal number)
    to 0, in place; ``scratch``, an array of a's shape and dtype, saves a temporary."""
    xp = backend.get_xp(a)
    magnitude = xp.abs(a, out=scratch)
    a[magnitude < numpy.finfo(a.dtype).tiny] = 0


class SGD(Optimizer):
    """Gradient descent  θ ← θ − η g.

    Notes
    -----
    η g is written into one scratch array per parameter, so a step allocates nothing.
    """

    def _update(self, key, p, g):
        scratch = self.state.get(key)
        if scratch is None or scratch.shape != g.shape or scratch.dtype != g.dtype:
            scratch = self.state[key] = backend.get_xp(p).empty_like(g)
        backend.get_xp(p).multiply(g, self.learning_rate, out=scratch)
        p -= scratch


class Momentum(Optimizer):
    """Heavy-ball momentum  v ← μ v − η g;  θ ← θ + v  (Nesterov's look-ahead optional)."""

    def __init__(self, learning_rate, momentum=0.9, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = check_scalar(momentum, "momentum", low=0, high=1, high_open=True)
        self.nesterov = nesterov

    def _update(self, key, p, g):
        v = self.state.get(key)
        if v is None:
            v = self.state[key] = backend.get_xp(p).zeros_like(p)
        v *= self.momentum
        v -= self.learning_rate * g
        if self.nesterov:
            p += self.momentum * v - self.learning_rate * g
        else:
            p += v
        if self._flush_due():
            flush_subnormals(v)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015):  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
    θ ← θ − η m̂ / (sqrt(v̂) + ε), with the bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).

    Notes
    -----
    The bias corrections are folded into the step size, η_t = η sqrt(1−β₂ᵗ)/(1−β₁ᵗ), and
    ε is scaled by sqrt(1−β₂ᵗ) to match: the same update with two fewer array passes.
    Every pass writes into the state's arrays or one scratch array per parameter
    (``out=``), so a step allocates nothing — fresh large arrays cost page faults.

    On the GPU each pass is a kernel launch, and for the small arrays of a minibatch step
    the launches, not the arithmetic, take the time: on CuPy the whole update of one
    parameter is one fused ``ElementwiseKernel`` computing the same three lines per entry
    (``FUSED_ON_GPU``; the passes below are its reference, and the two agree to float32
    rounding).
    """

    def __init__(self, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(learning_rate)
        self.beta1 = check_scalar(beta1, "beta1", low=0, high=1, high_open=True)
        self.beta2 = check_scalar(beta2, "beta2", low=0, high=1, high_open=True)
        self.eps = check_scalar(eps, "eps", low=0, low_open=True)

    def _update(self, key, p, g):
        xp = backend.get_xp(p)
        if key not in self.state:
            self.state[key] = (xp.zeros_like(p), xp.zeros_like(p), xp.empty_like(p))
        m, v, scratch = self.state[key]
        correction = math.sqrt(1 - self.beta2 ** self.t)
        step = self.learning_rate * correction / (1 - self.beta1 ** self.t)
        if FUSED_ON_GPU and hasattr(xp, "ElementwiseKernel"):       # CuPy (NumPy has none)
            cast = p.dtype.type                              # 1 − β as the passes round it
            _fused_adam(xp)(g, cast(self.beta1), cast(1 - self.beta1), cast(self.beta2),
                            cast(1 - self.beta2), cast(self.eps * correction), cast(step),
                            p, m, v)
        else:
            m *= self.beta1                                 # m ← β₁m + (1−β₁)g
            m += xp.multiply(g, 1 - self.beta1, out=scratch)
            v *= self.beta2                                 # v ← β₂v + (1−β₂)g²
            xp.multiply(g, g, out=scratch)
            scratch *= 1 - self.beta2
            v += scratch
            xp.sqrt(v, out=scratch)                         # θ ← θ − η_t m / (sqrt(v) + ε_t)
            scratch += self.eps * correction
            xp.divide(m, scratch, out=scratch)
            scratch *= step
            p -= scratch
        if self._flush_due():
            flush_subnormals(m, scratch)
            flush_subnormals(v, scratch)


_KERNELS = {}


def _fused_adam(xp):
    """Adam's update of p, m and v in place, one CuPy kernel (compiled once per process):
    the same lines as :meth:`Adam._update`'s passes, with η_t and ε_t folded in alike and
    1 − β₁, 1 − β₂ passed in, rounded to the parameters' dtype as the passes round them."""
    if "adam" not in _KERNELS:
        _KERNELS["adam"] = xp.ElementwiseKernel(
            "T g, T beta1, T one_minus_beta1, T beta2, T one_minus_beta2, T eps_t, T step",
            "T p, T m, T v",
            """
            m = beta1 * m + one_minus_beta1 * g;
            v = beta2 * v + one_minus_beta2 * g * g;
            p -= step * m / (sqrt(v) + eps_t);
            """,
            "nnunsup_adam")
    return _KERNELS["adam"]


_OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(optimizer, learning_rate):
    """An optimiser from a name ("sgd", "momentum", "adam") or a ready instance (a copy).

    A ready instance keeps its own hyperparameters; ``learning_rate`` is then ignored.
    """
    if isinstance(optimizer, Optimizer):
        clone = type(optimizer).__new__(type(optimizer))
        clone.__dict__.update({k: v for k, v in vars(optimizer).items() if k not in ("state", "t")})
        clone.state, clone.t = {}, 0
        return clone
    if optimizer not in _OPTIMIZERS:
        listed = ", ".join(repr(k) for k in _OPTIMIZERS)
        raise ValueError(f"optimizer must be one of {listed} or an Optimizer; got {optimizer!r}")
    return _OPTIMIZERS[optimizer](learning_rate)
