"""Competitive learning and Kohonen maps (the first part of the lecture).

``CompetitiveLearning`` — the Kohonen network with WTA/WTM competition [C1–C6];
``SOM`` — the self-organising map [C7–C9]; ``maps`` — its interpretation maps [C10];
``measures`` — distortion and subjectivity [C12]; ``kernels`` — the smoothing kernels K(r).
"""
from . import maps, measures
from .kernels import KERNELS, kernel
from .maps import (component_planes, density_map, hit_map, label_map, purity, u_matrix,
                   u_matrix_edges, u_matrix_full)
from .measures import map_agreement, subjectivity
from .som import SOM, batch_update, grid_distances, grid_positions, som_step, som_step_reference
from .wta import (CompetitiveLearning, criterion, sq_distances, winners, wta_step,
                  wta_step_reference, wtm_step, wtm_step_reference)

__all__ = ["CompetitiveLearning", "SOM", "KERNELS", "kernel", "criterion", "sq_distances",
           "winners", "wta_step", "wtm_step", "wta_step_reference", "wtm_step_reference",
           "grid_positions", "grid_distances", "som_step", "som_step_reference",
           "batch_update", "maps", "measures", "u_matrix", "u_matrix_full", "u_matrix_edges",
           "density_map", "component_planes", "hit_map", "label_map", "purity",
           "map_agreement", "subjectivity"]
