"""The fused layer normalization, ops.LayerNorm (used by nn.functional.layer_norm and so nn.LayerNorm): values
and gradients against the composition it replaces and PyTorch, gradients against finite differences (first
and second order, every input, weight and bias optional), float32, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck, ops
from autograd_mini.errors import ShapeError
from nn import functional as NF
from nn.functional.normalization import _normalize


def composed(x, shape, w=None, b=None, eps=1e-5):
    """The same math from the library's unfused ops (what layer_norm computed before ops.LayerNorm)."""
    y = _normalize(x, tuple(range(x.ndim - len(shape), x.ndim)), eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def fused(x, shape, w=None, b=None, eps=1e-5):
    return NF.layer_norm(x, shape, w, b, eps)


@st.composite
def layer_norm_inputs(draw, max_side=4):
    """float64 x (*lead, *S) with 0-2 leading axes (sizes 1..3) and 1-3 normalized axes S (sizes 1..max_side,
    at least 2 values per row); weight and bias (S) each present or not; eps 1e-5 or 0.1."""
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    shape = tuple(draw(st.lists(st.integers(1, max_side), min_size=1, max_size=3)))
    if int(np.prod(shape)) < 2:
        shape = shape[:-1] + (2,)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = Tensor(rng.standard_normal(lead + shape) * draw(st.sampled_from([1.0, 3.0])) + draw(st.sampled_from([0.0, 2.0])),
               requires_grad=True)
    w = Tensor(rng.standard_normal(shape), requires_grad=True) if draw(st.booleans()) else None
    b = Tensor(rng.standard_normal(shape), requires_grad=True) if draw(st.booleans()) else None
    return x, shape, w, b, draw(st.sampled_from([1e-5, 0.1]))


def as_fn(f, shape, w, b, eps):
    """(fn, inputs) for gradcheck: fn of x and whichever of w, b are given."""
    params = [p for p in (w, b) if p is not None]

    def fn(x, *ps):
        it = iter(ps)
        return f(x, shape, next(it) if w is not None else None, next(it) if b is not None else None, eps)

    return fn, params


def weighted(y, seed=1):
    """<r, y> with random r: a non-trivial upstream gradient."""
    return (y * np.random.default_rng(seed).standard_normal(y.shape)).sum()


# ***** forward *****


@given(args=layer_norm_inputs(max_side=5))
def test_forward_matches_the_composition(args):
    x, shape, w, b, eps = args
    y = fused(x, shape, w, b, eps)
    np.testing.assert_allclose(y.data, composed(x, shape, w, b, eps).data, rtol=1e-12, atol=1e-12)
    assert y.grad_fn.name == "LayerNorm" and y.shape == x.shape  # one node


def test_rows_of_equal_values_give_the_bias():
    # var = 0: rstd = 1 / sqrt(eps), dx = rstd * (w - mean(w)) for an upstream gradient of ones
    x = Tensor(np.full((2, 3), 7.0), requires_grad=True)
    w, b = Tensor(np.array([1.0, 2.0, 3.0])), Tensor(np.array([0.5, -1.0, 2.0]))
    y = fused(x, (3,), w, b)
    np.testing.assert_array_equal(y.data, [[0.5, -1.0, 2.0]] * 2)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[-1e-5 ** -0.5, 0.0, 1e-5 ** -0.5]] * 2, rtol=1e-12)
    (want,) = am.grad(composed(x, (3,), w, b).sum(), [x])
    np.testing.assert_allclose(x.grad.data, want.data, rtol=1e-12)


@pytest.mark.parametrize("affine", [False, True])
def test_float32_stays_float32(affine):
    rng = np.random.default_rng(0)
    x64 = rng.standard_normal((4, 5, 6)) * 3 + 1
    w64, b64 = rng.standard_normal(6), rng.standard_normal(6)
    x = Tensor(x64.astype(np.float32), requires_grad=True)
    w, b = (Tensor(a.astype(np.float32), requires_grad=True) if affine else None for a in (w64, b64))
    y = fused(x, 6, w, b)
    assert y.dtype == np.float32
    weighted(y).backward()
    assert all(t.grad.dtype == np.float32 for t in (x, w, b) if t is not None)
    x64t = Tensor(x64, requires_grad=True)
    w64t, b64t = (Tensor(a, requires_grad=True) if affine else None for a in (w64, b64))
    y64 = fused(x64t, 6, w64t, b64t)
    weighted(y64).backward()
    np.testing.assert_allclose(y.data, y64.data, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(x.grad.data, x64t.grad.data, rtol=1e-3, atol=1e-4)
    if affine:
        np.testing.assert_allclose(w.grad.data, w64t.grad.data, rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(b.grad.data, b64t.grad.data, rtol=1e-4, atol=1e-4)


def test_integer_input_is_normalized_in_float64():
    y = fused(Tensor(np.array([[1, 2, 3], [4, 4, 5]])), 3)
    np.testing.assert_allclose(y.data, composed(Tensor(np.array([[1.0, 2, 3], [4, 4, 5]])), (3,)).data, rtol=1e-14)
    assert y.dtype == np.float64


def test_output_changed_in_place_leaves_the_gradient_alone():
    # without weight and bias the output is a copy of the saved xhat, not xhat itself
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    r = rng.standard_normal((3, 4))
    y = fused(x, 4)
    z = y * Tensor(r)
    y.data[...] = 100.0
    z.sum().backward()
    gx = x.grad.data.copy()
    x.grad = None
    (fused(x, 4) * Tensor(r)).sum().backward()
    np.testing.assert_allclose(gx, x.grad.data, rtol=1e-14)


# ***** derivatives *****


@given(args=layer_norm_inputs())
def test_gradcheck(args):
    x, shape, w, b, eps = args
    fn, params = as_fn(fused, shape, w, b, eps)
    assert gradcheck(fn, (x, *params))


@settings(max_examples=10)
@given(args=layer_norm_inputs(max_side=3))
def test_gradgradcheck(args):
    x, shape, w, b, eps = args
    fn, params = as_fn(fused, shape, w, b, eps)
    assert gradgradcheck(fn, (x, *params))


@given(args=layer_norm_inputs(max_side=5))
def test_gradients_match_the_composition(args):
    # first order (the array backward) and with create_graph (the Tensor-op backward) against the composition
    x, shape, w, b, eps = args
    ins = [t for t in (x, w, b) if t is not None]
    want = am.grad(weighted(composed(x, shape, w, b, eps)), ins)
    for create_graph in (False, True):
        got = am.grad(weighted(fused(x, shape, w, b, eps)), ins, create_graph=create_graph)
        for g, r in zip(got, want):
            assert g.shape == r.shape
            np.testing.assert_allclose(g.data, r.data, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("which", ["x", "w", "b", "wb", "xb"])
def test_only_some_inputs_require_grad(which):
    rng = np.random.default_rng(4)
    x, w, b = (Tensor(rng.standard_normal(s), requires_grad=name in which)
               for name, s in (("x", (2, 3, 4)), ("w", (3, 4)), ("b", (3, 4))))
    ins = [t for t in (x, w, b) if t.requires_grad]
    for create_graph in (False, True):
        got = am.grad(weighted(fused(x, (3, 4), w, b)), ins, create_graph=create_graph)
        want = am.grad(weighted(composed(x, (3, 4), w, b)), ins)
        for g, r in zip(got, want):
            np.testing.assert_allclose(g.data, r.data, rtol=1e-10, atol=1e-12)

    def fn(*ts):  # the inputs that require grad, in order; the others fixed
        it = iter(ts)
        xx, ww, bb = [next(it) if t.requires_grad else t for t in (x, w, b)]
        return fused(xx, (3, 4), ww, bb)

    assert gradcheck(fn, tuple(ins))


def test_third_order_through_x():
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal((2, 4)), requires_grad=True)
    w = Tensor(rng.standard_normal(4), requires_grad=True)

    def second(x, w):
        with am.enable_grad():
            (gx,) = am.grad(weighted(fused(x, 4, w)), [x], create_graph=True)
            return am.grad(weighted(gx, seed=2), [x, w], create_graph=True)

    assert gradcheck(second, (x, w))


# ***** against PyTorch *****


@given(args=layer_norm_inputs(max_side=5))
def test_against_torch(args):
    torch = pytest.importorskip("torch")
    x, shape, w, b, eps = args
    r = np.random.default_rng(3).standard_normal(x.shape)
    y = fused(x, shape, w, b, eps)
    ins = [t for t in (x, w, b) if t is not None]
    grads = am.grad((y * Tensor(r)).sum(), ins)
    tx, tw, tb = (torch.tensor(t.data, requires_grad=True) if t is not None else None for t in (x, w, b))
    ty = torch.nn.functional.layer_norm(tx, shape, tw, tb, eps)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-9, atol=1e-10)
    tins = [t for t in (tx, tw, tb) if t is not None]
    tgrads = torch.autograd.grad((ty * torch.tensor(r)).sum(), tins)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g.data, tg.numpy(), rtol=1e-9, atol=1e-10)


# ***** ONNX export (the case with weight and bias is in test_onnx.py's CASES) *****


@pytest.mark.parametrize("params", ["", "b", "w"])
def test_onnx_export_without_weight_or_bias(tmp_path, params):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import autograd_mini.onnx as amx

    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 2, 5)).astype(np.float32) * 2 + 1
    w, b = (rng.standard_normal(5).astype(np.float32) if name in params else None for name in "wb")
    fn = lambda x: fused(x, 5, w, b)  # noqa: E731
    path = str(tmp_path / "ln.onnx")
    amx.export(fn, (x,), path, input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for xs in (x, rng.standard_normal((4, 2, 5)).astype(np.float32)):
        (got,) = session.run(None, {"x": xs})
        with am.no_grad():
            want = fn(Tensor(xs)).data
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_onnx_export_below_opset_17_composes_the_math(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    import onnx

    import autograd_mini.onnx as amx

    x = np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32)
    path = str(tmp_path / "ln.onnx")
    amx.export(lambda x: fused(x, 3), (x,), path, opset=16)
    assert "LayerNormalization" not in {n.op_type for n in onnx.load(path).graph.node}
    (got,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})
    with am.no_grad():
        np.testing.assert_allclose(got, fused(Tensor(x), 3).data, rtol=1e-5, atol=1e-5)


# ***** errors *****


def test_errors_name_the_op_and_shapes():
    x = Tensor(np.zeros((2, 3, 4)))
    with pytest.raises(ShapeError, match=r"layer_norm: weight must have the normalized_shape \(3, 4\), got \(4,\)"):
        fused(x, (3, 4), Tensor(np.ones(4)))
    with pytest.raises(ShapeError, match=r"layer_norm: bias must have the normalized_shape \(4,\), got \(1, 4\)"):
        fused(x, 4, None, Tensor(np.ones((1, 4))))
    with pytest.raises(ShapeError, match=r"does not end with normalized_shape \(3,\)"):
        fused(x, 3)
    with pytest.raises(ShapeError, match=r"LayerNorm of shape \(2, 3, 4\): cannot normalize over the last 4 axes"):
        ops.LayerNorm.apply(x, eps=1e-5, naxes=4)
    with pytest.raises(ShapeError, match=r"LayerNorm.*expected 2 weight/bias inputs after x, got 1"):
        ops.LayerNorm.apply(x, Tensor(np.ones(4)), eps=1e-5, naxes=1, has_weight=True, has_bias=True)
