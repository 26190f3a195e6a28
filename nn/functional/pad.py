"""``pad`` with PyTorch's convention (torch.nn.functional.pad); ``autograd_mini.pad`` keeps numpy's."""
from __future__ import annotations

from typing import Optional, Sequence

from autograd_mini import Tensor, as_tensor
from autograd_mini import pad as _pad_numpy
from autograd_mini.errors import ShapeError


def pad(input, pad: Sequence[int], mode: str = "constant", value: Optional[float] = None) -> Tensor:
    """Pad ``input`` as torch.nn.functional.pad: ``pad`` is a FLAT tuple of (left, right) pairs starting from the
    LAST axis: (left, right) pads the last axis, (left, right, top, bottom) the last two, and so on. Negative
    values crop. Modes 'constant' (with ``value``, default 0), 'reflect', 'replicate', 'circular'.

    (numpy's convention, one (before, after) pair per axis from the FIRST axis, is ``autograd_mini.pad``; a flat
    pair means "this pair for every axis" there, so the two cannot be mixed up by accident.)
    """
    x = as_tensor(input)
    pad = tuple(pad)
    if len(pad) % 2:
        raise ValueError(f"pad: the padding must have an even number of entries (left, right pairs), got {pad}")
    if len(pad) // 2 > x.ndim:
        raise ShapeError(f"pad: {len(pad) // 2} (left, right) pairs for {x.ndim} dimensions; padding "
                         f"{pairs_text(pad)} does not fit shape {x.shape}")
    pairs = [(0, 0)] * (x.ndim - len(pad) // 2) + [(pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2)]
    return _pad_numpy(x, pairs, mode=mode, value=0.0 if value is None else value)


def pairs_text(pad) -> str:
    return str(tuple(pad))
