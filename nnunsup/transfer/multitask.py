"""Multi-task learning: one vectorisation f(x, α) shared by all tasks, one head g_t(z, β_t)
per task, trained together.  [T2]

    Σ_{t∈T} Σ_{i∈X_t} L_ti(g_t(f(x_ti, α), β_t)) → min_{α, {β_t}}

Every object belongs to one task; the batch objective is the mean of the objects' losses, each
through its own task's head, so a task with more objects weighs more, as in the slide's double
sum.  Learnability (quality on a task grows with l_t = |X_t|), learning to learn (it grows
with the number of tasks |T| too) and few-shot learning (a new task from a few examples on
the shared f) are measured by :func:`nnunsup.transfer.multitask_curves`.

Slides: "Многозадачное обучение (multi-task learning)" (MIPT notes); "Multi-task learning"
        (KBTU notes: "simultaneous training of the model f on tasks X_t, t ∈ T").

Shape legend: ``N`` objects, ``n`` features, ``m`` code units, ``T`` tasks, ``K_t`` classes
of task t.

References
----------
Caruana (1997). Multitask learning. Machine Learning 28.
Crawshaw (2020). Multi-task learning with deep neural networks: a survey. arXiv:2009.09796.
"""
import numpy

from .. import backend
from .._base import GradientModel
from .._validation import check_sizes
from ..nn import losses
from ..nn.functional import softmax
from ..nn.layers import Linear, Sequential, activation, prefixed, subparams
from ..nn.perceptron import _labels

__all__ = ["MultiTaskClassifier"]


class MultiTaskClassifier(GradientModel):
    """A shared encoder f(x, α) and one softmax head g_t(z, β_t) per task.  [T2]

    ==================  ====================  ==================
    params key          slide symbol          shape
    ==================  ====================  ==================
    ``shared.<i>.W/b``  α                     (out, in) / (out,)
    ``head<t>.W/b``     β_t                   (K_t, m) / (K_t,)
    ==================  ====================  ==================

    Parameters
    ----------
    hidden_sizes : tuple of int    widths of f, the last one m
    activation : str
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    tasks_ : array (T,)            the task ids seen in fit
    classes_ : list of arrays      the labels of each task, in the order of ``tasks_``
    params, history_, n_features_in_

    Notes
    -----
    ``fit(X, y, tasks)``: ``tasks[i]`` names the task of row i, ``y[i]`` its label within
    that task.  ``predict(X, task)`` and ``score(X, y, task)`` use one task's head.
    """

    def __init__(self, hidden_sizes=(128,), activation="relu", *, epochs=20, batch_size=64,
                 learning_rate=1e-3, optimizer="adam", patience=None, warm_start=False,
                 random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.activation = activation
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
        check_sizes(self.hidden_sizes, "hidden_sizes", example="(128,)")
        activation(self.activation)

    # -- tasks and labels ------------------------------------------------------------------
    def _task_index(self, tasks, n_rows, name="tasks"):
        tasks = numpy.asarray(backend.to_numpy(tasks))
        if tasks.ndim != 1 or tasks.shape[0] != n_rows:
            raise ValueError(f"{name} must be 1-D with one task id per row of X ({n_rows}), "
                             f"got shape {tasks.shape}")
        unknown = numpy.setdiff1d(tasks, self.tasks_)
        if unknown.size:
            raise ValueError(f"{name} contains tasks {unknown[:5].tolist()} not seen in fit "
                             f"(tasks_ = {self.tasks_.tolist()})")
        return numpy.searchsorted(self.tasks_, tasks)

    def _check_y(self, y, X, name="y"):
        """(labels, tasks) → (label index within the task, task index), on the backend."""
        labels, tasks = y
        labels = _labels(labels, name, X.shape[0])
        t = self._task_index(tasks, X.shape[0])
        index = numpy.empty(len(labels), dtype=numpy.int64)
        for k, classes in enumerate(self.classes_):
            rows = t == k
            unknown = numpy.setdiff1d(labels[rows], classes)
            if unknown.size:
                raise ValueError(f"{name} has labels {unknown[:5].tolist()} for task "
                                 f"{self.tasks_[k].tolist()!r} that fit did not see there")
            index[rows] = numpy.searchsorted(classes, labels[rows])
        return backend.asarray(index), backend.asarray(t)

    def fit(self, X, y=None, tasks=None, *, X_val=None, y_val=None, tasks_val=None):
        """Train f and every g_t together on the objects of all tasks; returns self.  [T2]"""
        self._check_hyperparameters()                  # before tasks_ and classes_ are replaced
        X = self._check_X(X)
        if tasks is None:
            raise ValueError("tasks is required: one task id per row of X")
        labels = _labels(y, "y", X.shape[0])
        tasks = numpy.asarray(backend.to_numpy(tasks))
        if tasks.shape != labels.shape:
            raise ValueError(f"tasks must have one entry per row of X ({labels.shape[0]}), "
                             f"got shape {tasks.shape}")
        task_ids = numpy.unique(tasks)
        task_classes = [numpy.unique(labels[tasks == t]) for t in task_ids]
        for t, classes in zip(task_ids, task_classes):
            if classes.size < 2:
                raise ValueError(f"task {numpy.asarray(t).tolist()!r} has only the labels "
                                 f"{classes.tolist()}; every task needs at least 2 classes")
        self.tasks_, self.classes_ = task_ids, task_classes
        val = None if X_val is None else (y_val, tasks_val)
        return super().fit(X, (labels, tasks), X_val=X_val, y_val=val)

    _partial_fit_needs_fit = True

    def partial_fit(self, X, y=None, tasks=None):
        """One more pass over (X, y, tasks) for a fitted model (the tasks fit saw)."""
        if tasks is None:
            raise ValueError("tasks is required: one task id per row of X")
        return super().partial_fit(X, (y, tasks))

    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        init = "he" if self.activation in ("relu", "leaky_relu") else "xavier"
        sizes = [n_features, *self.hidden_sizes]
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [Linear(n_in, n_out, init=init), activation(self.activation)]
        self._shared = Sequential(*layers)
        dtype = backend.get_default_dtype()
        params = prefixed("shared.", self._shared.init_params(rng, dtype))
        self._heads = [Linear(sizes[-1], len(c)) for c in self.classes_]
        for k, head in enumerate(self._heads):
            params.update(prefixed(f"head{k}.", head.init_params(rng, dtype)))
        return params

    def _encoder_layers(self):
        """f for :func:`~nnunsup.transfer.encoder_of` (few-shot heads on a new task)."""
        return self._shared, subparams(self.params, "shared.")

    # -- the objective ------------------------------------------------------------------------
    def loss_and_grads(self, X, y=None, tasks=None):
        """The multi-task objective on (X, y, tasks) and its gradient.  [T2]"""
        X = self._check_input(X)
        return self._loss_and_grads(X, self._check_y((y, tasks), X))

    def _loss_and_grads(self, X, y=None):
        """(1/N) Σ_i L(g_{t_i}(f(x_i, α), β_{t_i}), y_i): every object through its task's head.  [T2]"""
        labels, t = y
        xp = backend.get_xp(X)
        N = X.shape[0]
        z, cache = self._shared.forward(subparams(self.params, "shared."), X)   # f(x, α) (N, m)
        dz = xp.zeros_like(z)
        loss, grads = 0.0, {}
        for k, head in enumerate(self._heads):                  # Σ over tasks …
            rows = xp.flatnonzero(t == k)
            p = subparams(self.params, f"head{k}.")
            if rows.shape[0] == 0:
                grads.update({f"head{k}.{n}": xp.zeros_like(v) for n, v in p.items()})
                continue
            logits, head_cache = head.forward(p, z[rows])               # g_t   (N_t, K_t)
            value, dlogits = losses.softmax_ce(logits, labels[rows])    # … Σ over X_t
            share = rows.shape[0] / N                                   # mean over the batch
            loss = loss + share * value
            dz_t, g = head.backward(dlogits * share, head_cache)
            dz[rows] = dz_t
            grads.update(prefixed(f"head{k}.", g))
        _, shared = self._shared.backward(dz, cache, need_dx=False)
        grads.update(prefixed("shared.", shared))
        return loss, grads

    # -- using the trained model ----------------------------------------------------------------
    def transform(self, X):
        """The shared codes z = f(x, α), shape (N, m)."""
        return self._shared.forward(subparams(self.params, "shared."), self._check_input(X))[0]

    def predict_proba(self, X, task):
        """Class probabilities of one task, (N, K_t), columns in the order of its classes."""
        k = int(self._task_index(numpy.array([task]), 1, "task")[0])
        z = self.transform(X)
        return softmax(self._heads[k].forward(subparams(self.params, f"head{k}."), z)[0])

    def predict(self, X, task):
        """The most probable label of ``task`` per row."""
        k = int(self._task_index(numpy.array([task]), 1, "task")[0])
        return self.classes_[k][backend.to_numpy(self.predict_proba(X, task).argmax(axis=1))]

    def score(self, X, y, task):
        """Accuracy on one task."""
        return float(numpy.mean(self.predict(X, task) == _labels(y, "y", len(X))))
