"""Shared fixtures: seeded generators, the backend matrix, float64 context, real data.

Markers: ``gpu`` (needs CuPy and a GPU; skipped otherwise), ``slow`` (left out of the
default run; ``pytest -m slow`` runs them).

``NNUNSUP_FAKE_CUPY=1`` runs the CuPy cases without a GPU, on the CPU stand-in of
``tests/fake_cupy`` (see its docstring for what it checks and what it cannot):
``NNUNSUP_FAKE_CUPY=1 pytest -m gpu``.
"""
import os
import pathlib
import sys

if os.environ.get("NNUNSUP_FAKE_CUPY") == "1":       # before nnunsup imports its backend
    sys.path.insert(0, str(pathlib.Path(__file__).parent / "fake_cupy"))

import numpy as np
import pytest

from nnunsup import backend

try:
    from hypothesis import settings

    settings.register_profile("ci", max_examples=25, deadline=None)
    settings.register_profile("dev", max_examples=50, deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")
except ImportError:  # hypothesis is in the dev extra; tests that need it import it
    pass


def pytest_collection_modifyitems(config, items):
    if config.getoption("-m"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with `pytest -m slow`")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture
def rng():
    """A seeded NumPy generator, fresh for every test."""
    return np.random.default_rng(12345)


BACKENDS = ["numpy", pytest.param("cupy", marks=pytest.mark.gpu)]


@pytest.fixture(params=BACKENDS)
def xp(request):
    """Run the test once per backend; CuPy is skipped where it or a GPU is absent."""
    if request.param == "cupy" and not backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is not available")
    previous = backend.current()
    backend.use(request.param)
    yield backend.get_xp()
    backend.use(previous)


@pytest.fixture
def float64():
    """New models are created in float64 for the duration of the test."""
    previous = backend.get_default_dtype()
    backend.set_default_dtype(np.float64)
    yield
    backend.set_default_dtype(previous)


def _find_data_dir():
    env = os.environ.get("NNUNSUP_DATA")
    if env:
        return pathlib.Path(env)
    return pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir():
    """The folder of real datasets (NNUNSUP_DATA or ../shared/data).

    Skipped with the reason when absent; under CI=true a missing folder is a failure.
    """
    path = _find_data_dir()
    if not path.is_dir():
        message = (f"real datasets not found at {path}; set NNUNSUP_DATA to the folder "
                   "holding mnist/, fashion-mnist/ and house-votes-84/")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
