"""Demo "gan": generative adversarial networks, their training dynamics, and digits.

1. the theory [G2]: for known 1-D densities the optimal discriminator
   D* = p_data / (p_data + p_g) turns the criterion into −log 4 + 2 JSD;
2. saturation [G3, G4]: early in training D rejects the fakes, and the minimax loss's
   gradient for the generator all but vanishes while the non-saturating one's does not;
3. the dynamics on the 8-Gaussian ring [G6]: samples over training for both generator
   losses, D's decision surface, both players' losses, and the modes covered;
4. digits [G1, G5]: an MLP GAN and a DCGAN trained on MNIST.

Fast mode trains briefly on 10,000 digits; full mode on all 60,000, longer.
"""
import math
import time

import numpy

from .. import backend
from ..datasets import make_2d_mixture
from ..gan import (DCGAN, GAN, jensen_shannon, mode_coverage, optimal_discriminator,
                   ring_centers)
from ..nn import Adam
from ..plot import image_grid, plot_decision_surface, plot_gan_losses, plot_gan_snapshots
from ._data import digits

TITLE = "Generative adversarial networks"


def _log_normal(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std * math.sqrt(2 * math.pi))


# -- 1. [G2] the optimal discriminator ----------------------------------------------------------

def _theory(ctx, plt):
    grid = numpy.linspace(-25, 25, 20001)
    dx = grid[1] - grid[0]
    log_data = numpy.logaddexp(_log_normal(grid, -2, 0.5), _log_normal(grid, 2, 0.5)) - math.log(2)
    p_data = numpy.exp(log_data)
    rows = []
    fig, ax = plt.subplots(figsize=(7, 3.5))
    show = numpy.abs(grid) <= 8
    ax.plot(grid[show], p_data[show], "k", label="p_data")
    for mean, std in ((0.0, 3.0), (0.5, 1.5), (2.0, 0.5)):
        log_g = _log_normal(grid, mean, std)
        p_g = numpy.exp(log_g)
        D = optimal_discriminator(p_data[show], p_g[show])    # where both are > 0
        log_sum = numpy.logaddexp(log_data, log_g)           # log D*, log(1 − D*) without
        value = float((p_data * (log_data - log_sum)).sum() * dx   # underflow where one
                      + (p_g * (log_g - log_sum)).sum() * dx)      # density vanishes
        jsd = jensen_shannon(p_data, p_g, dx)
        rows.append(f"| N({mean:g}, {std:g}²) | {value:.4f} | {-math.log(4) + 2 * jsd:.4f} | "
                    f"{jsd:.4f} |")
        line, = ax.plot(grid[show], p_g[show], ls="--", label=f"p_g = N({mean:g}, {std:g}²)")
        ax.plot(grid[show], D, color=line.get_color(), lw=0.8)
    ax.set_xlabel("x")
    ax.legend(fontsize="small")
    ctx.figure(fig, "gan_optimal_discriminator",
               "[G2] A bimodal p_data, three generators p_g (dashed) and, thin, the best "
               "discriminator against each, D*(x) = p_data(x) / (p_data(x) + p_g(x)).")
    ctx.text("**The theory behind the game [G2].** With D at its optimum the criterion "
             "E log D*(x) + E log(1 − D*(G(z))) equals −log 4 + 2 JSD(p_data ‖ p_g): the "
             "generator's game minimises the Jensen–Shannon divergence (Goodfellow et al. "
             "2014). Both sides by quadrature:\n\n| p_g | criterion at D* | −log 4 + 2 JSD | "
             "JSD |\n|---|---|---|---|\n" + "\n".join(rows))


# -- 2. [G3, G4] saturation ------------------------------------------------------------------

def _saturation(ctx, plt):
    rng = numpy.random.default_rng(ctx.seed)
    X = (5 + 0.1 * rng.standard_normal((6400, 1))).astype(numpy.float32)
    model = GAN(2, (64,), (64,), output_activation="identity",
                random_state=ctx.seed).init_params(1)
    z = rng.standard_normal((128, 2)).astype(numpy.float32)
    adam, rows = Adam(1e-2), []
    for step in range(101):
        if step % 25 == 0:
            d_fake = float(model.discriminate(model.sample(z=z)).mean())
            norms = {}
            for kind in ("minimax", "non_saturating"):
                model.set_params(generator_loss=kind)
                _, grads = model.loss_and_grads(X[:128], z=z, player="G")
                norms[kind] = math.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
            rows.append(f"| {step} | {d_fake:.3f} | {norms['minimax']:.3f} | "
                        f"{norms['non_saturating']:.3f} |")
        batch = X[rng.choice(len(X), 128)]
        adam.step(model.params, model.loss_and_grads(batch, player="D")[1])
    ctx.text("**Saturation of the minimax loss [G3, G4].** Data N(5, 0.1²), an untrained "
             "generator near 0, the discriminator trained alone (Adam, 1e-2). The norm of "
             "∂L_G/∂α for the same 128 z, by the two generator losses of the slides:\n\n"
             "| D steps | mean D(G(z)) | ‖∇L_G‖ minimax ½ log(1 − D) | ‖∇L_G‖ non-saturating "
             "−½ log D |\n|---|---|---|---|\n" + "\n".join(rows) +
             "\n\nPer object the two gradients differ by the factor σ(l)/σ(−l) = D/(1 − D): "
             "where D rejects the fakes, the minimax generator hardly learns.")


# -- 3. [G6] the 8-Gaussian ring -------------------------------------------------------------------

def _ring(ctx, plt):
    X, _ = make_2d_mixture(12800, random_state=ctx.seed)
    X = X.astype(numpy.float32)
    epochs = 20 if ctx.fast else 60
    checkpoints = sorted({1, epochs // 4, epochs // 2, epochs})
    z = numpy.random.default_rng(ctx.seed).standard_normal((1000, 2)).astype(numpy.float32)
    rows, models = [], {}
    fig, axes = plt.subplots(2, len(checkpoints), figsize=(3 * len(checkpoints), 6.2))
    for r, kind in enumerate(("non_saturating", "minimax")):
        model = GAN(2, (128, 128), (128, 128), output_activation="identity",
                    generator_loss=kind, epochs=1, batch_size=256, learning_rate=1e-3,
                    random_state=ctx.seed, verbose=False).init_params(2)
        snapshots, start = [], time.perf_counter()
        for epoch in range(1, epochs + 1):
            model.partial_fit(X)
            if epoch in checkpoints:
                snapshots.append(backend.to_numpy(model.sample(z=z)))
        seconds = time.perf_counter() - start
        steps = [c * math.ceil(len(X) / 256) for c in checkpoints]
        plot_gan_snapshots(snapshots, X[:2000], axes=axes[r],
                           labels=[f"{kind.replace('_', '-')}, step {s}" for s in steps])
        result = mode_coverage(snapshots[-1], ring_centers(), std=0.1)
        rows.append(f"| {kind.replace('_', '-')} | {result['modes']} of 8 | "
                    f"{100 * result['good']:.0f} % | {seconds:.1f} s |")
        models[kind] = model
    ctx.figure(fig, "gan_ring_snapshots",
               "[G6] Samples (red) of two GANs on the 8-Gaussian ring (grey) over training, "
               "the same z throughout: above with the non-saturating generator loss, below "
               "with the minimax one.")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    model = models["non_saturating"]
    plot_decision_surface(model.discriminate, X[:2000], backend.to_numpy(model.sample(z=z)),
                          ax=axes[0])
    plot_gan_losses(model.history_, ax=axes[1])
    ctx.figure(fig, "gan_ring_dynamics",
               "[G6] The non-saturating GAN at the end: the discriminator's D(x) over the "
               "plane with the data (black) and samples (red), and both players' losses and "
               "D's mean verdicts per epoch.")
    ctx.text(f"**Training dynamics on the 8-Gaussian ring [G6].** z ∈ R², 128-128 MLPs, "
             f"Adam (1e-3, β₁ = 0.5), batches of 256, {epochs} epochs of 50 steps. A sample "
             "is good within 3 σ (σ = 0.1 here, generous: the modes have σ = 0.02) of a "
             "mode; a mode is covered with 1 % of the samples:\n\n| generator loss | modes "
             "covered | good samples | training |\n|---|---|---|---|\n" + "\n".join(rows))


# -- 4. [G1, G5] digits ---------------------------------------------------------------------------

def _digits(ctx, plt, d):
    gan_epochs, dc_epochs = (10, 1) if ctx.fast else (30, 5)
    z = numpy.random.default_rng(ctx.seed).standard_normal((36, 64)).astype(numpy.float32)
    channels = (32, 16) if ctx.fast else (64, 32)
    runs = [("MLP GAN", GAN(64, (256,), (256,), epochs=gan_epochs, random_state=ctx.seed,
                            verbose=False)),
            ("DCGAN", DCGAN(64, image_shape=(1, *d.shape), channels=channels,
                            epochs=dc_epochs, random_state=ctx.seed, verbose=False))]
    fig, axes = plt.subplots(1, 2, figsize=(12, 6))
    rows = []
    for ax, (name, model) in zip(axes, runs):
        start = time.perf_counter()
        model.fit(d.X)
        seconds = time.perf_counter() - start
        image_grid(model.sample(z=z), shape=d.shape, ncols=6, ax=ax, vmin=0, vmax=1)
        ax.set_title(f"{name}, {model.epochs} epochs")
        h = model.history_
        rows.append(f"| {name} | {model.epochs} | {seconds:.0f} s | {h['d_real'][-1]:.2f} | "
                    f"{h['d_fake'][-1]:.2f} |")
    ctx.figure(fig, "gan_digits",
               f"[G1, G5] Samples G(z) of an MLP GAN (64-256-784 against 784-256-1) and of a "
               f"DCGAN (transposed convolutions up, strided convolutions down, channels "
               f"{channels}) trained on {len(d.X)} {d.name} images; the same z for both.")
    ctx.text(f"**Digits [G1, G5].** {d.name}, {len(d.X)} images, the non-saturating loss, "
             "Adam (2e-4, β₁ = 0.5):\n\n| model | epochs | training | mean D(x) | mean "
             "D(G(z)) |\n|---|---|---|---|---|\n" + "\n".join(rows))


def run(ctx):
    import matplotlib.pyplot as plt

    ctx.log("1. the optimal discriminator [G2]")
    _theory(ctx, plt)
    ctx.log("2. saturation of the minimax loss [G3, G4]")
    _saturation(ctx, plt)
    ctx.log("3. the 8-Gaussian ring [G6]")
    _ring(ctx, plt)
    ctx.log("4. digits [G1, G5]")
    d = digits(ctx, *((10000, 1000) if ctx.fast else (None, 1000)))
    _digits(ctx, plt, d)
