"""Transformer encoder: TransformerEncoderLayer and TransformerEncoder, with PyTorch's submodule names."""
from __future__ import annotations

import copy
from typing import Callable, Optional, Union

import autograd_mini.functional as AF

from ..module import Module, ModuleList
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .norm import LayerNorm


def _activation(activation) -> Callable:
    if callable(activation):
        return activation
    if activation == "relu":
        return AF.relu
    if activation == "gelu":
        return AF.gelu
    raise ValueError(f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, got {activation!r}")


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and LayerNorm (PyTorch's
    nn.TransformerEncoderLayer):

        post-norm (default):  x = norm1(x + sa(x));        x = norm2(x + ff(x))
        norm_first=True:      x = x + sa(norm1(x));        x = x + ff(norm2(x))
        sa(x) = dropout1(self_attn(x, x, x, masks)),  ff(x) = dropout2(linear2(dropout(act(linear1(x)))))

    Submodules (so the state_dict keys are PyTorch's): self_attn, linear1, dropout, linear2, norm1, norm2,
    dropout1, dropout2.

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``: src (S, N, E), or (N, S, E)
    with batch_first, or unbatched (S, E); masks as in MultiheadAttention (bool True = not attended).

    Args:
        d_model: E.  nhead: attention heads.
        dim_feedforward: hidden size of the feed-forward block (default 2048, as PyTorch).
        dropout: dropout probability everywhere (default 0.1).
        activation: 'relu' (default), 'gelu', or a callable on Tensors.
        layer_norm_eps: eps of both LayerNorms (default 1e-5).
        batch_first: (N, S, E) layout (default False).  norm_first: pre-norm (default False).
        bias: learn the biases of the linear maps and LayerNorms (default True).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Union[str, Callable] = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, Module):
            self.activation = activation  # NOTE: registered as a submodule, as PyTorch does
        self.activation_fn = _activation(activation)

    def _sa_block(self, x, shape, attn_mask, key_padding_mask, is_causal):
        x = AF.reshape(x, shape)
        y = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(AF.reshape(y, (-1, shape[-1])))

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation_fn(self.linear1(x)))))

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        x = AF.as_tensor(src)
        shape = x.shape
        # NOTE: the position-wise parts (norms, feed-forward, residuals) run on a 2-D (N * S, E) view: one BLAS
        # gemm per linear map instead of numpy's slower batched matmul of a 3-D input
        x = AF.reshape(x, (-1, shape[-1]))
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), shape, src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, shape, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return AF.reshape(x, shape)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (deep copies, as PyTorch: they do not share
    parameters), optionally followed by ``norm``. Submodules: ``layers`` (a ModuleList: keys
    ``layers.0.self_attn.in_proj_weight``, ...) and ``norm``.

    ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``: the same arguments for every layer.

    Args:
        encoder_layer: a TransformerEncoderLayer (or any Module with that forward signature).
        num_layers: number of copies.
        norm: optional Module applied to the output (e.g. LayerNorm(d_model)).
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Optional[Module] = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"TransformerEncoder: num_layers must be >= 1, got {num_layers}")
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = int(num_layers)
        if norm is not None:
            self.norm = norm
        else:
            self.add_module("norm", None)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal: Optional[bool] = None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
