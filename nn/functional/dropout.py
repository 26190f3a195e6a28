"""Dropout and the affine map of a layer."""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.functional import as_tensor
from autograd_mini.random import get_rng
from autograd_mini.tensor import Tensor


def dropout(x, p: float = 0.5, training: bool = True, rng=None) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the others by 1 / (1 - p).

    The expected value of each element is unchanged, so no rescaling is needed at evaluation time, where
    (``training=False``) this is the identity. The mask is a constant factor, so the gradient is mask / (1 - p).

    Args:
        x: input tensor.
        p: drop probability in [0, 1]; p = 1 gives zeros.
        training: apply dropout (True) or return x unchanged (False).
        rng: optional numpy Generator or seed; default the global generator (``autograd_mini.manual_seed``).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    x = as_tensor(x)
    if not training or p == 0.0:
        return x
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.dtype(np.float64)
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=dtype)
    else:
        keep = get_rng(rng).random(x.shape) >= p
        mask = keep.astype(dtype)
        mask *= dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)


def linear(x, weight, bias=None) -> Tensor:
    """x @ weight.T + bias with weight (out, in): (..., in) -> (..., out) (one graph node, see ops.Linear)."""
    return AF.linear(x, weight, bias)
