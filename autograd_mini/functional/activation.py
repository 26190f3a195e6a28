"""Activation functions: nonlinearities applied elementwise or along an axis (softmax).
"""
from __future__ import annotations

from ..tensor import Tensor
from ._args import as_tensor
from .elementwise import exp, where
from .reduction import logsumexp


def tanh(x) -> Tensor:
    """Hyperbolic tangent."""
    return ops.Tanh.apply(as_tensor(x))


def sigmoid(x) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    return ops.Sigmoid.apply(as_tensor(x))


def relu(x) -> Tensor:
    """max(x, 0); the derivative at 0 is 0."""
    return ops.Relu.apply(as_tensor(x))


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0 else negative_slope * x; the derivative at 0 is negative_slope (as PyTorch)."""
    x = as_tensor(x)
    return where(x._data > 0, x, x * negative_slope)


def log_softmax(x, axis: int = -1) -> Tensor:
    """log_softmax(x) = x - logsumexp(x); stable because LogSumExp subtracts the max in forward."""
    x = as_tensor(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis: int = -1) -> Tensor:
    """softmax(x) = exp(log_softmax(x)); finite for logits of any size."""
    return exp(log_softmax(x, axis))

from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
