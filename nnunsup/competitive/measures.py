"""Subjectivity and distortion of Kohonen maps, made measurable.  [C12]

The slides list the map's weaknesses: it depends on the smoothing kernel, on the (random)
initialisation and on the (random) order of the objects ("субъективность"), and close
objects may land far apart on the map and vice versa ("искажения").  Distortion is
measured by the quantisation and topographic errors (``SOM.quantization_error``,
``SOM.topographic_error``); subjectivity by how much two maps trained under different
choices agree about which objects are close.

Slides: "Достоинства и недостатки карт Кохонена" (MIPT and SPbU notes).

Shape legend: ``N`` objects, ``P`` sampled pairs of objects, ``k`` maps compared.
"""
import numpy

from .. import backend
from .._validation import check_array, check_random_state, check_scalar
from .som import SOM

__all__ = ["map_agreement", "subjectivity"]


def _grid_gaps(som, X, first, second):
    c = backend.to_numpy(som.predict(X))
    p = som.positions_
    return numpy.sqrt(((p[c[first]] - p[c[second]]) ** 2).sum(axis=1))     # (P,)


def map_agreement(som_a, som_b, X, n_pairs=5000, random_state=0):
    """How much two maps agree about which objects are close.  [C12]

    For P random pairs of objects (i, j), the grid distance between their winners on map
    A and on map B; the agreement is the Pearson correlation of these two vectors.  It is
    1 for maps that differ by a symmetry of the grid (rotation, mirror image) and falls
    as the maps place objects differently.

    Parameters
    ----------
    som_a, som_b : fitted SOM      maps of the same data (grids may differ in size)
    X : array of shape (N, n)
    n_pairs : int                  P
    random_state : int             seeds the choice of pairs

    Returns
    -------
    agreement : float in [−1, 1]
    """
    X = check_array(X)
    check_scalar(n_pairs, "n_pairs", kind=int, low=2)
    rng = numpy.random.default_rng(check_random_state(random_state))
    first = rng.integers(0, X.shape[0], n_pairs)
    second = rng.integers(0, X.shape[0], n_pairs)
    a, b = _grid_gaps(som_a, X, first, second), _grid_gaps(som_b, X, first, second)
    if a.std() == 0 or b.std() == 0:
        return 1.0 if numpy.array_equal(a, b) else 0.0
    return float(numpy.corrcoef(a, b)[0, 1])


def subjectivity(X, factor, values, n_pairs=5000, random_state=0, **som_params):
    """Train one map per value of one factor and measure how much the maps differ.  [C12]

    Parameters
    ----------
    X : array of shape (N, n)
    factor : "init", "order" or "kernel"
        "init": the initial neurons are drawn with the seeds in ``values`` (init="random"
        unless ``som_params`` says otherwise), the object order is fixed;
        "order": the initial neurons are fixed and the seeds in ``values`` reorder the
        objects (online training — the batch map does not depend on the order);
        "kernel": the kernels named in ``values``, initialisation and order fixed.
    values : list                  the seeds or kernel names
    som_params :                   passed to :class:`SOM` (e.g. m=10, h=10, epochs=20)

    Returns
    -------
    report : dict with
        "values", "quantization_error", "topographic_error" (one per map),
        "agreement" : array (k, k) of pairwise :func:`map_agreement`,
        "mean_agreement" : float, the mean over distinct pairs
    """
    if factor not in ("init", "order", "kernel"):
        raise ValueError(f"factor must be one of 'init', 'order', 'kernel'; got {factor!r}")
    if len(values) < 2:
        raise ValueError(f"values must list at least 2 settings to compare, got {len(values)}")
    X = check_array(X)
    params = dict(som_params)
    if factor == "order":
        params.setdefault("algorithm", "online")
    base_seed = params.pop("random_state", 0)
    maps = []
    for value in values:
        if factor == "init":
            template = SOM(**{**params, "init": params.get("init", "random"), "random_state": value})
            init = backend.to_numpy(template.init_params(X.shape[1], X).params["W"])
            som = SOM(**{**params, "init": init, "random_state": base_seed})
        elif factor == "order":
            template = SOM(**{**params, "random_state": base_seed})
            init = backend.to_numpy(template.init_params(X.shape[1], X).params["W"])
            som = SOM(**{**params, "init": init, "random_state": value})
        else:
            som = SOM(**{**params, "kernel": value, "random_state": base_seed})
        maps.append(som.fit(X))
    k = len(maps)
    agreement = numpy.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            agreement[i, j] = agreement[j, i] = map_agreement(maps[i], maps[j], X, n_pairs,
                                                              random_state)
    return {"values": list(values),
            "quantization_error": [s.quantization_error(X) for s in maps],
            "topographic_error": [s.topographic_error(X) for s in maps],
            "agreement": agreement,
            "mean_agreement": float(agreement[numpy.triu_indices(k, 1)].mean())}
