"""Conv2d and MaxPool2d (NCHW), vectorized through unfold (im2col)."""
from __future__ import annotations


import numpy as np

from autograd_mini.functional._args import _int_pair
from autograd_mini.tensor import get_default_dtype

from .. import functional as NF
from .. import init
from ..module import Module, Parameter
from ._dtype import check_input_dtype


class Conv2d(Module):
    """2-D convolution (cross-correlation, as PyTorch): (N, in_channels, H, W) -> (N, out_channels, OH, OW),
    OH = (H + 2 * padding - kh) // stride + 1 (likewise OW). See ``nn.functional.conv2d``.

    Initialization (PyTorch's default): ``kaiming_uniform_(weight, a=sqrt(5))``, i.e. U(-1/sqrt(fan_in),
    1/sqrt(fan_in)) with fan_in = in_channels * kh * kw, and the bias from the same distribution.

    Args:
        in_channels, out_channels: channel counts.
        kernel_size: int or (kh, kw).
        stride: int or (sh, sw) (default 1).
        padding: int or (ph, pw), zeros on both sides (default 0).
        bias: learn a bias per output channel (default True).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).

    Attributes:
        weight: (out_channels, in_channels, kh, kw).  bias: (out_channels,) or None.

    Raises:
        TypeError: (in forward) if a floating-point input's dtype differs from the parameters' dtype.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, bias: bool = True,
                 dtype=None):
        super().__init__()
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _int_pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = _int_pair(stride, "stride", "Conv2d", 1)
        self.padding = _int_pair(padding, "padding", "Conv2d", 0)
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.empty((self.out_channels, self.in_channels) + self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, rng=None) -> None:
        """Draw weight and bias anew from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.default_affine_(self.weight, self.bias, rng=rng)

    def forward(self, x):
        check_input_dtype(self, x, self.weight._data.dtype)
        return NF.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.bias is None:
            s += ", bias=False"
        return s


class MaxPool2d(Module):
    """2-D max pooling: (N, C, H, W) -> (N, C, OH, OW), OH = (H - kh) // stride + 1 (likewise OW).

    Args:
        kernel_size: int or (kh, kw).
        stride: int or (sh, sw); default kernel_size (non-overlapping windows).
    """

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        _int_pair(self.kernel_size, "kernel_size", "MaxPool2d", 1)
        _int_pair(self.stride, "stride", "MaxPool2d", 1)

    def forward(self, x):
        return NF.max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
