"""Elementwise arithmetic and math functions, comparisons, logical and bitwise operators, dtype conversion.

Integer and bool tensors: math functions (exp, sin, erf, ...) return the default float dtype, as PyTorch;
arithmetic with a Python number keeps the tensor's dtype unless the number is a float (see ``_args._pair``).
Rounding functions (floor, ceil, round, trunc, sign, div with a rounding mode) have a zero gradient, as PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor, _make
from ._args import _default, _float, _pair, as_tensor


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


def div(a, b, *, rounding_mode=None) -> Tensor:
    """a / b with numpy broadcasting (true division: integer operands give the default float dtype).

    Args:
        rounding_mode: None (true division), ``'trunc'`` (round toward zero) or ``'floor'`` (round down), as
            PyTorch; with a rounding mode integer operands stay integer and the gradient is zero.
    """
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    if rounding_mode is not None:
        return _rounded_div(a, b, rounding_mode)
    if a._data.dtype.kind in "biu" and b._data.dtype.kind in "biu":
        a, b = _float(a), _float(b)
    return Div.apply(a, b)


def _rounded_div(a: Tensor, b: Tensor, mode) -> Tensor:
    if mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {mode!r}")
    ad, bd = a._data, b._data
    if ad.dtype.kind in "biu" and bd.dtype.kind in "biu":
        _check_int_divisor("div", bd)
        q = np.floor_divide(ad, bd)
        if mode == "trunc":
            q = q + ((q < 0) & (q * bd != ad))  # NOTE: floor rounded a negative inexact quotient down: undo it
        return _make(np.asarray(q))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.floor_divide(ad, bd) if mode == "floor" else np.trunc(ad / bd)
    return _zero_grad(np.asarray(q), a, b)


def _check_int_divisor(op: str, b: np.ndarray) -> None:
    if (b == 0).any():
        raise ZeroDivisionError(f"{op}: integer division by zero (the divisor has {int((b == 0).sum())} zeros)")


def _zero_grad(value: np.ndarray, *sources: Tensor) -> Tensor:
    """A tensor holding value that passes a zero gradient to each source that requires grad (as PyTorch does for
    floor, sign, ...): Where with an all-false condition, so no new primitive is needed."""
    out = _make(value)
    never = np.zeros((), dtype=bool)
    for s in sources:
        if s.requires_grad:
            out = ops.Where.apply(s, out, cond=never)
    return out


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
    return ops.Exp.apply(_float(x))


def log(x) -> Tensor:
    """Natural logarithm."""
    return ops.Log.apply(_float(x))


def sqrt(x) -> Tensor:
    """x ** 0.5."""
    return pow(_float(x), 0.5)


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
    """-1, 0 or 1 by the sign of x (nan for nan); the gradient is zero, as PyTorch."""
    x = as_tensor(x)
    if x._data.dtype.kind == "b":
        return _make(x._data.copy())
    return _zero_grad(np.sign(x._data), x)

# ***** math functions (the primitives are in ops/math.py, which says why each one is a primitive) *****


def sin(x) -> Tensor:
    """sin(x) (radians)."""
    return ops.Sin.apply(_float(x))


def cos(x) -> Tensor:
    """cos(x) (radians)."""
    return ops.Cos.apply(_float(x))


def tan(x) -> Tensor:
    """tan(x) (radians); d/dx = 1 + tan(x)**2."""
    return ops.Tan.apply(_float(x))


def asin(x) -> Tensor:
    """Inverse sine, in [-pi/2, pi/2] (nan outside [-1, 1])."""
    return ops.Asin.apply(_float(x))


def acos(x) -> Tensor:
    """Inverse cosine, in [0, pi] (nan outside [-1, 1])."""
    return ops.Acos.apply(_float(x))


def atan(x) -> Tensor:
    """Inverse tangent, in (-pi/2, pi/2)."""
    return ops.Atan.apply(_float(x))


def atan2(a, b) -> Tensor:
    """The angle of the point (b, a) in (-pi, pi] (``torch.atan2(input, other)``: input is y, other is x)."""
    a, b = _pair(a, b)
    return ops.Atan2.apply(_float(a), _float(b))


def sinh(x) -> Tensor:
    """Hyperbolic sine."""
    return ops.Sinh.apply(_float(x))


def cosh(x) -> Tensor:
    """Hyperbolic cosine."""
    return ops.Cosh.apply(_float(x))


def asinh(x) -> Tensor:
    """Inverse hyperbolic sine."""
    return ops.Asinh.apply(_float(x))


def acosh(x) -> Tensor:
    """Inverse hyperbolic cosine (nan below 1)."""
    return ops.Acosh.apply(_float(x))


def atanh(x) -> Tensor:
    """Inverse hyperbolic tangent (+-inf at +-1, nan outside [-1, 1])."""
    return ops.Atanh.apply(_float(x))


def erf(x) -> Tensor:
    """The error function 2/sqrt(pi) * integral_0^x exp(-t**2) dt (within 1 ulp of math.erf in float64)."""
    return ops.Erf.apply(_float(x))


def erfc(x) -> Tensor:
    """1 - erf(x), accurate for large x (erfc(10) = 2.1e-45, where 1 - erf(10) is 0)."""
    return ops.Erfc.apply(_float(x))


def log1p(x) -> Tensor:
    """log(1 + x), accurate for tiny x."""
    return ops.Log1p.apply(_float(x))


def expm1(x) -> Tensor:
    """exp(x) - 1, accurate for tiny x."""
    return ops.Expm1.apply(_float(x))


def log2(x) -> Tensor:
    """Base-2 logarithm."""
    return ops.Log2.apply(_float(x))


def log10(x) -> Tensor:
    """Base-10 logarithm."""
    return ops.Log10.apply(_float(x))


def exp2(x) -> Tensor:
    """2 ** x (composed: pow with a constant base)."""
    return pow(2.0, _float(x))


def rsqrt(x) -> Tensor:
    """1 / sqrt(x) (composed: x ** -0.5)."""
    return pow(_float(x), -0.5)


def reciprocal(x) -> Tensor:
    """1 / x (integer tensors give the default float dtype)."""
    x = _float(x)
    return div(_lift_like(1.0, x), x)


def square(x) -> Tensor:
    """x * x (integer tensors stay integer)."""
    x = as_tensor(x)
    if x._data.dtype.kind == "b":
        x = _make(x._data.astype(np.int64))  # NOTE: as PyTorch: the square of a bool tensor is int64
    return mul(x, x)


def _lift_like(value, x: Tensor) -> Tensor:
    return _make(np.array(value, dtype=x._data.dtype))


def floor(x) -> Tensor:
    """The largest integer <= x; zero gradient. Integer tensors are returned unchanged (a copy)."""
    return _rounding(np.floor, x)


def ceil(x) -> Tensor:
    """The smallest integer >= x; zero gradient."""
    return _rounding(np.ceil, x)


def trunc(x) -> Tensor:
    """x rounded toward zero; zero gradient."""
    return _rounding(np.trunc, x)


def round(x, decimals: int = 0) -> Tensor:
    """x rounded to ``decimals`` decimal places, halves to even (as PyTorch and numpy); zero gradient."""
    if decimals:
        return _rounding(lambda d: np.round(d, decimals), x)
    return _rounding(np.rint, x)


def _rounding(fn, x) -> Tensor:
    x = as_tensor(x)
    if x._data.dtype.kind in "biu":
        return _make(x._data.copy())
    return _zero_grad(np.asarray(fn(x._data)), x)


def remainder(a, b) -> Tensor:
    """a - floor(a / b) * b: the result has the sign of b (Python's %, ``torch.remainder``);
    d/da = 1, d/db = -floor(a / b)."""
    return _mod("remainder", a, b, True)


def fmod(a, b) -> Tensor:
    """a - trunc(a / b) * b: the result has the sign of a (C's fmod, ``torch.fmod``); d/da = 1, d/db = -trunc(a / b)."""
    return _mod("fmod", a, b, False)


def _mod(op: str, a, b, floor_: bool) -> Tensor:
    a, b = _pair(a, b)
    ka, kb = a._data.dtype.kind, b._data.dtype.kind
    if ka == "b" and kb == "b":
        raise TypeError(f"{op}: not defined for two bool tensors; convert them to an integer dtype first")
    if ka in "biu" and kb in "biu":
        _check_int_divisor(op, b._data)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ops.Mod.apply(a, b, floor=floor_)


def copysign(a, b) -> Tensor:
    """|a| with the sign of b (b's sign bit, so -0.0 counts as negative); d/da = sign(a) * sign(result)
    (0 at a == 0), and b gets no gradient (PyTorch: zero)."""
    a, b = _pair(a, b)
    a = _float(a)
    neg_b = np.signbit(b._data)
    mag = abs(a)
    return where(neg_b, neg(mag), mag)


def logaddexp(a, b) -> Tensor:
    """log(exp(a) + exp(b)) without overflow: a + log1p(exp(b - a)) where a >= b, else the same with a, b swapped."""
    a, b = _pair(a, b)
    a, b = _float(a), _float(b)
    # NOTE: two branches, not max(a, b) + log1p(exp(-|a - b|)): that one's second derivative is 0 at a == b
    # (max's tie split and abs's kink are piecewise constant). The exponent is clipped at 0 so that the branch
    # where() discards neither overflows nor sends nan back.
    with np.errstate(invalid="ignore"):
        d = sub(b, a)
        first = add(a, log1p(exp(clip(d, max=0.0))))
        second = add(b, log1p(exp(clip(neg(d), max=0.0))))
        y = where(a._data >= b._data, first, second)
    both_inf = np.isinf(a._data) & (a._data == b._data)  # NOTE: (-inf) - (-inf) is nan; the answer is a
    if both_inf.any():
        y = where(both_inf, a, y)
    return y


def lerp(start, end, weight) -> Tensor:
    """start + weight * (end - start); weight may be a number or a tensor."""
    start, end = _pair(start, end)
    return add(start, mul(weight, sub(end, start)))


def isnan(x) -> Tensor:
    """True where x is nan (bool tensor)."""
    return _make(np.isnan(as_tensor(x)._data))


def isinf(x) -> Tensor:
    """True where x is +inf or -inf (bool tensor)."""
    return _make(np.isinf(as_tensor(x)._data))


def isfinite(x) -> Tensor:
    """True where x is neither inf nor nan (bool tensor)."""
    return _make(np.isfinite(as_tensor(x)._data))


# ***** logical and bitwise (not differentiable: bool results, or integer/bool operands) *****


def logical_and(a, b) -> Tensor:
    """a and b elementwise, nonzero counting as true (bool tensor)."""
    a, b = _pair(a, b)
    return _make(np.asarray(np.logical_and(a._data, b._data)))


def logical_or(a, b) -> Tensor:
    """a or b elementwise, nonzero counting as true (bool tensor)."""
    a, b = _pair(a, b)
    return _make(np.asarray(np.logical_or(a._data, b._data)))


def logical_xor(a, b) -> Tensor:
    """a xor b elementwise, nonzero counting as true (bool tensor)."""
    a, b = _pair(a, b)
    return _make(np.asarray(np.logical_xor(a._data, b._data)))


def logical_not(x) -> Tensor:
    """not x elementwise, zero counting as false (bool tensor)."""
    return _make(np.asarray(np.logical_not(as_tensor(x)._data)))


def _bitwise(op: str, ufunc, a, b) -> Tensor:
    a, b = _pair(a, b)
    for t in (a, b):
        if t._data.dtype.kind not in "biu":
            raise TypeError(
                f"{op}: needs bool or integer tensors, got dtype {t._data.dtype}; for a logical operation on "
                f"other dtypes use logical_{op.split('_')[1]}"
            )
    return _make(np.asarray(ufunc(a._data, b._data)))


def bitwise_and(a, b) -> Tensor:
    """a & b on bool or integer tensors."""
    return _bitwise("bitwise_and", np.bitwise_and, a, b)


def bitwise_or(a, b) -> Tensor:
    """a | b on bool or integer tensors."""
    return _bitwise("bitwise_or", np.bitwise_or, a, b)


def bitwise_xor(a, b) -> Tensor:
    """a ^ b on bool or integer tensors."""
    return _bitwise("bitwise_xor", np.bitwise_xor, a, b)


def bitwise_not(x) -> Tensor:
    """~x on bool (logical not) or integer (two's complement) tensors."""
    x = as_tensor(x)
    if x._data.dtype.kind not in "biu":
        raise TypeError(
            f"bitwise_not: needs a bool or integer tensor, got dtype {x._data.dtype}; for floats use logical_not"
        )
    return _make(np.asarray(np.invert(x._data)))

from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
from ..ops import Add, Div, Mul, Pow, Sub  # noqa: E402
