"""Activation layers: thin modules over the functions of autograd_mini.functional."""
from __future__ import annotations

import autograd_mini.functional as AF

from ..module import Module


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x)), elementwise."""

    def forward(self, x):
        return AF.sigmoid(x)


class Tanh(Module):
    """y = tanh(x), elementwise."""

    def forward(self, x):
        return AF.tanh(x)


class ReLU(Module):
    """y = max(x, 0), elementwise (derivative 0 at 0)."""

    def forward(self, x):
        return AF.relu(x)


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope * x, elementwise."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return AF.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """y = exp(x) / sum(exp(x)) along ``axis`` (default the last)."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return AF.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """y = x - logsumexp(x) along ``axis`` (default the last); stable for large logits."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return AF.log_softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"
