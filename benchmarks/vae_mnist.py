"""The VAE on binarised MNIST: held-out ELBO and log-likelihood of a 784-400-20 and a
784-400-2 model, and the figures of the slides.  [V1, V5, V6]

Trains on the 60,000 training images and evaluates on the 10,000 test images, both
binarised stochastically once with fixed seeds (``nnunsup.datasets.binarize``).  Reports,
per model, the test ELBO (10 samples of z per image; the KL is exact) and the
importance-weighted estimate of log p(x) for K = 1, 10, 100 and 1000 samples, and writes
``vae_samples.png`` (64 samples of the 20-D model), ``vae_grid.png`` (the 15 × 15 grid of
the 2-D model) and ``vae_scatter.png`` (the 2-D codes of the test digits) to ``--out``.

    python benchmarks/vae_mnist.py                 # about 10 minutes on 2 cores
    python benchmarks/vae_mnist.py --epochs 5      # a quick look

The figures go to docs/vae.md.
"""
import argparse
import os
import pathlib
import time

import numpy as np

from nnunsup.autoencoders import VAE
from nnunsup.datasets import binarize, load_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--data", default=os.environ.get("NNUNSUP_DATA") or os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "data"))
    parser.add_argument("--out", default="vae-figures")
    parser.add_argument("--iwae", type=int, nargs="+", default=[1, 10, 100, 1000])
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from nnunsup.plot import image_grid, plot_code_map, plot_latent_grid

    X, _ = load_mnist("train", pathlib.Path(args.data) / "mnist", download=False)
    X_test, y_test = load_mnist("test", pathlib.Path(args.data) / "mnist", download=False)
    B, B_test = binarize(X, random_state=0), binarize(X_test, random_state=1)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"binarised MNIST: {len(B)} training, {len(B_test)} test images; "
          f"{args.epochs} epochs of Adam (η = 1e-3, batches of 100)")
    print(f"{'model':14} {'train s':>8} {'test ELBO':>10} {'rec':>8} {'KL':>7} "
          + " ".join(f"{'IWAE-' + str(k):>10}" for k in args.iwae))
    models = {}
    for m in (20, 2):
        start = time.perf_counter()
        model = VAE((400, m), epochs=args.epochs, batch_size=100, learning_rate=1e-3,
                    random_state=0, verbose=False).fit(B)
        seconds = time.perf_counter() - start
        elbo = model.elbo(B_test, n_samples=10, random_state=0)
        mu, log_var = model.encode(B_test)
        kl = 0.5 * (np.exp(log_var) + mu ** 2 - log_var - 1).sum(axis=1)
        iwae = [model.log_likelihood(B_test, n_samples=k, random_state=0).mean()
                for k in args.iwae]
        print(f"784-400-{m:<6} {seconds:8.1f} {elbo.mean():10.2f} {(-elbo - kl).mean():8.2f} "
              f"{kl.mean():7.2f} " + " ".join(f"{v:10.2f}" for v in iwae), flush=True)
        models[m] = model

    fig, ax = plt.subplots(figsize=(6, 6))
    image_grid(models[20].sample(64, mean=True, random_state=0), shape=(28, 28), ncols=8,
               ax=ax, vmin=0, vmax=1)
    ax.set_title("784-400-20 VAE: x = E p(x|z), z ∼ N(0, I)")
    fig.savefig(out / "vae_samples.png", dpi=100, bbox_inches="tight")
    fig, ax = plt.subplots(figsize=(7, 7))
    plot_latent_grid(models[2].inverse_transform, (28, 28), n=15, ax=ax, spacing="quantile")
    ax.set_title("784-400-2 VAE: decoded 15 × 15 grid of prior quantiles")
    fig.savefig(out / "vae_grid.png", dpi=100, bbox_inches="tight")
    fig, ax = plt.subplots(figsize=(7, 6))
    plot_code_map(models[2].transform(B_test), y_test, ax=ax, s=2)
    ax.set_title("784-400-2 VAE: μ(x) of the 10,000 test digits")
    fig.savefig(out / "vae_scatter.png", dpi=100, bbox_inches="tight")
    print(f"figures in {out}/")


if __name__ == "__main__":
    main()
