"""Recurrent cells: RNNCell and LSTMCell, with PyTorch's parameter names, shapes and equations."""
from __future__ import annotations

import math

import numpy as np

import autograd_mini.functional as AF
from autograd_mini.errors import ShapeError
from autograd_mini.tensor import get_default_dtype

from .. import init
from ..module import Module, Parameter
from ._dtype import check_input_dtype


class _CellBase(Module):
    """Shared parameters: weight_ih (gates*hidden, input), weight_hh (gates*hidden, hidden), bias_ih, bias_hh,
    all drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""

    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool, dtype):
        super().__init__()
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        g = self._gates * self.hidden_size
        dtype = dtype or get_default_dtype()
        self.weight_ih = Parameter(np.empty((g, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((g, self.hidden_size), dtype=dtype))
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, Parameter(np.empty(g, dtype=dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self, rng=None) -> None:
        """Draw every parameter anew from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        k = 1 / math.sqrt(self.hidden_size) if self.hidden_size else 0.0
        for p in self.parameters():
            init.uniform_(p, -k, k, rng=rng)

    def _input(self, x):
        check_input_dtype(self, x, self.weight_ih._data.dtype)
        x = AF.as_tensor(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{type(self).__name__}: expected input (N, {self.input_size}) or ({self.input_size},), got {x.shape}"
            )
        return x

    def _state(self, h, x, what: str):
        shape = x.shape[:-1] + (self.hidden_size,)
        if h is None:
            return AF.zeros(shape, dtype=x.dtype if x.dtype.kind == "f" else None)
        check_input_dtype(self, h, self.weight_ih._data.dtype, what, what)
        h = AF.as_tensor(h)
        if h.shape != shape:
            raise ShapeError(f"{type(self).__name__}: expected {what} of shape {shape} for input {x.shape}, got {h.shape}")
        return h

    def _gates_of(self, x, h):
        """x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh."""
        z = AF.matmul(x, self.weight_ih.T) + AF.matmul(h, self.weight_hh.T)
        if self.bias_ih is not None:
            z = z + (self.bias_ih + self.bias_hh)
        return z

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias_ih is None:
            s += ", bias=False"
        return s


class RNNCell(_CellBase):
    """Elman cell: h' = act(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh), act = tanh or relu.

    Shapes: x (N, input_size), h (N, hidden_size) -> h' (N, hidden_size); unbatched (input_size,) works too.

    Args:
        input_size, hidden_size: feature sizes.
        nonlinearity: 'tanh' (default) or 'relu'.
        bias: learn bias_ih and bias_hh (default True; keyword only).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).

    Raises:
        TypeError: (in forward) if a floating-point x or h has a dtype other than the parameters'.
    """

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh", *, bias: bool = True,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x, h=None):
        x = self._input(x)
        h = self._state(h, x, "h")
        z = self._gates_of(x, h)
        return AF.tanh(z) if self.nonlinearity == "tanh" else AF.relu(z)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + ", nonlinearity='relu'"


class LSTMCell(_CellBase):
    """Long short-term memory cell (PyTorch's equations, gate order i, f, g, o):

        i = sigmoid(z_i),  f = sigmoid(z_f),  g = tanh(z_g),  o = sigmoid(z_o)
        with [z_i, z_f, z_g, z_o] = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh
        c' = f * c + i * g,   h' = o * tanh(c')

    Shapes: x (N, input_size), h and c (N, hidden_size) -> (h', c'); unbatched inputs work too.
    ``forward(x)`` starts from h = c = 0.

    Args:
        input_size, hidden_size: feature sizes.
        bias: learn bias_ih and bias_hh (default True; keyword only).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).

    Raises:
        TypeError: (in forward) if a floating-point x, h or c has a dtype other than the parameters'.
    """

    _gates = 4

    def __init__(self, input_size: int, hidden_size: int, *, bias: bool = True, dtype=None):
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, x, hx=None):
        x = self._input(x)
        if hx is None:
            h = c = self._state(None, x, "h")
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTMCell.forward expects hx = (h, c) or None")
            h, c = self._state(hx[0], x, "h"), self._state(hx[1], x, "c")
        # NOTE: one node per step: ops.LSTMCell (both products, the biases, the gates and the state update; see
        # autograd_mini.ops.recurrent), a fused primitive for speed (benchmarks/bench_conv_lstm.py).
        return AF.lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class GRUCell(_CellBase):
    """Gated recurrent unit cell (PyTorch's equations, gate order r, z, n):

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
        h' = (1 - z) * n + z * h

    with weight_ih = [W_ir; W_iz; W_in] (3*hidden, input), weight_hh likewise (3*hidden, hidden).

    Shapes: x (N, input_size), h (N, hidden_size) -> h' (N, hidden_size); unbatched inputs work too.

    Args:
        input_size, hidden_size: feature sizes.
        bias: learn bias_ih and bias_hh (default True).
        dtype: parameter dtype (default: ``autograd_mini.get_default_dtype()``).

    Raises:
        TypeError: (in forward) if a floating-point x or h has a dtype other than the parameters'.
    """

    _gates = 3

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None):
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, x, h=None):
        x = self._input(x)
        h = self._state(h, x, "h")
        return gru_step(AF.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)


def gru_step(gi, h, weight_hh, bias_hh):
    """One GRU update from the input part gi = x W_ih^T + b_ih (N, 3H) and the state h (N, H)."""
    H = h.shape[-1]
    gh = AF.linear(h, weight_hh, bias_hh)
    lead = (slice(None),) * (gi.ndim - 1)
    rz = AF.sigmoid(gi[lead + (slice(0, 2 * H),)] + gh[lead + (slice(0, 2 * H),)])
    r, z = rz[lead + (slice(0, H),)], rz[lead + (slice(H, 2 * H),)]
    n = AF.tanh(gi[lead + (slice(2 * H, 3 * H),)] + r * gh[lead + (slice(2 * H, 3 * H),)])
    return n + z * (h - n)
