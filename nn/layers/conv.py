"""Convolution layers (NCHW / NCL): Conv1d, Conv2d, ConvTranspose2d, vectorized through unfold (im2col)."""
from __future__ import annotations


import numpy as np

from autograd_mini.functional._args import _int_pair
from autograd_mini.tensor import get_default_dtype

from .. import functional as NF
from .. import init
from ..functional.conv import _conv_padding, _single
from ..module import Module, Parameter
from ._dtype import check_input_dtype


def _check_common(op, in_channels, out_channels, groups, padding_mode, device):
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if in_channels % groups:
        raise ValueError(f"{op}: in_channels ({in_channels}) must be divisible by groups ({groups})")
    if out_channels % groups:
        raise ValueError(f"{op}: out_channels ({out_channels}) must be divisible by groups ({groups})")
    if padding_mode != "zeros":
        raise ValueError(
            f"{op}: padding_mode={padding_mode!r} is not supported (only 'zeros'); pad the input yourself "
            "(e.g. with a reflect/replicate pad) and use padding=0"
        )
    if device not in (None, "cpu"):
        raise ValueError(f"{op}: only device='cpu' (or None) exists here, got {device!r}")


class _ConvNd(Module):
    """Parameters, initialization and repr shared by the convolution layers."""

    def _make_parameters(self, weight_shape, bias, dtype):
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.empty(weight_shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, rng=None) -> None:
        """Draw weight and bias anew from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (fan_in = weight.shape[1] * kh * kw)."""
        init.default_affine_(self.weight, self.bias, rng=rng)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        zero = (0,) * len(self.kernel_size)
        if self.padding != zero:
            s += f", padding={self.padding!r}"
        if getattr(self, "dilation", None) not in (None, (1,) * len(self.kernel_size)):
            s += f", dilation={self.dilation}"
        if getattr(self, "output_padding", zero) != zero:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


def _padding_arg(padding, op, n):
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{op}: padding must be 'same', 'valid', an int or a tuple, got {padding!r}")
        return padding
    if n == 1:
        if isinstance(padding, (int, np.integer)):
            return (int(padding),)
        if len(tuple(padding)) == 2:
            return _int_pair(padding, "padding", op, 0)  # (left, right)
        return (_single(padding, "padding", op, 0),)
    if not isinstance(padding, (int, np.integer)) and len(tuple(padding)) == 4:
        _conv_padding(tuple(padding), (1, 1), (1, 1), (1, 1), op)  # validates (left, right, top, bottom)
        return tuple(int(v) for v in padding)
    return _int_pair(padding, "padding", op, 0)


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as PyTorch): (N, in_channels, H, W) -> (N, out_channels, OH, OW),
    OH = (H + 2 * padding - dilation * (kh - 1) - 1) // stride + 1 (likewise OW). See ``nn.functional.conv2d``.

    Initialization (PyTorch's default): ``kaiming_uniform_(weight, a=sqrt(5))``, i.e. U(-1/sqrt(fan_in),
    1/sqrt(fan_in)) with fan_in = in_channels / groups * kh * kw, and the bias from the same distribution.

    Args:
        in_channels, out_channels: channel counts (both divisible by groups).
        kernel_size: int or (kh, kw).
        stride: int or (sh, sw) (default 1).
        padding: int or (ph, pw), zeros on both sides (default 0); a 4-tuple (left, right, top, bottom);
            'valid' or 'same' (stride 1).
        dilation: int or (dh, dw) (default 1).
        groups: independent channel groups (default 1; in_channels for a depthwise convolution).
        bias: learn a bias per output channel (default True).
        padding_mode: only 'zeros'.
        device: only None or 'cpu'.  dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).

    Attributes:
        weight: (out_channels, in_channels / groups, kh, kw).  bias: (out_channels,) or None.

    Raises:
        TypeError: (in forward) if a floating-point input's dtype differs from the parameters' dtype.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__()
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        _check_common("Conv2d", self.in_channels, self.out_channels, groups, padding_mode, device)
        self.kernel_size = _int_pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = _int_pair(stride, "stride", "Conv2d", 1)
        self.padding = _padding_arg(padding, "Conv2d", 2)
        self.dilation = _int_pair(dilation, "dilation", "Conv2d", 1)
        if self.padding == "same" and self.stride != (1, 1):
            raise ValueError("Conv2d: padding='same' needs stride 1")
        self.groups, self.padding_mode = groups, padding_mode
        self._make_parameters((self.out_channels, self.in_channels // groups) + self.kernel_size, bias, dtype)

    def forward(self, x):
        check_input_dtype(self, x, self.weight._data.dtype)
        return NF.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation): (N, in_channels, L) -> (N, out_channels, OL),
    OL = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1. See ``nn.functional.conv1d``.

    Arguments, initialization and errors as ``Conv2d`` with ints (or 1-tuples) for kernel_size, stride,
    padding ('same'/'valid', or a pair (left, right) for asymmetric padding) and dilation.

    Attributes:
        weight: (out_channels, in_channels / groups, k).  bias: (out_channels,) or None.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__()
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        _check_common("Conv1d", self.in_channels, self.out_channels, groups, padding_mode, device)
        self.kernel_size = (_single(kernel_size, "kernel_size", "Conv1d", 1),)
        self.stride = (_single(stride, "stride", "Conv1d", 1),)
        self.padding = _padding_arg(padding, "Conv1d", 1)
        self.dilation = (_single(dilation, "dilation", "Conv1d", 1),)
        if self.padding == "same" and self.stride != (1,):
            raise ValueError("Conv1d: padding='same' needs stride 1")
        self.groups, self.padding_mode = groups, padding_mode
        self._make_parameters((self.out_channels, self.in_channels // groups) + self.kernel_size, bias, dtype)

    def forward(self, x):
        check_input_dtype(self, x, self.weight._data.dtype)
        padding = self.padding if isinstance(self.padding, str) or len(self.padding) == 2 else self.padding[0]
        return NF.conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the adjoint of Conv2d in its input): (N, in_channels, H, W) ->
    (N, out_channels, OH, OW), OH = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1.
    See ``nn.functional.conv_transpose2d``.

    Initialization as PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.shape[1] * kh * kw =
    out_channels / groups * kh * kw (PyTorch computes the fan from the weight tensor as laid out).

    Args:
        in_channels, out_channels, kernel_size, stride, padding (int or pair), output_padding (int or pair,
        < max(stride, dilation)), groups, bias, dilation, padding_mode ('zeros'), device, dtype: as PyTorch.

    Attributes:
        weight: (in_channels, out_channels / groups, kh, kw).  bias: (out_channels,) or None.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__()
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        _check_common("ConvTranspose2d", self.in_channels, self.out_channels, groups, padding_mode, device)
        self.kernel_size = _int_pair(kernel_size, "kernel_size", "ConvTranspose2d", 1)
        self.stride = _int_pair(stride, "stride", "ConvTranspose2d", 1)
        self.padding = _int_pair(padding, "padding", "ConvTranspose2d", 0)
        self.output_padding = _int_pair(output_padding, "output_padding", "ConvTranspose2d", 0)
        self.dilation = _int_pair(dilation, "dilation", "ConvTranspose2d", 1)
        if any(op >= max(s, d) for op, s, d in zip(self.output_padding, self.stride, self.dilation)):
            raise ValueError(
                f"ConvTranspose2d: output_padding {self.output_padding} must be smaller than stride {self.stride} "
                f"or dilation {self.dilation}"
            )
        self.groups, self.padding_mode = groups, padding_mode
        self._make_parameters((self.in_channels, self.out_channels // groups) + self.kernel_size, bias, dtype)

    def forward(self, x, output_size=None):
        check_input_dtype(self, x, self.weight._data.dtype)
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding_for(x, output_size)
        return NF.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, output_padding,
                                   self.groups, self.dilation)

    def _output_padding_for(self, x, output_size):
        """The output_padding that gives ``output_size`` (the last two entries are used), as PyTorch."""
        size = tuple(output_size)[-2:]
        extra = []
        for a in range(2):
            smallest = ((x.shape[-2 + a] - 1) * self.stride[a] - 2 * self.padding[a]
                        + self.dilation[a] * (self.kernel_size[a] - 1) + 1)
            if not smallest <= size[a] < smallest + max(self.stride[a], self.dilation[a]):
                raise ValueError(
                    f"ConvTranspose2d: output_size {tuple(output_size)} is not reachable from input {x.shape}: "
                    f"size {a} must be in [{smallest}, {smallest + max(self.stride[a], self.dilation[a]) - 1}]"
                )
            extra.append(size[a] - smallest)
        return tuple(extra)


from .pooling import MaxPool2d  # noqa: E402,F401  (its former home: keep `nn.layers.conv.MaxPool2d` working)
