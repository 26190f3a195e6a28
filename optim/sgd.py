"""Stochastic gradient descent, with optional heavy-ball or Nesterov momentum."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._blocked import sub_scaled_
from ._checks import check_min
from .optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    The update is torch's with its default ``dampening=0``.

    For every parameter p with gradient g, at its step t = 1, 2, ...::

        if weight_decay != 0:  g <- g + weight_decay * p
        if momentum != 0:
            b <- g                          if t == 1
            b <- momentum * b + g           otherwise
            g <- g + momentum * b           if nesterov
            g <- b                          otherwise
        p <- p - lr * g

    References: Robbins & Monro, "A stochastic approximation method" (1951); momentum: Polyak, "Some
    methods of speeding up the convergence of iteration methods" (1964); Nesterov momentum in this form:
    Sutskever et al., "On the importance of initialization and momentum in deep learning" (ICML 2013),
    http://proceedings.mlr.press/v28/sutskever13.html

    Args:
        params: iterable of Tensors, or of dicts defining parameter groups.
        lr: learning rate (required).
        momentum: momentum factor (default 0: plain SGD).
        nesterov: use Nesterov momentum (default False; needs momentum > 0).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).

    Raises:
        TypeError: if a hyperparameter is not a number (e.g. ``lr="0.1"``; bool is not a number).
        ValueError: if lr, momentum or weight_decay is negative, or nesterov is set without momentum.
    """

    _hyperparameter_kinds = {"nesterov": "flag"}

    def __init__(self, params: ParamsT, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay))
        self._scratch: dict = {}  # a block-sized buffer per dtype for the update (see _blocked.sub_scaled_)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_min("learning rate", group["lr"])
        check_min("momentum", group["momentum"])
        check_min("weight_decay", group["weight_decay"])
        if group["nesterov"] and not group["momentum"] > 0:
            raise ValueError(f"nesterov momentum requires momentum > 0, got momentum={group['momentum']}")

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {
            "momentum_buffer": None,  # b: momentum-weighted sum of past gradients; set to g at the first step
        }

    def _update(self, p: np.ndarray, g: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        # NOTE: float(): a numpy float64 hyperparameter would turn float32 updates into float64 arithmetic
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        if weight_decay != 0:
            g = g + float(weight_decay) * p
        if momentum != 0:
            momentum = float(momentum)
            b = state["momentum_buffer"]
            if b is None:
                # NOTE: np.array rather than g.copy(): arithmetic on 0-d arrays returns numpy scalars
                b = state["momentum_buffer"] = np.array(g, dtype=p.dtype)
            else:
                b *= momentum
                b += g
            g = g + momentum * b if group["nesterov"] else b
        sub_scaled_(p, float(group["lr"]), g, self._scratch)


class Momentum(SGD):
    """Classical (heavy-ball) momentum: ``SGD`` with ``momentum=0.9`` by default.

    For every parameter p with gradient g, at its step t = 1, 2, ...::

        if weight_decay != 0:  g <- g + weight_decay * p
        b <- g                              if t == 1
        b <- momentum * b + g               otherwise
        g <- g + momentum * b               if nesterov
        g <- b                              otherwise
        p <- p - lr * g

    Reference: Polyak, "Some methods of speeding up the convergence of iteration methods", USSR
    Computational Mathematics and Mathematical Physics 4(5), 1964.

    Args:
        params: iterable of Tensors, or of dicts defining parameter groups.
        lr: learning rate (required).
        momentum: momentum factor (default 0.9).
        nesterov: use Nesterov momentum (default False).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).

    Raises:
        TypeError: if a hyperparameter is not a number (e.g. ``lr="0.1"``; bool is not a number).
        ValueError: if lr, momentum or weight_decay is negative, or nesterov is set without momentum.
    """

    def __init__(self, params: ParamsT, lr: float, momentum: float = 0.9, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
