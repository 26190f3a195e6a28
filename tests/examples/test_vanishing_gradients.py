"""examples/vanishing_gradients.py: early sigmoid layers get orders of magnitude less gradient, ReLU layers do not."""
import importlib.util
import os

import numpy as np

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")


def _load_example():
    spec = importlib.util.spec_from_file_location(
        "vanishing_gradients_example", os.path.join(EXAMPLES, "vanishing_gradients.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vanishing = _load_example()


def test_quick_run_claims_and_pictures(tmp_path, capsys):
    result = vanishing.main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "first / last layer" in out
    sigmoid, relu = result["at_init"]["sigmoid"], result["at_init"]["relu"]
    assert len(sigmoid) == len(relu) == 8
    # at initialization: sigmoid's first layer gets < 1/100 of the last layer's gradient, ReLU's within 10x
    assert sigmoid[0] < 1e-2 * sigmoid[-1]
    assert 0.1 * relu[-1] < relu[0] < 10 * relu[-1]
    # and the sigmoid network's norms fall monotonically towards the input
    assert np.all(np.diff(sigmoid) > 0)
    # still so after training
    during = result["during"]
    assert during["sigmoid"][-1][0] < 1e-2 * during["sigmoid"][-1][-1]
    assert during["relu"][-1][0] > 0.1 * during["relu"][-1][-1]
    assert result["accuracy"]["relu"][-1] > result["accuracy"]["sigmoid"][-1]
    assert (tmp_path / "gradient_norms.png").read_bytes()[:4] == b"\x89PNG"
    svg = (tmp_path / "deep_networks.svg").read_text()
    assert "<svg" in svg and "sigmoid_net" in svg and "relu_net" in svg


def test_deterministic(tmp_path, capsys):
    a = vanishing.main(["--quick", "--epochs", "1", "--no-pictures", "--out", str(tmp_path)])
    first = capsys.readouterr().out
    b = vanishing.main(["--quick", "--epochs", "1", "--no-pictures", "--out", str(tmp_path)])
    second = capsys.readouterr().out
    np.testing.assert_array_equal(a["during"]["relu"], b["during"]["relu"])
    strip = lambda text: [line for line in text.splitlines() if "s:" not in line]  # noqa: E731 (timings)
    assert strip(first) == strip(second)
