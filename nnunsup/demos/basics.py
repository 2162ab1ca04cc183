"""Demo "basics": the hand-written building blocks at work.

1. every layer and loss passes a float64 gradient check (the table of worst errors);
2. a two-layer perceptron separates two concentric rings (decision regions, loss curve);
3. a perceptron on MNIST digits (or small synthetic images when MNIST is not at hand):
   accuracy, training and validation loss, first-layer weights as images.
"""
import numpy

from .. import nn
from ..datasets import DatasetNotFoundError, load_mnist, rings, shapes_images
from ..nn import losses
from ..plot import image_grid, plot_decision_regions, plot_history

TITLE = "Basics: layers, gradient checks and the training loop"


def _gradient_table(rng):
    x = rng.standard_normal((6, 5))
    p = rng.uniform(0.1, 0.9, (6, 5))
    t = rng.uniform(0, 1, (6, 5))
    image = rng.permutation(2 * 2 * 6 * 6).reshape(2, 2, 6, 6) / 10.0   # distinct: no max ties
    cases = [
        ("Linear", nn.Linear(5, 4), (x,), {}),
        ("Sigmoid", nn.Sigmoid(), (x,), {}),
        ("Tanh", nn.Tanh(), (x,), {}),
        ("ReLU", nn.ReLU(), (x + 0.05 * numpy.sign(x),), {}),
        ("LeakyReLU", nn.LeakyReLU(0.1), (x + 0.05 * numpy.sign(x),), {}),
        ("Softplus", nn.Softplus(), (x,), {}),
        ("Softmax", nn.Softmax(), (x,), {}),
        ("MLP 5-8-3 (tanh, sigmoid out)", nn.mlp([5, 8, 3], "tanh", "sigmoid"), (x,), {}),
        ("Conv2d 2→3, 3×3, stride 2, pad 1", nn.Conv2d(2, 3, 3, stride=2, padding=1), (image,), {}),
        ("ConvTranspose2d 2→3, 4×4, stride 2", nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1),
         (image,), {}),
        ("MaxPool2d 2×2", nn.MaxPool2d(2), (image,), {}),
        ("Upsample2d ×2", nn.Upsample2d(2), (image,), {}),
        ("mse", losses.mse, (p, t), {}),
        ("bce", losses.bce, (p, t), {}),
        ("bce_with_logits", losses.bce_with_logits, (x, t), {}),
        ("softmax_ce", losses.softmax_ce, (x, numpy.arange(6) % 5), {}),
        ("gaussian_nll", losses.gaussian_nll, (t, x, p), {"wrt": (1, 2)}),
        ("kl_gauss [V4]", losses.kl_gauss, (x, p), {"wrt": (0, 1)}),
        ("kl_bernoulli", losses.kl_bernoulli, (0.05, p[0]), {"wrt": (1,)}),
    ]
    rows = ["| block | worst relative error | where |", "|---|---|---|"]
    for name, target, inputs, kwargs in cases:
        result = nn.gradcheck(target, *inputs, **kwargs)
        rows.append(f"| {name} | {result.max_rel_error:.1e} | {result.where[0]} |")
    return "\n".join(rows)


def _digits(ctx):
    """MNIST (a subset in fast mode), or synthetic shapes when it cannot be loaded."""
    n_train, n_test = (10000, 2000) if ctx.fast else (60000, 10000)
    try:
        X, y = load_mnist("train", ctx.data, n_samples=n_train, random_state=ctx.seed,
                          download=ctx.download)
        X_test, y_test = load_mnist("test", ctx.data, n_samples=n_test, random_state=ctx.seed,
                                    download=ctx.download)
        return "MNIST", X, y, X_test, y_test, (28, 28)
    except DatasetNotFoundError as exc:
        ctx.log(f"MNIST not available ({exc.filename}); using synthetic shapes instead")
        X, y = shapes_images(3000, size=16, noise=0.1, random_state=ctx.seed)
        return "synthetic shapes (MNIST not found)", X[:2400], y[:2400], X[2400:], y[2400:], (16, 16)


def run(ctx):
    import matplotlib.pyplot as plt

    rng = numpy.random.default_rng(ctx.seed)
    ctx.log("gradient checks in float64")
    ctx.text("Every hand-written backward pass against central finite differences in float64 "
             "(`nnunsup.nn.gradcheck`; a check passes below 1e-6):\n\n" + _gradient_table(rng))

    ctx.log("perceptron on two rings")
    X, y = rings(600, noise=0.08, random_state=ctx.seed)
    model = nn.MLPClassifier((16, 16), activation="tanh", epochs=60 if ctx.fast else 200,
                             learning_rate=1e-2, random_state=ctx.seed, verbose=False).fit(X, y)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    plot_decision_regions(model.predict, X, y, ax=left)
    left.set_title(f"decision regions, accuracy {model.score(X, y):.3f}")
    plot_history(model.history_, ax=right)
    right.set_title("softmax cross-entropy per epoch")
    ctx.figure(fig, "basics_rings", "A 2-16-16-2 tanh perceptron separates two rings.")

    name, X, y, X_test, y_test, shape = _digits(ctx)
    ctx.log(f"perceptron on {name}: {X.shape[0]} training images")
    model = nn.MLPClassifier((128,), epochs=8 if ctx.fast else 20, batch_size=128,
                             random_state=ctx.seed, verbose=ctx.stream.isatty())
    model.fit(X, y, X_val=X_test, y_val=y_test)
    accuracy = model.score(X_test, y_test)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot_history(model.history_, ax=left)
    left.set_title(f"{name}: test accuracy {accuracy:.3f}")
    image_grid(model.params["net.0.W"][:50], shape=shape, ncols=10, ax=right, normalize=True)
    right.set_title("first-layer weights W[j] as images")
    ctx.figure(fig, "basics_digits", f"A {X.shape[1]}-128-{len(model.classes_)} perceptron "
               f"on {name}: loss curves and the first 50 hidden units' weights.")
    ctx.text(f"Test accuracy on {name}: **{accuracy:.4f}** after {model.history_.epochs} epochs "
             f"({sum(model.history_['time']):.1f} s of training).")
