"""Learning using privileged information (LUPI): a teacher that sees privileged features x*
during training guides a student that will only ever see x.  [T5]

    separately:  Σ_i L(a(x_i, w), y_i) → min_w,   Σ_i L(a(x*_i, w*), y_i) → min_{w*}
    the student repeats the teacher's errors:
                 Σ_i L(a(x_i, w), y_i) + μ L(a(x_i, w), a(x*_i, w*)) → min_w
    jointly:     Σ_i L(a(x_i, w), y_i) + λ L(a(x*_i, w*), y_i) + μ L(a(x_i, w), a(x*_i, w*))
                                                                               → min_{w, w*}

L is the cross-entropy; between the two models it is the soft cross-entropy at a
temperature T of :func:`~nnunsup.transfer.soft_cross_entropy` (Lopez-Paz et al.'s
"generalized distillation").  ``lam=0`` is the two-stage scheme: the teacher is trained
first on (x*, y), then held fixed while the student learns; ``lam > 0`` trains both at once
and the μ term moves the teacher too.  Either way only the student is used after training:
x* is not needed to predict.

Slides: "Обучение с использованием привилегированной информации", "Примеры задач с
        привилегированной информацией x*", "Задача обучения с привилегированной
        информацией" (MIPT notes).

Shape legend: ``N`` objects, ``n`` features of x, ``n*`` of x*, ``K`` classes.

References
----------
Vapnik & Vashist (2009). A new learning paradigm: learning using privileged information.
Neural Networks 22.
Lopez-Paz, Bottou, Schölkopf & Vapnik (2016). Unifying distillation and privileged
information. ICLR.
"""
import numpy

from .. import backend
from .._base import GradientModel
from .._validation import NonFiniteLossError, check_array, check_scalar, check_sizes
from ..nn import losses
from ..nn.functional import softmax
from ..nn.layers import activation, mlp, prefixed, subparams
from ..nn.perceptron import MLPClassifier, _class_index, _labels
from .distill import soft_cross_entropy

__all__ = ["PrivilegedClassifier"]


class PrivilegedClassifier(GradientModel):
    """A student a(x, w) and a teacher a(x*, w*) on privileged features.  [T5]

    ====================  ======================  ==================
    params key            slide symbol            shape
    ====================  ======================  ==================
    ``student.<i>.W/b``   w                       (out, in) / (out,)
    ``teacher.<i>.W/b``   w*                      (out, in) / (out,); with lam > 0 only
    ====================  ======================  ==================

    Parameters
    ----------
    hidden_sizes : tuple of int    the student's hidden widths
    teacher_sizes : tuple of int   the teacher's
    activation : str
    mu : float                     μ ≥ 0, the weight of L(a(x, w), a(x*, w*)) (0: the student
                                   alone)
    lam : float                    λ ≥ 0: 0 trains the teacher first and holds it fixed
                                   (``teacher_`` is then a fitted MLPClassifier); > 0 trains
                                   both jointly with λ L(a(x*, w*), y)
    temperature : float            T of the soft cross-entropy between the two models
    teacher_epochs : int or None   epochs of the separate teacher (None: ``epochs``)
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    classes_, teacher_ (lam = 0), params, history_, n_features_in_, n_privileged_in_

    Notes
    -----
    ``fit(X, y, X_star)``: X_star[i] are the privileged features of row i.  ``predict(X)``
    needs X only.
    """

    def __init__(self, hidden_sizes=(64,), teacher_sizes=(64,), activation="relu", mu=1.0,
                 lam=0.0, temperature=1.0, teacher_epochs=None, *, epochs=30, batch_size=64,
                 learning_rate=1e-3, optimizer="adam", patience=None, warm_start=False,
                 random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.teacher_sizes = teacher_sizes
        self.activation = activation
        self.mu = mu
        self.lam = lam
        self.temperature = temperature
        self.teacher_epochs = teacher_epochs
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
        check_sizes(self.teacher_sizes, "teacher_sizes", allow_empty=True)
        activation(self.activation)                                # ValueError listing choices
        check_scalar(self.mu, "mu", low=0)
        check_scalar(self.lam, "lam", low=0)
        check_scalar(self.temperature, "temperature", low=0, low_open=True)
        check_scalar(self.teacher_epochs, "teacher_epochs", kind=int, low=1, allow_none=True)

    def _check_y(self, y, X, name="y"):
        """(labels, X_star) → (label index, privileged features) on the backend."""
        labels, X_star = y
        index = _class_index(_labels(labels, name, X.shape[0]), self.classes_, name)
        if X_star is None:
            raise ValueError("X_star is required: the privileged features of every row of X")
        X_star = check_array(X_star, name="X_star", dtype=X.dtype)
        if X_star.shape[0] != X.shape[0]:
            raise ValueError(f"X_star has {X_star.shape[0]} rows but X has {X.shape[0]}: one "
                             "row of privileged features per object")
        if X_star.shape[1] != self.n_privileged_in_:
            raise ValueError(f"X_star has {X_star.shape[1]} features, but this "
                             f"PrivilegedClassifier was fitted with {self.n_privileged_in_}")
        return backend.asarray(index), X_star

    def fit(self, X, y=None, X_star=None, *, X_val=None, y_val=None, X_star_val=None):
        """Train (the teacher on (x*, y), then) the student on (x, y) with the μ term.  [T5]"""
        self._check_hyperparameters()
        X = self._check_X(X)
        if X_star is None:
            raise ValueError("X_star is required: the privileged features of every row of X")
        classes = numpy.unique(_labels(y, "y", X.shape[0]))
        if classes.size < 2:
            raise ValueError(f"y must contain at least 2 classes, got {classes.tolist()}")
        X_star = check_array(X_star, name="X_star", dtype=backend.get_default_dtype())
        if X_star.shape[0] != X.shape[0]:
            raise ValueError(f"X_star has {X_star.shape[0]} rows but X has {X.shape[0]}: one "
                             "row of privileged features per object")
        before = dict(vars(self))            # restored if the validation data are refused
        self.classes_, self.n_privileged_in_ = classes, X_star.shape[1]
        if self.lam == 0:                                   # separately: the teacher first
            self.teacher_ = MLPClassifier(tuple(self.teacher_sizes), activation=self.activation,
                                          epochs=self.teacher_epochs or self.epochs,
                                          batch_size=self.batch_size,
                                          learning_rate=self.learning_rate,
                                          optimizer=self.optimizer,
                                          random_state=self.random_state, verbose=self.verbose)
            try:
                self.teacher_.fit(X_star, y)                # Σ L(a(x*, w*), y) → min_{w*}
            except NonFiniteLossError as err:
                raise err.during("training the teacher on X_star") from err
        val = None if X_val is None else (y_val, X_star_val)
        try:
            return super().fit(X, (y, X_star), X_val=X_val, y_val=val)
        except NonFiniteLossError as err:
            if self.lam > 0:                                # one joint phase: nothing to name
                raise
            raise err.during("training the student") from err
        except (ValueError, TypeError):     # X_val, y_val or X_star_val: the model as it was
            vars(self).clear()
            vars(self).update(before)
            raise

    _partial_fit_needs_fit = True

    def partial_fit(self, X, y=None, X_star=None):
        """One more pass of the student (and, with lam > 0, the teacher) for a fitted model."""
        return super().partial_fit(X, (y, X_star))

    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        K = len(self.classes_)
        self._student = mlp([n_features, *self.hidden_sizes, K], self.activation)
        dtype = backend.get_default_dtype()
        params = prefixed("student.", self._student.init_params(rng, dtype))
        if self.lam > 0:
            self._teacher = mlp([self.n_privileged_in_, *self.teacher_sizes, K], self.activation)
            params.update(prefixed("teacher.", self._teacher.init_params(rng, dtype)))
        return params

    def loss_and_grads(self, X, y=None, X_star=None):
        """The LUPI objective on (X, y, X_star) and its gradient.  [T5]"""
        X = self._check_input(X)
        return self._loss_and_grads(X, self._check_y((y, X_star), X))

    def _loss_and_grads(self, X, y=None):
        """(1/N) Σ_i [L(a(x_i, w), y_i) + λ L(a(x*_i, w*), y_i) + μ L(a(x_i, w), a(x*_i, w*))].  [T5]"""
        labels, X_star = y
        out, s_cache = self._student.forward(subparams(self.params, "student."), X)   # a(x, w)
        loss, dout = losses.softmax_ce(out, labels)                   # L(a(x, w), y)
        if self.lam > 0:
            t_params = subparams(self.params, "teacher.")
            out_star, t_cache = self._teacher.forward(t_params, X_star)          # a(x*, w*)
            teacher_loss, dout_star = losses.softmax_ce(out_star, labels)       # L(a(x*), y)
            loss, dout_star = loss + self.lam * teacher_loss, self.lam * dout_star
        else:
            out_star = self.teacher_._output(X_star)                 # the fixed teacher
        if self.mu:                                                   # μ L(a(x, w), a(x*, w*))
            imitation, d_student, d_teacher = soft_cross_entropy(out, out_star, self.temperature)
            loss, dout = loss + self.mu * imitation, dout + self.mu * d_student
            if self.lam > 0:
                dout_star = dout_star + self.mu * d_teacher
        _, grads = self._student.backward(dout, s_cache, need_dx=False)
        grads = prefixed("student.", grads)
        if self.lam > 0:
            _, t_grads = self._teacher.backward(dout_star, t_cache, need_dx=False)
            grads.update(prefixed("teacher.", t_grads))
        return loss, grads

    def predict_proba(self, X):
        """The student's class probabilities, (N, K) — x* is not needed."""
        X = self._check_input(X)
        return softmax(self._student.forward(subparams(self.params, "student."), X)[0])

    def predict(self, X):
        """The student's most probable label per row."""
        return self.classes_[backend.to_numpy(self.predict_proba(X).argmax(axis=1))]

    def score(self, X, y):
        """The student's accuracy on (X, y)."""
        return float(numpy.mean(self.predict(X) == _labels(y, "y", len(X))))
