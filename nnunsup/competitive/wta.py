"""Competitive learning: the Kohonen network with hard (WTA) and soft (WTM) competition.

The network has two layers [C3]: a *distance layer* computing ρ(x, w_y) for every unit
y ∈ Y, and a *competition layer* picking the unit at the smallest distance [C1].  It is
trained by the stochastic-gradient algorithm of the slides [C5], one object at a time,
with the WTA step [C4] or the WTM step [C6].

Slides: "Постановка задачи кластеризации", "Сеть Кохонена (сеть с конкурентным
        обучением)", "Алгоритм SG (Stochastic Gradient)", "Жёсткая и мягкая
        конкуренция" (MIPT notes); "Hard and soft competition" (KBTU notes).

Shape legend: ``N`` objects, ``n`` features, ``K`` units (clusters); ``W`` is (K, n),
one centre w_y per row.
"""
import math

import numpy

from .. import backend
from .._base import ParamModel
from .._validation import check_choice, check_random_state, check_scalar
from .kernels import kernel as get_kernel

__all__ = ["sq_distances", "winners", "criterion", "wta_step", "wtm_step",
           "wta_step_reference", "wtm_step_reference", "CompetitiveLearning"]


# -- the formulas ----------------------------------------------------------------------

def sq_distances(X, W):
    """Distance layer: ρ²(x_i, w_y) = ‖x_i − w_y‖² for every object and unit.  [C1, C3]

    Parameters
    ----------
    X : array of shape (N, n)
    W : array of shape (K, n)

    Returns
    -------
    D2 : array of shape (N, K)

    Notes
    -----
    Computed as ‖x‖² − 2 x·w + ‖w‖² (one matrix product instead of an (N, K, n)
    difference tensor), clipped at 0 against round-off.  The rows go in blocks of 2048
    objects, so the passes after the product (add ‖x‖², add ‖w‖², clip) work on a block
    still in cache rather than on the whole (N, K) array in memory; the −2 scales the
    (K, n) factor, not the product.
    """
    xp = backend.get_xp(X, W)
    x2 = (X * X).sum(axis=1)                              # (N,)  ‖x‖²
    w2 = (W * W).sum(axis=1)                              # (K,)  ‖w‖²
    minus_2W = (-2.0 * W).T                               # (n, K)
    D2 = xp.empty((X.shape[0], W.shape[0]), dtype=xp.result_type(X, W))   # (N, K)
    for start in range(0, X.shape[0], 2048):
        rows = slice(start, start + 2048)
        D = D2[rows]                                      # (block, K), a view into D2
        xp.matmul(X[rows], minus_2W, out=D)               # −2 x·w
        D += x2[rows, None]                               # + ‖x‖²
        D += w2[None, :]                                  # + ‖w‖²
        xp.maximum(D, 0.0, out=D)
    return D2


def winners(X, W):
    """Competition layer, hard competition: a(x) = argmin_y ρ(x, w_y).  [C1, C3]

    Returns
    -------
    a : int array of shape (N,)     the index of the nearest centre (first one on ties)
    """
    return sq_distances(X, W).argmin(axis=1)


def criterion(X, W):
    """The clustering criterion  Q(w; X) = Σ_i ρ²(x_i, w_{a(x_i)}).  [C2]

    Returns
    -------
    Q : float     a sum over objects, as on the slide (divide by N for the mean)
    """
    return float(sq_distances(X, W).min(axis=1).sum())


def wta_step(W, x, eta):
    """One WTA step on object x, in place:  w_y += η (x − w_y) [a(x) = y].  [C4]

    Parameters
    ----------
    W : array of shape (K, n)    updated in place
    x : array of shape (n,)
    eta : float                  η, the learning rate

    Returns
    -------
    y : int          the winner a(x)
    rho2 : float     ρ²(x, w_y) before the step (the loss of this object)

    Notes
    -----
    Only the winner's row changes, so the code updates that row instead of multiplying
    every row by the Iverson bracket.
    """
    ### BEGIN SOLUTION
    diff = x - W                                       # (K, n)
    d2 = (diff * diff).sum(axis=1)                     # (K,)
    y = int(d2.argmin())
    W[y] += eta * diff[y]                              # [C4]
    ### END SOLUTION
    return y, float(d2[y])


def wtm_step(W, x, eta, kernel, sigma):
    """One WTM step on object x, in place:  w_y += η (x − w_y) K(ρ(x, w_y)) for all y.  [C6]

    Parameters
    ----------
    W : array of shape (K, n)    updated in place
    x : array of shape (n,)
    eta : float                  η
    kernel : callable            K(r, sigma), non-negative and non-increasing
    sigma : float                the kernel's width, in the units of the data

    Returns
    -------
    y : int          the hard winner a(x) (for the running criterion)
    rho2 : float     ρ²(x, w_y) before the step
    """
    ### BEGIN SOLUTION
    diff = x - W                                       # (K, n)
    d2 = (diff * diff).sum(axis=1)                     # (K,)
    y = int(d2.argmin())
    rho2 = float(d2[y])
    weights = kernel(backend.get_xp(W).sqrt(d2), sigma)  # (K,)  K(ρ(x, w_y))
    W += eta * weights[:, None] * diff                 # [C6]
    ### END SOLUTION
    return y, rho2


def wta_step_reference(W, x, eta):
    """The WTA step written as on the slide: a loop over units y ∈ Y.  [C4]

    Same arguments and result as :func:`wta_step`; slow, for reading and stepping through.
    """
    K = W.shape[0]
    rho2 = [float(((x - W[y]) ** 2).sum()) for y in range(K)]   # distance layer
    a = min(range(K), key=lambda y: rho2[y])                     # competition layer
    for y in range(K):
        if a == y:                                               # [a(x_i) = y]
            W[y] = W[y] + eta * (x - W[y])
    return a, rho2[a]


def wtm_step_reference(W, x, eta, kernel, sigma):
    """The WTM step written as on the slide: a loop over units y ∈ Y.  [C6]

    Same arguments and result as :func:`wtm_step`.
    """
    xp = backend.get_xp(W)
    K = W.shape[0]
    rho2 = [float(((x - W[y]) ** 2).sum()) for y in range(K)]
    a = min(range(K), key=lambda y: rho2[y])
    for y in range(K):
        rho = xp.asarray(math.sqrt(rho2[y]), dtype=W.dtype)
        W[y] = W[y] + eta * (x - W[y]) * kernel(rho, sigma)
    return a, rho2[a]


# -- the estimator -----------------------------------------------------------------------

class CompetitiveLearning(ParamModel):
    """Clustering by a Kohonen network trained with the SG algorithm of the slides.  [C3, C5]

    ==========  ============  ========
    params key  slide symbol  shape
    ==========  ============  ========
    ``W``       w_y, y ∈ Y    (K, n)
    ==========  ============  ========

    The SG algorithm [C5], exactly::

        initialise the centres w_y;  Q := (1/ℓ) Σ_i ρ²(x_i, w_{a(x_i)})
        repeat (one epoch = ℓ objects in a fresh random order):
            pick x_i;  y := argmin_y ρ(x_i, w_y)
            step: WTA [C4] or WTM [C6]
            Q := (1 − λ) Q + λ ρ²(x_i, w_y)
        until Q and w have stabilised

    Stopping rule: after each epoch, stop when *both* the relative change of Q over the
    epoch and the largest displacement of a centre over the epoch (relative to the data's
    standard deviation) are at most ``tol``; at the latest after ``epochs`` epochs.

    Parameters
    ----------
    n_clusters : int               K, the number of units
    rule : "wta" or "wtm"          hard [C4] or soft [C6] competition
    kernel : str or callable       K(ρ) for WTM: "gaussian", "bubble", "triangle",
                                   "exponential", "cauchy", or a function K(r, sigma)
    sigma : float                  the kernel's width in the units of the data
    learning_rate : float          η in (0, 1]: with η ≤ 1 (and a kernel in [0, 1]) every step
                                   is a convex combination of w and x, so the centres stay in
                                   the convex hull of their start and the data
    lam : float                    λ, the smoothing of the running estimate of Q
    epochs : int                   the most passes over the data
    tol : float                    the stopping threshold (see above)
    init : "samples", "uniform" or array (K, n)
                                   K distinct random objects; uniform in the data's
                                   bounding box; or given centres
    algorithm : "vectorized" or "reference"
                                   the step with the units as array rows, or the slide's
                                   loop over units (same result, for stepping through)
    random_state : None, int, SeedSequence or Generator

    Attributes
    ----------
    params : dict                  {"W": centres}
    cluster_centers_ : array (K, n) a view of params["W"]
    Q_ : float                     the running estimate of the mean criterion at the end
    n_iter_ : int                  epochs run
    history_ : dict of lists       per epoch: "Q" (running estimate), "criterion"
                                   (exact mean ρ² over X), "shift" (largest centre move)
    win_counts_ : array (K,)       how often each unit won during training
    n_dead_ : int                  units that win no object of the training data
    labels_ : int array (N,)       the winning unit of each training object (its cluster)
    n_features_in_ : int
    """

    _estimator_type = "clusterer"

    def __init__(self, n_clusters=8, rule="wta", kernel="gaussian", sigma=1.0,
                 learning_rate=0.1, lam=0.01, *, epochs=50, tol=1e-4, init="samples",
                 algorithm="vectorized", random_state=None):
        self.n_clusters = n_clusters
        self.rule = rule
        self.kernel = kernel
        self.sigma = sigma
        self.learning_rate = learning_rate
        self.lam = lam
        self.epochs = epochs
        self.tol = tol
        self.init = init
        self.algorithm = algorithm
        self.random_state = random_state

    def _check_hyperparameters(self):
        check_scalar(self.n_clusters, "n_clusters", kind=int, low=1)
        check_choice(self.rule, "rule", ("wta", "wtm"))
        get_kernel(self.kernel)
        check_scalar(self.sigma, "sigma", low=0, low_open=True)
        check_scalar(self.learning_rate, "learning_rate", low=0, low_open=True, high=1)
        check_scalar(self.lam, "lam", low=0, high=1)
        check_scalar(self.epochs, "epochs", kind=int, low=1)
        check_scalar(self.tol, "tol", low=0)
        if isinstance(self.init, str):
            check_choice(self.init, "init", ("samples", "uniform"))
        check_choice(self.algorithm, "algorithm", ("vectorized", "reference"))
        check_random_state(self.random_state)

    def init_params(self, n_features, X=None):
        """Create the centres for ``n_features``-wide data (``X`` for data-based inits)."""
        check_scalar(n_features, "n_features", kind=int, low=1)
        self._seed_streams()
        K, dtype = self.n_clusters, self._dtype()
        if isinstance(self.init, str) and self.init in ("samples", "uniform") and X is None:
            raise ValueError(f"init={self.init!r} needs the data: call fit(X) or init_params(n, X)")
        if not isinstance(self.init, str):
            W = numpy.array(backend.to_numpy(self.init), dtype=float)
            if W.shape != (K, n_features):
                raise ValueError(f"init must have shape (n_clusters, n_features) = "
                                 f"{(K, n_features)}, got {W.shape}")
        elif self.init == "samples":
            if X.shape[0] < K:
                raise ValueError(f"init='samples' needs at least n_clusters={K} objects, "
                                 f"X has {X.shape[0]}")
            W = backend.to_numpy(X)[self._init_rng.choice(X.shape[0], K, replace=False)]
        elif self.init == "uniform":
            host = backend.to_numpy(X)
            W = self._init_rng.uniform(host.min(axis=0), host.max(axis=0), (K, n_features))
        else:
            check_choice(self.init, "init", ("samples", "uniform"))
        self.n_features_in_ = n_features
        self._params = {"W": backend.asarray(W, dtype=dtype)}
        return self

    @property
    def cluster_centers_(self):
        return self.params["W"]

    def _step(self):
        """The step function of this configuration: step(W, x, eta) -> (y, rho2)."""
        if self.rule == "wta":
            return wta_step if self.algorithm == "vectorized" else wta_step_reference
        K = get_kernel(self.kernel)
        wtm = wtm_step if self.algorithm == "vectorized" else wtm_step_reference
        return lambda W, x, eta: wtm(W, x, eta, K, self.sigma)

    def step(self, x):
        """One step of the slide's rule on one object x (shape (n,)); returns (y, ρ²)."""
        self._check_fitted()
        x = self._check_X(backend.get_xp(x).asarray(x).reshape(1, -1), name="x")[0]
        return self._step()(self.params["W"], x, self.learning_rate)

    def fit(self, X, y=None):
        """Run the SG algorithm [C5] on X; returns self."""
        self._check_hyperparameters()
        X = self._check_X(X)
        self.init_params(X.shape[1], X)
        W = self.params["W"]
        xp = backend.get_xp(W)
        step, eta, lam = self._step(), self.learning_rate, self.lam
        scale = float(X.std()) or 1.0
        Q = criterion(X, W) / X.shape[0]                       # [C5] initial estimate
        self.history_ = {"Q": [], "criterion": [], "shift": []}
        wins = numpy.zeros(self.n_clusters, dtype=numpy.int64)
        for epoch in range(self.epochs):
            W_start, Q_start = W.copy(), Q
            for i in self._shuffle_rng.permutation(X.shape[0]):
                y, rho2 = step(W, X[int(i)], eta)
                Q = (1 - lam) * Q + lam * rho2                 # [C5] running estimate
                wins[y] += 1
            shift = float(xp.sqrt(((W - W_start) ** 2).sum(axis=1)).max()) / scale
            self.history_["Q"].append(Q)
            self.history_["criterion"].append(criterion(X, W) / X.shape[0])
            self.history_["shift"].append(shift)
            if abs(Q - Q_start) <= self.tol * Q_start and shift <= self.tol:
                break
        self.n_iter_ = epoch + 1
        self.Q_ = Q
        self.win_counts_ = wins
        self.labels_ = backend.to_numpy(winners(X, W))
        hits = numpy.bincount(self.labels_, minlength=self.n_clusters)
        self.n_dead_ = int((hits == 0).sum())
        return self

    def loss_and_grads(self, X, y=None):
        """The mean criterion (1/N) Σ_i ρ²(x_i, w_{a(x_i)}) and its gradient, winners fixed.  [C2, C4]

        Returns
        -------
        loss : float
        grads : {"W": array (K, n)}    ∂/∂w_y = (2/N) Σ_{i: a(x_i) = y} (w_y − x_i)

        Notes
        -----
        The WTA step [C4] on one object is gradient descent on ½ ρ²(x, w_{a(x)}) with
        step η: w_y − η · ½ · 2 (w_y − x) = w_y + η (x − w_y).
        """
        X = self._check_input(X)
        W = self.params["W"]
        xp = backend.get_xp(W)
        N, K = X.shape[0], W.shape[0]
        D2 = sq_distances(X, W)                                # (N, K)
        a = D2.argmin(axis=1)                                  # (N,)
        loss = D2[xp.arange(N), a].sum() / N
        onehot = (a[:, None] == xp.arange(K)[None, :]).astype(W.dtype)   # (N, K)
        counts = onehot.sum(axis=0)                            # (K,)
        dW = (2.0 / N) * (counts[:, None] * W - onehot.T @ X)  # (K, n)
        return loss, {"W": dW}

    def transform(self, X):
        """Distance layer [C3]: ρ(x_i, w_y), array of shape (N, K)."""
        X = self._check_input(X)
        return backend.get_xp(X).sqrt(sq_distances(X, self.params["W"]))

    def predict(self, X):
        """Competition layer [C1, C3]: the winning unit a(x_i), int array of shape (N,)."""
        X = self._check_input(X)
        return winners(X, self.params["W"])

    def fit_predict(self, X, y=None):
        return self.fit(X).predict(X)

    def fit_transform(self, X, y=None):
        """``fit(X)``, then the distances ``transform(X)`` to the trained neurons."""
        return self.fit(X).transform(X)

    def criterion(self, X):
        """Q(w; X) = Σ_i ρ²(x_i, w_{a(x_i)}) on X, as on the slide [C2]."""
        return criterion(self._check_input(X), self.params["W"])

    def score(self, X, y=None):
        """Minus the mean criterion, −Q/N (higher is better, as scikit-learn expects)."""
        X = self._check_input(X)
        return -criterion(X, self.params["W"]) / X.shape[0]
