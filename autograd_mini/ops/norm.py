"""Normalization primitives: layer normalization fused (forward next to derivative).

LayerNorm normalizes over the trailing ``naxes`` axes of x (D values per row) with the biased variance:

    mean = E[x],  var = E[(x - mean)^2],  rstd = 1 / sqrt(var + eps),  xhat = (x - mean) * rstd
    y = xhat * w + b            (w, b: optional, of the normalized shape)

With g = gy * w (gy without a weight) and means over the normalized axes:

    dx = rstd * (g - E[g] - xhat * E[g * xhat]),   dw = sum(gy * xhat),  db = sum(gy)  (over the leading axes)
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function
from ..grad_mode import state as _grad_state
from ..tensor import _make

_sum = np.add.reduce


class LayerNorm(Function):
    """y = (x - E[x]) / sqrt(Var[x] + eps) * w + b over the last ``naxes`` axes of x (the formulas above).

    Inputs: x (..., *S), then w (S) if ``has_weight`` and b (S) if ``has_bias``, S = x.shape[-naxes:].
    Attributes: eps, naxes, has_weight, has_bias.

    NOTE: a primitive for speed (as PyTorch's native_layer_norm): composed, layer normalization is a mean, a
    subtraction, a product, a second mean, an addition, a power and the products with w and b, eight nodes and as
    many passes over the array forward and again backward; here it is one node. Measured on
    benchmarks/bench_layers.py (the transformer step): see its docstring. Forward keeps xhat and rstd (as (M, D)
    and (M, 1) arrays, M rows of D values) as buffers, freed with the node. Backward computes on arrays (BLAS
    products with w for the row means) unless the graph of backward is recorded (create_graph): then it
    recomputes xhat with Tensor ops, so that derivatives of any order work.
    """

    buffers = ("_xhat", "_rstd")  # NOTE: private names: the ONNX exporter compares public attributes across recordings

    @staticmethod
    def forward(ctx, x, *wb, eps, naxes, has_weight=False, has_bias=False):
        k = int(naxes)
        if not 1 <= k <= x.ndim:
            raise ValueError(f"cannot normalize over the last {k} axes of an input of {x.ndim} axes")
        shape = x.shape[x.ndim - k:]
        if len(wb) != has_weight + has_bias:
            raise ValueError(f"expected {has_weight + has_bias} weight/bias inputs after x, got {len(wb)}")
        for name, p in zip(("weight" if has_weight else "bias", "bias"), wb):
            if p.shape != shape:
                raise ValueError(f"{name} must have the normalized shape {shape}, got {p.shape}")
        D = int(np.prod(shape))
        M = x.size // D if D else 0
        x2 = x.reshape(M, D)
        if x2.dtype.kind not in "fc":
            x2 = x2.astype(np.float64)
        mean = _rowsum(x2)[:, None]
        mean /= D
        xhat = x2 - mean
        var = np.einsum("ij,ij->i", xhat, xhat)[:, None]  # NOTE: no temporary xhat * xhat
        var *= 1.0 / D
        var += eps
        rstd = np.sqrt(var, out=var)
        np.divide(1.0, rstd, out=rstd)
        xhat *= rstd
        if ctx is not None:
            ctx.eps, ctx.naxes, ctx.has_weight, ctx.has_bias = eps, k, bool(has_weight), bool(has_bias)
            ctx._xhat, ctx._rstd = xhat, rstd
        w = wb[0].reshape(D) if has_weight else None
        b = wb[-1].reshape(D) if has_bias else None
        if w is not None:
            y = xhat * w
            if b is not None:
                y = _plus(y, b)
        elif b is not None:
            y = xhat + b
        else:
            y = xhat.copy()  # NOTE: not xhat itself: an in-place change of the output must not reach the buffer
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        if not _grad_state.enabled:
            return _layer_norm_backward_arrays(ctx, gy)
        ins = ctx.inputs
        x = ins[0]
        w = ins[1] if ctx.has_weight else None
        k = ctx.naxes
        axes = tuple(range(x.ndim - k, x.ndim))
        lead = tuple(range(x.ndim - k))
        # create_graph: xhat as a function of x, so that the derivative of this backward reaches x
        mean = F.mean(x, axes, keepdims=True)
        xc = x - mean
        rstd = (F.mean(xc * xc, axes, keepdims=True) + ctx.eps) ** -0.5
        xhat = xc * rstd
        need = ctx.needs_input_grad
        out = []
        if need[0]:
            g = gy * w if w is not None else gy
            out.append(rstd * (g - F.mean(g, axes, keepdims=True) - xhat * F.mean(g * xhat, axes, keepdims=True)))
        else:
            out.append(None)
        if ctx.has_weight:
            out.append(F.sum(gy * xhat, lead) if need[1] else None)
        if ctx.has_bias:
            out.append(F.sum(gy, lead) if need[-1] else None)
        return tuple(out)


def _layer_norm_backward_arrays(ctx, gy) -> tuple:
    """LayerNorm's backward when it is not recorded (no create_graph): the same math as the Tensor-op path, on
    the arrays forward kept (xhat, rstd), wrapped as constant Tensors.

    NOTE: the row means of g = gy * w and g * xhat are matrix-vector products with w (BLAS); sum(gy * xhat) is
    computed once, for dw and for E[g * xhat].
    """
    ins = ctx.inputs
    x = ins[0]
    xhat, rstd = ctx._xhat, ctx._rstd
    M, D = xhat.shape
    gy2 = gy._data.reshape(M, D)
    need = ctx.needs_input_grad
    has_w = ctx.has_weight
    w = ins[1]._data.reshape(D) if has_w else None
    gx = gy2 * xhat if need[0] or (has_w and need[1]) else None
    out = []
    if need[0]:
        if has_w:
            mg = gy2.dot(w)
            mgx = gx.dot(w)
            g = gy2 * w
        else:
            mg = _rowsum(gy2)
            mgx = _rowsum(gx)
            g = gy2 - 0  # NOTE: a fresh array (gy may be read-only or shared), changed in place below
        dt = np.result_type(g, xhat, mgx)
        if g.dtype != dt:
            g = g.astype(dt)
        mg *= 1.0 / D
        mgx *= 1.0 / D
        g -= mg[:, None]
        t = xhat * mgx[:, None]
        g -= t
        g *= rstd
        out.append(_make(g.reshape(x._data.shape)))
    else:
        out.append(None)
    shape = x._data.shape[x._data.ndim - ctx.naxes:]
    if has_w:
        out.append(_make(_colsum(gx).reshape(shape)) if need[1] else None)
    if ctx.has_bias:
        out.append(_make(_colsum(gy2).reshape(shape)) if need[-1] else None)
    return tuple(out)


_ONES: dict = {}


def _ones(n: int, dtype) -> np.ndarray:
    """A shared read-only vector of n ones (for sums as BLAS products)."""
    key = (n, dtype)
    v = _ONES.get(key)
    if v is None:
        if len(_ONES) > 256:
            _ONES.clear()
        v = _ONES[key] = np.ones(n, dtype)
        v.flags.writeable = False
    return v


def _rowsum(a: np.ndarray) -> np.ndarray:
    """The sums of the rows of a 2-D array, a fresh (M,) array.

    NOTE: a matrix-vector product with ones (BLAS): ~6x faster than np.add.reduce along short rows (measured on
    (1024, 64) float32: 4 us against 24 us).
    """
    if a.dtype.kind != "f":
        return _sum(a, 1)
    return a.dot(_ones(a.shape[1], a.dtype))


def _colsum(a: np.ndarray) -> np.ndarray:
    """The sums of the columns of a 2-D array (over the rows), a fresh (D,) array; as _rowsum, a BLAS product."""
    if a.dtype.kind != "f":
        return _sum(a, 0)
    return _ones(a.shape[0], a.dtype).dot(a)


def _plus(a, b):
    """a + b, in place on a (a fresh array) when both have one dtype."""
    if a.dtype == b.dtype:
        a += b
        return a
    return a + b
