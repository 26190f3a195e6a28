"""Computation-graph drawings that explain: parameter names, module clusters and gradient heat.

    >>> from autograd_mini import viz
    >>> loss = nn.functional.mse_loss(model(x), target)
    >>> loss.backward()
    >>> viz.save_graph(loss, "mlp.svg", params=model)   # parameters coloured by their gradients

Drawing after a plain ``backward()`` works: backward frees the values the graph saved but keeps its structure
(ops, attributes, shapes, dtypes, module scopes). To see every intermediate's gradient too, call
``viz.retain_grads(loss)`` before ``backward``; to see values (``show_values``), draw before backward or
pass ``retain_graph=True``.

Tensor nodes show shape, dtype and (after backward) the norm of their gradient, filled on one colour scale of
log10 |grad|, from blue (smallest in the graph) to red (largest); op nodes show the op's name and its key
attributes. Ops recorded inside an ``nn.Module`` call are grouped in a labelled cluster (nested modules nest).

The graph is read through ``engine.iter_graph`` (the one graph walker): nothing is computed again, and the
returned ``graphviz.Digraph`` holds only strings, so drawing never keeps a tensor alive.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
import warnings
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ._viz_labels import (
    _fmt_attrs, _fmt_norm, _fmt_shape, _fmt_summary, _fmt_value, _heat_entry, _heat_rgb, _hex, _norm,
    _output_label, _q, _quote_free,
)
from .engine import iter_graph
from .function import is_freed
from .tensor import Tensor

__all__ = ["draw_graph", "save_graph", "retain_grads"]

Roots = Union[Tensor, Sequence[Tensor]]

# ----- look ------------------------------------------------------------------------------------------------

INPUT, PARAM, CONST, INTER, OUTPUT = "input", "parameter", "constant", "intermediate", "output"

# category -> (node attributes, fill colour used when the drawing shows no gradients)
_TENSOR_STYLE = {
    INPUT: ('shape=box style="filled,dashed" color="#2b6cb0"', "#dbeafe"),
    PARAM: ('shape=box style=filled color="#c05621" penwidth=2', "#feebc8"),
    INTER: ('shape=ellipse style=filled color="#718096"', "#ffffff"),
    OUTPUT: ('shape=ellipse style=filled color="#276749" penwidth=2 peripheries=2', "#c6f6d5"),
}
_OP_STYLE = 'shape=box style="rounded,filled" color="#a0aec0" fontsize=10'
_OP_FILL = "#edf2f7"
_MODULE_STYLE = 'shape=box style="rounded,filled,bold" color="#2d3748" penwidth=1.5'
_MODULE_FILL = "#e2e8f0"
_NO_GRAD_FILL = "#ffffff"  # NOTE: tensors without a gradient when others have one: neutral, off the heat scale
_NONFINITE_FILL = "#ff00ff"  # NOTE: a nan/inf gradient is an error to see at once, so it gets no scale colour
_CLUSTER_FILLS = ("#f4f7fb", "#e9eff7", "#dfe8f3")


# ----- public API ------------------------------------------------------------------------------------------


def retain_grads(root: Roots) -> int:
    """Ask the next backward to keep the gradient of every intermediate tensor of the graph behind root.

    By default backward keeps only the leaves' gradients; call this before ``backward`` so that
    ``draw_graph`` can show a gradient norm (and heat colour) on every tensor node.

    Args:
        root: a tensor or a sequence of tensors (usually the loss).

    Returns:
        The number of intermediate tensors marked.
    """
    n = 0
    for t in iter_graph(_as_roots(root)):
        if t.grad_fn is not None:
            t.retain_grad()
            n += 1
    return n


def draw_graph(
    root: Roots,
    *,
    params=None,
    show_shapes: bool = True,
    show_values: bool = False,
    show_grads: bool = True,
    cluster_modules: bool = True,
    collapse_modules: bool = False,
    depth: Union[int, None, str] = "auto",
    rankdir: str = "LR",
    show_tensors: str = "all",
    legend: bool = True,
    heat_range: Optional[Tuple[float, float]] = None,
    title: Optional[str] = None,
):
    """Draw the computation graph that produced root as a ``graphviz.Digraph`` (no ``dot`` program needed).

    Args:
        root: the output tensor, or a sequence of outputs drawn in one picture.
        params: names for leaf tensors: an nn.Module (its ``named_parameters()``; its ``named_modules()``
            also name the clusters), a dict name -> Tensor, or an iterable of (name, Tensor). Any tensor may
            be named this way, intermediates too, e.g. ``{"x": x, "w": w, "z": z}``. Leaves that require grad
            are drawn as parameters, except that with a module only its own parameters are (a leaf outside
            it, e.g. an input given requires_grad for a saliency map, is drawn as an input).
        show_shapes: show shape and dtype on tensor nodes.
        show_values: show min / mean / max of each tensor's values.
        show_grads: show the norm of each tensor's ``.grad`` and colour tensor nodes by log10 of it.
        cluster_modules: group the ops recorded inside each module call (``node.scope``) into a labelled
            cluster, nested as the calls were.
        collapse_modules: draw each call of an innermost module (one that calls no other module, e.g. a
            Linear or a Sigmoid) as a single node showing its output's shape and gradient, instead of a
            cluster of ops; parameters used only inside it are drawn beside it. Needs cluster_modules.
        depth: how many levels of nested module calls to open: a call nested deeper than ``depth`` levels is
            drawn as one node (e.g. 0: every top-level call is one node; 1: the top-level calls are clusters of
            their sub-module calls, each one node). ``None`` opens every level (every op is drawn). ``"auto"``
            (the default) opens every level while the drawing has at most ``AUTO_MAX_NODES`` nodes and
            no chain longer than ``AUTO_MAX_RANKS``, and otherwise the deepest level that keeps it within both, so that big models stay readable and quick
            to lay out; the legend then says how to get the full detail. Needs cluster_modules; with
            collapse_modules=True, "auto" means None.
        rankdir: Graphviz layout direction: "LR" (left to right), "TB", "RL" or "BT".
        show_tensors: "all" draws a node per tensor; "leaves" draws only leaves and outputs and puts each
            intermediate's shape and gradient on the op that made it (half the nodes, for big graphs).
        legend: add a legend cluster explaining the node kinds and the heat scale.
        heat_range: (lo, hi) in log10 units for the colour scale, e.g. to compare two drawings; by default
            the smallest and largest nonzero gradient norm of this graph.
        title: a caption for the picture.

    Returns:
        A ``graphviz.Digraph``; ``.source`` is the DOT text, ``save_graph`` renders it.

    Raises:
        TypeError: if root or params hold something other than tensors.
        ValueError: for an unknown show_tensors or rankdir.
    """
    graphviz = _graphviz()
    if show_tensors not in ("all", "leaves"):
        raise ValueError(f"show_tensors must be 'all' or 'leaves', got {show_tensors!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of 'LR', 'TB', 'RL', 'BT', got {rankdir!r}")
    roots = _as_roots(root)
    names = _leaf_names(params)
    modnames = _module_names(params) if cluster_modules else {}
    tensors = list(iter_graph(roots, everything=True, freed_ok=True))  # NOTE: after backward, through stand-ins
    if not (depth is None or depth == "auto" or (isinstance(depth, int) and not isinstance(depth, bool) and depth >= 0)):
        raise ValueError(f"depth must be None, 'auto' or an int >= 0, got {depth!r}")
    g = _Drawing(tensors, roots, names, modnames, hasattr(params, "named_parameters"), show_shapes, show_values, show_grads,
                 cluster_modules, collapse_modules, depth, show_tensors == "all", heat_range)
    del tensors, roots, names, modnames
    body = g.body(legend, rankdir)
    graph_attr = {"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.3", "fontname": "Helvetica",
                  "fontsize": "11", "newrank": "true"}
    if title:
        graph_attr.update(label=_quote_free(title), labelloc="t", fontsize="14")
    dot = graphviz.Digraph(
        "autograd_mini",
        graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "11", "margin": "0.08,0.04", "height": "0.3"},
        edge_attr={"color": "#4a5568", "arrowsize": "0.6"},
    )
    dot.body.extend(body)
    return dot


_FORMATS = ("svg", "png", "pdf", "dot", "gv")


def save_graph(root, path: Union[str, os.PathLike], format: Optional[str] = None, **kw) -> str:
    """Draw root's graph and write it to path, as SVG, PNG or PDF (or DOT source), by the file's extension.

    Rendering needs the Graphviz program ``dot``. Without it, the DOT source is written next to path (same
    name, extension ``.dot``) with a warning saying how to install Graphviz; render it later with
    ``dot -Tsvg file.dot -o file.svg``. Files are written atomically (a temporary file, then a rename).

    Args:
        root: a tensor, a sequence of tensors, or a Digraph made by ``draw_graph``.
        path: the file to write.
        format: "svg", "png", "pdf" or "dot"; by default taken from path's extension.
        **kw: keyword arguments of ``draw_graph`` (params, show_values, title, ...).

    Returns:
        The path actually written (the ``.dot`` fallback's path when ``dot`` is missing).

    Raises:
        ValueError: if the format is missing or not one of svg, png, pdf, dot.
    """
    path = os.fspath(path)
    fmt = (format or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in _FORMATS:
        raise ValueError(
            f"save_graph: cannot tell the format of {path!r} (got {fmt or 'no extension'!r}); "
            "use a .svg, .png, .pdf or .dot file name, or pass format='svg'"
        )
    if isinstance(root, Tensor) or not hasattr(root, "pipe"):
        dot = draw_graph(root, **kw)
    elif kw:
        raise TypeError(f"save_graph: options {sorted(kw)} apply when drawing a tensor, not an existing Digraph")
    else:
        dot = root
    if fmt in ("dot", "gv"):
        _atomic_write(path, dot.source.encode("utf-8"))
        return path
    if shutil.which("dot") is None:
        dot_path = os.path.splitext(path)[0] + ".dot"
        _atomic_write(dot_path, dot.source.encode("utf-8"))
        warnings.warn(
            f"the Graphviz program 'dot' was not found, so {path} was not rendered; wrote the DOT source to "
            f"{dot_path} instead. Install Graphviz (apt-get install graphviz, brew install graphviz or conda "
            f"install graphviz), then run: dot -T{fmt} {dot_path} -o {path}",
            RuntimeWarning,
            stacklevel=2,
        )
        return dot_path
    _atomic_write(path, dot.pipe(format=fmt))
    return path


# ----- the drawing -----------------------------------------------------------------------------------------


class _Drawing:
    """Turns one walk of the graph into DOT lines. Holds tensors only while ``draw_graph`` runs."""

    def __init__(self, tensors, roots, names, modnames, params_is_module, show_shapes, show_values, show_grads,
                 cluster_modules, collapse, depth, all_tensors, heat_range):
        n = len(tensors)
        index = {id(t): i for i, t in enumerate(tensors)}
        root_ids = {id(r) for r in roots}
        cat = [None] * n
        for i, t in enumerate(tensors):
            if id(t) in root_ids:
                cat[i] = OUTPUT
            elif t.grad_fn is not None:
                cat[i] = INTER
            elif t.requires_grad and (not params_is_module or id(t) in names):
                cat[i] = PARAM
            elif t.size == 1 and not t.requires_grad and id(t) not in names:
                cat[i] = CONST  # NOTE: folded into its consumers' labels, e.g. Mul(·, 0.5), not drawn as a node
            else:
                cat[i] = INPUT

        norms: List[Optional[float]] = [None] * n
        if show_grads:
            for i, t in enumerate(tensors):
                if t.grad is not None and cat[i] != CONST:
                    norms[i] = _norm(t.grad.data)
        logs = [math.log10(v) for v in norms if v is not None and 0 < v < math.inf]
        self.heat = any(v is not None for v in norms)
        if heat_range is not None:
            lo, hi = float(heat_range[0]), float(heat_range[1])
        else:
            lo, hi = (min(logs), max(logs)) if logs else (0.0, 0.0)
        self.lo, self.hi = lo, hi
        self.has_zero = any(v == 0 for v in norms)
        self.has_nonfinite = any(v is not None and not math.isfinite(v) for v in norms)

        # pass 1: a cluster per scope (module call), numbered in walk order, and where each parameter goes
        cluster_of: Dict[int, int] = {}  # id(scope) -> cluster number
        scopes: list = []  # cluster number -> Scope (kept only during __init__)
        parent: List[Optional[int]] = []  # cluster number -> parent cluster number
        op_cluster: List[Optional[int]] = [None] * n  # cluster of the op that made tensor i
        param_path: Dict[int, tuple] = {}  # parameter index -> common scope path of the ops using it
        for i, t in enumerate(tensors):
            node = t.grad_fn
            if node is None:
                continue
            scope = node.scope if cluster_modules else None
            path = ()
            if scope is not None:
                path = scope.path()
                if id(scope) not in cluster_of:
                    for s in path:
                        if id(s) not in cluster_of:
                            cluster_of[id(s)] = len(scopes)
                            parent.append(cluster_of[id(s.parent)] if s.parent is not None else None)
                            scopes.append(s)
                op_cluster[i] = cluster_of[id(scope)]
            for p in node.parents(freed_ok=True):
                j = index[id(p)]
                if cat[j] == PARAM and cluster_modules:
                    prev = param_path.get(j)
                    param_path[j] = path if prev is None else _common_prefix(prev, path)
        level = [1] * len(scopes)  # 1 for a top-level call; a parent is numbered before its children
        for c, p in enumerate(parent):
            if p is not None:
                level[c] = level[p] + 1
        if depth == "auto" and collapse:
            depth = None  # NOTE: collapse_modules=True is the caller's own choice of folding
        depth_was_auto = depth == "auto"
        if depth_was_auto:
            inputs_of = [[index[id(p)] for p in t.grad_fn.parents(freed_ok=True)] if t.grad_fn is not None else []
                         for t in tensors]
            depth = _auto_depth(level, parent, op_cluster, cat, all_tensors, inputs_of)
        self.depth = depth
        # hide[c]: the collapsed call that cluster c disappears into (c itself or an ancestor), or None
        if depth is not None:
            hide = [None] * len(scopes)
            for c, p in enumerate(parent):
                hide[c] = c if level[c] == depth + 1 else hide[p] if level[c] > depth + 1 else None
        else:
            inner = {c for c in parent if c is not None}
            hide = [c if collapse and c not in inner else None for c in range(len(scopes))]
        # cluster each drawn tensor node goes in; an output made inside a collapsed module goes beside it
        node_cluster = [c if c is None or hide[c] is None else parent[hide[c]] for c in op_cluster]
        for j, path in param_path.items():
            if path:
                c = cluster_of[id(path[-1])]
                node_cluster[j] = c if hide[c] is None else parent[hide[c]]  # NOTE: beside a collapsed module
        del cluster_of, param_path

        def hidden_in(i):  # the collapsed module that tensor i disappears into, or None
            c = op_cluster[i]
            return hide[c] if c is not None and cat[i] != OUTPUT else None

        visible = [c != CONST and (all_tensors or c != INTER) and hidden_in(i) is None for i, c in enumerate(cat)]

        # a node with several outputs is drawn once, as the op of the first of its outputs met by the walk
        op_of = list(range(n))  # tensor i -> the tensor whose op node draws the op that made i
        siblings: Dict[int, List[int]] = {}  # first output -> all outputs of that node in the drawing, in order
        first_of: Dict[int, int] = {}
        for i, t in enumerate(tensors):
            node = t.grad_fn
            if node is not None and node._outputs is not None:
                op_of[i] = first_of.setdefault(id(node), i)
                siblings.setdefault(op_of[i], []).append(i)
        del first_of

        def ref(j):
            c = hidden_in(j)
            return f"m{c}" if c is not None else f"t{j}" if visible[j] else f"op{op_of[j]}"

        # pass 2: op nodes and edges
        self.top: List[str] = []  # node lines outside every cluster
        self.edges: List[str] = []
        self.members: Dict[int, List[str]] = {}  # cluster number -> node lines
        module_outputs: Dict[int, List[int]] = {}  # collapsed cluster -> its tensors used outside it
        output_set = set()
        seen_edges = set()
        param_calls: Dict[int, List[str]] = {}  # parameter -> the folded module calls that use it
        for i, t in enumerate(tensors):
            node = t.grad_fn
            if node is None:
                continue
            c = op_cluster[i]
            here = hide[c] if c is not None else None  # the collapsed call this op is inside, if any
            if here is not None:
                dst = f"m{here}"
                if cat[i] == OUTPUT:
                    module_outputs.setdefault(here, []).append(i)
                    self.edges.append(f"\t{dst} -> t{i}\n")
                if op_of[i] != i:
                    continue  # NOTE: another output of a node already drawn
            else:
                dst = f"op{i}"
                if op_of[i] != i:  # another output of a node already drawn: only its edge
                    if visible[i]:
                        self.edges.append(f"\top{op_of[i]} -> t{i} [label={_output_label(node, t)} fontsize=8]\n")
                    continue
            args = []
            for p in node.parents(freed_ok=True):
                j = index[id(p)]
                if cat[j] == CONST:
                    args.append(_fmt_value(p.data))
                    continue
                args.append("·")
                src = ref(j)
                h = hidden_in(j)
                if h is not None and h != here and j not in output_set:
                    output_set.add(j)
                    module_outputs.setdefault(h, []).append(j)
                if dst[0] == "m" or src[0] == "m":
                    if src == dst or (src, dst) in seen_edges:
                        continue  # NOTE: a collapsed module gets one edge per neighbour, none inside it
                    seen_edges.add((src, dst))
                    if cat[j] == PARAM and dst[0] == "m" and depth is not None:
                        param_calls.setdefault(j, []).append(dst)
                        continue
                self.edges.append(f"\t{src} -> {dst}\n")
            if dst[0] == "m":
                continue
            label = node.name
            if CONST in (cat[index[id(p)]] for p in node.parents(freed_ok=True)):
                label += "(" + ", ".join(args) + ")"
            attrs = _fmt_attrs(node)
            if attrs:
                label += "\n" + attrs
            colour = f'fillcolor="{_OP_FILL}"'
            outs = siblings.get(i)
            if outs is not None:  # several outputs: each hidden one is shown on the op, each visible one labelled
                hidden = [k for k in outs if not visible[k]]
                for k in hidden[:3]:
                    label += self._text(tensors[k], norms[k], show_shapes, show_values)
                if len(hidden) > 3:
                    label += f"\n(+{len(hidden) - 3} more)"
                if hidden:
                    colour = self._colour(norms[hidden[0]], _OP_FILL, None)
                label += f"\n({len(node._outputs)} outputs)"
            elif not visible[i]:  # NOTE: the op stands for its hidden output tensor, so it shows that tensor
                label += self._text(t, norms[i], show_shapes, show_values)
                colour = self._colour(norms[i], _OP_FILL, None)
            self._add(c, f"\top{i} [label={_q(label)} {_OP_STYLE} {colour}]\n")
            if visible[i]:
                tail = f" [label={_output_label(node, t)} fontsize=8]" if outs is not None else ""
                self.edges.append(f"\top{i} -> t{i}{tail}\n")

        # NOTE: a parameter shared by many folded calls (an RNN cell unrolled over time) would draw an edge to
        # each of them across the picture: it says how many calls share it instead.
        shared = {j: len(calls) for j, calls in param_calls.items() if len(calls) > 1}
        for j, calls in param_calls.items():
            if j not in shared:
                self.edges.append(f"\t{ref(j)} -> {calls[0]}\n")

        # pass 3: tensor nodes, then one node per collapsed module call
        for i, t in enumerate(tensors):
            if not visible[i]:
                continue
            c = cat[i]
            first = names.get(id(t)) or ("" if c == INTER else c if c != PARAM else "param")
            extra = self._text(t, norms[i], show_shapes, show_values)
            if i in shared:
                extra += f"\nshared by {shared[i]} calls"
            label = first + extra if first else extra.lstrip("\n")
            style, fill = _TENSOR_STYLE[c]
            colour = self._colour(norms[i], fill, _NO_GRAD_FILL)
            self._add(node_cluster[i], f"\tt{i} [label={_q(label)} {style} {colour}]\n")

        labels = _cluster_labels(scopes, modnames)
        for c, outs in module_outputs.items():
            label = labels[c]
            for i in outs[:3]:
                label += self._text(tensors[i], norms[i], show_shapes, show_values)
            if len(outs) > 3:
                label += f"\n(+{len(outs) - 3} more outputs)"
            # NOTE: coloured by its first output in walk order, i.e. the one the module made last
            colour = self._colour(norms[outs[0]], _MODULE_FILL, _NO_GRAD_FILL)
            self._add(parent[c], f"\tm{c} [label={_q(label)} {_MODULE_STYLE} {colour}]\n")
        self.clusters = [(c, parent[c], labels[c]) for c in range(len(scopes)) if hide[c] is None]
        self.auto_collapsed = self.depth is not None and bool(module_outputs) and depth_was_auto
        self.categories = [k for k in (INPUT, PARAM, INTER, OUTPUT) if k in cat and (all_tensors or k != INTER)]
        self.has_modules = bool(module_outputs)

    def _add(self, cluster: Optional[int], line: str) -> None:
        if cluster is None:
            self.top.append(line)
        else:
            self.members.setdefault(cluster, []).append(line)

    def _text(self, t, norm, show_shapes, show_values) -> str:
        """Label lines for tensor t, each starting with a newline: shape and dtype, values, gradient norm."""
        out = ""
        if show_shapes:
            out += "\n" + _fmt_shape(t.shape, t.dtype)
        if show_values:
            out += "\n" + ("values freed by backward" if is_freed(t) else _fmt_summary(t.data))
        if norm is not None:
            out += "\n|grad| = " + _fmt_norm(norm)
        return out

    def _colour(self, norm, fill: str, no_grad_fill: Optional[str]) -> str:
        """fillcolor (and fontcolor) attributes: the heat colour of norm, else no_grad_fill if the drawing shows
        gradients, else fill."""
        if norm is not None:
            if not math.isfinite(norm):
                return f'fillcolor="{_NONFINITE_FILL}"'
            span = self.hi - self.lo
            t = 0.0 if norm == 0 else (math.log10(norm) - self.lo) / span if span > 0 else 0.5
            _, heat, text = _heat_entry(t)
            return f'fillcolor="{heat}" fontcolor="{text}"'
        if self.heat and no_grad_fill is not None:
            return f'fillcolor="{no_grad_fill}"'
        return f'fillcolor="{fill}"'

    def body(self, legend: bool, rankdir: str) -> List[str]:
        out = list(self.top)
        children: Dict[Optional[int], List[int]] = {}
        for c, parent, _ in self.clusters:
            children.setdefault(parent, []).append(c)
        labels = {c: label for c, _, label in self.clusters}
        stack = [(c, 1, False) for c in reversed(children.get(None, []))]
        while stack:  # NOTE: iterative, like every walk in autograd_mini
            c, depth, closing = stack.pop()
            pad = "\t" * depth
            if closing:
                out.append(pad + "}\n")
                continue
            fill = _CLUSTER_FILLS[(depth - 1) % len(_CLUSTER_FILLS)]
            out.append(f"{pad}subgraph cluster_{c} {{\n")
            out.append(f'{pad}\tlabel={_q(labels[c])} labeljust=l style="rounded,filled" fillcolor="{fill}" '
                       f'color="#9aa5b1" fontname="Helvetica-Bold" fontsize=11\n')
            out.extend(pad + line for line in self.members.get(c, ()))
            stack.append((c, depth, True))
            stack.extend((ch, depth + 1, False) for ch in reversed(children.get(c, [])))
        out.extend(self.edges)
        if legend:
            out.extend(self._legend(rankdir))
        return out

    def _legend(self, rankdir: str) -> List[str]:
        lines = ["\tsubgraph cluster_legend {\n",
                 '\t\tlabel=legend labeljust=l style="rounded" color="#cbd5e0" fontsize=10\n']
        words = {INPUT: "input", PARAM: "parameter", INTER: "intermediate", OUTPUT: "output"}
        for k in self.categories:
            attrs, fill = _TENSOR_STYLE[k]
            lines.append(f'\t\tlegend_{k} [label="{words[k]}" {attrs} fillcolor="{fill}" fontsize=9]\n')
        lines.append(f'\t\tlegend_op [label="op" {_OP_STYLE.replace("fontsize=10", "fontsize=9")} '
                     f'fillcolor="{_OP_FILL}"]\n')
        ids = [f"legend_{k}" for k in self.categories] + ["legend_op"]
        if self.has_modules:
            lines.append(f'\t\tlegend_module [label="module call" {_MODULE_STYLE} fillcolor="{_MODULE_FILL}" '
                         'fontsize=9]\n')
            ids.append("legend_module")
        if self.auto_collapsed:
            what = ("every module call drawn as one node" if self.depth == 0 else
                    f"module calls nested deeper than {self.depth} level{'' if self.depth == 1 else 's'}\\n"
                    "drawn as one node each")
            lines.append(f'\t\tlegend_depth [label="{what} (a big graph);\\nfor every op: '
                         'draw_graph(..., depth=None)" shape=plaintext fontsize=9]\n')
            ids.append("legend_depth")
        if self.heat:
            lines.append(f"\t\tlegend_heat [label=<{self._heat_table()}> shape=plaintext margin=0]\n")
            ids.append("legend_heat")
        # NOTE: one row in this order, not a tall column: invisible edges, and for TB/BT also one rank
        lines.append("\t\t" + " -> ".join(ids) + " [style=invis]\n")
        if rankdir in ("TB", "BT"):
            lines.append("\t\t{rank=same " + " ".join(ids) + "}\n")
        lines.append("\t}\n")
        return lines

    def _heat_table(self) -> str:
        steps = 9
        cells = "".join(
            f'<td bgcolor="{_hex(_heat_rgb(k / (steps - 1)))}" width="12" height="10"></td>' for k in range(steps)
        )
        lo = f"{10 ** self.lo:.2g}"
        hi = f"{10 ** self.hi:.2g}" if self.hi > self.lo else ""
        rows = [
            f'<tr><td colspan="{steps}"><font point-size="9">|grad| (log scale)</font></td></tr>',
            f"<tr>{cells}</tr>",
            f'<tr><td colspan="{steps // 2}" align="left"><font point-size="9">{lo}</font></td>'
            f'<td colspan="{steps - steps // 2}" align="right"><font point-size="9">{hi}</font></td></tr>',
        ]
        notes = []
        if self.has_zero:
            notes.append("darkest blue: |grad| = 0")
        if self.has_nonfinite:
            notes.append('<font color="#ff00ff">magenta: nan/inf</font>')
        notes.append("white: no gradient kept")
        rows.extend(f'<tr><td colspan="{steps}"><font point-size="8">{n}</font></td></tr>' for n in notes)
        return f'<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{"".join(rows)}</table>'


# ----- helpers ---------------------------------------------------------------------------------------------


def _graphviz():
    try:
        import graphviz
    except ImportError as e:
        raise ImportError(
            "autograd_mini.viz needs the graphviz Python package: pip install graphviz "
            "(to render pictures you also need the Graphviz program: apt-get install graphviz / brew install graphviz)"
        ) from e
    return graphviz


def _as_roots(root) -> List[Tensor]:
    roots = [root] if isinstance(root, Tensor) else list(root)
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"expected a Tensor or a sequence of Tensors to draw, got {type(r).__name__}")
    return roots


def _leaf_names(params) -> Dict[int, str]:
    """id(tensor) -> name, from a module, a dict name -> Tensor, or (name, Tensor) pairs."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items: Iterable = params.named_parameters()
    elif hasattr(params, "items"):
        items = params.items()
    else:
        items = params
    out = {}
    for item in items:
        try:
            name, t = item
        except (TypeError, ValueError):
            raise TypeError(
                "params must be an nn.Module, a dict name -> Tensor or an iterable of (name, Tensor) pairs; "
                f"got an item {item!r}"
            ) from None
        if not isinstance(t, Tensor):
            raise TypeError(f"params[{name!r}] is a {type(t).__name__}, not a Tensor")
        out.setdefault(id(t), str(name))
    return out


def _module_names(params) -> Dict[int, str]:
    """id(module) -> dotted name ('' for the root), when params is a module."""
    if params is None or not hasattr(params, "named_parameters"):
        return {}
    named_modules = getattr(params, "named_modules", None)
    if callable(named_modules):
        return {id(m): name for name, m in named_modules()}
    # NOTE: without named_modules(), recover the modules that own parameters from the parameters' dotted names
    out = {id(params): ""}
    for pname, _ in params.named_parameters():
        obj, parts = params, pname.split(".")[:-1]
        for k, part in enumerate(parts):
            child = getattr(obj, part, None)
            if child is None and part.isdigit():
                try:
                    child = obj[int(part)]
                except (TypeError, IndexError, KeyError):
                    child = None
            if child is None:
                break
            obj = child
            out.setdefault(id(obj), ".".join(parts[: k + 1]))
    return out


AUTO_MAX_NODES = 100  # NOTE: about what `dot` lays out in well under a second and a screen shows readably
AUTO_MAX_RANKS = 24  # NOTE: the longest chain of drawn nodes: with rankdir LR, about 150 points each


def _auto_depth(level: List[int], parent: List[Optional[int]], op_cluster: List[Optional[int]], cat: list,
                all_tensors: bool, inputs_of: List[List[int]]) -> Optional[int]:
    """The deepest module level to open so that the drawing has at most AUTO_MAX_NODES nodes and its longest
    chain at most AUTO_MAX_RANKS nodes (None: every level)."""
    if not level:
        return None
    leaves = sum(1 for k in cat if k in (INPUT, PARAM))
    top = max(level)
    for d in range(top, -1, -1):
        hid: List[Optional[int]] = [None] * len(cat)  # the collapsed call (at level d + 1) hiding tensor i's op
        for i, c in enumerate(op_cluster):
            if c is not None and level[c] > d and cat[i] not in (INPUT, PARAM, CONST):
                while level[c] > d + 1:
                    c = parent[c]
                hid[i] = c
        ops = sum((cat[i] == OUTPUT) if hid[i] is not None else (2 if all_tensors or cat[i] == OUTPUT else 1)
                  for i in range(len(cat)) if cat[i] not in (INPUT, PARAM, CONST))
        nodes = leaves + ops + len({h for h in hid if h is not None})
        # longest chain: parents come after their consumers in the walk, so go backwards
        chain = [0] * len(cat)
        for i in range(len(cat) - 1, -1, -1):
            if cat[i] in (INPUT, PARAM, CONST):
                chain[i] = cat[i] != CONST
                continue
            ins = [j for j in inputs_of[i] if cat[j] != CONST]
            longest = max((chain[j] for j in ins), default=0)
            h = hid[i]
            if h is None:
                step = 2 if all_tensors or cat[i] == OUTPUT else 1
            else:  # NOTE: inside a folded call: one node where the chain enters it (and its output, if a root)
                inner = [j for j in ins if cat[j] not in (INPUT, PARAM)]
                step = (0 if inner and all(hid[j] == h for j in inner) else 1) + (cat[i] == OUTPUT)
            chain[i] = longest + step
        if nodes <= AUTO_MAX_NODES and max(chain) <= AUTO_MAX_RANKS:
            return None if d == top else d
    return 0


def _cluster_labels(scopes, modnames) -> List[str]:
    """A label per scope: the module's dotted name and class; repeated calls of one owner are numbered."""
    labels = [_owner_label(s.owner, modnames) for s in scopes]
    calls: Dict[int, List[int]] = {}
    for k, s in enumerate(scopes):
        calls.setdefault(id(s.owner), []).append(k)
    for ks in calls.values():
        if len(ks) > 1:
            # NOTE: the walk meets the last call first, so numbering backwards gives the calls' order
            for n_call, k in enumerate(reversed(ks), start=1):
                labels[k] += f" #{n_call}"
    return labels


def _owner_label(owner, modnames) -> str:
    if isinstance(owner, str):
        return owner
    cls = type(owner).__name__
    name = modnames.get(id(owner))
    return f"{name} ({cls})" if name else cls


def _common_prefix(a: tuple, b: tuple) -> tuple:
    k = 0
    for x, y in zip(a, b):
        if x is not y:
            break
        k += 1
    return a[:k]


def _atomic_write(path: str, data: bytes) -> None:
    """Write data to a temporary file beside path, then rename it over path (readers never see half a file)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # NOTE: mkstemp makes the file private (0600); give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
