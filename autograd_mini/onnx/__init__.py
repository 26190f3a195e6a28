"""Export a model to ONNX: run it on example inputs, walk the recorded graph, write each primitive as ONNX operators.

    >>> import autograd_mini.onnx
    >>> autograd_mini.onnx.export(model, np.zeros((1, 64), np.float32), "model.onnx",
    ...                           input_names=["x"], output_names=["logits"], dynamic_axes={"x": {0: "batch"}})

How it works: the model runs three times with grad mode on (every op on the inputs and the parameters is
recorded): on the example inputs, on fresh random inputs (resized along the dynamic axes) and on their negation.
The first graph is read with ``engine.iter_graph`` (the walker of backward and drawing) and written node by
node: parameters (and buffers) become initializers under their ``named_parameters`` names, other leaves become
constants, and each primitive maps to one or a few ONNX operators (``mappings.EMIT``; ``mappings.FUSE`` writes conv2d
and max_pool2d compositions as Conv and MaxPool, log_softmax as LogSoftmax and layer_norm as LayerNormalization).
The other recordings check that the graph does not depend on the input values (a branch on a value, a mask or
index computed with numpy from the input would be baked in as a constant: that raises an error instead of
exporting a wrong model) and tell which sizes follow the dynamic axes: a reshape target, a broadcast shape or a
constant's shape that changes with the batch size is computed from the input's shape at run time (or written as
-1 in a reshape). A constant that changes with the inputs is an error only if the written graph needs it
(log_softmax's row max, computed with numpy, is not needed once the pattern is written as LogSoftmax).

Needs the ``onnx`` package (``pip install "autograd_mini[onnx]"``, which also installs onnxruntime).
"""
from __future__ import annotations

import os
import tempfile
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..engine import iter_graph
from ..grad_mode import enable_grad
from ..tensor import Tensor
from ._common import ExportError, _same
from .mappings import EXPORTED_OPS, EMIT as _EMIT, FUSE as _FUSE, REFUSED as _REFUSED

__all__ = ["export", "ExportError", "DEFAULT_OPSET", "EXPORTED_OPS"]

DEFAULT_OPSET = 18  # NOTE: ReduceMax/ReduceSum take their axes as an input from 18 on; onnxruntime 1.14+ runs it
_MIN_OPSET = 15  # NOTE: Shape with start/end (a dynamic axis's size) is new in 15


def _import_onnx():
    try:
        import onnx  # NOTE: the top-level package (absolute import), not this module
    except ImportError as e:
        raise ImportError(
            "autograd_mini.onnx.export needs the onnx package; install the extra with "
            "pip install \"autograd_mini[onnx]\" (or pip install onnx onnxruntime)"
        ) from e
    return onnx


# ----- public API ------------------------------------------------------------------------------------------


def export(model_or_fn, example_inputs, path, input_names: Optional[Sequence[str]] = None,
           output_names: Optional[Sequence[str]] = None, dynamic_axes: Optional[dict] = None,
           opset: Optional[int] = None) -> str:
    """Write the computation of ``model_or_fn`` on inputs like ``example_inputs`` to an ONNX file at ``path``.

    Args:
        model_or_fn: an ``nn.Module`` (put in eval mode while recording, then restored) or any function of
            Tensors returning a Tensor or a tuple of Tensors.
        example_inputs: a Tensor or ndarray, or a tuple of them (one per argument); floating point, or integer
            for indices used to index a tensor (``nn.Embedding``: the ONNX input is then int64 and the lookup a
            Gather).
        path: the .onnx file to write (atomically: a temporary file, then a rename; nothing on error).
        input_names, output_names: graph names; default ``input``/``output`` (``input_0``, ... when several).
        dynamic_axes: ``{name: {axis: "symbol"}}`` (or ``{name: [axis, ...]}``) for input axes whose size may
            change at run time, e.g. ``{"input": {0: "batch"}}``. Output axes follow from the graph.
        opset: the ONNX opset (default ``DEFAULT_OPSET``, 18; 15 or more).

    Returns:
        The path written.

    Raises:
        ExportError: for an op without an ONNX mapping (the message names it and the module it ran in), for
            a graph that changes with the input values, and for sizes that do not follow the dynamic axes.
        ValueError: for names, dynamic axes or an opset that do not fit the inputs and outputs.
        ImportError: if the onnx package is missing.
    """
    onnx = _import_onnx()
    opset = DEFAULT_OPSET if opset is None else int(opset)
    if not _MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"export: opset must be between {_MIN_OPSET} and {onnx.defs.onnx_opset_version()} "
                         f"(the installed onnx's newest), got {opset}")
    arrays = _example_arrays(example_inputs)
    input_names = _names(input_names, len(arrays), "input")
    symbols = _symbols(dynamic_axes, input_names, arrays)
    params = _param_names(model_or_fn)
    modules = _module_names(model_or_fn)
    fn = model_or_fn
    # NOTE: as torch.onnx.export: recorded in eval mode (dropout off, batch norm on running statistics)
    states = [(m, m.training) for m in model_or_fn.modules()] if hasattr(model_or_fn, "modules") else []
    try:
        if states:
            model_or_fn.eval()
        first = _record(fn, arrays)
        others = _other_arrays(arrays, symbols, input_names, np.random.default_rng(0))
        try:
            with np.errstate(all="ignore"):
                # NOTE: also at the negated values: a sign test (x > 0) then differs on every nonzero element
                negated = [a if a.dtype.kind in "iu" else -a for a in
                           _other_arrays(arrays, symbols, input_names, np.random.default_rng(1))]
                negated = [-a if a.dtype.kind == "f" else n for a, n in zip(others, negated)]
                checks = [_record(fn, others), _record(fn, negated)]
        except ExportError:
            raise
        except Exception as e:
            sizes = ", ".join(f"{sym} = {entry[3]}" for sym, entry in symbols.items())
            raise ExportError(
                f"export: the model raised {type(e).__name__}: {e} when run on random inputs of the example's "
                f"shape{' with ' + sizes if sizes else ''} (export runs it on other values"
                f"{' and sizes' if sizes else ''} to check that the graph does not depend on them)") from e
    finally:
        for m, mode in states:
            m.training = mode
    output_names = _names(output_names, len(first.outputs), "output")
    clash = sorted((set(input_names) & set(output_names)) | ((set(input_names) | set(output_names)) & set(params.values())))
    if clash:
        raise ValueError(f"export: the names {clash} are used twice (as input, output or parameter names); "
                         "give the inputs and outputs names of their own")
    model = _Builder(onnx, opset, first, checks, input_names, output_names, symbols, params, modules).build()
    onnx.checker.check_model(model, full_check=True)
    path = os.fspath(path)
    _atomic_write(path, model.SerializeToString())
    return path


# ----- recording -------------------------------------------------------------------------------------------


class _Recording:
    """One run of the model: its input tensors, outputs, and every tensor of the graph, producers first."""

    def __init__(self, inputs, outputs, order):
        self.inputs, self.outputs, self.order = inputs, outputs, order


def _record(fn, arrays) -> _Recording:
    inputs = [Tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
    with enable_grad():
        out = fn(*inputs)
    outputs = list(out) if isinstance(out, (tuple, list)) else [out]
    for i, o in enumerate(outputs):
        if not isinstance(o, Tensor):
            raise ExportError(f"export: the model returned a {type(o).__name__} as output {i}; "
                              "return a Tensor or a tuple of Tensors")
    order = list(iter_graph(outputs, everything=True))
    order.reverse()  # NOTE: iter_graph yields consumers first; ONNX nodes are listed producers first
    return _Recording(inputs, outputs, order)


def _example_arrays(example_inputs) -> List[np.ndarray]:
    items = list(example_inputs) if isinstance(example_inputs, tuple) else [example_inputs]  # NOTE: a list is data
    arrays = []
    for i, x in enumerate(items):
        a = x.data if isinstance(x, Tensor) else np.asarray(x)
        if a.dtype.kind not in "fiu":
            raise ExportError(f"export: example input {i} has dtype {a.dtype}; only floating point and integer inputs "
                              "can be exported (pass other data, e.g. boolean masks, as constants of the model)")
        if a.dtype.kind in "iu" and not a.size:
            raise ExportError(f"export: integer example input {i} is empty; give example indices (export draws other "
                              "indices between the example's smallest and largest)")
        arrays.append(np.asarray(a))
    return arrays


def _names(names, n, base) -> List[str]:
    if names is None:
        return [base] if n == 1 else [f"{base}_{i}" for i in range(n)]
    names = list(names)
    if len(names) != n or len(set(names)) != n:
        raise ValueError(f"export: expected {n} distinct {base} names, got {names}")
    return names


def _symbols(dynamic_axes, input_names, arrays) -> Dict[str, list]:
    """symbol -> [size in the example, input name, axis, size in the second recording]."""
    symbols: Dict[str, list] = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in input_names:
            raise ValueError(f"export: dynamic_axes names {name!r}, which is not an input ({input_names}); "
                             "output axes follow from the graph")
        a = arrays[input_names.index(name)]
        if not isinstance(axes, dict):
            axes = {ax: f"{name}_dim{ax}" for ax in axes}
        for ax, sym in axes.items():
            if not -a.ndim <= ax < a.ndim:
                raise ValueError(f"export: dynamic axis {ax} of input {name!r} is out of range for shape {a.shape}")
            ax %= a.ndim
            if sym in symbols and symbols[sym][0] != a.shape[ax]:
                raise ValueError(f"export: dynamic axis {sym!r} has size {symbols[sym][0]} and {a.shape[ax]} in the "
                                 "example inputs; axes sharing a name must have the same size")
            symbols.setdefault(sym, [a.shape[ax], name, ax, None])
    for j, entry in enumerate(symbols.values()):
        entry[3] = entry[0] * (2 + j)  # NOTE: distinct factors tell the symbols apart; multiples keep divisibility
    return symbols


def _other_arrays(arrays, symbols, input_names, rng) -> List[np.ndarray]:
    """Fresh random inputs of the example's scale, centred at 0, resized along the dynamic axes; integer inputs
    (indices) drawn between the example's smallest and largest value."""
    out = []
    for name, a in zip(input_names, arrays):
        shape = list(a.shape)
        for size, inp, ax, size2 in symbols.values():
            if inp == name:
                shape[ax] = size2
        if a.dtype.kind in "iu":
            out.append(rng.integers(a.min(), a.max(), size=shape, endpoint=True).astype(a.dtype))
            continue
        scale = float(np.abs(a).max()) if a.size and np.isfinite(a).all() else 1.0
        out.append(((scale or 1.0) * rng.standard_normal(shape)).astype(a.dtype))
    return out


def _param_names(model) -> Dict[Tensor, str]:
    names: Dict[Tensor, str] = {}
    for getter in ("named_parameters", "named_buffers"):
        if hasattr(model, getter):
            for name, t in getattr(model, getter)():
                if isinstance(t, Tensor):
                    names.setdefault(t, name)
    return names


def _module_names(model) -> Dict[int, str]:
    if not hasattr(model, "named_modules"):
        return {}
    return {id(m): name for name, m in model.named_modules()}


def _atomic_write(path: str, data: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"export: the folder {directory!r} of {path!r} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".onnx")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# ----- comparing the two recordings ------------------------------------------------------------------------


def _attrs(node) -> dict:
    return {k: v for k, v in node.__dict__.items() if not k.startswith("_")}


# ----- building the ONNX graph -----------------------------------------------------------------------------


class _Builder:
    """Turns the first recording into ONNX nodes; the others (at other values and sizes) must record the same
    graph, and the first of them tells which sizes follow the dynamic axes."""

    def __init__(self, onnx, opset, first, others, input_names, output_names, symbols, params, modules):
        self.onnx, self.helper, self.opset = onnx, onnx.helper, opset
        self.first, self.others = first, others
        self.input_names, self.output_names = input_names, output_names
        self.symbols, self.params, self.modules = symbols, params, modules
        self.nodes, self.initializers = [], []
        self.names: Dict[Tensor, str] = {}  # tensor of the first recording -> ONNX value name
        self.twin: Dict[Tensor, Tensor] = {}  # tensor of the first recording -> the same one in others[0]
        self.twins: Dict[Tensor, list] = {}  # ... -> the same one in each of the others
        self.used = set(input_names) | set(output_names) | set(params.values())  # NOTE: parameters keep their names
        self.cache: dict = {}
        self.unstable: Dict[str, ExportError] = {}  # constants that change with the inputs -> their error
        self.prefix = ""  # the module the node being written was recorded in (names its ONNX values)

    # -- names, constants, nodes --

    def fresh(self, base: str) -> str:
        base = base.replace("/", ".")
        name, k = base, 1
        while name in self.used:
            name = f"{base}_{k}"
            k += 1
        self.used.add(name)
        return name

    def const(self, array, base: str = "const") -> str:
        array = np.asarray(array)
        name = self.fresh(base)
        # NOTE: np.array, not ascontiguousarray, which makes a 0-d array 1-d
        self.initializers.append(self.onnx.numpy_helper.from_array(np.array(array, order="C"), name))
        return name

    def ints(self, values, base: str = "shape") -> str:
        key = ("ints", tuple(int(v) for v in values))
        if key not in self.cache:
            self.cache[key] = self.const(np.array(key[1], dtype=np.int64), base)
        return self.cache[key]

    def add(self, op_type: str, inputs, base: Optional[str] = None, **attrs) -> str:
        base = base or op_type
        out = self.fresh(f"{self.prefix}.{base}" if self.prefix else base)  # e.g. "0.linear": module 0's Gemm
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out

    def elem(self, dtype) -> int:
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def value(self, t: Tensor, dtype=None) -> str:
        """The ONNX name of t's value, converted to dtype (constants are stored converted)."""
        name = self.names[t]
        if dtype is None or np.dtype(dtype) == t.dtype:
            return name
        key = ("cast", name, np.dtype(dtype).str)
        if key not in self.cache:
            if name in self.const_leaves:
                self.cache[key] = self.const(t.data.astype(dtype), name)
            else:
                self.cache[key] = self.add("Cast", [name], to=self.elem(dtype))
        return self.cache[key]

    def scalar(self, v, dtype) -> str:
        key = ("scalar", float(v), np.dtype(dtype).str)
        if key not in self.cache:
            self.cache[key] = self.const(np.array(v, dtype=dtype), "scalar")
        return self.cache[key]

    # -- sizes that follow the dynamic axes --

    def shapes(self, t: Tensor):
        return t.shape, self.twin[t].shape

    def symbol_dim(self, sym: str, k: int) -> str:
        """A 1-D int64 tensor holding k * (the run-time size of the symbol's input axis)."""
        key = ("dim", sym, k)
        if key not in self.cache:
            size, name, ax, _ = self.symbols[sym]
            d = self.add("Shape", [name], f"{name}.shape{ax}", start=ax, end=ax + 1)
            self.cache[key] = d if k == 1 else self.add("Mul", [d, self.ints([k], "k")], f"{k}x{sym}")
        return self.cache[key]

    def dim_of(self, v1: int, v2: int, what) -> tuple:
        """(symbol, k) with v = k * symbol in both recordings, for a size that changed between them."""
        for sym, (s1, _, _, s2) in self.symbols.items():
            if s1 and v1 % s1 == 0 and v2 == v1 // s1 * s2:
                return sym, v1 // s1
        raise ExportError(f"{what()}: a size is {v1} for the example inputs and {v2} for inputs of other "
                          "sizes along the dynamic axes, not a multiple of one dynamic axis; it cannot be exported "
                          "with these dynamic_axes")

    def shape_input(self, s1, s2, what, minus_one: bool = False, keep=()) -> str:
        """A 1-D int64 shape tensor for a size that is s1 in the example and s2 with the other input sizes.

        minus_one: one changing entry may be written -1 (Reshape); keep: positions written 1 (Expand keeps the
        operand's own size there).
        """
        if len(s1) != len(s2):
            raise ExportError(f"{what()}: the rank of a result changes with the input sizes")
        changing = [i for i, (a, b) in enumerate(zip(s1, s2)) if a != b and i not in keep]
        if not changing:
            return self.ints([1 if i in keep else v for i, v in enumerate(s1)])
        if minus_one and len(changing) == 1:
            return self.ints([-1 if i in changing else v for i, v in enumerate(s1)])
        parts = []
        for i, (a, b) in enumerate(zip(s1, s2)):
            if i in keep:
                parts.append(self.ints([1]))
            elif a == b:
                parts.append(self.ints([a]))
            else:
                parts.append(self.symbol_dim(*self.dim_of(a, b, what)))
        return self.add("Concat", parts, "shape", axis=0)

    # -- reductions (axes are an attribute before opset 18, except ReduceSum since 13) --

    def reduce(self, op: str, x: str, axes, keepdims: bool) -> str:
        if axes is None:
            return self.add(op, [x], keepdims=int(keepdims))
        axes = [int(a) for a in axes]
        if op == "ReduceSum" or self.opset >= 18:
            return self.add(op, [x, self.ints(axes, "axes")], keepdims=int(keepdims))
        return self.add(op, [x], axes=axes, keepdims=int(keepdims))

    # -- the walk --

    def where(self, node) -> str:
        """Name of the module call a node was recorded in, for errors."""
        scope = getattr(node, "scope", None)
        if scope is None:
            return ""
        name = self.modules.get(id(scope.owner))
        kind = type(scope.owner).__name__
        return f" (recorded in {kind}" + (f" '{name}' of the model)" if name else ")")

    def build(self):
        first, others = self.first, self.others
        for o in others:
            if len(first.order) != len(o.order) or len(first.outputs) != len(o.outputs):
                raise self.changed(None)
        inputs1 = {t: i for i, t in enumerate(first.inputs)}
        pos1 = {t: i for i, t in enumerate(first.order)}
        inputs_o = [{t: i for i, t in enumerate(o.inputs)} for o in others]
        pos_o = [{t: i for i, t in enumerate(o.order)} for o in others]
        self.const_leaves = set()
        graph_inputs = []
        for i, name in enumerate(self.input_names):
            t = first.inputs[i]
            dims = list(t.shape)
            for sym, (_, inp, ax, _) in self.symbols.items():
                if inp == name:
                    dims[ax] = sym
            graph_inputs.append(self.helper.make_tensor_value_info(name, self.elem(t.dtype), dims))
            self.names[t] = name
        for t, *us in zip(first.order, *(o.order for o in others)):
            self.twin[t], self.twins[t] = us[0], us
            node = t.grad_fn
            if node is None:
                for u, ins in zip(us, inputs_o):
                    if u.grad_fn is not None or inputs1.get(t) != ins.get(u) or (t in self.params and u is not t):
                        raise self.changed(None)
                if t in inputs1:
                    continue
                if t in self.params:
                    name = self.names[t] = self.params[t]
                    self.initializers.append(self.onnx.numpy_helper.from_array(np.array(t.data, order="C"), name))
                else:
                    self.names[t] = self.constant(t, us)
                continue
            for u in us:
                if u.grad_fn is None or type(node) is not type(u.grad_fn):
                    raise self.changed(node)
            emit = _EMIT.get(type(node).__name__) if type(node).__module__.startswith("autograd_mini.ops") else None
            if emit is None:
                raise ExportError(
                    f"export: the op {node.name}{self.where(node)} has no ONNX mapping"
                    + (f": {_REFUSED[node.name]}" if node.name in _REFUSED else
                       "; compose it from the library's primitives (see docs/onnx.md for the ops that export)")
                )
            a1 = self.marked(_attrs(node), first.inputs)
            a1.pop("cond", None) if node.name == "Where" else None
            for u, pos, o in zip(us, pos_o, others):
                if [pos1[x] for x in node.inputs] != [pos[x] for x in u.grad_fn.inputs]:
                    raise self.changed(node)
                a2 = self.marked(_attrs(u.grad_fn), o.inputs)
                a2.pop("cond", None) if node.name == "Where" else None
                if a1.keys() != a2.keys() or not all(_same(a1[k], a2[k]) for k in a1):
                    diff = [k for k in a1 if k not in a2 or not _same(a1[k], a2[k])]
                    raise ExportError(
                        f"export: the attribute {diff} of {node.name}{self.where(node)} changes with the input "
                        "values or sizes (an index or a mask computed from the input with numpy is a constant of "
                        "the recorded graph); this graph cannot be exported as it is")
            self.node, self.out = node, t
            self.prefix = self.modules.get(id(node.scope.owner), "") if node.scope is not None else ""
            fuse = _FUSE.get(node.name)
            fused = fuse(self, node, t) if fuse is not None else None
            self.names[t] = fused or emit(self, node, t, [self.names[x] for x in node.inputs])
        self.prefix = ""
        graph_outputs = []
        for i, (t, name) in enumerate(zip(first.outputs, self.output_names)):
            self.nodes.append(self.helper.make_node("Identity", [self.names[t]], [name]))
            d1, d2 = t.shape, others[0].outputs[i].shape
            dims = [a if a == b else next((s for s, e in self.symbols.items() if (e[0], e[3]) == (a, b)), None)
                    for a, b in zip(d1, d2)]
            graph_outputs.append(self.helper.make_tensor_value_info(name, self.elem(t.dtype), dims))
        needed = self.prune()
        for name, error in self.unstable.items():
            if name in needed:
                raise error
        graph = self.helper.make_graph(self.nodes, "autograd_mini", graph_inputs, graph_outputs, self.initializers)
        opsets = [self.helper.make_opsetid("", self.opset)]
        model = self.helper.make_model(graph, opset_imports=opsets, producer_name="autograd_mini")
        model.ir_version = self.helper.find_min_ir_version_for(opsets)
        return model

    @staticmethod
    def marked(attrs: dict, inputs) -> dict:
        """attrs with an index that is an integer input's array (nn.Embedding's lookup) written ("input", k)."""
        index = attrs.get("index")
        if index is None:
            return attrs
        ids = {id(t._data): k for k, t in enumerate(inputs) if t._data.dtype.kind in "iu"}
        items = index if type(index) is tuple else (index,)
        if ids and any(isinstance(i, np.ndarray) and id(i) in ids for i in items):
            items = tuple(("input", ids[id(i)]) if isinstance(i, np.ndarray) and id(i) in ids else i for i in items)
            attrs["index"] = items if type(index) is tuple else items[0]
        return attrs

    def input_name(self, array) -> Optional[str]:
        """The graph input name whose example array is ``array`` (the same object), else None."""
        for t, name in zip(self.first.inputs, self.input_names):
            if t._data is array:
                return name
        return None

    def prune(self) -> set:
        """Drop the nodes and initializers no output needs (what a fused pattern, e.g. a Conv, replaced);
        return the names the kept nodes use."""
        needed = set(self.output_names)
        kept = []
        for n in reversed(self.nodes):
            if any(o in needed for o in n.output):
                kept.append(n)
                needed.update(n.input)
        self.nodes = kept[::-1]
        rank = {name: k for k, name in enumerate(self.params.values())}  # NOTE: parameters first, in module order
        self.initializers = sorted((i for i in self.initializers if i.name in needed),
                                   key=lambda i: rank.get(i.name, len(rank)))
        return needed

    def changed(self, node) -> ExportError:
        what = f" at {node.name}{self.where(node)}" if node is not None else ""
        return ExportError(f"export: the model recorded a different graph{what} for other input values or sizes "
                           "(control flow that depends on the inputs, randomness in eval mode, or a tensor made "
                           "from the input's values with numpy); only graphs that are the same for every input "
                           "can be exported")

    def constant(self, t: Tensor, us: list) -> str:
        """A leaf that is neither an input nor a parameter: an initializer, or ConstantOfShape if its shape
        follows a dynamic axis (e.g. a zero initial state of batch size).

        A constant that changes with the input values or sizes gets a name without a value, and its error is
        raised only if a node that the outputs need uses it: a fused pattern may drop it (log_softmax subtracts
        the row max, computed with numpy, which LogSoftmax does not need).
        """
        try:
            return self._constant(t, us)
        except ExportError as e:
            name = self.fresh("changing_constant")
            self.unstable[name] = e
            return name

    def _constant(self, t: Tensor, us: list) -> str:
        a = t.data
        if all(u.shape == a.shape and u.dtype == a.dtype for u in us):
            if not all(np.array_equal(a, u.data, equal_nan=a.dtype.kind in "fc") for u in us):
                raise ExportError(
                    f"export: a constant of shape {a.shape} used by the graph changes with the input values (a "
                    "tensor computed from the input's data outside the recorded ops, or random values); "
                    "compute it with Tensor ops, or outside the model")
            name = self.const(a, "const")
            self.const_leaves.add(name)  # NOTE: value() stores it converted when another dtype is needed
            return name
        flat = a.reshape(-1)
        if not flat.size or any(u.ndim != a.ndim or u.dtype != a.dtype or not (u.data == flat[0]).all() for u in us) \
                or not (flat == flat[0]).all():
            raise ExportError(f"export: a constant of shape {a.shape} (for the example inputs) changes shape with the "
                              "input sizes and is not filled with one value; it cannot be exported")
        shape = self.shape_input(a.shape, us[0].shape, lambda: f"export: a constant of shape {a.shape}")
        fill = self.onnx.numpy_helper.from_array(np.array([flat[0]], dtype=a.dtype), "value")
        return self.add("ConstantOfShape", [shape], "filled", value=fill)
