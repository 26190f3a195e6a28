"""Gradient clipping: total norms against NumPy, scaling, aliasing safety, edge cases."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from autograd_mini import Tensor
from optim import clip_grad_norm_, clip_grad_value_

gradient_lists = st.lists(
    arrays(np.float64, array_shapes(min_dims=0, max_dims=2, max_side=4),
           elements=st.floats(-100, 100, allow_subnormal=False)),
    min_size=1, max_size=4)


def params_with(grads):
    params = []
    for g in grads:
        p = Tensor(np.zeros(np.shape(g), dtype=np.asarray(g).dtype), requires_grad=True)
        p.grad = Tensor(g)
        params.append(p)
    return params


def numpy_total_norm(grads, norm_type):
    flat = np.concatenate([np.ravel(g) for g in grads])
    if norm_type == math.inf:
        return np.max(np.abs(flat))
    # NOTE: computed on values scaled by a power of two near the largest (exact), so that tiny gradients (a
    # max_norm of 1e-162 clips them to that) do not underflow when raised to the power norm_type
    largest = np.max(np.abs(flat)) if flat.size else 0.0
    scale = 2.0 ** np.frexp(largest)[1] if largest > 0 else 1.0
    return scale * np.sum(np.abs(flat / scale) ** norm_type) ** (1 / norm_type)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
@given(grads=gradient_lists, max_norm=st.floats(0, 200))
def test_total_norm_and_scaling(grads, max_norm, norm_type):
    originals = [g.copy() for g in grads]
    params = params_with(grads)
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    expected = numpy_total_norm(originals, norm_type)
    assert isinstance(total, float)
    np.testing.assert_allclose(total, expected, rtol=1e-12, atol=1e-300)
    coef = min(1.0, max_norm / (expected + 1e-6))
    for p, g in zip(params, originals):
        np.testing.assert_allclose(p.grad.data, g * coef, rtol=1e-12, atol=1e-300)
    assert numpy_total_norm([p.grad.data for p in params], norm_type) <= max_norm * (1 + 1e-12) or coef == 1.0
    for g, original in zip(grads, originals):
        np.testing.assert_array_equal(g, original)  # the given arrays were not clipped in place


def test_small_gradients_are_left_as_they_are():
    p = Tensor(np.zeros(2), requires_grad=True)
    grad = p.grad = Tensor(np.array([0.3, 0.4]))
    assert clip_grad_norm_([p], max_norm=1.0) == pytest.approx(0.5, rel=1e-15)
    assert p.grad is grad


def test_large_gradients_are_scaled_to_max_norm():
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = Tensor(np.array([3.0, 4.0]))
    assert clip_grad_norm_(p, max_norm=1.0) == 5.0  # a single Tensor is accepted too
    np.testing.assert_allclose(p.grad.data, [3.0 / (5 + 1e-6), 4.0 / (5 + 1e-6)], rtol=1e-15)


def test_shared_gradient_is_clipped_once_for_each_parameter():
    shared = np.array([3.0, 4.0])
    a, b, c = (Tensor(np.zeros(2), requires_grad=True) for _ in range(3))
    a.grad = b.grad = Tensor(shared)  # one Tensor for two parameters
    c.grad = Tensor(shared)           # another Tensor over the same array
    total = clip_grad_norm_([a, b, c], max_norm=1.0)
    assert total == pytest.approx(5.0 * math.sqrt(3), rel=1e-15)
    coef = 1.0 / (total + 1e-6)
    for p in (a, b, c):
        np.testing.assert_allclose(p.grad.data, shared * coef, rtol=1e-15)
    np.testing.assert_array_equal(shared, [3.0, 4.0])


def test_a_parameter_listed_twice_counts_once():
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = Tensor(np.array([3.0, 4.0]))
    assert clip_grad_norm_([p, p], max_norm=1.0) == 5.0
    np.testing.assert_allclose(np.linalg.norm(p.grad.data), 1.0, rtol=1e-6)


def test_parameters_without_gradient_are_ignored():
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    a.grad = Tensor(np.array([3.0, 4.0]))
    assert clip_grad_norm_([a, b], max_norm=10.0) == 5.0
    assert b.grad is None
    assert clip_grad_norm_([b], max_norm=1.0) == 0.0
    assert clip_grad_norm_([], max_norm=1.0) == 0.0


def test_float32_gradients_stay_float32():
    p = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    p.grad = Tensor(np.full(3, 10.0, dtype=np.float32))
    clip_grad_norm_([p], 1.0)
    assert p.grad.dtype == np.float32
    clip_grad_value_([p], 0.1)
    assert p.grad.dtype == np.float32


@pytest.mark.parametrize("bad, expected", [
    (np.inf, [np.nan, 0.0]),     # coef = 0: inf * 0 is NaN, finite entries become 0
    (np.nan, [np.nan, np.nan]),  # coef = NaN: everything becomes NaN
])
def test_nonfinite_norm_is_applied_like_torch(bad, expected):
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = Tensor(np.array([bad, 1.0]))
    with np.errstate(invalid="ignore"):  # inf * 0
        total = clip_grad_norm_([p], 1.0)
    assert not math.isfinite(total)
    np.testing.assert_array_equal(p.grad.data, expected)


def test_nonfinite_norm_can_raise():
    p = Tensor(np.zeros(2), requires_grad=True)
    grad = p.grad = Tensor(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is inf"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad is grad


@given(grads=gradient_lists, clip_value=st.floats(0, 50))
def test_clip_grad_value(grads, clip_value):
    originals = [g.copy() for g in grads]
    params = params_with(grads)
    clip_grad_value_(params, clip_value)
    for p, g in zip(params, originals):
        np.testing.assert_array_equal(p.grad.data, np.minimum(np.maximum(g, -clip_value), clip_value))
    for g, original in zip(grads, originals):
        np.testing.assert_array_equal(g, original)


def test_clip_grad_value_on_a_shared_gradient():
    shared = np.array([-3.0, 0.5, 3.0])
    a, b = Tensor(np.zeros(3), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    a.grad = b.grad = Tensor(shared)
    clip_grad_value_([a, b, Tensor(np.zeros(1))], 1.0)
    for p in (a, b):
        np.testing.assert_array_equal(p.grad.data, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(shared, [-3.0, 0.5, 3.0])


@pytest.mark.parametrize("call, message", [
    (lambda ps: clip_grad_norm_(ps, -1.0), r"invalid max_norm: -1.0 \(must be >= 0\)"),
    (lambda ps: clip_grad_value_(ps, -0.5), r"invalid clip_value: -0.5 \(must be >= 0\)"),
])
def test_invalid_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call([Tensor(np.zeros(1), requires_grad=True)])


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("size", [1e-110, 1e200])
def test_norms_of_tiny_and_huge_gradients_neither_underflow_nor_overflow(size, norm_type):
    # |g|^p of 1e-110 is 0 for p = 3, and of 1e200 inf for p = 2: the norm is taken of g scaled near 1 first
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = Tensor(np.array([3.0, 4.0]) * size)
    expected = (3.0 ** norm_type + 4.0 ** norm_type) ** (1 / norm_type) * size
    assert clip_grad_norm_([p], max_norm=math.inf, norm_type=norm_type) == pytest.approx(expected, rel=1e-14)


def test_norm_type_zero_counts_nonzeros_whatever_the_scale():
    # order 0 is a count (as numpy's and torch's norms): the scaling that keeps p-th powers finite must not apply
    p, q = Tensor(np.zeros(3), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    p.grad, q.grad = Tensor(np.array([3e-110, 0.0, 4e-110])), Tensor(np.array([0.0, 5e200]))
    assert clip_grad_norm_([p, q], max_norm=math.inf, norm_type=0) == 2.0  # both gradients have a nonzero
