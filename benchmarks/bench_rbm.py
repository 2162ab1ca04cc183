"""One CD-1 epoch of a Bernoulli RBM: nnunsup versus scikit-learn's BernoulliRBM.

The setting of the issue: 10 000 binarised MNIST images (784 visible units), 256 hidden
units, batches of 100, learning rate 0.1, float32 on both sides, one Gibbs step per update
(scikit-learn's BernoulliRBM runs persistent CD-1; nnunsup is timed with CD-1, and with
``persistent=True`` for the like-for-like figure).  Each epoch is one ``partial_fit`` over
the data (nnunsup) or one ``fit`` with ``n_iter=1`` (scikit-learn, which has no epoch-wise
partial_fit); the sides take turns in rounds of a few epochs (``_common.interleaved_many``)
so that drift of the machine hits both, and the medians are reported, with the same number
of BLAS threads on both sides.

    python benchmarks/bench_rbm.py                    # needs scikit-learn (dev extra)
    python benchmarks/bench_rbm.py --threads 1 --repeats 15
    python benchmarks/bench_rbm.py --inlined          # + the bound of inlined_cd1

:func:`measure` returns the figures as a dict (``harness.py`` calls it).

The figures go to docs/performance.md.
"""
import argparse
import os
import platform

import numpy as np
from _common import interleaved_many, load_images, median

from nnunsup.datasets import binarize
from nnunsup.rbm import BernoulliRBM


def inlined_cd1(B, hidden=256, batch=100, learning_rate=0.1, seed=0):
    """One CD-1 epoch as a single loop body: a bound on what restructuring the library's step
    could gain, not a second implementation.

    The same update as ``BernoulliRBM(persistent=False)`` with plain SGD — x W + b shared by
    the chain, the loss and the statistics, one draw of uniforms per batch, the free-energy
    loss, the copy of the last parameters — with every intermediate computed in place and no
    function boundaries or checks.  Returns a callable running one epoch; its ``params``
    attribute holds W, a and b.
    """
    rng = np.random.default_rng(seed)
    n, m = B.shape[1], hidden
    W = (rng.standard_normal((n, m)) * 0.01).astype(np.float32)
    a, b = np.zeros(n, np.float32), np.zeros(m, np.float32)
    last = W.copy()

    def sigmoid_(z):                                     # in place: 1 / (1 + e^(−z))
        np.exp(np.negative(z, out=z), out=z)
        z += 1
        return np.reciprocal(z, out=z)

    def free_energy(x, s):                               # −aᵀx − Σ_j softplus(s_j)
        t = np.abs(s)
        np.exp(np.negative(t, out=t), out=t)
        np.log1p(t, out=t)
        t += np.maximum(s, 0)
        return -(x @ a) - t.sum(axis=1)

    def epoch():
        order = rng.permutation(B.shape[0])
        for start in range(0, B.shape[0], batch):
            x = B[order[start:start + batch]]
            u = rng.random((x.shape[0], m + n), dtype=np.float32)
            s = x @ W
            s += b
            loss = free_energy(x, s).mean()
            h = sigmoid_(s)                              # s is h from here on
            v = (u[:, :m] < h).astype(np.float32) @ W.T
            v += a
            x_neg = (u[:, m:] < sigmoid_(v)).astype(np.float32)
            s_neg = x_neg @ W
            s_neg += b
            loss -= free_energy(x_neg, s_neg).mean()
            h_neg = sigmoid_(s_neg)
            if not np.isfinite(loss):
                raise FloatingPointError("the inlined CD-1 diverged")
            scale = learning_rate / x.shape[0]
            h *= scale
            h_neg *= scale
            np.copyto(last, W)
            np.add(W, x.T @ h, out=W)                    # ε (x hᵀ − x′h′ᵀ) / N
            np.subtract(W, x_neg.T @ h_neg, out=W)
            np.add(a, (x.sum(axis=0) - x_neg.sum(axis=0)) * scale, out=a)
            np.add(b, h.sum(axis=0) - h_neg.sum(axis=0), out=b)
    epoch.params = {"W": W, "a": a, "b": b}
    return epoch


def measure(X=None, n=10000, hidden=256, batch=100, repeats=11, inlined=False):
    """Median epoch seconds of nnunsup's CD-1 and PCD-1 and of scikit-learn, interleaved
    (and of :func:`inlined_cd1`, the bound, when ``inlined``).

    Returns {"seconds": {"CD-1", "PCD-1", "scikit-learn"[, "inlined CD-1"]: median s},
    "min_seconds": {the same: min s}, "dtype": {"nnunsup", "scikit-learn": the dtype of
    each side's weights}, "source"}.
    """
    from sklearn.neural_network import BernoulliRBM as SklearnRBM
    if X is None:
        X, source = load_images(n)
    else:
        source = "given"
    B = binarize(X, random_state=0)                                  # float32 0/1
    settings = dict(batch_size=batch, learning_rate=0.1, random_state=0, verbose=False)
    ours = {"CD-1": BernoulliRBM(hidden, **settings).init_params(B.shape[1]),
            "PCD-1": BernoulliRBM(hidden, persistent=True, **settings).init_params(B.shape[1])}
    fitted = {}

    def theirs():
        fitted["model"] = SklearnRBM(n_components=hidden, batch_size=batch, learning_rate=0.1,
                                     n_iter=1, random_state=0).fit(B)

    runs = {name: (lambda model=model: model.partial_fit(B)) for name, model in ours.items()}
    runs["scikit-learn"] = theirs
    if inlined:
        runs["inlined CD-1"] = inlined_cd1(B, hidden, batch)
    times = interleaved_many(runs, repeats)
    return {"seconds": {name: median(t) for name, t in times.items()},
            "min_seconds": {name: min(t) for name, t in times.items()},
            "dtype": {"nnunsup": str(ours["CD-1"].params["W"].dtype),
                      "scikit-learn": str(fitted["model"].components_.dtype)},
            "source": source}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads for both sides")
    parser.add_argument("--inlined", action="store_true",
                        help="also time CD-1 written as one loop body (a bound, see inlined_cd1)")
    args = parser.parse_args()

    import sklearn
    threads = args.threads
    if threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)

    r = measure(None, args.n, args.hidden, args.batch, args.repeats, args.inlined)
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, {platform.machine()}, "
          f"{threads or 'default'} BLAS threads, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, {r['source']}, "
          f"{args.n} images, {args.hidden} hidden, batch {args.batch}, "
          f"median of {args.repeats} epochs")
    sk = r["seconds"]["scikit-learn"]
    print(f"{'':22} {'epoch s':>8} {'min s':>8} {'speed-up':>9}")
    for name, seconds in r["seconds"].items():
        label = ("scikit-learn (PCD-1)" if name == "scikit-learn" else name
                 if name.startswith("inlined") else f"nnunsup {name}")
        print(f"{label:22} {seconds:8.3f} {r['min_seconds'][name]:8.3f} {sk / seconds:8.2f}×")
    print("target: nnunsup at least 2× faster than scikit-learn")


if __name__ == "__main__":
    main()
