"""Conv2d + MaxPool2d on a batch of 64 1x28x28 images, and an LSTMCell unrolled 50 steps, forward + backward:
autograd_mini vs the same math written directly in numpy (im2col for the convolution, hand-written
backprop through time for the LSTM). Prints the ratio framework/numpy of the median times, the two timed in
alternating blocks after a warm-up (bench_mlp.time_interleaved), so that both see the same machine.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_conv_lstm.py [--breakdown]

The LSTM step is one graph node, ops.LSTMCell (both products, the biases, the gates and the state update fused,
as cuDNN's LSTM cell; its backward runs on arrays unless create_graph). Measured on a shared 2-core machine,
medians of 5 runs of this script per variant, the variants interleaved (ratio, min-max):
    13 nodes per step (Linear x2, Add, Split, Sigmoid x3, Tanh x2, Mul x3, Add)   2.35 (2.29-2.38)
    4 nodes per step (Linear x2, Add, ops.LSTMPointwise)                          1.61 (1.58-1.64)
    1 node per step (ops.LSTMCell)                                                1.31 (1.31-1.35)
    (under heavier load: 2.6-3.0, 1.9-2.2 and 1.35-1.5)
--breakdown prints the nodes recorded per step and the forward and backward times apart (CPU time): with
ops.LSTMCell forward 1.2x numpy, backward 1.5x (the rest is per-node cost: the engine's loop and the gradient
accumulation of six inputs per step).
"""
from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import autograd_mini as am
import nn
from bench_mlp import time_interleaved  # the benchmarks folder is the script's path

F32 = np.float32


# ----- convolution + pooling ----------------------------------------------------------------------------


def numpy_conv_pool(x, W, b, G):
    """y = maxpool2(conv5x5(x) + b); loss = sum(y * G); returns dL/dW, dL/db (valid conv, stride 1)."""
    n, c, h, w = x.shape
    o, _, k, _ = W.shape
    cols = sliding_window_view(x, (k, k), axis=(2, 3))           # (n, c, oh, ow, k, k)
    oh, ow = cols.shape[2], cols.shape[3]
    X = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)
    z = (X @ W.reshape(o, -1).T + b).reshape(n, oh, ow, o).transpose(0, 3, 1, 2)
    zr = z.reshape(n, o, oh // 2, 2, ow // 2, 2)
    y = zr.max(axis=(3, 5))
    mask = zr == y[:, :, :, None, :, None]
    gz = (mask * G[:, :, :, None, :, None]).reshape(n, o, oh, ow)  # ties are measure zero for random data
    gzf = gz.transpose(0, 2, 3, 1).reshape(-1, o)
    gW = (gzf.T @ X).reshape(W.shape)
    gb = gzf.sum(axis=0)
    return gW, gb


def framework_conv_pool(x, conv, pool, G):
    for p in conv.parameters():
        p.grad = None
    y = pool(conv(x))
    (y * G).sum().backward()


# ----- LSTM -----------------------------------------------------------------------------------------------


def sigmoid(z):
    return 1 / (1 + np.exp(-z))  # NOTE: as the library computes it (no overflow here: the gates stay small)


def numpy_lstm(xs, Wih, Whh, bih, bhh, G):
    """50 LSTM steps (PyTorch's equations, gates i, f, g, o), loss = sum(h_T * G); backprop through time."""
    return numpy_lstm_backward(numpy_lstm_forward(xs, Wih, Whh, bih, bhh), Wih, Whh, bih, G)


def numpy_lstm_forward(xs, Wih, Whh, bih, bhh):
    n, H = xs.shape[1], Whh.shape[1]
    h = np.zeros((n, H), F32)
    c = np.zeros((n, H), F32)
    cache = []
    for x in xs:
        z = x @ Wih.T + bih + h @ Whh.T + bhh
        i, f, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), sigmoid(z[:, 3 * H:])
        g = np.tanh(z[:, 2 * H:3 * H])
        c_new = f * c + i * g
        tc = np.tanh(c_new)
        cache.append((x, h, c, i, f, g, o, tc))
        h, c = o * tc, c_new
    return cache


def numpy_lstm_backward(cache, Wih, Whh, bih, G):
    n, H = G.shape
    gWih, gWhh, gb = np.zeros_like(Wih), np.zeros_like(Whh), np.zeros_like(bih)
    gh, gc = G, np.zeros((n, H), F32)
    for x, h_prev, c_prev, i, f, g, o, tc in reversed(cache):
        go = gh * tc
        gc = gc + gh * o * (1 - tc * tc)
        gi, gf, gg = gc * g, gc * c_prev, gc * i
        gz = np.concatenate([gi * i * (1 - i), gf * f * (1 - f), gg * (1 - g * g), go * o * (1 - o)], axis=1)
        gWih += gz.T @ x
        gWhh += gz.T @ h_prev
        gb += gz.sum(axis=0)
        gh = gz @ Whh
        gc = gc * f
    return gWih, gWhh, gb


def framework_lstm(xs, cell, G):
    framework_lstm_forward(xs, cell, G).backward()


def framework_lstm_forward(xs, cell, G):
    for p in cell.parameters():
        p.grad = None
    h = c = None
    for x in xs:
        h, c = cell(x, None if h is None else (h, c))
    return (h * G).sum()


def lstm_breakdown(xs_np, xs, cell, weights, G, rounds):
    """Forward and backward apart, for both sides (CPU time of this process, median of alternating rounds), and
    the graph nodes recorded per step: where the framework's time goes."""
    clock = time.process_time  # NOTE: CPU time: on a shared machine, time spent descheduled is left out
    nodes = {id(t.grad_fn): t.grad_fn.name for t in am.iter_graph([framework_lstm_forward(xs, cell, G)])
             if t.grad_fn is not None}
    per_step = sorted(Counter(nodes.values()).items(), key=lambda kv: -kv[1])
    steps = ", ".join(f"{k} {v // len(xs)}" for k, v in per_step if v >= len(xs))
    print(f"  graph: {len(nodes)} nodes, per step: {steps}")
    times = {k: [] for k in ("numpy forward", "numpy backward", "autograd_mini forward", "autograd_mini backward")}
    for _ in range(rounds):
        t0 = clock()
        cache = numpy_lstm_forward(xs_np, *weights)
        t1 = clock()
        numpy_lstm_backward(cache, weights[0], weights[1], weights[2], G)
        t2 = clock()
        loss = framework_lstm_forward(xs, cell, G)
        t3 = clock()
        loss.backward()
        t4 = clock()
        for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            times[k].append(v)
    med = {k: float(np.median(v)) * 1e3 for k, v in times.items()}
    for side in ("forward", "backward"):
        a, b = med[f"numpy {side}"], med[f"autograd_mini {side}"]
        print(f"  {side:8s}: numpy {a:6.2f} ms   autograd_mini {b:6.2f} ms   ratio {b / a:.2f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=21)
    p.add_argument("--breakdown", action="store_true", help="also time the LSTM's forward and backward apart")
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    am.manual_seed(0)

    x = rng.random((64, 1, 28, 28), dtype=F32)
    conv, pool = nn.Conv2d(1, 8, 5), nn.MaxPool2d(2)
    G = rng.standard_normal((64, 8, 12, 12)).astype(F32)
    W, b = conv.weight.data.copy(), conv.bias.data.copy()
    xt = am.Tensor(x)
    gW, gb = numpy_conv_pool(x, W, b, G)
    framework_conv_pool(xt, conv, pool, G)  # same math: gradients must agree before timing
    np.testing.assert_allclose(conv.weight.grad.data, gW, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(conv.bias.grad.data, gb, rtol=1e-3, atol=1e-3)
    t_np, t_fw = time_interleaved(
        [lambda: numpy_conv_pool(x, W, b, G), lambda: framework_conv_pool(xt, conv, pool, G)], args.repeat
    )
    print(f"Conv2d(1, 8, 5) + MaxPool2d(2), batch 64 of 1x28x28, fwd+bwd: numpy {t_np * 1e3:7.2f} ms   "
          f"autograd_mini {t_fw * 1e3:7.2f} ms   ratio {t_fw / t_np:.2f}")

    T, n, d, H = 50, 16, 32, 64
    xs_np = rng.standard_normal((T, n, d)).astype(F32)
    cell = nn.LSTMCell(d, H)
    Wih, Whh = cell.weight_ih.data.copy(), cell.weight_hh.data.copy()
    bih, bhh = cell.bias_ih.data.copy(), cell.bias_hh.data.copy()
    Gh = rng.standard_normal((n, H)).astype(F32)
    xs = [am.Tensor(v) for v in xs_np]
    ref = numpy_lstm(xs_np, Wih, Whh, bih, bhh, Gh)
    framework_lstm(xs, cell, Gh)
    np.testing.assert_allclose(cell.weight_ih.grad.data, ref[0], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(cell.weight_hh.grad.data, ref[1], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(cell.bias_ih.grad.data, ref[2], rtol=1e-3, atol=1e-4)
    t_np, t_fw = time_interleaved(
        [lambda: numpy_lstm(xs_np, Wih, Whh, bih, bhh, Gh), lambda: framework_lstm(xs, cell, Gh)], args.repeat
    )
    print(f"LSTMCell(32, 64) unrolled 50 steps, batch 16, fwd+bwd:   numpy {t_np * 1e3:7.2f} ms   "
          f"autograd_mini {t_fw * 1e3:7.2f} ms   ratio {t_fw / t_np:.2f}   (target <= 1.4; fused ops.LSTMCell)")
    if args.breakdown:
        lstm_breakdown(xs_np, xs, cell, (Wih, Whh, bih, bhh), Gh, 2 * args.repeat)


if __name__ == "__main__":
    main()
