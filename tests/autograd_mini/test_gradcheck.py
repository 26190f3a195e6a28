"""gradcheck and gradgradcheck: they pass correct derivatives and catch wrong ones, with a useful message."""
import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Function, GradcheckError, Tensor, gradcheck, gradgradcheck


class WrongSquare(Function):
    """y = x**2 with a wrong derivative: gy * x instead of 2 * gy * x."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, gy):
        return gy * ctx.inputs[0]


class ConstantSlopeSquare(Function):
    """y = x**2 with the right first derivative, written with a constant: its own derivative comes out 0."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, gy):
        return gy * Tensor(2 * ctx.inputs[0].data)  # NOTE: deliberately not a Tensor op of x


class Square(Function):
    """y = x**2, right to every order."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, gy):
        x = ctx.inputs[0]
        return gy * 2 * x


def _x(shape=(2, 3), start=1.5):
    return Tensor(start + np.arange(np.prod(shape, dtype=int), dtype=np.float64).reshape(shape) / 4, requires_grad=True)


def test_correct_derivatives_pass():
    a, b = _x(), _x(start=-0.7)
    assert gradcheck(Square.apply, (a,)) is True
    assert gradgradcheck(Square.apply, (a,)) is True
    assert gradcheck(lambda a, b: am.tanh(a) * b, (a, b)) is True
    assert gradgradcheck(lambda a, b: am.tanh(a) * b, (a, b)) is True


def test_wrong_derivative_is_caught_and_the_message_names_input_element_and_values():
    a, b = _x(start=0.25), _x(start=1.5)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: am.exp(a) + WrongSquare.apply(b), (a, b))
    msg = str(info.value)
    assert "input 1" in msg and "(shape (2, 3))" in msg
    assert "element (0, 0)" in msg
    # element (0, 0) of b is 1.5: the wrong rule says 1.5, the true derivative 2 * 1.5 = 3
    assert re.search(r"analytic 1\.5\b.*numeric 3\b", msg), msg
    assert "6 of 36 entries" in msg  # every diagonal entry of the Jacobian is wrong, nothing else


def test_wrong_derivative_returns_false_without_raise_exception():
    assert gradcheck(WrongSquare.apply, (_x(),), raise_exception=False) is False
    assert gradcheck(Square.apply, (_x(),), raise_exception=False) is True


def test_a_nan_derivative_is_a_mismatch():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert gradcheck(lambda x: am.sqrt(x) * 0, (x,), raise_exception=False) is False  # 0 * inf = nan


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = _x()
    assert gradcheck(ConstantSlopeSquare.apply, (x,))
    with pytest.raises(GradcheckError, match=r"input 0 .*analytic 0 vs numeric"):
        gradgradcheck(ConstantSlopeSquare.apply, (x,))
    assert gradgradcheck(ConstantSlopeSquare.apply, (x,), raise_exception=False) is False
    assert gradgradcheck(Square.apply, (x,))


def test_gradgradcheck_with_given_grad_outputs():
    x = _x()
    v = np.random.default_rng(0).standard_normal(x.shape)
    assert gradgradcheck(lambda x: am.sigmoid(x) * x, (x,), grad_outputs=[v])
    assert gradgradcheck(ConstantSlopeSquare.apply, (x,), grad_outputs=[v], raise_exception=False) is False


def test_multiple_outputs():
    a, b = _x(), _x(start=-2.0)
    assert gradcheck(lambda a, b: (a * b, am.exp(a) - b), (a, b))
    assert gradgradcheck(lambda a, b: (a * b, am.exp(a) - b), (a, b))
    with pytest.raises(GradcheckError, match=r"output 1, input 1"):
        gradcheck(lambda a, b: (a * b, a + WrongSquare.apply(b)), (a, b))


def test_an_output_that_does_not_require_grad_is_fine():
    a = _x()
    assert gradcheck(lambda a: (a * a, Tensor(np.ones(3))), (a,))


def test_inputs_that_do_not_require_grad_are_skipped():
    a = _x()
    c = Tensor(_x(start=3.0).numpy())  # requires_grad=False: not checked, so the wrong rule goes unnoticed
    assert gradcheck(lambda a, c: a * WrongSquare.apply(c), (a, c))
    c.requires_grad_()
    assert gradcheck(lambda a, c: a * WrongSquare.apply(c), (a, c), raise_exception=False) is False


def test_non_tensor_inputs_pass_through_and_ndarrays_are_checked():
    x = _x()
    index = np.array([2, 0, 0])
    assert gradcheck(lambda x, k, i: x[:, i] ** k, (x, 3, index))
    assert gradcheck(lambda x: am.exp(x), (x.numpy(),))
    assert gradcheck(lambda x: WrongSquare.apply(x), (x.numpy(),), raise_exception=False) is False


def test_nothing_to_check_is_an_error():
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda x: x * 2, (Tensor(np.ones(3)),))


def test_inputs_are_left_untouched_and_checked_in_float64():
    x = Tensor(np.array([0.5, -1.25, 2.0], dtype=np.float32), requires_grad=True)
    before = x.numpy().copy()
    seen = []
    assert gradcheck(lambda t: seen.append(t.dtype) or am.tanh(t), (x,))
    assert set(seen) == {np.dtype(np.float64)}
    assert x.dtype == np.float32 and x.grad is None
    np.testing.assert_array_equal(x.numpy(), before)


def test_gradcheck_can_check_a_function_that_calls_grad():
    x = _x()
    w = _x(start=-0.3)

    def penalty(x, w):
        (gx,) = am.grad(am.tanh(x * w).sum(), x, create_graph=True)
        return (gx * gx).sum()

    assert gradcheck(penalty, (x, w))


# ***** outputs that share memory with an input *****


@pytest.mark.parametrize(
    "fn",
    [lambda x: x, lambda x: x.reshape(6), lambda x: x[0], lambda x: am.expand_dims(x, 0)],
    ids=["identity", "reshape", "x[0]", "expand_dims"],
)
def test_output_that_is_a_view_of_the_input(fn):
    assert gradcheck(fn, (_x(),))


def test_gradgradcheck_of_a_function_whose_derivative_passes_the_seed_through():
    assert gradgradcheck(lambda x: x + 1, (_x(),))
