"""Mutation: version counters, the check that backward makes before using a saved tensor, and in-place methods.

Every change the library makes to a tensor's values (an in-place method, ``t[idx] = v``, assignment to
``t.data``, an optimizer's ``step()``, ``load_state_dict``, the ``nn.init`` functions) goes through ``bump``.
Tensors that share memory (views made by reshape, slicing, ``detach()``) share one counter, as in PyTorch:
the counter belongs to the array that owns the memory.

The check costs nothing on the usual path. Every mutation takes a stamp from the counter that numbers graph
nodes (``Function.seq``), so "changed after this node was recorded" is ``stamp > node.seq``; backward looks
at a node's saved tensors only when some mutation happened after the oldest node of the graph. Optimizer
steps are recorded and added to the counters in batches (``bump_arrays``); every read of a counter goes
through ``_counter``, which adds them first.

NOTE: writing into ``t.data`` with numpy (``t.data[...] = 0``, ``np.add(t.data, 1, out=t.data)``) bypasses
the counter, as writing through ``.data`` does in PyTorch.
"""
from __future__ import annotations

import operator
import threading
import weakref
from collections import deque

import numpy as np

from . import grad_mode
from .errors import ShapeError
from .function import broadcasts_to, next_seq
from .tensor import Tensor

last_stamp = 0  # the stamp of the newest mutation anywhere (0: none yet); read by the engine


class _Counter:
    """The version counter of one block of memory (the ndarray that owns it)."""

    __slots__ = ("ref", "count", "stamps")  # stamps: the newest few, to tell the version a node saw


_counters: dict = {}  # id(owner array) -> _Counter


def _owner(a: np.ndarray) -> np.ndarray:
    """The array that owns a's memory (a itself unless a is a view)."""
    b = a.base
    while isinstance(b, np.ndarray):
        a, b = b, b.base
    return a


def _forget(key: int, ref) -> None:
    c = _counters.get(key)
    if c is not None and c.ref is ref:
        del _counters[key]


def _lookup(a: np.ndarray, create: bool):
    """The counter of a's memory as recorded so far (without the pending optimizer steps: see ``_counter``)."""
    owner = _owner(a)
    key = id(owner)
    c = _counters.get(key)
    if c is not None and c.ref() is owner:
        return c
    if not create:
        return None
    c = _counters[key] = _Counter()
    c.ref = weakref.ref(owner, lambda r, key=key: _forget(key, r))
    c.count = 0
    c.stamps = deque((0,), maxlen=_STAMPS)
    return c


def _counter(a: np.ndarray, create: bool):
    """The counter of a's memory, up to date: every read or change of a counter goes through here."""
    if _steps:
        _flush_steps()
    return _lookup(a, create)


def version(t: Tensor) -> int:
    """How many times t's values have been changed by the library (``Tensor._version``)."""
    c = _counter(t._data, False)
    return t._assigned + (c.count if c is not None else 0)


def bump(t: Tensor) -> None:
    """Record that t's values (and those of every tensor sharing its memory) were just changed in place."""
    global last_stamp
    c = _counter(t._data, True)
    c.count += 1
    last_stamp = next_seq()
    c.stamps.append(last_stamp)


_steps: list = []  # (stamp, arrays) of the optimizer steps not yet added to the counters, oldest first
_MAX_STEPS = 64
_STAMPS = 32  # stamps kept per counter: enough to tell the version a recent node saw
_flush_lock = threading.Lock()
_is = operator.is_


def bump_arrays(arrays: list) -> None:
    """``bump`` the tensors holding each of these arrays (what an optimizer's step just changed, in a list the
    caller hands over and no longer changes), one stamp for all.

    NOTE: recorded here and added to the counters later (``_flush_steps``: the next time anything reads or
    changes a counter, every _MAX_STEPS steps, or when an optimizer is deleted). This runs in every training
    step right after the update has streamed the parameters through the cache, when every object touched is a
    cache miss (~0.3-1 us each, measured in a step): updating the counters there took ~7 us for the four
    parameters of a 2-layer MLP, and a run per optimizer (an identity check of the arrays and an append)
    ~5 us; this append ~2 us.
    """
    global last_stamp
    if not arrays:
        return
    last_stamp = stamp = next_seq()
    _steps.append((stamp, arrays))
    if len(_steps) > _MAX_STEPS:
        _flush_steps()


def _flush_steps() -> None:
    """Add the recorded optimizer steps to the counters of their arrays, in order."""
    with _flush_lock:  # NOTE: held throughout, so that every counter gets its stamps in order
        _add_steps()


def _add_steps() -> None:
    # NOTE: with _flush_lock held. Consecutive steps over the same arrays (a training loop) are added together:
    # one counter lookup per array, not per array and step (that took ~2 us per step of a small MLP).
    n = len(_steps)
    steps = _steps[:n]
    del _steps[:n]  # NOTE: a step appended by another thread meanwhile stays for the next flush
    group, stamps = None, []
    for stamp, arrays in steps:
        if group is not None and len(arrays) == len(group) and all(map(_is, arrays, group)):
            stamps.append(stamp)
            continue
        if group is not None:
            _add_group(group, stamps)
        group, stamps = arrays, [stamp]
    if group is not None:
        _add_group(group, stamps)


def _add_group(arrays, stamps: list) -> None:
    for a in arrays:
        c = _lookup(a, True)
        c.count += len(stamps)
        c.stamps.extend(stamps[-_STAMPS:])


def release() -> None:
    """Called when an optimizer is deleted: add the recorded steps to the counters, so that the records no
    longer keep its parameters' arrays alive."""
    # NOTE: never waits: a deletion can happen inside the locked section (a garbage collection started by an
    # allocation there); the records then go at the next flush, at most _MAX_STEPS steps later
    if _steps and _flush_lock.acquire(blocking=False):
        try:
            _add_steps()
        finally:
            _flush_lock.release()


def assigned(t: Tensor, old_version: int) -> None:
    """Record that ``t.data`` was just replaced by another array (called by the ``data`` setter)."""
    global last_stamp
    c = _counter(t._data, False)
    t._assigned = old_version + 1 - (c.count if c is not None else 0)
    t._stamp = last_stamp = next_seq()


def changed_since(t: Tensor, seq: int) -> bool:
    """True if t's values were changed by the library after the node numbered seq was recorded."""
    if t._stamp > seq:
        return True
    c = _counter(t._data, False)
    return c is not None and c.stamps[-1] > seq


def check_saved(node) -> None:
    """Raise if a tensor that node's backward reads was changed in place after the node was recorded."""
    seq = node.seq
    saved = []
    if node.reads_inputs:
        saved.extend(enumerate(node.inputs))
    if node._outputs is None:
        out = node._output() if node._output is not None else None
        if out is not None:
            saved.append(("output", out))
    elif node.save_output or not node._trusted:  # NOTE: several outputs: checked when backward may read them
        saved.extend(node.live_outputs())
    for i, t in saved:
        if changed_since(t, seq):
            raise_modified(node, i, t)


def raise_modified(node, which, t: Tensor) -> None:
    what = f"its {which}" if isinstance(which, str) else f"its input {which}"  # which: "output", "output 1" or i
    raise RuntimeError(
        f"{node.name}: {what} (a tensor of shape {t.shape}, dtype {t.dtype}) was modified in place after it was "
        f"used: backward needs its values from before (saved version {_version_at(t, node.seq)}, current "
        f"version {version(t)}). Call backward before opt.step() or any other in-place change, or clone() it "
        "before changing it."
    )


def _version_at(t: Tensor, seq: int) -> str:
    """t's version when the node numbered seq was recorded, as text (exact unless many changes followed)."""
    if t._stamp > seq:  # t.data was replaced since: its memory's history says nothing about the old array
        return f"at most {version(t) - 1}"
    c = _counter(t._data, False)
    later = sum(1 for s in c.stamps if s > seq)
    exact = later < len(c.stamps)  # NOTE: else older stamps were dropped, and more changes may have followed
    return f"{version(t) - later}" if exact else f"at most {version(t) - later}"


# ----- in-place methods ----------------------------------------------------------------------------------


def _array(value, name: str):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (np.ndarray, np.generic, int, float, bool)):
        return value
    try:
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001 - restated below with the op's name
        raise TypeError(f"{name}(): cannot use a {type(value).__name__} as a value: {e}") from e


def _guard(t: Tensor, name: str, *operands) -> None:
    """Refuse an in-place change that autograd would need to record (it records none)."""
    if not grad_mode.state.enabled:
        return
    if t.requires_grad:
        if t.grad_fn is None:
            raise RuntimeError(
                f"{name}(): a leaf tensor that requires grad (shape {t.shape}) cannot be changed in place while "
                "grad mode is on, because the change would not be recorded. Change it under "
                "`with am.no_grad():` (as optimizers do), or compute a new tensor out of place."
            )
        raise RuntimeError(
            f"{name}(): this tensor (shape {t.shape}) was computed by {t.grad_fn.name} and is part of a graph; "
            "in-place changes are not recorded by autograd_mini. Compute a new tensor out of place "
            "(e.g. `y = y + 1` instead of `y.add_(1)`, am.where(mask, v, y) instead of `y[mask] = v`), or "
            "detach() it first."
        )
    for o in operands:
        if isinstance(o, Tensor) and o.requires_grad:
            raise RuntimeError(
                f"{name}(): the value (shape {o.shape}) requires grad, but in-place changes are not recorded by "
                "autograd_mini, so its gradient would be lost. Compute a new tensor out of place, or pass "
                "value.detach()."
            )


def _write(t: Tensor, name: str, write) -> Tensor:
    """Run ``write(array)`` on t's array, restating numpy's errors with the op and the shapes, then bump."""
    a = t._data
    if not a.flags.writeable:
        raise ValueError(
            f"{name}(): the data of this tensor (shape {t.shape}) is read-only (a shared constant or a broadcast "
            "view); clone() it and change the copy"
        )
    try:
        write(a)
    except ValueError as e:
        raise ShapeError(f"{name}() on a tensor of shape {t.shape}: {e}") from e
    except TypeError as e:
        raise TypeError(f"{name}() on a tensor of dtype {t.dtype}: {e}") from e
    bump(t)
    return t


def _binary(t: Tensor, other, name: str, ufunc, alpha=1) -> Tensor:
    _guard(t, name, other)
    b = _array(other, name)
    if alpha != 1:
        b = np.multiply(b, alpha)
    _check_fits(name, np.shape(b), t.shape)
    return _write(t, name, lambda a: ufunc(a, b, out=a, casting="same_kind"))


def _check_fits(name: str, shape: tuple, target: tuple) -> None:
    """Raise unless an operand of ``shape`` broadcasts to ``target`` (an in-place result keeps its shape)."""
    if not broadcasts_to(shape, target):
        raise ShapeError(
            f"{name}(): a value of shape {shape} cannot be applied in place to a tensor of shape {target} "
            "(it must broadcast to the tensor's shape)"
        )


def add_(t: Tensor, other, alpha=1) -> Tensor:
    """t <- t + alpha * other, in place (other broadcasts to t's shape)."""
    return _binary(t, other, "add_", np.add, alpha)


def sub_(t: Tensor, other, alpha=1) -> Tensor:
    """t <- t - alpha * other, in place."""
    return _binary(t, other, "sub_", np.subtract, alpha)


def mul_(t: Tensor, other) -> Tensor:
    """t <- t * other, in place."""
    return _binary(t, other, "mul_", np.multiply)


def div_(t: Tensor, other) -> Tensor:
    """t <- t / other, in place."""
    return _binary(t, other, "div_", np.true_divide)


def fill_(t: Tensor, value) -> Tensor:
    """Set every element of t to value, in place."""
    _guard(t, "fill_", value)
    v = _array(value, "fill_")
    if np.ndim(v) != 0:
        raise ShapeError(f"fill_(): expects a single number, got a value of shape {np.shape(v)}")
    return _write(t, "fill_", lambda a: a.fill(v))


def zero_(t: Tensor) -> Tensor:
    """Set every element of t to 0, in place."""
    return fill_(t, 0)


def copy_(t: Tensor, src) -> Tensor:
    """Copy src's values into t, in place (src broadcasts to t's shape; its dtype is converted)."""
    _guard(t, "copy_", src)
    s = _array(src, "copy_")
    _check_fits("copy_", np.shape(s), t.shape)
    return _write(t, "copy_", lambda a: np.copyto(a, s, casting="unsafe"))


def clamp_(t: Tensor, min=None, max=None) -> Tensor:
    """Limit t's values to [min, max], in place (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clamp_(): give at least one of min and max")
    _guard(t, "clamp_", min, max)
    lo = None if min is None else _array(min, "clamp_")
    hi = None if max is None else _array(max, "clamp_")
    return _write(t, "clamp_", lambda a: np.clip(a, lo, hi, out=a, casting="same_kind"))


def setitem(t: Tensor, index, value) -> None:
    """t[index] = value, in place (the index may hold Tensors, arrays and lists)."""
    _guard(t, "__setitem__", value)
    v = _array(value, "__setitem__")
    idx = F._index_arrays(index)

    def write(a):
        a[idx] = v

    try:
        _write(t, "__setitem__", write)
    except IndexError as e:
        raise IndexingError(f"__setitem__ on a tensor of shape {t.shape} with index {index!r}: {e}") from e


from . import functional as F  # noqa: E402  (functional imports tensor, which imports this module lazily)
from .errors import IndexingError  # noqa: E402
