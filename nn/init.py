"""Parameter initializers, in place on a Tensor's array (dtype preserved), with PyTorch's names and formulas.

Each initializer that writes into a Tensor increases its version counter (``_version``), so a backward pass
through a graph that saved the old values raises instead of computing a wrong gradient.

Fans follow PyTorch: for a weight of shape (out, in, *kernel), fan_in = in * prod(kernel) and
fan_out = out * prod(kernel) (a Linear weight (out, in) has no kernel). Random draws come from ``rng`` when
given (a ``numpy.random.Generator`` or an int seed), else from the global generator, so everything is
reproducible under ``autograd_mini.manual_seed``.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from autograd_mini import inplace
from autograd_mini.random import get_rng
from autograd_mini.tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "xavier_uniform_",
    "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "lecun_normal_",
]


def _array(t) -> np.ndarray:
    arr = t.data if isinstance(t, Tensor) else t
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"initializers work in place on a Tensor or ndarray, got {type(t).__name__}")
    return arr


def _fill(t, values):
    arr = _array(t)
    arr[...] = values  # NOTE: assignment casts to arr's dtype, so float32 parameters stay float32
    if isinstance(t, Tensor):
        inplace.bump(t)
    return t


def _fans(t) -> Tuple[int, int]:
    shape = _array(t).shape
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {shape}")
    receptive = int(np.prod(shape[2:], dtype=np.int64))
    return shape[1] * receptive, shape[0] * receptive


def _fan(t, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(t)
    return fan_in if mode == "fan_in" else fan_out


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    linear, conv*, sigmoid: 1;  tanh: 5/3;  relu: sqrt(2);  leaky_relu: sqrt(2 / (1 + slope**2)) with
    slope = param (default 0.01);  selu: 3/4.
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def uniform_(t, a: float = 0.0, b: float = 1.0, rng=None):
    """Fill t with samples of U(a, b); returns t."""
    arr = _array(t)
    return _fill(t, get_rng(rng).uniform(a, b, arr.shape))


def normal_(t, mean: float = 0.0, std: float = 1.0, rng=None):
    """Fill t with samples of N(mean, std**2); returns t."""
    arr = _array(t)
    return _fill(t, get_rng(rng).normal(mean, std, arr.shape))


def constant_(t, value: float):
    """Fill t with ``value``; returns t."""
    return _fill(t, value)


def zeros_(t):
    """Fill t with 0; returns t."""
    return _fill(t, 0)


def ones_(t):
    """Fill t with 1; returns t."""
    return _fill(t, 1)


def xavier_uniform_(t, gain: float = 1.0, rng=None):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)); returns t."""
    fan_in, fan_out = _fans(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a, rng)


def xavier_normal_(t, gain: float = 1.0, rng=None):
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)); returns t."""
    fan_in, fan_out = _fans(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform_(t, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", rng=None):
    """He uniform: U(-bound, bound) with bound = sqrt(3) * gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).

    With a = sqrt(5) (PyTorch's default for Linear and Conv2d weights) the bound is 1 / sqrt(fan_in).
    """
    fan = _fan(t, mode)
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0
    return uniform_(t, -bound, bound, rng)


def kaiming_normal_(t, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", rng=None):
    """He normal: N(0, std**2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    fan = _fan(t, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0
    return normal_(t, 0.0, std, rng)


def lecun_normal_(t, rng=None):
    """LeCun normal: N(0, 1 / fan_in), i.e. a standard Gaussian scaled by 1 / sqrt(fan_in).

    This is the initialization Nielsen's "Neural Networks and Deep Learning" (ch. 3) recommends for weights,
    so that a neuron's weighted input has variance about 1 and saturates less. (Not truncated.)
    """
    fan_in, _ = _fans(t)
    return normal_(t, 0.0, 1.0 / math.sqrt(fan_in) if fan_in else 0.0, rng)


def default_affine_(weight, bias=None, rng=None) -> None:
    """PyTorch's default for Linear and Conv2d: weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    (The weight through ``kaiming_uniform_(weight, a=sqrt(5))``, which gives exactly that bound.)
    """
    kaiming_uniform_(weight, a=math.sqrt(5), rng=rng)
    if bias is not None:
        fan_in = _fans(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
        uniform_(bias, -bound, bound, rng=rng)
