"""Linear + activation forward/backward step versus the bare GEMMs of the same shapes.

One training step of a dense layer is three matrix products — forward x Wᵀ, then
dW = doutᵀ x and dx = dout W — plus cheap elementwise work (bias, activation and its
derivative).  This script times the full nnunsup step (``Linear`` + activation, forward
and backward through the layer protocol) and the three bare ``numpy`` GEMMs alone, with
the two interleaved, and prints the step's share of GEMM throughput
(= t_gemm / t_step; 100 % means the layer adds no overhead at all).

    python benchmarks/bench_linear.py            # float32, batch 256, 784 → 256
    python benchmarks/bench_linear.py --repeats 200 --batch 1024

:func:`measure` returns one activation's figures as a dict (``harness.py`` calls it).

The figures go to docs/performance.md.
"""
import argparse
import platform
import statistics
import time

import numpy as np

from nnunsup.nn import Linear, activation


def step(linear, act, params, x, dout):
    z, linear_cache = linear.forward(params, x)
    a, act_cache = act.forward({}, z)
    dz, _ = act.backward(dout, act_cache)
    dx, grads = linear.backward(dz, linear_cache)
    return dx, grads


def bare_gemms(x, W, dout):
    z = x @ W.T          # forward
    dW = dout.T @ x      # weight gradient
    dx = dout @ W        # input gradient
    return z, dW, dx


def measure(activation_name="relu", batch=256, n_in=784, n_out=256, dtype="float32", repeats=100):
    """Median seconds of the layer step and of its three bare GEMMs, interleaved.

    Returns {"step_s", "gemm_s", "flops" (of the three GEMMs), "gemm_gflops" (their rate),
    "share" (t_gemm / t_step)}.
    """
    rng = np.random.default_rng(0)
    dtype = np.dtype(dtype)
    x = rng.standard_normal((batch, n_in)).astype(dtype)
    dout = rng.standard_normal((batch, n_out)).astype(dtype)
    linear, act = Linear(n_in, n_out), activation(activation_name)
    params = linear.init_params(rng, dtype)
    W = params["W"]
    for _ in range(5):                                   # warm up BLAS and caches
        step(linear, act, params, x, dout)
        bare_gemms(x, W, dout)
    t_step, t_gemm = [], []
    for _ in range(repeats):                              # interleaved, so drift hits both
        t0 = time.perf_counter()
        step(linear, act, params, x, dout)
        t1 = time.perf_counter()
        bare_gemms(x, W, dout)
        t2 = time.perf_counter()
        t_step.append(t1 - t0)
        t_gemm.append(t2 - t1)
    step_s, gemm_s = statistics.median(t_step), statistics.median(t_gemm)
    flops = 3 * 2 * batch * n_in * n_out
    return {"step_s": step_s, "gemm_s": gemm_s, "flops": flops,
            "gemm_gflops": flops / gemm_s / 1e9, "share": gemm_s / step_s}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--n-in", type=int, default=784)
    parser.add_argument("--n-out", type=int, default=256)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--activations", default="relu,sigmoid,tanh")
    args = parser.parse_args()
    print(f"numpy {np.__version__}, {platform.processor() or platform.machine()}, "
          f"{args.dtype}, batch {args.batch}, {args.n_in} -> {args.n_out}, "
          f"median of {args.repeats}")
    print(f"{'activation':10} {'step ms':>8} {'GEMM ms':>8} {'GEMM GFLOP/s':>13} {'share of GEMM':>14}")
    for name in args.activations.split(","):
        r = measure(name, args.batch, args.n_in, args.n_out, args.dtype, args.repeats)
        print(f"{name:10} {1e3 * r['step_s']:8.3f} {1e3 * r['gemm_s']:8.3f} "
              f"{r['gemm_gflops']:13.1f} {100 * r['share']:13.1f}%")


if __name__ == "__main__":
    main()
