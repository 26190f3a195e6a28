"""Helpers shared by the primitive ops."""
from __future__ import annotations

from ..tensor import _make


def _keepdims_shape(shape, axis):
    """Shape of a reduction over ``axis`` with keepdims=True (axis: None or a normalized tuple)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def _const(array):
    """A tensor that is a constant for differentiation (a mask, an index, a zero)."""
    return _make(array)
