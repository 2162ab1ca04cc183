"""The math of the layers: activations, their derivatives, stable log-sigmoid/softplus.

Pure functions of arrays.  Each takes its array module from its argument, so the same
function serves NumPy and CuPy, float32 and float64.  Derivatives are written in terms of
what the forward pass keeps: ``y`` (the output) where that is cheapest, ``z`` (the
pre-activation) otherwise.

Shape legend: ``z`` and ``y`` have any shape; for softmax the last axis holds the classes.
"""
import numpy

from .. import backend

__all__ = [
    "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad",
    "leaky_relu", "leaky_relu_grad", "softplus", "softplus_grad", "log_sigmoid",
    "softmax", "softmax_grad", "log_softmax",
]


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)).

    Notes
    -----
    For z below about −88 (float32) or −709 (float64) e^(−z) overflows to inf and the
    result is 1/inf = 0, the correct limit; that overflow is expected and not reported.
    This form keeps full relative precision in the negative tail (σ(−40) = 4.2e−18),
    which the often-quoted ½ tanh(z/2) + ½ loses, and it is also the faster of the two.
    """
    xp = backend.get_xp(z)
    with numpy.errstate(over="ignore"):
        y = xp.exp(-z)                                  # e^(−z)
        if not getattr(y, "ndim", 0):                   # a scalar
            return 1.0 / (1.0 + y)
        y += 1.0                                        # 1 + e^(−z), in place
        return xp.reciprocal(y, out=y)                  # 1 / (1 + e^(−z))


def sigmoid_grad(y):
    """σ'(z) from the output y = σ(z):  σ' = y (1 − y)."""
    return y * (1 - y)


def tanh(z):
    """tanh(z)."""
    return backend.get_xp(z).tanh(z)


def tanh_grad(y):
    """tanh'(z) from the output y = tanh(z):  1 − y²."""
    return 1 - y * y


def relu(z):
    """max(z, 0)."""
    return backend.get_xp(z).maximum(z, 0)


def relu_grad(z):
    """relu'(z) = [z > 0] (0 at the kink z = 0)."""
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    """z for z > 0, α z otherwise."""
    return backend.get_xp(z).where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    """1 for z > 0, α otherwise."""
    xp = backend.get_xp(z)
    return xp.where(z > 0, 1, alpha).astype(z.dtype)


def softplus(z):
    """softplus(z) = log(1 + e^z).

    Notes
    -----
    Computed as max(z, 0) + log1p(e^(−|z|)): equal, and finite for any finite z.
    """
    xp = backend.get_xp(z)
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


def softplus_grad(z):
    """softplus'(z) = σ(z)."""
    return sigmoid(z)


def log_sigmoid(z):
    """log σ(z) = −softplus(−z), finite for any finite z."""
    return -softplus(-z)


def softmax(z, axis=-1):
    """softmax(z)_k = e^(z_k) / Σ_j e^(z_j) along ``axis``.

    Notes
    -----
    The row maximum is subtracted first; softmax is invariant to that shift.
    """
    xp = backend.get_xp(z)
    e = xp.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_grad(y, dy, axis=-1):
    """Backward of softmax: dz = y ⊙ (dy − Σ_k dy_k y_k), with y = softmax(z)."""
    return y * (dy - (dy * y).sum(axis=axis, keepdims=True))


def log_softmax(z, axis=-1):
    """log softmax(z) = z − max − log Σ e^(z − max), stable."""
    xp = backend.get_xp(z)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


# ---------------------------------------------------------------------------------------
# im2col / col2im: the patch matrix behind Conv2d, ConvTranspose2d and MaxPool2d
# (nnunsup.nn.conv).  Shape legend: N objects, C channels, H×W image, kh×kw kernel,
# sh, sw strides, ph, pw zero paddings, Ho×Wo output positions with
# Ho = ⌊(H + 2·ph − kh) / sh⌋ + 1 and Wo = ⌊(W + 2·pw − kw) / sw⌋ + 1.
# ---------------------------------------------------------------------------------------

__all__ += ["im2col", "col2im"]


def _pair(v):
    """(v, v) for an int, the two entries of a pair otherwise: kernel, stride, padding."""
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def im2col(x, kernel_size, stride=1, padding=0):
    """Unfold every kh×kw patch of a batch of images into one column of a matrix.

    Formula:  cols[(c, p, q), n, i, j] = x_pad[n, c, i·sh + p, j·sw + q]

    where x_pad is x with ``padding`` zeros on each side of H and W.  Row (c, p, q) is
    one kernel tap; column (n, i, j) is one output position, so a convolution is one
    matrix product  W.reshape(O, C·kh·kw) @ cols.reshape(C·kh·kw, N·Ho·Wo).

    Parameters
    ----------
    x : array of shape (N, C, H, W)
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw)
    padding : int or (ph, pw)             zeros added on both sides of H and W

    Returns
    -------
    cols : array of shape (C·kh·kw, N, Ho, Wo), C-contiguous, dtype of x
        The im2col matrix with its column index left unflattened, so that Ho and Wo
        travel with it; ``cols.reshape(C·kh·kw, -1)`` is a free view.

    Notes
    -----
    The loop runs over the kh·kw kernel offsets, not over the Ho·Wo positions: offset
    (p, q) of every patch at once is the strided slice x_pad[:, :, p::sh, q::sw].
    Channels come first in the layout, so the product with the weights needs no copy.
    """
    xp = backend.get_xp(x)
    N, C, H, W = x.shape
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    x_pad = x.transpose(1, 0, 2, 3)                                     # (C, N, H, W) view
    if ph or pw:
        x_pad = xp.pad(x_pad, ((0, 0), (0, 0), (ph, ph), (pw, pw)))     # (C, N, H+2ph, W+2pw)
    cols = xp.empty((C, kh, kw, N, Ho, Wo), dtype=x.dtype)             # (C, kh, kw, N, Ho, Wo)
    for p in range(kh):
        for q in range(kw):
            cols[:, p, q] = x_pad[:, :, p:p + sh * Ho:sh, q:q + sw * Wo:sw]   # (C, N, Ho, Wo)
    return cols.reshape(C * kh * kw, N, Ho, Wo)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, batch_first=False):
    """Fold columns back onto the image, summing where patches overlap (im2col's adjoint).

    Formula:  x[n, c, h, w] = Σ_{p, q, i, j : i·sh + p − ph = h, j·sw + q − pw = w}
                              cols[(c, p, q), n, i, j]

    so that ⟨im2col(x), cols⟩ = ⟨x, col2im(cols)⟩.  It is the backward pass of
    :func:`im2col` and the forward pass of a transposed convolution.

    Parameters
    ----------
    cols : array of shape (C·kh·kw, N, Ho, Wo)     (or any shape with that many entries
                                                   in that order, e.g. (C·kh·kw, N·Ho·Wo))
    x_shape : tuple (N, C, H, W)                    shape of the image to fold onto
    kernel_size, stride, padding : int or pair     as in :func:`im2col`
    batch_first : bool                              cols is laid out (N, C·kh·kw, Ho, Wo)
                                                   instead (or any shape with that many
                                                   entries in that order)

    Returns
    -------
    x : array of shape (N, C, H, W), C-contiguous, dtype of cols
        Entries that lie in the padding are dropped; positions no patch covers are 0.

    Notes
    -----
    The loop runs over the kh·kw kernel offsets and adds one strided slice per offset
    (no scatter/``np.add.at``): within one offset the patches never overlap.
    """
    xp = backend.get_xp(cols)
    N, C, H, W = x_shape
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    if batch_first:
        taps = cols.reshape(N, C, kh, kw, Ho, Wo)                       # (N, C, kh, kw, Ho, Wo)
        x_pad = xp.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=cols.dtype)
    else:
        taps = cols.reshape(C, kh, kw, N, Ho, Wo).transpose(3, 0, 1, 2, 4, 5)  # the same, a view
        x_pad = xp.zeros((C, N, H + 2 * ph, W + 2 * pw), dtype=cols.dtype).transpose(1, 0, 2, 3)
    for p in range(kh):                                                 # x_pad: (N, C, Hp, Wp)
        for q in range(kw):
            x_pad[:, :, p:p + sh * Ho:sh, q:q + sw * Wo:sw] += taps[:, :, p, q]   # (N, C, Ho, Wo)
    return xp.ascontiguousarray(x_pad[:, :, ph:ph + H, pw:pw + W])      # (N, C, H, W)


__all__ += ["im2col_channels_last", "col2im_channels_last"]


def im2col_channels_last(x, kernel_size, stride=1, padding=0):
    """:func:`im2col` with the channels innermost: one row per output position.

    Formula:  cols[(n, i, j), (p, q, c)] = x_pad[n, c, i·sh + p, j·sw + q]

    — the same entries as ``im2col(x)``, transposed and with the tap index ordered (p, q, c)
    instead of (c, p, q).  A convolution is then  cols @ W.transpose(2, 3, 1, 0).reshape(
    kh·kw·C, O), one row of output maps per position.

    Parameters
    ----------
    x : array of shape (N, C, H, W)
    kernel_size, stride, padding : int or pair     as in :func:`im2col`

    Returns
    -------
    cols : array of shape (N·Ho·Wo, kh·kw·C), C-contiguous, dtype of x

    Notes
    -----
    Every copy moves C contiguous values at a time, where :func:`im2col`'s move Wo: with
    stride 2 and small maps (a DCGAN's 7 × 7) the channels-first copies run 7 values per
    inner loop.  The input is laid out channels-last once (N, H+2ph, W+2pw, C).
    """
    xp = backend.get_xp(x)
    N, C, H, W = x.shape
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    x_pad = xp.zeros((N, H + 2 * ph, W + 2 * pw, C), dtype=x.dtype)    # (N, Hp, Wp, C)
    x_pad[:, ph:ph + H, pw:pw + W, :] = x.transpose(0, 2, 3, 1)
    cols = xp.empty((N, Ho, Wo, kh, kw, C), dtype=x.dtype)             # (N, Ho, Wo, kh, kw, C)
    for p in range(kh):
        for q in range(kw):
            cols[:, :, :, p, q] = x_pad[:, p:p + sh * Ho:sh, q:q + sw * Wo:sw]  # (N, Ho, Wo, C)
    return cols.reshape(N * Ho * Wo, kh * kw * C)


def col2im_channels_last(cols, x_shape, kernel_size, stride=1, padding=0):
    """Fold rows of :func:`im2col_channels_last` back onto the image (its adjoint).

    Formula:  x[n, c, h, w] = Σ_{p, q, i, j : i·sh + p − ph = h, j·sw + q − pw = w}
                              cols[(n, i, j), (p, q, c)]

    Parameters
    ----------
    cols : array of shape (N·Ho·Wo, kh·kw·C)       (or any shape with that many entries in
                                                   that order)
    x_shape : tuple (N, C, H, W)                    shape of the image to fold onto
    kernel_size, stride, padding : int or pair     as in :func:`im2col`

    Returns
    -------
    x : array of shape (N, C, H, W), C-contiguous, dtype of cols
    """
    xp = backend.get_xp(cols)
    N, C, H, W = x_shape
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    taps = cols.reshape(N, Ho, Wo, kh, kw, C)
    x_pad = xp.zeros((N, H + 2 * ph, W + 2 * pw, C), dtype=cols.dtype)  # (N, Hp, Wp, C)
    for p in range(kh):
        for q in range(kw):
            x_pad[:, p:p + sh * Ho:sh, q:q + sw * Wo:sw] += taps[:, :, :, p, q]   # (N, Ho, Wo, C)
    return xp.ascontiguousarray(x_pad[:, ph:ph + H, pw:pw + W].transpose(0, 3, 1, 2))
