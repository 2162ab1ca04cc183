"""GANs on MNIST: digit grids of an MLP GAN and a DCGAN trained on the 60,000 training
images, with the training times and the players' final verdicts.  [G1, G5]

Writes ``gan_mlp_digits.png`` and ``dcgan_digits.png`` (64 samples each, the same z for
every snapshot) to ``--out``, and prints per model the seconds per epoch, mean D(x) and
mean D(G(z)) of the last epoch, and the distance between the mean generated and the mean
real test image.

    python benchmarks/gan_mnist.py                      # about 15 minutes on 2 cores
    python benchmarks/gan_mnist.py --epochs 2 --dcgan-epochs 1

The figures go to docs/gan.md.
"""
import argparse
import os
import pathlib
import time

import numpy as np

from nnunsup.datasets import load_mnist
from nnunsup.gan import DCGAN, GAN


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--dcgan-epochs", type=int, default=5)
    parser.add_argument("--data", default=os.environ.get("NNUNSUP_DATA") or os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "data"))
    parser.add_argument("--out", default="gan-figures")
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from nnunsup.plot import image_grid

    X, _ = load_mnist("train", pathlib.Path(args.data) / "mnist", download=False)
    X_test, _ = load_mnist("test", pathlib.Path(args.data) / "mnist", download=False)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    z = np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32)
    runs = [("gan_mlp_digits", "MLP GAN 64-256-784 / 784-256-1",
             GAN(64, (256,), (256,), epochs=args.epochs, random_state=0, verbose=False)),
            ("dcgan_digits", "DCGAN, channels (64, 32)",
             DCGAN(64, channels=(64, 32), epochs=args.dcgan_epochs, random_state=0,
                   verbose=False))]
    for name, title, model in runs:
        start = time.perf_counter()
        model.fit(X)
        seconds = time.perf_counter() - start
        samples = model.sample(z=z)
        distance = float(((samples.mean(0) - X_test.mean(0)) ** 2).sum())
        print(f"{title}: {model.epochs} epochs, {seconds / model.epochs:.1f} s per epoch; last "
              f"epoch mean D(x) {model.history_['d_real'][-1]:.3f}, mean D(G(z)) "
              f"{model.history_['d_fake'][-1]:.3f}; ‖mean sample − mean test image‖² "
              f"{distance:.2f}", flush=True)
        fig, ax = plt.subplots(figsize=(6, 6))
        image_grid(samples, shape=(28, 28), ncols=8, ax=ax, vmin=0, vmax=1)
        ax.set_title(f"{title}, {model.epochs} epochs on MNIST")
        fig.savefig(out / f"{name}.png", dpi=100, bbox_inches="tight")
    print(f"figures in {out}/")


if __name__ == "__main__":
    main()
