"""GANs: both players' objectives by hand and by finite differences (the generator's through
D), the optimal discriminator and the Jensen–Shannon divergence, saturation of the minimax
loss, mode coverage on the 8-Gaussian ring, the DCGAN, bad input and divergence."""
import math

import numpy as np
import pytest
from scipy.stats import norm

from nnunsup._validation import NonFiniteLossError, NotFittedError
from nnunsup.datasets import load_mnist, make_1d_mixture, make_2d_mixture
from nnunsup.gan import (DCGAN, GAN, discriminator_loss, generator_loss, jensen_shannon,
                         mode_coverage, optimal_discriminator, ring_centers)
from nnunsup.nn import Adam, gradcheck


def _sigmoid(s):
    return 1 / (1 + np.exp(-s))


def _tiny(rng, **kwargs):
    X = rng.random((6, 5))
    model = GAN(3, (4,), (4,), activation="tanh", epochs=1, batch_size=3, random_state=0,
                **kwargs).fit(X)
    return model, X, rng.standard_normal((7, 3))


# -- [G2, G3, G4] the criteria ---------------------------------------------------------------

def test_criteria_by_hand(float64, rng):
    """L_D = −½ mean log D(x) − ½ mean log(1 − D(G(z))); L_G = ½ mean log(1 − D(G(z)))
    (minimax) or −½ mean log D(G(z)) (non-saturating), with D = σ(l).  [G2, G3, G4]"""
    l_real, l_fake = rng.normal(0, 2, 5), rng.normal(0, 2, 7)
    d_real, d_fake = _sigmoid(l_real), _sigmoid(l_fake)
    value, _, _ = discriminator_loss(l_real, l_fake)
    assert float(value) == pytest.approx(-0.5 * np.log(d_real).mean()
                                         - 0.5 * np.log(1 - d_fake).mean(), rel=1e-12)
    assert float(generator_loss(l_fake, "minimax")[0]) == pytest.approx(
        0.5 * np.log(1 - d_fake).mean(), rel=1e-12)
    assert float(generator_loss(l_fake)[0]) == pytest.approx(-0.5 * np.log(d_fake).mean(),
                                                              rel=1e-12)
    real_part = lambda l: discriminator_loss(l, l_fake)[:2]          # value, ∂/∂l_real
    fake_part = lambda l: discriminator_loss(l_real, l)[::2]         # value, ∂/∂l_fake
    assert gradcheck(real_part, l_real).max_rel_error < 1e-6
    assert gradcheck(fake_part, l_fake).max_rel_error < 1e-6
    assert gradcheck(lambda l: generator_loss(l, "minimax"), l_fake).max_rel_error < 1e-6
    assert gradcheck(generator_loss, l_fake).max_rel_error < 1e-6


def test_model_objectives_by_hand(float64, rng):
    """The model's losses are the criteria on its own D and G, written out with params.
    [G1, G2, G4]"""
    model, X, z = _tiny(rng)
    p = model.params
    G = lambda z: _sigmoid(np.tanh(z @ p["G.0.W"].T + p["G.0.b"]) @ p["G.2.W"].T + p["G.2.b"])
    leaky = lambda s: np.where(s > 0, s, 0.2 * s)
    D = lambda x: (leaky(x @ p["D.0.W"].T + p["D.0.b"]) @ p["D.2.W"].T + p["D.2.b"])[:, 0]
    d_real, d_fake = _sigmoid(D(X)), _sigmoid(D(G(z)))
    expected_d = -0.5 * np.log(d_real).mean() - 0.5 * np.log(1 - d_fake).mean()
    loss_d = model.loss_and_grads(X, z=z, player="D")[0]
    assert float(loss_d) == pytest.approx(expected_d, rel=1e-10)
    expected_g = -0.5 * np.log(d_fake).mean()
    loss_g = model.loss_and_grads(X, z=z, player="G")[0]
    assert float(loss_g) == pytest.approx(expected_g, rel=1e-10)
    np.testing.assert_allclose(model.sample(z=z), G(z), rtol=1e-10)
    np.testing.assert_allclose(model.discriminate(X), d_real, rtol=1e-10)


@pytest.mark.parametrize("kind", ["non_saturating", "minimax"])
@pytest.mark.parametrize("player", ["D", "G"])
def test_gradients_of_each_player(float64, rng, kind, player):
    """gradcheck of each player's objective for fixed z; the generator's gradient runs back
    through D; each call returns that player's keys only (h = 1e-4: some generator entries
    are 1e-5 of the largest, where h = 1e-5 meets round-off).  [G2, G3, G4]"""
    model, X, z = _tiny(rng, generator_loss=kind)
    loss, grads = model.loss_and_grads(X, z=z, player=player)
    assert sorted(grads) == sorted(k for k in model.params if k.startswith(player + "."))
    result = gradcheck(model, X, z=z, player=player, keys=player + ".", h=1e-4)
    assert result.max_rel_error < 1e-6, result


def test_dcgan_gradients(float64, rng):
    """The DCGAN's players pass gradcheck too, through transposed and strided convolutions
    (weights scaled by 30 from the N(0, 0.02²) start, whose tiny gradients sit at
    round-off).  [G5]"""
    X = rng.random((3, 64))
    model = DCGAN(4, image_shape=(1, 8, 8), channels=(3, 2), epochs=1, batch_size=3,
                  random_state=0).fit(X)
    for key in model.params:
        model.params[key] *= 30
    z = rng.standard_normal((2, 4))
    for player in "DG":
        assert gradcheck(model, X, z=z, player=player, keys=player + ".").max_rel_error < 1e-6
    assert model.params["G.3.W"].shape == (3, 2, 4, 4) and model.sample(2).shape == (2, 64)


# -- the theory: the optimal discriminator and the JSD ------------------------------------------

def test_optimal_discriminator_gives_minus_log4_plus_2jsd(rng):
    """For known 1-D densities (data: a two-Gaussian mixture; model: one Gaussian) and D at its
    optimum D* = p_data/(p_data + p_g), the criterion E log D*(x) + E log(1 − D*(G(z))),
    estimated from 200,000 samples of each, equals −log 4 + 2 JSD(p_data ‖ p_g) (by quadrature)
    within 4 standard errors; a worse D gives less.  [G2]"""
    p_data = lambda x: 0.5 * norm.pdf(x, -2, 0.5) + 0.5 * norm.pdf(x, 2, 0.5)
    p_model = lambda x: norm.pdf(x, 0.5, 1.5)
    x_real = make_1d_mixture(200_000, random_state=0)[0][:, 0]
    x_fake = rng.normal(0.5, 1.5, 200_000)
    d_real = optimal_discriminator(p_data(x_real), p_model(x_real))
    d_fake = optimal_discriminator(p_data(x_fake), p_model(x_fake))
    terms_real, terms_fake = np.log(d_real), np.log(1 - d_fake)
    value = terms_real.mean() + terms_fake.mean()
    se = math.sqrt(terms_real.var() / len(terms_real) + terms_fake.var() / len(terms_fake))
    grid = np.linspace(-12, 12, 200_001)
    jsd = jensen_shannon(p_data(grid), p_model(grid), grid[1] - grid[0])
    assert abs(value - (-math.log(4) + 2 * jsd)) < 4 * se
    loss, _, _ = discriminator_loss(np.log(d_real / (1 - d_real)), np.log(d_fake / (1 - d_fake)))
    assert float(loss) == pytest.approx(-value / 2, rel=1e-9)     # L_D = −criterion / 2
    worse = np.log(0.9 * d_real + 0.05).mean() + np.log(1 - 0.9 * d_fake - 0.05).mean()
    assert worse < value
    same = jensen_shannon(p_data(grid), p_data(grid), grid[1] - grid[0])
    assert same == pytest.approx(0, abs=1e-12)


# -- [G6] dynamics -------------------------------------------------------------------------------

def test_minimax_loss_saturates_early(rng):
    """Early in training D wins easily: data N(5, 0.1²), an untrained generator near 0, 100
    discriminator steps (Adam, 1e-2) bring mean D(G(z)) below 0.05. Then the minimax loss's
    gradient for G is less than a tenth of the non-saturating one's, for the same z (per
    object the ratio is σ(l)/σ(−l) = D/(1 − D)).  [G3, G4, G6]"""
    X = (5 + 0.1 * rng.standard_normal((6400, 1))).astype(np.float32)
    model = GAN(2, (64,), (64,), output_activation="identity", random_state=0).init_params(1)
    z = np.random.default_rng(1).standard_normal((128, 2)).astype(np.float32)
    adam = Adam(1e-2)
    for step in range(100):                                         # D alone: G is untrained
        batch = X[np.random.default_rng(step).choice(len(X), 128)]
        adam.step(model.params, model.loss_and_grads(batch, player="D")[1])
    assert float(model.discriminate(model.sample(z=z)).mean()) < 0.05
    norms = {}
    for kind in ("minimax", "non_saturating"):
        model.set_params(generator_loss=kind)
        _, grads = model.loss_and_grads(X[:128], z=z, player="G")
        norms[kind] = math.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
    assert norms["minimax"] < 0.1 * norms["non_saturating"], norms


@pytest.fixture(scope="module")
def ring():
    X, _ = make_2d_mixture(12800, random_state=0)
    return X.astype(np.float32)


@pytest.mark.parametrize("kind, modes", [("non_saturating", 6), ("minimax", 5)])
def test_ring_coverage(ring, kind, modes):
    """A seeded GAN (z of 2 dims, 128-128 MLPs, Adam 1e-3, 1,000 steps) on the 8-Gaussian ring
    covers at least 6 modes with the non-saturating loss; the minimax loss's figure, recorded
    beside it, is lower in good samples.  [G6]"""
    model = GAN(2, (128, 128), (128, 128), output_activation="identity", generator_loss=kind,
                epochs=20, batch_size=256, learning_rate=1e-3, random_state=0, verbose=False)
    model.fit(ring)
    result = mode_coverage(model.sample(2000, random_state=0), ring_centers(), std=0.1)
    assert result["modes"] >= modes, result
    assert len(model.history_["g_loss"]) == 20 and 0 < model.history_["d_real"][-1] < 1


def test_mode_coverage_counts(rng):
    """Good samples lie within 3 σ of a mode; a mode needs 1 % of the samples.  [G6]"""
    centers = ring_centers(4, radius=1.0)
    samples = np.concatenate([centers[0] + 0.01 * rng.normal(size=(90, 2)),
                              centers[1] + 0.01 * rng.normal(size=(5, 2)),
                              np.full((5, 2), 10.0)])
    result = mode_coverage(samples, centers, std=0.01, n_std=5)
    assert result["modes"] == 2 and result["good"] == pytest.approx(0.95)
    assert list(result["counts"]) == [90, 5, 0, 0]
    with pytest.raises(ValueError, match="must agree in n"):
        mode_coverage(samples[:, :1], centers, std=0.1)


# -- bad input, divergence, reproducibility -----------------------------------------------------

@pytest.mark.parametrize("kwargs, X, error, message", [
    (dict(), np.array([[0.5, 1.5]]), ValueError,
     r"GAN with output_activation='sigmoid' needs X in \[0, 1\]; found max 1.5"),
    (dict(generator_loss="wasserstein"), np.ones((2, 2)) / 2, ValueError,
     "generator_loss must be one of 'non_saturating', 'minimax'"),
    (dict(k=0), np.ones((2, 2)) / 2, ValueError, "k must be >= 1"),
    (dict(n_latent=0), np.ones((2, 2)) / 2, ValueError, "n_latent must be >= 1"),
    (dict(generator_sizes=5), np.ones((2, 2)) / 2, TypeError, "generator_sizes must be a sequence"),
    (dict(), np.array([[np.nan, 0.5]]), ValueError, "X contains NaN"),
])
def test_bad_input(kwargs, X, error, message):
    """Data outside the generator's range, bad options and NaN are named."""
    with pytest.raises(error, match=message):
        GAN(**{"n_latent": 2, "epochs": 1, **kwargs}).fit(X)


def test_bad_calls_and_divergence(rng):
    """z of the wrong width, an unknown player and use before fit are named; a learning rate
    that blows up stops with NonFiniteLossError naming the player, parameters restored."""
    with pytest.raises(NotFittedError):
        GAN(2).sample(3)
    X = rng.random((64, 4))
    model = GAN(2, (8,), (8,), epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="z has 3 columns, but this GAN's latent space has"):
        model.loss_and_grads(X, z=np.zeros((4, 3)))
    with pytest.raises(ValueError, match="player must be one of 'D', 'G'"):
        model.loss_and_grads(X, player="both")
    wild = GAN(2, (8,), (8,), output_activation="identity", epochs=50, batch_size=8,
               learning_rate=1e4, optimizer="sgd", random_state=0)
    with pytest.raises(NonFiniteLossError, match="(discriminator|generator)'s loss became"):
        wild.fit(rng.normal(size=(64, 4)) * 100)
    assert all(np.isfinite(v).all() for v in wild.params.values())


def test_same_seed_same_gan(rng):
    """The same seed gives the same players and the same samples; k = 2 takes half as many
    generator steps."""
    X = rng.random((40, 4))
    a = GAN(2, (8,), (8,), epochs=2, batch_size=10, random_state=3).fit(X)
    b = GAN(2, (8,), (8,), epochs=2, batch_size=10, random_state=3).fit(X)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert np.array_equal(a.sample(5, random_state=0), b.sample(5, random_state=0))


# -- MNIST -------------------------------------------------------------------------------------

def test_mlp_gan_learns_digit_statistics(data_dir):
    """An MLP GAN trained for 3 epochs on 10,000 digits: the squared distance between the
    mean image of its samples and the data's falls to under a fifth of the start's, and D
    still rates real digits above generated ones.  [G1]"""
    X, _ = load_mnist("train", path=data_dir / "mnist", n_samples=10000, random_state=0)
    model = GAN(64, epochs=1, random_state=0, verbose=False).init_params(784)
    start = float(((model.sample(500, random_state=0).mean(0) - X.mean(0)) ** 2).sum())
    for _ in range(3):
        model.partial_fit(X)
    end = float(((model.sample(500, random_state=0).mean(0) - X.mean(0)) ** 2).sum())
    assert end < 0.2 * start, (start, end)
    assert model.history_["d_real"][-1] > model.history_["d_fake"][-1]
