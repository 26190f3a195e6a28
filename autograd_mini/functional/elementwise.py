"""Elementwise arithmetic and math functions, comparisons and dtype conversion.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _make
from ._args import _pair, as_tensor


def add(a, b) -> Tensor:
    """a + b with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Add.apply(a, b)


def sub(a, b) -> Tensor:
    """a - b with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Sub.apply(a, b)


def mul(a, b) -> Tensor:
    """a * b with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Mul.apply(a, b)


def div(a, b) -> Tensor:
    """a / b with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Div.apply(a, b)


def pow(a, b) -> Tensor:
    """a ** b with numpy broadcasting; either side may be a Tensor or a number."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Pow.apply(a, b)


def neg(x) -> Tensor:
    """-x."""
    return ops.Neg.apply(as_tensor(x))


def maximum(a, b) -> Tensor:
    """Elementwise maximum; at a tie each side gets half the gradient (as PyTorch)."""
    a, b = _pair(a, b)
    return ops.Maximum.apply(a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum: -maximum(-a, -b), so it shares Maximum's tie rule."""
    a, b = _pair(a, b)
    if a._data.dtype.kind not in "fc" or b._data.dtype.kind not in "fc":
        # NOTE: not -max(-a, -b): negation wraps for unsigned ints and INT_MIN and fails for bool (integer data
        # never requires grad, so numpy's result is the whole answer)
        if not (a.requires_grad or b.requires_grad):
            return _make(np.asarray(np.minimum(a._data, b._data)))
    return neg(maximum(neg(a), neg(b)))


def where(cond, a, b) -> Tensor:
    """a where cond is true, else b (cond is not differentiated); broadcasting as numpy."""
    c = np.asarray(cond._data if isinstance(cond, Tensor) else cond)
    if c.dtype != np.bool_:
        c = c.astype(bool)
    a, b = _pair(a, b)
    return ops.Where.apply(a, b, cond=c)


def exp(x) -> Tensor:
    """e ** x."""
    return ops.Exp.apply(as_tensor(x))


def log(x) -> Tensor:
    """Natural logarithm."""
    return ops.Log.apply(as_tensor(x))


def sqrt(x) -> Tensor:
    """x ** 0.5."""
    return pow(x, 0.5)


def abs(x) -> Tensor:
    """|x|; the derivative at 0 is 0."""
    return ops.Abs.apply(as_tensor(x))


def clip(x, min=None, max=None) -> Tensor:
    """Clamp x to [min, max] (either bound may be None); the gradient passes at the bounds themselves."""
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    return ops.Clip.apply(as_tensor(x), lo=min, hi=max)


def clone(x) -> Tensor:
    """A copy of x in new memory, recorded in the graph (the gradient flows back to x)."""
    return ops.Copy.apply(as_tensor(x))


def astype(x, dtype) -> Tensor:
    """x converted to dtype; the gradient is converted back."""
    x = as_tensor(x)
    dtype = np.dtype(dtype)
    if dtype == x._data.dtype:
        return x
    if dtype.kind not in "fc":
        return _make(x._data.astype(dtype))  # NOTE: integer/bool results cannot require grad; nothing to record
    return ops.Cast.apply(x, dtype=dtype)


def _compare(ufunc, a, b) -> Tensor:
    a, b = _pair(a, b)
    return _make(np.asarray(ufunc(a._data, b._data)))


def less(a, b) -> Tensor:
    return _compare(np.less, a, b)


def less_equal(a, b) -> Tensor:
    return _compare(np.less_equal, a, b)


def greater(a, b) -> Tensor:
    return _compare(np.greater, a, b)


def greater_equal(a, b) -> Tensor:
    return _compare(np.greater_equal, a, b)


def equal(a, b) -> Tensor:
    return _compare(np.equal, a, b)


def not_equal(a, b) -> Tensor:
    return _compare(np.not_equal, a, b)


def sign(x) -> Tensor:
    """-1, 0 or 1 by the sign of x (not differentiable)."""
    return _make(np.sign(as_tensor(x)._data))

from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
from ..ops import Add, Div, Mul, Pow, Sub  # noqa: E402
