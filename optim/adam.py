"""Adam and AdamW (Adam with decoupled weight decay)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._checks import check_min, check_range
from .optimizer import Optimizer, ParamsT


class Adam(Optimizer):
    """Adam; the update of ``torch.optim.Adam`` (without amsgrad).

    For every parameter p with gradient g, at its step t = 1, 2, ...::

        if weight_decay != 0:  g <- g + weight_decay * p
        m <- beta1 * m + (1 - beta1) * g            (m, v start at 0)
        v <- beta2 * v + (1 - beta2) * g^2
        step_size <- lr / (1 - beta1^t)
        denom <- sqrt(v) / sqrt(1 - beta2^t) + eps
        p <- p - step_size * m / denom

    which is p <- p - lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1^t) and
    v_hat = v / (1 - beta2^t).

    Reference: Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015),
    https://arxiv.org/abs/1412.6980

    Args:
        params: iterable of Tensors, or of dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: decay rates (beta1, beta2) of the moment estimates (default (0.9, 0.999)).
        eps: term added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).

    Raises:
        TypeError: if a hyperparameter is not a number (e.g. ``lr="0.1"``; bool is not a number).
        ValueError: if lr, eps or weight_decay is negative, or a beta is outside [0, 1).
    """

    _hyperparameter_kinds = {"betas": "numbers"}

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_min("learning rate", group["lr"])
        check_min("epsilon value", group["eps"])
        check_min("weight_decay", group["weight_decay"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"invalid betas: {betas!r} (must be a pair (beta1, beta2))")
        check_range("beta1", betas[0], 0.0, 1.0, high_inclusive=False)
        check_range("beta2", betas[1], 0.0, 1.0, high_inclusive=False)

    def _init_state(self, p: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {
            "step": 0,  # t: number of updates of this parameter, for the bias corrections
            "exp_avg": np.zeros_like(p),  # m: exponential moving average of gradients
            "exp_avg_sq": np.zeros_like(p),  # v: exponential moving average of squared gradients
        }

    def _decay(self, p: np.ndarray, g: np.ndarray, lr: float, weight_decay: float) -> np.ndarray:
        """Adam's L2 penalty: added to the gradient (so it is rescaled by the adaptive denominator)."""
        return g + weight_decay * p

    def _update(self, p: np.ndarray, g: np.ndarray, group: dict[str, Any], state: dict[str, Any]) -> None:
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        state["step"] += 1
        t = state["step"]
        if weight_decay != 0:
            g = self._decay(p, g, lr, weight_decay)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * np.square(g)
        step_size = lr / (1 - beta1 ** t)
        denom = np.sqrt(v)
        denom /= math.sqrt(1 - beta2 ** t)
        denom += eps
        p -= step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay; the update of ``torch.optim.AdamW`` (without amsgrad).

    For every parameter p with gradient g, at its step t = 1, 2, ...::

        if weight_decay != 0:  p <- p * (1 - lr * weight_decay)
        m <- beta1 * m + (1 - beta1) * g            (m, v start at 0)
        v <- beta2 * v + (1 - beta2) * g^2
        step_size <- lr / (1 - beta1^t)
        denom <- sqrt(v) / sqrt(1 - beta2^t) + eps
        p <- p - step_size * m / denom

    The decay shrinks p directly instead of entering the gradient, so it is not rescaled by the
    adaptive denominator.

    Reference: Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (ICLR 2019),
    https://arxiv.org/abs/1711.05101

    Args:
        params: iterable of Tensors, or of dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: decay rates (beta1, beta2) of the moment estimates (default (0.9, 0.999)).
        eps: term added to the denominator for numerical stability (default 1e-8).
        weight_decay: decoupled weight decay coefficient (default 1e-2).

    Raises:
        TypeError: if a hyperparameter is not a number (e.g. ``lr="0.1"``; bool is not a number).
        ValueError: if lr, eps or weight_decay is negative, or a beta is outside [0, 1).
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _decay(self, p: np.ndarray, g: np.ndarray, lr: float, weight_decay: float) -> np.ndarray:
        """AdamW's decoupled decay: shrink p in place, leave the gradient alone."""
        p *= 1 - lr * weight_decay
        return g
