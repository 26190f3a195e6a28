"""Reductions over axes and scans along one axis: sums, products, extrema, variance, norms, medians,
cumulative sums/products/extrema, logsumexp, arg-extrema, truth tests.

Every function takes numpy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim`` (keyword-only aliases).
PyTorch's multi-result forms (``max(x, dim=d)``, ``median(x, dim=d)``, ``cummax``) return a ``(values, indices)``
named tuple, as ``torch.return_types``; ``max(x, axis)`` keeps returning values only.
"""
from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Optional

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, _make
from ._args import Axis, _axes, _axis, _count, _one_of, _torch_dims, as_tensor
from .elementwise import abs, astype, maximum, minimum, neg, pow, sqrt, where

values_indices = namedtuple("values_indices", ["values", "indices"])
values_indices.__doc__ = "(values, indices) result of max/min/median/mode along a dim, cummax, cummin, sort, topk."


def _float(x: Tensor, op: str) -> None:
    if x._data.dtype.kind not in "fc":
        raise TypeError(f"{op} needs a floating point tensor, got dtype {x.dtype}; convert with x.astype(np.float32)")


def sum(x, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None,
        dtype=None) -> Tensor:
    """Sum over axis (None: all axes); ``dim``/``keepdim`` are PyTorch's names for ``axis``/``keepdims``.
    ``dtype``: cast x to it first (as PyTorch: accumulate in that type)."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("sum", axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    if dtype is not None:
        x = astype(x, dtype)
    return ops.Sum.apply(x, axis=_axes(axis, x.ndim, "sum"), keepdims=keepdims)


def mean(x, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None,
         dtype=None) -> Tensor:
    """Mean over axis (None: all axes); ``dim``/``keepdim`` are PyTorch's names for ``axis``/``keepdims``."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("mean", axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    if dtype is not None:
        x = astype(x, dtype)
    ax = _axes(axis, x.ndim, "mean")
    n = _count(x.shape, ax)
    return sum(x, ax, keepdims) * (1.0 / n if n else np.nan)


def prod(x, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None,
         dtype=None) -> Tensor:
    """Product over axis; the gradient prod_{k != j} x_k is exact at zeros (as PyTorch)."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("prod", axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    if dtype is not None:
        x = astype(x, dtype)
    ax = _axes(axis, x.ndim, "prod")
    if x._data.dtype.kind not in "fc":
        return _make(np.asarray(np.prod(x._data, axis=ax, keepdims=keepdims)))
    return ops.Prod.apply(x, axis=ax, keepdims=keepdims)


def _arg_extreme(fn, x: Tensor, axis, keepdims, op: str):
    if axis is None:
        return _make(np.asarray(fn(x._data, keepdims=keepdims)))
    a = _axis(axis, x.ndim, op)
    if x.ndim == 0:
        return _make(np.asarray(0, dtype=np.int64))
    return _make(np.asarray(fn(x._data, axis=a, keepdims=keepdims)))


def _max_values(x: Tensor, ax, keepdims, op) -> Tensor:
    if x.size == 0 and (ax is None or builtins.any(x.shape[a] == 0 for a in ax)):
        raise ShapeError(f"{op} of an empty tensor of shape {x.shape} over axis {ax} has no value")
    if x._data.dtype.kind not in "fc":  # NOTE: integer/bool data cannot require grad: numpy directly
        return _make(np.asarray(np.max(x._data, axis=ax, keepdims=keepdims)))
    return ops.Max.apply(x, axis=ax, keepdims=keepdims)


def _min_values(x: Tensor, ax, keepdims, op) -> Tensor:
    if x._data.dtype.kind not in "fc":
        # NOTE: not -max(-x): negation wraps for unsigned and INT_MIN, and is undefined for bool
        if x.size == 0 and (ax is None or builtins.any(x.shape[a] == 0 for a in ax)):
            raise ShapeError(f"{op} of an empty tensor of shape {x.shape} over axis {ax} has no value")
        return _make(np.asarray(np.min(x._data, axis=ax, keepdims=keepdims)))
    return neg(_max_values(neg(x), ax, keepdims, op))


def max(x, axis: Axis = None, keepdims: bool = False, *, dim: Optional[int] = None,
        keepdim: Optional[bool] = None):
    """Maximum over axis; tied maxima share the gradient evenly.

    ``max(x, axis)`` returns the values. PyTorch's ``max(x, dim=d)`` (dim spelled) returns the named tuple
    ``(values, indices)`` of the maximum along d. ``max(x, other_tensor)`` is ``maximum(x, other)``.
    """
    if dim is None and keepdim is None and type(x) is Tensor and x._data.size and x._data.dtype.kind == "f" \
            and not isinstance(axis, Tensor):
        return ops.Max.apply(x, axis=_axes(axis, x._data.ndim, "max"), keepdims=keepdims)  # NOTE: the common case
    if isinstance(axis, Tensor):
        return maximum(x, axis)
    x = as_tensor(x)
    if dim is not None:
        return _with_indices(x, _one_of("max", dim, axis, "dim", "axis"), bool(keepdim), "max")
    if keepdim is not None:
        keepdims = keepdim
    return _max_values(x, _axes(axis, x.ndim, "max"), keepdims, "max")


def min(x, axis: Axis = None, keepdims: bool = False, *, dim: Optional[int] = None,
        keepdim: Optional[bool] = None):
    """Minimum over axis (see ``max`` for the ``dim=`` form); exact for integer and bool data."""
    if dim is None and keepdim is None and type(x) is Tensor and x._data.size and x._data.dtype.kind == "f" \
            and not isinstance(axis, Tensor):  # NOTE: the common case: -max(-x), so ties share as in max
        return neg(ops.Max.apply(neg(x), axis=_axes(axis, x._data.ndim, "min"), keepdims=keepdims))
    if isinstance(axis, Tensor):
        return minimum(x, axis)
    x = as_tensor(x)
    if dim is not None:
        return _with_indices(x, _one_of("min", dim, axis, "dim", "axis"), bool(keepdim), "min")
    if keepdim is not None:
        keepdims = keepdim
    return _min_values(x, _axes(axis, x.ndim, "min"), keepdims, "min")


def _with_indices(x: Tensor, dim, keepdim: bool, op: str):
    """(values, indices) of the max/min along dim; the gradient goes to the returned index (as PyTorch)."""
    a = _axis(dim, x.ndim, op)
    if x.ndim == 0:
        return values_indices(x, _make(np.asarray(0, dtype=np.int64)))
    if x.shape[a] == 0:
        raise ShapeError(f"{op}: dim {dim} of shape {x.shape} is empty; there is no {op}")
    idx = (np.argmax if op == "max" else np.argmin)(x._data, axis=a, keepdims=True)
    values = _gather_idx(x, a, idx)
    indices = idx.astype(np.int64)
    if not keepdim:
        values, indices = _squeeze1(values, a), indices.squeeze(a)
    return values_indices(values, _make(np.asarray(indices)))


def _squeeze1(t: Tensor, a: int) -> Tensor:
    return reshape(t, t.shape[:a] + t.shape[a + 1 :])


def _gather_idx(x: Tensor, axis: int, idx: np.ndarray) -> Tensor:
    from .indexing import _take_along  # NOTE: late import: indexing imports this module

    return _take_along(x, idx, axis)


def amax(x, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None, keepdims: Optional[bool] = None) -> Tensor:
    """Maximum over dim (None or (): all); tied maxima share the gradient evenly (as torch.amax)."""
    x = as_tensor(x)
    ax = _resolve_amax(dim, axis, keepdim, keepdims, "amax")
    return _max_values(x, _axes(ax[0], x.ndim, "amax"), ax[1], "amax")


def amin(x, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None, keepdims: Optional[bool] = None) -> Tensor:
    """Minimum over dim (None or (): all); tied minima share the gradient evenly (as torch.amin)."""
    x = as_tensor(x)
    ax = _resolve_amax(dim, axis, keepdim, keepdims, "amin")
    return _min_values(x, _axes(ax[0], x.ndim, "amin"), ax[1], "amin")


def _resolve_amax(dim, axis, keepdim, keepdims, op):
    """(dim, keepdim) of a function with PyTorch's spelling first and numpy's as aliases; () means every axis."""
    dim = _one_of(op, dim, axis, "dim", "axis")
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None  # NOTE: torch.amax's default dim=() means every axis
    return dim, keepdim


def _correction(op: str, ddof, correction, unbiased, torch_default: int) -> float:
    given = [n for n, v in (("ddof", ddof), ("correction", correction), ("unbiased", unbiased)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{op}: pass only one of ddof, correction and unbiased (got {', '.join(given)})")
    if ddof is not None:
        return ddof
    if correction is not None:
        return correction
    if unbiased is not None:
        return 1 if unbiased else 0
    return torch_default


def var(x, axis: Axis = None, keepdims: bool = False, ddof: Optional[float] = None, *, dim: Axis = None,
        keepdim: Optional[bool] = None, correction: Optional[float] = None, unbiased: Optional[bool] = None) -> Tensor:
    """Variance sum((x - mean)**2) / (n - ddof) over axis.

    The divisor: ``ddof`` (numpy) or ``correction`` / ``unbiased`` (PyTorch) when given; otherwise n (numpy's
    default, ddof=0) with the numpy spelling ``axis=``/``keepdims=``, and n - 1 (PyTorch's default,
    correction=1) when the PyTorch spelling ``dim=`` or ``keepdim=`` is used.
    """
    torch_style = dim is not None or keepdim is not None
    if torch_style:
        axis, keepdims = _torch_dims("var", axis, keepdims, dim, keepdim)
    c = _correction("var", ddof, correction, unbiased, 1 if torch_style else 0)
    x = as_tensor(x)
    ax = _axes(axis, x.ndim, "var")
    d = x - mean(x, ax, keepdims=True)
    dof = _count(x.shape, ax) - c
    return sum(d * d, ax, keepdims) * (1.0 / dof if dof > 0 else np.inf)  # NOTE: as numpy: inf (or nan) if dof <= 0


def std(x, axis: Axis = None, keepdims: bool = False, ddof: Optional[float] = None, *, dim: Axis = None,
        keepdim: Optional[bool] = None, correction: Optional[float] = None, unbiased: Optional[bool] = None) -> Tensor:
    """Standard deviation sqrt(var) (the divisor as in ``var``)."""
    return sqrt(var(x, axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction, unbiased=unbiased))


def var_mean(x, dim: Axis = None, keepdim: bool = False, *, correction: Optional[float] = None,
             unbiased: Optional[bool] = None, axis: Axis = None, keepdims: Optional[bool] = None):
    """(var, mean) over dim, as torch.var_mean: the divisor is n - 1 unless ``correction``/``unbiased`` say."""
    dim, keepdim = _resolve_amax(dim, axis, keepdim, keepdims, "var_mean")
    c = _correction("var_mean", None, correction, unbiased, 1)
    x = as_tensor(x)
    return var(x, dim, keepdim, c), mean(x, dim, keepdim)


def std_mean(x, dim: Axis = None, keepdim: bool = False, *, correction: Optional[float] = None,
             unbiased: Optional[bool] = None, axis: Axis = None, keepdims: Optional[bool] = None):
    """(std, mean) over dim, as torch.std_mean (divisor n - 1 by default)."""
    v, m = var_mean(x, dim, keepdim, correction=correction, unbiased=unbiased, axis=axis, keepdims=keepdims)
    return sqrt(v), m


def logsumexp(x, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
              keepdim: Optional[bool] = None) -> Tensor:
    """log(sum(exp(x))) over axis, stable for large |x|."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("logsumexp", axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    return ops.LogSumExp.apply(x, axis=_axes(axis, x.ndim, "logsumexp"), keepdims=keepdims)


def argmax(x, axis: Optional[int] = None, keepdims: bool = False, *, dim: Optional[int] = None,
           keepdim: Optional[bool] = None) -> Tensor:
    """Index of the maximum (the first one at ties), over the flattened tensor when axis is None."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("argmax", axis, keepdims, dim, keepdim)
    return _arg_extreme(np.argmax, as_tensor(x), axis, keepdims, "argmax")


def argmin(x, axis: Optional[int] = None, keepdims: bool = False, *, dim: Optional[int] = None,
           keepdim: Optional[bool] = None) -> Tensor:
    """Index of the minimum (the first one at ties), over the flattened tensor when axis is None."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("argmin", axis, keepdims, dim, keepdim)
    return _arg_extreme(np.argmin, as_tensor(x), axis, keepdims, "argmin")


def any(x, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None) -> Tensor:
    """True where any element over axis is non-zero (a bool tensor; not differentiable)."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("any", axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    return _make(np.asarray(np.any(x._data, axis=_axes(axis, x.ndim, "any"), keepdims=keepdims)))


def all(x, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: Optional[bool] = None) -> Tensor:
    """True where every element over axis is non-zero (a bool tensor; not differentiable)."""
    if dim is not None or keepdim is not None:
        axis, keepdims = _torch_dims("all", axis, keepdims, dim, keepdim)
    x = as_tensor(x)
    return _make(np.asarray(np.all(x._data, axis=_axes(axis, x.ndim, "all"), keepdims=keepdims)))


def norm(x, p="fro", dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
         keepdims: Optional[bool] = None) -> Tensor:
    """Vector p-norm over dim (None: all elements): (sum |x|^p)^(1/p); p = inf: max |x|; -inf: min |x|;
    0: the number of non-zeros (zero gradient); 'fro': the 2-norm (Frobenius for matrices).

    The gradient of a norm that is 0 is 0 (a subgradient, as PyTorch), not nan.
    """
    dim, keepdim = _resolve_amax(dim, axis, keepdim, keepdims, "norm")
    x = as_tensor(x)
    _float(x, "norm")
    ax = _axes(dim, x.ndim, "norm")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; use a number, inf, -inf or 'fro'")
    a = abs(x)
    if p == np.inf:
        return _max_values(a, ax, keepdim, "norm")
    if p == -np.inf:
        return _min_values(a, ax, keepdim, "norm")
    if p == 0:
        return sum(where(x._data != 0, 1.0, x * 0.0), ax, keepdim)  # NOTE: differentiable, with gradient 0
    if p == 1:
        return sum(a, ax, keepdim)
    s = sum(x * x if p == 2 else pow(a, float(p)), ax, keepdim)
    # NOTE: the double where: at s == 0 neither branch's derivative is inf * 0 = nan; the gradient is 0
    zero = s._data == 0
    if not zero.any():
        return sqrt(s) if p == 2 else pow(s, 1.0 / p)
    safe = where(zero, 1.0, s)
    return where(zero, 0.0, sqrt(safe) if p == 2 else pow(safe, 1.0 / p))


def median(x, dim: Optional[int] = None, keepdim: bool = False, *, axis: Optional[int] = None,
           keepdims: Optional[bool] = None):
    """The lower median (element (n - 1) // 2 in sorted order, as PyTorch). Without dim: the median of all
    elements, a 0-d tensor. With dim: the named tuple (values, indices). The gradient goes to that element."""
    from .indexing import _take_along, argsort  # NOTE: late import: indexing imports this module

    dim = _one_of("median", dim, axis, "dim", "axis")
    if keepdims is not None:
        keepdim = keepdims
    x = as_tensor(x)
    if dim is None:
        flat = reshape(x, -1)
        if flat.shape[0] == 0:
            raise ShapeError("median of an empty tensor has no value")
        order = np.argsort(flat._data, kind="stable")
        k = order[(flat.shape[0] - 1) // 2]
        return getitem(flat, int(k))
    a = _axis(dim, x.ndim, "median")
    if x.ndim == 0:
        return values_indices(x, _make(np.asarray(0, dtype=np.int64)))
    n = x.shape[a]
    if n == 0:
        raise ShapeError(f"median: dim {dim} of shape {x.shape} is empty")
    order = argsort(x, a)._data
    idx = np.take(order, [(n - 1) // 2], axis=a)
    values = _take_along(x, idx, a)
    if not keepdim:
        values, idx = _squeeze1(values, a), idx.squeeze(a)
    return values_indices(values, _make(np.asarray(idx, dtype=np.int64)))


# ***** scans *****


def cumsum(x, axis: Optional[int] = None, *, dim: Optional[int] = None, dtype=None, reverse: bool = False) -> Tensor:
    """y_i = x_0 + ... + x_i along axis (None: over the flattened tensor, as numpy); ``reverse``: x_i + ... + x_last."""
    x, a, back = _scan_args(x, axis, dim, dtype, "cumsum")
    return back(ops.Cumsum.apply(x, axis=a, reverse=reverse))


def cumprod(x, axis: Optional[int] = None, *, dim: Optional[int] = None, dtype=None) -> Tensor:
    """y_i = x_0 * ... * x_i along axis; the gradient is exact at zeros (as PyTorch)."""
    x, a, back = _scan_args(x, axis, dim, dtype, "cumprod")
    if x._data.dtype.kind not in "fc":
        return back(_make(np.cumprod(x._data, axis=a)))
    return back(ops.Cumprod.apply(x, axis=a))


def logcumsumexp(x, axis: Optional[int] = None, *, dim: Optional[int] = None) -> Tensor:
    """y_i = log(exp(x_0) + ... + exp(x_i)) along axis, stable for inputs of any size."""
    x, a, back = _scan_args(x, axis, dim, None, "logcumsumexp")
    _float(x, "logcumsumexp")
    return back(ops.LogCumSumExp.apply(x, axis=a, reverse=False))


def cummax(x, dim: Optional[int] = None, *, axis: Optional[int] = None):
    """(values, indices) of the running maximum along dim; at ties the latest index (as PyTorch)."""
    return _cum_extreme(x, dim, axis, np.maximum, "cummax")


def cummin(x, dim: Optional[int] = None, *, axis: Optional[int] = None):
    """(values, indices) of the running minimum along dim; at ties the latest index (as PyTorch)."""
    return _cum_extreme(x, dim, axis, np.minimum, "cummin")


def _cum_extreme(x, dim, axis, ufunc, op):
    from .indexing import _take_along  # NOTE: late import: indexing imports this module

    dim = _one_of(op, dim, axis, "dim", "axis")
    if dim is None:
        raise TypeError(f"{op}() missing the dim (axis) to scan along")
    x = as_tensor(x)
    if x.ndim == 0:
        return values_indices(x, _make(np.asarray(0, dtype=np.int64)))
    a = _axis(dim, x.ndim, op)
    data = x._data
    run = ufunc.accumulate(data, axis=a)
    pos = np.arange(data.shape[a]).reshape((-1,) + (1,) * (data.ndim - a - 1))
    # NOTE: a position that equals the running extreme is a new extreme (or a tie): the index is the latest one
    hit = (data == run) | (np.isnan(data) if data.dtype.kind == "f" else False)
    idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=a).astype(np.int64)
    return values_indices(_take_along(x, idx, a), _make(idx))


def _scan_args(x, axis, dim, dtype, op):
    axis = _one_of(op, axis, dim, "axis", "dim")
    x = as_tensor(x)
    if dtype is not None:
        x = astype(x, dtype)
    if axis is None:
        return reshape(x, -1), 0, _same
    if x.ndim == 0:
        _axis(axis, 0, op)
        return reshape(x, 1), 0, _to_scalar  # NOTE: a 0-d scan (dim 0 or -1) is the identity, as PyTorch
    return x, _axis(axis, x.ndim, op), _same


def _same(t):
    return t


def _to_scalar(t):
    return reshape(t, ())


def isclose(a, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol * |b| elementwise (a bool tensor; PyTorch's defaults)."""
    a, b = as_tensor(a), as_tensor(b)
    return _make(np.asarray(np.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    """True when isclose holds everywhere (a Python bool)."""
    a, b = as_tensor(a), as_tensor(b)
    return bool(np.allclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
from .indexing import getitem  # noqa: E402
from .shape import reshape  # noqa: E402
