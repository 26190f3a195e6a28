"""Elementwise math primitives: trigonometric and hyperbolic functions, their inverses, erf, log1p/expm1,
log2/log10, remainder/fmod, and softmax.

Why these are primitives and not compositions (every other function of the math family is composed in
functional/elementwise.py, e.g. ``logaddexp``, ``lerp``, ``copysign``, ``rsqrt``, ``exp2``, ``floor``):

- ``sin``/``cos``/``asin``/``acos``/``atan``/``atan2``/``asinh``/``acosh``/``atanh``/``erf``: nothing to compose
  them from (the base set has exp/log/pow only).
- ``tan``: one node whose backward reads the saved output (1 + y^2); sin(x)/cos(x) costs three nodes forward and
  about six backward, and is 3x slower (measured, 1e6 float64: 14 ms vs 42 ms forward+backward).
- ``sinh``/``cosh``/``log1p``/``expm1``/``erfc``/``log2``/``log10``: accuracy. (exp(x) - exp(-x)) / 2 has a
  relative error of 1e-6 at x = 1e-10, log(1 + x) and exp(x) - 1 lose every digit for tiny x, 1 - erf(x) is 0
  for x > 6 where erfc(6) = 2e-17, acos(x) = pi/2 - asin(x) loses relative precision near x = 1, and
  log(x) / log(2) is not exactly 3 at x = 8 (numpy's log2 is).
- ``Mod`` (remainder, fmod): numpy's remainder is exact, a - floor(a / b) * b is not; the backward is PyTorch's
  (d/da = 1, d/db = -floor(a / b) or -trunc(a / b)).
- ``Softmax``: exp(x - max) / sum in one node, as PyTorch computes it (the old exp(x - logsumexp(x)) was off by
  4e-5 in float32 at logits near 1e4, where logsumexp's ulp is 1e-3), with the backward y * (gy - sum(gy * y)).
"""
from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..function import Function
from ._special import erf as _erf, erfc as _erfc
from ._util import _const

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ***** trigonometric *****


class Sin(Function):
    """y = sin(x);  dy/dx = cos(x)"""

    @staticmethod
    def forward(ctx, x):
        return np.sin(x)

    @staticmethod
    def backward(ctx, gy):
        return gy * F.cos(ctx.inputs[0])


class Cos(Function):
    """y = cos(x);  dy/dx = -sin(x)"""

    @staticmethod
    def forward(ctx, x):
        return np.cos(x)

    @staticmethod
    def backward(ctx, gy):
        return -gy * F.sin(ctx.inputs[0])


class Tan(Function):
    """y = tan(x);  dy/dx = 1 + y**2"""

    save_output = True
    reads_inputs = False  # NOTE: backward reads the output only

    @staticmethod
    def forward(ctx, x):
        return np.tan(x)

    @staticmethod
    def backward(ctx, gy):
        y = ctx.output
        return gy * (1 + y * y)


class Asin(Function):
    """y = asin(x);  dy/dx = 1 / sqrt(1 - x**2)"""

    @staticmethod
    def forward(ctx, x):
        return np.arcsin(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy * F.rsqrt(1 - x * x)


class Acos(Function):
    """y = acos(x);  dy/dx = -1 / sqrt(1 - x**2)"""

    @staticmethod
    def forward(ctx, x):
        return np.arccos(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return -gy * F.rsqrt(1 - x * x)


class Atan(Function):
    """y = atan(x);  dy/dx = 1 / (1 + x**2)"""

    @staticmethod
    def forward(ctx, x):
        return np.arctan(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy / (1 + x * x)


class Atan2(Function):
    """y = atan2(a, b), the angle of the point (b, a);  dy/da = b / (a**2 + b**2),  dy/db = -a / (a**2 + b**2)"""

    @staticmethod
    def forward(ctx, a, b):
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        g = gy / (a * a + b * b)
        return (g * b if na else None), (-g * a if nb else None)


# ***** hyperbolic *****


class Sinh(Function):
    """y = sinh(x);  dy/dx = cosh(x)"""

    @staticmethod
    def forward(ctx, x):
        return np.sinh(x)

    @staticmethod
    def backward(ctx, gy):
        return gy * F.cosh(ctx.inputs[0])


class Cosh(Function):
    """y = cosh(x);  dy/dx = sinh(x)"""

    @staticmethod
    def forward(ctx, x):
        return np.cosh(x)

    @staticmethod
    def backward(ctx, gy):
        return gy * F.sinh(ctx.inputs[0])


class Asinh(Function):
    """y = asinh(x);  dy/dx = 1 / sqrt(x**2 + 1)"""

    @staticmethod
    def forward(ctx, x):
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy * F.rsqrt(x * x + 1)


class Acosh(Function):
    """y = acosh(x) (x >= 1);  dy/dx = 1 / sqrt(x**2 - 1)"""

    @staticmethod
    def forward(ctx, x):
        return np.arccosh(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy * F.rsqrt(x * x - 1)


class Atanh(Function):
    """y = atanh(x) (|x| < 1);  dy/dx = 1 / (1 - x**2)"""

    @staticmethod
    def forward(ctx, x):
        return np.arctanh(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy / (1 - x * x)


# ***** exponential and logarithm variants *****


class Log1p(Function):
    """y = log(1 + x), accurate for tiny x;  dy/dx = 1 / (1 + x)"""

    @staticmethod
    def forward(ctx, x):
        return np.log1p(x)

    @staticmethod
    def backward(ctx, gy):
        return gy / (1 + ctx.inputs[0])


class Expm1(Function):
    """y = exp(x) - 1, accurate for tiny x;  dy/dx = exp(x)"""

    # NOTE: exp(x), not y + 1, which cancels for x << 0 (float32 y + 1 at x = -9.5 keeps 3 digits)

    @staticmethod
    def forward(ctx, x):
        return np.expm1(x)

    @staticmethod
    def backward(ctx, gy):
        return gy * F.exp(ctx.inputs[0])


class Log2(Function):
    """y = log2(x), exact at powers of two;  dy/dx = 1 / (x log 2)"""

    @staticmethod
    def forward(ctx, x):
        return np.log2(x)

    @staticmethod
    def backward(ctx, gy):
        return gy / (ctx.inputs[0] * math.log(2.0))


class Log10(Function):
    """y = log10(x), exact at powers of ten;  dy/dx = 1 / (x log 10)"""

    @staticmethod
    def forward(ctx, x):
        return np.log10(x)

    @staticmethod
    def backward(ctx, gy):
        return gy / (ctx.inputs[0] * math.log(10.0))


# ***** error function *****


class Erf(Function):
    """y = erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt;  dy/dx = 2/sqrt(pi) * exp(-x**2)

    The forward is a vectorized float64 rational approximation (ops/_special.py; numpy has no erf), within 1 ulp
    of math.erf.
    """

    @staticmethod
    def forward(ctx, x):
        return _erf(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy * (F.exp(-x * x) * _TWO_OVER_SQRT_PI)


class Erfc(Function):
    """y = erfc(x) = 1 - erf(x), accurate where erf(x) is near 1;  dy/dx = -2/sqrt(pi) * exp(-x**2)"""

    @staticmethod
    def forward(ctx, x):
        return _erfc(x)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy * (F.exp(-x * x) * -_TWO_OVER_SQRT_PI)


# ***** remainder *****


class Mod(Function):
    """y = a - q * b with q = floor(a / b) (remainder: the sign of b) or trunc(a / b) (fmod: the sign of a);
    dy/da = 1,  dy/db = -q  (as PyTorch; q is piecewise constant)"""

    buffers = ("q",)

    @staticmethod
    def forward(ctx, a, b, floor):
        ctx.floor = floor
        if floor:
            return np.remainder(a, b)
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        gb = None
        if nb:
            with np.errstate(divide="ignore", invalid="ignore"):
                q = a._data / b._data
            q = np.floor(q) if ctx.floor else np.trunc(q)
            gb = gy * _const(-q.astype(gy.dtype, copy=False))
        return (gy if na else None), gb


# ***** softmax *****


class Softmax(Function):
    """y = exp(x - max(x)) / sum(exp(x - max(x))) along ``axis``;  dx = y * (gy - sum(gy * y, axis))"""

    save_output = True
    reads_inputs = False  # NOTE: backward reads the output only

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        e = x - np.max(x, axis=axis, keepdims=True)
        np.exp(e, out=e)
        e /= np.sum(e, axis=axis, keepdims=True)
        return e

    @staticmethod
    def backward(ctx, gy):
        y = ctx.output
        gyy = gy * y
        return gyy - y * F.sum(gyy, ctx.axis, True)
