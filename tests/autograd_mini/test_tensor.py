"""Tensor: construction and dtype rules, properties, conversions, identity hashing."""
import numpy as np
import pytest
from hypothesis import given

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.testing import tensors

# ***** dtypes *****

DTYPE_RULES = [
    # data                                    default float32 gives   after set_default_dtype(np.float64)
    (1.5,                                     np.float32,             np.float64),
    ([1.0, 2.0],                              np.float32,             np.float64),
    ([[1, 2.5], [3, 4]],                      np.float32,             np.float64),
    (np.array([1.0, 2.0]),                    np.float64,             np.float64),
    (np.array([1.0, 2.0], dtype=np.float32),  np.float32,             np.float32),
    (np.array([1.0], dtype=np.float16),       np.float16,             np.float16),
    (3,                                       np.int64,               np.int64),
    ([1, 2],                                  np.int64,               np.int64),
    (np.array([1, 2], dtype=np.int32),        np.int32,               np.int32),
    ([True, False],                           np.bool_,               np.bool_),
]


@pytest.mark.parametrize("data, default, after", DTYPE_RULES, ids=[str(row[0]) for row in DTYPE_RULES])
def test_constructor_dtype_rules(data, default, after):
    assert am.get_default_dtype() == np.float32
    assert Tensor(data).dtype == default
    assert am.tensor(data).dtype == default
    am.set_default_dtype(np.float64)
    try:
        assert am.get_default_dtype() == np.float64
        assert Tensor(data).dtype == after
    finally:
        am.set_default_dtype(np.float32)
    assert Tensor(data).dtype == default


def test_explicit_dtype_wins():
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor(np.ones(2), dtype=np.float32).dtype == np.float32
    assert Tensor(1.5, dtype=np.float16).dtype == np.float16


def test_set_default_dtype_rejects_non_floats():
    with pytest.raises(TypeError, match="floating"):
        am.set_default_dtype(np.int32)
    assert am.get_default_dtype() == np.float32


def test_default_dtype_applies_to_creation_functions():
    assert am.zeros(2, 3).dtype == np.float32 and am.ones((2,)).dtype == np.float32
    assert am.randn(2).dtype == np.float32 and am.rand(2).dtype == np.float32
    am.set_default_dtype(np.float64)
    assert am.zeros(2).dtype == np.float64 and am.randn(2, 2).dtype == np.float64


@pytest.mark.parametrize("data", [[1, 2], np.array([1, 2], dtype=np.int32), [True, False], 3])
def test_integer_and_bool_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="floating"):
        Tensor(data, requires_grad=True)
    t = Tensor(data)
    with pytest.raises(TypeError, match="floating"):
        t.requires_grad_()
    assert not t.requires_grad


def test_ndarray_is_wrapped_without_copy_and_tensor_copies():
    a = np.arange(3.0)
    assert Tensor(a).data is a
    t = am.tensor(a)
    assert not np.shares_memory(t.data, a)
    np.testing.assert_array_equal(t.numpy(), a)
    assert am.tensor(Tensor(a), requires_grad=True).requires_grad


# ***** properties *****


@given(t=tensors(requires_grad=False))
def test_shape_properties_match_numpy(t):
    a = t.numpy()
    assert (t.shape, t.ndim, t.size, t.dtype) == (a.shape, a.ndim, a.size, a.dtype)
    np.testing.assert_array_equal(t.T.numpy(), a.T)
    if t.ndim:
        assert len(t) == a.shape[0]
    else:
        with pytest.raises(TypeError):
            len(t)


def test_leaves_and_grad_fn():
    a = Tensor(np.ones(3), requires_grad=True)
    c = Tensor(np.ones(3))
    assert a.is_leaf and c.is_leaf and a.grad_fn is None and a.grad is None
    for y, name in [(a * c, "Mul"), (a + c, "Add"), (a - c, "Sub"), (a / 2, "Div"), (-a, "Neg"), (a ** 2, "Pow"),
                    (a.exp(), "Exp"), (a.sum(), "Sum"), (a[1:], "GetItem"), (a.reshape(3, 1), "Reshape")]:
        assert not y.is_leaf and y.requires_grad
        assert y.grad_fn.name == name
        assert name in repr(y.grad_fn)
    assert (c * 2).grad_fn is None and not (c * 2).requires_grad and (c * 2).is_leaf


def test_numpy_item_array_and_scalar_conversions():
    a = np.array([[1.5, -2.0], [0.25, 4.0]])
    t = Tensor(a)
    assert t.numpy() is a
    assert np.asarray(t) is a
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(t).shape == (2, 2)
    assert Tensor(np.array([2.5])).item() == 2.5 and isinstance(Tensor(np.array(2.5)).item(), float)
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        t.item()
    assert float(Tensor(2.5)) == 2.5 and int(Tensor(3)) == 3
    assert bool(Tensor(1.0)) and not bool(Tensor(0.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)
    assert t.tolist() == a.tolist()
    assert [row.numpy().tolist() for row in t] == a.tolist()


def test_repr():
    assert repr(Tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(Tensor(np.array([1.0, 2.0]))) == "tensor([1., 2.], dtype=float64)"
    assert repr(Tensor([1, 2])) == "tensor([1, 2])"
    assert repr(Tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(Tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert "..." in repr(Tensor(np.zeros(1000)))


# ***** autograd flags *****


def test_detach_shares_data_and_leaves_the_graph():
    a = Tensor(np.ones(3), requires_grad=True)
    y = a * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert d.data is y.data
    z = d * a
    z.backward(np.ones(3))
    np.testing.assert_array_equal(a.grad.numpy(), y.numpy())  # d is a constant: dz/da = d


def test_requires_grad_():
    t = Tensor(np.ones(2))
    assert t.requires_grad_() is t and t.requires_grad
    assert t.requires_grad_(False) is t and not t.requires_grad
    y = Tensor(np.ones(2), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_grad_is_settable():
    a = Tensor(np.ones(2), requires_grad=True)
    (a * 3).sum().backward()
    first = a.grad.numpy().copy()
    a.grad = None
    (a * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), first)  # started again from None, not accumulated


# ***** identity hashing, elementwise equality *****


def test_hashing_is_by_identity_and_equality_is_elementwise():
    a = Tensor(np.array([1.0, 2.0]))
    b = Tensor(np.array([1.0, 2.0]))
    assert len({a, b, a}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"
    eq = a == a
    assert isinstance(eq, Tensor) and eq.dtype == np.bool_ and eq.shape == (2,)
    np.testing.assert_array_equal((a == b).numpy(), [True, True])
    np.testing.assert_array_equal((a != b).numpy(), [False, False])
    assert hash(a) == hash(a) and hash(a) != hash(b)
