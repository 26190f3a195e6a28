"""Grad mode: whether new operations are recorded in the graph.

A single module-level flag, read by Function.apply on every op. It is process-global (not thread-local):
like the rest of autograd_mini, graph recording is meant for one thread at a time.
"""
from __future__ import annotations

import functools

enabled = True


def is_grad_enabled() -> bool:
    """Return True when operations are currently recorded for backward."""
    return enabled


class set_grad_enabled:
    """Context manager (and decorator) that switches recording on or off, restoring the old mode on exit."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.prev = None

    def __enter__(self):
        global enabled
        self.prev = enabled
        enabled = self.mode
        return self

    def __exit__(self, *exc):
        global enabled
        enabled = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(set_grad_enabled):
    """Record nothing inside: ``with no_grad(): ...`` or ``@no_grad()`` (``@no_grad`` works too)."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if callable(fn):  # used as a bare decorator: @no_grad
            set_grad_enabled.__init__(self, False)
            return self(fn)
        return self

    def __init__(self, fn=None):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record operations inside, even within an enclosing no_grad()."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if callable(fn):
            set_grad_enabled.__init__(self, True)
            return self(fn)
        return self

    def __init__(self, fn=None):
        super().__init__(True)
