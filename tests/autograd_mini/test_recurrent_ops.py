"""The fused LSTM cell: ops.LSTMPointwise (gates and cell state -> h', c') and its backward LSTMPointwiseGrad,
and the public lstm_cell built on them: values against the unfused composition and PyTorch, gradients (first,
second and third order) against finite differences and the composition, either output alone."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck, ops
from autograd_mini.errors import ShapeError


def unfused(z, c):
    """The same math from the library's unfused ops (chunk, sigmoid, tanh, mul, add)."""
    zi, zf, zg, zo = am.chunk(z, 4, dim=-1)
    i, f, g, o = am.sigmoid(zi), am.sigmoid(zf), am.tanh(zg), am.sigmoid(zo)
    c_new = f * c + i * g
    return o * am.tanh(c_new), c_new


def fused(z, c):
    return ops.LSTMPointwise.apply(z, c)


@st.composite
def gates_and_state(draw, max_n=3, max_h=4):
    """float64 z (N, 4H) with some gates saturated (|z| near 10) and c (N, H); N in 1..3, H in 1..4, or unbatched."""
    n, h = draw(st.integers(1, max_n)), draw(st.integers(1, max_h))
    lead = draw(st.sampled_from([(n,), ()]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3, 3, lead + (4 * h,))
    saturate = rng.random(z.shape) < draw(st.sampled_from([0.0, 0.3]))
    z[saturate] = rng.choice([-10.0, 10.0], saturate.sum()) + rng.uniform(-0.5, 0.5, saturate.sum())
    c = rng.uniform(-2, 2, lead + (h,))
    return Tensor(z, requires_grad=True), Tensor(c, requires_grad=True)


def weighted(outs, keep, seed=1):
    """sum_k <w_k, outs[k]> over the outputs in keep, with random weights: a non-trivial upstream gradient."""
    rng = np.random.default_rng(seed)
    return sum((outs[k] * rng.standard_normal(outs[k].shape)).sum() for k in keep)


# ***** forward *****


@given(zc=gates_and_state(max_n=4, max_h=6))
def test_forward_matches_the_unfused_composition(zc):
    z, c = zc
    (h, c_new), (h_ref, c_ref) = fused(z, c), unfused(z, c)
    np.testing.assert_allclose(h.data, h_ref.data, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(c_new.data, c_ref.data, rtol=1e-14, atol=1e-15)
    assert h.grad_fn is c_new.grad_fn and h.grad_fn.name == "LSTMPointwise"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_extremes_and_dtype(dtype):
    # gates far beyond exp's range (sigmoid's overflow-free branch) and exactly saturated ones
    z = Tensor(np.array([[-1000.0, 1000.0, -1000.0, 1000.0, 0.0, 50.0, -50.0, 0.0]], dtype))
    c = Tensor(np.array([[3.0, -2.0]], dtype))
    h, c_new = fused(z, c)
    assert h.dtype == c_new.dtype == dtype
    i, f, g, o = np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([0.0, 0.5])
    np.testing.assert_allclose(c_new.data, f * c.data + i * g, rtol=1e-6)
    np.testing.assert_allclose(c_new.data, [[0.0, -1.0]], rtol=1e-6)
    np.testing.assert_allclose(h.data, o * np.tanh(c_new.data), rtol=1e-6)
    assert np.isfinite(h.data).all()


def test_shape_errors_name_the_op():
    with pytest.raises(ShapeError, match="LSTMPointwise.*4 \\* hidden_size"):
        fused(Tensor(np.zeros((2, 7))), Tensor(np.zeros((2, 2))))
    with pytest.raises(ShapeError, match="LSTMPointwise of shapes \\(3, 8\\) and \\(2, 2\\)"):
        fused(Tensor(np.zeros((3, 8))), Tensor(np.zeros((2, 2))))
    with pytest.raises(ShapeError, match="LSTMPointwise"):
        fused(Tensor(np.zeros(4)), Tensor(np.zeros(())))


# ***** derivatives *****


@given(zc=gates_and_state())
def test_gradcheck_both_outputs(zc):
    assert gradcheck(fused, zc)
    assert gradcheck(lambda z, c: weighted(fused(z, c), (0, 1)), zc)


@given(zc=gates_and_state(), keep=st.sampled_from([(0,), (1,)]))
def test_only_one_output_used(zc, keep):
    # the other output gets no gradient at all (None reaches backward: materialize_grads is off)
    assert gradcheck(lambda z, c: weighted(fused(z, c), keep), zc)
    z, c = zc
    gz, gc = am.grad(weighted(fused(z, c), keep), [z, c])
    rz, rc = am.grad(weighted(unfused(z, c), keep), [z, c])
    np.testing.assert_allclose(gz.data, rz.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gc.data, rc.data, rtol=1e-12, atol=1e-14)


@given(zc=gates_and_state())
def test_gradients_match_the_unfused_composition(zc):
    z, c = zc
    gz, gc = am.grad(weighted(fused(z, c), (0, 1)), [z, c])
    rz, rc = am.grad(weighted(unfused(z, c), (0, 1)), [z, c])
    np.testing.assert_allclose(gz.data, rz.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gc.data, rc.data, rtol=1e-12, atol=1e-14)


@given(zc=gates_and_state(max_n=2, max_h=3))
def test_gradgradcheck(zc):
    assert gradgradcheck(fused, zc)
    assert gradgradcheck(lambda z, c: fused(z, c)[0], zc)
    assert gradgradcheck(lambda z, c: fused(z, c)[1], zc)


def test_gradgradcheck_of_the_grad_primitive_alone():
    # LSTMPointwiseGrad's backward with respect to each of its four inputs, the upstream gradients included
    rng = np.random.default_rng(3)
    z = Tensor(rng.uniform(-3, 3, (2, 12)), requires_grad=True)
    c = Tensor(rng.uniform(-2, 2, (2, 3)), requires_grad=True)
    gh, gc = (Tensor(rng.standard_normal((2, 3)), requires_grad=True) for _ in range(2))

    def grad_op(gh, gc, z, c):
        with am.enable_grad():  # NOTE: gradcheck calls it under no_grad() for the finite differences
            h, c_new = fused(z, c)
            return am.grad([h, c_new], [z, c], [gh, gc], create_graph=True)

    assert gradcheck(grad_op, (gh, gc, z, c))
    assert gradgradcheck(grad_op, (gh, gc, z, c))


def test_third_order_matches_the_composition():
    rng = np.random.default_rng(7)
    zd, cd = rng.uniform(-3, 3, (2, 12)), rng.uniform(-2, 2, (2, 3))

    def derivatives(cell):
        z, c = Tensor(zd, requires_grad=True), Tensor(cd, requires_grad=True)
        h, c_new = cell(z, c)
        gz, gc = am.grad((h * h).sum() + (c_new ** 3).sum(), [z, c], create_graph=True)
        g2 = am.grad((gz * gz).sum() + (gc * gz[:, :3]).sum(), [z, c], create_graph=True)
        g3 = am.grad((g2[0] ** 2).sum() + g2[1].sum(), [z, c])
        return [t.data for t in (gz, gc, *g2, *g3)]

    for a, b in zip(derivatives(fused), derivatives(unfused)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_buffers_are_freed_after_backward():
    z, c = Tensor(np.ones((2, 8)), requires_grad=True), Tensor(np.ones((2, 2)), requires_grad=True)
    h, _ = fused(z, c)
    node = h.grad_fn
    h.sum().backward()
    assert node._act.shape == (2, 8) and node._act.strides == (0, 0)  # a one-element stand-in
    with pytest.raises(am.GraphFreedError):
        h.sum().backward()


# ***** lstm_cell (the public function) *****


def random_cell(rng, n_in, hidden, lead, bias=True):
    def t(*shape):
        return Tensor(rng.uniform(-1, 1, shape), requires_grad=True)

    x, h, c = t(*lead, n_in), t(*lead, hidden), t(*lead, hidden)
    ws = [t(4 * hidden, n_in), t(4 * hidden, hidden)]
    bs = [t(4 * hidden), t(4 * hidden)] if bias else []
    return x, h, c, ws, bs


@given(n=st.integers(1, 3), n_in=st.integers(1, 3), hidden=st.integers(1, 3), bias=st.booleans(),
       batched=st.booleans(), seed=st.integers(0, 999))
def test_lstm_cell_gradcheck_against_the_formula(n, n_in, hidden, bias, batched, seed):
    rng = np.random.default_rng(seed)
    x, h, c, ws, bs = random_cell(rng, n_in, hidden, (n,) if batched else (), bias)

    def cell(x, h, c, *params):
        return am.lstm_cell(x, (h, c), *params)

    def formula(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
        z = am.matmul(x, w_ih.T) + am.matmul(h, w_hh.T)
        if b_ih is not None:
            z = z + b_ih + b_hh
        return unfused(z, c)

    for a, b in zip(cell(x, h, c, *ws, *bs), formula(x, h, c, *ws, *bs)):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)
    assert gradcheck(cell, (x, h, c, *ws, *bs))


def test_lstm_cell_errors():
    rng = np.random.default_rng(0)
    x, h, c, (w_ih, w_hh), (b_ih, b_hh) = random_cell(rng, 3, 2, (4,))
    with pytest.raises(TypeError, match="lstm_cell: hx"):
        am.lstm_cell(x, h, w_ih, w_hh)
    with pytest.raises(ShapeError, match="lstm_cell: input \\(4, 3\\), h \\(4, 2\\), c \\(4, 2\\), w_ih \\(8, 2\\)"):
        am.lstm_cell(x, (h, c), w_hh, w_hh)
    with pytest.raises(ShapeError, match="lstm_cell: .*c \\(3, 2\\)"):
        am.lstm_cell(x, (h, c[:3]), w_ih, w_hh)
    with pytest.raises(ShapeError, match="lstm_cell: b_hh of shape \\(7,\\); expected \\(8,\\)"):
        am.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh[:7])


def test_lstm_cell_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    ref = torch.nn.LSTMCell(3, 4).double()
    x = rng.standard_normal((2, 3)) * 3
    h0, c0 = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    params = [Tensor(p.detach().numpy().copy(), requires_grad=True)
              for p in (ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh)]
    xt, ht, ct = (Tensor(v, requires_grad=True) for v in (x, h0, c0))
    h, c = am.lstm_cell(xt, (ht, ct), *params)
    tx, th, tc = (torch.tensor(v, requires_grad=True) for v in (x, h0, c0))
    rh, rc = ref(tx, (th, tc))
    np.testing.assert_allclose(h.data, rh.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c.data, rc.detach().numpy(), rtol=1e-12, atol=1e-14)
    wh, wc = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    ((h * wh).sum() + (c * wc).sum()).backward()
    ((rh * torch.tensor(wh)).sum() + (rc * torch.tensor(wc)).sum()).backward()
    ours = [xt, ht, ct, *params]
    theirs = [tx, th, tc, ref.weight_ih, ref.weight_hh, ref.bias_ih, ref.bias_hh]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def cell_formula(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """lstm_cell from unfused ops: matmuls, adds, chunk, sigmoid, tanh."""
    z = am.matmul(x, w_ih.T) + am.matmul(h, w_hh.T)
    if b_ih is not None:
        z = z + b_ih
    if b_hh is not None:
        z = z + b_hh
    return unfused(z, c)


@given(n=st.integers(1, 2), hidden=st.integers(1, 2), bias=st.booleans(), batched=st.booleans(),
       keep=st.sampled_from([(0,), (1,), (0, 1)]), seed=st.integers(0, 999))
def test_lstm_cell_second_order_and_one_output(n, hidden, bias, batched, keep, seed):
    rng = np.random.default_rng(seed)
    x, h, c, ws, bs = random_cell(rng, 2, hidden, (n,) if batched else (), bias)
    args = (x, h, c, *ws, *bs)

    def cell(*a):
        return weighted(am.lstm_cell(a[0], (a[1], a[2]), *a[3:]), keep)

    assert gradcheck(cell, args)
    assert gradgradcheck(cell, args)
    ours = am.grad(cell(*args), list(args))
    ref = am.grad(weighted(cell_formula(*args), keep), list(args))
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)


def test_lstm_cell_third_order_matches_the_composition():
    rng = np.random.default_rng(11)
    x, h, c, ws, bs = random_cell(rng, 2, 2, (2,))
    args = (x, h, c, *ws, *bs)

    def derivatives(fn):
        h_new, c_new = fn(*args)
        g1 = am.grad((h_new * h_new).sum() + (c_new ** 3).sum(), list(args), create_graph=True)
        g2 = am.grad(sum((g * g).sum() for g in g1), list(args), create_graph=True)
        g3 = am.grad(sum((g ** 2).sum() for g in g2), list(args))
        return [t.data for t in (*g1, *g2, *g3)]

    fused_cell = lambda *a: am.lstm_cell(a[0], (a[1], a[2]), *a[3:])
    for a, b in zip(derivatives(fused_cell), derivatives(cell_formula)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bias", ["both", "ih only", "none"])
def test_lstm_cell_nodes_and_float32(bias):
    rng = np.random.default_rng(2)
    f32 = lambda *s: Tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
    x, h, c, w_ih, w_hh, b = f32(4, 3), f32(4, 2), f32(4, 2), f32(8, 3), f32(8, 2), f32(8)
    bs = {"both": (b, b * 0.5), "ih only": (b, None), "none": ()}[bias]
    h_new, c_new = am.lstm_cell(x, (h, c), w_ih, w_hh, *bs)
    assert h_new.dtype == c_new.dtype == np.float32
    assert h_new.grad_fn.name == ("LSTMPointwise" if bias == "ih only" else "LSTMCell")
    ref = cell_formula(*(Tensor(t.data.astype(np.float64)) for t in (x, h, c, w_ih, w_hh)),
                       *(None if t is None else Tensor(t.data.astype(np.float64)) for t in bs))
    np.testing.assert_allclose(h_new.data, ref[0].data, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_new.data, ref[1].data, rtol=1e-5, atol=1e-6)
    (h_new.sum() + c_new.sum()).backward()
    assert w_ih.grad.dtype == np.float32 and w_hh.grad.dtype == np.float32
    assert (b.grad is None) == (bias == "none")


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("keep", [(0,), (1,), (0, 1)])
def test_lstm_cell_backward_paths_agree(batched, bias, keep):
    # ops.LSTMCell's backward runs on arrays unless create_graph; both paths must give the same gradients
    rng = np.random.default_rng(4)
    x, h, c, ws, bs = random_cell(rng, 3, 2, (3,) if batched else (), bias)
    args = [x, h, c, *ws, *bs]
    plain = am.grad(weighted(am.lstm_cell(x, (h, c), *ws, *bs), keep), args)
    traced = am.grad(weighted(am.lstm_cell(x, (h, c), *ws, *bs), keep), args, create_graph=True)
    assert all(t.grad_fn is not None for t in traced)
    for a, b in zip(plain, traced):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.data, b.data, rtol=1e-13, atol=1e-15)
