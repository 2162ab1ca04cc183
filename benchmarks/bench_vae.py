"""One training epoch of a VAE: nnunsup versus PyTorch on the CPU.

The model of the issue: 784-256-(16)-256-784 — a ReLU layer of 256, the heads μ and
log σ² of 16 latent units, a ReLU layer of 256, a Bernoulli decoder (cross-entropy from the
logits on both sides) — the negative ELBO with the closed-form KL, ε ∼ N(0, I) drawn per
object per step, Adam (η = 1e-3), batch 128, float32, 10 000 images (MNIST when it can be
found, else uniform noise of the same shape: the time does not depend on the values).
Both sides use the same number of threads; epochs are interleaved (nnunsup, PyTorch,
nnunsup, …) so that drift of the machine hits both, and the medians are reported.

    python benchmarks/bench_vae.py                 # needs `pip install torch`
    python benchmarks/bench_vae.py --threads 1 --repeats 9

The figures go to docs/performance.md.
"""
import argparse
import os
import platform
import statistics
import time

import numpy as np

from nnunsup.autoencoders import VAE


def load_images(n):
    try:
        from nnunsup.datasets import load_mnist
        data = os.environ.get("NNUNSUP_DATA") or os.path.join(
            os.path.dirname(__file__), "..", "..", "shared", "data")
        X, _ = load_mnist("train", os.path.join(data, "mnist") if os.path.isdir(data) else None,
                          n_samples=n, random_state=0, download=False)
        return X, "MNIST"
    except Exception:
        return np.random.default_rng(0).uniform(0, 1, (n, 784)).astype(np.float32), "uniform noise"


def torch_model(torch, m=16, hidden=256):
    class TorchVAE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(784, hidden), torch.nn.ReLU())
            self.mu, self.log_var = torch.nn.Linear(hidden, m), torch.nn.Linear(hidden, m)
            self.decoder = torch.nn.Sequential(torch.nn.Linear(m, hidden), torch.nn.ReLU(),
                                               torch.nn.Linear(hidden, 784))

        def loss(self, x):
            h = self.body(x)
            mu, log_var = self.mu(h), self.log_var(h)
            z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
            rec = torch.nn.functional.binary_cross_entropy_with_logits(
                self.decoder(z), x, reduction="sum")
            kl = 0.5 * (log_var.exp() + mu * mu - log_var - 1).sum()
            return (rec + kl) / x.shape[0]

    return TorchVAE()


def torch_epoch(model, optimizer, X, batch_size, generator):
    import torch
    order = torch.randperm(X.shape[0], generator=generator)
    for start in range(0, X.shape[0], batch_size):
        xb = X[order[start:start + batch_size]]
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(xb)
        loss.backward()
        optimizer.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=7)
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
    torch.manual_seed(0)

    X, source = load_images(args.n)
    ours = VAE((256, 16), activation="relu", batch_size=args.batch, learning_rate=1e-3,
               optimizer="adam", random_state=0, verbose=False)
    ours.init_params(784)
    model = torch_model(torch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    X_torch = torch.from_numpy(X)
    generator = torch.Generator().manual_seed(0)

    ours.partial_fit(X)                                       # warm-up epoch on each side
    torch_epoch(model, optimizer, X_torch, args.batch, generator)
    t_ours, t_torch = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        ours.partial_fit(X)
        t1 = time.perf_counter()
        torch_epoch(model, optimizer, X_torch, args.batch, generator)
        t2 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_torch.append(t2 - t1)
    s_ours, s_torch = statistics.median(t_ours), statistics.median(t_torch)
    with torch.no_grad():
        torch_loss = float(model.loss(X_torch))
    print(f"numpy {np.__version__}, torch {torch.__version__}, {platform.machine()}, "
          f"{threads} threads, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"{source}, {args.n} images, batch {args.batch}, median of {args.repeats} epochs")
    print(f"{'':10} {'epoch s':>8} {'min s':>8} {'last loss':>10}")
    print(f"{'nnunsup':10} {s_ours:8.3f} {min(t_ours):8.3f} {ours.history_['loss'][-1]:10.2f}")
    print(f"{'PyTorch':10} {s_torch:8.3f} {min(t_torch):8.3f} {torch_loss:10.2f}")
    print(f"ratio nnunsup / PyTorch: {s_ours / s_torch:.2f}  (target ≤ 1.0)")


if __name__ == "__main__":
    main()
