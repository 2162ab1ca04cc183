"""nnunsup.nn.optim: each optimiser minimises a quadratic, updates in place, and matches
the textbook update written out here."""
import math

import numpy as np
import pytest

from nnunsup import backend
from nnunsup.nn import optim
from nnunsup.nn.optim import SGD, Adam, Momentum, Optimizer, flush_subnormals, make_optimizer
from tests.helpers import rel_error

LAM = np.linspace(1.0, 10.0, 5)          # curvatures: condition number 10


def _quadratic_grad(theta, c):
    """∇ of f(θ) = ½ Σ_i λ_i (θ_i − c_i)²."""
    return LAM * (theta - c)


OPTIMIZERS = {
    "sgd": lambda: SGD(0.15),
    "momentum": lambda: Momentum(0.05, momentum=0.9),
    "nesterov": lambda: Momentum(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: Adam(0.05),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_reaches_minimum_of_ill_conditioned_quadratic(name, rng):
    """From θ = 0, 300 steps on ½ Σ λ_i (θ_i − c_i)², λ ∈ [1, 10], end within 1e-4 of c."""
    c = rng.standard_normal(5)
    params = {"theta": np.zeros(5)}
    opt = OPTIMIZERS[name]()
    start = np.abs(params["theta"] - c).max()
    for _ in range(300):
        opt.step(params, {"theta": _quadratic_grad(params["theta"], c)})
    assert np.abs(params["theta"] - c).max() < 1e-4 < start
    assert opt.t == 300


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_updates_in_place(name, xp, rng):
    """step changes the arrays in place: the dict holds the same objects and earlier views see the update."""
    W = xp.asarray(rng.standard_normal((3, 2)))
    b = xp.asarray(rng.standard_normal(3))
    params = {"W": W, "b": b}
    row = W[0]                                   # a view taken before the step
    before = backend.to_numpy(W).copy()
    opt = OPTIMIZERS[name]()
    for _ in range(2):
        opt.step(params, {"W": xp.ones((3, 2)), "b": xp.ones(3)})
    assert params["W"] is W and params["b"] is b
    assert not np.allclose(backend.to_numpy(W), before)
    np.testing.assert_array_equal(backend.to_numpy(row), backend.to_numpy(W)[0])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_keys_without_gradient_untouched(name, rng):
    """Parameters without an entry in grads are left exactly as they were."""
    params = {"a": rng.standard_normal(3), "frozen": rng.standard_normal(3)}
    frozen = params["frozen"].copy()
    OPTIMIZERS[name]().step(params, {"a": np.ones(3)})
    np.testing.assert_array_equal(params["frozen"], frozen)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_params_stay_float32(name):
    """Updating float32 params keeps them float32."""
    params = {"w": np.ones(4, dtype=np.float32)}
    opt = OPTIMIZERS[name]()
    for _ in range(3):
        opt.step(params, {"w": np.full(4, 0.5, dtype=np.float32)})
    assert params["w"].dtype == np.float32
    assert np.all(params["w"] < 1)


# --- updates against the textbook --------------------------------------------------------

def test_sgd_step_is_theta_minus_eta_g(rng):
    """One SGD step is exactly θ − η g."""
    theta, g = rng.standard_normal(4), rng.standard_normal(4)
    params = {"theta": theta.copy()}
    SGD(0.3).step(params, {"theta": g})
    np.testing.assert_allclose(params["theta"], theta - 0.3 * g, rtol=1e-15)


def test_momentum_matches_heavy_ball(rng):
    """Momentum follows v ← μ v − η g, θ ← θ + v, step by step for 20 steps."""
    c = rng.standard_normal(5)
    theta, v = np.zeros(5), np.zeros(5)
    params = {"theta": np.zeros(5)}
    opt = Momentum(0.05, momentum=0.8)
    for _ in range(20):
        g = _quadratic_grad(theta, c)
        v = 0.8 * v - 0.05 * g
        theta = theta + v
        opt.step(params, {"theta": _quadratic_grad(params["theta"], c)})
        assert rel_error(params["theta"], theta) < 1e-12


def test_nesterov_matches_look_ahead_form(rng):
    """Nesterov's stored θ is the look-ahead point φ = θ + μ v of the classic form
    v ← μ v − η ∇f(θ + μ v), θ ← θ + v (Sutskever et al., 2013)."""
    c = rng.standard_normal(5)
    theta, v = np.zeros(5), np.zeros(5)
    params = {"phi": np.zeros(5)}
    opt = Momentum(0.05, momentum=0.9, nesterov=True)
    for _ in range(20):
        v = 0.9 * v - 0.05 * _quadratic_grad(theta + 0.9 * v, c)
        theta = theta + v
        opt.step(params, {"phi": _quadratic_grad(params["phi"], c)})
        assert rel_error(params["phi"], theta + 0.9 * v) < 1e-12


def test_nesterov_differs_from_heavy_ball(rng):
    """nesterov=True changes the trajectory (the flag is not ignored)."""
    c = rng.standard_normal(5)
    paths = []
    for nesterov in (False, True):
        params, opt = {"theta": np.zeros(5)}, Momentum(0.05, 0.9, nesterov=nesterov)
        for _ in range(5):
            opt.step(params, {"theta": _quadratic_grad(params["theta"], c)})
        paths.append(params["theta"])
    assert rel_error(paths[0], paths[1]) > 1e-3


def test_adam_first_step_is_learning_rate_per_coordinate():
    """Bias correction makes Adam's first step ≈ η · sign(g) whatever the gradient's scale."""
    g = np.array([1e-3, 1.0, 1e3, -5.0, -1e-2])
    params = {"theta": np.zeros(5)}
    Adam(learning_rate=0.01).step(params, {"theta": g})
    np.testing.assert_allclose(params["theta"], -0.01 * np.sign(g), rtol=1e-4)


def _textbook_adam(theta, grad_fn, steps, eta, beta1, beta2, eps):
    """Kingma & Ba's Algorithm 1 as printed: m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), θ −= η m̂/(√v̂ + ε)."""
    m, v, path = np.zeros_like(theta), np.zeros_like(theta), []
    for t in range(1, steps + 1):
        g = grad_fn(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        theta = theta - eta * m_hat / (np.sqrt(v_hat) + eps)
        path.append(theta)
    return path


@pytest.mark.parametrize("eps", [1e-8, 1e-2])
def test_adam_folded_form_equals_textbook(rng, eps):
    """Adam's folded bias correction gives the textbook trajectory over 20 steps (to 1e-12)."""
    c = rng.standard_normal(6)
    curvature = np.logspace(-3, 2, 6)                   # gradients of very different sizes

    def grad_fn(theta):
        return curvature * (theta - c)

    expected = _textbook_adam(np.zeros(6), grad_fn, 20, 0.05, 0.8, 0.99, eps)
    params = {"theta": np.zeros(6)}
    opt = Adam(0.05, beta1=0.8, beta2=0.99, eps=eps)
    for step in range(20):
        opt.step(params, {"theta": grad_fn(params["theta"])})
        np.testing.assert_allclose(params["theta"], expected[step], rtol=1e-12, atol=1e-14)


def test_adam_state_is_per_key(rng):
    """Two keys stepped together follow the same path as each stepped alone."""
    g1, g2 = rng.standard_normal(3), rng.standard_normal(3) * 100
    together = {"a": np.zeros(3), "b": np.zeros(3)}
    alone_a, alone_b = {"a": np.zeros(3)}, {"b": np.zeros(3)}
    opt, opt_a, opt_b = Adam(0.1), Adam(0.1), Adam(0.1)
    for _ in range(3):
        opt.step(together, {"a": g1, "b": g2})
        opt_a.step(alone_a, {"a": g1})
        opt_b.step(alone_b, {"b": g2})
    np.testing.assert_array_equal(together["a"], alone_a["a"])
    np.testing.assert_array_equal(together["b"], alone_b["b"])


# --- make_optimizer and hyperparameter checks ----------------------------------------------

@pytest.mark.parametrize("name, cls", [("sgd", SGD), ("momentum", Momentum), ("adam", Adam)])
def test_make_optimizer_from_name(name, cls):
    """A name gives a fresh optimiser of that class with the given learning rate."""
    opt = make_optimizer(name, 0.02)
    assert type(opt) is cls
    assert opt.learning_rate == 0.02
    assert opt.state == {} and opt.t == 0


def test_make_optimizer_from_instance_is_fresh_copy(rng):
    """An instance gives a new object with its hyperparameters and no state; learning_rate is ignored."""
    original = Adam(0.01, beta1=0.8, beta2=0.95, eps=1e-6)
    params = {"w": np.zeros(3)}
    original.step(params, {"w": np.ones(3)})
    state_before = {k: tuple(a.copy() for a in v) for k, v in original.state.items()}
    clone = make_optimizer(original, 0.5)
    assert clone is not original and type(clone) is Adam
    assert (clone.learning_rate, clone.beta1, clone.beta2, clone.eps) == (0.01, 0.8, 0.95, 1e-6)
    assert clone.state == {} and clone.t == 0
    clone.step({"w": np.zeros(3)}, {"w": np.ones(3)})
    assert clone.state is not original.state and original.t == 1
    for k, arrays in state_before.items():
        for a, b in zip(arrays, original.state[k]):
            np.testing.assert_array_equal(a, b)
    fresh = {"w": np.zeros(3)}
    make_optimizer(original, 0.5).step(fresh, {"w": np.ones(3)})
    np.testing.assert_allclose(fresh["w"], params["w"], rtol=1e-15)   # same first step as the original's


def test_make_optimizer_copies_momentum_settings():
    """A Momentum instance keeps momentum and nesterov in the copy."""
    clone = make_optimizer(Momentum(0.1, momentum=0.5, nesterov=True), 1.0)
    assert (type(clone), clone.learning_rate, clone.momentum, clone.nesterov) == (Momentum, 0.1, 0.5, True)


@pytest.mark.parametrize("bad", ["rmsprop", "SGD", None, 3])
def test_make_optimizer_bad_name_lists_choices(bad):
    """An unknown optimiser is a ValueError listing 'sgd', 'momentum' and 'adam'."""
    with pytest.raises(ValueError, match="'sgd', 'momentum', 'adam'") as info:
        make_optimizer(bad, 0.1)
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize("cls", [SGD, Momentum, Adam])
@pytest.mark.parametrize("lr", [-0.1, 0.0, float("nan")])
def test_bad_learning_rate_names_it(cls, lr):
    """A learning rate that is not a positive finite number is a ValueError naming learning_rate."""
    with pytest.raises(ValueError, match="learning_rate"):
        cls(lr)


def test_non_numeric_learning_rate_is_type_error():
    """A string or bool learning rate is a TypeError naming learning_rate."""
    for bad in ("0.1", True):
        with pytest.raises(TypeError, match="learning_rate"):
            SGD(bad)


@pytest.mark.parametrize("make, name", [
    (lambda: Momentum(0.1, momentum=1.0), "momentum"),
    (lambda: Momentum(0.1, momentum=-0.1), "momentum"),
    (lambda: Adam(0.1, beta1=1.0), "beta1"),
    (lambda: Adam(0.1, beta2=-0.5), "beta2"),
    (lambda: Adam(0.1, eps=0.0), "eps"),
])
def test_bad_hyperparameters_named(make, name):
    """Out-of-range momentum, betas and eps are a ValueError naming the hyperparameter."""
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        make()


def test_repr_shows_hyperparameters_not_state():
    """repr lists the hyperparameters and leaves out the state."""
    text = repr(Momentum(0.1, momentum=0.5))
    assert text == "Momentum(learning_rate=0.1, momentum=0.5, nesterov=False)"
    assert "state" not in repr(Adam())


def test_base_optimizer_needs_update():
    """The base class cannot step: subclasses implement _update."""
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).step({"w": np.zeros(2)}, {"w": np.ones(2)})


def test_adam_bias_correction_constants():
    """After t steps of a constant gradient g, textbook m̂ = g and v̂ = g², so each step is ≈ η."""
    params = {"w": np.zeros(1)}
    opt = Adam(0.01)
    for t in range(1, 6):
        before = params["w"].copy()
        opt.step(params, {"w": np.array([2.0])})
        assert (before - params["w"])[0] == pytest.approx(0.01, rel=1e-6)
    assert math.isclose(params["w"][0], -0.05, rel_tol=1e-6)


# -- subnormal moments --------------------------------------------------------------------

def _subnormal_count(a):
    a = backend.to_numpy(a)
    return int(((np.abs(a) < np.finfo(a.dtype).tiny) & (a != 0)).sum())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_scratch", [False, True])
def test_flush_subnormals_zeroes_only_subnormals(xp, dtype, with_scratch):
    """Entries with 0 < |a| < tiny become 0; zeros, normals (the smallest included), signs,
    inf and nan stay as they were."""
    tiny = np.finfo(dtype).tiny
    values = np.array([0.0, tiny, -tiny, tiny / 2, -tiny / 2, tiny / 2 ** 20, 1.5, -3.0,
                       np.inf, -np.inf, np.nan], dtype=dtype)
    a = xp.asarray(values)
    scratch = xp.empty_like(a) if with_scratch else None
    assert _subnormal_count(a) == 3
    flush_subnormals(a, scratch)
    expected = values.copy()
    expected[3:6] = 0
    np.testing.assert_array_equal(backend.to_numpy(a), expected)
    assert a.dtype == dtype


@pytest.mark.parametrize("make, moments", [
    (lambda: Adam(0.01, beta1=0.5), lambda opt: opt.state["w"][:2]),
    (lambda: Momentum(0.01, momentum=0.5), lambda opt: [opt.state["w"]]),
])
def test_decayed_moments_are_flushed_every_flush_every_steps(make, moments, monkeypatch):
    """One gradient, then zeros: the moments decay by 0.5 a step through float32's subnormal
    range (steps ≈ 126–150).  Every FLUSH_EVERY-th step leaves none subnormal, subnormals
    do occur between flushes (so the check has something to catch), and the weights follow
    the unflushed trajectory bitwise: the update a subnormal moment carries is below
    float32's resolution of the weights."""
    def run(flush_every):
        monkeypatch.setattr(optim, "FLUSH_EVERY", flush_every)
        params = {"w": np.ones(4, dtype=np.float32)}
        opt = make()
        seen_subnormal, trajectory = False, []
        for step in range(1, 201):
            g = np.full(4, 1.0 if step == 1 else 0.0, dtype=np.float32)
            opt.step(params, {"w": g})
            counts = [_subnormal_count(mo) for mo in moments(opt)]
            if step % flush_every == 0:
                assert counts == [0] * len(counts), (step, counts)
            seen_subnormal |= any(counts)
            trajectory.append(params["w"].copy())
        return seen_subnormal, trajectory

    seen, flushed = run(optim.FLUSH_EVERY)
    assert seen, "the moments never became subnormal: the test has nothing to check"
    _, unflushed = run(10 ** 9)
    np.testing.assert_array_equal(np.array(flushed), np.array(unflushed))


@pytest.mark.gpu
def test_fused_adam_on_the_gpu_follows_the_passes(rng, monkeypatch):
    """On CuPy, Adam's fused kernel gives the weights and moments of its array passes (the
    reference, FUSED_ON_GPU off) within float32 rounding, over 50 steps of random gradients,
    for β₂ = 0.999 and 0.9999.
    On the CPU stand-in the kernel's statements run as NumPy: its arithmetic and argument
    order are checked there, its compilation only on a GPU."""
    if not backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is not available")
    import cupy
    grads = [cupy.asarray(rng.standard_normal((64, 33)).astype(np.float32)) for _ in range(50)]

    calls = []

    def run(fused, beta2):
        monkeypatch.setattr(optim, "FUSED_ON_GPU", fused)
        monkeypatch.setattr(optim, "_fused_adam", lambda xp: calls.append(fused) or kernel(xp))
        params = {"w": cupy.asarray(np.linspace(-1, 1, 64 * 33, dtype=np.float32).reshape(64, 33))}
        opt = Adam(0.01, beta2=beta2)
        for g in grads:
            opt.step(params, {"w": g})
        m, v, _ = opt.state["w"]
        return [backend.to_numpy(a) for a in (params["w"], m, v)]

    kernel = optim._fused_adam
    for beta2 in (0.999, 0.9999):                     # 1 − β₂ rounded alike on both paths
        for fused, passes in zip(run(True, beta2), run(False, beta2)):
            np.testing.assert_allclose(fused, passes, rtol=1e-5, atol=1e-6)
    assert calls == [True] * 100                      # the kernel ran, and only when fused
