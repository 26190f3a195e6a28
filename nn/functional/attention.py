"""Attention: scaled_dot_product_attention and the multi-head attention used by nn.MultiheadAttention.

softmax(q @ k^T * scale + mask) @ v, composed of matmul, where and softmax, so its gradient (of any order)
follows from theirs. Masked positions get zero attention weight and pass no gradient.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError
from autograd_mini.functional import as_tensor
from autograd_mini.tensor import Tensor

from .dropout import dropout


def _mask_array(mask, what: str) -> np.ndarray:
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype.kind not in "bf":
        raise TypeError(f"{what}: expected a bool or float mask, got dtype {m.dtype}")
    return m


def _masked_softmax(scores: Tensor, allowed: Optional[np.ndarray], additive: Optional[np.ndarray],
                    empty_rows_zero: bool, axis: int = -1) -> Tensor:
    """softmax over ``axis`` of scores + additive, with positions where ``allowed`` is False excluded.

    A row with no allowed (finite) position gives zeros if ``empty_rows_zero`` (scaled_dot_product_attention),
    else NaN (the explicit softmax of MultiheadAttention with need_weights=True), as PyTorch.
    """
    if additive is not None:
        scores = scores + additive.astype(scores.dtype, copy=False)
    if allowed is not None:
        scores = AF.where(allowed, scores, -np.inf)
    if empty_rows_zero and (allowed is not None or additive is not None):
        empty = np.isneginf(scores.data).all(axis=axis, keepdims=True)
        if empty.any():
            # NOTE: such a row attends to nothing: its scores are replaced by zeros (a finite softmax) and its
            # weights multiplied by 0, so it gives zeros and passes no gradient (instead of nan)
            return AF.softmax(AF.where(empty, 0.0, scores), axis=axis) * (~empty).astype(scores.dtype)
    return AF.softmax(scores, axis=axis)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: Optional[float] = None) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, over the last two axes; leading axes broadcast.

    As PyTorch's ``scaled_dot_product_attention``: a **bool** ``attn_mask`` marks with True the positions that
    *take part* in attention (False: excluded); a **float** mask is added to the scores (use -inf to exclude).
    ``is_causal=True`` lets position i attend to positions j <= i only (the top-left causal mask; it cannot be
    combined with attn_mask). A query row with every position excluded gives zeros. Dropout with probability
    ``dropout_p`` is applied to the attention weights (always: there is no training flag; pass 0 in eval).

    Args:
        query: (..., L, E).  key: (..., S, E).  value: (..., S, Ev).
        attn_mask: optional bool or float, broadcastable to (..., L, S).
        dropout_p: dropout probability on the attention weights (default 0).
        is_causal: apply a causal mask.
        scale: factor on the scores (default 1 / sqrt(E)).

    Returns:
        Tensor (..., L, Ev).

    Raises:
        ShapeError: for mismatched feature or sequence sizes.  ValueError: for attn_mask with is_causal.
    """
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"scaled_dot_product_attention: expected query (..., L, E), key (..., S, E), value (..., S, Ev), "
            f"got {q.shape}, {k.shape}, {v.shape}"
        )
    L, S = q.shape[-2], k.shape[-2]
    allowed = additive = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both")
        allowed = np.tril(np.ones((L, S), dtype=bool))
    elif attn_mask is not None:
        m = _mask_array(attn_mask, "scaled_dot_product_attention")
        if m.ndim < 2 or m.shape[-2:] not in ((L, S), (1, S), (L, 1), (1, 1)):
            raise ShapeError(
                f"scaled_dot_product_attention: attn_mask of shape {m.shape} does not broadcast to (..., {L}, {S})"
            )
        if m.dtype == np.bool_:
            allowed = m
        else:
            additive = m
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = AF.matmul(q * scale, AF.swapaxes(k, -1, -2))
    attn = _masked_softmax(scores, allowed, additive, empty_rows_zero=True)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return AF.matmul(attn, v)


def _merge_masks(attn_mask, key_padding_mask, n: int, num_heads: int, L: int, S: int):
    """MultiheadAttention's masks as (allowed bool or None, additive float or None), broadcastable to
    (N, heads, L, S). Bool masks mark with True the positions that are NOT allowed (PyTorch's MHA convention)."""
    allowed = additive = None

    def add(m, shape):
        nonlocal allowed, additive
        m = m.reshape(shape)
        if m.dtype == np.bool_:
            allowed = ~m if allowed is None else allowed & ~m
        else:
            additive = m if additive is None else additive + m

    if attn_mask is not None:
        m = _mask_array(attn_mask, "MultiheadAttention attn_mask")
        if m.shape == (L, S):
            add(m, (1, 1, L, S))
        elif m.shape == (n * num_heads, L, S):
            add(m, (n, num_heads, L, S))
        else:
            raise ShapeError(
                f"MultiheadAttention: attn_mask must have shape ({L}, {S}) or ({n * num_heads}, {L}, {S}) "
                f"(batch * num_heads, L, S), got {m.shape}"
            )
    if key_padding_mask is not None:
        m = _mask_array(key_padding_mask, "MultiheadAttention key_padding_mask")
        if m.shape != (n, S):
            raise ShapeError(f"MultiheadAttention: key_padding_mask must have shape (N, S) = ({n}, {S}), got {m.shape}")
        add(m, (n, 1, 1, S))
    return allowed, additive


def multi_head_attention(query: Tensor, key: Tensor, value: Tensor, num_heads: int, in_proj_weight, in_proj_bias,
                         out_proj_weight, out_proj_bias, dropout_p: float = 0.0, training: bool = True,
                         key_padding_mask=None, attn_mask=None, need_weights: bool = True,
                         average_attn_weights: bool = True, is_causal: bool = False):
    """Batch-first multi-head attention: query (N, L, E), key and value (N, S, E) -> ((N, L, E), weights).

    Q = query @ W_q^T + b_q (likewise K, V, with W_q, W_k, W_v the three row blocks of in_proj_weight),
    split into heads of size E / num_heads; per head softmax(Q K^T / sqrt(d) + masks) V; heads joined and
    projected by out_proj. Self-attention (query is key is value) takes one fused matmul for Q, K and V.
    Weights: (N, L, S) averaged over heads, or (N, heads, L, S); None unless need_weights.
    """
    n, L, E = query.shape
    S = key.shape[1]
    h = num_heads
    d = E // h
    # NOTE: projections on 2-D (N * L, E) views: one BLAS gemm each (numpy's matmul of a 3-D input by a 2-D
    # weight is ~2x slower). Heads are split by reshape and transpose (views).
    q2 = AF.reshape(query, (n * L, E))
    if query is key and key is value:
        qkv = AF.reshape(AF.linear(q2, in_proj_weight, in_proj_bias), (n, L, 3, h, d))
        q, k, v = (AF.transpose(qkv[:, :, i], 0, 2, 1, 3) for i in range(3))
    else:
        b = [None] * 3 if in_proj_bias is None else [in_proj_bias[:E], in_proj_bias[E:2 * E], in_proj_bias[2 * E:]]
        w = [in_proj_weight[:E], in_proj_weight[E:2 * E], in_proj_weight[2 * E:]]
        k2 = AF.reshape(key, (n * S, E))
        if key is value:
            wkv = in_proj_weight[E:]
            bkv = None if in_proj_bias is None else in_proj_bias[E:]
            kv = AF.reshape(AF.linear(k2, wkv, bkv), (n, S, 2, h, d))
            k, v = AF.transpose(kv[:, :, 0], 0, 2, 1, 3), AF.transpose(kv[:, :, 1], 0, 2, 1, 3)
        else:
            v2 = AF.reshape(value, (n * S, E))
            k = AF.transpose(AF.reshape(AF.linear(k2, w[1], b[1]), (n, S, h, d)), 0, 2, 1, 3)
            v = AF.transpose(AF.reshape(AF.linear(v2, w[2], b[2]), (n, S, h, d)), 0, 2, 1, 3)
        q = AF.transpose(AF.reshape(AF.linear(q2, w[0], b[0]), (n, L, h, d)), 0, 2, 1, 3)
    if is_causal and attn_mask is None:
        attn_mask = ~np.tril(np.ones((L, S), dtype=bool))
    allowed, additive = _merge_masks(attn_mask, key_padding_mask, n, h, L, S)
    # NOTE: the scores are computed transposed, (N, h, S, L) = K (Q * scale)^T, and normalized over axis -2:
    # numpy's max over a short last axis (the softmax's shift) is ~5x slower than over the axis before it
    # (measured: 1.0 ms vs 0.19 ms on (32, 4, 32, 32) float32). The weights are the transposed view.
    scores_t = AF.matmul(k, AF.swapaxes(q * (1.0 / math.sqrt(d)), -1, -2))
    attn_t = _masked_softmax(scores_t, None if allowed is None else np.swapaxes(allowed, -1, -2),
                             None if additive is None else np.swapaxes(additive, -1, -2),
                             empty_rows_zero=not need_weights, axis=-2)
    if dropout_p > 0.0 and training:
        attn_t = dropout(attn_t, dropout_p, True)
    attn = AF.swapaxes(attn_t, -1, -2)  # (N, h, L, S)
    out = AF.matmul(attn, v)  # (N, h, L, d)
    out = AF.reshape(AF.transpose(out, 0, 2, 1, 3), (n * L, E))
    out = AF.reshape(AF.linear(out, out_proj_weight, out_proj_bias), (n, L, E))
    if not need_weights:
        return out, None
    return out, (AF.mean(attn, axis=1) if average_attn_weights else attn)
