"""One training epoch of an MLP autoencoder: nnunsup versus PyTorch on the CPU, and versus
the bare GEMMs of the same shapes.

The model of the issue: 784-256-64-256-784, sigmoid output with cross-entropy (computed
from the logits on both sides), Adam (η = 1e-3), batch 128, float32, 10 000 images
(MNIST when it can be found, else uniform noise of the same shape — the time does not
depend on the values).  Both sides use the same number of threads and take turns in
rounds of a few epochs (``_common.interleaved_many``), so that drift of the machine hits
both; the medians are reported.  Each side trains one model throughout, about 20 epochs
at the default repeats.  From about the tenth, the Adam moments of blank pixels' weights
turn subnormal; nnunsup's optimisers flush them to 0 (``nnunsup.nn.optim``), and PyTorch's
CPU is put in flush-to-zero mode for the same (``_common.flush_denormals``;
``--keep-denormals`` leaves it out, and its epochs then slow by about a third).

    python benchmarks/bench_autoencoder.py                 # needs `pip install torch`
    python benchmarks/bench_autoencoder.py --activation sigmoid --repeats 7

Functions for ``harness.py`` (none of them needs PyTorch but :func:`measure`):

* :func:`measure` — the epoch against PyTorch's, on the CPU and, where asked, on CUDA;
* :func:`measure_gpu` — the epoch on the CuPy backend against PyTorch on CUDA and against
  nnunsup on NumPy on the machine's own CPU, at large batches (needs CuPy and a GPU);
* :func:`measure_gemm_bound` — the epoch against its GEMM-bound time: the bare GEMMs of
  the shapes one step does (forward x Wᵀ of the four layers, backward doutᵀ x of the four
  and dout W of the last three; the first layer's input is data, so nnunsup skips its dx),
  for one epoch's worth of steps, interleaved with the epoch;
* :func:`measure_memory` — the epoch's traced memory: ``tracemalloc``'s current size after
  each of a few epochs (after a garbage collection), its peak, and the growth between the
  second epoch and the last.

The figures go to docs/performance.md.
"""
import argparse
import gc
import platform
import tracemalloc

import numpy as np
from _common import (flush_denormals, interleaved, interleaved_many, limit_threads,
                     load_images, median)

from nnunsup.autoencoders import Autoencoder

#: the widths of the issue's autoencoder, input to output
SIZES = (784, 256, 64, 256, 784)


def torch_epoch(model, optimizer, loss_fn, X, batch_size, generator):
    import torch
    order = torch.randperm(X.shape[0], generator=generator).to(X.device)
    for start in range(0, X.shape[0], batch_size):
        xb = X[order[start:start + batch_size]]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), xb) / xb.shape[0]
        loss.backward()
        optimizer.step()


def ours_model(activation, batch):
    ours = Autoencoder(SIZES[1:3], activation=activation, loss="bce", batch_size=batch,
                       learning_rate=1e-3, optimizer="adam", random_state=0, verbose=False)
    return ours.init_params(SIZES[0])


def torch_side(activation, X, batch, device):
    """A callable running one PyTorch epoch on ``device`` (synchronised on CUDA)."""
    import torch
    act = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}[activation]
    layers = []
    for k, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers += [torch.nn.Linear(n_in, n_out)] + ([act()] if k < len(SIZES) - 2 else [])
    model = torch.nn.Sequential(*layers).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    X_torch = torch.from_numpy(X).to(device)
    generator = torch.Generator().manual_seed(0)

    def epoch():
        torch_epoch(model, optimizer, loss_fn, X_torch, batch, generator)
        if device != "cpu":
            torch.cuda.synchronize()
    return epoch


def epoch_flops(n):
    """FLOPs of the GEMMs of one epoch over ``n`` images: 2 per multiply-add, forward x Wᵀ
    of every layer, backward doutᵀ x of every layer and dout W of all but the first."""
    weights = sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
    return 2 * n * (3 * weights - SIZES[0] * SIZES[1])


def measure(X=None, n=10000, batch=128, activation="relu", repeats=5, devices=("cpu",)):
    """Median epoch seconds of nnunsup and of PyTorch on each of ``devices``.

    Returns {"nnunsup_s", "nnunsup_min_s", "torch_s": {device: s}, "torch_min_s",
    "steps", "flops", "source"}; the epochs of all sides are interleaved.
    """
    if X is None:
        X, source = load_images(n)
    else:
        source = "given"
    ours = ours_model(activation, batch)
    runs = {"nnunsup": lambda: ours.partial_fit(X)}
    for device in devices:
        runs[device] = torch_side(activation, X, batch, device)
    times = interleaved_many(runs, repeats)
    return {"nnunsup_s": median(times["nnunsup"]), "nnunsup_min_s": min(times["nnunsup"]),
            "torch_s": {d: median(times[d]) for d in devices},
            "torch_min_s": {d: min(times[d]) for d in devices},
            "steps": -(-X.shape[0] // batch), "flops": epoch_flops(X.shape[0]), "source": source}


def cupy_side(activation, X, batch):
    """A callable running one nnunsup epoch on the CuPy backend (synchronised).  CuPy is
    the active backend while the model is made (so its parameters live on the GPU) and
    while it trains (``fit`` moves its data to the active backend); the images are copied
    to the GPU once."""
    from nnunsup import backend

    def on_cupy(work):
        previous = backend.current()
        backend.use("cupy")
        try:
            return work(backend.get_xp())
        finally:
            backend.use(previous)

    model, X_device = on_cupy(lambda xp: (ours_model(activation, batch), xp.asarray(X)))

    def epoch():
        on_cupy(lambda xp: (model.partial_fit(X_device), xp.cuda.Device().synchronize()))
    return epoch


def measure_gpu(X=None, n=10000, batches=(1024, 8192), activation="relu", repeats=5,
                torch_cuda=True):
    """Median epoch seconds of nnunsup on CuPy, of PyTorch on CUDA (when ``torch_cuda``)
    and of nnunsup on NumPy on this machine's CPU, at each batch size of ``batches``.

    Needs CuPy and a GPU.  Returns {batch: {"cupy_s", "numpy_s", "torch_cuda_s" (absent
    without ``torch_cuda``)}, "steps": {batch: steps per epoch}, "source"}; at each batch
    size the sides' epochs are interleaved.
    """
    if X is None:
        X, source = load_images(n)
    else:
        source = "given"
    out = {"steps": {}, "source": source}
    for batch in batches:
        ours_host = ours_model(activation, batch)
        runs = {"cupy_s": cupy_side(activation, X, batch),
                "numpy_s": lambda model=ours_host: model.partial_fit(X)}
        if torch_cuda:
            runs["torch_cuda_s"] = torch_side(activation, X, batch, "cuda")
        times = interleaved_many(runs, repeats)
        out[batch] = {name: median(t) for name, t in times.items()}
        out["steps"][batch] = -(-X.shape[0] // batch)
    return out


def gemm_epoch_operands(n, batch, dtype=np.float32):
    """The operands of the bare GEMMs of one epoch: per distinct batch size b, per layer,
    (x (b, n_in), W (n_out, n_in), dout (b, n_out)); and the list of batch sizes."""
    rng = np.random.default_rng(0)
    sizes = [batch] * (n // batch) + ([n % batch] if n % batch else [])
    operands = {}
    for b in set(sizes):
        operands[b] = [(rng.standard_normal((b, n_in), dtype=dtype),
                        rng.standard_normal((n_out, n_in), dtype=dtype),
                        rng.standard_normal((b, n_out), dtype=dtype))
                       for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]
    return operands, sizes


def gemm_epoch(operands, sizes):
    """The GEMMs of one epoch's steps, as the layers compute them, and nothing else."""
    for b in sizes:
        for k, (x, W, dout) in enumerate(operands[b]):
            x @ W.T                       # forward                     (b, n_out)
            dout.T @ x                    # weight gradient              (n_out, n_in)
            if k:                         # input gradient (not of the data)
                dout @ W                  #                              (b, n_in)


def measure_gemm_bound(X=None, n=10000, batch=128, activation="relu", repeats=5):
    """Median seconds of the nnunsup epoch and of its bare GEMMs, interleaved.

    Returns {"epoch_s", "gemm_s", "flops", "gemm_gflops" (the measured GEMM rate),
    "share" (GEMM-bound time / epoch time = flops / rate / epoch_s), "steps"}.
    """
    if X is None:
        X, _ = load_images(n)
    ours = ours_model(activation, batch)
    operands, sizes = gemm_epoch_operands(X.shape[0], batch)
    t_epoch, t_gemm = interleaved(lambda: ours.partial_fit(X), lambda: gemm_epoch(operands, sizes),
                                  repeats)
    epoch_s, gemm_s = median(t_epoch), median(t_gemm)
    flops = epoch_flops(X.shape[0])
    return {"epoch_s": epoch_s, "gemm_s": gemm_s, "flops": flops,
            "gemm_gflops": flops / gemm_s / 1e9, "share": gemm_s / epoch_s, "steps": len(sizes)}


def measure_memory(X=None, n=10000, batch=128, activation="relu", epochs=6):
    """Traced memory (tracemalloc, NumPy's arrays included) of ``epochs`` epochs of a fresh
    autoencoder, one ``partial_fit`` each.

    Returns {"current_bytes": [after each epoch, after gc.collect()], "peak_bytes" (the
    highest while training), "growth_bytes" (after the last epoch minus after the second)}.
    """
    if X is None:
        X, _ = load_images(n)
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        ours = ours_model(activation, batch)
        current = []
        for _ in range(epochs):
            ours.partial_fit(X)
            gc.collect()
            current.append(tracemalloc.get_traced_memory()[0])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return {"current_bytes": current, "peak_bytes": peak,
            "growth_bytes": current[-1] - current[min(1, epochs - 1)]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="threads for both sides")
    parser.add_argument("--keep-denormals", action="store_true",
                        help="leave PyTorch's CPU out of flush-to-zero mode (its default)")
    args = parser.parse_args()

    import torch
    threads = limit_threads(args.threads)
    flushing = flush_denormals(not args.keep_denormals)
    r = measure(None, args.n, args.batch, args.activation, args.repeats)
    s_ours, s_torch = r["nnunsup_s"], r["torch_s"]["cpu"]
    print(f"numpy {np.__version__}, torch {torch.__version__}, {platform.machine()}, "
          f"{threads} threads, flush-to-zero {'on' if flushing else 'off'}, {r['source']}, {args.n} images, batch {args.batch}, "
          f"activation {args.activation}, median of {args.repeats} epochs")
    print(f"{'':10} {'epoch s':>8} {'GFLOP/s':>8}")
    print(f"{'nnunsup':10} {s_ours:8.3f} {r['flops'] / s_ours / 1e9:8.1f}")
    print(f"{'PyTorch':10} {s_torch:8.3f} {r['flops'] / s_torch / 1e9:8.1f}")
    print(f"ratio nnunsup / PyTorch: {s_ours / s_torch:.2f}  (target ≤ 1.0)")


if __name__ == "__main__":
    main()
