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
        # NOTE: an integer or bool tensor: the number takes the dtype the result will have (see _scalar_dtype)
        return _make(np.array(value, dtype=_scalar_dtype(dtype, value)))
    return _make(_to_array(value))


def _scalar_dtype(dtype: np.dtype, value) -> np.dtype:
    """The dtype of ``tensor op number`` for a tensor of ``dtype`` (PyTorch's rule: a Python number never raises
    the precision): a float tensor keeps its dtype, an integer tensor stays integer with an int and becomes the
    default float dtype with a float, a bool tensor becomes int64 with an int."""
    kind = dtype.kind
    if kind in "fc":
        return dtype
    if isinstance(value, float):
        return _default()
    if kind == "b" and not isinstance(value, (bool, np.bool_)):
        return np.dtype(np.int64)
    return dtype


def _promote(t: Tensor, value) -> Tensor:
    """t converted to the dtype of ``t op value`` when value is a Python number that changes it (int tensor and
    a float: the default float dtype, not numpy's float64)."""
    dtype = t._data.dtype
    if dtype.kind in "biu" and isinstance(value, (int, float)):
        target = _scalar_dtype(dtype, value)
        if target != dtype:
            return _make(t._data.astype(target))
    return t


def _float(x) -> Tensor:
    """x as a Tensor, converted to the default float dtype if it holds integers or bools (as PyTorch does for
    exp, log, sin, ... of an integer tensor)."""
    t = x if isinstance(x, Tensor) else _lift(x)
    if t._data.dtype.kind in "biu":
        return _make(t._data.astype(_default()))
    return t


def as_tensor(value) -> Tensor:
    """Return value if it is a Tensor, else a constant Tensor wrapping it."""
    return value if isinstance(value, Tensor) else _lift(value)


def _pair(a, b):
    """Both operands as Tensors; a Python number takes the other operand's dtype (see _scalar_dtype)."""
    # NOTE: the common `x * 0.5` / `0.5 * x` first: straight to the cached constant (see _lift), a third of
    # this function's time otherwise
    if type(b) is float and type(a) is Tensor:
        t = _scalar_cache.get((b, a._data.dtype))
        if t is not None:
            return a, t
    elif type(a) is float and type(b) is Tensor:
        t = _scalar_cache.get((a, b._data.dtype))
        if t is not None:
            return t, b
    if not isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if b._data.dtype.kind in "biu":
                b = _promote(b, a)
            a = _lift(a, b)
        else:
            a = _lift(a)
    if not isinstance(b, Tensor):
        if a._data.dtype.kind in "biu":
            a = _promote(a, b)
        b = _lift(b, a)
    elif a._data.dtype is not b._data.dtype:
        a, b = _mixed(a, b)
    return a, b


def _mixed(a: Tensor, b: Tensor):
    """Two tensors of different dtypes: an integer or bool one takes the other's floating dtype (PyTorch's rule:
    int64 with float32 is float32, where numpy says float64); other mixes are left to numpy."""
    ka, kb = a._data.dtype.kind, b._data.dtype.kind
    if ka in "biu" and kb in "fc":
        a = _make(a._data.astype(b._data.dtype))
    elif kb in "biu" and ka in "fc":
        b = _make(b._data.astype(a._data.dtype))
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
    axis = _one_of(op, axis, dim, "axis", "dim")
    if keepdim is not None:
        keepdims = keepdim
    return axis, keepdims


def _one_of(op: str, value, other, name: str, other_name: str):
    """An argument with two spellings (numpy's ``axis``, PyTorch's ``dim``): the one that was given, or None.

    Raises:
        TypeError: if both were given.
    """
    if other is None:
        return value
    if value is not None:
        raise TypeError(f"{op}: got both {name}={value!r} and {other_name}={other!r}; pass one of them")
    return other
