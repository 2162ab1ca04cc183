"""model.save / nnunsup.load: every estimator round-trips and resumes bitwise; bad and
hostile files are refused with a clear error and never execute anything."""
import io
import json
import pickle
import zipfile

import numpy as np
import pytest

import nnunsup
from nnunsup import ModelFileError, backend
from nnunsup.autoencoders import Autoencoder
from nnunsup.nn.optim import Adam

from .estimators import CASES, case_ids


def _outputs(model, case):
    """Everything the model computes from the case's data, as host arrays, by method."""
    args = case.data()
    X = args[0]
    task = (int(args[2][0]),) if case.targets == "labels+tasks" else ()
    calls = {"transform": (X,), "predict": (X, *task), "predict_proba": (X, *task),
             "free_energy": (X,), "quantization_error": (X,),
             "score": (*args[:2], *task) if case.targets != "labels+privileged" else args[:2]}
    return {name: backend.to_numpy(getattr(model, name)(*call))
            for name, call in calls.items() if hasattr(model, name)}


def _assert_same_params(a, b):
    assert list(a.params) == list(b.params)
    for key in a.params:
        assert b.params[key].dtype == a.params[key].dtype, key
        np.testing.assert_array_equal(backend.to_numpy(b.params[key]),
                                      backend.to_numpy(a.params[key]), err_msg=key)


def _history(model):
    history = getattr(model, "history_", None)
    return {k: v for k, v in (history or {}).items() if k != "time"}


@pytest.fixture(scope="module")
def fitted():
    """One fitted model per case (fitting is the slow part)."""
    models = {}
    for case in CASES:
        models[case.name] = case.make().fit(*case.data())
    return models


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_round_trip_gives_identical_model(case, fitted, tmp_path):
    """Loading what was saved gives the same class, hyperparameters, parameters (bitwise,
    same dtype), learned attributes and outputs."""
    model = fitted[case.name]
    path = model.save(tmp_path / "model")
    assert path == tmp_path / "model.npz" and path.is_file()
    loaded = nnunsup.load(path)
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    _assert_same_params(model, loaded)
    assert loaded.n_features_in_ == model.n_features_in_
    assert _history(loaded) == _history(model)
    expected, got = _outputs(model, case), _outputs(loaded, case)
    assert expected and expected.keys() == got.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


def _resume_route(case):
    names = case.cls._get_param_names()
    if "warm_start" in names:
        return "warm_start"
    if hasattr(case.cls, "partial_fit"):
        return "partial_fit"
    return None


NOT_RESUMABLE = {
    # class name → why "resume training" does not apply
    "CompetitiveLearning": "fit always restarts from the seeded initial prototypes and runs "
                           "to convergence; there is no incremental training to resume",
    "DBN": "fit trains its RBMs greedily from scratch; there is no incremental training "
           "(each trained RBM in rbms_ resumes on its own, as BernoulliRBM does)",
}


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_resumed_training_is_bitwise_the_uninterrupted_run(case, tmp_path):
    """Train 2 epochs, save, load, train 2 more == train 4 epochs without stopping: the
    optimiser's moments and the random streams' positions travel in the file.  (Classes
    in NOT_RESUMABLE have no incremental training: for them, a loaded model refits to
    bitwise the same result as the original.)"""
    route = _resume_route(case)
    args = case.data()
    if route is None:                  # NOT_RESUMABLE: a loaded model refits exactly alike
        whole = case.make().fit(*args)
        resumed = nnunsup.load(case.make().fit(*args).save(tmp_path / "model")).fit(*args)
    elif route == "warm_start":
        whole = case.make(epochs=4).fit(*args)
        half = case.make(epochs=2).fit(*args)
        resumed = nnunsup.load(half.save(tmp_path / "half"))
        resumed.set_params(warm_start=True).fit(*args)
    else:
        whole, half = case.make(), case.make()
        for _ in range(4):
            whole.partial_fit(*args)
        for _ in range(2):
            half.partial_fit(*args)
        resumed = nnunsup.load(half.save(tmp_path / "half"))
        for _ in range(2):
            resumed.partial_fit(*args)
    _assert_same_params(whole, resumed)
    assert _history(resumed) == _history(whole)
    if hasattr(whole, "sample"):              # the sampling stream continues too
        np.testing.assert_array_equal(backend.to_numpy(resumed.sample(3)),
                                      backend.to_numpy(whole.sample(3)))


def test_every_resumable_case_listed():
    """The exemptions above name only classes that really have no way to resume."""
    for case in CASES:
        assert (_resume_route(case) is None) == (case.name in NOT_RESUMABLE), case.name


def test_unfitted_model_round_trips(tmp_path):
    """A model saved before fit keeps its hyperparameters and is still unfitted."""
    model = Autoencoder(hidden_sizes=(7, 3), loss="bce", optimizer=Adam(0.01), epochs=3)
    loaded = nnunsup.load(model.save(tmp_path / "ae.npz"))
    assert repr(loaded) == repr(model)
    assert isinstance(loaded.optimizer, Adam) and loaded.optimizer.learning_rate == 0.01
    with pytest.raises(nnunsup.NotFittedError):
        loaded.params


def test_float64_model_stays_float64(tmp_path, float64):
    X = np.random.default_rng(0).random((10, 4))
    model = Autoencoder(hidden_sizes=(3,), epochs=1, random_state=0, verbose=False).fit(X)
    backend.set_default_dtype(np.float32)            # loading does not follow the policy
    loaded = nnunsup.load(model.save(tmp_path / "ae"))
    assert all(v.dtype == np.float64 for v in loaded.params.values())
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))


def test_shared_arrays_stay_shared(fitted, tmp_path):
    """An array referenced twice is one array after loading: the DBN's params are its
    RBMs' params (training one updates the other), as before saving."""
    dbn = fitted["DBN"]
    assert dbn.params["rbm.0.W"] is dbn.rbms_[0].params["W"]
    loaded = nnunsup.load(dbn.save(tmp_path / "dbn"))
    assert loaded.params["rbm.0.W"] is loaded.rbms_[0].params["W"]
    assert loaded.params["rbm.1.W"] is not loaded.params["rbm.0.W"]


def test_file_is_a_plain_npz_with_readable_json(fitted, tmp_path):
    """The file opens with NumPy's np.load(allow_pickle=False) and holds model.json that a
    student can read: the class, hyperparameters and the names of the weights."""
    model = fitted["Autoencoder"]
    path = model.save(tmp_path / "ae")
    with np.load(path, allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["params/encoder.0.W"], model.params["encoder.0.W"])
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("model.json"))
    assert document["format"] == "nnunsup-model" and document["format_version"] == 1
    assert document["class"] == "nnunsup.autoencoders.base.Autoencoder"
    assert document["hyperparameters"]["hidden_sizes"] == {"__tuple__": [6]}
    assert set(document["params"]) == set(model.params)
    assert "_optimizer" in document["state"] and "_shuffle_rng" in document["state"]


def test_save_refuses_what_a_model_file_cannot_hold(tmp_path):
    """A hyperparameter that is a function cannot be stored without pickle: TypeError
    naming it, and nothing is written."""
    model = Autoencoder(activation=lambda x: x)
    with pytest.raises(TypeError, match=r"cannot save activation: a builtins.function"):
        model.save(tmp_path / "bad")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_save_keeps_the_old_file(fitted, tmp_path, monkeypatch):
    """Saving writes a temporary file and renames it at the end: a failure midway leaves
    an existing file at the path untouched and no temporary file behind."""
    path = fitted["Autoencoder"].save(tmp_path / "ae")
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", broken)
    with pytest.raises(OSError, match="disk full"):
        fitted["Autoencoder"].save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ae.npz"]


def test_save_rejects_non_models(tmp_path):
    with pytest.raises(TypeError, match="model must be an nnunsup estimator"):
        nnunsup._persist.save({"W": np.ones(2)}, tmp_path / "x")


# --- bad and hostile files ---------------------------------------------------------------

def _rewrite(path, edit=None, extra=None, text=None):
    """Rewrite the archive at ``path``: ``edit(document)`` changes model.json (or ``text``
    replaces it), ``extra`` adds or replaces members (name → bytes)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members["model.json"])
    if edit is not None:
        edit(document)
    members["model.json"] = (text or json.dumps(document)).encode()
    members.update(extra or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


class _Marker:
    """Unpickling this object would create a file: proof that code ran."""

    path = None

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def _npy_bytes(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.fixture
def saved(fitted, tmp_path):
    return fitted["Autoencoder"].save(tmp_path / "ae")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nnunsup.load(tmp_path / "nothing.npz")


def test_truncated_file(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"not a complete nnunsup model file.*truncated"):
        nnunsup.load(saved)


def test_corrupted_array_data_fails_its_checksum(saved):
    """Flipped bytes inside an array member are caught by the zip's CRC-32."""
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("params/encoder.0.W.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data[start:start + 8] = bytes(255 - b for b in data[start:start + 8])
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="corrupted"):
        nnunsup.load(saved)


def test_other_kind_of_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are my notes")
    with pytest.raises(ModelFileError, match="not a complete nnunsup model file"):
        nnunsup.load(path)


def test_plain_npz_without_model_json(tmp_path):
    path = tmp_path / "arrays.npz"
    np.savez(path, W=np.ones(3))
    with pytest.raises(ModelFileError, match="not an nnunsup model file .it has no model.json"):
        nnunsup.load(path)


@pytest.mark.parametrize("edit, pattern", [
    (lambda d: d.update(format="something-else"), r"not an nnunsup model file \(format 'something-else'\)"),
    (lambda d: d.update(format_version=2), r"format version 2, but this nnunsup .* reads version 1"),
    (lambda d: d.update({"class": "os.system"}), r"names a class 'os.system' outside nnunsup"),
    (lambda d: d.update({"class": "builtins.eval"}), r"outside nnunsup"),
    (lambda d: d.update({"class": "nnunsup.datasets._cache.DatasetNotFoundError"}),
     r"not one of nnunsup's models, layers, optimisers or histories"),
    (lambda d: d.update({"class": "nnunsup.nowhere.Model"}), r"from a module nnunsup does not have"),
    (lambda d: d["hyperparameters"].pop("epochs"), r"hyperparameters of Autoencoder do not match \(missing \['epochs'\]"),
    (lambda d: d["params"].update({"encoder.0.W": {"__array__": "params/missing"}}),
     r"refers to an array 'params/missing' that is not in the file"),
    (lambda d: d["state"].update(fit=1), r"sets attribute 'fit' of Autoencoder, which a model file may not set"),
    (lambda d: d["state"].update(__class__=1), r"sets attribute '__class__'"),
    (lambda d: d["state"]["_optimizer"].update({"__object__": "nnunsup.nn.training.Progress"}),
     r"names 'nnunsup.nn.training.Progress', which is not one of nnunsup's"),
    (lambda d: d["state"]["_shuffle_rng"]["__generator__"].__setitem__(0, "os"),
     r"unknown bit generator 'os'"),
    (lambda d: d["state"].update(x={"__float__": "1e400"}), r"bad float"),
    (lambda d: d["state"].update(x={"__dtype__": "O"}), r"object dtype"),
], ids=["format", "version", "os.system", "eval", "non-model-class", "no-module",
        "missing-hyperparameter", "missing-array", "shadow-method", "dunder", "nested-class",
        "bit-generator", "float", "object-dtype"])
def test_malformed_model_json(saved, edit, pattern):
    with pytest.raises(ModelFileError, match=pattern):
        nnunsup.load(_rewrite(saved, edit))


def test_pickled_array_is_refused_and_never_run(saved, tmp_path):
    """An object array (which only pickle can read) in place of a weight is refused, and
    the pickle inside it is never executed."""
    _Marker.path = tmp_path / "code-ran"
    payload = np.empty(1, dtype=object)
    payload[0] = _Marker()
    hostile = _rewrite(saved, extra={"params/encoder.0.W.npy": _npy_bytes(payload, allow_pickle=True)})
    with pytest.raises(ModelFileError, match="cannot be read without pickle"):
        nnunsup.load(hostile)
    assert not _Marker.path.exists()
    with pickle.loads(pickle.dumps(payload[0])):     # the payload is live: unpickling it
        pass                                         # runs code, so the check above could fail
    assert _Marker.path.exists()


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deeply_nested_json(saved, depth):
    """Nesting too deep for the JSON parser or for the decoder is refused, not a crash."""
    with zipfile.ZipFile(saved) as archive:
        text = archive.read("model.json").decode()
    deep = '{"__tuple__": [' * depth + "1" + "]}" * depth
    text = text.replace('"state": {', '"state": {"x": ' + deep + ", ", 1)
    with pytest.raises(ModelFileError, match="nested too deeply"):
        nnunsup.load(_rewrite(saved, text=text))


def test_cupy_model_round_trips(xp, tmp_path):
    """On the GPU the weights come back on the device; on NumPy this is the same test."""
    X = np.random.default_rng(0).random((12, 5))
    model = Autoencoder(hidden_sizes=(3,), epochs=1, random_state=0, verbose=False).fit(X)
    loaded = nnunsup.load(model.save(tmp_path / "ae"))
    assert all(backend.get_xp(v) is xp for v in loaded.params.values())
    _assert_same_params(model, loaded)


def test_generator_as_random_state_travels_with_its_position(tmp_path):
    """A Generator given as random_state is a hyperparameter with state: it is saved at
    its current position, so the loaded model refits exactly as the original would."""
    X = np.random.default_rng(0).random((16, 5))
    model = Autoencoder(hidden_sizes=(3,), epochs=1, random_state=np.random.default_rng(3),
                        verbose=False).fit(X)
    loaded = nnunsup.load(model.save(tmp_path / "ae"))
    assert isinstance(loaded.random_state, np.random.Generator)
    assert loaded.random_state is not model.random_state
    model.fit(X)
    loaded.fit(X)
    _assert_same_params(model, loaded)
