"""Argument handling shared by every family: lifting numbers and arrays to Tensors, axes, shapes.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, _make, _to_array

Axis = Union[None, int, Sequence[int]]

_scalar_cache: dict = {}


def _lift(value, like: Optional[Tensor] = None) -> Tensor:
    """Wrap a non-Tensor operand as a constant; a Python number takes the float dtype of the other operand."""
    if isinstance(value, np.ndarray):
        return _make(value)
    if like is not None and isinstance(value, (int, float)):
        dtype = like._data.dtype
        if dtype.kind == "f":
            # NOTE: constants like the 0.9 in `x * 0.9` are cached (read-only, never part of a gradient) because
            # building a 0-d array costs as much as the multiplication itself. Zeros are not cached (-0.0 == 0.0).
            key = (value, dtype)
            t = _scalar_cache.get(key)
            if t is None:
                arr = np.array(value, dtype=dtype)
                if not value or len(_scalar_cache) > 1024:
                    return _make(arr)
                arr.flags.writeable = False
                t = _scalar_cache[key] = _make(arr)
            return t
    return _make(_to_array(value))


def as_tensor(value) -> Tensor:
    """Return value if it is a Tensor, else a constant Tensor wrapping it."""
    return value if isinstance(value, Tensor) else _lift(value)


def _pair(a, b):
    if not isinstance(a, Tensor):
        a = _lift(a, b if isinstance(b, Tensor) else None)
    if not isinstance(b, Tensor):
        b = _lift(b, a)
    return a, b


def _axes(axis: Axis, ndim: int, op: str):
    """Normalize axis to None or a sorted tuple of non-negative ints, raising a clear error when out of range.

    A 0-d tensor accepts axis 0 and -1 (as PyTorch) and reduces over nothing: the result is ``()``.
    """
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:
        return (axis % ndim,)  # NOTE: the common case, without the general checks below
    items = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if ndim == 0:
        for a in items:
            if not isinstance(a, (int, np.integer)) or a not in (0, -1):
                raise ShapeError(f"{op}: axis {a!r} is out of range for a 0-d tensor (only 0 and -1 are allowed)")
        return ()
    out = []
    for a in items:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {a!r}")
        if not -ndim <= a < ndim:
            raise ShapeError(
                f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions (valid: {-ndim} to {ndim - 1})"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def _axis(axis, ndim: int, op: str) -> int:
    """One axis as a non-negative int, or a ShapeError naming op, axis and ndim. A 0-d tensor accepts 0 and -1
    (as PyTorch) and gets 0. ``ndim`` is the number of valid positions (ndim + 1 for an inserted axis)."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{op}: axis (dim) must be an int, got {axis!r}")
    n = ndim if ndim else 1
    if not -n <= axis < n:
        raise ShapeError(
            f"{op}: axis {axis} is out of range for a tensor with {ndim} dimensions (valid: {-n} to {n - 1})"
        )
    return int(axis) % n


def _count(shape, axes) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod([shape[a] for a in axes])


def _shape(shape) -> tuple:
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        return tuple(shape[0])
    return tuple(shape)


def _default():
    from ..tensor import get_default_dtype

    return get_default_dtype()


def _int_pair(value, name: str, op: str, minimum: int) -> tuple:
    """An int or a pair of ints, as a pair of Python ints >= minimum."""
    items = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(items) != 2 or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in items):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints >= {minimum}, got {value!r}")
    return int(items[0]), int(items[1])


def _torch_dims(op: str, axis, keepdims, dim, keepdim):
    """Resolve PyTorch's ``dim``/``keepdim`` spellings into numpy's ``axis``/``keepdims`` (both are accepted).

    Call it only when ``dim`` or ``keepdim`` was given, so the numpy spelling costs nothing.
    """
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: got both axis={axis!r} and dim={dim!r}; pass one of them")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, keepdims
