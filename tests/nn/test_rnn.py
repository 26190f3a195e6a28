"""RNNCell and LSTMCell against NumPy implementations of PyTorch's equations; gradcheck with respect to the
input, the state and every parameter; unrolled sequences; argument errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import gradcheck



def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def rnn_ref(x, h, w_ih, w_hh, b_ih, b_hh, act):
    z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return np.tanh(z) if act == "tanh" else np.maximum(z, 0)


def lstm_ref(x, h, c, w_ih, w_hh, b_ih, b_hh):
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=-1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new


def cell_params(cell):
    return [cell.weight_ih.data, cell.weight_hh.data, cell.bias_ih.data, cell.bias_hh.data]


def call_with(cell, ps, *args):
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    return nn.functional_call(cell, dict(zip(names, ps)), *args)


sizes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))  # batch, input, hidden


@given(sizes=sizes, act=st.sampled_from(["tanh", "relu"]), seed=st.integers(0, 2**31))
def test_rnn_cell(sizes, act, seed):
    n, n_in, n_h = sizes
    am.manual_seed(seed)
    cell = nn.RNNCell(n_in, n_h, act).double()
    assert cell.weight_ih.shape == (n_h, n_in) and cell.weight_hh.shape == (n_h, n_h)
    assert cell.bias_ih.shape == cell.bias_hh.shape == (n_h,)
    rng = np.random.default_rng(seed)
    x, h = rng.standard_normal((n, n_in)), rng.standard_normal((n, n_h))
    np.testing.assert_allclose(cell(T(x), T(h)).data, rnn_ref(x, h, *cell_params(cell), act), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cell(T(x)).data, rnn_ref(x, 0 * h, *cell_params(cell), act), rtol=1e-12, atol=1e-12)
    if act == "relu" and np.abs(rnn_ref(x, h, *cell_params(cell), "tanh")).min() < 1e-4:
        return  # too close to relu's kink for finite differences
    ps = [T(p) for p in cell_params(cell)]
    assert gradcheck(lambda x_, h_, *ps_: call_with(cell, ps_, x_, h_), (T(x), T(h), *ps))


@given(sizes=sizes, seed=st.integers(0, 2**31))
def test_lstm_cell(sizes, seed):
    n, n_in, n_h = sizes
    am.manual_seed(seed)
    cell = nn.LSTMCell(n_in, n_h).double()
    assert cell.weight_ih.shape == (4 * n_h, n_in) and cell.weight_hh.shape == (4 * n_h, n_h)
    assert cell.bias_ih.shape == cell.bias_hh.shape == (4 * n_h,)
    rng = np.random.default_rng(seed)
    x, h, c = rng.standard_normal((n, n_in)), rng.standard_normal((n, n_h)), rng.standard_normal((n, n_h))
    h1, c1 = cell(T(x), (T(h), T(c)))
    h_ref, c_ref = lstm_ref(x, h, c, *cell_params(cell))
    np.testing.assert_allclose(h1.data, h_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c1.data, c_ref, rtol=1e-12, atol=1e-12)
    h0, c0 = cell(T(x))
    zeros = np.zeros((n, n_h))
    np.testing.assert_allclose(h0.data, lstm_ref(x, zeros, zeros, *cell_params(cell))[0], rtol=1e-12, atol=1e-12)
    ps = [T(p) for p in cell_params(cell)]
    assert gradcheck(lambda x_, h_, c_, *ps_: call_with(cell, ps_, x_, (h_, c_)), (T(x), T(h), T(c), *ps))


def test_lstm_gate_order_is_i_f_g_o():
    cell = nn.LSTMCell(1, 1).double()
    for p in cell.parameters():
        p.data[...] = 0.0
    # only the forget gate's bias is large: f = 1, so c' = c (+ i * g with g = tanh(0) = 0)
    cell.bias_ih.data[1] = 50.0
    h, c = cell(T([[0.0]]), (T([[0.0]]), T([[0.7]])))
    np.testing.assert_allclose(c.data, [[0.7]])
    np.testing.assert_allclose(h.data, [[0.5 * np.tanh(0.7)]])  # o = sigmoid(0) = 0.5


def test_unrolled_sequence_gradients():
    am.manual_seed(0)
    cell = nn.LSTMCell(2, 3).double()
    xs = T(np.random.default_rng(0).standard_normal((5, 2, 2)))  # (time, batch, input)

    def run(seq, *ps):
        state = None
        for t in range(seq.shape[0]):
            state = call_with(cell, ps, seq[t], state)
        return state[0]

    assert gradcheck(run, (xs, *[T(p) for p in cell_params(cell)]))


def test_unbatched_input_and_errors():
    cell = nn.RNNCell(3, 2)
    assert cell(am.Tensor(np.ones(3, dtype=np.float32))).shape == (2,)
    lstm = nn.LSTMCell(3, 2)
    h, c = lstm(am.Tensor(np.ones(3, dtype=np.float32)))
    assert h.shape == c.shape == (2,)
    with pytest.raises(am.ShapeError, match="expected input"):
        cell(am.Tensor(np.ones((2, 4), dtype=np.float32)))
    with pytest.raises(am.ShapeError, match="expected h"):
        cell(am.Tensor(np.ones((2, 3), dtype=np.float32)), am.Tensor(np.ones((3, 2), dtype=np.float32)))
    with pytest.raises(TypeError, match="hx"):
        lstm(am.Tensor(np.ones((2, 3), dtype=np.float32)), am.Tensor(np.ones((2, 2), dtype=np.float32)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNNCell(3, 2, "sigmoid")
    no_bias = nn.LSTMCell(3, 2, bias=False)
    assert no_bias.bias_ih is None and [n for n, _ in no_bias.named_parameters()] == ["weight_ih", "weight_hh"]
    assert repr(nn.RNNCell(3, 2, "relu")) == "RNNCell(3, 2, nonlinearity='relu')"


def test_lstm_cell_is_one_fused_node():
    cell = nn.LSTMCell(3, 4).double()
    h, c = cell(T(np.ones((2, 3))), (T(np.ones((2, 4))), T(np.ones((2, 4)))))
    nodes = {id(t.grad_fn): t.grad_fn.name for t in am.iter_graph([h, c]) if t.grad_fn is not None}
    assert list(nodes.values()) == ["LSTMCell"]  # ops.LSTMCell: both products, biases, gates and state update
    assert h.grad_fn is c.grad_fn


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_cell_unbatched_and_without_bias_gradients(bias):
    am.manual_seed(1)
    cell = nn.LSTMCell(3, 2, bias=bias).double()
    rng = np.random.default_rng(1)
    x, h, c = rng.standard_normal(3), rng.standard_normal(2), rng.standard_normal(2)
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if bias else [])
    ps = [T(getattr(cell, n).data) for n in names]
    h1, c1 = cell(T(x), (T(h), T(c)))
    ref = lstm_ref(x, h, c, *[p.data for p in ps], *([0.0, 0.0] if not bias else []))
    np.testing.assert_allclose(h1.data, ref[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c1.data, ref[1], rtol=1e-12, atol=1e-12)

    def run(x_, h_, c_, *ps_):
        return nn.functional_call(cell, dict(zip(names, ps_)), x_, (h_, c_))

    assert gradcheck(run, (T(x), T(h), T(c), *ps))
