"""LSTMLayer: one LSTM layer in one direction over a whole sequence, in one graph node (as the fused RNN layers
of cuDNN and oneDNN, which PyTorch's nn.LSTM runs on).
"""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..grad_mode import is_grad_enabled
from ..tensor import _make


_SMALL_GEMM = 1_000_000  # multiply-adds below which OpenBLAS's sgemm skips packing (measured, see LSTMLayer)


def _block_rows(m: int, kn: int) -> int:
    """Rows per block when an (m, K) @ (K, N) product (kn = K N) is split into the fewest blocks of at most
    _SMALL_GEMM multiply-adds each (rounded up to a multiple of 16)."""
    blocks = -(-m * kn // _SMALL_GEMM)
    return -(-m // (16 * blocks)) * 16


class LSTMLayer(Function):
    """The whole sequence of an LSTM layer: inputs x (T, N, I), h0, c0 (N, H), w_ih (4H, I), w_hh (4H, H) and
    optionally b_ih, b_hh (4H,) (PyTorch's layout, gate rows i, f, g, o); attribute ``reverse``; three outputs
    y (T, N, H), h_T, c_T (N, H). For t = 0 .. T-1 (reverse: T-1 .. 0), from (h, c) = (h0, c0):

        z_t = x_t @ w_ih^T + b_ih + h @ w_hh^T + b_hh,   i, f, o = sigmoid(z_i, z_f, z_o),   g = tanh(z_g)
        c = f * c + i * g,   h = o * tanh(c),   y_t = h;   finally (h_T, c_T) = (h, c)

    Backward (BPTT), with gh_t = dL/dy_t + dh (dh, dc start from the gradients of h_T, c_T; a missing
    gradient is zero), for the steps in reverse order:

        a = dc + gh_t * o * (1 - tanh(c_t)^2)
        dz = [a g i(1-i),  a c_{t-1} f(1-f),  a i (1-g^2),  gh_t tanh(c_t) o(1-o)]   (gates i, f, g, o)
        dc = a * f,   dh = dz @ w_hh
    then, over all steps at once:  dw_ih = sum_t dz_t^T x_t,  dw_hh = sum_t dz_t^T h_{t-1},
    db_ih = db_hh = sum_t dz_t summed over the batch,  dx_t = dz_t @ w_ih.

    NOTE: a primitive for speed. Measured on benchmarks/bench_layers.py (nn.LSTM(32, 128), T 50, N 32,
    float32, a training step against PyTorch's, one thread): 1.43x with this node, 2.2-2.5x with one fused
    ops.LSTMCell node a step (the node's cost, forward and backward, and three weight-gradient products on 32
    rows, at every step). Here one node runs the recurrence in numpy:
    - feature-major: per step z^T (4H, N) = W (4H, H+I+1) @ [h; x_t; 1] (N columns), so each gate is a
      contiguous block (on a strided (N, H) column block numpy's elementwise calls cost 3-4x more), and the
      input projection and the biases ride in the same product (K = H + I + 1: +8 us a step, against 600 us
      for a separate (T N, I) product, weak in OpenBLAS at K = 32, plus an addition per step); h_t is written
      straight into the next step's operand; the product runs in row blocks of at most 10^6 multiply-adds,
      which OpenBLAS computes without packing W at every call (54 -> 43 us a step; the step 4% faster);
    - gate rows in the order o, i, f, g, the sigmoid rows halved once per call, so that one tanh gives all four
      gates (sigmoid(z) = (1 + tanh(z / 2)) / 2, exact scaling; its absolute error stays at float32 rounding,
      tested against float64 also beyond exp's range) and 1 - tanh^2 every gate's derivative (the sigmoid's
      factor 1/4 is applied to the weights and weight gradients in backward, exact);
    - what backward needs of a step (the derivative factors, rows [q, k_o, k_i, k_f, k_g, f] of B) is computed
      in forward while the step is in cache, with step buffers laid out so that each pass covers several gates
      ([i, f] * [g, c_{t-1}], 1 - [tanh(c_t), t_o, t_i, t_f, g]^2): backward is then five calls a step, plus
      dh = dz @ w_hh (skipped at the last step unless h0 needs a gradient);
    - the weight gradients of every step are one product DZ (4H, T N) @ [H_prev; X; 1]^T (T N, H+I+1) (the bias
      gradient is its last column), dx one product DZ^T @ w_ih, only if x needs a gradient.
    Where the rest of the time goes (the products are ~60% of the step): bench_layers.py's docstring.
    Under create_graph, backward recomputes the steps with ``lstm_cell`` (Tensor ops) from the node's inputs and
    differentiates them (a reentrant ``grad``), so derivatives of any order work; tests compare both paths.
    ``keep=False`` (what lstm_layer passes when no graph will be recorded) skips B.
    """

    materialize_grads = False  # NOTE: often only y or only h_T gets a gradient; the others are zeros, in backward
    buffers = ("_hx", "_b")  # NOTE: private names: the ONNX exporter compares public attributes

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, keep=True):
        if x.ndim != 3 or w_hh.ndim != 2 or w_ih.ndim != 2:
            raise ValueError("expected x (T, N, input_size), w_ih (4 hidden, input_size), w_hh (4 hidden, hidden)")
        T, N, I = x.shape
        H = w_hh.shape[1]
        if (w_hh.shape != (4 * H, H) or w_ih.shape != (4 * H, I) or h0.shape != (N, H) or c0.shape != (N, H)
                or (b_ih is not None and (b_ih.shape != (4 * H,) or b_hh is None or b_hh.shape != (4 * H,)))):
            raise ValueError("expected x (T, N, I), h0 and c0 (N, H), w_ih (4H, I), w_hh (4H, H), b_ih and b_hh (4H,)")
        arrays = (x, h0, c0, w_ih, w_hh) if b_ih is None else (x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        dt = np.result_type(*arrays)
        if dt.kind != "f":
            dt = np.result_type(dt, np.float64)  # NOTE: integer inputs compute in float64
        bias = b_ih is not None
        K = H + I + bias
        # W: gate rows (o, i, f, g), columns [w_hh | w_ih | b_ih + b_hh]; the sigmoid rows (o, i, f) halved (exact),
        # as sigmoid(z) = (1 + tanh(z / 2)) / 2
        W = np.empty((4 * H, K), dt)
        for lo, hi, w in ((0, H, w_hh), (H, H + I, w_ih)):
            W[:H, lo:hi] = w[3 * H:]
            W[H:, lo:hi] = w[:3 * H]
        if bias:
            b = b_ih + b_hh
            W[:H, -1] = b[3 * H:]
            W[H:, -1] = b[:3 * H]
        W[:3 * H] *= 0.5
        # HX[t] = [h_prev; x_t; 1] (K, N) of step t (the operand of its product and of the weight gradient)
        HX = np.empty((T, K, N), dt)
        HX[:, H:H + I] = x.transpose(0, 2, 1)
        if bias:
            HX[:, -1] = 1
        # U: the current step's rows [o, i, f, tanh(c_t), t_o, t_i, t_f, g, c_{t-1}] with t = tanh(z / 2) of the
        # sigmoid gates: the sigmoids, then the product's rows (o, i, f, g) after tanh, then the cell state the
        # step started from; two of them in turn (a step writes its c into the other one)
        U = np.empty((2, 9 * H, N), dt)
        # B[t]: what backward needs of step t, computed here while it is in cache (backward is then five calls a
        # step): rows [q, k_o, k_i, k_f, k_g, f] with q = o (1 - tanh(c_t)^2) and k = 1 - t^2 (4 sigmoid' for
        # o, i, f; tanh' for g) times [tanh(c_t), g, c_{t-1}, i] (the 1/4 is applied in backward)
        B = np.empty((T, 6 * H, N), dt) if keep else None
        h_T = np.empty((H, N), dt)
        c_T = np.empty((H, N), dt)
        ig_fc = np.empty((2, H, N), dt)
        steps = range(T - 1, -1, -1) if reverse else range(T)
        first, last, nxt = steps[0], steps[-1], (-1 if reverse else 1)
        HX[first, :H] = h0.T
        U[0, 8 * H:] = c0.T
        # NOTE: the views of both step buffers and of B's row blocks made once, not at every step
        views = [(u[4 * H:8 * H], u[4 * H:7 * H], u[:3 * H], u[H:3 * H].reshape(2, H, N), u[7 * H:].reshape(2, H, N),
                  v[8 * H:], u[3 * H:4 * H], u[:H], u[3 * H:8 * H], u[7 * H:], u[H:2 * H], u[2 * H:3 * H])
                 for u, v in ((U[0], U[1]), (U[1], U[0]))]
        HXh, ig, fc = HX[:, :H], ig_fc[0], ig_fc[1]
        if keep:
            Bsq, Bq, Bko, Bkif, Bkg, Bf = (B[:, :5 * H], B[:, :H], B[:, H:2 * H], B[:, 2 * H:4 * H], B[:, 4 * H:5 * H],
                                           B[:, 5 * H:])
        # NOTE: the product in row blocks of at most ~10^6 multiply-adds: OpenBLAS computes those without
        # packing W first (its small-matrix kernels), 10-20% faster for H 64-256, N 8-64 (measured one call
        # against the blocks: nn.LSTM(32, 128), N 32: 54 -> 43 us). The backward product dh = dz @ w_hh is not
        # split: its blocks would be 32-48 rows, slower at N 64 or H 256.
        rows = _block_rows(4 * H, K * N)
        blocks = [[(W[r:r + rows], v[0][r:r + rows]) for r in range(0, 4 * H, rows)] for v in views]  # v[0]: z
        for k, t in enumerate(steps):
            z, zs, sig, i_f, g_c, c_next, tc, o, tcz, g_cp, i, f = views[k & 1]
            hx = HX[t]
            for w, zb in blocks[k & 1]:
                np.matmul(w, hx, out=zb)
            np.tanh(z, out=z)  # [t_o, t_i, t_f, g]
            np.multiply(zs, 0.5, out=sig)
            sig += 0.5  # o, i, f = (1 + t) / 2
            np.multiply(i_f, g_c, out=ig_fc)  # [i g, f c_prev]
            c = c_T if t == last else c_next
            np.add(ig, fc, out=c)
            np.tanh(c, out=tc)
            np.multiply(o, tc, out=h_T if t == last else HXh[t + nxt])
            if keep:
                sq = Bsq[t]
                np.multiply(tcz, tcz, out=sq)
                np.subtract(1, sq, out=sq)  # 1 - [tanh(c_t), t_o, t_i, t_f, g]^2
                x = Bq[t]
                np.multiply(x, o, out=x)  # q
                x = Bko[t]
                np.multiply(x, tc, out=x)  # k_o
                x = Bkif[t]
                np.multiply(x, g_cp, out=x)  # k_i, k_f: [g, c_prev]
                x = Bkg[t]
                np.multiply(x, i, out=x)  # k_g
                np.copyto(Bf[t], f)
        y = np.empty((T, N, H), dt)
        if reverse:
            y[1:] = HX[:-1, :H].transpose(0, 2, 1)  # HX[t, :H] holds the h of step t + 1
        else:
            y[:-1] = HX[1:, :H].transpose(0, 2, 1)  # ... of step t - 1
        y[last] = h_T.T
        ctx.reverse = bool(reverse)
        ctx._hx, ctx._b = HX, B
        return y, np.ascontiguousarray(h_T.T), np.ascontiguousarray(c_T.T)

    @staticmethod
    def backward(ctx, gy, gh, gc):
        if is_grad_enabled():
            return _backward_tensors(ctx, gy, gh, gc)
        return _backward_arrays(ctx, gy, gh, gc)


def _backward_arrays(ctx, gy, gh, gc) -> tuple:
    """LSTMLayer's backward on arrays (the normal, first-order path): BPTT with one product per step, then the
    weight gradients of all steps in one product."""
    ins = ctx.inputs
    need = ctx.needs_input_grad
    w_ih, w_hh = ins[3]._data, ins[4]._data
    HX, B = ctx._hx, ctx._b
    if B is None:
        raise RuntimeError("LSTMLayer: the forward ran with keep=False (no graph expected), so backward has "
                           "nothing to work on; call it with keep=True")
    T, K, N = HX.shape
    H = w_hh.shape[1]
    I = w_ih.shape[1]
    dt = B.dtype
    # the weights in the gate order (o, i, f, g), not halved
    Wb = np.empty((4 * H, H + I), dt)
    Wb[:H, :H], Wb[H:, :H] = w_hh[3 * H:], w_hh[:3 * H]
    Wb[:H, H:], Wb[H:, H:] = w_ih[3 * H:], w_ih[:3 * H]
    Wb[:3 * H] *= 0.25  # NOTE: the sigmoid rows of DZ hold 4 dL/dz (forward kept 1 - tanh(z/2)^2 = 4 sigmoid')
    WhhT = np.ascontiguousarray(Wb[:, :H].T)
    gy = None if gy is None else gy._data
    dh = np.zeros((H, N), dt) if gh is None else np.ascontiguousarray(gh._data.T, dtype=dt)
    dc = np.zeros((H, N), dt) if gc is None else np.ascontiguousarray(gc._data.T, dtype=dt)
    # NOTE: dz of each step is made in a small buffer (contiguous, in cache), then copied into its column block
    # of DZ (4H, T, N), the layout of the all-steps products: 4 us a step, where writing the results strided
    # costs 10 us more and a transposed copy of a (T, 4H, N) array afterwards 0.5 ms (out of cache)
    DZ = np.empty((4 * H, T, N), dt)
    dz = np.empty((4 * H, N), dt)
    if gy is not None:  # NOTE: (T, H, N) like the rest; one copy, not a transposed read per step
        gy = np.ascontiguousarray(gy.transpose(0, 2, 1), dtype=dt)
    ghb, a, dh_next = np.empty((H, N), dt), np.empty((H, N), dt), np.empty((H, N), dt)
    steps = range(T) if ctx.reverse else range(T - 1, -1, -1)
    last = steps[-1]
    Bq, Bko, Bkifg, Bf = B[:, :H], B[:, H:2 * H], B[:, 2 * H:5 * H].reshape(T, 3, H, N), B[:, 5 * H:]
    dzo, dzifg = dz[:H], dz[H:].reshape(3, H, N)
    for t in steps:
        ght = np.add(dh, gy[t], out=ghb) if gy is not None else dh
        np.multiply(ght, Bq[t], out=a)
        a += dc  # the gradient of c_t
        np.multiply(ght, Bko[t], out=dzo)  # o
        np.multiply(a, Bkifg[t], out=dzifg)  # i, f, g
        DZ[:, t] = dz
        if t != last or need[2]:
            np.multiply(a, Bf[t], out=dc)
        if t != last or need[1]:
            np.matmul(WhhT, dz, out=dh_next)
            dh, dh_next = dh_next, dh
    out = [None] * len(ins)
    DZ2 = DZ.reshape(4 * H, T * N)
    if need[0]:
        out[0] = _make(DZ2.T.dot(Wb[:, H:]).reshape(T, N, I))
    if need[1]:
        out[1] = _make(np.ascontiguousarray(dh.T))
    if need[2]:
        out[2] = _make(np.ascontiguousarray(dc.T))
    if any(need[3:]):
        G = DZ2.dot(np.ascontiguousarray(HX.transpose(1, 0, 2)).reshape(K, T * N).T)  # (4H, K), rows o, i, f, g
        G[:3 * H] *= 0.25
        G = np.concatenate([G[H:], G[:H]])  # rows (i, f, g, o)
        if need[3]:
            out[3] = _make(np.ascontiguousarray(G[:, H:H + I]))
        if need[4]:
            out[4] = _make(np.ascontiguousarray(G[:, :H]))
        if len(ins) == 7 and (need[5] or need[6]):
            gb = _make(np.ascontiguousarray(G[:, -1]))
            out[5] = gb if need[5] else None
            out[6] = gb if need[6] else None
    return tuple(out)


def _backward_tensors(ctx, gy, gh, gc) -> tuple:
    """LSTMLayer's backward under create_graph: the steps recomputed as recorded ``ops.LSTMCell`` nodes from the
    node's inputs, then BPTT through them by calling each cell's own backward (its Tensor-op path) in reverse
    order, so the gradients are themselves differentiable (to any order).

    NOTE: the cells' backward is called directly, not through the engine (a reentrant ``grad`` would walk on
    past this node's inputs into the rest of the graph: with one input computed from another, e.g. h0 from x,
    it returned total instead of partial derivatives, and the engine then counted the shared path twice).
    """
    from .. import functional as F
    from .recurrent import LSTMCell

    ins = ctx.inputs
    x, h, c = ins[:3]
    weights = ins[3:]
    T = x.shape[0]
    xs = F.unbind(x, 0)
    order = range(T - 1, -1, -1) if ctx.reverse else range(T)
    cells = [None] * T
    for t in order:
        h, c = LSTMCell.apply(xs[t], h, c, *weights)
        cells[t] = h.grad_fn
    gys = F.unbind(gy, 0) if gy is not None else None
    gxs = [None] * T
    gw = [None] * len(weights)
    for t in reversed(order):
        node = cells[t]
        if gys is not None:
            gh = gys[t] if gh is None else gh + gys[t]
        res = node.backward(node, gh, gc)
        gxs[t], gh, gc = res[:3]
        for k, g in enumerate(res[3:]):
            if g is not None:
                gw[k] = g if gw[k] is None else gw[k] + g
    need = ctx.needs_input_grad
    gx = None
    if need[0]:
        zero = None
        for t in range(T):
            if gxs[t] is None:  # NOTE: no gradient reached step t's input (cannot happen with gy given)
                zero = zero if zero is not None else _make(np.zeros(x.shape[1:], x._data.dtype))
                gxs[t] = zero
        gx = F.stack(gxs, 0)
    out = [gx, gh if need[1] else None, gc if need[2] else None] + [g if n else None for g, n in zip(gw, need[3:])]
    return tuple(out)
