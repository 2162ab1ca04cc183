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
                       cos θ = z_aᵀ z_b / (‖z_a‖ ‖z_b‖)

    Spherical interpolation keeps the norm along the way when both ends have the same
    norm (codes of a high-dimensional N(0, I) prior lie near one sphere, and the linear
    midpoint of two of them falls inside it).

    Parameters
    ----------
    z_from, z_to : arrays of shape (m,)   integer codes are taken as floats
    n_steps : int                         ≥ 2
    method : "linear" or "slerp"

    Returns
    -------
    Z : array of shape (n_steps, m)
    """
    check_choice(method, "method", ("linear", "slerp"))
    check_scalar(n_steps, "n_steps", kind=int, low=2)
    xp = backend.get_xp(z_from, z_to)
    z_from, z_to = xp.asarray(z_from), xp.asarray(z_to)
    if z_from.ndim != 1 or z_from.shape != z_to.shape:
        raise ValueError(f"z_from and z_to must be codes of the same shape (m,), got "
                         f"{z_from.shape} and {z_to.shape}")
    dtype = xp.result_type(z_from.dtype, z_to.dtype, xp.float32)      # never an integer t
    z_from, z_to = z_from.astype(dtype), z_to.astype(dtype)
    t = xp.linspace(0.0, 1.0, n_steps, dtype=dtype)[:, None]           # (n_steps, 1)
    if method == "linear":
        return (1 - t) * z_from + t * z_to
    norms = float(xp.linalg.norm(z_from)) * float(xp.linalg.norm(z_to))
    if norms == 0:
        raise ValueError("slerp needs non-zero codes (the angle to a zero code is undefined)")
    theta = math.acos(max(-1.0, min(1.0, float(z_from @ z_to) / norms)))
    if theta < 1e-6:                                   # parallel codes: slerp is linear
        return (1 - t) * z_from + t * z_to
    if math.pi - theta < 1e-6:
        raise ValueError("slerp between opposite codes is undefined (every great circle "
                         "joins them); use method='linear' or another pair")
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

    Formula:  ``d = (1/|A|) Σ_{i∈A} z_i − (1/|B|) Σ_{i∈B} z_i``

    Parameters
    ----------
    Z_with : array of shape (N_a, m)      codes of objects that show the concept
    Z_without : array of shape (N_b, m)   codes of objects that do not

    Returns
    -------
    d : array of shape (m,)   added to a third code z_c, z_c + d gives it the concept
    """
    return Z_with.mean(axis=0) - Z_without.mean(axis=0)
