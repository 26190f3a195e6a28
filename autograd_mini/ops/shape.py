"""Shape and indexing primitives: reshape, transpose, broadcast_to / sum_to, getitem / index_add, concatenate."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function



# ***** shape and indexing *****


class Reshape(Function):
    """y = x viewed with a new shape;  dy/dx: gy reshaped back"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, shape):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return F.reshape(gy, ctx.inputs[0].shape)


class Transpose(Function):
    """y = x with axes permuted;  dy/dx: gy with the inverse permutation"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, gy):
        if ctx.axes is None:
            return F.transpose(gy)
        return F.transpose(gy, *np.argsort(ctx.axes).tolist())


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  dy/dx = gy summed back to x's shape"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return F.sum_to(gy, ctx.inputs[0].shape)


class SumTo(Function):
    """y = x summed over the axes broadcasting added or stretched, down to ``shape``;  dy/dx: gy broadcast"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, shape):
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1
        )
        y = x.sum(axis=axes, keepdims=True) if axes else x
        y = y.reshape(shape) if lead else y
        if y.shape != shape:  # NOTE: shape was not one that x could have been broadcast from
            raise ValueError(f"cannot sum shape {x.shape} down to {shape}: they do not broadcast")
        return y

    @staticmethod
    def backward(ctx, gy):
        return F.broadcast_to(gy, ctx.inputs[0].shape)


class GetItem(Function):
    """y = x[index];  dy/dx = gy scattered back into zeros of x's shape (repeated indices add up)"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, index):
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        return IndexAdd.apply(gy, index=ctx.index, shape=ctx.inputs[0].shape)


class IndexAdd(Function):
    """y = zeros(shape) with g added at index (np.add.at);  dy/dg = gy[index]"""

    reads_inputs = False

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

    reads_inputs = False

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


from ._util import _const  # noqa: E402  (kept with Split, the op that uses it)


class Split(Function):
    """y_k = x[..., s_k : s_k + n_k, ...] along ``axis`` (``sizes`` = n_0, n_1, ...; without the axis when
    ``squeeze``, as unbind);  dy/dx = the output gradients joined back along axis, zeros for an output that got
    none.

    NOTE: a primitive with several outputs (see the package docstring): one node instead of one GetItem per
    piece, whose backward would scatter each piece's gradient into a full-size array of zeros and then add the
    pieces' arrays up; here backward is a single concatenation. The outputs are views of x, as in PyTorch.
    """

    reads_inputs = False
    materialize_grads = False  # NOTE: a missing gradient becomes zeros of its piece only, inside backward

    @staticmethod
    def forward(ctx, x, sizes, axis, squeeze=False):
        ctx.axis, ctx.sizes, ctx.squeeze = axis, sizes, squeeze
        lead = (slice(None),) * axis
        out, start = [], 0
        for n in sizes:
            out.append(x[lead + ((start if squeeze else slice(start, start + n)),)])
            start += n
        return out

    @staticmethod
    def backward(ctx, *gys):
        axis, squeeze = ctx.axis, ctx.squeeze
        shape = ctx.inputs[0].shape
        dtype = ctx.inputs[0].dtype
        parts = []
        for g, n in zip(gys, ctx.sizes):
            if g is None:
                g = _const(np.zeros(shape[:axis] + (n,) + shape[axis + 1:], dtype))
            elif squeeze:
                g = F.expand_dims(g, axis)
            parts.append(g)
        return parts[0] if len(parts) == 1 else Concatenate.apply(*parts, axis=axis)
