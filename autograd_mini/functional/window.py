"""Convolution windows: pad, unfold (im2col) and fold (col2im); primitives in ops/window.py.

Layout of unfolded windows: (N, C, H, W) -> (N, OH, OW, kh, kw, C).
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._args import _int_pair, as_tensor


_PAD_MODES = {"constant": None, "reflect": "reflect", "replicate": "edge", "edge": "edge",
              "circular": "wrap", "wrap": "wrap"}


def pad(x, pad_width, mode: str = "constant", value: float = 0.0) -> Tensor:
    """x padded around (numpy's ``pad_width`` convention): an int, one (before, after) pair for every axis, or a
    (before, after) pair per axis, first axis first. Negative widths crop that side.

    Modes: 'constant' (fill with ``value``), 'reflect' (mirror without repeating the edge: 3 2 | 1 2 3 | 2 1),
    'replicate' (repeat the edge; numpy's 'edge'), 'circular' (wrap around; numpy's 'wrap').
    PyTorch's flat convention (pairs from the LAST axis backwards) is ``nn.functional.pad``.
    The gradient: gy with the padding sliced off (constant) or added back to the entries it copies.
    """
    x = as_tensor(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular', got {mode!r}")
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise ValueError(f"pad: pad_width must hold ints, got {pad_width!r}")
    try:
        widths = np.broadcast_to(widths, (x.ndim, 2))
    except ValueError:
        raise ShapeError(
            f"pad: pad_width {pad_width!r} does not fit a tensor with {x.ndim} dimensions (shape {x.shape}); "
            "give an int, one (before, after) pair, or one pair per axis"
        ) from None
    widths = [(int(b), int(a)) for b, a in widths]
    if any(b < 0 or a < 0 for b, a in widths):  # NOTE: negative widths crop first
        for i, ((b, a), n) in enumerate(zip(widths, x.shape)):
            if -min(b, 0) - min(a, 0) > n:
                raise ShapeError(f"pad: widths {(b, a)} crop more than the {n} entries of axis {i} (shape {x.shape})")
        x = getitem(x, tuple(slice(-min(b, 0), n + min(a, 0)) for (b, a), n in zip(widths, x.shape)))
        widths = [(max(b, 0), max(a, 0)) for b, a in widths]
    if not any(b or a for b, a in widths):
        return x
    np_mode = _PAD_MODES[mode]
    if np_mode is None:
        y = ops.Pad.apply(x, pad_width=tuple(widths))
        if value:
            inner = np.zeros(x.shape, dtype=bool)
            fill = np.pad(inner, widths, constant_values=True)
            y = where(fill, np.asarray(value, dtype=y.dtype), y)
        return y
    for i, ((b, a), n) in enumerate(zip(widths, x.shape)):
        if not (b or a):
            continue
        if n == 0 or (mode == "reflect" and n == 1):
            raise ShapeError(f"pad: mode {mode!r} needs more entries along axis {i} than {n} (shape {x.shape})")
        idx = np.pad(np.arange(n), (b, a), mode=np_mode)  # NOTE: which entry of x each output entry copies
        x = getitem(x, (slice(None),) * i + (idx,))
    return x


def unfold(x, kernel_size, stride=1, dilation=1) -> Tensor:
    """Sliding windows of an (N, C, H, W) batch (im2col), as an (N, OH, OW, kh, kw, C) tensor with
    ``y[n, i, j, p, q, c] = x[n, c, i*sh + p*dh, j*sw + q*dw]``, OH = (H - dh*(kh - 1) - 1) // sh + 1 (OW
    likewise). (Channels last, so ``y.reshape(N * OH * OW, kh * kw * C)`` is free: the layout of TF's
    extract_patches.)

    Args:
        x: tensor of shape (N, C, H, W).
        kernel_size: window size, an int or (kh, kw).
        stride: step between windows, an int or (sh, sw).
        dilation: step between the elements of a window, an int or (dh, dw) (default 1: adjacent).
    """
    x = as_tensor(x)
    k = _int_pair(kernel_size, "kernel_size", "unfold", 1)
    s = _int_pair(stride, "stride", "unfold", 1)
    d = _int_pair(dilation, "dilation", "unfold", 1)
    if x.ndim != 4:
        raise ShapeError(f"unfold expects an (N, C, H, W) tensor, got shape {x.shape}")
    extent = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    if extent[0] > x.shape[2] or extent[1] > x.shape[3]:
        spans = "" if d == (1, 1) else f" (spanning {extent} with dilation {d})"
        raise ShapeError(
            f"unfold: kernel {k}{spans} is larger than the (padded) image {x.shape[2:]} of input {x.shape}"
        )
    if d == (1, 1):
        return ops.Unfold.apply(x, kernel_size=k, stride=s)
    return ops.Unfold.apply(x, kernel_size=k, stride=s, dilation=d)


def fold(cols, output_size, kernel_size, stride=1, dilation=1) -> Tensor:
    """The adjoint of ``unfold`` (col2im): add each window of ``cols`` (N, OH, OW, kh, kw, C) back at its place
    in an (N, C, H, W) image of zeros, with (H, W) = ``output_size``. Overlapping windows add up.

    Raises:
        ShapeError: if cols does not have the shape ``unfold`` gives for that image size, kernel, stride and
            dilation.
    """
    cols = as_tensor(cols)
    k = _int_pair(kernel_size, "kernel_size", "fold", 1)
    s = _int_pair(stride, "stride", "fold", 1)
    d = _int_pair(dilation, "dilation", "fold", 1)
    size = _int_pair(output_size, "output_size", "fold", 1)
    extent = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    if size[0] < extent[0] or size[1] < extent[1]:
        raise ShapeError(f"fold: output_size {size} is smaller than the kernel {k} (extent {extent})")
    oh, ow = (size[0] - extent[0]) // s[0] + 1, (size[1] - extent[1]) // s[1] + 1
    if cols.ndim != 6 or cols.shape[1:3] != (oh, ow) or cols.shape[3:5] != k:
        raise ShapeError(
            f"fold: expected windows of shape (N, {oh}, {ow}, {k[0]}, {k[1]}, C) for output_size {size}, "
            f"kernel {k}, stride {s} and dilation {d}, got {cols.shape}"
        )
    if d == (1, 1):
        return ops.Fold.apply(cols, output_size=size, kernel_size=k, stride=s)
    return ops.Fold.apply(cols, output_size=size, kernel_size=k, stride=s, dilation=d)

from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
from .elementwise import where  # noqa: E402
from .indexing import getitem  # noqa: E402
