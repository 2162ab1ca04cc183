"""Deep clustering: clusters found in the code space of an autoencoder.  [A16]

1. pre-train an autoencoder on X;
2. cluster the codes z_i = f(x_i): k-means (Lloyd's batch algorithm for the criterion
   Q = Σ_i ρ²(z_i, μ_{a(z_i)}) of the competitive-learning slides [C2]) or the
   :class:`~nnunsup.competitive.CompetitiveLearning` network;
3. optionally refine encoder, decoder and centres jointly (Yang et al.'s deep clustering
   network):  L_AE + γ (1/N) Σ_i ρ²(f(x_i), μ_{a(x_i)}) → min over α, β, μ, with the
   assignments a(x_i) = argmin_k ρ(f(x_i), μ_k) held fixed inside each step.

The measures for comparing clusterings with known classes are here too: purity and the
adjusted Rand index.

Slides: "Способы использования автокодировщиков" (MIPT notes: autoencoders for
        clustering); "Autoenkodery" (Polish notes: "głęboka klasteryzacja").

Shape legend: ``N`` objects, ``n`` features, ``m`` code units, ``K`` clusters.
"""
import numpy

from .. import backend
from .._validation import NonFiniteLossError, check_choice, check_random_state, check_scalar
from ..competitive import CompetitiveLearning
from ..competitive.wta import sq_distances
from .base import Autoencoder

__all__ = ["kmeans", "purity_score", "adjusted_rand_index", "DeepClustering"]


def kmeans(Z, n_clusters, n_init=4, max_iter=100, random_state=None):
    """Lloyd's k-means: Q = Σ_i ρ²(z_i, μ_{a(z_i)}) → min, k-means++ starts.  [C2, A16]

    Parameters
    ----------
    Z : array of shape (N, m)
    n_clusters : int                K
    n_init : int                    restarts; the lowest Q wins

    Returns
    -------
    centers : array of shape (K, m)
    labels : int array of shape (N,)
    Q : float                       the criterion of the returned clustering
    """
    Z = numpy.asarray(backend.to_numpy(Z), dtype=float)
    rng = numpy.random.default_rng(check_random_state(random_state))
    best = None
    for _ in range(n_init):
        centers = Z[[rng.integers(len(Z))]]                          # k-means++ seeding
        for _ in range(1, n_clusters):
            d2 = sq_distances(Z, centers).min(axis=1)
            p = d2 / d2.sum() if d2.sum() > 0 else None
            centers = numpy.vstack([centers, Z[rng.choice(len(Z), p=p)]])
        for _ in range(max_iter):
            labels = sq_distances(Z, centers).argmin(axis=1)         # assignment (WTA)
            new = numpy.array([Z[labels == k].mean(axis=0) if numpy.any(labels == k)
                               else centers[k] for k in range(n_clusters)])  # mean step
            if numpy.allclose(new, centers):
                break
            centers = new
        labels = sq_distances(Z, centers).argmin(axis=1)
        Q = float(sq_distances(Z, centers).min(axis=1).sum())
        if best is None or Q < best[2]:
            best = (centers, labels, Q)
    return best


def purity_score(labels_true, labels_pred):
    """Σ_clusters (size of the cluster's majority class) / N, in (0, 1].  [A16]"""
    t = numpy.unique(numpy.asarray(labels_true), return_inverse=True)[1]
    p = numpy.unique(numpy.asarray(labels_pred), return_inverse=True)[1]
    table = numpy.zeros((p.max() + 1, t.max() + 1))
    numpy.add.at(table, (p, t), 1)
    return float(table.max(axis=1).sum() / len(t))


def adjusted_rand_index(labels_true, labels_pred):
    """Adjusted Rand index (Hubert & Arabie, 1985): 1 for identical partitions, ≈ 0 by chance.  [A16]

    ARI = (Σ_ij C(n_ij, 2) − E) / (½ (Σ_i C(a_i, 2) + Σ_j C(b_j, 2)) − E),
    E = Σ_i C(a_i, 2) Σ_j C(b_j, 2) / C(N, 2), with n_ij the contingency table.
    """
    t = numpy.unique(numpy.asarray(labels_true), return_inverse=True)[1]
    p = numpy.unique(numpy.asarray(labels_pred), return_inverse=True)[1]
    table = numpy.zeros((t.max() + 1, p.max() + 1))
    numpy.add.at(table, (t, p), 1)
    pairs = lambda n: n * (n - 1) / 2
    index = pairs(table).sum()
    a, b = pairs(table.sum(axis=1)).sum(), pairs(table.sum(axis=0)).sum()
    expected = a * b / pairs(len(t))
    maximum = (a + b) / 2
    return 1.0 if maximum == expected else float((index - expected) / (maximum - expected))


class DeepClustering(Autoencoder):
    """Clustering in the code space of an autoencoder, optionally refined jointly.  [A16]

    ==================  ==================  ========
    params key          symbol              shape
    ==================  ==================  ========
    ``encoder.*``       α                   as :class:`Autoencoder`
    ``decoder.*``       β
    ``centers``         μ_1..μ_K            (K, m)
    ==================  ==================  ========

    Parameters
    ----------
    hidden_sizes, activation, code_activation, output_activation, loss :
                                 the autoencoder, as :class:`Autoencoder`
    n_clusters : int             K
    clusterer : "kmeans" or "competitive"
                                 how the codes are first clustered
    gamma : float                γ, the weight of the clustering term in the refinement
    pretrain_epochs : int        epochs of the plain autoencoder
    epochs : int                 epochs of joint refinement (0: cluster the codes only)

    Attributes
    ----------
    labels_ : int array (N,)     the cluster of each training object
    pretrain_history_ : dict     the autoencoder's history before refinement
    """

    _estimator_type = "clusterer"

    def __init__(self, hidden_sizes=(64, 10), n_clusters=10, clusterer="kmeans", gamma=0.1,
                 pretrain_epochs=10, activation="relu", code_activation="identity",
                 output_activation=None, loss="bce", *, epochs=5, batch_size=64,
                 learning_rate=1e-3, optimizer="adam", random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.n_clusters = n_clusters
        self.clusterer = clusterer
        self.gamma = gamma
        self.pretrain_epochs = pretrain_epochs
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.random_state = random_state
        self.verbose = verbose

    tied, decoder_sizes, patience, warm_start = False, None, None, False
    _min_epochs = 0

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.n_clusters, "n_clusters", kind=int, low=1)
        check_choice(self.clusterer, "clusterer", ("kmeans", "competitive"))
        check_scalar(self.gamma, "gamma", low=0)
        check_scalar(self.pretrain_epochs, "pretrain_epochs", kind=int, low=1)

    def _init_params(self, n_features, rng):
        params = super()._init_params(n_features, rng)
        params["centers"] = backend.asarray(
            numpy.zeros((self.n_clusters, self.hidden_sizes[-1])), dtype=backend.get_default_dtype())
        return params

    def fit(self, X, y=None):
        """Pre-train, cluster the codes, refine jointly; returns self."""
        self._check_hyperparameters()
        X = self._check_X(X)
        if X.shape[0] < self.n_clusters:
            raise ValueError(f"X has {X.shape[0]} objects, fewer than n_clusters={self.n_clusters}")
        self.init_params(X.shape[1])
        gamma, self._gamma = self.gamma, 0.0                         # 1. the plain AE
        try:
            self._train(X, None, self.pretrain_epochs, None, early_stopping=False)
        except NonFiniteLossError as err:
            raise err.during("pre-training (the plain autoencoder)") from err
        self.pretrain_history_ = dict(self.history_)
        Z = self.transform(X)                                         # 2. cluster the codes
        seed = int(self._init_rng.integers(2**32))
        if self.clusterer == "kmeans":
            centers, _, _ = kmeans(Z, self.n_clusters, random_state=seed)
        else:
            centers = CompetitiveLearning(self.n_clusters, random_state=seed).fit(Z).cluster_centers_
        self.params["centers"][...] = backend.asarray(centers, dtype=self._dtype())
        self._gamma = gamma
        if self.epochs:                                               # 3. joint refinement
            try:
                self._train(X, None, self.epochs, None, early_stopping=False)
            except NonFiniteLossError as err:
                raise err.during("joint refinement") from err
        self.labels_ = backend.to_numpy(self.predict(X))
        return self

    def _loss_and_grads(self, X, y=None):
        """L_AE + γ (1/N) Σ_i ρ²(f(x_i), μ_{a(x_i)}) with a(x_i) fixed, and its gradient.  [A16, C2]"""
        xp = backend.get_xp(X)
        z, enc_cache = self._encode(X)                                # (N, m)
        out, dec_cache = self._decode(z)
        loss, dout, _ = self._reconstruction(out, X)                  # L_AE
        mu = self.params["centers"]                                   # (K, m)
        N, gamma = X.shape[0], getattr(self, "_gamma", self.gamma)
        a = sq_distances(z, mu).argmin(axis=1)                        # assignments, fixed
        diff = z - mu[a]                                              # (N, m)
        loss = loss + gamma * (diff * diff).sum() / N                 # [A16] clustering term
        dz = (2.0 * gamma / N) * diff
        onehot = (a[:, None] == xp.arange(mu.shape[0])[None, :]).astype(z.dtype)   # (N, K)
        grads = self._backward(dout, dec_cache, enc_cache, dz_extra=dz)
        grads["centers"] = -(onehot.T @ dz)                           # ∂/∂μ_k = −Σ_{a=k} ∂/∂z
        return loss, grads

    def predict(self, X):
        """The cluster of each object: the nearest centre to its code, int array (N,)."""
        return sq_distances(self.transform(X), self.params["centers"]).argmin(axis=1)

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_
