"""Convolution and transposed convolution (pooling and upsampling: :mod:`nnunsup.nn.pool`).

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

Shape legend: ``N`` objects in the batch, ``C`` input channels, ``O`` output channels,
``H × W`` input image, ``Ho × Wo`` output image, ``kh × kw`` kernel, ``K = C·kh·kw`` rows of
the im2col matrix (``O·kh·kw`` for the transposed convolution).  Strides ``sh, sw``,
paddings ``ph, pw``; in formulas one stride ``s`` and one padding ``pad`` stand for both.
"""
from .. import backend
from . import functional as F
from . import init as initializers
from .._validation import check_choice
from .functional import _pair
from .layers import Layer

__all__ = ["Conv2d", "ConvTranspose2d", "conv2d_naive", "conv_transpose2d_naive"]


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
        found = f"a {x.ndim}-D array" if x.ndim != 4 else f"{x.shape[1]} channels"
        raise ValueError(f"{type(layer).__name__} expects x of shape (N, {channels}, H, W) "
                         f"(NCHW); got {found}, shape {tuple(x.shape)}")


class Conv2d(Layer):
    """2-D convolution (cross-correlation, as in every deep-learning library).  [A12, G5]

    Slides: "Deep Convolutional Autoencoder" (Polish notes: the encoder's "Convolution");
            "DCGAN - Deep Conv GAN" (Polish notes: the discriminator).

    Formula:
        out[n, o, i, j] = b_o + Σ_c Σ_p Σ_q W[o, c, p, q] · x[n, c, i·s + p − pad, j·s + q − pad]

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
    algorithm : "auto", "im2col" or "shifted"
                                            the kernel: "auto" takes "shifted" for stride 1
                                            with fewer output than input maps (O < C, an
                                            encoder's shape), where it moves less memory,
                                            and "im2col" otherwise (see Notes)
    dx_algorithm : "auto" or "col2im"       how the im2col kernel's backward computes dx:
                                            "auto" takes the flipped-filter convolution
                                            where it is cheaper (see Notes), "col2im"
                                            always folds

    Notes
    -----
    **im2col.**  Forward is one GEMM on the im2col matrix:
    out = W.reshape(O, K) @ im2col(x) + b.
    Backward:  dW = dout · im2colᵀ,  dx = col2im(Wᵀ · dout),  db = Σ dout over n, i, j.
    With stride 1 and fewer output than input maps (O < C, as in an encoder), dx is
    computed as what it equals there — the convolution of dout, padded by k − 1 − p, with
    the filters flipped and their two channel axes swapped — which unfolds O·kh·kw rows
    instead of folding C·kh·kw (``_dx_by_flipped_filters``; tested equal to col2im).
    Where an image has at least as many output positions as the filters have taps
    (K ≤ Ho·Wo, a first layer on images), the products run per image on views —
    out_n = W · cols_n, dW = Σ_n dout_n · cols_nᵀ, dcols_n = Wᵀ · dout_n — so that neither
    the output nor dout is copied into channel-major order (``_per_image``).  Otherwise
    (many channels on small maps) one product runs over the batch on the channels-last
    columns, one row per output position (``F.im2col_channels_last``): their copies move
    C values at a time instead of Wo, which for a 4×4 stride-2 layer on 14×14 maps is 64
    against 7.  The two are tested equal.

    **shifted** (stride 1 only).  The im2col matrix repeats every input value kh·kw
    times; with stride 1 it need not exist.  Lay the padded input out as X (C, R), its
    columns r = (n, h, w) over the padded images (Hp × Wp each).  Then tap (p, q) of the
    output at column r reads input column r + p·Wp + q, so with W_pq = W[:, :, p, q]

        out[:, r] = b + Σ_{p,q} W_pq · X[:, r + p·Wp + q]

    for every r whose (h, w) is a valid output position; the other columns (h ≥ Ho or
    w ≥ Wo, reading across a row's or an image's edge) are computed and dropped.  Forward
    is one GEMM  Y = [W_pq]_{p,q} · X  ((kh·kw·O) × R) and kh·kw shifted row sums of Y.
    Backward builds D (kh·kw·O × R), D[(p, q, o), r] = dout[o, r − p·Wp − q] (dout laid
    out like X, zeros at the dropped columns), and then

        dW_pq = Σ_r dout[:, r − p·Wp − q] X[:, r]ᵀ  =  (D · Xᵀ) rows (p, q, ·)
        dX    = Σ_{p,q} W_pqᵀ · dout[:, r − p·Wp − q]  =  [W_pq]ᵀ · D

    — two GEMMs on D, which has kh·kw·O rows where im2col has kh·kw·C (tested equal to
    the im2col kernel and to ``conv2d_naive``).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 init="he", bias=True, algorithm="auto", dx_algorithm="auto"):
        check_choice(algorithm, "algorithm", ("auto", "im2col", "shifted"))
        check_choice(dx_algorithm, "dx_algorithm", ("auto", "col2im"))
        if algorithm == "shifted" and _pair(stride) != (1, 1):
            raise ValueError(f"algorithm='shifted' needs stride 1; got stride={stride!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.init, self.bias = init, bias
        self.algorithm, self.dx_algorithm = algorithm, dx_algorithm

    def init_params(self, rng, dtype=None):
        shape = (self.out_channels, self.in_channels) + _pair(self.kernel_size)
        params = {"W": _init_weight(self.init, rng, shape, dtype)}
        if self.bias:
            params["b"] = initializers.zeros((self.out_channels,), dtype=dtype)
        return params

    def forward(self, params, x):
        _check_input(self, x, self.in_channels)
        if self._shifted():
            out, cache = _shifted_forward(x, params["W"], params.get("b"), self.padding)
            return out, ("shifted",) + cache
        xp = backend.get_xp(x)
        W, b = params["W"], params.get("b")
        O = W.shape[0]
        N, _, Ho, Wo = self.output_shape(x.shape)
        K = W[0].size
        if _per_image(K, Ho * Wo):            # N GEMMs on views, the output in place
            cols = F.im2col(x, self.kernel_size, self.stride, self.padding)  # (K, N, Ho, Wo)
            out = xp.matmul(W.reshape(O, K), cols.reshape(K, N, Ho * Wo).transpose(1, 0, 2))
            if b is not None:
                out += b[:, None]                                       # (N, O, Ho·Wo)
            out = out.reshape(N, O, Ho, Wo)
            cache = ("per image", x, cols, W, b)
        else:                                 # one GEMM over the batch, channels innermost
            cols = F.im2col_channels_last(x, self.kernel_size, self.stride, self.padding)
            out = cols @ _taps_last(W)                                  # (N·Ho·Wo, O)
            if b is not None:
                out += b
            out = xp.ascontiguousarray(out.reshape(N, Ho, Wo, O).transpose(0, 3, 1, 2))
            cache = ("channels last", x, cols, W, b)
        return out, cache

    can_skip_dx = True

    def backward(self, dout, cache, need_dx=True):
        kind, *cache = cache                                            # forward's kernel
        if kind == "shifted":
            return _shifted_backward(dout, cache, need_dx)
        if kind == "per image":
            return self._backward_per_image(dout, *cache, need_dx)
        x, cols, W, b = cache                                           # "channels last"
        xp = backend.get_xp(dout)
        O = W.shape[0]
        dout_l = xp.ascontiguousarray(dout.transpose(0, 2, 3, 1)).reshape(-1, O)  # (N·Ho·Wo, O)
        dW_l = cols.T @ dout_l                                          # (kh·kw·C, O)
        grads = {"W": _taps_first(dW_l, W.shape)}                       # (O, C, kh, kw)
        if b is not None:
            grads["b"] = dout_l.sum(axis=0)                             # (O,)
        if not need_dx:                                                 # the input is data
            return None, grads
        if self._flipped_dx(W.shape):
            return _dx_by_flipped_filters(dout, W, self.padding), grads
        dcols = dout_l @ _taps_last(W).T                                # (N·Ho·Wo, kh·kw·C)
        dx = F.col2im_channels_last(dcols, x.shape, self.kernel_size, self.stride,
                                    self.padding)                       # (N, C, H, W)
        return dx, grads

    def output_shape(self, x_shape):
        """(N, O, Ho, Wo) of the output for an input of shape (N, C, H, W)."""
        (kh, kw), (sh, sw), (ph, pw) = (_pair(self.kernel_size), _pair(self.stride),
                                        _pair(self.padding))
        N, _, H, W = x_shape
        return N, self.out_channels, (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1

    def _backward_per_image(self, dout, x, cols, W, b, need_dx):
        """The im2col backward as N products per image, on views of dout and cols."""
        xp = backend.get_xp(dout)
        O, K = W.shape[0], cols.shape[0]
        N, _, Ho, Wo = dout.shape
        dout_n = dout.reshape(N, O, Ho * Wo)                            # (N, O, Ho·Wo) view
        cols_n = cols.reshape(K, N, Ho * Wo).transpose(1, 0, 2)         # (N, K, Ho·Wo) view
        dW = xp.matmul(dout_n, cols_n.transpose(0, 2, 1)).sum(axis=0)   # Σ_n dout_n cols_nᵀ
        grads = {"W": dW.reshape(W.shape)}                              # (O, C, kh, kw)
        if b is not None:
            grads["b"] = dout_n.sum(axis=(0, 2))                        # (O,)
        if not need_dx:
            return None, grads
        if self._flipped_dx(W.shape):
            return _dx_by_flipped_filters(dout, W, self.padding), grads
        dcols = xp.matmul(W.reshape(O, K).T, dout_n)                    # (N, K, Ho·Wo)
        dx = F.col2im(dcols, x.shape, self.kernel_size, self.stride, self.padding,
                      batch_first=True)                                 # (N, C, H, W)
        return dx, grads

    def _shifted(self):
        """Whether forward runs the shifted kernel (``algorithm``, resolved for "auto")."""
        if self.algorithm == "auto":
            return _pair(self.stride) == (1, 1) and self.out_channels < self.in_channels
        return self.algorithm == "shifted"

    def _flipped_dx(self, W_shape):
        O, C, kh, kw = W_shape
        (ph, pw) = _pair(self.padding)
        return (self.dx_algorithm == "auto" and _pair(self.stride) == (1, 1) and O < C
                and ph <= kh - 1 and pw <= kw - 1)


def _taps_last(W):
    """Conv2d's filters (O, C, kh, kw) as the (kh·kw·C, O) matrix of the channels-last
    columns (:func:`nnunsup.nn.functional.im2col_channels_last`).  ConvTranspose2d's
    filters (C, O, kh, kw) are the same array read with the two channel axes' roles
    swapped, so the transposed layer uses this matrix (kh·kw·O, C) and its transpose."""
    return backend.get_xp(W).ascontiguousarray(W.transpose(2, 3, 1, 0)).reshape(-1, W.shape[0])


def _taps_first(W_l, shape):
    """The inverse of :func:`_taps_last`: a (kh·kw·C, O) matrix as filters of ``shape``."""
    O, C, kh, kw = shape
    return backend.get_xp(W_l).ascontiguousarray(W_l.reshape(kh, kw, C, O).transpose(3, 2, 0, 1))


def _per_image(K, positions):
    """Whether the im2col kernel runs one product per image, (O, K) · (K, Ho·Wo), on views
    of the columns, instead of one (O, K) · (K, N·Ho·Wo) product and two transposing
    copies: where an image has at least as many output positions as the filters have taps
    (K = C·kh·kw).  Measured on 2 cores: a 1 → 16 3×3 layer on 28×28 (K = 9, 784
    positions) 0.43 against 1.19 ms forward and 1.00 against 2.31 ms backward; a 64 → 128
    4×4 layer on 14×14 with stride 2 (K = 1024, 49 positions) 5.5 against 3.6 ms forward."""
    return K <= positions


def _dx_by_flipped_filters(dout, W, padding):
    """dx of a stride-1 convolution as a convolution of dout:  dx = conv(dout, W̃) with
    W̃[c, o, p, q] = W[o, c, kh−1−p, kw−1−q] and padding (kh−1−ph, kw−1−pw).

    dout : (N, O, Ho, Wo);  W : (O, C, kh, kw);  returns dx : (N, C, H, W).
    """
    xp = backend.get_xp(dout)
    O, C, kh, kw = W.shape
    ph, pw = _pair(padding)
    N, _, Ho, Wo = dout.shape
    W_flip = xp.ascontiguousarray(W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, O, kh, kw)
    cols = F.im2col(dout, (kh, kw), 1, (kh - 1 - ph, kw - 1 - pw))      # (O·kh·kw, N, H, W)
    H, W_ = cols.shape[2], cols.shape[3]
    dx_t = W_flip.reshape(C, -1) @ cols.reshape(O * kh * kw, -1)        # (C, N·H·W) one GEMM
    return xp.ascontiguousarray(dx_t.reshape(C, N, H, W_).transpose(1, 0, 2, 3))  # (N, C, H, W)


def _shifted_forward(x, W, b, padding):
    """Conv2d forward (stride 1) by shifted views of the padded input; see Conv2d's Notes.

    x : (N, C, H, W);  W : (O, C, kh, kw);  b : (O,) or None.  Returns out (N, O, Ho, Wo)
    and the cache (X, W, geometry) for :func:`_shifted_backward`.
    """
    xp = backend.get_xp(x)
    N, C, H, Wd = x.shape
    O, _, kh, kw = W.shape
    ph, pw = _pair(padding)
    Hp, Wp = H + 2 * ph, Wd + 2 * pw
    Ho, Wo = Hp - kh + 1, Wp - kw + 1
    R = N * Hp * Wp                                                     # padded positions
    M = R - (kh - 1) * Wp - (kw - 1)          # columns r whose every tap r + off is inside X
    X = xp.zeros((C, N, Hp, Wp), dtype=x.dtype)
    X[:, :, ph:ph + H, pw:pw + Wd] = x.transpose(1, 0, 2, 3)
    X = X.reshape(C, R)                                                 # (C, R)
    W_taps = xp.ascontiguousarray(W.transpose(2, 3, 0, 1)).reshape(kh * kw * O, C)
    Y = (W_taps @ X).reshape(kh * kw, O, R)            # Y[(p, q)] = W_pq · X, one GEMM
    out = xp.empty((O, R), dtype=x.dtype)
    out[:, :M] = Y[0, :, :M]
    out[:, M:] = 0                            # only dropped columns lie beyond M
    for t in range(1, kh * kw):
        p, q = divmod(t, kw)
        off = p * Wp + q
        out[:, :M] += Y[t, :, off:off + M]                              # tap (p, q)
    if b is not None:
        out += b[:, None]
    out = out.reshape(O, N, Hp, Wp)[:, :, :Ho, :Wo]                     # drop the wrap-around
    out = xp.ascontiguousarray(out.transpose(1, 0, 2, 3))               # (N, O, Ho, Wo)
    return out, (X, W, (N, H, Wd, ph, pw, b is not None))


def _shifted_backward(dout, cache, need_dx=True):
    """Gradients of :func:`_shifted_forward`: dx (or None), {"W", "b"}; see Conv2d's Notes."""
    X, W, (N, H, Wd, ph, pw, has_bias) = cache
    xp = backend.get_xp(dout)
    O, C, kh, kw = W.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    Hp, Wp = H + 2 * ph, Wd + 2 * pw
    R = N * Hp * Wp
    G = xp.zeros((O, N, Hp, Wp), dtype=dout.dtype)                    # dout laid out like X
    G[:, :, :Ho, :Wo] = dout.transpose(1, 0, 2, 3)
    G = G.reshape(O, R)
    D = xp.empty((kh * kw, O, R), dtype=dout.dtype)   # D[(p, q), :, r] = G[:, r − off_pq]
    for t in range(kh * kw):
        p, q = divmod(t, kw)
        off = p * Wp + q
        D[t, :, off:] = G[:, :R - off]
        D[t, :, :off] = 0
    D = D.reshape(kh * kw * O, R)
    dW_taps = D @ X.T                                                   # (kh·kw·O, C)
    grads = {"W": xp.ascontiguousarray(dW_taps.reshape(kh, kw, O, C).transpose(2, 3, 0, 1))}
    if has_bias:
        grads["b"] = G.sum(axis=1)                                      # (O,)
    if not need_dx:
        return None, grads
    W_taps = xp.ascontiguousarray(W.transpose(2, 3, 0, 1)).reshape(kh * kw * O, C)
    dX = (W_taps.T @ D).reshape(C, N, Hp, Wp)                           # (C, N, Hp, Wp)
    dx = dX[:, :, ph:ph + H, pw:pw + Wd].transpose(1, 0, 2, 3)          # crop the padding
    return xp.ascontiguousarray(dx), grads


class ConvTranspose2d(Layer):
    """Transposed convolution ("deconvolution"): the adjoint of :class:`Conv2d`.  [A12, G5]

    Slides: "Deep Convolutional Autoencoder" (Polish notes: "Deconvolution",
            "transpozycja splotu");
            "DCGAN - Deep Conv GAN" (Polish notes: the generator).

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
    Where the output has at least as many maps as the input is wide, the same products run
    on channels-last columns, one row per input position (``F.col2im_channels_last``), so
    that the fold moves O values at a time instead of W (tested equal).
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
        out_shape = self.output_shape(x.shape)
        if _fold_channels_last(self.out_channels, x.shape[3]):
            x_l = xp.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(-1, C)  # (N·H·W, C)
            cols = x_l @ _taps_last(W).T                                # (N·H·W, kh·kw·O)
            out = F.col2im_channels_last(cols, out_shape, self.kernel_size, self.stride,
                                         self.padding)                  # (N, O, Ho, Wo)
            cache = ("channels last", x_l, x.shape, W, b)
        else:
            x_t = xp.ascontiguousarray(x.transpose(1, 0, 2, 3))        # (C, N, H, W)
            cols = W.reshape(C, -1).T @ x_t.reshape(C, -1)              # (O·kh·kw, N·H·W)
            out = F.col2im(cols, out_shape, self.kernel_size, self.stride,
                           self.padding)                                # (N, O, Ho, Wo)
            cache = ("channels first", x_t, x.shape, W, b)
        if b is not None:
            out += b[:, None, None]
        return out, cache

    def backward(self, dout, cache):
        kind, x_c, x_shape, W, b = cache
        xp = backend.get_xp(dout)
        C = W.shape[0]
        grads = {}
        if kind == "channels last":
            dcols = F.im2col_channels_last(dout, self.kernel_size, self.stride,
                                           self.padding)                # (N·H·W, kh·kw·O)
            grads["W"] = _taps_first(dcols.T @ x_c, W.shape)            # (C, O, kh, kw)
            dx_l = dcols @ _taps_last(W)                                # (N·H·W, C)
            N, _, H, W_ = x_shape
            dx = xp.ascontiguousarray(dx_l.reshape(N, H, W_, C).transpose(0, 3, 1, 2))
        else:
            dcols = F.im2col(dout, self.kernel_size, self.stride, self.padding)
            dcols = dcols.reshape(dcols.shape[0], -1)                   # (O·kh·kw, N·H·W)
            grads["W"] = (x_c.reshape(C, -1) @ dcols.T).reshape(W.shape)  # (C, O, kh, kw)
            dx_t = (W.reshape(C, -1) @ dcols).reshape(x_c.shape)        # (C, N, H, W)
            dx = xp.ascontiguousarray(dx_t.transpose(1, 0, 2, 3))      # (N, C, H, W)
        if b is not None:
            grads["b"] = dout.sum(axis=(0, 2, 3))                       # (O,)
        return dx, grads


def _fold_channels_last(O, width):
    """Whether ConvTranspose2d lays its columns out channels-last: where the output has at
    least as many maps as the input is wide (a DCGAN's 128 → 64 on 7 × 7, not its 64 → 1
    on 14 × 14), so that the fold's copies move O values at a time rather than W."""
    return O >= width


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
