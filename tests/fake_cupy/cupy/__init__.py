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
  ``reduce`` and ``accumulate`` for add and multiply, ``reduceat`` for add, ``outer``) and
  refuse lists and tuples as operands;
* a device array offers no view of host memory (``data``, ``ctypes``, the buffer and
  array-interface protocols);
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

#: attributes of a NumPy array that expose its memory to the host: a device array has none
_HOST_BUFFERS = {"data", "ctypes", "dumps", "dump", "tofile"}

#: methods that return host data (a Python scalar, list or bytes): counted as copies
_TO_HOST_METHODS = {"item", "tolist", "tobytes"}

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
        """The array on the host (a copy; into ``out`` when given)."""
        transfers["to_host"] += 1
        if out is not None:
            _np.copyto(out, self._a)
            return out
        return _np.array(self._a, order=order)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            _check_ufunc_method(ufunc.__name__, method)
        _refuse_sequences(inputs, ufunc.__name__)
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
    flat = property(lambda self: flatiter(self._a))
    real = property(lambda self: ndarray(self._a.real))
    imag = property(lambda self: ndarray(self._a.imag))

    def __getattr__(self, name):                    # methods: sum, reshape, astype, …
        if name.startswith("__") or name in _HOST_BUFFERS:  # __array_interface__, ctypes,
            raise AttributeError(                   # … would let NumPy read the data
                f"the stand-in's device arrays have no {name!r} (a view of host memory)")
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)

        def method(*args, **kwargs):
            result = attr(*_unwrap(args, name), **_unwrap(kwargs, name))
            if name in _TO_HOST_METHODS:
                one = name == "item" or self._a.size == 1
                transfers["scalars" if one else "to_host"] += 1
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
        transfers["scalars"] += 1
        return int(self._a)

    def __repr__(self):
        transfers["to_host"] += 1                   # printing reads the whole array
        return "fake_cupy." + repr(self._a)

    def __str__(self):
        transfers["to_host"] += 1
        return str(self._a)

    def __format__(self, spec):
        if self._a.ndim == 0:
            transfers["scalars"] += 1
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


class flatiter:
    """``a.flat`` of a device array: indexing reads and writes the device, nothing else."""

    __slots__ = ("_a",)
    __module__ = "cupy"

    def __init__(self, a):
        self._a = a

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed.")

    def __len__(self):
        return self._a.size

    def __getitem__(self, key):
        return _wrap(self._a.flat[_index(key)])

    def __setitem__(self, key, value):
        self._a.flat[_index(key)] = _operand(value, "flat", host_ok=True)


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
    """A device array's NumPy array; a host array, list or tuple is refused unless
    ``host_ok`` (CuPy's operators and ufuncs take arrays and scalars only)."""
    if isinstance(value, ndarray):
        return value._a
    if not host_ok and isinstance(value, (_np.ndarray, list, tuple)):
        raise TypeError(f"Unsupported type {type(value)} in {where}: host data mixed with "
                        "CuPy arrays (move it with cupy.asarray)")
    return value


def _refuse_sequences(inputs, where):
    """CuPy's ufuncs refuse lists and tuples as operands (NumPy would convert them)."""
    for value in inputs:
        if isinstance(value, (list, tuple)):
            raise TypeError(f"Unsupported type {type(value)} in {where}")


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
        return ndarray(result)
    if isinstance(result, _np.generic) and not isinstance(result, (_np.str_, _np.bytes_)):
        return ndarray(_np.asarray(result))
    if isinstance(result, tuple):
        return tuple(_wrap(r) for r in result)
    if isinstance(result, list):
        return [_wrap(r) for r in result]
    return result


def _is_host_data(value):
    """A host array, or a list/tuple holding numbers or host arrays (an upload's source)."""
    if isinstance(value, (_np.ndarray, numbers.Number, _np.generic)):
        return True
    return isinstance(value, (list, tuple)) and not any(isinstance(v, ndarray) for v in value)


def _function(name, func, host_ok=False):
    def call(*args, **kwargs):
        if host_ok and args and not isinstance(args[0], ndarray) and _is_host_data(args[0]):
            transfers["to_device"] += 1
        result = func(*_unwrap(args, name, host_ok), **_unwrap(kwargs, name, host_ok))
        return _wrap(result, kwargs.get("out"), args)
    call.__name__ = name
    call.__doc__ = f"The device version of numpy.{name}."
    return call


#: CuPy's ufunc methods beyond the call, and the ufuncs that have them (``cupy._core._kernel``;
#: None: all); the others raise NotImplementedError there
_UFUNC_METHODS = {"at": {"add", "subtract", "maximum", "minimum"},
                  "reduce": {"add", "multiply"}, "accumulate": {"add", "multiply"},
                  "reduceat": {"add"}, "outer": None}


def _check_ufunc_method(ufunc_name, method):
    allowed = _UFUNC_METHODS.get(method, ())
    if allowed is not None and ufunc_name not in allowed:
        raise NotImplementedError(f"`{ufunc_name}.{method}` is not supported yet")


class ufunc:
    """A NumPy ufunc on device arrays, with CuPy's methods only: ``outer``, ``at`` (scatter:
    add, subtract, maximum, minimum), ``reduce`` and ``accumulate`` (add, multiply),
    ``reduceat`` (add)."""

    def __init__(self, np_ufunc):
        self._u = np_ufunc
        self.__name__ = np_ufunc.__name__

    def __call__(self, *args, **kwargs):
        _refuse_sequences(args, self.__name__)
        return _function(self.__name__, self._u)(*args, **kwargs)

    def __getattr__(self, name):
        attr = getattr(self._u, name)
        if not callable(attr):
            return attr
        _check_ufunc_method(self.__name__, name)
        return _function(f"{self.__name__}.{name}", attr)


class ElementwiseKernel:
    """CuPy's ``ElementwiseKernel`` for operations that also read as Python: one statement
    per line, each ending in ';', made of assignments (``=``, ``+=``, …), arithmetic and the
    math functions of :data:`_KERNEL_FUNCTIONS`.  Each statement runs as NumPy on the whole
    arrays; the output arguments are then updated in place, as the kernel writes them.

    As CuPy does, a call binds the inputs and then the outputs (allocated when left out),
    resolves each type placeholder from the arrays bound to it (arrays of two dtypes under
    one placeholder are refused), casts the scalars to their parameter's type, and refuses
    outputs whose shape is not the inputs' broadcast shape.

    This checks a kernel's arithmetic and how its arguments are bound, not that CUDA
    compiles it: a statement that C and Python read alike is what it can test.
    """

    def __init__(self, in_params, out_params, operation, name="kernel", **options):
        self.ins, self.outs = _params(in_params), _params(out_params)
        statements = [line.strip() for line in operation.strip().splitlines() if line.strip()]
        bad = [line for line in statements if not line.endswith(";")]
        if bad:
            raise ValueError(f"kernel {name}: a statement without ';' (C needs one): {bad[0]!r}")
        self.code = compile("\n".join(line[:-1] for line in statements), name, "exec")
        self.name = name

    def __call__(self, *args, size=None, stream=None, block_size=None):
        n_in, n_all = len(self.ins), len(self.ins) + len(self.outs)
        if len(args) not in (n_in, n_all):
            raise TypeError(f"Wrong number of arguments for {self.name!r}: {n_in} or {n_all} "
                            f"expected, {len(args)} given")
        params = self.ins + self.outs
        bound = [_operand(arg, self.name) for arg in args]
        types = {}
        for (kind, name), value in zip(params, bound):
            if isinstance(value, _np.ndarray) and kind not in _FIXED_TYPES:
                if types.setdefault(kind, value.dtype) != value.dtype:
                    raise TypeError(f"Type is mismatched. {name} {value.dtype} {types[kind]}")
        shape = _np.broadcast_shapes(*[v.shape for v in bound[:n_in]
                                       if isinstance(v, _np.ndarray)])
        if len(args) == n_in:                        # outputs left out: allocate them
            outs = tuple(ndarray(_np.empty(shape, _param_dtype(kind, types)))
                         for kind, _ in self.outs)
            bound += [out._a for out in outs]
        else:
            outs = args[n_in:]
            if any(out.shape != shape for out in bound[n_in:]):
                raise ValueError("Out shape is mismatched")
        env = {name: (value if isinstance(value, _np.ndarray)
                      else _param_dtype(kind, types).type(value))
               for (kind, name), value in zip(params, bound)}
        exec(self.code, dict(_KERNEL_FUNCTIONS), env)
        for (_, name), out in zip(self.outs, outs):
            _np.copyto(out._a, env[name], casting="same_kind")
        return outs[0] if len(outs) == 1 else outs


#: the parameter types of a kernel that are dtypes, not placeholders
_FIXED_TYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                "uint64", "float16", "float32", "float64"}


def _params(params):
    """(type, name) of each parameter of a kernel's list such as "T g, float32 beta"."""
    return [tuple(part.split()[-2:]) for part in params.split(",") if part.strip()]


def _param_dtype(kind, types):
    if kind in _FIXED_TYPES:
        return _np.dtype(kind)
    if kind not in types:
        raise TypeError(f"Cannot determine the type {kind!r}: no array is bound to it")
    return types[kind]


#: the CUDA math functions a stand-in kernel may call, as NumPy's ufuncs
_KERNEL_FUNCTIONS = {"sqrt": _np.sqrt, "exp": _np.exp, "log": _np.log, "log1p": _np.log1p,
                     "expm1": _np.expm1, "tanh": _np.tanh, "fabs": _np.abs, "abs": _np.abs,
                     "max": _np.maximum, "min": _np.minimum}


def asnumpy(a, stream=None, order="C", out=None):
    """The host copy of a device array (NumPy input is returned as a NumPy array)."""
    return a.get(order=order) if isinstance(a, ndarray) else _np.asarray(a, order=order)


def _module_attr(module, name, prefix=""):
    attr = getattr(module, name)
    if isinstance(attr, _np.ufunc):
        return ufunc(attr)
    if isinstance(attr, (type, types.ModuleType)) or not callable(attr):   # dtypes, constants
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
