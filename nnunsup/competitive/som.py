"""The self-organising map (Kohonen map): an M × H grid of Kohonen neurons.  [C7–C9]

Every node (m, h) of the grid Y = {1..M} × {1..H} carries a neuron w_mh ∈ R^n [C7].
Training picks an object, finds its winner by hard competition, and pulls the winner
*and its grid neighbours* towards the object with a kernel of the grid distance [C9]:

    (m_i, h_i) := argmin_(m,h) ρ(x_i, w_mh)                                  WTA
    w_mh := w_mh + η (x_i − w_mh) K(r((m_i, h_i), (m, h)))  for all (m, h)   WTM

Slides: "Карта Кохонена (Self Organizing Map, SOM)", "Обучение карты Кохонена"
        (MIPT notes); "Kohonen Map (Self Organizing Map, SOM)", "Kohonen Map Training"
        (KBTU notes).

Shape legend: ``N`` objects, ``n`` features, ``M × H`` the grid, ``MH = M·H`` nodes.
``params["W"]`` is (M, H, n); the kernels work on its flat view ``W.reshape(MH, n)``,
node (m, h) ↔ flat index m·H + h (0-based).
"""
import math

import numpy

from .. import backend
from .._base import ParamModel
from .._validation import check_choice, check_n_features, check_random_state, check_scalar
from ..nn.training import Progress
from .kernels import kernel as get_kernel
from .wta import sq_distances

__all__ = ["grid_positions", "grid_distances", "som_step", "som_step_reference",
           "batch_update", "decay", "SOM"]

ADJACENT = 1.5   # grid distance below which two nodes are neighbours (8 on squares, 6 on hexagons)


def grid_positions(M, H, topology="rectangular"):
    """Coordinates of the nodes in the plane of the grid, array of shape (MH, 2).  [C7]

    Rectangular: node (m, h) sits at (m, h).  Hexagonal: odd rows are shifted by ½ and
    rows are √3/2 apart, so each inner node has six neighbours at distance 1.
    """
    m, h = numpy.meshgrid(numpy.arange(M), numpy.arange(H), indexing="ij")
    m, h = m.ravel().astype(float), h.ravel().astype(float)
    if topology == "hexagonal":
        return numpy.column_stack([m * math.sqrt(3) / 2, h + 0.5 * (m % 2)])
    return numpy.column_stack([m, h])


def grid_distances(positions):
    """The grid metric r((m_i, h_i), (m, h)) = sqrt((m − m_i)² + (h − h_i)²) for all pairs.  [C7]

    Parameters
    ----------
    positions : array of shape (MH, 2)      from :func:`grid_positions`

    Returns
    -------
    R : array of shape (MH, MH)
    """
    diff = positions[:, None, :] - positions[None, :, :]      # (MH, MH, 2)
    return numpy.sqrt((diff * diff).sum(axis=2))


def decay(start, end, t):
    """Exponential schedule start · (end/start)^t for t ∈ [0, 1] (t = share of training done)."""
    return start * (end / start) ** min(max(t, 0.0), 1.0)


def som_step(W, R, x, eta, kernel, sigma):
    """One online SOM step on object x, all nodes at once, in place.  [C9]

    Parameters
    ----------
    W : array of shape (MH, n)     the neurons (flat view), updated in place
    R : array of shape (MH, MH)    grid distances
    x : array of shape (n,)
    eta, sigma : float             η and the kernel's width (in grid units)
    kernel : callable              K(r, sigma)

    Returns
    -------
    c : int    the winner's flat index

    Notes
    -----
    The slide updates the nodes in the winner's neighbourhood; updating every node with
    K(r) as weight is the same, since K = 0 outside a bubble and tiny outside a Gaussian.
    ``diff`` is scaled in place into the step η K(r) (x − w) rather than copied: at this
    size a step is a handful of passes over (MH, n), each new array costing one more.
    """
    xp = backend.get_xp(W)
    ### BEGIN SOLUTION
    diff = x - W                                          # (MH, n)
    c = int(xp.einsum("kd,kd->k", diff, diff).argmin())   # WTA: the winner of ‖x − w‖²
    weights = kernel(R[c], sigma)                         # (MH,)  K(r(c, ·))
    diff *= (eta * weights)[:, None]                      # (MH, n)  η K(r(c, ·)) (x − w)
    W += diff                                             # WTM step [C9]
    ### END SOLUTION
    return c


def som_step_reference(W, positions, x, eta, kernel, sigma, M, H):
    """The SOM step written as on the slide: loops over the grid.  [C9]

    ``W`` is the (M, H, n) array and ``positions`` the (MH, 2) grid coordinates; same
    result as :func:`som_step` on the flat view.  Slow, for reading and stepping through.
    """
    xp = backend.get_xp(W)
    best, (m_i, h_i) = math.inf, (0, 0)
    for m in range(M):                                    # WTA: argmin over the grid
        for h in range(H):
            rho2 = float(((x - W[m, h]) ** 2).sum())
            if rho2 < best:
                best, (m_i, h_i) = rho2, (m, h)
    p_i = positions[m_i * H + h_i]
    for m in range(M):                                    # WTM: every node, by K(r)
        for h in range(H):
            p = positions[m * H + h]
            r = math.sqrt((p[0] - p_i[0]) ** 2 + (p[1] - p_i[1]) ** 2)
            k = kernel(xp.asarray(r, dtype=W.dtype), sigma)
            W[m, h] = W[m, h] + eta * (x - W[m, h]) * k
    return m_i * H + h_i


def batch_update(X, W, R, kernel, sigma, chunk=4096, winners=None):
    """One epoch of the batch SOM: every neuron becomes its kernel-weighted mean.  [C9]

    w_k := Σ_i K(r(c_i, k)) x_i / Σ_i K(r(c_i, k)),  c_i the winner of x_i under the old W.

    Parameters
    ----------
    X : array of shape (N, n)
    W : array of shape (MH, n)     the neurons (flat view), updated in place
    R : array of shape (MH, MH)    grid distances
    winners : int array of shape (N,) or None
                                   the winners c_i under the current W when the caller has
                                   them already (``SOM.fit`` does, from the previous epoch's
                                   quantisation error); None finds them here

    Returns
    -------
    c : int array of shape (N,)    the winners used

    Notes
    -----
    The batch map is the fixed point of the online rule averaged over one epoch.  Sums
    per winner are taken first (S_j = Σ_{c_i = j} x_i, n_j = #{c_i = j}), so the kernel
    enters as one (MH, MH) product: w_k = Σ_j K(r(j, k)) S_j / Σ_j K(r(j, k)) n_j.  Nodes
    with no weight at all keep their old value.  The winner needs only ‖w_j‖² − 2 x·w_j
    (‖x‖² is the same for every j), and the sums per winner are bincounts, not a product
    with an (N, MH) one-hot matrix.
    """
    xp = backend.get_xp(X, W)
    MH, n = W.shape
    S = xp.zeros_like(W)                                  # (MH, n)
    counts = xp.zeros(MH, dtype=W.dtype)                  # (MH,)
    used = []                                             # the winners, chunk by chunk
    features = xp.arange(n)
    w2 = (W * W).sum(axis=1)                              # (MH,)  ‖w_j‖²
    for start in range(0, X.shape[0], chunk):
        Xc = X[start:start + chunk]
        if winners is None:
            D = Xc @ (-2.0 * W).T                         # (chunk, MH)  −2 x·w
            D += w2[None, :]                              # + ‖w‖²  (= ρ² − ‖x‖²)
            c = D.argmin(axis=1)                          # (chunk,)  WTA
        else:
            c = winners[start:start + chunk]
        # S_j = Σ_{c_i = j} x_i: entry x_id goes to bin c_i·n + d of the flat (MH·n) sums
        bins = (c[:, None] * n + features[None, :]).ravel()          # (chunk·n,)
        S += xp.bincount(bins, weights=Xc.ravel(), minlength=MH * n).reshape(MH, n)
        counts += xp.bincount(c, minlength=MH)            # n_j
        used.append(c)
    ### BEGIN SOLUTION
    Kr = kernel(R, sigma)                                 # (MH, MH), symmetric
    numerator = Kr @ S                                    # (MH, n)
    denominator = Kr @ counts                             # (MH,)
    filled = denominator > 0
    W[filled] = numerator[filled] / denominator[filled, None]
    ### END SOLUTION
    return xp.concatenate(used)


class SOM(ParamModel):
    """Self-organising map on an M × H grid.  [C7, C8, C9]

    ==========  ============  ==========
    params key  slide symbol  shape
    ==========  ============  ==========
    ``W``       w_mh          (M, H, n)
    ==========  ============  ==========

    Parameters
    ----------
    m, h : int                    M and H, the grid's size
    topology : "rectangular" or "hexagonal"
    kernel : str or callable      K(r) of the grid distance: "gaussian" (exp(−r²/2σ²)),
                                  "bubble" ([r ≤ σ], the slides' "Окрестность"), "triangle",
                                  "exponential", "cauchy", or a function K(r, sigma)
    sigma, sigma_final : float    the kernel's width at the start and at the end of
                                  training, in grid units; sigma=None means max(M, H)/2
    learning_rate, learning_rate_final : float in (0, 1]
                                  η at the start and the end (online training only); with
                                  η ≤ 1 and a kernel in [0, 1] every step is a convex
                                  combination of w and x, so the map cannot diverge
    epochs : int                  passes over the data; both schedules decay
                                  exponentially from start to end over them
    init : "slides", "random", "pca" or array (M, H, n)
                                  U(−1/(2MH), 1/(2MH)) as on the slides [C8]; random
                                  objects of X; the plane of the first two principal
                                  components; or given neurons
    algorithm : "batch", "online" or "reference"
                                  "batch": the batch map, vectorised (the fast default);
                                  "online": the slide's per-object rule with all nodes
                                  updated at once; "reference": the same rule as literal
                                  loops over the grid ("online" and "reference" give the
                                  same maps)
    tol : float                   stopping rule: stop when the share of objects whose
                                  winner changed during an epoch is at most ``tol``
    random_state : None, int, SeedSequence or Generator
    verbose : "auto" or bool      progress bar on long runs

    Attributes
    ----------
    params : {"W": (M, H, n)}     the neurons
    positions_ : (MH, 2)          node coordinates in the grid's plane
    history_ : dict of lists      per epoch: "sigma", "learning_rate", "changed" (share of
                                  winners changed), "quantization_error"
    n_iter_ : int                 epochs run
    labels_ : int array (N,)      the winning node's flat index m·H + h of every object of
                                  the last ``fit`` or ``partial_fit`` call
    n_features_in_ : int

    Notes
    -----
    The schedules are stated in epochs: at epoch e of T the width is
    σ_e = σ · (σ_final/σ)^(e/(T−1)) (online training decays continuously within epochs).
    The online rule draws objects in a fresh random order each epoch.
    """

    _estimator_type = "clusterer"

    def __init__(self, m=10, h=10, *, topology="rectangular", kernel="gaussian", sigma=None,
                 sigma_final=0.5, learning_rate=0.5, learning_rate_final=0.01, epochs=20,
                 init="slides", algorithm="batch", tol=0.0, random_state=None,
                 verbose="auto"):
        self.m = m
        self.h = h
        self.topology = topology
        self.kernel = kernel
        self.sigma = sigma
        self.sigma_final = sigma_final
        self.learning_rate = learning_rate
        self.learning_rate_final = learning_rate_final
        self.epochs = epochs
        self.init = init
        self.algorithm = algorithm
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    # -- set-up --------------------------------------------------------------------------
    def _check_hyperparameters(self):
        check_scalar(self.m, "m", kind=int, low=1)
        check_scalar(self.h, "h", kind=int, low=1)
        check_choice(self.topology, "topology", ("rectangular", "hexagonal"))
        get_kernel(self.kernel)
        check_scalar(self.sigma, "sigma", low=0, low_open=True, allow_none=True)
        check_scalar(self.sigma_final, "sigma_final", low=0, low_open=True)
        check_scalar(self.learning_rate, "learning_rate", low=0, low_open=True, high=1)
        check_scalar(self.learning_rate_final, "learning_rate_final", low=0, low_open=True, high=1)
        check_scalar(self.epochs, "epochs", kind=int, low=1)
        if isinstance(self.init, str):
            check_choice(self.init, "init", ("slides", "random", "pca"))
        check_choice(self.algorithm, "algorithm", ("batch", "online", "reference"))
        check_scalar(self.tol, "tol", low=0, high=1)
        check_random_state(self.random_state)

    def init_params(self, n_features, X=None):
        """Create the neurons by the ``init`` rule [C8]; "random" and "pca" need ``X``."""
        self._check_hyperparameters()
        check_scalar(n_features, "n_features", kind=int, low=1)
        self._seed_streams()
        M, H, rng = self.m, self.h, self._init_rng
        if not isinstance(self.init, str):
            W = numpy.array(backend.to_numpy(self.init), dtype=float)
            if W.shape != (M, H, n_features):
                raise ValueError(f"init must have shape (m, h, n_features) = "
                                 f"{(M, H, n_features)}, got {W.shape}")
        elif self.init == "slides":
            bound = 1.0 / (2 * M * H)                                   # [C8]
            W = rng.uniform(-bound, bound, (M, H, n_features))
        elif X is None:
            raise ValueError(f"init={self.init!r} needs the data: call fit(X) or init_params(n, X)")
        elif self.init == "random":
            host = backend.to_numpy(X)
            W = host[rng.choice(host.shape[0], M * H, replace=host.shape[0] < M * H)]
        else:
            W = self._pca_init(backend.to_numpy(X).astype(float), M, H)
        self.n_features_in_ = n_features
        self.positions_ = grid_positions(M, H, self.topology)
        self._params = {"W": backend.asarray(W.reshape(M, H, n_features), dtype=self._dtype())}
        self._R = backend.asarray(grid_distances(self.positions_), dtype=self._dtype())
        self.history_ = {"sigma": [], "learning_rate": [], "changed": [], "quantization_error": []}
        self._epochs_done, self._last_winners = 0, None
        return self

    @staticmethod
    def _pca_init(X, M, H):
        """Neurons spread over the plane of the first two principal components (±1 s.d.)."""
        mean = X.mean(axis=0)
        _, s, Vt = numpy.linalg.svd(X - mean, full_matrices=False)
        sd = s / math.sqrt(max(X.shape[0] - 1, 1))
        a = numpy.linspace(-1, 1, M)[:, None, None] * sd[0] * Vt[0]
        b = numpy.linspace(-1, 1, H)[None, :, None] * (sd[1] * Vt[1] if len(sd) > 1 else 0)
        return mean + a + b

    def _sigma0(self):
        return self.sigma if self.sigma is not None else max(self.m, self.h) / 2.0

    def _t(self, epoch):
        return epoch / (self.epochs - 1) if self.epochs > 1 else 1.0

    # -- training ------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Train on X for ``epochs`` epochs or until the stopping rule holds; returns self.  [C9]"""
        self._check_hyperparameters()
        X = self._check_X(X)
        self.init_params(X.shape[1], X)
        progress = Progress(self.epochs, 1, self.verbose)
        winners = None
        for epoch in range(self.epochs):
            changed, winners = self._epoch(X, winners=winners)
            progress.update(epoch, 1, self.history_["quantization_error"][-1])
            if changed is not None and changed <= self.tol:
                break
        progress.close()
        self.n_iter_ = self._epochs_done
        self.labels_ = backend.to_numpy(winners)                   # = predict(X)
        return self

    def partial_fit(self, X, y=None):
        """One online epoch over X; call k uses the schedules' values of epoch k."""
        self._check_hyperparameters()
        X = self._check_X(X)
        if getattr(self, "_params", None) is None:
            self.init_params(X.shape[1], X)
        check_n_features(X, self.n_features_in_, type(self).__name__)
        _, winners = self._epoch(X, online=True)
        self.n_iter_ = self._epochs_done
        self.labels_ = backend.to_numpy(winners)                   # = predict(X)
        return self

    def _epoch(self, X, online=False, winners=None):
        """One epoch of the configured algorithm; records history.

        ``winners``: those of X under the current W, when known.  Returns the share of
        changed winners and the winners under the updated W (found with its quantisation
        error, so the next batch epoch need not search again).
        """
        W = self.params["W"].reshape(-1, self.n_features_in_)      # (MH, n), a view
        K = get_kernel(self.kernel)
        t = self._t(self._epochs_done)
        sigma = decay(self._sigma0(), self.sigma_final, t)
        eta = decay(self.learning_rate, self.learning_rate_final, t)
        if self.algorithm == "batch" and not online:
            winners = batch_update(X, W, self._R, K, sigma, winners=winners)
        else:
            self._online_epoch(X, W, K)
            winners = None
        xp = backend.get_xp(W)
        D2 = sq_distances(X, W)                                    # ρ² to the updated W
        after = D2.argmin(axis=1)                                  # (N,)  the new winners
        if winners is None:                                        # online: winners after it
            winners = after
        changed = None
        if self._last_winners is not None and self._last_winners.shape == winners.shape:
            changed = float((winners != self._last_winners).mean())
        self._last_winners = winners
        self._epochs_done += 1
        self.history_["sigma"].append(sigma)
        self.history_["learning_rate"].append(eta)
        self.history_["changed"].append(changed)
        nearest = xp.take_along_axis(D2, after[:, None], axis=1)[:, 0]   # min ρ²
        self.history_["quantization_error"].append(float(xp.sqrt(nearest).mean()))
        return changed, after

    def _online_epoch(self, X, W, K):
        """The slide's loop over objects, with σ and η decaying within the epoch."""
        N, T = X.shape[0], max(self.epochs - 1, 1)
        sigma0 = self._sigma0()
        M, H = self.m, self.h
        for i, index in enumerate(self._shuffle_rng.permutation(N)):
            t = (self._epochs_done + i / N) / T
            sigma = decay(sigma0, self.sigma_final, t)
            eta = decay(self.learning_rate, self.learning_rate_final, t)
            x = X[int(index)]
            if self.algorithm == "reference":
                som_step_reference(W.reshape(M, H, -1), self.positions_, x, eta, K, sigma, M, H)
            else:
                som_step(W, self._R, x, eta, K, sigma)

    def step(self, x, learning_rate=None, sigma=None):
        """One slide step [C9] on object x (shape (n,)); returns the winner's (m, h)."""
        self._check_fitted()
        x = self._check_X(backend.get_xp(x).asarray(x).reshape(1, -1), name="x")[0]
        W = self.params["W"].reshape(-1, self.n_features_in_)
        eta = self.learning_rate_final if learning_rate is None else learning_rate
        check_scalar(eta, "learning_rate", low=0, low_open=True, high=1)
        width = self.sigma_final if sigma is None else sigma
        c = som_step(W, self._R, x, eta, get_kernel(self.kernel), width)
        return divmod(c, self.h)

    # -- using the map -------------------------------------------------------------------
    def transform(self, X):
        """Distances ρ(x_i, w_mh) to every node, array of shape (N, MH)."""
        X = self._check_input(X)
        W = self.params["W"].reshape(-1, self.n_features_in_)
        return backend.get_xp(X).sqrt(sq_distances(X, W))

    def predict(self, X):
        """The winning node's flat index m·H + h, int array of shape (N,)."""
        X = self._check_input(X)
        return sq_distances(X, self.params["W"].reshape(-1, self.n_features_in_)).argmin(axis=1)

    def winner(self, X):
        """The winning node's grid coordinates (m_i, h_i), int array of shape (N, 2).  [C9]"""
        c = backend.to_numpy(self.predict(X))
        return numpy.column_stack(numpy.divmod(c, self.h))

    def fit_predict(self, X, y=None):
        return self.fit(X).predict(X)

    def fit_transform(self, X, y=None):
        """``fit(X)``, then the distances ``transform(X)`` to the trained neurons."""
        return self.fit(X).transform(X)

    def quantization_error(self, X):
        """Mean distance from each object to its winner, (1/N) Σ_i ρ(x_i, w_{c_i}).  [C12]"""
        D = self.transform(X)
        return float(D.min(axis=1).mean())

    def topographic_error(self, X):
        """Share of objects whose two nearest nodes are not grid neighbours.  [C12]

        Neighbours are nodes at grid distance below 1.5: the 8 around a node on a square
        grid, the 6 on a hexagonal one.
        """
        D = backend.to_numpy(self.transform(X))
        if D.shape[1] < 2:
            return 0.0
        best_two = numpy.argpartition(D, 1, axis=1)[:, :2]
        first = best_two[numpy.arange(len(D)), D[numpy.arange(len(D))[:, None], best_two].argmin(axis=1)]
        second = best_two.sum(axis=1) - first
        p = self.positions_
        r = numpy.sqrt(((p[first] - p[second]) ** 2).sum(axis=1))
        return float((r > ADJACENT).mean())

    def score(self, X, y=None):
        """Minus the quantisation error (higher is better)."""
        return -self.quantization_error(X)
