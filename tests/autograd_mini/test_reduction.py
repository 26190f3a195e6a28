"""Reductions and scans: forward against numpy/PyTorch, gradcheck (float64, hypothesis shapes), second order where
smooth, zeros for prod/cumprod, ties, int/bool dtypes, dim/keepdim aliases, the 0-d and out-of-range axis rules."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import ShapeError, Tensor, gradcheck, gradgradcheck
from autograd_mini.testing import distinct_values, tensors, valid_axes

try:
    import torch
except ImportError:  # pragma: no cover - the PyTorch comparisons skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def close(y, expected, rtol=1e-10, atol=1e-12):
    expected = np.asarray(expected)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.numpy(), expected, rtol=rtol, atol=atol)


def backward_weighted(y, seed=0):
    w = np.random.default_rng(seed).standard_normal(y.shape)
    (y * w).sum().backward()
    return w


# ***** prod *****


# NOTE: |x| in [0.5, 1.25] keeps a product of up to 27 elements near 1 (1.25 ** 27 = 414), where the finite
# differences of gradgradcheck resolve 1e-5; with |x| up to 2 a product of 27 reaches 1e7, and rounding alone
# moves the numeric second derivative by 3e-5.
@given(x=tensors(elements=(-1.25, 1.25), avoid=0, margin=0.5, max_dims=3, max_side=3), data=st.data())
def test_prod(x, data):
    axis, keepdims = data.draw(valid_axes(x.ndim)), data.draw(st.booleans())
    close(am.prod(x, axis, keepdims), np.prod(x.numpy(), axis=axis, keepdims=keepdims))
    assert gradcheck(lambda t: am.prod(t, axis, keepdims), (x,))
    assert gradgradcheck(lambda t: am.prod(t, axis, keepdims), (x,))


@pytest.mark.parametrize("data", [[[1.0, 0.0, 3.0], [0.0, 0.0, 2.0], [1.0, 2.0, 3.0]], [[0.0, 2.0, -1.5]]])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_prod_gradient_with_zeros(data, axis):
    """One zero and several zeros in a slice, as PyTorch: the product of the others at a lone zero, else 0."""
    x = Tensor(np.array(data), requires_grad=True)
    assert gradcheck(lambda t: am.prod(t, axis), (x,))
    assert gradgradcheck(lambda t: am.prod(t, axis), (x,))  # exact at zeros too (exclusive cumprods, no division)
    if torch is not None:
        t = torch.tensor(data, requires_grad=True, dtype=torch.float64)
        w = backward_weighted(am.prod(x, axis))
        ty = torch.prod(t) if axis in (None, (0, 1)) else torch.prod(t, axis)  # NOTE: torch.prod takes one dim
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_prod_one_zero_and_several_zeros_examples():
    x = Tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 6.0, 0.0])  # product of the others, at the zero
    y = Tensor([2.0, 0.0, 0.0], requires_grad=True)
    y.prod().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.0, 0.0])


def test_prod_ints_and_dtype():
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    assert am.prod(Tensor(a), 1).numpy().tolist() == [6, 120]
    y = am.prod(Tensor(a), dtype=np.float64)
    assert y.dtype == np.float64 and y.item() == 720.0


# ***** max / min / amax / amin and the dim= form *****


def test_min_integer_and_bool_defect():
    u = Tensor(np.array([0, 128, 255, 64, 32, 16], dtype=np.uint8))
    assert u.min().item() == 0
    assert am.min(Tensor(np.array([0, -2**31], dtype=np.int32))).item() == -2**31
    assert am.min(Tensor(np.array([True, False]))).item() is False
    assert am.max(Tensor(np.array([True, False]))).item() is True
    m = am.minimum(Tensor(np.array([0, 200], dtype=np.uint8)), Tensor(np.array([5, 100], dtype=np.uint8)))
    assert m.numpy().tolist() == [0, 100] and m.dtype == np.uint8
    assert am.minimum(Tensor(np.array([True, False])), Tensor(np.array([False, False]))).numpy().tolist() == [False, False]
    assert am.min(Tensor(np.array([[3, -7], [2**31 - 1, 0]], dtype=np.int32)), 1).numpy().tolist() == [-7, 0]


@given(x=distinct_values(min_dims=1, max_dims=3), data=st.data())
def test_max_min_dim_returns_values_and_indices(x, data):
    dim, keepdim = data.draw(valid_axes(x.ndim, single=True)), data.draw(st.booleans())
    for op, npf, arg in ((am.max, np.max, np.argmax), (am.min, np.min, np.argmin)):
        r = op(x, dim=dim, keepdim=keepdim)
        values, indices = r
        close(values, npf(x.numpy(), axis=dim, keepdims=keepdim))
        np.testing.assert_array_equal(indices.numpy(), arg(x.numpy(), axis=dim, keepdims=keepdim))
        assert r.values is values and indices.dtype == np.int64
        assert gradcheck(lambda t: op(t, dim=dim, keepdim=keepdim).values, (x,))
    close(x.max(dim=dim).values, np.max(x.numpy(), axis=dim))  # the method too


def test_max_axis_keeps_returning_values():
    x = Tensor([[1.0, 5.0], [3.0, 2.0]])
    assert isinstance(am.max(x, 1), Tensor) and isinstance(x.max(axis=1), Tensor)
    assert isinstance(x.max(1, keepdim=True), Tensor)
    close(am.max(x, Tensor([[2.0, 2.0], [2.0, 2.0]])), [[2.0, 5.0], [3.0, 2.0]])  # torch.max(a, b)


@needs_torch
def test_max_dim_gradient_goes_to_the_returned_index_like_torch():
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    x = Tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    w = backward_weighted(am.max(x, dim=1).values)
    (torch.max(t, dim=1).values * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


@needs_torch
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_ties_share_like_torch(op):
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]) * (1 if op == "amax" else -1)
    for dim in (None, 1, 0, (0, 1)):
        x = Tensor(data, requires_grad=True)
        t = torch.tensor(data, requires_grad=True)
        y = getattr(am, op)(x, dim) if dim is not None else getattr(am, op)(x)
        ty = getattr(torch, op)(t, dim) if dim is not None else getattr(torch, op)(t)
        close(y, ty.detach().numpy())
        w = backward_weighted(y)
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@given(x=distinct_values(max_dims=3), data=st.data())
def test_amax_amin(x, data):
    dim, keepdim = data.draw(valid_axes(x.ndim)), data.draw(st.booleans())
    ref_axis = None if dim == () else dim  # NOTE: torch.amax's dim=() means every axis
    close(am.amax(x, dim, keepdim), np.max(x.numpy(), axis=ref_axis, keepdims=keepdim))
    close(x.amin(dim, keepdim), np.min(x.numpy(), axis=ref_axis, keepdims=keepdim))
    assert gradcheck(lambda t: am.amax(t, dim, keepdim), (x,))


# ***** var / std / var_mean / std_mean *****


@given(x=tensors(min_dims=1, max_dims=3, min_side=2), data=st.data())
def test_var_std_correction(x, data):
    dim = data.draw(valid_axes(x.ndim, min_size=1))
    n = x.size if dim is None else int(np.prod([x.shape[d] for d in np.atleast_1d(dim)]))
    assume(n > 1)
    xd = x.numpy()
    close(am.var(x, dim), np.var(xd, axis=dim))                             # numpy spelling: ddof 0
    close(am.var(x, dim=dim, keepdim=False), np.var(xd, axis=dim, ddof=1))  # PyTorch spelling: correction 1
    close(am.var(x, dim, correction=0), np.var(xd, axis=dim))
    close(am.std(x, dim, unbiased=True), np.std(xd, axis=dim, ddof=1))
    close(x.std(dim=dim, unbiased=False), np.std(xd, axis=dim))
    v, m = am.var_mean(x, dim)
    close(v, np.var(xd, axis=dim, ddof=1))
    close(m, np.mean(xd, axis=dim))
    s, m = am.std_mean(x, dim, correction=0, keepdim=True)
    close(s, np.std(xd, axis=dim, keepdims=True))
    assert gradcheck(lambda t: am.var_mean(t, dim)[0] + am.std_mean(t, dim)[1], (x,))
    assert gradgradcheck(lambda t: am.var(t, dim=dim, keepdim=True), (x,))


@needs_torch
def test_var_mean_like_torch():
    data = np.random.default_rng(1).standard_normal((3, 4))
    v, m = am.var_mean(Tensor(data), 1)
    tv, tm = torch.var_mean(torch.tensor(data), 1)
    close(v, tv.numpy())
    close(m, tm.numpy())
    close(am.std(Tensor(data), dim=0), torch.std(torch.tensor(data), dim=0).numpy())


def test_var_rejects_two_corrections():
    with pytest.raises(TypeError, match="only one of"):
        am.var(Tensor([1.0, 2.0]), ddof=1, correction=1)


# ***** any / all / sum(dtype) / mean(dtype) / isclose / allclose *****


@given(x=tensors(dtype=np.int8, elements=(-2, 2), max_dims=3), data=st.data())
def test_any_all(x, data):
    dim, keepdim = data.draw(valid_axes(x.ndim)), data.draw(st.booleans())
    y = am.any(x, dim, keepdim)
    assert y.dtype == np.bool_
    np.testing.assert_array_equal(y.numpy(), np.any(x.numpy(), axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(x.all(dim=dim, keepdim=keepdim).numpy(), np.all(x.numpy(), axis=dim, keepdims=keepdim))


def test_sum_mean_dtype():
    b = Tensor(np.array([True, True, False]))
    assert am.sum(b).item() == 2
    y = b.sum(dtype=np.float32)
    assert y.dtype == np.float32 and y.item() == 2.0
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = am.mean(x, dtype=np.float64)
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32 and np.allclose(x.grad.numpy(), 0.5)


def test_isclose_allclose():
    a, b = Tensor([1.0, 2.0, np.nan]), Tensor([1.0 + 1e-9, 2.1, np.nan])
    assert am.isclose(a, b).numpy().tolist() == [True, False, False]
    assert a.isclose(b, equal_nan=True).numpy().tolist() == [True, False, True]
    assert am.allclose(Tensor([1.0]), Tensor([1.0 + 1e-9])) is True
    assert am.allclose(a, b) is False


# ***** norm *****


NORM_PS = [1, 2, 3, 0.5, np.inf, -np.inf, "fro"]


@pytest.mark.parametrize("p", NORM_PS, ids=[str(p) for p in NORM_PS])
@given(x=distinct_values(min_dims=1, max_dims=3, elements=(-3, 3), min_gap=0.05), data=st.data())
def test_norm(p, x, data):
    assume(np.all(np.abs(x.numpy()) > 0.02))  # away from the kink of |x|
    if p in (np.inf, -np.inf):  # no ties of |x|
        a = np.abs(x.numpy()).ravel()
        assume(len(np.unique(np.round(a, 6))) == a.size)
    dim, keepdim = data.draw(valid_axes(x.ndim, min_size=1)), data.draw(st.booleans())
    y = am.norm(x, p, dim, keepdim)
    xd = x.numpy()
    a = np.abs(xd)
    ref = {np.inf: lambda: np.max(a, axis=dim, keepdims=keepdim), -np.inf: lambda: np.min(a, axis=dim, keepdims=keepdim),
           "fro": lambda: np.sqrt(np.sum(a ** 2, axis=dim, keepdims=keepdim))}.get(
        p, lambda: np.sum(a ** p, axis=dim, keepdims=keepdim) ** (1 / p))()
    close(y, ref, rtol=1e-9)
    assert gradcheck(lambda t: am.norm(t, p, dim, keepdim), (x,))
    if p in (2, 3, "fro"):
        assert gradgradcheck(lambda t: am.norm(t, p, dim, keepdim), (x,))


@needs_torch
@pytest.mark.parametrize("p", NORM_PS + [0], ids=[str(p) for p in NORM_PS + [0]])
def test_norm_like_torch(p):
    data = np.array([[1.0, -2.0, 0.0], [3.0, 0.5, -0.25]])
    for dim in (None, 0, 1, (0, 1)):
        x, t = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        y, ty = am.norm(x, p, dim), torch.norm(t, p=p, dim=dim)
        close(y, ty.detach().numpy(), rtol=1e-12)
        if p != 0.5:  # NOTE: |x|^(p-1) at the zero entry is inf for p < 1 in both libraries
            w = backward_weighted(y)
            (ty * torch.tensor(w)).sum().backward()
            expected = np.zeros_like(data) if t.grad is None else t.grad.numpy()  # NOTE: p=0: no gradient in torch
            np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_norm_of_zeros_has_zero_gradient():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    am.norm(x, dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)
    with pytest.raises(TypeError, match="floating"):
        am.norm(Tensor([1, 2]))


# ***** median *****


@given(x=distinct_values(min_dims=1, max_dims=3), data=st.data())
def test_median(x, data):
    flat = np.sort(x.numpy().ravel())
    close(am.median(x), flat[(flat.size - 1) // 2])
    assert gradcheck(am.median, (x,))
    dim, keepdim = data.draw(valid_axes(x.ndim, single=True)), data.draw(st.booleans())
    values, indices = x.median(dim, keepdim)
    n = x.shape[dim]
    ref = np.take(np.sort(x.numpy(), axis=dim), [(n - 1) // 2], axis=dim)
    close(values, ref if keepdim else ref.squeeze(dim))
    np.testing.assert_array_equal(
        np.take_along_axis(x.numpy(), indices.numpy() if keepdim else np.expand_dims(indices.numpy(), dim), dim),
        ref)
    assert gradcheck(lambda t: am.median(t, dim, keepdim).values, (x,))


@needs_torch
def test_median_like_torch():
    data = np.array([[3.0, 1.0, 2.0, 5.0], [4.0, 4.0, 1.0, 0.0]])
    close(am.median(Tensor(data)), torch.median(torch.tensor(data)).numpy())
    v, i = am.median(Tensor(data), 1)
    tv, ti = torch.median(torch.tensor(data), 1)
    close(v, tv.numpy())
    np.testing.assert_array_equal(np.take_along_axis(data, i.numpy()[:, None], 1), np.take_along_axis(data, ti.numpy()[:, None], 1))


# ***** scans *****


@given(x=tensors(min_dims=1, max_dims=3), data=st.data())
def test_cumsum(x, data):
    dim = data.draw(valid_axes(x.ndim, single=True))
    close(am.cumsum(x, dim=dim), np.cumsum(x.numpy(), axis=dim))
    close(x.cumsum(dim), np.cumsum(x.numpy(), axis=dim))
    close(am.cumsum(x), np.cumsum(x.numpy()))  # no axis: flattened, as numpy
    close(am.cumsum(x, dim, reverse=True), np.flip(np.cumsum(np.flip(x.numpy(), dim), axis=dim), dim))
    assert gradcheck(lambda t: am.cumsum(t, dim), (x,))
    assert gradcheck(lambda t: am.cumsum(t, dim, reverse=True), (x,))
    assert gradgradcheck(lambda t: am.cumsum(t, dim) ** 2, (x,))


@given(x=tensors(min_dims=1, max_dims=3, elements=(-2, 2), avoid=0, margin=0.1), data=st.data())
def test_cumprod(x, data):
    dim = data.draw(valid_axes(x.ndim, single=True))
    close(am.cumprod(x, dim), np.cumprod(x.numpy(), axis=dim))
    assert gradcheck(lambda t: am.cumprod(t, dim), (x,))
    assert gradgradcheck(lambda t: am.cumprod(t, dim), (x,))


ZERO_ROWS = [[0.0, 2.0, 3.0, 4.0], [2.0, 0.0, 3.0, 0.0], [1.5, -2.0, 0.0, 0.0], [2.0, 3.0, 4.0, 0.0], [0.0, 0.0, 0.0, 1.0]]


@pytest.mark.parametrize("row", ZERO_ROWS)
def test_cumprod_gradient_with_zeros(row):
    x = Tensor(np.array([row, row[::-1]]), requires_grad=True)
    assert gradcheck(lambda t: am.cumprod(t, 1), (x,))
    if torch is not None:
        t = torch.tensor([row, row[::-1]], requires_grad=True, dtype=torch.float64)
        w = backward_weighted(am.cumprod(x, 1))
        (torch.cumprod(t, 1) * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_cumprod_second_derivative_at_a_zero_raises_instead_of_a_wrong_value():
    x = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    (g,) = am.grad(am.cumprod(x, 0).sum(), [x])  # first order: exact (gradcheck above)
    np.testing.assert_allclose(g.numpy(), [1.0, 2.0 + 2.0 * 3.0, 0.0])
    with pytest.raises(NotImplementedError, match=r"cumprod: the second derivative at an input holding a zero"):
        am.grad(am.cumprod(x, 0).sum(), [x], create_graph=True)
    y = Tensor(np.array([2.0, 0.5, 3.0]), requires_grad=True)  # without zeros, second order works
    (g,) = am.grad(am.cumprod(y, 0).sum(), [y], create_graph=True)
    assert g.requires_grad


@given(x=tensors(min_dims=1, max_dims=3), data=st.data())
def test_logcumsumexp(x, data):
    dim = data.draw(valid_axes(x.ndim, single=True))
    close(am.logcumsumexp(x, dim), np.log(np.cumsum(np.exp(x.numpy()), axis=dim)), rtol=1e-9)
    assert gradcheck(lambda t: am.logcumsumexp(t, dim), (x,))
    assert gradgradcheck(lambda t: am.logcumsumexp(t, dim), (x,))


def test_logcumsumexp_is_stable():
    y = am.logcumsumexp(Tensor([-1000.0, 0.0, 1000.0]), 0)
    np.testing.assert_allclose(y.numpy(), [-1000.0, np.log1p(np.exp(-1000.0)), 1000.0])
    x = Tensor(np.array([1e4, 1e4 + 1, -1e4], dtype=np.float32), requires_grad=True)
    am.logcumsumexp(x, 0).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


@given(x=distinct_values(min_dims=1, max_dims=3), data=st.data())
def test_cummax_cummin(x, data):
    dim = data.draw(valid_axes(x.ndim, single=True))
    for op, uf in ((am.cummax, np.maximum), (am.cummin, np.minimum)):
        values, indices = op(x, dim)
        close(values, uf.accumulate(x.numpy(), axis=dim))
        np.testing.assert_array_equal(np.take_along_axis(x.numpy(), indices.numpy(), dim), values.numpy())
        assert gradcheck(lambda t: op(t, dim).values, (x,))


@needs_torch
def test_cummax_cummin_ties_like_torch():
    data = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, 0.0], [2.0, 2.0, 1.0, 1.0, 5.0, 1.0]])
    for op in ("cummax", "cummin"):
        v, i = getattr(am, op)(Tensor(data), 1)
        tv, ti = getattr(torch, op)(torch.tensor(data), 1)
        close(v, tv.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        x, t = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        w = backward_weighted(getattr(am, op)(x, 1).values)
        (getattr(torch, op)(t, 1).values * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_scans_on_ints_and_0d():
    a = Tensor(np.array([1, 2, 3], dtype=np.int32))
    assert am.cumsum(a, 0).numpy().tolist() == [1, 3, 6]
    assert am.cumprod(a, 0).numpy().tolist() == [1, 2, 6]
    assert am.cumsum(Tensor(2.5), 0).shape == ()
    assert am.cummax(Tensor(np.array([1, 3, 2])), 0).indices.numpy().tolist() == [0, 1, 1]


# ***** argmax / argmin, dim aliases, axis errors, 0-d tensors *****


@given(x=distinct_values(min_dims=1, max_dims=3), data=st.data())
def test_argmax_argmin_dim(x, data):
    dim, keepdim = data.draw(valid_axes(x.ndim, single=True)), data.draw(st.booleans())
    np.testing.assert_array_equal(am.argmax(x, dim=dim, keepdim=keepdim).numpy(),
                                  np.argmax(x.numpy(), axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(x.argmin(dim=dim).numpy(), np.argmin(x.numpy(), axis=dim))


@given(x=tensors(max_dims=3), data=st.data())
def test_dim_keepdim_aliases(x, data):
    dim, keepdim = data.draw(valid_axes(x.ndim)), data.draw(st.booleans())
    n = x.size if dim is None else int(np.prod([x.shape[d] for d in np.atleast_1d(dim)]))
    assume(n > 1)  # NOTE: var with n - 1 = 0 is inf/nan in both spellings; that edge is tested in test_ops.py
    for name in ("sum", "mean", "logsumexp", "prod", "var"):
        f = getattr(am, name)
        ref = f(x, dim, keepdim, **({"ddof": 1} if name == "var" else {}))
        close(f(x, dim=dim, keepdim=keepdim), ref.numpy())
    if dim is not None and not isinstance(dim, tuple):
        close(x.max(dim=dim, keepdim=keepdim).values, x.max(dim, keepdim).numpy())


REDUCERS = [am.sum, am.mean, am.max, am.min, am.prod, am.var, am.std, am.logsumexp, am.any, am.all,
            lambda x, axis: am.argmax(x, axis), lambda x, axis: am.argmin(x, axis), lambda x, axis: am.cumsum(x, axis),
            lambda x, axis: am.cumprod(x, axis), lambda x, axis: am.logcumsumexp(x, axis),
            lambda x, axis: am.cummax(x, axis), lambda x, axis: am.median(x, axis), lambda x, axis: am.amax(x, axis),
            lambda x, axis: am.norm(x, 2, axis), lambda x, axis: am.max(x, dim=axis)]


@pytest.mark.parametrize("op", REDUCERS)
def test_out_of_range_axis_raises(op):
    x = Tensor(np.ones((2, 3)))
    for bad in (2, -3, 77):
        with pytest.raises(ShapeError, match=f"axis {bad} is out of range .* 2 dimensions"):
            op(x, bad)


@pytest.mark.parametrize("axis", [0, -1])
def test_zero_dim_tensors_accept_axis_0_and_minus_1(axis):
    x = Tensor(0.5, requires_grad=True)
    assert am.sum(x, axis=axis).item() == 0.5
    assert am.mean(x, axis).item() == 0.5
    assert am.max(x, axis).item() == 0.5
    assert am.logsumexp(x, axis).item() == 0.5
    assert am.softmax(x, axis).item() == 1.0
    assert x.log_softmax(axis).item() == 0.0
    assert am.squeeze(x, axis).shape == ()
    assert am.argmax(x, axis).item() == 0
    assert am.max(x, dim=axis).indices.item() == 0
    assert gradcheck(lambda t: am.logsumexp(t, axis) * am.sum(t, axis), (x,))
    with pytest.raises(ShapeError, match="0-d"):
        am.sum(x, 1)


def test_softmax_of_a_scalar_is_one():
    assert Tensor(0.5).softmax().item() == 1.0
    assert Tensor(0.5).log_softmax().item() == 0.0
    assert Tensor(3.0).logsumexp(0).item() == 3.0


@needs_torch
def test_int_and_bool_dtypes_like_torch():
    a = np.array([[3, 1, 2], [0, 5, 4]], dtype=np.int32)
    x, t, xb, tb = Tensor(a), torch.tensor(a), Tensor(a > 2), torch.tensor(a > 2)
    pairs = [
        (am.cumsum(x, 1), torch.cumsum(t, 1)), (am.cumprod(x, 0), torch.cumprod(t, 0)), (am.prod(x, 1), torch.prod(t, 1)),
        (am.amax(x, 1), torch.amax(t, 1)), (am.amin(xb, 1), torch.amin(tb, 1)),
        (am.max(x, dim=1).values, torch.max(t, dim=1).values), (am.min(xb, dim=0).values, torch.min(tb, dim=0).values),
        (am.cummax(x, 1).values, torch.cummax(t, 1).values), (am.cummin(x, 1).indices, torch.cummin(t, 1).indices),
        (am.median(x), torch.median(t)), (am.any(x, 1), torch.any(t, 1)), (am.all(xb), torch.all(tb)),
        (am.sum(xb, 1), torch.sum(tb, 1)), (am.argmax(x, dim=1), torch.argmax(t, dim=1)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == theirs.numpy().dtype


@pytest.mark.parametrize("call", [
    lambda x: am.sum(x, axis=0, dim=1),
    lambda x: am.max(x, axis=0, dim=1),
    lambda x: am.min(x, axis=0, dim=1),
    lambda x: am.amax(x, dim=0, axis=1),
    lambda x: am.median(x, dim=0, axis=1),
    lambda x: am.cummax(x, dim=0, axis=1),
    lambda x: am.cumsum(x, axis=0, dim=1),
    lambda x: am.split(x, 1, dim=1, axis=0),
])
def test_axis_and_dim_together_is_an_error_naming_both(call):
    x = am.Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match=r"got both (axis=\d and dim=\d|dim=\d and axis=\d); pass one of them"):
        call(x)
