"""The linear autoencoder and principal component analysis.  [A2]

Slides: "Линейный автокодировщик и метод главных компонент" (MIPT notes, both versions).

    linear AE:  f(x, A) = A x,  g(z, B) = B z,     L_AE(A, B) = Σ_i ‖B A x_i − x_i‖² → min_{A, B}
    PCA:        F = (x_1 … x_ℓ)ᵀ,  UᵀU = I_m,  G = F U,
                ‖F − G Uᵀ‖² = Σ_i ‖U Uᵀ x_i − x_i‖² → min_U

The slide's point, "Автокодировщик обобщает метод главных компонент": both minimise the
same quadratic reconstruction error over rank-m linear maps, so the best linear AE
reaches PCA's error and its decoder's columns span the top-m principal subspace (Baldi &
Hornik 1989).  The AE does not recover U itself: any B = U C, A = C⁻¹ Uᵀ with C
invertible is optimal, so we compare *subspaces* (principal angles), not matrices.

The module puts the three pieces side by side:

* :func:`pca`, :func:`pca_reconstruction_error`, :func:`principal_angles` — the SVD
  answer, as host-side NumPy analysis functions;
* :class:`LinearAutoencoder` — the same problem solved by gradient descent;
* :func:`~nnunsup.autoencoders.oja.oja` (its own module) — the one-neuron Hebbian learner,
  which finds the first principal component.

Centring.  The slide's PCA has no mean: it fits a subspace through the origin.  The usual
PCA (and scikit-learn's) first centres the data, x̂ = μ + U Uᵀ (x − μ), an affine
subspace through the mean μ.  The AE with biases, x̂ = B (A x + a) + b, is affine too,
and at its optimum B a + b = (I − B A) μ, so it matches the *centred* PCA; without
biases it is the slide's formula and matches the uncentred one.  ``pca(center=...)``
offers both, and ``LinearAutoencoder.compare_with_pca`` picks the one that matches
its ``bias``.

Shape legend: ``N`` objects, ``n`` features, ``m`` code units (principal components).
"""
import collections

import numpy

from .. import backend
from .._base import GradientModel
from .._validation import check_array, check_choice, check_scalar
from ..nn import init, losses

__all__ = ["PCAResult", "pca", "pca_reconstruction_error", "principal_angles",
           "LinearAutoencoder"]


# -- PCA by hand -------------------------------------------------------------------------------
PCAResult = collections.namedtuple("PCAResult", ["components", "mean", "explained_variance"])
PCAResult.__doc__ = """What :func:`pca` returns: ``U, mean, explained_variance = pca(X, m)``.

components : array of shape (n, m)     U, orthonormal columns (UᵀU = I), strongest first
mean : array of shape (n,)             μ (zeros when center=False)
explained_variance : array of shape (m,)   s_k² / (N − 1), s_k the singular values
"""


def _host64(X, name):
    """X validated, as a float64 NumPy array (the analysis functions run on the host)."""
    return numpy.asarray(backend.to_numpy(check_array(X, name=name)), dtype=numpy.float64)


def pca(X, n_components, center=True):
    """Principal component analysis by the SVD of the (centred) data matrix.  [A2]

    Slides: "Линейный автокодировщик и метод главных компонент" (MIPT notes).

    Formula:  F − 1 μᵀ = V S Wᵀ (thin SVD),  U = the first m columns of W,
              ‖F − G Uᵀ‖² = Σ_i ‖U Uᵀ x_i − x_i‖² → min over UᵀU = I_m

    Parameters
    ----------
    X : array of shape (N, n)       the data, one object per row (the slide's F)
    n_components : int             m, 1 ≤ m ≤ min(N, n)
    center : bool                  subtract the mean first (the usual PCA, which the AE
                                   with biases matches); False is the slide's formula,
                                   a subspace through the origin

    Returns
    -------
    PCAResult (components U (n, m), mean μ (n,), explained_variance (m,)), NumPy arrays

    Notes
    -----
    The right singular vectors of F are the eigenvectors of FᵀF, and Σ_i ‖U Uᵀ x_i − x_i‖²
    = Σ_i ‖x_i‖² − tr(Uᵀ FᵀF U) is smallest for the top-m eigenvectors (Eckart–Young).
    The SVD avoids forming FᵀF, which would square the condition number.  Each column's
    sign is fixed so that its largest-magnitude entry is positive (the SVD leaves it free).
    ``explained_variance`` uses N − 1, as scikit-learn does.
    """
    X = _host64(X, "X")
    N, n = X.shape
    check_scalar(n_components, "n_components", kind=int, low=1)
    if n_components > min(N, n):
        raise ValueError(f"n_components={n_components} must be <= min(n_samples, n_features) = "
                         f"min({N}, {n}) = {min(N, n)}")
    mean = X.mean(axis=0) if center else numpy.zeros(n)            # μ          (n,)
    _, s, Wt = numpy.linalg.svd(X - mean, full_matrices=False)     # F − 1μᵀ = V S Wᵀ
    U = Wt[:n_components].T                                        # (n, m)
    rows = numpy.abs(U).argmax(axis=0)
    U = U * numpy.sign(U[rows, numpy.arange(n_components)])        # deterministic signs
    explained_variance = s[:n_components] ** 2 / max(N - 1, 1)     # (m,)
    return PCAResult(U, mean, explained_variance)


def pca_reconstruction_error(X, U, mean=None):
    """Mean squared error of reconstructing X from its projection onto span(U).  [A2]

    Slides: "Линейный автокодировщик и метод главных компонент" (MIPT notes).

    Formula:  (1/N) Σ_i ‖U Uᵀ (x_i − μ) + μ − x_i‖²   (μ = 0: the slide's (1/N) ‖F − G Uᵀ‖²)

    Parameters
    ----------
    X : array of shape (N, n)
    U : array of shape (n, m)       orthonormal columns, e.g. ``pca(X, m).components``
    mean : array of shape (n,) or None     μ; None is the slide's uncentred formula

    Returns
    -------
    error : float

    Notes
    -----
    Divided by N so that it is on the scale of the autoencoder's loss, which averages
    over objects (the slide's sums are N times larger).
    """
    X = _host64(X, "X")
    U = _host64(U, "U")
    mean = numpy.zeros(X.shape[1]) if mean is None else numpy.asarray(backend.to_numpy(mean), float)
    if U.shape[0] != X.shape[1] or mean.shape != (X.shape[1],):
        raise ValueError(f"U must be (n_features, m) and mean (n_features,) with n_features = "
                         f"{X.shape[1]}; got U {U.shape} and mean {mean.shape}")
    Xc = X - mean                                                  # x_i − μ     (N, n)
    G = Xc @ U                                                     # codes       (N, m)
    R = G @ U.T - Xc                                               # U Uᵀ (x − μ) + μ − x
    return float((R * R).sum() / X.shape[0])


def _orthonormal_basis(M, name):
    """Q with orthonormal columns and span(Q) = span(M), by QR; M must have full column rank."""
    Q, R = numpy.linalg.qr(M)
    d = numpy.abs(numpy.diag(R))
    if d.size and d.min() <= 1e-10 * max(d.max(), 1e-300):
        raise ValueError(f"{name} has linearly dependent columns (rank < {M.shape[1]}); "
                         f"principal angles need a basis of the subspace")
    return Q


def principal_angles(A, B, degrees=True):
    """Principal angles between the column spaces of A and B, smallest first.  [A2]

    Formula:  Q_A, Q_B orthonormal bases (QR);  cos θ_k = s_k(Q_Aᵀ Q_B),  k = 1..min(p, q)

    Parameters
    ----------
    A : array of shape (n, p)       columns spanning the first subspace (full column rank)
    B : array of shape (n, q)       columns spanning the second
    degrees : bool                 angles in degrees (default) or radians

    Returns
    -------
    angles : NumPy array of shape (min(p, q),), ascending: 0 for a shared direction,
             90° for orthogonal ones.  The largest one measures how far the subspaces are.

    Notes
    -----
    Only the spans matter: A and A C (C invertible) give the same angles, which is why an
    autoencoder's B = U C is compared with PCA's U this way.  arccos is flat near 0, so
    angles below ~1e-8 rad read as 0.  ``scipy.linalg.subspace_angles`` gives the same
    angles in radians, largest first.

    References
    ----------
    Björck & Golub (1973). Numerical methods for computing angles between linear
    subspaces. Mathematics of Computation 27(123).
    """
    A, B = _host64(A, "A"), _host64(B, "B")
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows (the dimension n); "
                         f"got {A.shape[0]} and {B.shape[0]}")
    Q_A, Q_B = _orthonormal_basis(A, "A"), _orthonormal_basis(B, "B")
    s = numpy.linalg.svd(Q_A.T @ Q_B, compute_uv=False)            # cos θ_k, descending
    angles = numpy.arccos(numpy.clip(s, -1.0, 1.0))                # ascending
    return numpy.degrees(angles) if degrees else angles


# -- the linear autoencoder --------------------------------------------------------------------
class LinearAutoencoder(GradientModel):
    """Linear autoencoder f(x) = A x + a, g(z) = B z + b, trained on the quadratic loss.  [A2]

    Slides: "Линейный автокодировщик и метод главных компонент" (MIPT notes).

    Formula:  L(A, a, B, b) = (1/N) Σ_i ‖B (A x_i + a) + b − x_i‖²      (bias=True)
              L(A, B) = (1/N) Σ_i ‖B A x_i − x_i‖²  — the slide's L_AE / N  (bias=False)
              tied=True: B = Aᵀ, the slide's optional constraint ("не обязательно B = Aᵀ")

    ==========  ============  ======  ======================================
    params key  slide symbol  shape   role
    ==========  ============  ======  ======================================
    ``A``       A             (m, n)  encoder weights
    ``a``       a             (m,)    only when ``bias``
    ``B``       B             (n, m)  decoder weights; absent when ``tied``
    ``b``       b             (n,)    only when ``bias``
    ==========  ============  ======  ======================================

    Parameters
    ----------
    n_components : int             m, the code size
    tied : bool                    B = Aᵀ (one weight matrix)
    bias : bool                    have a and b (the AE then matches the centred PCA)
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`; the defaults
                                   (Adam, η = 1e-3, 100 epochs of 64) bring data scaled like
                                   MNIST ([0, 1]) or standardised data to PCA's error (Notes)

    Attributes
    ----------
    params, history_, n_features_in_
    components_ : array of shape (n, m)   the decoder's columns, a view of ``params``
                  (``B``, or ``A.T`` when tied); they span PCA's subspace but are neither
                  orthonormal nor ordered.  Note: scikit-learn's ``PCA.components_`` is (m, n)

    Notes
    -----
    ``get_params()`` returns the hyperparameters above (scikit-learn's meaning);
    ``params`` are the weights.  Unlike PCA there is no closed form here: the point is to
    watch SGD find the SVD's answer — see :meth:`compare_with_pca`.

    Convergence.  Adam with η = 1e-3 needs a few thousand steps (epochs × N / batch_size;
    the defaults give ~5,000 for N ≈ 3,000): raise ``epochs`` or lower ``batch_size`` on
    small data.  The error approaches PCA's first; the last principal angle follows at a
    rate set by the eigengap λ_m − λ_{m+1}, slowly when it is small.  Centre or
    standardise the data, as for PCA: a large mean makes the problem ill-conditioned.

    References
    ----------
    Baldi & Hornik (1989). Neural networks and principal component analysis: learning
    from examples without local minima. Neural Networks 2(1).
    """

    def __init__(self, n_components=2, *, tied=False, bias=True, epochs=100, batch_size=64,
                 learning_rate=1e-3, optimizer="adam", patience=None, warm_start=False,
                 random_state=None, verbose="auto"):
        self.n_components = n_components
        self.tied = tied
        self.bias = bias
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.n_components, "n_components", kind=int, low=1)
        check_choice(self.tied, "tied", (True, False))
        check_choice(self.bias, "bias", (True, False))

    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        if self.n_components > n_features:
            raise ValueError(f"n_components={self.n_components} is larger than the number of "
                             f"features ({n_features}); a linear code wider than its input "
                             f"is no bottleneck (at most n_components={n_features})")
        m, n, dtype = self.n_components, n_features, backend.get_default_dtype()
        params = {"A": init.xavier_uniform(rng, (m, n), dtype=dtype)}          # (m, n)
        if self.bias:
            params["a"] = init.zeros((m,), dtype=dtype)                         # (m,)
        if not self.tied:
            params["B"] = init.xavier_uniform(rng, (n, m), dtype=dtype)         # (n, m)
        if self.bias:
            params["b"] = init.zeros((n,), dtype=dtype)                         # (n,)
        return params

    # -- the formula ------------------------------------------------------------------------
    def _B(self):
        """The decoder's weights: ``params["B"]``, or Aᵀ (a view) when tied."""
        return self.params["A"].T if self.tied else self.params["B"]

    def _encode(self, X):
        """z = f(x) = A x + a for every row, array of shape (N, m)."""
        z = X @ self.params["A"].T                                  # A x        (N, m)
        return z + self.params["a"] if self.bias else z

    def _decode(self, z):
        """x̂ = g(z) = B z + b for every row, array of shape (N, n)."""
        x_hat = z @ self._B().T                                     # B z        (N, n)
        return x_hat + self.params["b"] if self.bias else x_hat

    def _loss_and_grads(self, X, y=None):
        """L = (1/N) Σ_i ‖B (A x_i + a) + b − x_i‖² and its gradient, by hand.  [A2]

        Backward, with dX̂ = ∂L/∂X̂ = 2 (X̂ − X) / N (rows dx̂_i) and dZ = dX̂ B:
            ∂L/∂B = dX̂ᵀ Z,   ∂L/∂b = Σ_i dx̂_i,   ∂L/∂A = dZᵀ X,   ∂L/∂a = Σ_i dz_i;
        tied (B = Aᵀ): A is used twice, so ∂L/∂A = dZᵀ X + (dX̂ᵀ Z)ᵀ.
        """
        z = self._encode(X)                                         # f(x)       (N, m)
        x_hat = self._decode(z)                                     # g(f(x))    (N, n)
        loss, dx_hat = losses.mse(x_hat, X)                         # [A2] (1/N) Σ ‖x̂ − x‖²
        dB = dx_hat.T @ z                                           # (n, m)
        dz = dx_hat @ self._B()                                     # (N, m)
        dA = dz.T @ X                                               # (m, n)
        grads = {"A": dA + dB.T} if self.tied else {"A": dA, "B": dB}
        if self.bias:
            grads["a"] = dz.sum(axis=0)                             # (m,)
            grads["b"] = dx_hat.sum(axis=0)                         # (n,)
        return loss, grads

    # -- using the trained model -------------------------------------------------------------
    @property
    def components_(self):
        """The decoder's columns B (n, m) — a view of ``params``, live during training."""
        return self._B()

    def transform(self, X):
        """The codes z = A x + a, array of shape (N, m)."""
        return self._encode(self._check_input(X))

    def inverse_transform(self, Z):
        """The reconstructions x̂ = B z + b, array of shape (N, n)."""
        self._check_fitted()
        Z = self._check_X(Z, name="Z")
        if Z.shape[1] != self.params["A"].shape[0]:
            raise ValueError(f"Z has {Z.shape[1]} columns, but the code of this "
                             f"LinearAutoencoder has {self.params['A'].shape[0]}")
        return self._decode(Z)

    def reconstruct(self, X):
        """x̂ = g(f(x)) = B (A x + a) + b, array of shape (N, n)."""
        return self._decode(self.transform(X))

    predict = reconstruct

    def reconstruction_error(self, X):
        """(1/N) Σ_i ‖x̂_i − x_i‖², the training objective, as a float."""
        X = self._check_input(X)
        diff = self._decode(self._encode(X)) - X
        return float((diff * diff).sum() / X.shape[0])

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def compare_with_pca(self, X):
        """The slide's claim measured on X: this AE against PCA with the same code size.  [A2]

        PCA is centred when the model has biases and uncentred when it has none (see the
        module docstring), so both minimise the same objective over the same maps.

        Returns
        -------
        dict
            with the keys::

                "ae_error"    (1/N) Σ ‖x̂_i − x_i‖² of this model (float64 on the host)
                "pca_error"   the same for PCA with m components, pca_reconstruction_error
                "ratio"       ae_error / pca_error: ≥ 1 on the data PCA was fitted to (PCA is
                              the minimum), → 1 as training converges
                "angles"      principal angles (degrees, ascending) between span(B) and the
                              top-m principal subspace, array of shape (m,)
                "max_angle"   the largest of them: 0 when the subspaces coincide
        """
        X = self._check_input(X)
        X64 = numpy.asarray(backend.to_numpy(X), dtype=numpy.float64)
        x_hat = numpy.asarray(backend.to_numpy(self.reconstruct(X)), dtype=numpy.float64)
        ae_error = float(((x_hat - X64) ** 2).sum() / X64.shape[0])
        U, mean, _ = pca(X64, self.params["A"].shape[0], center=self.bias)
        pca_error = pca_reconstruction_error(X64, U, mean)
        angles = principal_angles(backend.to_numpy(self.components_), U)
        ratio = ae_error / pca_error if pca_error > 0 else float("inf") if ae_error > 0 else 1.0
        return {"ae_error": ae_error, "pca_error": pca_error, "ratio": ratio,
                "angles": angles, "max_angle": float(angles.max())}
