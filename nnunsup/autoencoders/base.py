"""The autoencoder: an encoder f(x, α) and a decoder g(z, β) trained to reconstruct x.  [A1, A3]

    z = f(x, α),   x̂ = g(z, β),   L_AE(α, β) = Σ_i L(g(f(x_i, α), β), x_i) → min_{α, β}

Both f and g are stacks of affine layers with activations, f = σ_f(A x + a) and
g = σ_g(B z + b) in the two-layer case [A3]; the code may be narrower than x
(undercomplete) or wider (overcomplete) [A5]; the decoder may reuse the encoder's weights
transposed, W' = Wᵀ [A13]; the loss is quadratic or cross-entropy [A4].

Slides: "Построение автокодировщика — задача обучения без учителя", "Архитектуры
        автокодировщиков" (MIPT notes); "Постановка задачи автоэнкодера" (Russian notes on
        autoencoders); "Koszt rekonstrukcji", "Niekompletny autokoder" (Polish notes).

The regularised autoencoders of the later slides subclass :class:`Autoencoder` and write
their own ``_loss_and_grads`` from the same four steps: encode, decode, reconstruction
loss, backward.

Shape legend: ``N`` objects, ``n`` features, ``m`` code units.
"""
from .. import backend
from .._base import GradientModel
from .._validation import check_choice, check_range, check_sizes
from ..nn import losses
from ..nn.layers import Linear, Sequential, activation, prefixed, subparams

__all__ = ["Autoencoder"]


class Autoencoder(GradientModel):
    """Autoencoder with any number of layers, MSE or cross-entropy, optional tied weights.  [A1, A3, A4, A5, A13]

    ========================  ==============  ==================
    params key                slide symbol    shape
    ========================  ==============  ==================
    ``encoder.<2k>.W``        A (α), layer k  (out, in)
    ``encoder.<2k>.b``        a, layer k      (out,)
    ``decoder.<2k>.W``        B (β), layer k  (out, in); absent when ``tied``
    ``decoder.<2k>.b``        b, layer k      (out,)
    ========================  ==============  ==================

    Parameters
    ----------
    hidden_sizes : tuple of int    the encoder's layer widths, the last one the code size m
    activation : str               σ of the hidden layers ("sigmoid", "tanh", "relu", …)
    code_activation : str or None  σ_f of the code layer; None: the same as ``activation``
    output_activation : str or None
                                   σ_g of the output; None: "sigmoid" for loss="bce",
                                   "identity" (a linear output) for loss="mse"
    loss : "mse" or "bce"          ‖x̂ − x‖² [A4], or the cross-entropy
                                   −Σ_k x_k log x̂_k + (1 − x_k) log(1 − x̂_k) for x ∈ [0, 1]
    tied : bool                    the decoder uses the encoder's weights transposed [A13]
    decoder_sizes : tuple or None  the decoder's hidden widths (between code and output);
                                   None mirrors the encoder
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    params, history_, n_features_in_

    Notes
    -----
    The objective is the mean over objects, (1/N) Σ_i L(x̂_i, x_i), with L summed over
    features.  With loss="bce" and a sigmoid output the loss is computed from the output
    layer's pre-activation (``bce_with_logits``), which is the same value, stable.
    """

    def __init__(self, hidden_sizes=(64,), activation="sigmoid", code_activation=None,
                 output_activation=None, loss="mse", tied=False, decoder_sizes=None, *,
                 epochs=20, batch_size=64, learning_rate=1e-3, optimizer="adam", patience=None,
                 warm_start=False, random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.tied = tied
        self.decoder_sizes = decoder_sizes
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- hyperparameters and data ----------------------------------------------------------
    def _output_name(self):
        if self.output_activation is not None:
            return self.output_activation
        return "sigmoid" if self.loss == "bce" else "identity"

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_sizes(self.hidden_sizes, "hidden_sizes")
        if self.decoder_sizes is not None:
            check_sizes(self.decoder_sizes, "decoder_sizes", allow_empty=True)
        check_choice(self.loss, "loss", ("mse", "bce"))
        for argument, name in (("activation", self.activation),
                               ("code_activation", self.code_activation or self.activation),
                               ("output_activation", self._output_name())):
            activation(name, argument)                             # ValueError listing choices
        if self.loss == "bce" and self._output_name() != "sigmoid":
            raise ValueError(f"loss='bce' needs a sigmoid output (x̂ in (0, 1)), "
                             f"got output_activation={self.output_activation!r}")
        if self.tied and self.decoder_sizes is not None:
            raise ValueError("tied=True needs the mirrored decoder: leave decoder_sizes=None")

    def _check_X(self, X, name="X"):
        X = super()._check_X(X, name)
        if self.loss == "bce":
            check_range(X, 0.0, 1.0, f"{type(self).__name__} with loss='bce'", name)
        return X

    def _requires_non_negative(self):
        return self.loss == "bce"                  # x ∈ [0, 1]

    # -- structure and parameters -----------------------------------------------------------
    def _build(self, n_features):
        """The encoder and decoder Sequentials (structure only; no arrays)."""
        sizes = [n_features, *self.hidden_sizes]
        encoder = []
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = k == len(sizes) - 2
            encoder += [Linear(n_in, n_out),
                        activation((self.code_activation or self.activation) if last else self.activation)]
        middle = list(reversed(sizes[1:-1])) if self.decoder_sizes is None else list(self.decoder_sizes)
        sizes = [sizes[-1], *middle, n_features]
        decoder = []
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            decoder.append(Linear(n_in, n_out))
            if k < len(sizes) - 2:
                decoder.append(activation(self.activation))
        return Sequential(*encoder), Sequential(*decoder)

    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        self._encoder, self._decoder = self._build(n_features)
        self._output = activation(self._output_name())
        dtype = backend.get_default_dtype()
        params = prefixed("encoder.", self._encoder.init_params(rng, dtype))
        decoder = prefixed("decoder.", self._decoder.init_params(rng, dtype))
        if self.tied:                                           # [A13] W' = Wᵀ: no decoder W
            decoder = {k: v for k, v in decoder.items() if not k.endswith(".W")}
        params.update(decoder)
        return params

    def _tied_pairs(self):
        """(decoder key, encoder key) of weights shared as W' = Wᵀ, outermost first.  [A13]"""
        enc = [f"{i}.W" for i, layer in enumerate(self._encoder.layers) if isinstance(layer, Linear)]
        dec = [f"{i}.W" for i, layer in enumerate(self._decoder.layers) if isinstance(layer, Linear)]
        return list(zip(dec, reversed(enc)))

    def _decoder_params(self):
        p = subparams(self.params, "decoder.")
        if self.tied:
            for dec_key, enc_key in self._tied_pairs():
                p[dec_key] = self.params["encoder." + enc_key].T      # [A13] a view, no copy
        return p

    # -- the four steps every autoencoder objective is made of ------------------------------------
    def _encode(self, X):
        """z = f(x, α): the code of every row, with the cache for backward.  [A1, A3]"""
        return self._encoder.forward(subparams(self.params, "encoder."), X)

    def _decode(self, z):
        """The decoder's last pre-activation (g(z, β) = σ_g of it), with the cache.  [A1, A3]"""
        return self._decoder.forward(self._decoder_params(), z)

    def _reconstruction(self, out, X):
        """L_AE on the batch and its gradient w.r.t. the decoder's pre-activation ``out``.  [A4]

        Returns (loss, dout, x_hat) with x_hat = σ_g(out) the reconstruction.
        """
        x_hat, act_cache = self._output.forward({}, out)
        if self.loss == "bce":                        # σ_g is the sigmoid: use the logits
            loss, dout = losses.bce_with_logits(out, X)
        else:
            loss, dx_hat = losses.mse(x_hat, X)
            dout, _ = self._output.backward(dx_hat, act_cache)
        return loss, dout, x_hat

    def _backward(self, dout, dec_cache, enc_cache, dz_extra=None):
        """Gradients of every parameter from ∂L/∂out (and an extra ∂L/∂z, e.g. a penalty)."""
        dz, dec_grads = self._decoder.backward(dout, dec_cache)
        if dz_extra is not None:
            dz = dz + dz_extra
        _, enc_grads = self._encoder.backward(dz, enc_cache, need_dx=False)   # x is data
        grads = prefixed("encoder.", enc_grads)
        if self.tied:                                  # [A13] ∂L/∂W gets both uses of W
            for dec_key, enc_key in self._tied_pairs():
                grads["encoder." + enc_key] = grads["encoder." + enc_key] + dec_grads.pop(dec_key).T
        grads.update(prefixed("decoder.", dec_grads))
        return grads

    def _loss_and_grads(self, X, y=None):
        """L_AE = (1/N) Σ_i L(g(f(x_i, α), β), x_i) and its gradient.  [A1, A4]"""
        z, enc_cache = self._encode(X)                 # z = f(x, α)          (N, m)
        out, dec_cache = self._decode(z)               # before σ_g           (N, n)
        loss, dout, _ = self._reconstruction(out, X)   # L(x̂, x)              [A4]
        return loss, self._backward(dout, dec_cache, enc_cache)

    # -- using the trained model ----------------------------------------------------------------
    def transform(self, X):
        """Encode: the codes z = f(x, α), array of shape (N, m)."""
        z, _ = self._encode(self._check_input(X))
        return z

    def inverse_transform(self, Z):
        """Decode: the reconstructions x̂ = g(z, β), array of shape (N, n)."""
        self._check_fitted()
        Z = super()._check_X(Z, name="Z")
        if Z.shape[1] != self._code_width():
            raise ValueError(f"Z has {Z.shape[1]} columns, but the code of this "
                             f"{type(self).__name__} has {self._code_width()}")
        out, _ = self._decode(Z)
        return self._output.forward({}, out)[0]

    def _code_width(self):
        """m, the number of code units (the width of ``transform``'s output)."""
        return self.hidden_sizes[-1]

    def reconstruct(self, X):
        """x̂ = g(f(x)), array of shape (N, n)."""
        return self.inverse_transform(self.transform(X))

    predict = reconstruct

    def reconstruction_error(self, X):
        """Mean squared reconstruction error (1/N) Σ_i ‖x̂_i − x_i‖² (whatever the loss)."""
        X = self._check_input(X)
        diff = self.reconstruct(X) - X
        return float((diff * diff).sum() / X.shape[0])

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

