"""Einstein summation: one primitive over ``np.einsum`` whose derivative for each operand is another einsum.

Why a primitive: composing einsum from transpose/broadcast/multiply/sum would materialize the full
broadcast product (O(prod of all index sizes) memory); ``np.einsum`` (with ``optimize`` for 3+ operands)
contracts pairwise through BLAS. The derivative wrt operand k is ``einsum(gy, other operands -> k's
indices)``, with three fixes: a repeated index of k (a diagonal, 'ii') is written as a fresh index tied to
the first by an identity matrix; an index found only in k (summed away) is brought back by a ones vector;
and a length-1 ellipsis axis that was broadcast gets a fresh index of length 1, so its gradient is summed.
"""
from __future__ import annotations

import math
import string
from functools import lru_cache

import numpy as np

from ..errors import ShapeError
from ..function import Function
from ._util import _const

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NOTE: np.einsum's index alphabet


def parse(subscripts: str, shapes) -> tuple:
    """Explicit form of ``subscripts`` for operands of ``shapes``: (list of input index strings, output string),
    with '...' replaced by letters and the implicit output (ellipsis, then indices seen once, sorted) made
    explicit. Length-1 ellipsis axes that broadcast get their own fresh letters."""
    spec = subscripts.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ShapeError(f"einsum: subscripts {subscripts!r} name {len(ins)} operands, got {len(shapes)}")
    used = set(c for c in spec if c.isalpha())
    fresh = iter(c for c in _LETTERS if c not in used)
    ell_nd = []
    for s, shape in zip(ins, shapes):
        n_explicit = len(s.replace("...", ""))
        if "..." in s:
            ell_nd.append(len(shape) - n_explicit)
            if ell_nd[-1] < 0:
                raise ShapeError(f"einsum: operand {s!r} has {len(shape)} dimensions, fewer than its subscripts")
        else:
            ell_nd.append(0)
            if n_explicit != len(shape):
                raise ShapeError(
                    f"einsum: subscripts {s!r} name {n_explicit} dimensions but the operand has shape {tuple(shape)}"
                )
    n_ell = max(ell_nd) if ell_nd else 0
    ell = [next(fresh) for _ in range(n_ell)]
    ell_size = [1] * n_ell
    for s, shape, nd in zip(ins, shapes, ell_nd):
        if "..." in s:
            start = s.index("...")
            for i, size in enumerate(shape[start : start + nd]):
                j = n_ell - nd + i
                ell_size[j] = max(ell_size[j], size)
    explicit = []
    for s, shape, nd in zip(ins, shapes, ell_nd):
        if "..." in s:
            start = s.index("...")
            letters = []
            for i, size in enumerate(shape[start : start + nd]):
                j = n_ell - nd + i
                letters.append(ell[j] if size == ell_size[j] else next(fresh))  # NOTE: broadcast length-1 axis
            s = s.replace("...", "".join(letters))
        explicit.append(s)
    if arrow:
        out = rhs.replace("...", "".join(ell))
    else:
        counts = {}
        for s in lhs.replace("...", "").split(","):
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(sorted(c for c, n in counts.items() if n == 1))
    return explicit, out


@lru_cache(maxsize=512)
def _optimize(subscripts: str, shapes: tuple):
    """np.einsum's ``optimize`` for these operands: the greedy contraction path (pairwise, through BLAS) for 3+
    operands or at least 1e5 multiply-adds, else False. Measured (1 thread): greedy costs ~15 us of planning, so an 8 x 8
    matmul takes 21 us instead of 3; it pays off from about 48 x 48 x 48 (19 vs 29 us) and gives 5x at 256^3.
    Three operands are always faster with it (64^3 chain: 85 us vs 29 ms)."""
    ins, _ = parse(subscripts, shapes)  # NOTE: also the argument check (cached with the answer)
    if len(shapes) <= 2:
        sizes = {}
        for s, shape in zip(ins, shapes):
            for c, n in zip(s, shape):
                sizes[c] = max(sizes.get(c, 1), n)
        if math.prod(sizes.values()) < 100_000:
            return False
    # NOTE: the greedy contraction order, planned once per (subscripts, shapes): planning costs ~25 us a call
    # for 3 operands (measured: 64^3 chain 59 us with optimize='greedy', 36 us with the cached path)
    dummies = [np.broadcast_to(np.empty(()), shape) for shape in shapes]
    return np.einsum_path(subscripts, *dummies, optimize="greedy")[0]


# ***** einsum *****


class Einsum(Function):
    """y = einsum(subscripts, *xs);  dL/dx_k = einsum(gy, x_j for j != k -> indices of x_k)"""

    @staticmethod
    def forward(ctx, *xs, subscripts):
        ctx.subscripts = subscripts
        return np.asarray(np.einsum(subscripts, *xs, optimize=_optimize(subscripts, tuple(x.shape for x in xs))))

    @staticmethod
    def backward(ctx, gy):
        xs = ctx.inputs
        ins, out = parse(ctx.subscripts, [x.shape for x in xs])
        sizes = {}
        for s, x in zip(ins, xs):
            for c, n in zip(s, x.shape):
                sizes[c] = max(sizes.get(c, 1), n)
        used = set("".join(ins) + out)
        fresh = iter(c for c in _LETTERS if c not in used)
        grads = []
        for k, (s, need) in enumerate(zip(ins, ctx.needs_input_grad)):
            if not need:
                grads.append(None)
                continue
            specs, operands = [out], [gy]
            for j, (sj, xj) in enumerate(zip(ins, xs)):
                if j != k:
                    specs.append(sj)
                    operands.append(xj)
            target, seen = [], set()
            for c in s:
                if c in seen:  # NOTE: a repeated index of x_k (a diagonal): a fresh index tied by an identity
                    c2 = next(fresh)
                    specs.append(c + c2)
                    operands.append(_const(np.eye(sizes[c], dtype=gy.dtype)))
                    target.append(c2)
                else:
                    seen.add(c)
                    target.append(c)
            present = set("".join(specs))
            for c in seen - present:  # NOTE: an index summed away in x_k only: its gradient is broadcast back
                specs.append(c)
                operands.append(_const(np.ones(sizes[c], dtype=gy.dtype)))
            grads.append(Einsum.apply(*operands, subscripts=",".join(specs) + "->" + "".join(target)))
        return tuple(grads)
