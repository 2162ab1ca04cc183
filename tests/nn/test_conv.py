"""Convolution layers: vectorised kernels equal the naive loops; adjointness; gradients.

Value tests draw small integers stored as float64: every sum is then exact in any order,
so the vectorised and the naive results agree to the last bit and ``rel_error < 1e-12``
checks the indexing, not round-off.  Max-pooling inputs are permutations (no ties) unless
a test is about ties.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnunsup import backend
from nnunsup.nn import conv
from nnunsup.nn import functional as F
from nnunsup.nn import (Conv2d, ConvTranspose2d, MaxPool2d, MaxUnpool2d, Upsample2d,
                             conv2d_naive, conv_transpose2d_naive, max_pool2d,
                             max_pool2d_naive, max_unpool2d, max_unpool2d_naive, upsample2d,
                             upsample2d_naive)
from nnunsup.nn.gradcheck import gradcheck
from nnunsup.nn.layers import Sequential, Tanh
from tests.helpers import rel_error

host = backend.to_numpy


def integers(rng, shape):
    """Small integers as float64: exact arithmetic in any summation order."""
    return rng.integers(-3, 4, size=shape).astype(np.float64)


def distinct(rng, shape):
    """Distinct values in [0, 1), 1/size apart: max-pool windows without ties."""
    size = int(np.prod(shape))
    return rng.permutation(size).reshape(shape) / size


def conv_params(layer, rng):
    """Integer-valued W and b for ``layer``, on the active backend."""
    W_shape = layer.init_params(rng, np.float64)["W"].shape
    return {"W": backend.asarray(integers(rng, W_shape)),
            "b": backend.asarray(integers(rng, (layer.out_channels,)))}


# (N, C, O, H, W, kernel_size, stride, padding)
CONV_CASES = [
    (2, 3, 4, 7, 7, 3, 1, 1),
    (2, 3, 4, 8, 8, 3, 2, 1),
    (1, 2, 3, 7, 6, (2, 3), (2, 1), (1, 0)),
    (3, 1, 2, 5, 5, 1, 1, 0),
    (1, 2, 2, 4, 4, 4, 1, 0),            # kernel covers the whole image: Ho = Wo = 1
    (2, 2, 3, 9, 7, 3, 3, 2),
]


@pytest.mark.parametrize("N, C, O, H, W, k, s, p", CONV_CASES)
def test_conv2d_equals_naive_loop(xp, rng, N, C, O, H, W, k, s, p):
    """Conv2d forward (im2col + one GEMM) equals the textbook loop."""
    layer = Conv2d(C, O, k, stride=s, padding=p)
    params = conv_params(layer, rng)
    x = backend.asarray(integers(rng, (N, C, H, W)))
    out, _ = layer.forward(params, x)
    expected = conv2d_naive(host(x), host(params["W"]), host(params["b"]), s, p)
    assert out.shape == expected.shape
    assert rel_error(host(out), expected) < 1e-12


# CONV_CASES with each output_padding the stride allows (0, and 1 where stride > 1)
CONVT_CASES = [case + (op,) for case in CONV_CASES for op in (0, 1)
               if op < min(np.broadcast_to(case[6], 2))]


@pytest.mark.parametrize("N, C, O, H, W, k, s, p, output_padding", CONVT_CASES)
def test_conv_transpose2d_equals_naive_loop(xp, rng, N, C, O, H, W, k, s, p, output_padding):
    """ConvTranspose2d forward (one GEMM + col2im) equals the scatter loop, output_padding too."""
    layer = ConvTranspose2d(C, O, k, stride=s, padding=p, output_padding=output_padding)
    params = conv_params(layer, rng)
    x = backend.asarray(integers(rng, (N, C, H, W)))
    out, _ = layer.forward(params, x)
    expected = conv_transpose2d_naive(host(x), host(params["W"]), host(params["b"]), s, p,
                                      output_padding)
    assert out.shape == expected.shape == layer.output_shape(x.shape)
    assert rel_error(host(out), expected) < 1e-12


@pytest.mark.parametrize("N, C, O, H, W, k, s, p", CONV_CASES)
def test_conv_transpose2d_is_adjoint_of_conv2d(xp, rng, N, C, O, H, W, k, s, p):
    """⟨Conv2d(x), y⟩ = ⟨x, ConvTranspose2d(y)⟩ with the same W and no bias."""
    conv = Conv2d(C, O, k, stride=s, padding=p, bias=False)
    x = backend.asarray(rng.standard_normal((N, C, H, W)))
    W_shape = conv.init_params(rng, np.float64)["W"].shape
    params = {"W": backend.asarray(rng.standard_normal(W_shape))}
    conv_x, _ = conv.forward(params, x)
    # output_padding picks the H that Conv2d rounded down from
    (kh, kw), (sh, sw), (ph, pw) = (np.broadcast_to(v, 2) for v in (k, s, p))
    output_padding = ((H + 2 * ph - kh) % sh, (W + 2 * pw - kw) % sw)
    convT = ConvTranspose2d(O, C, k, stride=s, padding=p, output_padding=output_padding,
                            bias=False)
    y = backend.asarray(rng.standard_normal(conv_x.shape))
    convT_y, _ = convT.forward(params, y)
    assert convT_y.shape == x.shape
    assert rel_error(float((conv_x * y).sum()), float((x * convT_y).sum())) < 1e-12


def test_im2col_and_col2im_are_adjoint(xp, rng):
    """⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩, overlapping patches and padding included."""
    x = backend.asarray(rng.standard_normal((2, 3, 7, 6)))
    cols = F.im2col(x, (3, 2), 2, (1, 2))
    assert cols.shape == (3 * 3 * 2, 2, 4, 5)
    c = backend.asarray(rng.standard_normal(cols.shape))
    back = F.col2im(c, x.shape, (3, 2), 2, (1, 2))
    assert back.shape == x.shape
    assert rel_error(float((cols * c).sum()), float((x * back).sum())) < 1e-12


# (N, C, H, W, kernel_size, stride)
POOL_CASES = [
    (2, 3, 6, 6, 2, None),               # tiles the image
    (2, 2, 7, 5, 2, None),               # odd sizes: the last row/column is dropped
    (1, 2, 7, 7, 3, 2),                  # overlapping windows
    (2, 1, 5, 6, 2, 1),
    (1, 3, 6, 8, (2, 3), (2, 1)),
]


@pytest.mark.parametrize("N, C, H, W, k, s", POOL_CASES)
def test_max_pool2d_and_unpool_equal_naive_loops(xp, rng, N, C, H, W, k, s):
    """Max values, switch indices and unpooling equal the loops."""
    x = backend.asarray(distinct(rng, (N, C, H, W)))
    out, cache = MaxPool2d(k, s).forward({}, x)
    indices, x_shape = cache
    expected_out, expected_indices = max_pool2d_naive(host(x), k, s)
    assert rel_error(host(out), expected_out) < 1e-12
    np.testing.assert_array_equal(host(indices), expected_indices)
    assert x_shape == x.shape
    up, _ = MaxUnpool2d(k, s).forward({}, out, indices=indices, output_shape=x_shape)
    assert rel_error(host(up), max_unpool2d_naive(host(out), host(indices), x_shape)) < 1e-12


def test_max_pool2d_ties_go_to_the_first_entry(xp):
    """With equal entries the first in row-major order wins, as in the naive loop."""
    x = backend.asarray(np.array([[[[5.0, 5.0, 1.0, 5.0, 2.0, 0.0],
                                    [0.0, 1.0, 5.0, 0.0, 2.0, 2.0]]]]))
    out, indices = max_pool2d(x, 2)
    np.testing.assert_array_equal(host(out), [[[[5.0, 5.0, 2.0]]]])
    np.testing.assert_array_equal(host(indices), [[[[0, 3, 4]]]])
    np.testing.assert_array_equal(host(indices), max_pool2d_naive(host(x), 2)[1])


def test_unpooling_restores_the_maxima(xp, rng):
    """unpool(pool(x)) keeps each window's max where it was and zeros the rest."""
    x = backend.asarray(distinct(rng, (2, 3, 6, 6)) + 1.0)
    out, indices = max_pool2d(x, 2)
    up = max_unpool2d(out, indices, x.shape)
    kept = host(up) != 0
    np.testing.assert_array_equal(host(up)[kept], host(x)[kept])
    assert kept.sum() == out.size
    again, again_indices = max_pool2d(up, 2)       # pooling the unpooled map changes nothing
    np.testing.assert_array_equal(host(again), host(out))
    np.testing.assert_array_equal(host(again_indices), host(indices))


def test_max_unpool2d_default_output_shape():
    """Without output_shape, H = (Ho − 1)·s + kh, as in PyTorch."""
    x = np.arange(2 * 6 * 6, dtype=float).reshape(1, 2, 6, 6)
    out, (indices, _) = MaxPool2d(2).forward({}, x)
    up, _ = MaxUnpool2d(2).forward({}, out, indices=indices)
    assert up.shape == x.shape


@pytest.mark.parametrize("scale", [2, (1, 3)])
def test_upsample2d_equals_naive_loop(xp, rng, scale):
    x = backend.asarray(integers(rng, (2, 3, 3, 4)))
    out, _ = Upsample2d(scale).forward({}, x)
    assert rel_error(host(out), upsample2d_naive(host(x), scale)) < 1e-12


# ---- gradients (float64 central differences) -------------------------------------------

GRAD_LAYERS = [
    (Conv2d(3, 4, 3, padding=1), (2, 3, 5, 5)),                # K = 27 > 25: one product
    (Conv2d(1, 3, 3, padding=1), (2, 1, 5, 5)),                # K = 9 ≤ 25: per image
    (Conv2d(1, 2, 2, stride=2), (2, 1, 6, 6)),                 # per image, strided fold
    (Conv2d(5, 2, (3, 2), padding=(1, 0)), (2, 5, 5, 4)),      # O < C, stride 1: shifted
    (Conv2d(5, 2, (3, 2), padding=(1, 0), algorithm="im2col"), (2, 5, 5, 4)),  # flipped dx
    (Conv2d(2, 3, (2, 3), padding=(2, 1), algorithm="shifted"), (2, 2, 4, 5)),
    (Conv2d(3, 2, 3, padding=1, algorithm="shifted", bias=False), (1, 3, 4, 4)),
    (Conv2d(2, 3, (2, 3), stride=2, padding=(1, 0)), (2, 2, 6, 7)),
    (Conv2d(2, 2, 3, stride=2, init="xavier"), (1, 2, 7, 6)),
    (ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 3, 4)),  # O < W
    (ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1), (2, 2, 3, 3)),  # O ≥ W
    (ConvTranspose2d(2, 3, (3, 2), stride=(1, 2), padding=(0, 1)), (1, 2, 4, 3)),
    (ConvTranspose2d(2, 2, 4, stride=2, padding=1, init="normal"), (2, 2, 3, 3)),
    (Upsample2d(2), (2, 3, 3, 3)),
    (Upsample2d((3, 1)), (1, 2, 2, 3)),
]


@pytest.mark.parametrize("C, O, k, p", [(5, 2, 3, 1), (4, 1, (3, 2), (2, 0)), (3, 2, 2, 0),
                                        (6, 3, (1, 3), (0, 1))])
def test_flipped_filter_dx_equals_col2im(xp, rng, C, O, k, p):
    """With stride 1 and O < C the input gradient is the convolution of dout with the
    flipped, channel-swapped filters; it equals col2im(Wᵀ dout) to round-off."""
    x = xp.asarray(rng.standard_normal((3, C, 6, 7)))
    layers = [Conv2d(C, O, k, padding=p, algorithm="im2col", dx_algorithm=a)
              for a in ("auto", "col2im")]
    params = layers[0].init_params(np.random.default_rng(0), np.float64)
    out, cache = layers[0].forward(params, x)
    dout = xp.asarray(rng.standard_normal(out.shape))
    assert layers[0]._flipped_dx(params["W"].shape) and not layers[1]._flipped_dx(
        params["W"].shape)
    (dx_flip, g_flip), (dx_fold, g_fold) = (layer.backward(dout, cache) for layer in layers)
    np.testing.assert_allclose(backend.to_numpy(dx_flip), backend.to_numpy(dx_fold), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_array_equal(backend.to_numpy(g_flip["W"]), backend.to_numpy(g_fold["W"]))


@pytest.mark.parametrize("C, O, k, p, bias", [(5, 2, 3, 1, True), (4, 1, (3, 2), (2, 0), True),
                                              (2, 3, 2, 0, False), (3, 3, (1, 3), (0, 1), True)])
def test_shifted_kernel_equals_im2col(xp, rng, C, O, k, p, bias):
    """The shifted-view kernel (stride 1) gives the im2col kernel's output and gradients,
    for fewer, as many and more output than input maps, and paddings beyond k − 1."""
    x = xp.asarray(rng.standard_normal((3, C, 6, 7)))
    shifted, im2col = (Conv2d(C, O, k, padding=p, bias=bias, algorithm=a)
                       for a in ("shifted", "im2col"))
    params = shifted.init_params(np.random.default_rng(0), np.float64)
    (out_s, cache_s), (out_i, cache_i) = (layer.forward(params, x) for layer in (shifted, im2col))
    np.testing.assert_allclose(host(out_s), host(out_i), rtol=1e-12, atol=1e-12)
    dout = xp.asarray(rng.standard_normal(out_s.shape))
    (dx_s, g_s), (dx_i, g_i) = shifted.backward(dout, cache_s), im2col.backward(dout, cache_i)
    np.testing.assert_allclose(host(dx_s), host(dx_i), rtol=1e-12, atol=1e-12)
    assert g_s.keys() == g_i.keys()
    for key in g_s:
        np.testing.assert_allclose(host(g_s[key]), host(g_i[key]), rtol=1e-12, atol=1e-12)
    none, g_data = shifted.backward(dout, cache_s, need_dx=False)
    assert none is None and all(np.array_equal(host(g_data[k]), host(g_s[k])) for k in g_s)


@pytest.mark.parametrize("C, O, k, s, p, bias", [(1, 4, 3, 1, 1, True), (2, 3, 4, 2, 1, True),
                                                 (3, 2, (2, 3), (2, 1), (0, 1), False),
                                                 (4, 2, 3, 1, 1, True)])
def test_per_image_products_equal_one_product(xp, rng, C, O, k, s, p, bias, monkeypatch):
    """The im2col kernel's two ways to multiply — one product per image on views of the
    channels-first columns, or one product over the batch on the channels-last columns —
    give the same output and gradients (strides 1 and 2, with and without bias, O < C
    with its flipped-filter dx)."""
    x = xp.asarray(rng.standard_normal((3, C, 7, 6)))
    layer = Conv2d(C, O, k, stride=s, padding=p, bias=bias, algorithm="im2col")
    params = layer.init_params(np.random.default_rng(0), np.float64)
    results = []
    for per_image in (True, False):
        monkeypatch.setattr(conv, "_per_image", lambda K, positions, flag=per_image: flag)
        out, cache = layer.forward(params, x)
        dout = xp.asarray(np.random.default_rng(1).standard_normal(out.shape))
        dx, grads = layer.backward(dout, cache)
        none, grads_data = layer.backward(dout, cache, need_dx=False)
        assert none is None and grads_data.keys() == grads.keys()
        results.append([out, dx] + [grads[key] for key in sorted(grads)])
    for a, b in zip(*results):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("C, O, k, s, p, op", [(3, 4, 3, 2, 1, 1), (2, 5, (2, 3), (2, 1), (0, 1), 0),
                                              (4, 2, 4, 2, 1, 0)])
def test_transposed_channels_last_equals_channels_first(xp, rng, C, O, k, s, p, op,
                                                         monkeypatch):
    """ConvTranspose2d's two column layouts give the same output and gradients."""
    x = xp.asarray(rng.standard_normal((2, C, 4, 3)))
    layer = ConvTranspose2d(C, O, k, stride=s, padding=p, output_padding=op)
    params = layer.init_params(np.random.default_rng(0), np.float64)
    results = []
    for last in (True, False):
        monkeypatch.setattr(conv, "_fold_channels_last", lambda O, width, flag=last: flag)
        out, cache = layer.forward(params, x)
        assert cache[0] == ("channels last" if last else "channels first")
        dout = xp.asarray(np.random.default_rng(1).standard_normal(out.shape))
        dx, grads = layer.backward(dout, cache)
        results.append([out, dx, grads["W"], grads["b"]])
    for a, b in zip(*results):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-12, atol=1e-12)


def test_im2col_channels_last_is_im2col_reordered(xp, rng):
    """The channels-last columns hold im2col's entries, rows (n, i, j), taps (p, q, c); their
    fold is the adjoint: ⟨unfold(x), y⟩ = ⟨x, fold(y)⟩."""
    N, C, H, W, k, s, p = 2, 3, 7, 6, (3, 2), (2, 1), (1, 0)
    x = xp.asarray(rng.standard_normal((N, C, H, W)))
    first = F.im2col(x, k, s, p)                                        # (C·kh·kw, N, Ho, Wo)
    K, _, Ho, Wo = first.shape
    last = F.im2col_channels_last(x, k, s, p)                           # (N·Ho·Wo, kh·kw·C)
    reordered = first.reshape(C, k[0], k[1], N, Ho, Wo).transpose(3, 4, 5, 1, 2, 0)
    np.testing.assert_array_equal(host(last), host(reordered.reshape(N * Ho * Wo, K)))
    y = xp.asarray(rng.standard_normal(last.shape))
    folded = F.col2im_channels_last(y, x.shape, k, s, p)
    assert folded.shape == x.shape
    np.testing.assert_allclose(float((last * y).sum()), float((x * folded).sum()), rtol=1e-12)


def test_per_image_rule():
    """One product per image where an image has at least as many output positions as the
    filters have taps: the conv AE's and the DCGAN's first layers, not DCGAN's second."""
    assert conv._per_image(9, 784) and conv._per_image(16, 196)
    assert not conv._per_image(1024, 49)


def test_col2im_batch_first_equals_channel_first(xp, rng):
    """col2im of columns laid out (N, C·kh·kw, Ho, Wo) equals col2im of the same columns
    laid out (C·kh·kw, N, Ho, Wo)."""
    N, C, H, W, k, s, p = 2, 3, 7, 6, 3, 2, 1
    cols = xp.asarray(rng.standard_normal((C * k * k, N, 4, 3)))
    expected = F.col2im(cols, (N, C, H, W), k, s, p)
    batch_first = xp.ascontiguousarray(cols.transpose(1, 0, 2, 3))
    np.testing.assert_array_equal(host(F.col2im(batch_first, (N, C, H, W), k, s, p,
                                                batch_first=True)), host(expected))


def test_auto_algorithm_picks_shifted_for_stride_1_encoders():
    assert Conv2d(16, 4, 3, padding=1)._shifted()
    assert not Conv2d(4, 16, 3, padding=1)._shifted()
    assert not Conv2d(16, 4, 3, stride=2)._shifted()
    assert Conv2d(4, 16, 3, algorithm="shifted")._shifted()
    assert not Conv2d(16, 4, 3, algorithm="im2col")._shifted()


@pytest.mark.parametrize("layer, shape", GRAD_LAYERS, ids=repr)
def test_gradcheck_conv_layers(rng, layer, shape):
    """dx and every parameter gradient match central differences."""
    result = gradcheck(layer, rng.standard_normal(shape))
    assert result.max_rel_error < 1e-6, result


@pytest.mark.parametrize("k, s", [(2, None), (3, 2), (2, 1), ((2, 3), (1, 2))])
def test_gradcheck_max_pool_and_unpool(rng, k, s):
    """Max-pool (away from ties) and unpool, overlapping windows included."""
    x = distinct(rng, (2, 2, 6, 7))
    result = gradcheck(MaxPool2d(k, s), x)
    assert result.max_rel_error < 1e-6, result
    out, indices = max_pool2d(x, k, s)
    result = gradcheck(MaxUnpool2d(k, s), rng.standard_normal(out.shape), indices=indices,
                       output_shape=x.shape)
    assert result.max_rel_error < 1e-6, result


def test_gradcheck_conv_autoencoder_stack(rng):
    """The layers compose under Sequential: conv, tanh, pool, upsample, transposed conv."""
    net = Sequential(Conv2d(1, 2, 3, padding=1), Tanh(), MaxPool2d(2), Upsample2d(2),
                     ConvTranspose2d(2, 1, 3, padding=1))
    result = gradcheck(net, rng.standard_normal((2, 1, 4, 4)))
    assert result.max_rel_error < 1e-6, result


def test_float32_matches_float64(rng):
    """float32 in ⇒ float32 out and gradients, equal to the float64 result to tolerance."""
    for layer, shape in GRAD_LAYERS:
        params = layer.init_params(rng, np.float32)
        x = rng.standard_normal(shape).astype(np.float32)
        out, cache = layer.forward(params, x)
        dout = rng.standard_normal(out.shape).astype(np.float32)
        dx, grads = layer.backward(dout, cache)
        params64 = {k: v.astype(np.float64) for k, v in params.items()}
        out64, cache64 = layer.forward(params64, x.astype(np.float64))
        dx64, grads64 = layer.backward(dout.astype(np.float64), cache64)
        assert out.dtype == dx.dtype == np.float32
        assert all(grads[k].dtype == np.float32 for k in params)
        for a, b in [(out, out64), (dx, dx64)] + [(grads[k], grads64[k]) for k in params]:
            assert np.abs(a - b).max() <= 1e-5 * np.abs(b).max()


# ---- property test on drawn shapes ------------------------------------------------------

@given(N=st.integers(1, 2), C=st.integers(1, 3), O=st.integers(1, 3),
       kh=st.integers(1, 3), kw=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 1),
       H=st.integers(3, 7), W=st.integers(3, 7), op=st.integers(0, 2),
       seed=st.integers(0, 2**16))
def test_conv_layers_equal_naive_on_drawn_shapes(N, C, O, kh, kw, s, p, H, W, op, seed):
    """Conv2d and ConvTranspose2d equal their loops on any small shape."""
    rng = np.random.default_rng(seed)
    x = integers(rng, (N, C, H, W))
    W_conv, W_convT = integers(rng, (O, C, kh, kw)), integers(rng, (C, O, kh, kw))
    b = integers(rng, (O,))
    conv = Conv2d(C, O, (kh, kw), stride=s, padding=p)
    out, _ = conv.forward({"W": W_conv, "b": b}, x)
    assert rel_error(out, conv2d_naive(x, W_conv, b, s, p)) < 1e-12
    if s == 1:                                        # the shifted kernel, whatever O and C
        shifted = Conv2d(C, O, (kh, kw), padding=p, algorithm="shifted")
        out, _ = shifted.forward({"W": W_conv, "b": b}, x)
        assert rel_error(out, conv2d_naive(x, W_conv, b, 1, p)) < 1e-12
    op = min(op, s - 1)
    convT = ConvTranspose2d(C, O, (kh, kw), stride=s, padding=p, output_padding=op)
    out, _ = convT.forward({"W": W_convT, "b": b}, x)
    assert rel_error(out, conv_transpose2d_naive(x, W_convT, b, s, p, op)) < 1e-12


@given(N=st.integers(1, 2), C=st.integers(1, 2), kh=st.integers(1, 3), kw=st.integers(1, 3),
       s=st.integers(1, 3), H=st.integers(3, 7), W=st.integers(3, 7), scale=st.integers(1, 3),
       seed=st.integers(0, 2**16))
def test_pool_unpool_upsample_equal_naive_on_drawn_shapes(N, C, kh, kw, s, H, W, scale, seed):
    """Max-pool (values and switches), unpool and upsample equal their loops on any small shape."""
    rng = np.random.default_rng(seed)
    x = distinct(rng, (N, C, H, W))
    out, indices = max_pool2d(x, (kh, kw), s)
    expected_out, expected_indices = max_pool2d_naive(x, (kh, kw), s)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(indices, expected_indices)
    up = max_unpool2d(out, indices, x.shape)
    assert rel_error(up, max_unpool2d_naive(out, indices, x.shape)) < 1e-12
    np.testing.assert_array_equal(upsample2d(x, scale), upsample2d_naive(x, scale))


# ---- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("layer", [Conv2d(3, 4, 3), ConvTranspose2d(3, 4, 3)], ids=repr)
def test_wrong_input_shape_raises_clear_error(rng, layer):
    """A 3-D input or the wrong number of channels is named in a ValueError."""
    params = layer.init_params(rng, np.float64)
    with pytest.raises(ValueError, match=r"expects x of shape \(N, 3, H, W\).*got a 3-D array"):
        layer.forward(params, rng.standard_normal((3, 8, 8)))
    with pytest.raises(ValueError, match=r"got 5 channels, shape \(2, 5, 8, 8\)"):
        layer.forward(params, rng.standard_normal((2, 5, 8, 8)))


def test_bad_hyperparameters_raise():
    with pytest.raises(ValueError, match="output_padding must be smaller than stride"):
        ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="init must be one of 'he', 'xavier', 'normal'"):
        Conv2d(1, 1, 3, init="glorot").init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match="dx_algorithm must be one of 'auto', 'col2im'"):
        Conv2d(1, 1, 3, dx_algorithm="fold")
    with pytest.raises(ValueError, match="algorithm must be one of 'auto', 'im2col', 'shifted'"):
        Conv2d(1, 1, 3, algorithm="winograd")
    with pytest.raises(ValueError, match="algorithm='shifted' needs stride 1; got stride=2"):
        Conv2d(1, 1, 3, stride=2, algorithm="shifted")
