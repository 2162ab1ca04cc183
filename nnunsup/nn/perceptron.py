"""Supervised multi-layer perceptrons: the smallest complete models on the shared loop.

They are the predictors ŷ(f(x), γ), teachers and students of the later sections, and the
worked example of the model protocol: ``_init_params`` creates the weights,
``loss_and_grads`` reads top to bottom (forward, loss, backward), and
:class:`nnunsup._base.GradientModel` trains.

Shape legend: ``N`` objects, ``n`` input features, ``K`` classes or outputs.
"""
import numpy

from .. import backend
from .._base import GradientModel
from .._validation import check_array, check_scalar
from . import losses
from .functional import softmax
from .layers import mlp, subparams

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

    def _n_outputs(self):
        raise NotImplementedError

    def _network(self, n_features):
        return mlp([n_features, *self.hidden_sizes, self._n_outputs()], self.activation)

    def _init_params(self, n_features, rng):
        for size in self.hidden_sizes:
            check_scalar(size, "hidden_sizes entries", kind=int, low=1)
        check_scalar(self.lam, "lam", low=0)
        self._net = self._network(n_features)
        params = self._net.init_params(rng, backend.get_default_dtype())
        return {"net." + k: v for k, v in params.items()}

    def _output(self, X):
        """Network output (logits or predictions) for validated X; no gradients."""
        out, _ = self._net.forward(subparams(self.params, "net."), X)
        return out

    def _data_loss(self, out, y):
        raise NotImplementedError

    def loss_and_grads(self, X, y=None, **noise):
        """Objective  (1/N) Σ_i L(a(x_i), y_i) + (λ/2) Σ_layers ‖W‖²  and its gradient."""
        out, cache = self._net.forward(subparams(self.params, "net."), X)   # (N, K)
        loss, dout = self._data_loss(out, y)
        _, g = self._net.backward(dout, cache)
        grads = {"net." + k: v for k, v in g.items()}
        if self.lam:
            for k, W in self.params.items():
                if k.endswith(".W"):
                    loss = loss + 0.5 * self.lam * (W * W).sum()
                    grads[k] = grads[k] + self.lam * W
        return loss, grads


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
    classes_ : array of shape (K,)   the labels seen in ``fit``
    params, history_, n_features_in_
    """

    def _check_y(self, y, X):
        if y is None:
            raise ValueError(f"{type(self).__name__} needs labels y")
        y = numpy.asarray(backend.to_numpy(y))
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be 1-D with one label per row of X ({X.shape[0]}), "
                             f"got shape {y.shape}")
        unknown = numpy.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(f"y contains labels {unknown[:5].tolist()} not seen in fit "
                             f"(classes_ = {self.classes_.tolist()})")
        return backend.asarray(numpy.searchsorted(self.classes_, y))

    def fit(self, X, y=None, *, X_val=None, y_val=None):
        if y is None:
            raise ValueError(f"{type(self).__name__} needs labels y")
        self.classes_ = numpy.unique(backend.to_numpy(y))
        if self.classes_.size < 2:
            raise ValueError(f"y must contain at least 2 classes, got {self.classes_.tolist()}")
        return super().fit(X, y, X_val=X_val, y_val=y_val)

    def partial_fit(self, X, y=None, classes=None):
        """One pass over (X, y); the first call needs ``classes``, all labels to expect."""
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("the first call to partial_fit needs classes=, all labels to expect")
            self.classes_ = numpy.unique(backend.to_numpy(classes))
        return super().partial_fit(X, y)

    def _n_outputs(self):
        return len(self.classes_)

    def _data_loss(self, out, y):
        return losses.softmax_ce(out, y)

    def predict_proba(self, X):
        """Class probabilities, array of shape (N, K)."""
        X = self._check_input(X)
        return softmax(self._output(X))

    def predict(self, X):
        """The most probable label per row, array of shape (N,)."""
        index = backend.to_numpy(self.predict_proba(X).argmax(axis=1))
        return self.classes_[index]

    def score(self, X, y):
        """Accuracy: the share of rows whose predicted label equals y."""
        return float(numpy.mean(self.predict(X) == backend.to_numpy(y)))


class MLPRegressor(_MLP):
    """Multi-layer perceptron for regression, trained on the quadratic loss (1/N) Σ‖ŷ − y‖².

    Same parameters as :class:`MLPClassifier`; ``y`` is (N,) or (N, K).
    """

    def _check_y(self, y, X):
        if y is None:
            raise ValueError(f"{type(self).__name__} needs targets y")
        y = check_array(y, name="y", ndim=(1, 2), dtype=X.dtype)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]}")
        y = y.reshape(y.shape[0], -1)
        if hasattr(self, "n_outputs_") and y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {y.shape[1]} columns, but this {type(self).__name__} "
                             f"has {self.n_outputs_} outputs")
        return y

    def init_params(self, n_features, n_outputs=None):
        """Fresh parameters for ``n_features`` inputs and ``n_outputs`` outputs; returns self.

        ``n_outputs`` defaults to the width of the last ``y`` given to ``fit`` (else 1).
        """
        if n_outputs is not None:
            self.n_outputs_ = check_scalar(n_outputs, "n_outputs", kind=int, low=1)
        elif not hasattr(self, "n_outputs_"):
            self.n_outputs_ = 1
        return super().init_params(n_features)

    def fit(self, X, y=None, *, X_val=None, y_val=None):
        if not (self.warm_start and hasattr(self, "_params")):
            self.n_outputs_ = 1 if numpy.ndim(y) < 2 else numpy.shape(y)[1]
        return super().fit(X, y, X_val=X_val, y_val=y_val)

    def partial_fit(self, X, y=None):
        if not hasattr(self, "_params"):
            self.n_outputs_ = 1 if numpy.ndim(y) < 2 else numpy.shape(y)[1]
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
        """Coefficient of determination R² (as scikit-learn's regressors)."""
        y = backend.to_numpy(check_array(y, name="y", ndim=(1, 2))).reshape(len(y), -1)
        pred = backend.to_numpy(self.predict(X)).reshape(len(y), -1)
        return float(1 - ((y - pred) ** 2).sum() / ((y - y.mean(axis=0)) ** 2).sum())
