"""Mutation audit: does every op's derivative have a test that fails when it is wrong?

For every primitive op (every Function subclass) and every input that gets a gradient, run the test suite
with that op's backward returning 1.01 x the true gradient for that input; the mutant is *killed* when a
test fails and *survives* when the whole suite passes. A survivor is a derivative no test guards.

    python tests/mutation_audit.py                    # every op, tests/autograd_mini and tests/nn, 2 jobs
    python tests/mutation_audit.py Mul:1 Linear:0     # only these mutants ("Op:input index")
    python tests/mutation_audit.py --tests tests/nn   # another selection of tests

A first run of the suite records which (op, input) pairs receive gradients; only those are mutated. Each
mutant is one pytest run with -x (it stops at the first failure), under the CI hypothesis profile. Takes
~10 minutes on 2 cores. Exit status 1 if any mutant survives or is never applied (no test reaches it).

The same file is the pytest plugin that applies a mutant (loaded with -p, configured by environment).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

MUTATE, RECORD, APPLIED = "AM_MUTATION", "AM_MUTATION_RECORD", "AM_MUTATION_APPLIED"
SCALE = 1.01  # NOTE: 10x gradcheck's default rtol (1e-3): a mutant that survives is not a tolerance artefact


def _functions():
    from autograd_mini.function import Function

    found, todo = {}, [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__name__ not in found:
                found[sub.__name__] = sub
                todo.append(sub)
    return found


def _wrap(cls, on_grads):
    """Make cls.backward pass its list of input gradients through on_grads(list) -> list."""
    original = cls.backward

    def backward(ctx, *gys):  # NOTE: *gys: an op with several outputs gets one gradient per output
        gxs = original(ctx, *gys)
        single = type(gxs) is not tuple
        out = on_grads([gxs] if single else list(gxs))
        return out[0] if single else tuple(out)

    cls.backward = staticmethod(backward)


def _install() -> None:
    """Plugin side: apply the mutant named in AM_MUTATION, or record gradient-receiving inputs."""
    spec, record, applied = os.environ.get(MUTATE), os.environ.get(RECORD), os.environ.get(APPLIED)
    if spec:
        name, index = spec.split(":")
        index = int(index)

        def mutate(gxs):
            if index < len(gxs) and gxs[index] is not None:
                gxs[index] = gxs[index] * SCALE
                if applied and not os.path.exists(applied):
                    open(applied, "w").close()  # NOTE: tells the driver the mutant was exercised at all
            return gxs

        _wrap(_functions()[name], mutate)
    elif record:
        seen = set()

        def recorder(name):
            def note(gxs):
                for i, g in enumerate(gxs):
                    if g is not None and (name, i) not in seen:
                        seen.add((name, i))
                        with open(record, "a") as f:
                            f.write(f"{name}:{i}\n")
                return gxs

            return note

        for name, cls in _functions().items():
            if "backward" in vars(cls):  # NOTE: only ops that define their own derivative
                _wrap(cls, recorder(name))


if MUTATE in os.environ or RECORD in os.environ:
    _install()


def _pytest(tests, env_extra):
    env = dict(os.environ, CI="1", HYPOTHESIS_PROFILE="ci", OPENBLAS_NUM_THREADS="1", **env_extra)
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "mutation_audit", *tests]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=os.path.dirname(here))
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    return done.returncode, summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mutants", nargs="*", help='"Op:i" pairs (default: every op input that gets a gradient)')
    p.add_argument("--tests", nargs="+", default=["tests/autograd_mini", "tests/nn"])
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)

    mutants = args.mutants
    known = _functions()
    for spec in mutants:
        name, _, index = spec.partition(":")
        if name not in known or not index.isdigit():
            p.error(f"{spec!r} is not a mutant: write Op:i with Op one of {', '.join(sorted(known))} and i an "
                    "input index (0 for the first input)")
    if not mutants:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "record")
            rc, summary = _pytest(args.tests, {RECORD: path})
            if rc != 0:
                print(f"the unmutated suite does not pass ({summary}); fix that first")
                return 2
            with open(path) as f:
                mutants = sorted(set(f.read().split()))
        print(f"{len(mutants)} mutants: {' '.join(mutants)}", flush=True)

    def run(spec):
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            flag = os.path.join(tmp, "applied")
            rc, summary = _pytest(args.tests, {MUTATE: spec, APPLIED: flag})
            applied = os.path.exists(flag)
        if rc == 1:
            verdict = "killed"
        elif rc == 0:
            # NOTE: a mutant no test reaches (e.g. an input that never gets a gradient) checked nothing
            verdict = "SURVIVED" if applied else "not applied: no test gives this input a gradient"
        else:
            verdict = f"error (pytest exit {rc})"
        print(f"{spec:28s} {verdict:9s} {time.perf_counter() - t0:5.0f} s  {summary}", flush=True)
        return spec, verdict

    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run, mutants))
    survivors = [s for s, v in results if v != "killed"]
    print(json.dumps({"mutants": len(results), "killed": len(results) - len(survivors), "not killed": survivors}))
    return 1 if survivors else 0


if __name__ == "__main__":
    # NOTE: run as a script, this folder is sys.path[0], and its tests/autograd_mini (a folder without
    # __init__.py) would be imported as a namespace package in place of the installed autograd_mini
    if os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    sys.exit(main())
