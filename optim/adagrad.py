"""Adagrad: per-coordinate learning rates that shrink with the sum of past squared gradients."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_min
from .optimizer import Optimizer, ParamsT


class Adagrad(Optimizer):
    """Adagrad; the update of ``torch.optim.Adagrad`` with its defaults ``lr_decay=0`` and
    ``initial_accumulator_value=0``.

    For every parameter p with gradient g, at each step::

        if weight_decay != 0:  g <- g + weight_decay * p
        s <- s + g^2                                (s starts at 0)
        p <- p - lr * g / (sqrt(s) + eps)

    Reference: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
    Optimization", JMLR 12 (2011), https://jmlr.org/papers/v12/duchi11a.html

    Args:
        params: iterable of Tensors, or of dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        eps: term added to the denominator for numerical stability (default 1e-10).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).

    Raises:
        TypeError: if a hyperparameter is not a number (e.g. ``lr="0.1"``; bool is not a number).
        ValueError: if lr, eps or weight_decay is negative.
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, eps: float = 1e-10, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, eps=eps, weight_decay=weight_decay))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_min("learning rate", group["lr"])
        check_min("epsilon value", group["eps"])
        check_min("weight_decay", group["weight_decay"])

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {
            "sum": np.zeros_like(p),  # s: sum of all past squared gradients
        }

    def _update(self, p: np.ndarray, g: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        if weight_decay != 0:
            g = g + weight_decay * p
        s = state["sum"]
        s += np.square(g)
        std = np.sqrt(s)
        std += eps
        p -= lr * (g / std)
