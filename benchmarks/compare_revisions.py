"""Compare the MLP training step (784-256-10, SGD, float32) of two revisions of the library: did a change make
it slower?

    OPENBLAS_NUM_THREADS=1 python benchmarks/compare_revisions.py BASE [HEAD] [--batches 1 10 64] [--rounds 8]
        [--instructions]

BASE and HEAD are git revisions (HEAD defaults to the working tree). Each is exported to a temporary folder; then
every round runs one process per revision and batch size, alternating their order, each timing a plain
training loop (zero_grad, forward, cross-entropy, backward, step). Prints the median step time of each
[interquartile range over the processes] and HEAD / BASE.

Why processes, and why a different heap layout in each: two copies of the library imported into one process
run at different speeds depending on which was imported first (here up to 3%), and a process's step time
depends on where its big arrays land (their alignment): the same code measured 294-394 us at batch 1 over
eight heap layouts. So each process first allocates a few arrays of a size that differs from round to round,
and both revisions see the same layouts.

``--instructions`` also counts the instructions per step of each with valgrind (callgrind), if installed: a
deterministic measure of the work done (not of its speed: valgrind runs numpy without AVX-512 and does not
model the cache misses that make up much of the difference on a real machine).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("autograd_mini", "nn", "optim")
PADS = ("", "100", "1000", "100,5000", "200000", "7", "33,77", "3000,9")  # float64 elements kept alive


def export(rev: str, dest: str) -> str:
    """The library's packages at git revision ``rev`` (None: the working tree) copied into ``dest``."""
    os.makedirs(dest)
    if rev is None:
        for p in PACKAGES:
            shutil.copytree(os.path.join(ROOT, p), os.path.join(dest, p),
                            ignore=shutil.ignore_patterns("__pycache__"))
        return dest
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev, *PACKAGES], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", dest], input=archive.stdout, check=True)
    return dest


def worker(lib: str, batch: int, steps: int, warmup: int, pad: str) -> None:
    """Run in a child process: time ``steps`` training steps of the library in ``lib``; print us per step."""
    import time

    keep = [np.empty(int(k)) for k in pad.split(",") if k]  # noqa: F841 - moves the later arrays
    sys.path[:0] = [lib, os.path.join(ROOT, "benchmarks")]  # NOTE: lib first: bench_mlp imports the library too
    # the step of bench_mlp.py, on the revision's library
    from bench_mlp import make_framework_step

    import autograd_mini as am
    import nn
    import optim

    assert am.__file__.startswith(lib)
    rng = np.random.default_rng(0)
    am.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = optim.SGD(model.parameters(), lr=0.01)
    step = make_framework_step(model, opt, rng.random((batch, 784), dtype=np.float32), rng.integers(0, 10, batch))

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    print((time.perf_counter() - t0) / max(steps, 1) * 1e6)  # NOTE: steps is 0 for --instructions' baseline run


def time_step(lib: str, batch: int, pad: str) -> float:
    steps = max(200, int(200_000 / (batch + 100)))  # ~1 s per process
    out = subprocess.run([sys.executable, __file__, "--worker", lib, str(batch), str(steps), "200", pad],
                         check=True, capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def instructions(lib: str, batch: int) -> float:
    """Instructions per step under callgrind: (run of 20 + k steps) - (run of 20 steps), divided by k."""
    counts = []
    for k in (0, 20):
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                              __file__, "--worker", lib, str(batch), str(k), "20", ""],
                             check=True, capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", out.stderr)
        if found is None:
            raise RuntimeError(f"callgrind printed no instruction count: {out.stderr[-500:]}")
        counts.append(int(found.group(1)))
    return (counts[1] - counts[0]) / 20


def main(argv=None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--worker":
        lib, batch, steps, warmup, pad = sys.argv[2:7]
        return worker(lib, int(batch), int(steps), int(warmup), pad)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("base", help="git revision to compare against")
    p.add_argument("head", nargs="?", default=None, help="git revision (default: the working tree)")
    p.add_argument("--batches", type=int, nargs="+", default=[1, 10, 64])
    p.add_argument("--rounds", type=int, default=8, help="processes per revision and batch (default 8)")
    p.add_argument("--instructions", action="store_true", help="also count instructions with callgrind")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        libs = {"base": export(args.base, os.path.join(tmp, "base")),
                "head": export(args.head, os.path.join(tmp, "head"))}
        print(f"base {args.base}, head {args.head or 'working tree'}; {args.rounds} processes each, alternating")
        print("batch   base us/step [IQR]        head us/step [IQR]        head/base")
        for batch in args.batches:
            times = {k: [] for k in libs}
            for r in range(args.rounds):
                order = list(libs) if r % 2 == 0 else list(libs)[::-1]
                for k in order:
                    times[k].append(time_step(libs[k], batch, PADS[r % len(PADS)]))
            q = {k: np.percentile(v, [25, 50, 75]) for k, v in times.items()}
            print(f"{batch:5d}   {q['base'][1]:8.1f} [{q['base'][0]:.1f}-{q['base'][2]:.1f}]   "
                  f"{q['head'][1]:8.1f} [{q['head'][0]:.1f}-{q['head'][2]:.1f}]   {q['head'][1] / q['base'][1]:.3f}",
                  flush=True)
            if args.instructions and shutil.which("valgrind"):
                n = {k: instructions(v, batch) for k, v in libs.items()}
                print(f"        instructions per step: base {n['base']:.0f}, head {n['head']:.0f}, "
                      f"head/base {n['head'] / n['base']:.4f}", flush=True)


if __name__ == "__main__":
    main()
