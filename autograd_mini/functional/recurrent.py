"""Recurrent cells as functions of their inputs and weights (the layers in nn.layers.rnn call these).
"""
from __future__ import annotations

from ..errors import ShapeError
from ..grad_mode import is_grad_enabled
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
    hc = xs[:-1] + (H,)
    if (len(xs) not in (1, 2) or len(ws) != 2 or ws[1] != xs[-1] or hs != (4 * H, H) or ws[0] != 4 * H
            or h._data.shape != hc or c._data.shape != hc):
        raise ShapeError(
            f"lstm_cell: input {xs}, h {h.shape}, c {c.shape}, w_ih {ws}, w_hh {hs} do not fit: expected input "
            "(N, input_size) or (input_size,), h and c (N, hidden_size), w_ih (4 * hidden_size, input_size) and "
            "w_hh (4 * hidden_size, hidden_size)"
        )
    b_ih = None if b_ih is None else as_tensor(b_ih)
    b_hh = None if b_hh is None else as_tensor(b_hh)
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and b._data.shape != (4 * H,):
            raise ShapeError(f"lstm_cell: {name} of shape {b.shape}; expected ({4 * H},) (4 * hidden_size)")
    if (b_ih is None) != (b_hh is None):  # NOTE: the fused node takes both biases or none
        z = ops.Add.apply(linear(x, w_ih, b_ih), linear(h, w_hh, b_hh))
        return ops.LSTMPointwise.apply(z, c)
    if b_ih is None:
        return ops.LSTMCell.apply(x, h, c, w_ih, w_hh)
    return ops.LSTMCell.apply(x, h, c, w_ih, w_hh, b_ih, b_hh)


def lstm_layer(input, hx, w_ih, w_hh, b_ih=None, b_hh=None, reverse: bool = False) -> tuple:
    """One LSTM layer in one direction over a whole sequence (one layer of nn.LSTM), PyTorch's equations and
    parameter layout: from (h, c) = hx, for t = 0 .. T-1 (``reverse``: T-1 .. 0)

        [z_i, z_f, z_g, z_o] = x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o),   g = tanh(z_g)
        c = f * c + i * g,   h = o * tanh(c),   output[t] = h

    Args:
        input: (T, N, input_size) (time first).
        hx: the initial state (h_0, c_0), each (N, hidden_size), or None for zeros.
        w_ih: (4 * hidden_size, input_size);  w_hh: (4 * hidden_size, hidden_size), gate rows i, f, g, o.
        b_ih, b_hh: (4 * hidden_size,) each, or both None.
        reverse: run from the last step to the first (the backward direction of a bidirectional LSTM);
            output[t] is still the h computed at step t.

    Returns:
        (output, (h_n, c_n)): output (T, N, hidden_size), h_n and c_n (N, hidden_size) the state after the last
        step run; one graph node ``ops.LSTMLayer`` for the whole sequence.

    Raises:
        ShapeError: if the shapes do not fit together (the message names them).
    """
    x, w_ih, w_hh = as_tensor(input), as_tensor(w_ih), as_tensor(w_hh)
    xs, ws, hs = x._data.shape, w_ih._data.shape, w_hh._data.shape
    H = hs[-1] if len(hs) == 2 else -1
    if hx is None:
        from .creation import zeros
        h = c = zeros((xs[1] if len(xs) == 3 else 0, max(H, 0)), dtype=x.dtype)
    elif isinstance(hx, (tuple, list)) and len(hx) == 2:
        h, c = as_tensor(hx[0]), as_tensor(hx[1])
    else:
        raise TypeError(f"lstm_layer: hx must be the state (h_0, c_0), a pair of Tensors, or None; got "
                        f"{type(hx).__name__}")
    n = xs[1] if len(xs) == 3 else -1
    if (len(xs) != 3 or len(ws) != 2 or ws != (4 * H, xs[2]) or hs != (4 * H, H) or H < 1 or xs[0] < 1
            or h._data.shape != (n, H) or c._data.shape != (n, H)):
        raise ShapeError(
            f"lstm_layer: input {xs}, h_0 {h.shape}, c_0 {c.shape}, w_ih {ws}, w_hh {hs} do not fit: expected "
            "input (T, N, input_size) with T >= 1, h_0 and c_0 (N, hidden_size), w_ih (4 * hidden_size, "
            "input_size) and w_hh (4 * hidden_size, hidden_size)"
        )
    if (b_ih is None) != (b_hh is None):
        raise ValueError("lstm_layer: give both biases b_ih and b_hh or neither (for one bias, pass zeros as the "
                         "other)")
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and as_tensor(b).shape != (4 * H,):
            raise ShapeError(f"lstm_layer: {name} of shape {as_tensor(b).shape}; expected ({4 * H},) "
                             "(4 * hidden_size)")
    args = (x, h, c, w_ih, w_hh) if b_ih is None else (x, h, c, w_ih, w_hh, as_tensor(b_ih), as_tensor(b_hh))
    # NOTE: keep: the node keeps what backward needs only when it will be recorded
    keep = is_grad_enabled() and any(t.requires_grad for t in args)
    y, h_n, c_n = ops.LSTMLayer.apply(*args, reverse=bool(reverse), keep=keep)
    return y, (h_n, c_n)


from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
