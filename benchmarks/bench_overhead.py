"""Per-op overhead of autograd_mini: tiny elementwise chains and a 100,000-op chain.

Prints microseconds per op (median of several runs). Pin BLAS to one thread for stable numbers:
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_overhead.py
If PyTorch is installed, the same chains are timed with it side by side for comparison.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import autograd_mini as am


def median_time(fn, repeat):
    """Median wall time of repeat calls of fn (shared by the benchmark scripts)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def tiny_chain(lib, n_ops, make_leaf):
    """A chain of n_ops tiny elementwise ops on shape (4,) cycling through mul, add, tanh, sub, exp, neg."""

    def run():
        x = make_leaf()
        y = x
        for i in range(n_ops // 4):
            y = y * 0.9
            y = y + 0.1
            y = y.tanh()
            y = y - 0.05
        y.sum().backward()

    return run


def long_chain(n_ops, backend):
    """Forward and backward times per op of y = y * 1.0001 + ... over n_ops ops."""
    if backend == "autograd_mini":
        x = am.Tensor(np.ones(4, dtype=np.float32), requires_grad=True)
    else:
        import torch

        x = torch.ones(4, requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for i in range(n_ops // 2):
        y = y * 1.0001
        y = y + 0.0001
    t1 = time.perf_counter()
    y.sum().backward()
    t2 = time.perf_counter()
    return (t1 - t0) / n_ops * 1e6, (t2 - t1) / n_ops * 1e6


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=21)
    p.add_argument("--long", type=int, default=100_000, help="length of the long chain")
    args = p.parse_args(argv)

    backends = ["autograd_mini"]
    try:
        import torch

        torch.set_num_threads(1)
        backends.append("torch")
    except ImportError:
        torch = None

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else ""))
    print("\n1,000 tiny elementwise ops on shape (4,), forward + backward, us/op (median of %d)" % args.repeat)
    runs = {}
    for b in backends:
        if b == "autograd_mini":
            leaf = lambda: am.Tensor(np.ones(4, dtype=np.float32), requires_grad=True)
        else:
            leaf = lambda: torch.ones(4, requires_grad=True)
        runs[b] = tiny_chain(b, 1000, leaf)
        runs[b]()
    # NOTE: the backends alternate run by run, so that both see the same machine (shared machines change
    # speed over seconds; timed one after the other, the ratio swung from 0.25x to 1.06x between two runs)
    times = {b: [] for b in backends}
    for _ in range(args.repeat):
        for b, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[b].append(time.perf_counter() - t0)
    tiny = {b: float(np.median(t)) / 1000 * 1e6 for b, t in times.items()}
    for b, t in tiny.items():
        ratio = f"   ({t / tiny['torch']:.2f}x torch)" if b != "torch" and "torch" in tiny else ""
        print(f"  {b:14s} {t:6.2f} us/op{ratio}")

    print(f"\n{args.long:,}-op chain (mul/add by constants), us/op (median of 3, backends alternating)")
    res = {b: [] for b in backends}
    for _ in range(3):
        for b in backends:
            res[b].append(long_chain(args.long, b))
    for b in backends:
        fwd, bwd = np.median(np.array(res[b]), axis=0)
        print(f"  {b:14s} forward {fwd:5.2f} us/op   backward {bwd:5.2f} us/op")
    print(f"  recursion limit untouched: {sys.getrecursionlimit()}")


if __name__ == "__main__":
    main()
