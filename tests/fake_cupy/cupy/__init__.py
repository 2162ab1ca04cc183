"""A CPU stand-in for CuPy that keeps CuPy's rules between host and device arrays.

It exists so that the CuPy code paths of nnunsup run on machines without a GPU (CI among
them).  ``NNUNSUP_FAKE_CUPY=1 pytest -m gpu`` puts this package first on ``sys.path``
(``tests/conftest.py``), so ``backend.use("cupy")`` imports it and every test that runs
on the CuPy backend runs against it.

What it checks, as real CuPy does:

* a device array is a class of its own (:class:`ndarray`, module ``cupy``), wrapping a
  NumPy array that the code under test cannot reach;
* no implicit device → host conversion: ``numpy.asarray(device_array)`` (and so
  matplotlib, ``float()`` of a non-scalar, …) raises TypeError; ``.get()`` or
  ``cupy.asnumpy`` is the way;
* no mixing: an operation or ``cupy`` function given a NumPy array (other than to
  ``cupy.asarray`` / ``cupy.array``, the explicit host → device copies) raises TypeError;
* reductions return 0-d device arrays, not NumPy scalars;
* NumPy functions called on device arrays dispatch to the device (``__array_ufunc__``,
  ``__array_function__``), as CuPy's do;
* ``cupy.random.default_rng`` returns a generator with only the methods of
  ``cupy.random.Generator`` (CuPy 13): no ``normal``, ``choice``, ``permutation``,
  ``shuffle``, ``multinomial`` or ``spawn``;
* ufuncs have only CuPy's methods (``at`` for add, subtract, maximum and minimum,
  ``reduce`` for add and multiply, ``outer``);
* an :class:`ElementwiseKernel` runs its operation as NumPy statements, for kernels whose C
  reads as Python too, so that a fused kernel's arithmetic is checked against its
  reference on the CPU (compiling it for a GPU is not).

It also counts the copies between host and device (:data:`transfers`), so that a test can
check what a training step moves.

What it does not check: which NumPy functions CuPy lacks (the stand-in forwards any
name to NumPy), CuPy's numerics (the arithmetic *is* NumPy's, so results agree exactly
where real CuPy agrees only within float32 rounding), CuPy's random streams (the draws
are NumPy's), performance and memory.  It is a test of where the arrays live, not a
replacement for running the suite on a GPU.
"""
import numbers
import types

import numpy as _np

__all__ = ["ndarray", "asarray", "array", "asnumpy", "random", "cuda", "linalg",
           "ElementwiseKernel", "transfers"]

#: the creation functions that accept host arrays (the explicit host → device copies)
_HOST_TO_DEVICE = {"asarray", "array", "asanyarray"}

#: counts of the copies between host and device, for tests of what a training step moves:
#: "to_device" (host arrays given to asarray/array or assigned into a device array),
#: "to_host" (get, asnumpy) and "scalars" (float, int, bool, item, tolist: each a sync)
transfers = {"to_device": 0, "to_host": 0, "scalars": 0}


class ndarray:
    """A device array: a NumPy array behind a wall that only ``get()`` crosses."""

    __slots__ = ("_a",)
    __module__ = "cupy"                             # what backend._is_cupy_array looks at
    __array_priority__ = 1000

    def __init__(self, a):
        self._a = a

    # -- the wall --------------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use "
                        "`.get()` to construct a NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None):
        """The array on the host (a copy)."""
        transfers["to_host"] += 1
        return _np.array(self._a, order=order)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        result = getattr(ufunc, method)(*_unwrap(inputs, ufunc.__name__),
                                        **_unwrap(kwargs, ufunc.__name__))
        return _wrap(result, kwargs.get("out"))

    def __array_function__(self, func, types_, args, kwargs):
        result = func(*_unwrap(args, func.__name__), **_unwrap(kwargs, func.__name__))
        return _wrap(result, kwargs.get("out"))

    # -- attributes ------------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    nbytes = property(lambda self: self._a.nbytes)
    itemsize = property(lambda self: self._a.itemsize)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray(self._a.T))
    real = property(lambda self: ndarray(self._a.real))
    imag = property(lambda self: ndarray(self._a.imag))

    def __getattr__(self, name):                    # methods: sum, reshape, astype, …
        if name.startswith("__"):                   # __array_interface__ and the like
            raise AttributeError(name)              # would let NumPy read the data
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)

        def method(*args, **kwargs):
            result = attr(*_unwrap(args, name), **_unwrap(kwargs, name))
            if name in ("item", "tolist"):
                transfers["scalars"] += 1
                return result
            return _wrap(result, kwargs.get("out"), (self, *args))
        return method

    def __setattr__(self, name, value):
        if name == "_a":
            object.__setattr__(self, name, value)
        elif name == "shape":
            self._a.shape = value
        else:
            raise AttributeError(f"cannot set {name!r} of a device array")

    # -- Python protocols ------------------------------------------------------------------
    def __len__(self):
        return len(self._a)

    def __iter__(self):
        for row in self._a:
            yield _wrap(row)

    def _scalar(self, kind):
        transfers["scalars"] += 1
        if self._a.size != 1:
            raise TypeError(f"only size-1 arrays can be converted to Python {kind.__name__}s")
        return kind(self._a.reshape(()))

    def __bool__(self):
        return self._scalar(bool)

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        if self._a.ndim or self._a.dtype.kind not in "iub":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self._a)

    def __repr__(self):
        return "fake_cupy." + repr(self._a)

    def __str__(self):
        return str(self._a)

    def __format__(self, spec):
        if self._a.ndim == 0:
            return format(self._a.item(), spec)
        return format(str(self), spec)

    def __hash__(self):
        raise TypeError("unhashable type: 'cupy.ndarray'")

    def __reduce__(self):
        return (ndarray, (self._a,))

    def __copy__(self):
        return ndarray(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray(self._a.copy())

    # -- indexing --------------------------------------------------------------------------
    def __getitem__(self, key):
        return _wrap(self._a[_index(key)])

    def __setitem__(self, key, value):
        if isinstance(value, _np.ndarray):
            transfers["to_device"] += 1
        self._a[_index(key)] = _operand(value, "__setitem__", host_ok=True)


def _operator(name):
    def forward(self, other):
        return _wrap(getattr(self._a, name)(_operand(other, name)))
    forward.__name__ = name
    return forward


def _inplace(name):
    def update(self, other):
        getattr(self._a, name)(_operand(other, name))
        return self
    update.__name__ = name
    return update


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
              "or", "xor", "lshift", "rshift"):
    for _form in ("__{}__", "__r{}__"):
        setattr(ndarray, _form.format(_name), _operator(_form.format(_name)))
    setattr(ndarray, f"__i{_name}__", _inplace(f"__i{_name}__"))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_name}__", _operator(f"__{_name}__"))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(ndarray, f"__{_name}__", (lambda n: lambda self: _wrap(getattr(self._a, n)()))(
        f"__{_name}__"))


# -- unwrapping and wrapping -------------------------------------------------------------------

def _operand(value, where, host_ok=False):
    """A device array's NumPy array; a host array is refused unless ``host_ok``."""
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, _np.ndarray) and not host_ok:
        raise TypeError(f"Unsupported type {type(value)} in {where}: a NumPy array mixed with "
                        "CuPy arrays (move it with cupy.asarray)")
    return value


def _unwrap(obj, where, host_ok=False):
    """Arguments with their device arrays unwrapped (lists, tuples and dicts walked)."""
    if isinstance(obj, ndarray):
        return obj._a
    if isinstance(obj, _np.ndarray):
        return _operand(obj, where, host_ok)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap(x, where, host_ok) for x in obj)
    if isinstance(obj, dict):
        return {k: _unwrap(v, where, host_ok) for k, v in obj.items()}
    return obj


def _index(key):
    """An index with its device arrays unwrapped (CuPy also takes NumPy index arrays)."""
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    if isinstance(key, ndarray):
        return key._a
    return key


def _wrap(result, out=None, inputs=()):
    """NumPy results as device arrays; a NumPy scalar becomes a 0-d device array, as the
    results of CuPy's reductions are.  A result that is the array of ``out`` or of one of
    the ``inputs`` is returned as that device array itself, so that ``asarray(a) is a`` and
    ``astype(a.dtype, copy=False) is a`` hold as in CuPy."""
    if isinstance(result, _np.ndarray):
        candidates = (out if isinstance(out, tuple) else (out,)) + tuple(inputs)
        for candidate in candidates:
            if isinstance(candidate, ndarray) and candidate._a is result:
                return candidate
    if isinstance(result, _np.ndarray):
        return ndarray(result)
    if isinstance(result, _np.generic) and not isinstance(result, (_np.str_, _np.bytes_)):
        return ndarray(_np.asarray(result))
    if isinstance(result, tuple):
        return tuple(_wrap(r) for r in result)
    if isinstance(result, list):
        return [_wrap(r) for r in result]
    return result


def _function(name, func, host_ok=False):
    def call(*args, **kwargs):
        if host_ok and args and isinstance(args[0], _np.ndarray):
            transfers["to_device"] += 1
        result = func(*_unwrap(args, name, host_ok), **_unwrap(kwargs, name, host_ok))
        return _wrap(result, kwargs.get("out"), args)
    call.__name__ = name
    call.__doc__ = f"The device version of numpy.{name}."
    return call


#: CuPy's ufunc methods beyond the call, and the ufuncs that have them (``cupy._core._kernel``)
_UFUNC_METHODS = {"at": {"add", "subtract", "maximum", "minimum"},
                  "reduce": {"add", "multiply"}, "outer": None}


class ufunc:
    """A NumPy ufunc on device arrays, with only the methods CuPy's ufuncs have: ``outer``,
    ``at`` (scatter: add, subtract, maximum, minimum), ``reduce`` (add, multiply)."""

    def __init__(self, np_ufunc):
        self._u = np_ufunc
        self.__name__ = np_ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _function(self.__name__, self._u)(*args, **kwargs)

    def __getattr__(self, name):
        attr = getattr(self._u, name)
        if not callable(attr):
            return attr
        if name not in _UFUNC_METHODS:
            raise AttributeError(f"cupy.{self.__name__} has no method {name!r}")
        allowed = _UFUNC_METHODS[name]
        if allowed is not None and self.__name__ not in allowed:
            raise NotImplementedError(f"`{self.__name__}.{name}` is not supported yet")
        return _function(f"{self.__name__}.{name}", attr)


class ElementwiseKernel:
    """CuPy's ``ElementwiseKernel`` for operations that also read as Python: one statement
    per line, each ending in ';', made of assignments (``=``, ``+=``, …), arithmetic and the
    math functions of :data:`_KERNEL_FUNCTIONS`.  Each statement runs as NumPy on the whole
    arrays; the output arguments are then updated in place, as the kernel writes them.

    This checks a kernel's arithmetic and how its arguments are bound, not that CUDA
    compiles it: a statement that C and Python read alike is what it can test.
    """

    def __init__(self, in_params, out_params, operation, name="kernel", **options):
        self.in_names = _param_names(in_params)
        self.out_names = _param_names(out_params)
        statements = [line.strip() for line in operation.strip().splitlines() if line.strip()]
        bad = [line for line in statements if not line.endswith(";")]
        if bad:
            raise ValueError(f"kernel {name}: a statement without ';' (C needs one): {bad[0]!r}")
        self.code = compile("\n".join(line[:-1] for line in statements), name, "exec")
        self.name = name

    def __call__(self, *args):
        if len(args) != len(self.in_names) + len(self.out_names):
            raise TypeError(f"kernel {self.name} takes {len(self.in_names)} inputs and "
                            f"{len(self.out_names)} outputs, got {len(args)} arguments")
        names = self.in_names + self.out_names
        env = {name: _operand(arg, self.name) for name, arg in zip(names, args)}
        exec(self.code, dict(_KERNEL_FUNCTIONS), env)
        outs = args[len(self.in_names):]
        for name, out in zip(self.out_names, outs):
            _np.copyto(out._a, env[name], casting="same_kind")
        return outs[0] if len(outs) == 1 else outs


#: the CUDA math functions a stand-in kernel may call, as NumPy's ufuncs
_KERNEL_FUNCTIONS = {"sqrt": _np.sqrt, "exp": _np.exp, "log": _np.log, "log1p": _np.log1p,
                     "expm1": _np.expm1, "tanh": _np.tanh, "fabs": _np.abs, "abs": _np.abs,
                     "max": _np.maximum, "min": _np.minimum}


def _param_names(params):
    """The names of an ElementwiseKernel parameter list such as "T g, float32 beta"."""
    return [part.split()[-1] for part in params.split(",") if part.strip()]


def asnumpy(a, stream=None, order="C", out=None):
    """The host copy of a device array (NumPy input is returned as a NumPy array)."""
    return a.get(order=order) if isinstance(a, ndarray) else _np.asarray(a, order=order)



def _module_attr(module, name, prefix=""):
    attr = getattr(module, name)
    if isinstance(attr, _np.ufunc):
        return ufunc(attr)
    if isinstance(attr, (type, types.ModuleType, numbers.Number, str)) or attr is None \
            or not callable(attr):
        return attr
    return _function(prefix + name, attr, host_ok=name in _HOST_TO_DEVICE)


def __getattr__(name):                              # every NumPy name, on the device
    if name.startswith("_"):
        raise AttributeError(name)
    return _module_attr(_np, name)


asarray = _function("asarray", _np.asarray, host_ok=True)
array = _function("array", _np.array, host_ok=True)


class _Namespace(types.ModuleType):
    """A submodule forwarding to a NumPy submodule (linalg, fft, lib.stride_tricks)."""

    def __init__(self, name, target):
        super().__init__(name)
        self._target = target

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _module_attr(self._target, name, self.__name__ + ".")


linalg = _Namespace("cupy.linalg", _np.linalg)
fft = _Namespace("cupy.fft", _np.fft)
lib = types.ModuleType("cupy.lib")
lib.stride_tricks = _Namespace("cupy.lib.stride_tricks", _np.lib.stride_tricks)

cuda = types.ModuleType("cupy.cuda")
cuda.runtime = types.SimpleNamespace(getDeviceCount=lambda: 1, deviceSynchronize=lambda: None)
cuda.Device = lambda device=0: types.SimpleNamespace(synchronize=lambda: None, id=device)

from . import _random as random  # noqa: E402  (needs ndarray and _wrap above)
