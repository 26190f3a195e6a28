"""Grad mode: whether new operations are recorded in the graph, for the calling thread.

As in PyTorch, the mode is per thread: ``with no_grad():`` in one thread (an evaluation loop, a data worker)
does not stop recording in another. A new thread starts with recording on.

Every change goes through ``set_mode``, which also keeps ``off``, the set of threads with recording off.
Function.apply tests that plain module attribute first and reads the thread-local ``state`` only when it is
not empty: measured, a thread-local read on every op cost several percent of a small MLP's forward.
"""
from __future__ import annotations

import functools
import threading
from threading import get_ident


class _State(threading.local):
    """The calling thread's grad mode (a class default, so that a new thread starts with recording on)."""

    enabled = True


state = _State()
off = set()  # idents of the threads that have recording off; empty: every thread records (never rebound: the engine holds it)


def set_mode(mode) -> None:
    """Set the calling thread's mode (True; False for the user's no_grad; None while backward runs its ops)."""
    old = state.enabled
    state.enabled = mode
    if (not old) != (not mode):
        # NOTE: each thread adds or removes only its own ident, and set.add/discard are atomic: no lock needed
        if mode:
            off.discard(get_ident())
        else:
            off.add(get_ident())


def is_grad_enabled() -> bool:
    """Return True when operations are currently recorded for backward in this thread."""
    return bool(state.enabled)


class set_grad_enabled:
    """Context manager (and decorator) that switches recording on or off in the calling thread, restoring the
    old mode on exit.

    Args:
        mode: True to record operations, False not to.
    """

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        # NOTE: as PyTorch's set_grad_enabled, it takes effect at construction too, so that the plain call
        # `set_grad_enabled(False)` switches recording off for the rest of the thread.
        self.prev = state.enabled
        set_mode(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        set_mode(self.prev)
        return False

    def __call__(self, fn):
        set_mode(self.prev)  # NOTE: used as a decorator, the construction must not change the mode
        return _in_mode(fn, self.mode)


def _in_mode(fn, mode: bool):
    """fn wrapped to run with grad mode ``mode`` in the calling thread."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        prev = state.enabled
        set_mode(mode)
        try:
            return fn(*args, **kwargs)
        finally:
            set_mode(prev)

    return wrapper


class _Switch:
    """A context manager and decorator that sets the mode on entry and restores it on exit."""

    mode = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if callable(fn):  # used as a bare decorator: @no_grad
            return self(fn)
        return self

    def __init__(self, fn=None):
        self.prev = None

    def __enter__(self):
        self.prev = state.enabled
        set_mode(self.mode)
        return self

    def __exit__(self, *exc):
        set_mode(self.prev)
        return False

    def __call__(self, fn):
        return _in_mode(fn, self.mode)


class no_grad(_Switch):
    """Record nothing inside, in this thread: ``with no_grad(): ...`` or ``@no_grad()`` (``@no_grad`` works too)."""

    mode = False


class enable_grad(_Switch):
    """Record operations inside, in this thread, even within an enclosing no_grad()."""

    mode = True
