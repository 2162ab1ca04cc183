"""The figures.  Every function takes ``ax=None`` (a new figure when omitted) and returns
what it drew; arrays are moved to the host with ``backend.to_numpy`` first.

matplotlib is imported when a function is called, so ``import nnunsup`` stays light.
"""
from .basics import image_grid, plot_decision_regions, plot_history

__all__ = ["plot_history", "image_grid", "plot_decision_regions"]
