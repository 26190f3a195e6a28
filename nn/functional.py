"""Losses, activations, dropout, convolution and pooling as functions, composed only of autograd_mini ops.

Losses take ``reduction='mean'|'sum'|'none'`` and follow PyTorch's definitions and argument order
(prediction first, then target).
"""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import IndexingError, ShapeError
from autograd_mini.functional import as_tensor, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from autograd_mini.ops import SoftmaxCrossEntropy
from autograd_mini.random import get_rng
from autograd_mini.tensor import Tensor

__all__ = [
    "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax", "dropout", "linear", "conv2d",
    "max_pool2d",
]

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        raise ShapeError(
            f"{name}: input and target must have the same shape, got input {input.shape} and target {target.shape}"
        )


# ----- losses ----------------------------------------------------------------------------------------------


def mse_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input - target)**2) (PyTorch's ``mse_loss``).

    NOTE: Nielsen's quadratic cost C = 1/(2n) * sum_x ||y(x) - a(x)||**2 sums over the output units and halves;
    it equals ``0.5 * mse_loss(a, y, reduction='sum') / n`` for n examples, i.e. 0.5 * (number of outputs) *
    ``mse_loss(a, y)``. The constant factor only rescales the learning rate.

    Args:
        input: predictions, any shape.
        target: values of the same shape.
        reduction: 'mean' (default), 'sum' or 'none' (elementwise squared errors).
    """
    _check_reduction("mse_loss", reduction)
    input, target = as_tensor(input), as_tensor(target)
    _same_shape("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction)


def _class_targets(name: str, scores: Tensor, targets) -> np.ndarray:
    """Validate integer class targets against (N, C, d1, ...) or (C,) scores; return them as an ndarray."""
    t = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: targets must be integer class indices, got dtype {t.dtype}; "
            "for one-hot or probability targets use e.g. -(targets * log_softmax(logits)).sum(axis=1).mean()"
        )
    shape = scores.data.shape
    if not shape:
        raise ShapeError(f"{name}: input must have a class axis, got a 0-d tensor")
    class_axis = 1 if len(shape) >= 2 else 0
    expected = (shape[0],) + shape[2:] if class_axis else ()
    if t.shape != expected:
        raise ShapeError(
            f"{name}: input of shape {shape} (class axis {class_axis}, {shape[class_axis]} classes) "
            f"needs targets of shape {expected}, got {t.shape}"
        )
    n_classes = shape[class_axis]
    # NOTE: one reduction instead of min and max: seen as unsigned, a negative index is larger than any class
    if t.size and np.maximum.reduce(t.view(_unsigned(t.dtype)), None) >= n_classes:
        bad = t[(t < 0) | (t >= n_classes)]
        raise IndexingError(
            f"{name}: target {int(bad.flat[0])} is out of range for {n_classes} classes (valid: 0..{n_classes - 1})"
        )
    return t


_UNSIGNED: dict = {}


def _unsigned(dtype: np.dtype) -> np.dtype:
    """The unsigned integer dtype of the same size and byte order."""
    u = _UNSIGNED.get(dtype)
    if u is None:
        u = _UNSIGNED[dtype] = np.dtype(dtype.str.replace("i", "u"))
    return u


def _examples_by_class(scores: Tensor) -> Tensor:
    """(N, C, d1, ...) -> (N * d1 * ..., C): class axis last, every position becomes an example."""
    axes = (0,) + tuple(range(2, scores.ndim)) + (1,)
    return AF.reshape(AF.transpose(scores, axes), -1, scores.shape[1])


def _nll(log_probs: Tensor, t: np.ndarray, reduction: str) -> Tensor:
    """-log_probs at the target classes (class axis 1, or 0 for a single example), then reduced."""
    if log_probs.ndim == 1:
        return _reduce(-log_probs[int(t)], reduction)
    if log_probs.ndim > 2:
        picked = AF.getitem(_examples_by_class(log_probs), (np.arange(t.size), t.reshape(-1)))
        return _reduce(-AF.reshape(picked, t.shape), reduction)
    return _reduce(-AF.getitem(log_probs, (np.arange(t.shape[0]), t)), reduction)


def nll_loss(log_probs, targets, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: -log_probs[n, targets[n]], averaged over n by default.

    Args:
        log_probs: (N, C) log-probabilities (e.g. from ``log_softmax``), or (N, C, d1, ...) with the class on
            axis 1, or (C,) for one example.
        targets: integer class indices of shape (N,) (or (N, d1, ...), or a scalar), each in [0, C).
        reduction: 'mean' (default), 'sum' or 'none' (the per-example losses, shape of targets).

    Raises:
        TypeError: for non-integer targets.  ShapeError: for targets of the wrong shape.
        IndexingError: for a target outside [0, C).
    """
    _check_reduction("nll_loss", reduction)
    log_probs = as_tensor(log_probs)
    t = _class_targets("nll_loss", log_probs, targets)
    return _nll(log_probs, t, reduction)


def cross_entropy(logits, targets, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy: -log softmax(logits)[n, targets[n]] = logsumexp(logits[n]) - logits[n, targets[n]].

    Stable for logits of any size; one graph node (``SoftmaxCrossEntropy``), whose gradient is
    (softmax(logits) - onehot(targets)) / N for the mean. Shapes and errors as ``nll_loss``.

    Args:
        logits: unnormalized scores, (N, C) (or (N, C, d1, ...), or (C,)).
        targets: integer class indices, (N,) (or (N, d1, ...), or a scalar).
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    _check_reduction("cross_entropy", reduction)
    logits = as_tensor(logits)
    t = _class_targets("cross_entropy", logits, targets)
    if logits.ndim == 2:
        return SoftmaxCrossEntropy.apply(logits, targets=t, reduction=reduction)
    if logits.ndim == 1:  # one example: every reduction of a single loss is the loss itself
        return SoftmaxCrossEntropy.apply(AF.reshape(logits, 1, -1), targets=t.reshape(1), reduction="sum")
    flat = _examples_by_class(logits)
    if reduction != "none":
        return SoftmaxCrossEntropy.apply(flat, targets=t.reshape(-1), reduction=reduction)
    return AF.reshape(SoftmaxCrossEntropy.apply(flat, targets=t.reshape(-1), reduction="none"), t.shape)


def _clamped_log(p: Tensor) -> Tensor:
    """log(p) clamped below at -100 (as PyTorch's BCE), with a zero (not nan) gradient where clamped."""
    positive = p.data > 0
    # NOTE: log(0) = -inf and its derivative 1/0 would turn the clamp's zero gradient into nan (0 * inf);
    # feeding 1 where p == 0 keeps every intermediate finite, and the outer where restores -100 there.
    safe = AF.where(positive, p, 1.0)
    return AF.where(positive, AF.clip(AF.log(safe), min=-100.0), -100.0)


def binary_cross_entropy(probs, targets, reduction: str = "mean") -> Tensor:
    """-(t * log(p) + (1 - t) * log(1 - p)), each log clamped to >= -100 as in PyTorch.

    Where a log is clamped (p within e**-100 of 0 or 1) its derivative is 0, the derivative of the clamped
    function; PyTorch instead returns (p - t) / max(p (1 - p), 1e-12) there. Prefer
    ``binary_cross_entropy_with_logits``, which needs no clamp.

    Args:
        probs: probabilities in [0, 1], any shape.
        targets: same shape, usually 0 or 1 (any value in [0, 1] works).
        reduction: 'mean' (default), 'sum' or 'none'.

    Raises:
        ShapeError: if the shapes differ.  ValueError: if a probability is outside [0, 1].
    """
    _check_reduction("binary_cross_entropy", reduction)
    p, t = as_tensor(probs), as_tensor(targets)
    _same_shape("binary_cross_entropy", p, t)
    if p.size and not ((p.data >= 0).all() and (p.data <= 1).all()):
        raise ValueError(
            f"binary_cross_entropy: input must hold probabilities in [0, 1], got values in "
            f"[{np.nanmin(p.data):.4g}, {np.nanmax(p.data):.4g}]; for unnormalized scores use "
            "binary_cross_entropy_with_logits"
        )
    loss = -(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p))
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(logits, targets, reduction: str = "mean") -> Tensor:
    """binary_cross_entropy(sigmoid(x), t) computed stably: softplus(x) - x * t, softplus(x) = log(1 + e**x).

    softplus is the logsumexp of (0, x), whose primitive subtracts the max, so the loss is finite for any x
    (even |x| = 1e4), and it is smooth: the first derivative is sigmoid(x) - t and the second sigmoid'(x)
    everywhere, x = 0 included (a max(x, 0) + log(1 + exp(-|x|)) form has kinks there that give a zero
    second derivative at 0).

    Args:
        logits: unnormalized scores x, any shape.
        targets: t of the same shape, in [0, 1].
        reduction: 'mean' (default), 'sum' or 'none'.
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    x, t = as_tensor(logits), as_tensor(targets)
    _same_shape("binary_cross_entropy_with_logits", x, t)
    softplus = AF.logsumexp(AF.stack([AF.zeros_like(x), x], axis=-1), axis=-1)
    loss = softplus - x * t
    return _reduce(loss, reduction)


# ----- dropout, linear ----------------------------------------------------------------------------------


def dropout(x, p: float = 0.5, training: bool = True, rng=None) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the others by 1 / (1 - p).

    The expected value of each element is unchanged, so no rescaling is needed at evaluation time, where
    (``training=False``) this is the identity. The mask is a constant factor, so the gradient is mask / (1 - p).

    Args:
        x: input tensor.
        p: drop probability in [0, 1]; p = 1 gives zeros.
        training: apply dropout (True) or return x unchanged (False).
        rng: optional numpy Generator or seed; default the global generator (``autograd_mini.manual_seed``).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    x = as_tensor(x)
    if not training or p == 0.0:
        return x
    dtype = x.data.dtype if x.data.dtype.kind == "f" else np.dtype(np.float64)
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=dtype)
    else:
        keep = get_rng(rng).random(x.shape) >= p
        mask = keep.astype(dtype)
        mask *= dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)


def linear(x, weight, bias=None) -> Tensor:
    """x @ weight.T + bias with weight (out, in): (..., in) -> (..., out) (one graph node, see ops.Linear)."""
    return AF.linear(x, weight, bias)


# ----- convolution and pooling -----------------------------------------------------------------------------


def _pair(value, name: str, op: str, minimum: int) -> tuple:
    items = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(items) != 2 or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in items):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints >= {minimum}, got {value!r}")
    return int(items[0]), int(items[1])


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
