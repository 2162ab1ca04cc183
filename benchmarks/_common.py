"""What the benchmarks against PyTorch share: the images, the thread limit, the timing loop."""
import os
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


def limit_threads(threads):
    """The same number of threads for PyTorch and for NumPy's BLAS; returns the number."""
    import torch
    threads = threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except ImportError:
        pass
    return threads


def interleaved(ours, theirs, repeats):
    """Time ``ours()`` and ``theirs()`` alternately, after one warm-up call of each.

    Returns the two lists of seconds, so that drift of the machine hits both sides.
    """
    ours()
    theirs()
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        theirs()
        t2 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_theirs.append(t2 - t1)
    return t_ours, t_theirs


median = statistics.median
