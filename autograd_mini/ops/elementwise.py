"""Elementwise primitives: arithmetic (broadcasting) and functions, forward next to derivative."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function
from ..tensor import _readonly_full
from ._util import _const


# ***** elementwise: arithmetic *****


class Add(Function):
    """y = a + b;  dy/da = 1,  dy/db = 1"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, gy):
        return gy, gy


class Sub(Function):
    """y = a - b;  dy/da = 1,  dy/db = -1"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, gy):
        return gy, (-gy if ctx.needs_input_grad[1] else None)


class Neg(Function):
    """y = -x;  dy/dx = -1"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, gy):
        return -gy


class Mul(Function):
    """y = a * b;  dy/da = b,  dy/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        return (gy * b if na else None), (gy * a if nb else None)


class Div(Function):
    """y = a / b;  dy/da = 1 / b,  dy/db = -a / b**2"""

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        ga = gy / b
        return (ga if ctx.needs_input_grad[0] else None), (-ga * a / b if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """y = a ** b;  dy/da = b * a**(b - 1) (0 where b == 0),  dy/db = y * log(a) (0 where a == 0 and b >= 0)

    NOTE: the masks are PyTorch's: without them 0 * 0**-1 and 0**b * log(0) give nan at a zero base or a zero
    exponent, where the limits are 0 (and -inf for d/db at a == 0, b < 0).
    """

    save_output = True

    @staticmethod
    def forward(ctx, a, b):
        return np.power(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if na:
                ga = gy * b * a ** (b - 1)
                # NOTE: only where 0 * 0**-1 is nan: elsewhere b == 0 gives 0 already, and stays differentiable
                zero_b = (b._data == 0) & (a._data == 0)
                if zero_b.any():
                    ga = F.where(zero_b, _const(np.zeros((), ga.dtype)), ga)
            if nb:
                gb = gy * ctx.output * F.log(a)
                ad = a._data
                zero_a = (ad == 0) & (b._data >= 0)
                if zero_a.any():
                    gb = F.where(zero_a, _const(np.zeros((), gb.dtype)), gb)
        return ga, gb


class Maximum(Function):
    """y = max(a, b) elementwise;  dy/da = 1 where a > b, 0.5 where a == b (a tie is split, as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        ad, bd = a._data, b._data
        dt = np.result_type(ad, bd)
        wa = (ad > bd).astype(dt) + 0.5 * (ad == bd).astype(dt)
        na, nb = ctx.needs_input_grad
        return (gy * _const(wa) if na else None), (gy * _const(1 - wa) if nb else None)


class Where(Function):
    """y = a where cond else b;  dy/da = cond,  dy/db = not cond  (cond is a constant boolean array)"""

    reads_inputs = False
    buffers = ("cond",)

    @staticmethod
    def forward(ctx, a, b, cond):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, gy):
        zero = _const(np.zeros((), dtype=gy.dtype))
        cond = ctx.cond
        na, nb = ctx.needs_input_grad
        ga = F.where(cond, gy, zero) if na else None
        gb = F.where(cond, zero, gy) if nb else None
        return ga, gb


# ***** elementwise: functions *****


class Exp(Function):
    """y = exp(x);  dy/dx = y"""

    save_output = True
    reads_inputs = False  # NOTE: backward reads the output only

    @staticmethod
    def forward(ctx, x):
        return np.exp(x)

    @staticmethod
    def backward(ctx, gy):
        return gy * ctx.output


class Log(Function):
    """y = log(x);  dy/dx = 1 / x"""

    @staticmethod
    def forward(ctx, x):
        return np.log(x)

    @staticmethod
    def backward(ctx, gy):
        return gy / ctx.inputs[0]


class Tanh(Function):
    """y = tanh(x);  dy/dx = 1 - y**2"""

    save_output = True
    reads_inputs = False  # NOTE: backward reads the output only

    @staticmethod
    def forward(ctx, x):
        return np.tanh(x)

    @staticmethod
    def backward(ctx, gy):
        return TanhGrad.apply(gy, ctx.output)


class TanhGrad(Function):
    """g = gy * (1 - y**2), the derivative of tanh applied to gy (y = tanh(x));
    dg/dgy = 1 - y**2,  dg/dy = -2 * gy * y

    NOTE: a primitive so that tanh's backward costs one node instead of three (LSTM and RNN cells run it at
    every step); its own derivative is written in Tensor ops, so derivatives of any order work.
    """

    @staticmethod
    def forward(ctx, gy, y):
        return _times(gy, 1 - y * y)

    @staticmethod
    def backward(ctx, gg):
        gy, y = ctx.inputs
        na, nb = ctx.needs_input_grad
        return (gg * (1 - y * y) if na else None), (gg * gy * y * -2.0 if nb else None)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x));  dy/dx = y * (1 - y)"""

    save_output = True
    reads_inputs = False  # NOTE: backward reads the output only

    @staticmethod
    def forward(ctx, x):
        # NOTE: exp(-log(1 + exp(-x))) never overflows and keeps tiny values (sigmoid(-50) ~ 2e-22) exact.
        return np.exp(-np.logaddexp(0, -x))

    @staticmethod
    def backward(ctx, gy):
        return SigmoidGrad.apply(gy, ctx.output)


class SigmoidGrad(Function):
    """g = gy * y * (1 - y), the derivative of the sigmoid applied to gy (y = sigmoid(x));
    dg/dgy = y * (1 - y),  dg/dy = gy * (1 - 2 * y)

    NOTE: a primitive so that the sigmoid's backward costs one node instead of three (LSTM gates, the notes'
    sigmoid networks); its own derivative is written in Tensor ops, so derivatives of any order work.
    """

    @staticmethod
    def forward(ctx, gy, y):
        return _times(gy, (1 - y) * y)

    @staticmethod
    def backward(ctx, gg):
        gy, y = ctx.inputs
        na, nb = ctx.needs_input_grad
        return (gg * (y * (1 - y)) if na else None), (gg * gy * (1 - 2.0 * y) if nb else None)


def _times(gy, d):
    """gy * d, in place on d (a fresh array) when the result has d's shape and dtype."""
    if d.shape == gy.shape and d.dtype == gy.dtype:
        d *= gy  # NOTE: a 0-d d is a numpy scalar, for which *= just rebinds
        return d
    return gy * d


class Relu(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0 else 0 (0 at x == 0, as PyTorch)"""

    # NOTE: not maximum(x, 0): maximum splits ties 0.5/0.5, which would give 0.5 at x == 0.

    @staticmethod
    def forward(ctx, x):
        return np.maximum(x, _readonly_full((), 0, x.dtype))  # NOTE: not a Python 0 (see _readonly_full)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]._data
        mask = x > _readonly_full((), 0, x.dtype)
        return Mul.apply(gy, _const(mask))  # NOTE: the primitive directly (hot in every ReLU net)


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at x == 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        return np.abs(x)

    @staticmethod
    def backward(ctx, gy):
        return gy * _const(np.sign(ctx.inputs[0]._data))


class Clip(Function):
    """y = min(max(x, lo), hi);  dy/dx = 1 where lo <= x <= hi (bounds included, as PyTorch) else 0"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]._data
        inside = np.ones(x.shape, dtype=bool)
        if ctx.lo is not None:
            inside &= x >= ctx.lo
        if ctx.hi is not None:
            inside &= x <= ctx.hi
        return gy * _const(inside)


class Cast(Function):
    """y = x converted to another dtype;  dy/dx = 1 (the gradient is cast back)"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, gy):
        return F.astype(gy, ctx.inputs[0].dtype)


class Copy(Function):
    """y = x, in new memory (clone);  dy/dx = 1"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True)

    @staticmethod
    def backward(ctx, gy):
        return gy
