"""SOM training throughput and quantisation error: nnunsup versus MiniSom, side by side.

Both libraries train a 20 × 20 map on the same (20000, 64) float32 data for the same
number of sample presentations (epochs × N).  MiniSom runs its online ``train_random``
(one object per update, ``epochs × N`` updates); nnunsup runs its batch map
(``algorithm="batch"``, ``epochs`` passes over all N objects), once with its own default
schedule and once with MiniSom's neighbourhood endpoints.  nnunsup's online mode
(``algorithm="online"``, the slide's per-object rule) is timed on one epoch for the
per-sample comparison.  Every training includes its initialisation.  The runs are
interleaved (one of each per repeat) and the medians are reported.  The machine's
other load is watched through /proc/stat (Linux): before each run the script waits for
the CPUs to be quiet, and a run during which other processes used more than 5 % of the
CPUs is discarded and run again (at most 10 times), since two BLAS threads on a shared
2-core machine slow down several-fold.

Data: 8 × 8 MNIST digits (a seeded subset of the training set, 28 × 28 padded to 32 × 32,
then 4 × 4 block means), read from ``$NNUNSUP_DATA/mnist``, the nnunsup cache or
``../shared/data/mnist``; a seeded 16-component Gaussian mixture in 64-D when no copy is
found (``--data synthetic`` forces it).  Quantisation error (QE, mean distance to the
best-matching unit) is each library's own, cross-checked by one shared float64 function;
topographic error (TE) is each library's own (8-neighbourhood on both).

    python benchmarks/bench_som.py                  # 10 epochs = 200,000 presentations, 5 repeats
    python benchmarks/bench_som.py --repeats 3 --epochs 5
    python benchmarks/bench_som.py --sweep          # QE/TE of other settings, once each (slow)

:func:`measure` returns the figures as a dict (``harness.py`` calls it, with settings from
``build_parser().parse_args([...])``).

The figures go to docs/performance.md.
"""
import argparse
import importlib.metadata
import os
import pathlib
import platform
import statistics
import time

import numpy as np
from _common import cpu_model, load_average, machine_busy_seconds, wait_until_quiet

import nnunsup
from nnunsup.competitive import SOM
from nnunsup.datasets import synthetic
from nnunsup.datasets._cache import DatasetNotFoundError
from nnunsup.datasets.mnist import load_mnist

try:
    from minisom import MiniSom
except ImportError:  # pragma: no cover - the peer is an optional dependency
    MiniSom = None   # main() and measure() say so
try:
    import threadpoolctl
except ImportError:  # pragma: no cover
    threadpoolctl = None

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"


# -- data ---------------------------------------------------------------------------------

def mnist_8x8(n, seed):
    """n seeded MNIST training digits as (n, 64) float32 in [0, 1], or None if absent."""
    for path in (None, SHARED_DATA):             # None: $NNUNSUP_DATA, then the cache
        try:
            images, _ = load_mnist("train", path=path, download=False, n_samples=n,
                                   random_state=seed, flatten=False)   # (n, 28, 28)
        except DatasetNotFoundError:
            continue
        padded = np.pad(images, ((0, 0), (2, 2), (2, 2)))               # (n, 32, 32)
        X = padded.reshape(n, 8, 4, 8, 4).mean(axis=(2, 4))             # (n, 8, 8)
        return X.reshape(n, 64).astype(np.float32), f"MNIST train, {path or 'NNUNSUP_DATA/cache'}"
    return None


def gaussian_mixture_64(n, seed):
    """A seeded 16-component Gaussian mixture in 64-D with unequal widths, float32."""
    X, _ = synthetic.gaussian_mixture(n, centers=16, n_features=64,
                                      cluster_std=np.linspace(1.0, 3.0, 16), random_state=seed)
    return X.astype(np.float32)


def load_data(kind, n, seed):
    if kind in ("auto", "mnist"):
        found = mnist_8x8(n, seed)
        if found is not None:
            X, where = found
            return X, f"8x8 MNIST digits ({where}; 28x28 padded to 32x32, 4x4 block means)"
        if kind == "mnist":
            raise SystemExit("MNIST not found: set NNUNSUP_DATA or use --data synthetic")
    return gaussian_mixture_64(n, seed), "synthetic: 16-component Gaussian mixture in 64-D"


def shared_qe(X, W):
    """Mean distance to the best-matching unit, float64: the cross-check for both libraries."""
    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64).reshape(-1, X.shape[1])        # (MH, n)
    c = (W * W).sum(axis=1)[None, :] - 2.0 * (X @ W.T)                 # (N, MH), ρ² − ‖x‖²
    bmu = W[c.argmin(axis=1)]                                           # (N, n)
    return float(np.sqrt(((X - bmu) ** 2).sum(axis=1)).mean())


# -- the trainings --------------------------------------------------------------------------

def train_minisom(X, args, presentations, seed, sigma=None, learning_rate=None, decay=None):
    sigma = args.ms_sigma if sigma is None else sigma
    learning_rate = args.ms_learning_rate if learning_rate is None else learning_rate
    decay = args.ms_decay if decay is None else decay
    kwargs = {} if decay == "asymptotic" else {"decay_function": "linear_decay_to_zero",
                                               "sigma_decay_function": "linear_decay_to_one"}
    som = MiniSom(args.m, args.h, X.shape[1], sigma=sigma, learning_rate=learning_rate,
                  neighborhood_function="gaussian", random_seed=seed, **kwargs)
    som.pca_weights_init(X)
    som.train_random(X, presentations)
    return som


def train_nnunsup(X, args, epochs, algorithm, sigma, sigma_final, seed,
                  learning_rate=0.5, learning_rate_final=0.01):
    som = SOM(args.m, args.h, epochs=epochs, algorithm=algorithm, sigma=sigma,
              sigma_final=sigma_final, learning_rate=learning_rate,
              learning_rate_final=learning_rate_final, init="pca", kernel="gaussian",
              random_state=seed, verbose=False)
    return som.fit(X)


def timed(fn):
    """(wall seconds, CPU seconds of this process, others' share, fn()).

    CPU time counts every thread of the process and leaves out time spent descheduled, so
    with one BLAS thread it measures the work even when other jobs share the machine.
    Others' share is the CPU time the rest of the machine used meanwhile, as a fraction
    of all its cores over the run (None where /proc/stat is missing).
    """
    busy, wall, cpu = machine_busy_seconds(), time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    others = None
    if busy is not None:
        others = max(machine_busy_seconds() - busy - cpu, 0.0) / (wall * os.cpu_count())
    return wall, cpu, others, result


def configurations(X, args):
    """(label, settings text, presentations, train()) of every timed run, in run order."""
    N, E = args.n, args.epochs
    s0 = args.ms_sigma
    ms_end = "1/3 of start" if args.ms_decay == "asymptotic" else "η→0, σ→1"
    eta0 = args.ms_learning_rate
    return [
        ("MiniSom train_random", f"σ={s0:g}, η={eta0:g}, {args.ms_decay} decay ({ms_end}), "
         f"PCA init, {E * N} updates", E * N,
         lambda seed: train_minisom(X, args, E * N, seed)),
        ("nnunsup batch, defaults", f"σ {max(args.m, args.h) / 2:g}→0.5, PCA init, {E} epochs",
         E * N, lambda seed: train_nnunsup(X, args, E, "batch", None, 0.5, seed)),
        ("nnunsup batch, MiniSom's σ ends", f"σ {s0:g}→{s0 / 3:g}, PCA init, {E} epochs",
         E * N, lambda seed: train_nnunsup(X, args, E, "batch", s0, s0 / 3, seed)),
        ("nnunsup online", f"σ {s0:g}→{s0 / 3:g}, η {eta0:g}→{eta0 / 3:.3g}, PCA init, "
         f"{args.online_epochs} epoch(s)", args.online_epochs * N,
         lambda seed: train_nnunsup(X, args, args.online_epochs, "online", s0, s0 / 3,
                                    seed, eta0, eta0 / 3)),
    ]


def quality(model, X):
    """(own QE, shared QE, own TE) of a trained MiniSom or nnunsup map."""
    if MiniSom is not None and isinstance(model, MiniSom):
        return (float(model.quantization_error(X)), shared_qe(X, model.get_weights()),
                float(model.topographic_error(X)))
    return (model.quantization_error(X), shared_qe(X, model.params["W"]),
            model.topographic_error(X))


# -- report ---------------------------------------------------------------------------------

def machine_info():
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} "
          f"{platform.release()}, Python {platform.python_version()}")
    print(f"numpy {np.__version__}, minisom {importlib.metadata.version('minisom')}, "
          f"nnunsup {nnunsup.__version__}")
    if threadpoolctl is not None:
        for pool in threadpoolctl.threadpool_info():
            print(f"  threadpool: {pool['internal_api']} {pool.get('version')} "
                  f"({pool.get('architecture', '-')}), {pool['num_threads']} threads, "
                  f"{pathlib.Path(pool['filepath']).name}")
    else:
        print("  threadpoolctl not installed: thread counts unknown")
    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    print(f"  threading environment: {env or 'none of OPENBLAS_*, OMP_*, MKL_* set'}")
    print(f"  load average at start: {load_average()}")


def sweep(X, args):
    """QE and TE of other settings of both libraries (one run each, untimed)."""
    N, E = args.n, args.epochs
    print(f"\nsweep: QE / TE after {E * N} presentations (one run each)")
    for decay in ("asymptotic", "linear"):
        for sigma in (1.0, 2.0, 3.0, 5.0):
            for eta in (0.2, 0.5, 1.0):
                seconds, _, _, som = timed(lambda: train_minisom(X, args, E * N, args.seed,
                                                           sigma, eta, decay))
                qe, _, te = quality(som, X)
                print(f"  MiniSom σ={sigma:g} η={eta:g} {decay:10}  QE {qe:.4f}  TE {te:.4f}  "
                      f"({1e6 * seconds / (E * N):.0f} µs/update)", flush=True)
    for sigma in (None, 5.0, 3.0):
        for sigma_final in (1.0, 0.8, 0.5, 0.33, 0.2):
            som = train_nnunsup(X, args, E, "batch", sigma, sigma_final, args.seed)
            qe, _, te = quality(som, X)
            start = max(args.m, args.h) / 2 if sigma is None else sigma
            print(f"  nnunsup batch σ {start:g}→{sigma_final:g}  QE {qe:.4f}  TE {te:.4f}",
                  flush=True)


def build_parser():
    """The command line; ``build_parser().parse_args([])`` gives the default settings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="objects N")
    parser.add_argument("--m", type=int, default=20, help="grid rows M")
    parser.add_argument("--h", type=int, default=20, help="grid columns H")
    parser.add_argument("--epochs", type=int, default=10,
                        help="E: presentations = E × N for both libraries")
    parser.add_argument("--online-epochs", type=int, default=1,
                        help="epochs of nnunsup's online mode (per-sample timing)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", choices=("auto", "mnist", "synthetic"), default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ms-sigma", type=float, default=3.0, help="MiniSom σ (start)")
    parser.add_argument("--ms-learning-rate", type=float, default=0.5, help="MiniSom η (start)")
    parser.add_argument("--ms-decay", choices=("asymptotic", "linear"), default="asymptotic",
                        help="asymptotic: MiniSom's default x/(1 + t/(T/2)) for σ and η; "
                             "linear: η linearly to 0 and σ linearly to 1")
    parser.add_argument("--max-others", type=float, default=0.05,
                        help="rerun a timed run when other processes used more than this "
                             "share of the machine's CPUs meanwhile (Linux)")
    parser.add_argument("--retries", type=int, default=10,
                        help="at most this many reruns of one timed run")
    parser.add_argument("--max-wait", type=float, default=300,
                        help="seconds to wait for a quiet machine before each run")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS/OpenMP threads (threadpoolctl)")
    parser.add_argument("--sweep", action="store_true",
                        help="also print QE/TE of a grid of settings (about 10 minutes)")
    return parser


def measure(X, args, labels=None, log=print):
    """Time the runs of :func:`configurations` (those named in ``labels``, MiniSom's first,
    or all), interleaved, ``args.repeats`` times, with the quiet-machine rule of the module
    docstring; ``log`` gets one line per repeat and per discarded run.

    Returns {"runs": {label: {"settings", "presentations", "seconds" (list), "median_s",
    "min_s", "max_s", "cpu_median_s", "x_minisom" and "x_minisom_cpu" (throughput, wall
    and CPU, as a multiple of MiniSom's), "qe", "qe_shared", "te"}}, "reruns",
    "others_max" (the largest share of the CPUs other processes used during a kept run,
    or None)}.
    """
    if MiniSom is None:
        raise ImportError("the SOM benchmark needs MiniSom: pip install minisom")
    runs = [run for run in configurations(X, args) if labels is None or run[0] in labels]
    if runs[0][0] != "MiniSom train_random":
        raise ValueError("the runs must include MiniSom's, the baseline")
    n_warm = min(1000, X.shape[0])
    train_minisom(X[:n_warm], args, n_warm, args.seed)              # warm-up both code paths
    train_nnunsup(X[:n_warm], args, 2, "batch", None, 0.5, args.seed)
    train_nnunsup(X[:min(200, n_warm)], args, 1, "online", None, 0.5, args.seed)

    seconds = {label: [] for label, *_ in runs}
    cpu_seconds = {label: [] for label, *_ in runs}
    models = {}
    rerun, busy_kept = 0, []
    for repeat in range(args.repeats):
        for label, _, _, train in runs:
            for attempt in range(args.retries + 1):     # rerun a run that shared the CPUs
                wait_until_quiet(args.max_others, args.max_wait)
                elapsed, cpu, others, models[label] = timed(lambda: train(args.seed))
                if others is None or others <= args.max_others or attempt == args.retries:
                    break
                rerun += 1
                log(f"  {label}: other processes used {100 * others:.0f} % of the "
                    f"machine; wait and run again")
            seconds[label].append(elapsed)
            cpu_seconds[label].append(cpu)
            busy_kept.append(others)
        log(f"repeat {repeat + 1}/{args.repeats}: "
            + ", ".join(f"{label} {s[-1]:.2f} s" for label, s in seconds.items()))

    first = runs[0][0]                                               # MiniSom
    base = statistics.median(seconds[first]) / runs[0][2]            # s per presentation
    base_cpu = statistics.median(cpu_seconds[first]) / runs[0][2]
    results = {}
    for label, settings, presentations, _ in runs:
        median, cpu = statistics.median(seconds[label]), statistics.median(cpu_seconds[label])
        qe, qe_shared, te = quality(models[label], X)
        results[label] = {
            "settings": settings, "presentations": presentations, "seconds": seconds[label],
            "median_s": median, "min_s": min(seconds[label]), "max_s": max(seconds[label]),
            "cpu_median_s": cpu, "x_minisom": base * presentations / median,
            "x_minisom_cpu": base_cpu * presentations / cpu,
            "qe": float(qe), "qe_shared": qe_shared, "te": float(te)}
    others = None if not busy_kept or busy_kept[0] is None else max(busy_kept)
    return {"runs": results, "reruns": rerun, "others_max": others}


def main():
    args = build_parser().parse_args()
    if MiniSom is None:
        raise SystemExit("this benchmark needs MiniSom: pip install minisom")

    if args.blas_threads is not None:
        if threadpoolctl is None:
            raise SystemExit("--blas-threads needs threadpoolctl")
        threadpoolctl.threadpool_limits(args.blas_threads)
    X, data_text = load_data(args.data, args.n, args.seed)
    machine_info()
    print(f"data: {data_text}; X {X.shape} {X.dtype}, mean {X.mean():.4f}, sd {X.std():.4f}")
    print(f"map {args.m} x {args.h}, gaussian neighbourhood, {args.epochs} epochs = "
          f"{args.epochs * args.n} presentations, seed {args.seed}, "
          f"median of {args.repeats} interleaved repeats\n")

    r = measure(X, args, log=lambda line: print(line, flush=True))
    if r["others_max"] is not None:
        print(f"other processes' share of the machine during the kept runs: at most "
              f"{100 * r['others_max']:.1f} %; {r['reruns']} run(s) discarded and rerun")

    print(f"\n{'run':34} {'pres.':>7} {'median s':>9} {'min-max s':>13} {'pres./s':>10} "
          f"{'x MiniSom':>9} {'CPU s':>8} {'x (CPU)':>8} {'QE own':>7} {'QE shared':>9} "
          f"{'TE':>6}")
    for label, run in r["runs"].items():
        spread = f"{run['min_s']:.2f}-{run['max_s']:.2f}"
        print(f"{label:34} {run['presentations']:7d} {run['median_s']:9.3f} {spread:>13} "
              f"{run['presentations'] / run['median_s']:10.0f} {run['x_minisom']:9.1f} "
              f"{run['cpu_median_s']:8.3f} {run['x_minisom_cpu']:8.1f} "
              f"{run['qe']:7.4f} {run['qe_shared']:9.4f} {run['te']:6.4f}")
    print(f"load average at end: {load_average()}")
    print("\nsettings:")
    for label, run in r["runs"].items():
        print(f"  {label}: {run['settings']}")
    if args.sweep:
        sweep(X, args)


if __name__ == "__main__":
    main()
