"""What the benchmarks share: the images, the thread limit, the timing loops, the machine.

The timing loops interleave the sides in rounds (ours × k, theirs × k, ours × k, …), each
side's run of k timed calls preceded by untimed calls for a settling time, so that drift
of the machine hits all of them; callers report medians.  Not call by call: after a
call, OpenBLAS's worker threads and PyTorch's OpenMP threads spin for a while before they
sleep (OpenBLAS's for about 0.1 s), and where the threads of both sides fill the cores
the spinning threads of one side slow the other.  Measured on 2 cores, 2 threads each:
a 16 → 4 convolution step took 4.5 ms alone and 9.5 ms alternating call by call with
PyTorch's, whose own 3.5 ms became 7.0 ms.  The
machine helpers read /proc (Linux) and return None or "unknown" elsewhere; they only
report the environment (``OPENBLAS_CORETYPE`` and the like are read, never set).
"""
import importlib.metadata
import os
import pathlib
import platform
import statistics
import time

import numpy as np


def load_images(n):
    """``n`` MNIST training images (float32, (n, 784)), or uniform noise of that shape when
    MNIST is not found (an epoch's time does not depend on the values); and which it was."""
    try:
        from nnunsup.datasets import load_mnist
        data = os.environ.get("NNUNSUP_DATA") or os.path.join(
            os.path.dirname(__file__), "..", "..", "shared", "data")
        X, _ = load_mnist("train", os.path.join(data, "mnist") if os.path.isdir(data) else None,
                          n_samples=n, random_state=0, download=False)
        return X, "MNIST"
    except Exception:
        return np.random.default_rng(0).uniform(0, 1, (n, 784)).astype(np.float32), "uniform noise"


def flush_denormals(flush=True):
    """Put the main thread's CPU in flush-to-zero mode (``torch.set_flush_denormal``), so
    that PyTorch's Adam does not slow down when its moments of zero-gradient weights turn
    subnormal, as they do after about ten MNIST epochs (0.27 s → 0.35 s per AE epoch
    measured without the mode).  nnunsup flushes its own moments every 16 steps
    (``nnunsup.nn.optim``); the mode gives the peer the same, so that a median does not
    depend on how many epochs a side has run.  It also applies to NumPy's ufuncs in the
    main thread, where it changes nothing that nnunsup's flushing has not.  Returns
    whether the mode is on (False without PyTorch or ``flush``)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.set_flush_denormal(flush)) and flush


def limit_threads(threads):
    """The same number of threads for PyTorch and for NumPy's BLAS; returns the number.

    ``None`` keeps PyTorch's default (or, without PyTorch, the number of usable cores).
    """
    try:
        import torch
    except ImportError:
        torch = None
    if not threads:
        threads = torch.get_num_threads() if torch is not None else usable_cores()
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except ImportError:
        pass
    return threads


def interleaved_many(runs, repeats, rounds=5, settle=0.25):
    """Time every callable of the dict ``runs`` ``repeats`` times, the callables taking
    turns in ``rounds`` rounds (see the module's docstring for why not call by call).

    In each round, each callable runs untimed until ``settle`` seconds have passed (at
    least once), then is timed ``repeats / rounds`` times (rounded up).  Returns {name: list
    of seconds}, in the order of ``runs``.
    """
    rounds = max(1, min(rounds, repeats))
    per_round = -(-repeats // rounds)
    times = {name: [] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            until = time.perf_counter() + settle
            fn()
            while time.perf_counter() < until:
                fn()
            for _ in range(per_round):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return times


def interleaved(ours, theirs, repeats):
    """Time ``ours()`` and ``theirs()`` in alternating rounds (:func:`interleaved_many`).

    Returns the two lists of seconds, so that drift of the machine hits both sides.
    """
    times = interleaved_many({"ours": ours, "theirs": theirs}, repeats)
    return times["ours"], times["theirs"]


median = statistics.median


# -- the machine ----------------------------------------------------------------------------

def usable_cores():
    """The CPUs this process may run on (``os.sched_getaffinity``), else ``os.cpu_count()``."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_model():
    """The CPU's model name from /proc/cpuinfo, else what ``platform`` says."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_busy_seconds():
    """CPU seconds spent by the whole machine so far (Linux /proc/stat), or None."""
    try:
        fields = pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(v) for v in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)          # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(max_others, limit):
    """Sleep until other processes use at most ``max_others`` of the CPUs over 3 s.

    Gives up after ``limit`` seconds (at once for ``limit`` ≤ 0); returns whether the
    machine became quiet.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        busy = machine_busy_seconds()
        if busy is None:
            return True
        time.sleep(3.0)
        if (machine_busy_seconds() - busy) / (3.0 * os.cpu_count()) <= max_others:
            return True
    return False


class OthersShare:
    """The share of the machine's CPUs that other processes used between ``start()`` and
    ``stop()``: (machine CPU time − this process's CPU time) / (wall time × cores).

    ``stop()`` returns it, or None where /proc/stat is missing.
    """

    def start(self):
        self._busy = machine_busy_seconds()
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def stop(self):
        wall, cpu = time.perf_counter() - self._wall, time.process_time() - self._cpu
        if self._busy is None or wall <= 0:
            return None
        return max(machine_busy_seconds() - self._busy - cpu, 0.0) / (wall * os.cpu_count())


def load_average():
    """1-, 5- and 15-minute load averages: other work on the machine skews the timings."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def package_version(name):
    """The installed version of distribution ``name``, or None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def blas_info():
    """NumPy's BLAS as built (``numpy.show_config``) and as loaded (threadpoolctl).

    Returns {"build": "name version", "pools": [one text per thread pool]}.
    """
    build = "unknown"
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        build = f"{blas.get('name', '?')} {blas.get('version', '?')}"
    except Exception:  # NumPy < 1.26 has no mode="dicts"
        pass
    try:
        import threadpoolctl
    except ImportError:
        return {"build": build, "pools": ["threadpoolctl not installed: thread counts unknown"]}
    pools = [f"{pool['internal_api']} {pool.get('version')} ({pool.get('architecture', '-')}), "
             f"{pool['num_threads']} threads, {pathlib.Path(pool['filepath']).name}"
             for pool in threadpoolctl.threadpool_info()]
    return {"build": build, "pools": pools}


def openblas_environment():
    """The values of OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE ("unset" where not set).

    On some machines these slow OpenBLAS's GEMM about twofold; they are reported, never
    changed.
    """
    return {k: os.environ.get(k, "unset") for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
