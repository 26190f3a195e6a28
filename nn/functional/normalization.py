"""Normalization functions composed of autograd_mini ops: layer_norm, group_norm, batch_norm.

Each normalizes with the *biased* variance (divisor n) over its axes, as PyTorch does:
y = (x - mean) / sqrt(var + eps) [* weight + bias].
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

import autograd_mini.functional as AF
from autograd_mini import inplace, ops
from autograd_mini.errors import ShapeError
from autograd_mini.functional import as_tensor
from autograd_mini.tensor import Tensor


def _normalize(x: Tensor, axes: tuple, eps: float) -> Tensor:
    """(x - mean) / sqrt(var + eps) over axes, with the biased variance."""
    mean = AF.mean(x, axes, keepdims=True)
    d = x - mean
    var = AF.mean(d * d, axes, keepdims=True)
    return d * (var + eps) ** -0.5


def layer_norm(input, normalized_shape: Union[int, Sequence[int]], weight=None, bias=None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` axes, then scale by weight and shift by bias.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, mean and biased variance over the trailing axes.

    Args:
        input: tensor of shape (*, *normalized_shape).
        normalized_shape: the trailing shape to normalize over (an int for one axis).
        weight, bias: optional tensors of shape ``normalized_shape`` (exactly, as PyTorch).
        eps: added to the variance (default 1e-5).

    Raises:
        ShapeError: if the input does not end with ``normalized_shape``, or weight or bias has another shape.
    """
    x = as_tensor(input)
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise ShapeError(f"layer_norm: input of shape {x.shape} does not end with normalized_shape {shape}")
    params = []
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None:
            p = as_tensor(p)
            if p.shape != shape:
                raise ShapeError(f"layer_norm: {name} must have the normalized_shape {shape}, got {p.shape}")
            params.append(p)
    # NOTE: one fused node (ops.LayerNorm, a primitive for speed); _normalize is the same math composed
    return ops.LayerNorm.apply(x, *params, eps=float(eps), naxes=k, has_weight=weight is not None,
                               has_bias=bias is not None)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Split the C channels of (N, C, *) into ``num_groups`` groups and normalize each group of each example
    over its channels and positions; then y * weight[c] + bias[c] per channel.

    Raises:
        ShapeError: if the input has fewer than 2 axes or C is not divisible by num_groups.
    """
    x = as_tensor(input)
    if x.ndim < 2 or num_groups < 1 or x.shape[1] % num_groups:
        raise ShapeError(
            f"group_norm: expected input (N, C, *) with C divisible by num_groups={num_groups}, got {x.shape}"
        )
    n, c = x.shape[:2]
    g = AF.reshape(x, (n, num_groups, -1))
    y = AF.reshape(_normalize(g, (2,), eps), x.shape)
    per_channel = (c,) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * AF.reshape(weight, per_channel)
    if bias is not None:
        y = y + AF.reshape(bias, per_channel)
    return y


def batch_norm(input, running_mean=None, running_var=None, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel of (N, C, *) over the batch and positions (PyTorch's argument order).

    training=True: the batch's mean and biased variance are used, and, if given, the running statistics are
    updated in place (outside the graph; their versions increase) as
    ``running = (1 - momentum) * running + momentum * batch`` with the unbiased variance for ``running_var``.
    training=False: ``running_mean`` and ``running_var`` are used.

    Raises:
        ShapeError: for an input with fewer than 2 axes or statistics of the wrong length.
        ValueError: in training mode with a single value per channel, or in evaluation mode without statistics.
    """
    x = as_tensor(input)
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected input (N, C, *), got {x.shape}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(np.shape(t.data if isinstance(t, Tensor) else t)) != (c,):
            raise ShapeError(f"batch_norm: {name} must have shape ({c},) for input {x.shape}, got {np.shape(t)}")
    axes = (0,) + tuple(range(2, x.ndim))
    per_channel = (c,) + (1,) * (x.ndim - 2)
    if training:
        n = x.size // c if c else 0
        if n < 2:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input {x.shape}")
        mean = AF.mean(x, axes, keepdims=True)
        d = x - mean
        var = AF.mean(d * d, axes, keepdims=True)
        y = d * (var + eps) ** -0.5
        if running_mean is not None and running_var is not None:
            _update_running(running_mean, running_var, mean.data.reshape(-1), var.data.reshape(-1), n, momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode (training=False) needs running_mean and running_var")
        rm = AF.reshape(as_tensor(running_mean), per_channel)
        rv = AF.reshape(as_tensor(running_var), per_channel)
        y = (x - rm) * (rv + eps) ** -0.5
    if weight is not None:
        y = y * AF.reshape(weight, per_channel)
    if bias is not None:
        y = y + AF.reshape(bias, per_channel)
    return y


def _update_running(running_mean, running_var, mean: np.ndarray, var: np.ndarray, n: int,
                    momentum: Optional[float]) -> None:
    # NOTE: not differentiated: written in place into the buffers' arrays (keeping their dtype), like PyTorch's
    # update under no_grad; a Tensor buffer's version is bumped so a graph that saved it notices.
    m = momentum
    for buf, batch in ((running_mean, mean), (running_var, var * (n / (n - 1)))):
        arr = buf.data if isinstance(buf, Tensor) else buf
        arr *= 1 - m
        arr += m * batch
        if isinstance(buf, Tensor):
            inplace.bump(buf)
