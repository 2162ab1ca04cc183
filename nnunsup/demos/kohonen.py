"""Demo "kohonen": competitive learning and self-organising maps, in the slides' order.

1. hard (WTA) against soft (WTM) competition on three clusters: WTA leaves a dead unit,
   WTM does not; the SG algorithm's running estimate of Q against the exact criterion
   [C1, C2, C4, C5, C6];
2. a 10 × 10 SOM unfolding over the unit square, trained by the slides' online rule from
   the slides' initialisation, with quantisation and topographic errors [C7, C8, C9, C12];
3. the house-votes example: a SOM of the 435 congressmen, party map, U-matrix, density
   map, hit map and the 16 component planes [C10, C11];
4. subjectivity: how much maps trained with other seeds, object orders or kernels agree
   [C12].
"""
import numpy

from ..competitive import SOM, CompetitiveLearning, purity, subjectivity
from ..datasets import (HOUSE_VOTES_FEATURES, HOUSE_VOTES_PARTIES, DatasetNotFoundError,
                        gaussian_mixture, load_house_votes, uniform_square)
from ..plot import (plot_competitive, plot_component_planes, plot_density_map, plot_hit_map,
                    plot_history, plot_label_map, plot_som_in_data_space, plot_u_matrix)

TITLE = "Kohonen networks and self-organising maps"

#: P(vote = yes | party) for the 16 votes, democrats then republicans: the 1984 record's
#: shares rounded to 0.05, used only by :func:`synthetic_votes`
_YES = numpy.array([[0.60, 0.50, 0.90, 0.05, 0.20, 0.50, 0.75, 0.85, 0.75, 0.45, 0.50, 0.15,
                     0.30, 0.35, 0.65, 0.95],
                    [0.20, 0.50, 0.15, 1.00, 0.95, 0.90, 0.25, 0.15, 0.10, 0.55, 0.15, 0.85,
                     0.85, 1.00, 0.10, 0.65]])


def synthetic_votes(n_samples=435, random_state=0):
    """A stand-in for house-votes-84: two parties (267 : 168) voting yes (1) or no (0) on
    16 votes independently, with each party's yes-probability per vote.

    Returns
    -------
    X : array of shape (N, 16), float64 in {0, 1}
    y : array of shape (N,), int64: 0 democrat, 1 republican
    """
    rng = numpy.random.default_rng(random_state)
    y = (rng.random(n_samples) < 168 / 435).astype(numpy.int64)                  # (N,)
    X = (rng.random((n_samples, 16)) < _YES[y]).astype(numpy.float64)            # (N, 16)
    return X, y


def load_votes(data=None, download=True, log=print):
    """house-votes-84 when it can be found (``data``, NNUNSUP_DATA, the cache, a download),
    else :func:`synthetic_votes`.

    Returns
    -------
    X, y : as :func:`~nnunsup.datasets.load_house_votes` (y → 1, n → 0, ? → 0.5)
    source : str     "UCI house-votes-84" or a phrase saying the data are synthetic
    """
    try:
        X, y = load_house_votes(data, download=download)
        return X, y, "UCI house-votes-84"
    except DatasetNotFoundError as exc:
        log(f"house-votes-84 not available ({exc.filename}); using a synthetic stand-in")
        X, y = synthetic_votes()
        return X, y, "synthetic votes (house-votes-84 not found)"


def _wta_vs_wtm(ctx, plt):
    """[C1, C2, C4, C5, C6] Three clusters, one centre started far away from all data."""
    X, _ = gaussian_mixture(450, centers=[[0, 0], [10, 0], [20, 0]], cluster_std=0.7,
                            random_state=ctx.seed)
    init = numpy.array([[0.5, 0.5], [10.5, 0.5], [20.0, 12.0]])
    models = {rule: CompetitiveLearning(3, rule=rule, kernel="gaussian", sigma=3.0,
                                        learning_rate=0.05, epochs=30, init=init,
                                        random_state=ctx.seed).fit(X)
              for rule in ("wta", "wtm")}
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, (rule, model) in zip(axes, models.items()):
        plot_competitive(model, X, ax=ax)
        ax.set_title(f"{rule.upper()}: {model.n_dead_} dead unit(s)")
    for rule, model in models.items():
        plot_history({f"{rule.upper()} running Q": model.history_["Q"],
                      f"{rule.upper()} exact criterion": model.history_["criterion"]},
                     ax=axes[2], keys=(f"{rule.upper()} running Q",
                                       f"{rule.upper()} exact criterion"), logy=True)
    axes[2].set_ylabel("mean ρ² to the winner")
    axes[2].set_title("running estimate of Q [C5] and exact criterion [C2]")
    ctx.figure(fig, "kohonen_wta_wtm",
               "[C4, C6] Three clusters; the third centre starts at (20, 12), far from all "
               "data. Hard competition (WTA) never moves it; soft competition (WTM, Gaussian "
               "kernel, σ = 3) pulls every centre a little and brings it down. Right: the SG "
               "algorithm's running Q := (1 − λ) Q + λ ρ² [C5] against the exact criterion.")
    lines = ["| rule | dead units [C6] | epochs | final running Q [C5] | final criterion [C2] | "
             "centres |", "|---|---|---|---|---|---|"]
    for rule, model in models.items():
        centres = ", ".join(f"({w[0]:.1f}, {w[1]:.1f})" for w in numpy.asarray(model.params["W"]))
        lines.append(f"| {rule.upper()} | {model.n_dead_} | {model.n_iter_} | "
                     f"{model.history_['Q'][-1]:.3f} | {model.history_['criterion'][-1]:.3f} | "
                     f"{centres} |")
    ctx.text("Hard against soft competition (`CompetitiveLearning`, η = 0.05, λ = 0.01, 30 "
             "epochs, the same initial centres):\n\n" + "\n".join(lines))


def _unfolding(ctx, plt):
    """[C7, C8, C9, C12] The slides' online SOM, snapshots after chosen epochs."""
    n_samples, epochs = (500, 20) if ctx.fast else (2000, 60)
    X = uniform_square(n_samples, random_state=ctx.seed)
    som = SOM(10, 10, init="slides", algorithm="online", epochs=epochs, sigma=5.0,
              sigma_final=0.5, learning_rate=0.5, learning_rate_final=0.01,
              random_state=ctx.seed, verbose=False)
    som.init_params(2, X)                                   # [C8] w_mh ~ U(−1/200, 1/200)
    shown = [0, 1, 3, epochs // 3, epochs]
    fig, axes = plt.subplots(1, len(shown), figsize=(3.6 * len(shown), 3.6))
    rows = ["| epoch | σ | η | quantisation error | topographic error |", "|---|---|---|---|---|"]
    for epoch in range(epochs + 1):
        if epoch:
            som.partial_fit(X)                              # one online epoch [C9]
        if epoch in shown:
            ax = axes[shown.index(epoch)]
            plot_som_in_data_space(som, X, ax=ax)
            qe, te = som.quantization_error(X), som.topographic_error(X)
            ax.set_title(f"epoch {epoch}: QE {qe:.3f}, TE {te:.2f}", fontsize=9)
            sigma, eta = ((f"{som.history_['sigma'][-1]:.2f}",
                           f"{som.history_['learning_rate'][-1]:.3f}") if epoch else ("—", "—"))
            rows.append(f"| {epoch} | {sigma} | {eta} | {qe:.4f} | {te:.3f} |")
    ctx.figure(fig, "kohonen_unfolding",
               "[C9] A 10 × 10 SOM unfolds over the unit square: the slides' online rule "
               "(one random object at a time, WTA winner, WTM step with a Gaussian kernel of "
               "the grid distance [C7]) from the slides' initialisation near 0 [C8]. Red "
               "lines join grid neighbours.")
    ctx.text(f"SOM unfolding on {n_samples} uniform points, {epochs} online epochs "
             "(`SOM(10, 10, algorithm=\"online\")`, one `partial_fit` per epoch; σ and η "
             "decay exponentially; σ, η below are the values at the epoch's start). "
             "Quantisation error QE = mean ρ(x_i, w_winner), topographic error TE = share "
             "of objects whose two nearest neurons are not grid neighbours [C12]:\n\n"
             + "\n".join(rows))


def _house_votes(ctx, plt):
    """[C10, C11] The SOM of the congressmen, nodes coloured by party."""
    X, y, source = load_votes(ctx.data, ctx.download, ctx.log)
    som = SOM(10, 10, topology="hexagonal", init="slides", algorithm="batch",
              epochs=30 if ctx.fast else 100, sigma_final=0.5,
              random_state=ctx.seed, verbose=False).fit(X)
    pure, qe, te = purity(som, X, y), som.quantization_error(X), som.topographic_error(X)
    fig, axes = plt.subplots(2, 2, figsize=(11, 9))
    plot_label_map(som, X, y, ax=axes[0, 0], class_names=HOUSE_VOTES_PARTIES)
    axes[0, 0].set_title(f"party map: hit-weighted purity {pure:.3f}")
    plot_u_matrix(som, ax=axes[0, 1], colorbar=True)
    axes[0, 1].set_title("U-matrix (dark = far apart = cluster border)")
    plot_density_map(som, X, k=5, ax=axes[1, 0])
    axes[1, 0].set_title("local density [C10] (bright = dense)")
    plot_hit_map(som, X, ax=axes[1, 1])
    ctx.figure(fig, "kohonen_house_votes",
               f"[C11] A 10 × 10 hexagonal SOM of {source}: {len(X)} congressmen × 16 votes "
               "(yes 1, no 0, no position 0.5). Party map (colour = class mix, area = hits), "
               "U-matrix with in-between cells, local density (mean distance to the 5 nearest "
               "congressmen) [C10] and hits.")
    fig = plt.figure(figsize=(12, 10))
    plot_component_planes(som, HOUSE_VOTES_FEATURES, ncols=4, fig=fig)
    fig.tight_layout()
    ctx.figure(fig, "kohonen_component_planes",
               "[C10] One component plane per vote: node colour = w_mh[j], the share of yes "
               "votes among the node's congressmen. Compare with the party map.")
    ctx.text(f"House votes ({source}), `SOM(10, 10, topology=\"hexagonal\")`, batch training, "
             f"{som.n_iter_} epochs: hit-weighted purity **{pure:.3f}**, quantisation error "
             f"**{qe:.3f}**, topographic error **{te:.3f}**.")
    return X


def _subjectivity(ctx, X):
    """[C12] Maps under other seeds, object orders and kernels, and how much they agree."""
    params = dict(m=10, h=10, topology="hexagonal", epochs=10 if ctx.fast else 40,
                  sigma_final=0.5, verbose=False)
    seeds = [0, 1, 2] if ctx.fast else [0, 1, 2, 3, 4]
    factors = [("init", seeds, "random initial neurons (batch map)"),
               ("order", seeds, "random object order (online rule, same initial neurons)"),
               ("kernel", ["gaussian", "bubble", "triangle", "cauchy"],
                "smoothing kernel (batch map, same initial neurons)")]
    rows = ["| factor | maps | mean agreement | quantisation error | topographic error |",
            "|---|---|---|---|---|"]
    for factor, values, what in factors:
        report = subjectivity(X, factor, values, random_state=ctx.seed, **params)
        qe, te = report["quantization_error"], report["topographic_error"]
        rows.append(f"| {factor}: {what} | {len(values)} | {report['mean_agreement']:.3f} | "
                    f"{min(qe):.3f}–{max(qe):.3f} | {min(te):.3f}–{max(te):.3f} |")
    ctx.text("Subjectivity and distortion [C12]: the slides warn that a map depends on the "
             "kernel, the (random) initialisation and the (random) order of the objects. "
             "`subjectivity` trains one map per setting and reports the agreement of every "
             "two maps (correlation of the grid distances between the winners of 5000 random "
             "pairs of congressmen: 1 = the same map up to a symmetry of the grid) and the "
             "spread of the distortion measures:\n\n" + "\n".join(rows))


def run(ctx):
    import matplotlib.pyplot as plt

    ctx.log("WTA against WTM on three clusters")
    _wta_vs_wtm(ctx, plt)
    ctx.log("a 10 x 10 SOM unfolding over the unit square")
    _unfolding(ctx, plt)
    ctx.log("the house-votes SOM")
    X = _house_votes(ctx, plt)
    ctx.log("subjectivity: init, order, kernel")
    _subjectivity(ctx, X)
