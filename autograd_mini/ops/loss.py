"""Fused losses: softmax cross-entropy as one node, forward next to derivative."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function
from ._util import _const, _max, _mode, _sum


# ***** losses *****


def _reduce(loss, reduction):
    """Reduce per-example values (N,) as 'mean', 'sum' or 'none'; the mean of no examples is nan."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    return total * (1.0 / loss.shape[0]) if loss.shape[0] else total * np.nan


def _weights(gy, n, reduction):
    """d(reduced loss)/d(per-example loss) times gy, as a Tensor broadcasting against (N, C)."""
    if reduction == "none":
        return F.reshape(gy, n, 1)
    if reduction == "sum":
        return gy
    return gy * (1.0 / n if n else np.nan)


class _Scratch:
    """A stand-in ctx for running a primitive's forward on arrays only (its attributes are dropped)."""


class SoftmaxCrossEntropy(Function):
    """y_n = logsumexp(x_n) - x_n[t_n] for logits x (N, C) and class indices t (N,), reduced by 'mean',
    'sum' or 'none';  dy_n/dx_n = softmax(x_n) - onehot(t_n)

    NOTE: one node instead of log_softmax, pick, negate and mean (6 nodes forward, 9 backward): the loss of
    every classifier step runs through here. Stable for logits of any size (the row max is subtracted).
    Targets are validated by the caller (nn.functional.cross_entropy).
    """

    buffers = ("softmax_parts",)

    @staticmethod
    def forward(ctx, x, targets, reduction):
        ctx.targets, ctx.reduction = targets, reduction
        rows = np.arange(x.shape[0])
        shifted = x - _max(x, 1, None, None, True)
        e = np.exp(shifted)
        s = _sum(e, 1, None, None, True)
        ctx.softmax_parts = (e, s)  # NOTE: softmax = e / s, for the backward without another exp
        return _reduce(np.log(s[:, 0]) - shifted[rows, targets], reduction)

    @staticmethod
    def backward(ctx, gy):
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            return _const(SoftmaxCrossEntropyGrad.forward(
                _Scratch(), ctx.inputs[0]._data, gy._data, ctx.targets, ctx.reduction, ctx.softmax_parts))
        return SoftmaxCrossEntropyGrad.apply(
            ctx.inputs[0], gy, targets=ctx.targets, reduction=ctx.reduction, softmax_parts=ctx.softmax_parts
        )


class SoftmaxCrossEntropyGrad(Function):
    """g = (softmax(x) - onehot(t)) * w, the gradient of SoftmaxCrossEntropy, with w = gy (and / N for 'mean');
    dg/dx: G -> w * p * (G - sum_c G * p) (the softmax Jacobian),  dg/dgy: G -> sum_c G * (p - onehot), reduced

    A primitive so that the cross-entropy gradient costs one node; its own derivative is written in Tensor
    ops, so higher derivatives of the loss work.
    """

    @staticmethod
    def forward(ctx, x, gy, targets, reduction, softmax_parts=None):
        ctx.targets, ctx.reduction = targets, reduction
        if softmax_parts is None:
            e = np.exp(x - _max(x, 1, None, None, True))
            softmax_parts = (e, _sum(e, 1, None, None, True))
        g = softmax_parts[0] / softmax_parts[1]
        n = x.shape[0]
        g[np.arange(n), targets] -= 1
        if reduction == "none":
            g *= gy[:, None]
        elif reduction == "sum":
            g *= gy
        else:
            g *= gy * (1.0 / n) if n else np.nan
        return g

    @staticmethod
    def backward(ctx, gg):
        x, gy = ctx.inputs
        n = x.shape[0]
        p = F.softmax(x, axis=1)
        gx = ggy = None
        if ctx.needs_input_grad[0]:
            w = _weights(gy, n, ctx.reduction)
            gx = w * p * (gg - F.sum(gg * p, axis=1, keepdims=True))
        if ctx.needs_input_grad[1]:
            onehot = np.zeros(x.shape, dtype=x.dtype)
            onehot[np.arange(n), ctx.targets] = 1
            per_example = F.sum(gg * (p - _const(onehot)), axis=1)
            ggy = _reduce(per_example, ctx.reduction)
        return gx, ggy
