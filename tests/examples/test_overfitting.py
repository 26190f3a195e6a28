"""examples/overfitting.py: 100% training accuracy, a held-out gap, and L2 and dropout narrowing it."""
import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")


def _load_example():
    spec = importlib.util.spec_from_file_location("overfitting_example", os.path.join(EXAMPLES, "overfitting.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


overfitting = _load_example()


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("overfitting")
    results, runs = overfitting.main(["--quick", "--out", str(out)])
    return results, runs, out


def test_unregularized_run_overfits(quick):
    results, runs, _ = quick
    plain = results["no regularization"]
    assert plain["train"] >= 99.9          # it fits its 100 images perfectly
    assert plain["gap"] > 8                # and is far worse on the images it never saw (measured: 13-16)
    assert plain["held_out"] > 70          # yet it did learn something


def test_l2_and_dropout_narrow_the_gap(quick):
    results, _, _ = quick
    plain = results["no regularization"]
    for label, r in results.items():
        if label == "no regularization":
            continue
        assert r["train"] >= 98.5, label   # regularization does not stop it from fitting the training set
        assert r["gap"] < plain["gap"], label
        assert r["best"] > plain["best"], label


def test_writes_plot(quick):
    _, _, out = quick
    assert (out / "overfitting.png").read_bytes()[:4] == b"\x89PNG"
