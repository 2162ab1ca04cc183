"""Oja's rule: one linear neuron learning the first principal component by Hebbian steps.  [A2]

    y = wᵀx,   w := w + η y (x − y w)

The one-unit case of the linear autoencoder of the slides "Линейный автокодировщик и
метод главных компонент" (MIPT notes): with ‖w‖ = 1 the step is the SGD step of the tied
autoencoder x̂ = w wᵀ x, and w converges to ± the first principal component.

Reference: E. Oja (1982). A simplified neuron model as a principal component analyzer.
J. Math. Biology 15, 267–273.

Shape legend: ``N`` objects, ``n`` features.
"""
import numpy

from .. import backend
from .._validation import check_array, check_choice, check_random_state, check_scalar
from ..nn.training import minibatches

__all__ = ["oja_step", "oja"]


def oja_step(w, X, eta):
    """One step of Oja's rule on a batch of objects, returned as the new w.  [A2]

    Formula:  y = wᵀx,   w := w + η y (x − y w)    — one object (the rule as Oja wrote it);
              w := w + η (1/N) Σ_i y_i (x_i − y_i w)  — a batch: the mean of those steps

    Parameters
    ----------
    w : array of shape (n,)         the neuron's weights
    X : array of shape (N, n)       the objects of the step (N = 1: the per-object rule)
    eta : float                     η

    Returns
    -------
    w : array of shape (n,)

    Notes
    -----
    Vectorised: Σ_i y_i x_i = Xᵀy and Σ_i y_i² w = (yᵀy) w.
    """
    y = X @ w                                                       # y_i = wᵀx_i  (N,)
    return w + eta * (y @ X - (y @ y) * w) / X.shape[0]             # (n,)


def oja(X, learning_rate=0.001, epochs=50, batch_size=1, *, center=True,
        algorithm="vectorized", random_state=None, w0=None):
    """Oja's rule: one linear neuron y = wᵀx that learns the first principal component.  [A2]

    Slides: "Линейный автокодировщик и метод главных компонент" (MIPT notes) — the rule
            itself is not on the slides; SPEC [A2] lists it as the one-neuron case.

    Formula::

        for each epoch, for x_i in random order:
            y = wᵀx_i,    w := w + η y (x_i − y w)
        w → ± the unit eigenvector of the largest eigenvalue of the (centred)
        covariance, the first principal component.

    Parameters
    ----------
    X : array of shape (N, n)
    learning_rate : float          η (constant); it needs η λ₁ ≪ 1 (λ₁ the largest variance,
                                   so standardise the data), and w keeps fluctuating by O(η)
                                   around the component
    epochs : int                   passes over X
    batch_size : int               1: the per-object rule; larger: :func:`oja_step` on the
                                   mean over a minibatch
    center : bool                  subtract the mean of X first (the first PC of centred
                                   data, as :func:`pca`); False: of the raw second moments
    algorithm : "vectorized" or "reference"
                                   "reference" is the rule written out object by object
                                   (needs batch_size=1); "vectorized" calls
                                   :func:`oja_step` per minibatch; for batch_size=1 both
                                   make the same steps in the same order
    random_state : None, int, SeedSequence or Generator     the order (and w0 if not given)
    w0 : array of shape (n,) or None     the starting weights; None: a random unit vector

    Returns
    -------
    w : array of shape (n,) on the backend of X, with ‖w‖ → 1

    Notes
    -----
    Oja's rule is a Hebbian term η y x with a decay η y² w that keeps ‖w‖ near 1.  It is
    the one-neuron tied linear autoencoder (m = 1, B = Aᵀ = w): the SGD step of
    ‖w y − x‖² with step η/2 is w + η [y (x − y w) + x y (1 − ‖w‖²)], Oja's step plus a
    term that vanishes at ‖w‖ = 1.

    References
    ----------
    Oja, E. (1982). A simplified neuron model as a principal component analyzer. Journal
    of Mathematical Biology 15(3), 267–273.
    """
    X = check_array(X, name="X")
    check_scalar(learning_rate, "learning_rate", low=0, low_open=True)
    check_scalar(epochs, "epochs", kind=int, low=1)
    check_scalar(batch_size, "batch_size", kind=int, low=1)
    check_choice(algorithm, "algorithm", ("vectorized", "reference"))
    if algorithm == "reference" and batch_size != 1:
        raise ValueError(f"algorithm='reference' is the per-object loop; it needs batch_size=1, "
                         f"got {batch_size}")
    xp = backend.get_xp(X)
    N, n = X.shape
    rng = numpy.random.default_rng(check_random_state(random_state))   # host: order, w0
    if w0 is None:
        w0 = rng.standard_normal(n)
        w0 /= numpy.linalg.norm(w0)
    w = check_array(w0, name="w0", ndim=1, dtype=X.dtype)
    if w.shape != (n,):
        raise ValueError(f"w0 must have shape ({n},) like a row of X; got {w.shape}")
    if center:
        X = X - X.mean(axis=0)
    eta = learning_rate
    for _ in range(epochs):
        if algorithm == "reference":
            for i in rng.permutation(N):                            # x_i in random order
                x = X[int(i)]                                       # (n,)
                y = w @ x                                           # y = wᵀx
                w = w + eta * y * (x - y * w)                       # [A2] Oja's rule
        else:
            for index in minibatches(N, batch_size, rng):
                w = oja_step(w, X[xp.asarray(index)], eta)
    return w
