"""The backward pass: one graph walker, one accumulation point, one place where broadcasting is undone.

The engine knows nothing about specific ops: it asks each node for ``backward(ctx, gy)`` and sums what comes
back into the inputs' gradients. A node with several outputs is asked once, ``backward(ctx, *gys)``, after the
gradients of all its outputs are complete (the walk is over nodes in creation order, not over tensors).
"""
from __future__ import annotations

from typing import Dict, Iterable, Iterator, Optional, Sequence, Tuple, Union

import numpy as np
from operator import attrgetter

from sys import getrefcount
from threading import get_ident as _get_ident

from . import anomaly as _anomaly
from . import grad_mode
from . import inplace
from .errors import NoGradError, ShapeError
from .function import _standin as standin
from .tensor import Tensor, _make, _readonly_full

_mode_state, _threads_off = grad_mode.state, grad_mode.off  # NOTE: see set_mode, inlined in _run_backward


def iter_graph(roots: Iterable[Tensor], *, everything: bool = False, freed_ok: bool = False) -> Iterator[Tensor]:
    """Yield every tensor reachable from roots, each one after all the tensors that consume it.

    Leaves come last. By default only tensors that take part in backward (require grad) are visited;
    ``everything=True`` also yields constants and inputs that do not require grad (for drawing).
    ``freed_ok=True`` walks on through nodes that a backward freed, yielding the inputs they kept for drawing
    (whose values backward may have freed: see ``function.is_freed``).

    Raises:
        GraphFreedError: if the graph reaches a node whose graph an earlier backward freed (before anything
            is yielded), unless freed_ok.
    """
    made, leaves = _graph_order(roots, everything, freed_ok)
    while made:
        yield made.pop()
    yield from leaves


_creation_number = attrgetter("grad_fn.seq")
_NO_SEQ = 1 << 62  # above every creation number


def _graph_order(roots: Iterable[Tensor], everything: bool = False, freed_ok: bool = False) -> Tuple[list, list]:
    """The tensors reachable from roots: (made by nodes, ascending in creation order; leaves, in the order reached).

    Every recorded node carries a sequence number from its creation, and a consumer is always created after
    the tensors it consumes; so popping the tensors made by nodes from the end of the first list visits every
    consumer before what it consumes. One iterative pass to collect (a chain of 100,000 ops needs no
    recursion) and one sort, skipped when the walk already met the nodes newest first (as in a chain).

    NOTE: tensors themselves are the keys of sets and dicts here and in _run_backward: Tensor keeps object's
    identity hash (a C slot, cheaper than calling id()), and distinct live tensors never hash equal, so the
    elementwise __eq__ is never called.
    """
    made, leaves, stack, seen = [], [], [], set()
    for r in roots:
        if r not in seen:
            seen.add(r)
            (leaves if r.grad_fn is None else stack).append(r)
    push, pop, add, keep = stack.append, stack.pop, seen.add, made.append
    last, descending = _NO_SEQ, True
    while stack:
        t = pop()
        keep(t)
        node = t.grad_fn
        seq = node.seq
        if seq > last:
            descending = False
        last = seq
        inputs = node._inputs  # NOTE: node.inputs inlined (see Function.__slots__)
        if inputs is _LIVE:
            b = node._in1
            inputs = (node._in0,) if b is _ONE else (node._in0, b)
        if inputs is None:
            inputs = node.parents(freed_ok)  # raises GraphFreedError with the explanation, unless freed_ok
        for p in inputs:
            if (everything or p.requires_grad) and p not in seen:
                add(p)
                if p.grad_fn is None:
                    leaves.append(p)
                else:
                    push(p)
    if descending:
        made.reverse()  # NOTE: the walk met the nodes newest first (a chain, a feedforward net): no sort needed
    else:
        made.sort(key=_creation_number)
    return made, leaves


def _seed(root: Tensor, gradient) -> Tensor:
    if not isinstance(root, Tensor):
        raise TypeError(f"backward/grad expects Tensors as outputs, got {type(root).__name__}")
    if not root.requires_grad:
        if root._nograd_op is not None:
            raise NoGradError(
                f"this tensor (shape {root.shape}, made by {root._nograd_op}) was computed while grad mode was off "
                "(inside no_grad() or set_grad_enabled(False)), so no graph was recorded for it; compute it "
                "outside no_grad() to backpropagate through it"
            )
        raise NoGradError(
            f"this tensor (shape {root.shape}) does not require grad and has no grad_fn; "
            "set requires_grad=True on the leaves you want gradients for"
        )
    if gradient is None:
        if root._data.size != 1:
            raise ValueError(
                f"backward() without a gradient needs a one-element output, got shape {root.shape}; "
                "pass gradient=<array of that shape> (d loss / d output) or reduce the output first (e.g. .sum())"
            )
        return _make(_readonly_full(root._data.shape, 1, root._data.dtype))  # NOTE: backward() copies it for a .grad
    g = gradient if isinstance(gradient, Tensor) else _make(np.asarray(gradient, dtype=root._data.dtype))
    if g.shape != root.shape:
        raise ShapeError(f"backward(gradient=...) expects shape {root.shape}, got {g.shape}")
    if g._data.dtype != root._data.dtype:
        g = F.astype(g, root._data.dtype)
    return g


def _seeds(fn: str, roots: list, gradients) -> list:
    """One seed per output: ``gradients`` is None (every output one-element), one gradient (a Tensor, an array
    or a number, for a single output) or a sequence with one entry per output (None for a one-element one)."""
    if gradients is None:
        gradients = [None] * len(roots)
    elif isinstance(gradients, (Tensor, np.ndarray, np.generic, int, float)):
        gradients = [gradients]
    else:
        gradients = list(gradients)
    if len(gradients) != len(roots):
        # NOTE: never zip silently: a missing or extra gradient would drop an output or misassign the rest
        raise ValueError(
            f"{fn}(): got {len(roots)} output{'s' if len(roots) != 1 else ''} and {len(gradients)} "
            f"gradient{'s' if len(gradients) != 1 else ''}; pass one gradient per output, in order "
            "(None for a one-element output)"
        )
    return [_seed(r, g) for r, g in zip(roots, gradients)]


_KEEP_BYTES = 1024  # NOTE: smaller values stay with the graph (less than its nodes' own size): dropping costs time


def _run_backward(
    roots: Sequence[Tensor],
    seeds: Sequence[Tensor],
    *,
    retain_graph: bool,
    create_graph: bool,
    wanted: Optional[set] = None,
) -> Tuple[list, Dict[Tensor, Tensor]]:
    """Propagate seeds from roots; return (leaves, grads).

    ``leaves`` are the leaves reached; ``grads`` maps each leaf that got a gradient, and for grad() each tensor in
    the set ``wanted``, to its gradient. Gradients of other intermediate tensors are dropped as soon as their node
    has used them, and, unless retain_graph, each node releases its saved inputs right after its backward ran.
    """
    grads: Dict[Tensor, Tensor] = {}  # NOTE: a tensor is in here only until its node is processed (freed as we go)
    # NOTE: ids whose gradient array was allocated here, so it may be added to in place. A stale id left after
    # its tensor was processed cannot collide: every tensor still to be processed is alive, so has another id.
    owned = set()
    for r, s in zip(roots, seeds):
        grads[r] = s if r not in grads else grads[r] + s  # the same output given twice: seeds add up
    kept = {}  # grad(): the gradients of wanted tensors that were made by nodes
    sum_to, astype, add = F.sum_to, F.astype, np.add
    made, leaves = _graph_order(roots)
    pop, get = made.pop, grads.get
    # NOTE: the in-place check: only nodes older than the newest mutation can have a changed saved tensor; in a
    # training loop (forward, backward, step) there are none, and the check costs one comparison per backward.
    check = inplace.last_stamp if made and inplace.last_stamp > made[0].grad_fn.seq else 0
    uses = {}  # tensor -> how many places in processed nodes' inputs hold it (see "steal" below)
    anomaly = _anomaly.mode
    # NOTE: None, not False: ops run by backward do not mark their results as made under the user's no_grad().
    # grad_mode.set_mode inlined, there and back: its two calls per backward were ~1 us of cache misses in a
    # training step (everything here is cold after the step's array work).
    state = _mode_state
    mode, new = state.enabled, (True if create_graph else None)
    state.enabled = new
    flip = (not mode) is not (not new)
    if flip:
        ident = _get_ident()
        if new:
            _threads_off.discard(ident)
        else:
            _threads_off.add(ident)
    # NOTE: the same trick for nodes with several outputs: only a graph younger than the newest such node can
    # hold one, and only then does each node get looked at for it.
    multi = made and _function.last_multi >= made[0].grad_fn.seq
    outs = None  # the outputs of the multi-output node being processed (None for a single-output one)
    try:
        while made:
            t = pop()  # NOTE: popping drops the walk's reference, so a tensor can go once it is done
            if multi and t.grad_fn._outputs is not None:
                # NOTE: a node with several outputs runs once, when the first of them comes up: its outputs share
                # its creation number, so they sit together at the end of `made`, and every consumer of any of
                # them (all younger) has already been processed.
                node = t.grad_fn
                group = [t]
                while made and made[-1].grad_fn is node:
                    group.append(pop())
                t = None
                gys = _output_grads(node, grads, wanted, kept, create_graph)
                if gys is None:
                    group = None
                    continue  # no output got a gradient
                if check and node.seq < check:
                    inplace.check_saved(node)
                if anomaly:
                    gxs = _anomaly.backward(node, *gys)
                else:
                    gxs = node.backward(node, *gys)
                gys = None
                if not retain_graph:
                    outs = group  # NOTE: for the release below, which resets it
                group = None
            else:
                gy = grads.pop(t, None)
                if gy is None:
                    continue  # no gradient reached t (every rule on the way returned None)
                if t._hooks is not None:
                    gy = _run_hooks(t, gy, retain=wanted is None, create_graph=create_graph)
                if wanted is not None and t in wanted:
                    kept[t] = gy
                node = t.grad_fn
                if check and node.seq < check:
                    inplace.check_saved(node)
                if anomaly:
                    gxs = _anomaly.backward(node, gy)
                else:
                    gxs = node.backward(node, gy)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            ins = node._inputs  # NOTE: node.inputs inlined (see Function.__slots__)
            if ins is _LIVE:
                b = node._in1
                ins = (node._in0,) if b is _ONE else (node._in0, b)
            for x, gx in zip(ins, gxs):
                if gx is None or not x.requires_grad:
                    continue
                gd, xd = gx._data, x._data
                if gd.shape != xd.shape or gd.dtype is not xd.dtype:
                    if gd.shape != xd.shape:
                        gx = sum_to(gx, xd.shape)  # NOTE: the ONLY place broadcasting is undone
                    if gx._data.dtype is not xd.dtype:
                        gx = astype(gx, xd.dtype)
                if xd.nbytes > _KEEP_BYTES and x.grad_fn is not None:  # NOTE: counted only for values backward
                    uses[x] = uses.get(x, 0) + 1  # may drop (see "steal"): big ones, made by nodes (not leaves)
                prev = get(x)
                if prev is None:
                    grads[x] = gx
                elif create_graph:
                    grads[x] = prev + gx
                elif id(x) in owned:
                    add(prev._data, gx._data, out=prev._data)
                else:
                    total = prev._data + gx._data
                    grads[x] = _make(total if type(total) is np.ndarray else np.asarray(total))
                    owned.add(id(x))
            x = None  # NOTE: the loop variable may hold the next tensor to process (it counts as a reference)
            if not retain_graph:
                # NOTE: the node drops its inputs (a second backward through here raises) but keeps them as
                # freed_inputs, so the graph can still be drawn. Memory stays as without that: t's values are
                # dropped ("stolen") once nothing but the graph holds t: its references are then this frame's
                # two (t, and getrefcount's argument) and one per place in a processed node's inputs. A value
                # the user holds (e.g. `h` kept to print) is never dropped.
                if node._inputs is not _LIVE:  # NOTE: three or more inputs: the tuple moves to _in0 (see Function)
                    node._in0 = node._inputs
                    node._in1 = _MANY
                node._inputs = None
                ins = b = None  # NOTE: references to inputs, like x above
                if node._frees_more:
                    node.release_buffers()
                if outs is None:
                    d = t._data
                    if d.nbytes > _KEEP_BYTES:
                        n = uses.pop(t, 0)  # NOTE: first: as a key of uses, t has one more reference
                        if getrefcount(t) <= 2 + n:
                            t._data = standin(d)
                        d = None
                else:
                    _steal_outputs(outs, uses)
                    outs = None
    finally:
        state.enabled = mode
        if flip:
            if mode:
                _threads_off.discard(ident)
            else:
                _threads_off.add(ident)
    if kept:
        grads.update(kept)
    return leaves, grads


def _output_grads(node, grads: dict, wanted, kept: dict, create_graph: bool) -> Optional[list]:
    """The gradients of a multi-output node's outputs, in order (popped from grads, after each output's hooks),
    with zeros for the missing ones if node.materialize_grads (None for non-differentiable outputs); None if no
    output got a gradient."""
    gys, got = [], False
    for r in node._outputs:
        o = r() if r is not None else None
        g = grads.pop(o, None) if o is not None else None
        if g is not None:
            got = True
            if o._hooks is not None:
                g = _run_hooks(o, g, retain=wanted is None, create_graph=create_graph)
            if wanted is not None and o in wanted:
                kept[o] = g
        gys.append(g)
    if not got:
        return None
    if node.materialize_grads:
        for k, (g, r) in enumerate(zip(gys, node._outputs)):
            if g is None and r is not None:
                shape, dtype = node._output_meta[k]
                gys[k] = _make(np.zeros(shape, dtype))
    return gys


def _steal_outputs(outs: list, uses: dict) -> None:
    """Free the values of a multi-output node's processed outputs that nothing but the graph holds (see
    "steal" in _run_backward); references here: the list, the loop variable and getrefcount's argument."""
    for o in outs:
        d = o._data
        if d.nbytes > _KEEP_BYTES:
            n = uses.pop(o, 0)
            if getrefcount(o) <= 3 + n:
                o._data = standin(d)
    o = d = None
    outs.clear()


def _run_hooks(t: Tensor, g: Tensor, retain: bool, create_graph: bool) -> Tensor:
    """Run t's gradient hooks in order (each may replace g); then, for backward(), a retained grad is stored."""
    for fn in list(t._hooks.values()):
        new = fn(g)
        if new is not None:
            if not isinstance(new, Tensor):
                new = _make(np.asarray(new, dtype=g._data.dtype))
            if new.shape != g.shape:
                raise ShapeError(
                    f"a hook of a tensor of shape {t.shape} returned a gradient of shape {new.shape}; "
                    f"it must return None or a gradient of shape {g.shape}"
                )
            g = new
    if retain and t._retains_grad:
        r = g if create_graph else _make(np.array(g._data))  # NOTE: a copy: g flows on to the inputs
        t.grad = r if t.grad is None else t.grad + r
    return g


def _as_list(x) -> list:
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def backward(
    tensors: Union[Tensor, Sequence[Tensor]],
    grad_tensors=None,
    retain_graph: Optional[bool] = None,
    create_graph: bool = False,
) -> None:
    """Accumulate d(tensors)/d(leaf) into the ``.grad`` of every leaf that requires grad.

    Args:
        tensors: output tensor(s) to differentiate.
        grad_tensors: d(loss)/d(output): one per output, in order (None for a one-element output); for a single
            output also just the gradient (a Tensor, an array or a number).
        retain_graph: keep saved tensors for another backward; defaults to ``create_graph``.
        create_graph: record the backward pass so that the gradients are differentiable.
    """
    roots = _as_list(tensors)
    seeds = _seeds("backward", roots, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    leaves, grads = _run_backward(roots, seeds, retain_graph=bool(retain_graph), create_graph=create_graph)
    taken = {id(_base(s._data)) for s in seeds}  # NOTE: never hand a caller's seed array out as somebody's .grad
    get = grads.get
    for leaf in leaves:
        g = get(leaf)
        if g is None:
            continue
        if leaf._hooks is not None:
            g = _run_hooks(leaf, g, retain=False, create_graph=create_graph)
        if not create_graph:
            d = g._data
            b = d.base  # NOTE: _base inlined (it runs for every parameter)
            b = id(d if b is None else b)
            if b in taken or not d.flags.writeable:
                g = _make(np.array(d))  # NOTE: each leaf gets its own writable array: no aliasing between .grads
            else:
                taken.add(b)
        leaf.grad = g if leaf.grad is None else leaf.grad + g


def _base(a: np.ndarray) -> np.ndarray:
    return a if a.base is None else a.base


def grad(
    outputs: Union[Tensor, Sequence[Tensor]],
    inputs: Union[Tensor, Sequence[Tensor]],
    grad_outputs=None,
    retain_graph: Optional[bool] = None,
    create_graph: bool = False,
    allow_unused: Optional[bool] = None,
    materialize_grads: bool = False,
) -> Tuple[Optional[Tensor], ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad``.

    Args:
        outputs: tensor(s) to differentiate.
        inputs: tensor(s) to differentiate with respect to (leaves or intermediates).
        grad_outputs: d(loss)/d(output): one per output, in order (None for a one-element output); for a single
            output also just the gradient (a Tensor, an array or a number).
        retain_graph: keep saved tensors for another backward; defaults to ``create_graph``.
        create_graph: record the computation so the returned gradients are differentiable (grad of grad).
        allow_unused: return None (instead of raising) for an input the outputs do not depend on.
        materialize_grads: return zeros (instead of raising or None) for such an input; implies allow_unused.

    Returns:
        A tuple with one gradient per input, each of the input's shape.

    Raises:
        RuntimeError: for an input that does not require grad, or one the outputs do not depend on (unless
            allow_unused or materialize_grads).
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("grad(): materialize_grads=True gives zeros for unused inputs; it needs allow_unused "
                         "True or left out, not False")
    roots = _as_list(outputs)
    ins = _as_list(inputs)
    for i, x in enumerate(ins):
        if not isinstance(x, Tensor):
            raise TypeError(f"grad(): input {i} is a {type(x).__name__}, not a Tensor")
        if not x.requires_grad:
            made = f" (it was made by {x._nograd_op} under no_grad())" if x._nograd_op is not None else ""
            raise NoGradError(
                f"grad(): input {i} (shape {x.shape}) does not require grad{made}, so nothing can be "
                "differentiated with respect to it; create it with requires_grad=True"
            )
    seeds = _seeds("grad", roots, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    _, got = _run_backward(
        roots, seeds, retain_graph=bool(retain_graph), create_graph=create_graph, wanted=set(ins)
    )
    out = []
    for i, x in enumerate(ins):
        g = got.get(x)
        if g is not None and x.grad_fn is None and x._hooks is not None:
            g = _run_hooks(x, g, retain=False, create_graph=create_graph)  # NOTE: a leaf's hooks, as backward()
        if g is None:
            if materialize_grads:
                g = _make(np.zeros(x.shape, dtype=x.dtype))
            elif not allow_unused:
                raise RuntimeError(
                    f"grad(): input {i} (shape {x.shape}) is not used to compute the outputs (or only through "
                    "ops that pass it no gradient); pass allow_unused=True to get None for it, or "
                    "materialize_grads=True to get zeros"
                )
        out.append(g)
    return tuple(out)


from . import functional as F  # noqa: E402  (functional imports engine indirectly through tensor)
from .function import _LIVE, _MANY, _ONE  # noqa: E402
from . import function as _function  # noqa: E402
