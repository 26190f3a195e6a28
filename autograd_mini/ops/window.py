"""Window primitives for convolution and pooling: zero padding, unfold (im2col) and its adjoint fold (col2im).

Layout of the unfolded windows: an image batch x of shape (N, C, H, W) becomes ``cols`` of shape
(N, OH, OW, C, kh, kw) with

    cols[n, i, j, c, p, q] = x[n, c, i * sh + p, j * sw + q],   OH = (H - kh) // sh + 1,  OW = (W - kw) // sw + 1.

This layout makes ``cols.reshape(N * OH * OW, C * kh * kw)`` a free reshape, so a convolution is one 2-D matmul
(one BLAS call) against the weight reshaped to (out, C * kh * kw). Unfold and Fold are linear and adjoint to
each other, so each one's derivative is the other, and derivatives of any order follow.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function


# ***** convolution windows *****


class Pad(Function):
    """y = x with zeros added around it (``np.pad`` constant mode);  dy/dx: gy with the padding sliced off"""

    @staticmethod
    def forward(ctx, x, pad_width):
        ctx.pad_width = pad_width
        return np.pad(x, pad_width)

    @staticmethod
    def backward(ctx, gy):
        index = tuple(slice(before, n - after) for (before, after), n in zip(ctx.pad_width, gy.shape))
        return F.getitem(gy, index)


class Unfold(Function):
    """cols[n, i, j, c, p, q] = x[n, c, i*sh + p, j*sw + q]  (im2col);  dy/dx = fold(gy): windows added back"""

    @staticmethod
    def forward(ctx, x, kernel_size, stride):
        kh, kw = kernel_size
        sh, sw = stride
        ctx.kernel_size, ctx.stride, ctx.image_size = kernel_size, stride, x.shape[2:]
        windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
        # NOTE: one copy into the matmul-friendly layout (sliding_window_view itself copies nothing); always a
        # copy, so the result is writable and never aliases x (ascontiguousarray would skip it for 1x1 kernels)
        return windows.transpose(0, 2, 3, 1, 4, 5).copy()

    @staticmethod
    def backward(ctx, gy):
        return F.fold(gy, ctx.image_size, ctx.kernel_size, ctx.stride)


class Fold(Function):
    """y[n, c, i*sh + p, j*sw + q] += cols[n, i, j, c, p, q]  (col2im, the adjoint of Unfold);  dy/dcols = unfold(gy)"""

    @staticmethod
    def forward(ctx, cols, output_size, kernel_size, stride):
        n, oh, ow, c, kh, kw = cols.shape
        sh, sw = stride
        ctx.kernel_size, ctx.stride = kernel_size, stride
        y = np.zeros((n, c) + tuple(output_size), dtype=cols.dtype)
        by_channel = cols.transpose(0, 3, 4, 5, 1, 2)  # (N, C, kh, kw, OH, OW): a view
        # NOTE: a loop over the kh * kw kernel offsets only; each step adds every window at once. Overlapping
        # windows (stride < kernel) hit a pixel from several offsets, and the separate += steps add them up.
        for p in range(kh):
            for q in range(kw):
                y[:, :, p : p + sh * (oh - 1) + 1 : sh, q : q + sw * (ow - 1) + 1 : sw] += by_channel[:, :, p, q]
        return y

    @staticmethod
    def backward(ctx, gy):
        return F.unfold(gy, ctx.kernel_size, ctx.stride)
