"""The convolutional autoencoder on small images."""
import numpy as np
import pytest

from nnunsup.autoencoders import ConvAutoencoder
from nnunsup.datasets import shapes_images
from nnunsup.nn import gradcheck


@pytest.mark.parametrize("kwargs", [dict(), dict(code_size=5, activation="tanh"),
                                    dict(loss="mse", hidden_sizes=(3,))])
def test_gradient(float64, rng, kwargs):
    """Conv + pool encoder, upsample + transposed-conv decoder: the whole objective passes
    gradcheck (step h = 3e-5: some entries are ~1e-4 of the largest gradient, so the
    default 1e-5 meets round-off and 1e-4 the h² truncation error).  [A12]"""
    X = rng.uniform(0.05, 0.95, (3, 64))
    model = ConvAutoencoder(**{"hidden_sizes": (3, 2), **kwargs}, image_shape=(1, 8, 8),
                            epochs=1, random_state=0).fit(X)
    assert gradcheck(model, X, h=3e-5).max_rel_error < 1e-6


def test_codes_and_reconstructions(rng):
    """Codes are the last feature map (or the dense code); reconstructions are image rows."""
    X = rng.uniform(0, 1, (4, 2 * 8 * 8))
    model = ConvAutoencoder((4, 3), image_shape=(2, 8, 8), epochs=1, random_state=0).fit(X)
    Z = model.transform(X)
    assert Z.shape == (4, 3 * 2 * 2)
    assert model.inverse_transform(Z).shape == (4, 128)
    dense = ConvAutoencoder((4,), image_shape=(2, 8, 8), code_size=6, epochs=1).fit(X)
    assert dense.transform(X).shape == (4, 6)


def test_training_learns_shapes():
    """On 16 × 16 synthetic shapes the cross-entropy falls by a third within 8 epochs.  [A12]"""
    X, _ = shapes_images(400, size=16, random_state=0)
    model = ConvAutoencoder((8, 4), image_shape=(1, 16, 16), epochs=8, learning_rate=3e-3,
                            random_state=0).fit(X)
    loss = model.history_["loss"]
    assert loss[-1] < 0.67 * loss[0]


@pytest.mark.parametrize("kwargs, width, message", [
    (dict(image_shape=(1, 28, 28)), 64, "X has 64 features, but image_shape"),
    (dict(image_shape=(1, 10, 10)), 100, "divisible by 2\\^2 = 4"),
    (dict(image_shape=(8, 8)), 64, "image_shape must be \\(C, H, W\\)"),
    (dict(image_shape=(1, 8, 8), kernel_size=4), 64, "kernel_size must be odd"),
])
def test_bad_input(kwargs, width, message):
    """Images that do not fit the architecture are refused with the reason."""
    with pytest.raises(ValueError, match=message):
        ConvAutoencoder((2, 2), epochs=1, **kwargs).fit(np.full((2, width), 0.5))
