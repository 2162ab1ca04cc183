"""Subjectivity and distortion of Kohonen maps, measured [C12]."""
import numpy as np
import pytest

from nnunsup.competitive import SOM, map_agreement, subjectivity


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(c, 0.3, (60, 3)) for c in (-2, 0, 2)])


def test_agreement_is_one_for_the_same_and_a_mirrored_map(data):
    """A map agrees fully with itself and with its mirror image on the grid.  [C12]"""
    som = SOM(5, 5, epochs=10, random_state=0).fit(data)
    mirrored = SOM(5, 5, init=som.params["W"][::-1].copy(), epochs=1).fit(data[:5])
    mirrored.params["W"][...] = som.params["W"][::-1]
    assert map_agreement(som, som, data) == pytest.approx(1.0)
    assert map_agreement(som, mirrored, data) == pytest.approx(1.0)


def test_agreement_falls_for_a_scrambled_map(data):
    """Scrambling the neurons over the grid destroys the agreement.  [C12]"""
    som = SOM(5, 5, epochs=10, random_state=0).fit(data)
    scrambled = SOM(5, 5, epochs=1).fit(data[:5])
    order = np.random.default_rng(1).permutation(25)
    scrambled.params["W"][...] = som.params["W"].reshape(25, 3)[order].reshape(5, 5, 3)
    assert map_agreement(som, scrambled, data) < 0.5


@pytest.mark.parametrize("factor, values", [("init", [0, 1, 2]), ("order", [0, 1]),
                                             ("kernel", ["gaussian", "bubble"])])
def test_subjectivity_report(data, factor, values):
    """One map per setting, their errors, and pairwise agreements in [−1, 1].  [C12]"""
    report = subjectivity(data, factor, values, m=4, h=4, epochs=4)
    k = len(values)
    assert report["agreement"].shape == (k, k)
    assert np.allclose(np.diag(report["agreement"]), 1)
    assert len(report["quantization_error"]) == len(report["topographic_error"]) == k
    assert -1 <= report["mean_agreement"] <= 1


def test_order_does_not_matter_for_the_batch_map(data):
    """The batch map depends on initialisation only, not on the order of objects."""
    report = subjectivity(data, "order", [0, 1], m=4, h=4, epochs=4, algorithm="batch")
    assert report["mean_agreement"] == pytest.approx(1.0)


def test_bad_factor(data):
    """An unknown factor lists the choices; one setting alone is refused."""
    with pytest.raises(ValueError, match="factor must be one of 'init', 'order', 'kernel'"):
        subjectivity(data, "seed", [0, 1])
    with pytest.raises(ValueError, match="at least 2 settings"):
        subjectivity(data, "init", [0])
