"""Adadelta: the update rule against a hand-written NumPy reference, and argument checks."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd_mini import Tensor
from optim import Adadelta


def adadelta_reference(x0, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    """Zeiler's Adadelta (Algorithm 1) with torch's extra lr factor, in float64."""
    x, eg2, edx2, iterates = x0.astype(np.float64), 0.0, 0.0, []
    for g in grads:
        g = g + weight_decay * x
        eg2 = rho * eg2 + (1 - rho) * g ** 2
        rms_dx, rms_g = np.sqrt(edx2 + eps), np.sqrt(eg2 + eps)
        dx = -(rms_dx / rms_g) * g
        edx2 = rho * edx2 + (1 - rho) * dx ** 2
        x = x + lr * dx
        iterates.append(x)
    return np.stack(iterates)


hyperparameters = st.fixed_dictionaries({
    "lr": st.floats(0, 2),
    "rho": st.floats(0, 1),
    "eps": st.sampled_from([1e-6, 1e-3]),
    "weight_decay": st.sampled_from([0.0, 0.1]),
})


@given(data=st.data(), h=hyperparameters)
def test_matches_reference(run, problem, data, h):
    x0, grads = data.draw(problem)
    got = run(lambda ps: Adadelta(ps, **h), x0, grads)
    np.testing.assert_allclose(got, adadelta_reference(x0, grads, **h), rtol=1e-10, atol=1e-10)


def test_defaults():
    opt = Adadelta([Tensor(np.zeros(1), requires_grad=True)])
    assert opt.defaults == dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0)


def test_first_step_by_hand():
    # rho = 0.5, eps = 1e-2, g = 1: v = 0.5, delta = sqrt(0.01) / sqrt(0.51) * 1
    p = Tensor(np.array([0.0]), requires_grad=True)
    opt = Adadelta([p], rho=0.5, eps=1e-2)
    p.grad = Tensor(np.array([1.0]))
    opt.step()
    np.testing.assert_allclose(p.data, [-0.1 / np.sqrt(0.51)], rtol=1e-15)
    np.testing.assert_allclose(opt.state[p]["acc_delta"], [0.5 * 0.01 / 0.51], rtol=1e-15)


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-1), r"invalid learning rate: -1 \(must be >= 0\)"),
    (dict(rho=1.1), r"invalid rho: 1.1 \(must be in \[0, 1\]\)"),
    (dict(eps=-1.0), r"invalid epsilon value: -1.0"),
    (dict(weight_decay=-1), r"invalid weight_decay: -1"),
])
def test_rejects_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adadelta([Tensor(np.zeros(1), requires_grad=True)], **kwargs)
