"""The variational autoencoder: the objective by hand, its gradient by finite differences,
the sampler and the KL by their moments, the bounds against each other, the slide's
per-object SG step against the batch kernel, generation, latent arithmetic, bad input,
and the held-out ELBO on MNIST."""
import math

import numpy as np
import pytest
import scipy.stats
from scipy.special import logsumexp

from nnunsup import backend
from nnunsup._validation import NonFiniteLossError, NotFittedError
from nnunsup.autoencoders import (VAE, concept_vector, interpolate, midpoint, reparameterize,
                                  reparameterize_backward)
from nnunsup.datasets import bars_and_stripes, binarize, load_mnist
from nnunsup.nn import gradcheck, losses
from tests.helpers import rel_error

LOG_2PI = math.log(2 * math.pi)


def _ids(kwargs):
    return ",".join(f"{k}={v}" for k, v in kwargs.items()) or "default"


def _binary(rng, shape=(8, 6)):
    return (rng.random(shape) < 0.5).astype(float)


def _sigmoid(s):
    return 1 / (1 + np.exp(-s))


def _softplus(s):
    return np.logaddexp(0, s)


def _forward_by_hand(model, X, eps):
    """μ, log σ², z and the decoder's output of a 784-h-m style VAE (tanh body, one hidden
    decoder layer), from ``params`` and the formulas alone."""
    p = model.params
    h = np.tanh(X @ p["encoder.0.W"].T + p["encoder.0.b"])
    mu = h @ p["mu.W"].T + p["mu.b"]
    log_var = h @ p["log_var.W"].T + p["log_var.b"]
    z = mu + np.exp(0.5 * log_var) * eps
    g = np.tanh(z @ p["decoder.0.W"].T + p["decoder.0.b"])
    out = g @ p["decoder.2.W"].T + p["decoder.2.b"]
    return mu, log_var, z, out


# -- [V1, V2, V4] the objective ------------------------------------------------------------------

@pytest.mark.parametrize("beta, sigma", [(1.0, 1.0), (2.5, 0.5)])
def test_bernoulli_objective_by_hand(float64, rng, beta, sigma):
    """loss = (1/N) Σ_i [−Σ_k (x log x̂ + (1 − x) log(1 − x̂)) + β KL_i],
    z = μ + σ ⊙ ε, KL_i = ½ Σ_j (σ²/s² + μ²/s² − log σ² + log s² − 1).  [V1, V2, V4]"""
    X = _binary(rng)
    model = VAE((5, 3), activation="tanh", beta=beta, sigma=sigma, random_state=0).init_params(6)
    eps = rng.standard_normal((8, 3))
    mu, log_var, z, out = _forward_by_hand(model, X, eps)
    x_hat = _sigmoid(out)
    rec = -(X * np.log(x_hat) + (1 - X) * np.log(1 - x_hat)).sum(axis=1)
    s2 = sigma ** 2
    kl = 0.5 * (np.exp(log_var) / s2 + mu ** 2 / s2 - log_var + np.log(s2) - 1).sum(axis=1)
    loss, _ = model.loss_and_grads(X, eps=eps)
    assert float(loss) == pytest.approx((rec + beta * kl).mean(), rel=1e-12)


@pytest.mark.parametrize("output_var", ["learned", 0.3])
def test_gaussian_objective_by_hand(float64, rng, output_var):
    """Gaussian decoder: −log p(x|z) = ½ Σ_k [log 2π + log σ_x² + (x − μ_β(z))² / σ_x²].  [V1]"""
    X = rng.standard_normal((7, 6))
    model = VAE((5, 3), activation="tanh", likelihood="gaussian", output_var=output_var,
                random_state=0).init_params(6)
    if output_var == "learned":
        model.params["x_log_var"][:] = rng.uniform(-1, 1, 6)
        log_var_x = model.params["x_log_var"]
    else:
        log_var_x = np.full(6, np.log(output_var))
    eps = rng.standard_normal((7, 3))
    mu, log_var, z, out = _forward_by_hand(model, X, eps)
    rec = 0.5 * (LOG_2PI + log_var_x + (X - out) ** 2 / np.exp(log_var_x)).sum(axis=1)
    kl = 0.5 * (np.exp(log_var) + mu ** 2 - log_var - 1).sum(axis=1)
    assert float(model.loss_and_grads(X, eps=eps)[0]) == pytest.approx((rec + kl).mean(), rel=1e-12)


GRADIENT_CONFIGS = [
    dict(),                                                          # Bernoulli, β = 1
    dict(beta=2.5, sigma=0.7),                                       # β ≠ 1, prior σ ≠ 1
    dict(likelihood="gaussian"),                                     # learned σ_x²
    dict(likelihood="gaussian", output_var=0.5, beta=0.3),           # fixed σ_x²
    dict(hidden_sizes=(3,)),                                         # heads on x directly
    dict(hidden_sizes=(5, 4, 2), decoder_sizes=(3,), activation="sigmoid"),
    dict(algorithm="reference", beta=1.7),
]


@pytest.mark.parametrize("kwargs", GRADIENT_CONFIGS, ids=_ids)
def test_gradient(float64, rng, kwargs):
    """loss_and_grads(X, eps=…) passes gradcheck: through the decoder, z = μ + σ ⊙ ε and
    both heads, the KL term, σ_x², for every decoder and β.  [V1, V2, V3, V4]"""
    model = VAE(**{"hidden_sizes": (5, 3), "activation": "tanh", **kwargs}, epochs=2,
                random_state=0)
    X = rng.standard_normal((8, 6)) if model.likelihood == "gaussian" else _binary(rng)
    model.fit(X)
    eps = rng.standard_normal((8, model.hidden_sizes[-1]))
    result = gradcheck(model, X, eps=eps)
    assert result.max_rel_error < 1e-6, result


def test_gradient_with_a_conv_encoder(float64, rng):
    """Conv + pooling in front of the heads, upsampling + transposed conv behind the
    decoder: the whole objective passes gradcheck (h = 3e-5, as for the conv AE).  [V1, V2]"""
    X = _binary(rng, (3, 64))
    model = VAE((6, 2), conv_channels=(2,), image_shape=(1, 8, 8), activation="tanh",
                epochs=1, random_state=0).fit(X)
    assert set(k.split(".")[0] for k in model.params) == {"encoder", "mu", "log_var", "decoder"}
    assert model.params["encoder.0.W"].shape == (2, 1, 3, 3)
    result = gradcheck(model, X, eps=rng.standard_normal((3, 2)), h=3e-5)
    assert result.max_rel_error < 1e-6, result


# -- [V2] the reparameterisation --------------------------------------------------------------

def test_reparameterized_samples_have_mean_mu_and_variance_sigma2(rng):
    """z = μ + σ ⊙ ε with ε ∼ N(0, I): sample mean μ and variance σ² within 5 standard
    errors over 200,000 draws.  [V2]"""
    mu, log_var = np.array([1.5, -0.5, 0.0]), np.array([0.0, -2.0, 1.0])
    eps = rng.standard_normal((200_000, 3))
    z, sigma = reparameterize(mu, log_var, eps)
    var = np.exp(log_var)
    assert np.array_equal(sigma, np.exp(0.5 * log_var))
    assert np.all(np.abs(z.mean(axis=0) - mu) < 5 * np.sqrt(var / len(z)))
    assert np.all(np.abs(z.var(axis=0) - var) < 5 * var * np.sqrt(2 / len(z)))


def test_reparameterization_backward(float64, rng):
    """∂/∂μ and ∂/∂ log σ² of Σ w ⊙ z by finite differences; ε gets no gradient.  [V2]"""
    mu, log_var, eps, w = (rng.standard_normal((4, 3)) for _ in range(4))

    def objective(mu, log_var):
        z, _ = reparameterize(mu, log_var, eps)
        return (w * z).sum()

    dmu, dlog_var = reparameterize_backward(w, np.exp(0.5 * log_var), eps)
    h = 1e-6
    for analytic, which in ((dmu, 0), (dlog_var, 1)):
        numeric = np.zeros_like(analytic)
        for index in np.ndindex(analytic.shape):
            args = [mu.copy(), log_var.copy()]
            args[which][index] += h
            up = objective(*args)
            args[which][index] -= 2 * h
            numeric[index] = (up - objective(*args)) / (2 * h)
        assert rel_error(analytic, numeric) < 1e-7


# -- [V4] the closed-form KL --------------------------------------------------------------------

@pytest.mark.parametrize("prior_var", [1.0, 2.25])
def test_kl_equals_its_monte_carlo_estimate(rng, prior_var):
    """The closed form of KL(q ‖ p) lies within 4 standard errors of the Monte-Carlo mean
    of log q(z) − log p(z), z ∼ q, over 400,000 draws (densities written out here).  [V4]"""
    mu, log_var = np.array([[0.8, -1.2, 0.1]]), np.array([[-0.7, 0.4, -2.0]])
    z = mu + np.exp(0.5 * log_var) * rng.standard_normal((400_000, 3))
    log_q = (-0.5 * (LOG_2PI + log_var + (z - mu) ** 2 / np.exp(log_var))).sum(axis=1)
    log_p = (-0.5 * (LOG_2PI + np.log(prior_var) + z ** 2 / prior_var)).sum(axis=1)
    ratio = log_q - log_p
    estimate, se = ratio.mean(), ratio.std() / np.sqrt(len(ratio))
    closed = float(losses.kl_gauss_per_object(mu, log_var, prior_var)[0])
    assert abs(closed - estimate) < 4 * se
    assert closed == pytest.approx(float(losses.kl_gauss(mu, log_var, prior_var)[0]), rel=1e-12)


# -- [V3] the SG algorithm ---------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [dict(), dict(likelihood="gaussian", beta=0.4),
                                    dict(hidden_sizes=(4,)), dict(sigma=2.0, beta=3.0)],
                         ids=_ids)
def test_reference_step_equals_the_batch_kernel(float64, rng, kwargs):
    """The slide's per-object step — ∇_β of the reconstruction term, ∇_α of both terms
    backpropagated separately — averaged over the batch equals the vectorised gradient
    to 1e-12, with the same ε.  [V3]"""
    kwargs = {"hidden_sizes": (5, 3), "activation": "tanh", **kwargs}
    fast = VAE(**kwargs, random_state=0).init_params(6)
    slow = VAE(**kwargs, algorithm="reference", random_state=0).init_params(6)
    X = rng.standard_normal((9, 6)) if fast.likelihood == "gaussian" else _binary(rng, (9, 6))
    eps = rng.standard_normal((9, kwargs["hidden_sizes"][-1]))
    loss_fast, grads_fast = fast.loss_and_grads(X, eps=eps)
    loss_slow, grads_slow = slow.loss_and_grads(X, eps=eps)
    assert float(loss_slow) == pytest.approx(float(loss_fast), rel=1e-12)
    assert sorted(grads_fast) == sorted(grads_slow) == sorted(fast.params)
    for key in grads_fast:
        np.testing.assert_allclose(grads_slow[key], grads_fast[key], rtol=1e-10, atol=1e-13)


def test_reference_training_equals_vectorised_training(float64, rng):
    """Whole runs (SGD, batches of 1: the slide's SG algorithm literally) end at the same
    parameters in both modes.  [V3]"""
    X = _binary(rng, (12, 6))
    kwargs = dict(hidden_sizes=(4, 2), epochs=3, batch_size=1, optimizer="sgd",
                  learning_rate=0.05, random_state=3)
    fast, slow = VAE(**kwargs).fit(X), VAE(**kwargs, algorithm="reference").fit(X)
    for key in fast.params:
        np.testing.assert_allclose(slow.params[key], fast.params[key], rtol=1e-10, atol=1e-12)


def test_kl_term_steps_only_the_encoder(float64, rng):
    """β_KL changes the gradient of α (encoder, heads) but not of β (decoder): the KL is
    a function of α alone, as the slide's two gradient steps say.  [V3]"""
    X, eps = _binary(rng), rng.standard_normal((8, 3))
    grads = {b: VAE((5, 3), beta=b, random_state=0).init_params(6).loss_and_grads(X, eps=eps)[1]
             for b in (0.0, 3.0)}
    for key in grads[0.0]:
        same = np.array_equal(grads[0.0][key], grads[3.0][key])
        assert same == key.startswith("decoder."), key


def test_fixed_eps_is_deterministic_and_seeds_reproduce(float64, rng):
    """With ε given the loss is a function of the parameters only (and draws nothing); the
    same seed reproduces a whole training run, another seed gives another one.  [V3]"""
    X = _binary(rng, (30, 6))
    a = VAE((4, 2), random_state=0).init_params(6)
    b = VAE((4, 2), random_state=0).init_params(6)
    eps = rng.standard_normal((30, 2))
    assert float(a.loss_and_grads(X, eps=eps)[0]) == float(a.loss_and_grads(X, eps=eps)[0])
    assert float(a.loss_and_grads(X)[0]) == float(b.loss_and_grads(X)[0])   # a drew nothing before
    assert float(a.loss_and_grads(X)[0]) != float(b.loss_and_grads(X, eps=eps)[0])
    fit = lambda seed: VAE((4, 2), epochs=3, batch_size=10, random_state=seed).fit(X)
    first, second, other = fit(5), fit(5), fit(6)
    assert all(np.array_equal(first.params[k], second.params[k]) for k in first.params)
    assert first.history_["loss"] == second.history_["loss"]
    assert not np.array_equal(first.params["mu.W"], other.params["mu.W"])


def test_history_holds_the_two_parts_of_the_elbo(rng):
    """history_ records per epoch the reconstruction term and the KL; loss = rec + β KL,
    and validation data adds the same three for X_val.  [V1, V4]"""
    X = (rng.random((200, 16)) < 0.3).astype(np.float32)
    model = VAE((8, 2), beta=2.0, epochs=4, batch_size=32, random_state=0).fit(X, X_val=X[:50])
    h = model.history_
    assert len(h["reconstruction"]) == len(h["kl"]) == len(h["val_kl"]) == 4
    np.testing.assert_allclose(h["loss"], np.add(h["reconstruction"], 2.0 * np.array(h["kl"])),
                               rtol=1e-5)
    np.testing.assert_allclose(h["val_loss"],
                               np.add(h["val_reconstruction"], 2.0 * np.array(h["val_kl"])),
                               rtol=1e-5)
    assert h["reconstruction"][-1] < h["reconstruction"][0] and min(h["kl"]) > 0


# -- bounds: the ELBO and the importance-weighted estimate ---------------------------------------

@pytest.fixture(scope="module")
def trained_on_bars():
    """A small VAE trained on 4 × 4 bars and stripes (30 patterns), and its data."""
    X, _ = bars_and_stripes(4, 600, random_state=0)
    return VAE((32, 2), epochs=60, batch_size=50, learning_rate=3e-3, random_state=0,
               verbose=False).fit(X), X


def test_elbo_is_below_the_importance_weighted_bound(trained_on_bars):
    """Mean over 3,000 objects: ELBO < IWAE-5 < IWAE-50, each step by more than 4 paired
    standard errors; from 50 to 500 samples the bound neither falls (3 SE) nor rises by
    more than a third of its rise from 5 to 50 (the gap to log p(x) shrinks about as 1/K,
    which predicts a tenth);
    IWAE-1 is a one-sample ELBO (equal within 4 SE).  [V1, V4]"""
    model, _ = trained_on_bars
    X, _ = bars_and_stripes(4, 3000, random_state=1)
    elbo = model.elbo(X, n_samples=200, random_state=0)
    bounds = {k: model.log_likelihood(X, n_samples=k, random_state=k) for k in (1, 5, 50, 500)}
    se = lambda d: d.std() / np.sqrt(len(d))
    assert abs((bounds[1] - elbo).mean()) < 4 * se(bounds[1] - elbo)
    for lower, upper in ((elbo, bounds[5]), (bounds[5], bounds[50])):
        assert (upper - lower).mean() > 4 * se(upper - lower)
    assert (bounds[500] - bounds[50]).mean() > -3 * se(bounds[500] - bounds[50])
    assert (bounds[500] - bounds[50]).mean() < (bounds[50] - bounds[5]).mean() / 3


def _linear_gaussian_vae(sigma, x_var, W):
    """A VAE whose decoder is x = W z + b + σ_x ε (hidden_sizes=(m,): one linear layer)."""
    model = VAE((W.shape[1],), likelihood="gaussian", sigma=sigma, random_state=0)
    model.init_params(W.shape[0])
    model.params["decoder.0.W"][:] = W
    model.params["x_log_var"][:] = np.log(x_var)
    return model


def _exact_log_marginal(model, X):
    """log N(x | b, σ² W Wᵀ + diag σ_x²): the marginal of a linear Gaussian decoder."""
    W, b = model.params["decoder.0.W"], model.params["decoder.0.b"]
    cov = model.sigma ** 2 * W @ W.T + np.diag(np.exp(model.params["x_log_var"]))
    diff = X - b
    return -0.5 * (X.shape[1] * LOG_2PI + np.linalg.slogdet(cov)[1]
                   + np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff))


def _exact_posterior_vae(rng, scales, c, sigma):
    """A linear Gaussian VAE (4 features, 2 latents) with isotropic noise c, orthogonal
    columns of W, and the encoder set to the exact posterior N(S Wᵀ (x − b)/c, S),
    S = (I/σ² + WᵀW/c)⁻¹ — diagonal here, so q can represent it."""
    Q, _ = np.linalg.qr(rng.standard_normal((4, 2)))
    W = Q * np.asarray(scales)
    model = _linear_gaussian_vae(sigma, np.full(4, c), W)
    S = np.linalg.inv(np.eye(2) / sigma ** 2 + W.T @ W / c)
    assert np.abs(S - np.diag(np.diag(S))).max() < 1e-12
    b = model.params["decoder.0.b"]
    model.params["mu.W"][:] = S @ W.T / c
    model.params["mu.b"][:] = -S @ W.T @ b / c
    model.params["log_var.W"][:] = 0
    model.params["log_var.b"][:] = np.log(np.diag(S))
    return model


def test_bounds_are_exact_when_q_is_the_true_posterior(float64, rng):
    """Linear Gaussian decoder, isotropic noise, orthogonal columns of W: the true posterior
    p(z|x) = N(S Wᵀ (x − b)/c, S), S = (I/σ² + WᵀW/c)⁻¹, is diagonal, so an encoder set to
    it makes KL(q ‖ p(z|x)) = 0: every importance weight equals p(x) (IWAE-1 exact to
    1e-10) and the ELBO equals log p(x) up to its Monte-Carlo error.  [V1, V4]"""
    model = _exact_posterior_vae(rng, scales=(1.5, 0.7), c=0.3, sigma=1.2)
    X = rng.standard_normal((6, 4))
    exact = _exact_log_marginal(model, X)
    np.testing.assert_allclose(model.log_likelihood(X, n_samples=1, random_state=0), exact,
                               rtol=0, atol=1e-10)
    elbo = model.elbo(X, n_samples=20_000, random_state=0)
    assert np.abs(elbo - exact).max() < 0.03


def test_bounds_split_over_many_passes_are_still_exact(float64, rng):
    """K = 2²¹ + 5 samples of 4 features do not fit one decoding pass: they run in three
    passes (two of 2²⁰, one of 5) per object.  With q the exact posterior every weight is
    p(x), so the running log-mean-exp must return log p(x) to 1e-9 — a miscounted or
    dropped pass would show; the ELBO's Monte-Carlo mean agrees to 2e-3. With an untrained
    encoder the weights vary, and the estimate equals one log-sum-exp by hand over the same
    ε to 1e-9 (which fails if a pass is not rescaled to a new maximum).  [V1]"""
    model = _exact_posterior_vae(rng, scales=(1.1, 0.6), c=0.4, sigma=0.9)
    X = rng.standard_normal((2, 4))
    exact = _exact_log_marginal(model, X)
    K = 2 ** 21 + 5
    np.testing.assert_allclose(model.log_likelihood(X, n_samples=K, random_state=0), exact,
                               rtol=0, atol=1e-9)
    assert np.abs(model.elbo(X, n_samples=K, random_state=0) - exact).max() < 2e-3
    # an untrained encoder: the weights vary, so the rescaling between passes matters;
    # the same ε (drawn pass by pass from the seed's stream) in one log-sum-exp by hand
    model = _linear_gaussian_vae(1.3, np.array([0.5, 0.8, 1.2, 0.7]), rng.standard_normal((4, 2)))
    estimate = model.log_likelihood(X, n_samples=K, random_state=0)
    stream = np.random.default_rng(np.random.SeedSequence(0))
    mu, log_var = model.encode(X)
    W, b = model.params["decoder.0.W"], model.params["decoder.0.b"]
    x_var = np.exp(model.params["x_log_var"])
    for i in range(2):
        eps = np.concatenate([stream.standard_normal((s, 1, 2)) for s in (2 ** 20, 2 ** 20, 5)])
        z = mu[i] + np.exp(0.5 * log_var[i]) * eps[:, 0]                       # (K, 2)
        log_w = (scipy.stats.norm.logpdf(X[i], z @ W.T + b, np.sqrt(x_var)).sum(axis=1)
                 + scipy.stats.norm.logpdf(z, 0, 1.3).sum(axis=1)
                 - scipy.stats.norm.logpdf(z, mu[i], np.exp(0.5 * log_var[i])).sum(axis=1))
        assert estimate[i] == pytest.approx(logsumexp(log_w) - np.log(K), abs=1e-9)


def test_log_likelihood_rises_towards_the_exact_marginal(float64, rng):
    """With an untrained encoder (q far from p(z|x)) the estimate of log p(x) rises with K
    and approaches the closed-form marginal from below: ELBO < IWAE-10 < IWAE-10,000
    ≤ log p(x) + 0.01, averaged over 50 objects.  [V1]"""
    model = _linear_gaussian_vae(1.3, np.array([0.5, 0.8, 1.2]), rng.standard_normal((3, 2)))
    X = rng.standard_normal((50, 3))
    exact = _exact_log_marginal(model, X).mean()
    elbo = model.elbo(X, n_samples=2000, random_state=0).mean()
    iwae = [model.log_likelihood(X, n_samples=k, random_state=0).mean() for k in (10, 10_000)]
    assert elbo < iwae[0] < iwae[1] <= exact + 0.01, (elbo, iwae, exact)
    assert exact - iwae[1] < 0.2 * (exact - elbo)


# -- [V5] generation -----------------------------------------------------------------------------

def test_samples_follow_the_generative_model(float64, rng):
    """x = W z + b + σ_x ε with z ∼ N(0, σ² I) for a linear Gaussian decoder: 100,000 samples
    have mean b and covariance σ² W Wᵀ + diag σ_x² (max error < 0.03).  [V5]"""
    model = _linear_gaussian_vae(0.8, np.array([0.2, 0.5, 1.0]), rng.standard_normal((3, 2)))
    W, b = model.params["decoder.0.W"], model.params["decoder.0.b"]
    samples = model.sample(100_000, random_state=1)
    assert np.abs(samples.mean(axis=0) - b).max() < 0.03
    expected = 0.64 * W @ W.T + np.diag([0.2, 0.5, 1.0])
    assert np.abs(np.cov(samples.T) - expected).max() < 0.03
    means = model.sample(100_000, mean=True, random_state=1)          # σ_x ε left out
    assert np.abs(np.cov(means.T) - 0.64 * W @ W.T).max() < 0.03


def test_bernoulli_samples_are_binary_and_reproducible(rng):
    """Bernoulli samples are 0/1 draws with the decoder's probabilities: with the output
    biases set to logits from −3 to 3 (and weights 0), each pixel's frequency over 20,000
    samples is σ(l_k) within 5 standard errors; a seed reproduces them; without one, the
    model's own stream advances.  [V5]"""
    model = VAE((3,), random_state=0).init_params(10)
    logits = np.linspace(-3, 3, 10)
    model.params["decoder.0.W"][:] = 0
    model.params["decoder.0.b"][:] = logits
    p = 1 / (1 + np.exp(-logits))
    x = model.sample(20_000, random_state=3)
    assert set(np.unique(x)) == {0.0, 1.0}
    assert np.all(np.abs(x.mean(axis=0) - p) < 5 * np.sqrt(p * (1 - p) / 20_000))
    np.testing.assert_allclose(model.sample(4, mean=True), np.tile(p, (4, 1)), rtol=1e-6)
    assert np.array_equal(x, model.sample(20_000, random_state=3))
    assert not np.array_equal(model.sample(50), model.sample(50))


def test_variations_are_draws_around_the_code_of_each_object(float64, rng):
    """variations(x_i): z = μ(x_i) + σ(x_i) ⊙ ε decoded; for a linear Gaussian decoder their
    means are W μ(x_i) + b (within 5 standard errors) and their covariance
    W diag σ²(x_i) Wᵀ (within 2 %), over 100,000 draws.  [V2, V5]"""
    model = VAE((2,), likelihood="gaussian", random_state=0).init_params(3)
    X = rng.standard_normal((2, 3))
    V = model.variations(X, n_variations=100_000, random_state=0)
    assert V.shape == (2, 100_000, 3)
    mu, log_var = model.encode(X)
    W, b = model.params["decoder.0.W"], model.params["decoder.0.b"]
    for i in range(2):
        cov = W @ np.diag(np.exp(log_var[i])) @ W.T
        assert np.all(np.abs(V[i].mean(axis=0) - (W @ mu[i] + b)) < 5 * np.sqrt(np.diag(cov) / 1e5))
        assert np.abs(np.cov(V[i].T) - cov).max() < 0.02 * np.abs(cov).max()


# -- [V7] latent arithmetic ----------------------------------------------------------------------

def test_interpolation_midpoint_and_concept_vectors(rng):
    """Linear interpolation runs from z_a to z_b through the midpoint ½(z_a + z_b); slerp
    keeps the norm of equal-norm ends; a concept vector is the difference of means.  [V7]"""
    z_a, z_b = rng.standard_normal(4), rng.standard_normal(4)
    path = interpolate(z_a, z_b, n_steps=5)
    assert path.shape == (5, 4)
    np.testing.assert_allclose(path[0], z_a, atol=1e-15)
    np.testing.assert_allclose(path[-1], z_b, atol=1e-15)
    np.testing.assert_allclose(path[2], midpoint(z_a, z_b), atol=1e-15)
    np.testing.assert_allclose(np.diff(path, axis=0), np.tile((z_b - z_a) / 4, (4, 1)), atol=1e-14)
    z_b = z_b * np.linalg.norm(z_a) / np.linalg.norm(z_b)
    arc = interpolate(z_a, z_b, n_steps=7, method="slerp")
    np.testing.assert_allclose(np.linalg.norm(arc, axis=1), np.linalg.norm(z_a), rtol=1e-12)
    np.testing.assert_allclose(arc[[0, -1]], [z_a, z_b], atol=1e-12)
    A, B = rng.standard_normal((5, 4)), rng.standard_normal((3, 4))
    expected = [sum(A[i, j] for i in range(5)) / 5 - sum(B[i, j] for i in range(3)) / 3
                for j in range(4)]
    np.testing.assert_allclose(concept_vector(A, B), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="method must be one of 'linear', 'slerp'"):
        interpolate(z_a, z_b, method="cubic")
    np.testing.assert_allclose(interpolate([0, 0], [10, 10], n_steps=5)[:, 0],
                               [0, 2.5, 5, 7.5, 10])                     # integer codes
    with pytest.raises(ValueError, match="slerp between opposite codes is undefined"):
        interpolate(np.array([1.0, 0.0]), np.array([-1.0, 0.0]), method="slerp")
    with pytest.raises(ValueError, match="slerp needs non-zero codes"):
        interpolate(np.zeros(2), np.ones(2), method="slerp")
    with pytest.raises(ValueError, match=r"codes of the same shape \(m,\), got \(1, 4\)"):
        interpolate(z_a[None], z_b[None])


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, X, error, message", [
    (dict(), np.array([[0.5, 1.2], [0, 0]]), ValueError,
     r"VAE with likelihood='bernoulli' needs X in \[0, 1\]; found max 1.2 at row 0, column 1"),
    (dict(likelihood="poisson"), np.ones((3, 2)), ValueError,
     "likelihood must be one of 'bernoulli', 'gaussian'"),
    (dict(likelihood="gaussian", output_var=-1.0), np.ones((3, 2)), ValueError, "output_var"),
    (dict(sigma=0.0), np.ones((3, 2)) / 2, ValueError, "sigma must be > 0"),
    (dict(beta=-1.0), np.ones((3, 2)) / 2, ValueError, "beta must be >= 0"),
    (dict(hidden_sizes=()), np.ones((3, 2)) / 2, TypeError, "hidden_sizes must be a non-empty"),
    (dict(algorithm="loop"), np.ones((3, 2)) / 2, ValueError, "algorithm must be one of"),
    (dict(conv_channels=(2,)), np.ones((3, 4)) / 2, ValueError, "conv_channels needs image_shape"),
    (dict(conv_channels=(2,), image_shape=(1, 3, 3)), np.ones((3, 9)) / 2, ValueError,
     "divisible by 2"),
    (dict(conv_channels=(2,), image_shape=(1, 4, 4)), np.ones((3, 9)) / 2, ValueError,
     r"X has 9 features, but image_shape \(1, 4, 4\) needs 16"),
    (dict(conv_channels=()), np.ones((3, 16)) / 2, TypeError,
     "conv_channels must be a non-empty sequence"),
    (dict(decoder_sizes=(0,)), np.ones((3, 4)) / 2, ValueError, "decoder_sizes entries must be >= 1"),
    (dict(decoder_sizes=3), np.ones((3, 4)) / 2, TypeError, "decoder_sizes must be a sequence"),
    (dict(conv_channels=(2,), image_shape=(1, 4.0, 4)), np.ones((3, 16)) / 2, TypeError,
     "image_shape entries must be"),
    (dict(), np.array([[np.nan, 0.5]]), ValueError, r"X contains NaN \(first at row 0, column 0\)"),
    (dict(), np.zeros((0, 2)), ValueError, "X has 0 samples"),
])
def test_bad_input(kwargs, X, error, message):
    """Bad data and options are refused with the argument and the problem named."""
    with pytest.raises(error, match=message):
        VAE(**{"hidden_sizes": (3, 2), "epochs": 1, **kwargs}).fit(X)


def test_bad_eps_and_bad_calls(rng):
    """ε of the wrong shape or with NaN, wrong widths, and use before fit are named."""
    X = _binary(rng)
    model = VAE((4, 2), epochs=1, random_state=0)
    with pytest.raises(NotFittedError, match="call fit"):
        model.sample(3)
    model.fit(X)
    with pytest.raises(ValueError, match=r"eps has shape \(8, 3\).*\(8, 2\): one ε per object"):
        model.loss_and_grads(X, eps=np.zeros((8, 3)))
    with pytest.raises(ValueError, match="eps contains NaN"):
        model.loss_and_grads(X, eps=np.full((8, 2), np.nan))
    with pytest.raises(ValueError, match="X has 5 features, but VAE is expecting 6 features"):
        model.transform(X[:, :5])
    with pytest.raises(ValueError, match="Z has 3 columns, but the latent space of this VAE has 2"):
        model.inverse_transform(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        model.sample(0)


def test_changed_structure_is_refused_until_rebuilt(rng):
    """Changing a hyperparameter that shapes the parameters after fit is named at the next
    use (and by a warm-started fit), instead of failing deep inside; fit rebuilds."""
    X = _binary(rng, (20, 6))
    model = VAE((4, 2), epochs=1, random_state=0).fit(X)
    model.set_params(hidden_sizes=(4, 3))
    with pytest.raises(ValueError, match="changed after its parameters were created"):
        model.sample(2)
    model.set_params(hidden_sizes=(4, 2), likelihood="gaussian", warm_start=True)
    with pytest.raises(ValueError, match="changed after its parameters were created"):
        model.fit(X)
    model.set_params(warm_start=False).fit(X)
    assert "x_log_var" in model.params and model.score(X) < 0


def test_divergence_restores_the_parameters(rng):
    """A learning rate that blows the loss up raises NonFiniteLossError; the parameters are
    those of the last finite step, all finite."""
    X = rng.standard_normal((64, 6)) * 50
    model = VAE((8, 2), likelihood="gaussian", epochs=20, batch_size=8, learning_rate=1e3,
                optimizer="sgd", random_state=0)
    with pytest.raises(NonFiniteLossError, match="learning_rate=1000.0"):
        model.fit(X)
    assert all(np.isfinite(v).all() for v in model.params.values())


def test_float32_and_float64_agree(rng):
    """Training in float32 and float64 from the same seed ends close (float32 tolerance)."""
    X = _binary(rng, (40, 6))
    a = VAE((4, 2), epochs=2, batch_size=10, random_state=0).fit(X.astype(np.float32))
    previous = backend.get_default_dtype()
    backend.set_default_dtype(np.float64)
    try:
        b = VAE((4, 2), epochs=2, batch_size=10, random_state=0).fit(X)
    finally:
        backend.set_default_dtype(previous)
    for key in a.params:
        assert a.params[key].dtype == np.float32 and b.params[key].dtype == np.float64
        np.testing.assert_allclose(a.params[key], b.params[key], rtol=1e-3, atol=1e-4)


@pytest.mark.gpu
def test_cupy_gives_the_numpy_objective(rng):
    """The same parameters and ε give the same loss, gradients, ELBO and log p(x) on CuPy as
    on NumPy (skipped without CuPy and a GPU)."""
    if not backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is not available")
    X = _binary(rng, (16, 6)).astype(np.float32)
    eps = rng.standard_normal((16, 2)).astype(np.float32)
    previous = backend.current()
    backend.use("cupy")
    try:
        xp = backend.get_xp()
        model = VAE((5, 2), random_state=0).init_params(6)
        loss, grads = model.loss_and_grads(xp.asarray(X), eps=xp.asarray(eps))
        elbo = backend.to_numpy(model.elbo(xp.asarray(X), n_samples=2000, random_state=0))
        log_p = backend.to_numpy(model.log_likelihood(xp.asarray(X), 2000, random_state=0))
        model.fit(xp.asarray(X))                                  # the loop runs on the GPU
    finally:
        backend.use(previous)
    backend.use("numpy")
    try:
        host = VAE((5, 2), random_state=0).init_params(6)
        host_loss, host_grads = host.loss_and_grads(X, eps=eps)
    finally:
        backend.use(previous)
    assert float(loss) == pytest.approx(float(host_loss), rel=1e-5)
    for key in grads:
        np.testing.assert_allclose(backend.to_numpy(grads[key]), host_grads[key], rtol=1e-4,
                                   atol=1e-6)
    # other streams: the two estimates differ by Monte-Carlo error, whose size is measured
    # on the host from 8 seeds; the device's estimate must lie within 5 standard errors
    for device, estimate in ((elbo, host.elbo), (log_p, host.log_likelihood)):
        runs = np.array([estimate(X, 2000, random_state=seed) for seed in range(8)])
        se = runs.std(axis=0, ddof=1) * np.sqrt(1 + 1 / len(runs))
        assert (np.abs(device - runs.mean(axis=0)) <= 5 * se + 1e-4).all()


# -- MNIST -------------------------------------------------------------------------------------

def test_a_20d_latent_space_beats_a_2d_one_on_mnist(data_dir):
    """Binarised MNIST, 10,000 training and 2,000 test images, 5 epochs: the 784-400-20 VAE's
    held-out ELBO is above the 784-400-2 VAE's by more than 10 nats, both improve on the
    untrained model by more than 300 nats, and ELBO < IWAE-10 < IWAE-100.  [V1, V6]"""
    X, _ = load_mnist("train", path=data_dir / "mnist", n_samples=10_000, random_state=0)
    X_test, _ = load_mnist("test", path=data_dir / "mnist", n_samples=2000, random_state=0)
    B, B_test = binarize(X, random_state=0), binarize(X_test, random_state=1)
    elbo = {}
    for m in (20, 2):
        model = VAE((400, m), epochs=5, random_state=0, verbose=False).init_params(784)
        untrained = model.score(B_test, random_state=0)
        model.fit(B)
        elbo[m] = model.score(B_test, n_samples=5, random_state=0)
        assert elbo[m] > untrained + 300
    assert elbo[20] > elbo[2] + 10, elbo
    # the importance-weighted estimate of the 2-D model, on 500 test digits, rises with K
    ladder = [model.elbo(B_test[:500], n_samples=10, random_state=0)] + [
        model.log_likelihood(B_test[:500], n_samples=k, random_state=0) for k in (10, 100)]
    for lower, upper in zip(ladder[:-1], ladder[1:]):
        assert (upper - lower).mean() > 4 * (upper - lower).std() / np.sqrt(500)


@pytest.mark.slow
def test_full_mnist_elbo(data_dir):
    """The whole training set, 30 epochs: the 784-400-20 VAE reaches a held-out ELBO above
    −104 nats and an IWAE-100 estimate of log p(x) above −99 on 2,000 test images, the 2-D
    model an ELBO below −140 (benchmarks/vae_mnist.py, 50 epochs on all 10,000 test images:
    −100.05, −95.03 and −155.33; docs/vae.md).  [V1, V6]"""
    X, _ = load_mnist("train", path=data_dir / "mnist")
    X_test, _ = load_mnist("test", path=data_dir / "mnist", n_samples=2000, random_state=0)
    B, B_test = binarize(X, random_state=0), binarize(X_test, random_state=1)
    model = VAE((400, 20), epochs=30, random_state=0, verbose=False).fit(B)
    assert model.score(B_test, n_samples=10, random_state=0) > -104
    assert model.log_likelihood(B_test, n_samples=100, random_state=0).mean() > -99
    flat = VAE((400, 2), epochs=30, random_state=0, verbose=False).fit(B)
    assert flat.score(B_test, n_samples=10, random_state=0) < -140
