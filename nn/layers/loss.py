"""Loss modules: thin wrappers over the functions in nn.functional (see there for the formulas)."""
from __future__ import annotations

from .. import functional as NF
from ..functional.loss import _check_reduction
from ..module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """``mse_loss(input, target, reduction)``: mean of squared errors."""

    def forward(self, input, target):
        return NF.mse_loss(input, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """``cross_entropy(logits, targets, reduction)``: softmax cross-entropy with integer class targets."""

    def forward(self, input, target):
        return NF.cross_entropy(input, target, self.reduction)


class NLLLoss(_Loss):
    """``nll_loss(log_probs, targets, reduction)``: negative log likelihood of integer class targets."""

    def forward(self, input, target):
        return NF.nll_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """``binary_cross_entropy(probs, targets, reduction)``."""

    def forward(self, input, target):
        return NF.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """``binary_cross_entropy_with_logits(logits, targets, reduction)``: stable for any logits."""

    def forward(self, input, target):
        return NF.binary_cross_entropy_with_logits(input, target, self.reduction)
