"""Dropout."""
from __future__ import annotations

from .. import functional as NF
from ..module import Module


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability p and scale the rest by 1 / (1 - p);
    in evaluation mode (``eval()``), the identity. Masks come from the global generator
    (``autograd_mini.manual_seed``). Shape: any -> the same.

    Args:
        p: drop probability in [0, 1] (default 0.5).
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return NF.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
