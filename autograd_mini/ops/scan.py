"""Scan primitives: cumulative sum, product and log-sum-exp along one axis, forward next to derivative.

Why primitives: ``cumsum`` composed from slices and adds would cost O(n^2); its derivative is a reversed
cumsum, one numpy call. ``cumprod`` needs a derivative that is right when the input holds zeros (y / x is
0 / 0 there). ``logcumsumexp`` needs a stable forward (``np.logaddexp.accumulate``) that no composition
of cumsum and exp gives: exp under/overflows for inputs far apart.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import grad_mode as _grad_mode
from ..function import Function
from ._util import _const


def _flip(x, axis):
    return np.flip(x, axis)


# ***** scans *****


class Cumsum(Function):
    """y_i = sum_{k<=i} x_k along axis (reverse: sum_{k>=i});  dy/dx: gy cumsummed the other way"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis, ctx.reverse = axis, reverse
        if reverse:
            return np.ascontiguousarray(_flip(np.cumsum(_flip(x, axis), axis=axis), axis))
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        return Cumsum.apply(gy, axis=ctx.axis, reverse=not ctx.reverse)


class Cumprod(Function):
    """y_i = prod_{k<=i} x_k along axis;  dL/dx_j = sum_{i>=j} gy_i prod_{k<=i, k!=j} x_k

    Without zeros that is revcumsum(gy * y) / x. With zeros (as PyTorch): before the first zero of a slice
    the same formula holds (y_i = 0 from that zero on); at the first zero z it is revcumsum(gy * y')_z with y' the
    cumprod of x with x_z set to 1; after it the gradient is 0. NOTE: first derivatives are exact at zeros; the
    second derivative is not implemented where an input holds a zero: differentiating this backward again there
    (create_graph=True) raises NotImplementedError instead of giving a wrong value.
    """

    save_output = True

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return np.cumprod(x, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        x, y, axis = ctx.inputs[0], ctx.output, ctx.axis
        zero = x._data == 0
        if not zero.any():
            return F.cumsum(gy * y, axis, reverse=True) / x
        if _grad_mode.state.enabled:  # NOTE: create_graph: this backward is being recorded to differentiate again
            raise NotImplementedError(
                f"cumprod: the second derivative at an input holding a zero (shape {x.shape}, axis {axis}) is not "
                "implemented (the first derivative is exact there); move the input off zero, or differentiate "
                "cumprod only once"
            )
        seen = np.cumsum(zero, axis=axis)
        before, first = seen == 0, zero & (seen == 1)
        part1 = F.cumsum(gy * y, axis, reverse=True) / F.where(before, x, 1.0)
        y1 = F.cumprod(F.where(first, 1.0, x), axis)
        part2 = F.cumsum(gy * y1, axis, reverse=True)
        return F.where(before, part1, F.where(first, part2, 0.0))


def _linear_in_gy(x, y, gy, axis, rev):
    """LogCumSumExp's derivative as a graph linear in gy, for when gy itself is differentiated (func.jvp and
    func.jacfwd differentiate J^T u with respect to u at u = 0, where the stable form's log|gy| has no slope):
    exp(x - c) * scan(gy * exp(c - y)), c the largest y of each slice (y grows along the scan)."""
    c = _const(np.max(y._data, axis=axis, keepdims=True))
    out = F.exp(x - c) * F.cumsum(gy * F.exp(c - y), axis, reverse=rev)
    if not np.isfinite(out._data).all() and np.isfinite(x._data).all() and np.isfinite(gy._data).all():
        raise FloatingPointError(
            f"logcumsumexp: its derivative as a linear function of the incoming gradient (forward mode: func.jvp, "
            f"func.jacfwd) overflows for input of shape {x.shape}: along axis {axis} the running logsumexp spans "
            "more than the dtype's exponent range; use reverse mode (func.jacrev, func.vjp) there"
        )
    return out


class LogCumSumExp(Function):
    """y_i = log sum_{k<=i} exp(x_k) along axis (reverse: k >= i);  dL/dx_j = sum_{i>=j} gy_i exp(x_j - y_i)

    The derivative is computed stably as exp(x + rlcse(log(gy+) - y)) - exp(x + rlcse(log(gy-) - y)), with
    rlcse the reversed scan and gy+ / gy- the positive and negative parts of gy (so no log of a negative).
    """

    save_output = True

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis, ctx.reverse = axis, reverse
        if reverse:
            return np.ascontiguousarray(_flip(np.logaddexp.accumulate(_flip(x, axis), axis=axis), axis))
        return np.logaddexp.accumulate(x, axis=axis)

    @staticmethod
    def backward(ctx, gy):
        x, y, axis, rev = ctx.inputs[0], ctx.output, ctx.axis, not ctx.reverse
        if gy.requires_grad and _grad_mode.state.enabled:
            return _linear_in_gy(x, y, gy, axis, rev)
        g = gy._data
        # NOTE: a large finite floor, not -inf, for log(0): -inf - (-inf) would make nan in the second derivative
        floor = _const(np.asarray(-1e30 if g.dtype == np.float32 else -1e300, dtype=g.dtype))
        out = None
        for sign in (1.0, -1.0):
            mask = g * sign > 0
            if not mask.any():
                continue
            lg = F.where(mask, F.log(F.where(mask, gy * sign, 1.0)), floor)
            part = F.exp(x + LogCumSumExp.apply(lg - y, axis=axis, reverse=rev)) * sign
            out = part if out is None else out + part
        return out if out is not None else gy * 0.0
