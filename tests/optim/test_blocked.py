"""optim._blocked: the in-place update in blocks rounds exactly as the one-line update it replaces."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from optim import SGD, Momentum, _blocked


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(_blocked, "_BLOCK_BYTES", 64)  # 16 float32 or 8 float64 elements per block


@given(n=st.integers(1, 70), dtype=st.sampled_from([np.float32, np.float64]), a=st.floats(-10, 10),
       seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60)
def test_blocks_round_exactly_as_the_one_line_update(n, dtype, a, seed):
    rng = np.random.default_rng(seed)
    p = rng.standard_normal((n, 3)).astype(dtype)
    g = rng.standard_normal((n, 3)).astype(dtype)
    expected = p.copy()
    expected -= a * g
    old = _blocked._BLOCK_BYTES
    _blocked._BLOCK_BYTES = 64
    try:
        scratch = {}
        _blocked.sub_scaled_(p, a, g, scratch)
    finally:
        _blocked._BLOCK_BYTES = old
    np.testing.assert_array_equal(p, expected)
    assert all(b.size == 64 // np.dtype(dtype).itemsize for b in scratch.values())
    assert bool(scratch) == (p.size * p.itemsize > 64)  # blocks only above one block


@pytest.mark.usefixtures("small_blocks")
def test_non_contiguous_or_mixed_operands_take_the_one_line_update():
    rng = np.random.default_rng(0)
    for make_g in (lambda g: np.asfortranarray(g), lambda g: g.astype(np.float64)):
        p = rng.standard_normal((12, 5)).astype(np.float32)
        g = make_g(rng.standard_normal((12, 5)).astype(np.float32))
        expected = p.copy()
        expected -= 0.1 * g
        scratch = {}
        _blocked.sub_scaled_(p, 0.1, g, scratch)
        np.testing.assert_array_equal(p, expected)
        assert scratch == {}


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.05), lambda ps: Momentum(ps, lr=0.05, nesterov=True)])
def test_sgd_on_a_large_parameter_matches_the_formula_exactly(make):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((300, 200)).astype(np.float32)  # 240 KB: updated in blocks
    w = am.Tensor(w0.copy(), requires_grad=True)
    opt = make([w])
    b = None
    expected = w0.copy()
    for _ in range(3):
        g = rng.standard_normal(w0.shape).astype(np.float32)
        w.grad = am.Tensor(g)
        opt.step()
        if opt.defaults["momentum"]:
            b = g.copy() if b is None else b * np.float32(0.9) + g
            expected -= 0.05 * (g + np.float32(0.9) * b)
        else:
            expected -= 0.05 * g
    np.testing.assert_array_equal(w.data, expected)
