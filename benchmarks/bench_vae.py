"""One training epoch of a VAE: nnunsup versus PyTorch on the CPU.

The model of the issue: 784-256-(16)-256-784 — a ReLU layer of 256, the heads μ and
log σ² of 16 latent units, a ReLU layer of 256, a Bernoulli decoder (cross-entropy from the
logits on both sides) — the negative ELBO with the closed-form KL, ε ∼ N(0, I) drawn per
object per step, Adam (η = 1e-3), batch 128, float32, 10 000 images (MNIST when it can be
found, else uniform noise of the same shape: the time does not depend on the values).
Both sides use the same number of threads and take turns in rounds of a few epochs
(``_common.interleaved_many``), so that drift of the machine hits both; the medians are
reported.

    python benchmarks/bench_vae.py                 # needs `pip install torch`
    python benchmarks/bench_vae.py --threads 1 --repeats 9

:func:`measure` returns the figures as a dict (``harness.py`` calls it), also for PyTorch
on CUDA when asked.

The figures go to docs/performance.md.
"""
import argparse
import os
import platform

import numpy as np
from _common import flush_denormals, interleaved_many, limit_threads, load_images, median

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
    order = torch.randperm(X.shape[0], generator=generator).to(X.device)
    for start in range(0, X.shape[0], batch_size):
        xb = X[order[start:start + batch_size]]
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(xb)
        loss.backward()
        optimizer.step()


def measure(X=None, n=10000, batch=128, repeats=7, devices=("cpu",)):
    """Median epoch seconds of nnunsup and of PyTorch on each of ``devices``, interleaved.

    Returns {"nnunsup_s", "nnunsup_min_s", "torch_s": {device: s}, "torch_min_s",
    "nnunsup_neg_elbo", "torch_neg_elbo": {device: value} (on the images, after training),
    "steps", "source"}.
    """
    import torch
    torch.manual_seed(0)
    if X is None:
        X, source = load_images(n)
    else:
        source = "given"
    ours = VAE((256, 16), activation="relu", batch_size=batch, learning_rate=1e-3,
               optimizer="adam", random_state=0, verbose=False)
    ours.init_params(784)
    runs, sides = {"nnunsup": lambda: ours.partial_fit(X)}, {}
    for device in devices:
        model = torch_model(torch).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        X_torch = torch.from_numpy(X).to(device)
        generator = torch.Generator().manual_seed(0)
        sides[device] = model, X_torch

        def epoch(model=model, optimizer=optimizer, X_torch=X_torch, generator=generator,
                  device=device):
            torch_epoch(model, optimizer, X_torch, batch, generator)
            if device != "cpu":
                torch.cuda.synchronize()
        runs[device] = epoch
    times = interleaved_many(runs, repeats)
    torch_loss = {}
    with torch.no_grad():
        for device, (model, X_torch) in sides.items():
            torch_loss[device] = float(model.loss(X_torch))
    return {"nnunsup_s": median(times["nnunsup"]), "nnunsup_min_s": min(times["nnunsup"]),
            "torch_s": {d: median(times[d]) for d in devices},
            "torch_min_s": {d: min(times[d]) for d in devices},
            "nnunsup_neg_elbo": -ours.score(X, random_state=0), "torch_neg_elbo": torch_loss,
            "steps": -(-X.shape[0] // batch), "source": source}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="threads for both sides")
    parser.add_argument("--keep-denormals", action="store_true",
                        help="leave PyTorch's CPU out of flush-to-zero mode (its default)")
    args = parser.parse_args()

    import torch
    threads = limit_threads(args.threads)
    flushing = flush_denormals(not args.keep_denormals)
    r = measure(None, args.n, args.batch, args.repeats)
    s_ours, s_torch = r["nnunsup_s"], r["torch_s"]["cpu"]
    print(f"numpy {np.__version__}, torch {torch.__version__}, {platform.machine()}, "
          f"{threads} threads, flush-to-zero {'on' if flushing else 'off'}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"{r['source']}, {args.n} images, batch {args.batch}, median of {args.repeats} epochs")
    print(f"{'':10} {'epoch s':>8} {'min s':>8} {'−ELBO':>10}   (on the images, after training)")
    print(f"{'nnunsup':10} {s_ours:8.3f} {r['nnunsup_min_s']:8.3f} {r['nnunsup_neg_elbo']:10.2f}")
    print(f"{'PyTorch':10} {s_torch:8.3f} {r['torch_min_s']['cpu']:8.3f} "
          f"{r['torch_neg_elbo']['cpu']:10.2f}")
    print(f"ratio nnunsup / PyTorch: {s_ours / s_torch:.2f}  (target ≤ 1.0)")


if __name__ == "__main__":
    main()
