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


def _class_targets(name: str, scores: Tensor, targets, ignore_index=None):
    """Validate integer class targets against (N, C, d1, ...) or (C,) scores; return them as an ndarray and
    whether any of them equals ``ignore_index`` (which may lie outside [0, C))."""
    t = _target_array(targets)
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: targets must be integer class indices, got dtype {t.dtype}; "
            "for probability targets pass floats of the input's shape to cross_entropy"
        )
    shape = scores._data.shape
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
        bad = t[((t < 0) | (t >= n_classes)) & (t != ignore_index if ignore_index is not None else True)]
        if bad.size:
            raise IndexingError(
                f"{name}: target {int(bad.flat[0])} is out of range for {n_classes} classes "
                f"(valid: 0..{n_classes - 1}"
                + ("" if ignore_index is None else f", or ignore_index={ignore_index}") + ")"
            )
        return t, True  # NOTE: only ignore_index can have been out of range
    # NOTE: every target is in [0, C): an ignore_index outside that range (the default -100) cannot occur
    return t, ignore_index is not None and 0 <= ignore_index < n_classes and bool((t == ignore_index).any())


def _target_array(targets) -> np.ndarray:
    """Targets as an ndarray: an ndarray as it is, a Tensor's array, anything else through np.asarray."""
    if type(targets) is np.ndarray:  # NOTE: the usual case first, with no call
        return targets
    return targets._data if isinstance(targets, Tensor) else np.asarray(targets)


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


def _constant_like(value, x: Tensor) -> Tensor:
    """A weight as a Tensor in x's float dtype (so float32 inputs stay float32), unless it requires grad."""
    dtype = x.data.dtype
    if isinstance(value, Tensor):
        if value.requires_grad or dtype.kind != "f" or value.data.dtype == dtype:
            return value
        return Tensor(value.data.astype(dtype))
    arr = np.asarray(value)
    return Tensor(arr.astype(dtype) if dtype.kind == "f" else arr)


def _check_weight(name: str, weight, n_classes: int, like: Tensor):
    if weight is None:
        return None
    weight = _constant_like(weight, like)
    if weight.shape != (n_classes,):
        raise ShapeError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {weight.shape}")
    return weight


def _weighted_nll(log_probs: Tensor, t: np.ndarray, weight, ignore_index: int, reduction: str):
    """-weight[t] * log_probs[t] with ignored targets contributing 0, and the weighted mean PyTorch uses
    (divided by the sum of the weights of the non-ignored targets). Returns (loss, that divisor as a Tensor)."""
    ignored = t == ignore_index
    safe = np.where(ignored, 0, t)
    flat = log_probs if log_probs.ndim <= 2 else _examples_by_class(log_probs)
    if flat.ndim == 1:
        flat = AF.reshape(flat, (1, -1))
    picked = AF.reshape(AF.getitem(flat, (np.arange(safe.size), safe.reshape(-1))), t.shape)
    keep = Tensor((~ignored).astype(log_probs.data.dtype))
    w = keep if weight is None else AF.getitem(weight, safe) * keep  # weight of each target, 0 where ignored
    loss = -(picked * w)
    if reduction == "none":
        return loss, None
    total = AF.sum(w)
    if reduction == "sum":
        return AF.sum(loss), total
    return AF.sum(loss) / total, total


def nll_loss(log_probs, targets, weight=None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: loss_n = -weight[t_n] * log_probs[n, t_n] (0 where t_n == ignore_index).

    'mean' is PyTorch's weighted mean: sum_n loss_n / sum_n weight[t_n] over the non-ignored n (without
    weight: the mean over the non-ignored targets; nan if every target is ignored).

    Args:
        log_probs: (N, C) log-probabilities (e.g. from ``log_softmax``), or (N, C, d1, ...) with the class on
            axis 1, or (C,) for one example.
        targets: integer class indices of shape (N,) (or (N, d1, ...), or a scalar), each in [0, C) or
            equal to ignore_index.
        weight: optional (C,) rescaling weight per class.
        ignore_index: a target value that contributes nothing (default -100).
        reduction: 'mean' (default), 'sum' or 'none' (the per-example losses, shape of targets). For
            backward compatibility a reduction string in the third position is accepted.

    Raises:
        TypeError: for non-integer targets.  ShapeError: for targets or weight of the wrong shape.
        IndexingError: for a target outside [0, C) that is not ignore_index.
    """
    if isinstance(weight, str):  # NOTE: the former signature nll_loss(log_probs, targets, reduction)
        weight, reduction = None, weight
    _check_reduction("nll_loss", reduction)
    log_probs = as_tensor(log_probs)
    t, any_ignored = _class_targets("nll_loss", log_probs, targets, ignore_index)
    weight = _check_weight("nll_loss", weight, log_probs.shape[1 if log_probs.ndim >= 2 else 0], log_probs)
    if weight is None and not any_ignored:
        return _nll(log_probs, t, reduction)
    return _weighted_nll(log_probs, t, weight, ignore_index, reduction)[0]


def cross_entropy(logits, targets, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy, as PyTorch's ``cross_entropy``, with logp = log_softmax(logits) on the class axis.

    Class-index targets (integers of shape (N,), (N, d1, ...) or a scalar):
        loss_n = (1 - eps) * (-weight[t_n] logp[n, t_n]) + eps / C * (-sum_c weight[c] logp[n, c]),
        0 where t_n == ignore_index; 'mean' divides the sum by sum_n weight[t_n] over the non-ignored n.
    Probability targets (floats of the logits' shape, each row a distribution):
        loss_n = -sum_c weight[c] q[n, c] logp[n, c] with q = (1 - eps) t + eps / C; 'mean' divides by the
        number of examples N * d1 * ... (not by the weights, as PyTorch); ignore_index does not apply.
    (eps = label_smoothing, weight = 1 if not given.)

    The plain case (class targets, no weight, no smoothing, nothing ignored) is one graph node
    (``SoftmaxCrossEntropy``), whose gradient is (softmax(logits) - onehot(targets)) / N for the mean.

    Args:
        logits: unnormalized scores, (N, C) (or (N, C, d1, ...), or (C,)).
        targets: integer class indices, or class probabilities of the logits' shape.
        weight: optional (C,) rescaling weight per class.
        ignore_index: a class-index target value that contributes nothing (default -100).
        reduction: 'mean' (default), 'sum' or 'none'. (A reduction string in the third position is accepted,
            the former signature.)
        label_smoothing: eps in [0, 1].
    """
    if isinstance(weight, str):  # NOTE: the former signature cross_entropy(logits, targets, reduction)
        weight, reduction = None, weight
    _check_reduction("cross_entropy", reduction)
    if label_smoothing and not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if type(logits) is not Tensor:
        logits = as_tensor(logits)
    t_data = _target_array(targets)
    if t_data.dtype.kind == "f":
        return _cross_entropy_probs(logits, as_tensor(targets), weight, reduction, label_smoothing)
    t, any_ignored = _class_targets("cross_entropy", logits, t_data, ignore_index)
    if weight is None and not label_smoothing and not any_ignored:
        if logits._data.ndim == 2:  # NOTE: one fused node (SoftmaxCrossEntropy)
            return SoftmaxCrossEntropy.apply(logits, targets=t, reduction=reduction)
        return _plain_cross_entropy(logits, t, reduction)
    n_classes = logits.shape[1 if logits.ndim >= 2 else 0]
    weight = _check_weight("cross_entropy", weight, n_classes, logits)
    logp = AF.log_softmax(logits, axis=1 if logits.ndim >= 2 else 0)
    nll, total = _weighted_nll(logp, t, weight, ignore_index, reduction)
    if not label_smoothing:
        return nll
    axis = 1 if logits.ndim >= 2 else 0
    per_class = logp if weight is None else logp * AF.reshape(weight, (n_classes,) + (1,) * (logp.ndim - axis - 1))
    smooth = -AF.sum(per_class, axis=axis)  # (N, d1, ...)
    if any_ignored:
        smooth = smooth * Tensor((t != ignore_index).astype(logp.data.dtype))
    if reduction == "sum":
        smooth = AF.sum(smooth)
    elif reduction == "mean":
        smooth = AF.sum(smooth) / total
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _plain_cross_entropy(logits: Tensor, t: np.ndarray, reduction: str) -> Tensor:
    if logits.ndim == 2:
        return SoftmaxCrossEntropy.apply(logits, targets=t, reduction=reduction)
    if logits.ndim == 1:  # one example: every reduction of a single loss is the loss itself
        return SoftmaxCrossEntropy.apply(AF.reshape(logits, 1, -1), targets=t.reshape(1), reduction="sum")
    flat = _examples_by_class(logits)
    if reduction != "none":
        return SoftmaxCrossEntropy.apply(flat, targets=t.reshape(-1), reduction=reduction)
    return AF.reshape(SoftmaxCrossEntropy.apply(flat, targets=t.reshape(-1), reduction="none"), t.shape)


def _cross_entropy_probs(logits: Tensor, q: Tensor, weight, reduction: str, eps: float) -> Tensor:
    if q.shape != logits.shape:
        if q.shape == (logits.shape[:1] + logits.shape[2:] if logits.ndim >= 2 else ()):
            raise TypeError(
                f"cross_entropy: targets must be integer class indices, got dtype {q.dtype} of shape {q.shape} "
                f"(float targets are class probabilities and need the logits' shape {logits.shape})"
            )
        raise ShapeError(
            f"cross_entropy: probability targets (float dtype) must have the logits' shape {logits.shape}, "
            f"got {q.shape}; class-index targets must be integers"
        )
    axis = 1 if logits.ndim >= 2 else 0
    n_classes = logits.shape[axis]
    weight = _check_weight("cross_entropy", weight, n_classes, logits)
    if eps:
        q = q * (1.0 - eps) + eps / n_classes
    logp = AF.log_softmax(logits, axis=axis)
    terms = logp * q
    if weight is not None:
        terms = terms * AF.reshape(weight, (n_classes,) + (1,) * (logp.ndim - axis - 1))
    loss = -AF.sum(terms, axis=axis)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return AF.sum(loss)
    count = logits.size // n_classes if n_classes else 0
    return AF.sum(loss) * (1.0 / count if count else np.nan)


def _clamped_log(p: Tensor) -> Tensor:
    """log(p) clamped below at -100 (as PyTorch's BCE), with a zero (not nan) gradient where clamped."""
    positive = p.data > 0
    # NOTE: log(0) = -inf and its derivative 1/0 would turn the clamp's zero gradient into nan (0 * inf);
    # feeding 1 where p == 0 keeps every intermediate finite, and the outer where restores -100 there.
    safe = AF.where(positive, p, 1.0)
    return AF.where(positive, AF.clip(AF.log(safe), min=-100.0), -100.0)


def _elementwise_weight(name: str, weight, like: Tensor, what: str = "weight"):
    if weight is None:
        return None
    weight = _constant_like(weight, like)
    try:
        np.broadcast_shapes(weight.shape, like.shape)
    except ValueError:
        raise ShapeError(
            f"{name}: {what} of shape {weight.shape} does not broadcast to the input shape {like.shape}"
            + (" (give one weight per class, the last axis)" if what == "pos_weight" else "")
        ) from None
    return weight


def binary_cross_entropy(probs, targets, weight=None, reduction: str = "mean") -> Tensor:
    """-weight * (t * log(p) + (1 - t) * log(1 - p)), each log clamped to >= -100 as in PyTorch.

    Where a log is clamped (p within e**-100 of 0 or 1) its derivative is 0, the derivative of the clamped
    function; PyTorch instead returns (p - t) / max(p (1 - p), 1e-12) there. Prefer
    ``binary_cross_entropy_with_logits``, which needs no clamp.

    Args:
        probs: probabilities in [0, 1], any shape.
        targets: same shape, usually 0 or 1 (any value in [0, 1] works).
        weight: optional rescaling weight broadcasting to the input's shape.
        reduction: 'mean' (default), 'sum' or 'none'. (A reduction string in the third position is accepted,
            the former signature.)

    Raises:
        ShapeError: if the shapes differ.  ValueError: if a probability is outside [0, 1].
    """
    if isinstance(weight, str):  # NOTE: the former signature binary_cross_entropy(probs, targets, reduction)
        weight, reduction = None, weight
    _check_reduction("binary_cross_entropy", reduction)
    p, t = as_tensor(probs), as_tensor(targets)
    _same_shape("binary_cross_entropy", p, t)
    weight = _elementwise_weight("binary_cross_entropy", weight, p)
    if p.size and not ((p.data >= 0).all() and (p.data <= 1).all()):
        raise ValueError(
            f"binary_cross_entropy: input must hold probabilities in [0, 1], got values in "
            f"[{np.nanmin(p.data):.4g}, {np.nanmax(p.data):.4g}]; for unnormalized scores use "
            "binary_cross_entropy_with_logits"
        )
    loss = -(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _softplus(x: Tensor) -> Tensor:
    """log(1 + e**x) as the logsumexp of (0, x): finite for any x and smooth (see the BCE docstring)."""
    return AF.logsumexp(AF.stack([AF.zeros_like(x), x], axis=-1), axis=-1)


def binary_cross_entropy_with_logits(logits, targets, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """binary_cross_entropy(sigmoid(x), t) computed stably: softplus(x) - x * t, softplus(x) = log(1 + e**x).

    With ``pos_weight`` (pw, broadcasting along the last axis, one per class) the positive term is weighted:
    loss = pw * t * softplus(-x) + (1 - t) * softplus(x) = (1 - t) x + (1 + (pw - 1) t) softplus(-x);
    with ``weight`` the loss is multiplied by it (as PyTorch).

    softplus is the logsumexp of (0, x), whose primitive subtracts the max, so the loss is finite for any x
    (even |x| = 1e4), and it is smooth: the first derivative is sigmoid(x) - t and the second sigmoid'(x)
    everywhere, x = 0 included (a max(x, 0) + log(1 + exp(-|x|)) form has kinks there that give a zero
    second derivative at 0).

    Args:
        logits: unnormalized scores x, any shape.
        targets: t of the same shape, in [0, 1].
        weight: optional rescaling weight broadcasting to the input's shape.
        reduction: 'mean' (default), 'sum' or 'none'. (A reduction string in the third position is accepted,
            the former signature.)
        pos_weight: optional weight of the positive examples, broadcasting to the input's shape.
    """
    if isinstance(weight, str):  # NOTE: the former signature (logits, targets, reduction)
        weight, reduction = None, weight
    name = "binary_cross_entropy_with_logits"
    _check_reduction(name, reduction)
    x, t = as_tensor(logits), as_tensor(targets)
    _same_shape(name, x, t)
    weight = _elementwise_weight(name, weight, x)
    if pos_weight is None:
        loss = _softplus(x) - x * t
    else:
        pos_weight = _elementwise_weight(name, pos_weight, x, "pos_weight")
        loss = (1 - t) * x + (1 + (pos_weight - 1) * t) * _softplus(-x)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error |input - target| (PyTorch's ``l1_loss``); the derivative at 0 is 0 (sign(0))."""
    _check_reduction("l1_loss", reduction)
    input, target = as_tensor(input), as_tensor(target)
    _same_shape("l1_loss", input, target)
    return _reduce(AF.abs(input - target), reduction)


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1 (PyTorch's ``smooth_l1_loss``), d = input - target:
    0.5 d**2 / beta where |d| < beta, else |d| - 0.5 beta; beta = 0 is the L1 loss."""
    _check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    input, target = as_tensor(input), as_tensor(target)
    _same_shape("smooth_l1_loss", input, target)
    d = input - target
    a = AF.abs(d)
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(AF.where(a.data < beta, d * d * (0.5 / beta), a - 0.5 * beta), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss (PyTorch's ``huber_loss``), d = input - target:
    0.5 d**2 where |d| < delta, else delta (|d| - 0.5 delta); equals delta * smooth_l1_loss(beta=delta)."""
    _check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    input, target = as_tensor(input), as_tensor(target)
    _same_shape("huber_loss", input, target)
    d = input - target
    a = AF.abs(d)
    return _reduce(AF.where(a.data < delta, d * d * 0.5, (a - 0.5 * delta) * delta), reduction)


def _xlogy_self(t: Tensor) -> Tensor:
    """t * log(t), 0 where t == 0 (PyTorch's xlogy(t, t)).

    NOTE: at t == 0 the gradient of this term is 0 here (PyTorch: nan, from 0 / 0; the one-sided derivative is
    -inf); gradients with respect to the input are unaffected."""
    positive = t.data > 0
    return AF.where(positive, t * AF.log(AF.where(positive, t, 1.0)), 0.0)


def kl_div(input, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence, PyTorch's ``kl_div``: input holds log-probabilities,
    pointwise t * (log t - input) (0 where t == 0), or exp(t) * (t - input) with ``log_target=True``.

    Args:
        input: log-probabilities, any shape.  target: probabilities (or log-probabilities) of the same shape.
        reduction: 'mean' (default: the mean over every element, as PyTorch, which warns that it is not the
            KL divergence), 'batchmean' (sum / input.shape[0], the true KL per example), 'sum' or 'none'.
    """
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: reduction must be one of {_REDUCTIONS + ('batchmean',)}, got {reduction!r}")
    input, target = as_tensor(input), as_tensor(target)
    _same_shape("kl_div", input, target)
    if log_target:
        loss = AF.exp(target) * (target - input)
    else:
        loss = _xlogy_self(target) - target * input
    if reduction == "batchmean":
        if input.ndim == 0:
            return AF.sum(loss)
        return AF.sum(loss) * (1.0 / input.shape[0] if input.shape[0] else np.nan)
    return _reduce(loss, reduction)
