"""Helpers shared by the primitive ops."""
from __future__ import annotations

import numpy as np

from ..tensor import _make

# NOTE: the ufunc reductions themselves: ndarray.sum/.max go through a Python wrapper (numpy/_core/_methods.py)
# first. Call as _sum(x, axis, dtype, out, keepdims).
_sum = np.add.reduce
_max = np.maximum.reduce


def _keepdims_shape(shape, axis):
    """Shape of a reduction over ``axis`` with keepdims=True (axis: None or a normalized tuple)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def _const(array):
    """A tensor that is a constant for differentiation (a mask, an index, a zero)."""
    return _make(array)
