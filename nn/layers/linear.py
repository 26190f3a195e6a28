"""Linear, Identity and Flatten."""
from __future__ import annotations


import numpy as np

import autograd_mini.functional as AF
from autograd_mini.tensor import Tensor, get_default_dtype

from .. import init
from ..module import Module, Parameter
from ._dtype import check_input_dtype


class Linear(Module):
    """y = x @ weight.T + bias, with weight of shape (out_features, in_features), as in PyTorch.

    Shapes: (..., in_features) -> (..., out_features).

    Initialization (PyTorch's default): ``kaiming_uniform_(weight, a=sqrt(5))``, which is
    U(-1/sqrt(in_features), 1/sqrt(in_features)), and the bias from the same uniform distribution.

    Args:
        in_features: size of each input.
        out_features: size of each output.
        bias: learn an additive bias (default True); if False, ``self.bias`` is None.
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).

    Raises:
        TypeError: (in forward) if a floating-point input's dtype differs from the parameters' dtype.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, rng=None) -> None:
        """Draw weight and bias anew from U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        init.default_affine_(self.weight, self.bias, rng=rng)

    def forward(self, x):
        w = self.weight
        if type(x) is not Tensor or x._data.dtype is not w._data.dtype:  # NOTE: the check's common case inlined
            check_input_dtype(self, x, w._data.dtype)
        return AF.linear(x, w, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """y = x (a placeholder, e.g. to switch a layer off)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge axes start_dim..end_dim into one; the default keeps the batch axis: (N, *) -> (N, prod(*))."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return AF.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
