"""Hypothesis strategies and a gradient checker, for property-testing code built on autograd_mini.

The project's own tests use these, and so can yours. Three lines test the derivatives of a function on
many generated inputs (every input a float64 tensor of a drawn shape)::

    from autograd_mini.testing import check_gradients

    def test_swish_gradients():
        check_gradients(lambda x: x * am.sigmoid(x), (3, 4), second_order=True)

or, with your own ``@given``::

    @given(x=tensors(elements=(-3, 3)), axis=valid_axes(2))
    def test_my_norm(x, axis):
        assert_gradients_match(lambda t: my_norm(t, axis), x)

The only numeric checker behind all of this is ``autograd_mini.gradcheck`` (full Jacobian, float64, central
differences). Keep generated values away from points where your function is not differentiable (``avoid=``,
``distinct_values``), or gradcheck will rightly report a mismatch there.

This module needs hypothesis (``pip install hypothesis``); ``import autograd_mini`` does not import it.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
    from hypothesis.extra import numpy as hnp
except ImportError as _err:  # pragma: no cover - exercised by a test that hides hypothesis
    raise ImportError(
        "autograd_mini.testing needs the hypothesis package: pip install hypothesis "
        "(or pip install 'autograd-mini[test]')"
    ) from _err

from .gradcheck import gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = [
    "DEFAULT_BOUNDS",
    "bounded_floats",
    "tensors",
    "distinct_values",
    "broadcastable_shapes",
    "matmul_shapes",
    "valid_axes",
    "axis_and_keepdims",
    "assert_gradients_match",
    "check_gradients",
]

DEFAULT_BOUNDS = (-10.0, 10.0)
"""Value range of generated floats when ``elements`` is not given."""

Bounds = Tuple[float, float]
Elements = Union[None, Bounds, st.SearchStrategy]
ShapeLike = Union[None, int, Tuple[int, ...], st.SearchStrategy]


# ----- values ----------------------------------------------------------------------------------------------


def _width(dtype: np.dtype) -> int:
    return {2: 16, 4: 32}.get(dtype.itemsize, 64)


def _inward(value: float, dtype: np.dtype, up: bool) -> float:
    """The nearest value of ``dtype`` at or inside the bound (hypothesis needs representable bounds)."""
    v = dtype.type(value)
    if up and float(v) < value:
        v = np.nextafter(v, dtype.type(np.inf))
    if not up and float(v) > value:
        v = np.nextafter(v, dtype.type(-np.inf))
    return float(v)


def _avoid_list(avoid) -> list:
    if avoid is None:
        return []
    if isinstance(avoid, (int, float, np.number)):
        return [float(avoid)]
    return [float(a) for a in avoid]


def bounded_floats(
    lo: float,
    hi: float,
    *,
    avoid: Union[None, float, Sequence[float]] = None,
    margin: float = 1e-3,
    dtype=np.float64,
) -> st.SearchStrategy:
    """Finite floats in [lo, hi] that stay at least ``margin`` away from every point in ``avoid``.

    The excluded neighbourhoods are cut out of the interval (nothing is filtered), so even narrow domains
    generate quickly.

    Args:
        lo, hi: inclusive bounds.
        avoid: a point or points to keep away from, e.g. ``0`` for ``abs`` or ``relu``.
        margin: the smallest allowed distance to an avoided point.
        dtype: floating dtype whose values to generate (bounds are rounded inward to it).

    Returns:
        A strategy of Python floats.

    Raises:
        hypothesis.errors.InvalidArgument: if nothing is left of [lo, hi].

    Example:
        >>> away_from_0 = bounded_floats(-1, 1, avoid=0, margin=0.1)  # floats in [-1, -0.1] or [0.1, 1]
    """
    dtype = np.dtype(dtype)
    if not lo <= hi:
        raise InvalidArgument(f"bounded_floats needs lo <= hi, got ({lo}, {hi})")
    pieces = [(float(lo), float(hi))]
    for a in _avoid_list(avoid):
        cut = []
        for l, h in pieces:
            if a + margin <= l or a - margin >= h:
                cut.append((l, h))
                continue
            if l <= a - margin:
                cut.append((l, a - margin))
            if a + margin <= h:
                cut.append((a + margin, h))
        pieces = cut
    width = _width(dtype)
    parts = []
    for l, h in pieces:
        l, h = _inward(l, dtype, up=True), _inward(h, dtype, up=False)
        if l <= h:
            parts.append(
                st.floats(l, h, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=width)
            )
    if not parts:
        raise InvalidArgument(f"no value of [{lo}, {hi}] is at least {margin} away from {avoid}")
    return st.one_of(*parts)


def _elements(elements: Elements, dtype: np.dtype, avoid, margin: float) -> st.SearchStrategy:
    if isinstance(elements, st.SearchStrategy):
        points = _avoid_list(avoid)
        if not points:
            return elements
        return elements.filter(lambda v: all(abs(float(v) - a) >= margin for a in points))
    if dtype.kind in "iu":
        lo, hi = elements if elements is not None else (-10, 10)
        return st.integers(int(lo), int(hi))
    if dtype.kind == "b":
        return st.booleans()
    lo, hi = elements if elements is not None else DEFAULT_BOUNDS
    return bounded_floats(lo, hi, avoid=avoid, margin=margin, dtype=dtype)


def _shapes(shape: ShapeLike, min_dims: int, max_dims: int, min_side: int, max_side: int) -> st.SearchStrategy:
    if shape is None:
        return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)
    if isinstance(shape, st.SearchStrategy):
        return shape
    if isinstance(shape, (int, np.integer)):
        return st.just((int(shape),))
    return st.just(tuple(int(s) for s in shape))


def _wrap(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(array, requires_grad=requires_grad and array.dtype.kind == "f")


def tensors(
    shape: ShapeLike = None,
    dtype=np.float64,
    elements: Elements = None,
    *,
    min_dims: int = 0,
    max_dims: int = 4,
    min_side: int = 1,
    max_side: int = 4,
    requires_grad: bool = True,
    avoid: Union[None, float, Sequence[float]] = None,
    margin: float = 1e-3,
    unique: bool = False,
) -> st.SearchStrategy:
    """Strategy for Tensors of a given or drawn shape with bounded values.

    Args:
        shape: a tuple (or an int, for 1-D), a strategy of tuples, or None to draw one with
            ``min_dims..max_dims`` axes of length ``min_side..max_side``.
        dtype: numpy dtype of the data (float64 by default, the precision gradcheck works in).
        elements: ``(lo, hi)`` bounds (default ``DEFAULT_BOUNDS``), or a strategy of scalars.
        min_dims, max_dims, min_side, max_side: limits of a drawn shape.
        requires_grad: set on floating tensors (integer and boolean tensors never require grad).
        avoid: a point or points that every value keeps ``margin`` away from (kinks such as 0 for relu).
        margin: distance kept from the ``avoid`` points.
        unique: all values distinct (exact equality only; see ``distinct_values`` for a minimum gap).

    Returns:
        A strategy of ``Tensor``.

    Example:
        >>> import autograd_mini as am
        >>> from hypothesis import given
        >>> @given(x=tensors(elements=(-5, 5), avoid=0, max_dims=2))
        ... def test_abs_grad(x):
        ...     assert_gradients_match(am.abs, x)
    """
    dtype = np.dtype(dtype)
    elems = _elements(elements, dtype, avoid, margin)
    arrays = hnp.arrays(dtype, _shapes(shape, min_dims, max_dims, min_side, max_side), elements=elems, unique=unique)
    return arrays.map(lambda a: _wrap(a, requires_grad))


def distinct_values(
    shape: ShapeLike = None,
    dtype=np.float64,
    elements: Optional[Bounds] = None,
    *,
    min_gap: float = 1e-2,
    min_dims: int = 0,
    max_dims: int = 4,
    min_side: int = 1,
    max_side: int = 4,
    requires_grad: bool = True,
) -> st.SearchStrategy:
    """Strategy for Tensors whose values differ pairwise by at least ``min_gap`` (no ties anywhere).

    Use it for ``max``/``min``/``sort``-like functions, whose derivative is undefined at ties: with a gap far
    above gradcheck's step (1e-6) a finite-difference probe never changes which element wins.

    Args:
        shape, dtype, min_dims, max_dims, min_side, max_side, requires_grad: as in ``tensors``.
        elements: ``(lo, hi)`` bounds, default ``DEFAULT_BOUNDS``; must leave room for every element.
        min_gap: the smallest difference between any two values.

    Returns:
        A strategy of ``Tensor``.

    Example:
        >>> import autograd_mini as am
        >>> @given(x=distinct_values(max_dims=3))
        ... def test_max_grad(x):
        ...     assert_gradients_match(am.max, x)
    """
    dtype = np.dtype(dtype)
    lo, hi = elements if elements is not None else DEFAULT_BOUNDS
    slots = int(math.floor((hi - lo) / min_gap)) + 1  # grid points lo, lo + gap, ..., <= hi

    def fits(shape) -> bool:
        return int(np.prod(shape, dtype=np.int64)) <= slots

    if shape is not None and not isinstance(shape, st.SearchStrategy) and not fits(np.atleast_1d(shape)):
        raise InvalidArgument(f"distinct_values: shape {shape} needs more values with gap {min_gap} than fit in [{lo}, {hi}]")

    def fill(shape):
        n = int(np.prod(shape, dtype=np.int64))
        picks = st.lists(st.integers(0, slots - 1), min_size=n, max_size=n, unique=True)
        return picks.map(
            lambda ks: _wrap(
                np.minimum(lo + np.asarray(ks, dtype=np.float64) * min_gap, hi).astype(dtype).reshape(shape),
                requires_grad,
            )
        )

    # NOTE: drawn shapes too big for the grid are skipped (a 4x4x4x4 tensor needs 256 distinct values).
    return _shapes(shape, min_dims, max_dims, min_side, max_side).filter(fits).flatmap(fill)


# ----- shapes and axes --------------------------------------------------------------------------------------


def broadcastable_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy:
    """Strategy for ``num_shapes`` shapes that broadcast together (numpy rules), as a tuple of tuples.

    Built on ``hypothesis.extra.numpy.mutually_broadcastable_shapes``: shapes differ in length and have
    length-1 axes where the others do not, so every unbroadcasting path is exercised.

    Example:
        >>> import autograd_mini as am
        >>> @given(shapes=broadcastable_shapes(), data=st.data())
        ... def test_add(shapes, data):
        ...     a, b = (data.draw(tensors(s)) for s in shapes)
        ...     assert_gradients_match(am.add, a, b)
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: r.input_shapes)


def matmul_shapes(max_batch_dims: int = 2, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Strategy for a pair of shapes that ``matmul`` accepts: 1-D operands, matrices, and broadcast batches.

    Uses numpy's matmul signature ``(m?,n),(n,p?)->(m?,p?)``, so vectors on either side are included.

    Example:
        >>> import autograd_mini as am
        >>> @given(shapes=matmul_shapes(), data=st.data())
        ... def test_matmul(shapes, data):
        ...     a, b = (data.draw(tensors(s)) for s in shapes)
        ...     assert_gradients_match(am.matmul, a, b)
    """
    return hnp.mutually_broadcastable_shapes(
        signature="(m?,n),(n,p?)->(m?,p?)", max_dims=max_batch_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: r.input_shapes)


def valid_axes(
    ndim: int,
    min_size: int = 0,
    max_size: Optional[int] = None,
    single: bool = False,
    allow_none: bool = True,
) -> st.SearchStrategy:
    """Strategy for an ``axis`` argument valid for ``ndim`` dimensions: None, an int or a tuple of ints.

    Ints may be negative (``-ndim <= axis < ndim``); tuples hold distinct axes in any order, each possibly
    negative. ``min_size``/``max_size`` bound the number of axes (None counts as all ``ndim`` of them).

    Args:
        ndim: number of dimensions of the tensor.
        min_size, max_size: bounds on how many axes are named.
        single: draw only a single int (e.g. for ``softmax``); needs ``ndim >= 1``.
        allow_none: include None ("all axes") when its size fits.

    Example:
        >>> import autograd_mini as am
        >>> @given(x=tensors(max_dims=3), data=st.data())
        ... def test_sum(x, data):
        ...     axis = data.draw(valid_axes(x.ndim))
        ...     assert_gradients_match(lambda t: am.sum(t, axis), x)
    """
    if single:
        if ndim < 1:
            raise InvalidArgument("valid_axes(single=True) needs ndim >= 1")
        return st.integers(-ndim, ndim - 1)
    max_size = ndim if max_size is None else min(max_size, ndim)
    if min_size > max_size:
        raise InvalidArgument(f"valid_axes: no axis set of {min_size}..{max_size} axes for ndim={ndim}")

    def signed(axes):
        return st.tuples(*[st.sampled_from((a, a - ndim)) for a in axes])

    if ndim == 0:
        choices = [st.just(())]
    else:
        axes = st.lists(st.integers(0, ndim - 1), min_size=min_size, max_size=max_size, unique=True)
        choices = [axes.flatmap(signed)]
    if ndim >= 1 and min_size <= 1 <= max_size:
        choices.append(st.integers(-ndim, ndim - 1))
    if allow_none and min_size <= ndim <= max_size:
        choices.append(st.none())
    return st.one_of(*choices)


def axis_and_keepdims(ndim: int, **kwargs) -> st.SearchStrategy:
    """Strategy for ``(axis, keepdims)`` pairs of a reduction; kwargs go to ``valid_axes``."""
    return st.tuples(valid_axes(ndim, **kwargs), st.booleans())


# ----- gradients ---------------------------------------------------------------------------------------------


def assert_gradients_match(
    fn: Callable,
    *inputs: Any,
    second_order: bool = False,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Assert that fn's reverse-mode derivatives match finite differences at these inputs.

    Runs ``gradcheck`` (and ``gradgradcheck`` when ``second_order``) on the given Tensors/arrays; inputs that do
    not require grad (and non-float values) are passed through unchecked.

    Args:
        fn: function of the inputs returning a Tensor or a tuple of Tensors.
        *inputs: the inputs.
        second_order: also check second derivatives (fn must be twice differentiable there).
        eps, atol, rtol: passed to gradcheck.

    Raises:
        GradcheckError: naming the input, the element and both values.

    Example:
        >>> import autograd_mini as am
        >>> x = am.Tensor(np.array([0.5, -1.0]), requires_grad=True)
        >>> assert_gradients_match(am.tanh, x, second_order=True)
    """
    gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if second_order:
        gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)


def _as_strategy(spec, elements, avoid, margin) -> st.SearchStrategy:
    if isinstance(spec, st.SearchStrategy):
        return spec
    if isinstance(spec, (Tensor, np.ndarray)):
        return st.just(spec)
    if isinstance(spec, (int, tuple)):
        return tensors(spec, elements=elements, avoid=avoid, margin=margin)
    raise TypeError(
        f"check_gradients: an input must be a Tensor, an ndarray, a shape or a hypothesis strategy, "
        f"got {type(spec).__name__}"
    )


def check_gradients(
    fn: Callable,
    *inputs: Any,
    second_order: bool = False,
    elements: Elements = None,
    avoid: Union[None, float, Sequence[float]] = None,
    margin: float = 1e-3,
    max_examples: Optional[int] = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Property-test fn's derivatives: generate inputs and run ``assert_gradients_match`` on each draw.

    Each input is a shape (a tuple, or an int for 1-D: a float64 tensor with ``elements``/``avoid`` values is
    drawn), a hypothesis strategy (drawn as is, e.g. ``tensors(...)``), or a fixed Tensor/ndarray. With only
    fixed inputs the check runs once. Call it from a plain test function; inside your own ``@given`` test use
    ``assert_gradients_match`` instead (hypothesis does not nest).

    Args:
        fn: function of the inputs returning a Tensor or a tuple of Tensors.
        *inputs: shapes, strategies or fixed values, one per argument of fn.
        second_order: also check second derivatives.
        elements: ``(lo, hi)`` or a strategy, for the inputs given as shapes.
        avoid, margin: points the values of shape inputs keep away from (see ``tensors``).
        max_examples: number of draws (default: the current hypothesis profile's).
        eps, atol, rtol: passed to gradcheck.

    Raises:
        GradcheckError: for the first (shrunk) input that fails, reported by hypothesis.

    Example:
        >>> import autograd_mini as am
        >>> def test_softplus_gradients():
        ...     check_gradients(lambda x: am.log(1 + am.exp(x)), (2, 3), elements=(-5, 5), second_order=True)
    """
    strategies = [_as_strategy(s, elements, avoid, margin) for s in inputs]

    def check(args):
        assert_gradients_match(fn, *args, second_order=second_order, eps=eps, atol=atol, rtol=rtol)

    if all(isinstance(i, (Tensor, np.ndarray)) for i in inputs):
        check(inputs)
        return
    options = {"deadline": None}  # NOTE: a full-Jacobian check easily exceeds hypothesis's default 200 ms
    if max_examples is not None:
        options["max_examples"] = max_examples
    settings(**options)(given(st.tuples(*strategies))(check))()
