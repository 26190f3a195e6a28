"""Multi-head attention with PyTorch's parameter layout."""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError
from autograd_mini.tensor import get_default_dtype

from .. import init
from ..functional.attention import multi_head_attention
from ..module import Module, Parameter
from ._dtype import check_input_dtype
from .linear import Linear


class MultiheadAttention(Module):
    """Multi-head attention (PyTorch's nn.MultiheadAttention):

        head_i = softmax(Q_i K_i^T / sqrt(d) + masks) V_i,  d = embed_dim / num_heads
        out = concat(head_1, ..., head_h) W_o^T + b_o
        with Q = query W_q^T + b_q, K = key W_k^T + b_k, V = value W_v^T + b_v

    Parameters as PyTorch: ``in_proj_weight`` (3 * embed_dim, embed_dim) holding [W_q; W_k; W_v],
    ``in_proj_bias`` (3 * embed_dim,), and ``out_proj`` a Linear(embed_dim, embed_dim) (``out_proj.weight``,
    ``out_proj.bias``). Initialization as PyTorch: in_proj_weight xavier-uniform, in_proj_bias and out_proj.bias
    zero, out_proj.weight as a Linear.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights)``:
    query (L, N, E), key and value (S, N, E) ((N, L, E) and (N, S, E) with batch_first); unbatched (L, E) too.
    output has query's shape. weights: (N, L, S) averaged over heads (average_attn_weights) or
    (N, num_heads, L, S), None if need_weights is False.

    Masks (PyTorch's MultiheadAttention convention): a **bool** mask marks with True the positions that may
    NOT be attended; a **float** mask is added to the scores. ``key_padding_mask`` (N, S) hides padded keys;
    ``attn_mask`` is (L, S) or (N * num_heads, L, S). ``is_causal=True`` without attn_mask applies a causal
    mask. A query whose every key is hidden gets NaN weights with need_weights=True and zeros without (as
    PyTorch, whose need_weights=False path is scaled_dot_product_attention).

    Args:
        embed_dim: E (divisible by num_heads).
        num_heads: number of heads.
        dropout: dropout probability on the attention weights in training (default 0).
        bias: learn in_proj_bias and out_proj.bias (default True).
        add_bias_kv, add_zero_attn, kdim, vdim: PyTorch's options, in PyTorch's argument order; only their
            defaults are supported (NotImplementedError otherwise).
        batch_first: (N, L, E) instead of (L, N, E) (default False, as PyTorch).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, dtype=None):
        super().__init__()
        if add_bias_kv or add_zero_attn or (kdim not in (None, embed_dim)) or (vdim not in (None, embed_dim)):
            raise NotImplementedError(
                "MultiheadAttention: add_bias_kv, add_zero_attn and kdim/vdim other than embed_dim are not "
                "supported; project keys and values to embed_dim first"
            )
        if num_heads < 1 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim, self.num_heads, self.dropout = int(embed_dim), int(num_heads), float(dropout)
        self.head_dim = self.embed_dim // self.num_heads
        self.batch_first = batch_first
        dtype = dtype or get_default_dtype()
        E = self.embed_dim
        self.in_proj_weight = Parameter(np.empty((3 * E, E), dtype=dtype))
        self.register_parameter("in_proj_bias", Parameter(np.empty(3 * E, dtype=dtype)) if bias else None)
        self.out_proj = Linear(E, E, bias=bias, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self, rng=None) -> None:
        """in_proj_weight ~ xavier_uniform (fans of the (3E, E) matrix), biases 0, out_proj.weight as a Linear."""
        init.xavier_uniform_(self.in_proj_weight, rng=rng)
        if self.in_proj_bias is not None:
            self.in_proj_bias.data[...] = 0
        self.out_proj.reset_parameters(rng=rng)
        if self.out_proj.bias is not None:
            self.out_proj.bias.data[...] = 0

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True, attn_mask=None,
                average_attn_weights: bool = True, is_causal: bool = False):
        dt = self.in_proj_weight._data.dtype
        for t, what in ((query, "query"), (key, "key"), (value, "value")):
            check_input_dtype(self, t, dt, what, what)
        same_kv, same_qk = key is value, query is key
        q = AF.as_tensor(query)
        k = q if same_qk else AF.as_tensor(key)
        v = k if same_kv else AF.as_tensor(value)
        E = self.embed_dim
        if q.ndim not in (2, 3) or k.ndim != q.ndim or v.ndim != q.ndim or q.shape[-1] != E or k.shape[-1] != E \
                or v.shape[-1] != E or k.shape[:-1] != v.shape[:-1]:
            raise ShapeError(
                f"MultiheadAttention(embed_dim={E}): expected query, key, value of shapes (L, N, E), (S, N, E), "
                f"(S, N, E) ((N, L, E), ... with batch_first; or unbatched (L, E), (S, E), (S, E)), "
                f"got {q.shape}, {k.shape}, {v.shape}"
            )
        batched = q.ndim == 3
        if batched and q.shape[:-1][1 - int(self.batch_first)] != k.shape[:-1][1 - int(self.batch_first)]:
            raise ShapeError(f"MultiheadAttention: query {q.shape} and key {k.shape} have different batch sizes")

        def to_batch_first(t):
            if not batched:
                return AF.expand_dims(t, 0)
            return t if self.batch_first else AF.swapaxes(t, 0, 1)

        qb = to_batch_first(q)
        kb = qb if same_qk else to_batch_first(k)
        vb = kb if same_kv else to_batch_first(v)
        if not batched and key_padding_mask is not None:
            key_padding_mask = np.asarray(getattr(key_padding_mask, "data", key_padding_mask))[None]
        out, weights = multi_head_attention(
            qb, kb, vb, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
            self.out_proj.bias, self.dropout, self.training, key_padding_mask=key_padding_mask, attn_mask=attn_mask,
            need_weights=need_weights, average_attn_weights=average_attn_weights, is_causal=is_causal,
        )
        if not batched:
            out = AF.squeeze(out, 0)
            weights = None if weights is None else AF.squeeze(weights, 0)
        elif not self.batch_first:
            out = AF.swapaxes(out, 0, 1)
        return out, weights

    def extra_repr(self) -> str:
        s = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.batch_first:
            s += ", batch_first=True"
        return s

