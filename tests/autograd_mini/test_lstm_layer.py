"""ops.LSTMLayer (a whole LSTM layer over a sequence in one node) and its public function lstm_layer: values
against a loop of lstm_cell steps and float64, gradients against finite differences (first and second order),
the array backward against the create_graph (Tensor-op) one, each output alone, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck, ops
from autograd_mini.errors import ShapeError


def random_layer(rng, T, n, n_in, hidden, bias=True, scale=1.0, dtype=np.float64):
    def t(*shape, s=1.0):
        return Tensor((rng.uniform(-1, 1, shape) * s).astype(dtype), requires_grad=True)

    x, h, c = t(T, n, n_in, s=scale), t(n, hidden), t(n, hidden)
    params = [t(4 * hidden, n_in, s=scale), t(4 * hidden, hidden, s=scale)]
    if bias:
        params += [t(4 * hidden, s=scale), t(4 * hidden, s=scale)]
    return [x, h, c, *params]


def layer(reverse):
    """(x, h0, c0, *weights) -> (y, h_n, c_n), flat, for gradcheck."""
    def fn(x, h, c, *params):
        y, (h_n, c_n) = am.lstm_layer(x, (h, c), *params, reverse=reverse)
        return y, h_n, c_n
    return fn


def steps(reverse):
    """The same as a loop of lstm_cell steps (one node per step): the reference."""
    def fn(x, h, c, *params):
        T = x.shape[0]
        ys = [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            h, c = am.lstm_cell(x[t], (h, c), *params)
            ys[t] = h
        return am.stack(ys, 0), h, c
    return fn


def weighted(outs, keep, seed=1):
    """sum_k <w_k, outs[k]> over the outputs in keep, with random weights: a non-trivial upstream gradient."""
    rng = np.random.default_rng(seed)
    return sum((outs[k] * rng.standard_normal(outs[k].shape)).sum() for k in keep)


sizes = dict(T=st.integers(1, 3), n=st.integers(1, 2), n_in=st.integers(1, 2), hidden=st.integers(1, 2),
             reverse=st.booleans(), bias=st.booleans(), seed=st.integers(0, 9999))


# ***** forward *****


@given(T=st.integers(1, 6), n=st.integers(1, 3), n_in=st.integers(1, 4), hidden=st.integers(1, 5),
       reverse=st.booleans(), bias=st.booleans(), seed=st.integers(0, 9999))
def test_forward_matches_lstm_cell_steps(T, n, n_in, hidden, reverse, bias, seed):
    args = random_layer(np.random.default_rng(seed), T, n, n_in, hidden, bias, scale=3.0)
    outs, ref = layer(reverse)(*args), steps(reverse)(*args)
    for a, b in zip(outs, ref):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)
    assert outs[0].grad_fn is outs[1].grad_fn is outs[2].grad_fn
    assert outs[0].grad_fn.name == "LSTMLayer"


@settings(max_examples=30)
@given(T=st.integers(1, 4), n=st.integers(1, 3), n_in=st.integers(1, 4), hidden=st.integers(1, 9),
       small=st.sampled_from([1, 40, 300]), reverse=st.booleans(), seed=st.integers(0, 9999))
def test_forward_in_row_blocks_matches_the_steps(T, n, n_in, hidden, small, reverse, seed):
    # the per-step product runs in row blocks (at most _SMALL_GEMM multiply-adds each, rows a multiple of 16):
    # with a small limit even these sizes split, into blocks of 16 rows and a shorter last one
    from autograd_mini.ops import recurrent_layer

    args = random_layer(np.random.default_rng(seed), T, n, n_in, hidden, scale=3.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(recurrent_layer, "_SMALL_GEMM", small)
        outs = layer(reverse)(*args)
    for a, b in zip(outs, steps(reverse)(*args)):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)


def test_a_layer_big_enough_to_split_matches_the_steps():
    # 4H K N = 200 * 61 * 100 > 10^6: two blocks, of 112 and 88 rows
    from autograd_mini.ops.recurrent_layer import _block_rows

    assert _block_rows(200, 61 * 100) == 112
    args = random_layer(np.random.default_rng(0), 3, 100, 10, 50)
    for a, b in zip(layer(False)(*args), steps(False)(*args)):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-13)


def test_float32_gates_are_accurate_to_rounding():
    # sigmoid is computed as (1 + tanh(z/2)) / 2: its absolute error must stay at float32 rounding, also for
    # saturated gates and beyond exp's float32 range (|z| > 88). Inputs and weights are small multiples of 1/8, so
    # that the first step's products are exact in float32: all that differs from float64 is the gate math.
    rng = np.random.default_rng(3)
    eps = np.finfo(np.float32).eps
    for scale in (1, 4, 16):
        def dyadic(*shape):
            return Tensor((rng.integers(-8 * scale, 8 * scale + 1, shape) / 8).astype(np.float32))

        args32 = [dyadic(1, 64, 5), dyadic(64, 6), dyadic(64, 6), dyadic(24, 5), dyadic(24, 6), dyadic(24), dyadic(24)]
        z = args32[0].data[0] @ args32[3].data.T + args32[1].data @ args32[4].data.T + args32[5].data + args32[6].data
        assert np.abs(z).max() > 88 or scale < 16  # beyond exp's float32 range
        ref = layer(False)(*(Tensor(a.data.astype(np.float64)) for a in args32))
        for a, r in zip(layer(False)(*args32), ref):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a.data, r.data, rtol=0, atol=4 * eps * max(1.0, np.abs(r.data).max()))


@pytest.mark.parametrize("reverse", [False, True])
def test_float32_is_as_accurate_as_the_cell_steps(reverse):
    # over several steps the float32 products round too: as close to float64 (from the same float32 inputs) as
    # the exp-based lstm_cell steps in float32, up to the products' different summation order
    rng = np.random.default_rng(3)
    for scale in (0.3, 1.0, 3.0, 20.0, 200.0):
        args32 = [Tensor(a.data.astype(np.float32)) for a in random_layer(rng, 7, 5, 4, 6, scale=scale)]
        ref = layer(reverse)(*(Tensor(a.data.astype(np.float64)) for a in args32))
        got, cell = layer(reverse)(*args32), steps(reverse)(*args32)
        for a, b, r in zip(got, cell, ref):
            assert a.dtype == np.float32
            err, err_cell = np.abs(a.data - r.data).max(), np.abs(b.data - r.data).max()
            assert err <= 3 * err_cell + 1e-6, (scale, err, err_cell)


def test_no_graph_under_no_grad_and_for_constants():
    args = random_layer(np.random.default_rng(0), 3, 2, 2, 2)
    with am.no_grad():
        y, (h, c) = am.lstm_layer(args[0], (args[1], args[2]), *args[3:])
    assert y.grad_fn is None and not y.requires_grad
    consts = [Tensor(a.data) for a in args]
    y2, _ = am.lstm_layer(consts[0], (consts[1], consts[2]), *consts[3:])
    assert y2.grad_fn is None
    np.testing.assert_array_equal(y.data, y2.data)


def test_initial_state_none_is_zeros():
    args = random_layer(np.random.default_rng(1), 3, 2, 2, 3)
    zero = Tensor(np.zeros((2, 3)))
    for reverse in (False, True):
        a = am.lstm_layer(args[0], None, *args[3:], reverse=reverse)
        b = am.lstm_layer(args[0], (zero, zero), *args[3:], reverse=reverse)
        np.testing.assert_array_equal(a[0].data, b[0].data)
        np.testing.assert_array_equal(a[1][1].data, b[1][1].data)


# ***** gradients *****


@given(**sizes)
def test_gradcheck_all_inputs(T, n, n_in, hidden, reverse, bias, seed):
    args = random_layer(np.random.default_rng(seed), T, n, n_in, hidden, bias)
    assert gradcheck(layer(reverse), args)


@settings(max_examples=15)
@given(keep=st.sampled_from([(0,), (1,), (2,), (1, 2)]), **sizes)
def test_each_output_alone_matches_the_steps(keep, T, n, n_in, hidden, reverse, bias, seed):
    args = random_layer(np.random.default_rng(seed), T, n, n_in, hidden, bias)
    assert gradcheck(lambda *a: weighted(layer(reverse)(*a), keep), args)
    ours = am.grad(weighted(layer(reverse)(*args), keep), args)
    ref = am.grad(weighted(steps(reverse)(*args), keep), args)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("keep", [(0,), (2,), (0, 1, 2)])
def test_backward_paths_agree(reverse, bias, keep):
    # backward runs on arrays unless create_graph (then Tensor ops, recomputed steps): same gradients
    args = random_layer(np.random.default_rng(4), 4, 3, 2, 3, bias, scale=2.0)
    plain = am.grad(weighted(layer(reverse)(*args), keep), args)
    traced = am.grad(weighted(layer(reverse)(*args), keep), args, create_graph=True)
    assert all(t.grad_fn is not None for t in traced)
    for a, b in zip(plain, traced):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)


def test_only_some_inputs_need_gradients():
    # dx, dh0, dc0 and the weight gradients are each computed only when asked for
    args = random_layer(np.random.default_rng(6), 3, 2, 2, 2)
    for k in range(len(args)):
        ins = [Tensor(a.data, requires_grad=(i == k)) for i, a in enumerate(args)]
        (g,) = am.grad(weighted(layer(k % 2 == 1)(*ins), (0, 1, 2)), [ins[k]])
        (ref,) = am.grad(weighted(steps(k % 2 == 1)(*ins), (0, 1, 2)), [ins[k]])
        np.testing.assert_allclose(g.data, ref.data, rtol=1e-12, atol=1e-14)


@settings(max_examples=6)
@given(T=st.integers(1, 2), hidden=st.integers(1, 2), reverse=st.booleans(), bias=st.booleans(),
       keep=st.sampled_from([(0,), (2,), (0, 1, 2)]), seed=st.integers(0, 999))
def test_gradgradcheck(T, hidden, reverse, bias, keep, seed):
    args = random_layer(np.random.default_rng(seed), T, 2, 2, hidden, bias)
    assert gradgradcheck(lambda *a: weighted(layer(reverse)(*a), keep), args)


def test_third_order_matches_the_steps():
    args = random_layer(np.random.default_rng(11), 3, 2, 2, 2)

    def derivatives(fn):
        y, h, c = fn(*args)
        g1 = am.grad((y * y).sum() + (c ** 3).sum() + h.sum(), args, create_graph=True)
        g2 = am.grad(sum((g * g).sum() for g in g1), args, create_graph=True)
        g3 = am.grad(sum((g ** 2).sum() for g in g2), args)
        return [t.data for t in (*g1, *g2, *g3)]

    for a, b in zip(derivatives(layer(True)), derivatives(steps(True))):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_float32_gradients_and_buffers_freed():
    args = random_layer(np.random.default_rng(2), 5, 3, 4, 6, dtype=np.float32)
    ref_args = [Tensor(a.data.astype(np.float64), requires_grad=True) for a in args]
    y, h, c = layer(False)(*args)
    node = y.grad_fn
    weighted((y, h, c), (0, 1, 2)).backward()
    weighted(layer(False)(*ref_args), (0, 1, 2)).backward()
    for a, b in zip(args, ref_args):
        assert a.grad.dtype == np.float32
        np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-4, atol=1e-5)
    assert node._b.strides == (0, 0, 0)  # a one-element stand-in: the buffers were freed
    with pytest.raises(am.GraphFreedError):
        y.sum().backward()


def test_backward_after_a_forward_without_buffers_says_so():
    args = random_layer(np.random.default_rng(0), 2, 1, 1, 1)
    y, _, _ = ops.LSTMLayer.apply(*args, keep=False)
    with pytest.raises(RuntimeError, match="LSTMLayer: the forward ran with keep=False"):
        y.sum().backward()


# ***** errors *****


def test_errors():
    x, h, c, w_ih, w_hh, b_ih, b_hh = random_layer(np.random.default_rng(0), 5, 4, 3, 2)
    with pytest.raises(TypeError, match="lstm_layer: hx must be"):
        am.lstm_layer(x, h, w_ih, w_hh)
    with pytest.raises(ShapeError, match=r"lstm_layer: input \(5, 4, 3\), h_0 \(4, 2\), c_0 \(4, 2\), "
                                         r"w_ih \(8, 2\), w_hh \(8, 2\) do not fit"):
        am.lstm_layer(x, (h, c), w_hh, w_hh)
    with pytest.raises(ShapeError, match=r"lstm_layer: input \(4, 3\)"):
        am.lstm_layer(x[0], (h, c), w_ih, w_hh)
    with pytest.raises(ShapeError, match=r"c_0 \(3, 2\)"):
        am.lstm_layer(x, (h, c[:3]), w_ih, w_hh)
    with pytest.raises(ShapeError, match=r"input \(0, 4, 3\)"):
        am.lstm_layer(x[:0], (h, c), w_ih, w_hh)
    with pytest.raises(ShapeError, match=r"lstm_layer: b_hh of shape \(7,\); expected \(8,\)"):
        am.lstm_layer(x, (h, c), w_ih, w_hh, b_ih, b_hh[:7])
    with pytest.raises(ValueError, match="both biases"):
        am.lstm_layer(x, (h, c), w_ih, w_hh, b_ih)
    with pytest.raises(ShapeError, match="LSTMLayer"):  # the primitive itself checks too
        ops.LSTMLayer.apply(x, h, c, w_hh, w_hh)


@pytest.mark.parametrize("reverse", [False, True])
def test_create_graph_gives_partial_derivatives_when_inputs_depend_on_each_other(reverse):
    # h0 is computed from x: the node's backward must return d/dx through x alone (the engine adds the path
    # through h0); the create_graph path once returned the total derivative, counting that path twice
    rng = np.random.default_rng(7)
    T, N, I, H = 3, 2, 3, 4
    x = Tensor(rng.standard_normal((T, N, I)), requires_grad=True)
    a = Tensor(rng.standard_normal((I, H)))
    wi = Tensor(rng.standard_normal((4 * H, I)) * 0.5, requires_grad=True)
    wh = Tensor(rng.standard_normal((4 * H, H)) * 0.5, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(1))

    def loss():
        h0 = am.tanh(am.matmul(x[0], a))
        y, (h, c) = am.lstm_layer(x, (h0, am.zeros((N, H))), wi, wh, reverse=reverse)
        return am.sum(y * y) + am.sum(h) + am.sum(c * wh[0, 0])

    plain = am.grad(loss(), [x, wi, wh])
    recorded = am.grad(loss(), [x, wi, wh], create_graph=True)
    for p, r in zip(plain, recorded):
        np.testing.assert_allclose(r.data, p.data, rtol=1e-12, atol=1e-14)
    assert len(calls) == 2  # NOTE: x's hook once per pass: nothing walks past the node's inputs
