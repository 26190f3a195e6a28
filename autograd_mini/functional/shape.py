"""Shape manipulation: reshape, transpose, broadcast, squeeze/expand, concatenate/stack.
"""
from __future__ import annotations

from typing import Sequence

import math
from builtins import abs as builtins_abs

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._args import Axis, _axes, _axis, _one_of, as_tensor


def reshape(x, *shape) -> Tensor:
    """x with a new shape (one entry may be -1); ``reshape(x, 2, 3)`` or ``reshape(x, (2, 3))``."""
    x = as_tensor(x)
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = tuple(shape[0])
    if shape == x.shape:
        return x
    return ops.Reshape.apply(x, shape=shape)


def transpose(x, *axes) -> Tensor:
    """Permute axes (reverse them when none are given); numpy's transpose, so ``t.transpose(1, 0)`` of a
    matrix and ``t.transpose(0, 2, 1)`` both work. PyTorch's two-axis swap is ``swapaxes``/``swapdims``."""
    x = as_tensor(x)
    if not axes:
        return Transpose.apply(x, axes=None)
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = tuple(axes[0])
    ndim = x._data.ndim
    axes = tuple([a + ndim if a < 0 else a for a in axes])  # NOTE: no modulo, so out-of-range axes stay out of range
    if len(axes) != ndim or sorted(axes) != list(range(ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of the {ndim} axes of {x.shape}")
    return Transpose.apply(x, axes=axes)


def permute(x, *dims) -> Tensor:
    """x with its axes in the order ``dims`` (a permutation of all of them), as torch.permute."""
    if not dims:
        raise TypeError("permute() needs the new order of the axes, e.g. permute(x, 2, 0, 1)")
    return transpose(x, *dims)


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """x with two axes exchanged."""
    x = as_tensor(x)
    ndim = x._data.ndim
    a1, a2 = _axis(axis1, ndim, "swapaxes"), _axis(axis2, ndim, "swapaxes")
    if ndim == 0:
        return x
    if ndim == 2 and a1 != a2:
        return Transpose.apply(x, axes=None)
    axes = list(range(ndim))
    axes[a1], axes[a2] = axes[a2], axes[a1]
    return transpose(x, *axes)


def swapdims(x, dim0: int, dim1: int) -> Tensor:
    """PyTorch's name for swapaxes."""
    return swapaxes(x, dim0, dim1)


def movedim(x, source, destination) -> Tensor:
    """x with the axes ``source`` (an int or a sequence) moved to positions ``destination``, the others keeping
    their order (as torch.movedim / np.moveaxis)."""
    x = as_tensor(x)
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} name different numbers of axes")
    src = [_axis(a, x.ndim, "movedim") for a in src]
    dst = [_axis(a, x.ndim, "movedim") for a in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ShapeError(f"movedim: repeated axis in source {source} or destination {destination}")
    if x.ndim == 0:
        return x
    order = [a for a in range(x.ndim) if a not in src]
    for d, s_ in sorted(zip(dst, src)):
        order.insert(d, s_)
    return transpose(x, *order)


moveaxis = movedim


def flatten(x, start_axis: int = 0, end_axis: int = -1, *, start_dim: int = None, end_dim: int = None) -> Tensor:
    """Merge the axes start_axis..end_axis into one (all of them by default); ``start_dim``/``end_dim`` are
    PyTorch's names."""
    if start_dim is not None:
        start_axis = start_dim
    if end_dim is not None:
        end_axis = end_dim
    x = as_tensor(x)
    shape = x._data.shape
    ndim = len(shape)
    if start_axis == 0 and end_axis == -1 and ndim:
        return reshape(x, (x._data.size,))  # NOTE: the common case, without the general checks
    s, e = _axis(start_axis, ndim, "flatten"), _axis(end_axis, ndim, "flatten")
    if ndim == 0:
        return reshape(x, 1)
    if s > e:
        raise ShapeError(f"flatten: start_dim {start_axis} comes after end_dim {end_axis} (shape {x.shape})")
    return reshape(x, shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


def unflatten(x, dim: int, sizes) -> Tensor:
    """Split axis ``dim`` into the axes ``sizes`` (one entry may be -1), as torch.unflatten."""
    x = as_tensor(x)
    a = _axis(dim, x.ndim, "unflatten")
    sizes = tuple(int(n) for n in sizes)
    n = x.shape[a]
    known = math.prod(s_ for s_ in sizes if s_ != -1)
    if sizes.count(-1) > 1 or (-1 in sizes and (known == 0 or n % known)) or (-1 not in sizes and known != n):
        raise ShapeError(f"unflatten: sizes {sizes} do not multiply to dim {dim}'s length {n} (shape {x.shape})")
    if -1 in sizes:
        sizes = tuple(n // known if s_ == -1 else s_ for s_ in sizes)
    return reshape(x, x.shape[:a] + sizes + x.shape[a + 1 :])


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


def expand(x, *sizes) -> Tensor:
    """x broadcast to ``sizes`` (as torch.expand): -1 keeps that axis's length; new axes go in front."""
    x = as_tensor(x)
    sizes = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], (int, np.integer)) else sizes
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ShapeError(f"expand: {len(sizes)} sizes {sizes} for a tensor with {x.ndim} dimensions (shape {x.shape})")
    shape = []
    for i, n in enumerate(sizes):
        if n == -1:
            if i < lead:
                raise ShapeError(f"expand: -1 is not allowed for the new leading axis {i} in sizes {sizes}")
            n = x.shape[i - lead]
        shape.append(int(n))
    for i, s_ in enumerate(x.shape):
        if s_ != 1 and s_ != shape[lead + i]:
            raise ShapeError(f"expand: axis {i} of length {s_} cannot expand to {shape[lead + i]} "
                             f"(shape {x.shape} to {tuple(shape)}); only length-1 axes expand")
    return broadcast_to(x, tuple(shape))


def repeat(x, *sizes) -> Tensor:
    """x tiled ``sizes[i]`` times along each axis (torch.Tensor.repeat, i.e. np.tile); more sizes than axes add
    leading axes. The gradient sums the copies."""
    x = as_tensor(x)
    sizes = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], (int, np.integer)) else sizes
    if len(sizes) < x.ndim:
        raise ShapeError(f"repeat: {len(sizes)} sizes {sizes} for a tensor with {x.ndim} dimensions; give one per "
                         "axis (or use tile, which pads with ones)")
    if any(not isinstance(n, (int, np.integer)) or n < 0 for n in sizes):
        raise ValueError(f"repeat: sizes must be non-negative ints, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    inter = tuple(v for n, s_ in zip(sizes, shape) for v in (1, s_))
    big = tuple(v for n, s_ in zip(sizes, shape) for v in (int(n), s_))
    y = broadcast_to(reshape(x, inter), big)
    return reshape(y, tuple(int(n) * s_ for n, s_ in zip(sizes, shape)))


def tile(x, dims) -> Tensor:
    """x tiled ``dims[i]`` times along each axis (as torch.tile / np.tile): fewer dims than axes are padded
    with ones in front."""
    x = as_tensor(x)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def flip(x, dims) -> Tensor:
    """x with the order of its entries reversed along ``dims`` (an int or a sequence)."""
    x = as_tensor(x)
    ax = _axes(dims, x.ndim, "flip")
    if not ax:
        return x
    return getitem(x, tuple(slice(None, None, -1) if i in ax else slice(None) for i in range(x.ndim)))


def roll(x, shifts, dims=None) -> Tensor:
    """x with its entries shifted by ``shifts`` along ``dims`` (wrapping around); dims None: over the
    flattened tensor, the shape kept (as torch.roll)."""
    x = as_tensor(x)
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            raise ValueError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts {shifts} for {len(dims)} dims {dims}")
    for sh, d in zip(shifts, dims):
        a = _axis(d, x.ndim, "roll")
        if x.ndim == 0:
            continue
        n = x.shape[a]
        if n and sh % n:
            x = getitem(x, (slice(None),) * a + ((np.arange(n) - sh) % n,))
    return x


def _tri_mask(x: Tensor, diagonal: int, op: str, upper: bool) -> np.ndarray:
    if x.ndim < 2:
        raise ShapeError(f"{op} needs a tensor with at least 2 dimensions, got shape {x.shape}")
    n, m = x.shape[-2:]
    lower = np.tri(n, m, diagonal - (1 if upper else 0), dtype=bool)
    return ~lower if upper else lower


def tril(x, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (entries with col - row <= diagonal), zeros elsewhere."""
    x = as_tensor(x)
    return where(_tri_mask(x, diagonal, "tril", False), x, np.zeros((), x.dtype))


def triu(x, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (entries with col - row >= diagonal), zeros elsewhere."""
    x = as_tensor(x)
    return where(_tri_mask(x, diagonal, "triu", True), x, np.zeros((), x.dtype))


def diagonal(x, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal (col - row = offset) of the (dim1, dim2) planes, as a new last axis (as torch.diagonal)."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise ShapeError(f"diagonal needs a tensor with at least 2 dimensions, got shape {x.shape}")
    a1, a2 = _axis(dim1, x.ndim, "diagonal"), _axis(dim2, x.ndim, "diagonal")
    if a1 == a2:
        raise ShapeError(f"diagonal: dim1 and dim2 are the same axis ({dim1}, {dim2})")
    x = movedim(x, (a1, a2), (-2, -1))
    n, m = x.shape[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset) if m - offset > 0 else 0)
    return getitem(x, (Ellipsis, rows, rows + offset))


def diag(x, diagonal: int = 0) -> Tensor:
    """1-D x: a square matrix with x on the given diagonal; 2-D x: that diagonal as a 1-D tensor."""
    x = as_tensor(x)
    if x.ndim == 1:
        n = x.shape[0] + builtins_abs(diagonal)
        rows = np.arange(x.shape[0]) + max(0, -diagonal)
        return ops.IndexAdd.apply(x, index=(rows, rows + diagonal), shape=(n, n))
    if x.ndim == 2:
        return globals()["diagonal"](x, diagonal)
    raise ShapeError(f"diag expects a 1-D or 2-D tensor, got shape {x.shape}")


def repeat_interleave(x, repeats, dim: int = None) -> Tensor:
    """Each entry of x repeated ``repeats`` times (an int, or one count per entry along dim) next to itself;
    dim None: over the flattened tensor (as torch.repeat_interleave)."""
    x = as_tensor(x)
    if dim is None:
        x, a = reshape(x, -1), 0
    else:
        a = _axis(dim, x.ndim, "repeat_interleave")
        if x.ndim == 0:
            x = reshape(x, 1)
    r = np.asarray(repeats._data if isinstance(repeats, Tensor) else repeats)
    n = x.shape[a]
    if r.dtype.kind not in "iu" or (r < 0).any() or r.ndim > 1 or (r.ndim == 1 and r.shape[0] not in (1, n)):
        raise ValueError(f"repeat_interleave: repeats must be a non-negative int or {n} of them, got {repeats!r}")
    idx = np.repeat(np.arange(n), r.reshape(-1) if r.ndim else int(r))
    return getitem(x, (slice(None),) * a + (idx,))


def unfold_dim(x, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` entries along ``dimension``, ``step`` apart (torch.Tensor.unfold): that axis
    becomes the window count (n - size) // step + 1 and a new last axis of length size holds the windows."""
    x = as_tensor(x)
    a = _axis(dimension, x.ndim, "unfold")
    if x.ndim == 0:
        x = reshape(x, 1)
    n = x.shape[a]
    if not isinstance(size, (int, np.integer)) or not 0 <= size <= n:
        raise ShapeError(f"unfold: size {size!r} must be in 0..{n} (the length of dim {dimension}, shape {x.shape})")
    if not isinstance(step, (int, np.integer)) or step < 1:
        raise ValueError(f"unfold: step must be a positive int, got {step!r}")
    starts = np.arange(0, n - size + 1, step)
    idx = starts[:, None] + np.arange(size)[None, :]
    y = getitem(x, (slice(None),) * a + (idx,))  # (..., windows, size, ...)
    return movedim(y, a + 1, -1)

def _new_axis(axis, ndim: int, op: str) -> int:
    """A position for a new axis: -ndim - 1 <= axis <= ndim, or a ShapeError naming op, axis and ndim."""
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis (dim) must be an int, got {axis!r}")
    if not -ndim - 1 <= axis <= ndim:
        raise ShapeError(
            f"{op}: axis {axis} is out of range for a new axis of a tensor with {ndim} dimensions "
            f"(valid: {-ndim - 1} to {ndim})"
        )
    return int(axis) % (ndim + 1)


def expand_dims(x, axis: int = None, *, dim: int = None) -> Tensor:
    """x with a new axis of length 1 at ``axis`` (``dim``: PyTorch's name)."""
    if dim is not None:
        axis = dim
    if axis is None:
        raise TypeError("expand_dims() missing the axis (dim) of the new axis")
    x = as_tensor(x)
    shape = x._data.shape
    a = axis if type(axis) is int and 0 <= axis <= len(shape) else _new_axis(axis, len(shape), "expand_dims")
    return reshape(x, shape[:a] + (1,) + shape[a:])


def unsqueeze(x, dim: int) -> Tensor:
    """x with a new axis of length 1 at ``dim`` (as torch.unsqueeze)."""
    x = as_tensor(x)
    a = _new_axis(dim, x.ndim, "unsqueeze")
    return reshape(x, x.shape[:a] + (1,) + x.shape[a:])


def squeeze(x, axis: Axis = None, *, dim: Axis = None) -> Tensor:
    """x without its length-1 axes (or only those in ``axis``/``dim``); a named axis whose length is not 1 is
    left as it is (as PyTorch)."""
    if dim is not None:
        axis = dim
    x = as_tensor(x)
    ax = _axes(axis, x.ndim, "squeeze")
    keep = [s for i, s in enumerate(x.shape) if not (s == 1 and (ax is None or i in ax))]
    return reshape(x, tuple(keep))


def concatenate(tensors: Sequence, axis: int = 0, *, dim: int = None) -> Tensor:
    """Join tensors along an existing axis (``dim``: PyTorch's name); every other axis must match."""
    if dim is not None:
        axis = dim
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concatenate needs at least one tensor")
    ndim = ts[0]._data.ndim
    if type(axis) is int and 0 <= axis < ndim:
        a = axis  # NOTE: the common case, without the general checks (concatenate runs in every LSTM step)
    else:
        if ndim == 0:
            raise ShapeError("concatenate: 0-d tensors cannot be joined along an axis; use stack")
        a = _axis(axis, ndim, "concatenate")
    try:
        return ops.Concatenate.apply(*ts, axis=a)
    except ValueError:  # NOTE: numpy's check, reworded: the shapes are only compared when they do not fit
        raise ShapeError(
            f"concatenate along axis {axis}: shapes {[t.shape for t in ts]} differ outside that axis"
        ) from None


cat = concatenate
concat = concatenate


def stack(tensors: Sequence, axis: int = 0, *, dim: int = None) -> Tensor:
    """Join tensors of one shape along a new axis (``dim``: PyTorch's name)."""
    if dim is not None:
        axis = dim
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors must have one shape, got {sorted(shapes)}")
    shape = ts[0]._data.shape
    a = _new_axis(axis, len(shape), "stack")
    new = shape[:a] + (1,) + shape[a:]
    return concatenate([reshape(t, new) for t in ts], axis=a)


from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
from ..ops import Transpose  # noqa: E402


# ----- split, chunk, unbind: one node with several outputs (ops.Split) ----------------------------------------


def _split_axis(op: str, x: Tensor, dim, axis) -> int:
    """The axis to split along (``dim``, or numpy's spelling ``axis``), checked and made non-negative."""
    nd = x._data.ndim
    if axis is None and type(dim) is int and -nd <= dim < nd and nd:
        return dim % nd  # NOTE: the common case (LSTM and GRU cells split their gates at every step)
    if axis is not None:
        dim = _one_of(op, None if dim == 0 else dim, axis, "dim", "axis")  # NOTE: 0 is dim's default
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

from .elementwise import where  # noqa: E402
from .indexing import getitem  # noqa: E402
