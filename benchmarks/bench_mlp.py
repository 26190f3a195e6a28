"""One training step of a 784-256-10 ReLU MLP: autograd_mini vs the same math written directly in numpy.

A step is forward, softmax cross-entropy, backward and a plain SGD update, in float32. Both versions run
side by side in one process, interleaved, and the ratio framework/numpy of the median step times is printed
for each batch size (PyTorch too, if installed). Pin BLAS to one thread for stable numbers:
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_mlp.py
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import autograd_mini as am
import nn
import optim


def numpy_step(params, X, y, lr):
    """The same step written by hand: forward, softmax cross-entropy, the four backprop equations, SGD."""
    W1, b1, W2, b2 = params
    n = X.shape[0]
    z1 = np.dot(X, W1.T) + b1
    a1 = np.maximum(z1, 0)
    z2 = np.dot(a1, W2.T) + b2
    m = z2.max(axis=1, keepdims=True)
    e = np.exp(z2 - m)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - z2[np.arange(n), y]))
    d2 = e / s
    d2[np.arange(n), y] -= 1
    d2 /= n
    gW2 = np.dot(d2.T, a1)
    gb2 = d2.sum(axis=0)
    d1 = np.dot(d2, W2) * (z1 > 0)
    gW1 = np.dot(d1.T, X)
    gb1 = d1.sum(axis=0)
    for p, g in zip(params, (gW1, gb1, gW2, gb2)):
        p -= lr * g
    return loss


def make_framework_step(model, opt, X, y):
    Xt = am.Tensor(X)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(Xt), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def make_torch_step(params, X, y, lr):
    import torch

    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    with torch.no_grad():
        for p, v in zip(model.parameters(), params):
            p.copy_(torch.from_numpy(v.copy()))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def time_interleaved(fns, repeat, block_seconds=0.01, warmup=4):
    """Median time per call of each fn, timed in short alternating blocks (A, B, C, A, B, C, ...).

    Short blocks, many of them, so that every variant sees the same machine: shared machines change speed
    over seconds, which long blocks would turn into a bias for whichever variant ran at the wrong moment.
    Each block starts with ``warmup`` untimed calls, so that what is timed is the steady state of a training
    loop: measured here, the first three calls after another variant ran are ~15-30%, ~5-10% and ~2-4% slower
    (caches and predictors still hold the other variant), for numpy and framework alike; with only one untimed
    call the leftover transient flattered the framework's ratio by 0.01-0.04.
    """
    inner = []
    for f in fns:  # calibrate: enough calls per block to fill block_seconds
        t0 = time.perf_counter()
        f()
        inner.append(max(1, int(block_seconds / max(time.perf_counter() - t0, 1e-6))))
    inner = [min(inner)] * len(fns)  # NOTE: the same number of calls for every variant
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, f in enumerate(fns):
            for _ in range(warmup):
                f()  # NOTE: untimed (see above)
            t0 = time.perf_counter()
            for _ in range(inner[i]):
                f()
            times[i].append((time.perf_counter() - t0) / inner[i])
    return [float(np.median(t)) for t in times]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batches", type=int, nargs="+", default=[1, 10, 64, 512])
    p.add_argument("--repeat", type=int, default=101, help="blocks per variant (default 101)")
    p.add_argument("--no-torch", action="store_true")
    args = p.parse_args(argv)
    try:
        import torch  # noqa: F401

        have_torch = not args.no_torch
    except ImportError:
        have_torch = False

    rng = np.random.default_rng(0)
    lr = 0.01
    print("batch   numpy ms   autograd_mini ms   ratio" + ("   torch ms   torch ratio" if have_torch else ""))
    for n in args.batches:
        X = rng.random((n, 784), dtype=np.float32)
        y = rng.integers(0, 10, n)
        am.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        params = [p.data.copy() for p in model.parameters()]
        opt = optim.SGD(model.parameters(), lr=lr)
        fns = [lambda: numpy_step(params, X, y, lr), make_framework_step(model, opt, X, y)]
        if have_torch:
            fns.append(make_torch_step([p.copy() for p in params], X, y, lr))
        # same start, same math: the first losses must agree
        first = [f() for f in fns]
        assert abs(first[0] - first[1]) < 1e-4 * max(1.0, abs(first[0])), first
        t = time_interleaved(fns, args.repeat)
        line = f"{n:5d}   {t[0] * 1e3:8.3f}   {t[1] * 1e3:16.3f}   {t[1] / t[0]:5.2f}"
        if have_torch:
            line += f"   {t[2] * 1e3:8.3f}   {t[2] / t[0]:11.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
