"""Deep clustering: k-means on codes, joint refinement, and the comparison measures."""
import numpy as np
import pytest

from nnunsup.autoencoders import DeepClustering, adjusted_rand_index, kmeans, purity_score
from nnunsup.nn import gradcheck


@pytest.mark.parametrize("clusterer", ["kmeans", "competitive"])
def test_joint_objective_gradient(float64, rng, clusterer):
    """L_AE + γ (1/N) Σ ρ²(f(x_i), μ_a(x_i)) with fixed assignments: gradient w.r.t. the
    encoder, decoder and centres passes gradcheck.  [A16]"""
    X = rng.uniform(0, 1, (12, 6))
    model = DeepClustering((5, 2), n_clusters=3, clusterer=clusterer, gamma=0.5,
                           pretrain_epochs=1, epochs=1, random_state=0).fit(X)
    assert model.params["centers"].shape == (3, 2)
    assert gradcheck(model, X).max_rel_error < 1e-6


def test_clustering_term_by_hand(float64, rng):
    """The refinement objective = the AE's loss + γ × the mean squared distance of each code
    to its nearest centre.  [A16]"""
    X = rng.uniform(0, 1, (10, 4))
    model = DeepClustering((3, 2), n_clusters=2, gamma=0.3, loss="mse", pretrain_epochs=1,
                           epochs=1, random_state=0).fit(X)
    Z, mu = model.transform(X), model.params["centers"]
    d2 = ((Z[:, None, :] - mu[None]) ** 2).sum(axis=2).min(axis=1)
    rec = ((model.reconstruct(X) - X) ** 2).sum(axis=1).mean()
    assert float(model.loss_and_grads(X)[0]) == pytest.approx(rec + 0.3 * d2.mean(), rel=1e-10)
    assert np.array_equal(model.predict(X), model.labels_)


def test_kmeans_reaches_sklearns_criterion(rng):
    """Lloyd's k-means with k-means++ starts reaches scikit-learn's inertia (within 1 %).  [A16]"""
    cluster = pytest.importorskip("sklearn.cluster")
    Z = np.concatenate([rng.normal(c, 0.5, (50, 3)) for c in (-3, 0, 3)])
    centers, labels, Q = kmeans(Z, 3, random_state=0)
    reference = cluster.KMeans(3, n_init=4, random_state=0).fit(Z)
    assert Q <= 1.01 * reference.inertia_
    assert adjusted_rand_index(labels, reference.labels_) == pytest.approx(1.0)


def test_comparison_measures():
    """purity and ARI on hand cases and against scikit-learn."""
    metrics = pytest.importorskip("sklearn.metrics")
    assert purity_score([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert purity_score([0, 0, 1, 1], [0, 0, 0, 0]) == 0.5
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 4, 300), rng.integers(0, 3, 300)
    assert adjusted_rand_index(a, b) == pytest.approx(metrics.adjusted_rand_score(a, b), abs=1e-12)


def test_bad_input(rng):
    """Fewer objects than clusters and an unknown clusterer are named."""
    with pytest.raises(ValueError, match="fewer than n_clusters=5"):
        DeepClustering((3, 2), n_clusters=5).fit(rng.uniform(0, 1, (4, 3)))
    with pytest.raises(ValueError, match="clusterer must be one of 'kmeans', 'competitive'"):
        DeepClustering((3, 2), clusterer="dbscan").fit(rng.uniform(0, 1, (4, 3)))
