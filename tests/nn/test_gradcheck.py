"""nnunsup.nn.gradcheck: the checker itself, including proof that it can fail.

Each planted bug below is one a student could write (a wrong sign, a missing factor, a
forgotten 1/N); gradcheck must report it and name the tensor and the entry.
"""
import numpy as np
import pytest

from nnunsup.nn import losses
from nnunsup.nn.gradcheck import GradcheckResult, gradcheck, numerical_grad
from nnunsup.nn.layers import Layer, Linear, Tanh
from tests.helpers import rel_error


# --- planted bugs: layers ----------------------------------------------------------------

class _PlantedLinear(Linear):
    """Linear whose backward scales one entry of one gradient (``key`` "x", "W" or "b")."""

    def __init__(self, n_in, n_out, key, index, factor):
        super().__init__(n_in, n_out)
        self.key, self.index, self.factor = key, index, factor

    def backward(self, dout, cache):
        dx, grads = super().backward(dout, cache)
        wrong = dx if self.key == "x" else grads[self.key]
        wrong[self.index] *= self.factor
        return dx, grads


class _SignFlippedTanh(Layer):
    """Tanh whose backward forgets the minus sign in 1 − y²."""

    def forward(self, params, x):
        y = np.tanh(x)
        return y, y

    def backward(self, dout, cache):
        y = cache
        return dout * (y * y - 1), {}


def test_correct_layer_passes(rng):
    """An honest Linear layer passes with a tiny relative error on x, W and b."""
    result = gradcheck(Linear(4, 3), rng.standard_normal((5, 4)))
    assert result.passed and bool(result)
    assert type(result.passed) is bool and type(result.max_rel_error) is float
    assert result.max_rel_error < 1e-6
    assert set(result.errors) == {"x", "W", "b"}


@pytest.mark.parametrize("key, index, factor", [
    ("W", (2, 1), -1.0),      # sign error in one weight
    ("W", (0, 3), 1.01),      # off by 1 % in one weight
    ("b", (1,), 2.0),         # bias gradient doubled in one unit
    ("x", (4, 0), -1.0),      # input gradient sign error in one entry
    ("x", (1, 2), 0.5),       # input gradient halved in one entry
])
def test_planted_layer_bug_is_caught_and_located(rng, key, index, factor):
    """A backward wrong in a single entry fails, and `where` names that tensor and entry."""
    x = rng.standard_normal((5, 4))
    result = gradcheck(_PlantedLinear(4, 3, key, index, factor), x)
    assert not result.passed and not bool(result)
    assert result.where == (key, index)
    assert result.errors[key] > 1e-3
    others = [k for k in ("x", "W", "b") if k != key]
    assert all(result.errors[k] < 1e-6 for k in others)


def test_planted_sign_error_in_activation_is_caught(rng):
    """An activation with a flipped derivative sign fails with relative error ≈ 1 on x."""
    result = gradcheck(_SignFlippedTanh(), rng.standard_normal((3, 4)))
    assert not result.passed
    assert result.where[0] == "x"
    assert result.max_rel_error > 0.99
    assert gradcheck(Tanh(), rng.standard_normal((3, 4))).passed


# --- planted bugs: losses ----------------------------------------------------------------

def _mse_one_entry_wrong(pred, target):
    value, dpred = losses.mse(pred, target)
    dpred = dpred.copy()
    dpred[1, 2] *= 0.5
    return value, dpred


def _mse_without_one_over_n(pred, target):
    value, dpred = losses.mse(pred, target)
    return value, dpred * pred.shape[0]


def _gaussian_nll_wrong_dlog_var(x, mu, log_var):
    value, dmu, dlog_var = losses.gaussian_nll(x, mu, log_var)
    return value, dmu, -dlog_var


def test_correct_loss_passes(rng):
    """mse's own gradient passes with max relative error below 1e-6."""
    result = gradcheck(losses.mse, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))
    assert result.passed and result.max_rel_error < 1e-6
    assert list(result.errors) == ["input 0"]


def test_loss_with_one_wrong_entry_is_located(rng):
    """A loss gradient wrong in entry (1, 2) fails there."""
    result = gradcheck(_mse_one_entry_wrong, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))
    assert not result.passed
    assert result.where == ("input 0", (1, 2))


def test_loss_missing_one_over_n_is_caught(rng):
    """The classic forgotten 1/N makes every entry wrong by a factor N."""
    result = gradcheck(_mse_without_one_over_n, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))
    assert not result.passed
    assert result.max_rel_error == pytest.approx(3 / 5)          # |4g − g| / (4g + g)


def test_second_gradient_of_multi_gradient_loss_is_located(rng):
    """With wrt=(1, 2), a wrong gradient for input 2 is reported on input 2, not input 1."""
    x, mu, log_var = (rng.standard_normal((3, 2)) for _ in range(3))
    good = gradcheck(losses.gaussian_nll, x, mu, log_var, wrt=(1, 2))
    assert good.passed and set(good.errors) == {"input 1", "input 2"}
    bad = gradcheck(_gaussian_nll_wrong_dlog_var, x, mu, log_var, wrt=(1, 2))
    assert not bad.passed
    assert bad.where[0] == "input 2"
    assert bad.errors["input 1"] < 1e-6


def test_loss_gradient_count_must_match_wrt(rng):
    """A loss returning two gradients but checked with wrt=(1,) is a ValueError."""
    x, mu, log_var = (rng.standard_normal((3, 2)) for _ in range(3))
    with pytest.raises(ValueError, match="2 gradients"):
        gradcheck(losses.gaussian_nll, x, mu, log_var, wrt=(1,))


def test_gradient_of_wrong_shape_is_value_error(rng):
    """An analytic gradient of the wrong shape is a ValueError naming the tensor."""
    def transposed(pred, target):
        value, dpred = losses.mse(pred, target)
        return value, dpred.T

    with pytest.raises(ValueError, match="input 0"):
        gradcheck(transposed, rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))


# --- planted bugs: models ----------------------------------------------------------------

class _TinyRegression:
    """A model with params and loss_and_grads: ½ mean ‖x Wᵀ + b − y‖², optionally buggy."""

    def __init__(self, rng, wrong=None, dtype=np.float64):
        self.params = {"W": rng.standard_normal((2, 3)).astype(dtype),
                       "b": rng.standard_normal(2).astype(dtype)}
        self.wrong = wrong
        self.dtypes_seen = set()

    def loss_and_grads(self, X, y, shift=None):
        W, b = self.params["W"], self.params["b"]
        self.dtypes_seen.add(W.dtype)
        N = X.shape[0]
        out = X @ W.T + b                                   # (N, 2)
        if shift is not None:
            out = out + shift
        diff = out - y
        loss = 0.5 * (diff * diff).sum() / N
        dout = diff / N
        grads = {"W": dout.T @ X, "b": dout.sum(axis=0)}
        if self.wrong == "b":
            grads["b"] = grads["b"] * 1.5
        elif self.wrong == "W-entry":
            grads["W"] = grads["W"].copy()
            grads["W"][1, 0] = -grads["W"][1, 0]
        elif self.wrong == "missing":
            del grads["b"]
        return loss, grads


def _regression_data(rng):
    return rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


def test_correct_model_passes(rng):
    """An honest model passes; every parameter is checked."""
    X, y = _regression_data(rng)
    result = gradcheck(_TinyRegression(rng), X, y)
    assert result.passed and result.max_rel_error < 1e-6
    assert set(result.errors) == {"W", "b"}


@pytest.mark.parametrize("wrong, where", [("b", "b"), ("W-entry", ("W", (1, 0)))])
def test_model_with_one_wrong_parameter_is_located(rng, wrong, where):
    """A wrong gradient for one parameter fails and names that parameter (and entry)."""
    X, y = _regression_data(rng)
    result = gradcheck(_TinyRegression(rng, wrong=wrong), X, y)
    assert not result.passed
    if isinstance(where, tuple):
        assert result.where == where
    else:
        assert result.where[0] == where
        other = "W" if where == "b" else "b"
        assert result.errors[other] < 1e-6


def test_model_missing_gradient_is_value_error_and_params_restored(rng):
    """A missing gradient is a ValueError naming the key; params are restored anyway."""
    X, y = _regression_data(rng)
    model = _TinyRegression(rng, wrong="missing", dtype=np.float32)
    originals = dict(model.params)
    with pytest.raises(ValueError, match=r"\['b'\]"):
        gradcheck(model, X, y)
    assert all(model.params[k] is originals[k] for k in originals)


@pytest.mark.parametrize("wrong", [None, "b"])
def test_model_params_restored_after_check(rng, wrong):
    """After gradcheck (passing or failing) params hold the same objects with the same values."""
    X, y = _regression_data(rng)
    model = _TinyRegression(rng, wrong=wrong, dtype=np.float32)
    originals = dict(model.params)
    snapshots = {k: v.copy() for k, v in model.params.items()}
    gradcheck(model, X, y)
    assert set(model.params) == set(originals)
    for k in originals:
        assert model.params[k] is originals[k]
        assert model.params[k].dtype == np.float32
        np.testing.assert_array_equal(model.params[k], snapshots[k])


def test_model_is_checked_in_float64_with_noise_passed(rng):
    """float32 params are checked as float64 copies; keyword noise reaches loss_and_grads."""
    X, y = _regression_data(rng)
    model = _TinyRegression(rng, dtype=np.float32)
    result = gradcheck(model, X.astype(np.float32), y, shift=rng.standard_normal((6, 2)))
    assert np.dtype(np.float64) in model.dtypes_seen
    assert result.passed and result.max_rel_error < 1e-6


# --- large tensors: sampled entries + directional derivative ------------------------------

class _CountingLoss:
    """mse with a call counter and an optional error ``delta`` added to dpred.flat[k]."""

    def __init__(self, delta=0.0, k=0):
        self.calls, self.delta, self.k = 0, delta, k

    def __call__(self, pred, target):
        self.calls += 1
        value, dpred = losses.mse(pred, target)
        dpred = dpred.copy()
        dpred.flat[self.k] += self.delta
        return value, dpred


def test_small_tensor_checks_every_entry(rng):
    """At most max_entries entries: two evaluations per entry (plus the analytic call)."""
    loss = _CountingLoss()
    gradcheck(loss, rng.standard_normal((4, 5)), rng.standard_normal((4, 5)), max_entries=20)
    assert loss.calls == 1 + 2 * 20


def test_large_tensor_uses_sampled_and_directional_path(rng):
    """Above max_entries: max_entries sampled entries plus one directional pair; honest passes."""
    loss = _CountingLoss()
    result = gradcheck(loss, rng.standard_normal((30, 30)), rng.standard_normal((30, 30)),
                       max_entries=16)
    assert loss.calls == 1 + 2 * 16 + 2
    assert result.passed and result.max_rel_error < 1e-6


def test_directional_check_catches_error_in_unsampled_entry(rng):
    """An error planted in an entry the sampler skipped is still caught, by the direction."""
    seed, max_entries, size = 0, 16, 900
    sampled = set(np.random.default_rng(seed).choice(size, size=max_entries, replace=False).tolist())
    k = next(i for i in range(size) if i not in sampled)
    pred, target = rng.standard_normal((30, 30)), rng.standard_normal((30, 30))
    result = gradcheck(_CountingLoss(delta=0.5, k=k), pred, target,
                       max_entries=max_entries, seed=seed)
    assert not result.passed
    assert result.where == ("input 0", "random direction")


def test_every_entry_slightly_wrong_is_caught_on_large_tensor(rng):
    """A gradient 0.1 % too large everywhere fails the sampled + directional check."""
    def scaled(pred, target):
        value, dpred = losses.mse(pred, target)
        return value, dpred * 1.001

    result = gradcheck(scaled, rng.standard_normal((20, 20)), rng.standard_normal((20, 20)),
                       max_entries=8)
    assert not result.passed
    assert result.max_rel_error == pytest.approx(0.001 / 2.001, rel=1e-3)


# --- rel_error, numerical_grad, result, bad targets ---------------------------------------

def test_rel_error_basics():
    """rel_error is 0 on equal inputs, |a−b|/(|a|+|b|) entry-wise, the max, symmetric."""
    assert rel_error(np.array([1.0, -2.0]), np.array([1.0, -2.0])) == 0.0
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)
    assert rel_error([1.0, 1.0], [1.0, 3.0]) == pytest.approx(0.5)
    assert rel_error([2.0, 5.0], [1.0, 4.0]) == rel_error([1.0, 4.0], [2.0, 5.0]) == pytest.approx(1 / 3)
    assert rel_error(1.0, -1.0) == pytest.approx(1.0)
    assert rel_error(0.0, 0.0) == 0.0                  # the floor avoids 0/0
    assert rel_error(0.0, 1e-20) == pytest.approx(1e-8)  # ... and bounds tiny differences


def test_numerical_grad_is_central_difference_and_restores(rng):
    """numerical_grad of Σx³ at one entry is 3x², and the entry is restored exactly."""
    x = rng.standard_normal((3, 2))
    before = x.copy()
    num = numerical_grad(lambda: float((x ** 3).sum()), x, (2, 1), 1e-5)
    assert num == pytest.approx(3 * before[2, 1] ** 2, rel=1e-8)
    np.testing.assert_array_equal(x, before)


def test_inputs_are_not_modified(rng):
    """gradcheck works on float64 copies: the caller's arrays come back bit-identical."""
    pred = rng.standard_normal((4, 3)).astype(np.float32)
    target = rng.standard_normal((4, 3))
    before = pred.copy(), target.copy()
    gradcheck(losses.mse, pred, target)
    np.testing.assert_array_equal(pred, before[0])
    np.testing.assert_array_equal(target, before[1])


def test_result_repr_and_tolerance():
    """A result below tol passes, at or above fails; its repr says which and where."""
    good = GradcheckResult({"W": 1e-9}, ("W", (0, 0)), 1e-6)
    bad = GradcheckResult({"W": 1e-9, "b": 1e-6}, ("b", (2,)), 1e-6)
    assert good.passed and "passed" in repr(good)
    assert not bad.passed and "FAILED" in repr(bad) and "('b', (2,))" in repr(bad)
    assert bad.max_rel_error == 1e-6
    assert GradcheckResult({}, None, 1e-6).passed


def test_tol_argument_is_used(rng):
    """A 1 % error passes with tol=0.1 and fails with the default tol."""
    x = rng.standard_normal((5, 4))
    layer = _PlantedLinear(4, 3, "W", (0, 0), 1.01)
    assert gradcheck(layer, x, tol=0.1).passed
    assert not gradcheck(layer, x).passed


@pytest.mark.parametrize("target", [42, "mse", np.zeros(3), None])
def test_unsupported_target_is_type_error(rng, target):
    """Something that is neither model, layer nor callable is a TypeError naming its type."""
    with pytest.raises(TypeError, match=type(target).__name__):
        gradcheck(target, rng.standard_normal((2, 2)))
