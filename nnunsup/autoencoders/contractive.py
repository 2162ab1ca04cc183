"""The contractive autoencoder: codes that stay put when the input moves.  [A8]

    L_AE + λ Σ_i ‖J_f(x_i)‖²_F → min,   ‖J_f(x)‖²_F = Σ_d Σ_j (∂f_j(x, α)/∂x_d)²

For a one-layer sigmoid encoder f = σ(A x + a) the slide's closed form is
‖J_f(x)‖² = Σ_j Σ_d (α_jd f_j (1 − f_j))²; deeper encoders use J = D_L W_L ⋯ D_1 W_1.
As everywhere in nnunsup the per-object term is averaged over the batch.

Slides: "Сжимающий автокодировщик (Contractive AE)" (MIPT notes); "Kurczliwy AE" (Polish
        notes).

Shape legend: ``N`` objects, ``n`` features, ``m`` code units, ``n_k`` the width of
encoder layer k (``n_0 = n``, ``n_L = m``).
"""
from .. import backend
from .._validation import check_choice, check_scalar
from .base import Autoencoder

__all__ = ["contractive_penalty", "contractive_penalty_grads", "jacobian_penalty",
           "jacobian_penalty_grads", "ContractiveAutoencoder"]


# -- [A8] contractive: ‖J_f(x)‖²_F and its gradient --------------------------------------

_JACOBIAN_ACTIVATIONS = ("sigmoid", "tanh", "softplus", "relu", "identity", "linear")


def _derivatives(h, name):
    """f'(pre) and f''(pre) of the activation ``name``, written through its output h = f(pre).

    sigmoid: f' = h (1 − h), f'' = f' (1 − 2h);  tanh: f' = 1 − h², f'' = −2h f';
    softplus: f' = σ(pre) = 1 − e^(−h), f'' = f' (1 − f');  relu: f' = [h > 0], f'' = 0;
    identity: f' = 1, f'' = 0.
    """
    xp = backend.get_xp(h)
    if name == "sigmoid":
        d1 = h * (1 - h)
        return d1, d1 * (1 - 2 * h)
    if name == "tanh":
        d1 = 1 - h * h
        return d1, -2 * h * d1
    if name == "softplus":
        d1 = -xp.expm1(-h)                                 # σ(pre), since e^h = 1 + e^pre
        return d1, d1 * (1 - d1)
    if name == "relu":
        return (h > 0).astype(h.dtype), xp.zeros_like(h)
    if name in ("identity", "linear"):
        return xp.ones_like(h), xp.zeros_like(h)
    check_choice(name, "activation", _JACOBIAN_ACTIVATIONS)     # raises, listing the choices


def contractive_penalty(A, h, activation="sigmoid"):
    """Squared Frobenius norm of the encoder Jacobian, per object.  [A8]

    Slides: "Сжимающий автокодировщик (Contractive AE)" (MIPT notes);
            "Kurczliwy AE" (Polish notes: "Contractive autoencoder (CAE)").

    Formula:  ‖J_f(x)‖²_F = Σ_j Σ_d (α_jd f_j (1 − f_j))²,  f = σ(A x + a);
              for another activation φ:  Σ_j φ'(A x + a)_j² Σ_d α_jd²

    Parameters
    ----------
    A : array of shape (m, n)      encoder weights, the slide's α
    h : array of shape (N, m)      codes f(x) of the batch
    activation : str               φ: "sigmoid" (the slide), "tanh", "softplus", "relu",
                                   "identity"

    Returns
    -------
    penalty : array of shape (N,)

    Notes
    -----
    The d-sum factorises: Σ_d α_jd² is one number per unit, so the code computes
    ((h (1 − h))²) @ (A²).sum(axis=1) instead of the double loop.

    References
    ----------
    Rifai et al. (2011). Contractive auto-encoders. ICML.
    """
    ### BEGIN SOLUTION
    fprime, _ = _derivatives(h, activation)                # f_j (1 − f_j) for σ   (N, m)
    return (fprime * fprime) @ (A * A).sum(axis=1)         # (N,)
    ### END SOLUTION


def contractive_penalty_grads(A, X, h, lam=1.0, activation="sigmoid"):
    """Gradient of  λ (1/N) Σ_i ‖J_f(x_i)‖²_F  w.r.t. A and a, for f = φ(A x + a).  [A8]

    Slides: "Сжимающий автокодировщик (Contractive AE)" (MIPT notes).

    Formula:  with s_j = Σ_d α_jd²,  T = (λ/N) Σ_i Σ_j φ'(pre_ij)² s_j,  pre = A x + a:
              ∂T/∂α_jd = (2λ/N) Σ_i φ'_ij² α_jd  +  Σ_i ∂T/∂pre_ij x_id
              ∂T/∂a_j  = Σ_i ∂T/∂pre_ij,     ∂T/∂pre_ij = (2λ/N) φ'_ij φ''_ij s_j
              (for σ: φ' = f (1 − f), φ'' = φ' (1 − 2f))

    Parameters
    ----------
    A : array of shape (m, n)      encoder weights α
    X : array of shape (N, n)      the batch
    h : array of shape (N, m)      its codes f(x) = φ(X Aᵀ + a)
    lam : float                    λ
    activation : str               as in :func:`contractive_penalty`

    Returns
    -------
    dA : array of shape (m, n)     through Σ_d α_jd² and through f(x)
    da : array of shape (m,)       through f(x)
    """
    N = X.shape[0]
    ### BEGIN SOLUTION
    fprime, fsecond = _derivatives(h, activation)          # φ', φ''   (N, m)
    s = (A * A).sum(axis=1)                                # Σ_d α_jd²  (m,)
    dpre = (2 * lam / N) * fprime * fsecond * s            # ∂T/∂pre   (N, m)
    dA = (2 * lam / N) * (fprime * fprime).sum(axis=0)[:, None] * A   # through s_j
    dA = dA + dpre.T @ X                                   # through f(x)   (m, n)
    da = dpre.sum(axis=0)                                  # (m,)
    ### END SOLUTION
    return dA, da


def _jacobian_chain(Ws, hs, activations):
    """J^k = D_k W_k J^(k−1) for k = 1..L (J^0 = I), and the products M_k = W_k J^(k−1)."""
    Js, Ms = [], []
    for k, (W, name) in enumerate(zip(Ws, activations)):
        fprime, _ = _derivatives(hs[k + 1], name)          # D_k = diag φ_k'    (N, n_k)
        M = W[None] if k == 0 else W @ Js[-1]              # (1 or N, n_k, n)
        Js.append(fprime[:, :, None] * M)                  # (N, n_k, n)
        Ms.append(M)
    return Js, Ms


def jacobian_penalty(Ws, hs, activations):
    """‖J_f(x)‖²_F per object for a deep encoder, J_f = D_L W_L ⋯ D_1 W_1.  [A8]

    Slides: "Сжимающий автокодировщик (Contractive AE)" (MIPT notes: ‖J_f(x)‖² =
            Σ_d Σ_j (∂f_j/∂x_d)²; the slide's closed form is the case L = 1).

    Formula:  h^k = φ_k(W_k h^(k−1) + b_k),  h^0 = x,  f(x) = h^L;
              J_f(x) = D_L W_L ⋯ D_1 W_1,  D_k = diag φ_k'(W_k h^(k−1) + b_k)

    Parameters
    ----------
    Ws : list of L arrays, W_k of shape (n_k, n_(k−1))   the encoder's weight matrices
    hs : list of L + 1 arrays of shape (N, n_k)          x = h^0, h^1, …, h^L = f(x)
    activations : list of L str                          φ_k, as in :func:`contractive_penalty`

    Returns
    -------
    penalty : array of shape (N,)

    Notes
    -----
    J is built forward, J^k = D_k (W_k J^(k−1)), one (N, n_k, n) array per layer; for
    L = 1 this equals :func:`contractive_penalty`, which avoids the (N, m, n) array.
    """
    Js, _ = _jacobian_chain(Ws, hs, activations)
    return (Js[-1] * Js[-1]).sum(axis=(1, 2))


def jacobian_penalty_grads(Ws, hs, activations, lam=1.0):
    """Gradient of  λ (1/N) Σ_i ‖J_f(x_i)‖²_F  w.r.t. every W_k and b_k of a deep encoder.  [A8]

    Slides: "Сжимающий автокодировщик (Contractive AE)" (MIPT notes).

    Formula:  backward through J^k = D_k M_k, M_k = W_k J^(k−1), from ∂T/∂J^L = (2λ/N) J^L:
              ∂T/∂φ_k'  = Σ_d ∂T/∂J^k ⊙ M_k          ∂T/∂M_k = D_k ∂T/∂J^k
              ∂T/∂W_k  += Σ_i ∂T/∂M_k,i J^(k−1)_iᵀ   ∂T/∂J^(k−1) = W_kᵀ ∂T/∂M_k
              and each φ_k' depends on pre_k = W_k h^(k−1) + b_k, which depends on the layers
              below: ∂T/∂pre_k = ∂T/∂h^k ⊙ φ_k' + ∂T/∂φ_k' ⊙ φ_k'' , then the usual
              ∂T/∂W_k += ∂T/∂pre_kᵀ h^(k−1), ∂T/∂b_k = Σ_i ∂T/∂pre_k, ∂T/∂h^(k−1) = ∂T/∂pre_k W_k

    Parameters
    ----------
    Ws, hs, activations :   as in :func:`jacobian_penalty`
    lam : float             λ

    Returns
    -------
    dWs : list of L arrays of shape (n_k, n_(k−1))
    dbs : list of L arrays of shape (n_k,)
    """
    xp = backend.get_xp(*Ws)
    N, L = hs[0].shape[0], len(Ws)
    Js, Ms = _jacobian_chain(Ws, hs, activations)
    dJ = (2 * lam / N) * Js[-1]                            # ∂T/∂J^L           (N, m, n)
    dh = 0.0                                               # ∂T/∂h^L: f(x) itself is not in T
    dWs, dbs = [None] * L, [None] * L
    for k in reversed(range(L)):
        fprime, fsecond = _derivatives(hs[k + 1], activations[k])     # (N, n_k)
        dfprime = (dJ * Ms[k]).sum(axis=2)                 # ∂T/∂φ_k'          (N, n_k)
        dM = fprime[:, :, None] * dJ                       # ∂T/∂M_k           (N, n_k, n)
        if k > 0:
            dWs[k] = xp.tensordot(dM, Js[k - 1], axes=([0, 2], [0, 2]))  # (n_k, n_(k−1))
            dJ = Ws[k].T @ dM                              # ∂T/∂J^(k−1)       (N, n_(k−1), n)
        else:
            dWs[k] = dM.sum(axis=0)                        # M_1 = W_1          (n_1, n)
        dpre = dh * fprime + dfprime * fsecond             # ∂T/∂pre_k         (N, n_k)
        dWs[k] = dWs[k] + dpre.T @ hs[k]
        dbs[k] = dpre.sum(axis=0)
        dh = dpre @ Ws[k]                                  # ∂T/∂h^(k−1)       (N, n_(k−1))
    return dWs, dbs


class ContractiveAutoencoder(Autoencoder):
    """Contractive autoencoder: L_AE plus the squared Frobenius norm of the encoder Jacobian.  [A8]

    Slides: "Сжимающий автокодировщик (Contractive AE)" (MIPT notes);
            "Kurczliwy AE" (Polish notes: "Contractive autoencoder (CAE)").

    Objective:  (1/N) Σ_i L(g(f(x_i)), x_i) + λ (1/N) Σ_i ‖J_f(x_i)‖²_F,
                ‖J_f(x)‖²_F = Σ_d Σ_j (∂f_j(x)/∂x_d)².

    For the slide's one-layer encoder f = σ(A x + a) (``hidden_sizes=(m,)``), the closed form
    ‖J_f(x)‖² = Σ_j Σ_d (α_jd f_j (1 − f_j))² and its hand-derived gradient are used
    (:func:`contractive_penalty`, :func:`contractive_penalty_grads`); tanh, softplus, relu and
    identity codes use f' in place of f (1 − f).  A deeper encoder uses the chain
    J_f = D_L W_L ⋯ D_1 W_1 (:func:`jacobian_penalty`, :func:`jacobian_penalty_grads`).

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
    decoder_sizes :                as in :class:`Autoencoder`; the encoder's activations
                                   must be "sigmoid", "tanh", "softplus", "relu" or "identity"
    lam : float                    λ ≥ 0, the weight of the Jacobian penalty
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Notes
    -----
    With ``tied=True`` the encoder's A also serves as the decoder's Aᵀ; its gradient is the
    sum of the reconstruction's (both uses) and the penalty's.
    """

    def __init__(self, hidden_sizes=(64,), activation="sigmoid", code_activation=None,
                 output_activation=None, loss="mse", tied=False, decoder_sizes=None, *,
                 lam=0.1,
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
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _encoder_activations(self):
        """φ_1, …, φ_L: ``activation`` for the hidden layers, the code activation last."""
        L = len(self.hidden_sizes)
        return [self.activation] * (L - 1) + [self.code_activation or self.activation]

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.lam, "lam", low=0)
        names = self._encoder_activations()
        arguments = ["activation"] * (len(names) - 1) + ["code_activation"]
        for argument, name in zip(arguments, names):
            if name not in _JACOBIAN_ACTIVATIONS:
                listed = ", ".join(repr(a) for a in _JACOBIAN_ACTIVATIONS)
                raise ValueError(f"ContractiveAutoencoder needs the derivative of every encoder "
                                 f"activation: {argument} must be one of {listed}; got {name!r}")

    def _loss_and_grads(self, X, y=None):
        """L_AE + λ (1/N) Σ_i ‖J_f(x_i)‖²_F and its gradient.  [A8]"""
        z, enc_cache = self._encode(X)                                 # z = f(x, α)  (N, m)
        out, dec_cache = self._decode(z)                               # before σ_g   (N, n)
        loss, dout, _ = self._reconstruction(out, X)                   # L_AE  [A4]
        grads = self._backward(dout, dec_cache, enc_cache)
        L, names = len(self.hidden_sizes), self._encoder_activations()
        Ws = [self.params[f"encoder.{2 * k}.W"] for k in range(L)]     # A = W_1, …, W_L
        if L == 1:                                                     # f = σ(A x + a): the slide
            penalty = contractive_penalty(Ws[0], z, names[0])          # [A8] ‖J_f(x_i)‖²  (N,)
            dA, da = contractive_penalty_grads(Ws[0], X, z, self.lam, names[0])   # [A8]
            dWs, dbs = [dA], [da]
        else:                                                          # J_f = D_L W_L ⋯ D_1 W_1
            # x = h^0, …, h^(L−1) are the inputs of the Linear layers, whose cache is (x, W, b)
            hs = [enc_cache[2 * k][0] for k in range(L)] + [z]         # h^0, …, h^L
            penalty = jacobian_penalty(Ws, hs, names)                  # [A8] ‖J_f(x_i)‖²  (N,)
            dWs, dbs = jacobian_penalty_grads(Ws, hs, names, self.lam)   # [A8]
        for k in range(L):                                             # the penalty's share of ∂/∂α
            grads[f"encoder.{2 * k}.W"] = grads[f"encoder.{2 * k}.W"] + dWs[k]
            grads[f"encoder.{2 * k}.b"] = grads[f"encoder.{2 * k}.b"] + dbs[k]
        return loss + self.lam * penalty.mean(), grads                 # [A8] + λ (1/N) Σ_i ‖J_f‖²
