"""Losses: values against NumPy formulas for every reduction, gradcheck, stability, validation errors, and the
module forms."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import autograd_mini as am
import nn
from autograd_mini import gradcheck, gradgradcheck
from nn import functional as NF

REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}


def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def log_softmax_ref(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@st.composite
def classification(draw, extra_dims=False):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rest = tuple(draw(st.lists(st.integers(1, 2), max_size=2))) if extra_dims else ()
    logits = draw(arrays(np.float64, (n, c) + rest, elements=st.floats(-5, 5)))
    targets = draw(arrays(np.int64, (n,) + rest, elements=st.integers(0, c - 1)))
    return logits, targets


values = st.floats(-3, 3)


# ----- mse_loss ---------------------------------------------------------------------------------------------------


@given(shape=st.lists(st.integers(1, 3), max_size=3), reduction=st.sampled_from(list(REDUCE)), data=st.data())
def test_mse_loss(shape, reduction, data):
    a = data.draw(arrays(np.float64, tuple(shape), elements=values))
    b = data.draw(arrays(np.float64, tuple(shape), elements=values))
    out = NF.mse_loss(T(a), T(b), reduction)
    np.testing.assert_allclose(out.data, REDUCE[reduction]((a - b) ** 2), rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x, y: NF.mse_loss(x, y, reduction), (T(a), T(b)))
    assert np.array_equal(nn.MSELoss(reduction)(T(a), T(b)).data, out.data)


def test_mse_relation_to_the_quadratic_cost():
    # Nielsen: C = 1/(2n) sum_x ||y(x) - a(x)||^2 with n examples
    rng = np.random.default_rng(0)
    a, y = rng.random((5, 10)), rng.random((5, 10))
    cost = 0.5 * np.sum((y - a) ** 2) / 5
    assert 0.5 * NF.mse_loss(T(a), T(y), "sum").item() / 5 == pytest.approx(cost)
    assert 0.5 * 10 * NF.mse_loss(T(a), T(y)).item() == pytest.approx(cost)


# ----- cross_entropy and nll_loss --------------------------------------------------------------------------


@given(case=classification(), reduction=st.sampled_from(list(REDUCE)))
def test_cross_entropy_is_minus_log_softmax_at_target(case, reduction):
    logits, t = case
    expected = -log_softmax_ref(logits, 1)[np.arange(len(t)), t]
    out = NF.cross_entropy(T(logits), t, reduction)
    np.testing.assert_allclose(out.data, REDUCE[reduction](expected), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda x: NF.cross_entropy(x, t, reduction), (T(logits),))
    np.testing.assert_allclose(NF.nll_loss(NF.log_softmax(T(logits), axis=1), t, reduction).data, out.data)
    assert np.array_equal(nn.CrossEntropyLoss(reduction)(T(logits), t).data, out.data)


@given(case=classification(extra_dims=True), reduction=st.sampled_from(list(REDUCE)))
def test_cross_entropy_with_spatial_dims(case, reduction):
    logits, t = case
    lsm = log_softmax_ref(logits, 1)
    expected = -np.take_along_axis(lsm, t[:, None], axis=1)[:, 0]
    out = NF.cross_entropy(T(logits), t, reduction)
    np.testing.assert_allclose(out.data, REDUCE[reduction](expected), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda x: NF.cross_entropy(x, t, reduction), (T(logits),))


@given(case=classification(), reduction=st.sampled_from(list(REDUCE)))
def test_nll_loss(case, reduction):
    logp, t = case
    out = NF.nll_loss(T(logp), t, reduction)
    np.testing.assert_allclose(out.data, REDUCE[reduction](-logp[np.arange(len(t)), t]), rtol=1e-12)
    assert gradcheck(lambda x: NF.nll_loss(x, t, reduction), (T(logp),))
    assert np.array_equal(nn.NLLLoss(reduction)(T(logp), t).data, out.data)


def test_cross_entropy_repeated_targets_accumulate_and_second_order():
    logits = T(np.random.default_rng(0).standard_normal((4, 3)))
    t = np.array([1, 1, 1, 2])
    assert gradcheck(lambda x: NF.cross_entropy(x, t), (logits,))
    assert gradgradcheck(lambda x: NF.cross_entropy(x, t), (logits,))


def test_cross_entropy_stable_and_unbatched():
    logits = T(np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 1e4]]))
    out = NF.cross_entropy(logits, np.array([0, 1]), reduction="none")
    np.testing.assert_allclose(out.data, [0.0, np.log(2)], atol=1e-12)
    out.sum().backward()
    assert np.isfinite(logits.grad.data).all()
    x = np.array([0.5, 1.5, -1.0])
    assert NF.cross_entropy(T(x), np.int64(1)).item() == pytest.approx(-log_softmax_ref(x, 0)[1])
    assert NF.cross_entropy(am.Tensor(np.zeros((2, 3), dtype=np.float32)), np.array([0, 1])).dtype == np.float32


@pytest.mark.parametrize("loss", [NF.cross_entropy, NF.nll_loss])
def test_class_target_errors(loss):
    name = loss.__name__
    x = T(np.zeros((3, 4)))
    with pytest.raises(IndexError, match=f"{name}: target 4 is out of range for 4 classes"):
        loss(x, np.array([0, 4, 1]))
    with pytest.raises(IndexError, match="target -1"):
        loss(x, np.array([0, -1, 1]))
    with pytest.raises(TypeError, match=f"{name}: targets must be integer class indices, got dtype float64"):
        loss(x, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(am.ShapeError, match=rf"{name}: input of shape \(3, 4\).*targets of shape \(3,\), got \(2,\)"):
        loss(x, np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction"):
        loss(x, np.array([0, 1, 2]), reduction="avg")


# ----- binary cross-entropy ----------------------------------------------------------------------------------


@given(shape=st.lists(st.integers(1, 3), max_size=2), reduction=st.sampled_from(list(REDUCE)), data=st.data())
def test_binary_cross_entropy(shape, reduction, data):
    p = data.draw(arrays(np.float64, tuple(shape), elements=st.floats(0.02, 0.98)))
    t = data.draw(arrays(np.float64, tuple(shape), elements=st.floats(0, 1)))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    out = NF.binary_cross_entropy(T(p), T(t), reduction)
    np.testing.assert_allclose(out.data, REDUCE[reduction](expected), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda x, y: NF.binary_cross_entropy(x, y, reduction), (T(p), T(t)), eps=1e-7)
    assert np.array_equal(nn.BCELoss(reduction)(T(p), T(t)).data, out.data)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    p = T(np.array([0.0, 1.0, 0.0, 1.0]))
    t = T(np.array([1.0, 0.0, 0.0, 1.0]))
    out = NF.binary_cross_entropy(p, t, "none")
    np.testing.assert_array_equal(out.data, [100.0, 100.0, 0.0, 0.0])
    out.sum().backward()
    assert np.isfinite(p.grad.data).all() and np.isfinite(t.grad.data).all()
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        NF.binary_cross_entropy(T([1.5]), T([1.0]))


@given(shape=st.lists(st.integers(1, 3), max_size=2), reduction=st.sampled_from(list(REDUCE)), data=st.data())
def test_binary_cross_entropy_with_logits(shape, reduction, data):
    x = data.draw(arrays(np.float64, tuple(shape), elements=st.floats(-8, 8)))
    t = data.draw(arrays(np.float64, tuple(shape), elements=st.floats(0, 1)))
    p = 1 / (1 + np.exp(-x))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    out = NF.binary_cross_entropy_with_logits(T(x), T(t), reduction)
    np.testing.assert_allclose(out.data, REDUCE[reduction](expected), rtol=1e-9, atol=1e-9)
    # smooth everywhere, even at x = 0 where max(x, 0) and |x| have kinks that cancel
    assert gradcheck(lambda a, b: NF.binary_cross_entropy_with_logits(a, b, reduction), (T(x), T(t)))
    assert np.array_equal(nn.BCEWithLogitsLoss(reduction)(T(x), T(t)).data, out.data)


def test_binary_cross_entropy_with_logits_stable_at_large_logits():
    x = T(np.array([1e4, -1e4, 1e4, -1e4, 0.0]))
    t = T(np.array([1.0, 0.0, 0.0, 1.0, 1.0]))
    out = NF.binary_cross_entropy_with_logits(x, t, "none")
    np.testing.assert_allclose(out.data, [0.0, 0.0, 1e4, 1e4, np.log(2)], atol=1e-12)
    out.sum().backward()
    # d/dx = sigmoid(x) - t
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 1.0, -1.0, -0.5])
    x32 = am.Tensor(np.array([1e4, -1e4], dtype=np.float32))
    assert np.isfinite(NF.binary_cross_entropy_with_logits(x32, np.zeros(2, dtype=np.float32)).data).all()


@pytest.mark.parametrize(
    "loss", [NF.mse_loss, NF.binary_cross_entropy, NF.binary_cross_entropy_with_logits], ids=lambda f: f.__name__
)
def test_shape_mismatch_names_the_loss(loss):
    with pytest.raises(am.ShapeError, match=rf"{loss.__name__}: .*input \(2, 3\) and target \(3, 2\)"):
        loss(T(np.full((2, 3), 0.5)), T(np.full((3, 2), 0.5)))


def test_loss_module_repr():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss("sum")) == "MSELoss(reduction='sum')"
    with pytest.raises(ValueError, match="reduction"):
        nn.BCELoss("avg")


def test_bce_with_logits_second_derivative_at_zero_logit():
    """sigmoid'(0) = 1/4: the loss is smooth at x = 0 (no kink from max/abs), so Newton steps from w = 0 work."""
    x = am.Tensor(np.zeros(3), requires_grad=True)
    t = np.array([0.0, 1.0, 1.0])
    assert am.gradgradcheck(lambda v: NF.binary_cross_entropy_with_logits(v, t, reduction="sum"), (x,))
    (g,) = am.grad(NF.binary_cross_entropy_with_logits(x, t, reduction="sum"), x, create_graph=True)
    (h,) = am.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, 0.25)
