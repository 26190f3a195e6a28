"""Tests for autograd_mini.viz: the DOT source of known graphs, clusters, gradient heat, rendering, fallback."""

import os
import re
import shutil
import subprocess
import sys
import weakref

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor, viz
from autograd_mini.errors import GraphFreedError
from autograd_mini.function import pop_scope, push_scope
import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HAVE_DOT = shutil.which("dot") is not None

NODE = re.compile(r"^\s*(\w+) \[label=(\"(?:[^\"\\]|\\.)*\"|<.*>)(.*)\]$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)\s*$")


# ----- helpers: read back the DOT source --------------------------------------------------------------------


def parse(dot):
    """(nodes: id -> (label, attrs), edges: [(src, dst)]) of a drawing, without the legend."""
    nodes, edges = {}, []
    for line in dot.source.splitlines():
        m = NODE.match(line)
        if m and not m.group(1).startswith("legend"):
            assert m.group(1) not in nodes, f"node id {m.group(1)} appears twice"
            label = m.group(2)[1:-1].replace("\\n", "\n").replace('\\"', '"')
            nodes[m.group(1)] = (label, m.group(3))
            continue
        m = EDGE.match(line)
        if m:
            edges.append((m.group(1), m.group(2)))
    return nodes, edges


def labels(dot):
    return [label for label, _ in parse(dot)[0].values()]


def clusters(dot):
    """[(cluster label, depth, [node ids directly inside])] in source order, without the legend."""
    out, stack = [], []
    for line in dot.source.splitlines():
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            stack.append(len(out))
            out.append([None, len(stack), [], s.split()[1]])
        elif s.startswith("label=") and stack and out[stack[-1]][0] is None:
            out[stack[-1]][0] = re.match(r'label=("(?:[^"\\]|\\.)*"|\S+)', s).group(1).strip('"')
        elif s == "}" and stack:
            stack.pop()
        elif stack:
            m = NODE.match(line)
            if m:
                out[stack[-1]][2].append(m.group(1))
    return [(label, depth, ids) for label, depth, ids, name in out if name != "cluster_legend"]


def fill_of(attrs):
    return re.search(r'fillcolor="(#[0-9a-f]{6})"', attrs).group(1)


def neuron(backward=False):
    """The notes' single neuron: z = w.x + b, a = sigmoid(z)."""
    x = Tensor(np.array([1.0, 2.0, -1.0]))
    w = Tensor(np.array([0.5, -0.3, 0.8]), requires_grad=True)
    b = Tensor(np.array(0.1), requires_grad=True)
    a = ((w * x).sum() + b).sigmoid()
    if backward:
        viz.retain_grads(a)
        a.backward(retain_graph=True)
    return a, {"x": x, "w": w, "b": b}


# ----- structure: nodes, edges, labels ----------------------------------------------------------------------


def test_neuron_has_exactly_the_expected_nodes_and_edges():
    a, names = neuron()
    nodes, edges = parse(viz.draw_graph(a, params=names, legend=False))
    ops = sorted(label.split("\n")[0] for nid, (label, _) in nodes.items() if nid.startswith("op"))
    assert ops == ["Add", "Mul", "Sigmoid", "Sum"]
    assert len([n for n in nodes if n.startswith("t")]) == 7  # x, w, w*x, sum, b, z, a
    assert len(edges) == 10  # one edge per op output (4) + one per op input (2 + 1 + 2 + 1)
    assert all(src in nodes and dst in nodes for src, dst in edges)
    by_label = {label.split("\n")[0]: nid for nid, (label, _) in nodes.items()}
    assert (by_label["w"], by_label["Mul"]) in edges and (by_label["x"], by_label["Mul"]) in edges
    assert (by_label["b"], by_label["Add"]) in edges
    assert (by_label["Sigmoid"], by_label["output"]) in edges


def test_tensor_labels_show_shape_dtype_and_kind():
    a, names = neuron()
    nodes, _ = parse(viz.draw_graph(a, params=names, legend=False))
    got = {label.split("\n")[0]: (label, attrs) for label, attrs in nodes.values()}
    assert got["w"][0] == "w\n(3,) float64"
    assert got["x"][0] == "x\n(3,) float64"
    assert got["b"][0] == "b\nscalar float64"
    assert got["output"][0] == "output\nscalar float64"
    # inputs, parameters, intermediates and the output are drawn differently
    assert "dashed" in got["x"][1] and "penwidth=2" in got["w"][1]
    assert "peripheries=2" in got["output"][1]
    assert "(3,) float64" in labels(viz.draw_graph(a, params=names)) and "ellipse" in got["(3,) float64"][1]
    styles = {k: re.sub(r' fillcolor="#\w+"', "", got[k][1]) for k in ("x", "w", "output", "(3,) float64")}
    assert len(set(styles.values())) == 4


def test_without_params_every_leaf_that_requires_grad_is_a_parameter():
    a, names = neuron()
    texts = labels(viz.draw_graph(a))
    assert sum(t.startswith("param\n") for t in texts) == 2 and sum(t.startswith("input\n") for t in texts) == 1


def test_scalar_constants_are_folded_into_the_op_label():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = 1.0 - x * 2.0
    nodes, edges = parse(viz.draw_graph(y, legend=False))
    assert sorted(label.split("\n")[0] for label, _ in nodes.values() if "float64" not in label) == [
        "Mul(·, 2)", "Sub(1, ·)"]
    assert len(nodes) == 5 and len(edges) == 4  # x, x*2, y and two ops; constants are not nodes


def test_an_operand_used_twice_gives_two_edges():
    x = Tensor(np.ones(3), requires_grad=True)
    nodes, edges = parse(viz.draw_graph(x * x, legend=False))
    assert len(nodes) == 3 and edges.count(("t1", "op0")) == 2


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda x: x.sum(axis=1, keepdims=True), "Sum\naxis=1, keepdims"),
        (lambda x: x.sum(), "Sum"),
        (lambda x: x.max(axis=(0, 1)), "Max\naxis=(0, 1)"),
        (lambda x: x[:, 0], "GetItem\n[:, 0]"),
        (lambda x: x[np.array([0, 0, 1])], "GetItem\n[[0, 0, 1]]"),
        (lambda x: x.transpose(1, 0), "Transpose\naxes=(1, 0)"),
        (lambda x: x.clip(0.0, 1.0), "Clip\nlo=0, hi=1"),
        (lambda x: am.concatenate([x, x], axis=1), "Concatenate\naxis=1"),
        (lambda x: x.leaky_relu(0.2), "Mul(·, 0.2)"),
        (lambda x: x.leaky_relu(0.2), "Where\ncond: mask (2, 3)"),
    ],
    ids=["sum-axis", "sum-all", "max-axes", "slice", "int-array", "transpose", "clip", "concat",
         "leaky-slope", "leaky-where"],
)
def test_op_labels_show_key_attributes(make, expected):
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert expected in labels(viz.draw_graph(make(x), legend=False))


def test_values_summary():
    x = Tensor(np.array([[1.0, -2.0], [3.0, 4.0]]), requires_grad=True)
    texts = labels(viz.draw_graph(x * 1.0, show_values=True, legend=False))
    assert "param\n(2, 2) float64\nmin -2 | mean 1.5 | max 4" in texts
    assert not any("mean" in t for t in labels(viz.draw_graph(x * 1.0, legend=False)))
    assert "(2, 2)" not in "".join(labels(viz.draw_graph(x * 1.0, show_shapes=False)))


def test_several_roots_and_a_bare_leaf():
    x = Tensor(np.ones(2), requires_grad=True)
    u, v = x.exp(), x.tanh()
    nodes, edges = parse(viz.draw_graph([u, v], legend=False))
    assert len(nodes) == 5 and len(edges) == 4
    assert sum(label.startswith("output") for label, _ in nodes.values()) == 2
    nodes, edges = parse(viz.draw_graph(Tensor(np.zeros(3)), legend=False))
    assert len(nodes) == 1 and not edges


def test_show_tensors_leaves_hides_intermediates_but_keeps_shapes():
    a, names = neuron()
    nodes, edges = parse(viz.draw_graph(a, params=names, show_tensors="leaves", legend=False))
    assert len(nodes) == 4 + 4 and len(edges) == 7  # x, w, b, a + 4 ops; 6 inputs + the last op -> a
    assert "Sum\nscalar float64" in [label for label, _ in nodes.values()]


def test_ids_are_stable_and_do_not_depend_on_object_identity():
    a, names = neuron(backward=True)
    first = viz.draw_graph(a, params=names).source
    assert viz.draw_graph(a, params=names).source == first
    b, names_b = neuron(backward=True)
    assert viz.draw_graph(b, params=names_b).source == first  # a new graph of the same shape: same text
    nodes, _ = parse(viz.draw_graph(a, params=names))
    assert len(nodes) == len(set(nodes)) == 11


def test_bad_arguments():
    a, _ = neuron()
    with pytest.raises(TypeError, match="Tensor"):
        viz.draw_graph([a, np.ones(2)])
    with pytest.raises(TypeError, match="not a Tensor"):
        viz.draw_graph(a, params={"w": np.ones(3)})
    with pytest.raises(TypeError, match="pairs"):
        viz.draw_graph(a, params=[a])
    with pytest.raises(ValueError, match="show_tensors"):
        viz.draw_graph(a, show_tensors="some")
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(a, rankdir="XY")


def test_intermediates_can_be_named_too():
    x = Tensor(np.ones(2), requires_grad=True)
    h = x.exp()
    texts = labels(viz.draw_graph(h.sum(), params={"h": h}, legend=False))
    assert "h\n(2,) float64" in texts and "param\n(2,) float64" in texts


def test_names_from_pairs_and_quotes_are_escaped():
    x = Tensor(np.ones(2), requires_grad=True)
    nodes, _ = parse(viz.draw_graph(x.exp(), params=[('my "x"\\', x)], legend=False))
    assert 'my "x"\\\\\n(2,) float64' in [label for label, _ in nodes.values()]


# ----- gradients --------------------------------------------------------------------------------------------


def test_gradient_norms_after_backward_match_numpy():
    a, names = neuron(backward=True)
    texts = labels(viz.draw_graph(a, params=names))
    walk = list(am.iter_graph([a]))
    assert len(walk) == 6
    for t in walk:
        assert t.grad is not None
        assert f"|grad| = {np.linalg.norm(t.grad.data):.3g}" in "\n".join(texts)
    assert any(t.startswith("w\n") and f"|grad| = {np.linalg.norm(names['w'].grad.data):.3g}" in t for t in texts)
    assert not any(t.startswith("x\n") and "|grad|" in t for t in texts)  # the input has no gradient
    assert not any("|grad|" in t for t in labels(viz.draw_graph(a, params=names, show_grads=False)))


def test_gradient_heat_colours_smallest_blue_and_largest_red():
    x = Tensor(np.ones(4), requires_grad=True)
    y = ((x * 100.0).tanh() * 1e-3).sum()  # saturated tanh: tiny gradient below it
    viz.retain_grads(y)
    y.backward(retain_graph=True)
    nodes, _ = parse(viz.draw_graph(y))
    tensor_nodes = {nid: v for nid, v in nodes.items() if nid.startswith("t")}
    norms = {nid: float(re.search(r"\|grad\| = (\S+)", label).group(1)) for nid, (label, _) in tensor_nodes.items()}
    small, large = min(norms, key=norms.get), max(norms, key=norms.get)
    assert fill_of(tensor_nodes[small][1]) == "#313695"  # the bottom of the scale
    assert fill_of(tensor_nodes[large][1]) == "#a50026"  # the top of the scale
    assert 'fontcolor="#ffffff"' in tensor_nodes[small][1]
    src = viz.draw_graph(y).source
    assert "legend_heat" in src and "|grad| (log scale)" in src


def test_heat_range_fixes_the_scale_and_without_grads_nodes_are_pastel():
    a, names = neuron(backward=True)
    nodes, _ = parse(viz.draw_graph(a, params=names, heat_range=(-10, 10)))
    mids = [fill_of(attrs) for label, attrs in nodes.values() if "|grad| = 1\n" in label + "\n"]
    assert mids == ["#ffffbf"]  # log10(1) = 0 is the middle of [-10, 10]
    fresh, names = neuron()
    nodes, _ = parse(viz.draw_graph(fresh, params=names))
    assert "legend_heat" not in viz.draw_graph(fresh, params=names).source
    assert fill_of(nodes["t0"][1]) == "#c6f6d5"  # the output's own colour, no heat


def test_zero_and_nonfinite_gradients():
    x = Tensor(np.array([-1.0, -2.0]), requires_grad=True)
    y = x.relu().sum()  # dead ReLU: zero gradient below it
    y.backward(retain_graph=True)
    nodes, _ = parse(viz.draw_graph(y))
    zero = [attrs for label, attrs in nodes.values() if label.endswith("|grad| = 0")]
    assert len(zero) == 1 and fill_of(zero[0]) == "#313695"
    assert "|grad| = 0" in viz.draw_graph(y).source
    z = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    w = z.sqrt().sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        w.backward(retain_graph=True)
    src = viz.draw_graph(w).source
    assert "|grad| = inf" in src and "#ff00ff" in src


def test_retain_grads_marks_every_intermediate():
    a, names = neuron()
    assert viz.retain_grads(a) == 4
    a.backward(retain_graph=True)
    assert all(t.grad is not None for t in am.iter_graph([a]))


def mlp_loss(seed=0, n=5):
    am.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = Tensor(np.random.default_rng(seed).standard_normal((n, 3)).astype(np.float32))
    return model, nn.functional.cross_entropy(model(x), np.arange(n) % 2)


def test_drawing_after_a_plain_backward_shows_what_retain_graph_shows():
    """The same nodes, edges, labels, attributes, clusters and gradient colours as with retain_graph=True."""
    model, loss = mlp_loss()
    loss.backward(retain_graph=True)
    kept = viz.draw_graph(loss, params=model).source
    model, loss = mlp_loss()
    loss.backward()
    assert viz.draw_graph(loss, params=model).source == kept
    assert "|grad|" in kept and "0.weight" in kept and "Linear" in kept


def test_drawing_after_backward_shows_retained_intermediates_and_the_same_nodes_as_before():
    model, loss = mlp_loss()
    before = viz.draw_graph(loss, params=model, show_grads=False).source
    viz.retain_grads(loss)
    loss.backward()
    assert viz.draw_graph(loss, params=model, show_grads=False).source == before
    after = viz.draw_graph(loss, params=model, show_tensors="leaves").source
    assert after.count("|grad|") >= 6  # the four parameters and the retained intermediates


def test_values_of_a_freed_graph_are_not_made_up():
    model, loss = mlp_loss(n=100)  # NOTE: backward drops values over 1 KiB that only the graph holds
    loss.backward()
    src = viz.draw_graph(loss, params=model, show_values=True).source
    assert src.count("values freed by backward") == 2  # (100, 4) float32: the first Linear's and the Tanh's; (100, 2) is kept
    assert "min " in src  # the input batch, which the graph does not own, still shows its values


def test_a_second_backward_after_drawing_still_raises_the_freed_graph_error():
    model, loss = mlp_loss()
    loss.backward()
    viz.draw_graph(loss, params=model)
    with pytest.raises(GraphFreedError, match="retain_graph=True"):
        loss.backward()


def test_drawing_changes_no_value_grad_or_graph():
    a, names = neuron(backward=True)
    walk = list(am.iter_graph([a], everything=True))
    before = [(t.data.copy(), None if t.grad is None else t.grad.data.copy(), t.grad_fn, t.requires_grad) for t in walk]
    viz.draw_graph(a, params=names, show_values=True)
    viz.draw_graph(a, params=names, show_tensors="leaves")
    after = list(am.iter_graph([a], everything=True))
    assert [id(t) for t in after] == [id(t) for t in walk]
    for t, (data, grad, fn, rg) in zip(walk, before):
        np.testing.assert_array_equal(t.data, data)
        assert (t.grad is None) == (grad is None)
        if grad is not None:
            np.testing.assert_array_equal(t.grad.data, grad)
        assert t.grad_fn is fn and t.requires_grad == rg


def test_drawing_keeps_no_tensor_alive():
    x = Tensor(np.ones(3), requires_grad=True)
    h = x.tanh()
    y = (h * 2.0).sum()
    viz.retain_grads(y)
    y.backward(retain_graph=True)
    refs = [weakref.ref(y), weakref.ref(h)]
    dot = viz.draw_graph(y, params={"x": x}, show_values=True)
    assert all(type(line) is str for line in dot.body)
    del y, h
    assert all(r() is None for r in refs)  # freed by reference counting alone, no gc needed
    assert "Tanh" in dot.source  # and the drawing is still complete


# ----- module clusters --------------------------------------------------------------------------------------

try:
    import nn.module as nn_module
except ImportError:  # pragma: no cover - nn is written concurrently
    nn_module = None
needs_nn = pytest.mark.skipif(nn_module is None, reason="nn.module is not available")
_Base = nn_module.Module if nn_module is not None else object


class Lin(_Base):
    def __init__(self, n_in, n_out):
        super().__init__()
        rng = np.random.default_rng(n_in * 10 + n_out)
        self.weight = nn_module.Parameter(rng.normal(size=(n_out, n_in)))
        self.bias = nn_module.Parameter(np.zeros(n_out))

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Sig(_Base):
    def forward(self, x):
        return x.sigmoid()


def mlp():
    return nn_module.Sequential(Lin(3, 4), Sig(), Lin(4, 2))


@needs_nn
def test_module_calls_become_nested_labelled_clusters():
    model = mlp()
    x = Tensor(np.ones((5, 3)))
    loss = (model(x) ** 2).mean()
    dot = viz.draw_graph(loss, params=model)
    got = clusters(dot)
    assert [(label, depth) for label, depth, _ in got] == [
        ("Sequential", 1), ("2 (Lin)", 2), ("1 (Sig)", 2), ("0 (Lin)", 2)]
    nodes, _ = parse(dot)
    first = next(ids for label, _, ids in got if label == "0 (Lin)")
    inside = sorted(nodes[i][0].split("\n")[0] for i in first)
    assert inside == ["(3, 4) float64", "(5, 4) float64", "(5, 4) float64", "0.bias", "0.weight",
                      "Add", "MatMul", "Transpose"]  # the parameters sit in the module that uses them
    sig = next(ids for label, _, ids in got if label == "1 (Sig)")
    assert sorted(nodes[i][0].split("\n")[0] for i in sig) == ["(5, 4) float64", "Sigmoid"]
    top = [nid for nid in nodes if not any(nid in ids for _, _, ids in got)]
    assert sorted(nodes[i][0].split("\n")[0] for i in top) == [
        "(5, 2) float64", "Mul(·, 0.1)", "Pow(·, 2)", "Sum", "input", "output", "scalar float64"]
    assert len(parse(viz.draw_graph(loss, params=model, cluster_modules=False))[0]) == len(nodes)
    assert clusters(viz.draw_graph(loss, params=model, cluster_modules=False)) == []


@needs_nn
def test_collapse_modules_draws_one_node_per_layer_call():
    model = mlp()
    x = Tensor(np.ones((5, 3)))
    loss = (model(x) ** 2).mean()
    dot = viz.draw_graph(loss, params=model, collapse_modules=True, legend=False)
    nodes, edges = parse(dot)
    node = {label.split("\n")[0]: nid for nid, (label, _) in nodes.items()}
    assert nodes[node["0 (Lin)"]][0] == "0 (Lin)\n(5, 4) float64"
    assert nodes[node["1 (Sig)"]][0] == "1 (Sig)\n(5, 4) float64"
    assert nodes[node["2 (Lin)"]][0] == "2 (Lin)\n(5, 2) float64"
    assert len(nodes) == 14  # 3 layer calls + 4 parameters + input, Pow, Sum, Mul, 2 intermediates, output
    assert len(edges) == 13
    m0, m1, m2 = node["0 (Lin)"], node["1 (Sig)"], node["2 (Lin)"]
    for src in ("input", "0.weight", "0.bias"):
        assert edges.count((node[src], m0)) == 1  # one edge per neighbour, however many ops use it inside
    assert (m0, m1) in edges and (m1, m2) in edges and (node["2.weight"], m2) in edges
    assert (m2, node["Pow(·, 2)"]) in edges
    got = clusters(dot)
    assert [label for label, _, _ in got] == ["Sequential"]
    assert sorted(nodes[i][0].split("\n")[0] for i in got[0][2]) == [
        "0 (Lin)", "0.bias", "0.weight", "1 (Sig)", "2 (Lin)", "2.bias", "2.weight"]
    model.zero_grad()
    out = model(x)
    viz.retain_grads(out)
    out.backward(gradient=np.ones((5, 2)), retain_graph=True)
    nodes, edges = parse(viz.draw_graph(out, params=model, collapse_modules=True))
    m2 = next(nid for nid, (label, _) in nodes.items() if label.startswith("2 (Lin)"))
    assert (m2, "t0") in edges and nodes["t0"][0].startswith("output")  # the output is made inside a module
    assert "|grad| = " in nodes[m2][0] and 'fontcolor=' in nodes[m2][1]
    assert "legend_module" in viz.draw_graph(out, params=model, collapse_modules=True).source


@needs_nn
def test_clusters_without_names_use_class_names_and_calls_are_numbered():
    cell = Lin(2, 2)
    h = Tensor(np.ones((1, 2)))
    for _ in range(3):
        h = cell(h).tanh()
    got = clusters(viz.draw_graph(h.sum()))
    assert sorted(label for label, _, _ in got) == ["Lin #1", "Lin #2", "Lin #3"]
    assert [label for label, _, _ in got] == ["Lin #3", "Lin #2", "Lin #1"]  # the walk starts at the output
    # the weight is used by all three calls, so it sits outside them
    assert all(len(ids) == 6 for _, _, ids in got)


def test_scopes_opened_by_hand_with_string_owners():
    x = Tensor(np.ones(2), requires_grad=True)
    outer = push_scope("encoder")
    inner = push_scope("attention")
    y = x.exp()
    pop_scope(inner)
    z = y.sum()
    pop_scope(outer)
    got = clusters(viz.draw_graph(z * 2.0))
    # x requires grad and is used only inside "attention", so it is drawn there as that scope's parameter
    assert [(label, depth, len(ids)) for label, depth, ids in got] == [("encoder", 1, 2), ("attention", 2, 3)]


# ----- saving -----------------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAVE_DOT, reason="the Graphviz program 'dot' is not installed")
@pytest.mark.parametrize("ext, magic", [("svg", b"<svg"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_save_renders_by_extension(tmp_path, ext, magic):
    a, names = neuron(backward=True)
    path = tmp_path / f"neuron.{ext}"
    assert viz.save_graph(a, path, params=names) == str(path)
    assert magic in path.read_bytes()[:400]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


@pytest.mark.skipif(not HAVE_DOT, reason="the Graphviz program 'dot' is not installed")
def test_save_an_existing_digraph_and_explicit_format(tmp_path):
    a, names = neuron(backward=True)
    dot = viz.draw_graph(a, params=names)
    out = viz.save_graph(dot, tmp_path / "picture", format="svg")
    assert b"<svg" in open(out, "rb").read()
    with pytest.raises(TypeError, match="existing Digraph"):
        viz.save_graph(dot, tmp_path / "p.svg", params=names)


def test_save_dot_source_and_bad_extension(tmp_path):
    a, names = neuron()
    out = viz.save_graph(a, tmp_path / "g.dot", params=names)
    assert open(out).read() == viz.draw_graph(a, params=names).source
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~umask  # the usual mode, not the temporary file's 0600
    with pytest.raises(ValueError, match=".svg, .png, .pdf or .dot"):
        viz.save_graph(a, tmp_path / "g.txt")
    with pytest.raises(ValueError, match="no extension"):
        viz.save_graph(a, tmp_path / "g")


def test_without_dot_the_source_is_written_with_an_install_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    a, names = neuron(backward=True)
    with pytest.warns(RuntimeWarning, match="apt-get install graphviz"):
        out = viz.save_graph(a, tmp_path / "neuron.svg", params=names)
    assert out == str(tmp_path / "neuron.dot")
    assert not (tmp_path / "neuron.svg").exists()
    assert open(out).read() == viz.draw_graph(a, params=names).source


def test_missing_graphviz_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    a, _ = neuron()
    with pytest.raises(ImportError, match="pip install graphviz"):
        viz.draw_graph(a)


# ----- size -------------------------------------------------------------------------------------------------


def test_a_5000_node_graph():
    x = Tensor(np.ones(4), requires_grad=True)
    y = x
    for _ in range(2500):
        y = y.tanh()
    viz.retain_grads(y.sum())
    nodes, edges = parse(viz.draw_graph(y))
    assert len(nodes) == 5001 and len(edges) == 5000


# ----- the example ------------------------------------------------------------------------------------------


def test_graph_tour_quick_writes_its_pictures(tmp_path):
    script = os.path.join(ROOT, "examples", "graph_tour.py")
    if not os.path.exists(script):
        pytest.skip("examples/graph_tour.py not written yet")
    res = subprocess.run([sys.executable, script, "--quick", "--out", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    ext = ".svg" if HAVE_DOT else ".dot"
    for stem in ("neuron", "mlp", "deep_sigmoid_vs_relu"):
        assert stem + ext in written
    assert "layer" in res.stdout


# ----- big graphs: depth ----------------------------------------------------------------------------------


class Block(_Base):
    """Lin -> Sig -> Lin with a residual: 2 levels of modules under a Sequential of blocks."""

    def __init__(self, n):
        super().__init__()
        self.a, self.s, self.b = Lin(n, n), Sig(), Lin(n, n)

    def forward(self, x):
        return x + self.b(self.s(self.a(x)))


def deep_model(blocks):
    model = nn_module.Sequential(*[Block(3) for _ in range(blocks)])
    loss = (model(Tensor(np.ones((2, 3)))) ** 2).sum()
    return model, loss


def op_nodes(dot):
    """Labels of the op nodes (not tensors, not module calls)."""
    return [label.split("\n")[0] for label, attrs in parse(dot)[0].values() if 'color="#a0aec0"' in attrs]


@needs_nn
def test_depth_opens_that_many_levels_of_module_calls():
    model, loss = deep_model(2)
    full = viz.draw_graph(loss, params=model, depth=None, legend=False)
    assert sorted(c[0] for c in clusters(full)) == ["0 (Block)", "0.a (Lin)", "0.b (Lin)", "0.s (Sig)", "1 (Block)",
                                                    "1.a (Lin)", "1.b (Lin)", "1.s (Sig)", "Sequential"]
    assert op_nodes(full).count("MatMul") == 4
    d1 = viz.draw_graph(loss, params=model, depth=1, legend=False)
    assert [c[0] for c in clusters(d1)] == ["Sequential"]
    module_calls = sorted(lab.split("\n")[0] for lab in labels(d1) if "(Block)" in lab)
    assert module_calls == ["0 (Block)", "1 (Block)"] and "MatMul" not in op_nodes(d1)
    assert sorted(op_nodes(d1)) == ["Pow(·, 2)", "Sum"]
    d2 = viz.draw_graph(loss, params=model, depth=2, legend=False)
    assert sorted(c[0] for c in clusters(d2)) == ["0 (Block)", "1 (Block)", "Sequential"]
    assert sorted(op_nodes(d2)) == ["Add", "Add", "Pow(·, 2)", "Sum"]  # the residual adds; the Lin/Sig calls are nodes
    assert sum("(Lin)" in lab for lab in labels(d2)) == 4
    d0 = viz.draw_graph(loss, params=model, depth=0, legend=False)
    assert clusters(d0) == [] and "Sequential\n(2, 3) float64" in labels(d0)  # the whole model: one node
    # the parameters of a collapsed call are drawn beside it, and every edge joins drawn nodes
    nodes, edges = parse(d1)
    assert {label.split("\n")[0] for label, _ in nodes.values()} >= {"0.a.weight", "1.b.bias"}
    assert all(src in nodes and dst in nodes for src, dst in edges)


@needs_nn
def test_depth_auto_draws_small_graphs_in_full_and_folds_big_ones():
    model, loss = deep_model(1)
    assert viz.draw_graph(loss, params=model).source == viz.draw_graph(loss, params=model, depth=None).source
    # 3 blocks: 65 nodes (under AUTO_MAX_NODES) but a chain of 6 ops and 6 tensors per block, over
    # AUTO_MAX_RANKS: folded to depth 2 (each Lin and Sig call one node), the deepest level whose chain fits
    model, loss = deep_model(3)
    full = viz.draw_graph(loss, params=model, depth=None)
    assert len(parse(full)[0]) <= viz.AUTO_MAX_NODES
    auto = viz.draw_graph(loss, params=model)
    assert parse(auto) == parse(viz.draw_graph(loss, params=model, depth=2))
    assert "legend_depth" in auto.source and "depth=None" in auto.source and "legend_depth" not in full.source
    # 12 blocks: too many nodes at depth 2 and too long a chain at depth 1: every top-level call folded
    model, loss = deep_model(12)
    assert len(parse(viz.draw_graph(loss, params=model, depth=2))[0]) > viz.AUTO_MAX_NODES
    assert parse(viz.draw_graph(loss, params=model)) == parse(viz.draw_graph(loss, params=model, depth=0))


def test_depth_is_checked():
    x = Tensor(np.ones(2), requires_grad=True)
    for bad in (-1, 1.5, "all", True):
        with pytest.raises(ValueError, match="depth must be None, 'auto' or an int >= 0"):
            viz.draw_graph(x.sum(), depth=bad)


@needs_nn
def test_a_parameter_shared_by_many_folded_calls_says_so_instead_of_an_edge_to_each():
    cell = Lin(3, 3)
    h = Tensor(np.ones((2, 3)))
    for _ in range(4):
        h = cell(h).tanh()
    loss = h.sum()
    nodes, edges = parse(viz.draw_graph(loss, params=cell, depth=0, legend=False))
    weight = next(nid for nid, (label, _) in nodes.items() if label.startswith("weight"))
    assert "shared by 4 calls" in nodes[weight][0]
    assert not any(src == weight for src, _ in edges)
    calls = [nid for nid, (label, _) in nodes.items() if label.startswith("Lin #")]
    assert len(calls) == 4
    # used by one folded call, a parameter keeps its edge
    h = cell(Tensor(np.ones((2, 3))))
    nodes, edges = parse(viz.draw_graph(h.sum(), params=cell, depth=0, legend=False))
    weight = next(nid for nid, (label, _) in nodes.items() if label.startswith("weight"))
    assert "shared" not in nodes[weight][0] and any(src == weight for src, _ in edges)


@needs_nn
def test_collapse_modules_is_kept_as_asked_by_depth_auto():
    model, loss = deep_model(12)
    assert (viz.draw_graph(loss, params=model, collapse_modules=True).source
            == viz.draw_graph(loss, params=model, collapse_modules=True, depth=None).source)
