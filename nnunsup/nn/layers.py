"""Layers: bookkeeping around :mod:`nnunsup.nn.functional`.

The layer protocol (CS231n's forward/backward-with-cache)::

    params = layer.init_params(rng, dtype)        # {} for parameter-free layers
    out, cache = layer.forward(params, x)         # nothing is written to the layer
    dx, grads = layer.backward(dout, cache)       # grads has the keys of params

A layer object holds only hyperparameters.  Arrays live in the model's one flat
``params`` dict; :class:`Sequential` hands each layer its slice (keys ``"<index>.<name>"``)
and composes the caches as a list.  ``dout`` is ∂L/∂out of the scalar batch loss.

Shape legend: ``N`` objects in the batch, ``n`` input features, ``m`` output units.
"""
from . import functional as F
from . import init as initializers

__all__ = [
    "Layer", "Linear", "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus",
    "Softmax", "Flatten", "Reshape", "Dropout", "Sequential", "activation", "subparams",
    "prefixed", "mlp",
]


def subparams(params, prefix):
    """The entries of ``params`` whose key starts with ``prefix``, with the prefix removed."""
    cut = len(prefix)
    return {k[cut:]: v for k, v in params.items() if k.startswith(prefix)}


def prefixed(prefix, params):
    """``params`` with ``prefix`` put in front of every key (the inverse of subparams)."""
    return {prefix + k: v for k, v in params.items()}


class Layer:
    """Base of all layers: parameter-free, deterministic, identity by default."""

    #: names of the explicit random inputs of ``forward`` (e.g. Dropout's ``mask``)
    noise_names = ()
    #: ``backward`` takes ``need_dx=False`` to skip ∂L/∂x (a first layer's input is data)
    can_skip_dx = False

    def init_params(self, rng, dtype=None):
        """Create this layer's parameters: dict name → array ({} if it has none)."""
        return {}

    def forward(self, params, x):
        raise NotImplementedError

    def backward(self, dout, cache):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Linear(Layer):
    """Affine map  out = x Wᵀ + b  (the slides' A x + a, one row per object).

    ==========  ==============  ===========
    params key  slide symbol    shape
    ==========  ==============  ===========
    ``W``       A (or α)        (m, n)
    ``b``       a               (m,)
    ==========  ==============  ===========

    Parameters
    ----------
    n_in, n_out : int         n and m
    init : str                "xavier" (default), "he" (for ReLU layers), or "normal"
                              (N(0, 0.01²), as in Hinton's RBM recipe)
    bias : bool               whether to have ``b``
    """

    can_skip_dx = True

    def __init__(self, n_in, n_out, init="xavier", bias=True):
        self.n_in, self.n_out, self.init, self.bias = n_in, n_out, init, bias

    def init_params(self, rng, dtype=None):
        shape = (self.n_out, self.n_in)
        if self.init == "xavier":
            W = initializers.xavier_uniform(rng, shape, dtype=dtype)
        elif self.init == "he":
            W = initializers.he_normal(rng, shape, dtype=dtype)
        elif self.init == "normal":
            W = initializers.normal(rng, shape, 0.01, dtype=dtype)
        else:
            raise ValueError(f"init must be one of 'xavier', 'he', 'normal'; got {self.init!r}")
        params = {"W": W}
        if self.bias:
            params["b"] = initializers.zeros((self.n_out,), dtype=dtype)
        return params

    def forward(self, params, x):
        W, b = params["W"], params.get("b")
        out = x @ W.T                                   # (N, m)
        if b is not None:
            out += b
        cache = (x, W, b)
        return out, cache

    def backward(self, dout, cache, need_dx=True):
        x, W, b = cache
        grads = {"W": dout.T @ x}                       # (m, n)
        if b is not None:
            grads["b"] = dout.sum(axis=0)               # (m,)
        dx = dout @ W if need_dx else None              # (N, n)
        return dx, grads


class Identity(Layer):
    """out = x (a linear output unit)."""

    def forward(self, params, x):
        return x, None

    def backward(self, dout, cache):
        return dout, {}


class Sigmoid(Layer):
    """out = σ(x); backward uses σ' = out (1 − out)."""

    def forward(self, params, x):
        y = F.sigmoid(x)
        return y, y

    def backward(self, dout, cache):
        y = cache
        return dout * F.sigmoid_grad(y), {}


class Tanh(Layer):
    """out = tanh(x); backward uses 1 − out²."""

    def forward(self, params, x):
        y = F.tanh(x)
        return y, y

    def backward(self, dout, cache):
        y = cache
        return dout * F.tanh_grad(y), {}


class ReLU(Layer):
    """out = max(x, 0)."""

    def forward(self, params, x):
        return F.relu(x), x

    def backward(self, dout, cache):
        x = cache
        return dout * F.relu_grad(x), {}


class LeakyReLU(Layer):
    """out = x for x > 0, α x otherwise."""

    def __init__(self, alpha=0.01):
        self.alpha = alpha

    def forward(self, params, x):
        return F.leaky_relu(x, self.alpha), x

    def backward(self, dout, cache):
        x = cache
        return dout * F.leaky_relu_grad(x, self.alpha), {}


class Softplus(Layer):
    """out = log(1 + eˣ); backward uses σ(x)."""

    def forward(self, params, x):
        return F.softplus(x), x

    def backward(self, dout, cache):
        x = cache
        return dout * F.softplus_grad(x), {}


class Softmax(Layer):
    """out = softmax(x) over the last axis."""

    def forward(self, params, x):
        y = F.softmax(x)
        return y, y

    def backward(self, dout, cache):
        y = cache
        return F.softmax_grad(y, dout), {}


_ACTIVATIONS = {
    "identity": Identity, "linear": Identity, "sigmoid": Sigmoid, "tanh": Tanh,
    "relu": ReLU, "leaky_relu": LeakyReLU, "softplus": Softplus, "softmax": Softmax,
}


def activation(name, argument="activation"):
    """The activation layer called ``name`` (how estimators read ``activation="relu"``);
    ValueError naming the hyperparameter ``argument`` and listing the choices otherwise."""
    if isinstance(name, Layer):
        return name
    if name not in _ACTIVATIONS:
        listed = ", ".join(repr(k) for k in _ACTIVATIONS)
        raise ValueError(f"{argument} must be one of {listed}; got {name!r}")
    return _ACTIVATIONS[name]()


class Flatten(Layer):
    """(N, d1, d2, …) → (N, d1·d2·…)."""

    def forward(self, params, x):
        return x.reshape(x.shape[0], -1), x.shape

    def backward(self, dout, cache):
        shape = cache
        return dout.reshape(shape), {}


class Reshape(Layer):
    """``(N, …) → (N, *shape)``."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, params, x):
        return x.reshape((x.shape[0],) + self.shape), x.shape

    def backward(self, dout, cache):
        shape = cache
        return dout.reshape(shape), {}


class Dropout(Layer):
    """Inverted dropout: out = x ⊙ mask, mask_ij = [u_ij ≥ p] / (1 − p), u ∼ U(0, 1).

    ``forward(params, x, mask=None, rng=None)``: the mask is drawn from ``rng`` when not
    given; with neither (evaluation) the layer is the identity.
    """

    noise_names = ("mask",)

    def __init__(self, p=0.5):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p!r}")
        self.p = p

    def forward(self, params, x, mask=None, rng=None):
        if mask is None and rng is not None and self.p > 0:
            keep = rng.random(x.shape, dtype=x.dtype) >= self.p
            mask = keep.astype(x.dtype) / (1 - self.p)
        if mask is None:
            return x, None
        return x * mask, mask

    def backward(self, dout, cache):
        mask = cache
        return (dout if mask is None else dout * mask), {}


class Sequential(Layer):
    """Layers applied in order; params keys ``"<index>.<name>"``, caches a list.

    ``forward(params, x, rng=None, noise=None)``: ``rng`` is passed to the layers that
    draw noise (Dropout); ``noise`` maps ``"<index>.<name>"`` to explicit noise arrays
    (e.g. ``{"2.mask": m}``), which take precedence over ``rng``.

    ``backward(dout, cache, need_dx=True)``: a model whose input is data passes
    ``need_dx=False``, and a first Linear or Conv2d then skips the product that would
    give ∂L/∂x (the returned dx is None).
    """

    def __init__(self, *layers):
        self.layers = list(layers)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def init_params(self, rng, dtype=None):
        params = {}
        for i, layer in enumerate(self.layers):
            params.update(prefixed(f"{i}.", layer.init_params(rng, dtype)))
        return params

    def forward(self, params, x, rng=None, noise=None):
        caches = []
        for i, layer in enumerate(self.layers):
            kwargs = {}
            if layer.noise_names:
                kwargs = {k: (noise or {}).get(f"{i}.{k}") for k in layer.noise_names}
                kwargs["rng"] = rng
            x, cache = layer.forward(subparams(params, f"{i}."), x, **kwargs)
            caches.append(cache)
        return x, caches

    def backward(self, dout, cache, need_dx=True):
        caches = cache
        grads = {}
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            if i == 0 and not need_dx and layer.can_skip_dx:
                dout, g = layer.backward(dout, caches[i], need_dx=False)
            else:
                dout, g = layer.backward(dout, caches[i])
            grads.update(prefixed(f"{i}.", g))
        return dout, grads

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner}\n)"


def mlp(sizes, activation_name="relu", output=None, init=None):
    """A Sequential MLP: Linear(sizes[0]→sizes[1]), activation, …, Linear(→sizes[-1]), output.

    ``output`` is the name of the last activation (None for a linear output).
    """
    if init is None:
        init = "he" if activation_name in ("relu", "leaky_relu") else "xavier"
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, init=init))
        if i < len(sizes) - 2:
            layers.append(activation(activation_name))
    if output is not None:
        layers.append(activation(output))
    return Sequential(*layers)

