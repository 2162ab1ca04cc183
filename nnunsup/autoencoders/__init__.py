"""Autoencoders of every kind on the slides (SPEC section A).

``Autoencoder`` — the general model [A1, A3–A5, A13]; more in the submodules as they
are built (linear, regularised, stacked, convolutional, sequence autoencoders, VAE).
"""
from .base import Autoencoder
from .stacked import SemiSupervisedAutoencoder, StackedAutoencoder

__all__ = ["Autoencoder", "StackedAutoencoder", "SemiSupervisedAutoencoder"]
