"""Elementwise primitives: arithmetic (broadcasting) and functions, forward next to derivative."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function
from ..tensor import _readonly_full
from ._util import _const, _mode


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
        if not ctx.needs_input_grad[1]:
            return gy, None
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            return gy, _const(np.negative(gy._data))
        return gy, -gy


class Neg(Function):
    """y = -x;  dy/dx = -1"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, gy):
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            return _const(np.negative(gy._data))
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
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            g = gy._data
            return (_const(g * b._data) if na else None), (_const(g * a._data) if nb else None)
        return (gy * b if na else None), (gy * a if nb else None)


class Div(Function):
    """y = a / b;  dy/da = 1 / b,  dy/db = -a / b**2"""

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            bd = b._data
            ga = gy._data / bd
            return (_const(ga) if na else None), (_const(-ga * a._data / bd) if nb else None)
        ga = gy / b
        return (ga if na else None), (-ga * a / b if nb else None)


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
        if na:
            # NOTE: masked only where 0 * 0**-1 is nan (b == 0 at a == 0): elsewhere b == 0 gives 0 already and
            # stays differentiable. The cheap test on b comes first: this backward is hot (x ** 2).
            zero_b = b._data == 0
            mask = zero_b & (a._data == 0) if zero_b.any() else None
            if mask is not None and mask.any():
                with np.errstate(divide="ignore", invalid="ignore"):
                    ga = F.where(mask, _const(np.zeros((), gy.dtype)), gy * b * a ** (b - 1))
            else:
                ga = gy * b * a ** (b - 1)
        if nb:
            mask = (a._data == 0) & (b._data >= 0)
            if mask.any():
                with np.errstate(divide="ignore", invalid="ignore"):
                    gb = F.where(mask, _const(np.zeros((), gy.dtype)), gy * ctx.output * F.log(a))
            else:
                gb = gy * ctx.output * F.log(a)
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
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            return _const(gy._data * ctx.output._data)
        return gy * ctx.output


class Log(Function):
    """y = log(x);  dy/dx = 1 / x"""

    @staticmethod
    def forward(ctx, x):
        return np.log(x)

    @staticmethod
    def backward(ctx, gy):
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            return _const(gy._data / ctx.inputs[0]._data)
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
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            return _const(TanhGrad.forward(None, gy._data, ctx.output._data))
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
        # NOTE: 1 / (1 + exp(-x)) in place: three passes, accurate to an ulp (also tiny values: sigmoid(-50) ~ 2e-22
        # has e^50 in the denominator). Where exp(-x) would overflow (x < -88 in float32), the two-branch form.
        if x.dtype.kind == "f" and x.ndim:
            t = np.negative(x)
            if t.max() <= _EXP_MAX.get(x.dtype, 0.0):
                np.exp(t, out=t)
                t += 1
                return np.reciprocal(t, out=t)
        return _sigmoid_two_branch(x)

    @staticmethod
    def backward(ctx, gy):
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            return _const(SigmoidGrad.forward(None, gy._data, ctx.output._data))
        return SigmoidGrad.apply(gy, ctx.output)


_EXP_MAX = {np.dtype(d): float(np.log(np.finfo(d).max)) for d in (np.float16, np.float32, np.float64)}


def _sigmoid_two_branch(x):
    """sigmoid without overflow for any x: 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0, with e = exp(-|x|)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


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
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            return _const(gy._data * mask)
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
        return gy * _const(clip_inside(ctx))


def clip_inside(node) -> np.ndarray:
    """Where a Clip node's input lies within its bounds (included): the mask of its derivative."""
    x = node.inputs[0]._data
    inside = np.ones(x.shape, dtype=bool)
    if node.lo is not None:
        inside &= x >= node.lo
    if node.hi is not None:
        inside &= x <= node.hi
    return inside


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
