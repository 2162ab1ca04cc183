"""Autoencoders built layer by layer, and autoencoders that also learn from labels.  [A10, A11]

Stacked AE [A10]: train one-layer autoencoders greedily, each on the codes of the one
below, x^h = f^h(x^{h−1}, α^h); drop the decoders; stack the encoders; fine-tune the
whole net by backpropagation from that start — as an autoencoder (the decoders unrolled
in reverse order) or as a classifier (a softmax head on the stacked encoder).

Semi-supervised AE [A11]: encoder f, decoder g and predictor ŷ trained together,

    Σ_{unlabelled} L(g(f(x_i, α), β), x_i) + λ Σ_{labelled} L̃(ŷ(f(x_i, α), γ), y_i) → min_{α, β, γ}

Slides: "Многослойный автокодировщик (Stacked AE)", "Автокодировщики для обучения с
        учителем" (MIPT notes); "Автоэнкодер для обучения на размеченных данных" (Russian
        notes on autoencoders).

Shape legend: ``N`` objects, ``n`` features, ``m`` code units, ``K`` classes.
"""
import numpy

from .. import backend
from .._validation import NonFiniteLossError, check_scalar, check_sizes
from ..nn import losses
from ..nn.functional import softmax
from ..nn.layers import Linear, mlp, prefixed, subparams
from ..nn.perceptron import MLPClassifier, _class_index, _labels
from .base import Autoencoder

__all__ = ["StackedAutoencoder", "SemiSupervisedAutoencoder"]

_TRAINING = ("epochs", "batch_size", "learning_rate", "optimizer", "random_state")


class StackedAutoencoder(Autoencoder):
    """Greedy layer-wise pre-training, then fine-tuning of the whole autoencoder.  [A10]

    ``fit(X)``:

    1. for h = 1..H: a one-layer :class:`Autoencoder` (f^h, g^h) of width hidden_sizes[h]
       is trained for ``pretrain_epochs`` on {x_i^{h−1}}; then x^h = f^h(x^{h−1});
    2. the encoders f^1..f^H become the layers of one H-layer encoder; the decoders
       g^H..g^1, in reverse order, the layers of its decoder (the "unrolled" net);
    3. the whole autoencoder is fine-tuned for ``epochs`` (0 skips it).

    ``classifier(...)`` instead starts a supervised fine-tuning: an
    :class:`~nnunsup.nn.MLPClassifier` whose hidden layers are the pre-trained encoders.

    Parameters
    ----------
    hidden_sizes, activation, loss, … : as :class:`Autoencoder` (one activation for every
                                   layer; the first layer's loss is ``loss``, the upper
                                   layers reconstruct codes with the quadratic loss)
    pretrain_epochs : int          epochs of each greedy layer
    epochs : int                   epochs of fine-tuning (0: none)

    Attributes
    ----------
    layers_ : list of Autoencoder        the trained one-layer autoencoders (f^h, g^h)
    pretrain_history_ : list of dict     the ``history_`` of each greedy layer
    history_, params, n_features_in_     of the fine-tuned whole
    """

    def __init__(self, hidden_sizes=(256, 64), activation="sigmoid", output_activation=None,
                 loss="mse", pretrain_epochs=10, *, epochs=10, batch_size=64,
                 learning_rate=1e-3, optimizer="adam", patience=None, random_state=None,
                 verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.pretrain_epochs = pretrain_epochs
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    # the whole net is an Autoencoder with these fixed choices; epochs=0 skips fine-tuning
    code_activation, decoder_sizes, tied, warm_start = None, None, False, False
    _min_epochs = 0

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.pretrain_epochs, "pretrain_epochs", kind=int, low=1)

    def fit(self, X, y=None):
        """Pre-train layer by layer, stack, and fine-tune; returns self.  [A10]"""
        self._check_hyperparameters()
        X = self._check_X(X)
        self.init_params(X.shape[1])
        seeds = numpy.random.SeedSequence(self._init_rng.integers(2**32)).spawn(len(self.hidden_sizes))
        self.layers_, self.pretrain_history_ = [], []
        codes = X
        encoder_layers = [k for k, layer in enumerate(self._encoder.layers) if isinstance(layer, Linear)]
        decoder_layers = [k for k, layer in enumerate(self._decoder.layers) if isinstance(layer, Linear)]
        for h, size in enumerate(self.hidden_sizes):                      # [A10] greedy
            first = h == 0
            layer = Autoencoder(
                (size,), activation=self.activation,
                output_activation=self._output_name() if first else self.activation,
                loss=self.loss if first else "mse", epochs=self.pretrain_epochs,
                batch_size=self.batch_size, learning_rate=self.learning_rate,
                optimizer=self.optimizer, random_state=seeds[h], verbose=self.verbose)
            try:
                layer.fit(codes)                                          # (f^h, g^h) on x^{h−1}
            except NonFiniteLossError as err:
                raise err.during(f"pre-training layer {h + 1} of {len(self.hidden_sizes)}") from err
            self.layers_.append(layer)
            self.pretrain_history_.append(layer.history_)
            e, d = encoder_layers[h], decoder_layers[-1 - h]              # stack f^h; unroll g^h
            for name in ("W", "b"):
                self.params[f"encoder.{e}.{name}"][...] = layer.params[f"encoder.0.{name}"]
                self.params[f"decoder.{d}.{name}"][...] = layer.params[f"decoder.0.{name}"]
            codes = layer.transform(codes)                                # x^h = f^h(x^{h−1})
        if self.epochs:                                                   # fine-tuning
            self._prepare(X)
            try:
                self._train(X, None, self.epochs, None, early_stopping=bool(self.patience))
            except NonFiniteLossError as err:
                raise err.during("fine-tuning") from err
        return self

    def classifier(self, classes, **kwargs):
        """A classifier whose hidden layers are the pre-trained encoders (for fine-tuning).  [A10]

        Returns an :class:`~nnunsup.nn.MLPClassifier` with ``hidden_sizes`` and
        ``activation`` of this model and ``warm_start=True``: its ``fit(X, y)`` starts from
        the stacked encoder and a fresh softmax layer.  ``kwargs`` set its training
        hyperparameters (epochs, learning_rate, …).
        """
        self._check_fitted()
        model = MLPClassifier(tuple(self.hidden_sizes), activation=self.activation,
                              warm_start=True, **{k: getattr(self, k) for k in _TRAINING
                                                  if k not in kwargs}, **kwargs)
        model.init_params(self.n_features_in_, classes=classes)
        for k, layer in enumerate(self._encoder.layers):
            if isinstance(layer, Linear):
                for name in ("W", "b"):
                    model.params[f"net.{k}.{name}"][...] = self.params[f"encoder.{k}.{name}"]
        return model


class SemiSupervisedAutoencoder(Autoencoder):
    """Encoder, decoder and predictor trained jointly on unlabelled and labelled objects.  [A11]

    ============================  ==============  =======================
    params key                    slide symbol    shape
    ============================  ==============  =======================
    ``encoder.*``, ``decoder.*``  α, β            as :class:`Autoencoder`
    ``head.<2k>.W/b``             γ               the predictor's layers
    ============================  ==============  =======================

    Objective, per batch of N objects (U unlabelled, L labelled):

        (1/N) [ Σ_{i∈U} L(x̂_i, x_i) + λ Σ_{i∈L} L̃(ŷ_i, y_i) ],   ŷ = softmax(head(f(x)))

    with L the reconstruction loss and L̃ the softmax cross-entropy.  ``y`` marks
    unlabelled objects with −1 (scikit-learn's convention for semi-supervised data).

    Parameters
    ----------
    hidden_sizes, activation, …   as :class:`Autoencoder`
    lam : float                   λ, the weight of the prediction term
    head_sizes : tuple of int     hidden widths of the predictor ŷ(z, γ) (() = linear softmax)
    reconstruct_all : bool        the slide reconstructs the unlabelled objects only
                                  (False); True reconstructs every object

    Attributes
    ----------
    classes_ : array (K,)         the labels seen (without −1)
    """

    _partial_fit_needs_fit = True

    def __init__(self, hidden_sizes=(64,), activation="sigmoid", code_activation=None,
                 output_activation=None, loss="mse", lam=1.0, head_sizes=(),
                 reconstruct_all=False, *, epochs=20, batch_size=64, learning_rate=1e-3,
                 optimizer="adam", patience=None, warm_start=False, random_state=None,
                 verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.code_activation = code_activation
        self.output_activation = output_activation
        self.loss = loss
        self.lam = lam
        self.head_sizes = head_sizes
        self.reconstruct_all = reconstruct_all
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    tied, decoder_sizes = False, None

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.lam, "lam", low=0)
        check_sizes(self.head_sizes, "head_sizes", allow_empty=True)

    def _check_y(self, y, X, name="y"):
        """Labels → indices into classes_, with −1 kept for the unlabelled objects."""
        if y is None:
            raise ValueError(f"{name} is required: give −1 for the unlabelled objects")
        y = numpy.asarray(backend.to_numpy(y))
        if y.ndim != 1 or len(y) != X.shape[0]:
            raise ValueError(f"{name} must be 1-D with one label (or −1) per row of X "
                             f"({X.shape[0]}), got shape {y.shape}")
        labelled = y != -1
        index = numpy.full(len(y), -1)
        index[labelled] = _class_index(y[labelled], self.classes_, name)
        return backend.asarray(index)

    def fit(self, X, y=None):
        """Train on X with labels y (−1 = unlabelled); returns self."""
        self._check_hyperparameters()                  # before classes_ is replaced
        X = self._check_X(X)
        if y is None:
            raise ValueError("y is required: a 1-D array of labels with −1 for unlabelled objects")
        y_host = _labels(y, "y", X.shape[0])
        self.classes_ = numpy.unique(y_host[y_host != -1])
        if self.classes_.size < 2:
            raise ValueError(f"y must label at least 2 classes, got {self.classes_.tolist()}")
        return super().fit(X, y)

    def _init_params(self, n_features, rng):
        params = super()._init_params(n_features, rng)
        self._head = mlp([self.hidden_sizes[-1], *self.head_sizes, len(self.classes_)], self.activation)
        params.update(prefixed("head.", self._head.init_params(rng, backend.get_default_dtype())))
        return params

    def _loss_and_grads(self, X, y=None):
        """(1/N) [Σ_U L(x̂_i, x_i) + λ Σ_L L̃(ŷ_i, y_i)] and its gradient.  [A11]"""
        xp = backend.get_xp(X)
        labelled = y >= 0                                                # −1: unlabelled
        labels = xp.where(labelled, y, 0)
        z, enc_cache = self._encode(X)                                   # z = f(x, α)
        out, dec_cache = self._decode(z)                                 # x̂ = g(z, β)
        rec_weights = xp.ones(X.shape[0], dtype=X.dtype)
        if not self.reconstruct_all:
            rec_weights = (~labelled).astype(X.dtype)                     # Σ over U only
        loss, dout = self._weighted_reconstruction(out, X, rec_weights)
        logits, head_cache = self._head.forward(subparams(self.params, "head."), z)   # (N, K)
        pred_loss, dlogits = losses.softmax_ce(logits, labels,
                                               weights=self.lam * labelled.astype(X.dtype))
        dz_head, head_grads = self._head.backward(dlogits, head_cache)   # λ Σ over L
        grads = self._backward(dout, dec_cache, enc_cache, dz_extra=dz_head)
        grads.update(prefixed("head.", head_grads))
        return loss + pred_loss, grads

    def _weighted_reconstruction(self, out, X, weights):
        """The reconstruction term restricted by per-object weights (0/1), over the whole N."""
        if self.loss == "bce":
            return losses.bce_with_logits(out, X, weights=weights)
        x_hat, act_cache = self._output.forward({}, out)
        loss, dx_hat = losses.mse(x_hat, X, weights=weights)
        dout, _ = self._output.backward(dx_hat, act_cache)
        return loss, dout

    def predict_proba(self, X):
        """Class probabilities ŷ(f(x), γ), array of shape (N, K)."""
        z = self.transform(X)
        logits, _ = self._head.forward(subparams(self.params, "head."), z)
        return softmax(logits)

    def predict(self, X):
        """The most probable label per row (array of shape (N,))."""
        return self.classes_[backend.to_numpy(self.predict_proba(X).argmax(axis=1))]

    def score(self, X, y):
        """Accuracy on labelled objects (rows with y = −1 are ignored)."""
        y = numpy.asarray(backend.to_numpy(y))
        keep = y != -1
        return float(numpy.mean(self.predict(X)[keep] == y[keep]))
