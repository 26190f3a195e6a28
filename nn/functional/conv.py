"""Convolution and pooling, composed of unfold (im2col), pad, reshape and matmul."""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError
from autograd_mini.functional import as_tensor
from autograd_mini.functional._args import _int_pair as _pair
from autograd_mini.tensor import Tensor


def conv2d(x, weight, bias=None, stride=1, padding=0) -> Tensor:
    """2-D cross-correlation (PyTorch's conv2d): (N, C, H, W) -> (N, out, OH, OW).

    y[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] * xp[n, c, i*sh + p, j*sw + q], where xp is x
    zero-padded by (ph, pw) on each side, OH = (H + 2 ph - kh) // sh + 1, OW likewise. Computed as unfold
    (im2col) and one matrix product.

    Args:
        x: input (N, C, H, W).
        weight: (out, C, kh, kw).
        bias: optional (out,).
        stride: int or (sh, sw).
        padding: int or (ph, pw), zeros added on both sides.
    """
    x, weight = as_tensor(x), as_tensor(weight)
    stride = _pair(stride, "stride", "conv2d", 1)
    ph, pw = _pair(padding, "padding", "conv2d", 0)
    if x.ndim != 4 or weight.ndim != 4:
        raise ShapeError(f"conv2d expects input (N, C, H, W) and weight (out, C, kh, kw), got {x.shape} and {weight.shape}")
    out_c, in_c, kh, kw = weight.shape
    if x.shape[1] != in_c:
        raise ShapeError(f"conv2d: input {x.shape} has {x.shape[1]} channels but weight {weight.shape} expects {in_c}")
    if bias is not None and as_tensor(bias).shape != (out_c,):
        raise ShapeError(f"conv2d: bias must have shape ({out_c},), got {as_tensor(bias).shape}")
    if ph or pw:
        x = AF.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = AF.unfold(x, (kh, kw), stride)  # (N, OH, OW, kh, kw, C)
    n, oh, ow = cols.shape[:3]
    w2 = AF.reshape(AF.transpose(weight, 2, 3, 1, 0), (kh * kw * in_c, out_c))  # rows in the (kh, kw, C) order of cols
    y = AF.matmul(AF.reshape(cols, (n * oh * ow, kh * kw * in_c)), w2)
    if bias is not None:
        y = y + bias
    return AF.transpose(AF.reshape(y, (n, oh, ow, out_c)), 0, 3, 1, 2)


def max_pool2d(x, kernel_size, stride=None) -> Tensor:
    """2-D max pooling: (N, C, H, W) -> (N, C, OH, OW), OH = (H - kh) // sh + 1; stride defaults to kernel_size.

    Ties within a window share the gradient evenly (``max``'s rule; PyTorch gives it all to one element).
    """
    x = as_tensor(x)
    k = _pair(kernel_size, "kernel_size", "max_pool2d", 1)
    s = k if stride is None else _pair(stride, "stride", "max_pool2d", 1)
    if x.ndim != 4:
        raise ShapeError(f"max_pool2d expects an (N, C, H, W) input, got shape {x.shape}")
    n, c, h, w = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    if s == k and oh > 0 and ow > 0:
        # NOTE: non-overlapping windows (the default stride) need no unfold: crop the rows and columns no window
        # covers, view the windows as axes 3 and 5 of a reshape, and take the max there (no copy, no fold).
        if (h, w) != (oh * k[0], ow * k[1]):
            x = AF.getitem(x, (slice(None), slice(None), slice(0, oh * k[0]), slice(0, ow * k[1])))
        return AF.max(AF.reshape(x, (n, c, oh, k[0], ow, k[1])), axis=(3, 5))
    cols = AF.unfold(x, k, s)  # (N, OH, OW, kh, kw, C); unfold raises for a kernel larger than the image
    return AF.transpose(AF.max(cols, axis=(3, 4)), 0, 3, 1, 2)
