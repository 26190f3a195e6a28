"""Every binary op over broadcastable shapes: gradients come back in each input's shape and are right.

Each case draws shapes that broadcast (numpy rules) and a random upstream gradient w of the output's shape.
gradcheck checks the full Jacobian and the vector-Jacobian product with w; ``backward(gradient=w)`` must give
that same product, in each input's own shape.
"""
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck
from autograd_mini.testing import broadcastable_shapes, matmul_shapes, tensors

# NOTE: maximum/minimum get integer a and half-integer b, so no pair of broadcast elements ever ties
INTEGERS = dict(elements=st.integers(-5, 5).map(float))
HALVES = dict(elements=st.integers(-5, 4).map(lambda k: k + 0.5))

BINARY = [
    # name        ours                     numpy reference   values of a                values of b
    ("add",       am.add,                  np.add,           {},                        {}),
    ("sub",       am.sub,                  np.subtract,      {},                        {}),
    ("mul",       am.mul,                  np.multiply,      {},                        {}),
    ("div",       am.div,                  np.divide,        {},                        dict(elements=(-3, 3), avoid=0, margin=0.5)),
    ("pow",       am.pow,                  np.power,         dict(elements=(0.5, 3)),   dict(elements=(-2, 2))),
    ("maximum",   am.maximum,              np.maximum,       INTEGERS,                  HALVES),
    ("minimum",   am.minimum,              np.minimum,       HALVES,                    INTEGERS),
    ("a*b+a",     lambda a, b: a * b + a,  lambda a, b: a * b + a, {},                  {}),
    # the gradient nodes of tanh and sigmoid (gy, y): used with equal shapes, but primitives all the same
    ("tanh_grad",    am.ops.TanhGrad.apply,    lambda gy, y: gy * (1 - y * y),   {},   dict(elements=(-1, 1))),
    ("sigmoid_grad", am.ops.SigmoidGrad.apply, lambda gy, y: gy * y * (1 - y),   {},   dict(elements=(0, 1))),
]


def check_broadcast(op, inputs, expected, w):
    """Forward value and shape; gradients in the inputs' shapes; Jacobian, VJP with w, second derivatives."""
    y = op(*inputs)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-12)

    y.backward(w.numpy())
    for x in inputs:
        if x.requires_grad:
            assert x.grad is not None and x.grad.shape == x.shape and x.grad.dtype == x.dtype

    assert gradcheck(op, inputs)
    assert gradcheck(lambda *xs: (op(*xs) * w).sum(), inputs)  # the product with w, against finite differences
    needed = [x for x in inputs if x.requires_grad]
    vjp = am.grad((op(*inputs) * w).sum(), needed)
    for x, g in zip(needed, vjp):
        np.testing.assert_allclose(x.grad.numpy(), g.numpy(), rtol=1e-12, atol=1e-15)
    assert gradgradcheck(op, inputs)


@pytest.mark.parametrize("name, op, ref, a_values, b_values", BINARY, ids=[row[0] for row in BINARY])
@given(shapes=broadcastable_shapes(), data=st.data())
def test_binary_op_broadcasts(name, op, ref, a_values, b_values, shapes, data):
    a = data.draw(tensors(shapes[0], **a_values), label="a")
    b = data.draw(tensors(shapes[1], **b_values), label="b")
    w = data.draw(tensors(np.broadcast_shapes(*shapes), requires_grad=False), label="w")
    check_broadcast(op, (a, b), ref(a.numpy(), b.numpy()), w)


@given(shapes=broadcastable_shapes(num_shapes=3), data=st.data())
def test_where_broadcasts_condition_and_both_branches(shapes, data):
    cond = data.draw(tensors(shapes[0], dtype=np.bool_), label="cond")
    a = data.draw(tensors(shapes[1]), label="a")
    b = data.draw(tensors(shapes[2]), label="b")
    w = data.draw(tensors(np.broadcast_shapes(*shapes), requires_grad=False), label="w")
    check_broadcast(lambda a, b: am.where(cond, a, b), (a, b), np.where(cond.numpy(), a.numpy(), b.numpy()), w)


@given(shapes=matmul_shapes(), data=st.data())
def test_matmul_broadcasts_batch_dimensions(shapes, data):
    a = data.draw(tensors(shapes[0]), label="a")
    b = data.draw(tensors(shapes[1]), label="b")
    expected = np.matmul(a.numpy(), b.numpy())
    w = data.draw(tensors(expected.shape, requires_grad=False), label="w")
    check_broadcast(am.matmul, (a, b), expected, w)


@pytest.mark.parametrize("name, op, ref, a_values, b_values", BINARY[:5], ids=[row[0] for row in BINARY[:5]])
@given(shapes=broadcastable_shapes(), data=st.data())
def test_one_side_constant(name, op, ref, a_values, b_values, shapes, data):
    a = data.draw(tensors(shapes[0], **a_values), label="a")
    b = data.draw(tensors(shapes[1], requires_grad=False, **b_values), label="b (constant)")
    w = data.draw(tensors(np.broadcast_shapes(*shapes), requires_grad=False), label="w")
    check_broadcast(op, (a, b), ref(a.numpy(), b.numpy()), w)
    assert b.grad is None


NOT_BROADCASTABLE = [((2, 3), (4,)), ((3, 1), (1, 2, 4)), ((2,), (3,))]


@pytest.mark.parametrize("name, op", [(row[0], row[1]) for row in BINARY[:7]], ids=[row[0] for row in BINARY[:7]])
@pytest.mark.parametrize("a_shape, b_shape", NOT_BROADCASTABLE)
def test_shapes_that_do_not_broadcast_name_the_op_and_both_shapes(name, op, a_shape, b_shape):
    a, b = Tensor(np.ones(a_shape), requires_grad=True), Tensor(np.ones(b_shape))
    pattern = re.escape(str(a_shape)) + ".*" + re.escape(str(b_shape))
    with pytest.raises(am.ShapeError, match=pattern) as info:
        op(a, b)
    assert any(word in str(info.value) for word in ("Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Neg"))
