"""Demo "vae": the variational autoencoder on binarised MNIST, as on the slides.

1. a 784-400-20 and a 784-400-2 VAE trained by the SG algorithm [V1, V2, V3]: held-out
   ELBO, its reconstruction and KL parts [V4], and the importance-weighted estimate of
   log p(x) that shows how tight the ELBO is; the parts of the ELBO over training;
2. generation [V5]: digits decoded from z ∼ p(z), and variations of given digits
   x ∼ p(x | f(x_i, α, ε));
3. the 2-D latent space [V6]: the 15 × 15 grid of decoded digits and the scatter of the
   test digits' codes coloured by class;
4. latent arithmetic [V7]: interpolation between two digits' codes, the midpoint of two
   concepts (a thick and a thin 0), and their difference vector added to other digits,
   with the ink it adds measured.

Fast mode trains on 10,000 images for a few epochs; full mode on all 60,000 for 50.
"""
import time

import numpy

from .. import backend
from ..autoencoders import VAE, concept_vector
from ..datasets import binarize
from ..nn import losses
from ..plot import (image_grid, plot_code_map, plot_elbo_history, plot_interpolation,
                    plot_latent_arithmetic, plot_latent_grid, plot_variations)
from ._data import digits

TITLE = "Variational autoencoder"


def _binary_digits(ctx):
    """Binarised MNIST (a subset in fast mode), or binarised synthetic shapes without it."""
    d = digits(ctx, *((10000, 2000) if ctx.fast else (None, None)))
    d.name, d.grey = "binarised " + d.name, d.X
    d.X = binarize(d.X, random_state=ctx.seed)
    d.X_test = binarize(d.X_test, random_state=ctx.seed + 1)
    return d


# -- 1. [V1–V4] training and the bounds ----------------------------------------------------

def _train(ctx, plt, d):
    epochs = 8 if ctx.fast else 50
    n_eval, K = (1000, 100) if ctx.fast else (len(d.X_test), 1000)
    rows = ["| model | epochs | train s | test ELBO | reconstruction −E log p(x\\|z) | "
            f"KL(q ‖ p) | log p(x), IWAE-{K} | gap |", "|---|---|---|---|---|---|---|---|"]
    models, results = {}, {}
    for m in (20, 2):
        model = VAE((400, m), epochs=epochs, batch_size=100, learning_rate=1e-3,
                    random_state=ctx.seed, verbose=False)
        start = time.perf_counter()
        model.fit(d.X, X_val=d.X_test)
        seconds = time.perf_counter() - start
        X_eval = d.X_test[:n_eval]
        elbo = float(model.elbo(X_eval, n_samples=10, random_state=ctx.seed).mean())
        mu, log_var = model.encode(X_eval)
        kl = float(losses.kl_gauss_per_object(mu, log_var).mean())
        log_p = float(model.log_likelihood(X_eval, n_samples=K, random_state=ctx.seed).mean())
        models[m], results[m] = model, dict(elbo=elbo, kl=kl, log_p=log_p)
        rows.append(f"| `VAE((400, {m}))` | {epochs} | {seconds:.1f} | {elbo:.2f} | "
                    f"{-elbo - kl:.2f} | {kl:.2f} | {log_p:.2f} | {log_p - elbo:.2f} |")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, m in zip(axes, (20, 2)):
        plot_elbo_history(models[m].history_, ax=ax)
        ax.set_title(f"VAE((400, {m})): −ELBO = reconstruction + KL")
    ctx.figure(fig, "vae_history",
               "[V1, V4] The negative ELBO per training epoch (solid; dashed: the test set) "
               "and its two parts: the reconstruction term −E_q log p(x|z) falls while the KL "
               "term, the price of the codes, rises — the regulariser at work.")
    r20, r2 = results[20], results[2]
    ctx.text(f"**Training and the bounds [V1–V4].** Data: {d.name}, {len(d.X)} training and "
             f"{len(d.X_test)} test images, binarised once (each pixel 1 with probability "
             "its grey level). Adam (η = 1e-3, batches of 100), one ε per object per step "
             "(the SG algorithm of the slide, vectorised). Bounds in nats per image on "
             f"{n_eval} test images (ELBO: 10 samples of z; KL in closed form; log p(x): "
             f"the importance-weighted estimate with K = {K}):\n\n" + "\n".join(rows)
             + f"\n\nTest ELBO **{r20['elbo']:.2f}** (20-D) against **{r2['elbo']:.2f}** "
             f"(2-D); log p(x) ≈ {r20['log_p']:.2f} and {r2['log_p']:.2f}: the ELBO gives "
             f"away {r20['log_p'] - r20['elbo']:.2f} and {r2['log_p'] - r2['elbo']:.2f} nats "
             "(KL between q(z|x) and the true posterior, as far as K samples can show it).")
    return models


# -- 2. [V5] generation ----------------------------------------------------------------------

def _generation(ctx, plt, d, model):
    fig, axes = plt.subplots(1, 2, figsize=(12, 6), gridspec_kw={"width_ratios": [1, 1.15]})
    image_grid(model.sample(64, mean=True, random_state=ctx.seed), shape=d.shape, ncols=8,
               ax=axes[0], vmin=0, vmax=1)
    axes[0].set_title("x = E p(x|z), z ∼ N(0, I)")
    first = [int(numpy.flatnonzero(d.y_test == c)[0]) for c in numpy.unique(d.y_test)][:8]
    X = d.X_test[first]
    plot_variations(X, model.variations(X, n_variations=8, random_state=ctx.seed),
                    shape=d.shape, ax=axes[1])
    ctx.figure(fig, "vae_generation",
               "[V5] Left: 64 new digits from the 20-D VAE, z drawn from the prior N(0, I) and "
               "decoded (pixel probabilities shown). Right: variations of test digits, "
               "x ∼ p(x | f(x_i, α, ε)) with ε ∼ N(0, I): the digit stays, its style varies.")


# -- 3. [V6] the 2-D latent space --------------------------------------------------------------

def _latent_map(ctx, plt, d, model):
    fig, axes = plt.subplots(1, 2, figsize=(14, 6.5))
    plot_latent_grid(model.inverse_transform, d.shape, n=15, ax=axes[0], spacing="quantile")
    axes[0].set_title("decoded 15 × 15 grid of prior quantiles")
    Z = backend.to_numpy(model.transform(d.X_test))
    plot_code_map(Z, d.y_test, ax=axes[1], s=3)
    axes[1].set_title("μ(x) of the test digits")
    ctx.figure(fig, "vae_latent_2d",
               "[V6] The 784-400-2 VAE, as on the slide \"VAE na MNIST\": the decoder over a "
               "15 × 15 grid of codes at the prior's quantiles 0.05 … 0.95 (each cell the same "
               "prior mass), and the encoded test digits coloured by class.")
    inside = float((numpy.abs(Z) < 3).all(axis=1).mean())
    ctx.text(f"**The 2-D latent space [V6].** {100 * inside:.1f} % of the test codes μ(x) lie "
             "inside [−3, 3]², where the prior N(0, I) puts 99.5 % of its mass: the KL term "
             "pulls the codes towards the prior without making their distribution equal to "
             "it, and the grid of prior quantiles decodes to digit-like images throughout.")


# -- 4. [V7] latent arithmetic ------------------------------------------------------------------

def _arithmetic(ctx, plt, d, model):
    classes = numpy.unique(d.y_test)
    a, b = (int(numpy.flatnonzero(d.y_test == c)[0])            # a 1 and a 7 on MNIST
            for c in classes[[1, min(7, len(classes) - 1)]])
    Z_test = model.transform(d.X_test)
    fig, axes = plt.subplots(3, 1, figsize=(10, 7), gridspec_kw={"height_ratios": [1, 1, 3]})
    plot_interpolation(model.inverse_transform, Z_test[a], Z_test[b], d.shape, n_steps=10,
                       ax=axes[0])
    plot_interpolation(model.inverse_transform, Z_test[a], Z_test[b], d.shape, n_steps=10,
                       method="slerp", ax=axes[1])
    ink = d.grey.mean(axis=1)                       # stroke mass of every training image
    members = numpy.flatnonzero(d.y == classes[0])  # the 0s of MNIST
    low, high = numpy.quantile(ink[members], [0.2, 0.8])
    Z = model.transform(d.X[members])
    Z_thick, Z_thin = Z[ink[members] >= high], Z[ink[members] <= low]
    z_thick, z_thin = Z_thick.mean(axis=0), Z_thin.mean(axis=0)
    direction = concept_vector(Z_thick, Z_thin)                 # thick − thin
    first = [int(numpy.flatnonzero(d.y_test == c)[0]) for c in numpy.unique(d.y_test)][:8]
    plot_latent_arithmetic(model.inverse_transform, z_thick, z_thin, Z_test[first], d.shape,
                           ax=axes[2], labels=("thick", "thin"))
    ctx.figure(fig, "vae_arithmetic",
               "[V7] Top: linear and spherical interpolation between the codes of two test "
               f"digits. Bottom: the mean codes of the thick and the thin {classes[0]}s of the "
               "training set (top and bottom fifth by ink) with their midpoint; test digits c, "
               "and c + (thick − thin): the difference vector of two concepts added to a third.")
    before = backend.to_numpy(model.inverse_transform(Z_test[:500])).mean(axis=1)
    after = backend.to_numpy(model.inverse_transform(Z_test[:500] + direction)).mean(axis=1)
    ctx.text(f"**Latent arithmetic [V7].** Adding the \"thick − thin\" vector of the "
             f"{classes[0]}s (norm "
             f"{float((direction ** 2).sum()) ** 0.5:.2f}) to the codes of 500 test digits raises the "
             f"ink of the decoded images from {before.mean():.3f} to **{after.mean():.3f}** "
             f"(mean pixel); {100 * (after > before).mean():.0f} % of the digits get more ink.")


def run(ctx):
    import matplotlib.pyplot as plt

    d = _binary_digits(ctx)
    ctx.log("1. training the 20-D and the 2-D VAE [V1–V4]")
    models = _train(ctx, plt, d)
    ctx.log("2. generation [V5]")
    _generation(ctx, plt, d, models[20])
    ctx.log("3. the 2-D latent space [V6]")
    _latent_map(ctx, plt, d, models[2])
    ctx.log("4. latent arithmetic [V7]")
    _arithmetic(ctx, plt, d, models[20])
