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


# ----- the activations of issue 14: PyTorch's constructor arguments --------------------------------------------


class GELU(Module):
    """y = x * Phi(x) (Phi the standard normal CDF); ``approximate='tanh'`` for the tanh form."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return AF.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """y = x * sigmoid(x)."""

    def forward(self, x):
        return AF.silu(x)


class Mish(Module):
    """y = x * tanh(softplus(x))."""

    def forward(self, x):
        return AF.mish(x)


class Softplus(Module):
    """y = log(1 + exp(beta * x)) / beta, and x where beta * x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return AF.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """y = x if x > 0 else alpha * (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return AF.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(Module):
    """y = x if x > 0 else alpha * (exp(x / alpha) - 1)."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return AF.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(Module):
    """y = scale * elu(x, alpha) with PyTorch's fixed alpha and scale."""

    def forward(self, x):
        return AF.selu(x)


class Hardtanh(Module):
    """y = x clamped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        return AF.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Module):
    """y = min(max(x, 0), 6)."""

    def forward(self, x):
        return AF.relu6(x)


class Hardsigmoid(Module):
    """y = clamp(x / 6 + 1/2, 0, 1)."""

    def forward(self, x):
        return AF.hardsigmoid(x)


class Hardswish(Module):
    """y = x * relu6(x + 3) / 6."""

    def forward(self, x):
        return AF.hardswish(x)


class LogSigmoid(Module):
    """y = log(sigmoid(x)), stable for large |x|."""

    def forward(self, x):
        return AF.logsigmoid(x)


class Softsign(Module):
    """y = x / (1 + |x|)."""

    def forward(self, x):
        return AF.softsign(x)


class Softmin(Module):
    """y = softmax(-x) along ``dim`` (PyTorch's default dim=None is not supported: give the axis)."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return AF.softmin(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
