"""Adagrad: the update rule against a hand-written NumPy reference, and argument checks."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd_mini import Tensor
from optim import Adagrad


def adagrad_reference(x0, grads, lr=1e-2, eps=1e-10, weight_decay=0.0):
    """Duchi et al.'s diagonal Adagrad as torch documents it (lr_decay 0, initial accumulator 0)."""
    x, iterates = x0.astype(np.float64), []
    history = []
    for g in grads:
        g = g + weight_decay * x
        history.append(g)
        sum_of_squares = np.sum(np.square(history), axis=0)
        x = x - lr * g / (np.sqrt(sum_of_squares) + eps)
        iterates.append(x)
    return np.stack(iterates)


hyperparameters = st.fixed_dictionaries({
    "lr": st.floats(0, 1),
    "eps": st.sampled_from([1e-10, 1e-3]),
    "weight_decay": st.sampled_from([0.0, 0.1]),
})


@given(data=st.data(), h=hyperparameters)
def test_matches_reference(run, problem, data, h):
    x0, grads = data.draw(problem)
    got = run(lambda ps: Adagrad(ps, **h), x0, grads)
    np.testing.assert_allclose(got, adagrad_reference(x0, grads, **h), rtol=1e-10, atol=1e-10)


def test_defaults():
    opt = Adagrad([Tensor(np.zeros(1), requires_grad=True)])
    assert opt.defaults == dict(lr=1e-2, eps=1e-10, weight_decay=0.0)


def test_steps_by_hand():
    # g = 3 then 4: s = 9, step 1 = lr * 3 / 3 = lr;  s = 25, step 2 = lr * 4 / 5
    p = Tensor(np.array([0.0]), requires_grad=True)
    opt = Adagrad([p], lr=0.5, eps=0.0)
    for g, want in [(3.0, -0.5), (4.0, -0.5 - 0.4)]:
        p.grad = Tensor(np.array([g]))
        opt.step()
        np.testing.assert_allclose(p.data, [want], rtol=1e-15)


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-1), r"invalid learning rate: -1 \(must be >= 0\)"),
    (dict(eps=-1.0), r"invalid epsilon value: -1.0"),
    (dict(weight_decay=-1), r"invalid weight_decay: -1"),
])
def test_rejects_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adagrad([Tensor(np.zeros(1), requires_grad=True)], **kwargs)
