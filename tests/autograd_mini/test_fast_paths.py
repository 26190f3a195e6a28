"""First-order fast paths (ops/_util.py): the hottest primitives compute their derivative on arrays when the
backward pass is not recorded. Both paths must give the same gradients: ``backward()`` runs the array path,
``grad(..., create_graph=True)`` the Tensor-op path (which higher derivatives are built from)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import ops
from autograd_mini.testing import broadcastable_shapes, tensors


def both_paths(fn, *inputs, seed=0):
    """(gradients from the unrecorded backward, gradients from the recorded one) of <fn(*inputs), w>, for a
    fixed random w; also checks which path ran (constants vs. differentiable results)."""
    out = fn(*inputs)
    w = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
    fast = am.grad(out, inputs, grad_outputs=w, retain_graph=True)
    slow = am.grad(out, inputs, grad_outputs=am.Tensor(w), create_graph=True)
    assert all(g.grad_fn is None for g in fast)
    return fast, slow


def assert_same(fn, *inputs, rtol=1e-12):
    fast, slow = both_paths(fn, *inputs)
    for i, (f, s) in enumerate(zip(fast, slow)):
        assert f.shape == inputs[i].shape and f.dtype == inputs[i].dtype, (i, f.shape, f.dtype)
        np.testing.assert_allclose(f.data, s.data, rtol=rtol, atol=1e-14, err_msg=f"input {i}")


BINARY = {
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}
UNARY = {
    "neg": lambda a: -a,
    "exp": am.exp,
    "log": am.log,
    "tanh": am.tanh,
    "sigmoid": am.sigmoid,
    "relu": am.relu,
    "sum": lambda a: am.sum(a),
    "sum-axis": lambda a: am.sum(a, axis=-1) if a.ndim else am.sum(a),
    "sum-keepdims": lambda a: am.sum(a, axis=0, keepdims=True) if a.ndim else am.sum(a),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=broadcastable_shapes(), data=st.data())
@settings(max_examples=25)
def test_binary_ops_agree(name, shapes, data):
    a = data.draw(tensors(shapes[0], elements=(-3, 3)))
    b = data.draw(tensors(shapes[1], elements=(0.5, 3)))  # NOTE: away from 0 for div
    assert_same(BINARY[name], a, b)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
@settings(max_examples=25)
def test_unary_ops_agree(name, data):
    positive = name == "log"
    a = data.draw(tensors(elements=(0.1, 3) if positive else (-3, 3), avoid=None if positive else 0.0))
    assert_same(UNARY[name], a)


@pytest.mark.parametrize("transposed", ["none", "a", "b"])
def test_matmul_agrees_including_transposed_operands(transposed):
    rng = np.random.default_rng(2)
    a = am.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = am.Tensor(rng.standard_normal((4, 5)), requires_grad=True)
    at = am.Tensor(rng.standard_normal((4, 3)), requires_grad=True)  # used as at.T: an F-ordered operand
    bt = am.Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    if transposed == "a":
        assert_same(lambda x, y: am.matmul(x.T, y), at, b)
    elif transposed == "b":
        assert_same(lambda x, y: am.matmul(x, y.T), a, bt)
    else:
        assert_same(am.matmul, a, b)


def test_matmul_trans_a_agrees():
    rng = np.random.default_rng(3)
    a = am.Tensor(rng.standard_normal((6, 3)), requires_grad=True)
    b = am.Tensor(rng.standard_normal((6, 4)), requires_grad=True)
    assert_same(ops.MatMulTransA.apply, a, b)


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_agrees(x_shape, bias):
    rng = np.random.default_rng(4)
    x = am.Tensor(rng.standard_normal(x_shape), requires_grad=True)
    w = am.Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    if bias:
        b = am.Tensor(rng.standard_normal(4), requires_grad=True)
        assert_same(am.linear, x, w, b)
    else:
        assert_same(am.linear, x, w)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_agrees(reduction):
    rng = np.random.default_rng(5)
    logits = am.Tensor(rng.standard_normal((6, 4)) * 3, requires_grad=True)
    targets = rng.integers(0, 4, 6)
    out = nn.functional.cross_entropy(logits, targets, reduction=reduction)
    assert out.grad_fn.name == "SoftmaxCrossEntropy"
    assert_same(lambda z: nn.functional.cross_entropy(z, targets, reduction=reduction), logits)


def test_fast_path_keeps_float32():
    x = am.Tensor(np.linspace(-2, 2, 6, dtype=np.float32), requires_grad=True)
    w = am.Tensor(np.ones((3, 6), np.float32), requires_grad=True)
    loss = am.sum(am.tanh(am.linear(am.sigmoid(x * 0.5 - 0.1), w)) / 3.0)
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
