"""Convolution: conv2d, conv1d and conv_transpose2d, composed of pad, unfold (im2col), fold (col2im), reshape
and matmul. Pooling and interpolation live in ``pooling.py``.

Grouped convolution is one batched matmul over the groups (no Python loop over groups): the groups are
treated as separate images for unfold/fold, which keeps every window matrix contiguous.
"""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError
from autograd_mini.functional import as_tensor
from autograd_mini.functional._args import _int_pair as _pair
from autograd_mini.tensor import Tensor


def _groups(groups, op: str) -> int:
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return int(groups)


def _conv_padding(padding, kernel, dilation, stride, op: str) -> tuple:
    """Resolve ``padding`` of a 2-D convolution to (top, bottom, left, right).

    Accepted: an int (all sides), a pair (ph, pw) (both sides of each axis), a 4-tuple (left, right, top,
    bottom) (the order of ``F.pad``, for asymmetric padding), 'valid' (none) or 'same' (the output has the
    input's size; stride must be 1; an odd total padding puts the extra row/column at the bottom/right, as
    PyTorch does).
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}; pad explicitly instead")
            th, tw = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
            return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        raise ValueError(f"{op}: padding must be an int, a pair, a 4-tuple, 'valid' or 'same', got {padding!r}")
    if not isinstance(padding, (int, np.integer)) and len(tuple(padding)) == 4:
        items = tuple(padding)
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in items):
            raise ValueError(f"{op}: padding (left, right, top, bottom) must be ints >= 0, got {padding!r}")
        left, right, top, bottom = (int(v) for v in items)
        return (top, bottom, left, right)
    ph, pw = _pair(padding, "padding", op, 0)
    return (ph, ph, pw, pw)


def _pad_hw(x: Tensor, pads: tuple) -> Tensor:
    top, bottom, left, right = pads
    if top or bottom or left or right:
        return AF.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    return x


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D cross-correlation (PyTorch's conv2d): (N, C, H, W) -> (N, out, OH, OW) (or (C, H, W) -> (out, OH, OW)).

    With G = groups, C = G * Cg and out = G * Og, output channel o = g * Og + j sees only input channels
    g * Cg ... (g + 1) * Cg - 1:

        y[n, o, i, j] = bias[o] + sum_{c < Cg, p, q} weight[o, c, p, q] * xp[n, g*Cg + c, i*sh + p*dh, j*sw + q*dw]

    where xp is x zero-padded, OH = (H + top + bottom - dh * (kh - 1) - 1) // sh + 1 (OW likewise). Computed as
    unfold (im2col) and one matrix product (a batched one over the G groups).

    Args:
        input: (N, C, H, W), or (C, H, W) for one image.
        weight: (out, C / groups, kh, kw).
        bias: optional (out,).
        stride: int or (sh, sw).
        padding: int or (ph, pw) (zeros on both sides), a 4-tuple (left, right, top, bottom) for asymmetric
            padding, 'valid' (none) or 'same' (output size = input size; stride 1 only).
        dilation: int or (dh, dw), the step between kernel taps.
        groups: split the channels into this many independent convolutions (groups = C: depthwise).

    Raises:
        ShapeError: wrong ranks, channels not matching the weight or not divisible by groups, a kernel larger
            than the padded image.  ValueError: bad stride/padding/dilation/groups values.
    """
    x, weight = as_tensor(input), as_tensor(weight)
    if x.ndim == 3:
        y = conv2d(AF.reshape(x, (1,) + x.shape), weight, bias, stride, padding, dilation, groups)
        return AF.reshape(y, y.shape[1:])
    stride = _pair(stride, "stride", "conv2d", 1)
    dilation = _pair(dilation, "dilation", "conv2d", 1)
    groups = _groups(groups, "conv2d")
    if x.ndim != 4 or weight.ndim != 4:
        raise ShapeError(
            f"conv2d expects input (N, C, H, W) and weight (out, C / groups, kh, kw), got {x.shape} and {weight.shape}"
        )
    out_c, in_cg, kh, kw = weight.shape
    if x.shape[1] % groups or out_c % groups:
        raise ShapeError(
            f"conv2d: with groups={groups}, the input channels ({x.shape[1]}, input {x.shape}) and output channels "
            f"({out_c}, weight {weight.shape}) must both be divisible by {groups}"
        )
    if x.shape[1] != in_cg * groups:
        raise ShapeError(
            f"conv2d: input {x.shape} has {x.shape[1]} channels but weight {weight.shape} with groups={groups} "
            f"expects {in_cg * groups} ({in_cg} per group)"
        )
    if bias is not None and as_tensor(bias).shape != (out_c,):
        raise ShapeError(f"conv2d: bias must have shape ({out_c},), got {as_tensor(bias).shape}")
    x = _pad_hw(x, _conv_padding(padding, (kh, kw), dilation, stride, "conv2d"))
    if groups == 1:
        cols = AF.unfold(x, (kh, kw), stride, dilation)  # (N, OH, OW, kh, kw, C)
        n, oh, ow = cols.shape[:3]
        k = kh * kw * in_cg
        w2 = AF.reshape(AF.transpose(weight, 2, 3, 1, 0), (k, out_c))  # rows in the (kh, kw, C) order of cols
        y = AF.matmul(AF.reshape(cols, (n * oh * ow, k)), w2)
        if bias is not None:
            y = y + bias
        return AF.transpose(AF.reshape(y, (n, oh, ow, out_c)), 0, 3, 1, 2)
    # NOTE: groups as images: (N, G * Cg, H, W) -> (N * G, Cg, H, W) is a free reshape, so the windows of each
    # group come out contiguous, (N, G, OH * OW, kh * kw * Cg), and one batched matmul (broadcast over N) takes
    # them, with no copy of the windows to move the group axis first (measured ~10x faster for depthwise).
    n, og = x.shape[0], out_c // groups
    cols = AF.unfold(AF.reshape(x, (n * groups, in_cg) + x.shape[2:]), (kh, kw), stride, dilation)
    oh, ow = cols.shape[1:3]
    cols = AF.reshape(cols, (n, groups, oh * ow, kh * kw * in_cg))
    w = AF.reshape(AF.transpose(AF.reshape(weight, (groups, og, in_cg, kh, kw)), 0, 3, 4, 2, 1),
                   (groups, kh * kw * in_cg, og))
    y = AF.matmul(cols, w)  # (N, G, OH * OW, og)
    if bias is not None:
        y = y + AF.reshape(as_tensor(bias), (groups, 1, og))
    return AF.reshape(AF.transpose(y, 0, 1, 3, 2), (n, out_c, oh, ow))  # channel g * og + j


def _single(value, name: str, op: str, minimum: int) -> int:
    items = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    if (len(items) != 1 or isinstance(items[0], bool) or not isinstance(items[0], (int, np.integer))
            or items[0] < minimum):
        raise ValueError(f"{op}: {name} must be an int (or a 1-tuple) >= {minimum}, got {value!r}")
    return int(items[0])


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D cross-correlation (PyTorch's conv1d): (N, C, L) -> (N, out, OL) (or (C, L) -> (out, OL)).

    y[n, o, i] = bias[o] + sum_{c, p} weight[o, c, p] * xp[n, g*Cg + c, i*s + p*d], OL = (L + 2 pad - d (k - 1) - 1)
    // s + 1; computed as conv2d on (N, C, 1, L).

    Args:
        input: (N, C, L) or (C, L).  weight: (out, C / groups, k).  bias: optional (out,).
        stride, dilation: int.  padding: int (both ends), a pair (left, right), 'valid' or 'same'.
        groups: as conv2d.
    """
    x, weight = as_tensor(input), as_tensor(weight)
    if x.ndim == 2:
        y = conv1d(AF.reshape(x, (1,) + x.shape), weight, bias, stride, padding, dilation, groups)
        return AF.reshape(y, y.shape[1:])
    if x.ndim != 3 or weight.ndim != 3:
        raise ShapeError(f"conv1d expects input (N, C, L) and weight (out, C / groups, k), got {x.shape} and {weight.shape}")
    s, d = _single(stride, "stride", "conv1d", 1), _single(dilation, "dilation", "conv1d", 1)
    if isinstance(padding, str):
        pad2 = padding
    elif isinstance(padding, (int, np.integer)) or len(tuple(padding)) == 1:
        p = _single(padding, "padding", "conv1d", 0)
        pad2 = (p, p, 0, 0)
    else:
        left, right = _pair(padding, "padding", "conv1d", 0)
        pad2 = (left, right, 0, 0)
    n, c, length = x.shape
    y = conv2d(AF.reshape(x, (n, c, 1, length)), AF.reshape(weight, weight.shape[:2] + (1, weight.shape[2])), bias,
               (1, s), pad2, (1, d), groups)
    return AF.reshape(y, (n, y.shape[1], y.shape[3]))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """Transposed 2-D convolution (PyTorch's conv_transpose2d): the adjoint of conv2d in its input,
    (N, Cin, H, W) -> (N, Cout, OH, OW) with OH = (H - 1) sh - 2 ph + dh (kh - 1) + oph + 1 (OW likewise).

    Every input pixel scatters weight[c] times its value into a (kh, kw) window of the output:
    cols[n, i, j, p, q, o] = sum_c x[n, c, i, j] weight[c, o, p, q] (one matmul, batched over groups), folded
    (col2im) at rows i*sh + p*dh, then ``padding`` cropped from both sides and ``output_padding`` rows/columns
    added at the bottom/right (they only receive the bias).

    Args:
        input: (N, Cin, H, W) or (Cin, H, W).
        weight: (Cin, Cout / groups, kh, kw) (PyTorch's layout).
        bias: optional (Cout,).
        stride, padding, output_padding, dilation: int or pair; output_padding < max(stride, dilation).
        groups: as conv2d (Cin and Cout divisible by groups).
    """
    x, weight = as_tensor(input), as_tensor(weight)
    if x.ndim == 3:
        y = conv_transpose2d(AF.reshape(x, (1,) + x.shape), weight, bias, stride, padding, output_padding, groups,
                             dilation)
        return AF.reshape(y, y.shape[1:])
    op = "conv_transpose2d"
    sh, sw = _pair(stride, "stride", op, 1)
    dh, dw = _pair(dilation, "dilation", op, 1)
    ph, pw = _pair(padding, "padding", op, 0)
    oph, opw = _pair(output_padding, "output_padding", op, 0)
    groups = _groups(groups, op)
    if x.ndim != 4 or weight.ndim != 4:
        raise ShapeError(
            f"{op} expects input (N, Cin, H, W) and weight (Cin, Cout / groups, kh, kw), got {x.shape} and {weight.shape}"
        )
    if oph >= max(sh, dh) or opw >= max(sw, dw):
        raise ValueError(
            f"{op}: output_padding {(oph, opw)} must be smaller than stride {(sh, sw)} or dilation {(dh, dw)}"
        )
    in_c, og, kh, kw = weight.shape
    n, c, h, w = x.shape
    if c != in_c:
        raise ShapeError(f"{op}: input {x.shape} has {c} channels but weight {weight.shape} expects {in_c}")
    if in_c % groups:
        raise ShapeError(f"{op}: with groups={groups}, the input channels ({in_c}, input {x.shape}) must be divisible by {groups}")
    out_c = og * groups
    if bias is not None and as_tensor(bias).shape != (out_c,):
        raise ShapeError(f"{op}: bias must have shape ({out_c},), got {as_tensor(bias).shape}")
    full = ((h - 1) * sh + dh * (kh - 1) + 1, (w - 1) * sw + dw * (kw - 1) + 1)
    out = (full[0] - 2 * ph + oph, full[1] - 2 * pw + opw)
    if out[0] < 1 or out[1] < 1:
        raise ShapeError(f"{op}: input {x.shape} with padding {(ph, pw)} gives an empty output of size {out}")
    cg = in_c // groups
    if groups == 1:
        xr = AF.reshape(AF.transpose(x, 0, 2, 3, 1), (n * h * w, in_c))
        wm = AF.reshape(AF.transpose(weight, 0, 2, 3, 1), (in_c, kh * kw * og))  # columns in (kh, kw, Cout) order
        cols = AF.reshape(AF.matmul(xr, wm), (n, h, w, kh, kw, out_c))
        y = AF.fold(cols, full, (kh, kw), (sh, sw), (dh, dw))
    else:  # groups as images, as in conv2d: (N, G, H*W, Cg) @ (G, Cg, kh*kw*og), folded as N*G images of og channels
        xg = AF.transpose(AF.reshape(x, (n, groups, cg, h * w)), 0, 1, 3, 2)
        wm = AF.reshape(AF.transpose(weight, 0, 2, 3, 1), (groups, cg, kh * kw * og))
        cols = AF.reshape(AF.matmul(xg, wm), (n * groups, h, w, kh, kw, og))
        y = AF.reshape(AF.fold(cols, full, (kh, kw), (sh, sw), (dh, dw)), (n, out_c) + full)
    if oph or opw:
        y = AF.pad(y, ((0, 0), (0, 0), (0, oph), (0, opw)))
    if ph or pw:
        y = AF.getitem(y, (slice(None), slice(None), slice(ph, ph + out[0]), slice(pw, pw + out[1])))
    if bias is not None:
        y = y + AF.reshape(as_tensor(bias), (out_c, 1, 1))
    return y


from .pooling import max_pool2d  # noqa: E402,F401  (its former home: keep `nn.functional.conv.max_pool2d` working)
