"""Linear algebra primitives: matmul."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function
from ._util import _const, _mode, _sum
from .reduce import Sum
from .shape import Transpose


# ***** linear algebra *****

_matmul = np.matmul
_MATMUL_FROM = 8192  # output elements


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 2-D a (m, k) and b (k, n).

    NOTE: ndarray.dot zero-fills its output before BLAS writes it: a second pass over a large result (~20 us
    for the 256x784 weight gradient of a layer at batch 10-64; measured, the 784-256-10 MLP training step 2%
    faster at batch 10 and 0.5-1% at 64 and 512 with matmul). numpy's matmul hands BLAS
    the empty output, but costs ~0.4 us more per call, computes an outer product (k == 1) ~5x slower, and
    falls back to a slow loop for operands BLAS cannot read as they are (dot copies those first). So matmul
    only for large results of BLAS-ready operands with k > 1; dot otherwise (the method, not np.dot: it skips
    numpy's __array_function__ dispatch, a Python call).
    """
    if a.shape[1] > 1 and a.shape[0] * b.shape[1] >= _MATMUL_FROM and _blas_ready(a) and _blas_ready(b):
        return _matmul(a, b)
    return a.dot(b)


def _blas_ready(a: np.ndarray) -> bool:
    """True if BLAS can read 2-D a in place: one axis of unit stride, the other at least a row (column) apart."""
    s0, s1 = a.strides
    i = a.itemsize
    return (s1 == i and s0 >= i * a.shape[1] and s0 % i == 0) or (s0 == i and s1 >= i * a.shape[0] and s1 % i == 0)


class MatMul(Function):
    """y = a @ b for operands of 2 or more dimensions;  dy/da = gy @ b^T,  dy/db = a^T @ gy

    Leading (batch) dimensions broadcast; the engine sums the gradient back to each operand's batch shape.
    """

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 2 and b.ndim == 2:
            return _product(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if not _mode.enabled and gy._data.ndim == 2 and a._data.ndim == 2 and b._data.ndim == 2:
            # NOTE: first-order fast path (see ops/_util.py); a transposed operand's gradient is computed
            # transposed, as below, so that it comes out in the operand's memory order
            g, ad, bd = gy._data, a._data, b._data
            if na:
                ga = _const(_product(bd, g.T).T if _column_major(a) else _product(g, bd.T))
            if nb:
                gb = _const(_product(g.T, ad).T if _column_major(b) else _product(ad.T, g))
            return ga, gb
        if na:
            if _column_major(a):
                ga = F.swapaxes(F.matmul(b, F.swapaxes(gy, -1, -2)), -1, -2)
            else:
                ga = F.matmul(gy, F.swapaxes(b, -1, -2))
        if nb:
            if _column_major(b):
                gb = F.swapaxes(F.matmul(F.swapaxes(gy, -1, -2), a), -1, -2)
            else:
                gb = F.matmul(F.swapaxes(a, -1, -2), gy)
        return ga, gb


class MatMulTransA(Function):
    """y = a^T @ b for 2-D a (k, m) and b (k, n);  dy/da = b @ gy^T,  dy/db = a @ gy

    NOTE: the weight gradient of every layer call (gy^T @ x) as one node instead of a Transpose and a MatMul.
    """

    @staticmethod
    def forward(ctx, a, b):
        return _product(a.T, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.inputs
        na, nb = ctx.needs_input_grad
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py)
            g = gy._data
            return (_const(_product(b._data, g.T)) if na else None), (_const(_product(a._data, g)) if nb else None)
        ga = MatMul.apply(b, Transpose.apply(gy, axes=None)) if na else None
        gb = MatMul.apply(a, gy) if nb else None
        return ga, gb


def _column_major(t) -> bool:
    """True for a 2-D operand stored transposed (e.g. weight.T in a Linear layer)."""
    # NOTE: its gradient is then computed as (.)^T so that it comes out in the same memory order as the
    # operand; the weight's own gradient is then row-major, and the optimizer's update runs on contiguous
    # memory instead of a strided copy (measured: 0.7M of 2.2M instructions of a batch-1 MLP step).
    d = t._data
    return d.ndim == 2 and d.flags.f_contiguous and not d.flags.c_contiguous


class Linear(Function):
    """y = x @ w^T + b, for x of shape (..., in), w (out, in), b (out,) (optional);
    dy/dx = gy @ w,  dy/dw = gy^T @ x (leading axes flattened),  dy/db = gy summed over leading axes

    NOTE: a primitive rather than matmul(x, transpose(w)) + b for speed: one node instead of three in every
    layer call, and its backward needs four Tensor ops instead of about eight (measured: a 784-256-10 MLP
    step at batch 1 spends most of its time in per-op overhead). The weight gradient comes out row-major,
    like the weight.
    """

    @staticmethod
    def forward(ctx, x, w, b=None):
        wt = w.T
        if x.ndim == 2:  # NOTE: the size test of _product first, inline: a call less for a small layer
            y = x.dot(wt) if x.shape[0] * wt.shape[1] < _MATMUL_FROM else _product(x, wt)
        else:
            y = np.matmul(x, wt)
        if b is None:
            return y
        if b.dtype == y.dtype:
            y += b  # NOTE: in place on the fresh product that dot/matmul allocated
            return y
        return y + b

    @staticmethod
    def backward(ctx, gy):
        # NOTE: the primitives are applied directly (shapes are known to be valid): this runs in every layer
        ins = ctx.inputs
        x, w = ins[0], ins[1]
        need = ctx.needs_input_grad
        need_b = len(need) > 2 and need[2]
        gx = gw = gb = None
        if not _mode.enabled:  # NOTE: first-order fast path (see ops/_util.py): the same products on the arrays
            g, xd, wd = gy._data, x._data, w._data
            if need[0]:
                gx = _const(_product(g, wd) if g.ndim == 2 else np.matmul(g, wd))
            if need[1] or need_b:
                g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
                if need[1]:
                    gw = _const(_product(g2.T, xd if xd.ndim == 2 else xd.reshape(-1, xd.shape[-1])))
                if need_b:
                    gb = _const(_sum(g2, (0,), None, None, False))
            return (gx, gw) if len(need) == 2 else (gx, gw, gb)
        if need[0]:
            gx = MatMul.apply(gy, w) if gy._data.ndim == 2 else F.matmul(gy, w)
        if need[1] or need_b:
            gy2 = gy if gy._data.ndim == 2 else F.reshape(gy, -1, gy.shape[-1])
            if need[1]:
                gw = MatMulTransA.apply(gy2, x if x._data.ndim == 2 else F.reshape(x, -1, x.shape[-1]))
            if need_b:
                gb = Sum.apply(gy2, axis=(0,), keepdims=False)
        return (gx, gw) if len(need) == 2 else (gx, gw, gb)
