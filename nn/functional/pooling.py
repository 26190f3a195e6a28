"""Pooling and resizing: max/avg pooling (2-D and 1-D), adaptive average pooling and interpolate, composed of
pad, unfold, reductions, getitem and matmul.

Output sizes follow PyTorch: OH = (H + 2 ph - dh (kh - 1) - 1 [+ sh - 1 with ceil_mode]) // sh + 1, and with
ceil_mode the last window must start inside the image or its left padding (else OH - 1).
"""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError
from autograd_mini.functional import as_tensor
from autograd_mini.functional._args import _int_pair as _pair
from autograd_mini.tensor import Tensor


def _pool_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_args(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    """Validate a 2-D pooling call; return k, s, p, d pairs and the output size (OH, OW)."""
    if x.ndim != 4:
        raise ShapeError(f"{op} expects an (N, C, H, W) or (C, H, W) input, got shape {x.shape}")
    k = _pair(kernel_size, "kernel_size", op, 1)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _pair(stride, "stride", op, 1)
    p = _pair(padding, "padding", op, 0)
    d = _pair(dilation, "dilation", op, 1)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: padding {p} must be at most half the kernel size {k}")
    out = tuple(_pool_size(x.shape[2 + a], k[a], s[a], p[a], d[a], ceil_mode) for a in range(2))
    if out[0] < 1 or out[1] < 1:
        raise ShapeError(
            f"{op}: input {x.shape} is too small for kernel {k} with dilation {d} and padding {p} "
            f"(output size {out}); pad it or use a smaller kernel"
        )
    return k, s, p, d, out


def _windows(x: Tensor, k, s, p, d, out, fill: float) -> Tensor:
    """Unfolded windows (N, OH, OW, kh, kw, C) of x padded with ``fill`` by p on each side and, for ceil_mode,
    on the bottom/right as far as the last window reaches."""
    h, w = x.shape[2:]
    extra = [max(0, (out[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 - (x.shape[2 + a] + 2 * p[a])) for a in range(2)]
    widths = ((0, 0), (0, 0), (p[0], p[0] + extra[0]), (p[1], p[1] + extra[1]))
    if any(b or a for b, a in widths):
        x = AF.pad(x, widths)
        if fill != 0:
            # NOTE: pad writes zeros; adding a constant that is `fill` on the border and 0 inside sets the border
            # to fill (-inf for max pooling) and passes the gradient of the inside unchanged.
            dtype = x.data.dtype
            if fill == -np.inf and dtype.kind in "iub":  # the lowest value an integer (or bool) can hold
                fill = np.iinfo(dtype).min if dtype.kind != "b" else False
            border = np.full(x.shape[2:], fill, dtype=dtype)
            border[p[0] : p[0] + h, p[1] : p[1] + w] = 0
            x = x + Tensor(border)
    cols = AF.unfold(x, k, s, d)
    if cols.shape[1:3] != out:
        cols = AF.getitem(cols, (slice(None), slice(0, out[0]), slice(0, out[1])))
    return cols


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling: (N, C, H, W) -> (N, C, OH, OW) (or (C, H, W) -> (C, OH, OW)); the input is padded with
    -inf (an integer input with its dtype's lowest value), stride defaults to kernel_size. Output size: see the
    module docstring.

    Ties within a window share the gradient evenly (``max``'s rule; PyTorch gives it all to one element).

    Args:
        input: (N, C, H, W).  kernel_size, stride, dilation: int or pair.
        padding: int or pair, at most half the kernel size.
        ceil_mode: round the output size up (windows may run past the bottom/right edge).
        return_indices: also return, for every output, the flat index h * W + w of its maximum in its input
            plane (the first maximum in window order), as PyTorch does (an int64 Tensor).
    """
    x = as_tensor(input)
    if x.ndim == 3:  # one image (C, H, W)
        res = max_pool2d(AF.reshape(x, (1,) + x.shape), kernel_size, stride, padding, dilation, ceil_mode,
                         return_indices)
        if return_indices:
            return AF.reshape(res[0], res[0].shape[1:]), Tensor(res[1].data[0])
        return AF.reshape(res, res.shape[1:])
    k, s, p, d, out = _pool_args("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    n, c, h, w = x.shape
    oh, ow = out
    if s == k and p == (0, 0) and d == (1, 1) and not return_indices and (oh * k[0] <= h and ow * k[1] <= w):
        # NOTE: non-overlapping windows (the default stride) need no unfold: crop the rows and columns no window
        # covers, view the windows as axes 3 and 5 of a reshape, and take the max there (no copy, no fold).
        if (h, w) != (oh * k[0], ow * k[1]):
            x = AF.getitem(x, (slice(None), slice(None), slice(0, oh * k[0]), slice(0, ow * k[1])))
        return AF.max(AF.reshape(x, (n, c, oh, k[0], ow, k[1])), axis=(3, 5))
    cols = _windows(x, k, s, p, d, out, -np.inf)  # (N, OH, OW, kh, kw, C)
    y = AF.transpose(AF.max(cols, axis=(3, 4)), 0, 3, 1, 2)
    if not return_indices:
        return y
    first = np.argmax(cols.data.reshape(n, oh, ow, k[0] * k[1], c), axis=3)  # (N, OH, OW, C)
    rows = np.arange(oh)[:, None, None] * s[0] - p[0] + (first // k[1]) * d[0]
    columns = np.arange(ow)[None, :, None] * s[1] - p[1] + (first % k[1]) * d[1]
    return y, Tensor((rows * w + columns).transpose(0, 3, 1, 2).astype(np.int64))


def _divisors(size, k, s, p, out, count_include_pad) -> np.ndarray:
    """Per output position along one axis: the number of elements PyTorch's avg_pool divides by."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return end - start
    return np.maximum(np.minimum(end, size) - np.maximum(start, 0), 0)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None) -> Tensor:
    """2-D average pooling: (N, C, H, W) -> (N, C, OH, OW) (or (C, H, W) -> (C, OH, OW)), each output the sum
    of its window of the zero-padded input divided by

    - ``divisor_override`` if given, else
    - with ``count_include_pad`` (default) the window's size, clipped to the padded image (a ceil_mode window
      running past it counts only its part inside), else the number of real (non-padding) elements in it.

    An integer input gives the quotient truncated toward zero, in its dtype (as PyTorch).

    Args:
        input: (N, C, H, W).  kernel_size, stride (default kernel_size): int or pair.
        padding: int or pair, at most half the kernel size.  ceil_mode: round the output size up.
    """
    x = as_tensor(input)
    if x.ndim == 3:  # one image (C, H, W)
        y = avg_pool2d(AF.reshape(x, (1,) + x.shape), kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)
        return AF.reshape(y, y.shape[1:])
    k, s, p, _, out = _pool_args("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (isinstance(divisor_override, bool) or int(divisor_override) != divisor_override
                                         or divisor_override <= 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a positive int, got {divisor_override!r}")
    n, c, h, w = x.shape
    oh, ow = out
    if x.data.dtype.kind == "b":
        raise TypeError(f"avg_pool2d: bool input of shape {x.shape} is not supported; cast it to a number type")
    if s == k and p == (0, 0) and oh * k[0] <= h and ow * k[1] <= w:
        if (h, w) != (oh * k[0], ow * k[1]):
            x = AF.getitem(x, (slice(None), slice(None), slice(0, oh * k[0]), slice(0, ow * k[1])))
        total = AF.sum(AF.reshape(x, (n, c, oh, k[0], ow, k[1])), axis=(3, 5))  # (N, C, OH, OW)
        div = np.full((oh, ow), divisor_override or k[0] * k[1])
    else:
        total = AF.transpose(AF.sum(_windows(x, k, s, p, (1, 1), out, 0.0), axis=(3, 4)), 0, 3, 1, 2)
        if divisor_override:
            div = np.full((oh, ow), divisor_override)
        else:
            div = np.outer(_divisors(h, k[0], s[0], p[0], oh, count_include_pad),
                           _divisors(w, k[1], s[1], p[1], ow, count_include_pad))
            div = np.maximum(div, 1)  # NOTE: an all-padding window sums to 0: output 0
    if x.data.dtype.kind in "iu":  # integer input: the quotient truncated toward zero, in the input dtype (PyTorch)
        t = total.data
        return Tensor((np.sign(t) * (np.abs(t) // div)).astype(x.data.dtype))
    return total * Tensor((1.0 / div).astype(x.data.dtype))


def _as_2d(op, x, **values):
    """Check a 1-D pooling input (N, C, L) or (C, L); turn each int (or 1-tuple) argument v into (1, v)."""
    if x.ndim not in (2, 3):
        raise ShapeError(f"{op} expects an (N, C, L) or (C, L) input, got shape {x.shape}")
    out = []
    for name, v in values.items():
        items = (v,) if v is None or isinstance(v, (int, np.integer)) else tuple(v)
        if len(items) != 1 or not (items[0] is None or isinstance(items[0], (int, np.integer))):
            raise ValueError(f"{op}: {name} must be an int (or a 1-tuple), got {v!r}")
        out.append(None if items[0] is None else (1, int(items[0])))
    return out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling: (N, C, L) -> (N, C, OL) (or (C, L) -> (C, OL)); max_pool2d on (N, C, 1, L)."""
    x = as_tensor(input)
    k, s, p, d = _as_2d("max_pool1d", x, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
    lead = x.shape[:-1]
    x4 = AF.reshape(x, (-1 if x.ndim == 3 else 1, lead[-1], 1, x.shape[-1]))
    res = max_pool2d(x4, k, s, (0, p[1]), d, ceil_mode, return_indices)
    if return_indices:
        y, idx = res
        return AF.reshape(y, lead + (y.shape[-1],)), Tensor(idx.data.reshape(lead + (y.shape[-1],)))
    return AF.reshape(res, lead + (res.shape[-1],))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True) -> Tensor:
    """1-D average pooling: (N, C, L) -> (N, C, OL) (or (C, L) -> (C, OL)); avg_pool2d on (N, C, 1, L)."""
    x = as_tensor(input)
    k, s, p = _as_2d("avg_pool1d", x, kernel_size=kernel_size, stride=stride, padding=padding)
    lead = x.shape[:-1]
    x4 = AF.reshape(x, (-1 if x.ndim == 3 else 1, lead[-1], 1, x.shape[-1]))
    y = avg_pool2d(x4, k, s, (0, p[1]), ceil_mode, count_include_pad)
    return AF.reshape(y, lead + (y.shape[-1],))


def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size) averaging matrix: row i averages input [floor(i*size/out), ceil((i+1)*size/out))."""
    start = (np.arange(out) * size) // out
    end = -((-(np.arange(out) + 1) * size) // out)
    cols = np.arange(size)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Adaptive average pooling to ``output_size`` (int or pair; None keeps that input size), as PyTorch:
    output (i, j) averages input rows floor(i H / OH) .. ceil((i + 1) H / OH) - 1 (and likewise columns).

    Global pooling (1, 1) is a mean; sizes that divide the input are a reshape and a mean; any other size is
    two small matmuls with averaging matrices (the window average is separable). Input (N, C, H, W) or (C, H, W).
    """
    x = as_tensor(input)
    if x.ndim not in (3, 4):
        raise ShapeError(f"adaptive_avg_pool2d expects an (N, C, H, W) or (C, H, W) input, got shape {x.shape}")
    h, w = x.shape[-2:]
    sizes = (output_size, output_size) if output_size is None or isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (h if sizes[0] is None else sizes[0]), (w if sizes[1] is None else sizes[1])
    if not (isinstance(oh, (int, np.integer)) and isinstance(ow, (int, np.integer)) and oh >= 1 and ow >= 1):
        raise ValueError(f"adaptive_avg_pool2d: output_size must hold positive ints, got {output_size!r}")
    if h == 0 or w == 0:
        raise ShapeError(f"adaptive_avg_pool2d: input {x.shape} has an empty spatial size")
    if (oh, ow) == (1, 1):
        return AF.mean(x, axis=(-2, -1), keepdims=True)
    if h % oh == 0 and w % ow == 0:
        kh, kw = h // oh, w // ow
        return AF.mean(AF.reshape(x, x.shape[:-2] + (oh, kh, ow, kw)), axis=(-3, -1))
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    y = AF.matmul(x, Tensor(np.ascontiguousarray(_adaptive_matrix(w, ow, dtype).T)))  # (..., H, OW)
    return AF.matmul(Tensor(_adaptive_matrix(h, oh, dtype)), y)  # (..., OH, OW)


def _out_size(op, in_hw, size, scale_factor):
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        out = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(out) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in out):
            raise ValueError(f"{op}: size must be a positive int or a pair of them for a 4-D input, got {size!r}")
        return tuple(int(v) for v in out), None
    sf = (scale_factor, scale_factor) if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(sf) != 2 or not all(v > 0 for v in sf):
        raise ValueError(f"{op}: scale_factor must be a positive number or a pair of them, got {scale_factor!r}")
    out = tuple(int(np.floor(n * float(f))) for n, f in zip(in_hw, sf))
    if min(out) < 1:
        raise ShapeError(f"{op}: scale_factor {scale_factor!r} gives an empty output {out} for input size {in_hw}")
    return out, tuple(float(f) for f in sf)


def _nearest_index(size: int, out: int, scale, exact: bool) -> np.ndarray:
    """PyTorch's nearest source index: floor(dst * scale) ('nearest') or floor((dst + 0.5) * scale)
    ('nearest-exact'), scale = 1 / scale_factor if given else size / out, computed in float32 as PyTorch does."""
    if not exact and out == size:
        return np.arange(out)
    if not exact and out == 2 * size:
        return np.arange(out) >> 1
    s = np.float32(1.0 / scale if scale is not None else size / out)
    dst = np.arange(out, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    return np.minimum(np.floor(dst * s).astype(np.int64), size - 1)


def _linear_matrix(size: int, out: int, scale, align_corners: bool, dtype) -> np.ndarray:
    """(out, size) matrix of PyTorch's linear interpolation weights along one axis."""
    dst = np.arange(out, dtype=np.float64)
    if align_corners:
        src = dst * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        s = 1.0 / scale if scale is not None else size / out
        src = np.maximum(s * (dst + 0.5) - 0.5, 0.0)
    i0 = np.minimum(src.astype(np.int64), size - 1)
    i1 = np.minimum(i0 + 1, size - 1)
    l1 = src - i0
    m = np.zeros((out, size))
    np.add.at(m, (np.arange(out), i0), 1.0 - l1)
    np.add.at(m, (np.arange(out), i1), l1)
    return m.astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None) -> Tensor:
    """Resize an (N, C, H, W) batch to ``size`` or by ``scale_factor`` (output floor(H * scale_factor)),
    with PyTorch's index formulas.

    - 'nearest': out[i] = in[min(floor(i * H / OH), H - 1)] (with scale_factor given, H / OH is replaced by
      1 / scale_factor unless ``recompute_scale_factor=True``); a gather, so gradients add up at repeats.
    - 'nearest-exact': out[i] = in[min(floor((i + 0.5) * H / OH), H - 1)].
    - 'bilinear': source coordinate src = i * (H - 1) / (OH - 1) with ``align_corners=True``, else
      max((i + 0.5) * H / OH - 0.5, 0); out = (1 - l) in[floor(src)] + l in[floor(src) + 1], l = src - floor(src),
      in both axes; two small matmuls with the interpolation matrices.
    """
    x = as_tensor(input)
    if x.ndim != 4:
        raise ShapeError(f"interpolate supports (N, C, H, W) inputs, got shape {x.shape}")
    if mode not in ("nearest", "nearest-exact", "bilinear"):
        raise ValueError(f"interpolate: mode must be 'nearest', 'nearest-exact' or 'bilinear', got {mode!r}")
    if align_corners is not None and mode != "bilinear":
        raise ValueError(f"interpolate: align_corners can only be set with mode='bilinear', not {mode!r}")
    h, w = x.shape[2:]
    out, sf = _out_size("interpolate", (h, w), size, scale_factor)
    if recompute_scale_factor:
        sf = None
    scales = (None, None) if sf is None else sf
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        rows = _nearest_index(h, out[0], scales[0], exact)
        cols = _nearest_index(w, out[1], scales[1], exact)
        return AF.getitem(x, (slice(None), slice(None), rows[:, None], cols[None, :]))
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.float64
    mh = _linear_matrix(h, out[0], scales[0], bool(align_corners), dtype)
    mw = _linear_matrix(w, out[1], scales[1], bool(align_corners), dtype)
    return AF.matmul(Tensor(mh), AF.matmul(x, Tensor(np.ascontiguousarray(mw.T))))
