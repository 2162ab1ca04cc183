"""Demo "transfer": the partial-learning part — transfer, multi-task, self-supervised learning,
distillation, privileged information — as experiments on MNIST, in the slides' order.

1. transfer [T1]: a net trained on the digits 0–4, its encoder frozen or fine-tuned for the
   digits 5–9 with m labels, against the same net from scratch;
2. multi-task learning [T2]: learnability, learning to learn with related and with
   unrelated tasks, few-shot learning of a new task;
3. self-supervised learning [T3]: the relative-position pretext, then a linear probe;
4. distillation [T4]: a small student from a large teacher, on unlabelled or on the same
   data;
5. privileged information [T5]: a student on masked digits, a teacher on the clean ones;
6. the summary slide [T6]: which models are trained simultaneously, which sequentially.

Every comparison is seeded and reported with its numbers, including those that do not come
out as the slides suggest.  Without MNIST every experiment runs on the 7 synthetic
shapes (the first half of the classes as the source, class pairs as tasks) and says so.
"""
import numpy

from ..nn import MLPClassifier
from ..plot import plot_curves, plot_training_schemes
from ..transfer import (DistilledClassifier, PrivilegedClassifier, RelativePositionPretext,
                        TransferClassifier, multitask_curves, transfer_curve)
from ._data import digits

TITLE = "Transfer, multi-task, self-supervised learning, distillation, privileged information"


def _pct(a, b):
    return f"{100 * (a - b):+.1f}"


def _than(gain, other):
    """A measured difference in words: "2.0 points above the random encoder"."""
    return f"{100 * abs(gain):.1f} points {'above' if gain >= 0 else 'below'} {other}"


# -- 1. [T1] ---------------------------------------------------------------------------------------

def _transfer(ctx, plt, d):
    half = d.classes[len(d.classes) // 2]
    low, high = d.y < half, d.y >= half
    source = MLPClassifier((256, 256), epochs=10, random_state=ctx.seed, verbose=False)
    source.fit(d.X[low], d.y[low])
    test = d.y_test >= half
    sizes = (10, 30, 100, 300) if ctx.fast else (10, 30, 100, 300, 1000)
    table = transfer_curve(source, d.X[high], d.y[high], d.X_test[test], d.y_test[test],
                           sizes=sizes, steps=500, random_state=ctx.seed)
    fig, ax = plt.subplots(figsize=(6, 4))
    plot_curves(table, "m", ax=ax, xlabel="m, labelled objects of the target task")
    ax.set_title(f"classes {half}–{d.classes[-1]} from a net trained on 0–{half - 1}")
    ctx.figure(fig, "transfer_curve",
               f"[T1] Test accuracy on the classes {half}–{d.classes[-1]} against the number m "
               f"of labelled objects: the encoder of a {len(d.X[0])}-256-256 net trained on the "
               f"classes 0–{half - 1}, frozen (a head only) or fine-tuned, and the same net "
               "from a random start; every model takes 500 optimiser steps.")
    rows = "\n".join(f"| {m} | {f:.3f} | {t:.3f} | {s:.3f} | {_pct(max(f, t), s)} |"
                     for m, f, t, s in zip(table["m"], table["frozen"], table["finetune"],
                                           table["scratch"]))
    ctx.text(f"**Transfer [T1].** Source: a {len(d.X[0])}-256-256 ReLU net trained on the "
             f"{int(low.sum())} images of the classes 0–{half - 1}; target: the classes "
             f"{half}–{d.classes[-1]} with m labels:\n\n| m | frozen α | fine-tuned α | from "
             "scratch | best transfer − scratch (points) |\n|---|---|---|---|---|\n" + rows)


# -- 2. [T2] ---------------------------------------------------------------------------------------

#: the task families of [T2], as class pairs: the target, tasks that share one of its
#: classes, tasks that share none, and a new task for few-shot learning
TASKS = {"MNIST": dict(target=(4, 9), new=(3, 8),
                       related=[(4, 1), (9, 7), (4, 7), (9, 8), (4, 0), (9, 5)],
                       unrelated=[(0, 6), (1, 7), (2, 3), (5, 8), (3, 5), (2, 7)]),
         "shapes": dict(target=(0, 1), new=(3, 6),
                        related=[(0, 2), (1, 3), (0, 4), (1, 5), (0, 6), (1, 2)],
                        unrelated=[(2, 3), (4, 5), (2, 6), (3, 4), (5, 6), (2, 4)])}


def _multitask(ctx, plt, d):
    def task(a, b):
        rows, test = numpy.isin(d.y, (a, b)), numpy.isin(d.y_test, (a, b))
        return d.X[rows], d.y[rows], d.X_test[test], d.y_test[test]

    plan = TASKS["MNIST" if d.name == "MNIST" else "shapes"]
    (a, b), (c, e) = plan["target"], plan["new"]
    repeats = 3 if ctx.fast else 5
    families = {f"related ({a} or {b} against another class)": [task(*t) for t in plan["related"]],
                "unrelated (other pairs)": [task(*t) for t in plan["unrelated"]]}
    Xf, yf, Xf_test, yf_test = task(c, e)
    pick = numpy.random.default_rng(ctx.seed)
    few = numpy.concatenate([pick.choice(numpy.flatnonzero(yf == k), 5, replace=False)
                             for k in (c, e)])
    results = {}
    for name, tasks in families.items():
        results[name] = multitask_curves(tasks, task(a, b), sizes=(10, 30, 100, 300),
                                         n_tasks=(0, 1, 3, 6), repeats=repeats,
                                         few_shot=(Xf[few], yf[few], Xf_test, yf_test),
                                         epochs=30, batch_size=32, random_state=ctx.seed)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    first = next(iter(results.values()))
    learn = first["learnability"]
    plot_curves({"l_t": learn["l_t"], f"{a} vs {b}": learn["accuracy"]}, "l_t", ax=axes[0],
                xlabel="l_t, objects of the task")
    axes[0].set_title("learnability")
    curves = {"|T|": first["learning_to_learn"]["tasks"]}
    curves.update({name: r["learning_to_learn"]["accuracy"] for name, r in results.items()})
    plot_curves(curves, "|T|", ax=axes[1], xlabel="|T|, tasks trained together", logx=False)
    axes[1].set_title(f"learning to learn: {a} vs {b} with 10 objects")
    ctx.figure(fig, "transfer_multitask",
               f"[T2] Left: accuracy on {a} vs {b} as its sample grows. Right: the same task with "
               f"10 objects trained together with 0, 1, 3 or 6 other tasks of 300 objects each; "
               f"means of {repeats} draws.")
    lines = []
    for name, r in results.items():
        acc = r["learning_to_learn"]["accuracy"]
        fs = r["few_shot"]
        lines.append(f"| {name} | {acc[0]:.3f} | {acc[-1]:.3f} | {_pct(acc[-1], acc[0])} | "
                     f"{fs['shared f']:.3f} | {fs['from scratch']:.3f} |")
    gaps = {name.split(" (")[0]: r["few_shot"]["shared f"] - r["few_shot"]["from scratch"]
            for name, r in results.items()}
    verdict = " ".join(f"With {name} tasks, few-shot {c} vs {e} on the shared f is "
                       f"{_than(gap, 'the net from scratch')}." for name, gap in gaps.items())
    ctx.text(f"**Multi-task learning [T2].** Binary class-pair tasks, a {len(d.X[0])}-128 "
             f"shared encoder, one head per task, the slide's summed objective. Learnability on "
             f"{a} vs {b}: "
             + ", ".join(f"{acc:.3f}" for acc in learn["accuracy"]) + " with l_t = 10, 30, 100, "
             f"300. Learning to learn and few-shot (the new task {c} vs {e} from 5 images per "
             "class, a linear head on the 7-task encoder against a net from scratch):\n\n"
             "| other tasks | alone | with 6 tasks | gain (points) | few-shot, shared f | "
             "few-shot, from scratch |\n|---|---|---|---|---|---|\n" + "\n".join(lines)
             + "\n\n" + verdict)


# -- 3. [T3] ---------------------------------------------------------------------------------------

def _pretext(ctx, plt, d):
    n, epochs = (min(10000, len(d.X)), 5) if ctx.fast else (len(d.X), 10)
    pretext = RelativePositionPretext(image_shape=(1, *d.shape), patch=d.shape[0] // 3,
                                      epochs=epochs, random_state=ctx.seed, verbose=False)
    pretext.fit(d.X[:n])
    random = RelativePositionPretext(image_shape=(1, *d.shape), patch=d.shape[0] // 3,
                                     random_state=ctx.seed).init_params(d.X.shape[1])
    rows, probes = [], []
    for m in (100, 500):
        acc = {}
        for name, source in (("pretext", pretext), ("random", random)):
            probe = TransferClassifier(source, mode="frozen", epochs=max(10, 5000 // m),
                                       random_state=ctx.seed, verbose=False)
            acc[name] = probe.fit(d.X[:m], d.y[:m]).score(d.X_test, d.y_test)
        pixels = MLPClassifier((), epochs=max(10, 5000 // m), random_state=ctx.seed,
                               verbose=False).fit(d.X[:m], d.y[:m]).score(d.X_test, d.y_test)
        rows.append(f"| {m} | {acc['pretext']:.3f} | {acc['random']:.3f} | {pixels:.3f} |")
        probes.append((m, acc["pretext"], acc["random"], pixels))
    ctx.text(f"**Self-supervised learning [T3].** The relative-position pretext on {n} "
             f"unlabelled images ({epochs} epochs): the position of a neighbour patch is "
             f"right for **{pretext.score(d.X_test[:1000]):.3f}** of the test pairs (chance "
             "1/8). A linear probe on its 9-patch features, on the same features of an "
             "untrained encoder, and on the raw pixels:\n\n| labels | pretext encoder | random "
             "encoder | raw pixels |\n|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
             + " ".join(f"With {m} labels the pretext probe is "
                        f"{_than(p - r, 'the random encoder')} and "
                        f"{_than(p - x, 'the raw pixels')}." for m, p, r, x in probes))


# -- 4. [T4] ---------------------------------------------------------------------------------------

def _distill(ctx, plt, d):
    teacher = MLPClassifier((512,), epochs=10, random_state=ctx.seed, verbose=False).fit(d.X, d.y)
    rows = numpy.arange(500)
    alone = MLPClassifier((16,), epochs=100, batch_size=32, random_state=ctx.seed,
                          verbose=False).fit(d.X[rows], d.y[rows])
    other = DistilledClassifier(teacher, hidden_sizes=(16,), temperature=4.0, epochs=20,
                                random_state=ctx.seed, verbose=False).fit(d.X[:10000])
    same = DistilledClassifier(teacher, hidden_sizes=(16,), temperature=4.0, alpha=0.5,
                               epochs=100, batch_size=32, random_state=ctx.seed,
                               verbose=False).fit(d.X[rows], d.y[rows])
    scores = [m.score(d.X_test, d.y_test) for m in (teacher, alone, other, same)]
    n, K = len(d.X[0]), len(d.classes)
    ctx.text(f"**Distillation [T4].** Teacher a(x, w): {n}-512-{K} on all the training images; "
             f"student b(x′, w′): {n}-16-{K}:\n\n| model | test accuracy |\n|---|---|\n"
             f"| teacher | {scores[0]:.3f} |\n| student, 500 labels alone | {scores[1]:.3f} |\n"
             f"| student distilled on {len(d.X[:10000]):,} unlabelled images (T = 4) | "
             f"**{scores[2]:.3f}** |\n"
             f"| student distilled on the same 500, with their labels (α = 0.5) | "
             f"**{scores[3]:.3f}** |")


# -- 5. [T5] ---------------------------------------------------------------------------------------

def _lupi(ctx, plt, d):
    rng = numpy.random.default_rng(ctx.seed)
    masked = (d.X * (rng.random(d.X.shape) > 0.7)).astype(numpy.float32)
    masked_test = (d.X_test * (rng.random(d.X_test.shape) > 0.7)).astype(numpy.float32)
    rows_out = []
    for n in (100, 300, 1000):
        rows, epochs = numpy.arange(n), max(6, 6000 // n)
        settings = dict(epochs=epochs, batch_size=32, random_state=ctx.seed, verbose=False)
        alone = MLPClassifier((64,), **settings).fit(masked[rows], d.y[rows])
        two = PrivilegedClassifier((64,), (128,), mu=1.0, temperature=5.0, **settings)
        two.fit(masked[rows], d.y[rows], d.X[rows])
        joint = PrivilegedClassifier((64,), (128,), mu=0.5, lam=1.0, temperature=2.0, **settings)
        joint.fit(masked[rows], d.y[rows], d.X[rows])
        a, t, j = (m.score(masked_test, d.y_test) for m in (alone, two, joint))
        rows_out.append(f"| {n} | {a:.3f} | {t:.3f} ({_pct(t, a)}) | {j:.3f} ({_pct(j, a)}) |")
    n, K = len(d.X[0]), len(d.classes)
    ctx.text("**Privileged information [T5].** The student sees images with 70 % of the "
             "pixels masked; the privileged x* are the clean images, available in training "
             f"only. Students {n}-64-{K}, teacher {n}-128-{K}:\n\n| labels | student alone | LUPI, "
             "teacher first (μ = 1, T = 5) | LUPI, joint (λ = 1, μ = 0.5, T = 2) |\n"
             "|---|---|---|---|\n" + "\n".join(rows_out))


def run(ctx):
    import matplotlib.pyplot as plt

    d = digits(ctx, *((20000, 5000) if ctx.fast else (None, None)))
    ctx.text(f"Data: {d.name}, {len(d.X)} training and {len(d.X_test)} test images.")
    for step, (message, section) in enumerate([
            ("transfer [T1]", _transfer), ("multi-task learning [T2]", _multitask),
            ("self-supervised learning [T3]", _pretext), ("distillation [T4]", _distill),
            ("privileged information [T5]", _lupi)], 1):
        ctx.log(f"{step}. {message}")
        section(ctx, plt, d)
    fig, ax = plt.subplots(figsize=(12, 7))
    plot_training_schemes(ax=ax)
    ctx.figure(fig, "transfer_schemes",
               "[T6] The summary slide: models trained simultaneously and sequentially, each "
               "with the class of nnunsup that implements it.")
