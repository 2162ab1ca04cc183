"""Distillation, or surrogate modelling: a simple student b(x′, w′) trained to reproduce a
trained teacher a(x′, w), possibly on other data.  [T4]

    teacher (long, expensive):  Σ_{i=1..ℓ} L(a(x_i, w), y_i) → min_w
    student:                    Σ_{i=1..k} L(b(x′_i, w′), a(x′_i, w)) → min_{w′}

With L the cross-entropy between the teacher's and the student's class probabilities at a
temperature T, p = softmax(a/T), q = softmax(b/T), times T² so that the gradient's scale does
not depend on T (Hinton, Vinyals & Dean 2015); optionally mixed with the labels where there
are any:

    (1 − α) T² (1/N) Σ_i CE(p_i, q_i) + α (1/N) Σ_{labelled} CE(y_i, softmax(b_i))

The transfer set x′ need not be labelled (``y = -1`` marks an unlabelled row), nor be the
teacher's training data: the teacher labels whatever it is shown.

Slides: "Дистилляция моделей или суррогатное моделирование" (MIPT notes).

Shape legend: ``N`` objects, ``n`` features, ``K`` classes.

References
----------
Hinton, Vinyals & Dean (2015). Distilling the knowledge in a neural network. arXiv:1503.02531.
Buciluǎ, Caruana & Niculescu-Mizil (2006). Model compression. KDD.
"""
import numpy

from .. import backend
from .._validation import NotFittedError, check_array, check_scalar
from ..nn import losses
from ..nn.functional import log_softmax, softmax
from ..nn.perceptron import MLPClassifier, _class_index, _labels

__all__ = ["DistilledClassifier", "soft_cross_entropy"]


def soft_cross_entropy(student_logits, teacher_logits, temperature=1.0):
    """T² (1/N) Σ_i CE(softmax(a_i/T), softmax(b_i/T)) and its gradients w.r.t. b and a.
    [T4, T5]

    Formula:  CE(p, q) = −Σ_k p_k log q_k,  p = softmax(a/T),  q = softmax(b/T);
              ∂/∂b = T (q − p) / N

    Parameters
    ----------
    student_logits : array of shape (N, K)    b(x′, w′)
    teacher_logits : array of shape (N, K)    a(x′, w) (fixed in distillation, trained too
                                              in joint LUPI)
    temperature : float                       T > 0 (1: the plain cross-entropy)

    Returns
    -------
    value : 0-d array
    dstudent : array of shape (N, K)
    dteacher : array of shape (N, K)          the gradient w.r.t. a, for training the
                                              teacher too (LUPI): T p ⊙ (−log q − CE_i) / N
    """
    T = temperature
    N = student_logits.shape[0]
    p = softmax(teacher_logits / T)                                 # (N, K)
    log_q = log_softmax(student_logits / T)                         # log q   (N, K)
    ce_rows = -(p * log_q).sum(axis=1, keepdims=True)               # CE_i    (N, 1)
    dstudent = T * (backend.get_xp(log_q).exp(log_q) - p) / N       # ∂/∂b = T (q − p)/N
    dteacher = T * p * (-log_q - ce_rows) / N                       # ∂(T² CE)/∂a, with ∂p
    return T * T * ce_rows.mean(), dstudent, dteacher


class DistilledClassifier(MLPClassifier):
    """A student MLP trained on a teacher's soft targets (and labels, where given).  [T4]

    Parameters
    ----------
    teacher : fitted classifier    anything with ``decision_function``-like logits: an
                                   :class:`~nnunsup.nn.MLPClassifier` (its ``_output``), or
                                   a model with ``predict_proba`` (its log-probabilities are
                                   used as logits)
    hidden_sizes, activation, lam : the student, as :class:`~nnunsup.nn.MLPClassifier`
    temperature : float            T (1: plain soft targets; 2–10 soften them)
    alpha : float                  α ∈ [0, 1], the weight of the label term (0: the slide's
                                   pure surrogate Σ L(b, a))
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    classes_                       the teacher's classes
    params, history_, n_features_in_

    Notes
    -----
    ``fit(X, y=None)``: y may be None (no labels at all) or hold −1 for unlabelled rows.
    The teacher's logits on X are computed once, in fit.  ``loss_and_grads(X, y,
    teacher_logits=…)`` takes them explicitly.
    """

    def __init__(self, teacher, hidden_sizes=(32,), activation="relu", lam=0.0,
                 temperature=4.0, alpha=0.0, *, epochs=20, batch_size=64, learning_rate=1e-3,
                 optimizer="adam", patience=None, warm_start=False, random_state=None,
                 verbose="auto"):
        self.teacher = teacher
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.lam = lam
        self.temperature = temperature
        self.alpha = alpha
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
        check_scalar(self.temperature, "temperature", low=0, low_open=True)
        check_scalar(self.alpha, "alpha", low=0, high=1)
        if not hasattr(self.teacher, "predict_proba"):
            raise TypeError(f"teacher must be a fitted classifier (with predict_proba), got "
                            f"{self.teacher!r}")
        unfitted_mlp = (isinstance(self.teacher, MLPClassifier)
                        and getattr(self.teacher, "_params", None) is None)
        if getattr(self.teacher, "classes_", None) is None or unfitted_mlp:
            raise NotFittedError(f"teacher must be fitted: this {type(self.teacher).__name__} "
                                 "has no classes_ yet; call teacher.fit(X, y) first")

    def _teacher_logits(self, X):
        """a(x′, w) of the fitted teacher, (N, K)."""
        if isinstance(self.teacher, MLPClassifier):
            return self.teacher._output(self.teacher._check_input(X))
        xp = backend.get_xp(X)
        return xp.log(xp.clip(self.teacher.predict_proba(X), 1e-12, 1.0))

    def _check_y(self, y, X, name="y"):
        """(labels or −1, teacher logits) → (label index or −1, logits) on the backend."""
        labels, logits = y
        if labels is None:
            index = numpy.full(X.shape[0], -1)
        else:
            labels = _labels(labels, name, X.shape[0])
            labelled = labels != -1
            index = numpy.full(X.shape[0], -1)
            index[labelled] = _class_index(labels[labelled], self.classes_, name,
                                           unseen="the teacher does not know")
        if logits is None:
            logits = self._teacher_logits(X)
        logits = check_array(logits, name="teacher_logits", dtype=X.dtype)
        if logits.shape != (X.shape[0], len(self.classes_)):
            raise ValueError(f"teacher_logits has shape {logits.shape}, expected "
                             f"{(X.shape[0], len(self.classes_))}")
        return backend.asarray(index), logits

    def fit(self, X, y=None, *, X_val=None, y_val=None):
        """Train the student on the transfer set X (labels optional); returns self.  [T4]"""
        self._check_hyperparameters()                  # the teacher, before classes_ is set
        self.classes_ = numpy.asarray(self.teacher.classes_)
        X = self._check_X(X)
        return super(MLPClassifier, self).fit(X, (y, None), X_val=X_val,
                                              y_val=None if X_val is None else (y_val, None))

    def partial_fit(self, X, y=None):
        """One pass over the transfer set X (labels optional); the classes are the teacher's."""
        self._check_hyperparameters()                  # the teacher, before classes_ is set
        self.classes_ = numpy.asarray(self.teacher.classes_)
        return super(MLPClassifier, self).partial_fit(X, (y, None))

    def loss_and_grads(self, X, y=None, teacher_logits=None):
        """The distillation objective on X and its gradient (w′ only).  [T4]"""
        X = self._check_input(X)
        return self._loss_and_grads(X, self._check_y((y, teacher_logits), X))

    def _data_loss(self, out, y):
        """(1 − α) T² mean CE(softmax(a/T), softmax(b/T)) + α (1/N) Σ_labelled CE(y, b) on
        the student's logits b = out, with d/d out; the base class adds (λ/2) Σ W².  [T4]"""
        labels, teacher = y
        xp = backend.get_xp(out)
        value, dout, _ = soft_cross_entropy(out, teacher, self.temperature)   # L(b, a)
        loss, dout = (1 - self.alpha) * value, (1 - self.alpha) * dout
        labelled = labels >= 0
        if self.alpha and bool(labelled.any()):
            weights = labelled.astype(out.dtype)                        # 1/N Σ over labelled
            ce, dce = losses.softmax_ce(out, xp.where(labelled, labels, 0), weights=weights)
            loss, dout = loss + self.alpha * ce, dout + self.alpha * dce
        return loss, dout

    def score(self, X, y):
        """Accuracy on labelled (X, y)."""
        return float(numpy.mean(self.predict(X) == _labels(y, "y", len(X))))
