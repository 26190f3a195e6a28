"""RNN, LSTM, GRU and GRUCell: PyTorch's parameter names, shapes and equations (forward, input, state and
every parameter gradient against torch with the same weights, float64), gradchecks, layouts and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import gradcheck, gradgradcheck

TOL = dict(rtol=1e-9, atol=1e-10)


def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def gru_ref(x, h, w_ih, w_hh, b_ih, b_hh):
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    H = h.shape[-1]
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h


@given(n=st.integers(1, 3), n_in=st.integers(1, 3), n_h=st.integers(1, 3), seed=st.integers(0, 2**31))
def test_gru_cell_equations_and_gradcheck(n, n_in, n_h, seed):
    am.manual_seed(seed)
    cell = nn.GRUCell(n_in, n_h).double()
    assert cell.weight_ih.shape == (3 * n_h, n_in) and cell.weight_hh.shape == (3 * n_h, n_h)
    rng = np.random.default_rng(seed)
    x, h = rng.standard_normal((n, n_in)), rng.standard_normal((n, n_h))
    ps = [cell.weight_ih.data, cell.weight_hh.data, cell.bias_ih.data, cell.bias_hh.data]
    np.testing.assert_allclose(cell(T(x), T(h)).data, gru_ref(x, h, *ps), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cell(T(x)).data, gru_ref(x, 0 * h, *ps), rtol=1e-12, atol=1e-12)
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert gradcheck(lambda x_, h_, *p_: nn.functional_call(cell, dict(zip(names, p_)), x_, h_),
                     (T(x), T(h), *[T(p) for p in ps]))


def test_gru_cell_gate_order_is_r_z_n():
    cell = nn.GRUCell(1, 1).double()
    for p in cell.parameters():
        p.data[...] = 0.0
    cell.bias_ih.data[1] = 50.0  # z = 1: the state is kept
    np.testing.assert_allclose(cell(T([[3.0]]), T([[0.25]])).data, [[0.25]])


def expected_names(num_layers, bidirectional, bias=True):
    names = []
    for layer in range(num_layers):
        for suffix in ("", "_reverse")[: 2 if bidirectional else 1]:
            names += [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
            if bias:
                names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
    return names


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_parameter_names_shapes_and_init(kind):
    m = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True)
    assert [k for k, _ in m.named_parameters()] == expected_names(2, True)
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    assert m.weight_ih_l0.shape == (gates * 5, 3)
    assert m.weight_ih_l1_reverse.shape == (gates * 5, 10)
    assert m.weight_hh_l1.shape == (gates * 5, 5) and m.bias_hh_l0_reverse.shape == (gates * 5,)
    bound = 1 / np.sqrt(5)
    values = np.concatenate([p.data.ravel() for p in m.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.95 * bound  # U(-bound, bound)
    assert abs(values.mean()) < 0.1 * bound
    assert [k for k, _ in getattr(nn, kind)(3, 5, bias=False).named_parameters()] == expected_names(1, False, False)


torch = None


def _torch():
    global torch
    torch = pytest.importorskip("torch")
    return torch


def compare_with_torch(kind, num_layers, bidirectional, batch_first, with_state, seed, n=2, steps=4, n_in=3, hidden=3,
                       extra=None, unbatched=False):
    torch = _torch()
    extra = extra or {}
    torch.manual_seed(seed)
    tm = getattr(torch.nn, kind)(n_in, hidden, num_layers=num_layers, bidirectional=bidirectional,
                                 batch_first=batch_first, **extra).double()
    om = getattr(nn, kind)(n_in, hidden, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                           **extra).double()
    assert list(om.state_dict()) == list(tm.state_dict())
    assert all(om.state_dict()[k].shape == tuple(v.shape) for k, v in tm.state_dict().items())
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(seed)
    shape = (steps, n_in) if unbatched else ((n, steps, n_in) if batch_first else (steps, n, n_in))
    x = rng.standard_normal(shape)
    D = 2 if bidirectional else 1
    sshape = (num_layers * D, hidden) if unbatched else (num_layers * D, n, hidden)
    states = [rng.standard_normal(sshape) for _ in range(2 if kind == "LSTM" else 1)] if with_state else None
    ox, tx = T(x), torch.tensor(x, requires_grad=True)
    os_ = [T(s) for s in states] if states else None
    ts_ = [torch.tensor(s, requires_grad=True) for s in states] if states else None
    if kind == "LSTM":
        y, (hn, cn) = om(ox, tuple(os_) if os_ else None)
        ty, (thn, tcn) = tm(tx, tuple(ts_) if ts_ else None)
        outs, touts = [y, hn, cn], [ty, thn, tcn]
    else:
        y, hn = om(ox, os_[0] if os_ else None)
        ty, thn = tm(tx, ts_[0] if ts_ else None)
        outs, touts = [y, hn], [ty, thn]
    loss, tloss = 0, 0
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o.data, t.detach().numpy(), **TOL)
        w = rng.standard_normal(o.shape)
        loss = loss + (o * T(w, False)).sum()
        tloss = tloss + (t * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)
    for o, t in zip(os_ or [], ts_ or []):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), **TOL)
    tp = dict(tm.named_parameters())
    for name, p in om.named_parameters():
        np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), err_msg=name, **TOL)


@settings(max_examples=12)
@given(kind=st.sampled_from(["RNN", "LSTM", "GRU"]), num_layers=st.integers(1, 2), bidirectional=st.booleans(),
       batch_first=st.booleans(), with_state=st.booleans(), seed=st.integers(0, 999))
def test_against_torch(kind, num_layers, bidirectional, batch_first, with_state, seed):
    compare_with_torch(kind, num_layers, bidirectional, batch_first, with_state, seed)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_two_layer_bidirectional_against_torch(kind, batch_first):
    compare_with_torch(kind, 2, True, batch_first, True, 3, n=3, steps=5, n_in=4, hidden=3)


def test_rnn_relu_no_bias_and_unbatched_against_torch():
    compare_with_torch("RNN", 2, True, False, True, 1, extra=dict(nonlinearity="relu", bias=False))
    compare_with_torch("GRU", 2, True, True, True, 2, unbatched=True)
    compare_with_torch("LSTM", 1, False, False, False, 2, unbatched=True)


def test_dropout_between_layers_train_and_eval():
    am.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    x = T(np.random.default_rng(0).standard_normal((5, 2, 3)), False)
    m.eval()
    y1, _ = m(x)
    y2, _ = m(x)
    np.testing.assert_array_equal(y1.data, y2.data)
    m.train()
    y3, _ = m(x)
    assert not np.allclose(y3.data, y1.data)
    single = nn.LSTM(3, 4, num_layers=1, dropout=0.5).double()
    single.load_state_dict({k: v for k, v in m.state_dict().items() if k.endswith("l0")})
    np.testing.assert_array_equal(single(x)[0].data, single.eval()(x)[0].data)  # no dropout after the last layer


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck_small_bidirectional(kind):
    am.manual_seed(1)
    m = getattr(nn, kind)(2, 2, num_layers=2, bidirectional=True, batch_first=True).double()
    names = [k for k, _ in m.named_parameters()]
    x = T(np.random.default_rng(1).standard_normal((2, 3, 2)))

    def f(x_, *ps):
        y, state = nn.functional_call(m, dict(zip(names, ps)), x_)
        return y

    assert gradcheck(f, (x, *[T(p.data) for p in m.parameters()]))


def test_errors():
    m = nn.LSTM(3, 4)
    with pytest.raises(am.ShapeError, match="input_size = 3"):
        m(am.Tensor(np.zeros((5, 2, 2), dtype=np.float32)))
    with pytest.raises(am.ShapeError, match="h_0"):
        m(am.Tensor(np.zeros((5, 2, 3), dtype=np.float32)),
          (am.Tensor(np.zeros((2, 2, 4), dtype=np.float32)), am.Tensor(np.zeros((1, 2, 4), dtype=np.float32))))
    with pytest.raises(TypeError, match="h_0, c_0"):
        m(am.Tensor(np.zeros((5, 2, 3), dtype=np.float32)), am.Tensor(np.zeros((1, 2, 4), dtype=np.float32)))
    with pytest.raises(TypeError, match="dtype"):
        m(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="num_layers"):
        nn.GRU(3, 4, num_layers=0)


def test_argument_order_as_pytorch():
    m = nn.LSTM(3, 4, 2, False, True, 0.0, True)  # num_layers, bias, batch_first, dropout, bidirectional
    assert m.num_layers == 2 and not m.bias and m.batch_first and m.bidirectional
    r = nn.RNN(3, 4, 1, "relu", True, True)
    assert r.nonlinearity == "relu" and r.batch_first
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)


@pytest.mark.parametrize("kind", ["GRUCell", "LSTM"])
def test_second_order(kind):
    am.manual_seed(2)
    m = (nn.GRUCell(2, 2) if kind == "GRUCell" else nn.LSTM(2, 2)).double()
    names = [k for k, _ in m.named_parameters()]
    x = T(np.random.default_rng(2).standard_normal((2, 2) if kind == "GRUCell" else (2, 1, 2)))

    def f(x_, *ps):
        y = nn.functional_call(m, dict(zip(names, ps)), x_)
        return y if kind == "GRUCell" else y[0]

    assert gradgradcheck(f, (x, *[T(p.data) for p in m.parameters()]))
