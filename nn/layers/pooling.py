"""Pooling and resizing layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d, Upsample (no parameters)."""
from __future__ import annotations

from autograd_mini.functional._args import _int_pair

from .. import functional as NF
from ..module import Module


class MaxPool2d(Module):
    """2-D max pooling: (N, C, H, W) -> (N, C, OH, OW), OH = (H + 2 padding - dilation (kh - 1) - 1) // stride + 1
    (rounded up with ceil_mode). See ``nn.functional.max_pool2d``.

    Args:
        kernel_size: int or (kh, kw).
        stride: int or (sh, sw); default kernel_size (non-overlapping windows).
        padding: int or pair (-inf padding, at most half the kernel).  dilation: int or pair.
        return_indices: forward returns (output, flat indices of the maxima).  ceil_mode: round up.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)
        _int_pair(self.kernel_size, "kernel_size", "MaxPool2d", 1)
        _int_pair(self.stride, "stride", "MaxPool2d", 1)
        _int_pair(self.padding, "padding", "MaxPool2d", 0)
        _int_pair(self.dilation, "dilation", "MaxPool2d", 1)

    def forward(self, x):
        return NF.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                             self.return_indices)

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in (0, (0, 0)):
            s += f", padding={self.padding}"
        if self.dilation not in (1, (1, 1)):
            s += f", dilation={self.dilation}"
        if self.ceil_mode:
            s += ", ceil_mode=True"
        return s


class MaxPool1d(MaxPool2d):
    """1-D max pooling: (N, C, L) -> (N, C, OL); arguments as MaxPool2d with ints. See ``nn.functional.max_pool1d``."""

    def forward(self, x):
        return NF.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                             self.return_indices)


class AvgPool2d(Module):
    """2-D average pooling: (N, C, H, W) -> (N, C, OH, OW). See ``nn.functional.avg_pool2d`` for the divisor.

    Args:
        kernel_size, stride (default kernel_size), padding: int or pair.  ceil_mode: round the output size up.
        count_include_pad: count the zero padding in the divisor (default True).
        divisor_override: divide every window's sum by this instead.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, bool(ceil_mode)
        self.count_include_pad, self.divisor_override = bool(count_include_pad), divisor_override
        _int_pair(self.kernel_size, "kernel_size", "AvgPool2d", 1)
        _int_pair(self.stride, "stride", "AvgPool2d", 1)
        _int_pair(self.padding, "padding", "AvgPool2d", 0)

    def forward(self, x):
        return NF.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                             self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """1-D average pooling: (N, C, L) -> (N, C, OL). See ``nn.functional.avg_pool1d``."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode, self.count_include_pad = padding, bool(ceil_mode), bool(count_include_pad)

    def forward(self, x):
        return NF.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (int or pair; None keeps that input size), e.g. (1, 1) for global
    average pooling: (N, C, H, W) -> (N, C, OH, OW). See ``nn.functional.adaptive_avg_pool2d``."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return NF.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Resize (N, C, H, W) inputs to ``size`` or by ``scale_factor`` with mode 'nearest' (default),
    'nearest-exact' or 'bilinear'. See ``nn.functional.interpolate``."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        return NF.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                              self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"
