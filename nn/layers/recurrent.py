"""Sequence modules RNN, LSTM and GRU: stacked, optionally bidirectional recurrent layers with PyTorch's
parameter names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ...), layouts, initialization and return values."""
from __future__ import annotations

import math

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError
from autograd_mini.tensor import get_default_dtype

from .. import init
from ..functional.dropout import dropout as _dropout
from ..module import Module, Parameter
from ._dtype import check_input_dtype
from .rnn import gru_step

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class _RNNBase(Module):
    """Shared by RNN, LSTM and GRU: parameters, argument checks and the loop over layers and directions.

    Parameters of layer l in direction d (suffix "" forward, "_reverse" backward), in PyTorch's order:
    weight_ih_l{l}{suffix} (gates*hidden, in_l), weight_hh_l{l}{suffix} (gates*hidden, hidden),
    bias_ih_l{l}{suffix}, bias_hh_l{l}{suffix} (gates*hidden,), where in_0 = input_size and
    in_l = hidden_size * num_directions for l > 0. All drawn from U(-1/sqrt(hidden), 1/sqrt(hidden)).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, dtype=None):
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_layers, (int, np.integer)) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be an int >= 1, got {num_layers!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        if hidden_size < 1:
            raise ValueError(f"{name}: hidden_size must be >= 1, got {hidden_size}")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, float(dropout), bidirectional
        dtype = dtype or get_default_dtype()
        g = _GATES[mode] * self.hidden_size
        for layer in range(self.num_layers):
            n_in = self.input_size if layer == 0 else self.hidden_size * self._directions
            for suffix in self._suffixes:
                setattr(self, f"weight_ih_l{layer}{suffix}", Parameter(np.empty((g, n_in), dtype=dtype)))
                setattr(self, f"weight_hh_l{layer}{suffix}", Parameter(np.empty((g, self.hidden_size), dtype=dtype)))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", Parameter(np.empty(g, dtype=dtype)))
                    setattr(self, f"bias_hh_l{layer}{suffix}", Parameter(np.empty(g, dtype=dtype)))
        self.reset_parameters()

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def reset_parameters(self, rng=None) -> None:
        """Draw every parameter anew from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        k = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k, rng=rng)

    def _weights(self, layer: int, suffix: str):
        get = self.__dict__.get
        return (get(f"weight_ih_l{layer}{suffix}"), get(f"weight_hh_l{layer}{suffix}"),
                get(f"bias_ih_l{layer}{suffix}"), get(f"bias_hh_l{layer}{suffix}"))

    # ----- forward -----------------------------------------------------------------------------------------

    def _check_input(self, x):
        name = type(self).__name__
        check_input_dtype(self, x, self.weight_ih_l0._data.dtype)
        x = AF.as_tensor(x)
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(N, T, input_size)" if self.batch_first else "(T, N, input_size)"
            raise ShapeError(
                f"{name}: expected input {layout} or unbatched (T, input_size) with input_size = "
                f"{self.input_size}, got {x.shape}"
            )
        return x

    def _check_state(self, h, n: int, batched: bool, what: str):
        """An initial state as (num_layers * num_directions, N, hidden) (unbatched: without N); None -> zeros."""
        shape = (self.num_layers * self._directions, n, self.hidden_size)
        if h is None:
            return None
        check_input_dtype(self, h, self.weight_ih_l0._data.dtype, what, what)
        h = AF.as_tensor(h)
        want = shape if batched else (shape[0], shape[2])
        if h.shape != want:
            raise ShapeError(f"{type(self).__name__}: expected {what} of shape {want}, got {h.shape}")
        return h if batched else AF.reshape(h, shape)

    def _run(self, x, states):
        """Run every layer and direction. x: (N, T, in) or (T, N, in) per batch_first, batched; states: a list
        of initial-state tensors (num_layers * D, N, H) or None. Returns (output, [final states per kind])."""
        time_axis = 1 if self.batch_first else 0
        T = x.shape[time_axis]
        n = x.shape[1 - time_axis]
        if T == 0:
            raise ShapeError(f"{type(self).__name__}: the input sequence is empty (length 0)")
        dtype = self.weight_ih_l0._data.dtype
        H = self.hidden_size
        if self.mode == "LSTM":
            return self._run_lstm(x, states, n, dtype)
        # NOTE: the sequence is handled as a list of per-step tensors: each layer's outputs feed the next layer
        # directly, with no slicing of a stacked tensor (whose backward would cost a full-size scatter per step).
        # RNN runs feature-major: per step (features, N) columns, one matmul of [W_ih, W_hh, b] with [x_t; h; 1].
        # GRU runs on (N, features) rows (LSTM: _run_lstm, one node per layer and direction).
        cols = self.mode != "GRU"
        if cols:
            xt = AF.transpose(x, (1, 2, 0) if self.batch_first else (0, 2, 1))  # (T, in, N)
            xs = [xt[t] for t in range(T)]
            zero = AF.zeros((H, n), dtype=dtype)
        else:
            lead = (slice(None),) * time_axis
            xs = [x[lead + (t,)] for t in range(T)]
            zero = AF.zeros((n, H), dtype=dtype)
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            per_dir = []
            for d, suffix in enumerate(self._suffixes):
                k = layer * self._directions + d
                init_state = tuple(zero if s is None else (AF.transpose(s[k]) if cols else s[k]) for s in states)
                order = range(T) if d == 0 else range(T - 1, -1, -1)
                outs, last = self._direction(xs, order, init_state, self._weights(layer, suffix), n)
                per_dir.append(outs)
                for f, s in zip(finals, last):
                    f.append(s)
            if self._directions == 1:
                xs = per_dir[0]
            else:
                xs = [AF.concatenate([a, b], axis=0 if cols else -1) for a, b in zip(*per_dir)]
            if self.dropout and self.training and layer < self.num_layers - 1:
                xs = [_dropout(h, self.dropout, True) for h in xs]
        if not cols:
            return AF.stack(xs, axis=time_axis), [AF.stack(f, axis=0) for f in finals]
        output = AF.transpose(AF.stack(xs, axis=0), (2, 0, 1) if self.batch_first else (0, 2, 1))
        return output, [AF.transpose(AF.stack(f, axis=0), (0, 2, 1)) for f in finals]

    def _run_lstm(self, x, states, n: int, dtype):
        """LSTM: each layer and direction is one node over the whole (T, N, features) sequence
        (am.lstm_layer); bidirectional outputs are concatenated on the feature axis."""
        if self.batch_first:
            x = AF.swapaxes(x, 0, 1)
        zero = AF.zeros((n, self.hidden_size), dtype=dtype)
        finals = [[], []]
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(self._suffixes):
                k = layer * self._directions + d
                h0, c0 = (zero if s is None else s[k] for s in states)
                y, (h, c) = AF.lstm_layer(x, (h0, c0), *self._lstm_weights(layer, suffix), reverse=d == 1)
                outs.append(y)
                finals[0].append(h)
                finals[1].append(c)
            x = outs[0] if len(outs) == 1 else AF.concatenate(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        if self.batch_first:
            x = AF.swapaxes(x, 0, 1)
        return x, [AF.stack(f, axis=0) for f in finals]

    def _lstm_weights(self, layer: int, suffix: str):
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
        return (w_ih, w_hh) if b_ih is None else (w_ih, w_hh, b_ih, b_hh)

    def _direction(self, xs, order, state, weights, n: int):
        """Run one layer in one direction over the steps in ``order``; returns (outputs in time order, final
        state tuple). GRU steps take and give (N, features) rows, RNN steps (features, N) columns."""
        w_ih, w_hh, b_ih, b_hh = weights
        outs = [None] * len(xs)
        if self.mode == "GRU":
            (h,) = state
            for t in order:
                h = gru_step(AF.linear(xs[t], w_ih, b_ih), h, w_hh, b_hh)
                outs[t] = h
            return outs, (h,)
        # NOTE: [W_ih, W_hh, b_ih + b_hh] @ [x_t; h; 1]: one matmul per step for both products and the bias
        parts = [w_ih, w_hh]
        tail = []
        if b_ih is not None:
            parts.append(AF.reshape(b_ih + b_hh, (-1, 1)))
            tail = [AF.ones((1, n), dtype=w_ih._data.dtype)]
        w = AF.concatenate(parts, axis=1)
        (h,) = state
        act = AF.tanh if self.mode == "RNN_TANH" else AF.relu
        for t in order:
            h = act(AF.matmul(w, AF.concatenate([xs[t], h] + tail, axis=0)))
            outs[t] = h
        return outs, (h,)

    def _forward(self, x, hxs):
        x = self._check_input(x)
        batched = x.ndim == 3
        if not batched:
            x = AF.expand_dims(x, 0 if self.batch_first else 1)
        n = x.shape[0 if self.batch_first else 1]
        states = [self._check_state(h, n, batched, what) for h, what in hxs]
        output, finals = self._run(x, states)
        if not batched:
            output = AF.squeeze(output, 0 if self.batch_first else 1)
            finals = [AF.squeeze(f, 1) for f in finals]
        return output, finals

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


_DOC_ARGS = """
    Args:
        input_size: features per step of the input.
        hidden_size: features of the hidden state.
        num_layers: stacked layers; layer l > 0 reads the outputs of layer l - 1 (default 1).
        bias: learn bias_ih and bias_hh (default True).
        batch_first: input and output are (N, T, features) instead of (T, N, features) (default False; the
            states h_0, h_n, c_0, c_n are (num_layers * num_directions, N, hidden) either way).
        dropout: dropout probability on the outputs of every layer but the last, in training (default 0).
        bidirectional: add a layer running backwards in time; outputs are [forward, backward] concatenated
            (default False).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).

    Unbatched inputs (T, input_size) with states (num_layers * num_directions, hidden) work too.

    Raises:
        ShapeError: for an input or state of the wrong shape.  TypeError: for a floating input of another dtype.
"""


class RNN(_RNNBase):
    """Elman RNN over a sequence (PyTorch's nn.RNN): h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),
    act = tanh or relu.

    ``forward(input, h_0=None) -> (output, h_n)``: output (T, N, D * hidden) (the last layer's h_t for every
    t), h_n (num_layers * D, N, hidden) (every layer's final state), D = 2 if bidirectional else 1.
    """ + _DOC_ARGS + """        nonlinearity: 'tanh' (default) or 'relu'.
"""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, dtype)

    def forward(self, input, hx=None):
        output, (h_n,) = self._forward(input, [(hx, "h_0")])
        return output, h_n


class LSTM(_RNNBase):
    """Long short-term memory over a sequence (PyTorch's nn.LSTM; the equations of nn.LSTMCell, gate order
    i, f, g, o).

    ``forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n))``: output (T, N, D * hidden), h_n and c_n
    (num_layers * D, N, hidden), D = 2 if bidirectional else 1. (``proj_size`` is accepted in PyTorch's argument
    position, but only 0 is supported.)
    """ + _DOC_ARGS

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 dtype=None):
        if proj_size:
            raise NotImplementedError("LSTM: proj_size (projected hidden states) is not supported; use proj_size=0")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype)

    def forward(self, input, hx=None):
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError("LSTM.forward expects hx = (h_0, c_0) or None")
        output, (h_n, c_n) = self._forward(input, [(hx[0], "h_0"), (hx[1], "c_0")])
        return output, (h_n, c_n)


class GRU(_RNNBase):
    """Gated recurrent unit over a sequence (PyTorch's nn.GRU; the equations of nn.GRUCell, gates r, z, n).

    ``forward(input, h_0=None) -> (output, h_n)``: output (T, N, D * hidden), h_n (num_layers * D, N, hidden),
    D = 2 if bidirectional else 1.
    """ + _DOC_ARGS

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype)

    def forward(self, input, hx=None):
        output, (h_n,) = self._forward(input, [(hx, "h_0")])
        return output, h_n
