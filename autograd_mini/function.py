"""Function: the base of every primitive op, and the only place that builds graph nodes.

A primitive subclasses Function and writes two static methods side by side (see ops.py):

    forward(ctx, *arrays, **attrs) -> ndarray      numpy in, numpy out
    backward(ctx, gy) -> grad or tuple of grads     Tensor ops only, so it can itself be recorded

``Op.apply(*tensors, **attrs)`` runs forward and, when grad mode is on and an input requires grad, makes the
context ``ctx`` the output's ``grad_fn``. The node keeps its inputs (to compute derivatives) but holds its output
only by weak reference, so tensor -> node -> tensor never forms a cycle and graphs are freed by reference
counting alone.

Multi-output nodes: a forward that returns a tuple (or list) of arrays makes ``apply`` return a tuple of
Tensors, all with the same ``grad_fn``; its backward is then ``backward(ctx, *gys)``, one gradient per output,
called once after every output's gradient is complete (see ``Function``).
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from . import grad_mode
from .errors import GraphFreedError, IndexingError, ShapeError
from .tensor import Tensor as _Tensor, _make, _to_array

_new = object.__new__
_next_seq = itertools.count(1).__next__
next_seq = _next_seq  # NOTE: one counter numbers nodes and stamps mutations (see inplace)
_ndarray = np.ndarray
_state = grad_mode.state
_grad_mode = grad_mode
_LIVE, _ONE, _MANY = object(), object(), object()  # markers in Function._inputs and _in1 (see Function.__slots__)
_NEEDS1 = ((False,), (True,))  # needs_input_grad of one input, indexed by its requires_grad
_NEEDS2 = (((False, False), (False, True)), ((True, False), (True, True)))  # ... of two inputs


class Scope:
    """One entry of the scope path stamped on new graph nodes (e.g. one call of an nn.Module).

    The engine ignores scopes; the graph drawer groups nodes by them. ``owner`` is any object (a module).
    """

    __slots__ = ("owner", "parent", "__weakref__")

    def __init__(self, owner, parent):
        self.owner = owner
        self.parent = parent

    def path(self) -> tuple:
        """The scopes from the outermost to this one."""
        out, s = [], self
        while s is not None:
            out.append(s)
            s = s.parent
        return tuple(reversed(out))


_scope = None  # the innermost open Scope; Function.apply stamps it on every node it records


def push_scope(owner) -> Scope:
    """Open a scope: nodes recorded until ``pop_scope`` get ``node.scope`` pointing to it (or a child)."""
    global _scope
    s = _new(Scope)  # NOTE: without calling __init__: this runs on every module call
    s.owner, s.parent = owner, _scope
    _scope = s
    return s


def pop_scope(scope: Scope) -> None:
    """Close ``scope`` (and anything left open inside it)."""
    global _scope
    _scope = scope.parent


class Function:
    """A node of the computation graph: one application of an op. Subclass it to write your own op.

    A subclass writes two static methods (see the README, "Write your own op"):

        forward(ctx, *arrays, **attrs) -> ndarray     numpy in, numpy out; ``ctx.save_for_backward(...)``
        backward(ctx, gy) -> one gradient per input   Tensor ops on gy (a Tensor), ``ctx.saved_tensors``

    and is used as ``MyOp.apply(*inputs, **attrs)``: inputs are Tensors, ndarrays or numbers, attributes are
    passed to forward as they are. The engine checks what a user's backward returns: one gradient per input
    (None where there is none), each of the input's shape or of a shape it broadcasts to (then summed).

    Several outputs: a forward may return a tuple of arrays, e.g. ``return np.sin(x), np.cos(x)``. Then
    ``apply`` returns a tuple of Tensors (one node, the ``grad_fn`` of each of them) and backward receives one
    gradient per output, ``backward(ctx, g_sin, g_cos)``, in a single call made once all of them are known. An
    output that got no gradient (unused, or its consumers returned None) comes as zeros of its shape, as in
    PyTorch; call ``ctx.set_materialize_grads(False)`` in forward to get None instead (and save the zeros).
    Outputs that are not floating point (e.g. indices) are not differentiable: they do not require grad and
    their gradient is always None. ``ctx.outputs`` gives the output Tensors (arrays saved with
    ``save_for_backward`` come back as them, too). The same checks apply to what backward returns.

    Attributes:
        inputs: tuple of the input Tensors (None once backward has freed the graph).
        needs_input_grad: tuple of bools, one per input.
        seq: creation number; a node's inputs were all made by nodes with smaller numbers.
        scope: the innermost open Scope when the node was recorded (e.g. an nn.Module call), or None.
        name: display name, the class name (e.g. ``"Mul"``).
        materialize_grads: for a node with several outputs, whether backward gets zeros (True, the default)
            or None for an output without a gradient; the library's own multi-output ops set it False.
    """

    # NOTE: scope is a slot, set on every recorded node: a class default would send the assignment to a
    # per-node __dict__ (a dict allocated for every node recorded inside a module).
    # NOTE: a node of one or two inputs keeps them in the slots _in0 and _in1 (_in1 is _ONE for one input), not in
    # a tuple: one GC-tracked object fewer per node for every full collection to scan while a graph grows, and
    # none made when backward frees the node. _inputs is _LIVE for such a node, a tuple for three or more inputs,
    # None once freed (then _in0/_in1 keep the inputs for drawing: the tuple moves to _in0, _in1 = _MANY).
    __slots__ = ("_inputs", "_in0", "_in1", "needs_input_grad", "seq", "scope", "__dict__", "__weakref__")
    save_output = False  # NOTE: set True in ops whose derivative uses the output (exp, tanh, ...)
    reads_inputs = True  # False in ops whose backward never reads its inputs' values (add, reshape, ...)
    buffers = ()  # names of ctx attributes holding arrays that backward frees with the saved inputs
    _output = None
    _trusted = True  # the library's own ops: the engine does not check what their backward returns
    _saved = ()
    _frees_more = False  # True for ops with buffers and for users' ops: backward calls release_buffers()
    # NOTE: multi-output nodes only (forward returned a tuple): weak references to the outputs (None for one that
    # is not differentiable) and each output's (shape, dtype); None on every single-output node.
    _outputs = None
    _output_meta = None
    materialize_grads = True

    def set_materialize_grads(self, value: bool) -> None:
        """In forward of an op with several outputs: give backward zeros (True) or None (False) for outputs
        that received no gradient."""
        self.materialize_grads = bool(value)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._frees_more = bool(cls.buffers) or not cls.__module__.startswith("autograd_mini.")
        if not cls.__module__.startswith("autograd_mini."):
            # NOTE: a user's op: its apply converts inputs and its backward's results are checked; the library's
            # own ops (tested by gradcheck) keep the fast path, so the checks cost them nothing.
            cls._trusted = False
            if "apply" not in cls.__dict__:
                cls.apply = classmethod(_checked_apply)
            bw = cls.__dict__.get("backward")
            if bw is not None:
                cls.backward = staticmethod(_checked_backward(bw.__func__ if isinstance(bw, staticmethod) else bw))

    @property
    def inputs(self):
        """Tuple of the input Tensors (None once backward has freed the graph)."""
        ins = self._inputs
        if ins is _LIVE:
            b = self._in1
            return (self._in0,) if b is _ONE else (self._in0, b)
        return ins

    @inputs.setter
    def inputs(self, value):
        self._inputs = value
        self._in0 = None
        self._in1 = _MANY

    @property
    def freed_inputs(self):
        """After backward freed the node: its inputs, kept for drawing (see engine, "steal"); else None."""
        if self._inputs is not None:
            return None
        b = self._in1
        if b is _MANY:
            return self._in0
        return (self._in0,) if b is _ONE else (self._in0, b)

    def save_for_backward(self, *values) -> None:
        """In forward: keep values (input or output arrays, other arrays, Tensors) for ``saved_tensors``."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        """In backward: what forward saved, as Tensors; an input or the output comes back as that Tensor
        (so a backward written with it can be differentiated again).

        Raises:
            GraphFreedError: after backward freed this node.
            RuntimeError: if a saved input or output was changed in place after forward.
        """
        if self.inputs is None:
            raise GraphFreedError(
                f"{self.name}: saved_tensors was freed by an earlier backward(); call backward(retain_graph=True) "
                "the first time to backpropagate through it twice"
            )
        out = []
        ins = self.inputs
        ys = self.live_outputs()
        for v in self._saved:
            t = v
            if not isinstance(v, _Tensor):
                t = next((x for x in ins if x._data is v), None)
                if t is None:
                    t = next((y for _, y in ys if y._data is v), None)
                if t is None:
                    t = _make(np.asarray(v))
            which = next((k for k, y in ys if y is t), None)
            if which is None:
                which = next((i for i, x in enumerate(ins) if x is t), None)
            if which is not None and inplace.changed_since(t, self.seq):
                inplace.raise_modified(self, which, t)
            out.append(t)
        return tuple(out)

    def live_outputs(self) -> list:
        """[(label, tensor)] for the outputs still alive: ("output", y), or ("output k", y_k) for several."""
        refs = self._outputs
        if refs is None:
            y = self._output() if self._output is not None else None
            return [] if y is None else [("output", y)]
        out = []
        for k, r in enumerate(refs):
            y = r() if r is not None else None
            if y is not None:
                out.append((f"output {k}", y))
        return out

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"

    @property
    def outputs(self) -> tuple:
        """The Tensors this node produced, in order (for a single-output node, ``(output,)``)."""
        if self._outputs is None:
            return (self.output,)
        out = []
        for k, r in enumerate(self._outputs):
            y = r() if r is not None else None
            if y is None:
                raise GraphFreedError(f"{self.name}: its output {k} no longer exists (or is not differentiable)")
            out.append(y)
        return tuple(out)

    @property
    def output(self):
        """The Tensor this node produced (alive while anybody, e.g. the running backward, holds it)."""
        if self._outputs is not None:
            raise AttributeError(f"{self.name} has {len(self._outputs)} outputs: use ctx.outputs, not ctx.output")
        ref = self._output
        out = ref() if ref is not None else None
        if out is None:
            raise GraphFreedError(f"{self.name}: its output tensor no longer exists")
        return out

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run forward on the inputs' arrays and record the node if any input requires grad (and grad mode is
        on in this thread)."""
        ctx = _new(cls)
        # NOTE: arity is unrolled (no comprehensions), and forward is called without ** when there are no
        # attributes (that would build a dict per call): this is the hottest path of the library.
        n = len(inputs)
        try:
            if n == 2:
                a, b = inputs
                y = cls.forward(ctx, a._data, b._data, **attrs) if attrs else cls.forward(ctx, a._data, b._data)
            elif n == 1:
                a = inputs[0]
                y = cls.forward(ctx, a._data, **attrs) if attrs else cls.forward(ctx, a._data)
            elif n == 3:
                a, b, c = inputs
                if attrs:
                    y = cls.forward(ctx, a._data, b._data, c._data, **attrs)
                else:
                    y = cls.forward(ctx, a._data, b._data, c._data)
            else:
                y = cls.forward(ctx, *[t._data for t in inputs], **attrs)
        except (ValueError, IndexError) as e:
            raise _input_error(cls.__name__, inputs, e) from e
        if type(y) is not _ndarray:
            if type(y) is tuple or type(y) is list:
                return _apply_multi(cls, ctx, inputs, y)  # NOTE: several outputs: off the hot path
            y = np.asarray(y)  # NOTE: numpy returns scalars for 0-d results; Tensor.data is always an ndarray
        enabled = _state.enabled if _grad_mode.off else True  # NOTE: see grad_mode: no thread-local read
        if enabled:
            # NOTE: prebuilt tuples (_NEEDS1/_NEEDS2), not a new one per node: one GC-tracked allocation fewer per
            # op, so the cyclic collector runs a third less often while a graph grows (bench_overhead's long chain)
            if n == 2:
                needs = _NEEDS2[not not a.requires_grad][not not b.requires_grad]
            elif n == 1:
                needs = _NEEDS1[not not a.requires_grad]
            elif n == 3:
                needs = (a.requires_grad, b.requires_grad, c.requires_grad)
            else:
                needs = tuple([t.requires_grad for t in inputs])
            if True in needs:
                if n == 2:
                    ctx._inputs = _LIVE
                    ctx._in0 = a
                    ctx._in1 = b
                elif n == 1:
                    ctx._inputs = _LIVE
                    ctx._in0 = a
                    ctx._in1 = _ONE
                else:
                    ctx._inputs = inputs
                ctx.needs_input_grad = needs
                ctx.seq = _next_seq()  # NOTE: creation order; the engine's walk relies on it (see iter_graph)
                ctx.scope = _scope
                out = _new(_Tensor)  # NOTE: _make inlined (twice in this function): it is the hottest call
                out._data = y
                out.requires_grad = True
                out.grad_fn = ctx
                if cls.save_output:
                    ctx._output = weakref.ref(out)
                return out
        out = _new(_Tensor)
        out._data = y
        out.requires_grad = False
        out.grad_fn = None
        if enabled is False:  # NOTE: the user's no_grad() (backward's own mode is None): say so if backpropagated
            for t in inputs:
                if t.requires_grad or t._nograd_op is not None:
                    out._nograd_op = cls.__name__
                    break
        return out

    def release_buffers(self) -> None:
        """Drop the arrays forward kept on ctx (``buffers``) and what a user's op saved, so their memory can go.

        NOTE: an array buffer is replaced by a one-element stand-in of its shape and dtype, for drawings.
        """
        for name in self.buffers:
            v = getattr(self, name, None)
            setattr(self, name, _standin(v) if isinstance(v, _ndarray) else None)
        self._saved = ()

    def parents(self, freed_ok: bool = False):
        """The input tensors that take part in backward; raises if the graph was freed (unless freed_ok: then
        their stand-ins, for drawing)."""
        if self.inputs is None:
            if freed_ok and self.freed_inputs is not None:
                return self.freed_inputs
            raise GraphFreedError(
                f"the graph through {self.name} was freed by an earlier backward(); "
                "call backward(retain_graph=True) the first time to backpropagate through it twice"
            )
        return self.inputs

    @staticmethod
    def forward(ctx, *arrays, **attrs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, gy):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(ctx).__name__} has no derivative")


last_multi = 0  # the creation number of the newest multi-output node (0: none yet); read by the engine


def _apply_multi(cls, ctx, inputs, ys):
    """The rest of ``apply`` for a forward that returned several arrays: a tuple of Tensors sharing one node.

    Only floating-point outputs are differentiable (require grad, have the node as grad_fn); others, e.g.
    indices, are plain tensors.
    """
    global last_multi
    if not ys:
        raise RuntimeError(f"{cls.__name__}.forward returned an empty {type(ys).__name__}; return an array or a "
                           "non-empty tuple of arrays")
    enabled = _state.enabled if _grad_mode.off else True
    record = False
    if enabled:
        for t in inputs:
            if t.requires_grad:
                record = True
                break
    outs = []
    if record:
        n = len(inputs)
        if n <= 2:
            ctx._inputs = _LIVE
            ctx._in0 = inputs[0]
            ctx._in1 = inputs[1] if n == 2 else _ONE
        else:
            ctx._inputs = tuple(inputs)
        ctx.needs_input_grad = tuple([t.requires_grad for t in inputs])
        ctx.seq = last_multi = _next_seq()
        ctx.scope = _scope
        refs, meta = [], []
        for y in ys:
            if type(y) is not _ndarray:
                y = np.asarray(y)
            o = _new(_Tensor)
            o._data = y
            dt = y.dtype
            if dt.kind in "fc":
                o.requires_grad = True
                o.grad_fn = ctx
                refs.append(weakref.ref(o))
            else:
                o.requires_grad = False
                o.grad_fn = None
                refs.append(None)
            meta.append((y.shape, dt))
            outs.append(o)
        ctx._outputs = tuple(refs)
        ctx._output_meta = tuple(meta)
        return tuple(outs)
    for y in ys:
        o = _new(_Tensor)
        o._data = y if type(y) is _ndarray else np.asarray(y)
        o.requires_grad = False
        o.grad_fn = None
        outs.append(o)
    if enabled is False:
        for t in inputs:
            if t.requires_grad or t._nograd_op is not None:
                for o in outs:
                    o._nograd_op = cls.__name__
                break
    return tuple(outs)



_STANDINS: dict = {}


def _standin(a: np.ndarray) -> np.ndarray:
    """A read-only array of a's shape and dtype that holds one element: what a freed value leaves behind.

    Made once per (shape, dtype) and shared; ``is_freed`` recognizes it.
    """
    key = (a.shape, a.dtype)
    s = _STANDINS.get(key)
    if s is None:
        if len(_STANDINS) > 4096:
            _STANDINS.clear()
        s = _STANDINS[key] = np.broadcast_to(np.zeros((), a.dtype), a.shape)
    return s


def is_freed(t: _Tensor) -> bool:
    """True for a tensor whose values backward freed (only its shape and dtype remain, for drawings)."""
    d = t._data
    return d.size > 1 and _STANDINS.get((d.shape, d.dtype)) is d


def _checked_apply(cls, *inputs, **attrs):
    """apply of a user's op: inputs may be Tensors, ndarrays or numbers; the output can be saved."""
    ts = []
    for i, x in enumerate(inputs):
        if isinstance(x, _Tensor):
            ts.append(x)
        elif isinstance(x, (np.ndarray, np.generic, int, float, bool)):
            ts.append(_make(_to_array(x)))
        else:
            raise TypeError(
                f"{cls.__name__}.apply: input {i} is a {type(x).__name__}; expected a Tensor, an ndarray or a "
                "number (keyword arguments are passed to forward as attributes)"
            )
    out = Function.apply.__func__(cls, *ts, **attrs)  # NOTE: looked up now, so anomaly mode sees user ops too
    if type(out) is tuple:
        return out  # NOTE: several outputs: the node already holds them by weak reference
    node = out.grad_fn
    if node is not None and node._output is None:
        node._output = weakref.ref(out)
    return out


def broadcasts_to(shape: tuple, target: tuple) -> bool:
    """True if an array of ``shape`` broadcasts to ``target`` (numpy's rules; the result has target's shape)."""
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _checked_backward(fn):
    def backward(ctx, *gys):
        return check_gradients(ctx, fn(ctx, *gys))

    backward.__wrapped__ = fn
    backward.__doc__ = fn.__doc__
    return backward


def check_gradients(node, gxs) -> tuple:
    """What a user's backward returned, checked: one gradient per input, Tensors of fitting shapes."""
    if type(gxs) is not tuple:
        gxs = tuple(gxs) if isinstance(gxs, list) else (gxs,)
    ins = node.inputs
    if len(gxs) != len(ins):
        raise RuntimeError(
            f"{node.name}.backward returned {len(gxs)} gradient{'s' if len(gxs) != 1 else ''} for "
            f"{len(ins)} input{'s' if len(ins) != 1 else ''}; return one per input, in order (None for an input "
            "that gets no gradient)"
        )
    out = []
    for i, (x, g) in enumerate(zip(ins, gxs)):
        if g is not None:
            if isinstance(g, (np.ndarray, np.generic, int, float)):
                g = _make(np.asarray(g, dtype=x._data.dtype))
            elif not isinstance(g, _Tensor):
                raise TypeError(
                    f"{node.name}.backward returned a {type(g).__name__} as the gradient of input {i}; return a "
                    "Tensor, an ndarray or None"
                )
            gs, xs = g._data.shape, x._data.shape
            if gs != xs:
                if not broadcasts_to(xs, gs):
                    raise ShapeError(
                        f"{node.name}.backward returned a gradient of shape {gs} for input {i} of shape {xs}; it "
                        "must have the input's shape (or a shape the input broadcasts to, which is summed)"
                    )
        out.append(g)
    return tuple(out)


def _input_error(op: str, inputs, err: Exception) -> Exception:
    """Restate a numpy error so that it names the op and the shapes of its operands."""
    shapes = " and ".join(str(t.shape) for t in inputs)
    kind = IndexingError if isinstance(err, IndexError) else ShapeError
    return kind(f"{op} of shape{'s' if len(inputs) > 1 else ''} {shapes}: {err}")


from . import inplace  # noqa: E402  (inplace imports this module)
