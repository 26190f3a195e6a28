"""nn.init: fans and gains as PyTorch, bounds and moments of the distributions, dtype kept, reproducible."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from nn import init



def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


@given(
    shape=st.sampled_from([(30, 20), (8, 3, 3, 3), (50, 7, 2), (16, 4, 5, 1)]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**31),
)
def test_uniform_bounds_and_dtype(shape, dtype, seed):
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    cases = [
        (lambda t: init.uniform_(t, -0.3, 0.7, rng=seed), -0.3, 0.7),
        (lambda t: init.xavier_uniform_(t, gain=2.0, rng=seed), *(2.0 * math.sqrt(6 / (fan_in + fan_out)) * s for s in (-1, 1))),
        (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5), rng=seed), -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in)),
        (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", rng=seed),
         *(math.sqrt(6 / fan_out) * s for s in (-1, 1))),
    ]
    for fill, lo, hi in cases:
        t = nn.Parameter(np.zeros(shape, dtype=dtype))
        data = t.data
        assert fill(t) is t
        assert t.data is data and t.dtype == dtype  # in place, dtype kept
        assert t.data.min() >= lo - 1e-7 and t.data.max() <= hi + 1e-7
        assert t.data.std() > 0


def _moments(fill, shape=(400, 300)):
    t = am.Tensor(np.zeros(shape, dtype=np.float32))
    fill(t)
    return float(t.data.mean()), float(t.data.std())


def test_normal_family_standard_deviations():
    rng = np.random.default_rng(0)
    fan_in, fan_out = 300, 400
    cases = [
        (lambda t: init.normal_(t, 1.5, 0.2, rng=rng), 1.5, 0.2),
        (lambda t: init.xavier_normal_(t, rng=rng), 0.0, math.sqrt(2 / (fan_in + fan_out))),
        (lambda t: init.kaiming_normal_(t, nonlinearity="relu", rng=rng), 0.0, math.sqrt(2 / fan_in)),
        (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh", rng=rng), 0.0, 5 / 3 / math.sqrt(fan_out)),
        (lambda t: init.lecun_normal_(t, rng=rng), 0.0, 1 / math.sqrt(fan_in)),
    ]
    for fill, mean, std in cases:
        m, s = _moments(fill)
        assert abs(m - mean) < 0.05 * std  # the standard error of the mean is std / 346
        assert s == pytest.approx(std, rel=0.02)


def test_uniform_moments():
    m, s = _moments(lambda t: init.kaiming_uniform_(t, a=math.sqrt(5), rng=1))
    assert s == pytest.approx(1 / math.sqrt(300) / math.sqrt(3), rel=0.02)


def test_constants():
    t = am.Tensor(np.full((2, 3), 7.0, dtype=np.float32))
    assert np.all(init.zeros_(t).data == 0)
    assert np.all(init.ones_(t).data == 1)
    assert np.all(init.constant_(t, 2.5).data == 2.5)
    assert t.dtype == np.float32


def test_reproducible_under_manual_seed_and_rng():
    am.manual_seed(123)
    a = nn.Linear(5, 4)
    am.manual_seed(123)
    b = nn.Linear(5, 4)
    assert np.array_equal(a.weight.data, b.weight.data) and np.array_equal(a.bias.data, b.bias.data)
    t1, t2 = am.Tensor(np.zeros((3, 3))), am.Tensor(np.zeros((3, 3)))
    init.normal_(t1, rng=np.random.default_rng(5))
    init.normal_(t2, rng=np.random.default_rng(5))
    assert np.array_equal(t1.data, t2.data)


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(am.Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(am.Tensor(np.zeros((3, 3))), mode="fan_avg")
    with pytest.raises(TypeError):
        init.zeros_([1.0, 2.0])


def test_layer_default_inits_match_pytorch_bounds():
    am.manual_seed(0)
    lin = nn.Linear(50, 40)
    assert np.abs(lin.weight.data).max() <= 1 / math.sqrt(50) and np.abs(lin.bias.data).max() <= 1 / math.sqrt(50)
    assert np.abs(lin.weight.data).max() > 0.9 / math.sqrt(50)
    conv = nn.Conv2d(3, 8, (3, 2))
    bound = 1 / math.sqrt(3 * 3 * 2)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    cell = nn.LSTMCell(3, 16)
    assert all(np.abs(p.data).max() <= 0.25 for p in cell.parameters())
    assert lin.weight.dtype == am.get_default_dtype()


@pytest.mark.parametrize("fn", [
    lambda t: init.uniform_(t, -1, 1), lambda t: init.normal_(t), lambda t: init.constant_(t, 3.0),
    init.zeros_, init.ones_, init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
    init.kaiming_normal_, init.lecun_normal_,
], ids=["uniform_", "normal_", "constant_", "zeros_", "ones_", "xavier_uniform_", "xavier_normal_",
        "kaiming_uniform_", "kaiming_normal_", "lecun_normal_"])
def test_initializers_bump_the_version(fn):
    t = nn.Parameter(np.zeros((3, 2), dtype=np.float32))
    before = t._version
    assert fn(t) is t
    assert t._version == before + 1


def test_default_affine_bumps_weight_and_bias_and_arrays_are_accepted():
    weight, bias = nn.Parameter(np.zeros((3, 2))), nn.Parameter(np.zeros(3))
    init.default_affine_(weight, bias)
    assert weight._version == 1 and bias._version == 1
    arr = np.zeros((2, 2))
    assert init.ones_(arr) is arr and np.all(arr == 1)  # plain ndarrays have no version; still filled


def test_backward_after_reinitializing_a_weight_raises():
    lin = nn.Linear(2, 1)
    x = am.Tensor(np.ones((1, 2), dtype=np.float32), requires_grad=True)
    out = lin(x).sum()
    lin.reset_parameters()
    with pytest.raises(RuntimeError, match="modified in place"):
        out.backward()
