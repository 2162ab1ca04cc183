"""Losses: ``loss(pred, target, …) -> (value, dpred)``.

Convention for every loss here: the value *sums over features and averages over
objects* (rows), and the returned gradient already carries the 1/N, so it is the
gradient of exactly the returned value.  The per-object losses take optional
``weights`` (N,): the value becomes (1/N) Σ_i w_i ℓ_i — with 0/1 weights, a sum over a
subset of the batch still divided by the whole batch size (the semi-supervised
objective needs exactly that).  ``value`` is a 0-d array of the input's backend
(call ``float(value)`` to bring it to the host).

Shape legend: ``N`` objects, ``n`` features, ``K`` classes, ``m`` code units.
"""
import math

from .. import backend
from . import functional as F

__all__ = ["mse", "bce", "bce_with_logits", "softmax_ce", "gaussian_nll", "kl_gauss",
           "kl_gauss_per_object", "kl_bernoulli", "bernoulli_log_prob", "gaussian_log_prob"]


def _row_weights(weights, like):
    """Per-object weights shaped to broadcast over the rows of ``like``."""
    return weights.reshape((-1,) + (1,) * (like.ndim - 1))


def mse(pred, target, weights=None):
    """Quadratic reconstruction loss  (1/N) Σ_i ‖x̂_i − x_i‖².  [A4]

    Slides: "Построение автокодировщика — задача обучения без учителя" (MIPT notes);
            "Koszt rekonstrukcji" (Polish notes: "MSE dla danych wejściowych rzeczywistych").

    Parameters
    ----------
    pred : array of shape (N, ...)     x̂
    target : array of shape (N, ...)   x
    weights : array of shape (N,) or None

    Returns
    -------
    value : 0-d array
    dpred : array like ``pred``        2 (x̂ − x) / N  (times w_i per row)

    Notes
    -----
    The value overflows to inf (NumPy warns) where the true sum of squares exceeds the
    dtype's range (float32: abs(x̂ − x) ≳ 1.8e19); the gradient stays finite wherever x̂ − x is.
    """
    N = pred.shape[0]
    diff = pred - target                                  # (N, n)
    if weights is not None:
        w = _row_weights(weights, diff)
        return (w * diff * diff).sum() / N, w * diff * (2.0 / N)
    value = (diff * diff).sum() / N
    dpred = diff * (2.0 / N)
    return value, dpred


def _clip_probabilities(p):
    xp = backend.get_xp(p)
    tiny = xp.finfo(p.dtype).eps
    return xp.clip(p, tiny, 1 - tiny)


def bce(p, target):
    """Binary cross-entropy on probabilities  −(1/N) Σ_i Σ_k [x_k log x̂_k + (1 − x_k) log(1 − x̂_k)].  [A4]

    Slides: "Koszt rekonstrukcji" (Polish notes: cross-entropy for inputs in [0, 1]).

    Parameters
    ----------
    p : array of shape (N, n)        x̂, probabilities in (0, 1) (a sigmoid output)
    target : array of shape (N, n)   x, in [0, 1]

    Returns
    -------
    value : 0-d array
    dp : array of shape (N, n)       (x̂ − x) / (x̂ (1 − x̂)) / N

    Notes
    -----
    ``p`` is clipped to [ε, 1 − ε] (ε the dtype's machine epsilon) so log(0) never
    occurs; where it was clipped the gradient is 0, the derivative of the clipped value
    (a sigmoid output saturates there anyway).  When ``p`` comes from a sigmoid, :func:`bce_with_logits` on the logits is
    both more stable and cheaper.
    """
    xp = backend.get_xp(p)
    N = p.shape[0]
    q = _clip_probabilities(p)
    value = -(target * xp.log(q) + (1 - target) * xp.log1p(-q)).sum() / N
    dp = (q - target) / (q * (1 - q) * N)
    dp[q != p] = 0                                  # the clipped value does not move with p
    return value, dp


def bce_with_logits(z, target, weights=None):
    """Binary cross-entropy on logits, x̂ = σ(z):  (1/N) Σ_i Σ_k [softplus(z_k) − x_k z_k].  [A4]

    Parameters
    ----------
    z : array of shape (N, n)        logits
    target : array of shape (N, n)   x, in [0, 1]
    weights : array of shape (N,) or None

    Returns
    -------
    value : 0-d array
    dz : array of shape (N, n)       (σ(z) − x) / N

    Notes
    -----
    −[x log σ(z) + (1 − x) log(1 − σ(z))] = softplus(z) − x z, which is finite for any z.
    """
    N = z.shape[0]
    if weights is not None:
        w = _row_weights(weights, z)
        return (w * (F.softplus(z) - target * z)).sum() / N, w * (F.sigmoid(z) - target) / N
    value = (F.softplus(z) - target * z).sum() / N
    dz = (F.sigmoid(z) - target) / N
    return value, dz


def softmax_ce(logits, y, weights=None):
    """Softmax cross-entropy  −(1/N) Σ_i log softmax(z_i)[y_i].

    Parameters
    ----------
    logits : array of shape (N, K)
    y : array of shape (N,) of int class labels, or (N, K) of target probabilities
    weights : array of shape (N,) or None

    Returns
    -------
    value : 0-d array
    dlogits : array of shape (N, K)   (softmax(z) − onehot(y)) / N
    """
    xp = backend.get_xp(logits)
    N = logits.shape[0]
    log_p = F.log_softmax(logits)                        # (N, K)
    if y.ndim == 1:
        rows = xp.arange(N)
        per_object = -log_p[rows, y]                     # (N,)
        dlogits = xp.exp(log_p)
        dlogits[rows, y] -= 1
    else:
        per_object = -(y * log_p).sum(axis=1)
        dlogits = xp.exp(log_p) * y.sum(axis=1, keepdims=True) - y
    if weights is not None:
        return (weights * per_object).sum() / N, _row_weights(weights, dlogits) * dlogits / N
    return per_object.sum() / N, dlogits / N


_LOG_2PI = math.log(2 * math.pi)


def gaussian_nll(x, mu, log_var):
    """Gaussian negative log-likelihood  (1/N) Σ_i Σ_k ½ [log 2π + log σ²_k + (x_k − μ_k)² / σ²_k].

    Parameters
    ----------
    x : array of shape (N, n)         observations
    mu : array of shape (N, n)        means
    log_var : array of shape (N, n)   log σ² (broadcastable to (N, n))

    Returns
    -------
    value : 0-d array
    dmu : array of shape (N, n)       (μ − x) / σ² / N
    dlog_var : array like log_var     ½ (1 − (x − μ)² / σ²) / N, summed to log_var's shape

    Notes
    -----
    (x − μ)²/σ² is evaluated as ((x − μ)/σ)² with 1/σ = e^(−½ log σ²), which stays finite
    for abs(log σ²) up to twice the exponent limit (≈ 177 in float32, 1419 in float64), so
    x = μ costs nothing even at log σ² = −100 in float32.  Where the true value or
    gradient exceeds the dtype's range it overflows to ±inf (NumPy warns); within that
    range of log σ² it is never NaN.
    """
    xp = backend.get_xp(mu)
    N = x.shape[0]
    inv_sd = xp.exp(-0.5 * log_var)                        # 1/σ
    r = (x - mu) * inv_sd                                  # (x − μ)/σ   (N, n)
    sq = r * r                                             # (x − μ)²/σ²  (N, n)
    value = 0.5 * (_LOG_2PI + log_var + sq).sum() / N
    dmu = -r * inv_sd / N                                  # (μ − x)/σ² / N
    dlog_var = 0.5 * (1 - sq) / N
    dlog_var = _sum_to_shape(dlog_var, log_var.shape)
    return value, dmu, dlog_var


def _sum_to_shape(g, shape):
    """Sum a broadcast gradient back to the shape of the array it came from."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def kl_gauss_per_object(mu, log_var, prior_var=1.0):
    """KL(N(μ_i, diag σ_i²) ‖ N(0, s² I)) of every object, in closed form.  [V4]

    Slides: "Вариационный автокодировщик (Variational AE)" (MIPT notes);
            "Kullback–Leibler divergence" (Polish notes).

    Formula:  KL_i = ½ Σ_j (σ_ij² / s² + μ_ij² / s² − log σ_ij² + log s² − 1);
              for s² = 1:  ½ Σ_j (σ_ij² + μ_ij² − log σ_ij² − 1), zero at μ = 0, σ = 1.

    Parameters
    ----------
    mu : array of shape (N, m)        μ_α(x_i)
    log_var : array of shape (N, m)   log σ_α²(x_i)
    prior_var : float                 s², the prior's variance σ² on the slides

    Returns
    -------
    kl : array of shape (N,)

    Notes
    -----
    Finite for any finite μ and log σ² whose σ² = e^{log σ²} is representable; above
    that (log σ² ≳ 88.7 in float32, 709.8 in float64) the true KL exceeds the dtype's
    range and the value is inf (NumPy warns), never NaN.
    """
    xp = backend.get_xp(mu)
    log_s2 = math.log(prior_var)
    return 0.5 * ((xp.exp(log_var) + mu * mu) / prior_var - log_var + log_s2 - 1).sum(axis=-1)


def kl_gauss(mu, log_var, prior_var=1.0):
    """KL(N(μ, diag σ²) ‖ N(0, s² I)), averaged over objects, and its gradient.  [V4]

    Slides: "Вариационный автокодировщик (Variational AE)" (MIPT notes);
            "Wariacyjny AE", "Kullback–Leibler divergence" (Polish notes).

    Formula:  KL = ½ Σ_j (σ_j² / s² + μ_j² / s² − log σ_j² + log s² − 1);
              for s² = 1:  ½ Σ_j (σ_j² + μ_j² − log σ_j² − 1).

    Parameters
    ----------
    mu : array of shape (N, m)        μ_α(x)
    log_var : array of shape (N, m)   log σ_α²(x)
    prior_var : float                 s², the prior's variance σ² on the slides

    Returns
    -------
    value : 0-d array                 (1/N) Σ_i KL_i
    dmu : array of shape (N, m)       μ / s² / N
    dlog_var : array of shape (N, m)  ½ (σ² / s² − 1) / N

    Notes
    -----
    As :func:`kl_gauss_per_object`: where σ² overflows, the value and dlog_var are inf.
    """
    xp = backend.get_xp(mu)
    N = mu.shape[0]
    ### BEGIN SOLUTION
    value = kl_gauss_per_object(mu, log_var, prior_var).sum() / N          # [V4]
    dmu = mu / (prior_var * N)
    dlog_var = 0.5 * (xp.exp(log_var) / prior_var - 1) / N
    ### END SOLUTION
    return value, dmu, dlog_var


def bernoulli_log_prob(logits, x):
    """log p(x | l) of every object under independent Bernoullis with p = σ(l).  [V1]

    Formula:  log p(x_i | l_i) = Σ_k [x_ik log σ(l_ik) + (1 − x_ik) log(1 − σ(l_ik))]
                               = Σ_k [x_ik l_ik − softplus(l_ik)]

    Parameters
    ----------
    logits : array of shape (..., n)   l, the decoder's output before the sigmoid
    x : array broadcastable to logits  observations in [0, 1]

    Returns
    -------
    log_p : array of shape (...,)      one value per object (minus its cross-entropy)
    """
    return (x * logits - F.softplus(logits)).sum(axis=-1)


def gaussian_log_prob(x, mu, log_var):
    """log N(x | μ, diag σ²) of every object.  [V1]

    Formula:  log p(x_i) = −½ Σ_k [log 2π + log σ²_ik + (x_ik − μ_ik)² / σ²_ik]

    Parameters
    ----------
    x, mu, log_var : arrays (or numbers) broadcastable to one shape (..., n)

    Returns
    -------
    log_p : array of shape (...,)

    Notes
    -----
    Evaluated with ((x − μ)/σ)², as :func:`gaussian_nll`: for abs(log σ²) up to twice the
    exponent limit it is finite where the true value is, −inf (never NaN) where not.
    """
    xp = backend.get_xp(x, mu, log_var)
    log_var = xp.asarray(log_var)                     # a plain number works too (a prior's)
    r = (x - mu) * xp.exp(-0.5 * log_var)             # (x − μ)/σ
    return -0.5 * (_LOG_2PI + log_var + r * r).sum(axis=-1)


def kl_bernoulli(eps, rho):
    """Sparsity penalty  Σ_j KL(ε ‖ ρ_j) = Σ_j [ε log(ε/ρ_j) + (1 − ε) log((1 − ε)/(1 − ρ_j))].  [A6]

    Slides: "Разреживающий автокодировщик (Sparse AE)" (MIPT notes, entropy regulariser).

    Parameters
    ----------
    eps : float                 ε, the target mean activation, in (0, 1)
    rho : array of shape (m,)   ρ_j = f̄_j, the mean activation of unit j over the batch

    Returns
    -------
    value : 0-d array           a sum over units (no 1/N: ρ is already a batch mean)
    drho : array of shape (m,)  −ε/ρ_j + (1 − ε)/(1 − ρ_j)

    Notes
    -----
    ρ is clipped to [δ, 1 − δ] (δ the dtype's machine epsilon) so the logarithms stay
    finite for dead or saturated units.
    """
    xp = backend.get_xp(rho)
    rho = _clip_probabilities(rho)
    value = (eps * xp.log(eps / rho) + (1 - eps) * xp.log((1 - eps) / (1 - rho))).sum()
    drho = -eps / rho + (1 - eps) / (1 - rho)
    return value, drho
