"""Anomaly mode: the op that made a NaN or an infinity, and the user's line that called it."""
import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Function, Tensor
from autograd_mini.function import Function as _Base

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's own log(0) / 0**-0.5 warnings


def test_forward_nan_names_the_op_the_shapes_and_the_line():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with am.detect_anomaly():
        with pytest.raises(am.AnomalyError) as e:
            y = am.log(x)  # the line the message must quote
    msg = str(e.value)
    assert isinstance(e.value, RuntimeError)
    assert msg.startswith("Log (inputs of shapes (2,))") and "1 infinite of 2 values" in msg
    assert "test_anomaly.py:" in msg and "y = am.log(x)  # the line the message must quote" in msg


def test_backward_nan_names_the_op_the_input_and_the_forward_line():
    x = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    with am.detect_anomaly():
        s = am.sqrt(x)  # forward is finite; the derivative at 0 is infinite
        loss = s.sum()
        with pytest.raises(am.AnomalyError) as e:
            loss.backward()
    msg = str(e.value)
    assert msg.startswith("Pow's backward returned 1 infinite of 2 values in the gradient of input 0 (shape (2,))")
    assert "s = am.sqrt(x)  # forward is finite" in msg


def test_nan_inputs_are_not_blamed_on_the_op():
    x = Tensor(np.array([np.nan, 1.0]), requires_grad=True)
    with am.detect_anomaly():
        y = (x * x).sum()  # NaN in, NaN out (forward and backward): not this op's doing
        y.backward()
    assert np.isnan(x.grad.numpy()[0])


def test_off_by_default_and_restored():
    assert not am.is_anomaly_enabled()
    x = Tensor(np.array([0.0]), requires_grad=True)
    assert np.isneginf(am.log(x).numpy()).all()  # no error without anomaly mode
    with am.detect_anomaly(check_nan=False):
        assert am.is_anomaly_enabled() and not am.is_anomaly_check_nan_enabled()
        am.log(x)  # only records where ops were called
    assert not am.is_anomaly_enabled()
    assert Function.__dict__["apply"] is _Base.__dict__["apply"]


def test_decorator_and_set_detect_anomaly():
    @am.detect_anomaly()
    def f(x):
        assert am.is_anomaly_enabled()
        return am.log(x)

    with pytest.raises(am.AnomalyError):
        f(Tensor(np.array([0.0])))
    assert not am.is_anomaly_enabled()
    am.set_detect_anomaly(True)
    assert am.is_anomaly_enabled()
    am.set_detect_anomaly(False)
    with am.set_detect_anomaly(True):
        assert am.is_anomaly_enabled()
    assert not am.is_anomaly_enabled()


def test_an_error_inside_backward_gets_the_forward_line():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            raise ValueError("bug in my backward")

    x = Tensor(np.ones(2), requires_grad=True)
    with am.detect_anomaly():
        y = Broken.apply(x).sum()  # the forward call
        with pytest.raises(ValueError, match="bug in my backward") as e:
            y.backward()
    notes = "\n".join(getattr(e.value, "__notes__", []))
    assert "Broken whose backward failed was called at" in notes and "y = Broken.apply(x).sum()" in notes
