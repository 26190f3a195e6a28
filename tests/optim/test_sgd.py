"""SGD and Momentum: the update rule against a hand-written NumPy reference, and argument checks."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd_mini import Tensor
from optim import SGD, Momentum


def sgd_reference(x0, grads, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    """torch.optim.SGD's documented algorithm (dampening 0), in float64, one step per gradient."""
    x, buf, iterates = x0.astype(np.float64), None, []
    for g in grads:
        d = g + weight_decay * x
        if momentum != 0:
            buf = d if buf is None else momentum * buf + d
            d = d + momentum * buf if nesterov else buf
        x = x - lr * d
        iterates.append(x)
    return np.stack(iterates)


hyperparameters = st.fixed_dictionaries({
    "lr": st.floats(0, 1),
    "momentum": st.floats(0, 0.99),
    "weight_decay": st.sampled_from([0.0, 1e-3, 0.1]),
    "nesterov": st.booleans(),
}).filter(lambda h: h["momentum"] > 0 or not h["nesterov"])


@given(data=st.data(), h=hyperparameters)
def test_sgd_matches_reference(run, problem, data, h):
    x0, grads = data.draw(problem)
    got = run(lambda ps: SGD(ps, **h), x0, grads)
    np.testing.assert_allclose(got, sgd_reference(x0, grads, **h), rtol=1e-10, atol=1e-10)


@given(data=st.data(), lr=st.floats(0, 1), nesterov=st.booleans())
def test_momentum_is_sgd_with_momentum_09(run, problem, data, lr, nesterov):
    x0, grads = data.draw(problem)
    got = run(lambda ps: Momentum(ps, lr, nesterov=nesterov), x0, grads)
    np.testing.assert_allclose(got, sgd_reference(x0, grads, lr, 0.9, nesterov), rtol=1e-10, atol=1e-10)


def test_momentum_by_hand():
    # x0 = 1, g = 1 at every step, lr = 0.1, momentum = 0.9:
    # t=1: b = 1,            x = 1 - 0.1 * 1      = 0.9
    # t=2: b = 0.9 + 1 = 1.9, x = 0.9 - 0.1 * 1.9 = 0.71
    # nesterov, t=2: d = 1 + 0.9 * 1.9 = 2.71,  x = 0.9 - 0.271 = 0.629 (t=1: d = 1.9, x = 0.81)
    for nesterov, expected in [(False, [0.9, 0.71]), (True, [0.81, 0.81 - 0.271])]:
        p = Tensor(np.array([1.0]), requires_grad=True)
        opt = Momentum([p], lr=0.1, nesterov=nesterov)
        for want in expected:
            p.grad = Tensor(np.array([1.0]))
            opt.step()
            np.testing.assert_allclose(p.data, [want], rtol=1e-15)


def test_plain_sgd_has_no_momentum_buffer():
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = SGD([p], lr=0.5)
    p.grad = Tensor(np.array([1.0, -2.0]))
    opt.step()
    np.testing.assert_array_equal(p.data, [-0.5, 1.0])
    assert opt.state[p] == {"momentum_buffer": None}


def test_momentum_buffer_is_a_copy_of_the_first_gradient():
    p = Tensor(np.zeros(2), requires_grad=True)
    g = np.array([1.0, 2.0])
    opt = SGD([p], lr=0.1, momentum=0.5)
    p.grad = Tensor(g)
    opt.step()
    assert not np.shares_memory(opt.state[p]["momentum_buffer"], g)


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-1), "invalid learning rate: -1 (must be >= 0)"),
    (dict(lr=float("nan")), "invalid learning rate: nan"),
    (dict(lr=0.1, momentum=-0.5), "invalid momentum: -0.5"),
    (dict(lr=0.1, weight_decay=-1e-4), "invalid weight_decay: -0.0001"),
    (dict(lr=0.1, nesterov=True), "nesterov momentum requires momentum > 0"),
])
def test_sgd_rejects_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SGD([Tensor(np.zeros(1), requires_grad=True)], **kwargs)


def test_lr_is_required():
    with pytest.raises(TypeError):
        SGD([Tensor(np.zeros(1), requires_grad=True)])


def test_momentum_rejects_invalid_arguments():
    with pytest.raises(ValueError, match="invalid momentum"):
        Momentum([Tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=-0.9)


def test_per_group_hyperparameters_are_checked():
    p = Tensor(np.zeros(1), requires_grad=True)
    with pytest.raises(ValueError, match="invalid learning rate"):
        SGD([{"params": [p], "lr": -0.1}], lr=0.1)
