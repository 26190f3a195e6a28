"""Version counters and in-place methods: backward refuses a saved tensor that changed after forward."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck
from autograd_mini.testing import tensors

MODIFIED = "modified in place after it was used"


def leaf(values, grad=True):
    return Tensor(np.array(values, dtype=np.float64), requires_grad=grad)


# ----- the silent-wrong programs now raise ---------------------------------------------------------------


def test_weight_changed_between_forward_and_backward_raises():
    x, w = leaf([1.0, 2.0, 3.0]), leaf([2.0, 2.0, 2.0])
    y = (x * w).sum()
    with am.no_grad():
        w.sub_(Tensor([-98.0, -98.0, -98.0], dtype=np.float64))
    with pytest.raises(RuntimeError, match=MODIFIED) as e:
        y.backward()
    msg = str(e.value)
    assert "Mul" in msg and "input 1" in msg and "(3,)" in msg
    assert "saved version 0, current version 1" in msg and "backward before opt.step()" in msg
    assert x.grad is None  # NOTE: raised before any gradient was written


def test_retained_graph_then_change_then_second_backward_raises():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = (x * w).sum()
    y.backward(retain_graph=True)
    with am.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_grad_function_checks_too():
    x, c = leaf([1.0, 2.0]), leaf([3.0, 4.0], grad=False)
    y = (x * c).sum()
    c.fill_(0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        am.grad(y, x)


def test_changed_output_saved_by_exp_raises():
    x = leaf([0.5, 1.0])
    y = x.exp()
    z = (y + 1.0).sum()  # NOTE: Add does not read y, so only Exp's saved output can be the problem
    with am.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="Exp: its output"):
        z.backward()


@pytest.mark.parametrize("change", [
    lambda c: c.detach().mul_(2),         # detach shares memory, so it shares the counter
    lambda c: c.reshape(2, 2).add_(1),     # so does a view made by an op
    lambda c: c.__setitem__(0, 7.0),
    lambda c: setattr(c, "data", np.zeros(4)),
], ids=["detach", "view", "setitem", "assign-data"])
def test_every_kind_of_change_is_seen(change):
    x, c = leaf([1.0, 2.0, 3.0, 4.0]), leaf([1.0, 1.0, 1.0, 1.0], grad=False)
    y = (x * c).sum()
    change(c)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_ops_that_do_not_read_their_inputs_allow_changes():
    """Add's backward does not read its inputs' values, so changing one afterwards is not an error (as PyTorch)."""
    x, c = leaf([1.0, 2.0]), leaf([3.0, 4.0], grad=False)
    y = ((x + c) * 3.0).sum()
    c.add_(100)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_changes_before_forward_or_after_backward_are_fine():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    for _ in range(3):  # the training loop: forward, backward, step
        loss = (x * w).sum()
        loss.backward()
        with am.no_grad():
            w.sub_(w.grad, alpha=0.1)
        w.grad = None
    np.testing.assert_allclose(w.numpy(), [3.0 - 0.3, 4.0 - 0.6])


def test_clone_is_the_fix():
    x, c = leaf([1.0, 2.0]), leaf([3.0, 4.0], grad=False)
    y = (x * c.clone()).sum()
    c.zero_()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


def test_numpy_writes_bypass_the_counter_as_documented():
    c = leaf([1.0, 2.0], grad=False)
    c.data[0] = 5.0  # NOTE: documented: writing into .data with numpy is not seen (PyTorch's .data alike)
    assert c._version == 0


# ----- version counters ----------------------------------------------------------------------------------


def test_version_counts_every_change_and_views_share_it():
    a = Tensor(np.arange(6.0))
    b = a.reshape(2, 3)
    assert a._version == b._version == 0
    b[0, 0] = 5.0
    a.add_(1)
    a.data = np.ones(6)
    assert a._version == 3 and b._version == 2  # b still views the old memory: 2 changes of it
    assert a.numpy().tolist() == [1.0] * 6 and b.numpy()[0, 0] == 6.0


def test_unrelated_tensors_keep_their_versions():
    a, b = Tensor(np.zeros(3)), Tensor(np.zeros(3))
    a.add_(1)
    assert (a._version, b._version) == (1, 0)


# ----- in-place methods ------------------------------------------------------------------------------------


@given(x=tensors(shape=st.sampled_from([(3,), (2, 3)]), elements=st.floats(-5, 5)),
       v=st.floats(-3, 3).filter(lambda v: abs(v) > 0.1))
def test_in_place_methods_match_numpy(x, v):
    a = x.numpy().copy()
    cases = [
        ("add_", (v,), {}, a + v), ("sub_", (v,), {"alpha": 2}, a - 2 * v), ("mul_", (v,), {}, a * v),
        ("div_", (v,), {}, a / v), ("fill_", (v,), {}, np.full_like(a, v)), ("zero_", (), {}, np.zeros_like(a)),
        ("clamp_", (-1.0, 1.0), {}, np.clip(a, -1, 1)), ("copy_", (a[::-1],), {}, a[::-1]),
    ]
    for name, args, kw, expected in cases:
        t = Tensor(a.copy())
        out = getattr(t, name)(*args, **kw)
        assert out is t and t._version == 1
        np.testing.assert_allclose(t.numpy(), expected, rtol=1e-6)


def test_in_place_broadcasts_the_value_but_never_the_tensor():
    t = Tensor(np.zeros((2, 3)))
    t.add_(Tensor(np.array([1.0, 2.0, 3.0])))
    assert t.numpy()[1].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(am.ShapeError, match=r"add_\(\).*\(2, 3, 4\).*\(2, 3\)"):
        t.add_(np.ones((2, 3, 4)))
    assert t._version == 1  # NOTE: the refused change left the tensor as it was


def test_setitem_with_masks_and_tensor_indices():
    t = Tensor(np.arange(5.0))
    t[t > 2] = 0.0
    t[Tensor(np.array([0, 1]))] = Tensor(np.array([9.0, 8.0]))
    assert t.numpy().tolist() == [9.0, 8.0, 2.0, 0.0, 0.0]
    with pytest.raises(am.IndexingError, match=r"shape \(5,\)"):
        t[7] = 1.0


def test_in_place_on_tensors_in_the_graph_is_refused_while_recording():
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w[0] = 3.0
    h = w * 2
    with pytest.raises(RuntimeError, match="computed by Mul.*out of place"):
        h.mul_(2)
    c = leaf([0.0, 0.0], grad=False)
    with pytest.raises(RuntimeError, match="value .* requires grad"):
        c.copy_(w)
    assert w._version == 0 and c._version == 0
    with am.no_grad():
        w.add_(1)  # as optimizers do
    assert w.numpy().tolist() == [2.0, 3.0]


def test_read_only_and_dtype_errors_name_the_op():
    t = Tensor(np.broadcast_to(np.zeros(1), (3,)))
    with pytest.raises(ValueError, match=r"fill_\(\).*read-only.*clone"):
        t.fill_(1.0)
    i = Tensor(np.arange(3))
    with pytest.raises(TypeError, match=r"div_\(\).*int64"):
        i.div_(2)


def test_clone_is_differentiable_and_owns_its_memory():
    x = leaf([1.0, 2.0, 3.0])
    y = x.clone()
    assert not np.shares_memory(y.numpy(), x.numpy())
    assert gradcheck(lambda t: t.clone() * t, (x,))
