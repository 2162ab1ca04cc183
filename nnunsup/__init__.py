"""nnunsup: neural networks for unsupervised learning, written out by hand in NumPy.

Every formula of the lecture slides (see ``docs/formulas.md``) is implemented once, in a
function whose docstring carries its ID, and checked by tests.  Topics are subpackages:
``nnunsup.nn`` (layers, losses, optimisers, gradcheck), ``nnunsup.datasets``,
``nnunsup.plot``; ``nnunsup.backend`` switches between NumPy and CuPy.
"""
from . import backend, nn  # nn first: its perceptrons import the base classes of _base
from ._persist import ModelFileError, load
from ._validation import NonFiniteLossError, NotFittedError

__version__ = "0.1.0"
__all__ = ["backend", "nn", "load", "ModelFileError", "NotFittedError", "NonFiniteLossError",
           "__version__"]
