"""Helpers shared by the tests: CS231n's rel_error."""
from nnunsup.nn.gradcheck import rel_error

__all__ = ["rel_error"]
