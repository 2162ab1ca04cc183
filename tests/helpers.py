"""Helpers shared by the tests: CS231n's rel_error and tiny datasets."""
import numpy as np

from nnunsup.nn.gradcheck import rel_error

__all__ = ["rel_error", "blobs"]


def blobs(rng, n=60, n_features=2, centers=3, spread=0.3):
    """``centers`` Gaussian blobs in ``n_features`` dimensions; returns (X, labels)."""
    means = rng.normal(0, 3, size=(centers, n_features))
    labels = rng.integers(0, centers, size=n)
    X = means[labels] + spread * rng.standard_normal((n, n_features))
    return X, labels
