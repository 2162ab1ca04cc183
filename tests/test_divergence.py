"""Divergence: a NaN/inf loss or parameter stops training with a clear error.

For every estimator of ``tests/estimators.py``: a realistic cause of divergence (a learning
rate of 1e100 unless the table says otherwise) must raise :class:`NonFiniteLossError` whose
message names the epoch, the step and the learning rate (and, for models trained in
phases, the phase), and the model that was training keeps its last finite parameters —
bitwise those it had before the update that blew up (its parameters at the start of the
loop when it took no step).  A recorder wraps every training loop (``_train``) and the
optimisers' ``step`` to know what those parameters were.

The competitive models cannot diverge: their steps are convex combinations of a neuron and
an object when η ≤ 1, so a larger η is refused by validation (``CANNOT_DIVERGE``).
"""
import numpy as np
import pytest

from nnunsup import NonFiniteLossError
from nnunsup._base import GradientModel
from nnunsup.nn.optim import Optimizer

from .estimators import CASES

HUGE = 1e100
LR = {"learning_rate": HUGE}

#: case name → (hyperparameters that make ``fit`` diverge, the phase its error names)
DIVERGES = {
    "MLPClassifier": (LR, None),
    "MLPRegressor": (LR, None),
    "Autoencoder": (LR, None),
    "LinearAutoencoder": (LR, None),
    "SparseAutoencoder": (LR, None),
    "DenoisingAutoencoder": (LR, None),
    "ContractiveAutoencoder": (LR, None),
    "RelationalAutoencoder": (LR, None),
    "StackedAutoencoder": (LR, "pre-training layer 1 of 2"),
    "SemiSupervisedAutoencoder": (LR, None),
    "ConvAutoencoder": (LR, None),
    "SequenceAutoencoder": (LR, None),
    "DeepClustering": (LR, "pre-training (the plain autoencoder)"),
    "VAE": (LR, None),
    "BernoulliRBM": (LR, None),
    "GaussianBernoulliRBM": (LR, None),
    "DBN": (LR, "training RBM 1 of 2"),
    "DeepAutoencoder": ({"pretrain_learning_rate": HUGE}, "pre-training RBM 1 of 2 (its "
                        "learning_rate is this model's pretrain_learning_rate)"),
    "GAN": (LR, None),
    "DCGAN": (LR, None),
    "TransferClassifier": (LR, None),
    "MultiTaskClassifier": (LR, None),
    "RelativePositionPretext": (LR, None),
    "DistilledClassifier": (LR, None),
    "PrivilegedClassifier": (LR, "training the teacher on X_star"),
}

#: the later phases of the models trained in phases: (case name, cause, phase named)
LATER_PHASES = [
    ("StackedAutoencoder", {"learning_rate": 1e4, "optimizer": "sgd"}, "fine-tuning"),
    ("DeepClustering", {"gamma": 1e30, "optimizer": "sgd"}, "joint refinement"),
    ("DeepAutoencoder", {"code_learning_rate": HUGE}, "pre-training RBM 2 of 2 (its "
     "learning_rate is this model's code_learning_rate)"),
    ("DeepAutoencoder", LR, "fine-tuning"),
    ("PrivilegedClassifier", {"mu": 1e30, "optimizer": "sgd"}, "training the student"),
]

#: case name → why its training cannot diverge (η > 1 is refused by validation)
CANNOT_DIVERGE = {
    "SOM": "the online step w += η K (x − w) with η ≤ 1 and K ∈ [0, 1] is a convex "
           "combination of w and x, and the batch map sets w to weighted means of the data",
    "CompetitiveLearning": "the WTA step w += η (x − w) and the WTM step w += η K (x − w) "
                           "with η ≤ 1 and K ∈ [0, 1] are convex combinations of w and x",
}

#: models that take unbounded data: X · 1e30 overflows the first loss (float32 squares)
FIRST_LOSS_OVERFLOWS = ["MLPRegressor", "Autoencoder", "LinearAutoencoder", "SparseAutoencoder",
                        "DenoisingAutoencoder", "ContractiveAutoencoder",
                        "RelationalAutoencoder", "StackedAutoencoder", "GaussianBernoulliRBM"]

BY_NAME = {case.name: case for case in CASES}


def _copy(params):
    return {key: np.array(value, copy=True) for key, value in params.items()}


def _assert_bitwise(params, expected):
    assert params.keys() == expected.keys()
    for key, value in params.items():
        assert value.dtype == expected[key].dtype, key
        assert np.array_equal(value, expected[key]), f"{key} differs from the expected parameters"


def _assert_finite(params):
    bad = [key for key, value in params.items() if not np.isfinite(value).all()]
    assert not bad, f"non-finite parameters {bad}"


def _training_loops():
    """Every class that defines its own ``_train`` (GradientModel's loop, the GAN's)."""
    found, todo = [], [GradientModel]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if "_train" in vars(cls) and cls not in found:
            found.append(cls)
    return found


class _Recorder:
    """Records, for the training loop that raises first, the model it trained, that model's
    parameters before its last optimiser step (or at the loop's start), and the outer
    model's parameters at the loop's start."""

    def __init__(self, monkeypatch, outer):
        self.outer, self.failed, self._current = outer, None, None
        assert not [cls for cls in Optimizer.__subclasses__() if "step" in vars(cls)]
        step = Optimizer.step

        def recording_step(optimizer, params, grads):
            if self._current is not None and params is self._current[0].params:
                self._current[1] = _copy(params)
            return step(optimizer, params, grads)

        monkeypatch.setattr(Optimizer, "step", recording_step)
        for cls in _training_loops():
            monkeypatch.setattr(cls, "_train", self._wrap(vars(cls)["_train"]))

    def _wrap(self, train):
        def recorded(model, *args, **kwargs):
            outer = getattr(self.outer, "_params", None)
            outer = None if outer is None else _copy(outer)
            self._current = [model, _copy(model.params)]
            try:
                return train(model, *args, **kwargs)
            except NonFiniteLossError:
                if self.failed is None:
                    self.failed = (model, self._current[1], outer)
                raise
            finally:
                self._current = None
        return recorded


def _diverge(case, overrides, monkeypatch):
    """Fit the case with ``overrides``; the error and the recorder's findings."""
    model = case.make(**overrides)
    recorder = _Recorder(monkeypatch, model)
    with pytest.raises(NonFiniteLossError) as info:
        model.fit(*case.data())
    return model, info.value, recorder.failed


def _check(model, err, failed, phase):
    """The error names where and why; every model involved keeps finite parameters, the
    one whose loop failed bitwise those before its last update."""
    message = str(err)
    assert isinstance(err.epoch, int) and err.epoch >= 1
    assert isinstance(err.step, int) and err.step >= 1
    assert f"at epoch {err.epoch}, step {err.step}" in message
    assert "learning_rate=" in message and "learning rate" in message
    if phase is None:
        assert message.startswith(("the ", "parameters "))       # no phase to name
    else:
        assert message.startswith(phase + ": ")
    assert failed is not None, "NonFiniteLossError did not come from a training loop"
    trained, before, outer_at_start = failed
    _assert_finite(trained.params)
    _assert_bitwise(trained.params, before)
    if trained is not model and outer_at_start is not None:
        _assert_bitwise(model.params, outer_at_start)    # a part failed: the whole untouched
    if getattr(model, "_params", None) is not None:
        _assert_finite(model.params)


def test_every_case_is_in_one_table():
    """Each estimator either diverges in DIVERGES or is explained in CANNOT_DIVERGE."""
    names = [case.name for case in CASES]
    assert sorted(names) == sorted([*DIVERGES, *CANNOT_DIVERGE])
    assert not set(DIVERGES) & set(CANNOT_DIVERGE)


@pytest.mark.parametrize("name", list(DIVERGES))
def test_divergence_stops_training_with_the_last_finite_parameters(name, monkeypatch):
    """A huge learning rate: NonFiniteLossError naming epoch, step, rate (and phase);
    parameters finite and bitwise those before the update that blew up."""
    overrides, phase = DIVERGES[name]
    model, err, failed = _diverge(BY_NAME[name], overrides, monkeypatch)
    assert f"learning_rate={HUGE!r}" in str(err)
    _check(model, err, failed, phase)


@pytest.mark.parametrize("name, overrides, phase", LATER_PHASES,
                         ids=[f"{name}-{phase.split(' (')[0]}" for name, _, phase in LATER_PHASES])
def test_a_later_phase_is_named(name, overrides, phase, monkeypatch):
    """Divergence after a finished phase names the phase that diverged."""
    model, err, failed = _diverge(BY_NAME[name], overrides, monkeypatch)
    _check(model, err, failed, phase)


@pytest.mark.parametrize("name", ["MLPClassifier", "Autoencoder", "VAE", "BernoulliRBM", "GAN"])
def test_parameters_gone_nan_at_the_end_of_an_epoch_are_caught(name, monkeypatch):
    """An update that leaves a NaN in the parameters at the last step of epoch 1 (every
    loss finite) is caught by the end-of-epoch check: named as that step, and the
    parameters are those before it."""
    case = BY_NAME[name]
    model = case.make()
    recorder = _Recorder(monkeypatch, model)
    X = case.data()[0]
    steps = -(-X.shape[0] // model.batch_size)
    last = steps * (2 if name == "GAN" else 1)           # the GAN steps D and G per batch
    calls, step = [], Optimizer.step                      # the recorder's step

    def poisoned_step(optimizer, params, grads):
        step(optimizer, params, grads)
        calls.append(1)
        if len(calls) == last:
            params[next(iter(grads))].flat[0] = np.nan

    monkeypatch.setattr(Optimizer, "step", poisoned_step)
    with pytest.raises(NonFiniteLossError, match=r"^parameters \[.+\] became non-finite") as info:
        model.fit(*case.data())
    assert (info.value.epoch, info.value.step) == (1, steps)
    _check(model, info.value, recorder.failed, None)


@pytest.mark.parametrize("name", FIRST_LOSS_OVERFLOWS)
def test_an_overflowing_first_loss_keeps_the_initial_parameters(name, float64, monkeypatch):
    """Data scaled by 1e200 (squares overflow float64): the error is at epoch 1, step 1
    and the parameters are the initial ones of init_params, bitwise."""
    case = BY_NAME[name]
    X, *rest = case.data()
    model = case.make()
    recorder = _Recorder(monkeypatch, model)
    with pytest.raises(NonFiniteLossError, match="at epoch 1, step 1 ") as info:
        model.fit(X * 1e200, *rest)
    assert (info.value.epoch, info.value.step) == (1, 1)
    initial = case.make().init_params(X.shape[1]).params
    _assert_bitwise(model.params, _copy(initial))
    _check(model, info.value, recorder.failed, "pre-training layer 1 of 2"
           if name == "StackedAutoencoder" else None)


def test_a_diverged_dbn_keeps_the_rbms_so_far():
    """A DBN whose first RBM diverges holds that RBM (restored) as its stack."""
    model = BY_NAME["DBN"].make(learning_rate=HUGE)
    with pytest.raises(NonFiniteLossError, match="^training RBM 1 of 2: "):
        model.fit(*BY_NAME["DBN"].data())
    assert len(model.rbms_) == 1
    assert sorted(model.params) == ["rbm.0.W", "rbm.0.a", "rbm.0.b"]
    assert model.params["rbm.0.W"] is model.rbms_[0].params["W"]


@pytest.mark.parametrize("name, setting", [("SOM", "learning_rate"),
                                           ("SOM", "learning_rate_final"),
                                           ("CompetitiveLearning", "learning_rate")])
def test_a_rate_above_one_is_refused(name, setting):
    """η > 1 would break the convex-combination argument: refused, naming the bound."""
    case = BY_NAME[name]
    with pytest.raises(ValueError, match=rf"^{setting} must be <= 1, got 1e\+30$"):
        case.make(**{setting: 1e30}).fit(*case.data())


def test_som_step_refuses_a_rate_above_one():
    """SOM.step takes its own η: the same bound applies."""
    case = BY_NAME["SOM"]
    model = case.make().fit(*case.data())
    with pytest.raises(ValueError, match=r"^learning_rate must be <= 1, got 5$"):
        model.step(case.data()[0][0], learning_rate=5)


@pytest.mark.parametrize("name, overrides", [
    ("SOM", {"algorithm": "online", "init": "random"}),
    ("SOM", {"algorithm": "reference", "init": "random", "kernel": "bubble"}),
    ("CompetitiveLearning", {"rule": "wta"}),
    ("CompetitiveLearning", {"rule": "wtm", "kernel": "cauchy"}),
])
def test_at_the_largest_rate_the_neurons_stay_in_the_data_hull(name, overrides):
    """η = 1 on data of scale 1e15, 20 epochs: every neuron lies in the data's bounding
    box (neurons start on objects, and each step moves them towards an object)."""
    case = BY_NAME[name]
    X = case.data()[0] * 1e15
    rates = {k: 1.0 for k in ("learning_rate", "learning_rate_final") if k in case.make().get_params()}
    model = case.make(epochs=20, **rates, **overrides).fit(X)
    W = np.asarray(model.params["W"]).reshape(-1, X.shape[1])
    _assert_finite(model.params)
    low, high = X.min(axis=0), X.max(axis=0)
    slack = 1e-5 * (high - low)                               # float32 rounding of a step
    assert ((W >= low - slack) & (W <= high + slack)).all()
