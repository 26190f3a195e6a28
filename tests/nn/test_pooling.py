"""Pooling and resizing: max_pool2d (padding, dilation, ceil_mode, return_indices), avg_pool2d
(count_include_pad, ceil_mode, divisor_override), 1-D pools, adaptive_avg_pool2d and interpolate: values
against direct loops written from PyTorch's definitions, gradcheck, and (when PyTorch is installed) values,
indices and gradients against torch.nn.functional; the modules."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import gradcheck, gradgradcheck
from nn import functional as NF


def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def distinct(shape, seed):
    """Values 0.1 apart in random order: no ties, so max pooling is differentiable everywhere."""
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.1


# ----- references (direct loops over output positions, PyTorch's formulas) ---------------------------------------


def out_size(size, k, s, p, d, ceil_mode):
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def max_pool_ref(x, k, s, p, d, ceil_mode):
    n, c, h, w = x.shape
    oh, ow = out_size(h, k[0], s[0], p[0], d[0], ceil_mode), out_size(w, k[1], s[1], p[1], d[1], ceil_mode)
    y, idx = np.full((n, c, oh, ow), -np.inf), np.zeros((n, c, oh, ow), dtype=np.int64)
    for i in range(oh):
        for j in range(ow):
            for a in range(k[0]):
                for b in range(k[1]):
                    r, q = i * s[0] - p[0] + a * d[0], j * s[1] - p[1] + b * d[1]
                    if 0 <= r < h and 0 <= q < w:
                        better = x[:, :, r, q] > y[:, :, i, j]
                        y[:, :, i, j] = np.where(better, x[:, :, r, q], y[:, :, i, j])
                        idx[:, :, i, j] = np.where(better, r * w + q, idx[:, :, i, j])
    return y, idx


def avg_pool_ref(x, k, s, p, ceil_mode, count_include_pad, divisor_override):
    n, c, h, w = x.shape
    oh, ow = out_size(h, k[0], s[0], p[0], 1, ceil_mode), out_size(w, k[1], s[1], p[1], 1, ceil_mode)
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
            h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
            size = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            if h0 >= h1 or w0 >= w1:
                continue
            total = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3))
            div = divisor_override or (size if count_include_pad else (h1 - h0) * (w1 - w0))
            y[:, :, i, j] = total / div
    return y


def adaptive_ref(x, oh, ow):
    n, c, h, w = x.shape
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, h1 = (i * h) // oh, -((-(i + 1) * h) // oh)
            w0, w1 = (j * w) // ow, -((-(j + 1) * w) // ow)
            y[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return y


# ----- max pooling ---------------------------------------------------------------------------------------------


@st.composite
def max_pool_configs(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    ceil_mode = draw(st.booleans())
    ext = (d[0] * (k[0] - 1) + 1 - 2 * p[0], d[1] * (k[1] - 1) + 1 - 2 * p[1])
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(max(1, ext[0]), max(1, ext[0]) + 3)),
             draw(st.integers(max(1, ext[1]), max(1, ext[1]) + 3)))
    return shape, k, s, p, d, ceil_mode


def no_empty_window(shape, k, s, p, d, ceil_mode):
    """True if every window holds at least one real element (else PyTorch's output is -inf there)."""
    y, _ = max_pool_ref(np.zeros(shape) - 1, k, s, p, d, ceil_mode)
    return np.isfinite(y).all()


@given(cfg=max_pool_configs(), seed=st.integers(0, 2**31))
def test_max_pool2d_options_match_loops_and_gradcheck(cfg, seed):
    shape, k, s, p, d, ceil_mode = cfg
    if not no_empty_window(shape, k, s, p, d, ceil_mode):
        return
    x = distinct(shape, seed)
    y, idx = NF.max_pool2d(T(x), k, s, p, d, ceil_mode, return_indices=True)
    ref, ref_idx = max_pool_ref(x, k, s, p, d, ceil_mode)
    np.testing.assert_array_equal(y.data, ref)
    np.testing.assert_array_equal(idx.data, ref_idx)
    assert idx.dtype == np.int64 and not idx.requires_grad
    assert gradcheck(lambda t: NF.max_pool2d(t, k, s, p, d, ceil_mode), (T(x),))


def test_max_pool2d_padding_is_minus_infinity_and_second_order():
    x = T(-np.arange(1.0, 10.0).reshape(1, 1, 3, 3))  # all negative: zero padding would win every border window
    y = NF.max_pool2d(x, 3, 2, padding=1)
    np.testing.assert_array_equal(y.data, [[[[-1.0, -2.0], [-4.0, -5.0]]]])
    assert gradgradcheck(lambda t: NF.max_pool2d(t * t, 2, 1, padding=1), (T(distinct((1, 1, 3, 3), 0) + 1),))


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_and_avg_pool1d(ceil_mode):
    x = distinct((2, 3, 7), 1)
    for pool, ref in [
        (lambda t: NF.max_pool1d(t, 3, 2, 1, 1, ceil_mode), lambda a: max_pool_ref(a, (1, 3), (1, 2), (0, 1), (1, 1), ceil_mode)[0]),
        (lambda t: NF.avg_pool1d(t, 3, 2, 1, ceil_mode, False),
         lambda a: avg_pool_ref(a, (1, 3), (1, 2), (0, 1), ceil_mode, False, None)),
    ]:
        np.testing.assert_allclose(pool(T(x)).data, ref(x[:, :, None])[:, :, 0], rtol=1e-12)
        np.testing.assert_allclose(pool(T(x[0])).data, ref(x[:1, :, None])[0, :, 0], rtol=1e-12)  # (C, L)
        assert gradcheck(pool, (T(x),))
    _, idx = NF.max_pool1d(T(x), 2, return_indices=True)
    np.testing.assert_array_equal(idx.data, max_pool_ref(x[:, :, None], (1, 2), (1, 2), (0, 0), (1, 1), False)[1][:, :, 0])


# ----- average pooling -----------------------------------------------------------------------------------------


@st.composite
def avg_pool_configs(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(max(1, k[0] - 2 * p[0]), 6)),
             draw(st.integers(max(1, k[1] - 2 * p[1]), 6)))
    return shape, k, s, p, draw(st.booleans()), draw(st.booleans()), draw(st.sampled_from([None, 2, 5]))


@given(cfg=avg_pool_configs(), seed=st.integers(0, 2**31))
def test_avg_pool2d_matches_loops_and_gradcheck(cfg, seed):
    shape, k, s, p, ceil_mode, count_include_pad, divisor = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    f = lambda t: NF.avg_pool2d(t, k, s, p, ceil_mode, count_include_pad, divisor)  # noqa: E731
    np.testing.assert_allclose(f(T(x)).data, avg_pool_ref(x, k, s, p, ceil_mode, count_include_pad, divisor),
                               rtol=1e-12, atol=1e-14)
    assert gradcheck(f, (T(x),))


def test_avg_pool2d_default_stride_fast_path_and_errors():
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 7))
    np.testing.assert_allclose(NF.avg_pool2d(T(x), 2).data, avg_pool_ref(x, (2, 2), (2, 2), (0, 0), False, True, None))
    assert gradgradcheck(lambda t: NF.avg_pool2d(t * t, 2), (T(x[:1, :1]),))
    with pytest.raises(ValueError, match=r"avg_pool2d: padding \(2, 2\) must be at most half the kernel size"):
        NF.avg_pool2d(T(x), 3, padding=2)
    with pytest.raises(am.ShapeError, match=r"max_pool2d: input \(2, 3, 5, 7\) is too small"):
        NF.max_pool2d(T(x), 6)
    with pytest.raises(am.ShapeError, match=r"avg_pool2d expects an \(N, C, H, W\) or \(C, H, W\) input"):
        NF.avg_pool2d(T(x[0, 0]), 2)
    # one image (C, H, W)
    np.testing.assert_array_equal(NF.avg_pool2d(T(x[0]), 3, 2, 1).data, NF.avg_pool2d(T(x), 3, 2, 1).data[0])
    y, idx = NF.max_pool2d(T(x[1]), 3, 2, 1, return_indices=True)
    y2, idx2 = NF.max_pool2d(T(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(y.data, y2.data[1])
    np.testing.assert_array_equal(idx.data, idx2.data[1])
    with pytest.raises(ValueError, match="divisor_override"):
        NF.avg_pool2d(T(x), 2, divisor_override=0)
    with pytest.raises(ValueError, match=r"max_pool1d: kernel_size must be an int \(or a 1-tuple\), got \(2, 2\)"):
        NF.max_pool1d(T(x[0]), (2, 2))
    with pytest.raises(am.ShapeError, match=r"avg_pool1d expects an \(N, C, L\) or \(C, L\) input"):
        NF.avg_pool1d(T(x), 2)


# ----- adaptive average pooling --------------------------------------------------------------------------------


@given(h=st.integers(1, 7), w=st.integers(1, 7), oh=st.integers(1, 5), ow=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_adaptive_avg_pool2d_matches_loops_and_gradcheck(h, w, oh, ow, seed):
    x = np.random.default_rng(seed).standard_normal((2, 2, h, w))
    y = NF.adaptive_avg_pool2d(T(x), (oh, ow))
    np.testing.assert_allclose(y.data, adaptive_ref(x, oh, ow), rtol=1e-12, atol=1e-14)
    assert gradcheck(lambda t: NF.adaptive_avg_pool2d(t, (oh, ow)), (T(x[:1]),))


def test_adaptive_avg_pool2d_global_none_and_unbatched():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(NF.adaptive_avg_pool2d(T(x), 1).data, x.mean(axis=(2, 3), keepdims=True))
    np.testing.assert_allclose(NF.adaptive_avg_pool2d(T(x), (None, 2)).data, adaptive_ref(x, 4, 2))
    np.testing.assert_allclose(NF.adaptive_avg_pool2d(T(x[0]), 3).data, adaptive_ref(x[:1], 3, 3)[0])
    with pytest.raises(ValueError, match="output_size"):
        NF.adaptive_avg_pool2d(T(x), (0, 2))


# ----- interpolate ---------------------------------------------------------------------------------------------


def nearest_ref(x, oh, ow, scales, exact):
    n, c, h, w = x.shape
    def src(i, size, out, sc):
        s = np.float32(1.0 / sc if sc else size / out)
        return min(int(np.floor(np.float32(i + (0.5 if exact else 0.0)) * s)), size - 1)
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = x[:, :, src(i, h, oh, scales[0]), src(j, w, ow, scales[1])]
    return y


def bilinear_ref(x, oh, ow, scales, align_corners):
    n, c, h, w = x.shape
    def src(i, size, out, sc):
        if align_corners:
            return i * (size - 1) / (out - 1) if out > 1 else 0.0
        s = 1.0 / sc if sc else size / out
        return max((i + 0.5) * s - 0.5, 0.0)
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        r = src(i, h, oh, scales[0])
        r0 = int(r)
        r1, lr = min(r0 + 1, h - 1), r - r0
        for j in range(ow):
            q = src(j, w, ow, scales[1])
            q0 = int(q)
            q1, lq = min(q0 + 1, w - 1), q - q0
            y[:, :, i, j] = ((1 - lr) * ((1 - lq) * x[:, :, r0, q0] + lq * x[:, :, r0, q1])
                             + lr * ((1 - lq) * x[:, :, r1, q0] + lq * x[:, :, r1, q1]))
    return y


@st.composite
def resize_configs(draw):
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    mode = draw(st.sampled_from(["nearest", "nearest-exact", "bilinear"]))
    align = draw(st.sampled_from([None, False, True])) if mode == "bilinear" else None
    if draw(st.booleans()):
        size, sf = (draw(st.integers(1, 7)), draw(st.integers(1, 7))), None
    else:
        size, sf = None, (draw(st.sampled_from([0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0])),
                          draw(st.sampled_from([0.6, 1.0, 1.7, 2.0])))
        if int(h * sf[0]) < 1 or int(w * sf[1]) < 1:
            sf = (2.0, 2.0)
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), size, sf, mode, align


@given(cfg=resize_configs(), seed=st.integers(0, 2**31))
def test_interpolate_matches_loops_and_gradcheck(cfg, seed):
    shape, size, sf, mode, align = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    f = lambda t: NF.interpolate(t, size, sf, mode, align)  # noqa: E731
    y = f(T(x))
    oh, ow = size if size else (int(np.floor(shape[2] * sf[0])), int(np.floor(shape[3] * sf[1])))
    assert y.shape == shape[:2] + (oh, ow)
    scales = sf or (None, None)
    ref = bilinear_ref(x, oh, ow, scales, bool(align)) if mode == "bilinear" else nearest_ref(x, oh, ow, scales,
                                                                                                mode == "nearest-exact")
    np.testing.assert_allclose(y.data, ref, rtol=1e-12, atol=1e-14)
    assert gradcheck(f, (T(x),))


def test_interpolate_errors_and_upsample():
    x = T(np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        NF.interpolate(x)
    with pytest.raises(ValueError, match="align_corners can only be set with mode='bilinear'"):
        NF.interpolate(x, 4, align_corners=True)
    with pytest.raises(ValueError, match="mode must be"):
        NF.interpolate(x, 4, mode="bicubic")
    with pytest.raises(am.ShapeError, match=r"interpolate supports \(N, C, H, W\)"):
        NF.interpolate(T(np.zeros((1, 2, 3))), 4)
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    assert up(x).shape == (1, 1, 4, 4) and repr(up) == "Upsample(scale_factor=2, mode='bilinear')"


# ----- against PyTorch ---------------------------------------------------------------------------------------------


def against_torch(torch, ours_fn, torch_fn, x, seed=0):
    """Forward values and the input gradient (random upstream weights) of ours and torch's on the same x."""
    ox, tx = T(x), torch.tensor(x, requires_grad=True)
    y, ty = ours_fn(ox), torch_fn(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(seed).standard_normal(ty.shape)
    (y * am.Tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@given(cfg=max_pool_configs(), seed=st.integers(0, 2**31))
def test_max_pool2d_against_torch(torch, cfg, seed):
    shape, k, s, p, d, ceil_mode = cfg
    if not no_empty_window(shape, k, s, p, d, ceil_mode):
        return
    x = distinct(shape, seed)
    F = torch.nn.functional
    against_torch(torch, lambda t: NF.max_pool2d(t, k, s, p, d, ceil_mode),
                  lambda t: F.max_pool2d(t, k, s, p, d, ceil_mode), x, seed)
    _, idx = NF.max_pool2d(T(x), k, s, p, d, ceil_mode, True)
    _, tidx = F.max_pool2d(torch.tensor(x), k, s, p, d, ceil_mode, True)
    np.testing.assert_array_equal(idx.data, tidx.numpy())


@given(cfg=avg_pool_configs(), seed=st.integers(0, 2**31))
def test_avg_pool2d_against_torch(torch, cfg, seed):
    shape, k, s, p, ceil_mode, count_include_pad, divisor = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    against_torch(torch, lambda t: NF.avg_pool2d(t, k, s, p, ceil_mode, count_include_pad, divisor),
                  lambda t: torch.nn.functional.avg_pool2d(t, k, s, p, ceil_mode, count_include_pad, divisor), x, seed)


@given(h=st.integers(1, 9), w=st.integers(1, 9), oh=st.integers(1, 6), ow=st.integers(1, 6), seed=st.integers(0, 2**31))
def test_adaptive_avg_pool2d_against_torch(torch, h, w, oh, ow, seed):
    x = np.random.default_rng(seed).standard_normal((2, 3, h, w))
    against_torch(torch, lambda t: NF.adaptive_avg_pool2d(t, (oh, ow)),
                  lambda t: torch.nn.functional.adaptive_avg_pool2d(t, (oh, ow)), x, seed)


@given(cfg=resize_configs(), recompute=st.sampled_from([None, True]), seed=st.integers(0, 2**31))
def test_interpolate_against_torch(torch, cfg, recompute, seed):
    shape, size, sf, mode, align = cfg
    x = np.random.default_rng(seed).standard_normal(shape)
    rec = recompute if sf else None
    against_torch(torch, lambda t: NF.interpolate(t, size, sf, mode, align, rec),
                  lambda t: torch.nn.functional.interpolate(t, size, sf, mode, align, rec), x, seed)


def test_pool1d_against_torch(torch):
    x = distinct((2, 3, 9), 3)
    F = torch.nn.functional
    against_torch(torch, lambda t: NF.max_pool1d(t, 3, 2, 1, 2, True), lambda t: F.max_pool1d(t, 3, 2, 1, 2, True), x)
    against_torch(torch, lambda t: NF.avg_pool1d(t, 4, 3, 2, True, False), lambda t: F.avg_pool1d(t, 4, 3, 2, True, False), x)


# ----- modules ---------------------------------------------------------------------------------------------------


def test_pooling_modules_match_functions_and_torch_modules(torch):
    x = distinct((2, 3, 7, 6), 5)
    pairs = [
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (nn.MaxPool2d(2, dilation=2), torch.nn.MaxPool2d(2, dilation=2)),
        (nn.AvgPool2d(3, 2, 1, count_include_pad=False), torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False)),
        (nn.AvgPool2d(2, divisor_override=3), torch.nn.AvgPool2d(2, divisor_override=3)),
        (nn.AdaptiveAvgPool2d((3, None)), torch.nn.AdaptiveAvgPool2d((3, None))),
        (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
        (nn.Upsample(size=(9, 4), mode="bilinear"), torch.nn.Upsample(size=(9, 4), mode="bilinear")),
        (nn.Upsample(scale_factor=1.5), torch.nn.Upsample(scale_factor=1.5)),
    ]
    for ours, theirs in pairs:
        against_torch(torch, ours, theirs, x)
        assert ours.state_dict() == {} and not list(ours.parameters())
    x1 = distinct((2, 3, 8), 6)
    against_torch(torch, nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1), x1)
    against_torch(torch, nn.AvgPool1d(3, 2, 1), torch.nn.AvgPool1d(3, 2, 1), x1)
    _, idx = nn.MaxPool2d(2, return_indices=True)(T(x))
    _, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(idx.data, tidx.numpy())


def test_pooling_module_reprs():
    assert repr(nn.MaxPool2d(3, 2, 1, ceil_mode=True)) == "MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True)"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)"


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_inputs_keep_their_dtype(dtype):
    """Integer pooling as PyTorch: max pooling pads with the dtype's lowest value; average pooling truncates the
    quotient toward zero. (The float references are exact for these small values.)"""
    x = (np.arange(25).reshape(1, 1, 5, 5) * 7 % 23 - 11).astype(dtype)
    y = NF.max_pool2d(am.Tensor(x), 3, 2, 1, ceil_mode=True)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, max_pool_ref(x.astype(float), (3, 3), (2, 2), (1, 1), (1, 1), True)[0])
    for args in [(2,), (3, 2, 1, True, False)]:
        y = NF.avg_pool2d(am.Tensor(x), *args)
        assert y.dtype == dtype
        kw = dict(zip(["kernel", "stride", "padding", "ceil_mode", "count_include_pad"], args))
        k = kw.get("kernel")
        ref = avg_pool_ref(x.astype(float), (k, k), (kw.get("stride", k),) * 2, (kw.get("padding", 0),) * 2,
                           kw.get("ceil_mode", False), kw.get("count_include_pad", True), None)
        np.testing.assert_array_equal(y.data, np.trunc(ref))
    with pytest.raises(TypeError, match="avg_pool2d: bool input"):
        NF.avg_pool2d(am.Tensor(x > 0), 2)


def test_integer_pooling_against_torch(torch):
    x = np.arange(-7, 29).reshape(1, 1, 6, 6) * 5 % 17 - 8
    F = torch.nn.functional
    for ours, theirs in [
        (lambda a: NF.max_pool2d(a, 3, 2, 1, ceil_mode=True), lambda a: F.max_pool2d(a, 3, 2, 1, ceil_mode=True)),
        (lambda a: NF.avg_pool2d(a, 3, 2, 1, True, False), lambda a: F.avg_pool2d(a, 3, 2, 1, True, False)),
        (lambda a: NF.avg_pool2d(a, 4, 2, 2), lambda a: F.avg_pool2d(a, 4, 2, 2)),
    ]:
        y, ty = ours(am.Tensor(x)), theirs(torch.tensor(x))
        assert y.dtype == np.int64 and ty.dtype == torch.int64
        np.testing.assert_array_equal(y.data, ty.numpy())
