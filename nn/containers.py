"""Containers registered like PyTorch's: ModuleDict, ParameterList, ParameterDict.

Their entries are registered on the container itself, so ``named_parameters()`` and ``state_dict()`` keys are
PyTorch's: ``"blocks.encoder.weight"`` for a ModuleDict entry, ``"params.0"`` for a ParameterList,
``"params.scale"`` for a ParameterDict.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Mapping, Optional, Tuple, Union

from .module import Module, Parameter

__all__ = ["ModuleDict", "ParameterList", "ParameterDict"]


def _pairs(values, what: str):
    if isinstance(values, Mapping):
        return list(values.items())
    pairs = []
    for item in values:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError(f"{what}.update expects a mapping or an iterable of (name, value) pairs, got {item!r}")
        pairs.append(tuple(item))
    return pairs


class ModuleDict(Module):
    """An ordered dict of named submodules; it has no forward of its own.

    Args:
        modules: optional mapping or iterable of (name, Module) pairs.
    """

    def __init__(self, modules: Optional[Union[Mapping[str, Module], Iterable[Tuple[str, Module]]]] = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        del self.__dict__[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def __contains__(self, key) -> bool:
        return key in self._modules

    def keys(self):
        return list(self._modules.keys())

    def values(self):
        return list(self._modules.values())

    def items(self):
        return list(self._modules.items())

    def pop(self, key: str) -> Module:
        m = self[key]
        del self[key]
        return m

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]

    def update(self, modules) -> None:
        """Add (or replace) entries from a mapping or an iterable of (name, Module) pairs."""
        for name, m in _pairs(modules, "ModuleDict"):
            if not isinstance(m, Module):
                raise TypeError(f"ModuleDict values must be Modules, got {type(m).__name__} for {name!r}")
            self.add_module(name, m)


class ParameterList(Module):
    """A list of Parameters registered under "0", "1", ...; values that are not Parameters are wrapped.

    Args:
        values: optional iterable of Parameters (or arrays, wrapped as Parameters).
    """

    def __init__(self, values: Optional[Iterable] = None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def _index(self, idx: int) -> int:
        n = len(self._parameters)
        if not isinstance(idx, int) or not -n <= idx < n:
            raise IndexError(f"ParameterList index {idx!r} is out of range for length {n}")
        return idx % n

    def __getitem__(self, idx):
        values = list(self._parameters.values())
        if isinstance(idx, slice):
            return ParameterList(values[idx])
        return values[self._index(idx)]

    def __setitem__(self, idx: int, value) -> None:
        self.register_parameter(str(self._index(idx)), value if isinstance(value, Parameter) else Parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(list(self._parameters.values()))

    def append(self, value) -> "ParameterList":
        """Add a Parameter (an array is wrapped as one) at the end; returns self."""
        self.register_parameter(str(len(self._parameters)), value if isinstance(value, Parameter) else Parameter(value))
        return self

    def extend(self, values: Iterable) -> "ParameterList":
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): Parameter of shape {tuple(p.shape)}" for i, p in enumerate(self))


class ParameterDict(Module):
    """An ordered dict of named Parameters; values that are not Parameters are wrapped.

    Args:
        parameters: optional mapping or iterable of (name, Parameter or array) pairs.
    """

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value) -> None:
        self.register_parameter(key, value if isinstance(value, Parameter) else Parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]
        del self.__dict__[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def __contains__(self, key) -> bool:
        return key in self._parameters

    def keys(self):
        return list(self._parameters.keys())

    def values(self):
        return list(self._parameters.values())

    def items(self):
        return list(self._parameters.items())

    def pop(self, key: str) -> Parameter:
        p = self[key]
        del self[key]
        return p

    def update(self, parameters) -> None:
        """Add (or replace) entries from a mapping or an iterable of (name, value) pairs."""
        for name, p in _pairs(parameters, "ParameterDict"):
            self[name] = p

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): Parameter of shape {tuple(p.shape)}" for k, p in self._parameters.items())

