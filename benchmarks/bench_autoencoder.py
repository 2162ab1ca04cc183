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
import platform

import numpy as np
from _common import interleaved, limit_threads, load_images, median

from nnunsup.autoencoders import Autoencoder


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
    threads = limit_threads(args.threads)

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

    t_ours, t_torch = interleaved(
        lambda: ours.partial_fit(X),
        lambda: torch_epoch(model, optimizer, loss_fn, X_torch, args.batch, generator),
        args.repeats)
    ms_ours, ms_torch = median(t_ours), median(t_torch)
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
