"""Demo "autoencoders": the autoencoders of the slides trained on MNIST, in the slides' order.

1. the linear autoencoder against PCA: reconstruction errors, principal angles, Oja's
   rule [A2];
2. the sparse autoencoder: mean code activation against the target ε, first-layer filters
   [A6];
3. the denoising autoencoder: masked digits, reconstructed [A7];
4. the stacked autoencoder: greedy pre-training, then a classifier fine-tuned on a few
   labels, against the same net from a random start [A10];
5. the convolutional autoencoder: a reconstruction row [A12];
6. the uses [A14]: the MNIST 784 → 2 code map and its decoded latent grid, reconstructions,
   a deep autoencoder against PCA at the same code size (Hinton & Salakhutdinov 2006), and
   the codes as features for a classifier trained on a few labels;
7. the sequence autoencoder reading images row by row [A15];
8. deep clustering against k-means on the raw pixels [A16].

Fast mode trains every model briefly on a few thousand images; the report says how
briefly, and how far that is from the papers' budgets.
"""
import time

import numpy

from ..autoencoders import (Autoencoder, ConvAutoencoder, DeepClustering, DenoisingAutoencoder,
                            LinearAutoencoder, SequenceAutoencoder, SparseAutoencoder,
                            StackedAutoencoder, adjusted_rand_index, corrupt, kmeans, oja, pca,
                            pca_reconstruction_error, principal_angles, purity_score)
from ..nn import MLPClassifier
from ..plot import image_grid, plot_code_map, plot_latent_grid, plot_reconstructions
from ._data import digits

TITLE = "Autoencoders"


def _digits(ctx):
    """MNIST (a subset in fast mode), or synthetic shapes when it cannot be loaded."""
    return digits(ctx, *((5000, 1000) if ctx.fast else (20000, 10000)))


def _timed_fit(model, X):
    """``model.fit(X)`` and the seconds it took."""
    start = time.perf_counter()
    model.fit(X)
    return model, time.perf_counter() - start


def _examples(y, n=10):
    """Indices of n objects: the first of each class, then the next ones in order."""
    first = [int(numpy.flatnonzero(y == c)[0]) for c in numpy.unique(y)]
    rest = [i for i in range(len(y)) if i not in first]
    return numpy.array((first + rest)[:n])


# -- 1. [A2] the linear autoencoder and PCA ------------------------------------------------

def _linear_vs_pca(ctx, plt, d):
    m, X = 16, (d.X[:3000] if ctx.fast else d.X)
    epochs = 40 if ctx.fast else 100
    rows = ["| model | (1/N) Σ ‖x̂_i − x_i‖² | PCA's error | ratio AE / PCA | largest "
            "principal angle |", "|---|---|---|---|---|"]
    models, results = {}, {}
    for tied in (False, True):
        models[tied] = LinearAutoencoder(m, tied=tied, epochs=epochs, random_state=ctx.seed,
                                         verbose=False).fit(X)
        r = results[tied] = models[tied].compare_with_pca(X)
        rows.append(f"| `LinearAutoencoder({m}{', tied=True' if tied else ''})` | "
                    f"{r['ae_error']:.3f} | {r['pca_error']:.3f} | {r['ratio']:.4f} | "
                    f"{r['max_angle']:.1f}° |")
    U = pca(X, m).components                                          # (n, m)
    oja_epochs = 20 if ctx.fast else 5                                # ~60,000 / 100,000 steps
    w = oja(X, learning_rate=5e-4, epochs=oja_epochs, random_state=ctx.seed)
    oja_angle = float(principal_angles(w[:, None], U[:, :1])[0])

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    image_grid(U.T, shape=d.shape, ncols=4, ax=axes[0], normalize=True)
    axes[0].set_title("PCA: principal components U")
    image_grid(numpy.asarray(models[False].components_).T, shape=d.shape, ncols=4, ax=axes[1],
               normalize=True)
    axes[1].set_title("linear AE: decoder columns B")
    for tied, style, label in ((False, "o-", "B free"), (True, "s--", "tied B = Aᵀ")):
        axes[2].plot(numpy.arange(1, m + 1), results[tied]["angles"], style, label=label)
    axes[2].set_xlabel("k")
    axes[2].set_ylabel("principal angle θ_k (degrees)")
    axes[2].set_title(f"span(B) against the top-{m} principal subspace")
    axes[2].legend()
    ctx.figure(fig, "autoencoders_linear_pca",
               f"[A2] A linear autoencoder with m = {m} trained by Adam on {len(X)} {d.name} "
               "images, against PCA. The decoder's columns are not the principal components "
               "(any B = U C is optimal); what should agree is the subspace they span. The "
               "principal angles between span(B) and span(U) measure it (0° = the same "
               "direction); the last one converges slowest, at a rate set by the eigengap "
               f"λ_{m} − λ_{m + 1}.")
    ctx.text(f"**Linear autoencoder and PCA [A2].** m = {m} codes, {len(X)} images, "
             f"{epochs} epochs of Adam (η = 1e-3, batches of 64); PCA is centred, as the AE "
             "has biases (`LinearAutoencoder.compare_with_pca`):\n\n" + "\n".join(rows)
             + f"\n\nLinear AE / PCA error ratio **{results[False]['ratio']:.4f}** (PCA is the "
             f"minimum, so ≥ 1). Oja's rule (one neuron, η = 5e-4, "
             f"{oja_epochs} epochs of single-object steps) ends at ‖w‖ = "
             f"{numpy.linalg.norm(w):.3f}, **{oja_angle:.1f}°** from the first principal "
             "component.")


# -- 2. [A6] the sparse autoencoder --------------------------------------------------------

def _sparse(ctx, plt, d):
    n = d.X.shape[1]                                                  # pixels per image
    X = d.X[:3000] if ctx.fast else d.X
    epochs, beta, lam = (10 if ctx.fast else 20), 10.0, 1e-3
    epsilons = (0.02, 0.1, 0.3) if ctx.fast else (0.01, 0.05, 0.1, 0.3)
    rows = ["| ε | β | mean code activation f̄ | share of activations > 0.5 | test error |",
            "|---|---|---|---|---|"]
    models, means = {}, []
    for eps in (None, *epsilons):                          # None: no sparsity term (β = 0)
        b = 0.0 if eps is None else beta
        model = SparseAutoencoder((100,), loss="bce", lam=lam, beta=b, eps=eps or 0.05,
                                  learning_rate=3e-3, epochs=epochs, random_state=ctx.seed,
                                  verbose=False).fit(X)
        Z = numpy.asarray(model.transform(d.X_test))                   # (N, 100) in (0, 1)
        models[eps] = model
        means.append(Z.mean())
        rows.append(f"| {'—' if eps is None else eps} | {b:g} | {Z.mean():.3f} | "
                    f"{(Z > 0.5).mean():.3f} | {model.reconstruction_error(d.X_test):.2f} |")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), gridspec_kw={"width_ratios": [1, 1, 1.1]})
    shown = epsilons[len(epsilons) // 2]
    for ax, eps in zip(axes, (None, shown)):
        image_grid(models[eps].params["encoder.0.W"][:49], shape=d.shape, ncols=7, ax=ax,
                   normalize=True)
        ax.set_title("no sparsity term (β = 0)" if eps is None else f"KL term, ε = {eps}")
    axes[2].plot(epsilons, means[1:], "o-", label=f"KL term, β = {beta:g}")
    axes[2].axhline(means[0], color="grey", ls=":", label="β = 0")
    axes[2].plot([0, max(epsilons)], [0, max(epsilons)], "k--", lw=0.8, label="f̄ = ε")
    axes[2].set_xlabel("target ε")
    axes[2].set_ylabel("mean code activation f̄ (test)")
    axes[2].legend()
    ctx.figure(fig, "autoencoders_sparse",
               f"[A6] Sparse autoencoders {n} → 100 (sigmoid codes, cross-entropy) with the "
               "entropy regulariser β Σ_j KL(ε ‖ f̄_j): first-layer weights (49 of 100 units) "
               "without and with the term, and the mean code activation against ε.")
    ctx.text(f"**Sparse autoencoder [A6].** `SparseAutoencoder((100,), lam={lam:g}, "
             f"beta={beta:g}, eps=ε)`: the KL term (c) and, in every row, the L2 weight "
             "penalty λ‖α‖ + λ‖β‖ (a), which clears the weights of the border pixels that are "
             f"never lit. {len(X)} images, {epochs} epochs of Adam (η = 3e-3); activations "
             "measured on the test images. The KL term pulls the mean activation f̄ down "
             "towards ε; for small ε the reconstruction term holds it above ε:\n\n"
             + "\n".join(rows))


# -- 3. [A7] the denoising autoencoder ------------------------------------------------------

def _denoising(ctx, plt, d):
    n = d.X.shape[1]                                                  # pixels per image
    epochs, p0 = (8 if ctx.fast else 20), 0.5
    common = dict(hidden_sizes=(256,), loss="bce", epochs=epochs, random_state=ctx.seed,
                  verbose=False)
    dae = DenoisingAutoencoder(noise="masking", p0=p0, **common).fit(d.X)
    ae = Autoencoder(**common).fit(d.X)
    X_masked = corrupt(d.X_test, numpy.random.default_rng(ctx.seed), "masking", p0=p0)
    masked_error = float(((X_masked - d.X_test) ** 2).sum(axis=1).mean())
    errors = {}
    for name, model in (("plain AE", ae), ("denoising AE", dae)):
        x_hat = numpy.asarray(model.reconstruct(X_masked))
        errors[name] = (model.reconstruction_error(d.X_test),
                        float(((x_hat - d.X_test) ** 2).sum(axis=1).mean()))
    show = _examples(d.y_test)
    fig, ax = plt.subplots(figsize=(10, 4.6))
    plot_reconstructions([d.X_test[show], X_masked[show], dae.reconstruct(X_masked[show]),
                          ae.reconstruct(X_masked[show])], shape=d.shape, ax=ax,
                         labels=["clean x", f"masked x̃ (p0 = {p0})", "denoising AE g(f(x̃))",
                                 "plain AE g(f(x̃))"])
    ctx.figure(fig, "autoencoders_denoising",
               f"[A7] Test images with each pixel zeroed with probability p0 = {p0}, "
               "reconstructed by a denoising autoencoder (trained to map a freshly masked x̃ "
               "back to the clean x) and by the same autoencoder trained on clean images.")
    rows = ["| model | error on clean test images | error on masked test images |",
            "|---|---|---|", f"| the masked input x̃ itself | — | {masked_error:.2f} |"]
    rows += [f"| {name} | {clean:.2f} | {masked:.2f} |"
             for name, (clean, masked) in errors.items()]
    ctx.text(f"**Denoising autoencoder [A7].** {n} → 256 → {n} sigmoid nets, cross-entropy, "
             f"{len(d.X)} images, {epochs} epochs; x̃ drawn afresh for every object at every "
             "step. Squared error to the *clean* test image per image:\n\n" + "\n".join(rows)
             + "\n\nOn masked images the denoising AE's error is "
             f"**{errors['denoising AE'][1]:.2f}** against the plain AE's "
             f"**{errors['plain AE'][1]:.2f}**; on clean images, "
             f"{errors['denoising AE'][0]:.2f} against {errors['plain AE'][0]:.2f}.")


# -- 4. [A10] stacked pre-training for a classifier with few labels --------------------------

def _stacked(ctx, plt, d):
    n = d.X.shape[1]                                                  # pixels per image
    sizes, epochs = (256, 64), 100
    label_counts = (300,) if ctx.fast else (100, 300, 1000)
    stacked, seconds = _timed_fit(StackedAutoencoder(
        sizes, activation="sigmoid", loss="bce", pretrain_epochs=5 if ctx.fast else 15,
        epochs=0, random_state=ctx.seed, verbose=False), d.X)
    rows = ["| labelled images | random initialisation | stacked AE pre-training |",
            "|---|---|---|"]
    gains = []
    for n_labels in label_counts:
        X_l, y_l = d.X[:n_labels], d.y[:n_labels]
        scratch = MLPClassifier(sizes, activation="sigmoid", epochs=epochs,
                                random_state=ctx.seed, verbose=False).fit(X_l, y_l)
        tuned = stacked.classifier(d.classes, epochs=epochs, random_state=ctx.seed,
                                   verbose=False).fit(X_l, y_l)
        before, after = scratch.score(d.X_test, d.y_test), tuned.score(d.X_test, d.y_test)
        gains.append(after - before)
        rows.append(f"| {n_labels} | {before:.3f} | {after:.3f} |")
    ctx.text(f"**Stacked autoencoder [A10].** Two one-layer autoencoders trained greedily on "
             f"all {len(d.X)} training images without labels ({n} → 256, then 256 → 64, "
             f"{stacked.pretrain_epochs} epochs each, {seconds:.1f} s); their encoders, "
             f"stacked, start a {n}-256-64-{len(d.classes)} sigmoid classifier "
             f"(`StackedAutoencoder.classifier`) fine-tuned for {epochs} epochs on the first "
             "n labelled images. "
             "The same net from a random start is trained the same way. Test accuracy on "
             f"{len(d.X_test)} images:\n\n" + "\n".join(rows) + "\n\nPre-training changes the "
             "accuracy by " + ", ".join(f"{100 * g:+.1f}" for g in gains) + " points.")


# -- 5. [A12] the convolutional autoencoder ------------------------------------------------

def _conv(ctx, plt, d):
    n_images, epochs = (2000, 3) if ctx.fast else (20000, 5)
    model, seconds = _timed_fit(ConvAutoencoder(
        (16, 4), image_shape=(1, *d.shape), learning_rate=3e-3, batch_size=32, epochs=epochs,
        random_state=ctx.seed, verbose=False), d.X[:n_images])
    X_test = d.X_test[:300]
    code = model.transform(X_test[:1]).shape[1]                      # c_2 · h/4 · w/4
    m = min(code, d.X.shape[1])
    U, mean, _ = pca(d.X, m)
    show = _examples(d.y_test)
    fig, ax = plt.subplots(figsize=(10, 2.4))
    plot_reconstructions([X_test[show], model.reconstruct(X_test[show])], shape=d.shape, ax=ax,
                         labels=["x", "conv AE x̂"])
    ctx.figure(fig, "autoencoders_conv",
               "[A12] A convolutional autoencoder: two blocks of 3 × 3 convolution, ReLU and "
               "2 × 2 max-pooling (16, then 4 channels), mirrored by upsampling and "
               "transposed convolutions; test images and their reconstructions.")
    ctx.text(f"**Convolutional autoencoder [A12].** `ConvAutoencoder((16, 4))`: the code is the "
             f"last feature map, 4 × {d.shape[0] // 4} × {d.shape[1] // 4} = {code} numbers; "
             f"{len(d.X[:n_images])} images, {epochs} epochs, {seconds:.1f} s. Test error "
             f"{model.reconstruction_error(X_test):.2f} per image; PCA with as many "
             f"components, {m}, reaches {pca_reconstruction_error(X_test, U, mean):.2f} — a code "
             f"this wide is hardly a bottleneck, and {seconds:.0f} s of training are far from "
             "the optimum.")


# -- 6. [A14] the uses: code map, reconstructions, deep AE against PCA, features ---------------

def _uses(ctx, plt, d):
    n = d.X.shape[1]                                                  # pixels per image
    epochs2, epochs30 = (10, 15) if ctx.fast else (30, 40)
    deep2, seconds2 = _timed_fit(Autoencoder(
        (256, 64, 2), activation="relu", code_activation="identity", loss="bce",
        epochs=epochs2, random_state=ctx.seed, verbose=False), d.X)
    deep30, seconds30 = _timed_fit(Autoencoder(
        (256, 128, 30), activation="relu", code_activation="identity", loss="bce",
        epochs=epochs30, random_state=ctx.seed, verbose=False), d.X)
    pcas = {m: pca(d.X, m) for m in (2, 30)}

    # the code map: PCA's two components against the autoencoder's two code units
    Z = numpy.asarray(deep2.transform(d.X_test))                        # (N, 2)
    P = (d.X_test - pcas[2].mean) @ pcas[2].components                  # (N, 2)
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2))
    plot_code_map(P, d.y_test, ax=axes[0])
    axes[0].set_title("PCA: the first two principal components")
    plot_code_map(Z, d.y_test, ax=axes[1])
    axes[1].set_title(f"autoencoder {n}-256-64-2: the codes z = f(x)")
    box = numpy.percentile(Z, [2, 98], axis=0).T                        # ((lo₁, hi₁), (lo₂, hi₂))
    plot_latent_grid(deep2.inverse_transform, d.shape, extent=box, n=15, ax=axes[2])
    axes[2].set_title("g(z) on a 15 × 15 grid of codes")
    ctx.figure(fig, "autoencoders_code_map",
               f"[A14] The slides' example: {d.name} {n} → 2. Test images placed by PCA's two "
               f"components and by a {n}-256-64-2 autoencoder (ReLU, linear code, "
               "cross-entropy), coloured by class; right, the decoder g(z) on a grid over the "
               "codes' range (2nd–98th percentile): moving in the plane morphs one class "
               "into the next.")

    # reconstructions, and the errors behind them
    show = _examples(d.y_test)

    def pca_reconstruction(m, X):
        U, mean, _ = pcas[m]
        return (X - mean) @ U @ U.T + mean

    fig, ax = plt.subplots(figsize=(10, 5.6))
    plot_reconstructions([d.X_test[show], deep30.reconstruct(d.X_test[show]),
                          pca_reconstruction(30, d.X_test[show]),
                          deep2.reconstruct(d.X_test[show]), pca_reconstruction(2, d.X_test[show])],
                         shape=d.shape, ax=ax,
                         labels=["original", "deep AE, m = 30", "PCA, m = 30", "deep AE, m = 2",
                                 "PCA, m = 2"])
    ctx.figure(fig, "autoencoders_reconstructions",
               "[A14] Test images and their reconstructions from 30 and from 2 numbers: deep "
               "autoencoders against PCA with the same code size (Hinton & Salakhutdinov "
               "2006, Fig. 2B).")
    errors = {(m, "pca"): pca_reconstruction_error(d.X_test, pcas[m].components, pcas[m].mean)
              for m in (2, 30)}
    errors[2, "ae"], errors[30, "ae"] = deep2.reconstruction_error(d.X_test), \
        deep30.reconstruction_error(d.X_test)
    rows = ["| code size m | PCA | deep autoencoder | autoencoder | training |",
            "|---|---|---|---|---|",
            f"| 30 | {errors[30, 'pca']:.2f} | {errors[30, 'ae']:.2f} | {n}-256-128-30 | "
            f"{epochs30} epochs, {seconds30:.1f} s |",
            f"| 2 | {errors[2, 'pca']:.2f} | {errors[2, 'ae']:.2f} | {n}-256-64-2 | "
            f"{epochs2} epochs, {seconds2:.1f} s |"]
    ctx.text(f"**Deep autoencoder against PCA [A14].** Squared error per test image, "
             f"(1/N) Σ_i ‖x̂_i − x_i‖², of models fitted on {len(d.X)} {d.name} training "
             "images (PCA centred):\n\n" + "\n".join(rows)
             + f"\n\nDeep AE-30 error **{errors[30, 'ae']:.2f}** against PCA-30 "
               f"**{errors[30, 'pca']:.2f}**. Hinton & Salakhutdinov (2006) report 3.00 against "
               "13.87 on MNIST with a 784-1000-500-250-30 autoencoder pre-trained as a stack of "
               "RBMs and fine-tuned on all 60,000 images; the models here are smaller and "
               f"trained for {'seconds' if ctx.fast else 'minutes'}, so their errors are an "
               "upper bound on what a deep autoencoder reaches.")
    _features(ctx, d, deep30, pcas[30])


def _features(ctx, d, deep30, pca30, n_labels=300):
    """[A14] Logistic regression on a few labels: raw pixels, PCA projections, AE codes."""
    def standardised(F, F_test):
        mean, std = F.mean(axis=0), F.std(axis=0) + 1e-8              # from unlabelled data
        return (F - mean) / std, (F_test - mean) / std

    U, mean, _ = pca30
    features = {
        f"raw pixels ({d.X.shape[1]})": (d.X, d.X_test),
        "PCA projections (30)": standardised((d.X - mean) @ U, (d.X_test - mean) @ U),
        "deep AE codes (30)": standardised(numpy.asarray(deep30.transform(d.X)),
                                           numpy.asarray(deep30.transform(d.X_test))),
    }
    rows, scores = ["| features | test accuracy |", "|---|---|"], {}
    for name, (F, F_test) in features.items():
        model = MLPClassifier((), learning_rate=1e-2, epochs=200, random_state=ctx.seed,
                              verbose=False).fit(F[:n_labels], d.y[:n_labels])
        scores[name] = model.score(F_test, d.y_test)
        rows.append(f"| {name} | {scores[name]:.3f} |")
    best = max(scores, key=scores.get)
    ctx.text(f"**Codes as features [A14].** A softmax (logistic) regression trained on the "
             f"first {n_labels} labelled training images only (Adam, η = 1e-2, 200 epochs), "
             "on three representations; PCA and the autoencoder saw all "
             f"{len(d.X)} training images without labels:\n\n" + "\n".join(rows)
             + f"\n\nBest here: {best}. A code trained to reconstruct keeps what rebuilds the "
             "image, which need not be what separates the classes, and a linear classifier on "
             "the raw pixels is already a strong baseline.")


# -- 7. [A15] the sequence autoencoder --------------------------------------------------------

def _sequence(ctx, plt, d):
    hidden, n_images, epochs, eta = ((32,), 3000, 4, 5e-3) if ctx.fast else ((64,), 20000, 10, 3e-3)
    model, seconds = _timed_fit(SequenceAutoencoder(
        hidden, seq_shape=d.shape, loss="mse", learning_rate=eta, batch_size=32,
        epochs=epochs, random_state=ctx.seed, verbose=False), d.X[:n_images])
    X_test = d.X_test[:300]
    U, mean, _ = pca(d.X, hidden[-1])
    show = _examples(d.y_test)
    fig, ax = plt.subplots(figsize=(10, 2.4))
    plot_reconstructions([X_test[show], model.reconstruct(X_test[show])], shape=d.shape, ax=ax,
                         labels=["x", "sequence AE x̂"])
    ctx.figure(fig, "autoencoders_sequence",
               f"[A15] A sequence autoencoder reads each image as a sequence of "
               f"{d.shape[0]} rows of {d.shape[1]} pixels with an LSTM of {hidden[0]} units; "
               "its last hidden state is the code, from which a second LSTM writes the rows "
               "back.")
    ctx.text(f"**Sequence autoencoder [A15].** `SequenceAutoencoder({hidden}, loss=\"mse\")`, "
             f"code size {hidden[-1]}, {len(d.X[:n_images])} images, {epochs} epochs of Adam "
             f"(η = {eta:g}), "
             f"{seconds:.1f} s of backpropagation through time by hand: test error "
             f"{model.reconstruction_error(X_test):.2f} per image, against "
             f"{pca_reconstruction_error(X_test, U, mean):.2f} for PCA with {hidden[-1]} "
             "components. The quadratic loss with a linear output is used because with "
             "cross-entropy a short run stays on the plateau where the decoder ignores the "
             "code and writes the mean image; the recurrent model trains far more slowly than "
             "the dense ones (its steps are sequential).")


# -- 8. [A16] deep clustering ----------------------------------------------------------------

def _clustering(ctx, plt, d):
    K, refine = len(d.classes), 3
    X, y = d.X, d.y
    start = time.perf_counter()
    _, raw_labels, _ = kmeans(X, K, random_state=ctx.seed)
    raw_seconds = time.perf_counter() - start
    model, seconds = _timed_fit(DeepClustering(
        (256, 256, 10), n_clusters=K, pretrain_epochs=10 if ctx.fast else 30, epochs=0,
        random_state=ctx.seed, verbose=False), X)
    codes_labels = model.labels_
    centres_before = numpy.asarray(model.inverse_transform(model.params["centers"]))
    for _ in range(refine):               # each partial_fit: one epoch of L_AE + γ ρ² [A16]
        model.partial_fit(X)
    refined_labels = numpy.asarray(model.predict(X))
    rows = ["| clustering | purity | adjusted Rand index |", "|---|---|---|"]
    ari = {}
    for key, name, labels in (
            ("raw", f"k-means on the raw pixels ({raw_seconds:.1f} s)", raw_labels),
            ("codes", f"k-means on the AE codes ({seconds:.1f} s with pre-training)",
             codes_labels),
            ("refined", f"… then {refine} epochs of joint refinement, γ = {model.gamma}",
             refined_labels)):
        ari[key] = adjusted_rand_index(y, labels)
        rows.append(f"| {name} | {purity_score(y, labels):.3f} | {ari[key]:.3f} |")
    raw_centres = numpy.array([X[raw_labels == k].mean(axis=0) for k in range(K)])
    fig, ax = plt.subplots(figsize=(10, 2.4))
    plot_reconstructions([raw_centres, centres_before], shape=d.shape, ax=ax, n=K,
                         labels=["k-means centres", "decoded code centres g(μ_k)"])
    ctx.figure(fig, "autoencoders_clustering",
               "[A16] Cluster centres: the means of k-means on the raw pixels, and the "
               "k-means centres found in the autoencoder's 10-D code space, decoded.")
    ctx.text(f"**Deep clustering [A16].** K = {K} clusters of {len(X)} training images "
             f"(the labels only score the result). `DeepClustering((256, 256, 10))`: an "
             f"autoencoder pre-trained for {model.pretrain_epochs} epochs, k-means on its "
             "codes, then joint refinement of L_AE + γ (1/N) Σ_i ρ²(f(x_i), μ_a(x_i)) "
             "(`partial_fit` after `fit` runs one more epoch of it):\n\n" + "\n".join(rows)
             + f"\n\nARI on the codes {ari['codes']:.3f} against {ari['raw']:.3f} on the pixels; "
             f"{refine} epochs of refinement move it by {ari['refined'] - ari['codes']:+.3f}.")


def run(ctx):
    import matplotlib.pyplot as plt

    d = _digits(ctx)
    ctx.text(f"Data: {d.name}, {len(d.X)} training and {len(d.X_test)} test images "
             f"({'fast mode: a subset, brief training' if ctx.fast else 'full mode'}). "
             "Reconstruction errors are squared errors per image, (1/N) Σ_i ‖x̂_i − x_i‖², "
             "with pixels in [0, 1].")
    for step, (message, section) in enumerate([
            ("linear autoencoder against PCA [A2]", _linear_vs_pca),
            ("sparse autoencoders [A6]", _sparse),
            ("denoising autoencoder [A7]", _denoising),
            ("stacked autoencoder and few labels [A10]", _stacked),
            ("convolutional autoencoder [A12]", _conv),
            ("code map, reconstructions, deep AE against PCA, features [A14]", _uses),
            ("sequence autoencoder [A15]", _sequence),
            ("deep clustering [A16]", _clustering)], 1):
        ctx.log(f"{step}. {message}")
        section(ctx, plt, d)
