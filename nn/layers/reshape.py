"""Unflatten: the inverse of Flatten."""
from __future__ import annotations

from typing import Sequence

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError

from ..module import Module


class Unflatten(Module):
    """Split axis ``dim`` into the shape ``unflattened_size`` (PyTorch's nn.Unflatten):
    (*, prod(unflattened_size), *) -> (*, *unflattened_size, *). One entry may be -1.

    Args:
        dim: the axis to split (negative counts from the end).
        unflattened_size: the new shape of that axis.
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]):
        super().__init__()
        self.dim, self.unflattened_size = int(dim), tuple(int(s) for s in unflattened_size)

    def forward(self, x):
        x = AF.as_tensor(x)
        if not -x.ndim <= self.dim < x.ndim:
            raise ShapeError(f"Unflatten: dim {self.dim} is out of range for an input of shape {x.shape}")
        d = self.dim % x.ndim
        return AF.reshape(x, x.shape[:d] + self.unflattened_size + x.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
