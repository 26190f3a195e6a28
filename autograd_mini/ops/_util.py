"""Helpers shared by the primitive ops."""
from __future__ import annotations

import numpy as np

from ..tensor import _make

# NOTE: the ufunc reductions themselves: ndarray.sum/.max go through a Python wrapper (numpy/_core/_methods.py)
# first. Call as _sum(x, axis, dtype, out, keepdims).
_sum = np.add.reduce
_max = np.maximum.reduce


_ZEROS: dict = {}


def _zero(dtype: np.dtype) -> np.ndarray:
    """0 as a read-only 0-d array of ``dtype``, to compare with or take the maximum against.

    NOTE: with a Python 0 numpy converts the scalar again on every call (measured: a third of the instructions
    of np.maximum on a small array); a 0-d array of the operand's own dtype gives the same result without that.
    """
    z = _ZEROS.get(dtype)
    if z is None:
        z = _ZEROS[dtype] = np.zeros((), dtype)
        z.flags.writeable = False
    return z


def _keepdims_shape(shape, axis):
    """Shape of a reduction over ``axis`` with keepdims=True (axis: None or a normalized tuple)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def _const(array):
    """A tensor that is a constant for differentiation (a mask, an index, a zero)."""
    return _make(array)
