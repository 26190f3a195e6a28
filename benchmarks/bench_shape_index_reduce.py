"""Forward + backward of the issue-14 primitives and composites against the same math written in numpy:
einsum (matmul, 3-operand chain), cumsum, cumprod, gather (its gradient is a scatter-add) and sort. Prints the
ratio framework/numpy of the median times (alternating blocks, bench_mlp.time_interleaved).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_shape_index_reduce.py
"""
from __future__ import annotations

import numpy as np

import autograd_mini as am
from bench_mlp import time_interleaved  # the benchmarks folder is the script's path

rng = np.random.default_rng(0)
F32 = np.float32


def case_einsum_matmul(n=128):
    a, b = rng.standard_normal((n, n)).astype(F32), rng.standard_normal((n, n)).astype(F32)
    g = rng.standard_normal((n, n)).astype(F32)
    A, B = am.Tensor(a, requires_grad=True), am.Tensor(b, requires_grad=True)

    def ours():
        A.grad = B.grad = None
        (am.einsum("ij,jk->ik", A, B) * g).sum().backward()

    def ref():
        a @ b
        return g @ b.T, a.T @ g

    return "einsum ij,jk->ik 128", ours, ref


def case_einsum_chain(n=64):
    xs = [rng.standard_normal((n, n)).astype(F32) for _ in range(3)]
    g = rng.standard_normal((n, n)).astype(F32)
    T = [am.Tensor(x, requires_grad=True) for x in xs]

    def ours():
        for t in T:
            t.grad = None
        (am.einsum("ij,jk,kl->il", *T) * g).sum().backward()

    def ref():
        a, b, c = xs
        ab = a @ b
        ab @ c
        gab = g @ c.T
        return gab @ b.T, a.T @ gab, ab.T @ g

    return f"einsum ij,jk,kl->il {n}", ours, ref


def case_cumsum(shape=(256, 512)):
    x, g = rng.standard_normal(shape).astype(F32), rng.standard_normal(shape).astype(F32)
    X = am.Tensor(x, requires_grad=True)

    def ours():
        X.grad = None
        (am.cumsum(X, 1) * g).sum().backward()

    def ref():
        np.cumsum(x, 1)
        return np.flip(np.cumsum(np.flip(g, 1), 1), 1)

    return "cumsum (256, 512)", ours, ref


def case_cumprod(shape=(256, 512)):
    x = rng.uniform(0.9, 1.1, shape).astype(F32)
    g = rng.standard_normal(shape).astype(F32)
    X = am.Tensor(x, requires_grad=True)

    def ours():
        X.grad = None
        (am.cumprod(X, 1) * g).sum().backward()

    def ref():
        y = np.cumprod(x, 1)
        return np.flip(np.cumsum(np.flip(g * y, 1), 1), 1) / x

    return "cumprod (256, 512)", ours, ref


def case_gather(shape=(256, 1000), k=300):
    x = rng.standard_normal(shape).astype(F32)
    idx = rng.integers(0, shape[1], (shape[0], k))
    g = rng.standard_normal((shape[0], k)).astype(F32)
    X = am.Tensor(x, requires_grad=True)

    def ours():
        X.grad = None
        (am.gather(X, 1, idx) * g).sum().backward()

    def ref():
        np.take_along_axis(x, idx, 1)
        gx = np.zeros_like(x)
        np.add.at(gx, (np.arange(shape[0])[:, None], idx), g)
        return gx

    return "gather (256,1000)->300", ours, ref


def case_sort(shape=(256, 512)):
    x, g = rng.standard_normal(shape).astype(F32), rng.standard_normal(shape).astype(F32)
    X = am.Tensor(x, requires_grad=True)

    def ours():
        X.grad = None
        (am.sort(X, 1).values * g).sum().backward()

    def ref():
        i = np.argsort(x, 1, kind="stable")
        np.take_along_axis(x, i, 1)
        gx = np.empty_like(x)
        np.put_along_axis(gx, i, g, 1)
        return gx

    return "sort (256, 512)", ours, ref


def main():
    print("forward + backward, median of alternating blocks (shared machine: expect noise of ~10%)")
    cases = (case_einsum_matmul, case_einsum_chain, lambda: case_einsum_chain(256), case_cumsum, case_cumprod,
             case_gather, case_sort)
    for make in cases:
        name, ours, ref = make()
        t_ours, t_ref = time_interleaved([ours, ref], repeat=15)
        print(f"{name:26s} autograd_mini {t_ours * 1e6:9.1f} us   numpy {t_ref * 1e6:9.1f} us   ratio {t_ours / t_ref:5.2f}x")


if __name__ == "__main__":
    main()
