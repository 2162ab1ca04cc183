"""The restricted Boltzmann machine and contrastive divergence.  [R1, R2, R3, R4, R5]

    E(x, h) = −Σ_i a_i x_i − Σ_j b_j h_j − Σ_i Σ_j x_i w_ij h_j,     p(x, h) = e^{−E(x, h)} / Z  [R1]
    P(h_j = 1 | x) = σ(w_jᵀ x + b_j),    P(x_k = 1 | h) = σ(hᵀ w_k + a_k)                      [R2]
    p(x) = e^{−F(x)} / Z,   F(x) = −aᵀx − Σ_j softplus(b_j + w_jᵀ x)   (the free energy)      [R3]
    L = (1/N) Σ_i log P(x_i) → max                                                           [R4]
    CD-k:  x′ from k steps of block Gibbs sampling started at x;
           ΔW = ε (x hᵀ − x′ h′ᵀ),  Δa = ε (x − x′),  Δb = ε (h − h′)                        [R5]

``W`` has the slide's orientation: w_ij joins visible unit i to hidden unit j, so W is
(n, m) and w_j, the weights into hidden unit j, is its column j.  In the update, h and h′
are the hidden probabilities P(h = 1 | x) and P(h = 1 | x′) — the expectations of the
sampled states, which give the same expected update with less noise (Hinton 2010, §3).

The model follows the library's protocol through the surrogate objective of the LISA
tutorials: loss = (1/N) Σ F(x_i) − (1/N′) Σ F(x′_i) with the chain samples x′ held fixed.
Its gradient is −(x hᵀ − x′ h′ᵀ) averaged (∂F/∂W = −x P(h|x)ᵀ), so one plain gradient
*descent* step with rate ε is exactly the slide's update, and it can be gradient-checked.

Unit types beyond the slides, one code path: Gaussian visible units (real-valued data with
standard deviation σ_i) and Gaussian hidden units (the linear code layer of Hinton &
Salakhutdinov 2006):

    visible "gaussian":  E ∋ Σ_i (x_i − a_i)² / (2σ_i²) − Σ_ij (x_i/σ_i) w_ij h_j,
                         p(x_i | h) = N(a_i + σ_i hᵀw_i, σ_i²)
    hidden "gaussian":   E ∋ Σ_j h_j² / 2,   p(h_j | x) = N(b_j + w_jᵀ(x/σ), 1)

Slides: "Restricted Boltzman Machine", "Budowa RBM", "RBM", "Contrastive divergence CD"
        (Polish notes).

Shape legend: ``N`` objects, ``n`` visible units, ``m`` hidden units, ``k`` Gibbs steps.

References
----------
Hinton (2002). Training products of experts by minimizing contrastive divergence.
Hinton (2010). A practical guide to training restricted Boltzmann machines. UTML TR 2010-003.
Tieleman (2008). Training RBMs using approximations to the likelihood gradient. ICML.
"""
import math

from .. import backend
from ..nn import functional as F

__all__ = ["energy", "hidden_input", "hidden_mean", "visible_mean", "free_energy",
           "free_energy_grads",
           "sample_units", "draw_chain_noise", "gibbs_chain", "gibbs_chain_reference",
           "cd_statistics", "cd_statistics_reference"]

_LOG_2PI = math.log(2 * math.pi)


def energy(x, h, W, a, b, visible="bernoulli", hidden="bernoulli", sigma=1.0):
    """E(x, h) of every pair (x_i, h_i).  [R1]

    Slides: "Budowa RBM" (Polish notes: "energia układu").

    Formula:  E(x, h) = −Σ_i a_i x_i − Σ_j b_j h_j − Σ_i Σ_j x_i w_ij h_j
              (Gaussian visible: Σ_i (x_i − a_i)²/(2σ_i²) − Σ_j b_j h_j − Σ_ij (x_i/σ_i) w_ij h_j;
              Gaussian hidden: + Σ_j h_j²/2)

    Parameters
    ----------
    x : array of shape (N, n)     visible states
    h : array of shape (N, m)     hidden states
    W, a, b : arrays of shape (n, m), (n,), (m,)
    visible, hidden : "bernoulli" or "gaussian"
    sigma : float or array of shape (n,)   σ of Gaussian visible units

    Returns
    -------
    E : array of shape (N,)
    """
    if visible == "bernoulli":
        e = -(x @ a) - ((x @ W) * h).sum(axis=1)                    # −aᵀx − xᵀWh
    else:
        e = (((x - a) / sigma) ** 2).sum(axis=1) / 2 - (((x / sigma) @ W) * h).sum(axis=1)
    e = e - h @ b                                                    # − bᵀh
    if hidden == "gaussian":
        e = e + (h * h).sum(axis=1) / 2
    return e


def hidden_input(x, W, b, visible="bernoulli", sigma=1.0):
    """The hidden units' total input  s_j = w_jᵀ v + b_j,  v = x (Gaussian visible: x/σ).

    Returns
    -------
    s : array of shape (N, m)
    """
    v = x if visible == "bernoulli" else x / sigma
    s = v @ W                                                        # (N, m)
    s += b
    return s


def hidden_mean(x, W, b, hidden="bernoulli", sigma=1.0, visible="bernoulli", s=None):
    """E[h | x]: P(h_j = 1 | x) = σ(w_jᵀ x + b_j), or the Gaussian's mean.  [R2]

    Slides: "RBM" (Polish notes: "P(h_j = 1 | x) = σ(w_jᵀ x + b_j)").

    ``s``, the precomputed :func:`hidden_input`, saves its product.

    Returns
    -------
    mean : array of shape (N, m)     (the input s itself for Gaussian hidden units)
    """
    s = hidden_input(x, W, b, visible, sigma) if s is None else s
    return F.sigmoid(s) if hidden == "bernoulli" else s


def visible_mean(h, W, a, visible="bernoulli", sigma=1.0):
    """E[x | h]: P(x_k = 1 | h) = σ(hᵀ w_k + a_k), or the Gaussian's mean.  [R2]

    Slides: "RBM" (Polish notes: "P(x_k = 1 | h) = σ(hᵀ w_k + a_k)").

    Returns
    -------
    mean : array of shape (N, n)     (a_k + σ_k hᵀw_k for Gaussian visible units)
    """
    s = h @ W.T                                                      # hᵀ w_k   (N, n)
    if visible == "bernoulli":
        s += a
        return F.sigmoid(s)
    return a + sigma * s


def free_energy(x, W, a, b, visible="bernoulli", hidden="bernoulli", sigma=1.0, s=None):
    """F(x) = −log Σ_h e^{−E(x, h)}, so that p(x) = e^{−F(x)} / Z.  [R3]

    Formula:  F(x) = −aᵀx − Σ_j softplus(b_j + w_jᵀ x)              (Bernoulli units)
              Gaussian visible: Σ_i (x_i − a_i)²/(2σ_i²) instead of −aᵀx, and x/σ in w_jᵀ x;
              Gaussian hidden:  −Σ_j s_j²/2 − (m/2) log 2π instead of the softplus terms

    ``s``, the precomputed :func:`hidden_input`, saves its product.

    Returns
    -------
    F : array of shape (N,)

    Notes
    -----
    The hidden units are summed (integrated) out one by one because they are independent
    given x: Σ_{h_j ∈ {0, 1}} e^{h_j s_j} = 1 + e^{s_j}.
    """
    s = hidden_input(x, W, b, visible, sigma) if s is None else s   # (N, m)
    if visible == "bernoulli":
        f = -(x @ a)
    else:
        f = (((x - a) / sigma) ** 2).sum(axis=1) / 2
    if hidden == "bernoulli":
        return f - F.softplus(s).sum(axis=1)
    return f - (s * s).sum(axis=1) / 2 - W.shape[1] * _LOG_2PI / 2


def free_energy_grads(x, W, a, b, visible="bernoulli", hidden="bernoulli", sigma=1.0, s=None,
                      scale=1.0):
    """Σ over the batch of ∂F(x)/∂W, ∂F/∂a, ∂F/∂b (times ``scale``, e.g. 1/N).  [R3, R5]

    Formula:  ∂F/∂W = −v E[h|x]ᵀ,  ∂F/∂b = −E[h|x],  ∂F/∂a = −x (Gaussian: −(x − a)/σ²),
              v = x (Gaussian visible: x/σ)

    Returns
    -------
    grads : dict with "W" (n, m), "a" (n,), "b" (m,)
    """
    v = x if visible == "bernoulli" else x / sigma
    mean = hidden_mean(x, W, b, hidden, sigma, visible, s) * -scale  # −E[h | x] · scale  (N, m)
    dx = x if visible == "bernoulli" else (x - a) / sigma ** 2
    return {"W": v.T @ mean, "a": dx.sum(axis=0) * -scale, "b": mean.sum(axis=0)}


def sample_units(mean, noise, kind="bernoulli", sigma=1.0):
    """A sample of units with the given means: [u < p] for Bernoulli units (u uniform), the
    mean plus σ ε for Gaussian ones (ε standard normal).  [R2]

    Parameters
    ----------
    mean : array               P(unit = 1) or the Gaussian's mean
    noise : array like mean    u ∼ U(0, 1) (Bernoulli) or ε ∼ N(0, 1) (Gaussian)
    """
    if kind == "bernoulli":
        return (noise < mean).astype(mean.dtype)
    return mean + sigma * noise


def draw_chain_noise(rng, k, n_chains, n, m, visible="bernoulli", hidden="bernoulli",
                     dtype=None):
    """The random numbers of k block-Gibbs steps of ``n_chains`` chains, drawn at once.

    Returns
    -------
    noise : list of k pairs (noise_h (n_chains, m), noise_x (n_chains, n)): uniforms for
            Bernoulli layers, standard normals for Gaussian ones
    """
    def draw(shape, kind):
        if kind == "bernoulli":
            return rng.random(shape, dtype=dtype)
        return rng.standard_normal(shape).astype(dtype)
    return [(draw((n_chains, m), hidden), draw((n_chains, n), visible)) for _ in range(k)]


def gibbs_chain(x, W, a, b, noise, visible="bernoulli", hidden="bernoulli", sigma=1.0,
                s=None):
    """k steps of block Gibbs sampling from x: h ∼ p(h|x), then x ∼ p(x|h), k times.  [R5]

    Slides: "Contrastive divergence CD" (Polish notes: "dla każdego x wejściowego wygeneruj
            x′ z k-krotnego samplowania Gibbsa").

    Parameters
    ----------
    x : array of shape (N, n)           the start of every chain
    noise : list of k (noise_h, noise_x) from :func:`draw_chain_noise`
    s : array (N, m) or None            :func:`hidden_input` of the start, if known

    Returns
    -------
    x_neg : array of shape (N, n)       x′, the visible state after k steps
    """
    for noise_h, noise_x in noise:                                   # one block-Gibbs step
        h = sample_units(hidden_mean(x, W, b, hidden, sigma, visible, s), noise_h, hidden)
        x = sample_units(visible_mean(h, W, a, visible, sigma), noise_x, visible, sigma)
        s = None
    return x


def gibbs_chain_reference(x, W, a, b, noise, visible="bernoulli", hidden="bernoulli",
                          sigma=1.0):
    """The same chains unit by unit, as the conditionals are written on the slide.  [R2, R5]

    For every chain and step: each hidden unit j is on with P(h_j = 1 | x) = σ(w_jᵀ x + b_j)
    (independently: there are no links inside a layer), then each visible unit k with
    P(x_k = 1 | h) = σ(hᵀ w_k + a_k).  Slow; for reading and for the test against
    :func:`gibbs_chain`, which must give the same states from the same noise.
    """
    xp = backend.get_xp(x)
    n, m = W.shape
    x = x.copy()
    v_scale = xp.ones(n, dtype=W.dtype) * (1 if visible == "bernoulli" else 1 / xp.asarray(sigma))
    for noise_h, noise_x in noise:
        h = xp.zeros((x.shape[0], m), dtype=W.dtype)
        for c in range(x.shape[0]):                                  # every chain
            for j in range(m):                                       # h_j | x
                s = b[j] + sum(x[c, i] * v_scale[i] * W[i, j] for i in range(n))
                mean = 1 / (1 + math.exp(-float(s))) if hidden == "bernoulli" else s
                h[c, j] = (noise_h[c, j] < mean) if hidden == "bernoulli" else mean + noise_h[c, j]
            for i in range(n):                                       # x_i | h
                s = sum(h[c, j] * W[i, j] for j in range(m))
                if visible == "bernoulli":
                    x[c, i] = noise_x[c, i] < 1 / (1 + math.exp(-float(s + a[i])))
                else:
                    sig = sigma if not hasattr(sigma, "__len__") else sigma[i]
                    x[c, i] = a[i] + sig * s + sig * noise_x[c, i]
    return x


def cd_statistics(x, x_neg, W, a, b, visible="bernoulli", hidden="bernoulli", sigma=1.0,
                  s=None, s_neg=None, sign=1.0):
    """The CD update direction  (x hᵀ − x′ h′ᵀ), (x − x′), (h − h′), averaged over objects.  [R5]

    Slides: "Contrastive divergence CD" (Polish notes: "ΔW = ε(x hᵀ − x′h′ᵀ),
            Δa = ε(x − x′), Δb = ε(h − h′)"; positive and negative statistics).

    Parameters
    ----------
    x : array of shape (N, n)         the data (positive phase)
    x_neg : array of shape (N′, n)    the chain samples x′ (negative phase; N′ may differ,
                                      e.g. the persistent chains of PCD)
    s, s_neg : arrays or None         :func:`hidden_input` of x and x′, if known
    sign : float                      1: the update direction Δ; −1: the gradient of the
                                      surrogate, computed without a separate negation

    Returns
    -------
    delta : dict "W" (n, m), "a" (n,), "b" (m,)    the slide's Δ/ε; h = P(h = 1 | x),
            h′ = P(h = 1 | x′) (Gaussian visible units: x/σ in x hᵀ and (x − a)/σ² in Δa)

    Notes
    -----
    Δ = −∇[(1/N) Σ F(x_i) − (1/N′) Σ F(x′_i)], since ∂F/∂W = −x hᵀ: the positive
    statistics are −∂F(x)/∂θ / N, the negative ones −∂F(x′)/∂θ / N′.
    """
    ### BEGIN SOLUTION
    delta = free_energy_grads(x, W, a, b, visible, hidden, sigma, s, -sign / x.shape[0])
    neg = free_energy_grads(x_neg, W, a, b, visible, hidden, sigma, s_neg, sign / x_neg.shape[0])
    for k in delta:
        delta[k] += neg[k]                # x hᵀ − x′h′ᵀ (times sign), in place
    ### END SOLUTION
    return delta


def cd_statistics_reference(x, x_neg, W, a, b, visible="bernoulli", hidden="bernoulli",
                            sigma=1.0):
    """:func:`cd_statistics` object by object, as the slide writes it for one x.  [R5]

    For each object: h = E[h | x], ΔW += x hᵀ, Δa += x, Δb += h; for each chain sample:
    h′ = E[h | x′], ΔW −= x′ h′ᵀ, Δa −= x′, Δb −= h′; each sum divided by its count.
    """
    xp = backend.get_xp(x)
    delta = {"W": xp.zeros_like(W), "a": xp.zeros_like(a), "b": xp.zeros_like(b)}
    for rows, sign in ((x, 1.0), (x_neg, -1.0)):
        for row in rows:                                             # one object at a time
            v = row if visible == "bernoulli" else row / sigma
            h = hidden_mean(row[None], W, b, hidden, sigma, visible)[0]     # (m,)
            da = row if visible == "bernoulli" else (row - a) / sigma ** 2
            delta["W"] += sign * xp.outer(v, h) / rows.shape[0]            # x hᵀ
            delta["a"] += sign * da / rows.shape[0]                       # x
            delta["b"] += sign * h / rows.shape[0]                        # h
    return delta
