"""The figures.  Every function takes ``ax=None`` (a new figure when omitted) and returns
what it drew; arrays are moved to the host with ``backend.to_numpy`` first.

matplotlib is imported when a function is called, so ``import nnunsup`` stays light.
"""
from .autoencoders import plot_code_map, plot_latent_grid, plot_reconstructions
from .basics import image_grid, plot_decision_regions, plot_history
from .competitive import (plot_competitive, plot_component_planes, plot_density_map,
                          plot_hit_map, plot_label_map, plot_map, plot_som_in_data_space,
                          plot_u_matrix)
from .gan import plot_decision_surface, plot_gan_losses, plot_gan_snapshots
from .rbm import plot_filters, plot_gibbs_chains
from .transfer import plot_curves, plot_training_schemes
from .vae import (plot_elbo_history, plot_interpolation, plot_latent_arithmetic,
                  plot_variations)

__all__ = ["plot_history", "image_grid", "plot_decision_regions",
           "plot_map", "plot_u_matrix", "plot_component_planes", "plot_density_map",
           "plot_hit_map", "plot_label_map", "plot_som_in_data_space", "plot_competitive",
           "plot_code_map", "plot_reconstructions", "plot_latent_grid",
           "plot_elbo_history", "plot_variations", "plot_interpolation", "plot_latent_arithmetic",
           "plot_filters", "plot_gibbs_chains", "plot_gan_snapshots", "plot_decision_surface",
           "plot_gan_losses", "plot_curves", "plot_training_schemes"]
