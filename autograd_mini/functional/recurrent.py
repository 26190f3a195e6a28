"""Recurrent cells as functions of their inputs and weights (the layers in nn.layers.rnn call these).
"""
from __future__ import annotations

from ..errors import ShapeError
from ._args import as_tensor
from .linalg import linear


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None) -> tuple:
    """One step of an LSTM, as ``torch._VF.lstm_cell`` (PyTorch's equations and parameter layout):

        [z_i, z_f, z_g, z_o] = input @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o),   g = tanh(z_g)
        c' = f * c + i * g,   h' = o * tanh(c')

    Args:
        input: (N, input_size), or (input_size,) for one example.
        hx: the state (h, c), each (N, hidden_size) (or (hidden_size,)).
        w_ih: (4 * hidden_size, input_size);  w_hh: (4 * hidden_size, hidden_size), gate rows in the order
            i, f, g, o.
        b_ih, b_hh: (4 * hidden_size,) or None.

    Returns:
        (h', c'), two Tensors of h's shape, from one graph node ``ops.LSTMCell`` (the whole step fused; with
        only one of the biases: two ``ops.Linear``, an ``Add`` and ``ops.LSTMPointwise``).

    Raises:
        ShapeError: if the shapes do not fit together (the message names them).
    """
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"lstm_cell: hx must be the state (h, c), a pair of Tensors; got {type(hx).__name__}")
    x, h, c = as_tensor(input), as_tensor(hx[0]), as_tensor(hx[1])
    w_ih, w_hh = as_tensor(w_ih), as_tensor(w_hh)
    xs, ws, hs = x._data.shape, w_ih._data.shape, w_hh._data.shape
    H = hs[-1] if len(hs) == 2 else -1
    if (len(xs) not in (1, 2) or len(ws) != 2 or ws[1] != xs[-1] or hs != (4 * H, H) or ws[0] != 4 * H
            or h._data.shape != xs[:-1] + (H,) or c._data.shape != xs[:-1] + (H,)):
        raise ShapeError(
            f"lstm_cell: input {xs}, h {h.shape}, c {c.shape}, w_ih {ws}, w_hh {hs} do not fit: expected input "
            "(N, input_size) or (input_size,), h and c (N, hidden_size), w_ih (4 * hidden_size, input_size) and "
            "w_hh (4 * hidden_size, hidden_size)"
        )
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and as_tensor(b).shape != (4 * H,):
            raise ShapeError(f"lstm_cell: {name} of shape {as_tensor(b).shape}; expected ({4 * H},) (4 * hidden_size)")
    if (b_ih is None) != (b_hh is None):  # NOTE: the fused node takes both biases or none
        z = ops.Add.apply(linear(x, w_ih, b_ih), linear(h, w_hh, b_hh))
        return ops.LSTMPointwise.apply(z, c)
    if b_ih is None:
        return ops.LSTMCell.apply(x, h, c, w_ih, w_hh)
    return ops.LSTMCell.apply(x, h, c, w_ih, w_hh, as_tensor(b_ih), as_tensor(b_hh))


from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
