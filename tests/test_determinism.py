"""Determinism: the same seed gives bitwise identical models on the CPU, for every model.

For every estimator of ``tests/estimators.py``, two fits with the same ``random_state``
(after seeding NumPy's and Python's global generators differently, which a model must not
read) give the same parameters (``np.array_equal``, same dtype), the same learned
attributes (histories without their wall-clock ``time``, trained sub-models, counts, …)
and the same outputs of the methods that use the model (``transform``, ``predict``,
``sample``, … with ``random_state=0`` where they take one, and without it, from the
model's own stream); another seed gives other parameters.  A few representative models
are also fitted in fresh interpreters, with different string-hash seeds, and must match
the in-process parameters hash for hash (no hidden global state, no ordering of sets).
"""
import hashlib
import inspect
import json
import os
import pathlib
import random
import subprocess
import sys

import numpy as np
import pytest

from nnunsup import backend
from nnunsup._base import Estimator

from .estimators import CASES, case_ids

#: methods whose outputs must repeat; ``sample`` also runs without a seed (own stream)
METHODS = ["transform", "predict", "predict_proba", "reconstruct", "encode", "winner",
           "discriminate", "predict_positions", "free_energy", "score", "score_samples",
           "gibbs", "elbo", "variations", "sample"]

#: (case, method) pairs that refuse by design, with the reason
UNAVAILABLE = {("GaussianBernoulliRBM", "score_samples"):
               "the pseudo-likelihood flips binary visible units; Gaussian ones have none"}

#: the models fitted again in a fresh interpreter
SUBPROCESS = ["Autoencoder", "VAE", "BernoulliRBM", "GAN", "SOM"]

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _fit(case, seed, global_seed):
    """A fitted model from ``random_state=seed``, the global generators seeded otherwise."""
    np.random.seed(global_seed)
    random.seed(global_seed)
    return case.make(random_state=seed).fit(*case.data())


def _assert_same(a, b, where):
    """a and b equal bitwise: arrays (dtype too), containers, numbers, fitted sub-models."""
    if isinstance(a, Estimator):
        assert type(a) is type(b), where
        _assert_same(a.params, b.params, f"{where}.params")
        _assert_same(_learned(a), _learned(b), where)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert isinstance(b, (np.ndarray, np.generic)) and a.dtype == b.dtype, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), f"{where} differs"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            if key != "time":                         # wall-clock seconds per epoch
                _assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and a != a:
        assert isinstance(b, float) and b != b, f"{where}: nan vs {b!r}"
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} vs {b!r}"


def _learned(model):
    """The fitted attributes (trailing underscore), e.g. history_, rbms_, classes_."""
    return {key: value for key, value in vars(model).items()
            if key.endswith("_") and not key.startswith("_")}


def _outputs(model, case):
    """What the fitted model gives on new data: method name → result (as NumPy)."""
    data = case.data(seed=1)
    results = {}
    for name in METHODS:
        method = getattr(model, name, None)
        if method is None or (case.name, name) in UNAVAILABLE:
            continue
        parameters = inspect.signature(method).parameters
        kwargs = {"task": 0} if "task" in parameters else {}
        if name == "sample":
            calls = {"sample(own stream)": ((3,), kwargs), "sample": ((3,), kwargs)}
        elif name == "score":
            calls = {name: (data[:2] if "y" in parameters else data[:1], kwargs)}
        else:
            calls = {name: (data[:1], kwargs)}
        for label, (args, kw) in calls.items():
            if "random_state" in parameters and label != "sample(own stream)":
                kw = {**kw, "random_state": 0}
            result = method(*args, **kw)
            results[label] = result if isinstance(result, float) else backend.to_numpy(result)
    assert results, f"{case.name}: no output method was called"
    return results


def _digest(params):
    """sha256 of the parameters: names, dtypes, shapes and bytes, in sorted name order."""
    h = hashlib.sha256()
    for key in sorted(params):
        value = np.ascontiguousarray(backend.to_numpy(params[key]))
        h.update(f"{key}|{value.dtype.str}|{value.shape}|".encode())
        h.update(value.tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_same_seed_same_model(case):
    """Two fits from random_state=0: parameters, learned attributes and outputs bitwise
    equal, whatever the state of NumPy's and Python's global generators."""
    a = _fit(case, 0, global_seed=1)
    b = _fit(case, 0, global_seed=2)
    _assert_same(a, b, case.name)
    np.random.seed(3)
    out_a = _outputs(a, case)
    np.random.seed(4)
    out_b = _outputs(b, case)
    _assert_same(out_a, out_b, f"{case.name} outputs")


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_another_seed_another_model(case):
    """random_state=1 gives other parameters than random_state=0."""
    a, b = _fit(case, 0, global_seed=1), _fit(case, 1, global_seed=1)
    assert a.params.keys() == b.params.keys()
    assert any(not np.array_equal(a.params[k], b.params[k]) for k in a.params)


_SCRIPT = """
import json, sys
import numpy as np
from nnunsup import backend
from tests.estimators import CASES
from tests.test_determinism import _digest
backend.set_default_dtype(np.dtype(sys.argv[1]))
names = sys.argv[2].split(",")
print(json.dumps({c.name: _digest(c.make(random_state=0).fit(*c.data()).params)
                  for c in CASES if c.name in names}))
"""


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_a_fresh_interpreter_gives_the_same_parameters(hash_seed):
    """AE, VAE, RBM, GAN and SOM fitted in a new Python process (another PYTHONHASHSEED)
    have the parameters of the same fit in this process, hash for hash."""
    cases = [case for case in CASES if case.name in SUBPROCESS]
    here = {case.name: _digest(_fit(case, 0, global_seed=0).params) for case in cases}
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", _SCRIPT, np.dtype(backend.get_default_dtype()).name,
                           ",".join(SUBPROCESS)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    there = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(here) == sorted(SUBPROCESS)
    assert there == here
