"""Every primitive op: its forward (numpy in, numpy out) next to its derivative (Tensor ops, vector-Jacobian).

Rules of this file:
- ``forward(ctx, *arrays, **attrs)`` computes the value; attributes needed later go on ``ctx``.
- ``backward(ctx, gy)`` returns one gradient per input (or None where ``ctx.needs_input_grad`` is False),
  written with Tensor ops only, so that with ``create_graph=True`` the backward pass is itself recorded and
  can be differentiated again.
- Gradients may come back in the broadcast shape: the engine sums them to each input's shape, once, for all ops.

Everything not in this file is a composite in functional.py, whose derivative follows from these.
"""
from __future__ import annotations

import numpy as np

from . import functional as F
from .function import Function
from .tensor import _make


def _keepdims_shape(shape, axis):
    """Shape of a reduction over ``axis`` with keepdims=True (axis: None, int or tuple, already normalized)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def _const(array):
    """A tensor that is a constant for differentiation (a mask, an index, a zero)."""
    return _make(array)


# ***** elementwise: arithmetic *****


class Add(Function):
    """y = a + b;  dy/da = 1,  dy/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, gy):
        return gy, gy


class Sub(Function):
    """y = a - b;  dy/da = 1,  dy/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, gy):
        return gy, (-gy if ctx.needs_input_grad[1] else None)


class Neg(Function):
    """y = -x;  dy/dx = -1"""

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
    """y = a ** b;  dy/da = b * a**(b - 1),  dy/db = y * log(a)"""

    save_output = True

    @staticmethod
    def forward(ctx, a, b):
        return np.power(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        ga = gy * b * a ** (b - 1) if na else None
        gb = gy * ctx.output * F.log(a) if nb else None
        return ga, gb


class Maximum(Function):
    """y = max(a, b) elementwise;  dy/da = 1 where a > b, 0.5 where a == b (a tie is split, as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        ad, bd = a.data, b.data
        dt = np.result_type(ad, bd)
        wa = (ad > bd).astype(dt) + 0.5 * (ad == bd).astype(dt)
        na, nb = ctx.needs_input_grad
        return (gy * _const(wa) if na else None), (gy * _const(1 - wa) if nb else None)


class Where(Function):
    """y = a where cond else b;  dy/da = cond,  dy/db = not cond  (cond is a constant boolean array)"""

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

    @staticmethod
    def forward(ctx, x):
        return np.tanh(x)

    @staticmethod
    def backward(ctx, gy):
        y = ctx.output
        return gy * (1 - y * y)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x));  dy/dx = y * (1 - y)"""

    save_output = True

    @staticmethod
    def forward(ctx, x):
        # NOTE: exp(-log(1 + exp(-x))) never overflows and keeps tiny values (sigmoid(-50) ~ 2e-22) exact.
        return np.exp(-np.logaddexp(0, -x))

    @staticmethod
    def backward(ctx, gy):
        y = ctx.output
        return gy * (y * (1 - y))


class Relu(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0 else 0 (0 at x == 0, as PyTorch)"""

    # NOTE: not maximum(x, 0): maximum splits ties 0.5/0.5, which would give 0.5 at x == 0.

    @staticmethod
    def forward(ctx, x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0].data
        return gy * _const(x > 0)


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at x == 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        return np.abs(x)

    @staticmethod
    def backward(ctx, gy):
        return gy * _const(np.sign(ctx.inputs[0].data))


class Clip(Function):
    """y = min(max(x, lo), hi);  dy/dx = 1 where lo <= x <= hi (bounds included, as PyTorch) else 0"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0].data
        inside = np.ones(x.shape, dtype=bool)
        if ctx.lo is not None:
            inside &= x >= ctx.lo
        if ctx.hi is not None:
            inside &= x <= ctx.hi
        return gy * _const(inside)


class Cast(Function):
    """y = x converted to another dtype;  dy/dx = 1 (the gradient is cast back)"""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, gy):
        return F.astype(gy, ctx.inputs[0].dtype)


# ***** reductions *****


class Sum(Function):
    """y = sum of x over axis;  dy/dx = 1 (gy broadcast back over the reduced axes)"""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.axis, ctx.keepdims = axis, keepdims
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        shape = ctx.inputs[0].shape
        if not ctx.keepdims:
            gy = F.reshape(gy, _keepdims_shape(shape, ctx.axis))
        return F.broadcast_to(gy, shape)


class Max(Function):
    """y = max of x over axis;  dy/dx = 1/k at the k elements equal to the max, else 0 (ties share evenly)"""

    save_output = True

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.axis, ctx.keepdims = axis, keepdims
        return np.max(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0].data
        kshape = _keepdims_shape(x.shape, ctx.axis)
        is_max = (x == ctx.output.data.reshape(kshape)).astype(x.dtype)
        share = is_max / is_max.sum(axis=ctx.axis, keepdims=True)
        return F.reshape(gy, kshape) * _const(share)


class LogSumExp(Function):
    """y = log(sum(exp(x))) over axis;  dy/dx = exp(x - y) (the softmax)"""

    # NOTE: a primitive (not exp/sum/log composed) for stability: forward subtracts the max, so logits of
    # 1e4 give finite results, and the derivative exp(x - y) never overflows.
    save_output = True

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.axis, ctx.keepdims = axis, keepdims
        m = np.max(x, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # NOTE: rows of -inf give -inf, not nan
        with np.errstate(divide="ignore"):
            y = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
        return y if keepdims else np.squeeze(y, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        kshape = _keepdims_shape(x.shape, ctx.axis)
        y = ctx.output
        if not ctx.keepdims:
            gy, y = F.reshape(gy, kshape), F.reshape(y, kshape)
        return gy * F.exp(x - y)


# ***** shape and indexing *****


class Reshape(Function):
    """y = x viewed with a new shape;  dy/dx: gy reshaped back"""

    @staticmethod
    def forward(ctx, x, shape):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return F.reshape(gy, ctx.inputs[0].shape)


class Transpose(Function):
    """y = x with axes permuted;  dy/dx: gy with the inverse permutation"""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, gy):
        if ctx.axes is None:
            return F.transpose(gy)
        return F.transpose(gy, *np.argsort(ctx.axes).tolist())


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  dy/dx = gy summed back to x's shape"""

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return F.sum_to(gy, ctx.inputs[0].shape)


class SumTo(Function):
    """y = x summed over the axes broadcasting added or stretched, down to ``shape``;  dy/dx: gy broadcast"""

    @staticmethod
    def forward(ctx, x, shape):
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1
        )
        y = np.sum(x, axis=axes, keepdims=True) if axes else x
        return y.reshape(shape) if lead else y

    @staticmethod
    def backward(ctx, gy):
        return F.broadcast_to(gy, ctx.inputs[0].shape)


class GetItem(Function):
    """y = x[index];  dy/dx = gy scattered back into zeros of x's shape (repeated indices add up)"""

    @staticmethod
    def forward(ctx, x, index):
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        return IndexAdd.apply(gy, index=ctx.index, shape=ctx.inputs[0].shape)


class IndexAdd(Function):
    """y = zeros(shape) with g added at index (np.add.at);  dy/dg = gy[index]"""

    @staticmethod
    def forward(ctx, g, index, shape):
        ctx.index = index
        y = np.zeros(shape, dtype=g.dtype)
        if _is_basic_index(index):
            y[index] = g  # NOTE: basic indexing cannot repeat an element, so plain assignment is exact
        else:
            np.add.at(y, index, g)
        return y

    @staticmethod
    def backward(ctx, gy):
        return F.getitem(gy, ctx.index)


def _is_basic_index(index) -> bool:
    items = index if type(index) is tuple else (index,)
    for i in items:
        if not (i is None or i is Ellipsis or type(i) in (slice, int) or isinstance(i, np.integer)):
            return False
    return True


class Concatenate(Function):
    """y = the inputs joined along axis;  dy/dx_i = the slice of gy that x_i occupies"""

    @staticmethod
    def forward(ctx, *xs, axis):
        ctx.axis = axis
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        axis = ctx.axis % gy.ndim
        grads, start = [], 0
        for x, need in zip(ctx.inputs, ctx.needs_input_grad):
            stop = start + x.shape[axis]
            if need:
                grads.append(F.getitem(gy, (slice(None),) * axis + (slice(start, stop),)))
            else:
                grads.append(None)
            start = stop
        return tuple(grads)


# ***** linear algebra *****


class MatMul(Function):
    """y = a @ b for operands of 2 or more dimensions;  dy/da = gy @ b^T,  dy/db = a^T @ gy

    Leading (batch) dimensions broadcast; the engine sums the gradient back to each operand's batch shape.
    """

    @staticmethod
    def forward(ctx, a, b):
        # NOTE: np.dot for 2-D: OpenBLAS's matmul path is ~8x slower when the inner dimension is 1 (outer products)
        if a.ndim == 2 and b.ndim == 2:
            return np.dot(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        ga = F.matmul(gy, F.swapaxes(b, -1, -2)) if na else None
        gb = F.matmul(F.swapaxes(a, -1, -2), gy) if nb else None
        return ga, gb
