"""Reductions: sum, max, logsumexp, forward next to derivative."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function
from ._util import _const, _keepdims_shape, _max, _mode, _sum


# ***** reductions *****


def _kept_axes(ctx, *ts):
    """Tensors shaped like the reduction's output (gy, the output), reshaped with the reduced axes kept as size 1,
    so that they broadcast against the input."""
    if ctx.keepdims:
        return ts
    kshape = _keepdims_shape(ctx.inputs[0].shape, ctx.axis)
    return tuple(F.reshape(t, kshape) for t in ts)


class Sum(Function):
    """y = sum of x over axis;  dy/dx = 1 (gy broadcast back over the reduced axes)"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.axis, ctx.keepdims = axis, keepdims
        return _sum(x, axis, None, None, keepdims)

    @staticmethod
    def backward(ctx, gy):
        shape = ctx.inputs[0]._data.shape
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py): a read-only broadcast view
            g = gy._data
            return _const(np.broadcast_to(g if ctx.keepdims else g.reshape(_keepdims_shape(shape, ctx.axis)), shape))
        gy, = _kept_axes(ctx, gy)
        return F.broadcast_to(gy, shape)


class Max(Function):
    """y = max of x over axis;  dy/dx = 1/k at the k elements equal to the max, else 0 (ties share evenly)"""

    save_output = True

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.axis, ctx.keepdims = axis, keepdims
        return _max(x, axis, None, None, keepdims)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]._data
        kshape = _keepdims_shape(x.shape, ctx.axis)
        is_max = (x == ctx.output._data.reshape(kshape)).astype(x.dtype)
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
        m = _max(x, axis, None, None, True)
        if np.isfinite(m).all():
            y = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m  # the sum is >= 1: no log(0)
        else:
            m = np.where(np.isfinite(m), m, 0)  # NOTE: rows of -inf give -inf (not nan), rows with +inf give +inf
            with np.errstate(divide="ignore"):
                y = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        return y if keepdims else np.squeeze(y, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        gy, y = _kept_axes(ctx, gy, ctx.output)
        return gy * F.exp(x - y)


class Prod(Function):
    """y = prod of x over axis;  dy/dx_j = prod_{k != j} x_k

    Why a primitive: y / x is 0 / 0 at zeros. Without zeros the gradient is y / x; with zeros it is the product of
    the others, from exclusive cumprods (no division), which matches PyTorch at one or several zeros and keeps the
    second derivative exact there.
    """

    save_output = True

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.axis, ctx.keepdims = axis, keepdims
        return np.multiply.reduce(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        gy, y = _kept_axes(ctx, gy, ctx.output)
        if not (x._data == 0).any():
            return gy * y / x
        return gy * _prod_of_others(x, ctx.axis)


def _prod_of_others(x, axis):
    """prod_{k != j} x_k over the reduced axes, without division: (exclusive cumprod from the left) * (from the
    right), on the reduced axes moved last and flattened. Differentiable with exact first derivatives (Cumprod's),
    so the second derivative of prod is exact at zeros too."""
    nd = x.ndim
    red = tuple(range(nd)) if axis is None else axis
    keep = tuple(a for a in range(nd) if a not in red)
    perm = keep + tuple(red)
    xt = F.transpose(x, *perm) if perm != tuple(range(nd)) else x
    lead = xt.shape[: len(keep)]
    xf = F.reshape(xt, lead + (-1,))
    one = _const(np.ones(lead + (1,), dtype=x.dtype))
    left = F.concatenate([one, F.cumprod(xf[..., :-1], -1)], -1)
    right = F.flip(F.concatenate([one, F.cumprod(F.flip(xf, -1)[..., :-1], -1)], -1), -1)
    others = F.reshape(left * right, xt.shape)
    return F.transpose(others, *np.argsort(perm).tolist()) if perm != tuple(range(nd)) else others
