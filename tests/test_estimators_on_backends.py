"""Every estimator and plot helper on every backend.

Each test runs once per backend (the ``xp`` fixture).  The CuPy cases need CuPy and a GPU,
or the CPU stand-in of ``tests/fake_cupy`` (``NNUNSUP_FAKE_CUPY=1 pytest -m gpu``), which
enforces CuPy's separation of host and device arrays without computing on a GPU.

* fitted on data on the backend, a model's parameters and every float output stay there
  (the predicted class labels of a classifier are its ``classes_``, which live on the
  host as scikit-learn's do);
* a model whose training draws nothing from the backend's random streams (only the host
  streams of initialisation and shuffling) learns the same parameters on CuPy as on NumPy,
  within float32 rounding; the others draw their noise from CuPy's generator, whose
  streams differ from NumPy's for the same seed (docs/backend.md), so only where
  their arrays live is checked here (their objectives are compared on the same draws in
  the models' own tests);
* every plot helper accepts device arrays and models fitted on the device.
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnunsup import backend, plot  # noqa: E402
from nnunsup.autoencoders import VAE, Autoencoder  # noqa: E402
from nnunsup.competitive import SOM, CompetitiveLearning  # noqa: E402
from nnunsup.gan import GAN  # noqa: E402
from nnunsup.nn import MLPClassifier  # noqa: E402
from nnunsup.rbm import BernoulliRBM  # noqa: E402
from tests.estimators import CASES, case_ids  # noqa: E402

#: the models whose training draws from the backend's random streams: corruption noise,
#: the VAE's ε, Gibbs chains, the GAN's z (or sub-models seeded for such streams)
DRAWS_DEVICE_NOISE = {"DenoisingAutoencoder", "VAE", "BernoulliRBM", "GaussianBernoulliRBM",
                      "DBN", "DeepAutoencoder", "GAN", "DCGAN"}

#: the estimators whose ``predict`` returns class labels (host arrays of ``classes_``)
_CLASSIFIERS = {"MLPClassifier", "SemiSupervisedAutoencoder", "TransferClassifier",
                  "MultiTaskClassifier", "DistilledClassifier", "PrivilegedClassifier"}


def _on(xp, case):
    """``case``'s fit arguments with the float arrays on backend ``xp`` (labels stay put)."""
    args = case.data()
    X = xp.asarray(args[0])
    if case.targets == "labels+privileged":
        return X, args[1], xp.asarray(args[2])
    if case.targets == "values":
        return X, xp.asarray(args[1])
    return (X, *args[1:])


def _task(case):
    """The ``task`` argument of a multi-task model's predict and score (task 0)."""
    return {"task": 0} if case.targets == "labels+tasks" else {}


def _outputs(model, case, args):
    """{method name: output} of every prediction-side method the model has."""
    X, task = args[0], _task(case)
    calls = {
        "transform": lambda: model.transform(X),
        "reconstruct": lambda: model.reconstruct(X),
        "predict": lambda: model.predict(X, **task),
        "predict_proba": lambda: model.predict_proba(X, **task),
        "sample": lambda: (model.sample(3, n_gibbs=5) if "RBM" in case.name or case.name == "DBN"
                           else model.sample(3)),
        "discriminate": lambda: model.discriminate(X),
        "free_energy": lambda: model.free_energy(X),
        "gibbs": lambda: model.gibbs(X),
        "elbo": lambda: model.elbo(X),
        "log_likelihood": lambda: model.log_likelihood(X, method="exact")
        if "RBM" in case.name else model.log_likelihood(X, 10),
        "encode": lambda: model.encode(X),
    }
    out = {name: call() for name, call in calls.items() if callable(getattr(model, name, None))}
    if "transform" in out and callable(getattr(model, "inverse_transform", None)):
        out["inverse_transform"] = model.inverse_transform(out["transform"])
    return out


def _arrays(value):
    """The arrays in an output (a tuple such as encode's (μ, log σ²) gives several)."""
    return list(value) if isinstance(value, tuple) else [value]


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_fit_keeps_parameters_and_outputs_on_the_backend(case, xp):
    """Parameters and float outputs of a model fitted on the backend's arrays are arrays of
    that backend; class labels are host arrays of ``classes_``; a score is a Python float."""
    args = _on(xp, case)
    model = case.make().fit(*args)
    assert {k: hasattr(v, "shape") and backend.get_xp(v) is xp
            for k, v in model.params.items()} == dict.fromkeys(model.params, True)
    outputs = _outputs(model, case, args)
    assert outputs, f"no output method exercised for {case.name}"
    for name, value in outputs.items():
        for array in _arrays(value):
            if name == "predict" and case.name in _CLASSIFIERS:
                assert isinstance(array, np.ndarray), name
                classes = model.classes_[0] if _task(case) else model.classes_
                assert set(array.tolist()) <= set(np.asarray(classes).tolist()), name
            else:
                assert backend.get_xp(array) is xp and array.dtype.kind in "fiub", name
    if callable(getattr(model, "score", None)):
        score = model.score(*args[:2], **_task(case))
        assert isinstance(score, float) and np.isfinite(score)


_NOISELESS = [case for case in CASES if case.name not in DRAWS_DEVICE_NOISE]


@pytest.mark.parametrize("case", _NOISELESS, ids=case_ids(_NOISELESS))
def test_fit_learns_what_it_learns_on_numpy(case, xp):
    """Without device noise in training the fitted parameters match NumPy's (float32)."""
    on_device = case.make().fit(*_on(xp, case))
    previous = backend.current()
    backend.use("numpy")
    try:
        on_host = case.make().fit(*case.data())
    finally:
        backend.use(previous)
    assert on_device.params.keys() == on_host.params.keys()
    for key, value in on_device.params.items():
        np.testing.assert_allclose(backend.to_numpy(value), on_host.params[key], rtol=2e-3,
                                   atol=2e-4, err_msg=key)


def test_the_device_noise_list_is_exact(monkeypatch):
    """A model listed in DRAWS_DEVICE_NOISE draws from the backend's random streams, and a
    model not listed does not: on NumPy, its fit is unchanged when every generator made by
    ``backend.default_rng`` (the device streams) is seeded differently, as CuPy's are."""
    fits = {}
    for reseeded in (False, True):
        if reseeded:
            default_rng = backend.default_rng

            def other_stream(seed=None):
                """A generator on another stream for the same seed, as CuPy's is."""
                if isinstance(seed, np.random.SeedSequence):
                    seed = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, 7))
                elif seed is not None:
                    seed = np.random.SeedSequence([int(seed), 7])
                return default_rng(seed)
            monkeypatch.setattr(backend, "default_rng", other_stream)
        fits[reseeded] = {case.name: case.make().fit(*case.data()) for case in CASES}
    for case in CASES:
        plain, other = fits[False][case.name], fits[True][case.name]
        same = all(np.array_equal(plain.params[k], other.params[k]) for k in plain.params)
        assert same == (case.name not in DRAWS_DEVICE_NOISE), case.name


#: the online competitive rule reads each object's winner on the host, object by object,
#: as the slide's loop does (its per-object loop is the algorithm, not an inefficiency)
_READS_PER_OBJECT = {"CompetitiveLearning"}
_WITHOUT_PER_OBJECT_READS = [case for case in CASES if case.name not in _READS_PER_OBJECT]


@pytest.fixture
def stand_in():
    """The CPU stand-in for CuPy as the active backend (skipped elsewhere: NumPy has no
    copies to count, and a real GPU no counter)."""
    if not backend.is_cupy_available():
        pytest.skip("CuPy with a working GPU is not available")
    previous = backend.current()
    backend.use("cupy")
    try:
        xp = backend.get_xp()
        if not hasattr(xp, "transfers"):
            pytest.skip("counting host/device copies needs the CPU stand-in for CuPy")
        yield xp
    finally:
        backend.use(previous)


@pytest.mark.gpu
@pytest.mark.parametrize("case", _WITHOUT_PER_OBJECT_READS, ids=case_ids(_WITHOUT_PER_OBJECT_READS))
def test_training_steps_move_no_arrays_to_the_host(case, stand_in):
    """Per optimiser step a fit uploads its minibatch index and reads its loss (two for a
    GAN's two players), and copies no array back to the host: tripling the data adds no
    device → host copy and at most one scalar read (two for a GAN) per added upload.
    Counted by the CPU stand-in (``cupy.transfers``); copies made once per fit or per
    epoch do not grow with the data and are not what this bounds."""
    xp = stand_in
    small = _on(xp, case)
    large = tuple(backend.get_xp(a).concatenate([a] * 3) for a in small)

    def copies(args):
        xp.transfers.update(dict.fromkeys(xp.transfers, 0))
        case.make().fit(*args)
        return dict(xp.transfers)

    few, many = copies(small), copies(large)
    added = {key: many[key] - few[key] for key in few}
    losses_per_step = 2 if case.name in ("GAN", "DCGAN") else 1
    assert added["to_host"] == 0, added
    assert added["scalars"] <= losses_per_step * added["to_device"], added


# -- the plot helpers ------------------------------------------------------------------------

@pytest.fixture
def device_models(xp):
    """Small models fitted on the backend's arrays, and the data."""
    rng = np.random.default_rng(0)
    X = xp.asarray(rng.random((40, 16)))
    B = xp.asarray((rng.random((40, 16)) < 0.5).astype(np.float64))
    X2 = xp.asarray(rng.random((40, 2)))
    y = np.arange(40) % 2
    quiet = dict(epochs=2, random_state=0, verbose=False)
    models = {
        "som": SOM(m=3, h=2, epochs=2, random_state=0, verbose=False).fit(X),
        "competitive": CompetitiveLearning(n_clusters=3, epochs=2, random_state=0).fit(X2),
        "ae": Autoencoder(hidden_sizes=(2,), **quiet).fit(X),
        "vae": VAE((6, 2), **quiet).fit(B),
        "rbm": BernoulliRBM(4, **quiet).fit(B),
        "gan": GAN(n_latent=2, generator_sizes=(6,), discriminator_sizes=(6,),
                   output_activation="identity", **quiet).fit(X2),
        "mlp": MLPClassifier(hidden_sizes=(4,), **quiet).fit(X2, y),
    }
    yield models, X, B, X2, y
    plt.close("all")


def test_plot_helpers_take_device_arrays(device_models, xp):
    """Each plot helper moves device arrays and device-fitted models to the host itself."""
    models, X, B, X2, y = device_models
    som, vae, rbm, gan = models["som"], models["vae"], models["rbm"], models["gan"]
    z = vae.transform(B)                                                  # (40, 2) on xp
    assert backend.get_xp(z) is xp
    ae, mlp, competitive = models["ae"], models["mlp"], models["competitive"]
    decode = vae.inverse_transform
    helpers = {
        "plot_history": lambda: plot.plot_history(ae.history_),
        "image_grid": lambda: plot.image_grid(X[:6], shape=(4, 4)),
        "plot_decision_regions": lambda: plot.plot_decision_regions(mlp.predict, X2, y,
                                                                    resolution=20),
        "plot_map": lambda: plot.plot_map(xp.arange(6.0), som),
        "plot_u_matrix": lambda: plot.plot_u_matrix(som),
        "plot_component_planes": lambda: plot.plot_component_planes(som),
        "plot_density_map": lambda: plot.plot_density_map(som, X),
        "plot_hit_map": lambda: plot.plot_hit_map(som, X),
        "plot_label_map": lambda: plot.plot_label_map(som, X, y),
        "plot_som_in_data_space": lambda: plot.plot_som_in_data_space(som, X),
        "plot_competitive": lambda: plot.plot_competitive(competitive, X2),
        "plot_code_map": lambda: plot.plot_code_map(ae.transform(X), y),
        "plot_reconstructions": lambda: plot.plot_reconstructions([X, ae.reconstruct(X)],
                                                                  shape=(4, 4), n=4),
        "plot_latent_grid": lambda: plot.plot_latent_grid(decode, (4, 4), n=3),
        "plot_elbo_history": lambda: plot.plot_elbo_history(vae.history_),
        "plot_variations": lambda: plot.plot_variations(B[:2], xp.stack([B[:3], B[3:6]]),
                                                        shape=(4, 4)),
        "plot_interpolation": lambda: plot.plot_interpolation(decode, z[0], z[1], (4, 4),
                                                              n_steps=3),
        "plot_latent_arithmetic": lambda: plot.plot_latent_arithmetic(decode, z[0], z[1],
                                                                      z[2:4], (4, 4)),
        "plot_filters": lambda: plot.plot_filters(rbm.params["W"], (4, 4), n=4),
        "plot_gibbs_chains": lambda: plot.plot_gibbs_chains(
            xp.stack([B[:3], rbm.gibbs(B[:3])]), (4, 4)),
        "plot_gan_snapshots": lambda: plot.plot_gan_snapshots([gan.sample(20), gan.sample(20)],
                                                              X2),
        "plot_decision_surface": lambda: plot.plot_decision_surface(
            gan.discriminate, X2, gan.sample(20), resolution=20),
        "plot_gan_losses": lambda: plot.plot_gan_losses(gan.history_),
    }
    drawn = {}
    for name, draw in helpers.items():
        drawn[name] = draw()
        plt.close("all")
    # plot_curves and plot_training_schemes draw tables of numbers and a diagram, no arrays
    missing = set(plot.__all__) - set(drawn) - {"plot_curves", "plot_training_schemes"}
    assert not missing, f"plot helpers not exercised on the backend: {sorted(missing)}"
    assert all(value is not None for value in drawn.values())
