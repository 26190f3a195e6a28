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


ACTIVATIONS = [
    # name             ours                                   numpy reference        values (away from kinks)
    ("gelu",           am.gelu,                               _gelu,                 dict(elements=(-6, 6))),
    ("gelu_tanh",      lambda x: am.gelu(x, approximate="tanh"), _gelu_tanh,         dict(elements=(-6, 6))),
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
