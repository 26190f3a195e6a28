"""Elementwise math: forward against NumPy/math/PyTorch, gradcheck and gradgradcheck, dtypes, and the defects of
issue 14 (pow's gradient at zero, Python numbers that raised the precision)."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck
from autograd_mini.ops._special import erf as np_erf, erfc as np_erfc
from autograd_mini.testing import tensors

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def ids(table):
    return [row[0] for row in table]


def check(fn, inputs, expected, second_order=True, rtol=1e-12, atol=1e-14):
    y = fn(*inputs)
    expected = np.asarray(expected)
    assert y.shape == expected.shape and y.dtype == expected.dtype
    np.testing.assert_allclose(y.numpy(), expected, rtol=rtol, atol=atol)
    assert gradcheck(fn, inputs)
    if second_order:
        assert gradgradcheck(fn, inputs)


# ***** erf: accuracy of the numpy implementation *****


def _dense_grid():
    rng = np.random.default_rng(1)
    return np.concatenate([
        np.linspace(-7, 7, 60001), rng.uniform(-6, 6, 40000), rng.standard_normal(2000) * 1e-4,
        [0.0, -0.0, 1e-300, -5e-324, 0.84375, -0.84375, 1.25, -1.25, 1 / 0.35, 6.0, -6.0, 27.9],
    ])


@pytest.mark.parametrize("ours, ref, max_ulp", [(np_erf, math.erf, 1), (np_erfc, math.erfc, 4)], ids=["erf", "erfc"])
def test_erf_float64_accuracy_against_math(ours, ref, max_ulp):
    x = _dense_grid()
    expected = np.array([ref(v) for v in x])
    got = ours(x)
    nonzero = expected != 0
    ulps = np.abs(got - expected)[nonzero] / np.spacing(np.abs(expected[nonzero]))
    assert ulps.max() <= max_ulp
    assert np.max(np.abs(got - expected)[nonzero] / np.abs(expected[nonzero])) < 1e-15
    assert np.all(got[~nonzero] == 0)


def test_erf_special_values_and_dtypes():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 30.0, -30.0])
    np.testing.assert_array_equal(np_erf(x), [1, -1, np.nan, 0, -0.0, 1, -1])
    np.testing.assert_array_equal(np_erfc(x), [0, 2, np.nan, 1, 1, 0, 2])
    assert np.signbit(np_erf(np.array([-0.0])))[0]
    assert np_erf(np.zeros(3, np.float32)).dtype == np.float32
    assert am.erf(Tensor([1, 2])).dtype == am.get_default_dtype()  # integers: the default float dtype
    assert am.erfc(10.0).item() == pytest.approx(2.088487583762545e-45, rel=1e-6)  # 1 - erf(10) would be 0


@needs_torch
def test_erf_against_torch():
    x = _dense_grid()
    for dtype, rtol in ((np.float64, 1e-14), (np.float32, 2e-7)):
        xd = x.astype(dtype)
        for ours, theirs in ((am.erf, torch.erf), (am.erfc, torch.erfc)):
            got = ours(Tensor(xd)).numpy()
            want = theirs(torch.from_numpy(xd)).numpy()
            assert got.dtype == dtype
            np.testing.assert_allclose(got, want, rtol=rtol, atol=np.finfo(dtype).tiny)
