"""One training epoch of an MLP autoencoder: nnunsup versus PyTorch on the CPU.

The model of the issue: 784-256-64-256-784, sigmoid output with cross-entropy (computed
from the logits on both sides), Adam (η = 1e-3), batch 128, float32, 10 000 images
(MNIST when it can be found, else uniform noise of the same shape — the time does not
depend on the values).  Both sides use the same number of threads; epochs are
interleaved (nnunsup, PyTorch, nnunsup, …) so that drift of the machine hits both, and
the medians are reported.

    python benchmarks/bench_autoencoder.py                 # needs `pip install torch`
    python benchmarks/bench_autoencoder.py --activation sigmoid --repeats 7

The figures go to docs/performance.md.
"""
import argparse
import os
import platform
import statistics
import time

import numpy as np

from nnunsup.autoencoders import Autoencoder


def load_images(n):
    try:
        from nnunsup.datasets import load_mnist
        data = os.environ.get("NNUNSUP_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
        X, _ = load_mnist("train", data if os.path.isdir(data) else None, n_samples=n,
                          random_state=0, download=False)
        return X, "MNIST"
    except Exception:
        return np.random.default_rng(0).uniform(0, 1, (n, 784)).astype(np.float32), "uniform noise"


def torch_epoch(model, optimizer, loss_fn, X, batch_size, generator):
    import torch
    order = torch.randperm(X.shape[0], generator=generator)
    for start in range(0, X.shape[0], batch_size):
        xb = X[order[start:start + batch_size]]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), xb) / xb.shape[0]
        loss.backward()
        optimizer.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="threads for both sides")
    args = parser.parse_args()

    import torch
    threads = args.threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except ImportError:
        pass

    X, source = load_images(args.n)
    ours = Autoencoder((256, 64), activation=args.activation, loss="bce", batch_size=args.batch,
                       learning_rate=1e-3, optimizer="adam", random_state=0, verbose=False)
    ours.init_params(784)

    act = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}[args.activation]
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), act(), torch.nn.Linear(256, 64), act(),
                                torch.nn.Linear(64, 256), act(), torch.nn.Linear(256, 784))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    X_torch = torch.from_numpy(X)
    generator = torch.Generator().manual_seed(0)

    ours.partial_fit(X)                                       # warm-up epoch on each side
    torch_epoch(model, optimizer, loss_fn, X_torch, args.batch, generator)
    t_ours, t_torch = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        ours.partial_fit(X)
        t1 = time.perf_counter()
        torch_epoch(model, optimizer, loss_fn, X_torch, args.batch, generator)
        t2 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_torch.append(t2 - t1)
    ms_ours, ms_torch = statistics.median(t_ours), statistics.median(t_torch)
    weights = 784 * 256 + 256 * 64 + 64 * 256 + 256 * 784
    flops = 6 * weights * args.n                              # forward 2, backward 4 per weight
    print(f"numpy {np.__version__}, torch {torch.__version__}, {platform.machine()}, "
          f"{threads} threads, {source}, {args.n} images, batch {args.batch}, "
          f"activation {args.activation}, median of {args.repeats} epochs")
    print(f"{'':10} {'epoch s':>8} {'GFLOP/s':>8}")
    print(f"{'nnunsup':10} {ms_ours:8.3f} {flops / ms_ours / 1e9:8.1f}")
    print(f"{'PyTorch':10} {ms_torch:8.3f} {flops / ms_torch / 1e9:8.1f}")
    print(f"ratio nnunsup / PyTorch: {ms_ours / ms_torch:.2f}  (target ≤ 1.0)")


if __name__ == "__main__":
    main()
