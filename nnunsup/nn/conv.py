"""Convolution, transposed convolution, max-pooling with unpooling, nearest upsampling.

The blocks of a convolutional autoencoder (encoder: convolution + pooling; decoder:
unpooling or upsampling + transposed convolution) and of DCGAN (transposed-convolution
generator, convolutional discriminator).  Each layer follows the protocol of
:mod:`nnunsup.nn.layers`; the vectorised kernels are :func:`~nnunsup.nn.functional.im2col`
and :func:`~nnunsup.nn.functional.col2im` plus one matrix product, and every layer has a
naive-loop reference here (``conv2d_naive``, …) that spells out the textbook definition,
for the tests and for stepping through in a debugger.

Slides: "Deep Convolutional Autoencoder" (Polish notes: convolution, pooling, unpooling,
        deconvolution = "transpozycja splotu");
        "DCGAN - Deep Conv GAN" (Polish notes).

Unpooling with the encoder's switches
-------------------------------------
``MaxPool2d.forward`` returns the cache ``(indices, x_shape)``: for every output the flat
position in H·W of the input entry that won the max (PyTorch's ``return_indices``
convention), and the input shape.  A decoder unpools with them by passing both on,
explicitly, to :class:`MaxUnpool2d`::

    z, pool_cache = pool.forward({}, h)                 # pool = MaxPool2d(2)
    indices, h_shape = pool_cache                        # the switches
    h_up, unpool_cache = unpool.forward({}, z, indices=indices, output_shape=h_shape)

``indices`` is a required keyword, so an unpooling layer cannot silently run without the
switches (it therefore does not fit a plain ``Sequential``; use :class:`Upsample2d` there).

Shape legend: ``N`` objects in the batch, ``C`` input channels, ``O`` output channels,
``H × W`` input image, ``Ho × Wo`` output image, ``kh × kw`` kernel, ``K = C·kh·kw`` rows of
the im2col matrix (``O·kh·kw`` for the transposed convolution).  Strides ``sh, sw``,
paddings ``ph, pw``; in formulas one stride ``s`` and one padding ``pad`` stand for both.
"""
import math

from .. import backend
from . import functional as F
from . import init as initializers
from .functional import _pair
from .layers import Layer

__all__ = [
    "Conv2d", "ConvTranspose2d", "MaxPool2d", "MaxUnpool2d", "Upsample2d",
    "max_pool2d", "max_unpool2d", "upsample2d",
    "conv2d_naive", "conv_transpose2d_naive", "max_pool2d_naive", "max_unpool2d_naive",
    "upsample2d_naive",
]


def _init_weight(init, rng, shape, dtype):
    if init == "he":
        return initializers.he_normal(rng, shape, dtype=dtype)
    if init == "xavier":
        return initializers.xavier_uniform(rng, shape, dtype=dtype)
    if init == "normal":
        return initializers.normal(rng, shape, 0.02, dtype=dtype)
    raise ValueError(f"init must be one of 'he', 'xavier', 'normal'; got {init!r}")


def _check_input(layer, x, channels):
    """The one cheap check of a conv layer: x is (N, channels, H, W)."""
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(f"{type(layer).__name__} expects x of shape (N, {channels}, H, W) "
                         f"(NCHW with {channels} channels); got shape {tuple(x.shape)}")


class Conv2d(Layer):
    """2-D convolution (cross-correlation, as in every deep-learning library).

    Formula:  out[n, o, i, j] = b_o + Σ_c Σ_p Σ_q W[o, c, p, q] · x[n, c, i·s + p − pad, j·s + q − pad]

    with x = 0 outside the image, and Ho = ⌊(H + 2·pad − kh) / s⌋ + 1 (likewise Wo).

    ==========  ==========================  =====================
    params key  meaning                     shape
    ==========  ==========================  =====================
    ``W``       filters                     (O, C, kh, kw)
    ``b``       one bias per output map     (O,)
    ==========  ==========================  =====================

    Parameters
    ----------
    in_channels, out_channels : int         C and O
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw)
    padding : int or (ph, pw)               zeros added on both sides
    init : str                              "he" (default, for ReLU), "xavier", or "normal"
                                            (N(0, 0.02²), Radford et al.'s DCGAN recipe)
    bias : bool                             whether to have ``b``

    Notes
    -----
    Forward is one GEMM on the im2col matrix:  out = W.reshape(O, K) @ im2col(x) + b.
    Backward:  dW = dout · im2colᵀ,  dx = col2im(Wᵀ · dout),  db = Σ dout over n, i, j.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 init="he", bias=True):
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.init, self.bias = init, bias

    def init_params(self, rng, dtype=None):
        shape = (self.out_channels, self.in_channels) + _pair(self.kernel_size)
        params = {"W": _init_weight(self.init, rng, shape, dtype)}
        if self.bias:
            params["b"] = initializers.zeros((self.out_channels,), dtype=dtype)
        return params

    def forward(self, params, x):
        _check_input(self, x, self.in_channels)
        xp = backend.get_xp(x)
        W, b = params["W"], params.get("b")
        cols = F.im2col(x, self.kernel_size, self.stride, self.padding)  # (K, N, Ho, Wo)
        out = xp.tensordot(W.reshape(W.shape[0], -1), cols, axes=1)    # (O, N, Ho, Wo)
        if b is not None:
            out += b[:, None, None, None]
        out = xp.ascontiguousarray(out.transpose(1, 0, 2, 3))           # (N, O, Ho, Wo)
        cache = (x, cols, W, b)
        return out, cache

    def backward(self, dout, cache):
        x, cols, W, b = cache
        xp = backend.get_xp(dout)
        O = W.shape[0]
        dout_t = xp.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(O, -1)  # (O, N·Ho·Wo)
        grads = {"W": (dout_t @ cols.reshape(cols.shape[0], -1).T).reshape(W.shape)}  # (O, C, kh, kw)
        if b is not None:
            grads["b"] = dout_t.sum(axis=1)                                 # (O,)
        dcols = W.reshape(O, -1).T @ dout_t                                 # (K, N·Ho·Wo)
        dx = F.col2im(dcols, x.shape, self.kernel_size, self.stride, self.padding)  # (N, C, H, W)
        return dx, grads


class ConvTranspose2d(Layer):
    """Transposed convolution ("deconvolution"): the adjoint of :class:`Conv2d`.

    Formula:  out[n, o, i·s + p − pad, j·s + q − pad] += W[c, o, p, q] · x[n, c, i, j]
              summed over c, i, j, p, q (entries landing in the padding are dropped),
              then  out[n, o, ·, ·] += b_o;
              Ho = (H − 1)·s − 2·pad + kh + output_padding   (likewise Wo).

    Each input pixel stamps a weighted copy of the kernel onto the output, s pixels apart
    from its neighbour's, which is how a DCGAN generator grows a 4×4 map into an image.
    With the same array W, ⟨Conv2d(x), y⟩ = ⟨x, ConvTranspose2d(y)⟩ (no bias): this layer's
    forward is Conv2d's backward with respect to x, and vice versa.  Same semantics and
    weight layout as PyTorch's ``ConvTranspose2d``.

    ==========  ==========================  =====================
    params key  meaning                     shape
    ==========  ==========================  =====================
    ``W``       filters                     (C, O, kh, kw)
    ``b``       one bias per output map     (O,)
    ==========  ==========================  =====================

    Parameters
    ----------
    in_channels, out_channels : int         C and O
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw)
    padding : int or (ph, pw)               rows/columns cropped from each side of the output
    output_padding : int or pair            extra rows/columns at the bottom/right, < stride;
                                            picks Ho when several H map to the same conv size
    init : str                              "he" (default), "xavier", or "normal" (N(0, 0.02²));
                                            fans as PyTorch computes them for this layout
    bias : bool                             whether to have ``b``

    Notes
    -----
    Forward:  out = col2im(W.reshape(C, O·kh·kw)ᵀ @ x) + b  (one GEMM, then a fold).
    Backward:  dx = W.reshape(C, O·kh·kw) @ im2col(dout),  dW = x · im2col(dout)ᵀ.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, init="he", bias=True):
        if any(op >= s for op, s in zip(_pair(output_padding), _pair(stride))):
            raise ValueError(f"output_padding must be smaller than stride; got "
                             f"output_padding={output_padding!r}, stride={stride!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.output_padding, self.init, self.bias = output_padding, init, bias

    def init_params(self, rng, dtype=None):
        shape = (self.in_channels, self.out_channels) + _pair(self.kernel_size)
        params = {"W": _init_weight(self.init, rng, shape, dtype)}
        if self.bias:
            params["b"] = initializers.zeros((self.out_channels,), dtype=dtype)
        return params

    def output_shape(self, x_shape):
        """(N, O, Ho, Wo) of the output for an input of shape (N, C, H, W)."""
        (kh, kw), (sh, sw) = _pair(self.kernel_size), _pair(self.stride)
        (ph, pw), (oph, opw) = _pair(self.padding), _pair(self.output_padding)
        N, _, H, W = x_shape
        return (N, self.out_channels,
                (H - 1) * sh - 2 * ph + kh + oph, (W - 1) * sw - 2 * pw + kw + opw)

    def forward(self, params, x):
        _check_input(self, x, self.in_channels)
        xp = backend.get_xp(x)
        W, b = params["W"], params.get("b")
        C = W.shape[0]
        x_t = xp.ascontiguousarray(x.transpose(1, 0, 2, 3))            # (C, N, H, W)
        cols = W.reshape(C, -1).T @ x_t.reshape(C, -1)                  # (O·kh·kw, N·H·W)
        out = F.col2im(cols, self.output_shape(x.shape),
                       self.kernel_size, self.stride, self.padding)     # (N, O, Ho, Wo)
        if b is not None:
            out += b[:, None, None]
        cache = (x_t, W, b)
        return out, cache

    def backward(self, dout, cache):
        x_t, W, b = cache
        C = W.shape[0]
        dcols = F.im2col(dout, self.kernel_size, self.stride, self.padding)  # (O·kh·kw, N, H, W)
        dcols = dcols.reshape(dcols.shape[0], -1)                       # (O·kh·kw, N·H·W)
        grads = {"W": (x_t.reshape(C, -1) @ dcols.T).reshape(W.shape)}   # (C, O, kh, kw)
        if b is not None:
            grads["b"] = dout.sum(axis=(0, 2, 3))                       # (O,)
        dx_t = (W.reshape(C, -1) @ dcols).reshape(x_t.shape)            # (C, N, H, W)
        dx = backend.get_xp(dout).ascontiguousarray(dx_t.transpose(1, 0, 2, 3))  # (N, C, H, W)
        return dx, grads


def max_pool2d(x, kernel_size, stride=None):
    """Max over each kh×kw window, and where it was (the "switches").

    Formula:  out[n, c, i, j] = max_{p < kh, q < kw} x[n, c, i·s + p, j·s + q]
              indices[n, c, i, j] = (i·s + p*)·W + (j·s + q*),  (p*, q*) the first argmax
              in row-major order;   Ho = ⌊(H − kh) / s⌋ + 1  (likewise Wo).

    Parameters
    ----------
    x : array of shape (N, C, H, W)
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw)                defaults to the kernel size (windows tile the image)

    Returns
    -------
    out : array of shape (N, C, Ho, Wo)
    indices : int array of shape (N, C, Ho, Wo)     flat positions in H·W of the winners

    Notes
    -----
    Each channel is pooled as its own one-channel image: im2col of the (N·C, 1, H, W) view
    gives the windows as the kh·kw rows of a matrix, and the max is down the columns.  The
    switch is then the first row equal to that max (a loop over the kh·kw offsets, faster
    than ``argmax`` down a short axis).
    """
    xp = backend.get_xp(x)
    N, C, H, W = x.shape
    stride = kernel_size if stride is None else stride
    (kh, kw), (sh, sw) = _pair(kernel_size), _pair(stride)
    cols = F.im2col(x.reshape(N * C, 1, H, W), kernel_size, stride)    # (kh·kw, N·C, Ho, Wo)
    Ho, Wo = cols.shape[2:]
    out = cols.max(axis=0)                                              # (N·C, Ho, Wo)
    corner = (xp.arange(Ho)[:, None] * sh) * W + xp.arange(Wo) * sw     # (Ho, Wo) flat index of (i·s, j·s)
    indices = xp.zeros(out.shape, dtype=xp.int64)                       # (N·C, Ho, Wo)
    for p in reversed(range(kh)):                                       # reversed: the first max wins
        for q in reversed(range(kw)):
            indices = xp.where(cols[p * kw + q] == out, corner + (p * W + q), indices)
    return out.reshape(N, C, Ho, Wo), indices.reshape(N, C, Ho, Wo)


def max_unpool2d(x, indices, output_shape):
    """Put each entry back where its max came from; zeros elsewhere.

    Formula:  out[n, c].flat[indices[n, c, i, j]] += x[n, c, i, j],   out = 0 elsewhere

    Entries sharing an index (possible only with overlapping windows) are summed, which
    makes unpooling the exact adjoint of "gather x at indices": so
    ``max_unpool2d(dout, indices, x.shape)`` is max-pooling's backward pass.  With
    non-overlapping windows this is PyTorch's ``max_unpool2d``.

    Parameters
    ----------
    x : array of shape (N, C, Ho, Wo)
    indices : int array of shape (N, C, Ho, Wo)     from :func:`max_pool2d`
    output_shape : tuple (…, H, W)                  only the last two entries are used

    Returns
    -------
    out : array of shape (N, C, H, W), dtype of x

    Notes
    -----
    The scatter-add runs on the flattened output, with n and c folded into the index:
    flat = (n·C + c)·H·W + indices[n, c, i, j]  (``backend.scatter_add``, i.e. np.add.at
    or cupyx.scatter_add).
    """
    xp = backend.get_xp(x)
    N, C = x.shape[:2]
    H, W = output_shape[-2:]
    flat = indices + xp.arange(N * C).reshape(N, C, 1, 1) * (H * W)     # (N, C, Ho, Wo)
    out = xp.zeros(N * C * H * W, dtype=x.dtype)                        # (N·C·H·W,)
    backend.scatter_add(out, flat.ravel(), x.ravel())
    return out.reshape(N, C, H, W)


class MaxPool2d(Layer):
    """Max-pooling over kh×kw windows; the cache keeps the switches for unpooling.

    Formula:  see :func:`max_pool2d`.  The gradient flows only to each window's winner:
    dx = max_unpool2d(dout, indices, x.shape).

    ``forward`` returns ``(out, (indices, x_shape))``; a decoder takes ``indices`` and
    ``x_shape`` from that cache for :class:`MaxUnpool2d` (see the module docstring).

    Parameters
    ----------
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw)          defaults to kernel_size; smaller strides overlap
    """

    def __init__(self, kernel_size, stride=None):
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, params, x):
        out, indices = max_pool2d(x, self.kernel_size, self.stride)    # (N, C, Ho, Wo) twice
        x_shape = x.shape
        cache = (indices, x_shape)
        return out, cache

    def backward(self, dout, cache):
        indices, x_shape = cache
        return max_unpool2d(dout, indices, x_shape), {}                 # (N, C, H, W)


class MaxUnpool2d(Layer):
    """Unpooling with given switches: the inverse (up to the lost non-maxima) of MaxPool2d.

    Formula:  see :func:`max_unpool2d`.  Backward gathers: dx[n, c, i, j] =
    dout[n, c].flat[indices[n, c, i, j]].

    ``forward(params, x, *, indices, output_shape=None)``: ``indices`` (required, keyword
    only) are the switches of the matching MaxPool2d; ``output_shape`` is that pooling
    layer's input shape, by default (Ho − 1)·s + kh (likewise W), as in PyTorch.

    Parameters
    ----------
    kernel_size : int or (kh, kw)     of the matching MaxPool2d
    stride : int or (sh, sw)          of the matching MaxPool2d (defaults to kernel_size)
    """

    def __init__(self, kernel_size, stride=None):
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, params, x, *, indices, output_shape=None):
        if output_shape is None:
            (kh, kw) = _pair(self.kernel_size)
            (sh, sw) = _pair(self.kernel_size if self.stride is None else self.stride)
            output_shape = ((x.shape[2] - 1) * sh + kh, (x.shape[3] - 1) * sw + kw)
        out = max_unpool2d(x, indices, output_shape)                    # (N, C, H, W)
        cache = (indices,)
        return out, cache

    def backward(self, dout, cache):
        (indices,) = cache
        xp = backend.get_xp(dout)
        N, C = indices.shape[:2]
        dx = xp.take_along_axis(dout.reshape(N, C, -1),
                                indices.reshape(N, C, -1), axis=2)      # (N, C, Ho·Wo)
        return dx.reshape(indices.shape), {}


def upsample2d(x, scale):
    """Nearest-neighbour upsampling: every pixel becomes an sh×sw block.

    Formula:  out[n, c, i, j] = x[n, c, ⌊i / sh⌋, ⌊j / sw⌋]

    Parameters
    ----------
    x : array of shape (N, C, H, W)
    scale : int or (sh, sw)

    Returns
    -------
    out : array of shape (N, C, H·sh, W·sw)
    """
    xp = backend.get_xp(x)
    N, C, H, W = x.shape
    sh, sw = _pair(scale)
    blocks = xp.broadcast_to(x[:, :, :, None, :, None], (N, C, H, sh, W, sw))  # view
    return blocks.reshape(N, C, H * sh, W * sw)                         # (N, C, H·sh, W·sw)


class Upsample2d(Layer):
    """Nearest-neighbour upsampling by an integer factor (the parameter-free "unpooling").

    Formula:  out[n, c, i, j] = x[n, c, ⌊i / s⌋, ⌊j / s⌋];
              backward dx[n, c, i, j] = Σ_{p < s} Σ_{q < s} dout[n, c, i·s + p, j·s + q].

    Parameters
    ----------
    scale : int or (sh, sw)
    """

    def __init__(self, scale):
        self.scale = scale

    def forward(self, params, x):
        return upsample2d(x, self.scale), None

    def backward(self, dout, cache):
        sh, sw = _pair(self.scale)
        N, C, Hs, Ws = dout.shape
        blocks = dout.reshape(N, C, Hs // sh, sh, Ws // sw, sw)          # (N, C, H, sh, W, sw)
        return blocks.sum(axis=(3, 5)), {}                              # (N, C, H, W)


# ----------------------------------------------------------------------------------------
# Naive references: the textbook definitions as plain loops, for tests and for stepping
# through.  Slow (Python loops over every output position); use small shapes.
# ----------------------------------------------------------------------------------------

def conv2d_naive(x, W, b=None, stride=1, padding=0):
    """Reference :class:`Conv2d` forward, one output entry at a time.

    out[n, o, i, j] = b_o + Σ_c Σ_p Σ_q W[o, c, p, q] · x_pad[n, c, i·s + p, j·s + q]

    Parameters: x (N, C, H, W), W (O, C, kh, kw), b (O,) or None; returns (N, O, Ho, Wo).
    """
    xp = backend.get_xp(x, W)
    N, C, H, Wd = x.shape
    O, _, kh, kw = W.shape
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    x_pad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))             # (N, C, H+2ph, W+2pw)
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (Wd + 2 * pw - kw) // sw + 1
    out = xp.zeros((N, O, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for o in range(O):
            for i in range(Ho):
                for j in range(Wo):
                    patch = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]   # (C, kh, kw)
                    out[n, o, i, j] = (W[o] * patch).sum() + (0 if b is None else b[o])
    return out


def conv_transpose2d_naive(x, W, b=None, stride=1, padding=0, output_padding=0):
    """Reference :class:`ConvTranspose2d` forward: every input entry stamps the kernel.

    out_full[n, o, i·s + p, j·s + q] += W[c, o, p, q] · x[n, c, i, j];  out = out_full
    without ``padding`` rows/columns on each side, plus b_o.

    Parameters: x (N, C, H, W), W (C, O, kh, kw), b (O,) or None; returns (N, O, Ho, Wo)
    with Ho = (H − 1)·s − 2·pad + kh + output_padding.
    """
    xp = backend.get_xp(x, W)
    N, C, H, Wd = x.shape
    _, O, kh, kw = W.shape
    (sh, sw), (ph, pw), (oph, opw) = _pair(stride), _pair(padding), _pair(output_padding)
    full = xp.zeros((N, O, (H - 1) * sh + kh + oph, (Wd - 1) * sw + kw + opw), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(Wd):
                    full[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += x[n, c, i, j] * W[c]
    out = full[:, :, ph:full.shape[2] - ph, pw:full.shape[3] - pw]     # (N, O, Ho, Wo)
    return out + (0 if b is None else b[:, None, None])


def max_pool2d_naive(x, kernel_size, stride=None):
    """Reference :func:`max_pool2d`: scan each window, keep the first largest entry.

    Returns (out, indices), both (N, C, Ho, Wo); indices are flat positions in H·W.
    """
    xp = backend.get_xp(x)
    N, C, H, W = x.shape
    (kh, kw) = _pair(kernel_size)
    (sh, sw) = _pair(kernel_size if stride is None else stride)
    Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = xp.zeros((N, C, Ho, Wo), dtype=x.dtype)
    indices = xp.zeros((N, C, Ho, Wo), dtype=int)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    best, where = -math.inf, None
                    for p in range(kh):
                        for q in range(kw):
                            v = float(x[n, c, i * sh + p, j * sw + q])
                            if v > best:
                                best, where = v, (i * sh + p) * W + (j * sw + q)
                    out[n, c, i, j], indices[n, c, i, j] = best, where
    return out, indices


def max_unpool2d_naive(x, indices, output_shape):
    """Reference :func:`max_unpool2d`: out[n, c].flat[indices[n, c, i, j]] += x[n, c, i, j]."""
    xp = backend.get_xp(x)
    N, C, Ho, Wo = x.shape
    H, W = output_shape[-2:]
    out = xp.zeros((N, C, H * W), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, int(indices[n, c, i, j])] += x[n, c, i, j]
    return out.reshape(N, C, H, W)


def upsample2d_naive(x, scale):
    """Reference :func:`upsample2d`: out[n, c, i, j] = x[n, c, ⌊i / sh⌋, ⌊j / sw⌋]."""
    xp = backend.get_xp(x)
    N, C, H, W = x.shape
    sh, sw = _pair(scale)
    out = xp.zeros((N, C, H * sh, W * sw), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H * sh):
                for j in range(W * sw):
                    out[n, c, i, j] = x[n, c, i // sh, j // sw]
    return out
