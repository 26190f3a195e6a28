"""Loss modules: thin wrappers over the functions in nn.functional (see there for the formulas).

Class weights (``weight``, ``pos_weight``) are buffers, so they appear in ``state_dict`` as in PyTorch.
"""
from __future__ import annotations

from .. import functional as NF
from ..functional.loss import _REDUCTIONS, _check_reduction
from ..module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight`` buffer. For backward compatibility a reduction string as
    the first positional argument is accepted (the former signature ``Loss(reduction)``)."""

    def __init__(self, weight=None, reduction: str = "mean"):
        if isinstance(weight, str):
            weight, reduction = None, weight
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """``mse_loss(input, target, reduction)``: mean of squared errors."""

    def forward(self, input, target):
        return NF.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """``l1_loss(input, target, reduction)``: mean absolute error."""

    def forward(self, input, target):
        return NF.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """``smooth_l1_loss(input, target, reduction, beta)``: quadratic below beta, linear above."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = float(beta)

    def forward(self, input, target):
        return NF.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """``huber_loss(input, target, reduction, delta)``: quadratic below delta, delta-sloped linear above."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = float(delta)

    def forward(self, input, target):
        return NF.huber_loss(input, target, self.reduction, self.delta)


class KLDivLoss(Module):
    """``kl_div(input, target, reduction, log_target)``: input holds log-probabilities; reduction also
    'batchmean' (the KL divergence per example)."""

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__()
        if reduction not in _REDUCTIONS + ("batchmean",):
            raise ValueError(f"KLDivLoss: reduction must be one of {_REDUCTIONS + ('batchmean',)}, got {reduction!r}")
        self.reduction, self.log_target = reduction, bool(log_target)

    def forward(self, input, target):
        return NF.kl_div(input, target, self.reduction, self.log_target)


class CrossEntropyLoss(_WeightedLoss):
    """``cross_entropy(logits, targets, weight, ignore_index, reduction, label_smoothing)``: softmax
    cross-entropy with integer class targets or class probabilities.

    Args (keywords as PyTorch): weight (C,) (a buffer), ignore_index=-100, reduction='mean', label_smoothing=0.
    """

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = int(ignore_index), float(label_smoothing)

    def forward(self, input, target):
        return NF.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """``nll_loss(log_probs, targets, weight, ignore_index, reduction)``: negative log likelihood of integer
    class targets."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(weight, reduction)
        self.ignore_index = int(ignore_index)

    def forward(self, input, target):
        return NF.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(_WeightedLoss):
    """``binary_cross_entropy(probs, targets, weight, reduction)``."""

    def forward(self, input, target):
        return NF.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """``binary_cross_entropy_with_logits(logits, targets, weight, reduction, pos_weight)``: stable for any
    logits; ``weight`` and ``pos_weight`` are buffers."""

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return NF.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)
