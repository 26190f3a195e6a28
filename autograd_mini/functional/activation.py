"""Activation functions: nonlinearities applied elementwise or along an axis (softmax, softmin, normalize).

All but tanh, sigmoid, relu and softmax are composed from other functions, so their derivatives (of every
order) follow from their parts. Where PyTorch defines a value of the derivative at a kink (relu6'(6) = 0,
hardswish'(-3) = -0.5, elu'(0) = alpha, ...) the composition is written so that it gives the same value.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..tensor import Tensor, _make
from ._args import _float, _torch_dims, as_tensor
from .elementwise import abs, add, clip, div, erfc, exp, expm1, log1p, mul, neg, pow, where
from .reduction import logsumexp, max as _max, sum as _sum

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def tanh(x) -> Tensor:
    """Hyperbolic tangent."""
    return ops.Tanh.apply(_float(x))


def sigmoid(x) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    return ops.Sigmoid.apply(_float(x))


def relu(x) -> Tensor:
    """max(x, 0); the derivative at 0 is 0."""
    return ops.Relu.apply(as_tensor(x))


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0 else negative_slope * x; the derivative at 0 is negative_slope (as PyTorch)."""
    x = as_tensor(x)
    return where(x._data > 0, x, x * negative_slope)


def _softmax_axis(op: str, x: Tensor, axis, dim):
    if dim is not None:
        axis, _ = _torch_dims(op, axis, None, dim, None)
    if axis is None:
        axis = -1
    nd = x._data.ndim
    if not -max(nd, 1) <= axis < max(nd, 1):
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor with {nd} dimensions")
    return axis


def log_softmax(x, axis: Optional[int] = None, *, dim=None) -> Tensor:
    """log_softmax(x) = z - logsumexp(z) with z = x - max(x) along ``axis`` (or PyTorch's ``dim``), as PyTorch.

    NOTE: the max is a constant here (log_softmax does not change when x is shifted, so the gradient is exact).
    Shifting first keeps float32 precise at large logits: x - logsumexp(x) near 1e4 has logsumexp's ulp, 1e-3.
    """
    x = _float(x)
    axis = _softmax_axis("log_softmax", x, axis, dim)
    if x._data.ndim == 0:
        x, axis = x.reshape(1), 0
        return log_softmax(x, axis).reshape(())
    m = np.max(x._data, axis=axis, keepdims=True)
    m[~np.isfinite(m)] = 0  # NOTE: a row of -inf (or one holding +inf) keeps its values, as logsumexp gives them
    z = x - _make(m)
    return z - logsumexp(z, axis=axis, keepdims=True)


def softmax(x, axis: Optional[int] = None, *, dim=None) -> Tensor:
    """exp(x - max(x)) / sum(exp(x - max(x))) along ``axis`` (or PyTorch's ``dim``), as PyTorch computes it:
    finite for logits of any size, and each row sums to 1 to the dtype's precision."""
    x = _float(x)
    axis = _softmax_axis("softmax", x, axis, dim)
    if x._data.ndim == 0:
        return ops.Softmax.apply(x.reshape(1), axis=0).reshape(())
    return ops.Softmax.apply(x, axis=axis)


def softmin(x, axis: Optional[int] = None, *, dim=None) -> Tensor:
    """softmax(-x) along ``axis`` (or ``dim``; the last axis if neither is given)."""
    return softmax(neg(_float(x)), axis, dim=dim)


def gelu(x, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x * Phi(x), Phi the standard normal CDF, as PyTorch.

    Args:
        approximate: ``'none'``: x/2 * erfc(-x / sqrt(2)) (the exact CDF; erfc keeps the tiny values at very
            negative x); ``'tanh'``: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3))).
    """
    x = _float(x)
    if approximate == "none":
        return mul(x * 0.5, erfc(x * -_SQRT_HALF))
    if approximate == "tanh":
        inner = mul(add(x, x * x * x * 0.044715), _SQRT_2_OVER_PI)
        return mul(x * 0.5, add(tanh(inner), 1.0))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    x = _float(x)
    return x * sigmoid(x)


def softplus(x, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (as PyTorch)."""
    x = _float(x)
    bx = x * beta if beta != 1 else x
    big = bx._data > threshold
    # NOTE: clipped, so the branch where() discards neither overflows nor sends nan back through exp.
    soft = log1p(exp(clip(bx, max=threshold)))
    if beta != 1:
        soft = soft / beta
    return where(big, x, soft) if big.any() else soft


def elu(x, alpha: float = 1.0) -> Tensor:
    """x where x > 0 else alpha * (exp(x) - 1); the derivative at 0 is alpha (as PyTorch)."""
    x = _float(x)
    return where(x._data > 0, x, expm1(clip(x, max=0.0)) * alpha)


def selu(x) -> Tensor:
    """scale * elu(x, alpha) with PyTorch's constants alpha = 1.6732632423543772, scale = 1.0507009873554805."""
    return elu(x, _SELU_ALPHA) * _SELU_SCALE


def celu(x, alpha: float = 1.0) -> Tensor:
    """x where x > 0 else alpha * (exp(x / alpha) - 1); the derivative at 0 is 1 (as PyTorch)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    x = _float(x)
    return where(x._data > 0, x, expm1(clip(x, max=0.0) / alpha) * alpha)


def mish(x) -> Tensor:
    """x * tanh(softplus(x))."""
    x = _float(x)
    return x * tanh(softplus(x))


def hardtanh(x, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clamped to [min_val, max_val]; the derivative is 1 strictly inside and 0 at the bounds (as PyTorch)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
    x = _float(x)
    d = x._data
    inside = (d > min_val) & (d < max_val)
    return where(inside, x, _make(np.clip(d, min_val, max_val)))


def relu6(x) -> Tensor:
    """min(max(x, 0), 6); the derivative is 0 at 0 and at 6 (as PyTorch)."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x) -> Tensor:
    """0 below -3, 1 above 3, x / 6 + 1/2 between; the derivative is 0 at +-3 (as PyTorch)."""
    x = _float(x)
    d = x._data
    inside = (d > -3) & (d < 3)
    return where(inside, x / 6.0 + 0.5, _make((d >= 3).astype(d.dtype)))


def hardswish(x) -> Tensor:
    """x * relu6(x + 3) / 6; the derivative is x/3 + 1/2 strictly between -3 and 3, 0 at -3 and 1 at 3 (as
    PyTorch 2)."""
    x = _float(x)
    d = x._data
    middle = x * (x + 3.0) / 6.0
    return where(d <= -3, _make(np.zeros((), d.dtype)), where(d < 3, middle, x))


def logsigmoid(x) -> Tensor:
    """log(sigmoid(x)) = -log1p(exp(-x)), finite and accurate for large |x|."""
    return neg(_log1p_exp(neg(_float(x))))


def _log1p_exp(z: Tensor) -> Tensor:
    """log(1 + exp(z)) for any z: z + log1p(exp(-z)) where z > 0, else log1p(exp(z)).

    NOTE: two branches, not max(z, 0) + log1p(exp(-|z|)), whose second derivative is 0 at z = 0 (abs's kink);
    each exponent is clipped at 0 so that the branch where() discards neither overflows nor sends nan back.
    """
    pos = z._data > 0
    return where(pos, z + log1p(exp(clip(neg(z), max=0.0))), log1p(exp(clip(z, max=0.0))))


def softsign(x) -> Tensor:
    """x / (1 + |x|)."""
    x = _float(x)
    return x / (abs(x) + 1.0)


def normalize(x, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along ``dim`` (PyTorch's F.normalize); a zero vector stays zero with a finite
    gradient. ``p`` may be any positive number or ``math.inf``."""
    x = _float(x)
    if not p > 0:
        raise ValueError(f"normalize: p must be positive (or math.inf), got {p}")
    nd = x._data.ndim
    if not -max(nd, 1) <= dim < max(nd, 1):
        raise ValueError(f"normalize: dim {dim} is out of range for a tensor with {nd} dimensions")
    if nd == 0:
        return x / clip(abs(x), min=eps)
    if p == math.inf:
        norm = _max(abs(x), dim, True)
    else:
        s = _sum(x * x if p == 2 else pow(abs(x), p), dim, True)
        pos = s._data > 0
        # NOTE: the p-th root has an infinite slope at 0: take it of 1 where s == 0, so that no 0 * inf = nan
        # comes back from the masked branch.
        root = pow(where(pos, s, 1.0), 1.0 / p)
        norm = where(pos, root, 0.0) if not pos.all() else root
    return div(x, clip(norm, min=eps))


from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
