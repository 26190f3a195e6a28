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


# ----- class weights, ignore_index, label smoothing, probability targets -----------------------------------------


def ce_ref(logp, t, weight, ignore_index, reduction, eps):
    """PyTorch's cross_entropy on log-probabilities logp (N, C, ...) with class targets, written out."""
    c = logp.shape[1]
    w = np.ones(c) if weight is None else weight
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    wt = w[safe] * keep
    picked = np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    nll = -picked * wt
    smooth = -(logp * w.reshape((c,) + (1,) * (logp.ndim - 2))).sum(axis=1) * keep
    if reduction == "none":
        return (1 - eps) * nll + eps / c * smooth
    if reduction == "sum":
        return (1 - eps) * nll.sum() + eps / c * smooth.sum()
    return ((1 - eps) * nll.sum() + eps / c * smooth.sum()) / wt.sum()


@st.composite
def weighted_classification(draw):
    logits, t = draw(classification(extra_dims=True))
    c = logits.shape[1]
    weight = draw(st.one_of(st.none(), arrays(np.float64, (c,), elements=st.floats(0.1, 3))))
    ignore_index = draw(st.sampled_from([-100, 0, c - 1]))
    # ignore some targets, but keep at least one so that the weighted mean is defined
    mask = draw(arrays(np.bool_, t.shape))
    t = np.where(mask, ignore_index, t)
    t.flat[0] = draw(st.integers(0, c - 1))
    if t.flat[0] == ignore_index:
        t.flat[0] = (ignore_index + 1) % c if c > 1 else 0
    if (t == ignore_index).all():
        ignore_index = -100
    return logits, t, weight, ignore_index


@given(case=weighted_classification(), reduction=st.sampled_from(list(REDUCE)),
       eps=st.sampled_from([0.0, 0.1, 0.5]))
def test_cross_entropy_weight_ignore_index_label_smoothing(case, reduction, eps):
    logits, t, weight, ii = case
    f = lambda x: NF.cross_entropy(x, t, weight, ii, reduction, eps)  # noqa: E731
    expected = ce_ref(log_softmax_ref(logits, 1), t, weight, ii, reduction, eps)
    np.testing.assert_allclose(f(T(logits)).data, expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(f, (T(logits),))
    if not eps:
        g = lambda x: NF.nll_loss(x, t, weight, ii, reduction)  # noqa: E731
        np.testing.assert_allclose(g(T(logits)).data, ce_ref(logits, t, weight, ii, reduction, 0.0), rtol=1e-10,
                                   atol=1e-12)
        assert gradcheck(g, (T(logits),))
    module = nn.CrossEntropyLoss(weight=weight, ignore_index=ii, reduction=reduction, label_smoothing=eps)
    np.testing.assert_array_equal(module(T(logits), t).data, f(T(logits)).data)


@given(case=classification(extra_dims=True), reduction=st.sampled_from(list(REDUCE)),
       eps=st.sampled_from([0.0, 0.2]), weighted=st.booleans(), seed=st.integers(0, 2**31))
def test_cross_entropy_probability_targets(case, reduction, eps, weighted, seed):
    logits, _ = case
    rng = np.random.default_rng(seed)
    c = logits.shape[1]
    q = rng.random(logits.shape)
    q /= q.sum(axis=1, keepdims=True)
    weight = rng.random(c) + 0.5 if weighted else None
    qs = q * (1 - eps) + eps / c
    w = np.ones(c) if weight is None else weight
    per = -(log_softmax_ref(logits, 1) * qs * w.reshape((c,) + (1,) * (logits.ndim - 2))).sum(axis=1)
    expected = {"none": per, "sum": per.sum(), "mean": per.sum() / per.size}[reduction]
    f = lambda x, y: NF.cross_entropy(x, y, weight, reduction=reduction, label_smoothing=eps)  # noqa: E731
    np.testing.assert_allclose(f(T(logits), T(q)).data, expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(f, (T(logits), T(q)))


def test_cross_entropy_options_second_order_and_unbatched():
    rng = np.random.default_rng(0)
    x, w, t = rng.standard_normal((4, 3)), rng.random(3) + 0.5, np.array([0, 2, -100, 1])
    assert gradgradcheck(lambda a: NF.cross_entropy(a, t, w, label_smoothing=0.1), (T(x),))
    one = NF.cross_entropy(T(x[0]), np.int64(2), w, label_smoothing=0.2)
    # one example: 'mean' is still the weighted mean, the loss divided by weight[target]
    np.testing.assert_allclose(one.data, ce_ref(log_softmax_ref(x[:1], 1), np.array([2]), w, -100, "mean", 0.2))
    q = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(NF.cross_entropy(T(x[0]), T(q)).data, -(log_softmax_ref(x[0], 0) * q).sum())


def test_all_targets_ignored_gives_nan_mean_and_zero_sum():
    x = T(np.zeros((2, 3)))
    t = np.array([-100, -100])
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(NF.cross_entropy(x, t).item()) and np.isnan(NF.nll_loss(x, t).item())
    assert NF.cross_entropy(x, t, reduction="sum").item() == 0.0


def test_weighted_loss_errors_and_legacy_positional_reduction():
    x = T(np.zeros((3, 4)))
    t = np.array([0, 1, 2])
    with pytest.raises(am.ShapeError, match=r"cross_entropy: weight must have one entry per class, shape \(4,\), got \(3,\)"):
        NF.cross_entropy(x, t, np.ones(3))
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        NF.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(IndexError, match=r"target 7 is out of range for 4 classes \(valid: 0..3, or ignore_index=-1\)"):
        NF.nll_loss(x, np.array([0, -1, 7]), ignore_index=-1)
    with pytest.raises(am.ShapeError, match=r"probability targets .* must have the logits' shape \(3, 4\)"):
        NF.cross_entropy(x, T(np.zeros((3, 5))))
    with pytest.raises(am.ShapeError, match=r"pos_weight of shape \(3,\) does not broadcast to the input shape \(3, 4\)"):
        NF.binary_cross_entropy_with_logits(x, T(np.zeros((3, 4))), pos_weight=np.ones(3))
    with pytest.raises(ValueError, match="kl_div: reduction must be one of"):
        NF.kl_div(x, x, "avg")
    # the former signatures loss(input, target, reduction) keep working
    assert NF.cross_entropy(x, t, "sum").item() == pytest.approx(3 * np.log(4))
    assert NF.nll_loss(x, t, "none").shape == (3,)
    assert nn.CrossEntropyLoss("sum")(x, t).item() == pytest.approx(3 * np.log(4))
    assert nn.BCEWithLogitsLoss("sum").reduction == "sum"


# ----- binary cross-entropy weights ----------------------------------------------------------------------------


@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=2), reduction=st.sampled_from(list(REDUCE)),
       data=st.data())
def test_bce_with_logits_pos_weight_and_weight(shape, reduction, data):
    shape = tuple(shape)
    x = data.draw(arrays(np.float64, shape, elements=st.floats(-6, 6)))
    t = data.draw(arrays(np.float64, shape, elements=st.floats(0, 1)))
    pw = data.draw(arrays(np.float64, shape[-1:], elements=st.floats(0.2, 4)))
    w = data.draw(st.one_of(st.none(), arrays(np.float64, shape, elements=st.floats(0.1, 2))))
    log_p, log_1mp = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    expected = -(pw * t * log_p + (1 - t) * log_1mp) * (1 if w is None else w)
    f = lambda a, b: NF.binary_cross_entropy_with_logits(a, b, w, reduction, pos_weight=pw)  # noqa: E731
    np.testing.assert_allclose(f(T(x), T(t)).data, REDUCE[reduction](expected), rtol=1e-10, atol=1e-12)
    assert gradcheck(f, (T(x), T(t)))
    pw_t = T(pw)
    assert gradcheck(lambda a, p: NF.binary_cross_entropy_with_logits(a, T(t, False), w, reduction, pos_weight=p),
                     (T(x), pw_t))
    module = nn.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pw)
    np.testing.assert_array_equal(module(T(x), T(t)).data, f(T(x), T(t)).data)
    p = 1 / (1 + np.exp(-np.clip(x, -5, 5)))
    np.testing.assert_allclose(NF.binary_cross_entropy(T(p), T(t), w, reduction).data,
                               REDUCE[reduction](-(t * np.log(p) + (1 - t) * np.log(1 - p)) * (1 if w is None else w)),
                               rtol=1e-10, atol=1e-12)


# ----- l1, smooth l1, huber, kl_div ------------------------------------------------------------------------------


@st.composite
def regression_pairs(draw, avoid):
    """(input, target) with every |input - target| at least 0.05 away from each kink in ``avoid``."""
    shape = tuple(draw(st.lists(st.integers(1, 3), max_size=3)))
    a = draw(arrays(np.float64, shape, elements=st.floats(-3, 3)))
    d = draw(arrays(np.float64, shape, elements=st.floats(0.05, 3) | st.floats(-3, -0.05)))
    for k in avoid:
        d = np.where(np.abs(np.abs(d) - k) < 0.05, d + np.sign(d) * 0.1, d)
    return a, a - d


@pytest.mark.parametrize("param", [0.5, 1.0, 2.0])
@given(data=st.data(), reduction=st.sampled_from(list(REDUCE)))
def test_l1_smooth_l1_huber(param, data, reduction):
    a, b = data.draw(regression_pairs(avoid=[0.0, param]))
    d = np.abs(a - b)
    cases = [
        (lambda x, y: NF.l1_loss(x, y, reduction), d, nn.L1Loss(reduction)),
        (lambda x, y: NF.smooth_l1_loss(x, y, reduction, param), np.where(d < param, 0.5 * d**2 / param, d - 0.5 * param),
         nn.SmoothL1Loss(reduction, param)),
        (lambda x, y: NF.huber_loss(x, y, reduction, param), np.where(d < param, 0.5 * d**2, param * (d - 0.5 * param)),
         nn.HuberLoss(reduction, delta=param)),
    ]
    for f, ref, module in cases:
        np.testing.assert_allclose(f(T(a), T(b)).data, REDUCE[reduction](ref), rtol=1e-12, atol=1e-12)
        assert gradcheck(f, (T(a), T(b)))
        np.testing.assert_array_equal(module(T(a), T(b)).data, f(T(a), T(b)).data)
    assert gradgradcheck(lambda x, y: NF.huber_loss(x, y, reduction, param), (T(a), T(b)))


def test_smooth_l1_with_beta_zero_is_l1_and_kinks():
    a, b = T([0.0, 1.0, -2.0]), T([0.0, 0.5, 1.0])
    np.testing.assert_array_equal(NF.smooth_l1_loss(a, b, "none", 0.0).data, NF.l1_loss(a, b, "none").data)
    x = T([1.0, 2.0])
    NF.l1_loss(x, T([1.0, 0.0], False), "sum").backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])  # sign(0) = 0 at the kink, as PyTorch
    with pytest.raises(ValueError, match="huber_loss: delta must be > 0"):
        NF.huber_loss(a, b, delta=0.0)


@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3),
       reduction=st.sampled_from(["mean", "sum", "none", "batchmean"]), log_target=st.booleans(), data=st.data())
def test_kl_div(shape, reduction, log_target, data):
    shape = tuple(shape)
    x = data.draw(arrays(np.float64, shape, elements=st.floats(-4, 0)))
    t = data.draw(arrays(np.float64, shape, elements=st.floats(0.01, 1)))
    target = np.log(t) if log_target else t
    pointwise = t * (np.log(t) - x)
    expected = pointwise.sum() / shape[0] if reduction == "batchmean" else REDUCE[reduction](pointwise)
    f = lambda a, b: NF.kl_div(a, b, reduction, log_target)  # noqa: E731
    np.testing.assert_allclose(f(T(x), T(target)).data, expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(f, (T(x), T(target)))
    np.testing.assert_array_equal(nn.KLDivLoss(reduction, log_target)(T(x), T(target)).data, f(T(x), T(target)).data)


def test_kl_div_zero_target_contributes_zero():
    x, t = T([-1.0, -2.0]), T([0.0, 1.0])
    out = NF.kl_div(x, t, "sum")
    assert out.item() == pytest.approx(2.0)
    out.backward()
    assert np.isfinite(t.grad.data).all()


# ----- against PyTorch -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def torch_compare(torch, ours_fn, torch_fn, *arrays_, seed=0):
    """Forward values and the gradients of every float input, with random upstream weights."""
    ours_in = [T(a) if a.dtype.kind == "f" else a for a in arrays_]
    theirs_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays_]
    y, ty = ours_fn(*ours_in), torch_fn(*theirs_in)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(seed).standard_normal(ty.shape)
    (y * am.Tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for o, t in zip(ours_in, theirs_in):
        if t.grad is not None:
            np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@given(case=weighted_classification(), reduction=st.sampled_from(list(REDUCE)), eps=st.sampled_from([0.0, 0.3]))
def test_cross_entropy_and_nll_options_against_torch(torch, case, reduction, eps):
    logits, t, weight, ii = case
    tw = None if weight is None else torch.tensor(weight)
    F = torch.nn.functional
    torch_compare(torch, lambda x: NF.cross_entropy(x, t, weight, ii, reduction, eps),
                  lambda x: F.cross_entropy(x, torch.tensor(t), tw, ignore_index=ii, reduction=reduction,
                                            label_smoothing=eps), logits)
    torch_compare(torch, lambda x: NF.nll_loss(x, t, weight, ii, reduction),
                  lambda x: F.nll_loss(x, torch.tensor(t), tw, ignore_index=ii, reduction=reduction), logits)


@given(case=classification(extra_dims=True), reduction=st.sampled_from(list(REDUCE)), eps=st.sampled_from([0.0, 0.3]),
       weighted=st.booleans(), seed=st.integers(0, 2**31))
def test_cross_entropy_probability_targets_against_torch(torch, case, reduction, eps, weighted, seed):
    logits, _ = case
    rng = np.random.default_rng(seed)
    q = rng.random(logits.shape)
    q /= q.sum(axis=1, keepdims=True)
    weight = rng.random(logits.shape[1]) + 0.5 if weighted else None
    tw = None if weight is None else torch.tensor(weight)
    torch_compare(torch, lambda x, y: NF.cross_entropy(x, y, weight, reduction=reduction, label_smoothing=eps),
                  lambda x, y: torch.nn.functional.cross_entropy(x, y, tw, reduction=reduction, label_smoothing=eps),
                  logits, q)


@pytest.mark.parametrize("reduction", list(REDUCE))
def test_elementwise_losses_against_torch(torch, reduction):
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((4, 3)) * 2, rng.random((4, 3))
    pw, w = rng.random(3) + 0.5, rng.random((4, 3))
    F = torch.nn.functional
    torch_compare(torch, lambda a, b: NF.binary_cross_entropy_with_logits(a, b, w, reduction, pos_weight=pw),
                  lambda a, b: F.binary_cross_entropy_with_logits(a, b, torch.tensor(w), reduction=reduction,
                                                                  pos_weight=torch.tensor(pw)), x, t)
    torch_compare(torch, lambda a, b: NF.binary_cross_entropy(NF.sigmoid(a), b, w, reduction),
                  lambda a, b: F.binary_cross_entropy(torch.sigmoid(a), b, torch.tensor(w), reduction=reduction), x, t)
    torch_compare(torch, lambda a, b: NF.l1_loss(a, b, reduction), lambda a, b: F.l1_loss(a, b, reduction=reduction), x, t)
    for beta in (0.0, 0.5, 1.0):
        torch_compare(torch, lambda a, b, beta=beta: NF.smooth_l1_loss(a, b, reduction, beta),
                      lambda a, b, beta=beta: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta), x, t)
    torch_compare(torch, lambda a, b: NF.huber_loss(a, b, reduction, 0.7),
                  lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=0.7), x, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
def test_kl_div_against_torch(torch, reduction, log_target):
    rng = np.random.default_rng(2)
    x = np.log(rng.dirichlet(np.ones(4), size=3))
    t = rng.dirichlet(np.ones(4), size=3)
    if log_target:
        t = np.log(t)
    torch_compare(torch, lambda a, b: NF.kl_div(a, b, reduction, log_target),
                  lambda a, b: torch.nn.functional.kl_div(a, b, reduction=reduction, log_target=log_target), x, t)
    if not log_target:
        # a zero target contributes 0 (xlogy); its gradient is nan in PyTorch (0 / 0), finite here: forward only
        t[0, 1] = 0.0
        np.testing.assert_allclose(NF.kl_div(T(x), T(t), reduction).data,
                                   torch.nn.functional.kl_div(torch.tensor(x), torch.tensor(t), reduction=reduction),
                                   rtol=1e-12)


def test_loss_modules_state_dicts_match_torch(torch):
    w, pw = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 2.0])
    pairs = [
        (nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1),
         torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=1, label_smoothing=0.1)),
        (nn.NLLLoss(weight=w), torch.nn.NLLLoss(weight=torch.tensor(w))),
        (nn.BCEWithLogitsLoss(pos_weight=pw), torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw))),
        (nn.BCELoss(weight=w), torch.nn.BCELoss(weight=torch.tensor(w))),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
        (nn.L1Loss(), torch.nn.L1Loss()), (nn.KLDivLoss("batchmean"), torch.nn.KLDivLoss(reduction="batchmean")),
    ]
    for ours, theirs in pairs:
        sd, tsd = ours.state_dict(), theirs.state_dict()
        assert list(sd) == list(tsd), type(ours).__name__
        for k in sd:
            np.testing.assert_array_equal(sd[k], tsd[k].numpy())
    loaded = nn.BCEWithLogitsLoss(pos_weight=np.ones(3))
    loaded.load_state_dict({k: v.numpy() for k, v in pairs[2][1].state_dict().items()})
    x, t = np.random.default_rng(3).standard_normal((2, 3)), np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    np.testing.assert_allclose(loaded(T(x), T(t)).data, pairs[2][1](torch.tensor(x), torch.tensor(t)).numpy(), rtol=1e-12)


def test_float32_inputs_stay_float32_with_float64_weights():
    x = am.Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    t = np.array([0, -100])
    w = np.array([1.0, 2.0, 3.0])  # float64 weights (and buffers) are cast to the input's dtype
    outs = [
        NF.cross_entropy(x, t, w), NF.cross_entropy(x, t, label_smoothing=0.1), NF.nll_loss(x, t, w),
        NF.cross_entropy(x, np.full((2, 3), 1 / 3, dtype=np.float32), w),
        NF.binary_cross_entropy_with_logits(x, np.zeros((2, 3), dtype=np.float32), w, pos_weight=w),
        nn.CrossEntropyLoss(weight=w)(x, t), NF.kl_div(x, x), NF.huber_loss(x, x), NF.smooth_l1_loss(x, x),
    ]
    for out in outs:
        assert out.dtype == np.float32
        out.backward()
        assert x.grad.dtype == np.float32
