"""The mutation audit's own parts: it finds every op with a derivative, and its mutant is caught by gradcheck."""
import importlib.util
import pathlib

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import GradcheckError, gradcheck, ops
from autograd_mini.function import Function

_spec = importlib.util.spec_from_file_location("mutation_audit", pathlib.Path(__file__).with_name("mutation_audit.py"))
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)


def test_finds_every_primitive_op():
    found = audit._functions()
    in_ops = {name for name in dir(ops) if isinstance(getattr(ops, name), type)
              and issubclass(getattr(ops, name), Function) and getattr(ops, name) is not Function}
    assert in_ops and in_ops <= set(found)
    assert {"Add", "Mul", "MatMul", "Linear", "SoftmaxCrossEntropy", "Unfold"} <= set(found)


@pytest.mark.parametrize("index", [0, 1])
def test_a_mutant_fails_gradcheck(index):
    original = ops.Mul.backward
    a = am.Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    b = am.Tensor(np.array([1.25, 0.75, -0.5]), requires_grad=True)
    assert gradcheck(lambda x, y: x * y, (a, b))

    def mutate(gxs):
        gxs[index] = gxs[index] * audit.SCALE
        return gxs

    audit._wrap(ops.Mul, mutate)
    try:
        with pytest.raises(GradcheckError, match=f"input {index}"):
            gradcheck(lambda x, y: x * y, (a, b))
    finally:
        ops.Mul.backward = staticmethod(original)
    assert gradcheck(lambda x, y: x * y, (a, b))


def test_the_plugin_applies_the_named_mutant_and_says_so(monkeypatch, tmp_path):
    original = ops.Mul.backward
    flag = tmp_path / "applied"
    monkeypatch.setenv(audit.MUTATE, "Mul:1")
    monkeypatch.setenv(audit.APPLIED, str(flag))
    audit._install()
    try:
        a = am.Tensor(np.array([2.0, 3.0]), requires_grad=True)
        b = am.Tensor(np.array([5.0, 7.0]), requires_grad=True)
        (a * b).sum().backward()
    finally:
        ops.Mul.backward = staticmethod(original)
    np.testing.assert_allclose(a.grad.numpy(), [5.0, 7.0])  # input 0 untouched
    np.testing.assert_allclose(b.grad.numpy(), [2.0 * audit.SCALE, 3.0 * audit.SCALE])
    assert flag.exists()
