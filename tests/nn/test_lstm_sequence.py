"""nn.LSTM (one ops.LSTMLayer node per layer and direction) against PyTorch in float64, same weights: outputs and
every gradient, with and without bias, uni- and bidirectional, 1-2 layers, batch_first, the gradient reaching
the model through the output only, h_n only or c_n only."""
import numpy as np
import pytest

import autograd_mini as am
import nn

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-9, atol=1e-11)


def models(num_layers, bidirectional, batch_first, bias, seed, n_in=3, hidden=4):
    torch.manual_seed(seed)
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    tm = torch.nn.LSTM(n_in, hidden, **kw).double()
    om = nn.LSTM(n_in, hidden, **kw).double()
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    return om, tm


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("through", ["output", "h_n", "c_n"])
def test_outputs_and_gradients_against_torch(num_layers, bidirectional, batch_first, bias, through):
    seed = 7 * num_layers + 3 * bidirectional + batch_first
    om, tm = models(num_layers, bidirectional, batch_first, bias, seed)
    rng = np.random.default_rng(seed)
    T, n, D = 5, 3, 2 if bidirectional else 1
    x = rng.standard_normal((n, T, 3) if batch_first else (T, n, 3))
    h0, c0 = rng.standard_normal((2, num_layers * D, n, 4))
    ox, oh, oc = (am.Tensor(v, requires_grad=True) for v in (x, h0, c0))
    tx, th, tc = (torch.tensor(v, requires_grad=True) for v in (x, h0, c0))
    y, (h_n, c_n) = om(ox, (oh, oc))
    ty, (th_n, tc_n) = tm(tx, (th, tc))
    for a, b in ((y, ty), (h_n, th_n), (c_n, tc_n)):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.data, b.detach().numpy(), **TOL)
    k = ["output", "h_n", "c_n"].index(through)
    w = rng.standard_normal((y, h_n, c_n)[k].shape)
    ((y, h_n, c_n)[k] * am.Tensor(w)).sum().backward()
    ((ty, th_n, tc_n)[k] * torch.tensor(w)).sum().backward()
    for a, b in ((ox, tx), (oh, th), (oc, tc)):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), **TOL)
    tp = dict(tm.named_parameters())
    for name, p in om.named_parameters():
        if tp[name].grad is None:  # e.g. the last layer's reverse weights do not reach h_n of layer 0 only
            assert p.grad is None or not np.any(p.grad.data), name
        else:
            np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), err_msg=name, **TOL)


def test_one_node_per_layer_and_direction():
    om, _ = models(2, True, True, True, 0)
    y, (h_n, c_n) = om(am.Tensor(np.zeros((2, 6, 3)), requires_grad=True))
    nodes = {id(t.grad_fn): t.grad_fn.name for t in am.iter_graph([y, h_n, c_n]) if t.grad_fn is not None}
    names = sorted(nodes.values())
    assert names.count("LSTMLayer") == 4 and len(names) <= 18, names  # + concatenations, stacks, transposes


def test_second_order_against_torch():
    om, tm = models(2, True, False, True, 3)
    x = np.random.default_rng(3).standard_normal((4, 2, 3))
    ox, tx = am.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (g,) = am.grad((om(ox)[0] ** 2).sum(), [ox], create_graph=True)
    (tg,) = torch.autograd.grad((tm(tx)[0] ** 2).sum(), [tx], create_graph=True)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), **TOL)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    tp = dict(tm.named_parameters())
    for name, p in om.named_parameters():
        np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), err_msg=name, rtol=1e-8, atol=1e-10)
