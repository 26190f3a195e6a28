"""Creating tensors: constants, ranges and random samples, in the default dtype unless ``dtype=`` says otherwise.

Every function takes ``requires_grad=`` (floating dtypes only); the random ones draw from the global generator
(seeded by ``manual_seed``) unless given ``rng=`` (a numpy Generator or an int seed).
"""
from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Optional

import numpy as np

from ..tensor import Tensor, _make
from .. import random as _random
from ._args import _default, _shape, as_tensor


def _dtype(dtype, default=None) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else (default if default is not None else _default())


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (default dtype unless given); ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor(np.zeros(_shape(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (default dtype unless given)."""
    return Tensor(np.ones(_shape(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def empty(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are whatever the memory held (fill it before reading)."""
    return Tensor(np.empty(_shape(shape), dtype=_dtype(dtype)), requires_grad=requires_grad)


def zeros_like(x, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros of x's shape, and of x's dtype unless ``dtype`` is given."""
    return Tensor(np.zeros_like(as_tensor(x)._data, dtype=dtype), requires_grad=requires_grad)


def ones_like(x, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones of x's shape, and of x's dtype unless ``dtype`` is given."""
    return Tensor(np.ones_like(as_tensor(x)._data, dtype=dtype), requires_grad=requires_grad)


def _fill_dtype(value) -> np.dtype:
    """The dtype PyTorch infers from a fill value: bool, int64, or the default float dtype."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(value, Integral):
        return np.dtype(np.int64)
    if isinstance(value, np.generic):
        return value.dtype
    return _default()


def full(size, fill_value, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value (bool, int64 or the
    default float dtype) unless given, as PyTorch."""
    size = (size,) if isinstance(size, Integral) else tuple(size)
    return Tensor(np.full(size, fill_value, dtype=_dtype(dtype, _fill_dtype(fill_value))), requires_grad=requires_grad)


def full_like(x, fill_value, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of x's shape (and dtype, unless given) filled with ``fill_value``."""
    return Tensor(np.full_like(as_tensor(x)._data, fill_value, dtype=dtype), requires_grad=requires_grad)


def eye(n: int, m: Optional[int] = None, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n unless given)."""
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` (inclusive) to ``end`` (exclusive) every ``step``; ``arange(n)`` is 0 .. n-1.

    As PyTorch: all-integer arguments give int64, any float argument the default float dtype; the length is
    ceil((end - start) / step).

    Raises:
        ValueError: if step is 0 or points away from end.
    """
    if end is None:
        start, end = 0, start
    args = (start, end, step)
    for a in args:
        if not isinstance(a, Real):
            raise TypeError(f"arange: start, end and step must be numbers, got {a!r}")
    if step == 0:
        raise ValueError("arange: step must not be 0")
    if (end - start) * step < 0:
        raise ValueError(
            f"arange: step {step} points away from end (start={start}, end={end}); use a step of the other sign"
        )
    integral = all(isinstance(a, Integral) for a in args)
    out_dtype = _dtype(dtype, np.dtype(np.int64) if integral else None)
    if integral:
        data = np.arange(int(start), int(end), int(step), dtype=np.int64).astype(out_dtype, copy=False)
    else:
        n = max(int(math.ceil((end - start) / step)), 0)
        data = (float(start) + float(step) * np.arange(n, dtype=np.float64)).astype(out_dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)


def linspace(start, end, steps: int, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included (default float dtype unless given)."""
    if not isinstance(steps, Integral) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    return Tensor(np.linspace(start, end, int(steps)).astype(_dtype(dtype), copy=False), requires_grad=requires_grad)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors (differentiable: each is a reshape and a broadcast).

    Args:
        indexing: ``'ij'`` (PyTorch's default: output i varies along axis i) or ``'xy'`` (numpy's default:
            the first two axes swapped, for Cartesian x/y).
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [as_tensor(t) for t in tensors]
    for i, t in enumerate(ts):
        if t.ndim > 1:
            raise ValueError(f"meshgrid: input {i} has shape {t.shape}; expected 0-d or 1-D tensors")
    ts = [t.reshape(-1) for t in ts]
    sizes = [t.shape[0] for t in ts]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(ts):
        axis = (1 - i if i < 2 else i) if swap else i
        shape = [1] * len(ts)
        shape[axis] = t.shape[0]
        out.append(F.broadcast_to(t.reshape(*shape), tuple(sizes)))
    return tuple(out)


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each class index (as PyTorch's
    F.one_hot); ``num_classes=-1`` uses max + 1. See ``autograd_mini.data.one_hot`` for float labels of a
    dataset."""
    t = as_tensor(tensor)
    idx = t._data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expects an integer tensor of class indices, got dtype {idx.dtype}")
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes")
        num_classes = int(idx.max()) + 1
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ValueError(
            f"one_hot: class indices must be in [0, {num_classes}), got values in [{idx.min()}, {idx.max()}]"
        )
    out = np.zeros(idx.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.intp), 1, axis=-1)
    return _make(out)


def randn(*shape, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Standard normal samples from the global generator (see ``manual_seed``) or ``rng``."""
    data = _random.get_rng(rng).standard_normal(_shape(shape)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Uniform samples in [0, 1) from the global generator (see ``manual_seed``) or ``rng``."""
    data = _random.get_rng(rng).random(_shape(shape)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def randint(low, high=None, size=None, *, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64 unless given); ``randint(high, size)`` or
    ``randint(low, high, size)`` as PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    if size is None or high is None:
        raise TypeError("randint: give randint(high, size) or randint(low, high, size)")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    data = _random.get_rng(rng).integers(low, high, size=tuple(_shape((size,)))).astype(_dtype(dtype, np.dtype(np.int64)))
    return Tensor(data, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Normal samples mean + std * N(0, 1); mean and std may be numbers or tensors (the shape is theirs,
    broadcast, unless ``size`` is given)."""
    m = as_tensor(mean)._data if isinstance(mean, Tensor) else np.asarray(mean, dtype=np.float64)
    s = as_tensor(std)._data if isinstance(std, Tensor) else np.asarray(std, dtype=np.float64)
    if np.any(s < 0):
        raise ValueError("normal: std must be >= 0")
    shape = np.broadcast_shapes(m.shape, s.shape) if size is None else tuple(_shape((size,)))
    fallback = m.dtype if m.dtype.kind == "f" and isinstance(mean, Tensor) else None
    data = m + s * _random.get_rng(rng).standard_normal(shape)
    return Tensor(np.asarray(data).astype(_dtype(dtype, fallback)), requires_grad=requires_grad)


def uniform(low=0.0, high=1.0, size=None, *, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Uniform samples in [low, high) (numpy's argument order; PyTorch spells it ``Tensor.uniform_``)."""
    if np.any(np.asarray(high) < np.asarray(low)):
        raise ValueError(f"uniform: high must be >= low, got low={low}, high={high}")
    shape = None if size is None else tuple(_shape((size,)))
    data = _random.get_rng(rng).uniform(low, high, shape)
    return Tensor(np.asarray(data).astype(_dtype(dtype)), requires_grad=requires_grad)


from .. import functional as F  # noqa: E402  (the package imports this module)
