"""Module, Parameter and the containers ModuleList and Sequential.

A Module registers the Parameters, sub-Modules and buffers assigned to its attributes, in insertion order, so
``named_parameters()`` and ``state_dict()`` keys are deterministic (``"0.weight"``, ``"encoder.fc.bias"``).

Module calls and graph drawing: every ``module(x)`` opens a scope (``autograd_mini.function.push_scope``)
around ``forward``, so each graph node recorded inside carries ``node.scope``, whose ``path()`` lists the
module calls it was made in (outermost first; ``scope.owner`` is the module). ``module_stack()`` gives the
modules being called right now, and ``register_forward_call_hook(fn)`` lets tools (e.g. the graph drawer)
observe every call as ``fn(module, "enter")`` / ``fn(module, "exit")``; when no hook is registered the cost
is a single truth test per call. None of this is thread-safe: one forward pass at a time.

Per-module hooks, as PyTorch: ``module.register_forward_pre_hook(hook)`` runs ``hook(module, args)`` before
that module's ``forward`` (it may return replacement arguments) and ``module.register_forward_hook(hook)``
runs ``hook(module, args, output)`` after it (it may return a replacement output). A module without such hooks
pays one attribute check per call.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Callable, Dict, Iterable, Iterator, Optional, Tuple

import numpy as np

from autograd_mini import function as _function
from autograd_mini import inplace
from autograd_mini.errors import AutogradError, ShapeError
from autograd_mini.hooks import RemovableHandle
from autograd_mini.tensor import Tensor, _to_array, get_default_dtype

__all__ = [
    "Parameter", "Module", "ModuleList", "Sequential", "StateDictError",
    "module_stack", "current_module_path", "module_path_names", "register_forward_call_hook", "functional_call",
]


# ----- parameters ----------------------------------------------------------------------------------------


class Parameter(Tensor):
    """A Tensor that a Module registers as one of its learnable parameters; it requires grad by default.

    Args:
        data: array-like. A float ndarray is wrapped without copying and keeps its dtype; Python lists and
            integer or boolean data become the default float dtype (see ``autograd_mini.set_default_dtype``).
        requires_grad: whether backward computes a gradient for it (default True).

    Raises:
        TypeError: if data is not numeric.
    """

    def __init__(self, data, requires_grad: bool = True):
        arr = _to_array(data)
        if arr.dtype.kind in "biu":
            arr = arr.astype(get_default_dtype())
        elif arr.dtype.kind not in "fc":
            raise TypeError(f"Parameter needs numeric data, got dtype {arr.dtype}")
        super().__init__(arr, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


# ----- module calls: the stack and the hooks -------------------------------------------------------------

_push_scope, _pop_scope = _function.push_scope, _function.pop_scope
_forward_call_hooks: "OrderedDict[int, Callable]" = OrderedDict()
_next_hook_id = 0


class _HookHandle:
    """Returned by ``register_forward_call_hook``; ``remove()`` unregisters the hook (idempotent)."""

    def __init__(self, hook_id: int):
        self.id = hook_id

    def remove(self) -> None:
        _forward_call_hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def register_forward_call_hook(fn: Callable[["Module", str], None]) -> _HookHandle:
    """Call ``fn(module, "enter")`` before and ``fn(module, "exit")`` after every ``Module.__call__``.

    "exit" is delivered even when forward raises. Hooks run in registration order, on every module of any
    model, nested calls included (an "enter" of a child comes between its parent's "enter" and "exit").

    Args:
        fn: callable taking (module, phase) with phase "enter" or "exit"; its return value is ignored.

    Returns:
        A handle whose ``remove()`` unregisters the hook; it is also a context manager that removes it on exit.
    """
    global _next_hook_id
    if not callable(fn):
        raise TypeError(f"register_forward_call_hook expects a callable, got {type(fn).__name__}")
    _next_hook_id += 1
    _forward_call_hooks[_next_hook_id] = fn
    return _HookHandle(_next_hook_id)


def module_stack() -> Tuple["Module", ...]:
    """The modules whose ``forward`` is running right now, outermost first (empty outside any call)."""
    scope = _function._scope
    if scope is None:
        return ()
    return tuple(s.owner for s in scope.path() if isinstance(s.owner, Module))


current_module_path = module_stack  # NOTE: alias; the name the first design used


def module_path_names(stack: Optional[Iterable["Module"]] = None) -> Tuple[str, ...]:
    """Names for a path of modules (default: ``module_stack()``): the outermost is named by its class, each
    later one by the dotted name under which the previous module holds it (``"0"``, ``"encoder.fc"``), or by
    its class in brackets when it is not registered there."""
    mods = list(module_stack() if stack is None else stack)
    names = []
    for i, m in enumerate(mods):
        name = None
        if i > 0:
            name = next((n for n, sub in mods[i - 1].named_modules() if sub is m and n), None)
        names.append(name if name is not None else f"[{type(m).__name__}]" if i else type(m).__name__)
    return tuple(names)


# ----- Module --------------------------------------------------------------------------------------------


class StateDictError(AutogradError, RuntimeError):
    """``load_state_dict`` found missing or unexpected keys, wrong shapes or unusable values (nothing loaded)."""


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of layers and models: subclasses set attributes in ``__init__`` and define ``forward``.

    Attributes set to a ``Parameter`` or a ``Module`` are registered (in insertion order); buffers (state that
    is saved but not learned, e.g. running statistics) are registered with ``register_buffer``. Assigning
    None to a registered name keeps the slot (``self.bias = None``); assigning any other non-Parameter to a
    parameter's name raises TypeError.

    Example:
        >>> class MLP(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1, self.fc2 = Linear(2, 8), Linear(8, 1)
        ...     def forward(self, x):
        ...         return self.fc2(self.fc1(x).tanh())
    """

    training: bool

    def __init__(self):
        d = self.__dict__
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_modules"] = OrderedDict()
        d["training"] = True

    # ----- registration ------------------------------------------------------------------------------
    # NOTE: registered values live both in their registry and in the instance __dict__, so reading
    # `self.weight` in forward is a plain attribute lookup (no __getattr__ fallback on the hot path).

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, (Parameter, Module)):
            if params is None:
                raise AttributeError(
                    f"cannot assign {type(value).__name__} '{name}' before Module.__init__() ran; "
                    "call super().__init__() first in your __init__"
                )
            registry = params if isinstance(value, Parameter) else d["_modules"]
            self._unregister(name, keep=registry)
            registry[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter '{name}' of {type(self).__name__} "
                    "(a Parameter or None is expected; to change values use .data or load_state_dict)"
                )
            params[name] = None
        elif params is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to submodule '{name}' of {type(self).__name__} "
                    "(a Module or None is expected)"
                )
            d["_modules"][name] = None
        elif params is not None and name in d["_buffers"]:
            value = _as_buffer(value, name)
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)  # NOTE: a plain attribute; respects properties with setters
            return
        d[name] = value

    def __delattr__(self, name: str) -> None:
        self._unregister(name)
        if name in self.__dict__:
            del self.__dict__[name]
        else:
            object.__delattr__(self, name)

    def _unregister(self, name: str, keep=None) -> None:
        """Remove name from the registries other than ``keep`` (re-assigning keeps the registration order)."""
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and d[registry] is not keep:
                d[registry].pop(name, None)

    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        """Register ``param`` (a Parameter, or None for an empty slot) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter('{name}') expects a Parameter or None, got {type(param).__name__}")
        self._check_name(name)
        self._unregister(name, keep=self.__dict__["_parameters"])
        self.__dict__["_parameters"][name] = param
        self.__dict__[name] = param

    def add_module(self, name: str, module: Optional["Module"]) -> None:
        """Register ``module`` (or None for an empty slot) as a submodule under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module('{name}') expects a Module or None, got {type(module).__name__}")
        self._check_name(name)
        self._unregister(name, keep=self.__dict__["_modules"])
        self.__dict__["_modules"][name] = module
        self.__dict__[name] = module

    def register_buffer(self, name: str, value) -> None:
        """Register non-learned state (e.g. running statistics) that ``state_dict`` saves.

        Args:
            name: attribute name.
            value: an ndarray, array-like or Tensor (kept as a Tensor that does not require grad), or None.
        """
        self._check_name(name)
        value = _as_buffer(value, name)
        self._unregister(name, keep=self.__dict__["_buffers"])
        self.__dict__["_buffers"][name] = value
        self.__dict__[name] = value

    def _check_name(self, name: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("call Module.__init__() before registering parameters, buffers or modules")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"invalid name {name!r}: names must be non-empty strings without '.'")

    # ----- calling -----------------------------------------------------------------------------------

    # NOTE: class-level None until a hook is registered, so a module without hooks pays one attribute check
    # per call. Registering either kind of hook gives the instance both dicts (handle id -> hook).
    _forward_pre_hooks: Optional[Dict[int, Callable]] = None
    _forward_hooks: Optional[Dict[int, Callable]] = None

    def __call__(self, *args, **kwargs):
        scope = _push_scope(self)
        try:
            if _forward_call_hooks:
                return self._call_with_hooks(args, kwargs)
            if self._forward_hooks is not None:
                return self._forward_with_module_hooks(args, kwargs)
            if kwargs or len(args) != 1:
                return self.forward(*args, **kwargs)
            return self.forward(args[0])  # NOTE: the common case as a plain call, which is cheaper than f(*a, **k)
        finally:
            _pop_scope(scope)

    def _call_with_hooks(self, args, kwargs):
        hooks = tuple(_forward_call_hooks.values())
        for fn in hooks:
            fn(self, "enter")
        try:
            if self._forward_hooks is not None:
                return self._forward_with_module_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        finally:
            for fn in hooks:
                fn(self, "exit")

    def _forward_with_module_hooks(self, args, kwargs):
        """forward between this module's pre-hooks and forward hooks (run inside the module's scope)."""
        for hook in tuple(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _hook_dict(self, kind: str, hook) -> Dict[int, Callable]:
        if not callable(hook):
            raise TypeError(f"{kind} expects a callable, got {type(hook).__name__}")
        d = self.__dict__
        if "_forward_hooks" not in d:
            d["_forward_pre_hooks"], d["_forward_hooks"] = {}, {}
        return d["_forward_pre_hooks"] if kind == "register_forward_pre_hook" else d["_forward_hooks"]

    def register_forward_pre_hook(self, hook: Callable[["Module", tuple], object]) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward`` of this module, as PyTorch.

        ``args`` is the tuple of positional arguments (keyword arguments go to ``forward`` unchanged and are
        not shown to the hook). If the hook returns something other than None, it replaces the arguments: a
        tuple is used as the new positional arguments, any other value ``v`` as ``(v,)``. Hooks run in the
        order they were registered, each seeing the arguments the previous one returned, inside the module's
        call (after the ``register_forward_call_hook`` "enter" observers). They are not part of ``state_dict``.

        Args:
            hook: callable ``hook(module, args) -> None or new args``.

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook (also a context manager).

        Raises:
            TypeError: if hook is not callable.
        """
        return RemovableHandle(self._hook_dict("register_forward_pre_hook", hook), hook)

    def register_forward_hook(self, hook: Callable[["Module", tuple, object], object]) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward`` of this module, as PyTorch.

        ``args`` is the tuple of positional arguments that ``forward`` received (after any pre-hook changed
        them); keyword arguments are not shown. If the hook returns something other than None, that value
        replaces the output (and is what the next hook and the caller see). Hooks run in registration order;
        they are not part of ``state_dict``.

        Args:
            hook: callable ``hook(module, args, output) -> None or new output``.

        Returns:
            A ``RemovableHandle`` whose ``remove()`` unregisters the hook (also a context manager).

        Raises:
            TypeError: if hook is not callable.
        """
        return RemovableHandle(self._hook_dict("register_forward_hook", hook), hook)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    # ----- traversal ---------------------------------------------------------------------------------

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[Tuple[str, Parameter]]:
        """(dotted name, parameter) pairs in registration order; a parameter shared by several modules
        (tied weights) appears once, under its first name."""
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_prefix, m in mods:
            for name, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once (deduplicated by identity), in registration order."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[Tuple[str, Tensor]]:
        """(dotted name, buffer) pairs in registration order, each buffer once."""
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_prefix, m in mods:
            for name, b in m._buffers.items():
                if b is None or id(b) in seen:
                    continue
                seen.add(id(b))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[Tuple[str, "Module"]]:
        """(name, module) for the direct submodules, each once."""
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[Tuple[str, "Module"]]:
        """(dotted name, module) for this module (name ``prefix``, "" by default) and every submodule, each
        once, depth first in registration order."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            subs = [(f"{name}.{n}" if name else n, c) for n, c in m._modules.items() if c is not None]
            stack.extend(reversed(subs))

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call ``fn`` on every submodule (children first) and then on self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ----- state ---------------------------------------------------------------------------------------

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to None."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> "Module":
        """Set training mode (True) or evaluation mode (False) on this module and every submodule."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) expects a bool, got {type(mode).__name__}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)`` (Dropout becomes the identity, BatchNorm uses running stats)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Set ``requires_grad`` on every parameter (e.g. False to freeze a part of a model)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, dtype) -> "Module":
        """Convert every floating-point parameter and buffer (and existing gradient) to ``dtype``, in place."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to expects a floating dtype, got {dtype}")
        for t in list(self.parameters()) + list(self.buffers()):
            if t.data.dtype.kind == "f" and t.data.dtype != dtype:
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = Tensor(t.grad.data.astype(dtype))
        return self

    def double(self) -> "Module":
        """``to(np.float64)``."""
        return self.to(np.float64)

    def float(self) -> "Module":
        """``to(np.float32)``."""
        return self.to(np.float32)

    def _state_items(self, prefix: str = "") -> Iterator[Tuple[str, Tensor]]:
        # NOTE: like PyTorch, a shared parameter or module appears under every name it is registered as.
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None:
                yield prefix + name, b
        for name, m in self._modules.items():
            if m is not None:
                yield from m._state_items(prefix + name + ".")

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Every parameter and buffer as name -> a copy of its array, in registration order."""
        return OrderedDict((name, t.data.copy()) for name, t in self._state_items())

    def load_state_dict(self, state_dict: Dict[str, object], strict: bool = True):
        """Copy values from ``state_dict`` into the existing parameters and buffers, keeping their dtypes.

        Everything is validated before anything is copied: if any check fails, the module is unchanged.
        Every parameter and buffer that is written gets a new version (``_version``), so a backward pass
        through a graph that saved its old values raises instead of computing a wrong gradient.

        Args:
            state_dict: name -> ndarray (or Tensor / array-like), e.g. from ``state_dict()`` or ``nn.load``.
            strict: if True, keys missing from ``state_dict`` and keys the module does not have are errors;
                if False they are skipped (and reported in the result). Shapes must match either way.

        Returns:
            A named tuple ``(missing_keys, unexpected_keys)``.

        Raises:
            StateDictError: listing every missing key, unexpected key, shape mismatch and non-numeric value.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict expects a mapping of name -> array, got {type(state_dict).__name__}")
        targets = OrderedDict(self._state_items())
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        problems, values = [], []
        if strict and missing:
            problems.append("missing key(s): " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected key(s): " + ", ".join(repr(k) for k in unexpected))
        for key, target in targets.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            try:
                arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            except (TypeError, ValueError) as e:
                problems.append(f"{key!r}: cannot be read as an array ({e})")
                continue
            if arr.dtype.kind not in ("biufc" if target.data.dtype.kind == "c" else "biuf"):
                problems.append(f"{key!r}: expected numeric data for dtype {target.data.dtype}, got dtype {arr.dtype}")
            elif arr.shape != target.data.shape:
                problems.append(f"{key!r}: shape mismatch, expected {target.data.shape}, got {arr.shape}")
            else:
                values.append((target, arr))
        if problems:
            raise StateDictError(
                f"error(s) in loading state_dict for {type(self).__name__} (nothing was loaded):\n  "
                + "\n  ".join(problems)
            )
        for target, arr in values:
            np.copyto(target.data, arr, casting="unsafe")
            inplace.bump(target)
        return _IncompatibleKeys(missing, unexpected)

    # ----- printing ------------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr line (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): {_indent(repr(m), 2)}" for name, m in self._modules.items()]
        lines += children
        body = ""
        if len(lines) == 1 and not children:
            body = lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


def _as_buffer(value, name: str) -> Optional[Tensor]:
    if value is None:
        return None
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise TypeError(f"buffer '{name}' must not require grad (use a Parameter for learned values)")
        return value
    return Tensor(_to_array(value))


def _indent(text: str, n: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * n + line for line in rest])


def functional_call(module: Module, tensors: Dict[str, Tensor], *args, **kwargs):
    """Call ``module(*args, **kwargs)`` with some parameters or buffers replaced by the given Tensors.

    Like ``torch.func.functional_call``: the module computes with ``tensors[name]`` (dotted names as in
    ``named_parameters``) instead of its own values, so gradients flow to those Tensors; e.g. to gradcheck a
    layer with respect to its parameters. The module's own parameters are restored afterwards, even on error.

    Raises:
        KeyError: for a name that is not a parameter or buffer of the module.
        ShapeError: if a replacement's shape differs from the value it replaces.
    """
    slots = []
    for name, value in tensors.items():
        owner_name, _, leaf = name.rpartition(".")
        owner = module
        for part in owner_name.split(".") if owner_name else ():
            owner = owner._modules.get(part) if isinstance(owner, Module) else None
        registry = None
        if isinstance(owner, Module):
            registry = next((r for r in (owner._parameters, owner._buffers) if r.get(leaf) is not None), None)
        if registry is None:
            raise KeyError(f"functional_call: {name!r} is not a parameter or buffer of {type(module).__name__}")
        if tuple(value.shape) != registry[leaf].shape:
            raise ShapeError(f"functional_call: {name!r} has shape {registry[leaf].shape}, got {tuple(value.shape)}")
        slots.append((owner, registry, leaf, value))
    saved = [(owner, registry, leaf, registry[leaf]) for owner, registry, leaf, _ in slots]
    try:
        for owner, registry, leaf, value in slots:
            registry[leaf] = value
            owner.__dict__[leaf] = value
        return module(*args, **kwargs)
    finally:
        for owner, registry, leaf, old in reversed(saved):
            registry[leaf] = old
            owner.__dict__[leaf] = old


# ----- containers ----------------------------------------------------------------------------------------


class ModuleList(Module):
    """A list of modules, registered under the names "0", "1", ...; it has no forward of its own.

    Args:
        modules: optional iterable of Modules.
    """

    def __init__(self, modules: Optional[Iterable[Module]] = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _index(self, idx: int) -> int:
        n = len(self._modules)
        if not isinstance(idx, (int, np.integer)):
            raise TypeError(f"{type(self).__name__} indices must be ints or slices, got {type(idx).__name__}")
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of length {n}")
        return int(idx) % n

    def __getitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            return self._from_list(mods[idx])
        return mods[self._index(idx)]

    @classmethod
    def _from_list(cls, mods) -> "ModuleList":
        return ModuleList(mods)

    def __setitem__(self, idx, module: Module) -> None:
        self.add_module(str(self._index(idx)), module)

    def __delitem__(self, idx) -> None:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[self._index(idx)]
        self._reset(mods)

    def _reset(self, mods) -> None:
        for name in list(self._modules):
            del self.__dict__[name]
        self._modules.clear()
        for m in mods:
            self.append(m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Append each of ``modules``; returns self."""
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._reset(mods)


class Sequential(ModuleList):
    """Modules applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Args:
        *modules: the modules in order (registered as "0", "1", ...), or a single ``OrderedDict`` of
            name -> module to name them.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for m in modules:
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential expects Modules, got {type(m).__name__}")
                self.append(m)

    @classmethod
    def _from_list(cls, mods) -> "Sequential":
        return Sequential(*mods)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x
