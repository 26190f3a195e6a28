"""Shape manipulation: reshape, transpose, broadcast, squeeze/expand, concatenate/stack.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._args import Axis, _axes, as_tensor


def reshape(x, *shape) -> Tensor:
    """x with a new shape (one entry may be -1); ``reshape(x, 2, 3)`` or ``reshape(x, (2, 3))``."""
    x = as_tensor(x)
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = tuple(shape[0])
    if shape == x.shape:
        return x
    return ops.Reshape.apply(x, shape=shape)


def transpose(x, *axes) -> Tensor:
    """Permute axes (reverse them when none are given)."""
    x = as_tensor(x)
    if not axes:
        return Transpose.apply(x, axes=None)
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = tuple(axes[0])
    ndim = x._data.ndim
    if sorted(a % ndim for a in axes) != list(range(ndim)) or len(axes) != ndim:
        raise ShapeError(f"transpose: axes {axes} are not a permutation of the {ndim} axes of {x.shape}")
    return Transpose.apply(x, axes=tuple(a % ndim for a in axes))


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """x with two axes exchanged."""
    x = as_tensor(x)
    ndim = x._data.ndim
    if ndim == 2 and axis1 % 2 != axis2 % 2:
        return Transpose.apply(x, axes=None)
    axes = list(range(ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, *axes)


def flatten(x, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    """Merge the axes start_axis..end_axis into one (all of them by default)."""
    x = as_tensor(x)
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = start_axis % x.ndim, end_axis % x.ndim
    shape = x.shape[:s] + (-1,) + x.shape[e + 1 :]
    return reshape(x, shape)


def broadcast_to(x, shape) -> Tensor:
    """x repeated along new or length-1 axes to ``shape`` (numpy rules)."""
    x = as_tensor(x)
    shape = tuple(shape)
    if shape == x.shape:
        return x
    return ops.BroadcastTo.apply(x, shape=shape)


def sum_to(x, shape) -> Tensor:
    """Sum x down to ``shape``, undoing a broadcast from shape to x.shape."""
    x = as_tensor(x)
    shape = tuple(shape)
    if shape == x.shape:
        return x
    return ops.SumTo.apply(x, shape=shape)


def expand_dims(x, axis: int) -> Tensor:
    """x with a new axis of length 1 at ``axis``."""
    x = as_tensor(x)
    a = axis % (x.ndim + 1)
    return reshape(x, x.shape[:a] + (1,) + x.shape[a:])


def squeeze(x, axis: Axis = None) -> Tensor:
    """x without its length-1 axes (or only those in ``axis``)."""
    x = as_tensor(x)
    ax = _axes(axis, x.ndim, "squeeze")
    if ax is not None and any(x.shape[a] != 1 for a in ax):
        raise ShapeError(f"squeeze: axis {axis} of a tensor of shape {x.shape} does not have length 1")
    keep = [s for i, s in enumerate(x.shape) if not (s == 1 and (ax is None or i in ax))]
    return reshape(x, tuple(keep))


def concatenate(tensors: Sequence, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concatenate needs at least one tensor")
    return ops.Concatenate.apply(*ts, axis=axis)


def stack(tensors: Sequence, axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors must have one shape, got {sorted(shapes)}")
    return concatenate([expand_dims(t, axis) for t in ts], axis=axis % (ts[0].ndim + 1))

from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
from ..ops import Transpose  # noqa: E402
