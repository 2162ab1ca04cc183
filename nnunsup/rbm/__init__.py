"""Restricted Boltzmann machines and deep belief networks (SPEC section R).

``BernoulliRBM`` and ``GaussianBernoulliRBM`` trained by CD-k or persistent CD [R1–R5];
the formulas as functions (:mod:`nnunsup.rbm.rbm`); the exact log Z and annealed importance
sampling (:mod:`nnunsup.rbm.partition`) [R3, R4]; ``DBN`` and the RBM-pretrained
``DeepAutoencoder`` of Hinton & Salakhutdinov (2006) [R7, R8, R9].
"""
from .dbn import DBN, DeepAutoencoder
from .models import BernoulliRBM, GaussianBernoulliRBM
from .partition import ais_betas, ais_log_partition, log_partition_exact
from .rbm import (cd_statistics, cd_statistics_reference, draw_chain_noise, energy, free_energy,
                  free_energy_grads, gibbs_chain, gibbs_chain_reference, hidden_input, hidden_mean,
                  sample_units, visible_mean)

__all__ = [
    "BernoulliRBM", "GaussianBernoulliRBM", "DBN", "DeepAutoencoder", "energy", "hidden_input",
    "hidden_mean", "visible_mean",
    "free_energy", "free_energy_grads", "sample_units", "draw_chain_noise", "gibbs_chain",
    "gibbs_chain_reference", "cd_statistics", "cd_statistics_reference",
    "log_partition_exact", "ais_log_partition", "ais_betas",
]
