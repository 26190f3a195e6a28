"""Tensor hooks and retain_grad."""
import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor


def leaf(values):
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_hooks_fire_once_per_backward_in_order_with_the_total_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(("a", g.numpy().tolist())))
    x.register_hook(lambda g: seen.append(("b", g.numpy().tolist())))
    (x * x + x * 3.0).sum().backward()  # x is used three times: the hooks see the sum, once
    assert seen == [("a", [5.0, 7.0]), ("b", [5.0, 7.0])]
    (x * 2.0).sum().backward()
    assert len(seen) == 4


def test_a_hook_can_replace_the_gradient_before_it_is_stored():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10.0)
    x.register_hook(lambda g: g + 1.0)  # sees the first hook's result
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [21.0, 41.0])


def test_a_hook_on_an_intermediate_changes_what_flows_on():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    h.register_hook(lambda g: np.zeros(2))  # an array is accepted as the replacement
    (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_remove_and_context_manager():
    x = leaf([1.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    handle.remove()
    handle.remove()  # a second remove does nothing
    with x.register_hook(lambda g: calls.append(2)):
        (x * 2.0).sum().backward()
    (x * 2.0).sum().backward()
    assert calls == [2]


def test_hooks_run_in_grad_too():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 2.0)
    (gx,) = am.grad((x * x).sum(), x)
    np.testing.assert_array_equal(gx.numpy(), [4.0, 8.0])
    assert x.grad is None


def test_retain_grad_sees_the_hooked_gradient():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    h.register_hook(lambda g: g * 3.0)
    h.retain_grad()
    assert h.retains_grad and not x.retains_grad
    (h * 1.0).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])


def test_hook_errors():
    c = Tensor(np.ones(2))
    with pytest.raises(RuntimeError, match="does not require grad"):
        c.register_hook(lambda g: g)
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: np.ones(3))
    with pytest.raises(am.ShapeError, match=r"returned a gradient of shape \(3,\).*\(2,\)"):
        (x * 2.0).sum().backward()
