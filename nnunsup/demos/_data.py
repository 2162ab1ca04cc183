"""The digits every image demo trains on: MNIST, or synthetic shapes when it is absent."""
import types

import numpy

from ..datasets import DatasetNotFoundError, load_mnist, shapes_images


def digits(ctx, n_train, n_test):
    """MNIST (``n_train`` and ``n_test`` random images, None for all), or 2000 synthetic
    16 × 16 shapes split 1600 / 400 when MNIST cannot be loaded (said in ``name``)."""
    try:
        X, y = load_mnist("train", ctx.data, n_samples=n_train, random_state=ctx.seed,
                          download=ctx.download)
        X_test, y_test = load_mnist("test", ctx.data, n_samples=n_test, random_state=ctx.seed,
                                    download=ctx.download)
        name, shape = "MNIST", (28, 28)
    except DatasetNotFoundError as exc:
        ctx.log(f"MNIST not available ({exc.filename}); using synthetic shapes instead")
        X, y = shapes_images(2000, size=16, noise=0.1, random_state=ctx.seed)
        X, y, X_test, y_test = X[:1600], y[:1600], X[1600:], y[1600:]
        name, shape = "synthetic shapes (MNIST not found)", (16, 16)
    return types.SimpleNamespace(name=name, X=X, y=y, X_test=X_test, y_test=y_test,
                                 shape=shape, classes=numpy.unique(y))
