"""Losses, composed only of autograd_mini ops.

They take ``reduction='mean'|'sum'|'none'`` and follow PyTorch's definitions and argument order
(prediction first, then target).
"""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import IndexingError, ShapeError
from autograd_mini.functional import as_tensor
from autograd_mini.ops import SoftmaxCrossEntropy
from autograd_mini.tensor import Tensor


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
