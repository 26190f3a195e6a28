"""Anomaly mode: find the op that made a NaN or an infinity, and the line of your code that called it.

While it is on, every op records where your code called it (file, line, source line), checks its output
(a non-finite result from finite inputs raises ``AnomalyError``), and backward checks each gradient the same
way, naming the op, the input and that line. An error raised inside a backward gets the line of the forward
call added to its message. It is global (all threads), as in PyTorch.

Off (the default) it costs nothing: switching it on swaps ``Function.apply`` for a checking version, and
backward looks at the switch once per call.
"""
from __future__ import annotations

import functools
import linecache
import os
import sys
from typing import Optional, Tuple

import numpy as np

from .errors import AnomalyError
from .function import Function
from .tensor import Tensor

mode = False  # read by the engine once per backward
check_nan = True
_in_backward = 0  # > 0 while a node's backward runs: its ops are checked as that node's gradient, not alone
_fast_apply = Function.__dict__["apply"]
_HERE = os.path.dirname(os.path.abspath(__file__))
_LIBRARY = tuple(os.path.join(os.path.dirname(_HERE), d) + os.sep for d in ("autograd_mini", "nn", "optim"))


def is_anomaly_enabled() -> bool:
    """True while anomaly mode is on."""
    return mode


def is_anomaly_check_nan_enabled() -> bool:
    """True while anomaly mode is on and checks values for NaN and infinity."""
    return mode and check_nan


def _set(on: bool, nan: bool) -> None:
    global mode, check_nan
    mode, check_nan = bool(on), bool(nan)
    Function.apply = classmethod(_checking_apply) if mode else _fast_apply


class set_detect_anomaly:
    """Switch anomaly mode on or off: as a call it stays so; as a context manager, until the block ends.

    Args:
        mode: True to switch it on.
        check_nan: also check every op's output and every gradient for NaN and infinity (else only record
            where each op was called, which error messages then show).
    """

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev = (globals()["mode"], globals()["check_nan"])
        _set(mode, check_nan)

    def __enter__(self) -> "set_detect_anomaly":
        return self

    def __exit__(self, *exc) -> bool:
        _set(*self.prev)
        return False


class detect_anomaly:
    """Context manager and decorator that runs its block with anomaly mode on (see the module docstring).

    Example:
        >>> with am.detect_anomaly():
        ...     loss = model(x).log().sum()     # AnomalyError: Log ... at train.py:12
        ...     loss.backward()

    Args:
        check_nan: also check values for NaN and infinity (default True).
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        self.prev: Optional[Tuple[bool, bool]] = None

    def __enter__(self) -> "detect_anomaly":
        self.prev = (mode, check_nan)
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc) -> bool:
        _set(*self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


# ----- the checks ------------------------------------------------------------------------------------------


def _user_frame():
    """(file, line, function) of the innermost caller outside autograd_mini, nn and optim."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_LIBRARY):
        f = f.f_back
    if f is None:
        return None
    return f.f_code.co_filename, f.f_lineno, f.f_code.co_name


def where(trace) -> str:
    """'file:line in function' plus the source line, for messages."""
    if trace is None:
        return "(no caller outside the library was found)"
    file, line, fn = trace
    src = linecache.getline(file, line).strip()
    return f"{file}:{line} in {fn}" + (f"\n    {src}" if src else "")


def _finite(a: np.ndarray) -> bool:
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def _bad(a: np.ndarray) -> str:
    n_nan = int(np.isnan(a).sum())
    n_inf = a.size - n_nan - int(np.isfinite(a).sum())
    parts = [f"{n_nan} NaN" if n_nan else "", f"{n_inf} infinite" if n_inf else ""]
    return " and ".join(p for p in parts if p) + f" of {a.size} values"


def _checking_apply(cls, *inputs, **attrs):
    """Function.apply while anomaly mode is on: record the caller, check the output."""
    trace = _user_frame()
    out = _fast_apply.__func__(cls, *inputs, **attrs)
    outs = out if type(out) is tuple else (out,)  # NOTE: an op with several outputs returns a tuple
    for o in outs:
        if o.grad_fn is not None:
            o.grad_fn._trace = trace
            break
    if check_nan and not _in_backward:
        for k, o in enumerate(outs):
            if not _finite(o._data) and all(_finite(x._data) for x in inputs):
                shapes = ", ".join(str(x.shape) for x in inputs)
                which = f" output {k} (of {len(outs)})" if type(out) is tuple else ""
                raise AnomalyError(
                    f"{cls.__name__} (inputs of shapes {shapes}) returned{which} {_bad(o._data)} from finite "
                    f"inputs, called at {where(trace)}"
                )
    return out


def backward(node: Function, *gys: Tensor):
    """Run node's backward as the engine does (one gradient per output: several for a multi-output node, None
    for an output without one), checking its gradients and annotating its errors."""
    global _in_backward
    _in_backward += 1
    try:
        gxs = node.backward(node, *gys)
    except Exception as e:
        note = f"(anomaly mode) the {node.name} whose backward failed was called at {where(_trace(node))}"
        if hasattr(e, "add_note"):
            e.add_note(note)
        else:  # pragma: no cover - Python < 3.11
            print(note, file=sys.stderr)
        raise
    finally:
        _in_backward -= 1
    if not check_nan:
        return gxs
    gs = gxs if type(gxs) is tuple else (gxs,)
    for i, (x, g) in enumerate(zip(node.inputs, gs)):
        if isinstance(g, Tensor) and not _finite(g._data):
            if all(_finite(g._data) for g in gys if g is not None) and all(_finite(t._data) for t in node.inputs):
                raise AnomalyError(
                    f"{node.name}'s backward returned {_bad(g._data)} in the gradient of input {i} (shape "
                    f"{x.shape}) from finite values; the {node.name} was called at {where(_trace(node))}"
                )
    return gxs


def _trace(node):
    return node.__dict__.get("_trace")
