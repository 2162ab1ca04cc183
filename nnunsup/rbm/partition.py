"""How good is an RBM: its partition function Z, exactly for small models, by annealed
importance sampling for large ones.  [R3, R4]

    p(x) = e^{−F(x)} / Z,   Z = Σ_x Σ_h e^{−E(x, h)},   L = (1/N) Σ_i log p(x_i) = −mean F − log Z

Z sums over 2^(n+m) states, so CD never computes it; but the objective of the slide, R4,
needs it.  Summing out one layer analytically leaves a sum over the other layer's 2^k
states — exact for k up to about 20.  Annealed importance sampling (Neal 2001; Salakhutdinov
& Murray 2008) estimates log Z of any size from chains that move from a model with known Z
(no weights) to the RBM through intermediate models.

Slides: "Contrastive divergence CD" (Polish notes: "cel treningu: maksymalizacja
        prawdopodobieństwa P(x), L = (1/N) Σ log P(x)"); "RBM" ("rozkład brzegowy").

Shape legend: ``n`` visible units, ``m`` hidden units, ``M`` AIS chains, ``K`` temperatures.

References
----------
Salakhutdinov & Murray (2008). On the quantitative analysis of deep belief networks. ICML.
Neal (2001). Annealed importance sampling. Statistics and Computing 11.
"""
import math

import numpy

from .. import backend
from ..nn import functional as F
from .rbm import free_energy

__all__ = ["log_partition_exact", "ais_log_partition", "ais_betas"]

#: the largest layer that :func:`log_partition_exact` enumerates (2^22 states)
MAX_EXACT_UNITS = 22


def _states(k, start, stop, dtype, xp):
    """Binary states number start..stop−1 of k units, one per row (bit j of the number)."""
    codes = xp.arange(start, stop, dtype=xp.int64)[:, None]
    return ((codes >> xp.arange(k, dtype=xp.int64)) & 1).astype(dtype)         # (s, k)


def _logsumexp(values, xp):
    top = values.max()
    return float(top + xp.log(xp.exp(values - top).sum()))


def log_partition_exact(W, a, b, visible="bernoulli", hidden="bernoulli", sigma=1.0,
                        chunk=2 ** 16):
    """log Z by summing one layer out analytically and enumerating the other.  [R3]

    Formula::

        Bernoulli units, enumerating h:
            log Z = log Σ_h exp(bᵀh + Σ_i softplus(a_i + (Wh)_i));
        enumerating x instead:           log Z = log Σ_x exp(−F(x));
        Gaussian visible units (h enumerated):
            log Z = log Σ_h exp(bᵀh + Σ_i [a_i (Wh)_i/σ_i + (Wh)_i²/2]) + Σ_i log(√(2π) σ_i)
        Gaussian hidden units: x is enumerated (h has no finite set of states)

    Parameters
    ----------
    W, a, b : arrays of shape (n, m), (n,), (m,)
    visible, hidden : "bernoulli" or "gaussian" (not both Gaussian)
    sigma : float or array of shape (n,)
    chunk : int        states per pass

    Returns
    -------
    log_Z : float

    Raises
    ------
    ValueError
        when the enumerated layer has more than 22 units (4 million states).
    """
    xp = backend.get_xp(W)
    n, m = W.shape
    if visible == "gaussian" and hidden == "gaussian":
        raise ValueError("an RBM with Gaussian visible and hidden units has no exact log Z here")
    over_h = hidden == "bernoulli" and (visible == "gaussian" or m <= n)   # which layer to list
    k = m if over_h else n
    if k > MAX_EXACT_UNITS:
        layer = "hidden" if over_h else "visible"
        raise ValueError(f"exact log Z enumerates 2^{k} states of the {layer} "
                         f"layer; at most {MAX_EXACT_UNITS} units are allowed — use AIS "
                         "(ais_log_partition) for larger models")
    totals = []
    for start in range(0, 2 ** k, chunk):
        s = _states(k, start, min(2 ** k, start + chunk), W.dtype, xp)             # (s, k)
        if not over_h:
            terms = -free_energy(s, W, a, b, visible, hidden, sigma)              # −F(x)
        elif visible == "bernoulli":
            terms = s @ b + F.softplus(s @ W.T + a).sum(axis=1)                   # x summed out
        else:
            u = s @ W.T                                                           # (Wh)_i   (s, n)
            terms = s @ b + (a * u / sigma + u * u / 2).sum(axis=1)               # x integrated out
        totals.append(_logsumexp(terms.astype(xp.float64), xp))
    log_z = _logsumexp(xp.asarray(totals), xp)
    if over_h and visible == "gaussian":
        log_z += float(xp.sum(xp.log(math.sqrt(2 * math.pi) * xp.ones(n) * xp.asarray(sigma))))
    return log_z


def ais_betas(n_betas=14500):
    """The inverse temperatures 0 = β_0 < β_1 < … < β_K = 1 of Salakhutdinov & Murray (2008):
    500 steps up to 0.5, 4000 up to 0.9, 10,000 up to 1, in proportion to ``n_betas``."""
    parts = [(0.0, 0.5, 500), (0.5, 0.9, 4000), (0.9, 1.0, 10000)]
    betas = [numpy.linspace(lo, hi, max(2, round(n_betas * k / 14500)), endpoint=False)
             for lo, hi, k in parts]
    return numpy.concatenate(betas + [numpy.ones(1)])


def ais_log_partition(W, a, b, rng, n_chains=100, n_betas=14500, base_a=None):
    """log Z of a Bernoulli RBM by annealed importance sampling, with its error bars.  [R3, R4]

    The chains start at the base model A (no weights, no hidden biases, visible biases
    ``base_a``), whose log Z_A = Σ_i softplus(a_A,i) + m log 2 is known, and pass through

        p*_β(x) = exp((1 − β) a_Aᵀx + β aᵀx) · Π_j (1 + e^{β (b_j + w_jᵀ x)}),   β: 0 → 1,

    each by one Gibbs step at its β, accumulating the importance weights
    log w += log p*_{β_k}(x) − log p*_{β_{k−1}}(x).  Then Ẑ = Z_A · mean(w).

    Parameters
    ----------
    W, a, b : arrays of shape (n, m), (n,), (m,)
    rng : Generator of the backend of W
    n_chains : int              M
    n_betas : int               K, the number of intermediate distributions
    base_a : array (n,) or None the base model's visible biases; the log-odds of the data's
                                pixel means make a base close to the data (the usual choice);
                                None: zeros

    Returns
    -------
    log_Z : float               log Z_A + log mean(w)
    low, high : float           log(mean(w) ∓ 3 sd(w)/√M) + log Z_A (low = −inf when the
                                interval reaches 0), Salakhutdinov & Murray's error bars
    """
    xp = backend.get_xp(W)
    n, m = W.shape
    base_a = xp.zeros_like(a) if base_a is None else xp.asarray(base_a, dtype=W.dtype)
    betas = ais_betas(n_betas)
    x = (rng.random((n_chains, n), dtype=W.dtype) < F.sigmoid(base_a)).astype(W.dtype)

    def log_p_star(x, beta):                                        # log p*_β(x)   (M,)
        visible_term = x @ ((1 - beta) * base_a + beta * a)
        return visible_term + F.softplus(beta * (x @ W + b)).sum(axis=1)

    log_w = xp.zeros(n_chains, dtype=xp.float64)
    for previous, beta in zip(betas[:-1], betas[1:]):
        log_w += (log_p_star(x, beta) - log_p_star(x, previous)).astype(xp.float64)
        h = (rng.random((n_chains, m), dtype=W.dtype) < F.sigmoid(beta * (x @ W + b)))
        mean_x = F.sigmoid((1 - beta) * base_a + beta * (h.astype(W.dtype) @ W.T + a))
        x = (rng.random((n_chains, n), dtype=W.dtype) < mean_x).astype(W.dtype)
    log_z_base = float(F.softplus(base_a).sum()) + m * math.log(2)
    top = float(log_w.max())
    r = backend.to_numpy(xp.exp(log_w - top))                       # w / max w
    mean, spread = r.mean(), 3 * r.std() / math.sqrt(n_chains)
    low = math.log(mean - spread) if mean > spread else -math.inf
    return (log_z_base + top + math.log(mean), log_z_base + top + low,
            log_z_base + top + math.log(mean + spread))
