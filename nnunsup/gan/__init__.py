"""Generative adversarial networks (SPEC section G).

``GAN`` — MLP generator and discriminator, the discriminator criterion and both generator
losses of the slides [G1–G4]; the criteria and the optimal discriminator as functions;
``DCGAN`` [G5]; ``mode_coverage`` and the 1-D densities of the training-dynamics toys [G6].
"""
from .dcgan import DCGAN
from .dynamics import mode_coverage, ring_centers
from .gan import GAN, discriminator_loss, generator_loss, jensen_shannon, optimal_discriminator

__all__ = ["GAN", "DCGAN", "mode_coverage", "ring_centers", "discriminator_loss",
           "generator_loss", "optimal_discriminator",
           "jensen_shannon"]
