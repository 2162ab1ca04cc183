"""Every benchmark against its peer, with fixed workloads, in one table of ratios.

Runs the measurements of the ``bench_*.py`` scripts beside this file with fixed settings
and prints, in Markdown:

1. the machine: platform, CPU model, cores, Python, NumPy and its BLAS (as built, from
   ``numpy.show_config``, and as loaded, from threadpoolctl), PyTorch, scikit-learn and
   MiniSom versions, the threads used, whether the CPU ran in flush-to-zero mode
   (``_common.flush_denormals``: on unless ``--keep-denormals``, so that PyTorch's
   subnormal Adam moments do not slow its later epochs; nnunsup flushes its own), CUDA (or
   "no CUDA"), and whether ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` are set (read,
   never changed);
2. one table, ``workload | nnunsup | peer | ratio | target | met?``, where the ratio is
   nnunsup's time over the peer's (lower is better) or, against bare GEMMs, the share of
   GEMM speed (t_GEMM / t_nnunsup, higher is better), with the targets of the issues:

   ========================================  ================================================
   workload                                  target
   ========================================  ================================================
   Linear step vs its 3 bare GEMMs           ≥ 80 % of bare-GEMM throughput
   MLP AE epoch vs its bare GEMMs            ≥ 0.5 of GEMM-bound speed (its FLOPs divided
                                             by the rate of the bare GEMMs of the same
                                             shapes, forward and backward, one epoch's steps)
   MLP AE, VAE, GAN steps vs PyTorch (CPU)   ≤ 0.75 × PyTorch's time
   conv layers vs PyTorch (CPU)              ≤ 1.5 × PyTorch's time
   RBM CD-1 epoch vs scikit-learn            ≥ 2× faster (ratio ≤ 0.5), the same dtype
   batch SOM vs MiniSom ``train_random``     ≥ 50× the throughput at equal or lower QE
   ========================================  ================================================

   PyTorch on CUDA is timed too where ``torch.cuda.is_available()`` (information, no
   target; nnunsup's side stays NumPy on the CPU); else the report says "no CUDA".
   Where CuPy sees a GPU, the ``ae_gpu`` workload adds the GPU targets: the AE epoch on
   the CuPy backend at batch 1024 no slower than PyTorch CUDA's (ratio ≤ 1), and at batch
   8192 at least 30× faster than nnunsup on NumPy on the same machine's CPU (ratio ≤ 1/30);
   without CuPy and a GPU it is listed as skipped;
3. memory: the peak resident set (``resource.getrusage``'s ``ru_maxrss``) after each
   workload, and the autoencoder trained 6 epochs under ``tracemalloc``: its peak, the
   traced size after each epoch, and the growth from epoch 2 to 6 (checked below 64 KiB:
   a leak of one (128,) float32 array per step would be 160 KiB over those 4 epochs).

Every figure is a median over repeats, the sides taking turns in rounds (as in the
scripts, ``_common.interleaved_many``); the share
of the CPUs other processes used during each workload is printed after the table, since
timings on a shared machine are worth little.  Run it alone on the machine.

    python benchmarks/harness.py                    # about 5 minutes on 2 cores
    python benchmarks/harness.py --quick            # a smoke run of every workload, ~20 s
    python benchmarks/harness.py --json results.json --threads 1
    python benchmarks/harness.py --only linear,gemm_bound,memory

The default repeats — Linear 300 steps, the AE/VAE epochs 11, GAN 9, RBM 15, conv 40,
SOM 5 (MiniSom takes about 23 s per repeat of 200,000 presentations, and the SOM script
waits 3 s for a quiet machine before each run) — took 4.5 minutes on a 2-core AMD EPYC
(OpenBLAS SkylakeX kernels), most of it MiniSom.  Workloads whose peer is not
installed (PyTorch, scikit-learn, MiniSom) are listed as skipped.
"""
import argparse
import copy
import importlib.util
import json
import os
import platform
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # the bench_* modules

import _common  # noqa: E402
import bench_autoencoder  # noqa: E402
import bench_conv  # noqa: E402
import bench_gan  # noqa: E402
import bench_linear  # noqa: E402
import bench_rbm  # noqa: E402
import bench_som  # noqa: E402
import bench_vae  # noqa: E402

import nnunsup  # noqa: E402

#: the fixed workloads; "images" MNIST images (else noise) serve the AE, VAE, GAN and RBM
SETTINGS = {
    "full": {
        "images": 10000,
        "linear": {"batch": 256, "n_in": 784, "n_out": 256, "repeats": 300,
                   "activations": ("relu", "sigmoid", "tanh")},
        "gemm_bound": {"batch": 128, "repeats": 11},
        "ae": {"batch": 128, "repeats": 11},
        "vae": {"batch": 128, "repeats": 11},
        "gan": {"batch": 128, "repeats": 9},
        "conv": {"repeats": 40, "layers": None},          # None: all of bench_conv.WORKLOADS
        "rbm": {"hidden": 256, "batch": 100, "repeats": 15},
        "som": {"argv": ["--repeats", "5"]},              # bench_som's defaults otherwise
        "memory": {"batch": 128, "epochs": 6},
        "ae_gpu": {"batches": (1024, 8192), "repeats": 7},
    },
    "quick": {
        "images": 2000,
        "linear": {"batch": 256, "n_in": 784, "n_out": 256, "repeats": 30,
                   "activations": ("relu", "sigmoid", "tanh")},
        "gemm_bound": {"batch": 128, "repeats": 3},
        "ae": {"batch": 128, "repeats": 3},
        "vae": {"batch": 128, "repeats": 3},
        "gan": {"batch": 128, "repeats": 3},
        "conv": {"repeats": 5, "layers": None},
        "rbm": {"hidden": 256, "batch": 100, "repeats": 3},
        "som": {"argv": ["--n", "2000", "--epochs", "2", "--repeats", "1", "--max-wait", "0"]},
        "memory": {"batch": 128, "epochs": 6},
        "ae_gpu": {"batches": (1024, 8192), "repeats": 2},
    },
}

#: the runs of bench_som timed here: the baseline and the batch map with two schedules
SOM_RUNS = ("MiniSom train_random", "nnunsup batch, defaults", "nnunsup batch, MiniSom's σ ends")
TORCH_TARGET = 0.75
#: the GPU targets: the CuPy epoch over PyTorch CUDA's at batch ≥ 1024, and over NumPy's
#: on the host CPU at batch 8192
CUDA_TARGET, CUDA_MIN_BATCH, HOST_CPU_TARGET, HOST_CPU_BATCH = 1.0, 1024, 1 / 30, 8192
MEMORY_GROWTH_LIMIT = 64 * 1024


# -- rows ---------------------------------------------------------------------------------------

def row(workload, nnunsup, peer, ratio, kind, target, met, **raw):
    """One line of the table; ``kind`` is "time" (nnunsup / peer) or "share" (of GEMM)."""
    return {"workload": workload, "nnunsup": nnunsup, "peer": peer, "ratio": ratio,
            "ratio_kind": kind, "target": target, "met": met, "raw": raw}


def time_row(workload, ours_s, peer_s, peer_name, limit, unit="ms", **raw):
    """A row comparing two times; ``limit`` None makes it information only.  ``raw`` (the
    measurement and the like) goes into the row's "raw" beside the two times."""
    scale = 1e3 if unit == "ms" else 1.0
    ratio = ours_s / peer_s
    target = f"≤ {limit:g}" if limit is not None else "— (information)"
    met = None if limit is None else ratio <= limit
    return row(workload, f"{scale * ours_s:.3f} {unit}", f"{scale * peer_s:.3f} {unit} ({peer_name})",
               ratio, "time", target, met, nnunsup_s=ours_s, peer_s=peer_s, **raw)


def torch_name(device):
    import torch
    return f"PyTorch {torch.__version__} {device.upper()}"


# -- the workloads: each takes (its settings, the context) and returns rows ---------------------

def images(ctx):
    if "X" not in ctx:
        ctx["X"], ctx["source"] = _common.load_images(ctx["settings"]["images"])
    return ctx["X"]


def workload_linear(s, ctx):
    rows = []
    for name in s["activations"]:
        r = bench_linear.measure(name, s["batch"], s["n_in"], s["n_out"], "float32", s["repeats"])
        rows.append(row(f"Linear {s['n_in']}→{s['n_out']} + {name} step, batch {s['batch']}",
                        f"{1e3 * r['step_s']:.3f} ms",
                        f"{1e3 * r['gemm_s']:.3f} ms (3 bare GEMMs, "
                        f"{r['gemm_gflops']:.0f} GFLOP/s)",
                        r["share"], "share", "≥ 0.80", r["share"] >= 0.80, measured=r))
    return rows


def workload_gemm_bound(s, ctx):
    r = bench_autoencoder.measure_gemm_bound(images(ctx), batch=s["batch"], repeats=s["repeats"])
    return [row(f"MLP AE epoch ({r['steps']} steps) vs its GEMMs",
                f"{r['epoch_s']:.3f} s",
                f"{r['gemm_s']:.3f} s (bare GEMMs, {r['flops'] / 1e9:.1f} GFLOP at "
                f"{r['gemm_gflops']:.0f} GFLOP/s)",
                r["share"], "share", "≥ 0.5", r["share"] >= 0.5, measured=r)]


def _step_rows(name, bench, s, ctx):
    """One row per device: an epoch's time of ``bench.measure`` divided by its steps."""
    r = bench.measure(images(ctx), batch=s["batch"], repeats=s["repeats"],
                      devices=ctx["devices"])
    steps = r["steps"]
    return [time_row(f"{name} step (epoch / {steps}) vs PyTorch {d.upper()}",
                     r["nnunsup_s"] / steps, r["torch_s"][d] / steps, torch_name(d),
                     TORCH_TARGET if d == "cpu" else None, device=d, measured=r)
            for d in ctx["devices"]]


def workload_ae(s, ctx):
    return _step_rows("MLP AE", bench_autoencoder, s, ctx)


def workload_vae(s, ctx):
    return _step_rows("VAE", bench_vae, s, ctx)


def workload_gan(s, ctx):
    r = bench_gan.measure(images(ctx), batch=s["batch"], repeats=s["repeats"],
                          devices=ctx["devices"])
    return [time_row(f"GAN step (D + G, epoch / {r['steps']}) vs PyTorch {d.upper()}",
                     r["nnunsup_ms"] / 1e3, r["torch_ms"][d] / 1e3, torch_name(d),
                     TORCH_TARGET if d == "cpu" else None, device=d, measured=r)
            for d in ctx["devices"]]


def workload_conv(s, ctx):
    rows = []
    for layer in s["layers"] or bench_conv.WORKLOADS:
        r = bench_conv.measure(layer, s["repeats"])
        rows.append(time_row(f"{layer[0]}, batch {layer[7]}, fwd + bwd", r["nnunsup_s"],
                             r["torch_s"], torch_name("cpu"), 1.5, measured=r))
    return rows


def workload_rbm(s, ctx):
    import sklearn
    r = bench_rbm.measure(images(ctx), hidden=s["hidden"], batch=s["batch"], repeats=s["repeats"])
    same = r["dtype"]["nnunsup"] == r["dtype"]["scikit-learn"]
    peer = f"scikit-learn {sklearn.__version__} PCD-1, {r['dtype']['scikit-learn']}"
    sk = r["seconds"]["scikit-learn"]
    cd1 = time_row(f"RBM CD-1 epoch, {s['hidden']} hidden, batch {s['batch']}",
                   r["seconds"]["CD-1"], sk, peer, 0.5, unit="s", measured=r)
    cd1["target"] = "≤ 0.5 (≥ 2× faster), same dtype"
    cd1["met"] = cd1["met"] and same
    pcd1 = time_row("RBM PCD-1 epoch (like-for-like)", r["seconds"]["PCD-1"], sk, peer, None,
                    unit="s", measured=r)
    return [cd1, pcd1]


def workload_som(s, ctx):
    args = bench_som.build_parser().parse_args(s["argv"])
    X, data_text = bench_som.load_data(args.data, args.n, args.seed)
    r = bench_som.measure(X, args, labels=SOM_RUNS, log=ctx["progress"])
    runs = r["runs"]
    base = runs[SOM_RUNS[0]]
    rows = []
    for label in SOM_RUNS[1:]:
        run = runs[label]
        ratio = 1.0 / run["x_minisom"]
        met = run["x_minisom"] >= 50 and run["qe"] <= base["qe"]
        rows.append(row(f"SOM {args.m}×{args.h}, {run['presentations']:,} presentations: "
                        f"{label} ({run['settings']})",
                        f"{run['median_s']:.3f} s, QE {run['qe']:.4f}, TE {run['te']:.3f}",
                        f"{base['median_s']:.2f} s, QE {base['qe']:.4f}, TE {base['te']:.3f} "
                        f"(MiniSom {_common.package_version('minisom')} train_random)",
                        ratio, "time", "≤ 0.02 (≥ 50× throughput), QE ≤ MiniSom's", met,
                        nnunsup_s=run["median_s"], peer_s=base["median_s"],
                        x_minisom=run["x_minisom"], data=data_text, measured=r))
    return rows


def workload_memory(s, ctx):
    r = bench_autoencoder.measure_memory(images(ctx), batch=s["batch"], epochs=s["epochs"])
    ctx["memory"] = dict(r, epochs=s["epochs"], limit_bytes=MEMORY_GROWTH_LIMIT,
                         met=abs(r["growth_bytes"]) < MEMORY_GROWTH_LIMIT)
    return []


def workload_ae_gpu(s, ctx):
    torch_cuda = "cuda" in ctx["devices"]
    r = bench_autoencoder.measure_gpu(images(ctx), batches=s["batches"], repeats=s["repeats"],
                                      torch_cuda=torch_cuda)
    rows = []
    for batch in s["batches"]:
        t, steps = r[batch], r["steps"][batch]
        name = f"MLP AE epoch ({steps} steps of {batch}), CuPy"
        if torch_cuda:
            rows.append(time_row(f"{name} vs PyTorch CUDA", t["cupy_s"], t["torch_cuda_s"],
                                 torch_name("cuda"),
                                 CUDA_TARGET if batch >= CUDA_MIN_BATCH else None,
                                 unit="s", measured=t))
        ratio = t["cupy_s"] / t["numpy_s"]
        met = ratio <= HOST_CPU_TARGET if batch == HOST_CPU_BATCH else None
        rows.append(row(f"{name} vs nnunsup on NumPy, this CPU", f"{t['cupy_s']:.3f} s",
                        f"{t['numpy_s']:.3f} s (NumPy {np.__version__})", ratio, "time",
                        "≤ 1/30 (30× faster)" if met is not None else "— (information)", met,
                        nnunsup_s=t["cupy_s"], peer_s=t["numpy_s"], measured=t))
    return rows


def _needs_cupy():
    """Why the GPU workload cannot run here, or None."""
    from nnunsup import backend
    return None if backend.is_cupy_available() else "CuPy with a GPU is not available"


#: name, function, the peer: its module's name, a function saying what is missing (or
#: None when nothing is), or None when none is needed
WORKLOADS = [
    ("linear", workload_linear, None),
    ("gemm_bound", workload_gemm_bound, None),
    ("ae", workload_ae, "torch"),
    ("vae", workload_vae, "torch"),
    ("gan", workload_gan, "torch"),
    ("conv", workload_conv, "torch"),
    ("rbm", workload_rbm, "sklearn"),
    ("som", workload_som, "minisom"),
    ("memory", workload_memory, None),
    ("ae_gpu", workload_ae_gpu, _needs_cupy),
]


# -- the machine ------------------------------------------------------------------------------

def machine(threads, flushing=False):
    """What the figures were measured on, as {label: text}."""
    blas = _common.blas_info()
    info = {
        "platform": platform.platform(),
        "CPU": f"{_common.cpu_model()}, {os.cpu_count()} logical CPUs "
               f"({_common.usable_cores()} usable by this process)",
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "NumPy": f"{np.__version__}, BLAS built: {blas['build']}",
        "BLAS loaded": "; ".join(blas["pools"]),
        "nnunsup": nnunsup.__version__,
    }
    for name, dist in (("PyTorch", "torch"), ("scikit-learn", "scikit-learn"),
                       ("MiniSom", "minisom")):
        info[name] = _common.package_version(dist) or "not installed"
    info["threads"] = f"{threads} (PyTorch and BLAS alike)"
    info["flush-to-zero"] = ("on (torch.set_flush_denormal: PyTorch's subnormal Adam moments "
                             "are flushed, as nnunsup's are)" if flushing else "off")
    info["CUDA"] = cuda_text()
    info.update(_common.openblas_environment())
    info["load average at start"] = _common.load_average()
    return info


def cuda_text():
    if importlib.util.find_spec("torch") is None:
        return "no CUDA (PyTorch not installed)"
    import torch
    if not torch.cuda.is_available():
        return "no CUDA (torch.cuda.is_available() is False)"
    return f"{torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}"


# -- running and reporting ------------------------------------------------------------------

def _missing(peer):
    """Why a workload cannot run: its peer (a module name, or a function saying what is
    missing) is not there; None when it can."""
    if peer is None:
        return None
    if callable(peer):
        return peer()
    return None if importlib.util.find_spec(peer) is not None else f"{peer} is not installed"


def run(settings, names=None, threads=None, progress=None, flush_denormals=True):
    """Run the workloads ``names`` (all by default) with ``settings`` (a dict like
    ``SETTINGS["full"]``), with ``threads`` for PyTorch and BLAS, in flush-to-zero mode
    unless ``flush_denormals`` is false (:func:`_common.flush_denormals`); ``progress``
    gets a line per workload.  Returns {"machine", "settings", "devices", "rows", "skipped", "others"
    (other processes' share of the CPUs per workload), "max_rss_kib" (ru_maxrss after each
    workload), "memory" (:func:`bench_autoencoder.measure_memory`'s, with the check),
    "wall_s", "source" (of the images)}."""
    progress = progress or (lambda line: None)
    threads = _common.limit_threads(threads)
    flushing = _common.flush_denormals(flush_denormals)
    devices = ["cpu"]
    if importlib.util.find_spec("torch") is not None:
        import torch
        if torch.cuda.is_available():
            devices.append("cuda")
    ctx = {"settings": settings, "devices": devices, "progress": progress}
    results = {"machine": machine(threads, flushing), "settings": settings, "devices": devices,
               "rows": [], "skipped": {}, "others": {}, "max_rss_kib": {}, "memory": None}
    start = time.perf_counter()
    try:
        for name, fn, peer in WORKLOADS:
            if names is not None and name not in names:
                continue
            missing = _missing(peer)
            if missing:
                results["skipped"][name] = missing
                progress(f"{name}: skipped ({missing})")
                continue
            progress(f"{name} ...")
            watch, t0 = _common.OthersShare().start(), time.perf_counter()
            rows = fn(settings[name], ctx)
            results["others"][name] = watch.stop()
            results["max_rss_kib"][name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            for r in rows:
                r["others"] = results["others"][name]
            results["rows"] += rows
            progress(f"{name}: {time.perf_counter() - t0:.1f} s")
    finally:
        if flushing:
            _common.flush_denormals(False)      # the CPU's default again, for the caller
    results["memory"] = ctx.get("memory")
    results["wall_s"] = time.perf_counter() - start
    results["machine"]["load average at end"] = _common.load_average()
    results["source"] = ctx.get("source")
    return results


def _ratio_text(r):
    if r["ratio_kind"] == "share":
        return f"{r['ratio']:.2f} of GEMM"
    if r["ratio"] < 0.1:
        return f"{r['ratio']:.4f} ({1 / r['ratio']:.1f}×)"
    return f"{r['ratio']:.2f}"


def _met_text(met):
    return "—" if met is None else ("**yes**" if met else "no")


def report(results):
    """The Markdown report of :func:`run`'s results."""
    out = ["## Machine", ""]
    out += [f"- {key}: {value}" for key, value in results["machine"].items()]
    if results.get("source"):
        out.append(f"- images for the AE, VAE, GAN, RBM: {results['settings']['images']} "
                   f"({results['source']})")
    out += ["", "## Results (medians; ratio = nnunsup / peer time, or share of GEMM speed)", "",
            "| workload | nnunsup | peer | ratio | target | met? |",
            "|---|---:|---:|---:|---|---|"]
    for r in results["rows"]:
        out.append(f"| {r['workload']} | {r['nnunsup']} | {r['peer']} | {_ratio_text(r)} | "
                   f"{r['target']} | {_met_text(r['met'])} |")
    out.append("")
    if "cuda" not in results["devices"]:
        out.append(f"CUDA: {results['machine']['CUDA']}; the PyTorch rows are CPU only.")
    for name, why in results["skipped"].items():
        out.append(f"Skipped {name}: {why}.")
    shares = {k: v for k, v in results["others"].items() if v is not None}
    if shares:
        worst = max(shares, key=shares.get)
        out.append("Other processes' share of the CPUs during each workload: "
                   + ", ".join(f"{k} {100 * v:.1f} %" for k, v in shares.items())
                   + f" (at most {100 * shares[worst]:.1f} %, {worst}).")
    out += ["", "## Memory", ""]
    if results["max_rss_kib"]:
        # Linux reports ru_maxrss in KiB (macOS in bytes)
        unit = 1024 if sys.platform != "darwin" else 1024 * 1024
        peaks = results["max_rss_kib"]
        out.append(f"- peak resident set of the harness (ru_maxrss): "
                   f"{max(peaks.values()) / unit:.0f} MiB; after each workload: "
                   + ", ".join(f"{k} {v / unit:.0f}" for k, v in peaks.items()) + " MiB")
    m = results["memory"]
    if m:
        growth = m["growth_bytes"]
        out.append(f"- MLP AE, {m['epochs']} epochs under tracemalloc: peak traced "
                   f"{m['peak_bytes'] / 2**20:.1f} MiB; traced after each epoch (bytes): "
                   + ", ".join(str(c) for c in m["current_bytes"]))
        out.append(f"- growth from epoch 2 to {m['epochs']}: {growth:+d} bytes "
                   f"(target: below {m['limit_bytes'] // 1024} KiB in size; met? "
                   f"{_met_text(m['met'])})")
    out.append("")
    out.append(f"Wall time: {results['wall_s']:.0f} s.")
    return "\n".join(out)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats and smaller N: a smoke run of every workload")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for PyTorch and BLAS alike (default: PyTorch's default, "
                             "else the usable cores)")
    parser.add_argument("--only", default=None,
                        help="comma-separated workloads: " + ", ".join(w[0] for w in WORKLOADS))
    parser.add_argument("--json", metavar="PATH", default=None, help="also write the results here")
    parser.add_argument("--keep-denormals", action="store_true",
                        help="leave PyTorch's CPU out of flush-to-zero mode (its default)")
    args = parser.parse_args(argv)
    names = None if args.only is None else args.only.split(",")
    unknown = set(names or ()) - {w[0] for w in WORKLOADS}
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    settings = copy.deepcopy(SETTINGS["quick" if args.quick else "full"])
    results = run(settings, names, args.threads, flush_denormals=not args.keep_denormals,
                  progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(report(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=_json_default)
    return results


if __name__ == "__main__":
    main()
