"""Embedding and nn.functional.embedding: lookups, scatter-add gradients (repeated indices add up), padding_idx
(zero row, no gradient), against PyTorch, gradcheck, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import gradcheck, gradgradcheck
from nn import functional as NF


def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


@given(num=st.integers(1, 5), dim=st.integers(1, 3), idx_shape=st.lists(st.integers(0, 3), max_size=2),
       seed=st.integers(0, 999))
def test_lookup_and_scatter_add_gradient(num, dim, idx_shape, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((num, dim))
    idx = rng.integers(0, num, size=tuple(idx_shape))
    y = NF.embedding(idx, T(w))
    np.testing.assert_array_equal(y.data, w[idx])
    assert gradcheck(lambda w_: NF.embedding(idx, w_), (T(w),))
    assert gradgradcheck(lambda w_: NF.embedding(idx, w_), (T(w),))
    g = rng.standard_normal(y.shape)
    wt = T(w)
    (NF.embedding(idx, wt) * T(g, False)).sum().backward()
    expected = np.zeros_like(w)
    np.add.at(expected, idx, g)  # repeated indices add up
    np.testing.assert_allclose(wt.grad.data, expected, rtol=1e-12, atol=1e-12)


def test_padding_idx_zero_row_and_no_gradient():
    am.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=-1).double()
    assert emb.padding_idx == 4
    np.testing.assert_array_equal(emb.weight.data[4], 0.0)
    emb.weight.data[4] = 7.0  # a changed padding row is still looked up as it is (as PyTorch)
    idx = np.array([[0, 4, 4], [4, 1, 0]])
    y = emb(idx)
    np.testing.assert_array_equal(y.data[0, 1], 7.0)
    (y * T(np.random.default_rng(0).standard_normal(y.shape), False)).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[4], 0.0)
    assert np.abs(emb.weight.grad.data[0]).min() > 0
    np.testing.assert_array_equal(emb.weight.grad.data[2:4], 0.0)


def test_against_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = torch.nn.Embedding(6, 4, padding_idx=2).double()
    om = nn.Embedding(6, 4, padding_idx=2).double()
    assert list(om.state_dict()) == list(tm.state_dict()) == ["weight"]
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    idx = np.random.default_rng(0).integers(0, 6, size=(3, 5))
    y, ty = om(idx), tm(torch.tensor(idx))
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    g = np.random.default_rng(1).standard_normal(y.shape)
    (y * T(g, False)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(om.weight.grad.data, tm.weight.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_init_from_pretrained_and_errors():
    am.manual_seed(0)
    w = nn.Embedding(2000, 8).weight.data
    assert abs(w.mean()) < 0.05 and abs(w.std() - 1) < 0.05  # N(0, 1), as PyTorch
    pre = nn.Embedding.from_pretrained(np.arange(6.0).reshape(3, 2))
    assert not pre.weight.requires_grad
    np.testing.assert_array_equal(pre(np.array([2, 0])).data, [[4, 5], [0, 1]])
    assert nn.Embedding.from_pretrained(np.ones((3, 2)), freeze=False).weight.requires_grad
    emb = nn.Embedding(3, 2)
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        emb(np.array([0, 3]))
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    assert emb(am.Tensor(np.array([1, 2]))).shape == (2, 2)


def test_pytorch_argument_order_and_unsupported_options():
    emb = nn.Embedding(4, 2, None, None, 2.0, False, False, np.ones((4, 2)), True)  # ..., _weight, _freeze
    assert not emb.weight.requires_grad
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(4, 2, max_norm=1.0)
    with pytest.raises(NotImplementedError, match="sparse"):
        NF.embedding(np.array([0]), T(np.ones((2, 2))), sparse=True)
