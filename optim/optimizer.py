"""Optimizer base class: parameter groups, the one step() loop, lazy per-parameter state, state_dict."""
from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Optional, Union

import numpy as np

from autograd_mini import Tensor, inplace

from ._checks import is_number

ParamsT = Union[Iterable[Tensor], Iterable[dict]]


class Optimizer:
    """Base class of every optimizer: parameter groups, the shared ``step()`` loop and (de)serialization.

    A subclass only supplies three small methods:

    - ``_check_hyperparameters(group)``: raise ValueError for an invalid value (run on the defaults and on
      every group, so per-group overrides are checked as well). Types are checked before, by the base
      class (``_validate``): every hyperparameter must be a number unless the class attribute
      ``_hyperparameter_kinds`` names it as "numbers" (a tuple of numbers, e.g. betas) or "flag";
    - ``_init_state(p, group)``: the fresh state dict of one parameter (called at the first step that
      sees a gradient for it);
    - ``_update(p, g, group, state)``: the update rule. ``p`` is the parameter's ndarray, updated in
      place; ``g`` is the gradient ndarray, which may be shared with other code and must never be
      modified (compute out of place or into state buffers). No graph is built.

    Args:
        params: an iterable of Tensors, or of dicts each holding ``'params'`` (an iterable of Tensors)
            plus per-group hyperparameters that override ``defaults``.
        defaults: the default hyperparameters of every group, e.g. ``{'lr': 0.1, 'momentum': 0.0}``.

    Attributes:
        param_groups: list of dicts, one per group: ``'params'`` (list of Tensors) and every hyperparameter.
        state: dict mapping each parameter (identity-hashed) to its state dict.
        defaults: the default hyperparameters.

    Raises:
        TypeError: if params is a single Tensor or a set, or holds something that is not a Tensor, or a
            numeric hyperparameter is not a number (e.g. ``lr="0.1"``; bool is not a number here).
        ValueError: if params is empty, holds a non-leaf Tensor, or a parameter is in two groups.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        self._validate(self.defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors or of dicts, got a single Tensor; pass [tensor]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError("params must be an ordered iterable (e.g. a list), not a set: "
                            "state_dict() numbers parameters by their order")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

    # ----- groups -------------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, e.g. a layer unfrozen during fine-tuning.

        Args:
            param_group: dict with ``'params'`` (a Tensor or an iterable of Tensors) and optional
                hyperparameters; missing ones are taken from ``defaults``. The dict is not modified.

        Raises:
            TypeError: if param_group is not a dict, holds a non-Tensor, or a numeric hyperparameter
                that is not a number.
            ValueError: if it has no 'params', holds a non-leaf Tensor, an invalid hyperparameter, or a
                parameter that already belongs to another group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a parameter group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("a group's params must be an ordered iterable (e.g. a list), not a set")
        else:
            params = list(params)
        unique: dict[int, Tensor] = {}  # id -> Tensor. NOTE: never `p in list`: Tensor.__eq__ is elementwise
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (the result of an op); optimize the "
                                 "leaves it was computed from, or use t.detach().requires_grad_()")
            unique.setdefault(id(p), p)
        if len(unique) < len(params):
            warnings.warn("a parameter group contains the same parameter more than once; it is kept once",
                          UserWarning, stacklevel=2)
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if taken.intersection(unique):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}}
        self._validate(group, f" in parameter group {len(self.param_groups)}")
        group["params"] = list(unique.values())
        self.param_groups.append(group)

    # ----- the update ---------------------------------------------------------------------------------
    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """Update every parameter that has a gradient (``p.grad is not None``); others are skipped.

        Each updated parameter's version counter (``p._version``) is increased, so a backward pass through
        a graph recorded before the step, which saved the parameter's old values, raises RuntimeError
        instead of computing a wrong gradient (as in PyTorch).

        Args:
            closure: optional callable that recomputes the loss (and gradients); called first.

        Returns:
            The closure's result, or None.

        Raises:
            ValueError: if a gradient's shape differs from its parameter's.
        """
        loss = closure() if closure is not None else None
        states, update = self.state, self._update
        updated = []
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                data, g = p._data, grad._data  # NOTE: the slots behind .data (a property)
                # NOTE: `is not` first: builtin dtypes are singletons, so the usual case costs no comparison call
                if (g.dtype is not data.dtype and g.dtype != data.dtype) or g.shape != data.shape:
                    g = _grad_array(p)
                state = states.get(p)
                if state is None:
                    state = states[p] = self._init_state(data, group)
                update(data, g, group, state)
                updated.append(data)
        inplace.bump_arrays(updated)  # NOTE: so that backward through a graph that saved their old values raises
        return loss

    def __del__(self):
        # NOTE: the steps not yet added to the version counters keep the parameters' arrays alive (see
        # inplace.bump_arrays); at interpreter exit the module may already be torn down
        try:
            inplace.release()
        except (AttributeError, TypeError):
            pass

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        Args:
            set_to_none: if True (default), set ``p.grad = None``, which also makes ``step()`` skip
                the parameter; if False, give each existing gradient a new all-zero Tensor. A new
                Tensor, not ``grad.data[...] = 0``, because gradient arrays may be shared.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = Tensor(np.zeros_like(p.grad.data))

    # ----- validation ---------------------------------------------------------------------------------
    # NOTE: every hyperparameter is a number unless its name is listed here with another kind: "numbers" (a
    # tuple or list of numbers, e.g. Adam's betas) or "flag" (any value, used for its truth, e.g. nesterov).
    # The kind cannot be read from the values in ``defaults``: those are the caller's (possibly wrong) values.
    _hyperparameter_kinds: dict[str, str] = {}

    def _validate(self, group: dict[str, Any], where: str = "") -> None:
        """Check the types of group's hyperparameters, then their values (``_check_hyperparameters``).

        Each hyperparameter named in ``defaults`` must be a number (int or float, Python or NumPy; bool is
        not a number here), unless ``_hyperparameter_kinds`` gives it another kind: "numbers" needs a
        tuple or list of numbers (its length is left to the value checks); any other kind is not checked.

        Raises:
            TypeError: naming the optimizer, the hyperparameter and the type received, e.g.
                "Adam: lr must be a number, got str '0.1'".
        """
        cls, kinds = type(self).__name__, self._hyperparameter_kinds
        for name in self.defaults:
            if name not in group:
                continue  # NOTE: load_state_dict reports missing hyperparameters itself
            value, kind = group[name], kinds.get(name, "number")
            if kind == "number":
                if not is_number(value):
                    raise TypeError(f"{cls}: {name}{where} must be a number, got {type(value).__name__} {value!r}")
            elif kind == "numbers":
                if not isinstance(value, (tuple, list)):
                    raise TypeError(f"{cls}: {name}{where} must be a tuple of numbers, "
                                    f"got {type(value).__name__} {value!r}")
                for j, item in enumerate(value):
                    if not is_number(item):
                        raise TypeError(f"{cls}: {name}[{j}]{where} must be a number, "
                                        f"got {type(item).__name__} {item!r}")
        self._check_hyperparameters(group)

    # ----- subclass hooks -----------------------------------------------------------------------------
    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise ValueError if a hyperparameter in group is invalid (default: accept everything)."""

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        """The fresh state of the parameter with data p (default: no state)."""
        return {}

    def _update(self, p: np.ndarray, g: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        """Apply one update to p in place, given its gradient g (read only)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    # ----- serialization ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Return the optimizer's state as plain data (copies, safe to keep while training goes on).

        Parameters are named by their index in order of appearance across the groups (not by ``id()``,
        which would not survive a restart).

        Returns:
            ``{'state': {index: {name: ndarray copy or number}}, 'param_groups': [{hyperparameters...,
            'params': [indices]}]}``. Parameters that have no state yet are absent from ``'state'``.
        """
        index: dict[int, int] = {}  # id(param) -> index
        groups = []
        for group in self.param_groups:
            saved = copy.deepcopy({k: v for k, v in group.items() if k != "params"})
            saved["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(saved)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {name: _copy_value(v) for name, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict()``, so that training resumes exactly where it stopped.

        The saved groups are matched to this optimizer's groups in order, and the saved parameter
        indices to its parameters in order. Hyperparameters are taken from the saved groups; buffers
        are copied and cast to the parameter's dtype. Nothing is changed if validation fails.

        Args:
            state_dict: a dict returned by ``state_dict()`` (possibly of another optimizer instance
                of the same class over parameters of the same shapes).

        Raises:
            TypeError: if a saved numeric hyperparameter is not a number.
            ValueError: if the number of groups, the number of parameters in a group, a state index,
                a buffer name or a buffer shape does not match, or a hyperparameter is missing.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError("expected a dict with 'state' and 'param_groups', as returned by state_dict()")
        saved_groups = state_dict["param_groups"]
        if not isinstance(state_dict["state"], dict) or not all(
                isinstance(g, dict) and "params" in g for g in saved_groups):
            raise ValueError("expected 'state' to be a dict and 'param_groups' a list of dicts with 'params', "
                             "as returned by state_dict()")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        new_groups = []
        by_index: dict[Any, tuple[Tensor, dict[str, Any]]] = {}  # saved index -> (parameter, its new group)
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"parameter group {i}: loaded state dict has {len(saved['params'])} "
                                 f"parameters, this optimizer has {len(group['params'])}")
            missing = [k for k in self.defaults if k not in saved]
            if missing:
                raise ValueError(f"parameter group {i}: loaded state dict lacks hyperparameters {missing}")
            new = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            self._validate(new, f" in loaded parameter group {i}")
            new["params"] = group["params"]
            new_groups.append(new)
            for index, p in zip(saved["params"], group["params"]):
                by_index[index] = (p, new)
        new_state = {}
        for index, saved in state_dict["state"].items():
            if index not in by_index:
                raise ValueError(f"loaded state dict has state for parameter {index!r}, "
                                 "which is in none of its parameter groups")
            p, group = by_index[index]
            expected = self._init_state(p.data, group)
            missing = [name for name in expected if name not in saved]
            if missing:
                raise ValueError(f"state of parameter {index!r} lacks {missing}, which {type(self).__name__} "
                                 "needs; was it saved by another optimizer class?")
            entry = {}
            for name, value in saved.items():
                if isinstance(value, np.ndarray):
                    if value.shape != p.data.shape:
                        raise ValueError(f"state buffer {name!r} of parameter {index!r} has shape "
                                         f"{value.shape}, the parameter has shape {p.data.shape}")
                    entry[name] = value.astype(p.data.dtype, copy=True)
                elif isinstance(expected.get(name), np.ndarray):
                    raise ValueError(f"state buffer {name!r} of parameter {index!r} must be an ndarray, "
                                     f"got {type(value).__name__}")
                else:
                    entry[name] = _copy_value(value)
            new_state[p] = entry
        for group, new in zip(self.param_groups, new_groups):
            group.clear()  # NOTE: in place, so references to the group dicts (e.g. a scheduler's) stay valid
            group.update(new)
        self.state = new_state


def _grad_array(p: Tensor) -> np.ndarray:
    """p.grad as an ndarray of p's dtype (read only: it may be shared with other tensors)."""
    g = np.asarray(p.grad.data)
    if g.shape != p.data.shape:
        raise ValueError(f"gradient of shape {g.shape} for a parameter of shape {p.data.shape}")
    if g.dtype != p.data.dtype:
        g = g.astype(p.data.dtype)  # keeps the update and the state buffers in the parameter's dtype
    return g


def _copy_value(value: Any) -> Any:
    """A copy of one state entry; numpy scalars become Python numbers (so bias corrections stay exact)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.generic):
        return value.item()
    return copy.deepcopy(value)
