"""Window primitives (pad, unfold, fold), conv2d / Conv2d and max_pool2d / MaxPool2d: values against direct
nested-loop references, gradients with gradcheck (inputs and parameters), second derivatives, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import autograd_mini.functional as AF
import nn
from autograd_mini import gradcheck, gradgradcheck
from nn import functional as NF



def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ----- references --------------------------------------------------------------------------------------------


def conv2d_ref(x, w, b, stride, padding):
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, _, h, wd = xp.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // sh + 1, (wd - kw) // sw + 1
    y = np.zeros((n, o, oh, ow))
    for b_ in range(n):
        for c in range(o):
            for i in range(oh):
                for j in range(ow):
                    patch = xp[b_, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    y[b_, c, i, j] = np.sum(patch * w[c]) + (0.0 if b is None else b[c])
    return y


def max_pool_ref(x, kernel, stride):
    (kh, kw), (sh, sw) = kernel, stride
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw].max(axis=(2, 3))
    return y


@st.composite
def conv_configs(draw, max_side=4):
    """(x shape, weight shape, stride, padding) with the padded image at least as large as the kernel."""
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    h = draw(st.integers(max(1, kh - 2 * ph), max_side))
    w = draw(st.integers(max(1, kw - 2 * pw), max_side))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    return (n, c, h, w), (o, c, kh, kw), stride, (ph, pw)


# ----- window primitives ---------------------------------------------------------------------------------------


@given(cfg=conv_configs(), seed=st.integers(0, 2**31))
def test_unfold_values_and_gradients(cfg, seed):
    xshape, (_, _, kh, kw), stride, _ = cfg
    if kh > xshape[2] or kw > xshape[3]:
        return
    x = np.random.default_rng(seed).standard_normal(xshape)
    cols = AF.unfold(T(x), (kh, kw), stride).data
    sh, sw = stride
    oh, ow = (xshape[2] - kh) // sh + 1, (xshape[3] - kw) // sw + 1
    assert cols.shape == (xshape[0], oh, ow, kh, kw, xshape[1])
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]  # (N, C, kh, kw)
            np.testing.assert_array_equal(cols[:, i, j], window.transpose(0, 2, 3, 1))
    assert gradcheck(lambda t: AF.unfold(t, (kh, kw), stride), (T(x),))


@given(cfg=conv_configs(), seed=st.integers(0, 2**31))
def test_fold_is_the_adjoint_of_unfold(cfg, seed):
    xshape, (_, _, kh, kw), stride, _ = cfg
    if kh > xshape[2] or kw > xshape[3]:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xshape)
    cols_shape = AF.unfold(T(x), (kh, kw), stride).shape
    c = rng.standard_normal(cols_shape)
    folded = AF.fold(T(c), xshape[2:], (kh, kw), stride)
    assert folded.shape == xshape
    # <unfold(x), c> == <x, fold(c)>
    lhs = np.sum(AF.unfold(T(x), (kh, kw), stride).data * c)
    assert lhs == pytest.approx(np.sum(x * folded.data), rel=1e-10, abs=1e-10)
    assert gradcheck(lambda t: AF.fold(t, xshape[2:], (kh, kw), stride), (T(c),))


@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), data=st.data())
def test_pad_values_and_gradients(shape, data):
    widths = [tuple(data.draw(st.lists(st.integers(0, 2), min_size=2, max_size=2))) for _ in shape]
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    np.testing.assert_array_equal(AF.pad(T(x), widths).data, np.pad(x, widths))
    if not np.any(widths):
        t = T(x)
        assert AF.pad(t, widths) is t  # no padding: x itself
    assert gradcheck(lambda t: AF.pad(t, widths), (T(x),))


def test_window_second_derivatives():
    x = T(np.random.default_rng(0).standard_normal((1, 2, 4, 3)))

    def f(t):
        cols = AF.unfold(AF.pad(t, ((0, 0), (0, 0), (1, 1), (0, 1))), (2, 2), (2, 1))
        return AF.fold(cols * cols, (6, 4), (2, 2), (2, 1))

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_window_errors():
    x = T(np.zeros((1, 1, 3, 3)))
    with pytest.raises(am.ShapeError, match="larger than"):
        AF.unfold(x, 4)
    with pytest.raises(am.ShapeError, match="N, C, H, W"):
        AF.unfold(T(np.zeros((3, 3))), 2)
    with pytest.raises(ValueError, match="stride"):
        AF.unfold(x, 2, 0)
    with pytest.raises(am.ShapeError, match="fold: expected windows"):
        AF.fold(T(np.zeros((1, 2, 2, 2, 2, 1))), (4, 4), 2, 1)
    with pytest.raises(am.ShapeError, match="crop more than the 1 entries of axis 0"):
        AF.pad(x, -1)  # NOTE: issue 14: negative widths crop; cropping more than an axis holds is an error
    with pytest.raises(am.ShapeError, match="does not fit"):
        AF.pad(x, [(1, 1)] * 3)
    assert AF.pad(x, 0) is x


# ----- conv2d ------------------------------------------------------------------------------------------------------


@given(cfg=conv_configs(), bias=st.booleans(), seed=st.integers(0, 2**31))
def test_conv2d_matches_loops_and_gradchecks(cfg, bias, seed):
    xshape, wshape, stride, padding = cfg
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(xshape), rng.standard_normal(wshape)
    b = rng.standard_normal(wshape[0]) if bias else None
    y = NF.conv2d(T(x), T(w), None if b is None else T(b), stride, padding)
    np.testing.assert_allclose(y.data, conv2d_ref(x, w, b, stride, padding), rtol=1e-12, atol=1e-12)
    if bias:
        assert gradcheck(lambda x_, w_, b_: NF.conv2d(x_, w_, b_, stride, padding), (T(x), T(w), T(b)))
    else:
        assert gradcheck(lambda x_, w_: NF.conv2d(x_, w_, None, stride, padding), (T(x), T(w)))


def test_conv2d_second_derivatives():
    rng = np.random.default_rng(1)
    x, w, b = T(rng.standard_normal((1, 2, 3, 3))), T(rng.standard_normal((2, 2, 2, 2))), T(rng.standard_normal(2))
    assert gradgradcheck(lambda x_, w_, b_: NF.conv2d(x_, w_, b_, 1, 1), (x, w, b))


@given(cfg=conv_configs(), seed=st.integers(0, 2**31))
def test_conv2d_module_forward_and_parameter_gradients(cfg, seed):
    xshape, (o, c, kh, kw), stride, padding = cfg
    am.manual_seed(seed)
    layer = nn.Conv2d(c, o, (kh, kw), stride=stride, padding=padding).double()
    assert layer.weight.shape == (o, c, kh, kw) and layer.bias.shape == (o,)
    x = np.random.default_rng(seed).standard_normal(xshape)
    y = layer(T(x, requires_grad=False))
    np.testing.assert_allclose(y.data, conv2d_ref(x, layer.weight.data, layer.bias.data, stride, padding), atol=1e-12)
    assert gradcheck(
        lambda x_, w_, b_: nn.functional_call(layer, {"weight": w_, "bias": b_}, x_), (T(x), layer.weight, layer.bias)
    )


def test_conv2d_arguments_and_errors():
    layer = nn.Conv2d(2, 3, (2, 3), stride=(2, 1), padding=(1, 0), bias=False)
    assert layer.kernel_size == (2, 3) and layer.stride == (2, 1) and layer.padding == (1, 0) and layer.bias is None
    assert layer(am.Tensor(np.zeros((4, 2, 5, 5), dtype=np.float32))).shape == (4, 3, 3, 3)
    assert layer.weight.dtype == np.float32
    with pytest.raises(am.ShapeError, match="channels"):
        layer(am.Tensor(np.zeros((1, 3, 5, 5), dtype=np.float32)))
    with pytest.raises(am.ShapeError, match="larger than"):
        nn.Conv2d(1, 1, 4)(am.Tensor(np.zeros((1, 1, 3, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv2d(1, 1, (1, 2, 3))
    with pytest.raises(am.ShapeError, match="bias"):
        NF.conv2d(T(np.zeros((1, 1, 3, 3))), T(np.zeros((2, 1, 1, 1))), T(np.zeros(3)))


# ----- max pooling --------------------------------------------------------------------------------------------------


@st.composite
def pool_configs(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(kh, 5)), draw(st.integers(kw, 5)))
    return shape, (kh, kw), stride


@given(cfg=pool_configs(), seed=st.integers(0, 2**31))
def test_max_pool2d_matches_loops_and_gradchecks(cfg, seed):
    shape, kernel, stride = cfg
    # distinct values 0.1 apart: no ties, so the max is differentiable at every point
    x = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) * 0.1
    y = NF.max_pool2d(T(x), kernel, stride)
    np.testing.assert_array_equal(y.data, max_pool_ref(x, kernel, kernel if stride is None else stride))
    assert gradcheck(lambda t: NF.max_pool2d(t, kernel, stride), (T(x),))
    assert NF.max_pool2d(T(x), kernel, stride).shape == nn.MaxPool2d(kernel, stride)(T(x)).shape


def test_max_pool2d_ties_share_the_gradient():
    x = T(np.ones((1, 1, 2, 2)))
    NF.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((1, 1, 2, 2), 0.25))


def test_max_pool2d_overlapping_windows_accumulate():
    x = T(np.array([[[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]) + np.arange(9).reshape(1, 1, 3, 3) * 1e-3)
    x.data[0, 0, 0, 1] = 5.0  # the max of both 2x2 windows of the top row
    NF.max_pool2d(x, 2, 1).backward(np.ones((1, 1, 2, 2)))
    assert x.grad.data[0, 0, 0, 1] == 2.0


def test_max_pool2d_defaults_and_repr():
    pool = nn.MaxPool2d(2)
    assert pool.stride == 2 and repr(pool) == "MaxPool2d(kernel_size=2, stride=2)"
    assert pool(am.Tensor(np.zeros((2, 3, 5, 4), dtype=np.float32))).shape == (2, 3, 2, 2)
    with pytest.raises(ValueError):
        nn.MaxPool2d(0)


def test_small_convnet_backward_shapes():
    am.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10)
    )
    x = am.Tensor(np.random.default_rng(0).random((3, 1, 8, 8), dtype=np.float32))
    loss = NF.cross_entropy(model(x), np.array([1, 2, 3]))
    loss.backward()
    for p in model.parameters():
        assert p.grad is not None and p.grad.shape == p.shape and p.grad.dtype == np.float32


# ----- dilation, groups, padding modes, conv1d, conv_transpose2d ------------------------------------------------


def conv2d_general_ref(x, w, b, stride, pads, dilation, groups):
    """Direct loops: pads = (top, bottom, left, right)."""
    (sh, sw), (dh, dw) = stride, dilation
    top, bottom, left, right = pads
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, _, h, wd = xp.shape
    o, cg, kh, kw = w.shape
    og = o // groups
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (wd - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, o, oh, ow))
    for oc in range(o):
        g = oc // og
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg : (g + 1) * cg, i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                           j * sw : j * sw + dw * (kw - 1) + 1 : dw]
                y[:, oc, i, j] = np.sum(patch * w[oc], axis=(1, 2, 3)) + (0.0 if b is None else b[oc])
    return y


def resolve_padding(padding, k, d):
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        th, tw = d[0] * (k[0] - 1), d[1] * (k[1] - 1)
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    if isinstance(padding, int):
        return (padding,) * 4
    if len(padding) == 2:
        return (padding[0], padding[0], padding[1], padding[1])
    left, right, top, bottom = padding
    return (top, bottom, left, right)


@st.composite
def general_conv_configs(draw):
    """(x shape, weight shape, stride, padding, dilation, groups) for conv2d, padded image >= kernel extent."""
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.one_of(
        st.integers(0, 1), st.tuples(st.integers(0, 1), st.integers(0, 2)),
        st.tuples(*[st.integers(0, 2)] * 4), st.sampled_from(["valid", "same"]),
    ))
    stride = (1, 1) if padding == "same" else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    top, bottom, left, right = resolve_padding(padding, k, d)
    ext = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    h = draw(st.integers(max(1, ext[0] - top - bottom), ext[0] + 2))
    w = draw(st.integers(max(1, ext[1] - left - right), ext[1] + 2))
    return (draw(st.integers(1, 2)), groups * cg, h, w), (groups * og, cg) + k, stride, padding, d, groups


@given(cfg=general_conv_configs(), bias=st.booleans(), seed=st.integers(0, 2**31))
def test_conv2d_groups_dilation_padding_match_loops_and_gradcheck(cfg, bias, seed):
    xshape, wshape, stride, padding, dilation, groups = cfg
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(xshape), rng.standard_normal(wshape)
    b = rng.standard_normal(wshape[0]) if bias else None
    y = NF.conv2d(T(x), T(w), None if b is None else T(b), stride, padding, dilation, groups)
    pads = resolve_padding(padding, wshape[2:], dilation)
    np.testing.assert_allclose(y.data, conv2d_general_ref(x, w, b, stride, pads, dilation, groups), rtol=1e-12,
                               atol=1e-12)
    if padding == "same":
        assert y.shape[2:] == xshape[2:]
    args = (T(x), T(w)) + ((T(b),) if bias else ())
    assert gradcheck(lambda x_, w_, *b_: NF.conv2d(x_, w_, b_[0] if b_ else None, stride, padding, dilation, groups),
                     args)


@given(cfg=conv_configs(), dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)), seed=st.integers(0, 2**31))
def test_dilated_unfold_values_fold_adjoint_and_gradients(cfg, dilation, seed):
    xshape, (_, _, kh, kw), stride, _ = cfg
    dh, dw = dilation
    ext = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    if ext[0] > xshape[2] or ext[1] > xshape[3]:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xshape)
    cols = AF.unfold(T(x), (kh, kw), stride, dilation).data
    sh, sw = stride
    oh, ow = (xshape[2] - ext[0]) // sh + 1, (xshape[3] - ext[1]) // sw + 1
    assert cols.shape == (xshape[0], oh, ow, kh, kw, xshape[1])
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * sh : i * sh + ext[0] : dh, j * sw : j * sw + ext[1] : dw]
            np.testing.assert_array_equal(cols[:, i, j], window.transpose(0, 2, 3, 1))
    c = rng.standard_normal(cols.shape)
    folded = AF.fold(T(c), xshape[2:], (kh, kw), stride, dilation)
    assert np.sum(cols * c) == pytest.approx(np.sum(x * folded.data), rel=1e-10, abs=1e-10)
    assert gradcheck(lambda t: AF.unfold(t, (kh, kw), stride, dilation), (T(x),))
    assert gradcheck(lambda t: AF.fold(t, xshape[2:], (kh, kw), stride, dilation), (T(c),))


def test_dilated_window_second_derivatives():
    x = T(np.random.default_rng(2).standard_normal((1, 2, 5, 4)))

    def f(t):
        cols = AF.unfold(t, (2, 2), (1, 2), (2, 1))
        return AF.fold(cols * cols, (5, 4), (2, 2), (1, 2), (2, 1))

    assert gradgradcheck(f, (x,))


def test_conv2d_grouped_second_derivatives():
    rng = np.random.default_rng(3)
    x, w, b = T(rng.standard_normal((1, 4, 4, 3))), T(rng.standard_normal((2, 2, 2, 2))), T(rng.standard_normal(2))
    assert gradgradcheck(lambda x_, w_, b_: NF.conv2d(x_, w_, b_, 1, "same", (2, 1), 2), (x, w, b))


@given(n=st.integers(1, 2), groups=st.integers(1, 2), cg=st.integers(1, 2), og=st.integers(1, 2),
       k=st.integers(1, 3), stride=st.integers(1, 2), dilation=st.integers(1, 2),
       padding=st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)), st.just("same")),
       extra=st.integers(0, 3), seed=st.integers(0, 2**31))
def test_conv1d_is_conv2d_on_a_row(n, groups, cg, og, k, stride, dilation, padding, extra, seed):
    if padding == "same":
        stride = 1
    rng = np.random.default_rng(seed)
    length = dilation * (k - 1) + 1 + extra
    x, w, b = rng.standard_normal((n, groups * cg, length)), rng.standard_normal((groups * og, cg, k)), None
    y = NF.conv1d(T(x), T(w), b, stride, padding, dilation, groups)
    pads = resolve_padding(padding, (1, k), (1, dilation))
    if isinstance(padding, int):
        pads = (0, 0, padding, padding)
    elif isinstance(padding, tuple):
        pads = (0, 0) + padding
    ref = conv2d_general_ref(x[:, :, None], w[:, :, None], b, (1, stride), pads, (1, dilation), groups)[:, :, 0]
    np.testing.assert_allclose(y.data, ref, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x_, w_: NF.conv1d(x_, w_, None, stride, padding, dilation, groups), (T(x), T(w)))
    # unbatched (C, L)
    np.testing.assert_allclose(NF.conv1d(T(x[0]), T(w), None, stride, padding, dilation, groups).data, ref[0])


@st.composite
def transpose_configs(draw):
    groups, cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    op = (draw(st.integers(0, max(s[0], d[0]) - 1)), draw(st.integers(0, max(s[1], d[1]) - 1)))
    hw = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    out = tuple((hw[a] - 1) * s[a] - 2 * p[a] + d[a] * (k[a] - 1) + op[a] + 1 for a in range(2))
    if min(out) < 1:
        p = (0, 0)
    return (draw(st.integers(1, 2)), groups * cg) + hw, (groups * cg, og) + k, s, p, op, groups, d


@given(cfg=transpose_configs(), bias=st.booleans(), seed=st.integers(0, 2**31))
def test_conv_transpose2d_is_the_adjoint_of_conv2d_and_gradchecks(cfg, bias, seed):
    """<conv_transpose2d(y, w), x> = <y, conv2d(x, w)> for x of the transposed output's size (no bias)."""
    xshape, wshape, s, p, op, groups, d = cfg
    rng = np.random.default_rng(seed)
    y_in, w = rng.standard_normal(xshape), rng.standard_normal(wshape)
    out = NF.conv_transpose2d(T(y_in), T(w), None, s, p, op, groups, d)
    h, wd = xshape[2:]
    assert out.shape[2:] == tuple((xshape[2 + a] - 1) * s[a] - 2 * p[a] + d[a] * (wshape[2 + a] - 1) + op[a] + 1
                                  for a in range(2))
    x = rng.standard_normal(out.shape)
    # the same array is conv2d's weight (out = Cin, in / groups = Cout / groups, kh, kw): Cout -> Cin channels
    og = wshape[1]
    fwd = NF.conv2d(T(x), T(w), None, s, p, d, groups).data
    # NOTE: with output_padding >= stride (allowed below the dilation) conv2d gives more positions than H, W;
    # the transposed convolution is the adjoint of conv2d restricted to the first H x W of them
    assert fwd.shape[:2] == xshape[:2] and fwd.shape[2] >= h and fwd.shape[3] >= wd
    assert np.sum(out.data * x) == pytest.approx(np.sum(y_in * fwd[:, :, :h, :wd]), rel=1e-9, abs=1e-9)
    b = rng.standard_normal(groups * og) if bias else None
    if bias:
        with_bias = NF.conv_transpose2d(T(y_in), T(w), T(b), s, p, op, groups, d)
        np.testing.assert_allclose(with_bias.data, out.data + b[:, None, None], atol=1e-12)
    args = (T(y_in), T(w)) + ((T(b),) if bias else ())
    assert gradcheck(lambda x_, w_, *b_: NF.conv_transpose2d(x_, w_, b_[0] if b_ else None, s, p, op, groups, d), args)


def test_conv_transpose2d_second_derivatives_and_unbatched():
    rng = np.random.default_rng(4)
    x, w, b = T(rng.standard_normal((1, 2, 2, 3))), T(rng.standard_normal((2, 2, 2, 2))), T(rng.standard_normal(4))
    f = lambda x_, w_, b_: NF.conv_transpose2d(x_, w_, b_, 2, 1, 1, 2, 1)  # noqa: E731
    assert gradgradcheck(f, (x, w, b))
    np.testing.assert_allclose(NF.conv_transpose2d(x[0], w, b, 2, 1, 1, 2).data, f(x, w, b).data[0])


def test_conv_errors_name_the_op_and_shapes():
    x = T(np.zeros((1, 4, 5, 5)))
    with pytest.raises(am.ShapeError, match=r"conv2d: with groups=3, the input channels \(4, input \(1, 4, 5, 5\)\)"):
        NF.conv2d(x, T(np.zeros((3, 1, 3, 3))), groups=3)
    with pytest.raises(am.ShapeError, match=r"conv2d: input \(1, 4, 5, 5\) has 4 channels but weight \(4, 1, 3, 3\) "
                                            r"with groups=2 expects 2"):
        NF.conv2d(x, T(np.zeros((4, 1, 3, 3))), groups=2)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        NF.conv2d(x, T(np.zeros((4, 4, 3, 3))), stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be"):
        NF.conv2d(x, T(np.zeros((4, 4, 3, 3))), padding="full")
    with pytest.raises(ValueError, match="groups must be a positive int"):
        NF.conv2d(x, T(np.zeros((4, 4, 3, 3))), groups=0)
    with pytest.raises(am.ShapeError, match=r"spanning \(5, 5\) with dilation \(2, 2\)"):
        NF.conv2d(T(np.zeros((1, 4, 4, 4))), T(np.zeros((4, 4, 3, 3))), dilation=2)
    with pytest.raises(am.ShapeError, match=r"conv1d expects input \(N, C, L\)"):
        NF.conv1d(x, T(np.zeros((4, 4, 3))))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(2, 0\) must be smaller"):
        NF.conv_transpose2d(x, T(np.zeros((4, 1, 3, 3))), stride=2, output_padding=(2, 0))
    with pytest.raises(am.ShapeError, match=r"conv_transpose2d: input \(1, 4, 5, 5\) has 4 channels but weight"):
        NF.conv_transpose2d(x, T(np.zeros((3, 1, 3, 3))))
    with pytest.raises(am.ShapeError, match="empty output"):
        NF.conv_transpose2d(T(np.zeros((1, 1, 1, 1))), T(np.zeros((1, 1, 1, 1))), padding=1)
    with pytest.raises(ValueError, match="in_channels .* divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels .* divisible by groups"):
        nn.ConvTranspose2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode='reflect' is not supported"):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")


def test_conv_modules_shapes_and_repr():
    am.manual_seed(0)
    conv = nn.Conv2d(4, 6, 3, padding="same", dilation=2, groups=2, bias=False)
    assert conv.weight.shape == (6, 2, 3, 3) and conv.bias is None
    assert conv(am.Tensor(np.zeros((2, 4, 7, 5), dtype=np.float32))).shape == (2, 6, 7, 5)
    assert repr(conv) == "Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), padding='same', dilation=(2, 2), groups=2, bias=False)"
    c1 = nn.Conv1d(2, 4, 3, stride=2, padding=1)
    assert c1.weight.shape == (4, 2, 3) and c1(am.Tensor(np.zeros((3, 2, 9), dtype=np.float32))).shape == (3, 4, 5)
    assert nn.Conv1d(2, 4, 3, padding=(2, 0))(am.Tensor(np.zeros((1, 2, 5), dtype=np.float32))).shape == (1, 4, 5)
    ct = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    assert ct.weight.shape == (4, 3, 3, 3) and ct.bias.shape == (6,)
    x = am.Tensor(np.zeros((1, 4, 5, 5), dtype=np.float32))
    assert ct(x).shape == (1, 6, 10, 10)
    assert ct(x, output_size=(9, 10)).shape == (1, 6, 9, 10)
    with pytest.raises(ValueError, match="not reachable"):
        ct(x, output_size=(12, 12))


# ----- against PyTorch ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def torch_compare(torch, ours_fn, torch_fn, *arrays, seed=0):
    """Forward values and the gradients of every input (random upstream weights), float64."""
    ours_in = [T(a) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours_fn(*ours_in), torch_fn(*theirs_in)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(seed).standard_normal(ty.shape)
    (y * am.Tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-10, err_msg=f"input {i}")


@given(cfg=general_conv_configs(), seed=st.integers(0, 2**31))
def test_conv2d_against_torch(torch, cfg, seed):
    xshape, wshape, stride, padding, dilation, groups = cfg
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(xshape), rng.standard_normal(wshape), rng.standard_normal(wshape[0])
    F = torch.nn.functional
    if isinstance(padding, tuple) and len(padding) == 4:  # torch's conv2d has no asymmetric padding: pad first
        torch_fn = lambda x_, w_, b_: F.conv2d(F.pad(x_, padding), w_, b_, stride, 0, dilation, groups)  # noqa: E731
    else:
        torch_fn = lambda x_, w_, b_: F.conv2d(x_, w_, b_, stride, padding, dilation, groups)  # noqa: E731
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that padding='same' with even kernels copies the input
        torch_compare(torch, lambda x_, w_, b_: NF.conv2d(x_, w_, b_, stride, padding, dilation, groups), torch_fn,
                      x, w, b, seed=seed)


@given(n=st.integers(1, 2), groups=st.integers(1, 2), cg=st.integers(1, 2), og=st.integers(1, 2),
       k=st.integers(1, 3), stride=st.integers(1, 2), dilation=st.integers(1, 2), padding=st.integers(0, 2),
       extra=st.integers(0, 3), seed=st.integers(0, 2**31))
def test_conv1d_against_torch(torch, n, groups, cg, og, k, stride, dilation, padding, extra, seed):
    rng = np.random.default_rng(seed)
    length = max(1, dilation * (k - 1) + 1 + extra - 2 * padding)
    x, w, b = rng.standard_normal((n, groups * cg, length)), rng.standard_normal((groups * og, cg, k)), rng.standard_normal(groups * og)
    torch_compare(torch, lambda x_, w_, b_: NF.conv1d(x_, w_, b_, stride, padding, dilation, groups),
                  lambda x_, w_, b_: torch.nn.functional.conv1d(x_, w_, b_, stride, padding, dilation, groups),
                  x, w, b, seed=seed)


@given(cfg=transpose_configs(), seed=st.integers(0, 2**31))
def test_conv_transpose2d_against_torch(torch, cfg, seed):
    xshape, wshape, s, p, op, groups, d = cfg
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(xshape), rng.standard_normal(wshape), rng.standard_normal(wshape[1] * groups)
    torch_compare(torch, lambda x_, w_, b_: NF.conv_transpose2d(x_, w_, b_, s, p, op, groups, d),
                  lambda x_, w_, b_: torch.nn.functional.conv_transpose2d(x_, w_, b_, s, p, op, groups, d),
                  x, w, b, seed=seed)


MODULES = [
    ("conv1d", lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2), (2, 4, 11)),
    ("conv1d_same", lambda m: m.Conv1d(3, 2, 4, padding="same", bias=False), (2, 3, 7)),
    ("conv2d_depthwise", lambda m: m.Conv2d(4, 8, 3, padding=1, groups=4), (2, 4, 6, 5)),
    ("conv2d_dilated_same", lambda m: m.Conv2d(2, 3, (3, 2), padding="same", dilation=(1, 2)), (1, 2, 6, 6)),
    ("conv2d_valid", lambda m: m.Conv2d(2, 3, 2, stride=(2, 1), padding="valid"), (2, 2, 5, 4)),
    ("conv_transpose2d", lambda m: m.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), (2, 4, 3, 4)),
    ("conv_transpose2d_dilated", lambda m: m.ConvTranspose2d(2, 3, (2, 3), stride=(1, 2), dilation=2, bias=False), (1, 2, 3, 3)),
]


@pytest.mark.parametrize("name, make, shape", MODULES, ids=[m[0] for m in MODULES])
def test_conv_modules_load_torch_state_dicts(torch, name, make, shape):
    import warnings

    torch.manual_seed(0)
    theirs, ours = make(torch.nn).double(), make(nn)
    assert [(k, p.shape) for k, p in ours.named_parameters()] == [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    ours.double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape)
    ox, tx = T(x), torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, ty = ours(ox), theirs(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(1).standard_normal(ty.shape)
    (y * am.Tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    for (k, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-10, atol=1e-10, err_msg=k)


def test_conv_modules_default_init_bounds_match_torch(torch):
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.shape[1] * kernel area (groups and the transposed
    layout included): the largest |value| of many draws approaches the same bound in ours and in torch's."""
    am.manual_seed(0)
    torch.manual_seed(0)
    pairs = [
        (nn.Conv2d(8, 512, 2, groups=4), torch.nn.Conv2d(8, 512, 2, groups=4), 1 / np.sqrt(2 * 4)),
        (nn.Conv1d(2, 600, 4), torch.nn.Conv1d(2, 600, 4), 1 / np.sqrt(2 * 4)),
        (nn.ConvTranspose2d(600, 4, 2, groups=2), torch.nn.ConvTranspose2d(600, 4, 2, groups=2), 1 / np.sqrt(2 * 4)),
    ]
    for ours_m, torch_m, bound in pairs:
        for (name, p), (tname, tp) in zip(ours_m.named_parameters(), torch_m.named_parameters()):
            assert name == tname and p.shape == tuple(tp.shape)
            if name == "weight":
                for values in (p.data, tp.detach().numpy()):
                    assert bound * 0.97 < np.abs(values).max() <= bound
