"""Autoencoders of every kind on the slides (SPEC section A).

``Autoencoder`` — the general model [A1, A3–A5, A13]; ``LinearAutoencoder`` with ``pca``,
``principal_angles`` and Oja's rule [A2]; ``SparseAutoencoder`` [A6],
``DenoisingAutoencoder`` [A7], ``ContractiveAutoencoder`` [A8], ``RelationalAutoencoder``
[A9] with their regularisers as functions; ``StackedAutoencoder`` [A10];
``SemiSupervisedAutoencoder`` [A11]; ``ConvAutoencoder`` [A12]; ``SequenceAutoencoder``
[A15]; ``DeepClustering`` [A16]; ``VAE`` with ``interpolate``, ``midpoint`` and
``concept_vector`` [V1, V2, V3, V4, V5, V7].
"""
from .base import Autoencoder
from .clustering import DeepClustering, adjusted_rand_index, kmeans, purity_score
from .contractive import (ContractiveAutoencoder, contractive_penalty, contractive_penalty_grads,
                          jacobian_penalty, jacobian_penalty_grads)
from .conv import ConvAutoencoder
from .linear import LinearAutoencoder, pca, pca_reconstruction_error, principal_angles
from .oja import oja, oja_step
from .regularized import (DenoisingAutoencoder, RelationalAutoencoder, SparseAutoencoder,
                          code_l1_penalty, corrupt, kl_sparsity_penalty, relational_penalty,
                          weight_penalty)
from .sequence import SequenceAutoencoder
from .stacked import SemiSupervisedAutoencoder, StackedAutoencoder
from .latent import concept_vector, interpolate, midpoint
from .vae import VAE, reparameterize, reparameterize_backward

__all__ = [
    "Autoencoder", "LinearAutoencoder", "SparseAutoencoder", "DenoisingAutoencoder",
    "ContractiveAutoencoder", "RelationalAutoencoder", "StackedAutoencoder",
    "SemiSupervisedAutoencoder", "ConvAutoencoder", "SequenceAutoencoder", "DeepClustering",
    "pca", "pca_reconstruction_error", "principal_angles", "oja", "oja_step",
    "weight_penalty", "code_l1_penalty", "kl_sparsity_penalty", "corrupt",
    "contractive_penalty", "contractive_penalty_grads", "jacobian_penalty",
    "jacobian_penalty_grads", "relational_penalty", "kmeans", "purity_score",
    "adjusted_rand_index", "VAE", "reparameterize", "reparameterize_backward", "interpolate",
    "midpoint", "concept_vector",
]
