"""Datasets: real data loaders (MNIST, Fashion-MNIST, UCI house votes) and synthetic data.

Loaders look for the files in ``path`` if given, else in ``$NNUNSUP_DATA/<dataset>/``, else
in the cache (``$NNUNSUP_CACHE`` or ``~/.cache/nnunsup``), and only then download; every
file is SHA-256 verified (see ``nnunsup.datasets._cache``).  Offline without a local copy
they raise :class:`DatasetNotFoundError` (a ``FileNotFoundError``) saying where to put it.

    >>> from nnunsup.datasets import load_mnist, rings
    >>> X, y = load_mnist("test")            # (10000, 784) float32 in [0, 1], int64 labels
    >>> X, y = rings(300, random_state=0)     # (300, 2) float64, ring index

All results are NumPy arrays on the host; ``nnunsup.backend.asarray`` moves them to the GPU.
"""
from ._cache import DatasetNotFoundError, cache_dir, fetch, sha256sum
from .mnist import (FASHION_MNIST_CLASSES, binarize, load_fashion_mnist, load_mnist, read_idx,
                    write_idx)
from .synthetic import (SHAPES, bars_and_stripes, gaussian_mixture, make_1d_mixture,
                        make_2d_mixture, rings, s_curve, shapes_images, sine_sequences,
                        swiss_roll, two_moons, uniform_square)
from .uci import (HOUSE_VOTES_FEATURES, HOUSE_VOTES_PARTIES, load_house_votes,
                  read_house_votes)

__all__ = [
    # real data
    "load_mnist", "load_fashion_mnist", "load_house_votes",
    "read_idx", "write_idx", "read_house_votes", "binarize",
    "FASHION_MNIST_CLASSES", "HOUSE_VOTES_FEATURES", "HOUSE_VOTES_PARTIES",
    # download cache
    "DatasetNotFoundError", "cache_dir", "fetch", "sha256sum",
    # synthetic
    "gaussian_mixture", "rings", "two_moons", "swiss_roll", "s_curve", "uniform_square",
    "bars_and_stripes", "shapes_images", "SHAPES", "make_1d_mixture", "make_2d_mixture",
    "sine_sequences",
]
