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

import numpy as np
from _common import interleaved, limit_threads, load_images, median

from nnunsup.autoencoders import VAE


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
    threads = limit_threads(args.threads)
    torch.manual_seed(0)

    X, source = load_images(args.n)
    ours = VAE((256, 16), activation="relu", batch_size=args.batch, learning_rate=1e-3,
               optimizer="adam", random_state=0, verbose=False)
    ours.init_params(784)
    model = torch_model(torch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    X_torch = torch.from_numpy(X)
    generator = torch.Generator().manual_seed(0)

    t_ours, t_torch = interleaved(
        lambda: ours.partial_fit(X),
        lambda: torch_epoch(model, optimizer, X_torch, args.batch, generator), args.repeats)
    s_ours, s_torch = median(t_ours), median(t_torch)
    with torch.no_grad():
        torch_loss = float(model.loss(X_torch))
    print(f"numpy {np.__version__}, torch {torch.__version__}, {platform.machine()}, "
          f"{threads} threads, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"{source}, {args.n} images, batch {args.batch}, median of {args.repeats} epochs")
    print(f"{'':10} {'epoch s':>8} {'min s':>8} {'−ELBO':>10}   (on the images, after training)")
    print(f"{'nnunsup':10} {s_ours:8.3f} {min(t_ours):8.3f} {-ours.score(X, random_state=0):10.2f}")
    print(f"{'PyTorch':10} {s_torch:8.3f} {min(t_torch):8.3f} {torch_loss:10.2f}")
    print(f"ratio nnunsup / PyTorch: {s_ours / s_torch:.2f}  (target ≤ 1.0)")


if __name__ == "__main__":
    main()
