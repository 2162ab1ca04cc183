"""Regularised autoencoders: sparse [A6], denoising [A7], relational [A9] (contractive [A8]
is in :mod:`nnunsup.autoencoders.contractive`).

Each is the :class:`~nnunsup.autoencoders.Autoencoder` of [A1, A3] with one more term in
its objective.  Every regulariser is a pure function of arrays returning its value and its
gradient, so it can be read and tested alone; each class calls it from its own
``_loss_and_grads``, written top to bottom from the four shared steps: encode, decode,
reconstruction loss, backward (and the regulariser in between).

    sparse        L_AE + λ‖α‖ + λ‖β‖,  + λ Σ_i Σ_j |f_j(x_i)|,  + β Σ_j KL(ε ‖ f̄_j)        [A6]
    denoising     Σ_i E_{x̃∼q(x̃|x_i)} L(g(f(x̃)), x_i)                                      [A7]
    contractive   L_AE + λ Σ_i ‖J_f(x_i)‖²_F                                               [A8]
    relational    L_AE + λ Σ_{i<j} L(σ(x̂_iᵀ x̂_j), σ(x_iᵀ x_j)),  σ(s) = (s − s0)_+        [A9]

As everywhere in nnunsup, per-object terms are averaged over the batch and pairwise terms
over its pairs, so the minibatch loss estimates the slide's sum divided by ℓ.

Slides: "Разреживающий автокодировщик (Sparse AE)", "Шумоподавляющий автокодировщик
        (Denoising AE)", "Сжимающий автокодировщик (Contractive AE)", "Реляционный
        автокодировщик (Relational AE)" (MIPT notes); "Шумоподавляющий автоэнкодер
        (Denoising AE)" (Russian notes on autoencoders); "Denoising Auto Encoder" (KBTU
        notes); "Regularyzowany AE", "Autoenkoder z odszumianiem (DAE)", "Kurczliwy AE"
        (Polish notes).

Shape legend: ``N`` objects, ``n`` features, ``m`` code units, ``n_k`` the width of
encoder layer k (``n_0 = n``, ``n_L = m``).
"""
from .. import backend
from .._validation import check_array, check_choice, check_random_state, check_scalar
from ..nn import functional as F
from ..nn import losses
from ..nn.layers import Sigmoid, activation
from .base import Autoencoder

__all__ = ["weight_penalty", "code_l1_penalty", "kl_sparsity_penalty", "corrupt",
           "relational_penalty", "SparseAutoencoder", "DenoisingAutoencoder",
           "RelationalAutoencoder"]


# -- [A6] sparse: the three regularisers -------------------------------------------------

def weight_penalty(params, lam, kind="l2"):
    """Weight penalty  λ‖α‖ + λ‖β‖  on every weight matrix, L2 or L1 (biases are free).  [A6]

    Slides: "Разреживающий автокодировщик (Sparse AE)" (MIPT notes).

    Formula::

        L2:  λ Σ_W Σ_kl W_kl²        L1:  λ Σ_W Σ_kl |W_kl|
        over the weight matrices W of encoder (α) and decoder (β)

    Parameters
    ----------
    params : dict name → array    a model's params; the weight matrices are the keys whose
                                  last part is ``W`` (``"encoder.0.W"``)
    lam : float                   λ ≥ 0
    kind : "l2" or "l1"

    Returns
    -------
    value : 0-d array
    grads : dict name → array     for the weight keys only: 2 λ W (L2) or λ sign(W) (L1)

    Notes
    -----
    With tied weights (W' = Wᵀ) the decoder has no matrix of its own in ``params``, so
    each shared matrix is counted once.  The L1 gradient at W_kl = 0 is 0 (a subgradient).
    """
    check_choice(kind, "kind", ("l2", "l1"))
    value, grads = 0.0, {}
    for key, W in params.items():
        if key.split(".")[-1] != "W":
            continue
        xp = backend.get_xp(W)
        if kind == "l2":
            value = value + lam * (W * W).sum()                   # λ Σ W²
            grads[key] = (2 * lam) * W
        else:
            value = value + lam * xp.abs(W).sum()                 # λ Σ |W|
            grads[key] = lam * xp.sign(W)
    return value, grads


def code_l1_penalty(z, lam):
    """L1 on the codes  ``λ (1/N) Σ_i Σ_j |f_j(x_i)|``, averaged over objects.  [A6]

    Slides: "Разреживающий автокодировщик (Sparse AE)" (MIPT notes);
            "Regularyzowany AE" (Polish notes: ``L(x, x̂) + λ Σ_i |h_i|``).

    Parameters
    ----------
    z : array of shape (N, m)     codes f(x_i)
    lam : float                   λ ≥ 0

    Returns
    -------
    value : 0-d array
    dz : array of shape (N, m)    λ sign(z) / N
    """
    xp = backend.get_xp(z)
    N = z.shape[0]
    value = lam * xp.abs(z).sum() / N
    dz = (lam / N) * xp.sign(z)
    return value, dz


def kl_sparsity_penalty(z, eps, beta):
    """Entropy regulariser  β Σ_j KL(ε ‖ f̄_j),  f̄_j = (1/N) Σ_i f_j(x_i).  [A6]

    Slides: "Разреживающий автокодировщик (Sparse AE)" (MIPT notes, "Энтропийная
            регуляризация для случая f_j ∈ [0, 1]").

    Formula:  KL(ε ‖ ρ) = ε log(ε/ρ) + (1 − ε) log((1 − ε)/(1 − ρ))

    Parameters
    ----------
    z : array of shape (N, m)     codes f(x_i), in (0, 1) (a sigmoid code layer)
    eps : float                   ε, the target mean activation, in (0, 1), close to 0
    beta : float                  β ≥ 0, the term's weight (λ on the slide)

    Returns
    -------
    value : 0-d array
    dz : array of shape (N, m)    β ∂KL/∂f̄_j / N — the same row for every object, since
                                  each f_j(x_i) enters f̄_j with weight 1/N
    """
    xp = backend.get_xp(z)
    N = z.shape[0]
    ### BEGIN SOLUTION
    rho = z.mean(axis=0)                                   # f̄_j    (m,)
    value, drho = losses.kl_bernoulli(eps, rho)            # Σ_j KL(ε ‖ f̄_j)
    dz = xp.zeros_like(z) + (beta / N) * drho              # (N, m)
    ### END SOLUTION
    return beta * value, dz


# -- [A7] denoising: the corruption q(x̃ | x) ---------------------------------------------

def corrupt(X, rng, noise="masking", sigma=0.1, p0=0.3):
    """Draw x̃ ∼ q(x̃ | x_i) for every object: Gaussian noise or masking.  [A7]

    Slides: "Шумоподавляющий автокодировщик (Denoising AE)" (MIPT and SPbU notes);
            "Шумоподавляющий автоэнкодер (Denoising AE)" (Russian notes on autoencoders);
            "Denoising Auto Encoder" (KBTU notes);
            "Autoenkoder z odszumianiem (DAE)" (Polish notes).

    Formula:  gaussian:  x̃ ∼ N(x_i, σ² I)
              masking:   x̃_d = 0 with probability p0, else x_d (each component independently)

    Parameters
    ----------
    X : array of shape (N, n)     clean objects, one per row
    rng : Generator               of the backend of X (``backend.default_rng``)
    noise : "gaussian" or "masking"
    sigma : float                 σ ≥ 0 of the Gaussian noise
    p0 : float                    masking probability, in [0, 1)

    Returns
    -------
    x_tilde : array of shape (N, n)   fresh noise for every object and component
    """
    check_choice(noise, "noise", ("gaussian", "masking"))
    ### BEGIN SOLUTION
    if noise == "gaussian":
        return X + sigma * rng.standard_normal(X.shape, dtype=X.dtype)   # x̃ = x + σ ε
    keep = rng.random(X.shape, dtype=X.dtype) >= p0                      # kept w.p. 1 − p0
    return X * keep
    ### END SOLUTION


# -- [A9] relational: reconstructing the relations between objects ------------------------

def relational_penalty(X_hat, X, s0=0.0, lam=1.0):
    """Relation loss  λ mean_{i<j} (σ(x̂_iᵀ x̂_j) − σ(x_iᵀ x_j))²,  σ(s) = (s − s0)_+.  [A9]

    Slides: "Реляционный автокодировщик (Relational AE)" (MIPT notes).

    Formula:  λ (2 / (N (N − 1))) Σ_{i<j} (σ(x̂_iᵀ x̂_j) − σ(x_iᵀ x_j))²

    Parameters
    ----------
    X_hat : array of shape (N, n)   reconstructions x̂_i
    X : array of shape (N, n)       objects x_i
    s0 : float                      similarities x_iᵀ x_j ≤ s0 are treated as 0
    lam : float                     λ

    Returns
    -------
    value : 0-d array               averaged over the N (N − 1) / 2 pairs; 0 when N = 1
    dX_hat : array of shape (N, n)  (U + Uᵀ) X̂, U_ij = ∂/∂(x̂_iᵀ x̂_j) for i < j, else 0

    Notes
    -----
    All pairs at once through the Gram matrices G = X Xᵀ and Ĝ = X̂ X̂ᵀ, masked to the
    upper triangle i < j; since Ĝ_ij = x̂_iᵀ x̂_j, ∂Ĝ_ij/∂x̂_i = x̂_j and ∂Ĝ_ij/∂x̂_j = x̂_i.
    """
    xp = backend.get_xp(X_hat, X)
    N = X.shape[0]
    pairs = max(N * (N - 1) // 2, 1)                       # one object: no pairs, the term is 0
    upper = xp.triu(xp.ones((N, N), dtype=X_hat.dtype), k=1)   # [i < j]   (N, N)
    G = X @ X.T                                            # x_iᵀ x_j   (N, N)
    G_hat = X_hat @ X_hat.T                                # x̂_iᵀ x̂_j   (N, N)
    diff = (F.relu(G_hat - s0) - F.relu(G - s0)) * upper   # σ(Ĝ_ij) − σ(G_ij), i < j
    value = lam * (diff * diff).sum() / pairs
    U = (2 * lam / pairs) * diff * (G_hat > s0)            # ∂/∂Ĝ_ij    (N, N)
    dX_hat = (U + U.T) @ X_hat                             # (N, n)
    return value, dX_hat


# -- the models -------------------------------------------------------------------------

class SparseAutoencoder(Autoencoder):
    """Sparse autoencoder: L_AE plus weight, code-L1 and KL sparsity penalties.  [A6]

    Slides: "Разреживающий автокодировщик (Sparse AE)" (MIPT notes);
            "Regularyzowany AE" (Polish notes).

    Objective (each term off when its weight is 0)::

        (1/N) Σ_i L(g(f(x_i)), x_i)                                         L_AE
        + λ Σ_W ‖W‖                (L2: Σ W², L1: Σ |W|; weights only)      lam, weight_penalty
        + λ_codes (1/N) Σ_i Σ_j |f_j(x_i)|                                  lam_codes
        + β Σ_j KL(ε ‖ f̄_j),  f̄_j = (1/N) Σ_i f_j(x_i)  over the batch      beta, eps

    ========================  ==============  ==================
    params key                slide symbol    shape
    ========================  ==============  ==================
    ``encoder.<2k>.W``        A (α), layer k  (n_k, n_(k−1))
    ``encoder.<2k>.b``        a, layer k      (n_k,)
    ``decoder.<2k>.W``        B (β), layer k  (out, in); absent when ``tied``
    ``decoder.<2k>.b``        b, layer k      (out,)
    ========================  ==============  ==================

    Parameters
    ----------
    hidden_sizes, activation, code_activation, output_activation, loss, tied,
    decoder_sizes :                as in :class:`Autoencoder`; the code activation
                                   (``code_activation``, else ``activation``) must be
                                   "sigmoid" when beta > 0, since KL needs f_j ∈ (0, 1)
    lam : float                    λ ≥ 0 of the weight penalty (0: off)
    weight_penalty : "l2" or "l1"  ``λ Σ W²`` or ``λ Σ |W|`` over every weight matrix, not biases
    lam_codes : float              λ ≥ 0 of the L1 penalty on the codes (0: off)
    beta : float                   β ≥ 0 of the entropy (KL) regulariser (0: off)
    eps : float                    ε ∈ (0, 1), the target mean activation of each code unit
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Notes
    -----
    f̄_j is the mean over the minibatch, so the KL term is the slide's with ℓ = batch size.
    """

    def __init__(self, hidden_sizes=(64,), activation="sigmoid", code_activation=None,
                 output_activation=None, loss="mse", tied=False, decoder_sizes=None, *,
                 lam=0.0, weight_penalty="l2", lam_codes=0.0, beta=1.0, eps=0.05,
                 epochs=20, batch_size=64, learning_rate=1e-3, optimizer="adam", patience=None,
                 warm_start=False, random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.tied = tied
        self.decoder_sizes = decoder_sizes
        self.lam = lam
        self.weight_penalty = weight_penalty
        self.lam_codes = lam_codes
        self.beta = beta
        self.eps = eps
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
        check_scalar(self.lam, "lam", low=0)
        check_choice(self.weight_penalty, "weight_penalty", ("l2", "l1"))
        check_scalar(self.lam_codes, "lam_codes", low=0)
        check_scalar(self.beta, "beta", low=0)
        check_scalar(self.eps, "eps", low=0, high=1, low_open=True, high_open=True)
        code = self.code_activation or self.activation
        if self.beta > 0 and not isinstance(activation(code), Sigmoid):
            raise ValueError(f"beta > 0 (the KL sparsity term) needs codes in (0, 1), i.e. "
                             f"code_activation='sigmoid'; got code activation {code!r} "
                             f"(or set beta=0)")

    def _loss_and_grads(self, X, y=None):
        """L_AE + λ‖W‖ + λ_codes mean_i Σ_j |z_ij| + β Σ_j KL(ε ‖ z̄_j), and its gradient.  [A6]"""
        z, enc_cache = self._encode(X)                                 # z = f(x, α)  (N, m)
        out, dec_cache = self._decode(z)                               # before σ_g   (N, n)
        loss, dout, _ = self._reconstruction(out, X)                   # L_AE  [A4]
        codes, dz_codes = code_l1_penalty(z, self.lam_codes)           # [A6] λ Σ_j |f_j(x_i)|
        kl, dz_kl = kl_sparsity_penalty(z, self.eps, self.beta)        # [A6] β Σ_j KL(ε ‖ f̄_j)
        grads = self._backward(dout, dec_cache, enc_cache, dz_extra=dz_codes + dz_kl)
        weights, dW = weight_penalty(self.params, self.lam, self.weight_penalty)  # [A6] λ‖α‖ + λ‖β‖
        for key in dW:
            grads[key] = grads[key] + dW[key]
        return loss + codes + kl + weights, grads


class DenoisingAutoencoder(Autoencoder):
    """Denoising autoencoder: reconstruct the clean x from a corrupted copy x̃.  [A7]

    Slides: "Шумоподавляющий автокодировщик (Denoising AE)" (MIPT and SPbU notes);
            "Шумоподавляющий автоэнкодер (Denoising AE)" (Russian notes on autoencoders);
            "Denoising Auto Encoder" (KBTU notes);
            "Autoenkoder z odszumianiem (DAE)" (Polish notes).

    Objective:  L_DAE = Σ_i E_{x̃∼q(x̃|x_i)} L(g(f(x̃)), x_i), estimated as in SGD with one
    fresh x̃ per object per step:  (1/N) Σ_i L(g(f(x̃_i)), x_i),

        noise="gaussian":  x̃ ∼ N(x_i, σ² I)
        noise="masking":   each component of x_i set to 0 with probability p0

    ========================  ==============  ==================
    params key                slide symbol    shape
    ========================  ==============  ==================
    ``encoder.<2k>.W``        A (α), layer k  (n_k, n_(k−1))
    ``encoder.<2k>.b``        a, layer k      (n_k,)
    ``decoder.<2k>.W``        B (β), layer k  (out, in); absent when ``tied``
    ``decoder.<2k>.b``        b, layer k      (out,)
    ========================  ==============  ==================

    Parameters
    ----------
    hidden_sizes, activation, code_activation, output_activation, loss, tied,
    decoder_sizes :                as in :class:`Autoencoder`
    noise : "masking" or "gaussian"   the corruption q(x̃ | x)
    sigma : float                  σ ≥ 0 of the Gaussian noise
    p0 : float                     probability of zeroing a component, in [0, 1)
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Notes
    -----
    Training draws x̃ from the model's training-noise generator (seeded by
    ``random_state``); ``loss_and_grads(X, x_tilde=X_tilde)`` uses the given corrupted batch
    and touches no generator.  Noise is used only in the objective (``fit``,
    ``loss_and_grads``, ``score``): ``transform`` and ``reconstruct`` take X as given.  With
    loss="bce" the target x must lie in [0, 1]; x̃ may leave it (Gaussian noise).
    """

    def __init__(self, hidden_sizes=(64,), activation="sigmoid", code_activation=None,
                 output_activation=None, loss="mse", tied=False, decoder_sizes=None, *,
                 noise="masking", sigma=0.1, p0=0.3,
                 epochs=20, batch_size=64, learning_rate=1e-3, optimizer="adam", patience=None,
                 warm_start=False, random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.tied = tied
        self.decoder_sizes = decoder_sizes
        self.noise = noise
        self.sigma = sigma
        self.p0 = p0
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
        check_choice(self.noise, "noise", ("masking", "gaussian"))
        check_scalar(self.sigma, "sigma", low=0)
        check_scalar(self.p0, "p0", low=0, high=1, high_open=True)

    def _draw_noise(self, X, y, rng):
        return {"x_tilde": corrupt(X, rng, self.noise, self.sigma, self.p0)}   # [A7]

    def score(self, X, y=None, random_state=0):
        """Minus the mean denoising objective on X (higher is better).  [A7]

        ``random_state`` seeds the corruption x̃: with the default 0 every call draws the
        same x̃, so the score of a fitted model depends on X alone (as scikit-learn's model
        selection expects); None uses the model's evaluation stream.
        """
        X = self._check_input(X)
        rng = None if random_state is None else backend.default_rng(
            check_random_state(random_state))
        return -self._evaluate(X, rng=rng)

    def loss_and_grads(self, X, y=None, x_tilde=None):
        """The denoising objective on X and its gradient: ``(loss, grads)``.  [A7]

        ``x_tilde`` (shape of X) is the corrupted batch; when None, it is drawn from the
        model's training-noise generator, which advances it.
        """
        X = self._check_input(X)
        if x_tilde is not None:
            x_tilde = check_array(x_tilde, name="x_tilde", dtype=self._dtype())
            if x_tilde.shape != X.shape:
                raise ValueError(f"x_tilde has shape {x_tilde.shape}, but X has shape "
                                 f"{X.shape}; x_tilde is the corrupted X, one row per object")
        return self._loss_and_grads(X, self._check_y(y, X), x_tilde=x_tilde)

    def _loss_and_grads(self, X, y=None, x_tilde=None):
        """(1/N) Σ_i L(g(f(x̃_i)), x_i): encode the corrupted x̃, compare with the clean x.  [A7]"""
        if x_tilde is None:
            x_tilde = corrupt(X, self._noise_rng, self.noise, self.sigma, self.p0)   # [A7] x̃ ∼ q
        z, enc_cache = self._encode(x_tilde)                           # z = f(x̃)     (N, m)
        out, dec_cache = self._decode(z)                               # before σ_g   (N, n)
        loss, dout, _ = self._reconstruction(out, X)                   # [A7] L(g(f(x̃)), x): clean x
        return loss, self._backward(dout, dec_cache, enc_cache)


class RelationalAutoencoder(Autoencoder):
    """Relational autoencoder: reconstruct the objects and the relations between them.  [A9]

    Slides: "Реляционный автокодировщик (Relational AE)" (MIPT notes).

    Objective:  (1/N) Σ_i L(x̂_i, x_i) + λ mean_{i<j} (σ(x̂_iᵀ x̂_j) − σ(x_iᵀ x_j))²,
                x̂_i = g(f(x_i)),  σ(s) = (s − s0)_+,

    the pairwise term averaged over the N (N − 1) / 2 pairs of the minibatch (0 for N = 1).

    ========================  ==============  ==================
    params key                slide symbol    shape
    ========================  ==============  ==================
    ``encoder.<2k>.W``        A (α), layer k  (n_k, n_(k−1))
    ``encoder.<2k>.b``        a, layer k      (n_k,)
    ``decoder.<2k>.W``        B (β), layer k  (out, in); absent when ``tied``
    ``decoder.<2k>.b``        b, layer k      (out,)
    ========================  ==============  ==================

    Parameters
    ----------
    hidden_sizes, activation, code_activation, output_activation, loss, tied,
    decoder_sizes :                as in :class:`Autoencoder`
    lam : float                    λ ≥ 0, the weight of the relation loss
    s0 : float                     similarities x_iᵀ x_j ≤ s0 count as "no relation"
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Notes
    -----
    The relation term acts on x̂ = σ_g(out), so its gradient passes through σ_g' (x̂ (1 − x̂)
    for the sigmoid output of loss="bce", whose reconstruction term uses the logits).

    References
    ----------
    Meng et al. (2018). Relational autoencoder for feature extraction.
    """

    def __init__(self, hidden_sizes=(64,), activation="sigmoid", code_activation=None,
                 output_activation=None, loss="mse", tied=False, decoder_sizes=None, *,
                 lam=0.1, s0=0.0,
                 epochs=20, batch_size=64, learning_rate=1e-3, optimizer="adam", patience=None,
                 warm_start=False, random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.tied = tied
        self.decoder_sizes = decoder_sizes
        self.lam = lam
        self.s0 = s0
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
        check_scalar(self.lam, "lam", low=0)
        check_scalar(self.s0, "s0")

    def _loss_and_grads(self, X, y=None):
        """L_AE + λ mean_{i<j} (σ(x̂_iᵀ x̂_j) − σ(x_iᵀ x_j))² and its gradient.  [A9]"""
        z, enc_cache = self._encode(X)                                 # z = f(x, α)  (N, m)
        out, dec_cache = self._decode(z)                               # before σ_g   (N, n)
        loss, dout, x_hat = self._reconstruction(out, X)               # L_AE  [A4]
        relations, dx_hat = relational_penalty(x_hat, X, self.s0, self.lam)   # [A9]
        _, out_cache = self._output.forward({}, out)
        dout = dout + self._output.backward(dx_hat, out_cache)[0]      # through x̂ = σ_g(out)
        return loss + relations, self._backward(dout, dec_cache, enc_cache)
