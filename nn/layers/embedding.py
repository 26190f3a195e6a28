"""Embedding: a lookup table of learned vectors."""
from __future__ import annotations

from typing import Optional

import numpy as np

from autograd_mini.tensor import Tensor, get_default_dtype

from .. import init
from ..functional.sparse import _padding_index, embedding
from ..module import Module, Parameter


class Embedding(Module):
    """y[..., :] = weight[indices[...], :] (PyTorch's Embedding): (*) integer indices -> (*, embedding_dim).

    The gradient of weight is a scatter-add of the output gradient into the rows that were looked up.
    Initialization as PyTorch: weight ~ N(0, 1), and the ``padding_idx`` row (if given) set to zero; that row
    then receives no gradient, so it stays as it is during training.

    Args:
        num_embeddings: number of rows (the vocabulary size).
        embedding_dim: size of each vector.
        padding_idx: optional index (negative counts from the end) whose row is zero and gets no gradient.
        max_norm, norm_type, scale_grad_by_freq, sparse: PyTorch's options, in PyTorch's argument order; only
            their defaults are supported (NotImplementedError otherwise).
        _weight, _freeze: an initial weight array (num_embeddings, embedding_dim), and whether it is frozen.
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).

    Raises:
        TypeError / IndexError: (in forward) for non-integer or out-of-range indices.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: Optional[int] = None, max_norm=None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False, _weight=None,
                 _freeze: bool = False, dtype=None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are not supported")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = None if padding_idx is None else _padding_index(padding_idx, self.num_embeddings)
        dtype = dtype or get_default_dtype()
        if _weight is None:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype=dtype))
            self.reset_parameters()
        else:
            w = np.array(_weight.data if isinstance(_weight, Tensor) else _weight)
            if w.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(
                    f"Embedding: _weight must have shape ({self.num_embeddings}, {self.embedding_dim}), got {w.shape}"
                )
            self.weight = Parameter(w, requires_grad=not _freeze)

    def reset_parameters(self, rng=None) -> None:
        """weight ~ N(0, 1), with the padding_idx row zero."""
        init.normal_(self.weight, rng=rng)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: Optional[int] = None) -> "Embedding":
        """An Embedding whose weight is a copy of the 2-D ``embeddings``; frozen (no gradient) by default."""
        w = np.array(embeddings.data if isinstance(embeddings, Tensor) else embeddings)
        if w.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained expects a 2-D array, got shape {w.shape}")
        return cls(w.shape[0], w.shape[1], padding_idx=padding_idx, _weight=w, _freeze=freeze)

    def forward(self, indices):
        return embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s if self.padding_idx is None else s + f", padding_idx={self.padding_idx}"
