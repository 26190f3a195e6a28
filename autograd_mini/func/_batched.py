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
may have any shape that broadcasts to (B,) + input.shape: the walker sums it back (``_sum_to``). A node with
several outputs (Split) gets lists instead: ``rule(node, gys, ys)``, None for an output without a gradient.

Without a rule (the engine's rows instead): Pad/Unfold/Fold (conv), GetItem/IndexAdd with several advanced
indices, users' Functions.
"""
from __future__ import annotations

import numpy as np

from .. import anomaly as _anomaly
from .. import inplace
from ..engine import _graph_order
from ..ops import einsum as ES
from ..ops import elementwise as E
from ..ops import linalg as L
from ..ops import loss as C
from ..ops import math as M
from ..ops import reduce as R
from ..ops import scan as SC
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
    return (gy * E.clip_inside(node),)


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


def _split(node, gys, ys):
    """The multi-output Split (split / chunk / unbind): gys holds one stacked gradient per output (None for an
    output that got none); the input's gradient is them joined along the axis, zeros for the missing ones."""
    n = next(g.shape[0] for g in gys if g is not None)
    axis = node.axis + 1
    parts = []
    for g, (shape, dtype) in zip(gys, node._output_meta):
        if g is None:
            g = np.zeros((n,) + shape, dtype=dtype)
        if node.squeeze:
            g = np.expand_dims(g, axis)
        parts.append(g)
    return (parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis),)


# ----- the math family (ops/math.py) -----


def _x(node):
    return node.inputs[0]._data


def _sin(node, gy, y):
    return (gy * np.cos(_x(node)),)


def _cos(node, gy, y):
    return (-gy * np.sin(_x(node)),)


def _tan(node, gy, y):
    return (gy * (1 + y * y),)


def _asin(node, gy, y):
    x = _x(node)
    return (gy * (1 / np.sqrt(1 - x * x)),)


def _acos(node, gy, y):
    x = _x(node)
    return (-gy * (1 / np.sqrt(1 - x * x)),)


def _atan(node, gy, y):
    x = _x(node)
    return (gy / (1 + x * x),)


def _atan2(node, gy, y):
    a, b = _ins(node)
    na, nb = node.needs_input_grad
    g = gy / (a * a + b * b)
    return (g * b if na else None), (-g * a if nb else None)


def _sinh(node, gy, y):
    return (gy * np.cosh(_x(node)),)


def _cosh(node, gy, y):
    return (gy * np.sinh(_x(node)),)


def _asinh(node, gy, y):
    x = _x(node)
    return (gy * (1 / np.sqrt(x * x + 1)),)


def _acosh(node, gy, y):
    x = _x(node)
    return (gy * (1 / np.sqrt(x * x - 1)),)


def _atanh(node, gy, y):
    x = _x(node)
    return (gy / (1 - x * x),)


def _log1p(node, gy, y):
    return (gy / (1 + _x(node)),)


def _expm1(node, gy, y):
    return (gy * np.exp(_x(node)),)


def _log_base(base):
    def rule(node, gy, y):
        return (gy / (_x(node) * np.log(base)),)
    return rule


def _erf(node, gy, y):
    x = _x(node)
    return (gy * (np.exp(-x * x) * M._TWO_OVER_SQRT_PI),)


def _erfc(node, gy, y):
    x = _x(node)
    return (gy * (np.exp(-x * x) * -M._TWO_OVER_SQRT_PI),)


def _mod(node, gy, y):
    a, b = _ins(node)
    na, nb = node.needs_input_grad
    gb = None
    if nb:
        with np.errstate(divide="ignore", invalid="ignore"):
            q = a / b
        q = np.floor(q) if node.floor else np.trunc(q)
        gb = gy * -q.astype(gy.dtype, copy=False)
    return (gy if na else None), gb


def _softmax_rule(node, gy, y):
    gyy = gy * y
    return (gyy - y * gyy.sum(axis=node.axis % y.ndim + 1, keepdims=True),)


# ----- products, scans, einsum (ops/reduce.py, ops/scan.py, ops/einsum.py) -----


def _prod_of_others(x, axis):
    """prod_{k != j} x_k over the reduced axes (no division: exact at zeros), as the primitive's backward."""
    nd = x.ndim
    red = tuple(range(nd)) if axis is None else tuple(axis)
    perm = tuple(a for a in range(nd) if a not in red) + red
    xt = x.transpose(perm)
    flat = xt.reshape(xt.shape[:nd - len(red)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    left = np.concatenate([ones, np.cumprod(flat[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([ones, np.cumprod(flat[..., :0:-1], axis=-1)], axis=-1)[..., ::-1]
    return (left * right).reshape(xt.shape).transpose(np.argsort(perm))


def _prod(node, gy, y):
    x = _x(node)
    kshape = _keepdims_shape(x.shape, node.axis)
    gy = gy.reshape(gy.shape[:1] + kshape)
    if not (x == 0).any():
        return (gy * y.reshape(kshape) / x,)
    return (gy * _prod_of_others(x, node.axis),)


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _cumsum(node, gy, y):
    axis = node.axis + 1
    return (np.cumsum(gy, axis=axis) if node.reverse else _reverse_cumsum(gy, axis),)


def _cumprod(node, gy, y):
    """revcumsum(gy * y) / x; with zeros as the primitive's backward: that before the first zero of a slice, at
    it revcumsum(gy * y') with y' the cumprod with that zero set to 1, and 0 after it."""
    x, axis = _x(node), node.axis
    zero = x == 0
    if not zero.any():
        return (_reverse_cumsum(gy * y, axis + 1) / x,)
    seen = np.cumsum(zero, axis=axis)
    before, first = seen == 0, zero & (seen == 1)
    part1 = _reverse_cumsum(gy * y, axis + 1) / np.where(before, x, 1.0)
    part2 = _reverse_cumsum(gy * np.cumprod(np.where(first, 1.0, x), axis=axis), axis + 1)
    return (np.where(before, part1, np.where(first, part2, 0.0)),)


def _lcse(a, axis, reverse):
    if reverse:
        return np.flip(np.logaddexp.accumulate(np.flip(a, axis), axis=axis), axis)
    return np.logaddexp.accumulate(a, axis=axis)


def _log_cum_sum_exp(node, gy, y):
    """sum_{i>=j} gy_i exp(x_j - y_i), as the primitive's backward: the positive and negative parts of gy
    through a reversed log-cum-sum-exp each (a large finite floor for log 0, as there)."""
    x, axis = _x(node), node.axis + 1
    floor = -1e30 if gy.dtype == np.float32 else -1e300
    out = np.zeros(np.broadcast_shapes(gy.shape, (1,) + x.shape), dtype=gy.dtype)
    for sign in (1.0, -1.0):
        mask = gy * sign > 0
        if not mask.any():
            continue
        lg = np.where(mask, np.log(np.where(mask, gy * sign, 1.0)), floor)
        out += np.exp(x + _lcse(lg - y, axis, not node.reverse)) * sign
    return (out,)


def _einsum(node, gy, y):
    """As the primitive's backward (ops/einsum.py), with one more index (the batch) on gy and on the result."""
    xs = _ins(node)
    ins, out = ES.parse(node.subscripts, [x.shape for x in xs])
    sizes = {}
    for s_, x in zip(ins, xs):
        for c, n in zip(s_, x.shape):
            sizes[c] = max(sizes.get(c, 1), n)
    used = set("".join(ins) + out)
    fresh = iter(c for c in ES._LETTERS if c not in used)
    batch = next(fresh)
    grads = []
    for k, (s_, need) in enumerate(zip(ins, node.needs_input_grad)):
        if not need:
            grads.append(None)
            continue
        specs, operands = [batch + out], [gy]
        for j, (sj, xj) in enumerate(zip(ins, xs)):
            if j != k:
                specs.append(sj)
                operands.append(xj)
        target, seen = [], set()
        for c in s_:
            if c in seen:  # a repeated index (a diagonal): a fresh index tied by an identity
                c2 = next(fresh)
                specs.append(c + c2)
                operands.append(np.eye(sizes[c], dtype=gy.dtype))
                target.append(c2)
            else:
                seen.add(c)
                target.append(c)
        for c in seen - set("".join(specs)):  # summed away in x_k only: broadcast back
            specs.append(c)
            operands.append(np.ones(sizes[c], dtype=gy.dtype))
        grads.append(np.einsum(",".join(specs) + "->" + batch + "".join(target), *operands, optimize=len(operands) > 2))
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
    M.Sin: _sin, M.Cos: _cos, M.Tan: _tan, M.Asin: _asin, M.Acos: _acos, M.Atan: _atan, M.Atan2: _atan2,
    M.Sinh: _sinh, M.Cosh: _cosh, M.Asinh: _asinh, M.Acosh: _acosh, M.Atanh: _atanh, M.Log1p: _log1p,
    M.Expm1: _expm1, M.Log2: _log_base(2.0), M.Log10: _log_base(10.0), M.Erf: _erf, M.Erfc: _erfc, M.Mod: _mod,
    M.Softmax: _softmax_rule, R.Prod: _prod, SC.Cumsum: _cumsum, SC.Cumprod: _cumprod,
    SC.LogCumSumExp: _log_cum_sum_exp, ES.Einsum: _einsum,
    S.Split: _split,  # NOTE: several outputs: called once with all their gradients (see batched_vjp)
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
            node = t.grad_fn
            if node._outputs is not None:
                # NOTE: several outputs (Split): the node runs once, when the first of them comes up (they share
                # its creation number, so they are adjacent in `made`, and all their consumers are done)
                while made and made[-1].grad_fn is node:
                    pop()
                outs = [r() if r is not None else None for r in node._outputs]
                gys = [grads.pop(o, None) if o is not None else None for o in outs]
                if all(g is None for g in gys):
                    continue
                if check and node.seq < check:
                    inplace.check_saved(node)
                gxs = RULES[type(node)](node, gys, [None if o is None else o._data for o in outs])
            else:
                gy = grads.pop(t, None)
                if gy is None:
                    continue
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
