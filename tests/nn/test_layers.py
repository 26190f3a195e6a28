"""Linear, Identity, Flatten, activation layers, Dropout and BatchNorm1d: values against NumPy, gradcheck with
respect to inputs and parameters, mode-dependent behaviour."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import gradcheck
from nn import functional as NF



def T(a, requires_grad=True):
    return am.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def params_of(module):
    return dict(module.named_parameters())


def check_module(module, x):
    """gradcheck module(x) with respect to x and every parameter (module converted to float64)."""
    module.double()
    names = list(params_of(module))

    def fn(x_, *ps):
        return nn.functional_call(module, dict(zip(names, ps)), x_)

    return gradcheck(fn, (x,) + tuple(params_of(module).values()))


# ----- Linear --------------------------------------------------------------------------------------------------


@given(
    batch=st.lists(st.integers(1, 3), max_size=2), n_in=st.integers(1, 4), n_out=st.integers(1, 4),
    bias=st.booleans(), seed=st.integers(0, 2**31),
)
def test_linear_values_and_gradients(batch, n_in, n_out, bias, seed):
    am.manual_seed(seed)
    layer = nn.Linear(n_in, n_out, bias=bias)
    assert layer.weight.shape == (n_out, n_in) and (layer.bias is None) == (not bias)
    x = np.random.default_rng(seed).standard_normal(tuple(batch) + (n_in,))
    y = layer.double()(T(x, False))
    expected = x @ layer.weight.data.T + (layer.bias.data if bias else 0)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)
    assert y.shape == tuple(batch) + (n_out,)
    assert check_module(layer, T(x))
    assert np.array_equal(NF.linear(T(x), layer.weight, layer.bias).data, y.data)


def test_linear_dtype_and_repr():
    layer = nn.Linear(3, 2)
    assert layer.weight.dtype == am.get_default_dtype() == layer.bias.dtype
    y = layer(am.Tensor(np.ones((5, 3), dtype=np.float32)))
    assert y.dtype == np.float32
    assert repr(nn.Linear(3, 2, bias=False)) == "Linear(in_features=3, out_features=2, bias=False)"
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64


def test_linear_is_one_graph_node():
    layer = nn.Linear(3, 2)
    y = layer(am.Tensor(np.ones((4, 3), dtype=np.float32)))
    names = [t.grad_fn.name for t in am.iter_graph([y]) if t.grad_fn is not None]
    assert names == ["Linear"]


def test_identity_and_flatten():
    x = T(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Identity(5, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert gradcheck(nn.Flatten(), (x,))


# ----- activations -------------------------------------------------------------------------------------------------

ACTIVATIONS = [
    # module                     numpy reference
    (nn.Sigmoid(),               lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(),                  np.tanh),
    (nn.ReLU(),                  lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(),             lambda x: np.where(x > 0, x, 0.01 * x)),
    (nn.LeakyReLU(0.2),          lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Softmax(),               lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    (nn.Softmax(axis=0),         lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True)),
    (nn.LogSoftmax(),            lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
]


@pytest.mark.parametrize("layer, ref", ACTIVATIONS, ids=[repr(a[0]) for a in ACTIVATIONS])
@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 4)), seed=st.integers(0, 2**31))
def test_activation_layers(layer, ref, shape, seed):
    x = np.random.default_rng(seed).uniform(-3, 3, shape)
    assume(np.abs(x).min() > 1e-3)  # away from the kinks of relu / leaky_relu
    np.testing.assert_allclose(layer(T(x)).data, ref(x), rtol=1e-12, atol=1e-12)
    assert gradcheck(layer, (T(x),))


def test_softmax_rows_sum_to_one_and_are_stable():
    x = T(np.array([[1e4, 0.0, -1e4], [3.0, 3.0, 3.0]]))
    p = nn.Softmax()(x).data
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    assert np.isfinite(nn.LogSoftmax()(x).data).all()


def test_activation_reprs():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Softmax(axis=1)) == "Softmax(axis=1)"


# ----- Dropout -----------------------------------------------------------------------------------------------------


def test_dropout_eval_is_identity_and_training_scales():
    drop = nn.Dropout(0.3)
    x = T(np.ones((200, 100)))
    drop.eval()
    assert drop(x) is x
    drop.train()
    am.manual_seed(0)
    y = drop(x).data
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7)
    assert abs((~kept).mean() - 0.3) < 0.01  # 20,000 draws: std of the fraction ~0.003
    assert abs(y.mean() - 1.0) < 0.02


def test_dropout_gradient_is_mask_over_keep_probability():
    x = T(np.random.default_rng(0).standard_normal((50, 40)))
    am.manual_seed(1)
    y = NF.dropout(x, 0.4)
    w = np.random.default_rng(2).standard_normal(y.shape)
    (y * am.Tensor(w)).sum().backward()
    mask = (y.data != 0) / 0.6
    np.testing.assert_allclose(x.grad.data, w * mask)
    np.testing.assert_allclose(y.data, x.data * mask)


def test_dropout_reproducible_and_edge_probabilities():
    x = T(np.ones((10, 10)))
    am.manual_seed(7)
    a = NF.dropout(x, 0.5).data
    am.manual_seed(7)
    b = NF.dropout(x, 0.5).data
    assert np.array_equal(a, b)
    assert np.array_equal(NF.dropout(x, 0.5, rng=np.random.default_rng(3)).data,
                          NF.dropout(x, 0.5, rng=np.random.default_rng(3)).data)
    assert NF.dropout(x, 0.0) is x
    y = NF.dropout(x, 1.0)
    assert np.all(y.data == 0)
    y.sum().backward()
    assert np.all(x.grad.data == 0)
    assert NF.dropout(am.Tensor(np.ones(3, dtype=np.float32)), 0.5).dtype == np.float32
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


@given(p=st.floats(0.05, 0.95), seed=st.integers(0, 2**31))
def test_dropout_gradcheck_with_fixed_mask(p, seed):
    x = T(np.random.default_rng(seed).standard_normal((3, 4)))
    # a fixed rng seed makes every call draw the same mask, so the function is deterministic
    assert gradcheck(lambda t: NF.dropout(t, p, rng=seed), (x,))


# ----- BatchNorm1d -------------------------------------------------------------------------------------------------


def bn_ref(x, gamma, beta, eps):
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (-1,) if x.ndim == 2 else (-1, 1)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)


@given(
    shape=st.one_of(st.tuples(st.integers(2, 4), st.integers(1, 3)),
                    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))),
    seed=st.integers(0, 2**31),
)
def test_batchnorm_training_values_gradients_and_running_stats(shape, seed):
    assume(shape[0] * (shape[2] if len(shape) == 3 else 1) >= 2)
    rng = np.random.default_rng(seed)
    bn = nn.BatchNorm1d(shape[1], momentum=0.25).double()
    bn.weight.data[...] = rng.uniform(0.5, 2, shape[1])
    bn.bias.data[...] = rng.standard_normal(shape[1])
    x = rng.standard_normal(shape) * 3 + 1
    y = bn(T(x, False))
    np.testing.assert_allclose(y.data, bn_ref(x, bn.weight.data, bn.bias.data, 1e-5), rtol=1e-10, atol=1e-10)
    axes = (0,) if x.ndim == 2 else (0, 2)
    np.testing.assert_allclose(bn.running_mean.data, 0.25 * x.mean(axis=axes))
    np.testing.assert_allclose(bn.running_var.data, 0.75 + 0.25 * x.var(axis=axes, ddof=1))
    assert check_module(bn, T(x))


def test_batchnorm_eval_uses_running_stats_and_does_not_update():
    bn = nn.BatchNorm1d(2, eps=0.0)
    bn.running_mean.data[...] = [1.0, -2.0]
    bn.running_var.data[...] = [4.0, 0.25]
    bn.weight.data[...] = [2.0, 1.0]
    bn.bias.data[...] = [0.5, 0.0]
    bn.eval()
    x = am.Tensor(np.array([[3.0, -2.0], [1.0, -1.0]], dtype=np.float32))
    y = bn(x)
    np.testing.assert_allclose(y.data, [[2.5, 0.0], [0.5, 2.0]])
    np.testing.assert_array_equal(bn.running_mean.data, [1.0, -2.0])
    # a single example is fine in eval mode, and the gradient reaches the input
    x1 = T(np.array([[3.0, -2.0]]))
    bn.double()(x1).sum().backward()
    np.testing.assert_allclose(x1.grad.data, [[1.0, 2.0]])
    assert check_module(bn, T(np.random.default_rng(0).standard_normal((3, 2))))


def test_batchnorm_running_stats_numbers_over_steps():
    bn = nn.BatchNorm1d(1)
    batches = [np.array([[1.0], [3.0]]), np.array([[0.0], [4.0]])]
    rm, rv = 0.0, 1.0
    for b in batches:
        bn(am.Tensor(b.astype(np.float32)))
        rm = 0.9 * rm + 0.1 * b.mean()
        rv = 0.9 * rv + 0.1 * b.var(ddof=1)
    np.testing.assert_allclose(bn.running_mean.data, [rm], rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data, [rv], rtol=1e-6)
    assert bn.running_mean.dtype == np.float32
    np.testing.assert_allclose([rm, rv], [0.38, 0.9 * (0.9 + 0.2) + 0.1 * 8])


def test_batchnorm_running_stats_update_bumps_the_buffer_versions():
    bn = nn.BatchNorm1d(2)
    x = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    bn(x)
    assert bn.running_mean._version == 1 and bn.running_var._version == 1
    bn.eval()
    bn(x)
    assert bn.running_mean._version == 1 and bn.running_var._version == 1  # evaluation mode: no update


def test_batchnorm_errors_and_state():
    bn = nn.BatchNorm1d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var"]
    with pytest.raises(am.ShapeError, match="BatchNorm1d\\(3\\)"):
        bn(am.Tensor(np.zeros((4, 2), dtype=np.float32)))
    with pytest.raises(ValueError, match="more than 1 value"):
        bn(am.Tensor(np.zeros((1, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm1d(3, momentum=2.0)


# ----- second derivatives ----------------------------------------------------------------------------------------


def test_second_derivatives_through_layers():
    rng = np.random.default_rng(0)
    from autograd_mini import gradgradcheck

    bn = nn.BatchNorm1d(2).double()
    x = T(rng.standard_normal((3, 2)))
    assert gradgradcheck(lambda x_, w, b: nn.functional_call(bn, {"weight": w, "bias": b}, x_), (x, bn.weight, bn.bias))
    mlp = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    assert gradgradcheck(lambda x_, w: nn.functional_call(mlp, {"0.weight": w}, x_), (x, mlp[0].weight))
    cell = nn.LSTMCell(2, 2).double()
    h, c = T(rng.standard_normal((3, 2))), T(rng.standard_normal((3, 2)))
    assert gradgradcheck(lambda x_, h_, c_, w: nn.functional_call(cell, {"weight_hh": w}, x_, (h_, c_))[1],
                         (x, h, c, cell.weight_hh))
    img = T(rng.standard_normal((1, 1, 4, 4)))
    assert gradgradcheck(lambda t: NF.max_pool2d(t, 2, 1), (img,))
    assert gradgradcheck(lambda t: NF.binary_cross_entropy_with_logits(t, np.ones(t.shape)), (img,))


# ----- input dtype must match the parameters' dtype ---------------------------------------------------------------

DTYPE_CASES = [
    # name          layer factory                     input shape
    ("Linear",      lambda: nn.Linear(3, 2),           (4, 3)),
    ("Conv2d",      lambda: nn.Conv2d(3, 2, 2),        (1, 3, 4, 4)),
    ("RNNCell",     lambda: nn.RNNCell(3, 2),          (4, 3)),
    ("LSTMCell",    lambda: nn.LSTMCell(3, 2),         (4, 3)),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(3),         (4, 3)),
]


def _out_dtype(out):
    return (out[0] if isinstance(out, tuple) else out).dtype


@pytest.mark.parametrize("name, make, shape", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
@pytest.mark.parametrize("wrap", [np.asarray, am.Tensor], ids=["ndarray", "Tensor"])
def test_float64_input_into_a_float32_layer_names_both_dtypes_and_the_fix(name, make, shape, wrap):
    layer = make()
    x = np.ones(shape)  # float64
    message = (f"{name}: input dtype float64 does not match the parameters' dtype float32; convert the input "
               r"\(x.astype\(np.float32\)\) or the model \(model.double\(\)\)")
    with pytest.raises(TypeError, match=message):
        layer(wrap(x))
    assert _out_dtype(layer(wrap(x.astype(np.float32)))) == np.float32  # either suggested fix works
    assert _out_dtype(layer.double()(wrap(x))) == np.float64


@pytest.mark.parametrize("name, make, shape", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
def test_float32_input_into_a_float64_layer_suggests_model_float(name, make, shape):
    layer = make().double()
    with pytest.raises(TypeError, match=r"float32 does not match the parameters' dtype float64.*model.float\(\)"):
        layer(am.Tensor(np.ones(shape, dtype=np.float32)))


def test_recurrent_states_are_checked_too():
    x = am.Tensor(np.ones((4, 3), dtype=np.float32))
    h32, h64 = np.zeros((4, 2), dtype=np.float32), np.zeros((4, 2))
    with pytest.raises(TypeError, match=r"RNNCell: h dtype float64 does not match .*\(h.astype\(np.float32\)\)"):
        nn.RNNCell(3, 2)(x, am.Tensor(h64))
    with pytest.raises(TypeError, match=r"LSTMCell: c dtype float64 does not match .*\(c.astype\(np.float32\)\)"):
        nn.LSTMCell(3, 2)(x, (am.Tensor(h32), am.Tensor(h64)))


def test_integer_and_list_inputs_are_not_dtype_errors():
    lin = nn.Linear(2, 1)
    lin(np.array([[1, 2]]))  # integer data carries no floating dtype to match
    assert lin([[1.0, 2.0]]).dtype == np.float32  # lists take the default dtype, as before
    other = nn.Linear(2, 1, dtype=np.float16)
    with pytest.raises(TypeError, match=r"float32 does not match .* float16.*x.astype\(np.float16\).*model.float\(\)"):
        other(am.Tensor(np.ones((1, 2), dtype=np.float32)))
    with pytest.raises(TypeError, match=r"float16 does not match .* float32.*model.to\(np.float16\)"):
        lin(am.Tensor(np.ones((1, 2), dtype=np.float16)))
