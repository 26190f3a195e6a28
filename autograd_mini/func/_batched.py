"""Batched VJPs: many cotangents pushed through one recorded graph in a single backward walk.

jacrev needs u^T J for every basis vector u = e_i. The engine's backward takes one cotangent at a time, so a
Jacobian with m rows costs m walks of the graph, each paying Python overhead per node. Here the cotangents are
stacked along a new leading axis B and every node's derivative is applied to the whole stack at once, in numpy:
one walk, m times the arithmetic per node but about 1/m of the overhead.

This needs, per primitive, a derivative rule that accepts the extra leading axis (the "batching rule" of the
node). RULES has them for the primitives below; a graph with any other node (a user's Function, conv's window
primitives), a tensor hook, or anomaly mode falls back to one engine backward per row (``plan`` or
``batched_vjp`` returns None). As in the engine, a node whose saved input was changed in place raises. The
rules are written in numpy on the saved arrays, so this path is for first-order results only
(create_graph=False); nested transforms, which need differentiable results, use the engine.

Each rule: ``rule(node, gy, y) -> one gradient (or None) per input``, gy of shape (B,) + y.shape; a gradient
may have any shape that broadcasts to (B,) + input.shape: the walker sums it back (``_sum_to``).
"""
from __future__ import annotations

import numpy as np

from .. import anomaly as _anomaly
from .. import inplace
from ..engine import _graph_order
from ..ops import elementwise as E
from ..ops import linalg as L
from ..ops import loss as C
from ..ops import reduce as R
from ..ops import shape as S
from ..ops._util import _keepdims_shape

enabled = True  # NOTE: tests switch this off to compare with the engine's row-by-row results


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """g of shape (B,) + a shape broadcast from shape[1:], summed back to ``shape`` (the batch axis stays)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(1, 1 + lead)) + tuple(
        1 + lead + i for i, s in enumerate(shape[1:]) if s == 1 and g.shape[1 + lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(g.shape[:1] + g.shape[1 + lead:])
    if g.shape != shape:  # NOTE: a batch of 1 against a broadcast batch axis: never from the rules below
        g = np.broadcast_to(g, shape)
    return g


def _ins(node):
    a = node.inputs
    return [x._data for x in a]


def _swap(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


# ----- elementwise -----


def _add(node, gy, y):
    return gy, gy


def _sub(node, gy, y):
    return gy, -gy


def _neg(node, gy, y):
    return (-gy,)


def _same(node, gy, y):
    return (gy,)


def _cast(node, gy, y):
    return (gy.astype(node.inputs[0]._data.dtype),)


def _mul(node, gy, y):
    a, b = _ins(node)
    na, nb = node.needs_input_grad
    return (gy * b if na else None), (gy * a if nb else None)


def _div(node, gy, y):
    a, b = _ins(node)
    ga = gy / b
    na, nb = node.needs_input_grad
    return (ga if na else None), (-ga * a / b if nb else None)


def _pow(node, gy, y):
    a, b = _ins(node)
    na, nb = node.needs_input_grad
    return (gy * (b * a ** (b - 1)) if na else None), (gy * (y * np.log(a)) if nb else None)


def _exp(node, gy, y):
    return (gy * y,)


def _log(node, gy, y):
    return (gy / node.inputs[0]._data,)


def _tanh(node, gy, y):
    return (gy * (1 - y * y),)


def _tanh_grad(node, gg, g):
    gy, y = _ins(node)
    na, nb = node.needs_input_grad
    return (gg * (1 - y * y) if na else None), (gg * (gy * y * -2.0) if nb else None)


def _sigmoid(node, gy, y):
    return (gy * (y * (1 - y)),)


def _sigmoid_grad(node, gg, g):
    gy, y = _ins(node)
    na, nb = node.needs_input_grad
    return (gg * (y * (1 - y)) if na else None), (gg * (gy * (1 - 2.0 * y)) if nb else None)


def _relu(node, gy, y):
    x = node.inputs[0]._data
    return (gy * (x > 0),)


def _abs(node, gy, y):
    return (gy * np.sign(node.inputs[0]._data),)


def _clip(node, gy, y):
    x = node.inputs[0]._data
    inside = np.ones(x.shape, dtype=bool)
    if node.lo is not None:
        inside &= x >= node.lo
    if node.hi is not None:
        inside &= x <= node.hi
    return (gy * inside,)


def _maximum(node, gy, y):
    a, b = _ins(node)
    dt = np.result_type(a, b)
    wa = (a > b).astype(dt) + 0.5 * (a == b).astype(dt)
    na, nb = node.needs_input_grad
    return (gy * wa if na else None), (gy * (1 - wa) if nb else None)


def _where(node, gy, y):
    cond = node.cond
    na, nb = node.needs_input_grad
    zero = np.zeros((), dtype=gy.dtype)
    return (np.where(cond, gy, zero) if na else None), (np.where(cond, zero, gy) if nb else None)


# ----- linear algebra -----


def _matmul(node, gy, y):
    a, b = _ins(node)
    na, nb = node.needs_input_grad
    return (np.matmul(gy, _swap(b)) if na else None), (np.matmul(_swap(a), gy) if nb else None)


def _matmul_trans_a(node, gy, y):
    a, b = _ins(node)  # y = a^T b
    na, nb = node.needs_input_grad
    return (np.matmul(b, _swap(gy)) if na else None), (np.matmul(a, gy) if nb else None)


def _linear(node, gy, y):
    ins = _ins(node)
    x, w = ins[0], ins[1]
    need = node.needs_input_grad
    n = gy.shape[0]
    gx = np.matmul(gy, w) if need[0] else None
    gy2 = gy.reshape(n, -1, gy.shape[-1])
    gw = np.matmul(_swap(gy2), x.reshape(-1, x.shape[-1])) if need[1] else None
    if len(need) == 2:
        return gx, gw
    return gx, gw, (gy2.sum(axis=1) if need[2] else None)


# ----- shape, indexing and reductions -----


def _reshape(node, gy, y):
    return (gy.reshape(gy.shape[:1] + node.inputs[0]._data.shape),)


def _transpose(node, gy, y):
    n = gy.ndim - 1
    axes = tuple(range(n - 1, -1, -1)) if node.axes is None else tuple(np.argsort(node.axes).tolist())
    return (gy.transpose((0,) + tuple(a + 1 for a in axes)),)


def _sum_to_rule(node, gy, y):
    x = node.inputs[0]._data
    g = gy.reshape(gy.shape[:1] + (1,) * (x.ndim - y.ndim) + gy.shape[1:])
    return (np.broadcast_to(g, gy.shape[:1] + x.shape),)


def _sum(node, gy, y):
    x = node.inputs[0]._data
    if not node.keepdims:
        gy = gy.reshape(gy.shape[:1] + _keepdims_shape(x.shape, node.axis))
    return (np.broadcast_to(gy, gy.shape[:1] + x.shape),)


def _max(node, gy, y):
    x = node.inputs[0]._data
    kshape = _keepdims_shape(x.shape, node.axis)
    is_max = (x == y.reshape(kshape)).astype(x.dtype)
    share = is_max / is_max.sum(axis=node.axis, keepdims=True)
    return (gy.reshape(gy.shape[:1] + kshape) * share,)


def _logsumexp(node, gy, y):
    x = node.inputs[0]._data
    kshape = _keepdims_shape(x.shape, node.axis)
    return (gy.reshape(gy.shape[:1] + kshape) * np.exp(x - y.reshape(kshape)),)


def _batched_index(index):
    """index with a leading full slice for the batch axis, or None when numpy would then move axes around (two
    or more advanced indices, which numpy may place in front of the batch axis)."""
    items = index if type(index) is tuple else (index,)
    advanced = sum(1 for i in items if not (i is None or i is Ellipsis or type(i) in (slice, int)
                                             or isinstance(i, np.integer)))
    if advanced > 1:
        return None
    return (slice(None),) + items


def _getitem(node, gy, y):
    x = node.inputs[0]._data
    index = _batched_index(node.index)
    if index is None:
        raise _Unsupported
    out = np.zeros(gy.shape[:1] + x.shape, dtype=gy.dtype)
    if S._is_basic_index(node.index):
        out[index] = gy
    else:
        np.add.at(out, index, gy)
    return (out,)


def _index_add(node, gy, y):
    index = _batched_index(node.index)
    if index is None:
        raise _Unsupported
    return (gy[index],)


def _concatenate(node, gy, y):
    axis = node.axis % y.ndim + 1
    grads, start = [], 0
    for x, need in zip(node.inputs, node.needs_input_grad):
        stop = start + x._data.shape[axis - 1]
        grads.append(gy[(slice(None),) * axis + (slice(start, stop),)] if need else None)
        start = stop
    return tuple(grads)


# ----- the fused softmax cross-entropy -----


def _ce_weights(gy, n, reduction):
    """gy (B,) + reduced shape, as weights broadcasting against (B, N, C)."""
    if reduction == "none":
        return gy[:, :, None]
    w = gy[:, None, None]
    return w if reduction == "sum" else w * (1.0 / n if n else np.nan)


def _softmax(node, x):
    parts = getattr(node, "softmax_parts", None)
    if parts is None:
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return parts[0] / parts[1]


def _onehot(x, targets):
    onehot = np.zeros(x.shape, dtype=x.dtype)
    onehot[np.arange(x.shape[0]), targets] = 1
    return onehot


def _cross_entropy(node, gy, y):
    x = node.inputs[0]._data
    g0 = _softmax(node, x) - _onehot(x, node.targets)
    return (g0 * _ce_weights(gy, x.shape[0], node.reduction),)


def _cross_entropy_grad(node, gg, g):
    x, gy = _ins(node)
    n = x.shape[0]
    p = _softmax(node, x)
    na, nb = node.needs_input_grad
    gx = ggy = None
    if na:
        w = gy[:, None] if node.reduction == "none" else (gy if node.reduction == "sum" else
                                                          gy * (1.0 / n if n else np.nan))
        gx = w * p * (gg - (gg * p).sum(axis=-1, keepdims=True))
    if nb:
        per_example = (gg * (p - _onehot(x, node.targets))).sum(axis=-1)  # (B, N)
        if node.reduction == "none":
            ggy = per_example
        else:
            ggy = per_example.sum(axis=1)
            if node.reduction == "mean":
                ggy = ggy * (1.0 / n if n else np.nan)
    return gx, ggy


class _Unsupported(Exception):
    """A node this module has no batching rule for (the caller falls back to the engine)."""


RULES = {
    E.Add: _add, E.Sub: _sub, E.Neg: _neg, E.Copy: _same, E.Cast: _cast, E.Mul: _mul, E.Div: _div,
    E.Pow: _pow, E.Exp: _exp, E.Log: _log, E.Tanh: _tanh, E.TanhGrad: _tanh_grad, E.Sigmoid: _sigmoid,
    E.SigmoidGrad: _sigmoid_grad, E.Relu: _relu, E.Abs: _abs, E.Clip: _clip, E.Maximum: _maximum,
    E.Where: _where,
    L.MatMul: _matmul, L.MatMulTransA: _matmul_trans_a, L.Linear: _linear,
    S.Reshape: _reshape, S.Transpose: _transpose, S.BroadcastTo: _same, S.SumTo: _sum_to_rule,
    S.GetItem: _getitem, S.IndexAdd: _index_add, S.Concatenate: _concatenate,
    R.Sum: _sum, R.Max: _max, R.LogSumExp: _logsumexp,
    C.SoftmaxCrossEntropy: _cross_entropy, C.SoftmaxCrossEntropyGrad: _cross_entropy_grad,
}


def plan(roots):
    """The graph below roots if every node has a batching rule (and no hooks): (made, leaves), else None."""
    if not enabled or _anomaly.mode:
        return None
    made, leaves = _graph_order(roots)
    get = RULES.get
    for t in made:
        if t._hooks is not None or get(type(t.grad_fn)) is None:
            return None
    return made, leaves


def batched_vjp(root, seeds: np.ndarray, wanted, order) -> list:
    """u_b^T d root / d w for every row u_b of seeds (shape (B,) + root.shape) and every w in wanted (leaves).

    ``order`` is what ``plan([root])`` returned (reused across chunks). Returns one array of shape
    (B,) + w.shape per wanted tensor (zeros where root does not depend on it), or None when a node turns out
    to have no rule for this use (an index with several advanced parts): the caller then uses the engine.
    """
    made, _ = order
    made = list(made)
    targets = set(wanted)
    grads = {root: seeds}
    n = seeds.shape[0]
    check = inplace.last_stamp if made and inplace.last_stamp > made[0].grad_fn.seq else 0
    pop, get = made.pop, grads.get
    try:
        while made:
            t = pop()
            gy = grads.pop(t, None)
            if gy is None:
                continue
            node = t.grad_fn
            if check and node.seq < check:
                inplace.check_saved(node)
            gxs = RULES[type(node)](node, gy, t._data)
            for x, gx in zip(node.inputs, gxs):
                if gx is None or not x.requires_grad or (x.grad_fn is None and x not in targets):
                    continue  # NOTE: a leaf nobody asked for (a closed-over parameter): its stack is not kept
                xd = x._data
                if gx.shape[1:] != xd.shape:
                    gx = _sum_to(gx, (n,) + xd.shape)
                if gx.dtype != xd.dtype:
                    gx = gx.astype(xd.dtype)
                prev = get(x)
                grads[x] = gx if prev is None else prev + gx
    except _Unsupported:
        return None
    out = []
    for w in wanted:
        g = grads.get(w)
        out.append(np.zeros((n,) + w.shape, dtype=w.dtype) if g is None else np.asarray(g))
    return out


CHUNK_ELEMENTS = 1 << 22  # NOTE: the largest stacked gradient a chunk may hold (32 MB of float64)


def chunk_size(order, rows: int) -> int:
    """How many cotangents to push at once so that no stacked gradient holds more than CHUNK_ELEMENTS."""
    made, leaves = order
    biggest = max([t._data.size for t in made] + [t._data.size for t in leaves] + [1])
    return max(1, min(rows, CHUNK_ELEMENTS // biggest))
