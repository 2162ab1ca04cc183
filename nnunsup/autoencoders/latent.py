"""Arithmetic in the latent space: interpolation, the midpoint of two concepts, and a
concept's difference vector added to another code.  [V7]

Slides: "Interpolowanie i generowanie pojęć", "Arytmetyka w przestrzeni zmiennych
        utajonych", "Ukryta reprezentacja pojęć" (Polish notes: the learned representation
        codes concepts, and arithmetic on the code vectors follows semantic relations).

Pure functions of code arrays (from ``VAE.transform`` or any encoder); decode the results
with ``inverse_transform``.  Shape legend: ``m`` latent units, ``N_a``, ``N_b`` objects.
"""
import math

from .. import backend
from .._validation import check_choice, check_scalar

__all__ = ["interpolate", "midpoint", "concept_vector"]


def interpolate(z_from, z_to, n_steps=10, method="linear"):
    """Codes on the way from ``z_from`` to ``z_to``, both ends included.  [V7]

    Slides: "Interpolowanie i generowanie pojęć" (Polish notes).

    Formula:  linear:  z(t) = (1 − t) z_a + t z_b,  t = 0, 1/(n−1), …, 1
              slerp:   z(t) = sin((1 − t) θ)/sin θ · z_a + sin(t θ)/sin θ · z_b,
                       cos θ = z_aᵀ z_b / (‖z_a‖ ‖z_b‖)   (stays at the prior's radius)

    Parameters
    ----------
    z_from, z_to : arrays of shape (m,)
    n_steps : int
    method : "linear" or "slerp"

    Returns
    -------
    Z : array of shape (n_steps, m)
    """
    check_choice(method, "method", ("linear", "slerp"))
    check_scalar(n_steps, "n_steps", kind=int, low=2)
    xp = backend.get_xp(z_from, z_to)
    t = xp.linspace(0.0, 1.0, n_steps, dtype=z_from.dtype)[:, None]       # (n_steps, 1)
    if method == "linear":
        return (1 - t) * z_from + t * z_to
    cos = float((z_from @ z_to) / (xp.linalg.norm(z_from) * xp.linalg.norm(z_to)))
    theta = math.acos(max(-1.0, min(1.0, cos)))
    if theta < 1e-6:                                   # parallel codes: slerp is linear
        return (1 - t) * z_from + t * z_to
    return (xp.sin((1 - t) * theta) * z_from + xp.sin(t * theta) * z_to) / math.sin(theta)


def midpoint(z_a, z_b):
    """The code halfway between two concepts,  ½ (z_a + z_b).  [V7]

    Slides: "Arytmetyka w przestrzeni zmiennych utajonych" (Polish notes: "Środek między
            wektorami kodującymi pojęcia").

    Parameters
    ----------
    z_a, z_b : arrays of shape (..., m)

    Returns
    -------
    z : array of shape (..., m)
    """
    return 0.5 * (z_a + z_b)


def concept_vector(Z_with, Z_without):
    """The direction of a concept: mean code with it minus mean code without it.  [V7]

    Slides: "Arytmetyka w przestrzeni zmiennych utajonych" (Polish notes: "Różnica
            pomiędzy pojęciami może być dodana do innego").

    Formula:  d = (1/|A|) Σ_{i∈A} z_i − (1/|B|) Σ_{i∈B} z_i

    Parameters
    ----------
    Z_with : array of shape (N_a, m)      codes of objects that show the concept
    Z_without : array of shape (N_b, m)   codes of objects that do not

    Returns
    -------
    d : array of shape (m,)   added to a third code z_c, z_c + d gives it the concept
    """
    return Z_with.mean(axis=0) - Z_without.mean(axis=0)
