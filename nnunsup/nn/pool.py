"""Max-pooling with unpooling by the encoder's switches, and nearest-neighbour upsampling.

The pooling half of a convolutional autoencoder: the encoder pools, the decoder unpools
(with the switch locations the encoder recorded) or upsamples.  Each layer follows the
protocol of :mod:`nnunsup.nn.layers` and has a naive-loop reference for the tests.

Slides: "Deep Convolutional Autoencoder" (Polish notes: pooling, unpooling).

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

Shape legend: ``N`` objects in the batch, ``C`` channels, ``H × W`` input image,
``Ho × Wo`` output image, ``kh × kw`` pooling window.
"""
import math

from .. import backend
from . import functional as F
from .functional import _pair
from .layers import Layer

__all__ = [
    "MaxPool2d", "MaxUnpool2d", "Upsample2d", "max_pool2d", "max_unpool2d", "upsample2d",
    "max_pool2d_naive", "max_unpool2d_naive", "upsample2d_naive",
]


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
    corner = (xp.arange(Ho)[:, None] * sh) * W + xp.arange(Wo) * sw     # (Ho, Wo) flat (i·s, j·s)
    indices = xp.zeros(out.shape, dtype=xp.int64)                       # (N·C, Ho, Wo)
    for p in reversed(range(kh)):                   # reversed, so that the first max wins
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

    Slides: "Deep Convolutional Autoencoder" (Polish notes: "Unpooling" after "max-pooling").

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
            kh, kw = _pair(self.kernel_size)
            sh, sw = _pair(self.kernel_size if self.stride is None else self.stride)
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

    Notes
    -----
    A loop over the sh·sw positions inside a block, each writing one strided slice (the
    pattern of im2col; faster than ``repeat`` or a broadcast copy).
    """
    xp = backend.get_xp(x)
    N, C, H, W = x.shape
    sh, sw = _pair(scale)
    out = xp.empty((N, C, H * sh, W * sw), dtype=x.dtype)
    for p in range(sh):
        for q in range(sw):
            out[:, :, p::sh, q::sw] = x                                 # (N, C, H, W) slice
    return out


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
        xp = backend.get_xp(dout)
        sh, sw = _pair(self.scale)
        N, C, Hs, Ws = dout.shape                                       # Hs = H·sh, Ws = W·sw
        dx = xp.zeros((N, C, Hs // sh, Ws // sw), dtype=dout.dtype)     # (N, C, H, W)
        for p in range(sh):
            for q in range(sw):
                dx += dout[:, :, p::sh, q::sw]                          # (N, C, H, W) slice
        return dx, {}

# ----------------------------------------------------------------------------------------
# Naive references: the textbook definitions as plain loops, for tests and for stepping
# through.  Slow (Python loops over every output position); use small shapes.
# ----------------------------------------------------------------------------------------

def max_pool2d_naive(x, kernel_size, stride=None):
    """Reference :func:`max_pool2d`: scan each window, keep the first largest entry.

    Returns (out, indices), both (N, C, Ho, Wo); indices are flat positions in H·W.
    """
    xp = backend.get_xp(x)
    N, C, H, W = x.shape
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(kernel_size if stride is None else stride)
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
