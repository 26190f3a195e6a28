"""LayerNorm, GroupNorm, BatchNorm2d and their functional forms: against PyTorch with the same weights (forward,
input and parameter gradients, float64; BatchNorm2d running statistics in train and eval), gradchecks over
hypothesis-drawn shapes, state_dict keys, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import gradcheck, gradgradcheck
from nn import functional as NF

TOL = dict(rtol=1e-9, atol=1e-10)


def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _torch():
    return pytest.importorskip("torch")


def check_against_torch(om, tm, x, seed=0, train_steps=1):
    torch = _torch()
    assert list(om.state_dict()) == list(tm.state_dict())
    assert all(om.state_dict()[k].shape == tuple(v.shape) for k, v in tm.state_dict().items())
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(seed)
    for p, tp in zip(om.parameters(), tm.parameters()):  # non-trivial affine parameters
        v = rng.standard_normal(p.shape)
        p.data[...] = v
        with torch.no_grad():
            tp.copy_(torch.tensor(v))
    for _ in range(train_steps):
        ox, tx = T(x), torch.tensor(x, requires_grad=True)
        y, ty = om(ox), tm(tx)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), **TOL)
        g = rng.standard_normal(y.shape)
        (y * T(g, False)).sum().backward()
        (ty * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), **TOL)
        tp = dict(tm.named_parameters())
        for name, p in om.named_parameters():
            np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), err_msg=name, **TOL)
        om.zero_grad()
        tm.zero_grad()
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(om.state_dict()[k], v.numpy(), err_msg=k, **TOL)


@settings(max_examples=15)
@given(lead=st.lists(st.integers(1, 3), min_size=0, max_size=2),
       norm=st.lists(st.integers(1, 4), min_size=1, max_size=2),
       affine=st.booleans(), bias=st.booleans(), seed=st.integers(0, 999))
def test_layer_norm_against_torch(lead, norm, affine, bias, seed):
    torch = _torch()
    om = nn.LayerNorm(norm, eps=1e-3, elementwise_affine=affine, bias=bias).double()
    tm = torch.nn.LayerNorm(norm, eps=1e-3, elementwise_affine=affine, bias=bias).double()
    x = np.random.default_rng(seed).standard_normal(tuple(lead) + tuple(norm) + (() if lead else ()))
    if x.ndim == len(norm):
        x = x[None]
    check_against_torch(om, tm, x, seed)


@settings(max_examples=15)
@given(n=st.integers(1, 3), groups=st.integers(1, 3), per=st.integers(1, 2),
       spatial=st.lists(st.integers(1, 3), max_size=2),
       affine=st.booleans(), seed=st.integers(0, 999))
def test_group_norm_against_torch(n, groups, per, spatial, affine, seed):
    torch = _torch()
    c = groups * per
    if per * int(np.prod(spatial)) < 2:
        spatial = [2]  # PyTorch refuses groups of a single value (zero variance) in training mode
    om = nn.GroupNorm(groups, c, affine=affine).double()
    tm = torch.nn.GroupNorm(groups, c, affine=affine).double()
    check_against_torch(om, tm, np.random.default_rng(seed).standard_normal((n, c, *spatial)), seed)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm2d_against_torch_train_then_eval(momentum, affine):
    torch = _torch()
    om = nn.BatchNorm2d(3, momentum=momentum, affine=affine).double()
    tm = torch.nn.BatchNorm2d(3, momentum=momentum, affine=affine).double()
    x = np.random.default_rng(0).standard_normal((4, 3, 2, 5)) * 2 + 1
    check_against_torch(om, tm, x, 0, train_steps=3)
    assert int(om.num_batches_tracked.data) == 3
    om.eval()
    tm.eval()
    check_against_torch(om, tm, x[:2] * 0.5, 1)


def test_batch_norm2d_no_running_stats_and_version():
    torch = _torch()
    om = nn.BatchNorm2d(2, track_running_stats=False).double()
    tm = torch.nn.BatchNorm2d(2, track_running_stats=False).double()
    x = np.random.default_rng(1).standard_normal((3, 2, 2, 2))
    om.eval()
    tm.eval()
    check_against_torch(om, tm, x)  # batch statistics even in eval
    bn = nn.BatchNorm2d(2).double()
    v = bn.running_mean._version
    bn(T(x))
    assert bn.running_mean._version > v


def test_batch_norm2d_errors():
    with pytest.raises(am.ShapeError, match=r"\(N, 3, H, W\)"):
        nn.BatchNorm2d(3)(am.Tensor(np.zeros((2, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="more than 1 value"):
        nn.BatchNorm2d(3)(am.Tensor(np.zeros((1, 3, 1, 1), dtype=np.float32)))
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm2d(3, momentum=2)


@settings(max_examples=10)
@given(shape=st.tuples(st.integers(1, 3), st.integers(2, 4)), seed=st.integers(0, 999))
def test_layer_norm_gradcheck_and_second_order(shape, seed):
    rng = np.random.default_rng(seed)
    x, w, b = T(rng.standard_normal(shape)), T(rng.standard_normal(shape[-1:])), T(rng.standard_normal(shape[-1:]))
    f = lambda x_, w_, b_: NF.layer_norm(x_, shape[-1:], w_, b_)  # noqa: E731
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


@settings(max_examples=10)
@given(n=st.integers(1, 2), groups=st.integers(1, 2), hw=st.integers(1, 3), seed=st.integers(0, 999))
def test_group_and_batch_norm_gradcheck(n, groups, hw, seed):
    rng = np.random.default_rng(seed)
    c = 2 * groups
    x, w, b = T(rng.standard_normal((n, c, hw, 2))), T(rng.standard_normal(c)), T(rng.standard_normal(c))
    assert gradcheck(lambda x_, w_, b_: NF.group_norm(x_, groups, w_, b_), (x, w, b))
    assert gradcheck(lambda x_, w_, b_: NF.batch_norm(x_, None, None, w_, b_, training=True), (x, w, b))
    rm, rv = rng.standard_normal(c), rng.random(c) + 0.5
    assert gradcheck(lambda x_, w_, b_: NF.batch_norm(x_, rm, rv, w_, b_, training=False), (x, w, b))


def test_functional_errors():
    with pytest.raises(am.ShapeError, match="normalized_shape"):
        NF.layer_norm(T(np.zeros((2, 3))), (4,))
    with pytest.raises(am.ShapeError, match="divisible"):
        NF.group_norm(T(np.zeros((2, 3, 2))), 2)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(2, 3)
    with pytest.raises(ValueError, match="running_mean"):
        NF.batch_norm(T(np.zeros((2, 3))), None, None, training=False)
