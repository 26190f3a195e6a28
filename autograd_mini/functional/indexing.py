"""Indexing and selection: getitem, gather/scatter along an axis, index_select, masks, sorting and top-k.

All composed: ``gather`` is a ``GetItem`` with an open index (an arange per other axis), ``scatter_add`` an
``IndexAdd`` of the same index, so their gradients (a scatter-add and a gather) are those primitives'. Sorting
returns ``gather(x, indices)``: at ties the gradient goes to the element at the returned index.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..errors import IndexingError, ShapeError
from ..tensor import Tensor, _make
from ._args import _axis, as_tensor


def _index_arrays(index):
    """Turn Tensors and lists inside an index into ndarrays (the index itself is never differentiated)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    return index


def getitem(x, index) -> Tensor:
    """x[index] for slices, ints, None, Ellipsis, integer arrays and boolean masks."""
    return ops.GetItem.apply(as_tensor(x), index=_index_arrays(index))


# ----- along one axis ------------------------------------------------------------------------------------------


def _open_index(index: np.ndarray, axis: int) -> tuple:
    """The numpy index tuple that reads x[..., index[..., i, ...], ...] along axis (take_along_axis's)."""
    out = []
    for d in range(index.ndim):
        if d == axis:
            out.append(index)
        else:
            out.append(np.arange(index.shape[d]).reshape((-1,) + (1,) * (index.ndim - d - 1)))
    return tuple(out)


def _take_along(x: Tensor, idx: np.ndarray, axis: int) -> Tensor:
    """x gathered at valid, non-negative idx along axis (internal: no checks)."""
    return ops.GetItem.apply(x, index=_open_index(idx, axis))


def _int_index(index, op: str) -> np.ndarray:
    idx = np.asarray(index._data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got dtype {idx.dtype}")
    return idx


def _check_index(op: str, x_shape, axis: int, idx: np.ndarray, *, others_le=True) -> None:
    if idx.ndim != len(x_shape) and not (idx.ndim == 0 and len(x_shape) == 0):
        raise ShapeError(f"{op}: index has {idx.ndim} dimensions but the tensor has {len(x_shape)} (shape {x_shape})")
    if others_le:
        for d, (i, s) in enumerate(zip(idx.shape, x_shape)):
            if d != axis and i > s:
                raise ShapeError(
                    f"{op}: index of shape {idx.shape} is larger than the tensor of shape {x_shape} along dim {d}"
                )
    n = x_shape[axis] if x_shape else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexingError(f"{op}: index {bad} is out of range for dim {axis} of size {n} (shape {x_shape})")


def gather(x, dim: int, index) -> Tensor:
    """y[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and likewise for other dims), as torch.gather:
    index has x's number of dimensions, y has index's shape. The gradient scatter-adds into x's shape."""
    x = as_tensor(x)
    idx = _int_index(index, "gather")
    a = _axis(dim, x.ndim, "gather")
    if x.ndim == 0:
        _check_index("gather", (1,), 0, idx.reshape(-1) if idx.ndim else idx.reshape(1))
        return x if idx.ndim == 0 else getitem(reshape(x, 1), idx)
    _check_index("gather", x.shape, a, idx)
    return _take_along(x, idx, a)


def take_along_dim(x, indices, dim: Optional[int] = None) -> Tensor:
    """x gathered at indices along dim, with x and indices broadcast along the other dims (as
    torch.take_along_dim / np.take_along_axis); dim None: over the flattened x."""
    x = as_tensor(x)
    idx = _int_index(indices, "take_along_dim")
    if dim is None:
        flat = reshape(x, -1)
        idx = idx.reshape(-1)
        _check_index("take_along_dim", flat.shape, 0, idx)
        return _take_along(flat, idx, 0)
    a = _axis(dim, x.ndim, "take_along_dim")
    if idx.ndim != x.ndim:
        raise ShapeError(f"take_along_dim: indices have {idx.ndim} dimensions, the tensor {x.ndim} (shape {x.shape})")
    try:
        shape = np.broadcast_shapes(x.shape[:a] + x.shape[a + 1 :], idx.shape[:a] + idx.shape[a + 1 :])
    except ValueError:
        raise ShapeError(f"take_along_dim: tensor {x.shape} and indices {idx.shape} do not broadcast "
                         f"outside dim {a}") from None
    x = broadcast_to(x, shape[:a] + (x.shape[a],) + shape[a:])
    idx = np.broadcast_to(idx, shape[:a] + (idx.shape[a],) + shape[a:])
    _check_index("take_along_dim", x.shape, a, idx)
    return _take_along(x, idx, a)


def take_along_axis(x, indices, axis: Optional[int]) -> Tensor:
    """numpy's name for take_along_dim."""
    return take_along_dim(x, indices, axis)


def index_select(x, dim: int, index) -> Tensor:
    """The entries of x at the 1-D ``index`` along dim (repeats allowed; their gradients add up)."""
    x = as_tensor(x)
    idx = _int_index(index, "index_select")
    if idx.ndim > 1:
        raise ShapeError(f"index_select: index must be 1-D, got shape {idx.shape}")
    a = _axis(dim, x.ndim, "index_select")
    if x.ndim == 0:
        return x
    n = x.shape[a]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexingError(f"index_select: index out of range for dim {a} of size {n} (shape {x.shape})")
    return getitem(x, (slice(None),) * a + (idx.reshape(-1),))


def _scatter_args(op, x, dim, index, src):
    x = as_tensor(x)
    idx = _int_index(index, op)
    a = _axis(dim, x.ndim, op)
    if x.ndim == 0:
        raise ShapeError(f"{op}: needs a tensor with at least 1 dimension")
    _check_index(op, x.shape, a, idx)
    src = as_tensor(src)
    if src.ndim != idx.ndim or any(i > s for i, s in zip(idx.shape, src.shape)):
        raise ShapeError(f"{op}: src of shape {src.shape} must have index's dimensions and be at least as large "
                         f"as index {idx.shape}")
    if src.shape != idx.shape:
        src = getitem(src, tuple(slice(0, n) for n in idx.shape))
    return x, a, idx, src


def _scatter_into(src: Tensor, idx, a, shape) -> Tensor:
    return ops.IndexAdd.apply(src, index=_open_index(idx, a), shape=shape)


def _counts(idx, a, shape) -> np.ndarray:
    count = np.zeros(shape, dtype=np.int64)
    np.add.at(count, _open_index(idx, a), 1)
    return count


def scatter_add(x, dim: int, index, src) -> Tensor:
    """y = x, then y[index[i][j]][j] += src[i][j] for dim 0 (likewise for other dims); repeats add up.
    Gradients: dy/dx = gy, dy/dsrc = gather(gy, dim, index)."""
    x, a, idx, src = _scatter_args("scatter_add", x, dim, index, src)
    return add(x, _scatter_into(src, idx, a, x.shape))


def scatter(x, dim: int, index, src=None, *, value=None) -> Tensor:
    """y = x, then y[index[i][j]][j] = src[i][j] for dim 0 (or = value); gradient gy at the kept entries of x
    and gather(gy) to src.

    Raises:
        ValueError: if index names one position twice (the result would depend on write order; PyTorch
            leaves it undefined): use scatter_add or scatter_reduce.
    """
    if (src is None) == (value is None):
        raise TypeError("scatter: pass exactly one of src (a tensor) and value (a number)")
    if value is not None:
        xt = as_tensor(x)
        src = np.full(np.shape(_int_index(index, "scatter")), value, dtype=xt.dtype)
    x, a, idx, src = _scatter_args("scatter", x, dim, index, src)
    count = _counts(idx, a, x.shape)
    if count.max(initial=0) > 1:
        raise ValueError(f"scatter: index writes {count.max()} values to one position along dim {dim}; the "
                         "result would depend on write order. Use scatter_add or scatter_reduce")
    return add(where(count > 0, 0.0, x), _scatter_into(src, idx, a, x.shape))


_REDUCE_FILL = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "amax": -np.inf, "amin": np.inf}


def scatter_reduce(x, dim: int, index, src, reduce: str, *, include_self: bool = True) -> Tensor:
    """Reduce the src values sent to each position of x (with x's own value if include_self) with
    reduce = 'sum' | 'prod' | 'mean' | 'amax' | 'amin', as torch.scatter_reduce; positions no index names keep x.

    Gradients as PyTorch: exact at zeros for 'prod'; tied maxima/minima share evenly for 'amax'/'amin'.
    'prod', 'amax', 'amin' lay the values of each position out in a padded (positions, max count) matrix and
    reduce its rows (memory: positions x the largest count).
    """
    if reduce not in _REDUCE_FILL:
        raise ValueError(f"scatter_reduce: reduce must be one of {sorted(_REDUCE_FILL)}, got {reduce!r}")
    x, a, idx, src = _scatter_args("scatter_reduce", x, dim, index, src)
    count = _counts(idx, a, x.shape)
    hit = count > 0
    if x._data.dtype.kind not in "fc" and src._data.dtype.kind not in "fc":
        return _make(_scatter_reduce_ints(x._data, idx, a, src._data, reduce, include_self, count))
    if reduce in ("sum", "mean"):
        base = x if include_self else where(hit, 0.0, x)
        y = add(base, _scatter_into(src, idx, a, x.shape))
        if reduce == "mean":
            den = np.where(hit, count + (1 if include_self else 0), 1).astype(y.dtype)
            y = y / _make(den)
        return y
    # Rows: one per position of x that receives values; columns: its values (and x's own value first).
    flat = np.ravel_multi_index(np.broadcast_arrays(*_open_index(idx, a)), x.shape).reshape(-1)
    positions, row = np.unique(flat, return_inverse=True)
    order = np.argsort(row, kind="stable")
    starts = np.searchsorted(row[order], np.arange(positions.size))
    rank = np.empty_like(row)
    rank[order] = np.arange(row.size) - starts[row[order]]
    inc = 1 if include_self else 0
    width = (int(rank.max()) + 1 if rank.size else 0) + inc
    shape = (positions.size, width)
    filled = np.zeros(shape, dtype=bool)
    filled[row, rank + inc] = True
    if inc:
        filled[:, 0] = True
    vals = ops.IndexAdd.apply(reshape(src, -1), index=(row, rank + inc), shape=shape)
    if inc:
        vals = vals + ops.IndexAdd.apply(getitem(reshape(x, -1), positions), index=(slice(None), 0), shape=shape)
    fill = np.where(filled, 0.0, _REDUCE_FILL[reduce]).astype(vals.dtype)
    vals = vals + _make(fill)
    reduced = {"prod": prod, "amax": amax, "amin": amin}[reduce](vals, 1)
    out = reshape(ops.IndexAdd.apply(reduced, index=positions, shape=(x.size,)), x.shape)
    return add(where(hit, 0.0, x), out)


def _scatter_reduce_ints(x, idx, a, src, reduce, include_self, count):
    """Integer scatter_reduce (no gradient): numpy's ufunc.at; 'mean' rounds down as PyTorch."""
    y = x.copy()
    hit = count > 0
    if not include_self:
        y[hit] = {"sum": 0, "mean": 0, "prod": 1, "amax": np.iinfo(y.dtype).min if y.dtype.kind != "b" else 0,
                  "amin": np.iinfo(y.dtype).max if y.dtype.kind != "b" else 1}[reduce]
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
    ufunc.at(y, _open_index(idx, a), src.astype(y.dtype))
    if reduce == "mean":
        y[hit] = np.floor_divide(y[hit], count[hit] + (1 if include_self else 0))
    return y


# ----- masks ---------------------------------------------------------------------------------------------------


def _mask(mask, op: str) -> np.ndarray:
    m = np.asarray(mask._data if isinstance(mask, Tensor) else mask)
    if m.dtype != np.bool_:
        raise TypeError(f"{op}: mask must be a bool tensor, got dtype {m.dtype}")
    return m


def masked_fill(x, mask, value) -> Tensor:
    """x with value where mask is true (mask broadcasts to x's shape); value may be a number or a 0-d Tensor."""
    x = as_tensor(x)
    m = _mask(mask, "masked_fill")
    if np.broadcast_shapes(m.shape, x.shape) != x.shape:
        raise ShapeError(f"masked_fill: mask of shape {m.shape} does not broadcast to the tensor's shape {x.shape}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ShapeError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    else:
        value = np.asarray(value, dtype=x.dtype)  # NOTE: the result keeps x's dtype, as PyTorch
    return where(m, value, x)


def masked_select(x, mask) -> Tensor:
    """The 1-D tensor of the entries of x where mask is true (x and mask broadcast together)."""
    x = as_tensor(x)
    m = _mask(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise ShapeError(f"masked_select: mask {m.shape} and tensor {x.shape} do not broadcast") from None
    return getitem(broadcast_to(x, shape), np.broadcast_to(m, shape))


def nonzero(x, *, as_tuple: bool = False):
    """Indices of the non-zero entries: an (n, ndim) int64 tensor, or (as_tuple) one 1-D tensor per dim."""
    data = as_tensor(x)._data
    if as_tuple:
        return tuple(_make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(data)))
    return _make(np.argwhere(data).astype(np.int64))


# ----- sorting -------------------------------------------------------------------------------------------------


def _argsort(data: np.ndarray, a: int, descending: bool) -> np.ndarray:
    """Stable argsort along a; descending keeps equal values in their original order (as a stable sort)."""
    if not descending:
        return np.argsort(data, axis=a, kind="stable")
    n = data.shape[a]
    rev = np.argsort(np.flip(data, a), axis=a, kind="stable")  # NOTE: no negation: exact for ints and unsigned
    return (n - 1) - np.flip(rev, a)


def argsort(x, dim: int = -1, descending: bool = False, *, stable: bool = True, axis: Optional[int] = None) -> Tensor:
    """Indices that sort x along dim (always stable: equal values keep their order)."""
    if axis is not None:
        dim = axis
    x = as_tensor(x)
    a = _axis(dim, x.ndim, "argsort")
    if x.ndim == 0:
        return _make(np.asarray(0, dtype=np.int64))
    return _make(_argsort(x._data, a, descending).astype(np.int64))


def sort(x, dim: int = -1, descending: bool = False, *, stable: bool = True, axis: Optional[int] = None):
    """(values, indices) of x sorted along dim (stable). The gradient of values goes to x at indices."""
    if axis is not None:
        dim = axis
    x = as_tensor(x)
    a = _axis(dim, x.ndim, "sort")
    if x.ndim == 0:
        return values_indices(x, _make(np.asarray(0, dtype=np.int64)))
    idx = _argsort(x._data, a, descending)
    return values_indices(_take_along(x, idx, a), _make(idx.astype(np.int64)))


def topk(x, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """(values, indices) of the k largest (or smallest) entries along dim, in order; the gradient of values
    goes to x at indices (at ties: the earlier index first, as a stable sort)."""
    x = as_tensor(x)
    a = _axis(dim, x.ndim, "topk")
    n = x.shape[a] if x.ndim else 1
    if not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
        raise ValueError(f"topk: k={k!r} must be an int in 0..{n} (the size of dim {dim} of shape {x.shape})")
    if x.ndim == 0:
        return values_indices(x, _make(np.asarray(0, dtype=np.int64)))
    idx = np.take(_argsort(x._data, a, largest), np.arange(k), axis=a)
    return values_indices(_take_along(x, idx, a), _make(idx.astype(np.int64)))


from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
from .elementwise import add, where  # noqa: E402
from .reduction import amax, amin, prod, values_indices  # noqa: E402
from .shape import broadcast_to, reshape  # noqa: E402
