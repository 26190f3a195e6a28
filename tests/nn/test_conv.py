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
