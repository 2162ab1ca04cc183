"""Every public estimator, built small, with data it can be fitted on: the tables of
reliability tests (bad inputs, determinism, save/load, divergence) run over this list.

``CASES`` holds one :class:`Case` per class; ``case.make(**overrides)`` builds a fresh,
seeded, unfitted estimator (tiny layers, one or two epochs, verbose off), and
``case.data(n=...)`` the positional arguments of its ``fit`` (``X`` in [0, 1], binary for
the Bernoulli RBMs, with labels, task ids or privileged features where ``fit`` takes them).
A test that adds an estimator to the library adds it here; ``test_every_estimator_listed``
checks that none is missing.
"""
import dataclasses

import numpy as np

from nnunsup.autoencoders import (VAE, Autoencoder, ContractiveAutoencoder, ConvAutoencoder,
                                  DeepClustering, DenoisingAutoencoder, LinearAutoencoder,
                                  RelationalAutoencoder, SemiSupervisedAutoencoder,
                                  SequenceAutoencoder, SparseAutoencoder, StackedAutoencoder)
from nnunsup.competitive import SOM, CompetitiveLearning
from nnunsup.gan import DCGAN, GAN
from nnunsup.nn import MLPClassifier, MLPRegressor
from nnunsup.rbm import DBN, BernoulliRBM, DeepAutoencoder, GaussianBernoulliRBM
from nnunsup.transfer import (DistilledClassifier, MultiTaskClassifier, PrivilegedClassifier,
                              RelativePositionPretext, TransferClassifier)

__all__ = ["Case", "CASES", "case_ids"]

QUIET = dict(verbose=False)


@dataclasses.dataclass(frozen=True)
class Case:
    """One estimator class with small settings and the kind of data its ``fit`` takes.

    ``targets``: None (unsupervised), "labels", "values" (regression), "labels+tasks"
    (multi-task) or "labels+privileged".  ``binary``: X must be 0/1.  ``n_features``:
    the width of X (image models need a square number of pixels).
    """

    cls: type
    kwargs: dict
    n_features: int = 16
    targets: str = None
    binary: bool = False

    @property
    def name(self):
        return self.cls.__name__

    def make(self, **overrides):
        """A fresh unfitted estimator; ``overrides`` replace hyperparameters."""
        kwargs = {**self.kwargs, **overrides}
        kwargs = {k: (v() if callable(v) and k in ("source", "teacher") else v)
                  for k, v in kwargs.items()}
        return self.cls(**kwargs)

    def data(self, n=24, seed=0):
        """The positional arguments of ``fit``: ``(X,)``, ``(X, y)`` or ``(X, y, extra)``."""
        rng = np.random.default_rng(seed)
        X = rng.random((n, self.n_features))
        if self.binary:
            X = (X > 0.5).astype(np.float64)
        labels = np.arange(n) % 2
        if self.targets is None:
            return (X,)
        if self.targets == "labels":
            return X, labels
        if self.targets == "values":
            return X, X[:, 0] - X[:, 1]
        if self.targets == "labels+tasks":
            return X, labels, (np.arange(n) // 2) % 2
        if self.targets == "labels+privileged":
            return X, labels, rng.random((n, 3))
        raise ValueError(f"unknown targets kind {self.targets!r}")


def _fitted_source():
    """A small fitted autoencoder: the source model of transfer learning."""
    return Autoencoder(hidden_sizes=(6,), epochs=1, random_state=0, **QUIET).fit(
        Case(Autoencoder, {}).data()[0])


def _fitted_teacher():
    """A small fitted classifier: the teacher of distillation."""
    return MLPClassifier(hidden_sizes=(6,), epochs=1, random_state=0, **QUIET).fit(
        *Case(MLPClassifier, {}, targets="labels").data())


_TRAIN = dict(epochs=2, batch_size=8, random_state=0, **QUIET)
_AE = dict(hidden_sizes=(6,), **_TRAIN)

CASES = [
    Case(MLPClassifier, dict(hidden_sizes=(6,), **_TRAIN), targets="labels"),
    Case(MLPRegressor, dict(hidden_sizes=(6,), **_TRAIN), targets="values"),
    Case(Autoencoder, _AE),
    Case(LinearAutoencoder, dict(n_components=3, **_TRAIN)),
    Case(SparseAutoencoder, dict(lam_codes=0.1, **_AE)),
    Case(DenoisingAutoencoder, _AE),
    Case(ContractiveAutoencoder, _AE),
    Case(RelationalAutoencoder, _AE),
    Case(StackedAutoencoder, dict(hidden_sizes=(8, 4), pretrain_epochs=1, epochs=1,
                                  batch_size=8, random_state=0, **QUIET)),
    Case(SemiSupervisedAutoencoder, _AE, targets="labels"),
    Case(ConvAutoencoder, dict(hidden_sizes=(2, 2), image_shape=(1, 4, 4), **_TRAIN)),
    Case(SequenceAutoencoder, dict(hidden_sizes=(5,), seq_shape=(4, 4), **_TRAIN)),
    Case(DeepClustering, dict(hidden_sizes=(6, 2), n_clusters=2, pretrain_epochs=1, epochs=1,
                              batch_size=8, random_state=0, **QUIET)),
    Case(VAE, dict(hidden_sizes=(6, 2), **_TRAIN)),
    Case(SOM, dict(m=3, h=2, epochs=2, random_state=0, **QUIET)),
    Case(CompetitiveLearning, dict(n_clusters=3, epochs=2, random_state=0)),
    Case(BernoulliRBM, dict(n_hidden=5, **_TRAIN), binary=True),
    Case(GaussianBernoulliRBM, dict(n_hidden=5, **_TRAIN)),
    Case(DBN, dict(hidden_sizes=(5, 3), **_TRAIN), binary=True),
    Case(DeepAutoencoder, dict(hidden_sizes=(6, 3), pretrain_epochs=1, **_TRAIN)),
    Case(GAN, dict(n_latent=2, generator_sizes=(6,), discriminator_sizes=(6,), **_TRAIN)),
    Case(DCGAN, dict(n_latent=2, image_shape=(1, 8, 8), channels=(2, 2), **_TRAIN),
         n_features=64),
    Case(TransferClassifier, dict(source=_fitted_source, **_TRAIN), targets="labels"),
    Case(MultiTaskClassifier, dict(hidden_sizes=(6,), **_TRAIN), targets="labels+tasks"),
    Case(RelativePositionPretext, dict(image_shape=(1, 9, 9), patch=3, hidden_sizes=(6,),
                                       head_sizes=(4,), **_TRAIN), n_features=81),
    Case(DistilledClassifier, dict(teacher=_fitted_teacher, hidden_sizes=(6,), **_TRAIN),
         targets="labels"),
    Case(PrivilegedClassifier, dict(hidden_sizes=(6,), teacher_sizes=(4,), teacher_epochs=1,
                                    **_TRAIN), targets="labels+privileged"),
]


def case_ids(cases=CASES):
    """pytest ids: the class names."""
    return [case.name for case in cases]
