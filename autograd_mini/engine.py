"""The backward pass: one graph walker, one accumulation point, one place where broadcasting is undone.

The engine knows nothing about specific ops: it asks each node for ``backward(ctx, gy)`` and sums what comes
back into the inputs' gradients.
"""
from __future__ import annotations

from typing import Dict, Iterable, Iterator, Optional, Sequence, Tuple, Union

import numpy as np
from operator import attrgetter

from . import grad_mode
from .errors import NoGradError, ShapeError
from .tensor import Tensor, _make, _readonly_full


def iter_graph(roots: Iterable[Tensor], *, everything: bool = False) -> Iterator[Tensor]:
    """Yield every tensor reachable from roots, each one after all the tensors that consume it.

    Leaves come last. By default only tensors that take part in backward (require grad) are visited;
    ``everything=True`` also yields constants and inputs that do not require grad (for drawing).

    Raises:
        GraphFreedError: if the graph reaches a node whose graph an earlier backward freed (before anything
            is yielded).
    """
    made, leaves = _graph_order(roots, everything)
    while made:
        yield made.pop()
    yield from leaves


_creation_number = attrgetter("grad_fn.seq")
_NO_SEQ = 1 << 62  # above every creation number


def _graph_order(roots: Iterable[Tensor], everything: bool = False) -> Tuple[list, list]:
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
        inputs = node.inputs
        if inputs is None:
            node.parents()  # raises GraphFreedError with the explanation
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
        raise NoGradError(
            f"this tensor (shape {root.shape}) does not require grad and has no grad_fn; "
            "set requires_grad=True on the leaves you want gradients for"
        )
    if gradient is None:
        if root.data.size != 1:
            raise ValueError(
                f"backward() without a gradient needs a one-element output, got shape {root.shape}; "
                "pass gradient=<array of that shape> (d loss / d output) or reduce the output first (e.g. .sum())"
            )
        return _make(_readonly_full(root.data.shape, 1, root.data.dtype))  # NOTE: backward() copies it for a .grad
    g = gradient if isinstance(gradient, Tensor) else _make(np.asarray(gradient, dtype=root.data.dtype))
    if g.shape != root.shape:
        raise ShapeError(f"backward(gradient=...) expects shape {root.shape}, got {g.shape}")
    if g.data.dtype != root.data.dtype:
        g = F.astype(g, root.data.dtype)
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
    mode = grad_mode.enabled
    grad_mode.enabled = create_graph  # NOTE: set_grad_enabled inlined (it is a class: costs an instance per call)
    try:
        while made:
            t = pop()  # NOTE: popping drops the walk's reference, so a tensor can go once it is done
            gy = grads.pop(t, None)
            if gy is None:
                continue  # no gradient reached t (every rule on the way returned None)
            if wanted is not None and t in wanted:
                kept[t] = gy
            if t._retains_grad and wanted is None:
                g = gy if create_graph else _make(np.array(gy.data))  # NOTE: a copy: gy flows on to the inputs
                t.grad = g if t.grad is None else t.grad + g
            node = t.grad_fn
            gxs = node.backward(node, gy)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            for x, gx in zip(node.inputs, gxs):
                if gx is None or not x.requires_grad:
                    continue
                gd, xd = gx.data, x.data
                if gd.shape != xd.shape or gd.dtype is not xd.dtype:
                    if gd.shape != xd.shape:
                        gx = sum_to(gx, xd.shape)  # NOTE: the ONLY place broadcasting is undone
                    if gx.data.dtype is not xd.dtype:
                        gx = astype(gx, xd.dtype)
                prev = get(x)
                if prev is None:
                    grads[x] = gx
                elif create_graph:
                    grads[x] = prev + gx
                elif id(x) in owned:
                    add(prev.data, gx.data, out=prev.data)
                else:
                    total = prev.data + gx.data
                    grads[x] = _make(total if type(total) is np.ndarray else np.asarray(total))
                    owned.add(id(x))
            if not retain_graph:
                node.inputs = None  # NOTE: frees the saved tensors now; a second backward through here raises
    finally:
        grad_mode.enabled = mode
    if kept:
        grads.update(kept)
    return leaves, grads


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
    taken = {id(_base(s.data)) for s in seeds}  # NOTE: never hand a caller's seed array out as somebody's .grad
    get = grads.get
    for leaf in leaves:
        g = get(leaf)
        if g is None:
            continue
        if not create_graph:
            d = g.data
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
    allow_unused: bool = False,
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

    Returns:
        A tuple with one gradient per input, each of the input's shape.
    """
    roots = _as_list(outputs)
    ins = _as_list(inputs)
    for x in ins:
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise NoGradError("grad(): every input must be a Tensor that requires grad")
    seeds = _seeds("grad", roots, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    _, got = _run_backward(
        roots, seeds, retain_graph=bool(retain_graph), create_graph=create_graph, wanted=set(ins)
    )
    out = []
    for i, x in enumerate(ins):
        g = got.get(x)
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad(): input {i} (shape {x.shape}) is not reachable from the outputs; "
                "pass allow_unused=True to get None for it"
            )
        out.append(g)
    return tuple(out)


from . import functional as F  # noqa: E402  (functional imports engine indirectly through tensor)
