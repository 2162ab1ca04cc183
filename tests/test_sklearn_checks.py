"""scikit-learn's own estimator checks on nnunsup's unsupervised estimators.

``sklearn.utils.estimator_checks.parametrize_with_checks`` runs every check scikit-learn
yields for an estimator — cloning, ``get_params``/``set_params``, pickling,
``n_features_in_``, dtypes, read-only and non-contiguous input, the messages for bad
input, ``fit`` idempotence, ``fit_transform`` against ``fit().transform``, … — on the small
seeded estimators of ``tests/estimators.py``: SOM, CompetitiveLearning, BernoulliRBM and
the autoencoders used as transformers.  Three tests:

* ``test_sklearn_check`` — the checks as scikit-learn runs them, on its real-valued data,
  with every estimator in a configuration that accepts such data where one exists;
* ``test_sklearn_check_on_binary_data`` — the same checks for the configurations whose
  input must lie in [0, 1] (binary for BernoulliRBM), with scikit-learn's data binarised:
  scikit-learn has a tag for X ≥ 0 but none for X ∈ [0, 1] or X ∈ {0, 1};
* ``test_sklearn_clustering_check`` — scikit-learn's clustering checks on nnunsup's
  clusterers, which ``parametrize_with_checks`` yields only for subclasses of its
  ``ClusterMixin``.

A check that cannot apply is listed in ``CANNOT_APPLY`` with the reason (docs/reliability.md
carries the same list) and runs as a *strict* xfail: a listed check that starts to pass
fails the test, so the list cannot outlive its reasons.
"""
import functools
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import (check_clusterer_compute_labels_predict,
                                            check_clustering,
                                            check_estimators_partial_fit_n_features,
                                            parametrize_with_checks)

from nnunsup import backend
from tests.estimators import CASES

_CASES = {case.name: case for case in CASES}


def _make(name, **overrides):
    """The estimator of ``tests/estimators.py`` (tiny layers, 1–2 epochs, seeded, quiet)."""
    return _CASES[name].make(**overrides)


# -- the estimators ----------------------------------------------------------------------

#: configurations that accept any real X, as scikit-learn's checks feed.  Changed from
#: tests/estimators.py: LinearAutoencoder's code has one unit (the checks fit data with
#: one and two features, and a linear code wider than its input is rejected, as PCA
#: rejects n_components > n_features); DeepClustering reconstructs with MSE instead of its
#: default cross-entropy, VAE has a Gaussian instead of a Bernoulli likelihood (both need
#: X in [0, 1]; they run on binary data below).  BernoulliRBM has no such configuration.
ESTIMATORS = [
    _make("SOM"),
    _make("CompetitiveLearning"),
    _make("Autoencoder"),
    _make("LinearAutoencoder", n_components=1),
    _make("SparseAutoencoder"),
    _make("DenoisingAutoencoder"),
    _make("ContractiveAutoencoder"),
    _make("RelationalAutoencoder"),
    _make("StackedAutoencoder"),
    _make("DeepClustering", loss="mse"),
    _make("VAE", likelihood="gaussian"),
    _make("BernoulliRBM"),
]

#: configurations whose input must lie in [0, 1]: binary visible units, cross-entropy
#: reconstruction, a Bernoulli likelihood
BINARY_ESTIMATORS = [
    _make("BernoulliRBM"),
    _make("Autoencoder", loss="bce"),
    _make("DeepClustering"),
    _make("VAE"),
]

CLUSTERERS = [_make("SOM"), _make("CompetitiveLearning"), _make("DeepClustering", loss="mse")]

#: scikit-learn's clustering checks, as its ``_yield_clustering_checks`` lists them
CLUSTERING_CHECKS = [
    check_clusterer_compute_labels_predict,
    check_clustering,
    functools.partial(check_clustering, readonly_memmap=True),
    check_estimators_partial_fit_n_features,
]


# -- the checks that cannot apply ----------------------------------------------------------

_NOT_FITTED = {"check_estimators_unfitted": (
    "predict before fit must raise sklearn.exceptions.NotFittedError itself; nnunsup raises "
    "its own nnunsup.NotFittedError, a ValueError and AttributeError as scikit-learn's is, "
    "but it cannot subclass scikit-learn's class without making scikit-learn a dependency "
    "(check_transformers_unfitted, which accepts ValueError and AttributeError, passes)")}

_REAL_DATA = ("feeds real-valued X (negative, or above 1 after the positive_only shift), "
              "and BernoulliRBM's visible units are binary: it rejects any X outside {0, 1} "
              "(or [0, 1] with allow_probabilities=True).  scikit-learn has no tag for such "
              "input; the check passes on binarised data (test_sklearn_check_on_binary_data)")

_PSEUDO_LIKELIHOOD = ("score_samples is the stochastic pseudo-log-likelihood (as "
                      "scikit-learn's BernoulliRBM, which lists the same check as an expected "
                      "failure): row i flips the unit of the i-th random draw, so a row's "
                      "value depends on its position in X, not on the row alone")

#: name of the estimator's class (" on binary data" for the second test) → check → reason
CANNOT_APPLY = {
    "SOM": {**_NOT_FITTED, "check_clustering": (
        "the labels of a SOM are its m·h nodes, not clusters: the 3 × 2 map spreads 6 nodes "
        "over the check's 3 blobs, so each blob is split and the adjusted Rand index stays "
        "under the check's 0.4 (SOM has no n_clusters for the check to set to 3)")},
    "CompetitiveLearning": _NOT_FITTED,
    "Autoencoder": _NOT_FITTED,
    "LinearAutoencoder": _NOT_FITTED,
    "SparseAutoencoder": _NOT_FITTED,
    "DenoisingAutoencoder": _NOT_FITTED,
    "ContractiveAutoencoder": _NOT_FITTED,
    "RelationalAutoencoder": _NOT_FITTED,
    "StackedAutoencoder": _NOT_FITTED,
    "DeepClustering": _NOT_FITTED,
    "VAE": _NOT_FITTED,
    "BernoulliRBM": dict.fromkeys([
        "check_fit_score_takes_y", "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
        "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_estimators_dtypes", "check_dtype_object", "check_pipeline_consistency",
        "check_estimators_nan_inf", "check_estimators_pickle",
        "check_f_contiguous_array_estimator", "check_transformer_data_not_an_array",
        "check_transformer_general", "check_transformer_preserve_dtypes",
        "check_methods_sample_order_invariance", "check_methods_subset_invariance",
        "check_fit2d_1sample", "check_fit2d_1feature", "check_dict_unchanged",
        "check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in",
        "check_fit2d_predict1d", "check_array_api_input",
    ], _REAL_DATA),
    "BernoulliRBM on binary data": {
        "check_methods_sample_order_invariance": _PSEUDO_LIKELIHOOD,
        "check_methods_subset_invariance": _PSEUDO_LIKELIHOOD,
    },
    "Autoencoder on binary data": _NOT_FITTED,
    "DeepClustering on binary data": _NOT_FITTED,
    "VAE on binary data": _NOT_FITTED,
}


def _parametrize(estimators, suffix=""):
    """``parametrize_with_checks`` with the CANNOT_APPLY entry of each estimator (its class
    name + ``suffix``) as strict xfails.

    Its warning that an estimator does not inherit ``sklearn.base.BaseEstimator`` is
    silenced: nnunsup's estimators follow the conventions without depending on
    scikit-learn, which is what these checks verify.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Estimator .* does not inherit from "
                                "`sklearn.base.BaseEstimator`", UserWarning)
        return parametrize_with_checks(
            estimators, xfail_strict=True,
            expected_failed_checks=lambda est: CANNOT_APPLY.get(type(est).__name__ + suffix, {}))


@pytest.fixture(autouse=True)
def array_api_checks(monkeypatch):
    """Let ``check_array_api_input`` run: scikit-learn skips it unless SCIPY_ARRAY_API is
    set.  nnunsup declares no array-API support, so the check feeds NumPy arrays only
    (with scikit-learn's array-API dispatch on, the results must not change); the
    variable's other effect, SciPy's array-API mode, is fixed at SciPy's import and
    concerns non-NumPy arrays, which this check does not use."""
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")


# -- the tests ---------------------------------------------------------------------------

#: checks that compare a method's rows on X against the same rows in another order or
#: batch with rtol=1e-7, which is below float32's machine epsilon (1.19e-7).  OpenBLAS's
#: float32 GEMM and GEMV round a row's dot products by the row's place in the block (with
#: its SkylakeX kernels, 202 of 400 drawn products X[p] @ Aᵀ with one output differed
#: from (X @ Aᵀ)[p] in the last bit, and 41–80 of 400 with 2, 3, 5 or 16), so in float32 a
#: check of 1e-7 passes or fails by the CPU.  They run with float64 models, whose rounding
#: lies far below it; test_methods_row_invariant_in_float32 holds the float32 models to
#: a float32 tolerance.
_ROW_INVARIANCE_CHECKS = {"check_methods_sample_order_invariance",
                          "check_methods_subset_invariance"}


def _run(check, estimator):
    if getattr(check, "func", check).__name__ not in _ROW_INVARIANCE_CHECKS:
        return check(estimator)
    previous = backend.get_default_dtype()
    backend.set_default_dtype(np.float64)
    try:
        return check(estimator)
    finally:
        backend.set_default_dtype(previous)


@_parametrize(ESTIMATORS)
def test_sklearn_check(estimator, check):
    """One of scikit-learn's estimator checks, on its own data."""
    _run(check, estimator)


_ROW_METHODS = ("predict", "transform", "score_samples", "decision_function",
                "reconstruct", "predict_proba")


@pytest.mark.parametrize("estimator", ESTIMATORS + BINARY_ESTIMATORS, ids=repr)
def test_methods_row_invariant_in_float32(estimator):
    """The float32 counterpart of the two invariance checks: every method's rows on X are
    its rows on X permuted, and on X in two batches, to a float32 tolerance.  (A stochastic
    method, the RBM's pseudo-likelihood, is excluded as in CANNOT_APPLY.)"""
    rng = np.random.default_rng(0)
    X = rng.random((40, 4))
    if type(estimator).__name__ == "BernoulliRBM":
        X = (X > 0.5).astype(float)
    model = clone(estimator).fit(X)
    order = rng.permutation(len(X))
    checked = 0
    for name in _ROW_METHODS:
        if not hasattr(model, name) or (name == "score_samples"
                                        and type(model).__name__ == "BernoulliRBM"):
            continue
        method = getattr(model, name)
        whole = np.asarray(method(X))
        np.testing.assert_allclose(method(X[order]), whole[order], rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}: rows in another order")
        halves = np.concatenate([method(X[:13]), method(X[13:])])
        np.testing.assert_allclose(halves, whole, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}: rows in two batches")
        checked += 1
    assert checked, "no row-wise method was checked"


def _binarised(enforce_tags):
    """scikit-learn's adaptation of a check's X to the estimator's tags, then X > median:
    0/1 data of the same shape and dtype, valid for every model of BINARY_ESTIMATORS."""
    def binarise(A):
        A = np.asarray(A)
        return (A > np.median(A)).astype(A.dtype)

    def enforce(estimator, X, X_test=None, **kwargs):
        adapted = enforce_tags(estimator, X, X_test, **kwargs)
        return tuple(map(binarise, adapted)) if X_test is not None else binarise(adapted)
    return enforce


@_parametrize(BINARY_ESTIMATORS, " on binary data")
def test_sklearn_check_on_binary_data(estimator, check, monkeypatch):
    """One of scikit-learn's estimator checks, its data binarised.

    The checks adapt their data to an estimator's tags through
    ``_enforce_estimator_tags_X`` (which applies ``positive_only``, say); binarising its
    result is the tag scikit-learn lacks.  Checks that build X without it run on their own
    data; ``monkeypatch`` fails loudly should scikit-learn rename the function.
    """
    monkeypatch.setattr(estimator_checks, "_enforce_estimator_tags_X",
                        _binarised(estimator_checks._enforce_estimator_tags_X))
    _run(check, estimator)


def _clustering_params():
    """(estimator, check) for every clusterer and clustering check; CANNOT_APPLY's entries
    as strict xfails, as parametrize_with_checks marks them."""
    for estimator in CLUSTERERS:
        for check in CLUSTERING_CHECKS:
            name = getattr(check, "func", check).__name__
            keywords = "".join(f"({k}={v})" for k, v in getattr(check, "keywords", {}).items())
            reason = CANNOT_APPLY.get(type(estimator).__name__, {}).get(name)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(estimator, check, id=f"{estimator!r}-{name}{keywords}",
                               marks=marks)


@pytest.mark.parametrize("estimator, check", list(_clustering_params()))
def test_sklearn_clustering_check(estimator, check):
    """One of scikit-learn's clustering checks (labels_, fit_predict, ARI on blobs, …)."""
    check(type(estimator).__name__, estimator)
