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


def measure(X=None, n=10000, hidden=256, batch=100, repeats=11):
    """Median epoch seconds of nnunsup's CD-1 and PCD-1 and of scikit-learn, interleaved.

    Returns {"seconds": {"CD-1", "PCD-1", "scikit-learn": median s},
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
    args = parser.parse_args()

    import sklearn
    threads = args.threads
    if threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)

    r = measure(None, args.n, args.hidden, args.batch, args.repeats)
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, {platform.machine()}, "
          f"{threads or 'default'} BLAS threads, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, {r['source']}, "
          f"{args.n} images, {args.hidden} hidden, batch {args.batch}, "
          f"median of {args.repeats} epochs")
    sk = r["seconds"]["scikit-learn"]
    print(f"{'':22} {'epoch s':>8} {'min s':>8} {'speed-up':>9}")
    for name, seconds in r["seconds"].items():
        label = "scikit-learn (PCD-1)" if name == "scikit-learn" else f"nnunsup {name}"
        print(f"{label:22} {seconds:8.3f} {r['min_seconds'][name]:8.3f} {sk / seconds:8.2f}×")
    print("target: nnunsup at least 2× faster than scikit-learn")


if __name__ == "__main__":
    main()
