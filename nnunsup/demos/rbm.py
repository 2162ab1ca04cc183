"""Demo "rbm": restricted Boltzmann machines, deep belief networks and the RBM-pretrained deep
autoencoder, in the slides' order.

1. the true objective during training [R3, R4, R5]: the exact log-likelihood of RBMs on
   4 × 4 bars and stripes (16 visible units: Z by enumeration) under CD-1, CD-5 and PCD-1;
2. an RBM on binarised MNIST [R5, R6]: its filters, Gibbs chains, reconstructions, the
   pseudo-likelihood and the AIS estimate of the test log-likelihood;
3. a DBN [R7, R9]: samples from the top-level chain, and a classifier fine-tuned from it on
   a few labels against the same net from a random start;
4. the deep autoencoder [R8, R9]: RBM pre-training, unrolling and fine-tuning, against PCA
   and against the same net without pre-training.

Fast mode trains briefly on 10,000 images; full mode on all 60,000, longer.  The paper's
784-1000-500-250-30 deep autoencoder is measured by ``benchmarks/deep_autoencoder_mnist.py``.
"""
import time

import numpy

from .. import backend
from ..autoencoders import pca, pca_reconstruction_error
from ..datasets import bars_and_stripes, binarize
from ..nn import MLPClassifier
from ..plot import image_grid, plot_filters, plot_gibbs_chains, plot_reconstructions
from ..rbm import DBN, BernoulliRBM, DeepAutoencoder
from ._data import digits

TITLE = "Restricted Boltzmann machines and deep belief networks"


# -- 1. [R3, R4, R5] the exact log-likelihood during training ----------------------------------

def _exact_likelihood(ctx, plt):
    X, _ = bars_and_stripes(4, 2000, random_state=ctx.seed)
    epochs = 60 if ctx.fast else 200
    runs = {"CD-1": dict(k=1), "CD-5": dict(k=5),
            "PCD-1": dict(persistent=True, learning_rate=0.05)}
    curves, seconds = {}, {}
    for name, kwargs in runs.items():
        model = BernoulliRBM(12, epochs=1, batch_size=20, random_state=ctx.seed,
                             **{"learning_rate": 0.1, **kwargs}).init_params(16)
        curve, start = [float(model.log_likelihood(X).mean())], time.perf_counter()
        for _ in range(epochs):
            model.partial_fit(X)
            curve.append(float(model.log_likelihood(X).mean()))       # exact: 2^12 states
        curves[name], seconds[name] = curve, time.perf_counter() - start
    best = -numpy.log(len(numpy.unique(X, axis=0)))
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, curve in curves.items():
        ax.plot(numpy.arange(len(curve)), curve, label=name)
    ax.axhline(best, color="gray", ls="--", label="−log 30 (uniform over the patterns)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("(1/N) Σ log p(x_i), nats")
    ax.legend()
    ctx.figure(fig, "rbm_exact_likelihood",
               "[R4, R5] The objective of the slide, L = (1/N) Σ log P(x_i), computed exactly "
               "(Z by enumerating the 2^12 hidden states) while RBMs with 12 hidden units learn "
               "4 × 4 bars and stripes by CD-1, CD-5 and persistent CD-1.")
    rows = "\n".join(f"| {name} | {curve[0]:.2f} | {curve[-1]:.2f} | {max(curve):.2f} | "
                     f"{seconds[name]:.1f} s |" for name, curve in curves.items())
    ctx.text(f"**The true objective during training [R3, R4, R5].** 4 × 4 bars and stripes "
             f"({len(X)} objects, 30 distinct patterns, 16 visible units), 12 hidden units, "
             f"{epochs} epochs, batches of 20, plain SGD (ε = 0.1; PCD 0.05). CD never "
             "computes log p(x); here it "
             "is exact, because summing the visible units out leaves 2^12 hidden states:\n\n"
             "| rule | start | end | best | training |\n|---|---|---|---|---|\n" + rows +
             f"\n\nThe best possible is −log 30 = {best:.2f}. The start is −16 log 2 = "
             f"{-16 * numpy.log(2):.2f} (all weights near 0: every state equally likely).")


# -- 2. [R5, R6] an RBM on MNIST -------------------------------------------------------------

def _mnist_rbm(ctx, plt, d):
    epochs, n_betas = (5, 2000) if ctx.fast else (20, 14500)
    model = BernoulliRBM(256, epochs=epochs, learning_rate=0.05, optimizer="momentum",
                         random_state=ctx.seed, verbose=False)
    start = time.perf_counter()
    model.fit(d.B)
    seconds = time.perf_counter() - start
    fig, axes = plt.subplots(1, 2, figsize=(14, 6.5))
    plot_filters(model.params["W"], d.shape, n=100, ax=axes[0])
    axes[0].set_title("filters w_j of 100 hidden units")
    chains, snapshots = d.B_test[:6], []
    for _ in range(8):                                       # every 25 steps of the chains
        snapshots.append(backend.to_numpy(chains))
        chains = model.gibbs(chains, k=25, random_state=len(snapshots))
    plot_gibbs_chains(numpy.stack(snapshots), d.shape, ax=axes[1])
    axes[1].set_title("6 Gibbs chains from test digits, every 25 steps")
    ctx.figure(fig, "rbm_mnist",
               f"[R6] An RBM with 256 hidden units trained by CD-1 ({epochs} epochs) on "
               f"{len(d.B)} binarised {d.name} images: the filters w_j (weights into one hidden "
               "unit, as on the slide \"Filtry RBM na MNIST\"), and block-Gibbs chains started "
               "at test digits, which wander from digit to digit.")
    fig, ax = plt.subplots(figsize=(10, 2.4))
    plot_reconstructions([d.B_test[:10], model.reconstruct(d.B_test[:10])], shape=d.shape,
                         ax=ax, labels=["x", "E[x | E[h | x]]"])
    ctx.figure(fig, "rbm_reconstructions", "[R2] Test digits and their mean-field "
               "reconstructions through the 256 hidden units.")
    p = numpy.clip(backend.to_numpy(d.B).mean(axis=0), 1e-3, 1 - 1e-3)
    log_z, low, high = model.log_partition("ais", n_chains=100, n_betas=n_betas,
                                           base_a=numpy.log(p / (1 - p)), random_state=ctx.seed)
    test_ll = float(-model.free_energy(d.B_test).mean() - log_z)
    ctx.text(f"**An RBM on {d.name} [R5, R6].** 256 hidden units, CD-1 with momentum "
             f"(ε = 0.05, batches of 100), {epochs} epochs in {seconds:.1f} s. Pseudo-log-"
             f"likelihood per pixel on the test images {model.score(d.B_test):.3f}. AIS "
             f"(100 chains, {n_betas} temperatures, base rate = the pixel log-odds): log Z ≈ "
             f"{log_z:.1f} (±3 SD: [{low:.1f}, {high:.1f}]), so the test log-likelihood is about "
             f"**{test_ll:.1f}** nats per image (the VAE demo's 20-D model reaches about −100 "
             "after 50 epochs).")


# -- 3. [R7, R9] a DBN ---------------------------------------------------------------------------

def _dbn(ctx, plt, d):
    epochs, labels = (5, 200) if ctx.fast else (20, 200)
    dbn = DBN((256, 128), epochs=epochs, random_state=ctx.seed, verbose=False)
    start = time.perf_counter()
    dbn.fit(d.B)
    seconds = time.perf_counter() - start
    fig, ax = plt.subplots(figsize=(6, 6))
    image_grid(dbn.sample(36, n_gibbs=1000, random_state=ctx.seed), shape=d.shape, ncols=6,
               ax=ax, vmin=0, vmax=1)
    ax.set_title("DBN samples: 1000 Gibbs steps in the top RBM, then down")
    ctx.figure(fig, "rbm_dbn_samples",
               "[R7] Generation by the DBN: a Gibbs chain in the top RBM (128 hidden units over "
               "the 256 of the first layer), then one pass down through the first RBM's "
               "P(x | h¹); pixel probabilities shown.")
    settings = dict(epochs=100, batch_size=20, learning_rate=0.1, optimizer="sgd",
                    random_state=ctx.seed, verbose=False)
    X, y = d.B[:labels], d.y[:labels]
    pretrained = dbn.classifier(numpy.unique(d.y), **settings).fit(X, y)
    scratch = MLPClassifier((256, 128), activation="sigmoid", **settings).fit(X, y)
    acc = {name: float((backend.to_numpy(m.predict(d.B_test)) == d.y_test).mean())
           for name, m in (("pre", pretrained), ("scratch", scratch))}
    ctx.text(f"**A deep belief network [R7, R9].** DBN((256, 128)) pre-trained greedily on the "
             f"{len(d.B)} unlabelled images ({epochs} CD-1 epochs per layer, {seconds:.1f} s), "
             f"then a sigmoid 256-128 classifier fine-tuned by backpropagation on only {labels} "
             f"labelled ones (SGD, 100 epochs): test accuracy **{acc['pre']:.3f}**, against "
             f"**{acc['scratch']:.3f}** for the same net and budget from a random start — "
             "pre-training as regularisation, as in Erhan et al. (2010).")


# -- 4. [R8, R9] the deep autoencoder ---------------------------------------------------------

def _deep_autoencoder(ctx, plt, d):
    # the paper's 784-1000-500-250-30 net takes 20 minutes: benchmarks/deep_autoencoder_mnist.py
    sizes, pre, fine = (256, 128, 30), 10, (15 if ctx.fast else 30)
    results = {}
    for name, pretrain in (("pre-trained", True), ("from scratch", False)):
        model = DeepAutoencoder(sizes, pretrain=pretrain, pretrain_epochs=pre, epochs=fine,
                                random_state=ctx.seed, verbose=False)
        start = time.perf_counter()
        model.fit(d.grey)
        results[name] = (model, model.reconstruction_error(d.grey_test),
                         time.perf_counter() - start)
    U, mean, _ = pca(d.grey, sizes[-1])
    pca_error = pca_reconstruction_error(d.grey_test, U, mean)
    show = [int(numpy.flatnonzero(d.y_test == c)[0]) for c in numpy.unique(d.y_test)][:10]
    X = d.grey_test[show]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    plot_reconstructions([X, results["pre-trained"][0].reconstruct(X),
                          results["from scratch"][0].reconstruct(X),
                          (X - mean) @ U @ U.T + mean], shape=d.shape, ax=ax,
                         labels=["test digits", "deep AE", "no pre-training", "PCA"])
    ctx.figure(fig, "rbm_deep_autoencoder",
               f"[R8] Reconstructions from {sizes[-1]} numbers: the RBM-pretrained deep "
               f"autoencoder {d.shape[0] * d.shape[1]}-{'-'.join(map(str, sizes))}, the same "
               "net fine-tuned from a random start, and PCA (Hinton & Salakhutdinov 2006, "
               "Fig. 2B).")
    (_, err, sec), (_, err0, sec0) = results["pre-trained"], results["from scratch"]
    ctx.text(f"**The deep autoencoder [R8, R9].** {'-'.join(map(str, sizes))}: {pre} CD-1 "
             f"epochs per RBM (the top one with linear code units), unrolled, {fine} epochs of "
             f"fine-tuning on the cross-entropy ({sec:.0f} s in all). Average squared error per "
             f"test image: deep AE **{err:.2f}**, the same net from a random start "
             f"**{err0:.2f}** ({sec0:.0f} s), PCA with {sizes[-1]} components **{pca_error:.2f}** "
             f"(ratio deep AE / PCA {err / pca_error:.2f}; the paper: 3.00 against 13.87, after "
             "50 epochs per RBM and 200 of fine-tuning).")


def run(ctx):
    import matplotlib.pyplot as plt

    d = digits(ctx, *((10000, 2000) if ctx.fast else (None, None)))
    d.grey, d.grey_test = d.X, d.X_test
    d.B = binarize(d.X, random_state=ctx.seed)
    d.B_test = binarize(d.X_test, random_state=ctx.seed + 1)
    ctx.text(f"Data: {d.name}, {len(d.X)} training and {len(d.X_test)} test images "
             f"({'fast mode: a subset, brief training' if ctx.fast else 'full mode'}); the "
             "RBMs and the DBN see them binarised once, the deep autoencoder's first RBM reads "
             "the grey levels as probabilities, as in the paper.")
    ctx.log("1. the exact log-likelihood during training [R4, R5]")
    _exact_likelihood(ctx, plt)
    ctx.log("2. an RBM on the digits [R5, R6]")
    _mnist_rbm(ctx, plt, d)
    ctx.log("3. a deep belief network [R7, R9]")
    _dbn(ctx, plt, d)
    ctx.log("4. the deep autoencoder [R8, R9]")
    _deep_autoencoder(ctx, plt, d)
