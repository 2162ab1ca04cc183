"""Save and load models without pickle: one ``.npz`` archive holding JSON and arrays.

A model file is a zip archive (NumPy's ``.npz``) with two kinds of member:

* ``model.json`` — what the model is, in plain JSON a student can read::

      {"format": "nnunsup-model", "format_version": 1, "nnunsup_version": "0.1.0",
       "class": "nnunsup.autoencoders.base.Autoencoder",
       "hyperparameters": {"hidden_sizes": {"__tuple__": [64]}, "epochs": 20, …},
       "params": {"encoder.0.W": {"__array__": "params/encoder.0.W"}, …},
       "state": {"n_features_in_": 784, "history_": {…}, "_optimizer": {…}, …}}

* ``params/<name>.npy``, ``arrays/<n>.npy`` — every array, in NumPy's ``.npy`` format.

``hyperparameters`` are the constructor's arguments (``get_params``), ``params`` the
weights, and ``state`` everything else the model holds: learned attributes
(``n_features_in_``, ``history_``, …), the optimiser with its moments and step count,
and the random generators with their exact positions — so training resumed from a file
continues bitwise as if it had never stopped.

Values are written as JSON where JSON has a type (None, bool, int, str, list, dict with
string keys, finite float) and as a tagged object otherwise: ``{"__tuple__": […]}``,
``{"__float__": "nan"}``, ``{"__scalar__": ["float32", 0.5]}``, ``{"__dtype__": "float32"}``,
``{"__array__": key}``, ``{"__generator__": […]}``, ``{"__seed_sequence__": {…}}``,
``{"__object__": class, "attributes": {…}}`` for the library's own classes (layers,
optimisers, histories, nested models such as a distillation teacher), and
``{"__ref__": n}`` for an object or array met before (identity is kept: a parameter shared
by two layers is still one array after loading).

Loading is safe with files from strangers: arrays are read with ``allow_pickle=False``,
and the only classes it creates are nnunsup's estimators, layers, optimisers and
histories, made with ``cls.__new__(cls)`` (no constructor, no ``__setstate__``, nothing
from the file is ever called or imported).  A truncated, corrupted, wrong-version or
malformed file raises :class:`ModelFileError` saying what is wrong.

Backends: arrays that lived on the GPU (CuPy) come back on the active backend, so a model
trained on a GPU opens on a laptop; host arrays stay NumPy.  CuPy's generators have no
portable state, so a device noise stream is re-seeded from fresh entropy on loading:
bitwise resumption is guaranteed on NumPy.
"""
import importlib
import io
import json
import math
import os
import pathlib
import re
import tempfile
import zipfile

import numpy

from . import backend

__all__ = ["ModelFileError", "save", "load", "FORMAT", "FORMAT_VERSION"]

FORMAT = "nnunsup-model"
FORMAT_VERSION = 1
_JSON = "model.json"
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_CLASS_NAME = re.compile(r"nnunsup(\.[A-Za-z_][A-Za-z0-9_]*)+")
_TAGS = ("__tuple__", "__float__", "__scalar__", "__dtype__", "__array__", "__generator__",
         "__device_generator__", "__seed_sequence__", "__object__", "__ref__", "__dict__")


class ModelFileError(ValueError):
    """A model file that cannot be loaded: truncated, corrupted, another format or version,
    or holding something a model file may not hold."""


def _allowed_bases():
    """The classes whose instances a model file may hold (and subclasses of them)."""
    from ._base import Estimator
    from .nn.layers import Layer
    from .nn.optim import Optimizer
    from .nn.training import History
    return (Estimator, Layer, Optimizer, History)


def _class_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


# --- writing --------------------------------------------------------------------------
class _Encoder:
    """Turns a model's attributes into JSON values, collecting its arrays on the way."""

    def __init__(self):
        self.arrays = {}           # member name → NumPy array
        self._memo = {}            # id(obj) → (ref number, obj)  (obj kept alive)
        self._array_keys = {}      # id(array) → member name

    def array(self, a, key=None):
        if id(a) in self._array_keys:
            return {"__array__": self._array_keys[id(a)]}
        key = key or f"arrays/{len(self.arrays)}"
        host = backend.to_numpy(a)
        if host.dtype.hasobject:
            raise TypeError("an array of Python objects cannot be saved")
        self.arrays[key] = host
        self._array_keys[id(a)] = key
        self._memo[id(a)] = (None, a)  # keeps ``a`` alive so its id stays unique
        out = {"__array__": key}
        if backend._is_cupy_array(a):
            out["device"] = True
        return out

    def value(self, v, where):
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, float):
            return v if math.isfinite(v) else {"__float__": repr(v)}
        if isinstance(v, numpy.generic):
            if v.dtype.hasobject:
                raise TypeError(f"cannot save {where}: a NumPy object scalar")
            return {"__scalar__": [v.dtype.str, self.value(v.item(), where)]}
        if isinstance(v, numpy.dtype):
            return {"__dtype__": v.str}
        if isinstance(v, type) and issubclass(v, numpy.generic):
            return {"__dtype__": numpy.dtype(v).str}
        if hasattr(v, "shape") and hasattr(v, "dtype"):          # NumPy or CuPy array
            return self.array(v)
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]}
        if isinstance(v, list):
            return [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if id(v) in self._memo:
            return {"__ref__": self._memo[id(v)][0]}
        if type(v) is dict:
            return self._dict(v, where)
        number = len(self._memo)
        self._memo[id(v)] = (number, v)
        if isinstance(v, numpy.random.SeedSequence):
            return {"__seed_sequence__": {
                "entropy": self.value(v.entropy, where), "spawn_key": list(v.spawn_key),
                "pool_size": v.pool_size, "n_children_spawned": v.n_children_spawned},
                "id": number}
        if isinstance(v, numpy.random.Generator):
            bit_generator = v.bit_generator
            name = type(bit_generator).__name__
            if name not in _BIT_GENERATORS:
                raise TypeError(f"cannot save {where}: unknown bit generator {name}")
            # the state is the stream's position; the seed sequence is what spawn() uses
            # (None for a bit generator made from a bare state, which cannot spawn)
            seed_sequence = bit_generator.seed_seq
            if not isinstance(seed_sequence, numpy.random.SeedSequence):
                seed_sequence = None
            return {"__generator__": [name, self.value(bit_generator.state, where),
                                      self.value(seed_sequence, where)],
                    "id": number}
        if type(v).__module__.startswith("cupy.random"):
            return {"__device_generator__": True, "id": number}
        if isinstance(v, _allowed_bases()):
            out = {"__object__": _class_name(type(v)), "id": number,
                   "attributes": self._dict(vars(v), where)}
            if isinstance(v, dict):
                out["items"] = self._dict(dict(v), where)
            return out
        raise TypeError(
            f"cannot save {where}: a {type(v).__module__}.{type(v).__qualname__} is not "
            "something a model file stores (numbers, strings, tuples, lists, dicts, arrays, "
            "random generators and nnunsup's own layers, optimisers and models)")

    def _dict(self, d, where):
        out = {}
        for k, x in d.items():
            if not isinstance(k, str):
                raise TypeError(f"cannot save {where}: dict key {k!r} is not a string")
            out[k] = self.value(x, f"{where}.{k}" if where else k)
        if any(k.startswith("__") for k in out):
            return {"__dict__": out}
        return out


def save(model, path):
    """Write ``model`` to ``path`` (``.npz`` appended when missing); returns the path.

    The file is written to a temporary name in the same folder and renamed at the end,
    so an interrupted save never leaves a half-written file at ``path``.
    """
    from ._base import Estimator
    if not isinstance(model, Estimator):
        raise TypeError(f"model must be an nnunsup estimator, got {type(model).__name__}")
    path = pathlib.Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    encoder = _Encoder()
    attributes = dict(vars(model))
    names = model._get_param_names()
    params = attributes.pop("_params", None)
    document = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "nnunsup_version": _version(), "numpy_version": numpy.__version__,
        "class": _class_name(type(model)),
        "params": None if params is None else {
            k: encoder.array(v, key=f"params/{k}") for k, v in params.items()},
        "hyperparameters": {k: encoder.value(attributes.pop(k), k) for k in names},
        "state": encoder._dict(attributes, ""),
    }
    text = json.dumps(document, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED,
                                                         allowZip64=True) as archive:
            archive.writestr(_JSON, text)
            for key, a in encoder.arrays.items():
                with archive.open(key + ".npy", "w", force_zip64=True) as member:
                    numpy.lib.format.write_array(member, a, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def _version():
    from . import __version__
    return __version__


# --- reading --------------------------------------------------------------------------
class _Decoder:
    """Turns the JSON values of a model file back into Python objects and arrays."""

    def __init__(self, archive, path):
        self._archive, self._path = archive, path
        self._members = set(archive.namelist())
        self._arrays = {}          # member name → array (shared identity)
        self._objects = {}         # ref number → object

    def fail(self, message):
        raise ModelFileError(f"{self._path}: {message}")

    def array(self, key, device=False):
        if not isinstance(key, str) or key + ".npy" not in self._members:
            self.fail(f"refers to an array {key!r} that is not in the file")
        if key not in self._arrays:
            with self._archive.open(key + ".npy") as member:
                data = io.BytesIO(member.read())
            try:
                a = numpy.lib.format.read_array(data, allow_pickle=False)
            except ValueError as exc:
                self.fail(f"array {key!r} cannot be read without pickle: {exc}")
            self._arrays[key] = backend.asarray(a) if device else a
        return self._arrays[key]

    def value(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict):
            self.fail(f"holds a value of unknown kind {type(v).__name__}")
        tag = next((k for k in v if k in _TAGS), None)
        if tag is None:
            return {k: self.value(x) for k, x in v.items()}
        body = v[tag]
        if tag == "__dict__":
            return {k: self.value(x) for k, x in self._mapping(body).items()}
        if tag == "__tuple__":
            return tuple(self.value(x) for x in self._list(body, 0))
        if tag == "__float__":
            if body not in ("nan", "inf", "-inf"):
                self.fail(f"holds a bad float {body!r}")
            return float(body)
        if tag == "__scalar__":
            dtype, x = self._list(body, 2)
            return self._dtype(dtype).type(self.value(x))
        if tag == "__dtype__":
            return self._dtype(body)
        if tag == "__array__":
            return self.array(body, device=bool(v.get("device")))
        if tag == "__ref__":
            if body not in self._objects:
                self.fail(f"refers to object {body!r} before defining it")
            return self._objects[body]
        if tag == "__seed_sequence__":
            spec = self._mapping(body)
            try:
                seed_sequence = numpy.random.SeedSequence(
                    self.value(spec["entropy"]), spawn_key=tuple(spec["spawn_key"]),
                    pool_size=spec["pool_size"], n_children_spawned=spec["n_children_spawned"])
            except (KeyError, TypeError, ValueError) as exc:
                self.fail(f"holds a bad seed sequence: {exc}")
            return self._remember(v, seed_sequence)
        if tag == "__generator__":
            name, state, seed_sequence = self._list(body, 3)
            if name not in _BIT_GENERATORS:
                self.fail(f"names an unknown bit generator {name!r}")
            seed_sequence = self.value(seed_sequence)
            if not isinstance(seed_sequence, (numpy.random.SeedSequence, type(None))):
                self.fail(f"holds a {name} generator with a bad seed sequence")
            bit_generator = getattr(numpy.random, name)(seed_sequence)
            try:
                bit_generator.state = self.value(state)
            except (KeyError, TypeError, ValueError) as exc:
                self.fail(f"holds a bad {name} state: {exc}")
            return self._remember(v, numpy.random.Generator(bit_generator))
        if tag == "__device_generator__":
            return self._remember(v, backend.default_rng())
        return self._object(v)

    def _remember(self, v, obj):
        number = v.get("id")
        if not isinstance(number, int) or number in self._objects:
            self.fail(f"holds an object with a missing or repeated id {number!r}")
        self._objects[number] = obj
        return obj

    def _object(self, v):
        cls = self.resolve(v["__object__"], _allowed_bases())
        obj = cls.__new__(cls)          # no __new__ of ours runs code: just an empty instance
        self._remember(v, obj)
        if isinstance(obj, dict):
            dict.update(obj, self.value(self._mapping(v.get("items", {}))))
        self.set_attributes(obj, self.value(self._mapping(v.get("attributes", {}))))
        return obj

    def set_attributes(self, obj, attributes):
        """Set the instance attributes read from the file on ``obj``; a name that would
        hide one of its class's methods or properties, or a dunder name, is refused."""
        for name in attributes:
            found = getattr(type(obj), name, None)
            if (not isinstance(name, str) or not name.isidentifier() or name.startswith("__")
                    or callable(found) or isinstance(found, property)):
                self.fail(f"sets attribute {name!r} of {type(obj).__name__}, which a model "
                          "file may not set")
        vars(obj).update(attributes)

    def resolve(self, name, bases):
        """The nnunsup class called ``name``; only already-importable library classes that
        derive from ``bases`` are accepted (nothing named by the file is executed)."""
        if not isinstance(name, str) or not _CLASS_NAME.fullmatch(name):
            self.fail(f"names a class {name!r} outside nnunsup")
        module_name, _, qualname = name.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            self.fail(f"names a class {name!r} from a module nnunsup does not have")
        cls = getattr(module, qualname, None)
        if not (isinstance(cls, type) and cls.__module__ == module_name
                and issubclass(cls, bases)):
            self.fail(f"names {name!r}, which is not one of nnunsup's models, layers, "
                      "optimisers or histories")
        return cls

    def _dtype(self, text):
        try:
            dtype = numpy.dtype(text)
        except TypeError:
            self.fail(f"holds a bad dtype {text!r}")
        if dtype.hasobject:
            self.fail("holds an object dtype")
        return dtype

    def _mapping(self, v):
        if not isinstance(v, dict):
            self.fail(f"expected a JSON object, found {type(v).__name__}")
        return v

    def _list(self, v, length):
        if not isinstance(v, list) or (length and len(v) != length):
            self.fail(f"expected a JSON list{f' of {length}' if length else ''}, found {v!r}")
        return v


def load(path):
    """The model saved at ``path`` by :meth:`save <nnunsup._base.ParamModel.save>`.

    Raises ``FileNotFoundError`` when there is no file and :class:`ModelFileError` (a
    ``ValueError``) when the file is not a complete, uncorrupted model file of a format
    version this nnunsup reads.  Nothing in the file is executed.
    """
    from ._base import Estimator
    path = pathlib.Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"{path}: not a complete nnunsup model file (truncated, "
                             f"corrupted or another kind of file): {exc}") from exc
    with archive:
        try:
            return _read(archive, path, Estimator)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:   # CRC errors, truncation
            raise ModelFileError(f"{path}: the file is corrupted: {exc}") from exc
        except RecursionError as exc:
            raise ModelFileError(f"{path}: its {_JSON} is nested too deeply") from exc


def _read(archive, path, Estimator):
    if _JSON not in archive.namelist():
        raise ModelFileError(f"{path}: not an nnunsup model file (it has no {_JSON})")
    try:
        document = json.loads(archive.read(_JSON).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: its {_JSON} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an nnunsup model file (format "
                             f"{document.get('format') if isinstance(document, dict) else None!r})")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version!r}, but this nnunsup "
            f"({_version()}) reads version {FORMAT_VERSION}; it was written by nnunsup "
            f"{document.get('nnunsup_version')!r}")
    decoder = _Decoder(archive, path)
    cls = decoder.resolve(document.get("class"), (Estimator,))
    hyperparameters = decoder.value(decoder._mapping(document.get("hyperparameters", {})))
    expected = set(cls._get_param_names())
    if set(hyperparameters) != expected:
        missing, extra = sorted(expected - set(hyperparameters)), sorted(set(hyperparameters) - expected)
        raise ModelFileError(f"{path}: the hyperparameters of {cls.__name__} do not match "
                             f"(missing {missing}, unexpected {extra})")
    model = cls(**hyperparameters)
    raw = document.get("params")
    if raw is not None:
        model._params = {k: decoder.value(v) for k, v in decoder._mapping(raw).items()}
        if not all(hasattr(v, "shape") for v in model._params.values()):
            raise ModelFileError(f"{path}: its params are not all arrays")
    decoder.set_attributes(model, decoder.value(decoder._mapping(document.get("state", {}))))
    return model
