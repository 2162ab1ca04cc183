"""Supervised multi-layer perceptrons: the smallest complete models on the shared loop.

They are the predictors ŷ(f(x), γ), teachers and students of the later sections, and the
worked example of the model protocol: ``_init_params`` creates the weights,
``_loss_and_grads`` reads top to bottom (forward, loss, backward), and
:class:`nnunsup._base.GradientModel` validates and trains.

Shape legend: ``N`` objects, ``n`` input features, ``K`` classes or outputs.
"""

import numpy

from .. import backend
from .._base import GradientModel
from .._validation import check_array, check_scalar, check_sizes
from . import losses
from .functional import softmax
from .layers import activation, mlp, prefixed, subparams

__all__ = ["MLPClassifier", "MLPRegressor"]


class _MLP(GradientModel):
    """Shared body: a Sequential MLP under the key prefix "net." and an L2 penalty λ/2 Σ‖W‖²."""

    def __init__(self, hidden_sizes=(64,), activation="relu", lam=0.0, *, epochs=20,
                 batch_size=64, learning_rate=1e-3, optimizer="adam", patience=None,
                 warm_start=False, random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
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
        check_sizes(self.hidden_sizes, "hidden_sizes", allow_empty=True)
        check_scalar(self.lam, "lam", low=0)
        activation(self.activation)                                # ValueError listing choices

    def _n_outputs(self):
        raise NotImplementedError

    def _init_params(self, n_features, rng):
        sizes = [n_features, *self.hidden_sizes, self._n_outputs()]
        self._net = mlp(sizes, self.activation)         # structure only: no arrays
        return prefixed("net.", self._net.init_params(rng, backend.get_default_dtype()))

    def _output(self, X):
        """Network output (logits or predictions) for validated X; no gradients."""
        out, _ = self._net.forward(subparams(self.params, "net."), X)
        return out

    def _data_loss(self, out, y):
        raise NotImplementedError

    def _loss_and_grads(self, X, y=None):
        """Objective  (1/N) Σ_i L(a(x_i), y_i) + (λ/2) Σ_layers ‖W‖²  and its gradient."""
        out, cache = self._net.forward(subparams(self.params, "net."), X)   # (N, K)
        loss, dout = self._data_loss(out, y)
        _, g = self._net.backward(dout, cache, need_dx=False)              # x is data
        return _weight_penalty(loss, prefixed("net.", g), self.params, self.lam)


def _labels(y, name, n_rows):
    """y as a 1-D host array of labels, one per row; continuous targets are refused."""
    if y is None:
        raise ValueError(f"{name} is required: the classifier needs labels")
    y = numpy.asarray(backend.to_numpy(y))
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != n_rows:
        raise ValueError(f"{name} must be 1-D with one label per row of X ({n_rows}), "
                         f"got shape {y.shape}")
    if y.dtype.kind == "f" and not numpy.isfinite(y).all():
        i = int(numpy.flatnonzero(~numpy.isfinite(y))[0])
        raise ValueError(f"{name} contains {'NaN' if numpy.isnan(y[i]) else 'infinity'} "
                         f"(first at index {i}); a classifier needs a class label per row")
    if y.dtype.kind == "f" and not numpy.all(y == numpy.round(y)):
        raise ValueError(f"{name} looks continuous (non-integer floats); a classifier needs "
                         "class labels — use MLPRegressor for continuous targets")
    return y


def _weight_penalty(loss, grads, params, lam):
    """loss + (λ/2) Σ ‖W‖² over every trained weight matrix (keys ending in ".W"), and its
    gradient λ W added to ``grads``; unchanged when λ = 0."""
    if lam:
        for key, W in params.items():
            if key.endswith(".W"):
                loss = loss + 0.5 * lam * (W * W).sum()             # weight penalty, once
                grads[key] = grads[key] + lam * W
    return loss, grads


def _class_index(labels, classes, name, unseen="not seen in fit"):
    """Host labels → their indices into the sorted ``classes``; labels outside it are named."""
    unknown = numpy.setdiff1d(labels, classes)
    if unknown.size:
        raise ValueError(f"{name} contains labels {unknown[:5].tolist()} {unseen} "
                         f"(classes_ = {classes.tolist()})")
    return numpy.searchsorted(classes, labels)


class MLPClassifier(_MLP):
    """Multi-layer perceptron for classification, trained on softmax cross-entropy.

    ==================  ===============  =============
    params key          symbol           shape
    ==================  ===============  =============
    ``net.<2i>.W``      weights of i     (n_out, n_in)
    ``net.<2i>.b``      biases of i      (n_out,)
    ==================  ===============  =============

    Parameters
    ----------
    hidden_sizes : tuple of int      widths of the hidden layers
    activation : str                 hidden activation ("relu", "tanh", "sigmoid", …)
    lam : float                      λ of the L2 weight penalty (λ/2) Σ‖W‖²
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                        see :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    classes_ : array of shape (K,)   the labels; ``loss_and_grads`` and ``predict`` speak
                                     in these labels, the network in their indices 0..K−1
    params, history_, n_features_in_
    """

    def init_params(self, n_features, classes=None):
        """Fresh parameters for ``n_features`` inputs and the labels ``classes``."""
        if classes is not None:
            self.classes_ = numpy.unique(backend.to_numpy(classes))
        if getattr(self, "classes_", None) is None or len(self.classes_) < 2:
            raise ValueError("init_params needs classes=, the labels to expect (at least 2)")
        return super().init_params(n_features)

    def _check_y(self, y, X, name="y"):
        """Labels → indices into classes_ (on the backend of X)."""
        return backend.asarray(_class_index(_labels(y, name, X.shape[0]), self.classes_, name))

    def fit(self, X, y=None, *, X_val=None, y_val=None):
        self._check_hyperparameters()                  # before classes_ is replaced
        X = self._check_X(X)
        classes = numpy.unique(_labels(y, "y", X.shape[0]))
        if classes.size < 2:
            raise ValueError(f"y must contain at least 2 classes, got {classes.tolist()}")
        if (self.warm_start and getattr(self, "_params", None) is not None
                and not numpy.array_equal(classes, self.classes_)):
            raise ValueError(f"warm_start: y has classes {classes.tolist()}, but the model was "
                             f"built for {self.classes_.tolist()}")
        self.classes_ = classes
        return super().fit(X, y, X_val=X_val, y_val=y_val)

    def partial_fit(self, X, y=None, classes=None):
        """One pass over (X, y); the first call needs ``classes``, all labels to expect."""
        if getattr(self, "_params", None) is None:
            if classes is None:
                raise ValueError("the first call to partial_fit needs classes=, all labels to expect")
            self.classes_ = numpy.unique(backend.to_numpy(classes))
        return super().partial_fit(X, y)

    def _n_outputs(self):
        return len(self.classes_)

    def _data_loss(self, out, y):
        return losses.softmax_ce(out, y)

    def predict_proba(self, X):
        """Class probabilities, array of shape (N, K), columns in the order of ``classes_``."""
        return softmax(self._output(self._check_input(X)))

    def predict(self, X):
        """The most probable label per row, array of shape (N,)."""
        index = backend.to_numpy(self.predict_proba(X).argmax(axis=1))
        return self.classes_[index]

    def score(self, X, y):
        """Accuracy: the share of rows whose predicted label equals y."""
        X = self._check_input(X)
        y = _labels(y, "y", X.shape[0])
        return float(numpy.mean(self.predict(X) == y))


class MLPRegressor(_MLP):
    """Multi-layer perceptron for regression, trained on the quadratic loss (1/N) Σ‖ŷ − y‖².

    Same parameters as :class:`MLPClassifier`; ``y`` is (N,) or (N, K).
    """

    def init_params(self, n_features, n_outputs=None):
        """Fresh parameters for ``n_features`` inputs and ``n_outputs`` outputs; returns self.

        ``n_outputs`` defaults to the width of the ``y`` given to ``fit`` (else 1).
        """
        if n_outputs is not None:
            self.n_outputs_ = check_scalar(n_outputs, "n_outputs", kind=int, low=1)
        elif not hasattr(self, "n_outputs_"):
            self.n_outputs_ = 1
        return super().init_params(n_features)

    def _targets(self, y, X, name):
        if y is None:
            raise ValueError(f"{name} is required: the regressor needs targets")
        y = check_array(y, name=name, ndim=(1, 2), dtype=X.dtype)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"{name} has {y.shape[0]} rows but X has {X.shape[0]}")
        return y.reshape(y.shape[0], -1)

    def _check_y(self, y, X, name="y"):
        y = self._targets(y, X, name)
        if y.shape[1] != self.n_outputs_:
            raise ValueError(f"{name} has {y.shape[1]} columns, but this {type(self).__name__} "
                             f"has {self.n_outputs_} outputs")
        return y

    def fit(self, X, y=None, *, X_val=None, y_val=None):
        self._check_hyperparameters()                  # before n_outputs_ is replaced
        X = self._check_X(X)
        width = self._targets(y, X, "y").shape[1]
        if not (self.warm_start and getattr(self, "_params", None) is not None):
            self.n_outputs_ = width
        return super().fit(X, y, X_val=X_val, y_val=y_val)

    def partial_fit(self, X, y=None):
        if getattr(self, "_params", None) is None:
            X = self._check_X(X)
            self.n_outputs_ = self._targets(y, X, "y").shape[1]
        return super().partial_fit(X, y)

    def _n_outputs(self):
        return self.n_outputs_

    def _data_loss(self, out, y):
        return losses.mse(out, y)

    def predict(self, X):
        """Predictions, array of shape (N,) or (N, K) as y was in fit."""
        out = self._output(self._check_input(X))
        return out[:, 0] if self.n_outputs_ == 1 else out

    def score(self, X, y):
        """Coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², averaged over the
        outputs (as scikit-learn's regressors); a constant output scores 1 when predicted
        exactly and 0 otherwise, as scikit-learn's ``r2_score`` does."""
        X = self._check_input(X)
        y = backend.to_numpy(check_array(y, name="y", ndim=(1, 2))).reshape(len(y), -1)
        pred = backend.to_numpy(self.predict(X)).reshape(len(y), -1)
        residual = ((y - pred) ** 2).sum(axis=0)
        total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        constant = total == 0
        r2 = numpy.where(constant, (residual == 0).astype(float),
                         1 - residual / numpy.where(constant, 1.0, total))
        return float(r2.mean())
