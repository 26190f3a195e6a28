"""Time to build the graphviz.Digraph of large graphs with autograd_mini.viz.draw_graph (no rendering).

Graphs of about 5,000 nodes (tensor nodes + op nodes), each drawn after backward with every gradient kept:
  chain   2,500 tanh ops in a row                                   (5,001 nodes)
  rnn     an RNN cell (nn.Module) unrolled over many steps          (~5,000 nodes, one cluster per call)
and, for scale, the same chain with 25,000 ops (~50,000 nodes) to show the cost grows linearly.

Then the pictures people draw of models, with `dot` laying them out (if it is installed): the digits MLP,
an LSTMCell unrolled 20 steps and an ``nn.TransformerEncoderLayer``, each with the default ``depth="auto"`` (big
graphs drawn with deep module calls folded into one node each) and with ``depth=None`` (every op). Prints
the layout time and the picture's size in points (a page is about 600 x 800).

    python benchmarks/bench_viz.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograd_mini import Tensor, viz  # noqa: E402


def chain(n_ops):
    x = Tensor(np.ones(16), requires_grad=True)
    y = x
    for _ in range(n_ops):
        y = y.tanh()
    loss = y.sum()
    return loss, {"x": x}


def rnn(n_nodes):
    from nn.module import Module, Parameter

    class Cell(Module):
        def __init__(self):
            super().__init__()
            rng = np.random.default_rng(0)
            self.w_ih = Parameter(rng.normal(size=(8, 8)) * 0.3)
            self.w_hh = Parameter(rng.normal(size=(8, 8)) * 0.3)
            self.b = Parameter(np.zeros(8))

        def forward(self, x, h):
            return (x @ self.w_ih + h @ self.w_hh + self.b).tanh()

    cell = Cell()
    rng = np.random.default_rng(1)
    h = Tensor(np.zeros((4, 8)))
    steps = n_nodes // 11  # each step: 5 ops (2 MatMul, 2 Add, Tanh), their 5 outputs and an input x
    for _ in range(steps):
        h = cell(Tensor(rng.normal(size=(4, 8))), h)
    return h.sum(), cell


def mlp():
    import nn

    model = nn.Sequential(nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 10))
    x = Tensor(np.random.default_rng(0).normal(size=(8, 64)).astype(np.float32))
    loss = nn.functional.cross_entropy(model(x), np.arange(8) % 10)
    loss.backward()
    return loss, model


def lstm(steps=20):
    import nn

    cell = nn.LSTMCell(8, 16)
    x = Tensor(np.random.default_rng(0).normal(size=(steps, 4, 8)).astype(np.float32))
    h = c = Tensor(np.zeros((4, 16), np.float32))
    for t in range(steps):
        h, c = cell(x[t], (h, c))
    loss = (h ** 2).sum()
    loss.backward()
    return loss, cell


def encoder_layer(d_model=64, nhead=4, seq=32, batch=2):
    import nn

    layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=128, dropout=0.0, batch_first=True)
    x = Tensor(np.random.default_rng(0).normal(size=(batch, seq, d_model)).astype(np.float32))
    loss = (layer(x) ** 2).mean()
    loss.backward()
    return loss, layer


def count_nodes(dot):
    return sum(1 for line in dot.body if " [label=" in line and not line.lstrip().startswith("legend"))


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cases = [("chain", lambda: chain(2500))]
    try:
        import nn.module  # noqa: F401
        cases.append(("rnn", lambda: rnn(5000)))
    except ImportError:
        print("(nn not importable: skipping the rnn case)")
    cases.append(("chain x10", lambda: chain(25000)))
    for name, build in cases:
        loss, params = build()
        viz.retain_grads(loss)
        loss.backward(retain_graph=True)
        t, dot = median_time(lambda: viz.draw_graph(loss, params=params), args.repeat)
        tv, _ = median_time(lambda: viz.draw_graph(loss, params=params, show_values=True), args.repeat)
        n = count_nodes(dot)
        print(f"{name:10s} {n:6d} nodes  draw_graph {t * 1e3:7.1f} ms   with show_values {tv * 1e3:7.1f} ms"
              f"   ({t / n * 1e6:.1f} us/node)")
    if shutil.which("dot"):
        print()
        for name, build in (("digits MLP", mlp), ("LSTM x20", lstm), ("encoder layer", encoder_layer)):
            loss, model = build()
            for depth in ("auto", None):
                t, dot = median_time(lambda: viz.draw_graph(loss, params=model, depth=depth), 1)
                t0 = time.perf_counter()
                svg = dot.pipe(format="svg").decode()
                t_dot = time.perf_counter() - t0
                w, h = re.search(r'width="(\d+)pt" height="(\d+)pt"', svg).groups()
                print(f"{name:14s} depth={str(depth):5s} {count_nodes(dot):4d} nodes  draw_graph {t * 1e3:6.1f} ms"
                      f"  dot {t_dot:5.2f} s  picture {w} x {h} pt")
        loss, params = chain(2500)
        dot = viz.draw_graph(loss, params=params)
        t0 = time.perf_counter()
        dot.pipe(format="svg")
        print(f"for comparison, `dot -Tsvg` lays out the 5,001-node chain in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
