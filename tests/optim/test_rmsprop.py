"""RMSprop: the update rule against a hand-written NumPy reference, and argument checks."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd_mini import Tensor
from optim import RMSprop


def rmsprop_reference(x0, grads, lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
    """torch.optim.RMSprop's documented (non-centered) algorithm in float64."""
    x, v, buf, iterates = x0.astype(np.float64), 0.0, 0.0, []
    for g in grads:
        g = g + weight_decay * x
        v = alpha * v + (1 - alpha) * g ** 2
        scaled = g / (np.sqrt(v) + eps)
        if momentum > 0:
            buf = momentum * buf + scaled
            x = x - lr * buf
        else:
            x = x - lr * scaled
        iterates.append(x)
    return np.stack(iterates)


hyperparameters = st.fixed_dictionaries({
    "lr": st.floats(0, 1),
    "alpha": st.floats(0, 1),
    "eps": st.sampled_from([1e-8, 1e-3]),
    "momentum": st.sampled_from([0.0, 0.5, 0.9]),
    "weight_decay": st.sampled_from([0.0, 0.1]),
})


@given(data=st.data(), h=hyperparameters)
def test_matches_reference(run, problem, data, h):
    x0, grads = data.draw(problem)
    got = run(lambda ps: RMSprop(ps, **h), x0, grads)
    np.testing.assert_allclose(got, rmsprop_reference(x0, grads, **h), rtol=1e-10, atol=1e-10)


def test_defaults():
    opt = RMSprop([Tensor(np.zeros(1), requires_grad=True)])
    assert opt.defaults == dict(lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0)


def test_first_step_by_hand():
    # v = 0.01 * 4 = 0.04, sqrt(v) = 0.2, step = lr * 2 / 0.2 = 10 lr
    p = Tensor(np.array([0.0]), requires_grad=True)
    opt = RMSprop([p], lr=0.01, eps=0.0)
    p.grad = Tensor(np.array([2.0]))
    opt.step()
    np.testing.assert_allclose(p.data, [-0.1], rtol=1e-14)


@pytest.mark.parametrize("momentum, buffers", [(0.0, {"square_avg"}), (0.9, {"square_avg", "momentum_buffer"})])
def test_momentum_buffer_only_with_momentum(momentum, buffers):
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = RMSprop([p], momentum=momentum)
    p.grad = Tensor(np.ones(2))
    opt.step()
    assert set(opt.state[p]) == buffers


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-1), r"invalid learning rate: -1 \(must be >= 0\)"),
    (dict(alpha=1.5), r"invalid alpha: 1.5 \(must be in \[0, 1\]\)"),
    (dict(alpha=-0.1), r"invalid alpha: -0.1"),
    (dict(eps=-1e-8), r"invalid epsilon value: -1e-08"),
    (dict(momentum=-0.9), r"invalid momentum: -0.9"),
    (dict(weight_decay=-1), r"invalid weight_decay: -1"),
])
def test_rejects_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RMSprop([Tensor(np.zeros(1), requires_grad=True)], **kwargs)
