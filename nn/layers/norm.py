"""Layer and group normalization."""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from autograd_mini.tensor import get_default_dtype

from ..functional.normalization import group_norm, layer_norm
from ..module import Module, Parameter
from ._dtype import check_input_dtype


class LayerNorm(Module):
    """y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the trailing ``normalized_shape`` axes
    (PyTorch's LayerNorm; biased variance).

    Shapes: (*, *normalized_shape) -> the same.

    Args:
        normalized_shape: int or tuple, the trailing shape to normalize over.
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape normalized_shape (default True).
        bias: learn the bias too (default True; only with elementwise_affine).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).
    """

    def __init__(self, normalized_shape: Union[int, Sequence[int]], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = dtype or get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            self.register_parameter("bias", Parameter(np.zeros(self.normalized_shape, dtype=dtype)) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """weight <- 1, bias <- 0."""
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, x):
        if self.weight is not None:
            check_input_dtype(self, x, self.weight._data.dtype)
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalization (PyTorch's GroupNorm): the C channels of (N, C, *) are split into ``num_groups``
    groups; each group of each example is normalized over its channels and positions (biased variance), then
    y * weight[c] + bias[c].

    Args:
        num_groups: number of groups (must divide num_channels).
        num_channels: C.
        eps: added to the variance (default 1e-5).
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros) (default True).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, dtype=None):
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = int(num_groups), int(num_channels), eps, affine
        dtype = dtype or get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=dtype))
            self.bias = Parameter(np.zeros(self.num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        if self.weight is not None:
            check_input_dtype(self, x, self.weight._data.dtype)
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
