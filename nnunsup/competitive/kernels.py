"""Smoothing kernels K(r): non-negative, non-increasing functions of a distance.  [C6, C9]

WTM uses them on the input-space distance ρ(x_i, w_y) [C6]; the SOM on the grid distance
r((m_i, h_i), (m, h)) [C9].  Every kernel is 1 at r = 0 and has one width ``sigma``.

Slides: "Жёсткая и мягкая конкуренция" (MIPT notes: "ядро K(ρ) — неотрицательная
        невозрастающая функция"); "Обучение карты Кохонена" (MIPT notes).

Shape legend: ``r`` has any shape; the result has the same shape.
"""
from .. import backend

__all__ = ["KERNELS", "kernel", "gaussian", "bubble", "triangle", "exponential", "cauchy"]


def gaussian(r, sigma):
    """K(r) = exp(−r² / (2σ²))."""
    xp = backend.get_xp(r)
    return xp.exp(-(r * r) / (2.0 * sigma * sigma))


def bubble(r, sigma):
    """K(r) = [r ≤ σ]: a hard neighbourhood of radius σ (the slides' "Окрестность")."""
    return (r <= sigma).astype(r.dtype)


def triangle(r, sigma):
    """K(r) = max(0, 1 − r/σ)."""
    xp = backend.get_xp(r)
    return xp.maximum(1.0 - r / sigma, 0.0)


def exponential(r, sigma):
    """K(r) = exp(−r / σ)."""
    xp = backend.get_xp(r)
    return xp.exp(-r / sigma)


def cauchy(r, sigma):
    """K(r) = 1 / (1 + (r/σ)²)."""
    return 1.0 / (1.0 + (r / sigma) ** 2)


KERNELS = {"gaussian": gaussian, "bubble": bubble, "triangle": triangle,
           "exponential": exponential, "cauchy": cauchy}


def kernel(name):
    """The kernel function called ``name``; ValueError listing the choices otherwise."""
    if callable(name):
        return name
    if name not in KERNELS:
        listed = ", ".join(repr(k) for k in KERNELS)
        raise ValueError(f"kernel must be one of {listed}; got {name!r}")
    return KERNELS[name]
