"""Window primitives for convolution and pooling: zero padding, unfold (im2col) and its adjoint fold (col2im).

Layout of the unfolded windows (channels last, like TensorFlow's extract_patches): an image batch x of shape
(N, C, H, W) becomes ``cols`` of shape (N, OH, OW, kh, kw, C) with (dilation (dh, dw), default 1)

    cols[n, i, j, p, q, c] = x[n, c, i * sh + p * dh, j * sw + q * dw],
    OH = (H - dh * (kh - 1) - 1) // sh + 1,  OW likewise.

This layout makes ``cols.reshape(N * OH * OW, kh * kw * C)`` a free reshape, so a convolution is one 2-D matmul
(one BLAS call). Channels last also keeps the innermost axis contiguous in both directions: Unfold copies
runs of C values, and Fold's additions read them (measured ~2x faster than a (..., C, kh, kw) layout).
Unfold and Fold are linear and adjoint to each other, so each one's derivative is the other, and derivatives
of any order follow.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function


# ***** convolution windows *****


class Pad(Function):
    """y = x with zeros added around it (``np.pad`` constant mode);  dy/dx: gy with the padding sliced off"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, pad_width):
        ctx.pad_width = pad_width
        return np.pad(x, pad_width)

    @staticmethod
    def backward(ctx, gy):
        index = tuple(slice(before, n - after) for (before, after), n in zip(ctx.pad_width, gy.shape))
        return F.getitem(gy, index)


class Unfold(Function):
    """cols[n, i, j, p, q, c] = x[n, c, i*sh + p*dh, j*sw + q*dw]  (im2col);  dy/dx = fold(gy): windows added back"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, kernel_size, stride, dilation=(1, 1)):
        kh, kw = kernel_size
        sh, sw = stride
        dh, dw = dilation
        ctx.kernel_size, ctx.stride, ctx.dilation, ctx.image_size = kernel_size, stride, dilation, x.shape[2:]
        x_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # (N, H, W, C)
        if dh == 1 and dw == 1:
            windows = np.lib.stride_tricks.sliding_window_view(x_last, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
        else:  # a dilated window is every dh-th row and dw-th column of a window of the extent it spans
            extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
            windows = np.lib.stride_tricks.sliding_window_view(x_last, extent, axis=(1, 2))
            windows = windows[:, ::sh, ::sw, :, ::dh, ::dw]
        # NOTE: sliding_window_view copies nothing; the one real copy puts the windows in matmul order. It is
        # always a copy, so the result is writable and never aliases x.
        return windows.transpose(0, 1, 2, 4, 5, 3).copy()

    @staticmethod
    def backward(ctx, gy):
        return F.fold(gy, ctx.image_size, ctx.kernel_size, ctx.stride, ctx.dilation)


class Fold(Function):
    """y[n, c, i*sh + p*dh, j*sw + q*dw] += cols[n, i, j, p, q, c]  (col2im, the adjoint of Unfold);
    dy/dcols = unfold(gy)"""

    reads_inputs = False

    @staticmethod
    def forward(ctx, cols, output_size, kernel_size, stride, dilation=(1, 1)):
        n, oh, ow, kh, kw, c = cols.shape
        sh, sw = stride
        dh, dw = dilation
        ctx.kernel_size, ctx.stride, ctx.dilation = kernel_size, stride, dilation
        y = np.zeros((n,) + tuple(output_size) + (c,), dtype=cols.dtype)  # (N, H, W, C): channels last, as cols
        # NOTE: a loop over the kh * kw kernel offsets only; each step adds every window at once. Overlapping
        # windows (stride < kernel) hit a pixel from several offsets, and the separate += steps add them up.
        for p in range(kh):
            for q in range(kw):
                r, s = p * dh, q * dw
                y[:, r : r + sh * (oh - 1) + 1 : sh, s : s + sw * (ow - 1) + 1 : sw] += cols[:, :, :, p, q]
        return y.transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, gy):
        return F.unfold(gy, ctx.kernel_size, ctx.stride, ctx.dilation)
