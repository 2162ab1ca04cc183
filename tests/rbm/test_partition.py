"""log Z: enumeration against the brute-force sum, AIS against enumeration within its error
bars, and the model's log-likelihood by either."""
import numpy as np
import pytest

from nnunsup import backend
from nnunsup.datasets import bars_and_stripes
from nnunsup.rbm import BernoulliRBM, ais_betas, ais_log_partition, log_partition_exact


def test_betas_run_from_zero_to_one():
    """Salakhutdinov & Murray's schedule: 0 = β_0 < … < β_K = 1, densest near 1.  [R3]"""
    betas = ais_betas(14500)
    assert betas[0] == 0 and betas[-1] == 1 and np.all(np.diff(betas) > 0)
    assert abs(len(betas) - 14500) <= 3
    assert np.diff(betas)[-1] < np.diff(betas)[0] / 5


@pytest.mark.parametrize("scale", [0.5, 1.5])
def test_ais_brackets_the_exact_log_partition(float64, rng, scale):
    """On a 12 × 10 model with random weights, the AIS estimate of log Z (200 chains,
    3000 temperatures) lies within its ±3 SD bars of the exact value, and within 0.1.  [R3]"""
    W, a, b = rng.normal(0, scale, (12, 10)), rng.normal(0, 1, 12), rng.normal(0, 1, 10)
    exact = log_partition_exact(W, a, b)
    estimate, low, high = ais_log_partition(W, a, b, backend.default_rng(0), n_chains=200,
                                            n_betas=3000)
    assert low <= exact <= high, (low, exact, high)
    assert abs(estimate - exact) < 0.1


def test_ais_on_a_trained_model_and_log_likelihood(rng):
    """After CD on 4 × 4 bars and stripes (16 visible, 12 hidden) the model's
    log_likelihood by AIS (base rate: the data's pixel log-odds) is within 0.1 nats of the
    exact one, and the exact log Z lies inside the AIS bars.  [R3, R4]"""
    X, _ = bars_and_stripes(4, 1000, random_state=0)
    model = BernoulliRBM(12, epochs=30, batch_size=20, learning_rate=0.1, random_state=0).fit(X)
    p = np.clip(X.mean(axis=0), 1e-3, 1 - 1e-3)
    base = np.log(p / (1 - p))
    exact = model.log_likelihood(X, method="exact")
    ais = model.log_likelihood(X, method="ais", n_chains=200, n_betas=5000, base_a=base,
                               random_state=0)
    assert abs(float(ais.mean() - exact.mean())) < 0.1
    log_z, low, high = model.log_partition("ais", n_chains=200, n_betas=5000, base_a=base,
                                           random_state=0)
    assert low <= model.log_partition("exact") <= high


def test_exact_enumeration_refuses_large_layers(rng):
    """Both layers above 22 units: the error says to use AIS; "auto" then uses AIS."""
    W = rng.normal(0, 0.01, (30, 25))
    with pytest.raises(ValueError, match="at most 22 units are allowed — use AIS"):
        log_partition_exact(W, np.zeros(30), np.zeros(25))
    model = BernoulliRBM(25, random_state=0).init_params(30)
    result = model.log_partition("auto", n_chains=10, n_betas=100, random_state=0)
    assert isinstance(result, tuple) and len(result) == 3
