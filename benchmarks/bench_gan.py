"""One training step of an MLP GAN (a discriminator step and a generator step): nnunsup versus
PyTorch on the CPU.

The setting of the issue: G 64-256-784 (ReLU, sigmoid output), D 784-256-1 (LeakyReLU 0.2,
one logit), batch 128 real images and 128 fresh z for each player, the non-saturating
generator loss, Adam (η = 2e-4, β₁ = 0.5) for each player, float32, 10 000 MNIST images (else
uniform noise of the same shape).  Each side runs whole epochs of alternating steps; the
sides take turns in rounds of a few epochs (``_common.interleaved_many``), medians are
reported, the same number of threads on both sides.

    python benchmarks/bench_gan.py                 # needs `pip install torch`
    python benchmarks/bench_gan.py --threads 1 --repeats 9

:func:`measure` returns the figures as a dict (``harness.py`` calls it), also for PyTorch
on CUDA when asked.

The figures go to docs/performance.md.
"""
import argparse
import os
import platform

import numpy as np
from _common import flush_denormals, interleaved_many, limit_threads, load_images, median

from nnunsup.gan import GAN


def torch_players(torch):
    G = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 784),
                            torch.nn.Sigmoid())
    D = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.LeakyReLU(0.2),
                            torch.nn.Linear(256, 1))
    return G, D


def torch_epoch(torch, G, D, opt_G, opt_D, X, batch_size, generator):
    softplus = torch.nn.functional.softplus
    order = torch.randperm(X.shape[0], generator=generator).to(X.device)
    for start in range(0, X.shape[0], batch_size):
        x = X[order[start:start + batch_size]]
        z = torch.randn(x.shape[0], 64, device=X.device)
        opt_D.zero_grad(set_to_none=True)                       # the discriminator's step
        with torch.no_grad():
            fake = G(z)
        logits = D(torch.cat([x, fake]))[:, 0]
        n = x.shape[0]
        loss_D = 0.5 * softplus(-logits[:n]).mean() + 0.5 * softplus(logits[n:]).mean()
        loss_D.backward()
        opt_D.step()
        opt_G.zero_grad(set_to_none=True)                       # the generator's step
        z = torch.randn(x.shape[0], 64, device=X.device)
        loss_G = 0.5 * softplus(-D(G(z))[:, 0]).mean()
        loss_G.backward()
        opt_G.step()


def torch_side(torch, X, batch, device):
    """A callable running one PyTorch epoch on ``device`` (synchronised on CUDA)."""
    G, D = (player.to(device) for player in torch_players(torch))
    opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    X_torch = torch.from_numpy(X).to(device)
    generator = torch.Generator().manual_seed(0)

    def epoch():
        torch_epoch(torch, G, D, opt_G, opt_D, X_torch, batch, generator)
        if device != "cpu":
            torch.cuda.synchronize()
    return epoch


def measure(X=None, n=10000, batch=128, repeats=7, devices=("cpu",)):
    """Median milliseconds per step (a D step and a G step) of nnunsup and of PyTorch on each
    of ``devices``, from whole epochs, interleaved.

    Returns {"nnunsup_ms", "torch_ms": {device: ms}, "steps", "source"}.
    """
    import torch
    torch.manual_seed(0)
    if X is None:
        X, source = load_images(n)
    else:
        source = "given"
    ours = GAN(64, (256,), (256,), batch_size=batch, learning_rate=2e-4, random_state=0,
               verbose=False).init_params(784)
    runs = {"nnunsup": lambda: ours.partial_fit(X)}
    for device in devices:
        runs[device] = torch_side(torch, X, batch, device)
    times = interleaved_many(runs, repeats)
    steps = -(-X.shape[0] // batch)
    return {"nnunsup_ms": median(times["nnunsup"]) / steps * 1e3,
            "torch_ms": {d: median(times[d]) / steps * 1e3 for d in devices},
            "steps": steps, "source": source}


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
    steps, s_ours, s_torch = r["steps"], r["nnunsup_ms"], r["torch_ms"]["cpu"]
    print(f"numpy {np.__version__}, torch {torch.__version__}, {platform.machine()}, "
          f"{threads} threads, flush-to-zero {'on' if flushing else 'off'}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"{r['source']}, {args.n} images, batch {args.batch}, median of {args.repeats} epochs "
          f"of {steps} steps")
    print(f"{'':10} {'ms/step':>8}")
    print(f"{'nnunsup':10} {s_ours:8.3f}")
    print(f"{'PyTorch':10} {s_torch:8.3f}")
    print(f"ratio nnunsup / PyTorch: {s_ours / s_torch:.2f}  (target ≤ 1.0)")


if __name__ == "__main__":
    main()
