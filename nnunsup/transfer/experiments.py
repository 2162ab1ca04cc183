"""The experiments of the partial-learning part, as functions that return tables.  [T1, T2, T6]

Each takes data and training settings, runs seeded models of this package and returns a dict
of lists (one column per curve), which :func:`nnunsup.plot.plot_curves` draws.

* :func:`transfer_curve` — frozen, fine-tuned and from-scratch target models as the number
  of labelled objects m grows [T1];
* :func:`multitask_curves` — learnability, learning to learn and few-shot learning on a
  family of tasks [T2];
* :data:`TRAINING_SCHEMES` — the summary slide's two lists, each entry the library's model
  [T6].

Slides: "Предобучение (pre-training), перенос обучения (transfer learning)", "Многозадачное
        обучение (multi-task learning)" and the summary "Когда несколько моделей
        обучаются одновременно / последовательно" (MIPT notes).
"""
import numpy

from .finetune import TransferClassifier
from .multitask import MultiTaskClassifier

__all__ = ["transfer_curve", "multitask_curves", "TRAINING_SCHEMES"]

#: [T6] the summary slide: models trained simultaneously and sequentially, and where each
#: lives in the library
TRAINING_SCHEMES = {
    "simultaneously": [
        ("autoencoders: encoder and decoder", "nnunsup.autoencoders.Autoencoder"),
        ("autoencoders for classification", "nnunsup.autoencoders.SemiSupervisedAutoencoder"),
        ("autoencoders for clustering", "nnunsup.autoencoders.DeepClustering"),
        ("multi-task learning", "nnunsup.transfer.MultiTaskClassifier"),
        ("learning with privileged information (joint)", "nnunsup.transfer.PrivilegedClassifier"),
        ("adversarial networks (GAN)", "nnunsup.gan.GAN"),
    ],
    "sequentially": [
        ("transfer learning", "nnunsup.transfer.TransferClassifier"),
        ("pre-training deep nets for vectorisation", "nnunsup.rbm.DeepAutoencoder"),
        ("pre-training: stacked autoencoders", "nnunsup.autoencoders.StackedAutoencoder"),
        ("pre-training: deep belief networks", "nnunsup.rbm.DBN"),
        ("self-supervised learning", "nnunsup.transfer.RelativePositionPretext"),
        ("distillation and surrogate models", "nnunsup.transfer.DistilledClassifier"),
        ("learning with privileged information (two-stage)",
         "nnunsup.transfer.PrivilegedClassifier"),
    ],
}


def _subset(y, m, rng):
    """m labelled rows spread evenly over the classes (at least one each), as indices."""
    classes = numpy.unique(y)
    per_class = max(1, m // len(classes))
    chosen = [rng.choice(numpy.flatnonzero(y == c), size=per_class, replace=False)
              for c in classes]
    return numpy.concatenate(chosen)


def transfer_curve(source, X, y, X_test, y_test, sizes=(20, 50, 100, 200, 500),
                   modes=("frozen", "finetune", "scratch"), steps=1000, batch_size=32,
                   random_state=0, **training):
    """Test accuracy of the target model g′(f(x′)) for each m and mode.  [T1]

    Parameters
    ----------
    source : fitted model          the pre-trained vectorisation (see
                                   :func:`~nnunsup.transfer.encoder_of`)
    X, y : the target task's data  m labelled rows are drawn from them, evenly per class
    X_test, y_test : held-out data of the target task
    sizes : sequence of int        the values of m
    modes : sequence of str        of :class:`~nnunsup.transfer.TransferClassifier`
    steps : int                    optimiser steps of every model (the epochs follow from m
                                   and batch_size), so that small m is not also short training
    training : keyword arguments   for every TransferClassifier (learning_rate, head_sizes, …)

    Returns
    -------
    table : dict   ``m`` (the sizes) and one list of accuracies per mode
    """
    rng = numpy.random.default_rng(random_state)
    table = {"m": list(sizes), **{mode: [] for mode in modes}}
    for m in sizes:
        rows = _subset(numpy.asarray(y), m, rng)
        epochs = max(1, round(steps / -(-len(rows) // batch_size)))     # the same step budget
        for mode in modes:
            model = TransferClassifier(source, mode=mode, epochs=epochs, batch_size=batch_size,
                                       random_state=random_state, verbose=False, **training)
            model.fit(X[rows], y[rows])
            table[mode].append(model.score(X_test, y_test))
    return table


def multitask_curves(tasks, target, sizes=(10, 30, 100), n_tasks=(0, 1, 3, 6), aux_size=300,
                     few_shot=None, repeats=3, random_state=0, **training):
    """Learnability, learning to learn and few-shot learning on a family of tasks.  [T2]

    Every repeat draws the target task's labelled rows (``sizes[0]`` of them for the
    learning-to-learn curve, the same rows whatever the number of tasks) and the auxiliary
    tasks' rows anew; the accuracies are averaged over the repeats.

    Parameters
    ----------
    tasks : list of (X, y, X_test, y_test)   the auxiliary tasks
    target : (X, y, X_test, y_test)           the task measured
    sizes : sequence of int                   l_t of the target task (learnability)
    n_tasks : sequence of int                 how many auxiliary tasks join it (learning to
                                              learn), each with ``aux_size`` objects, the
                                              target with ``sizes[0]``
    few_shot : (X, y, X_test, y_test) or None a new task: a linear head on the shared f of
                                              the model with the most tasks, trained on its
                                              (few) rows, against the same net trained from
                                              scratch on them
    repeats : int
    training : keyword arguments               for every MultiTaskClassifier

    Returns
    -------
    curves : dict   ``learnability``: {"l_t", "accuracy"}; ``learning_to_learn``:
                    {"tasks", "accuracy"}; ``few_shot``: {"shared f", "from scratch"}
    """
    rng = numpy.random.default_rng(random_state)
    Xt, yt, Xt_test, yt_test = target

    def train(target_rows, aux_rows):
        Xs, ys, ts = [Xt[target_rows]], [yt[target_rows]], [numpy.zeros(len(target_rows), int)]
        for k, ((Xa, ya, _, _), rows) in enumerate(zip(tasks, aux_rows), 1):
            Xs.append(Xa[rows]), ys.append(ya[rows]), ts.append(numpy.full(len(rows), k))
        model = MultiTaskClassifier(random_state=random_state, verbose=False, **training)
        return model.fit(numpy.concatenate(Xs), numpy.concatenate(ys), numpy.concatenate(ts))

    learn = numpy.zeros(len(sizes))
    to_learn = numpy.zeros(len(n_tasks))
    few = {"shared f": 0.0, "from scratch": 0.0}
    for _ in range(repeats):
        aux_rows = [_subset(task[1], aux_size, rng) for task in tasks]
        for i, l_t in enumerate(sizes):
            learn[i] += train(_subset(yt, l_t, rng), []).score(Xt_test, yt_test, 0)
        rows = _subset(yt, sizes[0], rng)
        for i, n in enumerate(n_tasks):
            model = train(rows, aux_rows[:n])
            to_learn[i] += model.score(Xt_test, yt_test, 0)
        if few_shot is not None:                 # a new task on the last model's f
            Xf, yf, Xf_test, yf_test = few_shot
            for name, mode in (("shared f", "frozen"), ("from scratch", "scratch")):
                head = TransferClassifier(model, mode=mode, random_state=random_state,
                                          verbose=False).fit(Xf, yf)
                few[name] += head.score(Xf_test, yf_test)
    curves = {"learnability": {"l_t": list(sizes), "accuracy": (learn / repeats).tolist()},
              "learning_to_learn": {"tasks": [n + 1 for n in n_tasks],
                                    "accuracy": (to_learn / repeats).tolist()}}
    if few_shot is not None:
        curves["few_shot"] = {name: value / repeats for name, value in few.items()}
    return curves
