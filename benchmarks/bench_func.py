"""Function transforms: autograd_mini.func against torch.func, side by side.

Two problems, float64:
    hessian   the Hessian (100 x 100) of an L2-regularized logistic-regression loss with 100 weights on a small
              dataset (200 examples): L(w) = mean_i [softplus(x_i . w) - y_i x_i . w] + lam |w|^2
    jacrev    the Jacobian (100 x 100) of x -> tanh(W x + b) with W (100, 100)

Also, for autograd_mini only, three ways to the same Jacobian: naive (f re-run for every row, one backward
each), f run once with one engine backward per row through the retained graph, and the default: f run once
and all rows pushed through the graph in one batched walk (func._batched); and the Hessian row by row vs
batched. These show what each step gains.

The frameworks alternate run by run in one process (autograd_mini, torch, torch, autograd_mini, ...), and the
ratio autograd_mini/torch is taken per round from the pair in it. Printed: milliseconds per call as the median
over the rounds, with the interquartile range [q1-q3] and the full range (min-max). Pin BLAS to one thread:

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_func.py [--rounds N]

Without PyTorch installed (or with --no-torch), only autograd_mini is timed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
from autograd_mini import func  # noqa: E402
from autograd_mini.func import _batched  # noqa: E402


def spread(values, fmt="{:.3f}"):
    """'median [q1-q3] (min-max)' of values."""
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    f = fmt.format
    return f"{f(med)} [{f(q1)}-{f(q3)}] ({f(min(values))}-{f(max(values))})"


def problems(d=100, n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    y = (rng.random(n) < 0.5).astype(np.float64)
    W = rng.standard_normal((d, d)) / np.sqrt(d)
    b = rng.standard_normal(d) * 0.1
    w0 = rng.standard_normal(d) * 0.1
    x0 = rng.standard_normal(d)
    return X, y, W, b, w0, x0


def ours(X, y, W, b, w0, x0, lam=1e-3):
    Xa, ya, Wa, ba = am.Tensor(X), am.Tensor(y), am.Tensor(W), am.Tensor(b)

    def loss(w):
        return nn.functional.binary_cross_entropy_with_logits(Xa @ w, ya) + lam * (w * w).sum()

    def layer(x):
        return am.tanh(Wa @ x + ba)

    def naive_jacobian():
        rows = []
        for i in range(len(x0)):
            x = am.Tensor(x0.copy(), requires_grad=True)
            (g,) = am.grad(layer(x)[i], x)
            rows.append(g.data)
        return np.stack(rows)

    return {
        "hessian": lambda: func.hessian(loss)(w0),
        "jacrev": lambda: func.jacrev(layer)(x0),
        "naive": naive_jacobian,
    }


def theirs(X, y, W, b, w0, x0, lam=1e-3):
    import torch
    import torch.func as tfunc

    Xt, yt, Wt, bt, wt, xt = (torch.tensor(a) for a in (X, y, W, b, w0, x0))

    def loss(w):
        return torch.nn.functional.binary_cross_entropy_with_logits(Xt @ w, yt) + lam * (w * w).sum()

    def layer(x):
        return torch.tanh(Wt @ x + bt)

    return {"hessian": lambda: tfunc.hessian(loss)(wt), "jacrev": lambda: tfunc.jacrev(layer)(xt)}


def timed(fn, repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=5, help="calls per timed run (default: %(default)s)")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    data = problems()
    a = ours(*data)
    t = None
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(1)
            t = theirs(*data)
        except ImportError:
            print("PyTorch is not installed: timing autograd_mini only")
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; {args.rounds} rounds of "
          f"{args.repeat} calls; ms per call: median [q1-q3] (min-max)")

    # the same numbers first
    if t is not None:
        for name in ("hessian", "jacrev"):
            err = np.abs(a[name]().data - t[name]().numpy()).max()
            print(f"{name}: max |autograd_mini - torch| = {err:.1e}")
    err = np.abs(a["jacrev"]().data - a["naive"]()).max()
    print(f"jacrev vs naive Jacobian: max |diff| = {err:.1e}")

    results = {}
    for name in ("hessian", "jacrev"):
        mine, torchs, ratios = [], [], []
        for r in range(args.rounds):
            order = [0, 1] if r % 2 == 0 else [1, 0]
            pair = {}
            for k in order:
                if k == 0:
                    pair[0] = timed(a[name], args.repeat)
                elif t is not None:
                    pair[1] = timed(t[name], args.repeat)
            mine.append(pair[0])
            if t is not None:
                torchs.append(pair[1])
                ratios.append(pair[0] / pair[1])
        results[name] = (mine, torchs, ratios)
        print(f"\n{name}:  autograd_mini {spread(mine)} ms")
        if t is not None:
            print(f"{' ' * len(name)}   torch.func    {spread(torchs)} ms")
            print(f"{' ' * len(name)}   ratio         {spread(ratios, '{:.2f}')}x")

    # the three ways to a Jacobian in autograd_mini (interleaved as well)
    naive, loop, fast, hloop, hfast = [], [], [], [], []
    for r in range(max(3, args.rounds // 2)):
        naive.append(timed(a["naive"], 1))
        _batched.enabled = False
        try:
            loop.append(timed(a["jacrev"], args.repeat))
            hloop.append(timed(a["hessian"], args.repeat))
        finally:
            _batched.enabled = True
        fast.append(timed(a["jacrev"], args.repeat))
        hfast.append(timed(a["hessian"], args.repeat))
    print("\njacrev in autograd_mini, three ways (ms):")
    print(f"  naive: f re-run and one backward per row      {spread(naive)}")
    print(f"  f once, one engine backward per row (retained) {spread(loop)}   "
          f"{np.median(naive) / np.median(loop):.1f}x faster than naive")
    print(f"  f once, all rows in one batched walk (default) {spread(fast)}   "
          f"{np.median(loop) / np.median(fast):.1f}x faster than the row loop")
    print("hessian in autograd_mini (ms):")
    print(f"  one engine backward of grad f per row          {spread(hloop)}")
    print(f"  all rows in one batched walk (default)         {spread(hfast)}   "
          f"{np.median(hloop) / np.median(hfast):.1f}x faster")
    return results


if __name__ == "__main__":
    main()
