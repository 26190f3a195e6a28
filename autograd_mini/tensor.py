"""Tensor: a numpy array plus the flags and links that let backward find its way.

Every math method is a one-line delegation to ``autograd_mini.functional``; the math itself lives in functional/ and ops/.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any, Callable

import numpy as np

_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the dtype that Python floats and lists become (float32 unless changed, as in PyTorch).

    Args:
        dtype: a floating dtype, e.g. ``np.float64``.

    Raises:
        TypeError: if dtype is not a floating-point dtype.
    """
    global _default_dtype
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype expects a floating dtype such as np.float64, got {dt}")
    _default_dtype = dt


def get_default_dtype() -> np.dtype:
    """Return the dtype that Python floats and lists become."""
    return _default_dtype


def _to_array(data, dtype=None) -> np.ndarray:
    """Turn user data into an ndarray: float ndarrays keep their dtype, Python floats take the default."""
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    arr = np.asarray(data)
    if arr.dtype.kind == "f" and arr.dtype != _default_dtype:
        arr = arr.astype(_default_dtype)
    return arr


def _check_grad_dtype(dtype, what="requires_grad=True") -> None:
    if dtype.kind not in "fc":
        raise TypeError(
            f"only floating-point tensors can require grad, got dtype {dtype} with {what}; "
            "convert first, e.g. Tensor(x, dtype=np.float32)"
        )


def _make(data: np.ndarray, requires_grad: bool = False, grad_fn=None) -> "Tensor":
    """Fast internal constructor: wraps an ndarray without any checks (used for every op result)."""
    t = _new(Tensor)
    t._data = data
    t.requires_grad = requires_grad
    t.grad_fn = grad_fn
    return t


_new = object.__new__

_SHARED: dict = {}


def _readonly_full(shape: tuple, value, dtype: np.dtype) -> np.ndarray:
    """A read-only array of ``shape`` filled with ``value``, made once per (shape, value, dtype) and shared.

    NOTE: for constants on hot paths (the seed 1 of a scalar loss, the 0 that ReLU compares with): numpy
    converts a Python scalar operand on every call, and making a fresh array costs about as much. Read-only,
    so no caller can change it in place.
    """
    a = _SHARED.get((shape, value, dtype))
    if a is None:
        a = _SHARED[shape, value, dtype] = np.full(shape, value, dtype)
        a.flags.writeable = False
    return a


class Tensor:
    """An n-dimensional array that records the operations applied to it, for reverse-mode differentiation.

    Args:
        data: array-like. An ndarray is wrapped without copying and keeps its dtype; Python floats and lists
            of floats take the default dtype (float32, see ``set_default_dtype``). Use ``tensor()`` to copy.
        requires_grad: record operations on this tensor so that ``backward`` computes its ``.grad``.
        dtype: optional dtype to convert to.

    Raises:
        TypeError: if ``requires_grad`` is set on integer or boolean data.
    """

    __slots__ = ("_data", "requires_grad", "grad_fn", "__weakref__", "__dict__")
    # NOTE: rarely set, so class-level defaults (an instance gets a __dict__ entry only when they are set);
    # this keeps creating a tensor, which every op does, to three stores.
    grad = None
    _retains_grad = False
    _hooks = None  # dict handle id -> fn, once register_hook or retain_grad was called; read by backward
    _assigned = 0  # version offset from assignments to .data (see inplace.assigned)
    _stamp = 0  # when .data was last assigned (a node number; see inplace)
    _nograd_op = None  # the op that made this tensor while grad mode was off, for backward's error message
    __array_ufunc__ = None  # NOTE: makes `ndarray + tensor` call Tensor.__radd__ instead of numpy's loop
    __hash__ = object.__hash__  # NOTE: __eq__ is elementwise; keep identity hashing for dicts/sets of params

    def __init__(self, data: Any, requires_grad: bool = False, dtype=None):
        arr = _to_array(data, dtype)
        if requires_grad:
            _check_grad_dtype(arr.dtype)
        self._data = arr
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None

    # ----- data and version ---------------------------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The values, as an ndarray (shared, not copied).

        Assigning a new array (``t.data = a``) counts as a change of ``t`` (``_version``); writing into the
        array with numpy (``t.data[0] = 1``) is not seen by autograd_mini, as with PyTorch's ``.data``: use the
        in-place methods (``t[0] = 1``, ``t.add_(1)``) to have backward check that its saved values are current.
        """
        return self._data

    @data.setter
    def data(self, value) -> None:
        old = inplace.version(self)
        self._data = value if type(value) is np.ndarray else np.asarray(value)
        inplace.assigned(self, old)

    @property
    def _version(self) -> int:
        """How many times the library changed this tensor's values (shared by tensors sharing its memory)."""
        return inplace.version(self)

    # ----- properties -------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def T(self) -> "Tensor":
        """The tensor with its axes reversed (the matrix transpose for 2-D)."""
        return F.transpose(self)

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (inputs, parameters, constants)."""
        return self.grad_fn is None

    # ----- conversion -------------------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied)."""
        return self._data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with exactly one element, got shape {self.shape}")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use (t).any() or (t).all()"
            )
        return bool(self._data)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(", threshold=200)
        extra = ""
        if self._data.dtype != _default_dtype and self._data.dtype.kind == "f":
            extra += f", dtype={self._data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ----- autograd -------------------------------------------------------------------------------------
    def detach(self) -> "Tensor":
        """A new leaf tensor sharing this tensor's data, cut off from the graph."""
        return _make(self._data)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place on a leaf tensor and return it."""
        if not self.is_leaf:
            raise RuntimeError(
                "requires_grad_() can only change leaf tensors; use .detach() to get a leaf from this result"
            )
        if requires_grad:
            _check_grad_dtype(self._data.dtype, "requires_grad_()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> "Tensor":
        """Ask backward to also store this non-leaf tensor's gradient in ``.grad`` (after its hooks ran)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self.grad_fn is not None:  # NOTE: a leaf keeps its .grad anyway (PyTorch: a no-op)
            self._retains_grad = True
            if self._hooks is None:
                self._hooks = {}
        return self

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose ``.grad`` backward fills (see ``retain_grad``)."""
        return self._retains_grad

    def register_hook(self, hook: Callable) -> "hooks.RemovableHandle":
        """Call ``hook(grad)`` each time backward (or ``grad()``) computes this tensor's gradient.

        The hook sees the total gradient (all uses summed) once per backward pass, before it is stored in a
        leaf's ``.grad`` or passed on; if it returns a Tensor or an array, that replaces the gradient (same
        shape). Hooks run in the order they were registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            RuntimeError: if this tensor does not require grad.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"register_hook() on a tensor (shape {self.shape}) that does not require grad: it never gets a "
                "gradient; create it with requires_grad=True"
            )
        if not callable(hook):
            raise TypeError(f"register_hook() expects a function grad -> grad or None, got {type(hook).__name__}")
        if self._hooks is None:
            self._hooks = {}
        return hooks.RemovableHandle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        Args:
            gradient: d(loss)/d(self), required unless self has one element.
            retain_graph: keep the graph's saved tensors so backward can run through it again.
            create_graph: record the backward pass itself, so the gradients can be differentiated again.
        """
        # NOTE: a list, so that a gradient given as a (nested) Python list is read as the gradient's values
        engine.backward([self], [gradient], retain_graph=retain_graph, create_graph=create_graph)

    # ----- operators ------------------------------------------------------------------------------------
    def __add__(self, other):
        return F.add(self, other)

    def __radd__(self, other):
        return F.add(other, self)

    def __sub__(self, other):
        return F.sub(self, other)

    def __rsub__(self, other):
        return F.sub(other, self)

    def __mul__(self, other):
        return F.mul(self, other)

    def __rmul__(self, other):
        return F.mul(other, self)

    def __truediv__(self, other):
        return F.div(self, other)

    def __rtruediv__(self, other):
        return F.div(other, self)

    def __pow__(self, other):
        return F.pow(self, other)

    def __rpow__(self, other):
        return F.pow(other, self)

    def __matmul__(self, other):
        return F.matmul(self, other)

    def __rmatmul__(self, other):
        return F.matmul(other, self)

    def __neg__(self):
        return F.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return F.abs(self)

    def __getitem__(self, index):
        return F.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        """t[index] = value, in place (under no_grad(), or on a tensor that does not require grad)."""
        inplace.setitem(self, index, value)

    def __lt__(self, other):
        return F.less(self, other)

    def __le__(self, other):
        return F.less_equal(self, other)

    def __gt__(self, other):
        return F.greater(self, other)

    def __ge__(self, other):
        return F.greater_equal(self, other)

    def __eq__(self, other):
        return F.equal(self, other)

    def __ne__(self, other):
        return F.not_equal(self, other)

    # ----- methods ------------------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return F.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def max(self, axis=None, keepdims=False):
        return F.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return F.min(self, axis, keepdims)

    def var(self, axis=None, keepdims=False, ddof=0):
        return F.var(self, axis, keepdims, ddof)

    def std(self, axis=None, keepdims=False, ddof=0):
        return F.std(self, axis, keepdims, ddof)

    def logsumexp(self, axis=None, keepdims=False):
        return F.logsumexp(self, axis, keepdims)

    def softmax(self, axis=None, *, dim=None):
        return F.softmax(self, axis, dim=dim)

    def log_softmax(self, axis=None, *, dim=None):
        return F.log_softmax(self, axis, dim=dim)

    def argmax(self, axis=None, keepdims=False):
        return F.argmax(self, axis, keepdims)

    def argmin(self, axis=None, keepdims=False):
        return F.argmin(self, axis, keepdims)

    def exp(self):
        return F.exp(self)

    def log(self):
        return F.log(self)

    def sqrt(self):
        return F.sqrt(self)

    def abs(self):
        return F.abs(self)

    def tanh(self):
        return F.tanh(self)

    def sigmoid(self):
        return F.sigmoid(self)

    def relu(self):
        return F.relu(self)

    def leaky_relu(self, negative_slope=0.01):
        return F.leaky_relu(self, negative_slope)

    def clip(self, min=None, max=None):
        return F.clip(self, min, max)

    def reshape(self, *shape):
        return F.reshape(self, *shape)

    def transpose(self, *axes):
        return F.transpose(self, *axes)

    def flatten(self, start_axis=0, end_axis=-1):
        return F.flatten(self, start_axis, end_axis)

    def broadcast_to(self, shape):
        return F.broadcast_to(self, shape)

    def astype(self, dtype):
        return F.astype(self, dtype)

    def clone(self):
        """A copy with its own memory, recorded in the graph (its gradient flows back to self)."""
        return F.clone(self)

    # ----- elementwise math and activations -----------------------------------------------------------------
    def __mod__(self, other):
        return F.remainder(self, other)

    def __rmod__(self, other):
        return F.remainder(other, self)

    def __floordiv__(self, other):
        return F.div(self, other, rounding_mode="floor")

    def __rfloordiv__(self, other):
        return F.div(other, self, rounding_mode="floor")

    def __and__(self, other):
        return F.bitwise_and(self, other)

    def __rand__(self, other):
        return F.bitwise_and(other, self)

    def __or__(self, other):
        return F.bitwise_or(self, other)

    def __ror__(self, other):
        return F.bitwise_or(other, self)

    def __xor__(self, other):
        return F.bitwise_xor(self, other)

    def __rxor__(self, other):
        return F.bitwise_xor(other, self)

    def __invert__(self):
        return F.bitwise_not(self)

    def sin(self):
        return F.sin(self)

    def cos(self):
        return F.cos(self)

    def tan(self):
        return F.tan(self)

    def asin(self):
        return F.asin(self)

    def acos(self):
        return F.acos(self)

    def atan(self):
        return F.atan(self)

    def atan2(self, other):
        return F.atan2(self, other)

    def sinh(self):
        return F.sinh(self)

    def cosh(self):
        return F.cosh(self)

    def asinh(self):
        return F.asinh(self)

    def acosh(self):
        return F.acosh(self)

    def atanh(self):
        return F.atanh(self)

    def erf(self):
        return F.erf(self)

    def erfc(self):
        return F.erfc(self)

    def log1p(self):
        return F.log1p(self)

    def expm1(self):
        return F.expm1(self)

    def log2(self):
        return F.log2(self)

    def log10(self):
        return F.log10(self)

    def exp2(self):
        return F.exp2(self)

    def rsqrt(self):
        return F.rsqrt(self)

    def reciprocal(self):
        return F.reciprocal(self)

    def square(self):
        return F.square(self)

    def floor(self):
        return F.floor(self)

    def ceil(self):
        return F.ceil(self)

    def trunc(self):
        return F.trunc(self)

    def round(self, decimals=0):
        return F.round(self, decimals)

    def sign(self):
        return F.sign(self)

    def isnan(self):
        return F.isnan(self)

    def isinf(self):
        return F.isinf(self)

    def isfinite(self):
        return F.isfinite(self)

    def remainder(self, other):
        return F.remainder(self, other)

    def fmod(self, other):
        return F.fmod(self, other)

    def div(self, other, *, rounding_mode=None):
        return F.div(self, other, rounding_mode=rounding_mode)

    def copysign(self, other):
        return F.copysign(self, other)

    def logaddexp(self, other):
        return F.logaddexp(self, other)

    def lerp(self, end, weight):
        return F.lerp(self, end, weight)

    def logical_and(self, other):
        return F.logical_and(self, other)

    def logical_or(self, other):
        return F.logical_or(self, other)

    def logical_xor(self, other):
        return F.logical_xor(self, other)

    def logical_not(self):
        return F.logical_not(self)

    def bitwise_and(self, other):
        return F.bitwise_and(self, other)

    def bitwise_or(self, other):
        return F.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return F.bitwise_xor(self, other)

    def bitwise_not(self):
        return F.bitwise_not(self)

    # ----- in-place (they change this tensor and return it; see autograd_mini.inplace) --------------------
    def add_(self, other, *, alpha=1):
        return inplace.add_(self, other, alpha)

    def sub_(self, other, *, alpha=1):
        return inplace.sub_(self, other, alpha)

    def mul_(self, other):
        return inplace.mul_(self, other)

    def div_(self, other):
        return inplace.div_(self, other)

    def fill_(self, value):
        return inplace.fill_(self, value)

    def zero_(self):
        return inplace.zero_(self)

    def copy_(self, src):
        return inplace.copy_(self, src)

    def clamp_(self, min=None, max=None):
        return inplace.clamp_(self, min, max)


def tensor(data: Any, requires_grad: bool = False, dtype=None) -> Tensor:
    """Make a new leaf Tensor holding a copy of data (like ``torch.tensor``)."""
    src = data._data if isinstance(data, Tensor) else data
    return Tensor(np.array(_to_array(src, dtype), copy=True), requires_grad=requires_grad)


# NOTE: imported last to break the cycle tensor -> functional -> ops -> function -> tensor.
from . import engine  # noqa: E402
from . import functional as F  # noqa: E402
from . import hooks  # noqa: E402
from . import inplace  # noqa: E402
