"""The ONNX mapping of each primitive (EMIT), the compositions written as one ONNX op (FUSE), and the
primitives refused with a reason (REFUSED).

Each mapping takes the builder ``b`` (see ``autograd_mini.onnx``: ``b.add`` makes a node, ``b.const`` an
initializer, ``b.names`` maps the recorded tensors to ONNX names), the node, its output tensor ``t`` (of the
example's recording) and the ONNX names of its inputs, and returns the ONNX name of the output.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

import numpy as np

from ._common import ExportError, _INT64_MAX, _INT64_MIN, _same
from ._math import (_atan2, _cumprod, _cumsum, _einsum, _erfc, _expm1, _log1p, _log_base, _log_cum_sum_exp, _mod,
                    _prod, _softmax)


# ----- one function per primitive ---------------------------------------------------------------------------


def _what(b):
    return lambda: f"export: {b.node.name}{b.where(b.node)}"


def _unary(op_type: str) -> Callable:
    def emit(b, node, t, ins):
        return b.add(op_type, [b.value(node.inputs[0], t.dtype)])
    return emit


def _binary(op_type: str) -> Callable:
    def emit(b, node, t, ins):
        return b.add(op_type, [b.value(x, t.dtype) for x in node.inputs])
    return emit


def _where(b, node, t, ins):
    nodes = [node] + [u.grad_fn for u in b.twins[t]]
    if _same_branches(nodes, t):
        # NOTE: where(cond, v, v.detach()) (nn.Embedding's padding_idx): the value is v whatever cond is
        v = node.inputs[1] if node.inputs[0].grad_fn is None else node.inputs[0]
        return b.add("Identity", [b.value(v, t.dtype)])
    x, y = (b.value(v, t.dtype) for v in node.inputs)
    candidates = [_cond_candidates(n) for n in nodes]
    for i, c in enumerate(candidates[0]):
        if all(_is_positive(n.cond, cs[i]) for n, cs in zip(nodes, candidates)):
            # NOTE: cond was computed from a recorded tensor as c > 0 (leaky_relu): compute it the same way
            return b.add("Where", [b.add("Greater", [b.names[c], b.scalar(0, c.dtype)]), x, y])
    if not all(_same(node.cond, n.cond) for n in nodes):
        raise ExportError(f"export: the condition of {node.name}{b.where(node)} changes with the input values or "
                          "sizes: it was computed from the input with numpy, so the graph does not compute it")
    return b.add("Where", [b.const(node.cond, "cond"), x, y])


def _same_branches(nodes, t) -> bool:
    """Both branches of a Where hold the same values in every recording, one of them a leaf (a detached copy)."""
    a, c = nodes[0].inputs
    if a.shape != t.shape or c.shape != t.shape or (a.grad_fn is not None and c.grad_fn is not None):
        return False
    for n in nodes:
        u, v = n.inputs
        floats = u.dtype.kind in "fc" and v.dtype.kind in "fc"
        if u.shape != v.shape or not np.array_equal(u.data, v.data, equal_nan=floats):
            return False
    return True


def _cond_candidates(node) -> list:
    """The tensors a data-dependent condition may have been computed from: the inputs and their inputs."""
    out = list(node.inputs)
    for x in node.inputs:
        if x.grad_fn is not None:
            out.extend(x.grad_fn.inputs)
    return out


def _is_positive(cond, c) -> bool:
    d = c.data
    try:
        if np.broadcast_shapes(cond.shape, d.shape) != cond.shape:
            return False
    except ValueError:
        return False
    return bool(np.array_equal(cond, np.broadcast_to(d > 0, cond.shape)))


def _tanh_grad(b, node, t, ins):
    gy, y = (b.value(v, t.dtype) for v in node.inputs)
    one = b.scalar(1, t.dtype)
    return b.add("Mul", [gy, b.add("Sub", [one, b.add("Mul", [y, y])])])


def _sigmoid_grad(b, node, t, ins):
    gy, y = (b.value(v, t.dtype) for v in node.inputs)
    one = b.scalar(1, t.dtype)
    return b.add("Mul", [gy, b.add("Mul", [y, b.add("Sub", [one, y])])])


def _clip(b, node, t, ins):
    x = b.value(node.inputs[0], t.dtype)
    lo, hi = node.lo, node.hi
    if np.ndim(lo) == 0 and np.ndim(hi) == 0:
        return b.add("Clip", [x, "" if lo is None else b.scalar(lo, t.dtype), "" if hi is None else b.scalar(hi, t.dtype)])
    if lo is not None:
        x = b.add("Max", [x, b.const(np.asarray(lo, t.dtype), "lo")])
    if hi is not None:
        x = b.add("Min", [x, b.const(np.asarray(hi, t.dtype), "hi")])
    return x


def _cast(b, node, t, ins):
    return b.add("Cast", ins, to=b.elem(t.dtype))


def _sum(b, node, t, ins):
    if node.axis == ():
        return b.add("Identity", ins)
    return b.reduce("ReduceSum", b.value(node.inputs[0], t.dtype), node.axis, node.keepdims)


def _max(b, node, t, ins):
    if node.axis == ():
        return b.add("Identity", ins)
    return b.reduce("ReduceMax", ins[0], node.axis, node.keepdims)


def _logsumexp(b, node, t, ins):
    """log(sum(exp(x - m))) + m with m the max over the axes, as the library computes it (no overflow)."""
    x = ins[0]
    m = b.reduce("ReduceMax", x, node.axis, True)
    s = b.reduce("ReduceSum", b.add("Exp", [b.add("Sub", [x, m])]), node.axis, node.keepdims)
    if not node.keepdims:
        m = b.reduce("ReduceMax", x, node.axis, False)
    return b.add("Add", [b.add("Log", [s]), m], "logsumexp")


def _reshape(b, node, t, ins):
    s1, s2 = b.shapes(t)
    shape = b.shape_input(s1, s2, _what(b), minus_one=True)
    if 0 in s1:
        return b.add("Reshape", [ins[0], shape], allowzero=1)
    return b.add("Reshape", [ins[0], shape])


def _transpose(b, node, t, ins):
    perm = node.axes if node.axes is not None else tuple(reversed(range(t.ndim)))
    return b.add("Transpose", ins, perm=[int(p) for p in perm])


def _broadcast_to(b, node, t, ins):
    x = node.inputs[0]
    s1, s2 = b.shapes(t)
    (x1, x2), lead = b.shapes(x), t.ndim - x.ndim
    # NOTE: Expand broadcasts both ways: a 1 keeps the operand's own (run-time) size on that axis
    keep = [i for i in range(lead, t.ndim) if s1[i] != s2[i] and x1[i - lead] == s1[i] and x2[i - lead] == s2[i]]
    return b.add("Expand", [ins[0], b.shape_input(s1, s2, _what(b), keep=keep)])


def _sum_to(b, node, t, ins):
    x = node.inputs[0]
    (x1, x2), (s1, s2) = b.shapes(x), b.shapes(t)
    lead = len(x1) - len(s1)

    def axes(xs, ss):
        return list(range(lead)) + [lead + i for i, s in enumerate(ss) if s == 1 and xs[lead + i] != 1]

    ax = axes(x1, s1)
    if ax != axes(x2, s2):
        raise ExportError(f"{_what(b)()}: the axes summed change with the input sizes")
    if not ax:
        return b.add("Identity", ins)
    y = b.reduce("ReduceSum", ins[0], ax, True)
    return b.add("Squeeze", [y, b.ints(list(range(lead)), "axes")]) if lead else y


def _getitem(b, node, t, ins):
    x = node.inputs[0]
    index = node.index
    items = list(index) if type(index) is tuple else [index]
    if any(isinstance(i, np.ndarray) and b.input_name(i) is not None for i in items):
        return _getitem_input(b, items, ins[0])
    items = [np.asarray(i) if isinstance(i, list) else i for i in items]
    arrays = [k for k, i in enumerate(items) if isinstance(i, np.ndarray) and not _is_int(i)]
    if len(arrays) > 1 or (arrays and any(_is_int(i) for i in items)):
        if any(i is None for i in items):
            raise ExportError(f"{_what(b)()}: indexing with several integer arrays and None has no ONNX mapping "
                              "yet; add the axis with a reshape before or after indexing")
        return _getitem_arrays(b, x, items, ins[0])
    if arrays and any(i is None for i in items):
        raise ExportError(f"{_what(b)()}: indexing with an array and None has no ONNX mapping yet; add the axis "
                          "with a reshape before or after indexing")
    used = sum(1 if i is not Ellipsis and i is not None else 0 for i in items)
    if arrays and items[arrays[0]].dtype == bool:
        used += items[arrays[0]].ndim - 1
    if Ellipsis in [i for i in items if not isinstance(i, np.ndarray)]:
        k = next(k for k, i in enumerate(items) if i is Ellipsis)
        items[k:k + 1] = [slice(None)] * (x.ndim - used)
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    ax = out = 0
    gather = None
    for i in items:
        if i is None:
            unsqueeze.append(out)
            out += 1
        elif _is_int(i):
            i = int(i)
            starts.append(i), ends.append(i + 1 if i != -1 else _INT64_MAX), axes.append(ax), steps.append(1)
            squeeze.append(ax)
            ax += 1
        elif isinstance(i, np.ndarray):
            gather = (ax, i)
            ax += max(i.ndim, 1) if i.dtype == bool else 1
            out += 1
        else:
            start, stop, step = i.start, i.stop, 1 if i.step is None else i.step
            if (start in (None, 0) and stop is None and step == 1) is False:
                starts.append(_INT64_MAX if start is None and step < 0 else 0 if start is None else start)
                ends.append((_INT64_MIN if step < 0 else _INT64_MAX) if stop is None else stop)
                axes.append(ax), steps.append(step)
            ax += 1
            out += 1
    y = ins[0]
    if axes:
        y = b.add("Slice", [y, b.ints(starts, "starts"), b.ints(ends, "ends"), b.ints(axes, "axes"),
                            b.ints(steps, "steps")])
    if gather is not None:
        gax, idx = gather
        if idx.dtype == bool:
            if idx.ndim > 1:  # NOTE: a mask over several axes: flatten them, then pick the true positions
                m = idx.ndim
                basic = tuple(slice(None) if k is gather[1] else k for k in items for k in ([k] * (
                    m if k is gather[1] else 1)))
                s1, s2 = (np.broadcast_to(np.zeros((), np.int8), s)[basic].shape for s in b.shapes(x))
                if s1[gax:gax + m] != s2[gax:gax + m]:
                    raise ExportError(f"{_what(b)()}: a boolean mask over a dynamic axis cannot be exported")
                s1 = s1[:gax] + (idx.size,) + s1[gax + m:]
                s2 = s2[:gax] + (idx.size,) + s2[gax + m:]
                y = b.add("Reshape", [y, b.shape_input(s1, s2, _what(b), minus_one=True)])
            idx = np.flatnonzero(idx)
        y = b.add("Gather", [y, b.const(idx.astype(np.int64), "indices")], axis=gax)
    if squeeze:
        y = b.add("Squeeze", [y, b.ints(squeeze, "axes")])
    if unsqueeze:
        y = b.add("Unsqueeze", [y, b.ints(unsqueeze, "axes")])
    return y if y is not ins[0] else b.add("Identity", [y])


def _getitem_input(b, items, name):
    """x[:, ..., :, idx] with idx an integer graph input (nn.Embedding: weight[idx]): Gather on that axis."""
    k = next(k for k, i in enumerate(items) if isinstance(i, np.ndarray) and b.input_name(i) is not None)
    if not all(_same(i, slice(None)) for i in items[:k] + items[k + 1:]):
        raise ExportError(f"{_what(b)()}: an integer input can be exported as an index only alone (x[idx]) or "
                          "after full slices (x[:, idx]); index with it first, then slice")
    return b.add("Gather", [name, b.input_name(items[k])], "gather", axis=k)


def _getitem_arrays(b, x, items, name):
    """x[index] with several integer arrays (numpy's advanced indexing) as Slice, Transpose, GatherND."""
    used = sum(i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1 for i in items if i is not Ellipsis)
    if any(i is Ellipsis for i in items if not isinstance(i, np.ndarray)):
        k = next(k for k, i in enumerate(items) if i is Ellipsis and not isinstance(i, np.ndarray))
        items[k:k + 1] = [slice(None)] * (x.ndim - used)
    flat = []
    for i in items:  # NOTE: as numpy: a mask is its nonzero() arrays, an int a 0-d array
        if isinstance(i, np.ndarray) and i.dtype == bool:
            flat.extend(np.nonzero(i))
        elif isinstance(i, slice):
            flat.append(i)
        else:
            flat.append(np.asarray(i, dtype=np.int64))
    flat += [slice(None)] * (x.ndim - len(flat))
    sliced = tuple(i if isinstance(i, slice) else slice(None) for i in flat)
    if any(not _same(i, slice(None)) for i in sliced):
        name = _getitem(b, _Stand(x, sliced), None, [name])  # the slices first: no axis goes away
    s1, s2 = (np.broadcast_to(np.zeros((), np.int8), s)[sliced].shape for s in b.shapes(x))
    picked = [k for k, i in enumerate(flat) if not isinstance(i, slice)]
    rest = [k for k in range(x.ndim) if k not in picked]
    idx = np.broadcast_arrays(*[flat[k] for k in picked])
    for k, a in zip(picked, idx):
        if s1[k] != s2[k]:
            raise ExportError(f"{_what(b)()}: an integer array indexes the dynamic axis {k}; it cannot be exported")
    idx = np.stack([a % s1[k] for k, a in zip(picked, idx)], axis=-1).astype(np.int64)  # NOTE: negatives wrapped
    if picked + rest != list(range(x.ndim)):
        name = b.add("Transpose", [name], perm=picked + rest)
    y = b.add("GatherND", [name, b.const(idx, "indices")])
    first, n = picked[0], idx.ndim - 1
    if picked == list(range(first, first + len(picked))) and first > 0:
        # NOTE: adjacent arrays: numpy puts the indexed dims where the arrays stood, not first
        y = b.add("Transpose", [y], perm=[n + k for k in range(first)] + list(range(n)) +
                  [n + k for k in range(first, len(rest))])
    return y


class _Stand:
    """A stand-in node for _getitem: the slices of an index, applied to x."""

    def __init__(self, x, index):
        self.inputs, self.index = (x,), index


def _is_int(i) -> bool:
    return type(i) is int or isinstance(i, np.integer) or (isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu")


def _concatenate(b, node, t, ins):
    return b.add("Concat", [b.value(x, t.dtype) for x in node.inputs], axis=int(node.axis))


def _split(b, node, t, ins):
    """Output k of split/chunk/unbind: a Slice of the input along the axis (and a Squeeze for unbind)."""
    k = next(i for i, r in enumerate(node._outputs) if r is not None and r() is t)
    nodes = [node] + [u.grad_fn for u in b.twins[t]]
    if not all(n.sizes == node.sizes for n in nodes):
        raise ExportError(f"export: the sizes of {node.name}{b.where(node)} change with the input sizes; split "
                          "along an axis that is not dynamic")
    start = sum(node.sizes[:k])
    y = b.add("Slice", [ins[0], b.ints([start], "starts"), b.ints([start + node.sizes[k]], "ends"),
                        b.ints([node.axis], "axes")])
    return b.add("Squeeze", [y, b.ints([node.axis], "axes")]) if node.squeeze else y


def _lstm_pointwise(b, node, t, ins):
    """Output k of the fused LSTM cell's pointwise part: see _lstm_outputs."""
    z, c = (b.value(v, t.dtype) for v in node.inputs)
    return _lstm_outputs(b, node, t, z, c)


def _lstm_cell(b, node, t, ins):
    """Output k of a whole LSTM step: z = x @ w_ih^T + h @ w_hh^T (+ b_ih + b_hh) (MatMul, Transpose, Add), then
    as LSTMPointwise."""
    x, h, c, w_ih, w_hh, *bias = (b.value(v, t.dtype) for v in node.inputs)
    key = ("lstm", id(node))
    z = None
    if key not in b.cache:
        z = b.add("Add", [b.add("MatMul", [x, b.add("Transpose", [w_ih], perm=[1, 0])]),
                          b.add("MatMul", [h, b.add("Transpose", [w_hh], perm=[1, 0])])])
        if bias:
            z = b.add("Add", [z, b.add("Add", bias)], "lstm_gates")
    return _lstm_outputs(b, node, t, z, c)


def _lstm_outputs(b, node, t, z, c):
    """The gates of z (N, 4H) sliced (Slice), Sigmoid/Tanh, the state update (Mul, Add): h' or c', whichever t is.
    Both outputs come from the same ONNX nodes, made when the first of them is asked for (z is then given)."""
    key = ("lstm", id(node))
    if key not in b.cache:
        axis, H = node.inputs[2 if len(node.inputs) > 2 else 0].ndim - 1, t.shape[-1]
        i, f, g, o = (b.add(act, [b.add("Slice", [z, b.ints([k * H], "starts"), b.ints([(k + 1) * H], "ends"),
                                                  b.ints([axis], "axes")])])
                      for k, act in enumerate(("Sigmoid", "Sigmoid", "Tanh", "Sigmoid")))
        c_new = b.add("Add", [b.add("Mul", [f, c]), b.add("Mul", [i, g])], "lstm_c")
        b.cache[key] = (b.add("Mul", [o, b.add("Tanh", [c_new])], "lstm_h"), c_new)
    k = next(i for i, r in enumerate(node._outputs) if r is not None and r() is t)
    return b.cache[key][k]


def _lstm_layer(b, node, t, ins):
    """Output k (y, h_T or c_T) of a whole LSTM layer: ONNX's LSTM operator, one direction ("reverse" for a
    reversed layer). Its gate order is i, o, f, c: the weight and bias rows are gathered (Gather) from PyTorch's
    i, f, g, o; Unsqueeze/Squeeze add and drop its direction axis. The three outputs come from one LSTM node."""
    key = ("lstm-layer", id(node))
    if key not in b.cache:
        dt = t.dtype
        x, h0, c0, w_ih, w_hh, *bias = (b.value(v, dt) for v in node.inputs)
        H = node.inputs[4].shape[1]
        rows = b.ints(np.concatenate([np.arange(k * H, (k + 1) * H) for k in (0, 3, 1, 2)]), "lstm_gate_rows")
        axis0 = b.ints([0], "axes")
        w, r = (b.add("Unsqueeze", [b.add("Gather", [v, rows], axis=0), axis0]) for v in (w_ih, w_hh))
        bb = ""
        if bias:  # NOTE: ONNX's B is [Wb, Rb] (8H): the two biases, each in ONNX's gate order
            bb = b.add("Unsqueeze", [b.add("Concat", [b.add("Gather", [v, rows], axis=0) for v in bias], axis=0),
                                     axis0], "lstm_bias")
        h, c = (b.add("Unsqueeze", [v, axis0]) for v in (h0, c0))
        base = f"{b.prefix}.lstm" if b.prefix else "lstm"
        outs = [b.fresh(base + part) for part in ("_y", "_h", "_c")]
        b.nodes.append(b.helper.make_node("LSTM", [x, w, r, bb, "", h, c], outs, name=outs[0], hidden_size=int(H),
                                          direction="reverse" if node.reverse else "forward"))
        b.cache[key] = (b.add("Squeeze", [outs[0], b.ints([1], "axes")]), b.add("Squeeze", [outs[1], axis0]),
                        b.add("Squeeze", [outs[2], axis0]))
    k = next(i for i, r in enumerate(node._outputs) if r is not None and r() is t)
    return b.cache[key][k]


def _layer_norm(b, node, t, ins):
    """LayerNormalization (opset 17+, float32) over the last naxes axes; below opset 17 or in float64 (ONNX
    Runtime's kernel is float32 only) the same math in elementary ops: d = x - mean(x), d / sqrt(mean(d * d) + eps)."""
    x, *params = (b.value(v, t.dtype) for v in node.inputs)
    axes = list(range(t.ndim - node.naxes, t.ndim))
    if b.opset >= 17 and t.dtype == np.float32:
        scale = params[0] if node.has_weight else b.const(np.ones(t.shape[t.ndim - node.naxes:], t.dtype), "ones")
        bias = [params[-1]] if node.has_bias else []
        return b.add("LayerNormalization", [x, scale, *bias], "layer_norm", axis=-node.naxes, epsilon=float(node.eps))
    d = b.add("Sub", [x, b.reduce("ReduceMean", x, axes, True)])
    var = b.reduce("ReduceMean", b.add("Mul", [d, d]), axes, True)
    y = b.add("Div", [d, b.add("Sqrt", [b.add("Add", [var, b.scalar(node.eps, t.dtype)])])])
    if node.has_weight:
        y = b.add("Mul", [y, params[0]])
    if node.has_bias:
        y = b.add("Add", [y, params[-1]])
    return y


def _linear(b, node, t, ins):
    x = node.inputs[0]
    ins = [b.value(v, t.dtype) for v in node.inputs]
    if x.ndim == 2:
        return b.add("Gemm", ins, "linear", transB=1)
    y = b.add("MatMul", [ins[0], b.add("Transpose", [ins[1]], perm=[1, 0])])
    return b.add("Add", [y, ins[2]], "linear") if len(ins) > 2 else y


def _matmul(b, node, t, ins):
    return b.add("MatMul", [b.value(v, t.dtype) for v in node.inputs])


def _matmul_trans_a(b, node, t, ins):
    ins = [b.value(v, t.dtype) for v in node.inputs]
    return b.add("MatMul", [b.add("Transpose", [ins[0]], perm=[1, 0]), ins[1]])


def _pad(b, node, t, ins):
    pw = node.pad_width
    pads = [int(p[0]) for p in pw] + [int(p[1]) for p in pw]
    return b.add("Pad", [ins[0], b.ints(pads, "pads")], mode="constant")


def _window_index(image_size, kernel_size, stride):
    """flat[i, j, p, q] = (i*sh + p) * W + (j*sw + q): where each window element sits in the flattened image."""
    (h, w), (kh, kw), (sh, sw) = image_size, kernel_size, stride
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    rows = (np.arange(oh) * sh)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = (np.arange(ow) * sw)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    return (rows * w + cols).astype(np.int64)  # (OH, OW, kh, kw)


def _unfold(b, node, t, ins):
    """im2col as one Gather: x (N, C, H, W) -> (N, C, H*W) -> gather the window positions -> (N, OH, OW, kh, kw, C).

    NOTE: pure data movement, so exact for every dtype (also inf/nan), and one node whatever the kernel size.
    """
    x = node.inputs[0]
    n, c, h, w = x.shape
    flat = b.add("Reshape", [ins[0], b.ints([0, c, h * w])])  # NOTE: 0 copies the (maybe dynamic) batch size
    idx = b.const(_window_index((h, w), node.kernel_size, node.stride), "window_index")
    cols = b.add("Gather", [flat, idx], axis=2)  # (N, C, OH, OW, kh, kw)
    return b.add("Transpose", [cols], "unfold", perm=[0, 2, 3, 4, 5, 1])


def _fold(b, node, t, ins):
    """col2im: the windows' values added into the image: a matmul with a 0/1 matrix (window slot -> pixel)."""
    n, oh, ow, kh, kw, c = node.inputs[0].shape
    h, w = t.shape[2:]
    idx = _window_index((h, w), node.kernel_size, node.stride).reshape(-1)
    onehot = np.zeros((idx.size, h * w), dtype=t.dtype)
    onehot[np.arange(idx.size), idx] = 1
    cols = b.add("Transpose", [ins[0]], perm=[0, 5, 1, 2, 3, 4])  # (N, C, OH, OW, kh, kw)
    flat = b.add("Reshape", [cols, b.ints([0, c, idx.size])])
    y = b.add("MatMul", [flat, b.const(onehot, "fold_matrix")])
    return b.add("Reshape", [y, b.ints([0, c, h, w])], "fold")


# ----- fused patterns: compositions written as the one ONNX op they compute ------------------------------------
# Each returns None when the pattern does not match (then the node is mapped on its own). The nodes of the
# composition are still emitted, and pruned at the end if nothing else uses them.


def _op(t) -> Optional[str]:
    return t.grad_fn.name if t.grad_fn is not None else None


def _fuse_transpose(b, node, t):
    """transpose(reshape(unfold(pad(x)) @ w2 + bias), 0, 3, 1, 2) -> Conv (nn.functional.conv2d);
    transpose(max(unfold(x), axis=(3, 4)), 0, 3, 1, 2) -> MaxPool (max_pool2d with overlapping windows)."""
    if tuple(node.axes or ()) != (0, 3, 1, 2) or t.dtype != np.float32:
        return None
    x = node.inputs[0]
    if _op(x) == "Max" and x.grad_fn.axis == (3, 4) and not x.grad_fn.keepdims and _op(x.grad_fn.inputs[0]) == "Unfold":
        u = x.grad_fn.inputs[0].grad_fn
        return b.add("MaxPool", [b.names[u.inputs[0]]], "max_pool", kernel_shape=[int(v) for v in u.kernel_size],
                     strides=[int(v) for v in u.stride])
    return _fuse_conv(b, x, t)


def _fuse_conv(b, r, t):
    if _op(r) != "Reshape":
        return None
    y, bias = r.grad_fn.inputs[0], None
    if _op(y) == "Add":
        m, bias = y.grad_fn.inputs
        if _op(m) != "MatMul":
            bias, m = m, bias
    else:
        m = y
    if _op(m) != "MatMul" or _op(m.grad_fn.inputs[0]) != "Reshape":
        return None
    a, w2 = m.grad_fn.inputs
    u = a.grad_fn.inputs[0]
    if _op(u) != "Unfold" or u.ndim != 6:
        return None
    n, oh, ow, kh, kw, c = u.shape
    out_c = w2.shape[-1]
    if (a.shape != (n * oh * ow, kh * kw * c) or w2.shape != (kh * kw * c, out_c) or r.shape != (n, oh, ow, out_c)
            or any(v.dtype != np.float32 for v in (a, w2) + ((bias,) if bias is not None else ()))
            or (bias is not None and bias.shape != (out_c,))):
        return None
    x, pads = u.grad_fn.inputs[0], [0, 0, 0, 0]
    if _op(x) == "Pad" and tuple(map(tuple, x.grad_fn.pad_width[:2])) == ((0, 0), (0, 0)):
        (top, bottom), (left, right) = x.grad_fn.pad_width[2:]
        x, pads = x.grad_fn.inputs[0], [int(top), int(left), int(bottom), int(right)]
    # conv weight[o, c, p, q] = w2[(p * kw + q) * C + c, o]: the parameter itself when w2 was made from it
    wt = w2.grad_fn.inputs[0] if _op(w2) == "Reshape" else None
    if wt is not None and _op(wt) == "Transpose" and tuple(wt.grad_fn.axes or ()) == (2, 3, 1, 0) \
            and wt.grad_fn.inputs[0].shape == (out_c, c, kh, kw):
        weight = b.names[wt.grad_fn.inputs[0]]
    else:
        weight = b.add("Transpose", [b.add("Reshape", [b.names[w2], b.ints([kh, kw, c, out_c])])], perm=[3, 2, 0, 1])
    ins = [b.names[x], weight] + ([b.names[bias]] if bias is not None else [])
    return b.add("Conv", ins, "conv", kernel_shape=[kh, kw], strides=[int(v) for v in u.grad_fn.stride], pads=pads)


def _fuse_max(b, node, t):
    """max(reshape(x, (N, C, OH, kh, OW, kw)), axis=(3, 5)) -> MaxPool (max_pool2d, windows not overlapping)."""
    r = node.inputs[0]
    if node.axis != (3, 5) or node.keepdims or _op(r) != "Reshape" or t.dtype != np.float32:
        return None
    x = r.grad_fn.inputs[0]
    n, c, oh, kh, ow, kw = r.shape
    if x.shape != (n, c, oh * kh, ow * kw):
        return None
    crop = (slice(None), slice(None), slice(0, oh * kh), slice(0, ow * kw))
    if _op(x) == "GetItem" and _same(x.grad_fn.index, crop):
        x = x.grad_fn.inputs[0]  # NOTE: MaxPool leaves out the rows and columns no window covers by itself
    return b.add("MaxPool", [b.names[x]], "max_pool", kernel_shape=[kh, kw], strides=[kh, kw])


def _log_softmax_of(t) -> Optional[tuple]:
    """(axis, x) if t = z - logsumexp(z, axis, keepdims=True) over one axis with z = x, or z = x - m for an m
    that is constant along the axis (log_softmax subtracts the row max, a constant computed with numpy): then t
    is log_softmax(x), since log_softmax does not change when a row is shifted. Else None."""
    if _op(t) != "Sub":
        return None
    z, l = t.grad_fn.inputs
    if _op(l) != "LogSumExp" or l.grad_fn.inputs[0] is not z or not l.grad_fn.keepdims:
        return None
    axis = l.grad_fn.axis
    axis = axis[0] if axis is not None and len(axis) == 1 else 0 if z.ndim == 1 else None
    if axis is None:
        return None
    x = z
    if _op(z) == "Sub":
        x0, m = z.grad_fn.inputs
        lead = z.ndim - m.ndim
        if x0.shape == z.shape and (axis % z.ndim < lead or m.shape[axis % z.ndim - lead] == 1):
            x = x0
    return axis, x


def _fuse_sub(b, node, t):
    """x - logsumexp(x, axis, keepdims=True) -> LogSoftmax (log_softmax; also with the row max subtracted first)."""
    found = _log_softmax_of(t)
    if found is None or t.dtype not in (np.float32, np.float64):
        return None
    axis, x = found
    return b.add("LogSoftmax", [b.value(x, t.dtype)], "log_softmax", axis=int(axis))


def _fuse_exp(b, node, t):
    """exp(log_softmax(x)) -> Softmax (a softmax composed by hand; the library's softmax is a primitive)."""
    found = _log_softmax_of(node.inputs[0])
    if found is None or t.dtype not in (np.float32, np.float64):
        return None
    axis, x = found
    return b.add("Softmax", [b.value(x, t.dtype)], "softmax", axis=int(axis))


def _const_value(b, t) -> Optional[float]:
    """The value of a one-element constant leaf (not an input or a parameter), else None."""
    if t.grad_fn is not None or t in b.params or t.size != 1 or any(t is x for x in b.first.inputs):
        return None
    return float(np.asarray(t.data).reshape(-1)[0])


def _mean_of(b, m, x, axes) -> bool:
    """m = sum(x, axes, keepdims=True) * (1 / n), the library's mean over axes."""
    if _op(m) != "Mul":
        return False
    s, c = m.grad_fn.inputs
    if _op(s) != "Sum" or s.grad_fn.inputs[0] is not x or not s.grad_fn.keepdims or s.grad_fn.axis != axes:
        return False
    n = int(np.prod([x.shape[a] for a in axes]))
    k = _const_value(b, c)
    return k is not None and np.float32(k) == np.float32(1.0 / n) if x.dtype == np.float32 else k == 1.0 / n


def _layer_norm_of(b, t) -> Optional[tuple]:
    """(x, first axis, eps) if t = d * (mean(d * d) + eps) ** -0.5 with d = x - mean(x), both means over the
    trailing axes (nn.functional.layer_norm before its weight and bias), else None."""
    if _op(t) != "Mul" or b.opset < 17 or t.dtype != np.float32:
        return None
    d, r = t.grad_fn.inputs
    if _op(d) != "Sub" or _op(r) != "Pow" or _const_value(b, r.grad_fn.inputs[1]) != -0.5:
        return None
    x, mean = d.grad_fn.inputs
    ve = r.grad_fn.inputs[0]
    if _op(ve) != "Add" or x.shape != t.shape or x.dtype != t.dtype or _op(mean) != "Sum" and _op(mean) != "Mul":
        return None
    var, c = ve.grad_fn.inputs
    eps = _const_value(b, c)
    if eps is None or _op(var) != "Mul" or _op(var.grad_fn.inputs[0]) != "Sum":
        return None
    axes = var.grad_fn.inputs[0].grad_fn.axis
    if axes is None or not axes or tuple(axes) != tuple(range(x.ndim - len(axes), x.ndim)):
        return None
    dd = var.grad_fn.inputs[0].grad_fn.inputs[0]
    if _op(dd) != "Mul" or dd.grad_fn.inputs[0] is not d or dd.grad_fn.inputs[1] is not d:
        return None
    if not (_mean_of(b, mean, x, axes) and _mean_of(b, var, dd, axes)):
        return None
    return x, axes[0], eps


def _affine_part(b, t, x, axis) -> bool:
    """t is a weight or bias for LayerNormalization: float32, of the normalized shape x.shape[axis:]."""
    return t.dtype == np.float32 and t.shape == x.shape[axis:]


def _fuse_mul(b, node, t):
    """layer_norm's normalization (times its weight) -> LayerNormalization (opset 17+, float32)."""
    found = _layer_norm_of(b, t)
    if found is not None:
        x, axis, eps = found
        scale = b.const(np.ones(x.shape[axis:], np.float32), "ones")
        return b.add("LayerNormalization", [b.names[x], scale], "layer_norm", axis=int(axis), epsilon=eps)
    for k in (0, 1):
        found = _layer_norm_of(b, node.inputs[k])
        w = node.inputs[1 - k]
        if found is not None and _affine_part(b, w, found[0], found[1]):
            x, axis, eps = found
            return b.add("LayerNormalization", [b.names[x], b.names[w]], "layer_norm", axis=int(axis), epsilon=eps)
    return None


def _fuse_add(b, node, t):
    """layer_norm(x) * weight + bias -> LayerNormalization with Scale and B (opset 17+, float32)."""
    for k in (0, 1):
        m, bias = node.inputs[k], node.inputs[1 - k]
        if _op(m) != "Mul":
            continue
        for j in (0, 1):
            found = _layer_norm_of(b, m.grad_fn.inputs[j])
            w = m.grad_fn.inputs[1 - j]
            if found is not None and _affine_part(b, w, *found[:2]) and _affine_part(b, bias, *found[:2]):
                x, axis, eps = found
                return b.add("LayerNormalization", [b.names[x], b.names[w], b.names[bias]], "layer_norm",
                             axis=int(axis), epsilon=eps)
    return None


FUSE: Dict[str, Callable] = {"Transpose": _fuse_transpose, "Max": _fuse_max, "Sub": _fuse_sub, "Exp": _fuse_exp,
                             "Mul": _fuse_mul, "Add": _fuse_add}

EMIT: Dict[str, Callable] = {
    "Add": _binary("Add"), "Sub": _binary("Sub"), "Mul": _binary("Mul"), "Div": _binary("Div"),
    "Pow": _binary("Pow"), "Maximum": _binary("Max"), "Neg": _unary("Neg"), "Exp": _unary("Exp"),
    "Log": _unary("Log"), "Tanh": _unary("Tanh"), "Sigmoid": _unary("Sigmoid"), "Relu": _unary("Relu"),
    "Abs": _unary("Abs"), "Copy": _unary("Identity"), "Where": _where, "TanhGrad": _tanh_grad,
    "SigmoidGrad": _sigmoid_grad, "Clip": _clip, "Cast": _cast,
    "Sum": _sum, "Max": _max, "LogSumExp": _logsumexp,
    "Reshape": _reshape, "Transpose": _transpose, "BroadcastTo": _broadcast_to, "SumTo": _sum_to,
    "GetItem": _getitem, "Concatenate": _concatenate, "Split": _split,
    "Linear": _linear, "MatMul": _matmul, "MatMulTransA": _matmul_trans_a,
    "Pad": _pad, "Unfold": _unfold, "Fold": _fold,
    "LSTMPointwise": _lstm_pointwise, "LSTMCell": _lstm_cell, "LSTMLayer": _lstm_layer,
    # math, scan and einsum primitives
    "Sin": _unary("Sin"), "Cos": _unary("Cos"), "Tan": _unary("Tan"), "Asin": _unary("Asin"),
    "Acos": _unary("Acos"), "Atan": _unary("Atan"), "Sinh": _unary("Sinh"), "Cosh": _unary("Cosh"),
    "Asinh": _unary("Asinh"), "Acosh": _unary("Acosh"), "Atanh": _unary("Atanh"), "Erf": _unary("Erf"),
    "Atan2": _atan2, "Log1p": _log1p, "Expm1": _expm1, "Log2": _log_base(2.0), "Log10": _log_base(10.0),
    "Erfc": _erfc, "Mod": _mod, "Softmax": _softmax, "Prod": _prod, "Cumsum": _cumsum, "Einsum": _einsum,
    "Cumprod": _cumprod, "LogCumSumExp": _log_cum_sum_exp,

    "LayerNorm": _layer_norm,
}

REFUSED = {
    "SoftmaxCrossEntropy": "it is a training loss; export the model without its loss (the logits), and apply "
                           "softmax or argmax to the outputs where the model runs",
    "SoftmaxCrossEntropyGrad": "it is the derivative of a training loss; export the model, not its backward pass",
    "LSTMPointwiseGrad": "it is the derivative of an LSTM cell; export the model, not its backward pass",
    "IndexAdd": "scattering with repeated indices (the derivative of indexing) is not mapped yet",
}

EXPORTED_OPS = tuple(sorted(EMIT))
