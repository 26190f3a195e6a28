"""Reductions over axes: sums, means, extrema, variance, logsumexp, arg-extrema.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, _make
from ._args import Axis, _axes, _count, _torch_dims, as_tensor
from .elementwise import neg, sqrt


def sum(x, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None) -> Tensor:
    """Sum over axis (None: all axes); ``dim``/``keepdim`` are PyTorch's names for ``axis``/``keepdims``."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("sum", axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    return ops.Sum.apply(x, axis=_axes(axis, x.ndim, "sum"), keepdims=keepdims)


def mean(x, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None) -> Tensor:
    """Mean over axis (None: all axes); ``dim``/``keepdim`` are PyTorch's names for ``axis``/``keepdims``."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("mean", axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    ax = _axes(axis, x.ndim, "mean")
    n = _count(x.shape, ax)
    return sum(x, ax, keepdims) * (1.0 / n if n else np.nan)


def max(x, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum over axis; tied maxima share the gradient evenly."""
    x = as_tensor(x)
    ax = _axes(axis, x.ndim, "max")
    if x.size == 0:
        raise ShapeError(f"max of an empty tensor of shape {x.shape} has no value")
    return ops.Max.apply(x, axis=ax, keepdims=keepdims)


def min(x, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum over axis: -max(-x)."""
    return neg(max(neg(x), axis, keepdims))


def var(x, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance over axis with numpy's divisor n - ddof: sum((x - mean)**2) / (n - ddof)."""
    x = as_tensor(x)
    ax = _axes(axis, x.ndim, "var")
    d = x - mean(x, ax, keepdims=True)
    dof = _count(x.shape, ax) - ddof
    return sum(d * d, ax, keepdims) * (1.0 / dof if dof > 0 else np.inf)  # NOTE: as numpy: inf (or nan) if dof <= 0


def std(x, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Standard deviation: sqrt(var)."""
    return sqrt(var(x, axis, keepdims, ddof))


def logsumexp(x, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over axis, stable for large |x|."""
    x = as_tensor(x)
    return ops.LogSumExp.apply(x, axis=_axes(axis, x.ndim, "logsumexp"), keepdims=keepdims)


def argmax(x, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
    """Index of the maximum (not differentiable)."""
    return _make(np.asarray(np.argmax(as_tensor(x)._data, axis=axis, keepdims=keepdims)))


def argmin(x, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
    """Index of the minimum (not differentiable)."""
    return _make(np.asarray(np.argmin(as_tensor(x)._data, axis=axis, keepdims=keepdims)))

from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
