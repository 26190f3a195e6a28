"""Gradient clipping: rescale all gradients by their total norm, or clamp each value."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Union

import numpy as np

from autograd_mini import Tensor

ParamsOrTensor = Union[Tensor, Iterable[Tensor]]


def clip_grad_norm_(parameters: ParamsOrTensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Rescale the gradients so that their total norm is at most max_norm, as torch's clip_grad_norm_.

    The rule of ``torch.nn.utils.clip_grad_norm_``::

        total = norm([norm(g, norm_type) for every gradient g], norm_type)
        coef = max_norm / (total + 1e-6)
        if coef < 1:  g <- g * coef   for every gradient g

    Each clipped gradient is replaced by a new Tensor (``p.grad = Tensor(g * coef)``) rather than
    scaled in place, because the gradient arrays of different parameters may be the same array. A
    parameter listed twice is counted and clipped once. A non-finite total norm makes coef NaN or 0,
    which is applied like any other value (torch's ``error_if_nonfinite=False`` behaviour).

    Args:
        parameters: a Tensor or an iterable of Tensors; those whose ``grad`` is None are ignored.
        max_norm: the largest total norm allowed (>= 0).
        norm_type: order of the norm: 2.0 (default), any p > 0, or ``float('inf')`` (largest |value|).
        error_if_nonfinite: raise instead of clipping when the total norm is NaN or infinite.

    Returns:
        The total norm of the gradients before clipping, as a float (0.0 if there are none).

    Raises:
        ValueError: if max_norm is negative.
        RuntimeError: if error_if_nonfinite and the total norm is not finite.
    """
    if not max_norm >= 0:
        raise ValueError(f"invalid max_norm: {max_norm} (must be >= 0)")
    params = [p for p in _unique(parameters) if p.grad is not None]
    if not params:
        return 0.0
    norm_type = float(norm_type)
    # NOTE: norms accumulate in float64, so float32 gradients with many elements lose no precision
    norms = [_norm(np.ravel(np.asarray(p.grad.data, dtype=np.float64)), norm_type) for p in params]
    total = _norm(np.array(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is {total}, so they "
                           "cannot be clipped; pass error_if_nonfinite=False to clip anyway")
    coef = max_norm / (total + 1e-6)
    if not coef >= 1.0:  # NOTE: `not >=` so that a NaN coefficient is applied, as torch does
        for p in params:
            g = p.grad.data
            p.grad = Tensor(g * np.asarray(coef, dtype=g.dtype))
    return total


def _norm(x: np.ndarray, p: float) -> float:
    """||x||_p of a float64 vector, computed on x / 2^k with 2^k near max |x| (exact), so that |x|^p neither
    underflows (gradients of 1e-110 have a cube of 0) nor overflows."""
    largest = float(np.max(np.abs(x))) if x.size else 0.0
    if not 0.0 < p < math.inf or not 0.0 < largest < math.inf:  # NOTE: other orders (inf, 0: a count), zeros,
        return float(np.linalg.norm(x, ord=p))  # inf and nan: as numpy gives them
    scale = math.ldexp(1.0, math.frexp(largest)[1] - 1)
    return scale * float(np.linalg.norm(x / scale, ord=p))


def clip_grad_value_(parameters: ParamsOrTensor, clip_value: float) -> None:
    """Clamp every gradient value into [-clip_value, clip_value], as ``torch.nn.utils.clip_grad_value_``.

    Each gradient is replaced by a new Tensor holding the clamped array, never changed in place,
    because the gradient arrays of different parameters may be the same array.

    Args:
        parameters: a Tensor or an iterable of Tensors; those whose ``grad`` is None are ignored.
        clip_value: the largest absolute value allowed (>= 0).

    Raises:
        ValueError: if clip_value is negative.
    """
    if not clip_value >= 0:
        raise ValueError(f"invalid clip_value: {clip_value} (must be >= 0)")
    for p in _unique(parameters):
        if p.grad is not None:
            g = p.grad.data
            p.grad = Tensor(np.clip(g, -clip_value, clip_value).astype(g.dtype, copy=False))


def _unique(parameters: ParamsOrTensor) -> list[Tensor]:
    """The parameters as a list, each once (by identity: Tensor.__eq__ is elementwise)."""
    if isinstance(parameters, Tensor):
        return [parameters]
    return list({id(p): p for p in parameters}.values())
