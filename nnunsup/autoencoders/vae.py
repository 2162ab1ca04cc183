"""The variational autoencoder: a probabilistic encoder q_α(z|x), a decoder p_β(x|z), a prior
p(z), trained by maximising the evidence lower bound.  [V1, V2, V3, V4, V5]

    L_VAE(α, β) = Σ_i log p(x_i) ≥ Σ_i E_{z∼q_α(z|x_i)} log p_β(x_i|z) − KL(q_α(z|x_i) ‖ p(z))
                                     reconstruction quality           regulariser on α
                                                                                 → max_{α, β}

    q_α(z|x) = N(μ_α(x), diag σ_α²(x)),  p(z) = N(0, σ² I),
    p_β(x|z) = Π_k Bernoulli(x_k | σ(l_k(z)))  or  Π_k N(x_k | μ_β,k(z), σ_x,k²).

The reparameterisation z = f(x_i, α, ε) = μ_α(x_i) + σ_α(x_i) ⊙ ε, ε ∼ N(0, I) [V2] makes
the sampled code a differentiable function of α, so both terms are stepped by ordinary
backpropagation [V3]; the KL term has the closed form of [V4].  nnunsup *minimises*

    loss = (1/N) Σ_i [ −log p_β(x_i | z_i) + β_KL · KL(q_α(z|x_i) ‖ p(z)) ],  z_i = μ_i + σ_i ⊙ ε_i,

one ε per object per step: the negative ELBO per object, so gradient descent on it is the
slide's ascent.  The KL term does not depend on β (the decoder's weights), so the slide's
two steps — α on both terms, β on the reconstruction term — are one gradient of it.

Slides: "Вариационный автокодировщик (Variational AE)" (MIPT notes, SPbU lecture 4);
        "Variational Auto Encoder" (KBTU notes); "Wariacyjny AE", "Kullback–Leibler
        divergence", "Representation trick (stochastyczne BP)", "VAE na MNIST" (Polish notes).

Shape legend: ``N`` objects, ``n`` features, ``m`` latent units, ``K`` importance samples.

References
----------
Kingma & Welling (2014). Auto-encoding variational Bayes. ICLR.
Burda, Grosse & Salakhutdinov (2016). Importance weighted autoencoders. ICLR.
Doersch (2016). Tutorial on variational autoencoders. arXiv:1606.05908.
"""
import math

from .. import backend
from .._base import GradientModel
from .._validation import (check_array, check_choice, check_random_state, check_range,
                           check_scalar, check_sizes)
from ..nn import functional as F
from ..nn import losses
from ..nn.layers import Flatten, Linear, Reshape, Sequential, activation, prefixed, subparams
from .conv import _check_conv_shape, conv_decoder_blocks, conv_encoder_blocks

__all__ = ["VAE", "reparameterize", "reparameterize_backward"]


# -- [V2] the reparameterisation trick ------------------------------------------------------

def reparameterize(mu, log_var, eps):
    """z = f(x, α, ε) = μ + σ ⊙ ε with σ = exp(½ log σ²): a sample of q_α(z|x).  [V2]

    Slides: "Вариационный автокодировщик (Variational AE)" (MIPT notes: "Репараметризация
            q_α(z|x_i): z = f(x_i, α, ε), ε ∼ N(0, I)"); "Representation trick
            (stochastyczne BP)" (Polish notes: z = μ + σ ⊙ ε).

    Parameters
    ----------
    mu : array of shape (..., m)        μ_α(x)
    log_var : array of shape (..., m)   log σ_α²(x)
    eps : array of shape (..., m)       ε ∼ N(0, I), an input without parameters

    Returns
    -------
    z : array of shape (..., m)
    sigma : array of shape (..., m)     σ, kept for the backward pass
    """
    xp = backend.get_xp(mu)
    sigma = xp.exp(0.5 * log_var)                          # σ = e^{½ log σ²}
    z = mu + sigma * eps                                   # [V2] z = μ + σ ⊙ ε
    return z, sigma


def reparameterize_backward(dz, sigma, eps):
    """Gradients through z = μ + σ ⊙ ε to μ and to log σ².  [V2]

    Formula:  ∂z/∂μ = 1,   ∂z/∂ log σ² = ½ σ ⊙ ε   (σ = e^{½ log σ²});  ε gets none.

    Parameters
    ----------
    dz : array of shape (N, m)      ∂L/∂z
    sigma, eps : arrays of shape (N, m)

    Returns
    -------
    dmu : array of shape (N, m)
    dlog_var : array of shape (N, m)
    """
    ### BEGIN SOLUTION
    dmu = dz                                               # ∂z/∂μ = 1
    dlog_var = 0.5 * dz * sigma * eps                      # ∂z/∂ log σ² = ½ σ ⊙ ε
    ### END SOLUTION
    return dmu, dlog_var


def _normal(rng, shape, dtype):
    """Standard normal draws, made in float64 and cast, so that float32 and float64 models
    with the same seed see the same ε."""
    return rng.standard_normal(shape).astype(dtype, copy=False)


# -- the model ----------------------------------------------------------------------------------

class VAE(GradientModel):
    """Variational autoencoder: Gaussian encoder, Bernoulli or Gaussian decoder.  [V1, V2, V3, V4, V5]

    Slides: "Вариационный автокодировщик (Variational AE)" (MIPT notes, SPbU lecture 4);
            "Variational Auto Encoder" (KBTU notes); "Wariacyjny AE", "VAE na MNIST"
            (Polish notes: Input-512-2-(μ, σ)-2-512-Output).

    ========================  =====================  ===========================
    params key                slide symbol           shape
    ========================  =====================  ===========================
    ``encoder.<i>.W/b``       α: the shared body     dense (out, in) / conv kernels
    ``mu.W``, ``mu.b``        α: head μ_α(x)         (m, h), (m,)
    ``log_var.W/b``           α: head log σ_α²(x)    (m, h), (m,)
    ``decoder.<i>.W/b``       β                      dense (out, in) / conv kernels
    ``x_log_var``             log σ_x² (β)           (n,); only for a Gaussian
                                                     decoder with output_var="learned"
    ========================  =====================  ===========================

    Parameters
    ----------
    hidden_sizes : tuple of int    the encoder's widths, the last one the latent size m:
                                   (400, 20) is 784-400-(μ, log σ²: 20)-400-784
    activation : str               σ of the hidden layers
    likelihood : "bernoulli" or "gaussian"
                                   p_β(x|z): independent Bernoullis p = σ(l(z)) (x in
                                   [0, 1]; −log p is the cross-entropy), or Gaussians
                                   N(μ_β(z), σ_x²) with a linear output
    output_var : "learned" or float
                                   σ_x² of the Gaussian decoder: one learned variance per
                                   feature (``x_log_var``), or a fixed value
    decoder_sizes : tuple or None  the decoder's hidden widths; None mirrors the encoder
    sigma : float                  σ of the prior p(z) = N(0, σ² I)
    beta : float                   β_KL ≥ 0, the weight of the KL term (1: the ELBO;
                                   > 1: the β-VAE of Higgins et al. 2017)
    conv_channels : tuple or None  channels of conv + pooling blocks in front of the
                                   dense encoder (mirrored by upsampling + transposed
                                   convolutions in the decoder); needs ``image_shape``
    image_shape : (C, H, W) or None
    kernel_size : int              k of the conv blocks (odd)
    algorithm : "vectorized" or "reference"
                                   the batch at once, or the slide's SG step object by
                                   object, with the reconstruction and KL gradients
                                   backpropagated separately (the same numbers, slower)
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    params, n_features_in_
    history_
        ``loss``, its parts ``reconstruction`` = mean −log p_β(x|z) and ``kl`` = mean KL,
        unweighted; ``val_*`` with validation data

    Notes
    -----
    ``loss_and_grads(X, eps=E)`` evaluates the objective with the given ε (shape (N, m))
    and draws nothing; without ``eps`` it draws from the model's training-noise stream.
    ELBO = −(reconstruction + kl); ``score`` and ``elbo`` report it with β_KL = 1,
    ``log_likelihood`` the tighter importance-weighted estimate of log p(x).

    The Bernoulli decoder accepts any X in [0, 1] (grey levels as well as binary pixels),
    as the cross-entropy does; for non-binary X, however, −(cross-entropy) is not a
    log-probability, so ELBO and log p(x) are proper likelihood bounds only for binary
    data (binarise first: :func:`nnunsup.datasets.binarize`).
    """

    _loss_terms = ("reconstruction", "kl")

    def __init__(self, hidden_sizes=(400, 20), activation="relu", likelihood="bernoulli",
                 output_var="learned", decoder_sizes=None, sigma=1.0, beta=1.0,
                 conv_channels=None, image_shape=None, kernel_size=3, algorithm="vectorized", *,
                 epochs=20, batch_size=100, learning_rate=1e-3, optimizer="adam", patience=None,
                 warm_start=False, random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.output_var = output_var
        self.decoder_sizes = decoder_sizes
        self.sigma = sigma
        self.beta = beta
        self.conv_channels = conv_channels
        self.image_shape = image_shape
        self.kernel_size = kernel_size
        self.algorithm = algorithm
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- hyperparameters and data ----------------------------------------------------------
    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        examples = {"hidden_sizes": "(400, 20)", "decoder_sizes": "(400,), or () for none",
                    "conv_channels": "(16, 8), or None for a dense encoder"}
        for name, example in examples.items():
            sizes = getattr(self, name)
            if sizes is not None or name == "hidden_sizes":
                check_sizes(sizes, name, example=example, allow_empty=name == "decoder_sizes")
        activation(self.activation)                                # ValueError listing choices
        check_choice(self.likelihood, "likelihood", ("bernoulli", "gaussian"))
        if self.likelihood == "gaussian" and self.output_var != "learned":
            check_scalar(self.output_var, "output_var (or 'learned')", low=0, low_open=True)
        check_scalar(self.sigma, "sigma", low=0, low_open=True)
        check_scalar(self.beta, "beta", low=0)
        check_choice(self.algorithm, "algorithm", ("vectorized", "reference"))
        if self.conv_channels is not None:
            if self.image_shape is None:
                raise ValueError("conv_channels needs image_shape=(C, H, W), got "
                                 "image_shape=None")
            _check_conv_shape(self.image_shape, len(self.conv_channels), self.kernel_size)

    def _structure(self):
        """The hyperparameters that shape ``params`` and the layers built from them."""
        return tuple(tuple(v) if hasattr(v, "__iter__") and not isinstance(v, str) else v
                     for v in (self.hidden_sizes, self.decoder_sizes, self.activation,
                               self.likelihood, self.output_var == "learned",
                               self.conv_channels, self.image_shape, self.kernel_size))

    def _check_fitted(self):
        super()._check_fitted()
        if self._built != self._structure():
            raise ValueError("the hyperparameters that shape this VAE (hidden_sizes, "
                             "decoder_sizes, activation, likelihood, output_var='learned' or "
                             "not, conv_channels, image_shape, kernel_size) changed after its "
                             "parameters were created; call fit without warm_start, or "
                             "init_params, to build it anew")

    def _prepare(self, X, fresh=False):
        if not fresh and getattr(self, "_params", None) is not None:
            self._check_fitted()                       # warm start: the same structure
        super()._prepare(X, fresh)

    def _check_X(self, X, name="X"):
        X = super()._check_X(X, name)
        if self.likelihood == "bernoulli":
            check_range(X, 0.0, 1.0, "VAE with likelihood='bernoulli'", name)
        if self.conv_channels is not None and X.shape[1] != math.prod(self.image_shape):
            raise ValueError(f"{name} has {X.shape[1]} features, but image_shape "
                             f"{tuple(self.image_shape)} needs {math.prod(self.image_shape)}")
        return X

    def _requires_non_negative(self):
        return self.likelihood == "bernoulli"      # x ∈ [0, 1]

    def _latent_size(self):
        return self.hidden_sizes[-1]

    # -- structure and parameters ------------------------------------------------------------
    def _build(self, n_features):
        """Encoder body, the two heads μ and log σ², and the decoder (structure only)."""
        init = "he" if self.activation in ("relu", "leaky_relu") else "xavier"
        m, body = self.hidden_sizes[-1], list(self.hidden_sizes[:-1])
        encoder, decoder, width = [], [], n_features
        if self.conv_channels is not None:
            C, H, W = self.image_shape
            channels = [C, *self.conv_channels]
            scale = 2 ** len(self.conv_channels)
            feature_map = (channels[-1], H // scale, W // scale)
            encoder += [*conv_encoder_blocks(channels, self.kernel_size, self.activation),
                        Flatten()]
            width = math.prod(feature_map)
        for size in body:
            encoder += [Linear(width, size, init=init), activation(self.activation)]
            width = size
        heads = Linear(width, m), Linear(width, m)                 # μ_α(x), log σ_α²(x)
        middle = list(reversed(body)) if self.decoder_sizes is None else list(self.decoder_sizes)
        width = m
        for size in middle:
            decoder += [Linear(width, size, init=init), activation(self.activation)]
            width = size
        if self.conv_channels is not None:
            decoder += [Linear(width, math.prod(feature_map), init=init),
                        activation(self.activation), Reshape(feature_map),
                        *conv_decoder_blocks(channels, self.kernel_size, self.activation),
                        Flatten()]
        else:
            decoder.append(Linear(width, n_features))
        return Sequential(*encoder), heads, Sequential(*decoder)

    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        self._encoder, (self._mu, self._log_var), self._decoder = self._build(n_features)
        self._built = self._structure()
        dtype = backend.get_default_dtype()
        params = prefixed("encoder.", self._encoder.init_params(rng, dtype))
        params.update(prefixed("mu.", self._mu.init_params(rng, dtype)))
        params.update(prefixed("log_var.", self._log_var.init_params(rng, dtype)))
        params.update(prefixed("decoder.", self._decoder.init_params(rng, dtype)))
        if self.likelihood == "gaussian" and self.output_var == "learned":
            params["x_log_var"] = backend.get_xp().zeros(n_features, dtype=dtype)  # σ_x² = 1
        return params

    def _seed_streams(self):
        super()._seed_streams()                  # + a stream for sample() and variations()
        self._sample_rng = backend.default_rng(check_random_state(self.random_state).spawn(5)[4])

    # -- the steps of the objective ------------------------------------------------------------
    def _encode(self, X):
        """q_α(z|x) = N(μ, diag σ²): the body, then the heads μ and log σ².  [V1]"""
        if self.conv_channels is not None:
            X = X.reshape((X.shape[0], *self.image_shape))                     # (N, C, H, W)
        h, body_cache = self._encoder.forward(subparams(self.params, "encoder."), X)  # (N, h)
        mu, mu_cache = self._mu.forward(subparams(self.params, "mu."), h)             # (N, m)
        log_var, lv_cache = self._log_var.forward(subparams(self.params, "log_var."), h)
        return mu, log_var, (body_cache, mu_cache, lv_cache)

    def _encoder_backward(self, dmu, dlog_var, cache):
        """Gradients of α (body and heads) from ∂L/∂μ and ∂L/∂ log σ²."""
        body_cache, mu_cache, lv_cache = cache
        has_body = len(self._encoder) > 0
        dh_mu, g_mu = self._mu.backward(dmu, mu_cache, need_dx=has_body)
        dh_lv, g_lv = self._log_var.backward(dlog_var, lv_cache, need_dx=has_body)
        grads = {**prefixed("mu.", g_mu), **prefixed("log_var.", g_lv)}
        if has_body:
            _, g_body = self._encoder.backward(dh_mu + dh_lv, body_cache, need_dx=False)
            grads.update(prefixed("encoder.", g_body))
        return grads

    def _decode(self, z):
        """The decoder's output: logits l(z) (Bernoulli) or means μ_β(z) (Gaussian)."""
        return self._decoder.forward(subparams(self.params, "decoder."), z)

    def _x_log_var(self, like):
        """log σ_x² of the Gaussian decoder, shape (n,)."""
        if self.output_var == "learned":
            return self.params["x_log_var"]
        xp = backend.get_xp(like)
        return xp.full(like.shape[-1], math.log(self.output_var), dtype=like.dtype)

    def _reconstruction(self, out, X):
        """−(1/N) Σ_i log p_β(x_i | z_i), its gradient w.r.t. ``out``, and w.r.t. σ_x².  [V1]

        Returns (value, dout, grads) with ``grads`` holding ``x_log_var`` when it is learned.
        """
        if self.likelihood == "bernoulli":
            value, dout = losses.bce_with_logits(out, X)       # Σ_k softplus(l_k) − x_k l_k
            return value, dout, {}
        value, dout, dx_log_var = losses.gaussian_nll(X, out, self._x_log_var(out))
        return value, dout, ({"x_log_var": dx_log_var} if self.output_var == "learned" else {})

    def _log_px(self, out, X):
        """log p_β(x | z) per object from the decoder's output.  [V1]"""
        if self.likelihood == "bernoulli":
            return losses.bernoulli_log_prob(out, X)
        return losses.gaussian_log_prob(X, out, self._x_log_var(out))

    def _draw_noise(self, X, y, rng):
        return {"eps": _normal(rng, (X.shape[0], self._latent_size()), X.dtype)}   # ε ∼ N(0, I)

    # -- the objective ------------------------------------------------------------------------
    def loss_and_grads(self, X, y=None, eps=None):
        """The negative ELBO per object and its gradient: ``(loss, grads)``.  [V1, V2, V3]

        ``eps`` (shape (N, m)) is ε of z = μ + σ ⊙ ε; when None it is drawn from the
        model's training-noise generator, which advances it.
        """
        X = self._check_input(X)
        if eps is not None:
            eps = check_array(eps, name="eps", dtype=self._dtype())
            expected = (X.shape[0], self._latent_size())
            if eps.shape != expected:
                raise ValueError(f"eps has shape {eps.shape}, but X with {X.shape[0]} rows and a "
                                 f"latent size of {expected[1]} need {expected}: one ε per object")
        return self._loss_and_grads(X, eps=eps)

    def _loss_and_grads(self, X, y=None, eps=None, terms=None):
        """(1/N) Σ_i [−log p_β(x_i|z_i) + β KL(q_α(z|x_i) ‖ p(z))],  z_i = μ_i + σ_i ⊙ ε_i.
        [V1, V2, V3, V4]"""
        if eps is None:
            eps = self._draw_noise(X, y, self._noise_rng)["eps"]            # ε ∼ N(0, I)
        if self.algorithm == "reference":
            return self._loss_and_grads_reference(X, eps, terms)
        mu, log_var, enc_cache = self._encode(X)                  # q_α(z|x)          (N, m)
        z, sigma = reparameterize(mu, log_var, eps)               # [V2] z = μ + σ ⊙ ε (N, m)
        out, dec_cache = self._decode(z)                          # p_β(x|z)          (N, n)
        rec, dout, grads = self._reconstruction(out, X)           # [V1] −E_q log p_β(x|z)
        kl, dmu_kl, dlog_var_kl = losses.kl_gauss(mu, log_var, self.sigma ** 2)  # [V4]
        dz, dec_grads = self._decoder.backward(dout, dec_cache)   # β: reconstruction only
        dmu, dlog_var = reparameterize_backward(dz, sigma, eps)   # [V2] through μ and σ
        grads.update(prefixed("decoder.", dec_grads))
        grads.update(self._encoder_backward(dmu + self.beta * dmu_kl,          # [V3] α: both
                                            dlog_var + self.beta * dlog_var_kl, enc_cache))
        if terms is not None:
            terms.update(reconstruction=rec, kl=kl)
        return rec + self.beta * kl, grads

    def _loss_and_grads_reference(self, X, eps, terms=None):
        """The slide's SG step for each object in turn, its two gradients kept apart.  [V3]

            sample x_i, ε, z = f(x_i, α, ε);
            α := α + h ∇_α [log p_β(x_i | f(x_i, α, ε)) − β_KL · KL(q_α(z|x_i) ‖ p(z))];
            β := β + h ∇_β [log p_β(x_i | z)]

        (β_KL = 1 on the slide.)  Returns the mean over the batch of the per-object losses and of these gradients
        (with the minimiser's sign), which is what the vectorised objective computes.
        """
        xp = backend.get_xp(X)
        N = X.shape[0]
        grads = {k: xp.zeros_like(v) for k, v in self.params.items()}
        rec_sum, kl_sum = 0.0, 0.0
        for i in range(N):
            x_i, eps_i = X[i:i + 1], eps[i:i + 1]                 # one object (1, n), its ε
            mu, log_var, enc_cache = self._encode(x_i)
            z, sigma = reparameterize(mu, log_var, eps_i)         # z = f(x_i, α, ε)
            out, dec_cache = self._decode(z)
            # −log p_β(x_i | z): ∇_β directly, ∇_α through z = f(x_i, α, ε)
            rec, dout, g_beta = self._reconstruction(out, x_i)
            dz, g_dec = self._decoder.backward(dout, dec_cache)
            g_beta.update(prefixed("decoder.", g_dec))
            g_alpha_rec = self._encoder_backward(*reparameterize_backward(dz, sigma, eps_i),
                                                 enc_cache)
            # KL(q_α(z|x_i) ‖ p(z)): a function of α alone
            kl, dmu, dlog_var = losses.kl_gauss(mu, log_var, self.sigma ** 2)
            g_alpha_kl = self._encoder_backward(dmu, dlog_var, enc_cache)
            for key, g in g_beta.items():                         # β: the reconstruction term
                grads[key] += g / N
            for key, g in g_alpha_rec.items():                    # α: both terms
                grads[key] += (g + self.beta * g_alpha_kl[key]) / N
            rec_sum, kl_sum = rec_sum + rec, kl_sum + kl
        if terms is not None:
            terms.update(reconstruction=rec_sum / N, kl=kl_sum / N)
        return (rec_sum + self.beta * kl_sum) / N, grads

    # -- encoding and decoding ------------------------------------------------------------
    def encode(self, X):
        """q_α(z|x): the means μ_α(x) and log-variances log σ_α²(x), each of shape (N, m)."""
        mu, log_var, _ = self._encode(self._check_input(X))
        return mu, log_var

    def transform(self, X):
        """The mean codes μ_α(x), array of shape (N, m)."""
        return self.encode(X)[0]

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """The decoder's mean E p_β(x|z): σ(l(z)) (Bernoulli) or μ_β(z) (Gaussian), (N, n)."""
        self._check_fitted()
        Z = check_array(Z, name="Z", dtype=self._dtype())
        if Z.shape[1] != self._latent_size():
            raise ValueError(f"Z has {Z.shape[1]} columns, but the latent space of this VAE "
                             f"has {self._latent_size()}")
        return self._decoder_mean(self._decode(Z)[0])

    def _decoder_mean(self, out):
        return F.sigmoid(out) if self.likelihood == "bernoulli" else out

    def reconstruct(self, X):
        """x̂ = E p_β(x | z = μ_α(x)), array of shape (N, n)."""
        return self.inverse_transform(self.transform(X))

    predict = reconstruct

    # -- [V5] generation ---------------------------------------------------------------------------
    def _rng(self, random_state):
        if random_state is None:
            return self._sample_rng
        return backend.default_rng(check_random_state(random_state))

    def _draw_x(self, out, mean, rng):
        """x ∼ p_β(x|z) from the decoder's output, or its mean when ``mean``.  [V5]"""
        x_mean = self._decoder_mean(out)
        if mean:
            return x_mean
        if self.likelihood == "bernoulli":
            return (rng.random(x_mean.shape) < x_mean).astype(x_mean.dtype)
        xp = backend.get_xp(out)
        sigma_x = xp.exp(0.5 * self._x_log_var(out))
        return x_mean + sigma_x * _normal(rng, x_mean.shape, x_mean.dtype)

    def sample(self, n_samples=1, mean=False, random_state=None):
        """New objects: z ∼ p(z) = N(0, σ² I), then x ∼ p_β(x|z).  [V5]

        Parameters
        ----------
        n_samples : int
        mean : bool             return E p_β(x|z) (pixel probabilities, the usual picture)
                                instead of a draw from it
        random_state : None or seed
                                None draws from the model's sampling stream (advancing
                                it); a seed gives a fresh, reproducible stream

        Returns
        -------
        X : array of shape (n_samples, n)
        """
        self._check_fitted()
        check_scalar(n_samples, "n_samples", kind=int, low=1)
        rng = self._rng(random_state)
        z = self.sigma * _normal(rng, (n_samples, self._latent_size()), self._dtype())
        return self._draw_x(self._decode(z)[0], mean, rng)

    def variations(self, X, n_variations=8, mean=True, random_state=None):
        """Objects like each x_i: z = f(x_i, α, ε), ε ∼ N(0, I), decoded.  [V2, V5]

        Slides: "Вариационный автокодировщик (Variational AE)" (MIPT notes: "Генерация
                похожих объектов: x ∼ p_β(x | f(x_i, α, ε))").

        Parameters
        ----------
        X : array of shape (N, n)
        n_variations : int       fresh ε per object
        mean : bool              True (the default, the usual picture): E p_β(x|z), the
                                 pixel probabilities; False: a draw x ∼ p_β(x|z) as well
        random_state : None or seed
                                 None draws from the model's sampling stream (advancing
                                 it); a seed gives a fresh, reproducible stream

        Returns
        -------
        X_var : array of shape (N, n_variations, n)
        """
        X = self._check_input(X)
        check_scalar(n_variations, "n_variations", kind=int, low=1)
        rng = self._rng(random_state)
        mu, log_var, _ = self._encode(X)
        eps = _normal(rng, (n_variations, *mu.shape), mu.dtype)   # (v, N, m)
        z, _ = reparameterize(mu, log_var, eps)                                  # (v, N, m)
        out = self._decode(z.reshape(-1, mu.shape[1]))[0]                         # (v·N, n)
        x = self._draw_x(out, mean, rng).reshape(n_variations, X.shape[0], -1)
        return x.transpose(1, 0, 2)

    # -- evaluation: the ELBO and the importance-weighted bound -------------------------------
    def _posterior_samples(self, X, n_samples, random_state):
        """Samples z ∼ q(z|x) for the rows of (validated) X, pass by pass.

        Yields ``(rows, mu, log_var, log_px, log_pz, log_qz)``: a slice of rows (B of
        them), q's parameters for them, and for the s samples of this pass log p_β(x|z),
        log p(z) and log q(z|x), each of shape (s, B), in float64.  The passes of a chunk of
        rows hold ``n_samples`` samples in all; a pass decodes about 4 million numbers at
        most, so ``n_samples`` may be large.
        """
        check_scalar(n_samples, "n_samples", kind=int, low=1)
        rng = self._eval_rng if random_state is None else self._rng(random_state)
        xp = backend.get_xp(X)
        log_s2 = math.log(self.sigma ** 2)
        N, n = X.shape
        B = max(1, min(N, 2 ** 22 // (n * n_samples)))              # objects per chunk
        S = max(1, min(n_samples, 2 ** 22 // (n * B)))              # samples per pass
        for first in range(0, N, B):
            rows = slice(first, first + B)
            x = X[rows]
            mu, log_var, _ = self._encode(x)                                      # (B, m)
            for done in range(0, n_samples, S):
                s = min(S, n_samples - done)
                eps = _normal(rng, (s, *mu.shape), mu.dtype)                      # (s, B, m)
                z, _ = reparameterize(mu, log_var, eps)                           # z ∼ q(z|x)
                out = self._decode(z.reshape(-1, mu.shape[1]))[0]                 # (s·B, n)
                log_px = self._log_px(out.reshape(s, *x.shape), x)               # log p(x|z)
                log_pz = losses.gaussian_log_prob(z, 0.0, log_s2)                # log p(z)
                # log q(z|x) = log N(ε | 0, I) − Σ_j log σ_j: exact even where σ ≪ |μ|
                log_qz = losses.gaussian_log_prob(eps, 0.0, 0.0) - 0.5 * log_var.sum(axis=-1)
                yield (rows, mu, log_var,
                       *(a.astype(xp.float64) for a in (log_px, log_pz, log_qz)))

    def elbo(self, X, n_samples=1, random_state=None):
        """The ELBO of every object, E_q log p_β(x_i|z) − KL(q_α(z|x_i) ‖ p(z)), in nats.  [V1, V4]

        The expectation is a Monte-Carlo mean over ``n_samples`` draws of z (the KL is
        exact).  ``random_state`` None uses the model's evaluation stream.

        Returns
        -------
        elbo : array of shape (N,)
        """
        X = self._check_input(X)
        xp = backend.get_xp(X)
        log_px_sum, kl = xp.zeros(X.shape[0]), xp.zeros(X.shape[0])
        for rows, mu, log_var, log_px, _, _ in self._posterior_samples(X, n_samples,
                                                                       random_state):
            log_px_sum[rows] += log_px.sum(axis=0)
            kl[rows] = losses.kl_gauss_per_object(mu, log_var, self.sigma ** 2)   # [V4]
        return log_px_sum / n_samples - kl

    def log_likelihood(self, X, n_samples=1000, random_state=None):
        """Importance-sampled log p(x) of every object: the IWAE bound with K samples.  [V1]

            log p(x) ≈ log (1/K) Σ_k p_β(x|z_k) p(z_k) / q_α(z_k|x),   z_k ∼ q_α(z|x)

        Its expectation is a lower bound on log p(x) that rises with K towards it
        (Burda et al. 2016); K = 1 is a one-sample ELBO.  So the gap between this and
        :meth:`elbo` shows how much the ELBO gives away.  ``random_state`` None uses the
        model's evaluation stream.

        Returns
        -------
        log_p : array of shape (N,), in nats

        Notes
        -----
        The log-mean-exp runs over the passes: with top = max_k log w_k so far,
        Σ_k e^{log w_k} = e^{top} · acc, and each pass rescales acc to its new top.
        """
        X = self._check_input(X)
        xp = backend.get_xp(X)
        top, acc = xp.full(X.shape[0], -xp.inf), xp.zeros(X.shape[0])
        for rows, _, _, log_px, log_pz, log_qz in self._posterior_samples(X, n_samples,
                                                                          random_state):
            log_w = log_px + log_pz - log_qz                          # log importance weights
            new_top = xp.maximum(top[rows], log_w.max(axis=0))                        # (B,)
            acc[rows] = (acc[rows] * xp.exp(top[rows] - new_top)                     # rescale
                         + xp.exp(log_w - new_top).sum(axis=0))
            top[rows] = new_top
        return top + xp.log(acc / n_samples)

    def score(self, X, y=None, n_samples=1, random_state=0):
        """The mean ELBO per object, in nats (higher is better), with β_KL = 1.  [V1]

        ``random_state`` seeds the draws of z: with the default 0 every call draws the
        same ones, so the score of a fitted model depends on X alone (as scikit-learn's
        model selection expects); None uses the model's evaluation stream.
        """
        return float(self.elbo(X, n_samples, random_state).mean())
