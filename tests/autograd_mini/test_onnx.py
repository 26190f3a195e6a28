"""autograd_mini.onnx.export: every mapped primitive, the example models and the errors, checked by ONNX Runtime.

Each graph is exported, checked by onnx.checker (export runs it) and run by ONNX Runtime; its outputs must equal
the library's forward (rtol 1e-5 in float32). Skipped when onnx or onnxruntime is not installed.
"""
import importlib.util
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, basic_indices, integer_array_indices, mutually_broadcastable_shapes

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import autograd_mini as am  # noqa: E402
import autograd_mini.onnx as amx  # noqa: E402
import nn  # noqa: E402
from autograd_mini import Function, Tensor, ops  # noqa: E402
from autograd_mini import functional as AF  # noqa: E402
from autograd_mini.onnx import ExportError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _example(name):
    spec = importlib.util.spec_from_file_location(f"{name}_example_onnx", os.path.join(ROOT, "examples", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rand(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def library(fn, *arrays):
    with am.no_grad():
        out = fn(*[Tensor(a) for a in arrays])
    return [o.data for o in (out if isinstance(out, (tuple, list)) else [out])]


def run_onnx(path, arrays, names=None):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = names or [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, arrays)))


def recorded_ops(fn, *arrays):
    with am.enable_grad():
        out = fn(*[Tensor(a, requires_grad=True) for a in arrays])
    outs = out if isinstance(out, (tuple, list)) else [out]
    return {t.grad_fn.name for t in am.iter_graph(outs, everything=True) if t.grad_fn is not None}


def assert_round_trip(tmp_path, fn, arrays, *, rtol=1e-5, atol=None, others=(), **kw):
    """Export fn at arrays, then compare ONNX Runtime with the library there and at each tuple in others.

    The default atol is rtol times the output's largest magnitude: ONNX Runtime sums products in another order
    than numpy's BLAS, so an output near 0 that is a difference of values of size M differs by about eps * M.
    """
    path = tmp_path / "model.onnx"
    assert amx.export(fn, tuple(arrays), path, **kw) == str(path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    for xs in [arrays, *others]:
        got, want = run_onnx(path, xs), library(fn, *xs)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
            tol = rtol * float(np.abs(w).max(initial=0.0)) if atol is None else atol
            np.testing.assert_allclose(g, w, rtol=rtol, atol=tol)
    return path


# ----- one tiny graph per primitive ------------------------------------------------------------------------

MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])

# (id, the primitive it exercises, fn, input shapes)
CASES = [
    ("add-broadcast", "Add", lambda a, b: a + b, [(3, 4), (4,)]),
    ("add-constant", "Add", lambda a: a + 2.5, [(2, 3)]),
    ("sub-broadcast", "Sub", lambda a, b: a - b, [(2, 3, 4), (3, 1)]),
    ("sub-reflected", "Sub", lambda a: 1.0 - a, [(5,)]),
    ("neg", "Neg", lambda a: -a, [(2, 3)]),
    ("mul-broadcast", "Mul", lambda a, b: a * b, [(3, 1), (1, 4)]),
    ("div-broadcast", "Div", lambda a, b: a / (b * b + 1.0), [(2, 3), (2, 1)]),
    ("pow-constant", "Pow", lambda a: a ** 3.0, [(2, 3)]),
    ("pow-sqrt", "Pow", lambda a: am.sqrt(a * a + 1.0), [(4,)]),
    ("pow-tensors", "Pow", lambda a, b: am.pow(a * a + 0.5, b), [(2, 3), (3,)]),
    ("maximum", "Maximum", lambda a, b: am.maximum(a, b), [(2, 3), (3,)]),
    ("minimum", "Maximum", lambda a, b: am.minimum(a, b), [(2, 3), (2, 3)]),
    ("where-constant-mask", "Where", lambda a, b: am.where(MASK, a, b), [(3, 4), (4,)]),
    ("where-leaky-relu", "Where", lambda a: am.leaky_relu(a, 0.1), [(3, 5)]),
    ("exp", "Exp", lambda a: am.exp(a), [(2, 3)]),
    ("log", "Log", lambda a: am.log(a * a + 0.1), [(2, 3)]),
    ("tanh", "Tanh", lambda a: am.tanh(a), [(2, 3)]),
    ("tanh-grad", "TanhGrad", lambda a, b: ops.TanhGrad.apply(a, am.tanh(b)), [(2, 3), (2, 3)]),
    ("sigmoid", "Sigmoid", lambda a: am.sigmoid(a), [(2, 3)]),
    ("sigmoid-grad", "SigmoidGrad", lambda a, b: ops.SigmoidGrad.apply(a, am.sigmoid(b)), [(2, 3), (2, 3)]),
    ("relu", "Relu", lambda a: am.relu(a), [(3, 4)]),
    ("abs", "Abs", lambda a: am.abs(a), [(3, 4)]),
    ("clip", "Clip", lambda a: am.clip(a, -0.5, 0.7), [(3, 4)]),
    ("clip-min-only", "Clip", lambda a: am.clip(a, min=0.1), [(3, 4)]),
    ("clip-max-only", "Clip", lambda a: am.clip(a, max=0.1), [(3, 4)]),
    ("cast", "Cast", lambda a: am.astype(a, np.float64) * 2.0, [(2, 3)]),
    ("copy", "Copy", lambda a: am.clone(a) + 1.0, [(2, 3)]),
    ("sum-axis", "Sum", lambda a: am.sum(a, axis=1), [(2, 3, 4)]),
    ("sum-keepdims", "Sum", lambda a: am.sum(a, axis=(0, 2), keepdims=True), [(2, 3, 4)]),
    ("sum-all", "Sum", lambda a: am.sum(a), [(2, 3)]),
    ("mean-var", "Sum", lambda a: am.var(a, axis=-1) + am.mean(a, axis=0).sum(), [(3, 4)]),
    ("max-axes", "Max", lambda a: am.max(a, axis=(0, 2)), [(2, 3, 4)]),
    ("max-keepdims", "Max", lambda a: am.max(a, axis=1, keepdims=True), [(2, 3, 4)]),
    ("max-all", "Max", lambda a: am.max(a), [(2, 3)]),
    ("min", "Max", lambda a: am.min(a, axis=0), [(3, 2)]),
    ("logsumexp", "LogSumExp", lambda a: am.logsumexp(a, axis=1), [(3, 4)]),
    ("logsumexp-all", "LogSumExp", lambda a: am.logsumexp(a * 100.0), [(3, 4)]),
    ("log-softmax", "LogSumExp", lambda a: am.log_softmax(a * 50.0, axis=-1), [(3, 4)]),
    ("softmax", "LogSumExp", lambda a: am.softmax(a, axis=0), [(3, 4)]),
    ("reshape", "Reshape", lambda a: am.reshape(a, (4, 6)), [(2, 3, 4)]),
    ("flatten", "Reshape", lambda a: am.flatten(a, 1), [(2, 3, 4)]),
    ("transpose", "Transpose", lambda a: am.transpose(a, 2, 0, 1), [(2, 3, 4)]),
    ("transpose-reverse", "Transpose", lambda a: a.T, [(2, 3)]),
    ("broadcast-to", "BroadcastTo", lambda a: am.broadcast_to(a, (2, 3, 4)), [(3, 1)]),
    ("sum-to", "SumTo", lambda a: am.sum_to(a, (3, 1)), [(2, 3, 4)]),
    ("sum-to-same-rank", "SumTo", lambda a: am.sum_to(a, (1, 4)), [(3, 4)]),
    ("split", "Split", lambda a: am.split(a, [1, 3], dim=1)[1] * 2.0, [(2, 4)]),
    ("chunk-all", "Split", lambda a: am.concatenate(am.chunk(a, 3, dim=0)[::-1], axis=0), [(3, 2)]),
    ("unbind", "Split", lambda a: am.unbind(a, dim=-1)[1] + am.unbind(a, dim=-1)[0], [(2, 3)]),
    ("getitem-int", "GetItem", lambda a: a[1], [(3, 4)]),
    ("getitem-last", "GetItem", lambda a: a[:, -1], [(3, 4)]),
    ("getitem-slices", "GetItem", lambda a: a[1:, ::2, -3:-1], [(3, 4, 5)]),
    ("getitem-negative-step", "GetItem", lambda a: a[::-1, 3:0:-2], [(3, 5)]),
    ("getitem-none-ellipsis", "GetItem", lambda a: a[None, ..., 1, None], [(2, 3, 4)]),
    ("getitem-int-array", "GetItem", lambda a: a[:, np.array([[2, 0], [1, 1]])], [(3, 4)]),
    ("getitem-int-list", "GetItem", lambda a: a[[2, 0, 2]], [(3, 4)]),
    ("getitem-bool-1d", "GetItem", lambda a: a[:, np.array([True, False, True, True])], [(3, 4)]),
    ("getitem-bool-nd", "GetItem", lambda a: a[MASK], [(3, 4, 2)]),
    ("getitem-two-arrays", "GetItem", lambda a: a[np.array([0, 2, -1]), np.array([[1], [3]])], [(3, 4, 2)]),
    ("getitem-pick-rows", "GetItem", lambda a: a[np.arange(3), np.array([1, 0, 3])], [(3, 4)]),
    ("getitem-arrays-adjacent", "GetItem", lambda a: a[1:, np.array([0, 1]), np.array([2, -1])], [(3, 4, 5)]),
    ("getitem-arrays-apart", "GetItem", lambda a: a[np.array([0, 1]), ::2, np.array([2, 3])], [(3, 4, 5)]),
    ("getitem-int-and-array", "GetItem", lambda a: a[..., 1, np.array([[0, 2]])], [(2, 3, 4)]),
    ("getitem-mask-and-array", "GetItem", lambda a: a[MASK[:2, :3], np.array([1])], [(2, 3, 4)]),
    ("getitem-0d-array", "GetItem", lambda a: a[None, np.array(1)], [(3, 4)]),
    ("concatenate", "Concatenate", lambda a, b: am.concatenate([a, b, a], axis=1), [(2, 3), (2, 1)]),
    ("stack", "Concatenate", lambda a, b: am.stack([a, b], axis=0), [(2, 3), (2, 3)]),
    ("linear", "Linear", lambda x, w, b: am.linear(x, w, b), [(4, 3), (5, 3), (5,)]),
    ("linear-no-bias", "Linear", lambda x, w: am.linear(x, w), [(4, 3), (5, 3)]),
    ("linear-3d", "Linear", lambda x, w, b: am.linear(x, w, b), [(2, 4, 3), (5, 3), (5,)]),
    ("matmul", "MatMul", lambda a, b: am.matmul(a, b), [(3, 4), (4, 2)]),
    ("matmul-batched", "MatMul", lambda a, b: am.matmul(a, b), [(2, 1, 3, 4), (3, 4, 2)]),
    ("matmul-trans-a", "MatMulTransA", lambda a, b: ops.MatMulTransA.apply(a, b), [(4, 3), (4, 2)]),
    ("pad", "Pad", lambda a: AF.pad(a, ((0, 0), (1, 2), (2, 0))), [(2, 3, 4)]),
    ("unfold", "Unfold", lambda a: AF.unfold(a, (2, 3), 1), [(2, 3, 5, 6)]),
    ("unfold-stride", "Unfold", lambda a: AF.unfold(a, 3, 2), [(2, 2, 7, 6)]),
    ("fold", "Fold", lambda a: AF.fold(a, (6, 7), (3, 2), (2, 1)), [(2, 2, 6, 3, 2, 3)]),
    ("lstm-pointwise", "LSTMPointwise", lambda z, c: ops.LSTMPointwise.apply(z * 3.0, c), [(2, 12), (2, 3)]),
    ("lstm-pointwise-h-only", "LSTMPointwise", lambda z, c: ops.LSTMPointwise.apply(z, c)[0] * 2.0, [(5, 8), (5, 2)]),
    ("lstm-pointwise-unbatched", "LSTMPointwise", lambda z, c: ops.LSTMPointwise.apply(z, c)[1], [(4,), (1,)]),
    ("lstm-cell", "LSTMCell", lambda x, h, c, wi, wh, bi, bh: am.lstm_cell(x, (h, c), wi, wh, bi, bh),
     [(2, 3), (2, 4), (2, 4), (16, 3), (16, 4), (16,), (16,)]),
    ("lstm-cell-no-bias-c-only", "LSTMCell", lambda x, h, c, wi, wh: am.lstm_cell(x * 2.0, (h, c), wi, wh)[1],
     [(3, 2), (3, 1), (3, 1), (4, 2), (4, 1)]),
    ("lstm-cell-unbatched", "LSTMCell", lambda x, h, c, wi, wh: am.lstm_cell(x, (h, c), wi, wh)[0],
     [(3,), (2,), (2,), (8, 3), (8, 2)]),
    ("layer-norm", "LayerNorm", lambda x, w, b: nn.functional.layer_norm(x * 3.0, (3, 4), w, b, 1e-3),
     [(2, 3, 4), (3, 4), (3, 4)]),
]


@pytest.mark.parametrize("op,fn,shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_primitive_round_trip(tmp_path, op, fn, shapes):
    rng = np.random.default_rng(len(shapes))
    arrays = [rand(rng, *s) for s in shapes]
    assert op in recorded_ops(fn, *arrays)  # the case really exercises its primitive
    assert_round_trip(tmp_path, fn, arrays)


def test_every_mapped_primitive_has_a_case():
    assert set(amx.EXPORTED_OPS) == {c[1] for c in CASES}
    primitives = {name for name in dir(ops) if isinstance(getattr(ops, name), type)
                  and issubclass(getattr(ops, name), Function)}
    assert set(amx.EXPORTED_OPS) <= primitives
    assert primitives - set(amx.EXPORTED_OPS) == {"IndexAdd", "SoftmaxCrossEntropy", "SoftmaxCrossEntropyGrad",
                                                  "LSTMPointwiseGrad"}


def test_float64_graph(tmp_path):
    rng = np.random.default_rng(1)
    x, w = rand(rng, 3, 4, dtype=np.float64), rand(rng, 2, 4, dtype=np.float64)
    assert_round_trip(tmp_path, lambda x, w: am.tanh(am.linear(x, w)).sum(axis=0), [x, w], rtol=1e-12, atol=0)


@settings(max_examples=15, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       op=st.sampled_from(["Add", "Sub", "Mul", "Div", "Maximum"]))
def test_binary_ops_broadcast_like_numpy(tmp_path_factory, shapes, op):
    fns = {"Add": am.add, "Sub": am.sub, "Mul": am.mul, "Div": lambda a, b: a / (b * b + 1.0), "Maximum": am.maximum}
    rng = np.random.default_rng(0)
    arrays = [rand(rng, *s) for s in shapes.input_shapes]
    assert_round_trip(tmp_path_factory.mktemp("bc"), fns[op], arrays)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_basic_indexing_matches_numpy(tmp_path_factory, data):
    shape = data.draw(st.sampled_from([(4,), (3, 4), (2, 3, 4)]))
    index = data.draw(basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    fn = lambda a: a[index] * 1.0  # noqa: E731  (the product makes the result an op output also when index is ())
    assert_round_trip(tmp_path_factory.mktemp("ix"), fn, [x])


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_integer_array_indexing_matches_numpy(tmp_path_factory, data):
    shape = data.draw(st.sampled_from([(4,), (3, 4), (2, 3, 4)]))
    index = data.draw(integer_array_indices(shape, result_shape=array_shapes(min_dims=0, max_dims=2, max_side=3)))
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    assert_round_trip(tmp_path_factory.mktemp("ax"), lambda a: a[index] * 1.0, [x])


# ----- convolution and pooling: written as Conv / MaxPool ------------------------------------------------

NF = nn.functional


def op_types(path):
    return [n.op_type for n in onnx.load(str(path)).graph.node]


@pytest.mark.parametrize("stride,padding,bias,kernel", [(1, 0, True, (3, 3)), (2, 1, True, (3, 2)),
                                                        (1, (2, 0), False, (1, 3)), ((2, 1), 2, True, (2, 2))])
def test_conv2d_is_written_as_conv(tmp_path, stride, padding, bias, kernel):
    rng = np.random.default_rng(11)
    arrays = [rand(rng, 2, 3, 7, 6), rand(rng, 4, 3, *kernel)] + ([rand(rng, 4)] if bias else [])
    fn = lambda x, w, *b: NF.conv2d(x, w, b[0] if b else None, stride=stride, padding=padding)  # noqa: E731
    path = assert_round_trip(tmp_path, fn, arrays, others=[[rand(rng, 5, 3, 7, 6)] + arrays[1:]],
                             dynamic_axes={"input_0": {0: "batch"}} if len(arrays) > 1 else None)
    assert "Conv" in op_types(path) and "Gather" not in op_types(path)


@pytest.mark.parametrize("shape,kernel,stride", [((2, 3, 8, 8), 2, None), ((2, 3, 7, 9), 2, None),
                                                 ((2, 3, 7, 7), 3, 2), ((2, 3, 6, 5), (2, 3), 1)])
def test_max_pool2d_is_written_as_max_pool(tmp_path, shape, kernel, stride):
    rng = np.random.default_rng(12)
    path = assert_round_trip(tmp_path, lambda x: NF.max_pool2d(x, kernel, stride), [rand(rng, *shape)],
                             others=[(rand(rng, 4, *shape[1:]),)], dynamic_axes={"input": {0: "batch"}})
    assert op_types(path)[0] == "MaxPool"


@pytest.mark.parametrize("fn,expected", [
    (lambda x: am.log_softmax(x * 30.0, axis=1), "LogSoftmax"),
    (lambda x: am.softmax(x * 30.0, axis=0), "Softmax"),
    (lambda x: nn.Softmax(axis=-1)(x) * nn.LogSoftmax(axis=-1)(x), "Softmax"),
], ids=["log_softmax", "softmax", "layers"])
def test_softmax_compositions_are_written_as_softmax_ops(tmp_path, fn, expected):
    x = rand(np.random.default_rng(15), 3, 4, 5)
    path = assert_round_trip(tmp_path, fn, [x])
    assert expected in op_types(path) and "ReduceMax" not in op_types(path)


def test_conv_pieces_used_elsewhere_are_kept(tmp_path):
    def fn(x, w):
        cols = AF.unfold(x, (2, 2), 1)
        y = am.matmul(am.reshape(cols, (-1, 12)), w)
        return am.transpose(am.reshape(y, (2, 3, 3, 5)), 0, 3, 1, 2), am.sum(cols, axis=(1, 2))
    rng = np.random.default_rng(13)
    path = assert_round_trip(tmp_path, fn, [rand(rng, 2, 3, 4, 4), rand(rng, 12, 5)])
    assert {"Conv", "Gather"} <= set(op_types(path))


def test_float64_conv_is_not_fused(tmp_path):
    rng = np.random.default_rng(14)
    x, w = rand(rng, 2, 2, 5, 5, dtype=np.float64), rand(rng, 3, 2, 3, 3, dtype=np.float64)
    path = assert_round_trip(tmp_path, lambda x, w: NF.conv2d(x, w, padding=1), [x, w], rtol=1e-12, atol=1e-13)
    assert "Conv" not in op_types(path)


# ----- compositions of a transformer layer -----------------------------------------------------------------


def layer_norm(x, weight, bias, eps=1e-5):
    mu = am.mean(x, axis=-1, keepdims=True)
    var = am.var(x, axis=-1, keepdims=True)
    return (x - mu) / am.sqrt(var + eps) * weight + bias


def attention(q, k, v):
    t = q.shape[-2]
    causal = np.tril(np.ones((t, t), dtype=bool))
    scores = am.matmul(q, am.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1]).astype(np.float32)
    scores = am.where(causal, scores, -1e9)
    scores = scores - am.max(scores, axis=-1, keepdims=True)
    e = am.exp(scores)
    return am.matmul(e / am.sum(e, axis=-1, keepdims=True), v)


class TinyEncoder(nn.Module):
    """Multi-head self-attention with a causal mask, a residual and a layer norm: the ops a transformer uses."""

    def __init__(self, d=8, heads=2):
        super().__init__()
        self.heads = heads
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.gamma = nn.Parameter(np.ones(d, dtype=np.float32))
        self.beta = nn.Parameter(np.zeros(d, dtype=np.float32))

    def forward(self, x):
        n, t, d = x.shape
        q, k, v = (am.transpose(am.reshape(z, (n, t, self.heads, d // self.heads)), 0, 2, 1, 3)
                   for z in (self.qkv(x)[..., i * d:(i + 1) * d] for i in range(3)))
        y = am.reshape(am.transpose(attention(q, k, v), 0, 2, 1, 3), (n, t, d))
        return layer_norm(x + self.out(y), self.gamma, self.beta)


def test_transformer_like_compositions_export_with_dynamic_batch(tmp_path):
    rng = np.random.default_rng(2)
    model = TinyEncoder()
    x, x2 = rand(rng, 2, 5, 8), rand(rng, 3, 5, 8)
    assert_round_trip(tmp_path, model, [x], others=[(x2,)], dynamic_axes={"input": {0: "batch"}})


# ----- the example models at two batch sizes ---------------------------------------------------------------


def digits_mlp():
    digits = _example("digits")
    return digits.build_network([64, 30, 10], "sigmoid", rng=np.random.default_rng(0))


class UnrolledLSTM(nn.Module):
    """An LSTMCell run over a fixed number of steps, then a linear read-out of the last hidden state."""

    def __init__(self, n_in=3, hidden=5, n_out=2, steps=4):
        super().__init__()
        self.cell, self.head, self.steps = nn.LSTMCell(n_in, hidden), nn.Linear(hidden, n_out), steps

    def forward(self, x):  # x: (N, steps, n_in)
        state = None
        for t in range(self.steps):
            state = self.cell(x[:, t], state)
        return self.head(state[0])


MODELS = {
    "digits-mlp": (digits_mlp, (64,)),
    "cnn": (lambda: _example("cnn").digits_cnn(), (1, 8, 8)),
    "lstm": (UnrolledLSTM, (4, 3)),
}


@pytest.mark.parametrize("example_batch", [5, 1])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_round_trip_at_two_batch_sizes(tmp_path, name, example_batch):
    make, shape = MODELS[name]
    model = make()
    rng = np.random.default_rng(3)
    x = rand(rng, example_batch, *shape)
    path = assert_round_trip(tmp_path, model, [x], others=[(rand(rng, 2, *shape),), (rand(rng, 9, *shape),)],
                             input_names=["images"], output_names=["logits"], dynamic_axes={"images": {0: "batch"}})
    graph = onnx.load(str(path)).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    initializers = {i.name for i in graph.initializer}
    assert {name for name, _ in model.named_parameters()} <= initializers
    if name == "cnn":
        assert [n.op_type for n in graph.node] == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape",
                                                   "Gemm", "Identity"]


def test_static_batch_is_fixed(tmp_path):
    model = digits_mlp()
    x = rand(np.random.default_rng(4), 3, 64)
    path = assert_round_trip(tmp_path, model, [x])
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == [3, 64]
    with pytest.raises(Exception):
        session.run(None, {"input": rand(np.random.default_rng(4), 4, 64)})


def test_export_restores_training_mode_and_uses_eval(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    model.train()
    x = rand(np.random.default_rng(5), 3, 4)
    amx.export(model, x, tmp_path / "m.onnx")
    assert model.training and all(m.training for m in model.modules())
    model.eval()
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", [x])[0], library(model, x)[0], rtol=1e-5, atol=1e-6)


# ----- names, outputs, files -------------------------------------------------------------------------------


def test_input_and_output_names_and_several_of_each(tmp_path):
    fn = lambda a, b: (a * b, am.sum(a, axis=1), b)  # noqa: E731  (an output may be an input itself)
    rng = np.random.default_rng(6)
    a, b = rand(rng, 2, 3), rand(rng, 2, 3)
    amx.export(fn, (a, b), tmp_path / "m.onnx", input_names=["a", "b"], output_names=["prod", "total", "same"])
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["a", "b"]
    assert [o.name for o in session.get_outputs()] == ["prod", "total", "same"]
    for g, w in zip(session.run(None, {"a": a, "b": b}), library(fn, a, b)):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_default_names_and_tensor_inputs(tmp_path):
    fn = lambda a, b: a + b  # noqa: E731
    amx.export(fn, (Tensor(np.ones((2,), np.float32)), np.ones((2,), np.float32)), tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_0", "input_1"]
    assert [o.name for o in session.get_outputs()] == ["output"]


def test_zero_initial_state_of_batch_size_follows_the_batch(tmp_path):
    fn = lambda x: am.zeros(x.shape[0], 3) + am.sum(x, axis=1, keepdims=True)  # noqa: E731
    rng = np.random.default_rng(7)
    assert_round_trip(tmp_path, fn, [rand(rng, 4, 2)], others=[(rand(rng, 7, 2),)], dynamic_axes={"input": [0]})


def test_broadcasts_follow_the_batch(tmp_path):
    w = Tensor(np.arange(1.0, 4.0, dtype=np.float32), requires_grad=True)
    zero = lambda x: am.zeros(x.shape[0], 3, dtype=np.float64)  # noqa: E731  (filled, of another dtype)

    def fn(x):
        n = x.shape[0]
        col = am.broadcast_to(am.sum(x, axis=1, keepdims=True), (n, 3))  # (N, 1) -> (N, 3): keeps N
        row = am.broadcast_to(w, (n, 3))  # (3,) -> (N, 3): N from the input's shape
        return am.sum_to(col * row, (1, 3)) + am.astype(zero(x), np.float32)[:1]
    rng = np.random.default_rng(16)
    path = assert_round_trip(tmp_path, fn, [rand(rng, 4, 2)], others=[(rand(rng, 9, 2),)],
                             dynamic_axes={"input": {0: "batch"}})
    assert "Expand" in op_types(path)


def test_two_dynamic_axes(tmp_path):
    fn = lambda x: am.reshape(am.transpose(x, 1, 0, 2), (x.shape[1], -1)) * 2.0  # noqa: E731
    rng = np.random.default_rng(8)
    assert_round_trip(tmp_path, fn, [rand(rng, 3, 4, 2)], others=[(rand(rng, 5, 6, 2),)],
                      dynamic_axes={"input": {0: "batch", 1: "time"}})


def test_reshape_with_two_sizes_computed_at_run_time(tmp_path):
    fn = lambda x: am.reshape(x, (x.shape[0], -1)) + 1.0  # noqa: E731  (N, T * 3): both change
    rng = np.random.default_rng(9)
    assert_round_trip(tmp_path, fn, [rand(rng, 3, 4, 3)], others=[(rand(rng, 2, 6, 3),)],
                      dynamic_axes={"input": {0: "batch", 1: "time"}})


def test_file_written_atomically(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")
    with pytest.raises(ExportError):
        amx.export(lambda a: ops.SoftmaxCrossEntropy.apply(a, targets=np.array([0, 1]), reduction="mean"),
                   np.zeros((2, 3), np.float32), path)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["m.onnx"]
    amx.export(lambda a: a * 2.0, np.zeros((2, 3), np.float32), path)
    assert os.listdir(tmp_path) == ["m.onnx"]
    onnx.checker.check_model(onnx.load(str(path)))


def test_missing_folder_is_said(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        amx.export(lambda a: a * 2.0, np.zeros(2, np.float32), tmp_path / "no" / "m.onnx")


# ----- errors ----------------------------------------------------------------------------------------------


class Cube(Function):
    """y = x**3; a user's op (no ONNX mapping)."""

    @staticmethod
    def forward(ctx, x):
        return x ** 3

    @staticmethod
    def backward(ctx, gy):
        return gy * 3 * ctx.inputs[0] ** 2


class CubeLayer(nn.Module):
    def forward(self, x):
        return Cube.apply(x)


def test_unmapped_op_names_the_op_and_the_module(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), CubeLayer())
    with pytest.raises(ExportError, match=r"Cube \(recorded in CubeLayer '1' of the model\) has no ONNX mapping"):
        amx.export(model, np.zeros((2, 3), np.float32), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_loss_is_refused_with_advice(tmp_path):
    fn = lambda a: nn.functional.cross_entropy(a, np.array([0, 2]))  # noqa: E731
    with pytest.raises(ExportError, match="SoftmaxCrossEntropy.*training loss"):
        amx.export(fn, np.zeros((2, 3), np.float32), tmp_path / "m.onnx")


def test_mask_computed_with_numpy_from_the_input_is_refused(tmp_path):
    fn = lambda a: a * Tensor((a.data > 0).astype(np.float32))  # noqa: E731
    with pytest.raises(ExportError, match="constant .* changes with the input values"):
        amx.export(fn, np.ones((3, 4), np.float32), tmp_path / "m.onnx")


def test_where_on_a_numpy_condition_is_refused(tmp_path):
    fn = lambda a: am.where(a.data < 0.3, a, a * 2.0)  # noqa: E731  (not a > 0 condition: not recovered)
    with pytest.raises(ExportError, match="condition of Where"):
        amx.export(fn, rand(np.random.default_rng(0), 3, 4), tmp_path / "m.onnx")


def test_control_flow_on_values_is_refused(tmp_path):
    fn = lambda a: a * 2.0 if np.all(a.data == np.round(a.data)) else am.exp(a)  # noqa: E731  (whole numbers?)
    with pytest.raises(ExportError, match="different graph"):
        amx.export(fn, np.ones((3, 4), np.float32), tmp_path / "m.onnx")


def test_size_not_following_the_dynamic_axis_is_refused(tmp_path):
    fn = lambda a: a + am.ones(a.shape[0] + 1, 1)[1:] * Tensor(np.arange(a.shape[0] + 1.0, dtype=np.float32)[:, None])[1:]  # noqa: E731,E501
    with pytest.raises(ExportError):
        amx.export(fn, np.ones((3, 4), np.float32), tmp_path / "m.onnx", dynamic_axes={"input": {0: "batch"}})


def test_model_failing_at_other_sizes_says_why(tmp_path):
    def fn(a):
        if a.shape[0] != 3:
            raise ValueError("batch must be 3")
        return a * 2.0
    with pytest.raises(ExportError, match=r"raised ValueError: batch must be 3 .*batch = 6"):
        amx.export(fn, np.ones((3, 4), np.float32), tmp_path / "m.onnx", dynamic_axes={"input": {0: "batch"}})


def test_bad_arguments(tmp_path):
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="not an input"):
        amx.export(lambda a: a * 2.0, x, tmp_path / "m.onnx", dynamic_axes={"x": {0: "batch"}})
    with pytest.raises(ValueError, match="out of range"):
        amx.export(lambda a: a * 2.0, x, tmp_path / "m.onnx", dynamic_axes={"input": {2: "batch"}})
    with pytest.raises(ValueError, match="opset"):
        amx.export(lambda a: a * 2.0, x, tmp_path / "m.onnx", opset=9)
    with pytest.raises(ValueError, match="2 distinct output names"):
        amx.export(lambda a: (a * 2.0, a * 3.0), x, tmp_path / "m.onnx", output_names=["y"])
    with pytest.raises(ValueError, match="used twice"):
        amx.export(lambda a: a * 2.0, x, tmp_path / "m.onnx", input_names=["a"], output_names=["a"])
    with pytest.raises(ValueError, match=r"\['0.weight'\] are used twice"):
        amx.export(nn.Sequential(nn.Linear(3, 2)), x, tmp_path / "m.onnx", input_names=["0.weight"])
    with pytest.raises(ExportError, match="dtype int64"):
        amx.export(lambda a: a * 2.0, np.zeros(3, np.int64), tmp_path / "m.onnx")
    with pytest.raises(ExportError, match="returned a float"):
        amx.export(lambda a: 2.0, x, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("opset", [15, 17, amx.DEFAULT_OPSET, 20])
def test_opsets(tmp_path, opset):
    model = _example("cnn").digits_cnn()
    rng = np.random.default_rng(10)
    path = assert_round_trip(tmp_path, lambda x: am.logsumexp(model(x), axis=1), [rand(rng, 2, 1, 8, 8)], opset=opset)
    assert onnx.load(str(path)).opset_import[0].version == opset


def test_missing_onnx_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"autograd_mini\[onnx\]"):
        amx.export(lambda a: a * 2.0, np.zeros(2, np.float32), tmp_path / "m.onnx")
