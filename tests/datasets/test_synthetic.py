"""Synthetic data: seeded, the documented shapes and dtypes, and the geometry it promises."""
import inspect
import re

import numpy as np
import pytest

from nnunsup.datasets import mnist, synthetic
from nnunsup.datasets import (SHAPES, bars_and_stripes, gaussian_mixture, make_1d_mixture,
                              make_2d_mixture, rings, s_curve, shapes_images, sine_sequences,
                              swiss_roll, two_moons, uniform_square)

# (generator, kwargs, X shape, X dtype, y dtype or None)
CASES = [
    (gaussian_mixture, dict(n_samples=50, centers=4, n_features=3), (50, 3), np.float64, np.int64),
    (rings, dict(n_samples=50, n_rings=3), (50, 2), np.float64, np.int64),
    (two_moons, dict(n_samples=50), (50, 2), np.float64, np.int64),
    (swiss_roll, dict(n_samples=50, noise=0.1), (50, 3), np.float64, np.float64),
    (s_curve, dict(n_samples=50, noise=0.1), (50, 3), np.float64, np.float64),
    (uniform_square, dict(n_samples=50), (50, 2), np.float64, None),
    (bars_and_stripes, dict(size=3, n_samples=50), (50, 9), np.float32, np.int64),
    (shapes_images, dict(n_samples=50, size=12, noise=0.1), (50, 144), np.float32, np.int64),
    (make_1d_mixture, dict(n_samples=50), (50, 1), np.float64, np.int64),
    (make_2d_mixture, dict(n_samples=50), (50, 2), np.float64, np.int64),
    (sine_sequences, dict(n_samples=50, length=10, n_features=2), (50, 20), np.float32, np.int64),
]
IDS = [case[0].__name__ for case in CASES]


def as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("make, kwargs, shape, x_dtype, y_dtype", CASES, ids=IDS)
def test_shapes_and_dtypes(make, kwargs, shape, x_dtype, y_dtype):
    result = as_tuple(make(**kwargs, random_state=0))
    X = result[0]
    assert isinstance(X, np.ndarray) and X.shape == shape and X.dtype == x_dtype
    assert np.isfinite(X).all()
    if y_dtype is None:
        assert len(result) == 1
    else:
        y = result[1]
        assert y.shape == (shape[0],) and y.dtype == y_dtype


@pytest.mark.parametrize("make, kwargs, shape, x_dtype, y_dtype", CASES, ids=IDS)
def test_same_seed_same_arrays(make, kwargs, shape, x_dtype, y_dtype):
    """The same seed gives the same arrays even after the global generator moved on."""
    first = as_tuple(make(**kwargs, random_state=7))
    state = np.random.get_state()
    np.random.seed(1)  # the module-level generator must play no part
    try:
        second = as_tuple(make(**kwargs, random_state=7))
    finally:
        np.random.set_state(state)
    third = as_tuple(make(**kwargs, random_state=8))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], third[0])


@pytest.mark.parametrize("make, kwargs, shape, x_dtype, y_dtype", CASES, ids=IDS)
def test_generator_and_seed_sequence_accepted(make, kwargs, shape, x_dtype, y_dtype):
    a = as_tuple(make(**kwargs, random_state=np.random.SeedSequence(3)))[0]
    b = as_tuple(make(**kwargs, random_state=np.random.default_rng(3)))[0]
    assert a.shape == b.shape == shape


@pytest.mark.parametrize("module", [synthetic, mnist])
def test_no_module_level_random_calls(module):
    """Randomness comes only from generators built from random_state."""
    used = set(re.findall(r"(?:np|numpy)\.random\.(\w+)", inspect.getsource(module)))
    assert used <= {"default_rng", "SeedSequence", "Generator"}


@pytest.mark.parametrize("make", [gaussian_mixture, rings, two_moons, swiss_roll, shapes_images,
                                  sine_sequences])
def test_bad_n_samples(make):
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        make(n_samples=0)
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        make(n_samples=2.5)


# ---------------------------------------------------------------- point clouds

def test_gaussian_mixture_given_centers():
    centers = np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 5.0]])
    X, y = gaussian_mixture(3000, centers=centers, cluster_std=[0.1, 0.5, 1.0], random_state=0)
    assert np.bincount(y).tolist() == [1000, 1000, 1000]
    for k, std in enumerate([0.1, 0.5, 1.0]):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=4 * std / np.sqrt(1000))
        np.testing.assert_allclose(X[y == k].std(axis=0), std, rtol=0.1)


def test_gaussian_mixture_weights():
    _, y = gaussian_mixture(10000, centers=2, weights=[0.9, 0.1], random_state=0)
    assert abs(np.mean(y == 0) - 0.9) < 0.02
    with pytest.raises(ValueError, match="weights"):
        gaussian_mixture(10, centers=2, weights=[1, 1, 1])
    with pytest.raises(ValueError, match="centers"):
        gaussian_mixture(10, centers=np.zeros(3))
    with pytest.raises(ValueError, match="cluster_std"):
        gaussian_mixture(10, centers=2, cluster_std=-1)


def test_rings_radii():
    X, y = rings(600, n_rings=3, noise=0.0, random_state=0)
    np.testing.assert_allclose(np.hypot(*X.T), (y + 1) / 3)
    assert np.bincount(y).tolist() == [200, 200, 200]
    X, y = rings(10, n_rings=2, noise=0.0, radii=[2.0, 5.0], random_state=0)
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 0, 2.0, 5.0))
    with pytest.raises(ValueError, match="radii"):
        rings(10, n_rings=2, radii=[1.0])


def test_two_moons_geometry():
    X, y = two_moons(400, noise=0.0, random_state=0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert (X[y == 0, 1] >= 0).all() and (X[y == 1, 1] <= 0.5).all()


def test_manifolds_follow_their_parameter():
    X, t = swiss_roll(200, random_state=0)
    np.testing.assert_allclose(X[:, 0], t * np.cos(t))
    assert (t >= 1.5 * np.pi).all() and (t <= 4.5 * np.pi).all()
    X, t = s_curve(200, random_state=0)
    np.testing.assert_allclose(X[:, 0], np.sin(t))
    assert (np.abs(t) <= 1.5 * np.pi).all() and (X[:, 1] >= 0).all() and (X[:, 1] <= 2).all()


def test_uniform_square_bounds():
    X = uniform_square(2000, low=-1.0, high=3.0, random_state=0)
    assert X.min() >= -1 and X.max() <= 3
    np.testing.assert_allclose(X.mean(axis=0), 1.0, atol=0.15)
    assert uniform_square(5, n_features=3, random_state=0).shape == (5, 3)
    with pytest.raises(ValueError, match="low must be < high"):
        uniform_square(5, low=1, high=1)


def test_gan_mixtures():
    X, y = make_2d_mixture(4000, n_components=8, radius=2.0, std=0.01, random_state=0)
    np.testing.assert_allclose(np.hypot(*X.T), 2.0, atol=0.05)
    assert set(np.unique(y)) == set(range(8))
    expected = 2 * np.pi * y / 8
    np.testing.assert_allclose(X / 2.0, np.column_stack([np.cos(expected), np.sin(expected)]),
                               atol=0.05)
    X, y = make_2d_mixture(2500, n_components=25, layout="grid", std=0.0, random_state=0)
    assert len(np.unique(X, axis=0)) == 25 and X.min() == -2.0 and X.max() == 2.0
    with pytest.raises(ValueError, match="square n_components"):
        make_2d_mixture(10, n_components=8, layout="grid")
    with pytest.raises(ValueError, match="layout must be one of 'ring', 'grid'"):
        make_2d_mixture(10, layout="spiral")
    X, y = make_1d_mixture(4000, means=(-3.0, 3.0), stds=(0.2, 0.2), random_state=0)
    np.testing.assert_allclose(X[y == 0].mean(), -3.0, atol=0.05)
    np.testing.assert_allclose(X[y == 1].mean(), 3.0, atol=0.05)
    with pytest.raises(ValueError, match="stds"):
        make_1d_mixture(10, means=(0.0, 1.0), stds=(1.0,))


# ---------------------------------------------------------------- bars and stripes

def is_bars_or_stripes(image):
    rows_uniform = (image == image[:, :1]).all()
    columns_uniform = (image == image[:1, :]).all()
    return rows_uniform or columns_uniform


@pytest.mark.parametrize("size", [2, 3, 4, 5])
def test_bars_and_stripes_enumeration(size):
    X, y = bars_and_stripes(size)
    count = 2 ** (size + 1) - 2
    assert X.shape == (count, size * size) and X.dtype == np.float32
    assert len(np.unique(X, axis=0)) == count  # all distinct
    assert set(np.unique(X)) <= {0.0, 1.0}
    images = X.reshape(count, size, size)
    assert all(is_bars_or_stripes(image) for image in images)
    assert np.bincount(y).tolist() == [2 ** size, 2 ** size - 2]
    assert all((image == image[:, :1]).all() for image in images[y == 0])  # stripes: rows uniform
    assert all((image == image[:1, :]).all() for image in images[y == 1])  # bars: columns uniform


def test_bars_and_stripes_samples():
    X, y = bars_and_stripes(4, n_samples=2000, flatten=False, random_state=0)
    assert X.shape == (2000, 4, 4)
    assert all(is_bars_or_stripes(image) for image in X)
    assert abs(y.mean() - 0.5) < 0.05
    every = bars_and_stripes(4)[0]
    assert len(np.unique(X.reshape(2000, 16), axis=0)) == len(every)  # every pattern appears
    with pytest.raises(ValueError, match="size must be >= 2"):
        bars_and_stripes(1)


# ---------------------------------------------------------------- shape images

@pytest.mark.parametrize("size", [12, 16])
def test_shapes_images(size):
    X, y = shapes_images(140, size=size, flatten=False, random_state=0)
    assert X.shape == (140, 1, size, size) and X.dtype == np.float32
    assert set(np.unique(X)) == {0.0, 1.0}
    assert np.bincount(y).tolist() == [20] * len(SHAPES)
    assert (X.sum(axis=(1, 2, 3)) >= 5).all()  # every image shows something
    # the shape never touches a border it would cross: image fully inside
    for image, label in zip(X[:, 0], y):
        if SHAPES[label] == "hline":
            assert (image.sum(axis=1) > 0).sum() == 1
        if SHAPES[label] == "vline":
            assert (image.sum(axis=0) > 0).sum() == 1


def test_shapes_images_subset_and_noise():
    X, y = shapes_images(30, size=16, shapes=("square", "circle"), noise=0.3, random_state=0)
    assert X.shape == (30, 256) and set(y) == {0, 1}
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert len(np.unique(X)) > 2
    with pytest.raises(ValueError, match="shapes entry must be one of"):
        shapes_images(10, shapes=("square", "star"))
    with pytest.raises(ValueError, match="size must be >= 8"):
        shapes_images(10, size=6)


def test_shape_classes_differ():
    """The mean image of each class is distinguishable from every other class's."""
    X, y = shapes_images(700, size=16, random_state=0)
    means = np.stack([X[y == k].mean(axis=0) for k in range(len(SHAPES))])
    distances = np.linalg.norm(means[:, None] - means[None], axis=2)
    assert (distances[~np.eye(len(SHAPES), dtype=bool)] > 0.5).all()


# ---------------------------------------------------------------- sequences

def test_sine_sequences_follow_the_formula():
    """x_itj = ½ + 0.4 sin(2π (y_i + 1) t / T + φ_ij): in [0.1, 0.9], y_i + 1 whole periods,
    balanced classes; rows are the steps one after another.  [A15]"""
    T, n = 12, 2
    X, y = sine_sequences(90, length=T, n_features=n, n_classes=3, flatten=False, random_state=0)
    assert X.shape == (90, T, n) and np.bincount(y).tolist() == [30, 30, 30]
    assert 0.1 - 1e-6 <= X.min() and X.max() <= 0.9 + 1e-6
    rows, _ = sine_sequences(90, length=T, n_features=n, n_classes=3, random_state=0)
    np.testing.assert_array_equal(rows, X.reshape(90, T * n))
    for k in (1, 2):                  # 2 and 3 periods: the wave repeats after T / (k + 1) steps
        p = T // (k + 1)
        np.testing.assert_allclose(X[y == k][:, p:], X[y == k][:, :-p], atol=1e-6)
    assert len(np.unique(np.round(X[:, 0, 0], 4))) > 80      # random phases: starts differ


def test_sine_sequences_noise_and_bad_settings():
    X, _ = sine_sequences(20, length=8, n_classes=2, noise=0.5, random_state=0)
    assert 0.0 <= X.min() and X.max() <= 1.0 and X.min() < 0.1
    with pytest.raises(ValueError, match="n_classes=3 needs length > 6"):
        sine_sequences(10, length=6, n_classes=3)
    with pytest.raises(ValueError, match="length must be >= 2"):
        sine_sequences(10, length=1, n_classes=1)
