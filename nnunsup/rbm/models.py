"""RBM estimators: the Bernoulli RBM of the slides and the Gaussian–Bernoulli RBM for
real-valued data, trained by CD-k or persistent CD.  [R1, R2, R3, R4, R5]

The formulas are the functions of :mod:`nnunsup.rbm.rbm`; the classes hold the
hyperparameters, own the random streams and plug CD into the shared training loop through
the surrogate objective (1/N) Σ F(x_i) − (1/N′) Σ F(x′_i), whose gradient is minus the
slide's update (see :func:`~nnunsup.rbm.rbm.cd_statistics`).

Slides: "Restricted Boltzman Machine", "Budowa RBM", "RBM", "Contrastive divergence CD"
        (Polish notes).

Shape legend: ``N`` objects, ``n`` visible units, ``m`` hidden units, ``k`` Gibbs steps.
"""

from .. import backend
from .._base import GradientModel
from .._validation import (check_array, check_choice, check_random_state, check_range,
                           check_scalar)
from ..nn import functional as F
from ..nn import init
from .partition import MAX_EXACT_UNITS, ais_log_partition, log_partition_exact
from .rbm import (cd_statistics, cd_statistics_reference, draw_chain_noise, free_energy,
                  gibbs_chain, gibbs_chain_reference, hidden_input, hidden_mean, visible_mean)

__all__ = ["BernoulliRBM", "GaussianBernoulliRBM"]


class BernoulliRBM(GradientModel):
    """Restricted Boltzmann machine with binary visible units, trained by CD-k.  [R1, R2, R3, R4, R5]

    ==========  ==============  ======
    params key  slide symbol    shape
    ==========  ==============  ======
    ``W``       w_ij            (n, m)
    ``a``       a_i (visible)   (n,)
    ``b``       b_j (hidden)    (m,)
    ==========  ==============  ======

    Parameters
    ----------
    n_hidden : int                 m
    k : int                        Gibbs steps of CD-k (1 on the slide: "w praktyce k = 1
                                   daje dobre rezultaty")
    persistent : bool              persistent CD (Tieleman 2008): the negative chains are
                                   not restarted at the data but continue from the last
                                   step's x′ (as many chains as the first batch has rows)
    weight_decay : float           λ ≥ 0: adds (λ/2) Σ W² to the objective (λ W to ∂/∂W)
    hidden : "bernoulli" or "gaussian"
                                   Gaussian hidden units N(b_j + w_jᵀx, 1) are the linear
                                   code layer of the deep autoencoder
    allow_probabilities : bool     False: X must be binary, as the model is; True: values
                                   in [0, 1] are accepted as probabilities of a unit being on
                                   (the grey MNIST pixels of Hinton & Salakhutdinov)
    algorithm : "vectorized" or "reference"
                                   the batch at once, or the slide's loops (every chain, unit
                                   and object on its own; slow, the same numbers)
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`; with the
                                   default optimizer "sgd" each step is the slide's
                                   W += ε (x hᵀ − x′h′ᵀ) with ε = learning_rate, averaged
                                   over the batch ("momentum" adds momentum)

    Attributes
    ----------
    params, n_features_in_
    history_
        ``loss``: the surrogate mean F(x) − mean F(x′) — a training signal, not the
        likelihood; see ``log_likelihood`` and ``score_samples``

    Notes
    -----
    ``loss_and_grads(X, x_neg=X_neg)`` evaluates the surrogate with the given chain samples
    and draws nothing; without ``x_neg`` it runs the k Gibbs steps from the model's
    training-noise stream (advancing it, and the persistent chains).
    """

    _visible = "bernoulli"

    def __init__(self, n_hidden=256, k=1, persistent=False, weight_decay=0.0, hidden="bernoulli",
                 allow_probabilities=False, algorithm="vectorized", *, epochs=10, batch_size=100,
                 learning_rate=0.1, optimizer="sgd", patience=None, warm_start=False,
                 random_state=None, verbose="auto"):
        self.n_hidden = n_hidden
        self.k = k
        self.persistent = persistent
        self.weight_decay = weight_decay
        self.hidden = hidden
        self.allow_probabilities = allow_probabilities
        self.algorithm = algorithm
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- hyperparameters and data ---------------------------------------------------------
    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.n_hidden, "n_hidden", kind=int, low=1)
        check_scalar(self.k, "k", kind=int, low=1)
        check_scalar(self.weight_decay, "weight_decay", low=0)
        check_choice(self.hidden, "hidden", ("bernoulli", "gaussian"))
        check_choice(self.algorithm, "algorithm", ("vectorized", "reference"))
        if self._visible == "gaussian" and self.hidden == "gaussian":
            raise ValueError("Gaussian visible and Gaussian hidden units together make an "
                             "improper model; use hidden='bernoulli'")

    def _check_X(self, X, name="X"):
        X = super()._check_X(X, name)
        xp = backend.get_xp(X)
        if self.allow_probabilities or float(xp.min(X)) < 0:
            check_range(X, 0.0, 1.0, f"{type(self).__name__}", name)   # negatives named first
        if self.allow_probabilities:
            return X
        if not bool(((X == 0) | (X == 1)).all()):
            i, j = (int(v) for v in backend.to_numpy(xp.argwhere((X != 0) & (X != 1))[0]))
            raise ValueError(f"{type(self).__name__} needs binary {name} (0 or 1); found "
                             f"{float(X[i, j]):g} at row {i}, column {j}. Binarise the data "
                             f"(nnunsup.datasets.binarize) or pass allow_probabilities=True "
                             f"to treat values in [0, 1] as probabilities")
        return X

    def _requires_non_negative(self):
        return True                                # x ∈ {0, 1}, or [0, 1] as probabilities

    def _units(self):
        return dict(visible=self._visible, hidden=self.hidden, sigma=self._sigma())

    def _sigma(self):
        return 1.0

    # -- parameters ---------------------------------------------------------------------------
    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        dtype = backend.get_default_dtype()
        self._chains = None                                  # the persistent chains (PCD)
        return {"W": init.normal(rng, (n_features, self.n_hidden), 0.01, dtype=dtype),
                "a": init.zeros((n_features,), dtype=dtype),
                "b": init.zeros((self.n_hidden,), dtype=dtype)}

    def _seed_streams(self):
        super()._seed_streams()                  # + a stream for gibbs() and sample()
        self._sample_rng = backend.default_rng(check_random_state(self.random_state).spawn(5)[4])

    # -- [R5] the negative phase: k Gibbs steps ----------------------------------------------
    def _chain(self, start, k, rng):
        """x′ after k block-Gibbs steps from ``start`` (vectorised, or the slide's loops)."""
        p = self.params
        noise = draw_chain_noise(rng, k, start.shape[0], *p["W"].shape, self._visible,
                                 self.hidden, p["W"].dtype)
        chain = gibbs_chain_reference if self.algorithm == "reference" else gibbs_chain
        return chain(start, p["W"], p["a"], p["b"], noise, **self._units())

    def _draw_noise(self, X, y, rng):
        """The random terms of one step: the chains' uniforms (CD-k), or x′ itself (PCD)."""
        if self.persistent and rng is self._noise_rng:          # training: continue the chains
            start = X.copy() if self._chains is None else self._chains
            self._chains = self._chain(start, self.k, rng)
            return {"x_neg": self._chains}
        W = self.params["W"]                                     # CD-k: restart at the data
        return {"chain_noise": draw_chain_noise(rng, self.k, X.shape[0], *W.shape,
                                                self._visible, self.hidden, W.dtype)}

    # -- the objective ---------------------------------------------------------------------
    def loss_and_grads(self, X, y=None, x_neg=None):
        """The CD surrogate mean F(x) − mean F(x′) (+ (λ/2) Σ W²) and its gradient.  [R3, R5]

        ``x_neg`` (shape (N′, n)) are the chain samples x′; when None they are drawn by k
        Gibbs steps from the model's training-noise stream.  −grads is the slide's update.
        """
        X = self._check_input(X)
        if x_neg is not None:
            x_neg = check_array(x_neg, name="x_neg", dtype=self._dtype())
            if x_neg.shape[1] != X.shape[1]:
                raise ValueError(f"x_neg has {x_neg.shape[1]} columns, but X has {X.shape[1]}: "
                                 "x_neg are visible states (the chain samples x′)")
        return self._loss_and_grads(X, x_neg=x_neg)

    def _loss_and_grads(self, X, y=None, x_neg=None, chain_noise=None):
        """(1/N) Σ F(x_i) − (1/N′) Σ F(x′_i) + (λ/2) Σ W², gradient −(x hᵀ − x′h′ᵀ) + λW.  [R3, R5]

        Without ``x_neg``, the CD-k chains start at X and run on ``chain_noise`` (drawn from
        the training-noise stream when None).
        """
        p, units = self.params, self._units()
        W, a, b = p["W"], p["a"], p["b"]
        s = hidden_input(X, W, b, self._visible, units["sigma"])      # w_jᵀx + b_j   (N, m)
        if x_neg is None:
            if chain_noise is None:
                noise = self._draw_noise(X, y, self._noise_rng)
                x_neg, chain_noise = noise.get("x_neg"), noise.get("chain_noise")
            if x_neg is None and self.algorithm == "reference":
                x_neg = gibbs_chain_reference(X, W, a, b, chain_noise, **units)
            elif x_neg is None:                                      # [R5] k Gibbs steps from x,
                x_neg = gibbs_chain(X, W, a, b, chain_noise, **units, s=s)  # shares s
        s_neg = hidden_input(x_neg, W, b, self._visible, units["sigma"])
        loss = (free_energy(X, W, a, b, **units, s=s).mean()              # [R3] F(x)
                - free_energy(x_neg, W, a, b, **units, s=s_neg).mean())   # F(x′), x′ held fixed
        if self.algorithm == "reference":                               # [R5] −Δ/ε
            grads = {k: -v for k, v in cd_statistics_reference(X, x_neg, W, a, b, **units).items()}
        else:
            grads = cd_statistics(X, x_neg, W, a, b, **units, s=s, s_neg=s_neg, sign=-1.0)
        if self.weight_decay:
            loss = loss + 0.5 * self.weight_decay * (W * W).sum()
            grads["W"] = grads["W"] + self.weight_decay * W
        return loss, grads

    # -- using the trained model ---------------------------------------------------------------
    def transform(self, X):
        """E[h | x]: the hidden probabilities P(h_j = 1 | x) (Gaussian: means), (N, m).  [R2]"""
        X = self._check_input(X)
        p = self.params
        return hidden_mean(X, p["W"], p["b"], self.hidden, self._sigma(), self._visible)

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, H):
        """E[x | h]: the visible probabilities P(x_k = 1 | h) (Gaussian: means), (N, n).  [R2]"""
        self._check_fitted()
        H = check_array(H, name="H", dtype=self._dtype())
        if H.shape[1] != self.n_hidden:
            raise ValueError(f"H has {H.shape[1]} columns, but this RBM has {self.n_hidden} "
                             "hidden units")
        p = self.params
        return visible_mean(H, p["W"], p["a"], self._visible, self._sigma())

    def reconstruct(self, X):
        """The mean-field reconstruction E[x | h = E[h | x]], array of shape (N, n)."""
        return self.inverse_transform(self.transform(X))

    def _rng(self, random_state):
        if random_state is None:
            return self._sample_rng
        return backend.default_rng(check_random_state(random_state))

    def gibbs(self, X, k=1, random_state=None):
        """k steps of block Gibbs sampling from every row of X: the visible states x′.  [R5]"""
        X = self._check_input(X)
        check_scalar(k, "k", kind=int, low=1)
        return self._chain(X, k, self._rng(random_state))

    def sample(self, n_samples=1, n_gibbs=1000, mean=False, random_state=None, start=None):
        """Samples of the model: ``n_gibbs`` block-Gibbs steps from random visible states.

        Parameters
        ----------
        n_samples : int            chains (ignored when ``start`` is given)
        n_gibbs : int              steps per chain (longer chains mix better)
        mean : bool                return E[x | h] of the last step instead of x itself
        start : array (N, n) or None   start the chains here instead (e.g. at data)

        Returns
        -------
        X : array of shape (n_samples, n)
        """
        self._check_fitted()
        check_scalar(n_gibbs, "n_gibbs", kind=int, low=1)
        rng = self._rng(random_state)
        p = self.params
        if start is None:
            check_scalar(n_samples, "n_samples", kind=int, low=1)
            start = self._random_visible(rng, n_samples)
        else:
            start = self._check_input(start, name="start")
        x = self._chain(start, n_gibbs - 1, rng) if n_gibbs > 1 else start
        h_noise, _ = draw_chain_noise(rng, 1, x.shape[0], *p["W"].shape, self._visible,
                                      self.hidden, p["W"].dtype)[0]
        mean_h = hidden_mean(x, p["W"], p["b"], self.hidden, self._sigma(), self._visible)
        h = (h_noise < mean_h).astype(x.dtype) if self.hidden == "bernoulli" else mean_h + h_noise
        mean_x = visible_mean(h, p["W"], p["a"], self._visible, self._sigma())
        if mean:
            return mean_x
        return self._chain_visible(mean_x, rng)

    def _random_visible(self, rng, n_samples):
        dtype = self._dtype()
        return (rng.random((n_samples, self.n_features_in_), dtype=dtype) < 0.5).astype(dtype)

    def _chain_visible(self, mean_x, rng):
        return (rng.random(mean_x.shape, dtype=mean_x.dtype) < mean_x).astype(mean_x.dtype)

    # -- [R3, R4] how good is it ---------------------------------------------------------------
    def free_energy(self, X):
        """F(x) of every row, so that p(x) = e^{−F(x)} / Z, array of shape (N,).  [R3]"""
        X = self._check_input(X)
        p = self.params
        return free_energy(X, p["W"], p["a"], p["b"], **self._units())

    def log_partition(self, method="auto", n_chains=100, n_betas=14500, base_a=None,
                      random_state=None):
        """log Z: exact by enumeration (a layer of ≤ 22 units), or by AIS.  [R3]

        Parameters
        ----------
        method : "auto", "exact" or "ais"   "auto": exact when possible
        n_chains, n_betas, base_a :         AIS settings, see
                                            :func:`nnunsup.rbm.ais_log_partition`

        Returns
        -------
        log_Z : float; for AIS a tuple (log_Z, low, high) with the ±3 SD error bars
        """
        self._check_fitted()
        check_choice(method, "method", ("auto", "exact", "ais"))
        p = self.params
        if self._visible == "gaussian":                 # the layer that is enumerated
            listed = self.n_hidden
        elif self.hidden == "gaussian":
            listed = self.n_features_in_
        else:
            listed = min(self.n_features_in_, self.n_hidden)
        small = listed <= MAX_EXACT_UNITS
        if method == "exact" or (method == "auto" and small):
            return log_partition_exact(p["W"], p["a"], p["b"], **self._units())
        if self._visible != "bernoulli" or self.hidden != "bernoulli":
            raise ValueError("AIS is implemented for Bernoulli visible and hidden units; this "
                             "model is too large for the exact log Z")
        return ais_log_partition(p["W"], p["a"], p["b"], self._rng(random_state), n_chains,
                                 n_betas, base_a)

    def log_likelihood(self, X, method="auto", **ais):
        """log p(x) = −F(x) − log Z of every row, in nats, array of shape (N,).  [R3, R4]

        The mean over a sample is the objective of the slide, L = (1/N) Σ log P(x_i).  With
        ``method="ais"`` (or "auto" on a large model) log Z is the AIS estimate; keyword
        arguments go to :meth:`log_partition`.
        """
        log_z = self.log_partition(method, **ais)
        log_z = log_z[0] if isinstance(log_z, tuple) else log_z
        return -self.free_energy(X) - log_z

    def score_samples(self, X, random_state=None):
        """Pseudo-log-likelihood per visible unit: log P(x_i | x_−i) for one random unit i
        of every row — an unbiased estimate of (1/n) Σ_i log P(x_i | x_−i), so that it does
        not grow with the number of features (scikit-learn's is n times this).

        Formula:  log P(x_i | x_−i) = log σ(F(x̃) − F(x)),  x̃ = x with unit i flipped

        Returns
        -------
        pl : array of shape (N,)
        """
        X = self._check_input(X)
        xp = backend.get_xp(X)
        rng = self._rng(random_state)
        flip = rng.integers(0, X.shape[1], size=X.shape[0])             # one unit per row
        X_flip = X.copy()
        rows = xp.arange(X.shape[0])
        X_flip[rows, flip] = 1 - X_flip[rows, flip]
        p = self.params
        f, f_flip = (free_energy(Z, p["W"], p["a"], p["b"], **self._units()) for Z in (X, X_flip))
        return F.log_sigmoid(f_flip - f)

    def score(self, X, y=None):
        """The mean pseudo-log-likelihood per visible unit (higher is better)."""
        return float(self.score_samples(X, random_state=0).mean())


class GaussianBernoulliRBM(BernoulliRBM):
    """RBM with Gaussian visible units for real-valued data, binary hidden units.  [R1, R2, R3, R5]

    The energy and conditionals with visible standard deviations σ_i (fixed, not learned):

        E(x, h) = Σ_i (x_i − a_i)² / (2σ_i²) − Σ_j b_j h_j − Σ_i Σ_j (x_i/σ_i) w_ij h_j
        P(h_j = 1 | x) = σ(b_j + Σ_i w_ij x_i/σ_i),   p(x_i | h) = N(a_i + σ_i Σ_j w_ij h_j, σ_i²)

    Standardise the data (zero mean, unit variance per feature) and keep ``sigma=1``, as
    Hinton (2010, §13.2) advises; Gaussian units need a learning rate one or two orders of
    magnitude below the binary case (hence the default 1e-3).

    Parameters
    ----------
    n_hidden, k, persistent, weight_decay, algorithm : as :class:`BernoulliRBM`
    sigma : float or sequence of n floats    σ_i of the visible units
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose : see :class:`nnunsup._base.GradientModel`

    Notes
    -----
    The pseudo-likelihood of :meth:`BernoulliRBM.score_samples` flips binary units and has
    no Gaussian counterpart here; ``score`` is the exact mean log-likelihood, available when
    the hidden layer has at most 22 units, and ``log_likelihood`` with ``method="exact"``.
    """

    _visible = "gaussian"
    hidden, allow_probabilities = "bernoulli", True

    def __init__(self, n_hidden=256, sigma=1.0, k=1, persistent=False, weight_decay=0.0,
                 algorithm="vectorized", *, epochs=10, batch_size=100, learning_rate=1e-3,
                 optimizer="sgd", patience=None, warm_start=False, random_state=None,
                 verbose="auto"):
        self.n_hidden = n_hidden
        self.sigma = sigma
        self.k = k
        self.persistent = persistent
        self.weight_decay = weight_decay
        self.algorithm = algorithm
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _check_X(self, X, name="X"):
        X = GradientModel._check_X(self, X, name)          # any real values
        sigma = self._sigma()
        if getattr(sigma, "ndim", 0) == 1 and sigma.shape[0] != X.shape[1]:
            raise ValueError(f"sigma has {sigma.shape[0]} entries, but {name} has "
                             f"{X.shape[1]} features; give one σ per feature or a number")
        return X

    def _requires_non_negative(self):
        return False                               # Gaussian visible units: any real x

    def _sigma(self):
        if hasattr(self.sigma, "__len__"):
            sigma = backend.asarray(self.sigma, dtype=self._dtype())
            if sigma.ndim != 1 or not bool((sigma > 0).all()):
                raise ValueError(f"sigma must be a positive number or a 1-D sequence of "
                                 f"positive numbers, got {self.sigma!r}")
            return sigma
        check_scalar(self.sigma, "sigma", low=0, low_open=True)
        return float(self.sigma)

    def _random_visible(self, rng, n_samples):
        a = self.params["a"]
        noise = rng.standard_normal((n_samples, a.shape[0])).astype(a.dtype)
        return a + self._sigma() * noise

    def _chain_visible(self, mean_x, rng):
        return mean_x + self._sigma() * rng.standard_normal(mean_x.shape).astype(mean_x.dtype)

    def score_samples(self, X, random_state=None):
        raise ValueError("the pseudo-likelihood flips binary units; a Gaussian–Bernoulli RBM "
                         "has none. Use log_likelihood(X, method='exact') (≤ 22 hidden units)")

    def score(self, X, y=None):
        """The mean exact log-likelihood per object (needs ≤ 22 hidden units).  [R4]"""
        return float(self.log_likelihood(X, method="exact").mean())
