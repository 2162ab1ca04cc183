"""The linear autoencoder against PCA; PCA, principal angles and Oja's rule by hand."""
import numpy as np
import pytest

from nnunsup.autoencoders import (LinearAutoencoder, oja, oja_step, pca, pca_reconstruction_error,
                                  principal_angles)
from nnunsup.datasets import load_mnist
from nnunsup.nn import gradcheck

decomposition = pytest.importorskip("sklearn.decomposition")


def gaussian(rng, N, variances, shift=0.0):
    """N objects of a Gaussian with the given variances along random orthogonal axes."""
    n = len(variances)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return rng.standard_normal((N, n)) * np.sqrt(variances) @ Q.T + shift


# -- the linear autoencoder: objective and gradient ------------------------------------------
OPTIONS = [dict(), dict(tied=True), dict(bias=False), dict(tied=True, bias=False)]


def option_id(kwargs):
    return ",".join(f"{k}={v}" for k, v in kwargs.items()) or "default"


@pytest.mark.parametrize("kwargs", OPTIONS, ids=option_id)
def test_gradient(float64, rng, kwargs):
    """loss_and_grads passes gradcheck with and without tied weights and biases.  [A2]"""
    X = rng.standard_normal((9, 6))
    model = LinearAutoencoder(3, **kwargs, epochs=1, random_state=0).fit(X)
    result = gradcheck(model, X)
    assert result.max_rel_error < 1e-6, result


@pytest.mark.parametrize("kwargs", OPTIONS, ids=option_id)
def test_objective_is_the_formula(float64, rng, kwargs):
    """L = (1/N) Σ ‖B (A x_i + a) + b − x_i‖², by a loop over objects; bias=False is the
    slide's Σ ‖B A x_i − x_i‖² / N; tied uses B = Aᵀ.  [A2]"""
    X = rng.standard_normal((7, 5))
    model = LinearAutoencoder(2, **kwargs, epochs=2, random_state=0).fit(X)
    p = model.params
    A = p["A"]
    B = A.T if model.tied else p["B"]
    a = p.get("a", np.zeros(2))
    b = p.get("b", np.zeros(5))
    expected = np.mean([np.sum((B @ (A @ x + a) + b - x) ** 2) for x in X])
    assert float(model.loss_and_grads(X)[0]) == pytest.approx(expected, rel=1e-12)
    assert model.reconstruction_error(X) == pytest.approx(expected, rel=1e-12)
    assert set(p) == {"A", "a", "B", "b"} - ({"B"} if model.tied else set()) - (
        set() if model.bias else {"a", "b"})


def test_components_are_a_live_view(rng):
    """components_ is B, or Aᵀ when tied: a view of params that training keeps updating.  [A2]"""
    X = rng.standard_normal((20, 6))
    model = LinearAutoencoder(2, epochs=1, random_state=0).fit(X)
    assert model.components_ is model.params["B"] and model.components_.shape == (6, 2)
    tied = LinearAutoencoder(2, tied=True, epochs=1, random_state=0).fit(X)
    view = tied.components_
    assert view.shape == (6, 2) and np.shares_memory(view, tied.params["A"])
    before = view.copy()
    tied.set_params(warm_start=True).fit(X)
    assert not np.array_equal(view, before)                   # the same view, new values
    assert np.array_equal(view, tied.params["A"].T)


def test_transform_and_inverse_transform(rng):
    """transform gives z = A x + a (N, m); inverse_transform gives B z + b (N, n).  [A2]"""
    X = rng.standard_normal((12, 5))
    model = LinearAutoencoder(3, epochs=1, random_state=0).fit(X)
    p = model.params
    Z = model.transform(X)
    assert Z.shape == (12, 3) and np.allclose(Z, X @ p["A"].T + p["a"], atol=1e-6)
    assert np.allclose(model.inverse_transform(Z), Z @ p["B"].T + p["b"], atol=1e-6)
    assert np.array_equal(model.reconstruct(X), model.inverse_transform(Z))
    assert np.array_equal(model.fit_transform(X), model.transform(X))
    with pytest.raises(ValueError, match="Z has 2 columns, but the code of this LinearAutoencoder"):
        model.inverse_transform(Z[:, :2])


# -- PCA by hand ------------------------------------------------------------------------------
def test_pca_matches_sklearn(rng):
    """pca(): the components (up to sign), the mean and the explained variances of
    scikit-learn's PCA; UᵀU = I.  [A2]"""
    X = gaussian(rng, 200, [9.0, 5.0, 3.0, 2.0, 1.0, 0.5, 0.2, 0.1], shift=3.0)
    U, mean, variance = pca(X, 4)
    oracle = decomposition.PCA(4).fit(X)
    assert U.shape == (8, 4) and np.allclose(U.T @ U, np.eye(4), atol=1e-12)
    signs = np.sign(np.sum(U * oracle.components_.T, axis=0))
    assert np.allclose(U * signs, oracle.components_.T, atol=1e-10)
    assert np.allclose(mean, oracle.mean_) and np.allclose(variance, oracle.explained_variance_)


def test_pca_reconstruction_error_is_the_slide_formula(rng):
    """Uncentred: (1/N) ‖F − G Uᵀ‖² with G = F U (the slide's matrix form); centred: the
    error of scikit-learn's inverse_transform(transform(X)), which is Σ of the discarded
    variances × (N − 1)/N.  [A2]"""
    X = gaussian(rng, 100, [4.0, 2.0, 1.0, 0.5, 0.25], shift=1.0)
    N = X.shape[0]
    U, _, _ = pca(X, 2, center=False)
    G = X @ U                                                       # G = F U
    slide = np.sum((X - G @ U.T) ** 2) / N                          # ‖F − G Uᵀ‖² / N
    assert pca_reconstruction_error(X, U) == pytest.approx(slide, rel=1e-12)
    U, mean, _ = pca(X, 2)
    oracle = decomposition.PCA(2).fit(X)
    sk_error = np.sum((oracle.inverse_transform(oracle.transform(X)) - X) ** 2) / N
    assert pca_reconstruction_error(X, U, mean) == pytest.approx(sk_error, rel=1e-10)
    discarded = pca(X, 5).explained_variance[2:].sum() * (N - 1) / N
    assert pca_reconstruction_error(X, U, mean) == pytest.approx(discarded, rel=1e-10)


def test_principal_angles():
    """0 for a subspace and itself (in any basis), 90° for orthogonal subspaces, θ for a
    hand-built pair; the same angles as scipy's subspace_angles (radians, reversed).  [A2]"""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 3))
    C = rng.standard_normal((3, 3)) + 3 * np.eye(3)                  # invertible
    assert np.allclose(principal_angles(A, A @ C), 0, atol=1e-5)
    E = np.eye(4)
    assert np.allclose(principal_angles(E[:, :2], E[:, 2:]), [90, 90])
    theta = np.radians(30)
    plane = E[:, :2]                                                # span{e1, e2}
    tilted = np.stack([E[:, 0], np.cos(theta) * E[:, 1] + np.sin(theta) * E[:, 2]], axis=1)
    assert np.allclose(principal_angles(plane, 5 * tilted), [0, 30], atol=1e-6)
    assert np.allclose(principal_angles(plane, tilted, degrees=False), [0, theta], atol=1e-8)
    linalg = pytest.importorskip("scipy.linalg")
    B = rng.standard_normal((6, 2))
    assert np.allclose(principal_angles(A, B, degrees=False), linalg.subspace_angles(A, B)[::-1])


# -- the slide's claim, on real data ----------------------------------------------------------
def test_linear_autoencoder_reaches_pca_on_mnist(data_dir):
    """Trained with its defaults (Adam, η = 1e-3, 100 epochs of 64) on 2,000 real MNIST
    digits, the linear AE with m = 9 reaches PCA's reconstruction error within 1% and its
    decoder spans the top-9 principal subspace (largest principal angle < 5°), measured on
    the training data.  m = 9 because on this sample λ₉ is 15% above λ₁₀, a comfortable
    eigengap; at m = 10 (λ₁₀ 11% above λ₁₁) the last angle converges more slowly and
    reaches ~5° for some seeds.  [A2]"""
    X, _ = load_mnist("train", path=data_dir, n_samples=2000, random_state=0)
    model = LinearAutoencoder(9, random_state=0, verbose=False).fit(X)
    result = model.compare_with_pca(X)
    assert 1.0 - 1e-6 <= result["ratio"] <= 1.01, result
    assert result["max_angle"] < 5.0, result
    assert result["max_angle"] == result["angles"].max() and result["angles"].shape == (9,)


@pytest.mark.parametrize("kwargs", OPTIONS[1:], ids=option_id)
def test_variants_reach_pca(rng, kwargs):
    """Tied (B = Aᵀ) and bias-free AEs reach PCA too — the bias-free one the slide's
    uncentred PCA — on data with a clear gap after the third variance (~3,750 Adam steps).
    [A2]"""
    X = gaussian(rng, 1000, [5.0, 4.0, 3.0, 0.5, 0.4, 0.3, 0.2, 0.1], shift=0.3)
    model = LinearAutoencoder(3, **kwargs, epochs=60, batch_size=16, random_state=0,
                              verbose=False).fit(X)
    result = model.compare_with_pca(X)
    assert result["ratio"] <= 1.01 and result["max_angle"] < 5.0, result


# -- Oja's rule ---------------------------------------------------------------------------------
def test_oja_step_is_the_formula(float64, rng):
    """One object, one epoch: w = w0 + η y (x − y w0), y = w0ᵀx; on a batch, oja_step is the
    mean of the per-object steps from the same w.  [A2]"""
    x, w0, eta = rng.standard_normal(4), rng.standard_normal(4), 0.1
    y = w0 @ x
    w = oja(x[None, :], eta, epochs=1, center=False, w0=w0)
    assert np.allclose(w, w0 + eta * y * (x - y * w0), rtol=1e-14)
    X = rng.standard_normal((5, 4))
    steps = [w0 + eta * (w0 @ xi) * (xi - (w0 @ xi) * w0) for xi in X]
    assert np.allclose(oja_step(w0, X, eta), np.mean(steps, axis=0), rtol=1e-13)


def test_oja_reference_loop_equals_vectorized(float64, rng):
    """The per-object loop and the oja_step kernel with batch_size=1 make the same steps.  [A2]"""
    X = rng.standard_normal((30, 5))
    ref = oja(X, 0.01, epochs=3, algorithm="reference", random_state=7)
    vec = oja(X, 0.01, epochs=3, algorithm="vectorized", random_state=7)
    assert np.allclose(ref, vec, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("variances", [[4.0, 0.5], [4.0, 0.5, 0.4, 0.3, 0.2]], ids=["2-D", "5-D"])
@pytest.mark.parametrize("batch_size, eta, epochs", [(1, 0.001, 40), (32, 0.05, 50)],
                         ids=["per-object", "batch-32"])
def test_oja_converges_to_the_first_component(float64, rng, variances, batch_size, eta, epochs):
    """On shifted Gaussian data with a clear top eigenvalue, w → ± sklearn's first component
    (|cos| > 0.999) with ‖w‖ → 1.  [A2]"""
    X = gaussian(rng, 500, variances, shift=2.0)
    first = decomposition.PCA(1).fit(X).components_[0]
    w = oja(X, eta, epochs, batch_size, random_state=0)
    assert abs(w @ first) / np.linalg.norm(w) > 0.999
    assert np.linalg.norm(w) == pytest.approx(1, abs=0.01)


def test_oja_is_the_tied_one_unit_autoencoder(float64, rng):
    """With ‖w‖ = 1, Oja's step is the SGD step (η/2) of the tied one-unit linear AE
    ‖w wᵀx − x‖² on that object.  [A2]"""
    x = rng.standard_normal(5)
    w = rng.standard_normal(5)
    w /= np.linalg.norm(w)
    model = LinearAutoencoder(1, tied=True, bias=False, random_state=0).init_params(5)
    model.params["A"][0] = w                                         # A = wᵀ, B = Aᵀ = w
    _, grads = model.loss_and_grads(x[None, :])
    eta = 0.1
    assert np.allclose(w - eta / 2 * grads["A"][0], oja_step(w, x[None, :], eta), rtol=1e-12)


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, X, error, message", [
    (dict(n_components=7), np.ones((4, 6)), ValueError,
     r"n_components=7 is larger than the number of features \(6\)"),
    (dict(n_components=0), np.ones((4, 6)), ValueError, "n_components must be >= 1, got 0"),
    (dict(n_components=2.5), np.ones((4, 6)), TypeError, "n_components must be an integer"),
    (dict(n_components=2, tied="yes"), np.ones((4, 6)), ValueError,
     "tied must be one of True, False"),
    (dict(n_components=2), np.array([[1.0, np.nan, 0.0]]), ValueError,
     r"X contains NaN \(first at row 0, column 1\)"),
])
def test_bad_input(kwargs, X, error, message):
    """Too many components, zero components, bad options and NaN give named errors.  [A2]"""
    with pytest.raises(error, match=message):
        LinearAutoencoder(**kwargs, epochs=1).fit(X)


def test_bad_input_to_the_analysis_functions(rng):
    """pca, principal_angles and oja name the problem.  [A2]"""
    X = rng.standard_normal((5, 3))
    with pytest.raises(ValueError, match=r"n_components=4 must be <= min\(n_samples, n_features\)"):
        pca(X, 4)
    with pytest.raises(ValueError, match="n_components must be >= 1, got 0"):
        pca(X, 0)
    with pytest.raises(ValueError, match="X contains NaN"):
        pca(np.array([[0.0, np.nan], [1.0, 2.0]]), 1)
    with pytest.raises(ValueError, match="same number of rows"):
        principal_angles(np.ones((3, 1)), np.ones((4, 1)))
    with pytest.raises(ValueError, match="B has linearly dependent columns"):
        principal_angles(np.eye(3)[:, :2], np.ones((3, 2)))
    with pytest.raises(ValueError, match="algorithm='reference' is the per-object loop"):
        oja(X, batch_size=2, algorithm="reference")
    with pytest.raises(ValueError, match=r"w0 must have shape \(3,\)"):
        oja(X, w0=np.ones(4))
