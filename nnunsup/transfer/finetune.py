"""Pre-training and transfer: a vectorisation f(x, α) learned on a large set, then a target
model g′(f(x′, α), β′) learned on a small one, with α frozen or fine-tuned.  [T1]

    pre-training:  Σ_{i=1..ℓ} L_i(g(f(x_i, α), β)) → min_{α, β}        (any model of the library)
    transfer:      Σ_{i=1..m} L′_i(g′(f(x′_i, α), β′)) → min_{β′}       α frozen   (mode="frozen")
                                                      → min_{α, β′}    fine-tuned (mode="finetune")
    from scratch:  the same g′(f(x′, α), β′) from a random α            (mode="scratch")

with m ≪ ℓ.  :func:`encoder_of` takes the vectorisation f out of a fitted model — an
autoencoder's encoder, a classifier's hidden layers (a net trained on other classes), a VAE's
mean, a pretext model's patch encoder, a multi-task net's shared part —, and
:class:`TransferClassifier` puts a softmax head g′ on it.

Slides: "Предобучение (pre-training), перенос обучения (transfer learning)" (MIPT notes);
        "Перенос обучения" (SPbU lecture 4).

Shape legend: ``N`` objects, ``n`` features, ``m`` code units, ``K`` classes.

References
----------
Pan & Yang (2010). A survey on transfer learning. IEEE TKDE.
Yosinski, Clune, Bengio & Lipson (2014). How transferable are features in deep neural
networks? NeurIPS.
"""
import numpy

from .. import backend
from .._base import GradientModel
from .._validation import NotFittedError, check_choice, check_scalar, check_sizes
from ..nn import losses
from ..nn.functional import softmax
from ..nn.layers import Linear, Reshape, Sequential, activation, prefixed, subparams
from ..nn.perceptron import _class_index, _labels, _weight_penalty

__all__ = ["encoder_of", "TransferClassifier"]


def encoder_of(model):
    """The vectorisation z = f(x, α) of a fitted model: its layers and copies of their weights.  [T1]

    Supported: every :class:`~nnunsup.autoencoders.Autoencoder` (the encoder; a
    convolutional or sequence one with its reshape of the rows to images or sequences; the
    RBM-pre-trained :class:`~nnunsup.rbm.DeepAutoencoder` too), :class:`~nnunsup.autoencoders.VAE` (the
    body and the mean head μ(x)), :class:`~nnunsup.nn.MLPClassifier` (all layers but the
    output one: the representation a net trained on other classes has learned), and the
    models of this package that define ``_encoder_layers`` (the pretext and multi-task
    models).

    Returns
    -------
    layers : Sequential          structure only; applies to rows of X
    params : dict                copies of the weights, keys as the Sequential names them
    width : int                  m, the width of z
    """
    from ..autoencoders import VAE, Autoencoder, ConvAutoencoder, SequenceAutoencoder
    from ..nn.perceptron import MLPClassifier

    model._check_fitted()
    if hasattr(model, "_encoder_layers"):
        layers, params = model._encoder_layers()
    elif isinstance(model, VAE):
        body, mu = list(model._encoder.layers), model._mu
        if model.conv_channels is not None:
            body = [Reshape(model.image_shape), *body]
        layers = Sequential(*body, mu)
        params = prefixed("", subparams(model.params, "encoder."))
        if model.conv_channels is not None:
            params = {_shift(k, 1): v for k, v in params.items()}
        params.update(prefixed(f"{len(body)}.", subparams(model.params, "mu.")))
    elif isinstance(model, Autoencoder):
        body = list(model._encoder.layers)
        params = subparams(model.params, "encoder.")
        shape = (model.image_shape if isinstance(model, ConvAutoencoder) else
                 model.seq_shape if isinstance(model, SequenceAutoencoder) else None)
        if shape is not None:                               # rows → images or sequences
            body = [Reshape(shape), *body]
            params = {_shift(k, 1): v for k, v in params.items()}
        layers = Sequential(*body)
    elif isinstance(model, MLPClassifier):
        body = list(model._net.layers)[:-1]                 # drop the output Linear
        layers = Sequential(*body)
        params = {k: v for k, v in subparams(model.params, "net.").items()
                  if int(k.split(".")[0]) < len(body)}
    else:
        raise TypeError(f"encoder_of cannot take the encoder out of a "
                        f"{type(model).__name__}; use an autoencoder, a VAE, an MLPClassifier "
                        "or a model of nnunsup.transfer")
    params = {k: v.copy() for k, v in params.items()}
    width = _output_width(layers, params, model.n_features_in_)
    return layers, params, width


def _shift(key, by):
    """'3.W' → '4.W': a key of a Sequential after ``by`` layers are put in front."""
    index, name = key.split(".", 1)
    return f"{int(index) + by}.{name}"


def _output_width(layers, params, n_features):
    xp = backend.get_xp(*params.values()) if params else backend.get_xp()
    dtype = next(iter(params.values())).dtype if params else backend.get_default_dtype()
    out, _ = layers.forward(params, xp.zeros((1, n_features), dtype=dtype))
    return int(out.reshape(1, -1).shape[1])


class TransferClassifier(GradientModel):
    """A softmax head g′(z, β′) on a transferred vectorisation f(x, α): frozen, fine-tuned or
    from scratch.  [T1]

    ====================  ===========================  ======================================
    params key            slide symbol                 present
    ====================  ===========================  ======================================
    ``head.<i>.W/b``      β′, the target model g′      always
    ``encoder.<i>.W/b``   α, the vectorisation f       ``mode="finetune"`` or ``"scratch"``
    ====================  ===========================  ======================================

    With ``mode="frozen"`` α is not among ``params`` (it lives in ``encoder_params_``), so the
    optimiser cannot touch it and ``loss_and_grads`` returns β′'s gradients only — the
    slide's min over β′.

    Parameters
    ----------
    source : fitted model          where f comes from (see :func:`encoder_of`)
    mode : "frozen", "finetune" or "scratch"
                                   min_{β′} with α from the source; min_{α, β′} from the
                                   source's α; min_{α, β′} from a fresh random α (the same
                                   layers: the baseline)
    head_sizes : tuple of int      hidden widths of g′ (() : a linear softmax head, the
                                   "linear probe")
    activation : str               of the head's hidden layers
    lam : float                    λ of an L2 penalty (λ/2) Σ W² on every trained weight matrix
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    classes_, params, encoder_params_ (frozen mode), history_, n_features_in_
    """

    _partial_fit_needs_fit = True

    def __init__(self, source, mode="frozen", head_sizes=(), activation="relu", lam=0.0, *,
                 epochs=50, batch_size=32, learning_rate=1e-3, optimizer="adam", patience=None,
                 warm_start=False, random_state=None, verbose="auto"):
        self.source = source
        self.mode = mode
        self.head_sizes = head_sizes
        self.activation = activation
        self.lam = lam
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
        check_choice(self.mode, "mode", ("frozen", "finetune", "scratch"))
        check_sizes(self.head_sizes, "head_sizes", allow_empty=True)
        activation(self.activation)                                # ValueError listing choices
        check_scalar(self.lam, "lam", low=0)
        if not hasattr(self.source, "get_params"):
            raise TypeError(f"source must be a fitted nnunsup model, got {self.source!r}")
        if getattr(self.source, "_params", None) is None:
            raise NotFittedError(f"source must be fitted: this {type(self.source).__name__} has "
                                 "no parameters yet; call source.fit(X) first")

    def _check_y(self, y, X, name="y"):
        return backend.asarray(_class_index(_labels(y, name, X.shape[0]), self.classes_, name))

    def fit(self, X, y=None, *, X_val=None, y_val=None):
        """Train g′ (and α unless frozen) on the labelled (X, y); returns self.  [T1]"""
        self._check_hyperparameters()                  # before classes_ is replaced
        X = self._check_X(X)
        classes = numpy.unique(_labels(y, "y", X.shape[0]))
        if classes.size < 2:
            raise ValueError(f"y must contain at least 2 classes, got {classes.tolist()}")
        self.classes_ = classes
        return super().fit(X, y, X_val=X_val, y_val=y_val)

    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        layers, params, width = encoder_of(self.source)
        if n_features != self.source.n_features_in_:
            raise ValueError(f"X has {n_features} features, but the source "
                             f"{type(self.source).__name__} was fitted with "
                             f"{self.source.n_features_in_}")
        self._encoder = layers
        dtype = backend.get_default_dtype()
        if self.mode == "scratch":                        # the same layers, a random α
            fresh = numpy.random.default_rng(rng.integers(2 ** 32))   # not the source's draw
            params = layers.init_params(fresh, dtype)
        sizes = [width, *self.head_sizes, len(self.classes_)]
        head = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            head.append(Linear(n_in, n_out))
            if i < len(sizes) - 2:
                head.append(activation(self.activation))
        self._head = Sequential(*head)
        trained = prefixed("head.", self._head.init_params(rng, dtype))
        params = {k: backend.asarray(v, dtype=dtype) for k, v in params.items()}
        if self.mode == "frozen":
            self.encoder_params_ = params                 # α: not trained, not in params
        else:
            trained.update(prefixed("encoder.", params))
        return trained

    def _alpha(self):
        if self.mode == "frozen":
            return self.encoder_params_
        return subparams(self.params, "encoder.")

    def _codes(self, X):
        """z = f(x, α), flattened to rows, with the cache."""
        z, cache = self._encoder.forward(self._alpha(), X)
        return z.reshape(z.shape[0], -1), (cache, z.shape)

    def _loss_and_grads(self, X, y=None):
        """(1/N) Σ_i L′(g′(f(x_i, α), β′), y_i) (+ (λ/2) Σ W²): β′ (and α) gradients.  [T1]"""
        z, (enc_cache, z_shape) = self._codes(X)                       # z = f(x, α)  (N, m)
        logits, head_cache = self._head.forward(subparams(self.params, "head."), z)
        loss, dlogits = losses.softmax_ce(logits, y)                   # L′ on the m labels
        dz, head_grads = self._head.backward(dlogits, head_cache)
        grads = prefixed("head.", head_grads)
        if self.mode != "frozen":                                      # min over α as well
            _, enc_grads = self._encoder.backward(dz.reshape(z_shape), enc_cache, need_dx=False)
            grads.update(prefixed("encoder.", enc_grads))
        return _weight_penalty(loss, grads, self.params, self.lam)

    def transform(self, X):
        """The codes z = f(x, α), array of shape (N, m)."""
        return self._codes(self._check_input(X))[0]

    def predict_proba(self, X):
        """Class probabilities, (N, K), columns in the order of ``classes_``."""
        z, _ = self._codes(self._check_input(X))
        return softmax(self._head.forward(subparams(self.params, "head."), z)[0])

    def predict(self, X):
        """The most probable label per row, shape (N,)."""
        return self.classes_[backend.to_numpy(self.predict_proba(X).argmax(axis=1))]

    def score(self, X, y):
        """Accuracy on (X, y)."""
        return float(numpy.mean(self.predict(X) == _labels(y, "y", len(X))))
