"""Embedding lookup (PyTorch files it under "sparse functions")."""
from __future__ import annotations

from typing import Optional

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError
from autograd_mini.functional import as_tensor
from autograd_mini.tensor import Tensor


def embedding(input, weight, padding_idx: Optional[int] = None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by integer indices: y[..., :] = weight[input[...], :].

    The gradient of the lookup is a scatter-add into the rows of ``weight`` (an index used k times receives
    the sum of its k gradients): ``weight[idx]`` is ops.GetItem, whose backward is ops.IndexAdd.
    With ``padding_idx`` the rows looked up at that index still appear in the output but pass no gradient
    to ``weight[padding_idx]``.

    Args:
        input: integer tensor or array of any shape (*), values in [0, num_embeddings).
        weight: tensor (num_embeddings, embedding_dim).
        padding_idx: optional index (negative counts from the end) whose row gets no gradient.
        max_norm, norm_type, scale_grad_by_freq, sparse: PyTorch's options; only their defaults are supported.

    Returns:
        Tensor of shape (*, embedding_dim).

    Raises:
        TypeError: for non-integer indices.  IndexError: for indices out of range.
        NotImplementedError: for max_norm, scale_grad_by_freq or sparse.
    """
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not supported")
    w = as_tensor(weight)
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    if w.ndim != 2:
        raise ShapeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got {w.shape}")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype} (use .astype(np.int64))")
    num = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError(
            f"embedding: indices must be in [0, {num}) for a weight of {num} rows, got values in "
            f"[{idx.min()}, {idx.max()}]"
        )
    rows = AF.getitem(w, idx)
    if padding_idx is not None and w.requires_grad:
        p = _padding_index(padding_idx, num)
        pad = idx == p
        if pad.any():
            # NOTE: the same values either way; the detached branch carries no gradient to weight[padding_idx]
            rows = AF.where(~pad[..., None], rows, rows.detach())
    return rows


def _padding_index(padding_idx: int, num: int) -> int:
    if not -num <= padding_idx < num:
        raise ValueError(f"padding_idx must be in [-{num}, {num}) for {num} embeddings, got {padding_idx}")
    return int(padding_idx) % num
