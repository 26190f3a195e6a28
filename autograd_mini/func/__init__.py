"""Function transforms with torch.func's names and conventions: grad, value_and_grad, vjp, jvp, jacrev, jacfwd,
hessian, hvp, vhp, vmap.

Each transform takes a function of Tensors and returns a new function (or, for vjp/jvp/hvp, evaluates one).
They are built on the reverse-mode engine only (``autograd_mini.grad``):

    grad f(x)            = d f / d x                     one forward, one backward
    vjp  (f, x)(u)       = u^T J                         one forward; each call of vjp_fn is one backward
    jvp  (f, x, v)       = J v                           the double-VJP (linear transpose) trick: g(u) = J^T u is
                                                         recorded (create_graph), and J v = d <g(u), v> / d u;
                                                         cost: one forward + two backwards, ~2-3 VJPs
    jacrev(f)(x)         = J, rows u = e_i               one forward, then all rows in one batched backward
                                                         walk (or one backward per row, see below)
    jacfwd(f)(x)         = J, columns v = e_j            g(u) = J^T u recorded once, then its rows: the
                                                         columns J e_j (batched as jacrev)
    hessian(f)(x)        = d^2 f / d x^2                 reverse over reverse: g = grad f recorded once, then
                                                         its rows (batched as jacrev)
    hvp / vhp(f, x, v)   = H v = v^T H                   two backwards, the Hessian is never formed (H is
                                                         symmetric for f twice differentiable, so they agree)
    vmap(f)(xs)          = stack([f(x) for x in xs])     loop and stack (see vmap)

Batched rows: a Jacobian's rows e_i^T J are computed by pushing all basis vectors, stacked along a new
leading axis, through the recorded graph in one walk, when every node of the graph has a batching rule (the
library's elementwise, linear-algebra, shape, indexing, reduction and cross-entropy primitives; see
``_batched``) and the result need not be differentiable again. Otherwise (a user's Function, conv's window
primitives, a tensor hook, anomaly mode, or a transform nested in another) each row is one engine backward
through the same retained graph. Both give the same numbers; the batched walk is 8-30x faster on the
benchmarks (benchmarks/bench_func.py).

Conventions (as torch.func): ``argnums`` is an int (one result) or a tuple of ints (a tuple of results);
Jacobians have shape ``output.shape + input.shape``; ``has_aux=True`` means f returns ``(output, aux)`` and
aux is passed through untouched. Inputs may be Tensors, ndarrays or Python numbers (numbers take the default
dtype); results are Tensors. A function that does not depend on an input gets zeros for it.

Inputs are differentiated as fresh tensors: a Tensor that does not require grad is wrapped as a new leaf
(sharing its array), and one that requires grad is first cloned, so that no transform ever touches any
``.grad`` attribute or runs the hooks of a user's tensor. Grad mode: every transform records f under
``enable_grad()``, so it works inside ``no_grad()`` (as torch.func.grad); ``no_grad()`` written inside f is
respected. Transforms nest (``grad(grad(f))``, ``jacfwd(jacrev(f))``, ``vmap(grad(f))``): while f runs under
a transform, inner transforms record their derivatives (create_graph), and a Tensor input that requires grad
stays connected to the outer graph. At the top level (no enclosing transform, no input requiring grad) the
results are plain values, detached from any graph.
"""
from __future__ import annotations

import threading
from typing import Callable, Sequence, Tuple, Union

import numpy as np

from .. import functional as F
from ..engine import grad as _engine_grad
from ..grad_mode import enable_grad, is_grad_enabled
from ..tensor import Tensor, _make, _to_array
from . import _batched

__all__ = ["grad", "grad_and_value", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "hvp", "vhp",
           "vmap"]

Argnums = Union[int, Tuple[int, ...]]


class _State(threading.local):
    level = 0  # how many differentiating transforms are evaluating their function in this thread


_state = _State()


class _Differentiating:
    """Run f with grad mode on and one more transform level (inner transforms then record their results)."""

    def __enter__(self):
        self._mode = enable_grad()
        self._mode.__enter__()
        _state.level += 1

    def __exit__(self, *exc):
        _state.level -= 1
        self._mode.__exit__(*exc)
        return False


# ----- arguments and outputs ------------------------------------------------------------------------------


def _argnums(argnums, nargs: int, name: str) -> Tuple[Tuple[int, ...], bool]:
    """(normalized argnums, whether a tuple was given)."""
    single = isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool)
    items = (argnums,) if single else argnums
    if not isinstance(items, tuple) or not items or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in items):
        raise TypeError(f"{name}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    out = []
    for a in items:
        if not -nargs <= a < nargs:
            raise ValueError(f"{name}: argnums {argnums!r} is out of range for a call with {nargs} positional "
                             f"argument{'s' if nargs != 1 else ''}")
        out.append(int(a) % nargs)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: argnums {argnums!r} names the same argument twice")
    return tuple(out), not single


def _fresh(x, name: str, i: int) -> Tensor:
    """A new leaf requiring grad holding x's values (an ndarray, a number or a Tensor that does not require grad)."""
    if isinstance(x, Tensor):
        data = x._data
    elif isinstance(x, (np.ndarray, np.generic, int, float)) and not isinstance(x, bool):
        data = _to_array(x)
    else:
        raise TypeError(f"{name}: argument {i} is a {type(x).__name__}; differentiate with respect to Tensors, "
                        "ndarrays or Python numbers only (pass other values as arguments not in argnums)")
    if data.dtype.kind != "f":
        if isinstance(x, (int, np.integer)):
            data = _to_array(float(x))  # NOTE: a Python int is a number like a float: take the default dtype
        else:
            raise TypeError(f"{name}: argument {i} has dtype {data.dtype}; only floating-point inputs can be "
                            "differentiated: convert it first (e.g. x.astype(np.float64))")
    return _make(data, requires_grad=True)


def _lift(args: Sequence, argnums: Tuple[int, ...], name: str):
    """Replace the differentiated arguments with fresh tensors: (new args, those tensors, create_graph).

    A Tensor that requires grad (when grad mode is on) is cloned, which keeps it connected to an enclosing
    graph; anything else becomes a new leaf. Derivatives are recorded (create_graph) when such a connection
    exists or when this call runs inside another differentiating transform.
    """
    enabled = is_grad_enabled()
    create_graph = enabled and _state.level > 0
    new = list(args)
    wrt = []
    for i in argnums:
        x = args[i]
        if enabled and isinstance(x, Tensor) and x.requires_grad:
            if x.dtype.kind != "f":
                raise TypeError(f"{name}: argument {i} has dtype {x.dtype}; only floating-point inputs can be "
                                "differentiated")
            w = F.clone(x)
            create_graph = True
        else:
            w = _fresh(x, name, i)
        new[i] = w
        wrt.append(w)
    return new, wrt, create_graph


def _as_output(o, name: str) -> Tensor:
    if isinstance(o, Tensor):
        return o
    if isinstance(o, (np.ndarray, np.generic, int, float)):
        return _make(_to_array(o))
    raise TypeError(f"{name}: the function must return a Tensor (or a tuple of Tensors), got {type(o).__name__}")


def _flat_outputs(out, name: str) -> Tuple[list, bool]:
    """(outputs as a list of Tensors, whether f returned a tuple/list)."""
    if isinstance(out, (tuple, list)):
        if not out:
            raise ValueError(f"{name}: the function returned an empty {type(out).__name__}")
        return [_as_output(o, name) for o in out], True
    return [_as_output(out, name)], False


def _split_aux(out, has_aux: bool, name: str):
    if not has_aux:
        return out, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError(f"{name}(has_aux=True): the function must return a pair (output, aux), "
                         f"got {type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, tuple) else ""))
    return out


def _done(t, keep: bool):
    """A result at the top level is detached from the transform's graph; nested, it stays differentiable."""
    if keep:
        return t
    if isinstance(t, Tensor):
        return t.detach() if t.requires_grad else t
    if isinstance(t, tuple):
        return tuple(_done(v, keep) for v in t)
    if isinstance(t, list):
        return [_done(v, keep) for v in t]
    if isinstance(t, dict):
        return {k: _done(v, keep) for k, v in t.items()}
    return t


def _zeros(x: Tensor) -> Tensor:
    return _make(np.zeros(x.shape, dtype=x.dtype))


def _vjp(outs: Sequence[Tensor], wrt: Sequence[Tensor], cotangents, create_graph: bool) -> list:
    """sum_k cotangent_k^T d out_k / d wrt, for every tensor of wrt (zeros where there is no dependence).

    The graph is always retained: it may be the user's (a closed-over tensor that requires grad) or reused
    by the next call (jacrev rows, vjp_fn).
    """
    pairs = [(o, c) for o, c in zip(outs, cotangents) if o.requires_grad]
    if not pairs:
        return [_zeros(x) for x in wrt]
    return list(_engine_grad([o for o, _ in pairs], list(wrt), [c for _, c in pairs], retain_graph=True,
                             create_graph=create_graph, materialize_grads=True))


def _tangent(v, like: Tensor, name: str, what: str) -> Tensor:
    t = v if isinstance(v, Tensor) else _make(np.asarray(v, dtype=like.dtype))
    if t.shape != like.shape:
        raise ValueError(f"{name}: {what} has shape {t.shape} but must have the shape {like.shape} of the value "
                         "it goes with")
    return t


def _as_tuple(x, name: str, what: str) -> Tuple[tuple, bool]:
    if isinstance(x, (tuple, list)):
        if not x:
            raise ValueError(f"{name}: {what} must not be empty")
        return tuple(x), True
    return (x,), False


def _jacobian_rows(outs, wrt, create_graph: bool, chunk_size=None) -> list:
    """J[k][i] = d outs[k] / d wrt[i], of shape outs[k].shape + wrt[i].shape (f already ran once)."""
    return [_jacobian_of(o, wrt, create_graph, chunk_size) for o in outs]


def _jacobian_of(o: Tensor, wrt, create_graph: bool, chunk_size=None) -> list:
    """[d o / d x for x in wrt]: rows e_m^T J through the recorded graph of o.

    Batched when possible (every node has a batching rule, see _batched): all rows in one walk of the graph,
    in chunks of bounded memory. Otherwise (and for differentiable results, create_graph) one engine
    backward per row, all through the same retained graph.
    """
    if not o.requires_grad:
        return [_make(np.zeros(o.shape + x.shape, dtype=x.dtype)) for x in wrt]
    m = o.size
    if not create_graph:
        order = _batched.plan([o])
        if order is not None:
            blocks = [[] for _ in wrt]
            step = _batched.chunk_size(order, m)
            if chunk_size is not None:
                step = min(step, chunk_size)
            for start in range(0, m, step):
                c = min(step, m - start)
                seeds = np.zeros((c, m), dtype=o.dtype)
                seeds[np.arange(c), start + np.arange(c)] = 1
                got = _batched.batched_vjp(o, seeds.reshape((c,) + o.shape), wrt, order)
                if got is None:
                    break
                for b, g in zip(blocks, got):
                    b.append(g)
            else:
                return [_make(np.concatenate(b).reshape(o.shape + x.shape) if len(b) > 1 else
                              np.ascontiguousarray(b[0]).reshape(o.shape + x.shape))
                        for b, x in zip(blocks, wrt)]
    eye = np.eye(m, dtype=o.dtype)
    rows = [_vjp([o], wrt, [_make(eye[r].reshape(o.shape))], create_graph) for r in range(m)]
    return [_stack_rows([row[i] for row in rows], o.shape + x.shape, create_graph) for i, x in enumerate(wrt)]


def _stack_rows(rows: list, shape: tuple, create_graph: bool) -> Tensor:
    if create_graph:
        return F.reshape(F.stack(rows, axis=0), *shape)
    return _make(np.stack([r._data for r in rows]).reshape(shape))


def _pick(jac, multi_out: bool, multi_in: bool):
    """Arrange a table jac[output][input] as torch.func does: tuples only where f or argnums gave tuples."""
    rows = [tuple(r) if multi_in else r[0] for r in jac]
    return tuple(rows) if multi_out else rows[0]


# ----- grad and value_and_grad ----------------------------------------------------------------------------


def _traced(f, argnums, has_aux, name, args, kwargs):
    """Run f with the arguments picked by argnums as fresh differentiable leaves (see _lift):
    (output, aux, those leaves, whether argnums was a tuple, whether to keep the graph (see _lift))."""
    nums, multi = _argnums(argnums, len(args), name)
    new, wrt, cg = _lift(args, nums, name)
    with _Differentiating():
        out = f(*new, **kwargs)
    out, aux = _split_aux(out, has_aux, name)
    return out, aux, wrt, multi, cg


def _grad_and_value(f, argnums, has_aux, name, args, kwargs):
    out, aux, wrt, multi, cg = _traced(f, argnums, has_aux, name, args, kwargs)
    out = _as_output(out, name)
    if out.ndim != 0:
        raise ValueError(f"{name}: the function must return a scalar (a 0-d Tensor), got shape {out.shape}; "
                         "reduce it first (e.g. .sum() or .mean()), or use func.vjp / func.jacrev for "
                         "non-scalar functions")
    if out.dtype.kind != "f":
        raise TypeError(f"{name}: the function returned dtype {out.dtype}; only floating-point outputs can be "
                        "differentiated")
    gs = _vjp([out], wrt, [None], cg)
    g = tuple(gs) if multi else gs[0]
    return g, _done(out, cg), _done(aux, cg)


def grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function: ``grad(f)(*args) = d f(*args) / d args[argnums]``.

    Args:
        f: function of Tensors returning a 0-d Tensor (or ``(output, aux)`` with has_aux).
        argnums: the positional argument(s) to differentiate with respect to: an int gives one gradient, a
            tuple of ints a tuple of gradients.
        has_aux: f returns ``(output, aux)``; the new function then returns ``(gradient, aux)``.

    Raises:
        ValueError: if f's output is not a scalar.
    """

    def grad_f(*args, **kwargs):
        g, _, aux = _grad_and_value(f, argnums, has_aux, "func.grad", args, kwargs)
        return (g, aux) if has_aux else g

    return grad_f


def grad_and_value(f: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """As ``grad``, but also returns the value, in torch.func's order: ``(grad, value)``, or
    ``(grad, (value, aux))`` with has_aux."""

    def grad_and_value_f(*args, **kwargs):
        g, v, aux = _grad_and_value(f, argnums, has_aux, "func.grad_and_value", args, kwargs)
        return (g, (v, aux)) if has_aux else (g, v)

    return grad_and_value_f


def value_and_grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """As ``grad``, but also returns the value, in JAX's order: ``(value, grad)``, or ``((value, aux), grad)``
    with has_aux. (torch.func's ``grad_and_value`` is the same with the pair swapped.)"""

    def value_and_grad_f(*args, **kwargs):
        g, v, aux = _grad_and_value(f, argnums, has_aux, "func.value_and_grad", args, kwargs)
        return ((v, aux), g) if has_aux else (v, g)

    return value_and_grad_f


# ----- vjp and jvp ----------------------------------------------------------------------------------------


def vjp(f: Callable, *primals, has_aux: bool = False):
    """Evaluate f at primals and return ``(output, vjp_fn)``, or ``(output, vjp_fn, aux)`` with has_aux.

    ``vjp_fn(cotangents)`` returns the tuple ``(u^T d output / d primal_i for each primal)`` for cotangents
    u of the output's shape (a tuple of them when f returns a tuple). It can be called any number of times:
    f ran once and its graph is kept while vjp_fn lives; each call is one backward.
    """
    name = "func.vjp"
    if not primals:
        raise ValueError(f"{name}: give at least one primal to differentiate with respect to")
    out, aux, wrt, _, cg = _traced(f, tuple(range(len(primals))), has_aux, name, primals, {})
    outs, multi = _flat_outputs(out, name)

    def vjp_fn(cotangents):
        cts, given_multi = _as_tuple(cotangents, "vjp_fn", "cotangents") if multi else ((cotangents,), False)
        if len(cts) != len(outs):
            raise ValueError(f"vjp_fn: f returned {len(outs)} outputs but got {len(cts)} cotangents; "
                             "give one per output, in order")
        cts = [_tangent(c, o, "vjp_fn", f"cotangent {k}") for k, (c, o) in enumerate(zip(cts, outs))]
        keep = cg or (_state.level > 0 and is_grad_enabled())
        return tuple(_vjp(outs, wrt, cts, keep))

    shown = _done(tuple(outs) if multi else outs[0], cg)
    return (shown, vjp_fn, _done(aux, cg)) if has_aux else (shown, vjp_fn)


def _transposed(outs, wrt):
    """(us, gs): g_i(u) = sum_k J_ki^T u_k recorded with create_graph, for fresh leaves u_k of the outputs'
    shapes (zeros: g is linear in u, so its derivative in u does not depend on where it is taken)."""
    us = [_make(np.zeros(o.shape, dtype=o.dtype), requires_grad=True) for o in outs]
    with enable_grad():
        gs = _vjp(outs, wrt, us, create_graph=True)
    return us, gs


def _jvp_outs(outs, wrt, tangents, create_graph):
    """J v by the double-VJP trick: g(u) = J^T u is linear in u, so d <g(u), v> / d u = J v (at any u)."""
    us, gs = _transposed(outs, wrt)
    return _vjp(gs, us, tangents, create_graph)


def jvp(f: Callable, primals, tangents, has_aux: bool = False):
    """Evaluate f at primals and its directional derivative along tangents: ``(output, J v)``, or
    ``(output, J v, aux)`` with has_aux.

    Args:
        f: function of the primals.
        primals: a tuple (or list) of the arguments of f.
        tangents: a tuple of the same length and shapes: the direction v.

    Not true forward mode: J v is computed by the double-VJP trick (g(u) = J^T u is recorded with
    create_graph, then J v = d <g(u), v> / d u), one forward and two backwards, about 2-3 VJPs' time.
    """
    name = "func.jvp"
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"{name}: primals and tangents must be tuples (e.g. jvp(f, (x,), (v,))), got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    if not primals or len(primals) != len(tangents):
        raise ValueError(f"{name}: got {len(primals)} primals and {len(tangents)} tangents; give one tangent per "
                         "primal (and at least one)")
    new, wrt, cg = _lift(primals, tuple(range(len(primals))), name)
    vs = [_tangent(v, x, name, f"tangent {i}") for i, (v, x) in enumerate(zip(tangents, wrt))]
    with _Differentiating():
        out = f(*new)
    out, aux = _split_aux(out, has_aux, name)
    outs, multi = _flat_outputs(out, name)
    jv = _jvp_outs(outs, wrt, vs, cg)
    shown = _done(tuple(outs) if multi else outs[0], cg)
    jv = tuple(jv) if multi else jv[0]
    return (shown, jv, _done(aux, cg)) if has_aux else (shown, jv)


# ----- Jacobians and Hessians -----------------------------------------------------------------------------


def jacrev(f: Callable, argnums: Argnums = 0, *, has_aux: bool = False, chunk_size=None) -> Callable:
    """The Jacobian by reverse mode: ``jacrev(f)(*args)[..., ...]`` of shape ``output.shape + input.shape``.

    f runs once; each row u = e_i of the Jacobian is one backward through the same (retained) graph, so the
    cost is one forward plus one backward per output element. A tuple argnums gives a tuple of Jacobians, a
    tuple output a tuple over outputs (of tuples over argnums). has_aux: returns ``(jacobian, aux)``.

    Rows are batched: when every op of f's graph has a batching rule (see func._batched), all rows go through
    the graph in one walk, the basis vectors stacked along a leading axis; ``chunk_size`` caps the rows per
    walk (as torch.func.jacrev's; by default as many as fit in about 32 MB per stacked gradient).
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"func.jacrev: chunk_size must be None or a positive int, got {chunk_size!r}")

    def jacrev_f(*args, **kwargs):
        name = "func.jacrev"
        out, aux, wrt, multi_in, cg = _traced(f, argnums, has_aux, name, args, kwargs)
        outs, multi_out = _flat_outputs(out, name)
        jac = _pick(_jacobian_rows(outs, wrt, cg, chunk_size), multi_out, multi_in)
        return (jac, _done(aux, cg)) if has_aux else jac

    return jacrev_f


def jacfwd(f: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """The Jacobian column by column, ``J e_j`` for every input element j: shape ``output.shape + input.shape``.

    Not true forward mode: g(u) = J^T u is recorded once (one forward, one create_graph backward), and each
    column J e_j = d <g(u), e_j> / d u is one backward of that graph. Same results and conventions as jacrev.
    """

    def jacfwd_f(*args, **kwargs):
        name = "func.jacfwd"
        out, aux, wrt, multi_in, cg = _traced(f, argnums, has_aux, name, args, kwargs)
        outs, multi_out = _flat_outputs(out, name)
        us, gs = _transposed(outs, wrt)  # g_i(u) = sum_k J_ki^T u_k, linear in u
        jac = [[None] * len(wrt) for _ in outs]
        for i, (g, x) in enumerate(zip(gs, wrt)):
            cols = _jacobian_of(g, us, cg)  # J_ki e_c for every input element c, every output k
            for k, jc in enumerate(cols):
                jac[k][i] = _move_front_to_back(jc, x.ndim, cg)
        jac = _pick(jac, multi_out, multi_in)
        return (jac, _done(aux, cg)) if has_aux else jac

    return jacfwd_f


def _move_front_to_back(t: Tensor, k: int, create_graph: bool) -> Tensor:
    """Axes (in..., out...) -> (out..., in...) for k input axes."""
    n = t.ndim
    axes = tuple(range(k, n)) + tuple(range(k))
    if create_graph:
        return F.transpose(t, *axes) if n else t
    return _make(t._data.transpose(axes).copy())  # NOTE: not ascontiguousarray, which makes 0-d 1-d


def hessian(f: Callable, argnums: Argnums = 0) -> Callable:
    """The Hessian of a scalar function, shape ``input.shape + input.shape``; a tuple argnums gives nested
    tuples ``H[i][j] = d^2 f / d x_i d x_j`` (as torch.func).

    Reverse over reverse (what jacrev(jacrev(f)) does, in one place): g = grad f is recorded once (one forward,
    one create_graph backward), then each row of the Hessian is one backward of g. Same values as
    jacfwd(jacrev(f)), which torch.func uses.
    """

    def hessian_f(*args, **kwargs):
        name = "func.hessian"
        nums, multi = _argnums(argnums, len(args), name)
        new, wrt, cg = _lift(args, nums, name)
        with _Differentiating():
            out = _as_output(f(*new, **kwargs), name)
            if out.size != 1:
                raise ValueError(f"{name}: the function must return a single value (a 0-d Tensor), got shape "
                                 f"{out.shape}; use func.jacfwd(func.jacrev(f)) for non-scalar functions")
            gs = _vjp([out], wrt, [None], create_graph=True)
        rows = _jacobian_rows(gs, wrt, cg)
        if out.ndim:  # NOTE: a one-element output of shape (1,) etc.: its axes lead, as in jacfwd(jacrev(f))
            rows = [[_reshape(h, out.shape + h.shape, cg) for h in r] for r in rows]
        return _pick(rows, multi, multi)

    return hessian_f


def _reshape(t: Tensor, shape: tuple, create_graph: bool) -> Tensor:
    return F.reshape(t, *shape) if create_graph else _make(t._data.reshape(shape))


def _hvp(f, primals, tangents, name):
    prim, multi = _as_tuple(primals, name, "primals")
    tans, _ = _as_tuple(tangents, name, "tangents")
    if len(prim) != len(tans):
        raise ValueError(f"{name}: got {len(prim)} primals and {len(tans)} tangents; give one tangent per primal")
    new, wrt, cg = _lift(prim, tuple(range(len(prim))), name)
    vs = [_tangent(v, x, name, f"tangent {i}") for i, (v, x) in enumerate(zip(tans, wrt))]
    with _Differentiating():
        out = _as_output(f(*new), name)
        if out.size != 1:
            raise ValueError(f"{name}: the function must return a single value, got shape {out.shape}")
        gs = _vjp([out], wrt, [None], create_graph=True)
    hv = _vjp(gs, wrt, vs, cg)
    return _done(out, cg), (tuple(hv) if multi else hv[0])


def vhp(f: Callable, primals, tangents):
    """``(f(primals), v^T H)`` for a scalar f, without forming the Hessian H (torch.autograd.functional.vhp).

    Two backwards: g = grad f recorded with create_graph, then d <g, v> / d x = v^T H. primals and tangents
    are a Tensor each or tuples of them (results follow the same structure).
    """
    return _hvp(f, primals, tangents, "func.vhp")


def hvp(f: Callable, primals, tangents):
    """``(f(primals), H v)`` for a scalar f, without forming the Hessian H (torch.autograd.functional.hvp).

    Computed as v^T H (two backwards, see vhp): the Hessian of a twice continuously differentiable f is
    symmetric, so H v = (v^T H)^T; this is cheaper than torch's double-backward H v (three backwards).
    """
    return _hvp(f, primals, tangents, "func.hvp")


# ----- vmap -----------------------------------------------------------------------------------------------


def _slice_at(x, axis: int, b: int):
    index = (slice(None),) * axis + (b,)
    return x[index]


def vmap(f: Callable, in_dims=0, out_dims=0) -> Callable:
    """Map f over a batch axis: ``vmap(f)(xs)[b] == f(xs[b])``.

    Args:
        f: function of the arguments (Tensors, ndarrays, or anything with in_dims None).
        in_dims: the batch axis of every positional argument (an int), or a tuple with one entry per
            argument: an int, or None for an argument passed whole to every call.
        out_dims: where the batch axis goes in every output (an int), or a tuple with one per output.

    Implementation: a loop over the batch that slices the inputs, calls f and stacks the outputs (F.stack),
    so any f works, results are exact, and everything stays differentiable (vmap(grad(f)), grad(vmap(f)),
    jacrev(vmap(f)) all work); cost is one call of f per example.

    There is no batched fast path on purpose: calling f once on the whole batch is right only if f treats the
    leading axis as independent examples, and that cannot be checked from outside (f(x) = x - x.mean() runs on
    a batch without error and mixes the examples; so does a constant computed under no_grad from the batch).
    When you know f broadcasts over a leading axis, call it on the batch directly.
    """

    def vmap_f(*args, **kwargs):
        name = "func.vmap"
        if not args:
            raise ValueError(f"{name}: the mapped function needs at least one positional argument")
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"{name}: in_dims has {len(dims)} entries but the call has {len(args)} positional "
                             "arguments; give one per argument (None for an unmapped one)")
        size, axes = None, []
        for i, (x, d) in enumerate(zip(args, dims)):
            if d is None:
                axes.append(None)
                continue
            if not isinstance(x, (Tensor, np.ndarray)):
                raise TypeError(f"{name}: argument {i} is a {type(x).__name__} with in_dims {d}; only Tensors and "
                                "ndarrays can be mapped over (use in_dims None to pass it unmapped)")
            if not isinstance(d, (int, np.integer)) or not -x.ndim <= d < max(x.ndim, 1) or x.ndim == 0:
                raise ValueError(f"{name}: in_dims {d} of argument {i} does not fit its shape {x.shape}")
            d = int(d) % x.ndim
            if size is None:
                size = x.shape[d]
            elif x.shape[d] != size:
                raise ValueError(f"{name}: the mapped axes have different sizes: {size} and {x.shape[d]} "
                                 f"(argument {i}, shape {x.shape}, in_dims {d})")
            axes.append(d)
        if size is None:
            raise ValueError(f"{name}: in_dims is None for every argument, so there is nothing to map over")
        if size == 0:
            raise ValueError(f"{name}: the mapped axis has size 0; there is no example to call f on")
        results = []
        for b in range(size):
            call = [x if d is None else _slice_at(x, d, b) for x, d in zip(args, axes)]
            results.append(_flat_outputs(f(*call, **kwargs), name))
        multi = results[0][1]
        n = len(results[0][0])
        odims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * n
        if len(odims) != n:
            raise ValueError(f"{name}: out_dims has {len(odims)} entries but f returns {n} outputs")
        outs = []
        for k in range(n):
            items = [r[0][k] for r in results]
            d = odims[k]
            if not -items[0].ndim - 1 <= d <= items[0].ndim:
                raise ValueError(f"{name}: out_dims {d} does not fit output {k} of shape {items[0].shape} "
                                 "(plus the batch axis)")
            if any(isinstance(t, Tensor) and t.requires_grad for t in items):
                outs.append(F.stack(items, axis=d))
            else:
                outs.append(_make(np.stack([t._data for t in items], axis=d)))
        return tuple(outs) if multi else outs[0]

    return vmap_f
