"""Learning-rate schedules: each sets every group's lr to a closed form of its initial lr and the step count."""
from __future__ import annotations

import copy
from typing import Any

from ._checks import check_min
from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "InverseTimeLR"]


class LRScheduler:
    """Base class of the schedulers: sets ``group['lr'] = lr_at(initial_lr, t)`` for every group.

    ``t`` (``last_epoch``) counts the calls of ``step()``; constructing the scheduler performs the first
    call, so it sets the t = 0 learning rates right away, as in PyTorch. Call ``step()`` after
    ``optimizer.step()``, once per epoch (or per iteration, if the schedule is meant that way).

    Each group's initial lr is recorded as ``group['initial_lr']`` (if not there yet) and copied to
    ``base_lrs``. The lr is recomputed from it every time (closed form, no accumulated rounding), so a
    value written to ``group['lr']`` by hand is overwritten at the next ``step()``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        last_epoch: index of the last step taken; leave at -1 except when resuming, in which case
            every group must already hold ``'initial_lr'``.

    Raises:
        TypeError: if optimizer is not an Optimizer.
        KeyError: if last_epoch != -1 and a group has no ``'initial_lr'``.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param_groups[{i}] has no 'initial_lr', needed to resume with "
                                   f"last_epoch={last_epoch}; load the optimizer's state_dict first")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self.step()

    def lr_at(self, base_lr: float, t: int) -> float:
        """The learning rate at step t of a group whose initial learning rate is base_lr."""
        raise NotImplementedError(f"{type(self).__name__} must implement lr_at")

    def get_lr(self) -> list[float]:
        """The learning rates of all groups at the current step (``last_epoch``)."""
        return [float(self.lr_at(base_lr, self.last_epoch)) for base_lr in self.base_lrs]

    def step(self) -> None:
        """Advance one step and write the new learning rates into the optimizer's groups.

        Raises:
            ValueError: if groups were added to the optimizer after the scheduler was created.
        """
        groups = self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            raise ValueError(f"the optimizer has {len(groups)} parameter groups but the scheduler was "
                             f"created for {len(self.base_lrs)}; create the scheduler after adding groups")
        self.last_epoch += 1
        self._last_lr = self.get_lr()
        for group, lr in zip(groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()`` (one per group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute except the optimizer (copies)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by ``state_dict()``. The optimizer's lrs are restored by its own
        ``load_state_dict``, as in PyTorch.

        Raises:
            ValueError: if state_dict is not a dict from ``state_dict()`` or has another number of groups.
        """
        if not isinstance(state_dict, dict) or not {"base_lrs", "last_epoch"} <= state_dict.keys():
            raise ValueError("expected a dict with 'base_lrs' and 'last_epoch', as returned by state_dict()")
        if len(state_dict["base_lrs"]) != len(self.optimizer.param_groups):
            raise ValueError(f"loaded state dict has {len(state_dict['base_lrs'])} learning rates, "
                             f"the optimizer has {len(self.optimizer.param_groups)} parameter groups")
        self.__dict__.update(copy.deepcopy(state_dict))


class StepLR(LRScheduler):
    """Multiply the learning rate by gamma every step_size steps, as ``torch.optim.lr_scheduler.StepLR``::

        lr_t = lr_0 * gamma ** (t // step_size)

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        step_size: number of steps between two decays (int >= 1).
        gamma: multiplicative factor of each decay (default 0.1).
        last_epoch: index of the last step taken (default -1: start).

    Raises:
        ValueError: if step_size is not a positive int or gamma is not positive.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"invalid step_size: {step_size!r} (must be an int >= 1)")
        _check_gamma(gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by gamma every step, as ``torch.optim.lr_scheduler.ExponentialLR``::

        lr_t = lr_0 * gamma ** t

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        gamma: multiplicative factor per step.
        last_epoch: index of the last step taken (default -1: start).

    Raises:
        ValueError: if gamma is not positive.
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        _check_gamma(gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** t


class InverseTimeLR(LRScheduler):
    """Inverse-time decay of the learning rate::

        lr_t = lr_0 / (1 + lr_0 * decay * t)

    With decay set to the L2 regularization strength this is the schedule recommended for SGD on
    L2-regularized objectives (the lr falls like 1 / (decay * t) once t is large). Note that
    TensorFlow's ``InverseTimeDecay`` is a different formula, lr_0 / (1 + decay_rate * t / decay_steps).

    Reference: Bottou, "Stochastic Gradient Descent Tricks", in Neural Networks: Tricks of the Trade
    (2012), https://leon.bottou.org/publications/pdf/tricks-2012.pdf

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        decay: decay coefficient (>= 0; 0 keeps the lr constant).
        last_epoch: index of the last step taken (default -1: start).

    Raises:
        ValueError: if decay is negative.
    """

    def __init__(self, optimizer: Optimizer, decay: float, last_epoch: int = -1):
        check_min("decay", decay)
        self.decay = decay
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr / (1 + base_lr * self.decay * t)


def _check_gamma(gamma: float) -> None:
    if not gamma > 0:
        raise ValueError(f"invalid gamma: {gamma} (must be > 0)")
