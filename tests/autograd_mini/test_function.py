"""Custom ops: subclassing Function, save_for_backward, and the engine's checks of what backward returns."""
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Function, Tensor, gradcheck, gradgradcheck
from autograd_mini.testing import tensors


class ScaledHypot(Function):
    """y = s * sqrt(a**2 + b**2);  dy/da = s * a / r,  dy/db = s * b / r  (r = sqrt(a**2 + b**2))"""

    @staticmethod
    def forward(ctx, a, b, scale=1.0):
        ctx.scale = scale
        ctx.save_for_backward(a, b)
        return scale * np.sqrt(a * a + b * b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors  # the input Tensors: a backward in Tensor ops can be differentiated again
        r = am.sqrt(a * a + b * b)
        return gy * ctx.scale * a / r, gy * ctx.scale * b / r


positive = st.floats(0.5, 3.0)


@given(a=tensors(shape=(2, 3), elements=positive), b=tensors(shape=(3,), elements=positive),
       s=st.floats(-2, 2))
def test_a_custom_op_with_two_inputs_and_an_attribute_is_gradchecked(a, b, s):
    a.requires_grad_(), b.requires_grad_()
    np.testing.assert_allclose(ScaledHypot.apply(a, b, scale=s).numpy(), s * np.hypot(a.numpy(), b.numpy()))
    assert gradcheck(lambda a, b: ScaledHypot.apply(a, b, scale=s), (a, b))
    assert gradgradcheck(lambda a, b: ScaledHypot.apply(a, b, scale=s), (a, b))  # saved inputs come back as Tensors


def test_apply_accepts_arrays_and_numbers_and_names_bad_types():
    a = Tensor(np.array([3.0]), requires_grad=True)
    y = ScaledHypot.apply(a, 4.0, scale=2.0)
    assert y.numpy().tolist() == [10.0]
    y2 = ScaledHypot.apply(np.array([3.0]), np.array([4.0]))
    assert not y2.requires_grad and y2.numpy().tolist() == [5.0]
    with pytest.raises(TypeError, match=r"ScaledHypot.apply: input 1 is a str"):
        ScaledHypot.apply(a, "4")


def op(backward, n_inputs=2):
    """A custom op y = a + b (or y = 2a) with the given backward."""
    class Custom(Function):
        @staticmethod
        def forward(ctx, *xs):
            return sum(xs) if n_inputs == 2 else 2 * xs[0]

    Custom.backward = staticmethod(backward)
    Function.__init_subclass__.__func__(Custom)  # NOTE: as if backward had been written in the class body
    return Custom


def two():
    return Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones(3), requires_grad=True)


def test_missing_gradient_raises_naming_the_op():
    a, b = two()
    y = op(lambda ctx, gy: (gy,)).apply(a, b)
    with pytest.raises(RuntimeError, match=r"Custom.backward returned 1 gradient for 2 inputs"):
        y.backward(np.ones((2, 3)))


def test_extra_gradient_raises():
    a, b = two()
    y = op(lambda ctx, gy: (gy, gy, gy)).apply(a, b)
    with pytest.raises(RuntimeError, match=r"returned 3 gradients for 2 inputs"):
        y.backward(np.ones((2, 3)))


def test_wrongly_shaped_gradient_raises_naming_the_input():
    a, b = two()
    y = op(lambda ctx, gy: (gy, Tensor(np.ones(4)))).apply(a, b)
    with pytest.raises(am.ShapeError, match=r"gradient of shape \(4,\) for input 1 of shape \(3,\)"):
        y.backward(np.ones((2, 3)))


def test_broadcast_gradients_are_summed_none_and_arrays_accepted():
    a, b = two()
    y = op(lambda ctx, gy: (None, gy.numpy() * 2)).apply(a, b)  # an ndarray of the broadcast shape (2, 3)
    y.backward(np.ones((2, 3)))
    assert a.grad is None
    np.testing.assert_array_equal(b.grad.numpy(), [4.0, 4.0, 4.0])


def test_single_input_may_return_a_bare_gradient():
    x = Tensor(np.ones(2), requires_grad=True)
    y = op(lambda ctx, gy: gy * 2, n_inputs=1).apply(x)
    y.backward(np.ones(2))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_saved_tensors_are_version_checked_and_freed():
    a = Tensor(np.array([3.0]), requires_grad=True)
    b = Tensor(np.array([4.0]))
    y = ScaledHypot.apply(a, b)
    b.fill_(0.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    y = ScaledHypot.apply(a, Tensor(np.array([4.0])))
    y.backward()
    with pytest.raises(am.GraphFreedError, match="retain_graph=True"):
        y.grad_fn.saved_tensors


def test_needs_input_grad():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, gy):
            seen.append(ctx.needs_input_grad)
            return None, gy

    Probe.apply(np.ones(2), Tensor(np.ones(2), requires_grad=True)).sum().backward()
    assert seen == [(False, True)]


# ----- grad mode is per thread ------------------------------------------------------------------------------


def test_two_threads_record_independently():
    barrier = threading.Barrier(2)
    results = {}

    def worker(name, off):
        x = Tensor(np.ones(3), requires_grad=True)
        ctx = am.no_grad() if off else am.enable_grad()
        with ctx:
            barrier.wait()  # both threads are inside their block at once
            y = x * 2.0
            barrier.wait()
            results[name] = (am.is_grad_enabled(), y.requires_grad)

    threads = [threading.Thread(target=worker, args=("off", True)), threading.Thread(target=worker, args=("on", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"off": (False, False), "on": (True, True)}
    assert am.is_grad_enabled()


def test_a_new_thread_starts_with_recording_on_even_inside_no_grad():
    got = []
    with am.no_grad():
        t = threading.Thread(target=lambda: got.append(am.is_grad_enabled()))
        t.start()
        t.join()
        assert not am.is_grad_enabled()
    assert got == [True]


def test_set_grad_enabled_call_form_and_decorator():
    am.set_grad_enabled(False)
    assert not am.is_grad_enabled()
    am.set_grad_enabled(True)

    @am.set_grad_enabled(False)
    def f():
        return am.is_grad_enabled()

    assert am.is_grad_enabled() and f() is False and am.is_grad_enabled()
