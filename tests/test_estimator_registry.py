"""tests/estimators.py lists every public estimator, so the tables built on it (bad input,
determinism, divergence, save/load) cover the whole library."""
import importlib
import inspect
import pkgutil

import nnunsup
from nnunsup._base import Estimator

from .estimators import CASES


def _public_estimators():
    found = set()
    for info in pkgutil.walk_packages(nnunsup.__path__, "nnunsup."):
        if any(part.startswith("_") for part in info.name.split(".")) or ".demos" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, Estimator) and cls.__module__ == info.name
                    and not name.startswith("_")):
                found.add(cls)
    return found


def test_every_estimator_listed():
    listed = {case.cls for case in CASES}
    missing = sorted(cls.__name__ for cls in _public_estimators() - listed)
    assert not missing, f"add these estimators to tests/estimators.py: {missing}"
    assert len(listed) == len(CASES) == 27
