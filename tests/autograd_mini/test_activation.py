"""Activations: forward against PyTorch (or a NumPy reference), gradcheck and gradgradcheck away from kinks,
PyTorch's derivative values at the kinks, extreme values, and the nn modules."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck
from autograd_mini.ops._special import erf as np_erf
from autograd_mini.testing import tensors, valid_axes

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover - torch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def ids(table):
    return [row[0] for row in table]


def _gelu(x):
    return 0.5 * x * (1 + np_erf(x / math.sqrt(2)))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(np.minimum(beta * x, threshold))) / beta)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)

ACTIVATIONS = [
    # name             ours                                      numpy reference                                   values (away from kinks)
    ("gelu",           am.gelu,                                  _gelu,                                            dict(elements=(-6, 6))),
    ("gelu_tanh",      lambda x: am.gelu(x, approximate="tanh"), _gelu_tanh,                                       dict(elements=(-6, 6))),
    ("silu",           am.silu,                                  lambda x: x / (1 + np.exp(-x)),                   dict(elements=(-8, 8))),
    ("softplus",       am.softplus,                              _softplus,                                        dict(elements=(-8, 8))),
    ("softplus_b2_t3", lambda x: am.softplus(x, 2.0, 3.0),       lambda x: _softplus(x, 2.0, 3.0),                 dict(elements=(-4, 4), avoid=1.5, margin=0.05)),
    ("elu",            am.elu,                                   _elu,                                             dict(elements=(-5, 5), avoid=0, margin=0.01)),
    ("elu_a0.5",       lambda x: am.elu(x, 0.5),                 lambda x: _elu(x, 0.5),                           dict(elements=(-5, 5), avoid=0, margin=0.01)),
    ("selu",           am.selu,                                  lambda x: _SELU[1] * _elu(x, _SELU[0]),           dict(elements=(-5, 5), avoid=0, margin=0.01)),
    ("celu_a2",        lambda x: am.celu(x, 2.0),                lambda x: np.where(x > 0, x, 2 * np.expm1(np.minimum(x, 0) / 2)), dict(elements=(-5, 5), avoid=0, margin=0.01)),
    ("mish",           am.mish,                                  lambda x: x * np.tanh(np.log1p(np.exp(x))),       dict(elements=(-8, 8))),
    ("hardtanh",       am.hardtanh,                              lambda x: np.clip(x, -1, 1),                      dict(elements=(-3, 3), avoid=(-1, 1), margin=0.01)),
    ("hardtanh_-2_.5", lambda x: am.hardtanh(x, -2, 0.5),        lambda x: np.clip(x, -2, 0.5),                    dict(elements=(-3, 3), avoid=(-2, 0.5), margin=0.01)),
    ("relu6",          am.relu6,                                 lambda x: np.clip(x, 0, 6),                       dict(elements=(-3, 9), avoid=(0, 6), margin=0.01)),
    ("hardsigmoid",    am.hardsigmoid,                           lambda x: np.clip(x / 6 + 0.5, 0, 1),             dict(elements=(-5, 5), avoid=(-3, 3), margin=0.01)),
    ("hardswish",      am.hardswish,                             lambda x: x * np.clip(x + 3, 0, 6) / 6,           dict(elements=(-5, 5), avoid=(-3, 3), margin=0.01)),
    ("logsigmoid",     am.logsigmoid,                            lambda x: -np.logaddexp(0, -x),                   dict(elements=(-20, 20))),
    ("softsign",       am.softsign,                              lambda x: x / (1 + np.abs(x)),                    dict(avoid=0, margin=0.01)),
]


@pytest.mark.parametrize("name, op, ref, values", ACTIVATIONS, ids=ids(ACTIVATIONS))
@given(data=st.data())
def test_activation(name, op, ref, values, data):
    x = data.draw(tensors(**values), label="x")
    y = op(x)
    assert y.shape == x.shape and y.dtype == x.dtype
    np.testing.assert_allclose(y.numpy(), ref(x.numpy()), rtol=1e-12, atol=1e-15)
    assert gradcheck(op, (x,))
    assert gradgradcheck(op, (x,))


@needs_torch
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_against_torch(approximate):
    x = np.concatenate([np.linspace(-40, 40, 2001), [0.0, -1e-8, 1e-8]])
    for dtype in (np.float32, np.float64):
        t = Tensor(x.astype(dtype), requires_grad=True)
        tt = torch.tensor(x.astype(dtype), requires_grad=True)
        w = np.random.default_rng(0).standard_normal(x.shape).astype(dtype)
        y = am.gelu(t, approximate=approximate)
        yt = TF.gelu(tt, approximate=approximate)
        (y * Tensor(w)).sum().backward()
        (yt * torch.from_numpy(w)).sum().backward()
        # NOTE: float32 atol 1e-5: numpy's float32 tanh(-9.77) is 1 ulp above -1 where torch's is -1, and the
        # tanh form's derivative multiplies that ulp (6e-8) by x * d(inner)/dx (about 20) near x = -5.
        tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **tol)
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), **tol)


def test_gelu_bad_approximate_names_the_op():
    with pytest.raises(ValueError, match="gelu"):
        am.gelu(Tensor([1.0]), approximate="fast")


TORCH_NAMES = [
    # name          ours                                    torch                                           domain
    ("silu",        am.silu,                                lambda t: TF.silu(t),                           (-30, 30)),
    ("softplus",    am.softplus,                            lambda t: TF.softplus(t),                       (-60, 60)),
    ("softplus_b",  lambda x: am.softplus(x, 0.5, 5.0),     lambda t: TF.softplus(t, 0.5, 5.0),             (-60, 60)),
    ("elu",         lambda x: am.elu(x, 0.7),               lambda t: TF.elu(t, 0.7),                       (-30, 30)),
    ("selu",        am.selu,                                lambda t: TF.selu(t),                           (-30, 30)),
    ("celu",        lambda x: am.celu(x, 1.5),              lambda t: TF.celu(t, 1.5),                      (-30, 30)),
    ("mish",        am.mish,                                lambda t: TF.mish(t),                           (-30, 30)),
    ("hardtanh",    lambda x: am.hardtanh(x, -2.0, 3.0),    lambda t: TF.hardtanh(t, -2.0, 3.0),            (-6, 6)),
    ("relu6",       am.relu6,                               lambda t: TF.relu6(t),                          (-9, 9)),
    ("hardsigmoid", am.hardsigmoid,                         lambda t: TF.hardsigmoid(t),                    (-6, 6)),
    ("hardswish",   am.hardswish,                           lambda t: TF.hardswish(t),                      (-6, 6)),
    ("logsigmoid",  am.logsigmoid,                          lambda t: TF.logsigmoid(t),                     (-800, 800)),
    ("softsign",    am.softsign,                            lambda t: TF.softsign(t),                       (-30, 30)),
]


@needs_torch
@pytest.mark.parametrize("name, ours, theirs, domain", TORCH_NAMES, ids=ids(TORCH_NAMES))
def test_activation_against_torch_including_kinks(name, ours, theirs, domain):
    # NOTE: the grid holds every kink exactly (0, +-3, 6, the hardtanh bounds, the softplus threshold), where the
    # derivative must be PyTorch's convention
    kinks = [0.0, -3.0, 3.0, 6.0, -2.0, 1.0, -1.0, 10.0, 20.0, 40.0, -0.0]
    x = np.concatenate([np.linspace(*domain, 401), kinks])
    w = np.random.default_rng(5).standard_normal(x.shape)
    qx = torch.tensor(x, requires_grad=True)
    yt = theirs(qx)
    (yt * torch.from_numpy(w)).sum().backward()
    for dtype in (np.float64, np.float32):
        t = Tensor(x.astype(dtype), requires_grad=True)
        y = ours(t)
        (y * Tensor(w.astype(dtype))).sum().backward()
        assert y.dtype == dtype and t.grad.dtype == dtype
        if dtype == np.float64:
            # NOTE: PyTorch's hardsigmoid backward multiplies by a float32 1/6 even in float64 (3e-8 relative)
            tol = dict(rtol=1e-7 if name == "hardsigmoid" else 1e-12, atol=1e-300)
        else:  # NOTE: against PyTorch's float64 (the truth): a few float32 ulps of the largest value
            tol = dict(rtol=1e-6, atol=1e-6 * max(np.abs(yt.detach().numpy()).max(), 1))
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **tol)
        np.testing.assert_allclose(t.grad.numpy(), qx.grad.numpy(), **tol)


@needs_torch
def test_derivatives_at_kinks_are_pytorchs():
    def grad_of(fn, v):
        t = Tensor(np.array([v]), requires_grad=True)
        fn(t).sum().backward()
        return t.grad.item()

    assert grad_of(am.relu6, 6.0) == 0.0 and grad_of(am.relu6, 0.0) == 0.0
    assert grad_of(am.hardtanh, 1.0) == 0.0 and grad_of(am.hardtanh, -1.0) == 0.0
    assert grad_of(am.hardsigmoid, 3.0) == 0.0 and grad_of(am.hardsigmoid, -3.0) == 0.0
    assert grad_of(am.hardswish, -3.0) == 0.0 and grad_of(am.hardswish, 3.0) == 1.0  # PyTorch 2 (1.x: -0.5, 1.5)
    assert grad_of(am.hardswish, -2.9) == pytest.approx(-2.9 / 3 + 0.5)
    assert grad_of(lambda x: am.elu(x, 0.7), 0.0) == pytest.approx(0.7)
    assert grad_of(lambda x: am.celu(x, 2.0), 0.0) == 1.0
    assert grad_of(am.softplus, 20.0) == pytest.approx(1 / (1 + math.exp(-20)))  # not above: log1p branch
    assert grad_of(am.softplus, 20.5) == 1.0


def test_extreme_values_are_finite_and_accurate():
    x = Tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]), requires_grad=True)
    for fn in (am.softplus, am.logsigmoid, am.silu, am.mish, am.gelu, am.elu, am.selu, am.celu, am.softsign):
        y = fn(x)
        (y * Tensor(np.arange(1.0, 6.0))).sum().backward()
        assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad.numpy())), fn.__name__
        x.grad = None
    np.testing.assert_allclose(am.logsigmoid(Tensor(np.array([-1000.0, 50.0]))).numpy(), [-1000.0, -math.exp(-50)],
                               rtol=1e-15)
    assert am.gelu(Tensor(np.array([-10.0]))).item() == pytest.approx(-10 * 0.5 * math.erfc(10 / math.sqrt(2)), rel=1e-13)


@pytest.mark.parametrize("name, fn", [("softmin", am.softmin), ("softmax", am.softmax), ("log_softmax", am.log_softmax)])
@given(x=tensors(min_dims=1, max_dims=3), data=st.data())
def test_softmax_family_dim_alias_and_gradients(name, fn, x, data):
    axis = data.draw(valid_axes(x.ndim, single=True), label="axis")
    sign = -1.0 if name == "softmin" else 1.0
    z = sign * x.numpy()
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    soft = e / e.sum(axis=axis, keepdims=True)
    ref = np.log(soft) if name == "log_softmax" else soft
    np.testing.assert_allclose(fn(x, dim=axis).numpy(), ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fn(x, axis).numpy(), ref, rtol=1e-12, atol=1e-15)
    assert gradcheck(lambda t: fn(t, dim=axis), (x,))
    assert gradgradcheck(lambda t: fn(t, dim=axis), (x,))


def test_softmax_dim_and_axis_together_raise():
    with pytest.raises(TypeError, match="softmax"):
        am.softmax(Tensor([1.0, 2.0]), 0, dim=0)
    assert Tensor(np.ones((2, 3))).softmax(dim=0).shape == (2, 3)
    assert Tensor(0.5).softmax().item() == 1.0 and Tensor(0.5).log_softmax().item() == 0.0


@needs_torch
def test_float32_softmax_at_large_logits_matches_torch():
    x = np.array([[-1e4, 1e4 + 0.5, 1e4 + 1], [1e4, 1e4 - 1, 3.0], [0.1, 0.2, 0.3]], dtype=np.float32)
    w = np.random.default_rng(6).standard_normal(x.shape).astype(np.float32)
    t, qt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = am.softmax(t), torch.softmax(qt, -1)
    (y * Tensor(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=2e-7, atol=1e-30)
    np.testing.assert_allclose(y.numpy().sum(-1), 1.0, rtol=2e-7)
    np.testing.assert_allclose(t.grad.numpy(), qt.grad.numpy(), rtol=1e-6, atol=1e-7)
    ls, lst = am.log_softmax(Tensor(x)), torch.log_softmax(torch.from_numpy(x), -1)
    np.testing.assert_allclose(ls.numpy(), lst.numpy(), rtol=1e-6, atol=1e-6)
    sm = am.softmin(Tensor(x), dim=1)
    np.testing.assert_allclose(sm.numpy(), TF.softmin(torch.from_numpy(x), dim=1).numpy(), rtol=2e-7, atol=1e-30)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
@given(data=st.data())
def test_normalize(p, data):
    x = data.draw(tensors(min_dims=2, max_dims=3, elements=(-3, 3), avoid=0, margin=0.05), label="x")
    dim = data.draw(valid_axes(x.ndim, single=True), label="dim")
    a = np.abs(x.numpy())
    norm = a.max(axis=dim, keepdims=True) if p == math.inf else (a ** p).sum(axis=dim, keepdims=True) ** (1 / p)
    np.testing.assert_allclose(am.normalize(x, p, dim).numpy(), x.numpy() / np.maximum(norm, 1e-12), rtol=1e-12)
    if p == math.inf:
        return  # NOTE: max has ties between |x| values; its gradient is tested with max itself
    assert gradcheck(lambda t: am.normalize(t, p, dim), (x,))
    if p == 2.0:
        assert gradgradcheck(lambda t: am.normalize(t, p, dim), (x,))


@needs_torch
def test_normalize_zero_rows_and_torch():
    x = np.array([[0.0, 0.0, 0.0], [3.0, -4.0, 0.0], [1e-14, 0.0, 0.0]])
    for p in (2.0, 1.0):
        t, qt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        w = np.arange(9.0).reshape(3, 3)
        y, yt = am.normalize(t, p, 1), TF.normalize(qt, p, 1)
        (y * Tensor(w)).sum().backward()
        (yt * torch.from_numpy(w)).sum().backward()
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(t.grad.numpy(), qt.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="normalize"):
        am.normalize(Tensor(x), 2.0, 5)


def test_activation_errors_name_the_op():
    with pytest.raises(ValueError, match="hardtanh"):
        am.hardtanh(Tensor([1.0]), 2.0, 1.0)
    with pytest.raises(ValueError, match="celu"):
        am.celu(Tensor([1.0]), 0.0)
    with pytest.raises(ValueError, match="normalize"):
        am.normalize(Tensor([1.0]), p=0)


# ***** nn modules *****

import nn  # noqa: E402

MODULES = [
    (nn.GELU(), am.gelu, "GELU(approximate='none')"),
    (nn.GELU("tanh"), lambda x: am.gelu(x, "tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), am.silu, "SiLU()"),
    (nn.Softplus(2.0, 10.0), lambda x: am.softplus(x, 2.0, 10.0), "Softplus(beta=2.0, threshold=10.0)"),
    (nn.ELU(0.5), lambda x: am.elu(x, 0.5), "ELU(alpha=0.5)"),
    (nn.SELU(), am.selu, "SELU()"),
    (nn.CELU(2.0), lambda x: am.celu(x, 2.0), "CELU(alpha=2.0)"),
    (nn.Mish(), am.mish, "Mish()"),
    (nn.Hardswish(), am.hardswish, "Hardswish()"),
    (nn.Hardsigmoid(), am.hardsigmoid, "Hardsigmoid()"),
    (nn.ReLU6(), am.relu6, "ReLU6()"),
    (nn.Hardtanh(-2.0, 2.0), lambda x: am.hardtanh(x, -2.0, 2.0), "Hardtanh(min_val=-2.0, max_val=2.0)"),
    (nn.LogSigmoid(), am.logsigmoid, "LogSigmoid()"),
    (nn.Softsign(), am.softsign, "Softsign()"),
    (nn.Softmin(dim=0), lambda x: am.softmin(x, dim=0), "Softmin(dim=0)"),
]


@pytest.mark.parametrize("module, fn, text", MODULES, ids=[m[2] for m in MODULES])
def test_modules_apply_their_function(module, fn, text):
    x = Tensor(np.linspace(-4, 4, 12).reshape(3, 4), requires_grad=True)
    np.testing.assert_array_equal(module(x).numpy(), fn(x).numpy())
    assert repr(module) == text
    assert module(x).requires_grad and list(module.parameters()) == []


@needs_torch
def test_module_reprs_match_torch():
    pairs = [(nn.GELU("tanh"), torch.nn.GELU("tanh")), (nn.Softplus(), torch.nn.Softplus()), (nn.ELU(), torch.nn.ELU()),
             (nn.Hardtanh(), torch.nn.Hardtanh()), (nn.ReLU6(), torch.nn.ReLU6()), (nn.SiLU(), torch.nn.SiLU()),
             (nn.Softmin(1), torch.nn.Softmin(1)), (nn.CELU(), torch.nn.CELU())]
    for ours, theirs in pairs:
        assert type(ours).__name__ == type(theirs).__name__


def test_functions_are_in_nn_functional():
    for name in ("gelu", "silu", "softplus", "elu", "selu", "celu", "mish", "hardswish", "hardsigmoid", "relu6",
                 "hardtanh", "logsigmoid", "softsign", "softmin", "normalize", "one_hot"):
        assert getattr(nn.functional, name) is getattr(am, name)
