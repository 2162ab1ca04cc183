"""The partial-learning experiments on MNIST beyond the fast demo.  [T1, T4, T5]

* [T1] two kinds of source for the vectorisation f: a supervised 784-256-256 net on the
  digits 0–4, and a 784-256-256 autoencoder on all the training images without labels;
  the target task is the digits 5–9 with m = 10 … 1000 labels, every model 500 steps;
* [T4] the temperature of the soft targets: a 784-16-10 student distilled on 10,000
  unlabelled images at T = 1, 2, 4, 8;
* [T5] two kinds of privileged information: the student sees digits with 70 % of the pixels
  masked, or the digits at 7 × 7 (4 × 4 mean pooling); the teacher sees the clean digits.
  Two-stage (λ = 0) and joint (λ = 1) training against the student alone.

Prints markdown tables (the ones in docs/transfer.md).

    python benchmarks/transfer_mnist.py                 # about a minute on 2 cores
    python benchmarks/transfer_mnist.py --train 5000    # a quicker, noisier run
"""
import argparse
import os
import pathlib
import time

import numpy as np

from nnunsup.autoencoders import Autoencoder
from nnunsup.datasets import load_mnist
from nnunsup.nn import MLPClassifier
from nnunsup.transfer import DistilledClassifier, PrivilegedClassifier, transfer_curve


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def transfer(X, y, X_test, y_test, sizes):
    low, high, test = y < 5, y >= 5, y_test >= 5
    sources = {
        "supervised net on the digits 0–4":
            MLPClassifier((256, 256), epochs=10, random_state=0, verbose=False).fit(X[low], y[low]),
        "autoencoder on all images, no labels":
            Autoencoder((256, 256), epochs=10, random_state=0, verbose=False).fit(X),
    }
    for name, source in sources.items():
        curve = transfer_curve(source, X[high], y[high], X_test[test], y_test[test],
                               sizes=sizes, steps=500, random_state=0)
        print(f"\n[T1] source: {name}\n")
        print(table(["m", "frozen", "fine-tuned", "from scratch"],
                    [(m, f"{f:.3f}", f"{t:.3f}", f"{s:.3f}") for m, f, t, s in
                     zip(curve["m"], curve["frozen"], curve["finetune"], curve["scratch"])]))


def distillation(X, y, X_test, y_test):
    teacher = MLPClassifier((512,), epochs=10, random_state=0, verbose=False).fit(X, y)
    rows = []
    for T in (1.0, 2.0, 4.0, 8.0):
        student = DistilledClassifier(teacher, hidden_sizes=(16,), temperature=T, epochs=20,
                                      random_state=0, verbose=False).fit(X[:10000])
        rows.append((f"{T:g}", f"{student.score(X_test, y_test):.3f}"))
    print(f"\n[T4] teacher 784-512-10: {teacher.score(X_test, y_test):.3f}; students "
          "784-16-10 distilled on 10,000 unlabelled images\n")
    print(table(["T", "student accuracy"], rows))


def privileged(X, y, X_test, y_test, sizes):
    rng = np.random.default_rng(0)
    pool = lambda A: A.reshape(-1, 7, 4, 7, 4).mean(axis=(2, 4)).reshape(len(A), 49)  # noqa
    views = {"70 % of the pixels masked": (X * (rng.random(X.shape) > 0.7),
                                           X_test * (rng.random(X_test.shape) > 0.7)),
             "7 × 7 (4 × 4 mean pooling)": (pool(X), pool(X_test))}
    for name, (seen, seen_test) in views.items():
        rows = []
        for n in sizes:
            settings = dict(epochs=max(6, 6000 // n), batch_size=32, random_state=0,
                            verbose=False)
            models = [MLPClassifier((64,), **settings),
                      PrivilegedClassifier((64,), (128,), mu=1.0, temperature=5.0, **settings),
                      PrivilegedClassifier((64,), (128,), mu=0.5, lam=1.0, temperature=2.0,
                                           **settings)]
            models[0].fit(seen[:n], y[:n])
            for model in models[1:]:
                model.fit(seen[:n], y[:n], X[:n])
            rows.append((n, *(f"{model.score(seen_test, y_test):.3f}" for model in models)))
        print(f"\n[T5] the student sees: {name}; x* the clean digits\n")
        print(table(["labels", "student alone", "two-stage (μ = 1, T = 5)",
                     "joint (λ = 1, μ = 0.5, T = 2)"], rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=20000, help="training images drawn")
    parser.add_argument("--data", default=os.environ.get("NNUNSUP_DATA") or os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "data"))
    args = parser.parse_args()
    path = pathlib.Path(args.data) / "mnist"
    X, y = load_mnist("train", path, n_samples=args.train, random_state=0, download=False)
    X_test, y_test = load_mnist("test", path, n_samples=5000, random_state=0, download=False)
    start = time.perf_counter()
    transfer(X, y, X_test, y_test, sizes=(10, 30, 100, 300, 1000))
    distillation(X, y, X_test, y_test)
    privileged(X, y, X_test, y_test, sizes=(100, 300, 1000))
    print(f"\n{len(X)} training and {len(X_test)} test images; "
          f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
