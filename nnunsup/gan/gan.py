"""Generative adversarial networks: a generator G(z, α) and a discriminator D(x, β) trained
against each other.  [G1, G2, G3, G4]

    D(x, β) = p(1 | x, β),  x ∼ G(z, α),  z ∼ p_z = N(0, I)                                 [G1]
    discriminator:  Σ_i ln D(x_i) + ln(1 − D(G(z_i)))  → max_β                               [G2]
    generator:      Σ_i ln(1 − D(G(z_i)))  → min_α        (the minimax game)                 [G3]
                    L_G = −½ E_z log D(G(z)),   L_D = −½ E log D(x) − ½ E log(1 − D(G(z)))   [G4]

nnunsup minimises, with means over the batch and the ½ of the Polish slide on every term,

    L_D = −½ mean_i log D(x_i) − ½ mean_i log(1 − D(G(z_i)))            (= −G2 / 2m)
    L_G = ½ mean_i log(1 − D(G(z_i)))      generator_loss="minimax"     (= G3 / 2m)
    L_G = −½ mean_i log D(G(z_i))          generator_loss="non_saturating"   (G4)

so the two generator losses differ only in the term, not in scale.  D outputs a logit l,
D = σ(l), and every log is computed from it: log D = −softplus(−l), log(1 − D) = −softplus(l).
The minimax loss saturates: when D rejects the fakes confidently (l ≪ 0), ∂L_G/∂l =
−½ σ(l)/N ≈ 0 and the generator learns nothing; the non-saturating loss has
∂L_G/∂l = −½ σ(−l)/N ≈ −½/N there (Goodfellow et al. 2014, §3).

The generator's gradient flows through the discriminator: ∂L_G/∂α = (∂L_G/∂l)(∂l/∂x)(∂x/∂α),
backpropagated through D's layers to its input and on through G's; D's own parameters are
not stepped in the generator's turn.

Slides: "Генеративная состязательная сеть (Generative Adversarial Net)", "Постановка задачи
        GAN" (MIPT notes, SPbU lecture 4); "Generative Adversal Network (GAN)", "Trening GAN"
        (Polish notes).

Shape legend: ``N`` objects, ``n`` features, ``d`` latent dimensions.

References
----------
Goodfellow et al. (2014). Generative adversarial nets. NeurIPS.
"""
import math
import time

import numpy

from .. import backend
from .._base import GradientModel
from .._validation import (check_array, check_choice, check_random_state,
                           check_range, check_scalar, check_sizes)
from ..nn import functional as F
from ..nn.layers import LeakyReLU, Linear, Sequential, activation, prefixed, subparams
from ..nn.optim import Adam, make_optimizer
from ..nn.training import Progress, minibatches

__all__ = ["GAN", "discriminator_loss", "generator_loss", "optimal_discriminator",
           "jensen_shannon"]


# -- [G2, G3, G4] the criteria ----------------------------------------------------------------

def discriminator_loss(logits_real, logits_fake):
    """L_D = −½ mean log D(x) − ½ mean log(1 − D(G(z))) from D's logits.  [G2, G4]

    Slides: "Постановка задачи GAN" (MIPT: Σ_i ln D(x_i) + ln(1 − D(G(z_i))) → max_β);
            "Trening GAN" (Polish: "funkcja kosztu dyskryminatora — binarna entropia krzyżowa").

    Parameters
    ----------
    logits_real : array of shape (N,)    l = logit D(x) of real objects
    logits_fake : array of shape (M,)    of generated ones

    Returns
    -------
    value : 0-d array
    dlogits_real : array (N,)            −½ σ(−l) / N
    dlogits_fake : array (M,)            ½ σ(l) / M
    """
    N, M = logits_real.shape[0], logits_fake.shape[0]
    value = (0.5 * F.softplus(-logits_real).mean()            # −½ mean log D(x)
             + 0.5 * F.softplus(logits_fake).mean())          # −½ mean log(1 − D(G(z)))
    return value, -0.5 * F.sigmoid(-logits_real) / N, 0.5 * F.sigmoid(logits_fake) / M


def generator_loss(logits_fake, kind="non_saturating"):
    """The generator's loss from D's logits on G(z): minimax [G3] or non-saturating [G4].

    Slides: "Постановка задачи GAN" (MIPT: Σ_i ln(1 − D(G(z_i))) → min_α);
            "Trening GAN" (Polish: L_G = −½ E_z log D(G(z))).

    Formula:  minimax:         L_G = ½ mean log(1 − D(G(z))) = −½ mean softplus(l)
              non-saturating:  L_G = −½ mean log D(G(z))     =  ½ mean softplus(−l)

    Returns
    -------
    value : 0-d array
    dlogits : array (M,)      minimax −½ σ(l)/M (→ 0 as D rejects the fakes);
                              non-saturating −½ σ(−l)/M (→ −½/M there)
    """
    check_choice(kind, "kind", ("non_saturating", "minimax"))
    M = logits_fake.shape[0]
    ### BEGIN SOLUTION
    if kind == "minimax":
        return -0.5 * F.softplus(logits_fake).mean(), -0.5 * F.sigmoid(logits_fake) / M
    return 0.5 * F.softplus(-logits_fake).mean(), -0.5 * F.sigmoid(-logits_fake) / M
    ### END SOLUTION


def optimal_discriminator(p_data, p_model):
    """The best discriminator for a fixed generator, D*(x) = p_data(x) / (p_data(x) + p_g(x)).  [G2]

    Against it the criterion of G2 becomes −log 4 + 2 JSD(p_data ‖ p_g) (Goodfellow et al.
    2014, Theorem 1): the generator's game minimises the Jensen–Shannon divergence.

    Parameters
    ----------
    p_data, p_model : arrays of one shape     the two densities at the same points
    """
    return p_data / (p_data + p_model)


def jensen_shannon(p, q, dx):
    """JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = ½ (p + q), by quadrature on a grid.  [G2]

    Parameters
    ----------
    p, q : arrays of shape (K,)    densities at K grid points, spacing ``dx``
    """
    xp = backend.get_xp(p, q)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        total = p + q                                    # p/m = 2p/(p + q): no m to underflow
        kl_p = xp.where(p > 0, p * xp.log(2 * p / total), 0.0).sum() * dx
        kl_q = xp.where(q > 0, q * xp.log(2 * q / total), 0.0).sum() * dx
    return float(0.5 * kl_p + 0.5 * kl_q)


# -- the model ---------------------------------------------------------------------------------

class GAN(GradientModel):
    """A GAN of two MLPs: generator G(z) and discriminator D(x).  [G1, G2, G3, G4]

    ==================  ==========================  ================
    params key          slide symbol                shape
    ==================  ==========================  ================
    ``G.<i>.W/b``       α, the generator's layers   (out, in) / (out,)
    ``D.<i>.W/b``       β, the discriminator's      (out, in) / (out,)
    ==================  ==========================  ================

    G: z (d) → ``generator_sizes`` (``activation``) → n (``output_activation``);
    D: x (n) → ``discriminator_sizes`` (LeakyReLU 0.2) → one logit, D(x) = σ(logit).

    Parameters
    ----------
    n_latent : int                 d, the size of z ∼ N(0, I)
    generator_sizes, discriminator_sizes : tuples of int   hidden widths
    activation : str               the generator's hidden activation
    output_activation : str        "sigmoid" (data in [0, 1], e.g. images) or "identity"
                                   (real-valued data, e.g. the 2-D toys)
    generator_loss : "non_saturating" or "minimax"   G4 or G3
    k : int                        discriminator steps per generator step (Goodfellow's k)
    epochs : int                   passes over the real data; every minibatch of real
                                   objects is one discriminator step
    batch_size : int               real objects (and as many z) per step
    learning_rate : float          η of both players (``discriminator_learning_rate`` may
                                   set D's apart)
    optimizer : "adam", "sgd", "momentum" or an Optimizer
                                   "adam" means Adam with β₁ = 0.5 (Radford et al. 2015);
                                   each player gets its own copy
    random_state, verbose :        as :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    params, n_features_in_
    history_
        per epoch ``d_loss`` (also ``loss``), ``g_loss``, ``d_real`` = mean D(x),
        ``d_fake`` = mean D(G(z)) over the discriminator's steps, ``time``

    Notes
    -----
    ``loss_and_grads(X, z=Z, player="D" | "G")`` returns that player's objective and the
    gradients of its own parameters only (keys ``D.…`` or ``G.…``); with ``z`` given it draws
    nothing.  ``partial_fit`` runs one more epoch with the same two optimisers.
    """

    patience = None

    def __init__(self, n_latent=64, generator_sizes=(256,), discriminator_sizes=(256,),
                 activation="relu", output_activation="sigmoid", generator_loss="non_saturating",
                 k=1, *, epochs=20, batch_size=128, learning_rate=2e-4,
                 discriminator_learning_rate=None, optimizer="adam", warm_start=False,
                 random_state=None, verbose="auto"):
        self.n_latent = n_latent
        self.generator_sizes = generator_sizes
        self.discriminator_sizes = discriminator_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.generator_loss = generator_loss
        self.k = k
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.discriminator_learning_rate = discriminator_learning_rate
        self.optimizer = optimizer
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- hyperparameters and data -------------------------------------------------------------
    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.n_latent, "n_latent", kind=int, low=1)
        check_sizes(self.generator_sizes, "generator_sizes", example="(256,)", allow_empty=True)
        check_sizes(self.discriminator_sizes, "discriminator_sizes", example="(256,)",
                    allow_empty=True)
        activation(self.activation)
        check_choice(self.output_activation, "output_activation", ("sigmoid", "identity", "tanh"))
        check_choice(self.generator_loss, "generator_loss", ("non_saturating", "minimax"))
        check_scalar(self.k, "k", kind=int, low=1)
        check_scalar(self.discriminator_learning_rate, "discriminator_learning_rate", low=0,
                     low_open=True, allow_none=True)

    def _check_X(self, X, name="X"):
        X = super()._check_X(X, name)
        if self.output_activation == "sigmoid":
            check_range(X, 0.0, 1.0, "GAN with output_activation='sigmoid'", name)
        elif self.output_activation == "tanh":
            check_range(X, -1.0, 1.0, "GAN with output_activation='tanh'", name)
        return X

    # -- structure ---------------------------------------------------------------------------
    def _build(self, n_features):
        """The generator and discriminator Sequentials (structure only).  [G1]"""
        init = "he" if self.activation in ("relu", "leaky_relu") else "xavier"
        sizes = [self.n_latent, *self.generator_sizes, n_features]
        generator = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            generator.append(Linear(n_in, n_out, init=init))
            generator.append(activation(self.activation if i < len(sizes) - 2
                                        else self.output_activation))
        sizes = [n_features, *self.discriminator_sizes, 1]
        discriminator = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            discriminator.append(Linear(n_in, n_out, init="he" if i < len(sizes) - 2 else "xavier"))
            if i < len(sizes) - 2:
                discriminator.append(LeakyReLU(0.2))
        return Sequential(*generator), Sequential(*discriminator)

    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        self._G, self._D = self._build(n_features)
        dtype = backend.get_default_dtype()
        params = prefixed("G.", self._G.init_params(rng, dtype))
        params.update(prefixed("D.", self._D.init_params(rng, dtype)))
        return params

    def _make_optimizer(self):
        """One optimiser per player ("adam": β₁ = 0.5, as DCGAN training does)."""
        def make(rate):
            if self.optimizer == "adam":
                return Adam(rate, beta1=0.5)
            return make_optimizer(self.optimizer, rate)
        self._optimizers = {"G": make(self.learning_rate),
                            "D": make(self.discriminator_learning_rate or self.learning_rate)}
        self._optimizer = self._optimizers["D"]               # named in divergence messages
        self._optimizer_config = (self.optimizer, self.learning_rate)

    def _seed_streams(self):
        super()._seed_streams()                  # + a stream for sample()
        self._sample_rng = backend.default_rng(check_random_state(self.random_state).spawn(5)[4])

    # -- the two players ------------------------------------------------------------------------
    def _generate(self, z):
        """x = G(z, α), with the cache.  [G1]"""
        return self._G.forward(subparams(self.params, "G."), z)

    def _discriminate(self, x):
        """The logits l of D(x, β) = σ(l), shape (N,), with the cache.  [G1]"""
        out, cache = self._D.forward(subparams(self.params, "D."), x)
        return out[:, 0], cache

    def _draw_z(self, n, rng):
        z = rng.standard_normal((n, self.n_latent)).astype(self._dtype())   # z ∼ N(0, I)
        return z

    # -- the objective --------------------------------------------------------------------------
    def loss_and_grads(self, X, y=None, z=None, player="D"):
        """One player's objective and the gradients of its own parameters.  [G2, G3, G4]

        ``player="D"``: L_D on the real batch X and G(z); grads of ``D.…`` only.
        ``player="G"``: L_G on G(z) (X only sets how many z when z is None); grads of
        ``G.…`` only, backpropagated through D.  ``z`` (shape (M, d)) is drawn from the
        model's training-noise stream when None (one z per row of X).
        """
        check_choice(player, "player", ("D", "G"))
        X = self._check_input(X)
        if z is not None:
            z = check_array(z, name="z", dtype=self._dtype())
            if z.shape[1] != self.n_latent:
                raise ValueError(f"z has {z.shape[1]} columns, but this GAN's latent space has "
                                 f"n_latent={self.n_latent}")
        return self._loss_and_grads(X, z=z, player=player)

    def _loss_and_grads(self, X, y=None, z=None, player="D"):
        """L_D (player "D") or L_G (player "G") and that player's gradients.  [G2, G3, G4]"""
        if z is None:
            z = self._draw_z(X.shape[0], self._noise_rng)               # z ∼ p_z
        xp = backend.get_xp(X)
        if player == "D":
            x_fake, _ = self._generate(z)                                # G(z), not stepped
            N = X.shape[0]
            logits, cache = self._discriminate(xp.concatenate([X, x_fake]))   # one pass
            loss, d_real, d_fake = discriminator_loss(logits[:N], logits[N:])  # [G2]
            dlogits = xp.concatenate([d_real, d_fake])[:, None]
            _, grads = self._D.backward(dlogits, cache, need_dx=False)
            return loss, prefixed("D.", grads)
        ### BEGIN SOLUTION
        x_fake, g_cache = self._generate(z)                              # x = G(z, α)
        logits, d_cache = self._discriminate(x_fake)
        loss, dlogits = generator_loss(logits, self.generator_loss)      # [G3] or [G4]
        dx, _ = self._D.backward(dlogits[:, None], d_cache)              # through D to x
        _, grads = self._G.backward(dx, g_cache, need_dx=False)          # and on through G
        ### END SOLUTION
        return loss, prefixed("G.", grads)

    # -- training: k discriminator steps per generator step ---------------------------------
    def _train(self, X, y, epochs, val, early_stopping):
        """The alternating SG algorithm: for every real minibatch one step of D; after every
        k of them one step of G, each with fresh z, each player with its own optimiser.

        A non-finite loss or parameter restores the last finite parameters and raises
        :class:`NonFiniteLossError` naming the player, epoch and step.
        """
        N = X.shape[0]
        xp = backend.get_xp(X)
        steps = math.ceil(N / self.batch_size)
        progress = Progress(epochs, steps, self.verbose)
        last_good = {key: value.copy() for key, value in self.params.items()}
        first_epoch = self.history_.epochs
        with numpy.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(epochs):
                start = time.perf_counter()
                sums = dict(d_loss=0.0, g_loss=0.0, d_real=0.0, d_fake=0.0)
                n_d = n_g = 0
                for step, index in enumerate(minibatches(N, self.batch_size, self._shuffle_rng)):
                    xb = X[xp.asarray(index)] if xp is not numpy else X[index]
                    losses = {}
                    for player in ("D", "G") if (step + 1) % self.k == 0 else ("D",):
                        z = self._draw_z(xb.shape[0], self._noise_rng)
                        loss, grads = self._loss_and_grads(xb, z=z, player=player)
                        loss = float(loss)
                        if not math.isfinite(loss):
                            self._restore(last_good)
                            progress.close()
                            raise self._gan_divergence(player, first_epoch + epoch, step, loss)
                        for key, value in self.params.items():
                            xp.copyto(last_good[key], value)
                        self._optimizers[player].step(self.params, grads)
                        losses[player] = loss
                    sums["d_loss"] += losses["D"] * xb.shape[0]
                    n_d += xb.shape[0]
                    if "G" in losses:
                        sums["g_loss"] += losses["G"] * xb.shape[0]
                        n_g += xb.shape[0]
                    progress.update(epoch, step + 1, losses["D"])
                bad = [k for k, v in self.params.items() if not bool(xp.isfinite(v).all())]
                if bad:
                    self._restore(last_good)
                    progress.close()
                    raise self._divergence(first_epoch + epoch, steps - 1, math.nan, bad)
                d_real, d_fake = self._monitor(X)
                d_loss = sums["d_loss"] / n_d
                self.history_.append(loss=d_loss, d_loss=d_loss,
                                     g_loss=sums["g_loss"] / n_g if n_g else math.nan,
                                     d_real=d_real, d_fake=d_fake, time=time.perf_counter() - start)
                progress.update(epoch, steps, d_loss, force=True)
        progress.close()

    def _monitor(self, X, n=512):
        """Mean D(x) on (up to) n real objects and mean D(G(z)) on n fresh samples."""
        z = self._draw_z(n, self._eval_rng)
        real = F.sigmoid(self._discriminate(X[:n])[0])
        fake = F.sigmoid(self._discriminate(self._generate(z)[0])[0])
        return float(real.mean()), float(fake.mean())

    def _gan_divergence(self, player, epoch, step, loss):
        who = "discriminator's" if player == "D" else "generator's"
        return self._divergence(epoch, step, loss, who=who, optimizer=self._optimizers[player])

    def _evaluate(self, X, y=None, terms=None):
        return float(self._loss_and_grads(X, z=self._draw_z(X.shape[0], self._eval_rng),
                                          player="D")[0])

    # -- using the trained model ----------------------------------------------------------------
    def sample(self, n_samples=1, z=None, random_state=None):
        """New objects x = G(z), z ∼ N(0, I) (or the given z), shape (n_samples, n).  [G1]"""
        self._check_fitted()
        if z is None:
            check_scalar(n_samples, "n_samples", kind=int, low=1)
            rng = (self._sample_rng if random_state is None
                   else backend.default_rng(check_random_state(random_state)))
            z = self._draw_z(n_samples, rng)
        else:
            z = check_array(z, name="z", dtype=self._dtype())
            if z.shape[1] != self.n_latent:
                raise ValueError(f"z has {z.shape[1]} columns, but this GAN's latent space "
                                 f"has n_latent={self.n_latent}")
        return self._generate(z)[0]

    def discriminate(self, X):
        """D(x) = p(1 | x, β): the discriminator's probability that x is real, shape (N,).  [G1]"""
        return F.sigmoid(self._discriminate(self._check_input(X))[0])

    def score(self, X, y=None):
        """Minus the discriminator's loss on X against fresh samples (higher: D does better)."""
        return -self._evaluate(self._check_input(X))

