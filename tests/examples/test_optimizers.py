"""examples/optimizers.py: every optimizer decreases both losses and reaches the Rosenbrock minimum's neighbourhood."""
import importlib.util
import os

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")


def _load_example():
    spec = importlib.util.spec_from_file_location("optimizers_example", os.path.join(EXAMPLES, "optimizers.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


optimizers = _load_example()
NAMES = ["SGD", "momentum", "Nesterov", "RMSprop", "Adam"]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("optimizers")
    return optimizers.main(["--quick", "--out", str(out)]), out


def test_rosenbrock_function():
    assert optimizers.rosenbrock(np.array([1.0, 1.0])) == 0
    assert optimizers.rosenbrock(np.array([-1.2, 1.0])) == pytest.approx(24.2)


@pytest.mark.parametrize("name", NAMES)
def test_rosenbrock_reaches_the_minimum(quick, name):
    r = quick[0]["rosenbrock"][name]
    assert r["final"] < 1e-2 * r["start"]
    assert r["distance"] < optimizers.NEIGHBOURHOOD


@pytest.mark.parametrize("name", NAMES)
def test_digits_cost_decreases(quick, name):
    r = quick[0]["digits"][name]
    assert r["final"] < 0.2 * r["start"]
    assert r["accuracy"] > 85


def test_writes_plots(quick):
    out = quick[1]
    for name in ("rosenbrock.png", "digits_loss.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
