"""RMSprop: gradients divided by a running root mean square of their recent magnitudes."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_min, check_range
from .optimizer import Optimizer, ParamsT


class RMSprop(Optimizer):
    """RMSprop; the update of ``torch.optim.RMSprop`` (not centered).

    For every parameter p with gradient g, at each step::

        if weight_decay != 0:  g <- g + weight_decay * p
        v <- alpha * v + (1 - alpha) * g^2          (v starts at 0)
        avg <- sqrt(v) + eps
        if momentum > 0:
            b <- momentum * b + g / avg             (b starts at 0)
            p <- p - lr * b
        else:
            p <- p - lr * g / avg

    Reference: Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning", lecture 6e (2012),
    http://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf

    Args:
        params: iterable of Tensors, or of dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average (default 0.99).
        eps: term added to the denominator for numerical stability (default 1e-8).
        momentum: momentum factor (default 0).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).

    Raises:
        TypeError: if a hyperparameter is not a number (e.g. ``lr="0.1"``; bool is not a number).
        ValueError: if lr, eps, momentum or weight_decay is negative, or alpha is outside [0, 1].
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_min("learning rate", group["lr"])
        check_range("alpha", group["alpha"], 0.0, 1.0)
        check_min("epsilon value", group["eps"])
        check_min("momentum", group["momentum"])
        check_min("weight_decay", group["weight_decay"])

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        state = {
            "square_avg": np.zeros_like(p),  # v: exponential moving average of squared gradients
        }
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p)  # b: running sum of past scaled gradients
        return state

    def _update(self, p: np.ndarray, g: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        momentum, weight_decay = float(group["momentum"]), float(group["weight_decay"])
        if weight_decay != 0:
            g = g + weight_decay * p
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * np.square(g)
        avg = np.sqrt(v)
        avg += eps
        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum
            b += g / avg
            p -= lr * b
        else:
            p -= lr * (g / avg)
