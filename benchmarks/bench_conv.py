"""Convolution layers forward and backward: nnunsup versus PyTorch on the CPU.

The layers of the library's convolutional models, at their batch sizes, float32:

* the convolutional autoencoder's encoder (``ConvAutoencoder``, batch 128):
  1 → 16 channels, 3 × 3, padding 1 on 28 × 28, and 16 → 4 on 14 × 14;
* the DCGAN's discriminator and generator (``DCGAN``, batch 64): a 4 × 4 convolution with
  stride 2 and padding 1, 1 → 64 on 28 × 28 and 64 → 128 on 14 × 14, and the transposed
  convolutions 128 → 64 on 7 × 7 and 64 → 1 on 14 × 14.

A step is the layer's forward and its backward (the gradients of W, b and x) for a fixed
upstream gradient; PyTorch's is ``conv2d`` / ``conv_transpose2d`` with autograd.  The two
take turns in rounds, each after a settling time (``_common.interleaved_many``), with the
same number of threads, and the medians are reported.

    python benchmarks/bench_conv.py                 # needs `pip install torch`
    python benchmarks/bench_conv.py --threads 1 --repeats 50

:func:`measure` returns one layer's figures as a dict (``harness.py`` calls it).

The figures go to docs/performance.md.
"""
import argparse
import platform

import numpy as np
from _common import flush_denormals, interleaved, limit_threads, median

from nnunsup.nn import Conv2d, ConvTranspose2d

#: (name, layer class, in, out, kernel, stride, padding, batch, height = width)
WORKLOADS = [
    ("conv AE 1→16, 3×3, 28×28", Conv2d, 1, 16, 3, 1, 1, 128, 28),
    ("conv AE 16→4, 3×3, 14×14", Conv2d, 16, 4, 3, 1, 1, 128, 14),
    ("DCGAN D 1→64, 4×4/2, 28×28", Conv2d, 1, 64, 4, 2, 1, 64, 28),
    ("DCGAN D 64→128, 4×4/2, 14×14", Conv2d, 64, 128, 4, 2, 1, 64, 14),
    ("DCGAN G 128→64, 4×4/2, 7×7 (transposed)", ConvTranspose2d, 128, 64, 4, 2, 1, 64, 7),
    ("DCGAN G 64→1, 4×4/2, 14×14 (transposed)", ConvTranspose2d, 64, 1, 4, 2, 1, 64, 14),
]


def measure(workload, repeats):
    """Median seconds of one forward + backward step, interleaved.

    ``workload`` is a tuple as in :data:`WORKLOADS`.  Returns {"nnunsup_s", "torch_s",
    "max_abs_diff" (of the two forward outputs, checked below 1e-3 first)}.
    """
    import torch
    name, cls, c_in, c_out, k, s, p, n, h = workload
    rng = np.random.default_rng(0)
    layer = cls(c_in, c_out, k, stride=s, padding=p)
    params = layer.init_params(rng, np.float32)
    x = rng.standard_normal((n, c_in, h, h)).astype(np.float32)
    out, _ = layer.forward(params, x)
    dout = rng.standard_normal(out.shape).astype(np.float32)

    def ours():
        _, cache = layer.forward(params, x)
        return layer.backward(dout, cache)

    W = torch.from_numpy(params["W"].copy()).requires_grad_()
    b = torch.from_numpy(params["b"].copy()).requires_grad_()
    x_t = torch.from_numpy(x.copy()).requires_grad_()
    dout_t = torch.from_numpy(dout)
    conv = torch.nn.functional.conv2d if cls is Conv2d else torch.nn.functional.conv_transpose2d

    def theirs():
        W.grad = b.grad = x_t.grad = None
        conv(x_t, W, b, stride=s, padding=p).backward(dout_t)

    agreement = np.abs(out - conv(x_t, W, b, stride=s, padding=p).detach().numpy()).max()
    assert agreement < 1e-3, f"{name}: the two outputs differ by {agreement}"
    t_ours, t_theirs = interleaved(ours, theirs, repeats)
    return {"nnunsup_s": median(t_ours), "torch_s": median(t_theirs),
            "max_abs_diff": float(agreement)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None, help="threads for both sides")
    parser.add_argument("--keep-denormals", action="store_true",
                        help="leave PyTorch's CPU out of flush-to-zero mode (its default)")
    args = parser.parse_args()
    import torch
    threads = limit_threads(args.threads)
    flushing = flush_denormals(not args.keep_denormals)
    print(f"numpy {np.__version__}, torch {torch.__version__}, {platform.machine()}, "
          f"{threads} threads, flush-to-zero {'on' if flushing else 'off'}, float32, forward + backward, median of {args.repeats}")
    print(f"{'layer':42} {'nnunsup ms':>10} {'PyTorch ms':>10} {'ratio':>6}")
    for workload in WORKLOADS:
        r = measure(workload, args.repeats)
        ours, theirs = r["nnunsup_s"], r["torch_s"]
        print(f"{workload[0]:42} {1e3 * ours:10.2f} {1e3 * theirs:10.2f} {ours / theirs:6.2f}")
    print("target: ratio ≤ 1.5")


if __name__ == "__main__":
    main()
