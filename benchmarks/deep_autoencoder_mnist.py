"""The deep autoencoder of Hinton & Salakhutdinov (2006) on MNIST: 784-1000-500-250-30,
RBM pre-training, unrolling, fine-tuning, against PCA with 30 components.  [R6, R8, R9]

Trains on the 60,000 training images (grey levels read as probabilities by the first RBM)
and reports the average squared reconstruction error per image on the 10,000 test images,
for the pre-trained net, for PCA, and (``--scratch``) for the same net fine-tuned from a
random start with the same budget; the paper reports 3.00 against PCA's 13.87 after 50
epochs of pre-training per layer and 200 of fine-tuning by conjugate gradients.  Writes
``rbm_filters.png`` (100 filters of the first RBM) and ``deep_ae_reconstructions.png`` to
``--out``.

    python benchmarks/deep_autoencoder_mnist.py                  # about 15 minutes on 2 cores
    python benchmarks/deep_autoencoder_mnist.py --pretrain-epochs 2 --epochs 3   # a quick look

The figures go to docs/rbm.md.
"""
import argparse
import os
import pathlib
import time

from nnunsup.autoencoders import pca, pca_reconstruction_error
from nnunsup.datasets import load_mnist
from nnunsup.rbm import DeepAutoencoder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 500, 250, 30])
    parser.add_argument("--pretrain-epochs", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--scratch", action="store_true", help="also train without pre-training")
    parser.add_argument("--data", default=os.environ.get("NNUNSUP_DATA") or os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "data"))
    parser.add_argument("--out", default="rbm-figures")
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from nnunsup.plot import plot_filters, plot_reconstructions

    X, _ = load_mnist("train", pathlib.Path(args.data) / "mnist", download=False)
    X_test, y_test = load_mnist("test", pathlib.Path(args.data) / "mnist", download=False)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    m = args.sizes[-1]
    start = time.perf_counter()
    U, mean, _ = pca(X, m)
    pca_error = pca_reconstruction_error(X_test, U, mean)
    print(f"PCA-{m}: test error {pca_error:.2f} ({time.perf_counter() - start:.1f} s)")
    runs = [("pre-trained", True)] + ([("from scratch", False)] if args.scratch else [])
    models = {}
    for name, pretrain in runs:
        model = DeepAutoencoder(tuple(args.sizes), pretrain=pretrain,
                                pretrain_epochs=args.pretrain_epochs, epochs=0,
                                random_state=0, verbose=False)
        start = time.perf_counter()
        model.fit(X)
        pre_seconds = time.perf_counter() - start
        pre_error = model.reconstruction_error(X_test)
        start = time.perf_counter()
        for _ in range(args.epochs):                 # fine-tuning, one epoch per partial_fit
            model.partial_fit(X)
        seconds = time.perf_counter() - start
        error = model.reconstruction_error(X_test)
        print(f"784-{'-'.join(map(str, args.sizes))} {name}: unrolled error {pre_error:.2f} "
              f"after {pre_seconds:.0f} s of pre-training; test error {error:.2f} after "
              f"{args.epochs} epochs of fine-tuning ({seconds:.0f} s); ratio to PCA "
              f"{error / pca_error:.3f}", flush=True)
        models[name] = model

    model = models["pre-trained"]
    fig, ax = plt.subplots(figsize=(8, 8))
    plot_filters(model.rbms_[0].params["W"], (28, 28), n=100, ax=ax)
    ax.set_title("100 filters w_j of the first RBM (784 → 1000), pre-trained on MNIST")
    fig.savefig(out / "rbm_filters.png", dpi=100, bbox_inches="tight")
    show = [int((y_test == c).argmax()) for c in range(10)]
    rows = [X_test[show], model.reconstruct(X_test[show]),
            (X_test[show] - mean) @ U @ U.T + mean]
    labels = ["test digits", f"deep AE ({m})", f"PCA ({m})"]
    if "from scratch" in models:
        rows.insert(2, models["from scratch"].reconstruct(X_test[show]))
        labels.insert(2, "no pre-training")
    fig, ax = plt.subplots(figsize=(10, 1.2 * len(rows)))
    plot_reconstructions(rows, shape=(28, 28), ax=ax, labels=labels, n=10)
    fig.savefig(out / "deep_ae_reconstructions.png", dpi=100, bbox_inches="tight")
    print(f"figures in {out}/")


if __name__ == "__main__":
    main()
