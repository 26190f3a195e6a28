"""Public functions: thin wrappers over the primitives in ops.py, and composites built only from them.

A composite (``mean``, ``softmax``, ``minimum``, ...) gets its derivative from its parts, so it can never
disagree with them. Python numbers and ndarrays are accepted wherever a Tensor is.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import numpy as np

from .errors import ShapeError
from .tensor import Tensor, _make, _to_array
from . import random as _random

Axis = Union[None, int, Sequence[int]]


# ----- argument handling -------------------------------------------------------------------------------


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
    """Normalize axis to None or a sorted tuple of non-negative ints, raising a clear error when out of range."""
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:
        return (axis % ndim,)  # NOTE: the common case, without the general checks below
    items = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in items:
        if not -ndim <= a < ndim:
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


# ----- elementwise arithmetic --------------------------------------------------------------------------


def add(a, b) -> Tensor:
    """a + b with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Add.apply(a, b)


def sub(a, b) -> Tensor:
    """a - b with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Sub.apply(a, b)


def mul(a, b) -> Tensor:
    """a * b with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Mul.apply(a, b)


def div(a, b) -> Tensor:
    """a / b with numpy broadcasting."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Div.apply(a, b)


def pow(a, b) -> Tensor:
    """a ** b with numpy broadcasting; either side may be a Tensor or a number."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    return Pow.apply(a, b)


def neg(x) -> Tensor:
    """-x."""
    return ops.Neg.apply(as_tensor(x))


def maximum(a, b) -> Tensor:
    """Elementwise maximum; at a tie each side gets half the gradient (as PyTorch)."""
    a, b = _pair(a, b)
    return ops.Maximum.apply(a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum: -maximum(-a, -b), so it shares Maximum's tie rule."""
    a, b = _pair(a, b)
    return neg(maximum(neg(a), neg(b)))


def where(cond, a, b) -> Tensor:
    """a where cond is true, else b (cond is not differentiated); broadcasting as numpy."""
    c = np.asarray(cond._data if isinstance(cond, Tensor) else cond)
    if c.dtype != np.bool_:
        c = c.astype(bool)
    a, b = _pair(a, b)
    return ops.Where.apply(a, b, cond=c)


# ----- elementwise functions ---------------------------------------------------------------------------


def exp(x) -> Tensor:
    """e ** x."""
    return ops.Exp.apply(as_tensor(x))


def log(x) -> Tensor:
    """Natural logarithm."""
    return ops.Log.apply(as_tensor(x))


def sqrt(x) -> Tensor:
    """x ** 0.5."""
    return pow(x, 0.5)


def abs(x) -> Tensor:
    """|x|; the derivative at 0 is 0."""
    return ops.Abs.apply(as_tensor(x))


def tanh(x) -> Tensor:
    """Hyperbolic tangent."""
    return ops.Tanh.apply(as_tensor(x))


def sigmoid(x) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    return ops.Sigmoid.apply(as_tensor(x))


def relu(x) -> Tensor:
    """max(x, 0); the derivative at 0 is 0."""
    return ops.Relu.apply(as_tensor(x))


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0 else negative_slope * x; the derivative at 0 is negative_slope (as PyTorch)."""
    x = as_tensor(x)
    return where(x._data > 0, x, x * negative_slope)


def clip(x, min=None, max=None) -> Tensor:
    """Clamp x to [min, max] (either bound may be None); the gradient passes at the bounds themselves."""
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    return ops.Clip.apply(as_tensor(x), lo=min, hi=max)


def clone(x) -> Tensor:
    """A copy of x in new memory, recorded in the graph (the gradient flows back to x)."""
    return ops.Copy.apply(as_tensor(x))


def astype(x, dtype) -> Tensor:
    """x converted to dtype; the gradient is converted back."""
    x = as_tensor(x)
    dtype = np.dtype(dtype)
    if dtype == x._data.dtype:
        return x
    if dtype.kind not in "fc":
        return _make(x._data.astype(dtype))  # NOTE: integer/bool results cannot require grad; nothing to record
    return ops.Cast.apply(x, dtype=dtype)


# ----- reductions --------------------------------------------------------------------------------------


def sum(x, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Sum over axis (None: all axes)."""
    x = as_tensor(x)
    return ops.Sum.apply(x, axis=_axes(axis, x.ndim, "sum"), keepdims=keepdims)


def mean(x, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over axis (None: all axes)."""
    x = as_tensor(x)
    ax = _axes(axis, x.ndim, "mean")
    n = _count(x.shape, ax)
    return sum(x, ax, keepdims) * (1.0 / n if n else np.nan)


def _count(shape, axes) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod([shape[a] for a in axes])


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


def log_softmax(x, axis: int = -1) -> Tensor:
    """log_softmax(x) = x - logsumexp(x); stable because LogSumExp subtracts the max in forward."""
    x = as_tensor(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis: int = -1) -> Tensor:
    """softmax(x) = exp(log_softmax(x)); finite for logits of any size."""
    return exp(log_softmax(x, axis))


def argmax(x, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
    """Index of the maximum (not differentiable)."""
    return _make(np.asarray(np.argmax(as_tensor(x)._data, axis=axis, keepdims=keepdims)))


def argmin(x, axis: Optional[int] = None, keepdims: bool = False) -> Tensor:
    """Index of the minimum (not differentiable)."""
    return _make(np.asarray(np.argmin(as_tensor(x)._data, axis=axis, keepdims=keepdims)))


# ----- shape ---------------------------------------------------------------------------------------------


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


# ----- linear algebra ------------------------------------------------------------------------------------


def matmul(a, b) -> Tensor:
    """Matrix product with numpy's rules: 1-D operands are vectors, leading dimensions broadcast."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    ashape, bshape = a._data.shape, b._data.shape
    if not ashape or not bshape:
        raise ShapeError(f"matmul of shapes {ashape} and {bshape}: operands must have at least 1 dimension")
    if ashape[-1] != bshape[-2 if len(bshape) > 1 else 0]:
        raise ShapeError(
            f"matmul of shapes {ashape} and {bshape}: inner dimensions "
            f"{ashape[-1]} and {bshape[-2 if len(bshape) > 1 else 0]} differ"
        )
    if len(ashape) >= 2 and len(bshape) >= 2:
        return MatMul.apply(a, b)
    a2 = reshape(a, 1, a.shape[0]) if a.ndim == 1 else a
    b2 = reshape(b, b.shape[0], 1) if b.ndim == 1 else b
    y = ops.MatMul.apply(a2, b2)
    if a.ndim == 1:
        y = reshape(y, y.shape[:-2] + y.shape[-1:])
    if b.ndim == 1:
        y = reshape(y, y.shape[:-1])
    return y


def linear(x, weight, bias=None) -> Tensor:
    """x @ weight.T + bias with weight (out, in) and bias (out,) or None: (..., in) -> (..., out)."""
    if not isinstance(x, Tensor):  # NOTE: as_tensor inlined here and below: this runs in every layer call
        x = _lift(x)
    if not isinstance(weight, Tensor):
        weight = _lift(weight)
    xs, ws = x._data.shape, weight._data.shape
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        raise ShapeError(f"linear of input {xs} and weight {ws}: the weight must be (out, in) with in = {xs[-1:]}")
    if bias is not None:
        if not isinstance(bias, Tensor):
            bias = _lift(bias)
        if bias._data.shape != (ws[0],):
            raise ShapeError(f"linear: bias of shape {bias._data.shape} for a weight of shape {ws}; expected ({ws[0]},)")
    if len(xs) == 1:  # a single example: through the batched form and back
        y = linear(reshape(x, 1, xs[0]), weight, bias)
        return reshape(y, ws[0])
    return ops.Linear.apply(x, weight) if bias is None else ops.Linear.apply(x, weight, bias)


# ----- comparisons (not differentiable) ------------------------------------------------------------------


def _compare(ufunc, a, b) -> Tensor:
    a, b = _pair(a, b)
    return _make(np.asarray(ufunc(a._data, b._data)))


def less(a, b) -> Tensor:
    return _compare(np.less, a, b)


def less_equal(a, b) -> Tensor:
    return _compare(np.less_equal, a, b)


def greater(a, b) -> Tensor:
    return _compare(np.greater, a, b)


def greater_equal(a, b) -> Tensor:
    return _compare(np.greater_equal, a, b)


def equal(a, b) -> Tensor:
    return _compare(np.equal, a, b)


def not_equal(a, b) -> Tensor:
    return _compare(np.not_equal, a, b)


def sign(x) -> Tensor:
    """-1, 0 or 1 by the sign of x (not differentiable)."""
    return _make(np.sign(as_tensor(x)._data))


# ----- creation -------------------------------------------------------------------------------------------


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (default dtype unless given)."""
    return Tensor(np.zeros(_shape(shape), dtype=dtype or _default()), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (default dtype unless given)."""
    return Tensor(np.ones(_shape(shape), dtype=dtype or _default()), requires_grad=requires_grad)


def zeros_like(x, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(as_tensor(x)._data), requires_grad=requires_grad)


def ones_like(x, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(as_tensor(x)._data), requires_grad=requires_grad)


def randn(*shape, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Standard normal samples from the global generator (see ``manual_seed``) or ``rng``."""
    data = _random.get_rng(rng).standard_normal(_shape(shape)).astype(dtype or _default())
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Uniform samples in [0, 1) from the global generator (see ``manual_seed``) or ``rng``."""
    data = _random.get_rng(rng).random(_shape(shape)).astype(dtype or _default())
    return Tensor(data, requires_grad=requires_grad)


def _shape(shape) -> tuple:
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        return tuple(shape[0])
    return tuple(shape)


def _default():
    from .tensor import get_default_dtype

    return get_default_dtype()


from . import ops  # noqa: E402  (ops imports this module for the Tensor-level functions its rules use)
from .ops import Add, Sub, Mul, Div, Pow, MatMul, Transpose  # noqa: E402


# ----- convolution windows -----
# Primitives in ops/window.py. Layout of unfolded windows: (N, C, H, W) -> (N, OH, OW, kh, kw, C).


def _int_pair(value, name: str, op: str, minimum: int) -> tuple:
    """An int or a pair of ints, as a pair of Python ints >= minimum."""
    items = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(items) != 2 or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in items):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints >= {minimum}, got {value!r}")
    return int(items[0]), int(items[1])


def pad(x, pad_width) -> Tensor:
    """x with zeros added around it; ``pad_width`` as in ``np.pad``: an int, a (before, after) pair for every
    axis, or one (before, after) pair per axis. The gradient is gy with the padding sliced off."""
    x = as_tensor(x)
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu" or (widths < 0).any():
        raise ValueError(f"pad: pad_width must hold non-negative ints, got {pad_width!r}")
    try:
        widths = np.broadcast_to(widths, (x.ndim, 2))
    except ValueError:
        raise ShapeError(
            f"pad: pad_width {pad_width!r} does not fit a tensor with {x.ndim} dimensions (shape {x.shape})"
        ) from None
    widths = tuple((int(b), int(a)) for b, a in widths)
    if not any(b or a for b, a in widths):
        return x
    return ops.Pad.apply(x, pad_width=widths)


def unfold(x, kernel_size, stride=1) -> Tensor:
    """Sliding windows of an (N, C, H, W) batch (im2col), as an (N, OH, OW, kh, kw, C) tensor with
    ``y[n, i, j, p, q, c] = x[n, c, i*sh + p, j*sw + q]``, OH = (H - kh) // sh + 1, OW = (W - kw) // sw + 1.
    (Channels last, so ``y.reshape(N * OH * OW, kh * kw * C)`` is free: the layout of TF's extract_patches.)

    Args:
        x: tensor of shape (N, C, H, W).
        kernel_size: window size, an int or (kh, kw).
        stride: step between windows, an int or (sh, sw).
    """
    x = as_tensor(x)
    k = _int_pair(kernel_size, "kernel_size", "unfold", 1)
    s = _int_pair(stride, "stride", "unfold", 1)
    if x.ndim != 4:
        raise ShapeError(f"unfold expects an (N, C, H, W) tensor, got shape {x.shape}")
    if k[0] > x.shape[2] or k[1] > x.shape[3]:
        raise ShapeError(f"unfold: kernel {k} is larger than the (padded) image {x.shape[2:]} of input {x.shape}")
    return ops.Unfold.apply(x, kernel_size=k, stride=s)


def fold(cols, output_size, kernel_size, stride=1) -> Tensor:
    """The adjoint of ``unfold`` (col2im): add each window of ``cols`` (N, OH, OW, kh, kw, C) back at its place
    in an (N, C, H, W) image of zeros, with (H, W) = ``output_size``. Overlapping windows add up.

    Raises:
        ShapeError: if cols does not have the shape ``unfold`` gives for that image size, kernel and stride.
    """
    cols = as_tensor(cols)
    k = _int_pair(kernel_size, "kernel_size", "fold", 1)
    s = _int_pair(stride, "stride", "fold", 1)
    size = _int_pair(output_size, "output_size", "fold", 1)
    if size[0] < k[0] or size[1] < k[1]:
        raise ShapeError(f"fold: output_size {size} is smaller than the kernel {k}")
    oh, ow = (size[0] - k[0]) // s[0] + 1, (size[1] - k[1]) // s[1] + 1
    if cols.ndim != 6 or cols.shape[1:3] != (oh, ow) or cols.shape[3:5] != k:
        raise ShapeError(
            f"fold: expected windows of shape (N, {oh}, {ow}, {k[0]}, {k[1]}, C) for output_size {size}, "
            f"kernel {k} and stride {s}, got {cols.shape}"
        )
    return ops.Fold.apply(cols, output_size=size, kernel_size=k, stride=s)
