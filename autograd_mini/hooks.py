"""Hook handles, shared by tensor hooks (``Tensor.register_hook``) and module hooks (``Module.register_*_hook``)."""
from __future__ import annotations

import itertools
from typing import Callable

_next_id = itertools.count().__next__


class RemovableHandle:
    """Returned by every ``register_*hook``: ``handle.remove()`` unregisters the hook (a second call does nothing).

    Also a context manager: ``with t.register_hook(fn): ...`` removes the hook on exit.
    """

    __slots__ = ("_hooks", "id")

    def __init__(self, hooks: dict, fn: Callable):
        self.id = _next_id()
        self._hooks = hooks
        hooks[self.id] = fn  # NOTE: dicts keep insertion order, so hooks run in the order registered

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> bool:
        self.remove()
        return False

    def __repr__(self) -> str:
        return f"<RemovableHandle {self.id}>"
