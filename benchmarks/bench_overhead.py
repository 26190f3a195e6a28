"""Per-op overhead of autograd_mini: tiny elementwise chains and a 100,000-op chain, side by side with PyTorch.

Both measurements alternate the frameworks run by run in one process (autograd_mini, PyTorch, PyTorch,
autograd_mini, ...: the order flips every round), so that both see the same machine, and the ratio
autograd_mini/PyTorch is computed per round from the pair of runs in it. Printed: microseconds per op as the
median over the rounds, with the interquartile range [q1-q3] and the full range (min-max). Pin BLAS to one
thread for stable numbers:
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_overhead.py [--rounds N]
Without PyTorch installed (or with --no-torch), only autograd_mini is timed.

Python's cyclic garbage collector stays enabled while timing, as users have it (its cost grows with the graph
being built); the long chain's rounds each start after the previous graph was freed and ``gc.collect()`` ran,
so that no round pays for another round's garbage. Before timing, ``gc.freeze()`` moves the objects that
exist after the imports out of the collector's view (``--no-freeze`` keeps them): running both frameworks in
one process is otherwise unfair to the one whose graph is made of Python objects, because every full
collection its growing graph triggers also scans PyTorch's ~170,000 module objects, which a process without
PyTorch does not have (measured: autograd_mini's long-chain forward 3.29 us/op with PyTorch imported, 2.19
without it, same machine and minute). Frozen, each framework's collections scan only what it builds itself.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time

import numpy as np

import autograd_mini as am


def spread(values, fmt="{:.2f}"):
    """'median [q1-q3] (min-max)' of values."""
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    f = fmt.format
    return f"{f(med)} [{f(q1)}-{f(q3)}] ({f(min(values))}-{f(max(values))})"


def make_leaf(backend):
    if backend == "autograd_mini":
        return am.Tensor(np.ones(4, dtype=np.float32), requires_grad=True)
    import torch

    return torch.ones(4, requires_grad=True)


def tiny_chain(backend, n_ops):
    """A chain of n_ops tiny elementwise ops on shape (4,) cycling through mul, add, tanh, sub; then backward."""

    def run():
        x = make_leaf(backend)
        y = x
        for i in range(n_ops // 4):
            y = y * 0.9
            y = y + 0.1
            y = y.tanh()
            y = y - 0.05
        y.sum().backward()

    return run


def long_chain(n_ops, backend):
    """Forward and backward times per op (us) of y = y * 1.0001 + 0.0001 ... over n_ops ops.

    The graph is freed when this returns (untimed); the caller runs gc.collect() before the next run.
    """
    x = make_leaf(backend)
    t0 = time.perf_counter()
    y = x
    for i in range(n_ops // 2):
        y = y * 1.0001
        y = y + 0.0001
    t1 = time.perf_counter()
    y.sum().backward()
    t2 = time.perf_counter()
    return (t1 - t0) / n_ops * 1e6, (t2 - t1) / n_ops * 1e6


def alternate(backends, run, rounds, before=None):
    """Results of run(backend) for each backend over `rounds` rounds, the backends' order flipping every round
    (A B, B A, A B, ...), so that neither always runs first after the other. before() runs untimed before each
    run."""
    res = {b: [] for b in backends}
    for r in range(rounds):
        order = backends if r % 2 == 0 else backends[::-1]
        for b in order:
            if before is not None:
                before()
            res[b].append(run(b))
    return res


def report(label, per_op, ratio_name="ours/torch"):
    """Print per-op medians with spread for each backend and the per-round (paired) ratio."""
    for b, v in per_op.items():
        print(f"  {b:14s} {label}{spread(v)} us/op")
    if "torch" in per_op:
        r = np.array(per_op["autograd_mini"]) / np.array(per_op["torch"])
        print(f"  {'ratio':14s} {label}{spread(r)}x   ({ratio_name}, per round)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=21, help="rounds of the long chain (default 21)")
    p.add_argument("--tiny-rounds", type=int, default=None,
                   help="rounds of the tiny chain (default: 10x --rounds, at least 21)")
    p.add_argument("--long", type=int, default=100_000, help="length of the long chain")
    p.add_argument("--no-torch", action="store_true", help="time autograd_mini only")
    p.add_argument("--no-freeze", action="store_true",
                   help="do not gc.freeze() the objects made by the imports (see above)")
    args = p.parse_args(argv)
    tiny_rounds = args.tiny_rounds if args.tiny_rounds is not None else max(21, 10 * args.rounds)

    backends = ["autograd_mini"]
    torch = None
    if args.no_torch:
        print("--no-torch: timing autograd_mini only")
    else:
        try:
            import torch

            torch.set_num_threads(1)
            backends.append("torch")
        except ImportError:
            print("torch is not installed: timing autograd_mini only (no ratios)")

    if not args.no_freeze:
        gc.collect()
        gc.freeze()  # NOTE: see the module docstring: the imports' objects are not scanned by later collections
    versions = f"python {sys.version.split()[0]}, numpy {np.__version__}"
    print(versions + (f", torch {torch.__version__}" if torch else ""))
    print(f"autograd_mini from {am.__file__}; gc enabled: {gc.isenabled()}, thresholds {gc.get_threshold()}, "
          f"objects frozen after the imports: {gc.get_freeze_count()}")
    print("values: median [q1-q3] (min-max) over the rounds; frameworks alternate run by run, the order flipped")

    print(f"\n1,000 tiny elementwise ops on shape (4,), forward + backward, us/op ({tiny_rounds} rounds)")
    runs = {b: tiny_chain(b, 1000) for b in backends}
    for run in runs.values():
        run()  # NOTE: warm-up, untimed

    def time_tiny(b):
        t0 = time.perf_counter()
        runs[b]()
        return (time.perf_counter() - t0) / 1000 * 1e6

    tiny = alternate(backends, time_tiny, tiny_rounds)
    report("", tiny)

    print(f"\n{args.long:,}-op chain (mul/add by constants), us/op ({args.rounds} rounds; gc enabled while timing, "
          "gc.collect() before each run)")
    for b in backends:
        long_chain(min(args.long, 10_000), b)  # NOTE: warm-up, untimed
    res = alternate(backends, lambda b: long_chain(args.long, b), args.rounds, before=gc.collect)
    report("forward  ", {b: [f for f, _ in v] for b, v in res.items()})
    report("backward ", {b: [w for _, w in v] for b, v in res.items()})
    print(f"  recursion limit untouched: {sys.getrecursionlimit()}")


if __name__ == "__main__":
    main()
