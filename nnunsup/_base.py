"""Estimator base classes: scikit-learn's conventions and the shared training loop.

Two words that sound alike mean different things here:

* ``get_params()`` / ``set_params()`` — scikit-learn's *hyperparameters*: the
  constructor's arguments, stored unchanged by ``__init__``;
* ``params`` — nnunsup's *weights*: the model's one flat dict name → live array.

A gradient-trained model implements only

* ``_init_params(n_features, rng) -> dict``   its parameters (``rng`` a NumPy Generator),
* ``_loss_and_grads(X, y=None, **noise) -> (loss, grads)``   its objective on validated
  data (the public ``loss_and_grads`` validates, then calls it), and
* ``_draw_noise(X, y, rng) -> dict``   the random terms of one training step (if any),

(a model whose objective is a sum of named parts lists them in ``_loss_terms``; its
``_loss_and_grads`` then takes ``terms=``, a dict it fills with each part's batch value,
and the loop records their epoch means in ``history_`` beside the loss; and the targets
that ``_check_y`` returns may be a tuple of per-object arrays, which the loop slices
together),

and :meth:`GradientModel.fit` owns the loop: seeded shuffle, minibatches, optimiser step,
history, early stopping, progress, and the guard against a non-finite loss.
"""
import inspect
import math
import time

import numpy

from . import backend
from ._validation import (NonFiniteLossError, NotFittedError, check_array, check_n_features,
                          check_random_state, check_scalar)
from .nn.optim import make_optimizer
from .nn.training import EarlyStopping, History, Progress, minibatches

__all__ = ["Estimator", "ParamModel", "GradientModel"]


class Estimator:
    """``get_params`` / ``set_params`` / ``repr`` from the constructor's signature (sklearn)."""

    @classmethod
    def _get_param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(p.name for p in signature.parameters.values()
                      if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        """The hyperparameters (constructor arguments) as a dict — not the weights."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set hyperparameters; unknown names raise ValueError listing the valid ones."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{name!r} is not a hyperparameter of {type(self).__name__}; "
                                 f"valid ones: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        signature = inspect.signature(type(self).__init__)
        changed = [f"{name}={getattr(self, name)!r}" for name, p in signature.parameters.items()
                   if name != "self" and p.default is not p.empty
                   and not _same(getattr(self, name), p.default)]
        return f"{type(self).__name__}({', '.join(changed)})"

    #: scikit-learn's kind of estimator: "clusterer", "classifier", … or None
    _estimator_type = None

    def _requires_non_negative(self):
        """True when the model's input must be ≥ 0 under the current hyperparameters."""
        return False

    def __sklearn_tags__(self):
        """scikit-learn's tags (``sklearn.utils.get_tags``, its estimator checks).

        Only scikit-learn calls this method, so scikit-learn — no dependency of nnunsup —
        is imported here and nowhere at import time.  A class with ``transform`` is a
        transformer whose output has the backend's default dtype (the dtype nnunsup
        computes in, whatever the input's): that is the one dtype it preserves.
        ``_estimator_type`` and ``_requires_non_negative`` say the rest.
        """
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags
        transformer = None
        if hasattr(self, "transform"):
            transformer = TransformerTags(preserves_dtype=[backend.get_default_dtype().name])
        return Tags(estimator_type=self._estimator_type,
                    target_tags=TargetTags(required=False),
                    transformer_tags=transformer,
                    input_tags=InputTags(positive_only=self._requires_non_negative()))


def _rows(y, index):
    """The rows ``index`` of the targets: None, one array, or a tuple of per-object arrays
    (labels with task ids, privileged features, teacher outputs, …)."""
    if y is None:
        return None
    if isinstance(y, tuple):
        return tuple(None if part is None else part[index] for part in y)
    return y[index]


def _same(a, b):
    try:
        return bool(a == b)
    except Exception:  # arrays and other values without a plain truth value
        return a is b


class ParamModel(Estimator):
    """An estimator whose learned state is one flat dict of arrays, ``params``.

    Owns the random streams: ``_seed_streams()`` turns ``random_state`` into four
    independent generators — initialisation and shuffling on the host (NumPy, so a seed
    gives the same weights and order on every backend), training noise and validation
    noise on the active backend.
    """

    @property
    def params(self):
        """The live weights: dict name → array (training updates them in place)."""
        if getattr(self, "_params", None) is None:
            raise NotFittedError(f"this {type(self).__name__} has no parameters yet; "
                                 "call fit(X) or init_params(n_features) first")
        return self._params

    def _check_fitted(self):
        self.params  # raises NotFittedError with the message above

    def save(self, path):
        """Write the model to ``path`` (an ``.npz`` archive with JSON; no pickle).

        Stores the hyperparameters, ``params``, the learned attributes, the optimiser's
        state and the random generators' positions: :func:`nnunsup.load` gives a model
        that predicts the same and resumes training bitwise as if never stopped.  See
        :mod:`nnunsup._persist` for the file's layout.  Returns the path written.
        """
        from ._persist import save
        return save(self, path)

    def _seed_streams(self):
        streams = check_random_state(self.random_state).spawn(4)
        self._init_rng = numpy.random.default_rng(streams[0])
        self._shuffle_rng = numpy.random.default_rng(streams[1])
        self._noise_rng = backend.default_rng(streams[2])
        self._eval_rng = backend.default_rng(streams[3])

    def _dtype(self):
        if getattr(self, "_params", None):
            return next(iter(self._params.values())).dtype
        return backend.get_default_dtype()

    def _check_X(self, X, name="X"):
        """Validate data at a public entry point; models add range checks here."""
        return check_array(X, name=name, dtype=self._dtype())

    def _check_input(self, X, name="X"):
        """Validate X for transform/predict/score: fitted, numeric, finite, right width."""
        self._check_fitted()
        X = self._check_X(X, name=name)
        check_n_features(X, self.n_features_in_, type(self).__name__, name)
        return X


class GradientModel(ParamModel):
    """Base of every model trained by minibatch gradient descent on ``loss_and_grads``.

    Training hyperparameters (subclasses list them in their own ``__init__``)::

        epochs : int                   passes over the data in ``fit``
        batch_size : int               objects per step (the last batch may be smaller)
        learning_rate : float          η
        optimizer : str or Optimizer   "sgd", "momentum", "adam", or an instance to copy
        patience : int or None         early stopping: stop after this many epochs without
                                       improvement of the validation loss (the training loss
                                       when no validation data is given) and restore the best
                                       parameters; None trains all ``epochs``
        warm_start : bool              ``fit`` keeps existing parameters instead of creating
                                       new ones (set them with ``init_params`` first)
        random_state : None, int, SeedSequence or Generator
                                       seeds four independent streams: initialisation,
                                       shuffling, training noise, validation noise
        verbose : "auto", bool         progress bar ("auto": terminals and notebooks only)

    Learned attributes: ``params`` (the weights), ``n_features_in_``, ``history_``.
    """

    # -- the three methods a model implements ----------------------------------------
    def _init_params(self, n_features, rng):
        """Fresh parameters for ``n_features``-wide data: dict name → array."""
        raise NotImplementedError

    def _loss_and_grads(self, X, y=None, **noise):
        """The objective and its gradient on validated data: the formula, top to bottom."""
        raise NotImplementedError

    def _draw_noise(self, X, y, rng):
        """Random terms for one step on batch ``X``: keyword arguments of loss_and_grads."""
        return {}

    #: names of the parts of the objective recorded per epoch in ``history_`` (and with
    #: "val_" in front for validation data); ``_loss_and_grads(..., terms=dict)`` fills them
    _loss_terms = ()

    # -- the public objective -----------------------------------------------------------
    def loss_and_grads(self, X, y=None, **noise):
        """The documented objective on (X, y) and its gradient: ``(loss, grads)``.

        ``grads`` has the keys, shapes and dtype of ``params``; nothing is changed.  The
        data are validated and cast to the parameters' dtype, then the model's formula
        (``_loss_and_grads``, the method to read) is evaluated.  Random terms of the
        objective are keyword arguments; when all are given, no generator is used.
        """
        X = self._check_input(X)
        return self._loss_and_grads(X, self._check_y(y, X), **noise)

    def _check_y(self, y, X, name="y"):
        """The targets for the loop; None here: unsupervised models ignore ``y`` (which
        scikit-learn passes anyway).  Supervised models validate and return theirs."""
        return None

    # -- parameters -------------------------------------------------------------------
    def init_params(self, n_features):
        """Create fresh parameters for data of width ``n_features``; returns self.

        Also (re)seeds the model's random streams from ``random_state`` and resets the
        optimiser and ``history_``.  A model that refuses ``n_features`` is left exactly
        as it was: weights, random streams and every other attribute.
        """
        check_scalar(n_features, "n_features", kind=int, low=1)
        before = dict(vars(self))        # a refusal restores every attribute, streams too
        try:
            self._seed_streams()
            params = self._init_params(n_features, self._init_rng)
            self._make_optimizer()
        except Exception:
            vars(self).clear()
            vars(self).update(before)
            raise
        self.n_features_in_, self._params, self.history_ = n_features, params, History()
        return self

    def _make_optimizer(self):
        self._optimizer = make_optimizer(self.optimizer, self.learning_rate)
        self._optimizer_config = (self.optimizer, self.learning_rate)

    def _prepare(self, X, fresh=False):
        """Parameters for X (fresh ones when ``fresh`` or when there are none yet) and an
        optimiser for the settings."""
        if fresh or getattr(self, "_params", None) is None:
            self.init_params(X.shape[1])
        check_n_features(X, self.n_features_in_, type(self).__name__)
        if self._optimizer_config != (self.optimizer, self.learning_rate):
            self._make_optimizer()          # settings changed since: a fresh optimiser

    # -- training ---------------------------------------------------------------------
    def fit(self, X, y=None, *, X_val=None, y_val=None):
        """Train for ``epochs`` passes over ``X``; returns self.

        Creates the parameters from ``X``'s width (unless ``warm_start`` and they exist).
        ``X_val`` (and ``y_val``) add a validation loss to ``history_`` and drive early
        stopping.
        """
        self._check_hyperparameters()
        X = self._check_X(X)
        y = self._check_y(y, X)
        val = None
        if X_val is not None:                  # checked before any weights are replaced
            X_val = self._check_X(X_val, name="X_val")
            if X_val.shape[1] != X.shape[1]:
                raise ValueError(f"X_val has {X_val.shape[1]} features, but X has {X.shape[1]}")
            val = (X_val, self._check_y(y_val, X_val, name="y_val"))
        self._prepare(X, fresh=not self.warm_start)
        vars(self).pop("best_epoch_", None)
        self._train(X, y, self.epochs, val, early_stopping=bool(self.patience))
        return self

    #: True for a model whose ``fit`` learns more than the data's width before training
    #: (the classes, the tasks, …): its ``partial_fit`` continues a model that ``fit`` made
    _partial_fit_needs_fit = False

    def partial_fit(self, X, y=None):
        """One pass over ``X`` (creating the parameters on the first call); returns self."""
        if self._partial_fit_needs_fit and getattr(self, "_params", None) is None:
            raise NotFittedError(f"partial_fit continues the training of a fitted "
                                 f"{type(self).__name__}; call fit first (it finds the "
                                 "classes the model predicts)")
        self._check_hyperparameters()
        X = self._check_X(X)
        y = self._check_y(y, X)
        self._prepare(X)
        self._train(X, y, 1, None, early_stopping=False)
        return self

    #: the fewest epochs ``fit`` accepts (a model with a pre-training phase may allow 0)
    _min_epochs = 1

    def _check_hyperparameters(self):
        check_scalar(self.epochs, "epochs", kind=int, low=self._min_epochs)
        check_scalar(self.batch_size, "batch_size", kind=int, low=1)
        check_scalar(self.learning_rate, "learning_rate", low=0, low_open=True)
        check_scalar(self.patience, "patience", kind=int, low=1, allow_none=True)
        make_optimizer(self.optimizer, self.learning_rate)        # ValueError naming optimizer
        check_random_state(self.random_state)

    def _train(self, X, y, epochs, val, early_stopping):
        """The loop: epochs × shuffled minibatches, guarded against non-finite values.

        Before each optimiser step the parameters are copied to ``last_good`` (the last
        ones whose loss was finite); a NaN/inf loss or parameter restores them and raises
        :class:`NonFiniteLossError` naming the epoch and step.  NumPy's overflow warnings
        are silenced inside the loop because that error reports the same event.
        """
        N = X.shape[0]
        xp = backend.get_xp(X)
        steps = math.ceil(N / self.batch_size)
        progress = Progress(epochs, steps, self.verbose)
        stopper = EarlyStopping(self.patience) if early_stopping else None
        last_good = {k: v.copy() for k, v in self.params.items()}
        best, first_epoch = None, self.history_.epochs
        with numpy.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(epochs):
                start, total = time.perf_counter(), 0.0
                term_totals = dict.fromkeys(self._loss_terms, 0.0)
                for step, index in enumerate(minibatches(N, self.batch_size, self._shuffle_rng)):
                    if xp is not numpy:
                        index = xp.asarray(index)               # one transfer per step
                    xb = X[index]
                    yb = _rows(y, index)
                    noise = self._draw_noise(xb, yb, self._noise_rng)
                    if self._loss_terms:
                        noise["terms"] = step_terms = {}
                    loss, grads = self._loss_and_grads(xb, yb, **noise)
                    loss = float(loss)
                    if not math.isfinite(loss):
                        self._restore(last_good)
                        progress.close()
                        raise self._divergence(first_epoch + epoch, step, loss)
                    for k, v in self.params.items():
                        xp.copyto(last_good[k], v)
                    self._optimizer.step(self.params, grads)
                    total += loss * xb.shape[0]
                    for key in term_totals:
                        # kept on the backend (no device sync per step)
                        term_totals[key] = term_totals[key] + step_terms[key] * xb.shape[0]
                    progress.update(epoch, step + 1, loss)
                bad = [k for k, v in self.params.items() if not bool(xp.isfinite(v).all())]
                if bad:
                    self._restore(last_good)
                    progress.close()
                    raise self._divergence(first_epoch + epoch, steps - 1, math.nan, bad)
                val_terms = {} if val is not None and self._loss_terms else None
                val_loss = self._evaluate(*val, terms=val_terms) if val is not None else None
                self.history_.append(loss=total / N, time=time.perf_counter() - start,
                                     **{k: float(v) / N for k, v in term_totals.items()})
                if val is not None:
                    self.history_["val_loss"].append(val_loss)
                    self.history_.append(**{"val_" + k: v for k, v in (val_terms or {}).items()})
                progress.update(epoch, steps, total / N, val_loss, force=True)
                if stopper is not None:
                    stop = stopper.update(val_loss if val is not None else total / N, epoch)
                    if stopper.improved:
                        best = {k: v.copy() for k, v in self.params.items()}
                    if stop:
                        break
        progress.close()
        if best is not None:
            self._restore(best)
            self.best_epoch_ = first_epoch + stopper.best_epoch + 1

    def _restore(self, saved):
        xp = backend.get_xp(*saved.values())
        for k, v in saved.items():
            xp.copyto(self.params[k], v)

    def _divergence(self, epoch, step, loss, bad_params=(), who="training",
                    optimizer=None):
        """The NonFiniteLossError for a loss (of ``who``) or parameters gone non-finite."""
        losses = self.history_["loss"]
        last = losses[-1] if losses else None
        rate = (optimizer or self._optimizer).learning_rate
        what = (f"parameters {bad_params} became non-finite" if bad_params
                else f"the {who} loss became {loss}")
        return NonFiniteLossError(
            f"{what} at epoch {epoch + 1}, step {step + 1}"
            f" (last finite epoch loss: {last if last is not None else 'none yet'}); the "
            f"parameters were restored to those of the last finite step. The usual cause is "
            f"a learning rate that is too large (learning_rate={rate!r}).",
            epoch=epoch + 1, step=step + 1, last_finite_loss=last)

    def _evaluate(self, X, y=None, terms=None, rng=None):
        """Mean loss over ``X`` in batches (noise drawn from ``rng``, by default the
        validation stream).

        ``terms``, a dict, receives the means of the parts named in ``_loss_terms``.
        """
        rng = self._eval_rng if rng is None else rng
        total, size = 0.0, max(self.batch_size, 1024)
        sums = dict.fromkeys(self._loss_terms, 0.0)
        for start in range(0, X.shape[0], size):
            xb = X[start:start + size]
            yb = _rows(y, slice(start, start + size))
            noise = self._draw_noise(xb, yb, rng)
            if self._loss_terms:
                noise["terms"] = step_terms = {}
            total += float(self._loss_and_grads(xb, yb, **noise)[0]) * xb.shape[0]
            for key in sums:
                sums[key] += float(step_terms[key]) * xb.shape[0]
        if terms is not None:
            terms.update({k: v / X.shape[0] for k, v in sums.items()})
        return total / X.shape[0]

    def score(self, X, y=None):
        """Minus the mean objective on ``X`` (higher is better, as scikit-learn expects)."""
        X = self._check_input(X)
        return -self._evaluate(X, self._check_y(y, X))
