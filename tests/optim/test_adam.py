"""Adam and AdamW: the update rule against a hand-written NumPy reference, and argument checks."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd_mini import Tensor
from optim import Adam, AdamW


def adam_reference(x0, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    """Kingma & Ba's Adam with bias-corrected moments m_hat, v_hat, in float64; decoupled=True is AdamW."""
    beta1, beta2 = betas
    x, m, v, iterates = x0.astype(np.float64), 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        if decoupled:
            x = x - lr * weight_decay * x
        else:
            g = g + weight_decay * x
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
        iterates.append(x)
    return np.stack(iterates)


hyperparameters = st.fixed_dictionaries({
    "lr": st.floats(0, 1),
    "betas": st.tuples(st.floats(0, 0.99), st.floats(0, 0.9999)),
    "eps": st.sampled_from([1e-8, 1e-6, 1e-3]),
    "weight_decay": st.sampled_from([0.0, 1e-2, 0.1]),
})


@pytest.mark.parametrize("cls, decoupled", [(Adam, False), (AdamW, True)])
@given(data=st.data(), h=hyperparameters)
def test_matches_reference(run, problem, cls, decoupled, data, h):
    x0, grads = data.draw(problem)
    got = run(lambda ps: cls(ps, **h), x0, grads)
    np.testing.assert_allclose(got, adam_reference(x0, grads, **h, decoupled=decoupled), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cls, weight_decay", [(Adam, 0.0), (AdamW, 1e-2)])
def test_defaults(cls, weight_decay):
    opt = cls([Tensor(np.zeros(1), requires_grad=True)])
    assert opt.defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)


def test_first_step_moves_each_coordinate_by_lr():
    # t=1: m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps), about lr * sign(g)
    p = Tensor(np.array([1.0, 1.0, 1.0]), requires_grad=True)
    opt = Adam([p], lr=0.1)
    p.grad = Tensor(np.array([3.0, -0.5, 0.0]))
    opt.step()
    np.testing.assert_allclose(p.data, [1 - 0.1 * 3 / (3 + 1e-8), 1 + 0.1 * 0.5 / (0.5 + 1e-8), 1.0], rtol=1e-15)


def test_adamw_decay_is_decoupled():
    # with a zero gradient Adam's update is 0, so only AdamW's decay moves p: p <- p * (1 - lr * wd)
    p = Tensor(np.array([2.0]), requires_grad=True)
    opt = AdamW([p], lr=0.1, weight_decay=0.5)
    p.grad = Tensor(np.array([0.0]))
    opt.step()
    np.testing.assert_allclose(p.data, [2.0 * (1 - 0.05)], rtol=1e-15)


def test_bias_corrections_do_not_change_float32_to_float64():
    p = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    opt = Adam([p], lr=0.1, betas=(np.float64(0.9), np.float64(0.999)))
    for _ in range(3):
        p.grad = Tensor(np.ones(3, dtype=np.float32))
        opt.step()
    assert p.data.dtype == np.float32
    assert opt.state[p]["exp_avg"].dtype == opt.state[p]["exp_avg_sq"].dtype == np.float32
    assert opt.state[p]["step"] == 3


@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-1e-3), r"invalid learning rate: -0.001 \(must be >= 0\)"),
    (dict(eps=-1.0), r"invalid epsilon value: -1.0"),
    (dict(weight_decay=-0.1), r"invalid weight_decay: -0.1"),
    (dict(betas=(1.0, 0.999)), r"invalid beta1: 1.0 \(must be in \[0, 1\)\)"),
    (dict(betas=(0.9, -0.1)), r"invalid beta2: -0.1"),
    (dict(betas=(0.9,)), r"invalid betas"),
])
def test_rejects_invalid_arguments(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls([Tensor(np.zeros(1), requires_grad=True)], **kwargs)


def test_step_counter_drives_bias_correction():
    p = Tensor(np.zeros(1), requires_grad=True)
    opt = Adam([p], lr=1.0, betas=(0.5, 0.5), eps=0.0)
    for t in range(1, 4):
        p.grad = Tensor(np.array([2.0]))
        opt.step()
        assert opt.state[p]["step"] == t
    # constant g: m_hat = g and v_hat = g^2 at every t, so every step is exactly -lr * sign(g)
    assert math.isclose(p.data[0], -3.0, rel_tol=1e-15)
