"""Conventions checked against PyTorch (optional oracle): the same weights give the same outputs and gradients
for Linear, Conv2d, MaxPool2d, BatchNorm1d (incl. running statistics), LSTMCell, RNNCell and the losses."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from nn import functional as NF

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-10, atol=1e-10)


def ours(a):
    return am.Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def theirs(a):
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=True)


def copy_params(src_torch, dst):
    """Copy a torch module's parameters and buffers into ours by name (ours converted to float64)."""
    dst.double()
    sd = {k: v.detach().numpy() for k, v in src_torch.state_dict().items() if k != "num_batches_tracked"}
    dst.load_state_dict(sd)


def compare_grads(our_params, torch_params):
    for name, p in our_params.items():
        tp = torch_params[name]
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), err_msg=name, **TOL)


def backward_both(y, ty, seed=0):
    w = np.random.default_rng(seed).standard_normal(ty.shape)
    (y * am.Tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()


@given(n=st.integers(1, 4), n_in=st.integers(1, 5), n_out=st.integers(1, 5), bias=st.booleans(), seed=st.integers(0, 999))
def test_linear(n, n_in, n_out, bias, seed):
    torch.manual_seed(seed)
    tl = torch.nn.Linear(n_in, n_out, bias=bias).double()
    ol = nn.Linear(n_in, n_out, bias=bias)
    assert [k for k, _ in ol.named_parameters()] == [k for k, _ in tl.named_parameters()]
    copy_params(tl, ol)
    x = np.random.default_rng(seed).standard_normal((n, n_in))
    ox, tx = ours(x), theirs(x)
    y, ty = ol(ox), tl(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    backward_both(y, ty, seed)
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)
    compare_grads(dict(ol.named_parameters()), dict(tl.named_parameters()))


@given(
    c=st.integers(1, 3), o=st.integers(1, 3), k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    hw=st.tuples(st.integers(3, 7), st.integers(3, 7)), seed=st.integers(0, 999),
)
def test_conv2d(c, o, k, stride, padding, hw, seed):
    torch.manual_seed(seed)
    tc = torch.nn.Conv2d(c, o, k, stride=stride, padding=padding).double()
    oc = nn.Conv2d(c, o, k, stride=stride, padding=padding)
    copy_params(tc, oc)
    x = np.random.default_rng(seed).standard_normal((2, c) + hw)
    ox, tx = ours(x), theirs(x)
    y, ty = oc(ox), tc(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    backward_both(y, ty, seed)
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)
    compare_grads(dict(oc.named_parameters()), dict(tc.named_parameters()))


@given(k=st.integers(1, 3), stride=st.one_of(st.none(), st.integers(1, 3)), hw=st.tuples(st.integers(3, 7), st.integers(3, 7)),
       seed=st.integers(0, 999))
def test_max_pool2d(k, stride, hw, seed):
    shape = (2, 2) + hw
    x = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.01  # no ties
    ox, tx = ours(x), theirs(x)
    y, ty = nn.MaxPool2d(k, stride)(ox), torch.nn.MaxPool2d(k, stride)(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    backward_both(y, ty, seed)
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6)])
def test_batchnorm1d_train_and_eval(shape):
    torch.manual_seed(0)
    tb = torch.nn.BatchNorm1d(3, momentum=0.2).double()
    with torch.no_grad():
        tb.weight.uniform_(0.5, 2.0)
        tb.bias.uniform_(-1, 1)
    ob = nn.BatchNorm1d(3, momentum=0.2)
    copy_params(tb, ob)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = rng.standard_normal(shape) * 2 + 1
        ox, tx = ours(x), theirs(x)
        y, ty = ob(ox), tb(tx)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
        backward_both(y, ty, step)
        np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)
        np.testing.assert_allclose(ob.running_mean.data, tb.running_mean.numpy(), **TOL)
        np.testing.assert_allclose(ob.running_var.data, tb.running_var.numpy(), **TOL)
    compare_grads(dict(ob.named_parameters()), dict(tb.named_parameters()))
    ob.eval(), tb.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ob(ours(x)).data, tb(theirs(x)).detach().numpy(), **TOL)


@pytest.mark.parametrize("kind", ["lstm", "rnn_tanh", "rnn_relu"])
def test_recurrent_cells(kind):
    torch.manual_seed(0)
    if kind == "lstm":
        tc, oc = torch.nn.LSTMCell(3, 4).double(), nn.LSTMCell(3, 4)
    else:
        act = kind.split("_")[1]
        tc, oc = torch.nn.RNNCell(3, 4, nonlinearity=act).double(), nn.RNNCell(3, 4, act)
    assert [k for k, _ in oc.named_parameters()] == [k for k, _ in tc.named_parameters()]
    copy_params(tc, oc)
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((4, 2, 3))
    h0 = rng.standard_normal((2, 4))
    c0 = rng.standard_normal((2, 4))
    ox, tx = ours(xs), theirs(xs)
    if kind == "lstm":
        os_, ts_ = (ours(h0), ours(c0)), (theirs(h0), theirs(c0))
        for t in range(4):
            os_, ts_ = oc(ox[t], os_), tc(tx[t], ts_)
        y, ty = os_[0] * 2 + os_[1], ts_[0] * 2 + ts_[1]
    else:
        oh, th = ours(h0), theirs(h0)
        for t in range(4):
            oh, th = oc(ox[t], oh), tc(tx[t], th)
        y, ty = oh, th
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    backward_both(y, ty)
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)
    compare_grads(dict(oc.named_parameters()), dict(tc.named_parameters()))


LOSSES = [
    ("mse", lambda x, t, r: NF.mse_loss(x, t, r), lambda x, t, r: torch.nn.functional.mse_loss(x, t, reduction=r)),
    ("bce", lambda x, t, r: NF.binary_cross_entropy(NF.sigmoid(x), t, r),
     lambda x, t, r: torch.nn.functional.binary_cross_entropy(torch.sigmoid(x), t, reduction=r)),
    ("bce_logits", lambda x, t, r: NF.binary_cross_entropy_with_logits(x, t, r),
     lambda x, t, r: torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction=r)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, ours_fn, torch_fn", LOSSES, ids=[row[0] for row in LOSSES])
def test_elementwise_losses(name, ours_fn, torch_fn, reduction):
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 3)) * 3, rng.random((4, 3))
    ox, tx = ours(x), theirs(x)
    y, ty = ours_fn(ox, am.Tensor(t), reduction), torch_fn(tx, torch.tensor(t), reduction)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
    backward_both(y, ty)
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 2)])
def test_cross_entropy_and_nll(reduction, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 3
    t = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    for ours_fn, torch_fn, prep_o, prep_t in [
        (NF.cross_entropy, torch.nn.functional.cross_entropy, lambda a: a, lambda a: a),
        (NF.nll_loss, torch.nn.functional.nll_loss, lambda a: NF.log_softmax(a, axis=1),
         lambda a: torch.log_softmax(a, dim=1)),
    ]:
        ox, tx = ours(x), theirs(x)
        y = ours_fn(prep_o(ox), t, reduction)
        ty = torch_fn(prep_t(tx), torch.tensor(t), reduction=reduction)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
        backward_both(y, ty)
        np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)


def test_bce_clamp_value_matches_torch():
    p = np.array([0.0, 1.0, 1e-50, 0.5])
    t = np.array([1.0, 0.0, 1.0, 1.0])
    y = NF.binary_cross_entropy(ours(p), am.Tensor(t), "none")
    ty = torch.nn.functional.binary_cross_entropy(theirs(p), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(y.data, ty.detach().numpy())


def test_default_init_distributions_match_torch():
    """Same uniform support: with many draws, the largest |value| of ours and of torch's both approach the
    same bound (1/sqrt(fan_in) for Linear/Conv2d, 1/sqrt(hidden) for the cells), and the std is bound/sqrt(3)."""
    am.manual_seed(0)
    torch.manual_seed(0)
    pairs = [
        (nn.Linear(64, 300), torch.nn.Linear(64, 300), 1 / 8),
        (nn.Conv2d(4, 64, 4), torch.nn.Conv2d(4, 64, 4), 1 / 8),
        (nn.LSTMCell(3, 64), torch.nn.LSTMCell(3, 64), 1 / 8),
    ]
    for ours_m, torch_m, bound in pairs:
        for (name, p), (tname, tp) in zip(ours_m.named_parameters(), torch_m.named_parameters()):
            assert name == tname and p.shape == tuple(tp.shape) and p.dtype == np.float32
            for values in (p.data, tp.detach().numpy()):
                assert np.abs(values).max() <= bound
                if values.size > 1000:  # NOTE: P(max < 0.97 bound) = 0.97**1000 ~ 6e-14
                    assert np.abs(values).max() > 0.97 * bound
                    assert values.std() == pytest.approx(bound / np.sqrt(3), rel=0.05)
