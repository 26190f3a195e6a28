"""Function: the base of every primitive op, and the only place that builds graph nodes.

A primitive subclasses Function and writes two static methods side by side (see ops.py):

    forward(ctx, *arrays, **attrs) -> ndarray      numpy in, numpy out
    backward(ctx, gy) -> grad or tuple of grads     Tensor ops only, so it can itself be recorded

``Op.apply(*tensors, **attrs)`` runs forward and, when grad mode is on and an input requires grad, makes the
context ``ctx`` the output's ``grad_fn``. The node keeps its inputs (to compute derivatives) but holds its output
only by weak reference, so tensor -> node -> tensor never forms a cycle and graphs are freed by reference
counting alone.
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from . import grad_mode
from .errors import GraphFreedError, IndexingError, ShapeError
from .tensor import Tensor as _Tensor

_new = object.__new__
_next_seq = itertools.count(1).__next__
_ndarray = np.ndarray


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
    """A node of the computation graph: one application of a primitive op.

    Attributes:
        inputs: tuple of the input Tensors (None once backward has freed the graph).
        needs_input_grad: tuple of bools, one per input.
        seq: creation number; a node's inputs were all made by nodes with smaller numbers.
        scope: the innermost open Scope when the node was recorded (e.g. an nn.Module call), or None.
        name: display name, the class name (e.g. ``"Mul"``).
    """

    # NOTE: scope is a slot, set on every recorded node: a class default would send the assignment to a
    # per-node __dict__ (a dict allocated for every node recorded inside a module).
    __slots__ = ("inputs", "needs_input_grad", "seq", "scope", "__dict__", "__weakref__")
    save_output = False  # NOTE: set True in ops whose derivative uses the output (exp, tanh, ...)
    _output = None

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"

    @property
    def output(self):
        """The Tensor this node produced (alive while anybody, e.g. the running backward, holds it)."""
        ref = self._output
        out = ref() if ref is not None else None
        if out is None:
            raise GraphFreedError(f"{self.name}: its output tensor no longer exists")
        return out

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run forward on the inputs' arrays and record the node if any input requires grad."""
        ctx = _new(cls)
        # NOTE: arity is unrolled (no comprehensions), and forward is called without ** when there are no
        # attributes (that would build a dict per call): this is the hottest path of the library.
        n = len(inputs)
        try:
            if n == 2:
                a, b = inputs
                y = cls.forward(ctx, a.data, b.data, **attrs) if attrs else cls.forward(ctx, a.data, b.data)
            elif n == 1:
                a = inputs[0]
                y = cls.forward(ctx, a.data, **attrs) if attrs else cls.forward(ctx, a.data)
            elif n == 3:
                a, b, c = inputs
                if attrs:
                    y = cls.forward(ctx, a.data, b.data, c.data, **attrs)
                else:
                    y = cls.forward(ctx, a.data, b.data, c.data)
            else:
                y = cls.forward(ctx, *[t.data for t in inputs], **attrs)
        except (ValueError, IndexError) as e:
            raise _input_error(cls.__name__, inputs, e) from e
        if type(y) is not _ndarray:
            y = np.asarray(y)  # NOTE: numpy returns scalars for 0-d results; Tensor.data is always an ndarray
        if grad_mode.enabled:
            if n == 2:
                needs = (a.requires_grad, b.requires_grad)
            elif n == 1:
                needs = (a.requires_grad,)
            elif n == 3:
                needs = (a.requires_grad, b.requires_grad, c.requires_grad)
            else:
                needs = tuple([t.requires_grad for t in inputs])
            if True in needs:
                ctx.inputs = inputs
                ctx.needs_input_grad = needs
                ctx.seq = _next_seq()  # NOTE: creation order; the engine's walk relies on it (see iter_graph)
                ctx.scope = _scope
                out = _new(_Tensor)  # NOTE: _make inlined (twice in this function): it is the hottest call
                out.data = y
                out.requires_grad = True
                out.grad_fn = ctx
                if cls.save_output:
                    ctx._output = weakref.ref(out)
                return out
        out = _new(_Tensor)
        out.data = y
        out.requires_grad = False
        out.grad_fn = None
        return out

    def release(self) -> None:
        """Drop the saved inputs so their memory can go; a later backward through here raises."""
        self.inputs = None

    def parents(self):
        """The input tensors that take part in backward; raises if the graph was freed."""
        if self.inputs is None:
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



def _input_error(op: str, inputs, err: Exception) -> Exception:
    """Restate a numpy error so that it names the op and the shapes of its operands."""
    shapes = " and ".join(str(t.shape) for t in inputs)
    kind = IndexingError if isinstance(err, IndexError) else ShapeError
    return kind(f"{op} of shape{'s' if len(inputs) > 1 else ''} {shapes}: {err}")
