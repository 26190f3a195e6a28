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


# ----- split, chunk, unbind: one node with several outputs (ops.Split) ----------------------------------------


def _split_axis(op: str, x: Tensor, dim, axis) -> int:
    """The axis to split along (``dim``, or numpy's spelling ``axis``), checked and made non-negative."""
    nd = x._data.ndim
    if axis is None and type(dim) is int and -nd <= dim < nd and nd:
        return dim % nd  # NOTE: the common case (LSTM and GRU cells split their gates at every step)
    if axis is not None:
        if dim not in (None, 0):
            raise TypeError(f"{op}: got both dim={dim!r} and axis={axis!r}; pass one of them")
        dim = axis
    if dim is None:
        dim = 0
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if x.ndim == 0:
        raise ShapeError(f"{op}: cannot split a 0-d tensor (shape ()); it needs at least one dimension")
    if not -x.ndim <= dim < x.ndim:
        raise ShapeError(f"{op}: dim {dim} is out of range for a tensor of shape {x.shape} ({x.ndim} dimensions; "
                         f"valid: {-x.ndim} to {x.ndim - 1})")
    return int(dim) % x.ndim


def split(x, split_size_or_sections, dim: int = 0, *, axis=None) -> tuple:
    """Cut x along ``dim`` into pieces, as ``torch.split``: an int gives pieces of that length (the last one
    shorter if the length does not divide), a list gives the length of each piece (they must sum to the length).

    The pieces are views of x and come from one graph node (``ops.Split``), whose backward joins their
    gradients (zeros for unused pieces). ``axis=`` is accepted as numpy's spelling of ``dim``.

    Returns:
        A tuple of Tensors.

    Raises:
        ShapeError: if dim is out of range, x is 0-d, or the sections do not sum to the length of that axis.
        ValueError: for a negative size (or 0 along an axis that is not empty).
    """
    x = as_tensor(x)
    a = _split_axis("split", x, dim, axis)
    n = x._data.shape[a]
    s = split_size_or_sections
    if type(s) is int and 0 < s and n % s == 0:
        return ops.Split.apply(x, sizes=(s,) * (n // s) if n else (0,), axis=a)  # NOTE: the common case
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        s = int(s)
        if s < 0 or (s == 0 and n != 0):
            raise ValueError(f"split: split_size must be a positive int (0 only for an empty axis), got {s} for "
                             f"axis {a} of length {n} (shape {x.shape})")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s else []
        sizes = tuple(sizes) or (0,)
    else:
        try:
            sizes = tuple(int(v) for v in s)
            bad = any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in s)
        except (TypeError, ValueError):
            bad = True
        if bad:
            raise TypeError(f"split: split_size_or_sections must be an int or a list of ints, got {s!r}")
        if not sizes:
            raise ValueError("split: the list of sections is empty; give at least one length")
        if any(v < 0 for v in sizes):
            raise ValueError(f"split: section lengths must be >= 0, got {list(sizes)}")
        if sum(sizes) != n:
            raise ShapeError(f"split: sections {list(sizes)} sum to {sum(sizes)}, but axis {a} of the tensor of "
                             f"shape {x.shape} has length {n}; the sections must add up to it exactly")
    return ops.Split.apply(x, sizes=sizes, axis=a)


def chunk(x, chunks: int, dim: int = 0, *, axis=None) -> tuple:
    """Cut x along ``dim`` into ``chunks`` pieces of equal length ceil(n / chunks), as ``torch.chunk``: the last
    is shorter if n does not divide, and fewer than ``chunks`` pieces come back when n is too short to fill them.

    Returns:
        A tuple of Tensors (views of x, from one ``ops.Split`` node).

    Raises:
        ValueError: if chunks is not a positive int.  ShapeError: as ``split``.
    """
    x = as_tensor(x)
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    a = _split_axis("chunk", x, dim, axis)
    n = x._data.shape[a]
    if n == 0:
        return ops.Split.apply(x, sizes=(0,) * int(chunks), axis=a)
    return split(x, -(-n // int(chunks)), a)


def unbind(x, dim: int = 0, *, axis=None) -> tuple:
    """The slices of x along ``dim``, without that axis, as ``torch.unbind``: ``unbind(x)[k] == x[k]``.

    Returns:
        A tuple of x.shape[dim] Tensors (views of x, from one ``ops.Split`` node; empty for an empty axis).
    """
    x = as_tensor(x)
    a = _split_axis("unbind", x, dim, axis)
    n = x.shape[a]
    if n == 0:
        return ()
    return ops.Split.apply(x, sizes=(1,) * n, axis=a, squeeze=True)
