"""Linear algebra primitives: matmul."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function


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
