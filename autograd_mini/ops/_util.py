"""Helpers shared by the primitive ops."""
from __future__ import annotations

import numpy as np

from ..grad_mode import state as _mode
from ..tensor import _make

# NOTE: first-order fast paths. A backward pass that is not recorded (no create_graph: the engine sets the
# thread's mode to None) gains nothing from running its derivative as Tensor ops: each op costs an apply
# (a node object, checks) and usually an operator wrapper, ~1-2 us per op, which is most of the backward of a
# tiny op or of a small MLP step. The hottest primitives therefore test ``_mode.enabled`` (the calling
# thread's grad mode) and, when it is falsy, compute the same formula on the arrays and return constant
# Tensors (``_const``). The Tensor-op formula stays the definition (it runs under create_graph, so
# derivatives of any order work), and tests/autograd_mini/test_fast_paths.py checks that both paths give the
# same gradients.

# NOTE: the ufunc reductions themselves: ndarray.sum/.max go through a Python wrapper (numpy/_core/_methods.py)
# first. Call as _sum(x, axis, dtype, out, keepdims).
_sum = np.add.reduce
_max = np.maximum.reduce


def _keepdims_shape(shape, axis):
    """Shape of a reduction over ``axis`` with keepdims=True (axis: None or a normalized tuple)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


# A tensor that is a constant for differentiation (a mask, an index, a zero, a first-order gradient): _const(array).
# NOTE: _make itself, not a function calling it: one Python call less on every fast path
_const = _make
