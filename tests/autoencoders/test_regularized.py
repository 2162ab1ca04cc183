"""Regularised autoencoders: each penalty against a hand computation or finite differences,
every model's gradient by gradcheck, the noise by its moments, and each regulariser's effect
on data."""
import numpy as np
import pytest

from nnunsup import backend
from nnunsup.autoencoders import (Autoencoder, ContractiveAutoencoder, DenoisingAutoencoder,
                                  RelationalAutoencoder, SparseAutoencoder, code_l1_penalty,
                                  contractive_penalty, contractive_penalty_grads, corrupt,
                                  jacobian_penalty, jacobian_penalty_grads, kl_sparsity_penalty,
                                  relational_penalty, weight_penalty)
from nnunsup.datasets import load_mnist, shapes_images
from nnunsup.nn import gradcheck
from tests.helpers import rel_error

ACTIVATIONS = {
    "sigmoid": lambda s: 1 / (1 + np.exp(-s)),
    "tanh": np.tanh,
    "softplus": lambda s: np.log1p(np.exp(s)),
    "identity": lambda s: s,
}


def _ids(kwargs):
    return ",".join(f"{k}={v}" for k, v in kwargs.items())


def _data(rng, shape=(8, 6)):
    return rng.uniform(0.05, 0.95, shape)


def _twins(cls, X, **kwargs):
    """A regularised model and a plain Autoencoder with the same (initial) parameters."""
    kwargs = {"hidden_sizes": (4,), "random_state": 0, **kwargs}
    model = cls(**kwargs).init_params(X.shape[1])
    plain = Autoencoder(**{k: v for k, v in kwargs.items()
                           if k in Autoencoder().get_params()}).init_params(X.shape[1])
    assert all(np.array_equal(model.params[k], plain.params[k]) for k in plain.params)
    return model, plain


def _jacobian_by_differences(f, x, h=1e-6):
    """J_jd = ∂f_j/∂x_d of f at one object x, by central differences."""
    columns = []
    for d in range(x.size):
        e = np.zeros_like(x)
        e[d] = h
        columns.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(columns, axis=1)                                # (m, n)


# -- [A6] sparse -------------------------------------------------------------------------

def test_weight_penalties_by_hand(float64):
    """λ Σ W² and λ Σ |W| over the weight matrices only (biases free; tied counted once).  [A6]"""
    model = Autoencoder((5, 3), random_state=0).init_params(6)
    weights = ["encoder.0.W", "encoder.2.W", "decoder.0.W", "decoder.2.W"]
    value, grads = weight_penalty(model.params, 0.3, "l2")
    expected = 0.3 * sum((model.params[k] ** 2).sum() for k in weights)
    assert float(value) == pytest.approx(expected, rel=1e-12)
    assert sorted(grads) == sorted(weights)
    assert all(np.array_equal(grads[k], 0.6 * model.params[k]) for k in weights)
    value, grads = weight_penalty(model.params, 0.3, "l1")
    expected = 0.3 * sum(np.abs(model.params[k]).sum() for k in weights)
    assert float(value) == pytest.approx(expected, rel=1e-12)
    assert all(np.array_equal(grads[k], 0.3 * np.sign(model.params[k])) for k in weights)
    tied = Autoencoder((5, 3), tied=True, random_state=0).init_params(6)
    value, grads = weight_penalty(tied.params, 1.0, "l2")
    assert sorted(grads) == ["encoder.0.W", "encoder.2.W"]
    assert float(value) == pytest.approx(sum((tied.params[k] ** 2).sum() for k in grads), rel=1e-12)


def test_code_l1_penalty_by_hand(float64, rng):
    """λ (1/N) Σ_i Σ_j |f_j(x_i)| with an explicit loop, and its gradient λ sign(z) / N.  [A6]"""
    z = rng.standard_normal((7, 4))
    value, dz = code_l1_penalty(z, 0.2)
    expected = 0.2 * sum(abs(z[i, j]) for i in range(7) for j in range(4)) / 7
    assert float(value) == pytest.approx(expected, rel=1e-12)
    assert gradcheck(lambda z: code_l1_penalty(z, 0.2), z).max_rel_error < 1e-6


def test_kl_sparsity_penalty_by_hand(float64, rng):
    """β Σ_j KL(ε ‖ f̄_j), f̄_j the batch mean, with a loop over units; gradient through f̄.  [A6]"""
    z = rng.uniform(0.02, 0.9, (9, 5))
    eps, beta = 0.05, 0.7
    expected = 0.0
    for j in range(5):
        rho = sum(z[i, j] for i in range(9)) / 9
        expected += eps * np.log(eps / rho) + (1 - eps) * np.log((1 - eps) / (1 - rho))
    value, dz = kl_sparsity_penalty(z, eps, beta)
    assert float(value) == pytest.approx(beta * expected, rel=1e-12)
    assert float(kl_sparsity_penalty(np.full((3, 4), eps), eps, beta)[0]) == pytest.approx(0, abs=1e-15)
    assert gradcheck(lambda z: kl_sparsity_penalty(z, eps, beta), z).max_rel_error < 1e-6


def test_sparse_objective_is_the_sum_of_its_terms(float64, rng):
    """loss = L_AE + λ Σ W² + λ_codes mean_i Σ_j |z_ij| + β Σ_j KL(ε ‖ z̄_j), by hand.  [A6]"""
    X = _data(rng)
    model, plain = _twins(SparseAutoencoder, X, lam=0.01, lam_codes=0.1, beta=0.5, eps=0.1)
    z = plain.transform(X)
    rho = z.mean(axis=0)
    kl = (0.1 * np.log(0.1 / rho) + 0.9 * np.log(0.9 / (1 - rho))).sum()
    weights = sum((v ** 2).sum() for k, v in plain.params.items() if k.endswith(".W"))
    expected = (float(plain.loss_and_grads(X)[0]) + 0.01 * weights
                + 0.1 * z.sum(axis=1).mean() + 0.5 * kl)
    assert float(model.loss_and_grads(X)[0]) == pytest.approx(expected, rel=1e-12)


SPARSE_CONFIGS = [
    dict(lam=0.01, lam_codes=0.1, beta=0.5),
    dict(lam=0.01, weight_penalty="l1", lam_codes=0.1, beta=0.5, loss="bce"),
    dict(hidden_sizes=(5, 3), lam=0.01, lam_codes=0.1, beta=0.5, tied=True),
    dict(hidden_sizes=(5, 3), lam=0.02, weight_penalty="l1", lam_codes=0.05, beta=0.3, tied=True,
         loss="bce", activation="tanh", code_activation="sigmoid"),
    dict(hidden_sizes=(5, 3), code_activation="tanh", beta=0.0, lam_codes=0.1, lam=0.01),
]


@pytest.mark.parametrize("kwargs", SPARSE_CONFIGS, ids=_ids)
def test_sparse_gradient(float64, rng, kwargs):
    """Every term switched on, L1/L2, tied, mse/bce: loss_and_grads passes gradcheck.  [A6, A13]"""
    X = _data(rng)
    model = SparseAutoencoder(**{"hidden_sizes": (4,), **kwargs}, epochs=1, random_state=0).fit(X)
    if kwargs.get("weight_penalty") == "l1":           # keep |W| away from the kink at 0
        for key, W in model.params.items():
            if key.endswith(".W"):
                W += 0.01 * np.sign(W)
        assert min(np.abs(W).min() for k, W in model.params.items() if k.endswith(".W")) > 1e-3
    assert np.abs(model.transform(X)).min() > 1e-3     # and |z| away from the kink of |z|
    result = gradcheck(model, X)
    assert result.max_rel_error < 1e-6, result


def test_kl_drives_the_mean_activation_towards_eps():
    """Trained with β > 0, the codes' mean activation approaches ε; without, it stays far.  [A6]"""
    X, _ = shapes_images(600, size=12, random_state=0)
    kwargs = dict(hidden_sizes=(32,), epochs=40, batch_size=60, learning_rate=1e-2,
                  random_state=0, verbose=False)
    sparse = SparseAutoencoder(beta=3.0, eps=0.05, **kwargs).fit(X)
    plain = SparseAutoencoder(beta=0.0, **kwargs).fit(X)
    rho_sparse, rho_plain = sparse.transform(X).mean(axis=0), plain.transform(X).mean(axis=0)
    assert abs(rho_sparse.mean() - 0.05) < 0.03 and rho_sparse.max() < 0.15
    assert rho_plain.mean() > 0.3


# -- [A7] denoising ----------------------------------------------------------------------

def test_masking_zeroes_a_share_p0(xp):
    """Masking zeroes each component with probability p0 (share within 1%), keeps the rest.  [A7]"""
    X = xp.ones((2000, 784), dtype=np.float32)
    x_tilde = corrupt(X, backend.default_rng(0), "masking", p0=0.3)
    share = float((x_tilde == 0).mean())
    assert abs(share - 0.3) < 0.01 * 0.3
    assert x_tilde.dtype == X.dtype and bool(((x_tilde == 0) | (x_tilde == 1)).all())


def test_gaussian_noise_has_the_requested_sigma(xp):
    """x̃ ∼ N(x, σ² I): x̃ − x has mean ≈ 0 and sample std within 1% of σ.  [A7]"""
    X = backend.default_rng(1).random((2000, 784))
    x_tilde = corrupt(X, backend.default_rng(0), "gaussian", sigma=0.4)
    noise = backend.to_numpy(x_tilde - X)
    assert abs(noise.std() / 0.4 - 1) < 0.01
    assert abs(noise.mean()) < 5 * 0.4 / np.sqrt(noise.size)


def test_same_seed_same_noise(rng):
    """The same generator seed gives the same corruption; another seed another one.  [A7]"""
    X = rng.uniform(0, 1, (50, 20))
    for noise in ("masking", "gaussian"):
        a = corrupt(X, backend.default_rng(7), noise)
        assert np.array_equal(a, corrupt(X, backend.default_rng(7), noise))
        assert not np.array_equal(a, corrupt(X, backend.default_rng(8), noise))
    fit = lambda: DenoisingAutoencoder((3,), epochs=2, batch_size=10, random_state=5).fit(X)
    first, second = fit(), fit()
    assert all(np.array_equal(first.params[k], second.params[k]) for k in first.params)


def test_x_tilde_given_touches_no_generator(float64, rng):
    """With x_tilde passed, no noise is drawn: the next drawn noise is the twin's.  [A7]"""
    X = _data(rng, (10, 6))
    a = DenoisingAutoencoder((3,), random_state=0).init_params(6)
    b = DenoisingAutoencoder((3,), random_state=0).init_params(6)
    a.loss_and_grads(X, x_tilde=X)
    first_a, first_b = float(a.loss_and_grads(X)[0]), float(b.loss_and_grads(X)[0])
    assert first_a == first_b
    assert float(a.loss_and_grads(X)[0]) != first_a            # fresh noise on every call


def test_denoising_objective_reconstructs_the_clean_x(float64, rng):
    """loss(X, x̃) = (1/N) Σ_i ‖g(f(x̃_i)) − x_i‖²; transform and reconstruct use X as given.  [A7]"""
    X = _data(rng)
    x_tilde = corrupt(X, backend.default_rng(3), "gaussian", sigma=0.3)
    model, plain = _twins(DenoisingAutoencoder, X, noise="gaussian", sigma=0.3)
    expected = ((plain.reconstruct(x_tilde) - X) ** 2).sum(axis=1).mean()
    assert float(model.loss_and_grads(X, x_tilde=x_tilde)[0]) == pytest.approx(expected, rel=1e-12)
    assert np.array_equal(model.transform(X), plain.transform(X))
    assert np.array_equal(model.reconstruct(X), plain.reconstruct(X))


DENOISING_CONFIGS = [
    dict(noise="gaussian", sigma=0.3),
    dict(noise="masking", p0=0.4, loss="bce"),
    dict(hidden_sizes=(5, 3), tied=True, loss="bce", noise="gaussian", sigma=0.5),
]


@pytest.mark.parametrize("kwargs", DENOISING_CONFIGS, ids=_ids)
def test_denoising_gradient(float64, rng, kwargs):
    """loss_and_grads(X, x_tilde=…) passes gradcheck (x̃ may leave [0, 1] under bce).  [A7, A13]"""
    X = _data(rng)
    model = DenoisingAutoencoder(**{"hidden_sizes": (4,), **kwargs}, epochs=1, random_state=0).fit(X)
    x_tilde = corrupt(X, backend.default_rng(1), model.noise, model.sigma, model.p0)
    result = gradcheck(model, X, x_tilde=x_tilde)
    assert result.max_rel_error < 1e-6, result


def _denoising_errors(X_train, X_test, **kwargs):
    """Mean ‖g(f(x̃)) − x‖² on masked test objects, for a plain AE and a DAE trained alike."""
    x_tilde = corrupt(X_test, backend.default_rng(1), "masking", p0=0.5)
    errors = {}
    for model in (Autoencoder(**kwargs), DenoisingAutoencoder(noise="masking", p0=0.5, **kwargs)):
        model.fit(X_train)
        errors[type(model).__name__] = ((model.reconstruct(x_tilde) - X_test) ** 2).sum(axis=1).mean()
    return errors


def test_denoising_beats_plain_on_corrupted_shapes():
    """From masked shape images, a DAE rebuilds the clean images better than a plain AE.  [A7]"""
    X, _ = shapes_images(900, size=12, random_state=0)
    errors = _denoising_errors(X[:600], X[600:], hidden_sizes=(32,), loss="bce", epochs=20,
                               batch_size=30, learning_rate=1e-2, random_state=0, verbose=False)
    assert errors["DenoisingAutoencoder"] < 0.9 * errors["Autoencoder"], errors


def test_denoising_beats_plain_on_corrupted_digits(data_dir):
    """The same on real digits: 700 MNIST images, 6 epochs.  [A7]"""
    X, _ = load_mnist("test", path=data_dir / "mnist", n_samples=1000, random_state=0)
    errors = _denoising_errors(X[:700], X[700:], hidden_sizes=(64,), loss="bce", epochs=6,
                               batch_size=20, learning_rate=1e-2, random_state=0, verbose=False)
    assert errors["DenoisingAutoencoder"] < 0.92 * errors["Autoencoder"], errors


# -- [A8] contractive --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus"])
def test_contractive_penalty_is_the_squared_jacobian_norm(float64, rng, name):
    """‖J_f(x)‖²_F of f = φ(A x + a) equals Σ (∂f_j/∂x_d)² by finite differences.  [A8]"""
    A, a, X = rng.standard_normal((4, 5)), rng.standard_normal(4), rng.standard_normal((6, 5))
    f = lambda x: ACTIVATIONS[name](x @ A.T + a)
    expected = [(_jacobian_by_differences(f, x) ** 2).sum() for x in X]
    assert rel_error(contractive_penalty(A, f(X), name), expected) < 1e-7


def test_contractive_penalty_is_the_slide_double_sum(float64, rng):
    """For σ: Σ_j Σ_d (α_jd f_j (1 − f_j))², the slide's double loop.  [A8]"""
    A, a, X = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((5, 4))
    h = ACTIVATIONS["sigmoid"](X @ A.T + a)
    expected = [sum((A[j, d] * h[i, j] * (1 - h[i, j])) ** 2 for j in range(3) for d in range(4))
                for i in range(5)]
    assert rel_error(contractive_penalty(A, h), expected) < 1e-12


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus"])
def test_contractive_penalty_grads(float64, rng, name):
    """The hand-derived ∂/∂A (through Σ_d α² and through f) and ∂/∂a pass gradcheck.  [A8]"""
    X = rng.standard_normal((6, 5))

    def term(A, a):
        h = ACTIVATIONS[name](X @ A.T + a)
        return (0.3 * contractive_penalty(A, h, name).mean(),
                *contractive_penalty_grads(A, X, h, 0.3, name))

    result = gradcheck(term, rng.standard_normal((4, 5)), rng.standard_normal(4), wrt=(0, 1))
    assert result.max_rel_error < 1e-6, result


def _deep_encoder(rng, sizes=(5, 4, 3, 2), names=("tanh", "softplus", "sigmoid")):
    Ws = [rng.standard_normal((m, n)) for n, m in zip(sizes[:-1], sizes[1:])]
    bs = [rng.standard_normal(m) for m in sizes[1:]]

    def hs(X, Ws=Ws, bs=bs):
        out = [X]
        for W, b, name in zip(Ws, bs, names):
            out.append(ACTIVATIONS[name](out[-1] @ W.T + b))
        return out
    return Ws, bs, hs, list(names)


def test_deep_jacobian_penalty_is_the_squared_jacobian_norm(float64, rng):
    """J_f = D_L W_L ⋯ D_1 W_1: ‖J_f‖²_F by finite differences; for L = 1 the closed form.  [A8]"""
    Ws, bs, hs, names = _deep_encoder(rng)
    X = rng.standard_normal((4, 5))
    expected = [(_jacobian_by_differences(lambda x: hs(x[None])[-1][0], x) ** 2).sum() for x in X]
    assert rel_error(jacobian_penalty(Ws, hs(X), names), expected) < 1e-7
    h = ACTIVATIONS["sigmoid"](X @ Ws[0].T + bs[0])
    one_layer = jacobian_penalty(Ws[:1], [X, h], ["sigmoid"])
    assert rel_error(one_layer, contractive_penalty(Ws[0], h)) < 1e-12


def test_deep_jacobian_penalty_grads(float64, rng):
    """The chain's hand-written backward (through J and through every f') passes gradcheck.  [A8]"""
    Ws, bs, hs, names = _deep_encoder(rng)
    X = rng.standard_normal((6, 5))

    def term(W1, b1, W2, b2, W3, b3):
        Ws, bs = [W1, W2, W3], [b1, b2, b3]
        layers = hs(X, Ws, bs)
        dWs, dbs = jacobian_penalty_grads(Ws, layers, names, 0.3)
        return (0.3 * jacobian_penalty(Ws, layers, names).mean(),
                dWs[0], dbs[0], dWs[1], dbs[1], dWs[2], dbs[2])

    result = gradcheck(term, Ws[0], bs[0], Ws[1], bs[1], Ws[2], bs[2], wrt=tuple(range(6)))
    assert result.max_rel_error < 1e-6, result


def test_contractive_objective_adds_the_mean_penalty(float64, rng):
    """loss = L_AE + λ (1/N) Σ_i ‖J_f(x_i)‖², by hand.  [A8]"""
    X = _data(rng)
    model, plain = _twins(ContractiveAutoencoder, X, lam=0.7)
    h = plain.transform(X)
    penalty = ((h * (1 - h)) ** 2 @ (plain.params["encoder.0.W"] ** 2).sum(axis=1)).mean()
    expected = float(plain.loss_and_grads(X)[0]) + 0.7 * penalty
    assert float(model.loss_and_grads(X)[0]) == pytest.approx(expected, rel=1e-12)


CONTRACTIVE_CONFIGS = [
    dict(lam=0.5),                                                       # the slide: σ(A x + a)
    dict(lam=0.5, activation="tanh", loss="bce"),
    dict(lam=0.5, code_activation="softplus"),
    dict(lam=0.5, code_activation="identity", tied=True),
    dict(lam=0.5, tied=True, loss="bce"),
    dict(hidden_sizes=(5, 3), lam=0.5),
    dict(hidden_sizes=(5, 3), lam=0.5, activation="tanh", code_activation="softplus", tied=True,
         loss="bce"),
]


@pytest.mark.parametrize("kwargs", CONTRACTIVE_CONFIGS, ids=_ids)
def test_contractive_gradient(float64, rng, kwargs):
    """Closed form and deep chain, tied weights, mse/bce: loss_and_grads passes gradcheck.  [A8, A13]"""
    X = _data(rng)
    model = ContractiveAutoencoder(**{"hidden_sizes": (4,), **kwargs}, epochs=1, random_state=0).fit(X)
    result = gradcheck(model, X)
    assert result.max_rel_error < 1e-6, result


def test_contraction_is_smaller_than_a_plain_autoencoders():
    """Trained the same way, a CAE's mean ‖J_f(x)‖² is well below a plain AE's.  [A8]"""
    X, _ = shapes_images(600, size=12, random_state=0)
    kwargs = dict(hidden_sizes=(32,), epochs=30, batch_size=60, learning_rate=1e-2,
                  random_state=0, verbose=False)
    norms = {}
    for model in (Autoencoder(**kwargs), ContractiveAutoencoder(lam=0.1, **kwargs)):
        model.fit(X)
        norms[type(model).__name__] = contractive_penalty(model.params["encoder.0.W"],
                                                          model.transform(X)).mean()
    assert norms["ContractiveAutoencoder"] < 0.7 * norms["Autoencoder"], norms


# -- [A9] relational ---------------------------------------------------------------------

def _relational_loops(X_hat, X, s0, lam):
    N = len(X)
    relu = lambda s: max(s - s0, 0.0)
    total = sum((relu(X_hat[i] @ X_hat[j]) - relu(X[i] @ X[j])) ** 2
                for i in range(N) for j in range(i + 1, N))
    return lam * total / (N * (N - 1) / 2)


@pytest.mark.parametrize("s0", [0.0, 1.2])
def test_relational_penalty_equals_the_double_loop(float64, rng, s0):
    """λ mean_{i<j} (σ(x̂_iᵀx̂_j) − σ(x_iᵀx_j))², σ(s) = (s − s0)_+: the loop over pairs;
    and its gradient by gradcheck.  [A9]"""
    X, X_hat = rng.uniform(0, 1, (7, 5)), rng.uniform(0, 1, (7, 5))
    value, _ = relational_penalty(X_hat, X, s0, 0.4)
    assert float(value) == pytest.approx(_relational_loops(X_hat, X, s0, 0.4), rel=1e-12)
    G_hat = X_hat @ X_hat.T
    assert np.abs(G_hat - s0).min() > 1e-3                   # away from the kink of (·)_+
    result = gradcheck(lambda X_hat: relational_penalty(X_hat, X, s0, 0.4), X_hat)
    assert result.max_rel_error < 1e-6, result


def test_relational_penalty_of_one_object_is_zero(rng):
    """A batch of one object has no pairs: the term and its gradient are 0.  [A9]"""
    value, dX_hat = relational_penalty(rng.uniform(0, 1, (1, 4)), rng.uniform(0, 1, (1, 4)))
    assert float(value) == 0 and not dX_hat.any()


def test_relational_objective_adds_the_pair_term(float64, rng):
    """loss = L_AE + λ mean_{i<j} (…)², with x̂ the sigmoid output under bce.  [A9]"""
    X = _data(rng)
    model, plain = _twins(RelationalAutoencoder, X, lam=0.3, s0=0.5, loss="bce")
    expected = float(plain.loss_and_grads(X)[0]) + _relational_loops(plain.reconstruct(X), X, 0.5, 0.3)
    assert float(model.loss_and_grads(X)[0]) == pytest.approx(expected, rel=1e-12)
    assert float(model.loss_and_grads(X[:1])[0]) == pytest.approx(float(plain.loss_and_grads(X[:1])[0]))


RELATIONAL_CONFIGS = [
    dict(lam=0.5),                                                       # identity output, mse
    dict(lam=0.5, loss="bce"),                                           # sigmoid output, logits
    dict(lam=0.5, output_activation="tanh"),
    dict(hidden_sizes=(5, 3), lam=0.5, s0=0.3, tied=True, loss="bce"),
]


@pytest.mark.parametrize("kwargs", RELATIONAL_CONFIGS, ids=_ids)
def test_relational_gradient(float64, rng, kwargs):
    """Identity, sigmoid (bce) and tanh outputs, s0 > 0, tied: loss_and_grads passes gradcheck.
    [A9, A13]"""
    X = _data(rng)
    model = RelationalAutoencoder(**{"hidden_sizes": (4,), **kwargs}, epochs=1, random_state=0).fit(X)
    X_hat = model.reconstruct(X)
    assert np.abs(X_hat @ X_hat.T - model.s0).min() > 1e-3   # away from the kink of (·)_+
    result = gradcheck(model, X)
    assert result.max_rel_error < 1e-6, result


# -- the estimator contract and bad input --------------------------------------------------

CLASSES = [SparseAutoencoder, DenoisingAutoencoder, ContractiveAutoencoder, RelationalAutoencoder]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_hyperparameters_extend_the_autoencoders(cls):
    """get_params lists every Autoencoder hyperparameter plus the regulariser's; clone works.
    [A6, A7, A8, A9]"""
    clone = pytest.importorskip("sklearn.base").clone
    names = set(cls().get_params())
    assert set(Autoencoder().get_params()) < names
    model = cls((3,), epochs=2, random_state=1)
    assert clone(model).get_params() == model.get_params()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_defaults_regularise(cls, rng):
    """A default-constructed model's objective differs from the plain autoencoder's.
    [A6, A7, A8, A9]"""
    X = _data(rng)
    model, plain = _twins(cls, X)
    assert float(model.loss_and_grads(X)[0]) != pytest.approx(float(plain.loss_and_grads(X)[0]))


@pytest.mark.parametrize("cls, kwargs, message", [
    (SparseAutoencoder, dict(code_activation="tanh"), "beta > 0 .*code_activation='sigmoid'"),
    (SparseAutoencoder, dict(activation="relu"), "beta > 0 .*got code activation 'relu'"),
    (SparseAutoencoder, dict(eps=0.0), "eps must be > 0"),
    (SparseAutoencoder, dict(eps=1.0), "eps must be < 1"),
    (SparseAutoencoder, dict(lam=-0.1), "lam must be >= 0"),
    (SparseAutoencoder, dict(weight_penalty="l3"), "weight_penalty must be one of 'l2', 'l1'"),
    (SparseAutoencoder, dict(beta=-1.0), "beta must be >= 0"),
    (DenoisingAutoencoder, dict(p0=1.0), "p0 must be < 1"),
    (DenoisingAutoencoder, dict(p0=-0.1), "p0 must be >= 0"),
    (DenoisingAutoencoder, dict(sigma=-1.0), "sigma must be >= 0"),
    (DenoisingAutoencoder, dict(noise="salt"),
     "noise must be one of 'masking', 'gaussian'; got 'salt'"),
    (ContractiveAutoencoder, dict(code_activation="leaky_relu"), "code_activation must be one of"),
    (ContractiveAutoencoder, dict(hidden_sizes=(4, 2), activation="leaky_relu",
                                  code_activation="sigmoid"), "activation must be one of"),
    (ContractiveAutoencoder, dict(lam=-1.0), "lam must be >= 0"),
    (RelationalAutoencoder, dict(lam=-1.0), "lam must be >= 0"),
    (RelationalAutoencoder, dict(s0="0"), "s0 must be a real number"),
])
def test_bad_hyperparameters(cls, kwargs, message):
    """Bad regulariser settings give errors naming the argument.  [A6, A7, A8, A9]"""
    error = TypeError if "real number" in message else ValueError
    with pytest.raises(error, match=message):
        cls(**{"hidden_sizes": (2,), "epochs": 1, **kwargs}).fit(np.full((4, 3), 0.5))


def test_bad_x_tilde(rng):
    """x_tilde of another shape, or with NaN, is named in the error.  [A7]"""
    X = rng.uniform(0, 1, (5, 4))
    model = DenoisingAutoencoder((2,), epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"x_tilde has shape \(3, 4\), but X has shape \(5, 4\)"):
        model.loss_and_grads(X, x_tilde=X[:3])
    with pytest.raises(ValueError, match="x_tilde contains NaN"):
        model.loss_and_grads(X, x_tilde=np.where(X > 0.5, np.nan, X))


def test_corrupt_rejects_unknown_noise(rng):
    """corrupt names the noise argument and its choices.  [A7]"""
    with pytest.raises(ValueError, match="noise must be one of 'gaussian', 'masking'; got 'salt'"):
        corrupt(np.ones((2, 2)), rng, "salt")


@pytest.mark.parametrize("cls, kwargs", [
    (SparseAutoencoder, dict(lam=0.01, lam_codes=0.1)),
    (DenoisingAutoencoder, dict(noise="gaussian")),
    (ContractiveAutoencoder, dict(hidden_sizes=(4, 3))),
    (ContractiveAutoencoder, dict()),
    (RelationalAutoencoder, dict(loss="bce")),
], ids=lambda v: v.__name__ if isinstance(v, type) else _ids(v) or "defaults")
def test_float32_grads_keep_the_dtype(rng, cls, kwargs):
    """Trained in float32, every gradient has the key, shape and dtype of its parameter.
    [A6, A7, A8, A9]"""
    X = rng.uniform(0, 1, (10, 5)).astype(np.float32)
    model = cls(**{"hidden_sizes": (3,), **kwargs}, epochs=2, batch_size=4, random_state=0).fit(X)
    loss, grads = model.loss_and_grads(X)
    assert np.isfinite(float(loss)) and sorted(grads) == sorted(model.params)
    assert all(grads[k].dtype == np.float32 and grads[k].shape == v.shape
               for k, v in model.params.items())
