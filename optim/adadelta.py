"""Adadelta: steps scaled by the ratio of running RMS of past updates to running RMS of gradients."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_min, check_range
from .optimizer import Optimizer, ParamsT


class Adadelta(Optimizer):
    """Adadelta; the update of ``torch.optim.Adadelta``.

    For every parameter p with gradient g, at each step::

        if weight_decay != 0:  g <- g + weight_decay * p
        v <- rho * v + (1 - rho) * g^2                      (v, u start at 0)
        delta <- sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * delta^2
        p <- p - lr * delta

    Reference: Zeiler, "ADADELTA: An Adaptive Learning Rate Method" (2012), https://arxiv.org/abs/1212.5701

    Args:
        params: iterable of Tensors, or of dicts defining parameter groups.
        lr: coefficient that scales delta before it is applied (default 1.0).
        rho: decay rate of the running averages (default 0.9).
        eps: term added inside both square roots for numerical stability (default 1e-6).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).

    Raises:
        TypeError: if a hyperparameter is not a number (e.g. ``lr="0.1"``; bool is not a number).
        ValueError: if lr, eps or weight_decay is negative, or rho is outside [0, 1].
    """

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_min("learning rate", group["lr"])
        check_range("rho", group["rho"], 0.0, 1.0)
        check_min("epsilon value", group["eps"])
        check_min("weight_decay", group["weight_decay"])

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {
            "square_avg": np.zeros_like(p),  # v: exponential moving average of squared gradients
            "acc_delta": np.zeros_like(p),  # u: exponential moving average of squared updates
        }

    def _update(self, p: np.ndarray, g: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if weight_decay != 0:
            g = g + weight_decay * p
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * np.square(g)
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * np.square(delta)
        p -= lr * delta
