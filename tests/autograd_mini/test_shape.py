"""Shape functions: forward against numpy/PyTorch, gradcheck on hypothesis shapes, axis range errors, pad modes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import autograd_mini as am
from autograd_mini import ShapeError, Tensor, gradcheck, gradgradcheck
from autograd_mini.testing import tensors, valid_axes

try:
    import torch
except ImportError:  # pragma: no cover - the PyTorch comparisons skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def close(y, expected):
    expected = np.asarray(expected)
    assert isinstance(y, Tensor) and y.shape == expected.shape
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)


def check(fn, x, expected):
    close(fn(x), expected)
    assert gradcheck(fn, (x,))


# ***** the shape table: ours, numpy reference, on hypothesis tensors *****


@st.composite
def case(draw, min_dims=1, max_dims=3):
    x = draw(tensors(min_dims=min_dims, max_dims=max_dims), label="x")
    return x, draw(st.data())


@given(args=case())
def test_repeat_tile(args):
    x, data = args
    extra = data.draw(st.integers(0, 2))
    sizes = tuple(data.draw(st.integers(0, 3)) for _ in range(x.ndim + extra))
    check(lambda t: t.repeat(*sizes), x, np.tile(x.numpy(), sizes))
    check(lambda t: am.repeat(t, sizes), x, np.tile(x.numpy(), sizes))
    dims = sizes[: data.draw(st.integers(0, len(sizes)))]
    check(lambda t: am.tile(t, dims), x, np.tile(x.numpy(), dims))


@given(args=case())
def test_flip_roll(args):
    x, data = args
    dims = data.draw(valid_axes(x.ndim, allow_none=False))
    check(lambda t: am.flip(t, dims), x, np.flip(x.numpy(), dims))
    dim = data.draw(valid_axes(x.ndim, single=True))
    shift = data.draw(st.integers(-7, 7))
    check(lambda t: am.roll(t, shift, dim), x, np.roll(x.numpy(), shift, dim))
    check(lambda t: t.roll(shift), x, np.roll(x.numpy(), shift))
    check(lambda t: am.roll(t, (shift, 1), (dim, 0)), x, np.roll(x.numpy(), (shift, 1), (dim, 0)))


@given(args=case(min_dims=2))
def test_tril_triu_diagonal(args):
    x, data = args
    k = data.draw(st.integers(-4, 4))
    check(lambda t: am.tril(t, k), x, np.tril(x.numpy(), k))
    check(lambda t: t.triu(k), x, np.triu(x.numpy(), k))
    d1, d2 = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=2, max_size=2).filter(
        lambda d: d[0] % x.ndim != d[1] % x.ndim))
    check(lambda t: am.diagonal(t, k, d1, d2), x, np.diagonal(x.numpy(), k, d1, d2))


@given(x=tensors(shape=array_shapes(min_dims=1, max_dims=2, max_side=4)), k=st.integers(-3, 3))
def test_diag(x, k):
    check(lambda t: am.diag(t, k), x, np.diag(x.numpy(), k))
    assert gradgradcheck(lambda t: am.diag(t, k) ** 2, (x,))


@given(args=case())
def test_repeat_interleave(args):
    x, data = args
    r = data.draw(st.integers(0, 3))
    check(lambda t: am.repeat_interleave(t, r), x, np.repeat(x.numpy(), r))
    dim = data.draw(valid_axes(x.ndim, single=True))
    counts = np.array(data.draw(st.lists(st.integers(0, 3), min_size=x.shape[dim], max_size=x.shape[dim])), dtype=np.int64)
    check(lambda t: t.repeat_interleave(counts, dim), x, np.repeat(x.numpy(), counts, axis=dim))


@given(args=case(max_dims=4))
def test_permute_movedim_swap(args):
    x, data = args
    perm = data.draw(st.permutations(range(x.ndim)))
    check(lambda t: t.permute(*perm), x, np.transpose(x.numpy(), perm))
    check(lambda t: am.permute(t, perm), x, np.transpose(x.numpy(), perm))
    src = data.draw(valid_axes(x.ndim, allow_none=False, min_size=1))
    n = 1 if isinstance(src, int) else len(src)
    dst = data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=n, max_size=n, unique=True))
    dst = dst[0] if isinstance(src, int) else dst
    check(lambda t: am.movedim(t, src, dst), x, np.moveaxis(x.numpy(), src, dst))
    a, b = data.draw(valid_axes(x.ndim, single=True)), data.draw(valid_axes(x.ndim, single=True))
    check(lambda t: t.swapdims(a, b), x, np.swapaxes(x.numpy(), a, b))


@given(args=case(max_dims=4))
def test_flatten_unflatten_squeeze_unsqueeze(args):
    x, data = args
    s, e = sorted(data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=2, max_size=2)))
    shape = x.shape[:s] + (-1,) + x.shape[e + 1:]
    check(lambda t: t.flatten(start_dim=s, end_dim=e), x, x.numpy().reshape(shape))
    dim = data.draw(valid_axes(x.ndim, single=True))
    n = x.shape[dim]
    sizes = (1, n, 1) if data.draw(st.booleans()) else (-1, 1)
    full = tuple(n if v == -1 else v for v in sizes)
    check(lambda t: t.unflatten(dim, sizes), x, x.numpy().reshape(x.shape[:dim % x.ndim] + full + x.shape[dim % x.ndim + 1:]))
    new = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check(lambda t: t.unsqueeze(new), x, np.expand_dims(x.numpy(), new))
    check(lambda t: am.expand_dims(t, dim=new), x, np.expand_dims(x.numpy(), new))
    axes = data.draw(valid_axes(x.ndim))
    ref = x.numpy()
    if axes is not None:
        drop = tuple(a for a in np.atleast_1d(axes) if x.shape[a] == 1)  # PyTorch: non-1 axes are left alone
        ref = np.squeeze(ref, drop)
    else:
        ref = np.squeeze(ref)
    check(lambda t: t.squeeze(dim=axes), x, ref)


@given(args=case())
def test_expand(args):
    x, data = args
    lead = tuple(data.draw(st.integers(1, 3)) for _ in range(data.draw(st.integers(0, 2))))
    sizes = lead + tuple(data.draw(st.sampled_from([-1, n])) if n != 1 else data.draw(st.sampled_from([-1, 1, 3]))
                         for n in x.shape)
    target = lead + tuple(n if s == -1 else s for s, n in zip(sizes[len(lead):], x.shape))
    check(lambda t: t.expand(*sizes), x, np.broadcast_to(x.numpy(), target))


@given(args=case())
def test_unfold_windows(args):
    x, data = args
    dim = data.draw(valid_axes(x.ndim, single=True))
    size = data.draw(st.integers(1, x.shape[dim]))
    step = data.draw(st.integers(1, 3))
    win = np.lib.stride_tricks.sliding_window_view(x.numpy(), size, axis=dim)
    a = dim % x.ndim  # NOTE: sliding_window_view appends the window axis, so a negative dim would point at it
    ref = np.take(win, np.arange(0, win.shape[a], step), axis=a)
    check(lambda t: t.unfold(dim, size, step), x, ref)


@given(args=case(max_dims=3))
def test_cat_stack_dim(args):
    x, data = args
    y = data.draw(tensors(x.shape))
    dim = data.draw(valid_axes(x.ndim, single=True))
    close(am.cat([x, y], dim=dim), np.concatenate([x.numpy(), y.numpy()], axis=dim))
    close(am.concat([x, y], dim), np.concatenate([x.numpy(), y.numpy()], axis=dim))
    new = data.draw(st.integers(-x.ndim - 1, x.ndim))
    close(am.stack([x, y], dim=new), np.stack([x.numpy(), y.numpy()], axis=new))
    assert gradcheck(lambda a, b: am.stack([a, b], dim=new), (x, y))


@needs_torch
def test_shape_functions_like_torch():
    data = np.random.default_rng(0).standard_normal((2, 3, 4))
    x, t = Tensor(data), torch.tensor(data)
    pairs = [
        (x.repeat(2, 1, 1, 2), t.repeat(2, 1, 1, 2)), (am.tile(x, (2,)), torch.tile(t, (2,))),
        (am.flip(x, (0, 2)), torch.flip(t, (0, 2))), (am.roll(x, (1, -5), (0, 2)), torch.roll(t, (1, -5), (0, 2))),
        (am.roll(x, 3), torch.roll(t, 3)), (am.tril(x, -1), torch.tril(t, -1)), (am.triu(x, 1), torch.triu(t, 1)),
        (am.diagonal(x, 1, 2, 0), torch.diagonal(t, 1, 2, 0)), (am.diag(x[0], -1), torch.diag(t[0], -1)),
        (am.diag(x[0, 0], 2), torch.diag(t[0, 0], 2)), (x.unfold(2, 2, 1), t.unfold(2, 2, 1)),
        (am.repeat_interleave(x, 2, 1), torch.repeat_interleave(t, 2, 1)),
        (am.repeat_interleave(x, [1, 0, 2], 1), torch.repeat_interleave(t, torch.tensor([1, 0, 2]), 1)),
        (am.movedim(x, (0, 1), (2, 0)), torch.movedim(t, (0, 1), (2, 0))), (x.permute(2, 0, 1), t.permute(2, 0, 1)),
        (x.unflatten(2, (2, -1)), t.unflatten(2, (2, -1))), (x[:, :1].expand(5, -1, 3, -1), t[:, :1].expand(5, -1, 3, -1)),
        (x.squeeze(1), t.squeeze(1)), (x[:, :1].squeeze((0, 1)), t[:, :1].squeeze((0, 1))),
        (x.flatten(start_dim=1), t.flatten(start_dim=1)), (x.swapdims(0, 2), t.swapdims(0, 2)),
    ]
    for ours, theirs in pairs:
        close(ours, theirs.numpy())


# ***** defects: out-of-range axes, 0-d tensors, squeeze of a non-1 axis *****


def test_out_of_range_axis_raises_for_stack_and_expand_dims():
    with pytest.raises(ShapeError, match="stack: axis 77 is out of range .* 3 dimensions"):
        am.stack([am.ones((45, 65, 3))], axis=77)
    with pytest.raises(ShapeError, match="expand_dims: axis 9 is out of range"):
        am.expand_dims(am.ones((2, 3)), 9)
    with pytest.raises(ShapeError, match="axis -4 is out of range"):
        am.unsqueeze(am.ones((2, 3)), -4)


BAD_AXIS_CALLS = [
    ("concatenate", lambda x, a: am.concatenate([x, x], a)), ("cat", lambda x, a: am.cat([x, x], dim=a)),
    ("squeeze", lambda x, a: am.squeeze(x, a)), ("flatten", lambda x, a: am.flatten(x, a)),
    ("flatten_end", lambda x, a: am.flatten(x, 0, a)), ("swapaxes", lambda x, a: am.swapaxes(x, 0, a)),
("flip", lambda x, a: am.flip(x, a)),
    ("roll", lambda x, a: am.roll(x, 1, a)), ("movedim", lambda x, a: am.movedim(x, a, 0)),
    ("unflatten", lambda x, a: am.unflatten(x, a, (1, -1))), ("diagonal", lambda x, a: am.diagonal(x, 0, 0, a)),
    ("repeat_interleave", lambda x, a: am.repeat_interleave(x, 2, a)), ("unfold", lambda x, a: x.unfold(a, 1, 1)),
    ("gather", lambda x, a: am.gather(x, a, np.zeros((2, 3), dtype=np.int64))),
    ("index_select", lambda x, a: am.index_select(x, a, [0])), ("sort", lambda x, a: am.sort(x, a)),
    ("argsort", lambda x, a: am.argsort(x, a)), ("topk", lambda x, a: am.topk(x, 1, a)),
    ("softmax", lambda x, a: am.softmax(x, a)), ("log_softmax", lambda x, a: am.log_softmax(x, a)),
    ("scatter_add", lambda x, a: am.scatter_add(x, a, np.zeros((2, 3), dtype=np.int64), x)),
]


@pytest.mark.parametrize("name, call", BAD_AXIS_CALLS, ids=[c[0] for c in BAD_AXIS_CALLS])
@pytest.mark.parametrize("bad", [2, -3, 9])
def test_every_axis_argument_is_range_checked(name, call, bad):
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=f"axis {bad} is out of range"):
        call(x, bad)


def test_transpose_rejects_out_of_range_axes():
    for bad in (2, -3, 9):
        with pytest.raises(ShapeError, match="not a permutation of the 2 axes"):
            am.transpose(Tensor(np.ones((2, 3))), 0, bad)


def test_squeeze_of_a_non_one_axis_is_a_no_op():
    x = Tensor(np.ones((2, 1, 3)))
    assert am.squeeze(x, 0).shape == (2, 1, 3)
    assert am.squeeze(x, (0, 1)).shape == (2, 3)
    assert x.squeeze(dim=2).shape == (2, 1, 3)


@pytest.mark.parametrize("axis", [0, -1])
def test_zero_dim_shape_functions(axis):
    x = Tensor(2.0, requires_grad=True)
    assert am.squeeze(x, axis).shape == ()
    assert am.unsqueeze(x, axis).shape == (1,)
    assert am.flip(x, axis).shape == ()
    assert am.flatten(x).shape == (1,)
    assert am.stack([x, x], axis).shape == (2,)
    with pytest.raises(ShapeError, match="0-d"):
        am.squeeze(x, 1)


# ***** pad *****

PAD_MODES = ["constant", "reflect", "replicate", "circular"]


@pytest.mark.parametrize("mode", PAD_MODES)
@given(x=tensors(min_dims=1, max_dims=3, min_side=3), data=st.data())
def test_pad_modes(mode, x, data):
    widths = [(data.draw(st.integers(-1, 1 if mode == "reflect" else 3)), data.draw(st.integers(-1, 1 if mode == "reflect" else 3)))
              for _ in range(x.ndim)]
    cropped = x.numpy()[tuple(slice(-min(b, 0), n + min(a, 0)) for (b, a), n in zip(widths, x.shape))]
    pos = [(max(b, 0), max(a, 0)) for b, a in widths]
    np_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    kw = {"constant_values": 0.5} if mode == "constant" else {}
    ref = np.pad(cropped, pos, mode=np_mode, **kw)
    check(lambda t: am.pad(t, widths, mode=mode, value=0.5), x, ref)


@needs_torch
@pytest.mark.parametrize("mode", PAD_MODES)
def test_nn_functional_pad_like_torch(mode):
    import torch.nn.functional as TF
    from nn import functional as F

    data = np.random.default_rng(1).standard_normal((2, 3, 5, 4))
    pads = [(2, 1, 1, -1), (0, 1, 2, 0), (-1, 1, 0, 0)] + ([(1, 2), (1, 0, 0, 1, 1, 0)] if mode == "constant" else [])
    for pad in pads:  # NOTE: PyTorch's non-constant modes on 4-D input take exactly 2 axes
        kw = {"value": 0.25} if mode == "constant" else {}
        theirs = TF.pad(torch.tensor(data), pad, mode=mode, **kw).numpy()
        x = Tensor(data, requires_grad=True)
        close(F.pad(x, pad, mode=mode, **kw), theirs)
        t = torch.tensor(data, requires_grad=True)
        w = np.random.default_rng(2).standard_normal(theirs.shape)
        (F.pad(x, pad, mode=mode, **kw) * w).sum().backward()
        (TF.pad(t, pad, mode=mode, **kw) * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_pad_errors():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="mode must be one of"):
        am.pad(x, 1, mode="mirror")
    with pytest.raises(ShapeError, match="crop more than"):
        am.pad(x, ((0, 0), (-2, -2)))
    with pytest.raises(ShapeError, match="does not fit"):
        am.pad(x, ((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ShapeError, match="mode 'reflect' needs more entries along axis 0 than 1"):
        am.pad(x, ((1, -1), (0, 0)), mode="reflect")  # as PyTorch: nothing to reflect in one entry
    from nn import functional as F

    with pytest.raises(ValueError, match="even number"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ShapeError, match=r"3 \(left, right\) pairs for 2 dimensions"):
        F.pad(x, (1, 1, 1, 1, 1, 1))


@needs_torch
def test_int_and_bool_dtypes_like_torch():
    a = np.array([[3, 1, 2], [0, 5, 4]], dtype=np.int32)
    b = a > 2
    x, t, xb, tb = Tensor(a), torch.tensor(a), Tensor(b), torch.tensor(b)
    pairs = [
        (x.repeat(2, 1), t.repeat(2, 1)), (am.flip(x, 0), torch.flip(t, (0,))), (am.roll(xb, 1, 1), torch.roll(tb, 1, 1)),
        (am.tril(x), torch.tril(t)), (am.triu(xb), torch.triu(tb)), (am.diag(x), torch.diag(t)),
        (xb[:, :1].expand(2, 4), tb[:, :1].expand(2, 4)), (am.pad(x, 1, value=7), torch.nn.functional.pad(t, (1, 1, 1, 1), value=7)),
        (x.unfold(1, 2, 1), t.unfold(1, 2, 1)), (am.repeat_interleave(xb, 2), torch.repeat_interleave(tb, 2)),
        (am.movedim(x, 0, 1), torch.movedim(t, 0, 1)), (am.cat([x, x], dim=1), torch.cat([t, t], dim=1)),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
