"""autograd_mini.testing: the strategies produce what they promise, and check_gradients catches bugs."""
import importlib
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import autograd_mini as am
from autograd_mini import Function, GradcheckError, Tensor
from autograd_mini.testing import (
    DEFAULT_BOUNDS,
    assert_gradients_match,
    axis_and_keepdims,
    bounded_floats,
    broadcastable_shapes,
    check_gradients,
    distinct_values,
    matmul_shapes,
    tensors,
    valid_axes,
)


class WrongTanh(Function):
    """tanh with the derivative of x - x**3 / 3 (right at 0, wrong elsewhere)."""

    @staticmethod
    def forward(ctx, x):
        return np.tanh(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy * (1 - x * x)


# ***** tensors *****


@given(t=tensors())
def test_tensors_defaults(t):
    assert isinstance(t, Tensor) and t.requires_grad and t.dtype == np.float64
    assert 0 <= t.ndim <= 4 and all(1 <= s <= 4 for s in t.shape)
    assert np.all(np.isfinite(t.numpy()))
    assert np.all((DEFAULT_BOUNDS[0] <= t.numpy()) & (t.numpy() <= DEFAULT_BOUNDS[1]))


@given(t=tensors((2, 3), dtype=np.float32, elements=(-0.1, 0.3), requires_grad=False))
def test_tensors_fixed_shape_dtype_bounds(t):
    assert t.shape == (2, 3) and t.dtype == np.float32 and not t.requires_grad
    assert np.all((-0.1 <= t.numpy()) & (t.numpy() <= 0.3))


@given(t=tensors(3))
def test_tensors_int_shape(t):
    assert t.shape == (3,)


@given(t=tensors(st.sampled_from([(1,), (2, 2)]), elements=st.sampled_from([0.5, 1.5])))
def test_tensors_shape_and_elements_strategies(t):
    assert t.shape in [(1,), (2, 2)]
    assert set(np.unique(t.numpy())) <= {0.5, 1.5}


@given(t=tensors(min_dims=2, max_dims=3, min_side=2, max_side=3))
def test_tensors_shape_limits(t):
    assert 2 <= t.ndim <= 3 and all(2 <= s <= 3 for s in t.shape)


@given(t=tensors(elements=(-2, 2), avoid=(0, 1), margin=0.25))
def test_tensors_avoid(t):
    x = t.numpy()
    assert np.all(np.abs(x) >= 0.25) and np.all(np.abs(x - 1) >= 0.25)
    assert np.all((-2 <= x) & (x <= 2))


@given(t=tensors(elements=st.floats(-1, 1), avoid=0, margin=0.5))
def test_tensors_avoid_with_an_elements_strategy(t):
    assert np.all(np.abs(t.numpy()) >= 0.5)


@given(t=tensors(dtype=np.int32, elements=(-3, 3)), b=tensors(dtype=np.bool_))
def test_tensors_integer_and_bool_never_require_grad(t, b):
    assert t.dtype == np.int32 and not t.requires_grad and np.all(np.abs(t.numpy()) <= 3)
    assert b.dtype == np.bool_ and not b.requires_grad


@given(t=tensors(unique=True, max_dims=2))
def test_tensors_unique(t):
    assert np.unique(t.numpy()).size == t.size


@given(x=bounded_floats(-1, 1, avoid=[-0.5, 0.5], margin=0.1, dtype=np.float32))
def test_bounded_floats(x):
    assert -1 <= x <= 1 and abs(x - 0.5) >= 0.1 and abs(x + 0.5) >= 0.1
    assert np.float32(x) == x


def test_bounded_floats_rejects_an_empty_domain():
    with pytest.raises(InvalidArgument):
        bounded_floats(-1, 1, avoid=0, margin=2)
    with pytest.raises(InvalidArgument):
        bounded_floats(1, -1)


# ***** distinct values *****


@given(t=distinct_values(elements=(-1, 1), min_gap=0.01))
def test_distinct_values_keep_a_gap(t):
    x = np.sort(t.numpy().ravel())
    assert np.all(np.diff(x) >= 0.01 - 1e-12)
    assert np.all((-1 <= x) & (x <= 1)) and t.requires_grad


@given(t=distinct_values((4, 4), elements=(0, 0.3), min_gap=0.02))
def test_distinct_values_fixed_shape(t):
    assert t.shape == (4, 4) and np.unique(t.numpy()).size == 16


def test_distinct_values_that_cannot_fit():
    with pytest.raises(InvalidArgument, match=r"shape \(10,\) needs more values"):
        distinct_values((10,), elements=(0, 0.05), min_gap=0.01)


@given(t=distinct_values(elements=(0, 0.1), min_gap=0.01, min_dims=2, max_dims=4))
def test_distinct_values_draws_only_shapes_that_fit(t):
    assert t.size <= 11 and np.unique(t.numpy()).size == t.size


# ***** shapes and axes *****


@given(shapes=broadcastable_shapes())
def test_broadcastable_shapes(shapes):
    assert len(shapes) == 2
    result = np.broadcast_shapes(*shapes)  # raises if they do not broadcast
    assert all(len(s) <= 4 and all(1 <= n <= 4 for n in s) for s in shapes)
    assert len(result) <= 4


@given(shapes=broadcastable_shapes(num_shapes=3, min_dims=1, max_dims=2, max_side=3))
def test_broadcastable_shapes_options(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)
    assert all(1 <= len(s) <= 2 and all(n <= 3 for n in s) for s in shapes)


@given(shapes=matmul_shapes())
def test_matmul_shapes(shapes):
    a, b = shapes
    assert len(a) >= 1 and len(b) >= 1
    np.matmul(np.ones(a), np.ones(b))  # raises if matmul does not accept them


def test_broadcastable_shapes_cover_the_interesting_cases():
    seen = set()

    @settings(max_examples=100, derandomize=True)
    @given(shapes=broadcastable_shapes())
    def collect(shapes):
        a, b = shapes
        seen.add("different ndim" if len(a) != len(b) else "same ndim")
        if any(x == 1 and y > 1 for x, y in zip(a[::-1], b[::-1])):
            seen.add("stretched axis")
        if () in shapes:
            seen.add("0-d")

    collect()
    assert seen == {"different ndim", "same ndim", "stretched axis", "0-d"}


@pytest.mark.parametrize("ndim", [0, 1, 2, 4])
def test_valid_axes(ndim):
    @given(axis=valid_axes(ndim))
    def check(axis):
        np.sum(np.ones((2,) * ndim), axis=axis)  # numpy accepts it
        if isinstance(axis, tuple):
            assert len({a % ndim for a in axis}) == len(axis)

    check()


@given(axis=valid_axes(3, single=True))
def test_valid_axes_single(axis):
    assert isinstance(axis, int) and -3 <= axis < 3


@given(axis=valid_axes(4, min_size=2, max_size=3))
def test_valid_axes_sizes(axis):
    n = 4 if axis is None else (1 if isinstance(axis, int) else len(axis))
    assert axis is not None and 2 <= n <= 3


def test_valid_axes_includes_none_int_negative_and_tuples():
    seen = set()

    @settings(max_examples=100, derandomize=True)
    @given(axis=valid_axes(3))
    def collect(axis):
        if axis is None:
            seen.add("None")
        elif isinstance(axis, int):
            seen.add("negative int" if axis < 0 else "int")
        else:
            seen.add("tuple")
            if any(a < 0 for a in axis):
                seen.add("negative in tuple")

    collect()
    assert seen == {"None", "int", "negative int", "tuple", "negative in tuple"}


@given(args=axis_and_keepdims(2))
def test_axis_and_keepdims(args):
    axis, keepdims = args
    assert isinstance(keepdims, bool)
    np.sum(np.ones((2, 3)), axis=axis, keepdims=keepdims)


# ***** gradient checks *****


def test_check_gradients_passes_a_correct_function():
    check_gradients(lambda x: x * am.sigmoid(x), (2, 3), second_order=True)
    check_gradients(lambda a, b: am.tanh(a @ b), (2, 3), (3,), elements=(-2, 2))
    check_gradients(am.abs, 4, avoid=0)
    check_gradients(am.max, distinct_values(max_dims=2), max_examples=5)


def test_check_gradients_catches_a_broken_function():
    with pytest.raises(GradcheckError, match="input 0"):
        check_gradients(WrongTanh.apply, (3,), elements=(-2, 2), max_examples=10)


def test_check_gradients_catches_a_broken_second_derivative():
    class ConstantSlopeSquare(Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, gy):
            return gy * Tensor(2 * ctx.inputs[0].data)

    check_gradients(ConstantSlopeSquare.apply, (3,), max_examples=3)
    with pytest.raises(GradcheckError):
        check_gradients(ConstantSlopeSquare.apply, (3,), second_order=True, max_examples=3)


def test_check_gradients_with_fixed_inputs_runs_once():
    calls = []

    def fn(x):
        calls.append(1)
        return am.exp(x)

    check_gradients(fn, Tensor(np.array([0.5, -0.5]), requires_grad=True))
    assert calls  # ran; with fixed inputs there is nothing to draw
    with pytest.raises(GradcheckError):
        check_gradients(WrongTanh.apply, np.array([0.5, -1.5]))


def test_check_gradients_rejects_unknown_inputs():
    with pytest.raises(TypeError, match="shape"):
        check_gradients(am.exp, "x")


def test_assert_gradients_match():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    assert_gradients_match(am.tanh, x, second_order=True)
    with pytest.raises(GradcheckError):
        assert_gradients_match(WrongTanh.apply, x)


@given(x=tensors(elements=(-3, 3), max_dims=2))
def test_assert_gradients_match_inside_given(x):
    assert_gradients_match(lambda t: am.tanh(t) * t, x, second_order=True)


def test_missing_hypothesis_gives_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "autograd_mini.testing")
    with pytest.raises(ImportError, match="pip install hypothesis"):
        importlib.import_module("autograd_mini.testing")
