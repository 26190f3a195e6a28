"""Recurrent primitives: the LSTM cell fused, as cuDNN does (forward next to derivative).

LSTMCell is a whole step (both matrix products, the biases, gates and state update); LSTMPointwise is the part
after the products; LSTMPointwiseGrad is the backward of both (numpy), with its own derivative in Tensor ops.
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from ..function import Function
from ..grad_mode import is_grad_enabled
from ..tensor import _make
from ._util import _const
from .elementwise import Sigmoid
from .linalg import MatMulTransA
from .reduce import Sum

# ***** LSTM cell *****


class LSTMPointwise(Function):
    """The LSTM cell after its matrix products: gates z = [z_i, z_f, z_g, z_o] (..., 4H) (PyTorch's order) and
    the cell state c (..., H) give two outputs (h', c'):

        i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o),   g = tanh(z_g)
        c' = f * c + i * g,   h' = o * tanh(c')

    With gh, gc the gradients of h' and c' (either may be missing), and t = tanh(c'):

        gc* = gc + gh * o * (1 - t^2)
        dz_i = gc* * g * i(1 - i),   dz_f = gc* * c * f(1 - f),   dz_g = gc* * i * (1 - g^2),
        dz_o = gh * t * o(1 - o),    dc = gc* * f

    NOTE: a primitive for speed (like cuDNN's and PyTorch's fused LSTM cell): composed, this is a Split, three
    Sigmoids, two Tanhs, three Muls and an Add, ten nodes per step whose forward and backward each pay the
    per-node cost; here it is one node, whose backward is one LSTMPointwiseGrad (numpy, no graph recorded unless
    create_graph). Measured on benchmarks/bench_conv_lstm.py: an LSTMCell recorded as Linear x2 + Add + this
    node runs at 1.6x hand-written numpy, against 2.35x for the thirteen nodes composed (LSTMCell now uses the
    fully fused ops.LSTMCell). The activations and tanh(c') are kept as buffers for backward and freed
    with the node.
    """

    materialize_grads = False  # NOTE: a missing gradient (often c' of the last step) is zeros, made in backward
    buffers = ("_act", "_tc")  # NOTE: private names: the ONNX exporter compares public attributes across recordings

    @staticmethod
    def forward(ctx, z, c):
        H = c.shape[-1] if c.ndim else 0
        if not c.ndim or z.shape != c.shape[:-1] + (4 * H,):
            raise ValueError("the gates must be (..., 4 * hidden_size) (i, f, g, o) and the cell state (..., "
                             "hidden_size), with the same leading (batch) shape")
        # NOTE: the library's sigmoid (Sigmoid.forward: 1 / (1 + exp(-x)), overflow-free where exp would overflow)
        # on all four gates at once, one call instead of three, the tanh gate's columns then overwritten: act is
        # a fresh array, every later step works in place or on views.
        act = Sigmoid.forward(None, z)
        g = act[..., 2 * H:3 * H]
        np.tanh(z[..., 2 * H:3 * H], out=g)
        c_new = act[..., H:2 * H] * c
        ig = act[..., :H] * g
        c_new += ig
        tc = np.tanh(c_new)
        o = act[..., 3 * H:]
        h_new = np.multiply(o, tc, out=ig) if ig.dtype == tc.dtype else o * tc  # NOTE: ig is dead: reuse it
        ctx._act, ctx._tc = act, tc
        return h_new, c_new

    @staticmethod
    def backward(ctx, gh, gc):
        z, c = ctx.inputs
        if gh is None or gc is None:
            zero = _const(np.zeros(ctx._tc.shape, ctx._tc.dtype))
            gh = zero if gh is None else gh
            gc = zero if gc is None else gc
        dz, dc = LSTMPointwiseGrad.apply(gh, gc, z, c, act=ctx._act, tc=ctx._tc)
        nz, nc = ctx.needs_input_grad
        return (dz if nz else None), (dc if nc else None)


class LSTMPointwiseGrad(Function):
    """(dz, dc) = the vector-Jacobian product of LSTMPointwise at (z, c) with (gh, gc): the formulas in
    LSTMPointwise's docstring. It is linear in (gh, gc) with the Jacobian's transpose J(z, c)^T, so its own
    derivative is, for upstream gradients (u, v) of (dz, dc):

        d/d(gh, gc) = J (u, v): the forward derivative of (h', c') along (u, v), i.e. with
            di = i(1 - i) u_i, df = f(1 - f) u_f, dg = (1 - g^2) u_g, do = o(1 - o) u_o:
            dc' = df * c + f * v + di * g + i * dg,   dh' = do * t + o * (1 - t^2) * dc'
        d/d(z, c) = the gradient of S = <gh, dh'> + <gc, dc'> in (z, c), (u, v) held fixed.

    NOTE: a primitive so that the LSTM's backward costs one node per step (numpy, with the activations the
    forward kept: attributes ``act`` and ``tc``); its own backward is written in Tensor ops on z and c
    (activations recomputed), so derivatives of any order work.
    """

    @staticmethod
    def forward(ctx, gh, gc, z, c, act, tc):
        H = c.shape[-1]
        i, f, g, o = act[..., :H], act[..., H:2 * H], act[..., 2 * H:3 * H], act[..., 3 * H:]
        d = tc * tc
        np.subtract(1, d, out=d)  # 1 - t^2
        a = gh * o
        a *= d
        a += gc  # gc* = gc + gh * o * (1 - t^2)
        dz = np.empty(act.shape, np.result_type(a, act, c))
        np.multiply(a, g, out=dz[..., :H])
        np.multiply(a, c, out=dz[..., H:2 * H])
        np.multiply(a, i, out=dz[..., 2 * H:3 * H])
        np.multiply(gh, tc, out=dz[..., 3 * H:])
        s = 1 - act
        s *= act  # sigmoid' = y (1 - y) for i, f, o ...
        sg = s[..., 2 * H:3 * H]
        np.multiply(g, g, out=sg)
        np.subtract(1, sg, out=sg)  # ... and tanh' = 1 - g^2 for g
        dz *= s
        return dz, a * f

    @staticmethod
    def backward(ctx, u, v):
        gh, gc, z, c = ctx.inputs
        zi, zf, zg, zo = F.chunk(z, 4, dim=-1)
        ui, uf, ug, uo = F.chunk(u, 4, dim=-1)
        i, f, g, o = F.sigmoid(zi), F.sigmoid(zf), F.tanh(zg), F.sigmoid(zo)
        si, sf, so = i * (1 - i), f * (1 - f), o * (1 - o)
        sg = 1 - g * g
        t = F.tanh(f * c + i * g)
        st = 1 - t * t
        di, df, dg, do = si * ui, sf * uf, sg * ug, so * uo
        dc = df * c + f * v + di * g + i * dg  # forward derivative of c' along (u, v)
        dh = do * t + o * st * dc  # ... and of h'
        n_gh, n_gc, n_z, n_c = ctx.needs_input_grad
        ggh = dh if n_gh else None
        ggc = dc if n_gc else None
        gz = gcell = None
        if n_z or n_c:
            a = gh * o * st + gc  # gc* of the first derivative
            # S = <gh, do * t> + <a, dc>; through c' (t = tanh(c')):
            gcn = (gh * so * uo - 2.0 * gh * o * t * dc) * st
            if n_z:
                gi = si * (a * (ui * (1 - 2.0 * i) * g + dg) + gcn * g)
                gf = sf * (a * (uf * (1 - 2.0 * f) * c + v) + gcn * c)
                gg = sg * (a * (di - 2.0 * i * g * ug) + gcn * i)
                go = so * (gh * uo * t * (1 - 2.0 * o) + gh * st * dc)
                gz = F.concatenate([gi, gf, gg, go], axis=-1)
            if n_c:
                gcell = a * df + gcn * f
        return ggh, ggc, gz, gcell


class LSTMCell(Function):
    """One LSTM step, all of it in one node: inputs x (N, in), h and c (N, H), w_ih (4H, in), w_hh (4H, H) and
    optionally b_ih, b_hh (4H,) (or unbatched: x (in,), h and c (H,)); outputs (h', c'):

        z = x @ w_ih^T + b_ih + h @ w_hh^T + b_hh,   (h', c') = LSTMPointwise(z, c)

    With dz, dc from LSTMPointwiseGrad:  dx = dz @ w_ih,  dh = dz @ w_hh,  dw_ih = dz^T @ x,  dw_hh = dz^T @ h,
    db_ih = db_hh = dz summed over the batch.

    NOTE: a primitive for speed, on top of LSTMPointwise: the two Linears and the Add around it cost three more
    nodes per step, forward and backward. Measured on benchmarks/bench_conv_lstm.py (this node is the whole
    step): 1.31x hand-written numpy, against 1.61x for Linear x2 + Add + LSTMPointwise.
    LSTMPointwise stays the primitive for gates computed otherwise (e.g. the input projection of a whole sequence
    in one product). Under create_graph, backward recomputes z with Tensor ops, so derivatives of any order work.
    """

    materialize_grads = False
    buffers = ("_act", "_tc")

    @staticmethod
    def forward(ctx, x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
        z = _plus(x.dot(w_ih.T), h.dot(w_hh.T))  # NOTE: dot also for unbatched (1-D) x and h
        if b_ih is not None:
            z = _plus(_plus(z, b_ih), b_hh)
        return LSTMPointwise.forward(ctx, z, c)

    @staticmethod
    def backward(ctx, gh, gc):
        if not is_grad_enabled():
            return _lstm_cell_backward_arrays(ctx, gh, gc)
        ins = ctx.inputs
        x, h, c, w_ih, w_hh = ins[:5]
        bias = len(ins) == 7
        if gh is None or gc is None:
            zero = _const(np.zeros(ctx._tc.shape, ctx._tc.dtype))
            gh = zero if gh is None else gh
            gc = zero if gc is None else gc
        # create_graph: z as a function of the inputs, so that LSTMPointwiseGrad's own derivative reaches them
        z = F.linear(x, w_ih, ins[5] if bias else None) + F.linear(h, w_hh, ins[6] if bias else None)
        dz, dc = LSTMPointwiseGrad.apply(gh, gc, z, c, act=ctx._act, tc=ctx._tc)
        need = ctx.needs_input_grad
        gx = F.matmul(dz, w_ih) if need[0] else None
        ghp = F.matmul(dz, w_hh) if need[1] else None
        gwi = gwh = gb = None
        if need[3] or need[4]:
            dz2 = dz if dz._data.ndim == 2 else F.reshape(dz, 1, -1)
            if need[3]:
                gwi = MatMulTransA.apply(dz2, x if x._data.ndim == 2 else F.reshape(x, 1, -1))
            if need[4]:
                gwh = MatMulTransA.apply(dz2, h if h._data.ndim == 2 else F.reshape(h, 1, -1))
        if not bias:
            return gx, ghp, (dc if need[2] else None), gwi, gwh
        if need[5] or need[6]:
            gb = Sum.apply(dz, axis=(0,), keepdims=False) if dz._data.ndim == 2 else dz
        return gx, ghp, (dc if need[2] else None), gwi, gwh, (gb if need[5] else None), (gb if need[6] else None)


def _lstm_cell_backward_arrays(ctx, gh, gc) -> tuple:
    """LSTMCell's backward when it is not recorded (no create_graph): the same math as the Tensor-op path, on
    arrays (LSTMPointwiseGrad's forward, then the products), wrapped as constant Tensors.

    NOTE: for speed: the Tensor-op path costs five apply calls per step (LSTMPointwiseGrad, three products and a
    sum), a fifth of the LSTM benchmark's backward (measured: 1.75x numpy -> 1.5x). Tests compare the two paths
    (gradcheck runs this one, create_graph runs the other).
    """
    ins = ctx.inputs
    x, h, c, w_ih, w_hh = (t._data for t in ins[:5])
    act, tc = ctx._act, ctx._tc
    zero = None
    if gh is None or gc is None:
        zero = np.zeros(tc.shape, tc.dtype)
    dz, dc = LSTMPointwiseGrad.forward(None, zero if gh is None else gh._data, zero if gc is None else gc._data,
                                       None, c, act, tc)
    need = ctx.needs_input_grad
    batched = dz.ndim == 2
    out = [_make(dz.dot(w_ih)) if need[0] else None, _make(dz.dot(w_hh)) if need[1] else None,
           _make(dc) if need[2] else None]
    for k, v in ((3, x), (4, h)):
        out.append((_make(dz.T.dot(v)) if batched else _make(np.outer(dz, v))) if need[k] else None)
    if len(ins) == 7:
        gb = _make(dz.sum(0) if batched else dz) if (need[5] or need[6]) else None
        out += [gb if need[5] else None, gb if need[6] else None]
    return tuple(out)


def _plus(a, b):
    """a + b, in place on a (a fresh array) when both have one dtype (numpy raises if b would widen a)."""
    if a.dtype == b.dtype:
        a += b
        return a
    return a + b
