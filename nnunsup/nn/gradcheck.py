"""Central finite differences in float64: does a hand-written backward pass agree?

Point it at anything that has a backward pass:

    gradcheck(model, X)                 # a model with params and loss_and_grads(X, y, **noise)
    gradcheck(Linear(4, 3), x)          # a layer: checks dx and every parameter
    gradcheck(losses.mse, pred, target) # a loss: checks d/d(first argument)

Every check runs on float64 copies, so the answer does not depend on the training dtype,
and reports the worst relative error and where it occurred, e.g. ``("encoder.0.W", (3, 1))``.

Relative error, per entry (CS231n's ``rel_error`` with a floor):

    err = |g_analytic − g_numeric| / max(|g_analytic| + |g_numeric|, floor)

where ``floor = 1e-6 · max |g|`` over the tensor (and at least 1e-12).  The floor keeps
entries whose true gradient is ~0 from turning round-off into a large *relative* error.
Tensors with more than ``max_entries`` entries are checked on that many random entries
plus Chainer's random directional derivative (one extra pair of evaluations that covers
every entry at once).
"""
import numpy

from .. import backend

__all__ = ["GradcheckResult", "gradcheck", "rel_error", "numerical_grad"]


def rel_error(a, b, floor=1e-12):
    """``max |a − b| / max(|a| + |b|, floor)``, entry-wise, as one float (CS231n)."""
    a, b = numpy.asarray(a, dtype=float), numpy.asarray(b, dtype=float)
    return float(numpy.max(numpy.abs(a - b) / numpy.maximum(numpy.abs(a) + numpy.abs(b), floor)))


class GradcheckResult:
    """Outcome of :func:`gradcheck`.

    Attributes
    ----------
    max_rel_error : float         the worst relative error over everything checked
    where : (name, index)         where that error occurred
    errors : dict name → float    the worst error per checked tensor
    tol : float                   the threshold ``passed`` uses
    """

    def __init__(self, errors, where, tol):
        self.errors, self.where, self.tol = errors, where, tol
        self.max_rel_error = max(errors.values()) if errors else 0.0

    @property
    def passed(self):
        return bool(self.max_rel_error < self.tol)

    def __bool__(self):
        return self.passed

    def __repr__(self):
        verdict = "passed" if self.passed else "FAILED"
        rows = "".join(f"\n  {k:24} {v:.2e}" for k, v in self.errors.items())
        return (f"GradcheckResult({verdict}: max relative error {self.max_rel_error:.2e} "
                f"at {self.where}, tol {self.tol:g}){rows}")


def numerical_grad(f, x, index, h):
    """(f(x + h e_i) − f(x − h e_i)) / 2h for one entry ``index`` of ``x`` (restored after)."""
    old = x[index]
    x[index] = old + h
    up = f()
    x[index] = old - h
    down = f()
    x[index] = old
    return (up - down) / (2 * h)


def _check_tensor(name, f, x, g, h, max_entries, rng):
    """Worst error and its index for one tensor ``x`` with analytic gradient ``g``."""
    g = numpy.asarray(g, dtype=numpy.float64)
    if g.shape != x.shape:
        raise ValueError(f"gradient of {name!r} has shape {g.shape}, expected {x.shape}")
    floor = max(1e-6 * float(numpy.abs(g).max(initial=0.0)), 1e-12)
    if x.size <= max_entries:
        indices = list(numpy.ndindex(*x.shape))
    else:
        flat = rng.choice(x.size, size=max_entries, replace=False)
        indices = [numpy.unravel_index(i, x.shape) for i in flat]
    worst, where = 0.0, None
    for index in indices:
        num = numerical_grad(f, x, index, h)
        err = abs(g[index] - num) / max(abs(g[index]) + abs(num), floor)
        if where is None or err > worst:
            worst, where = err, tuple(int(i) for i in index)
    if x.size > max_entries:                     # Chainer's directional check
        direction = rng.standard_normal(x.shape)
        base = x.copy()
        x += h * direction
        up = f()
        x[...] = base - h * direction
        down = f()
        x[...] = base
        num = (up - down) / (2 * h)
        ana = float((g * direction).sum())
        err = abs(ana - num) / max(abs(ana) + abs(num), floor)
        if err > worst:
            worst, where = err, "random direction"
    return float(worst), where


def _to64(a):
    """A float64 host copy of a floating array; integer arrays (labels) are kept as they are."""
    host = backend.to_numpy(a)
    return numpy.array(host, dtype=numpy.float64) if host.dtype.kind == "f" else host


def _run(checks, h, max_entries, tol, seed):
    rng = numpy.random.default_rng(seed)
    errors, worst, where = {}, -1.0, None
    for name, f, x, g in checks:
        err, index = _check_tensor(name, f, x, g, h, max_entries, rng)
        errors[name] = err
        if err > worst:
            worst, where = err, (name, index)
    return GradcheckResult(errors, where, tol)


def gradcheck(target, *inputs, h=1e-5, max_entries=64, tol=1e-6, seed=0, wrt=(0,), keys=None,
              **kwargs):
    """Compare a hand-written gradient with central differences in float64.

    Parameters
    ----------
    target : model, layer or loss function
        - a model with ``params`` and ``loss_and_grads(*inputs, **kwargs)``: every
          parameter is checked; the model's params are swapped for float64 copies during
          the check and restored afterwards (the arrays themselves are untouched);
        - a layer with ``init_params``/``forward``/``backward``: ``inputs[0]`` is x and
          ``params=`` may be passed (else drawn with ``seed``); the scalar checked is
          Σ out ⊙ G for a fixed random G, so dx and every parameter gradient are checked;
        - a loss ``f(*inputs) -> (value, g_1, g_2, ...)``: ``g_k`` is checked as the
          gradient with respect to ``inputs[wrt[k - 1]]`` (by default the first input).
    inputs : arrays                  the data; converted to float64 copies
    h : float                        finite-difference step
    max_entries : int                entries checked one by one per tensor (all if fewer)
    tol : float                      ``result.passed`` means max relative error < tol
    seed : int                       for the sampled entries, directions and layer params
    wrt : tuple of int               for a loss: which inputs its returned gradients belong to
    keys : str or None               for a model: check only the parameters whose key starts
                                     with this prefix (e.g. "G." for one player of a GAN,
                                     whose ``loss_and_grads`` returns that player's gradients)
    kwargs                           passed through (e.g. ``eps=`` noise for a VAE)

    Returns
    -------
    GradcheckResult
    """
    inputs64 = [_to64(a) if hasattr(a, "shape") else a for a in inputs]
    noise64 = {k: (_to64(v) if hasattr(v, "shape") else v) for k, v in kwargs.items()}
    if hasattr(target, "loss_and_grads"):
        return _gradcheck_model(target, inputs64, noise64, h, max_entries, tol, seed, keys)
    if hasattr(target, "backward") and hasattr(target, "forward"):
        return _gradcheck_layer(target, inputs64, noise64, h, max_entries, tol, seed)
    if callable(target):
        return _gradcheck_loss(target, inputs64, noise64, wrt, h, max_entries, tol, seed)
    raise TypeError(f"gradcheck needs a model, a layer or a loss function, got {type(target).__name__}")


def _gradcheck_model(model, inputs, noise, h, max_entries, tol, seed, keys=None):
    originals = dict(model.params)
    try:
        for k, v in originals.items():
            model.params[k] = _to64(v)
        _, grads = model.loss_and_grads(*inputs, **noise)

        def f():
            return float(model.loss_and_grads(*inputs, **noise)[0])

        checked = [k for k in model.params if keys is None or k.startswith(keys)]
        missing = set(checked) - set(grads)
        if missing:
            raise ValueError(f"loss_and_grads returned no gradient for {sorted(missing)}")
        checks = [(k, f, model.params[k], backend.to_numpy(grads[k])) for k in checked]
        return _run(checks, h, max_entries, tol, seed)
    finally:
        model.params.update(originals)


def _gradcheck_layer(layer, inputs, noise, h, max_entries, tol, seed):
    x = inputs[0]
    params = noise.pop("params", None)
    if params is None:
        params = layer.init_params(numpy.random.default_rng(seed), numpy.float64)
    params = {k: _to64(v) for k, v in params.items()}
    out, cache = layer.forward(params, x, **noise)
    weight = numpy.random.default_rng(seed + 1).standard_normal(numpy.shape(out))
    dx, grads = layer.backward(weight, cache)

    def f():
        return float((layer.forward(params, x, **noise)[0] * weight).sum())

    checks = [("x", f, x, dx)] + [(k, f, params[k], grads[k]) for k in params]
    return _run(checks, h, max_entries, tol, seed)


def _gradcheck_loss(loss, inputs, noise, wrt, h, max_entries, tol, seed):
    result = loss(*inputs, **noise)
    if len(result) - 1 != len(wrt):
        raise ValueError(f"the loss returned {len(result) - 1} gradients but wrt names {len(wrt)} inputs")

    def f():
        return float(loss(*inputs, **noise)[0])

    checks = [(f"input {i}", f, inputs[i], backend.to_numpy(g)) for i, g in zip(wrt, result[1:])]
    return _run(checks, h, max_entries, tol, seed)
