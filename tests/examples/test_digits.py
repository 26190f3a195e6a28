"""examples/digits.py: the notes' network reaches >= 95% in its smoke run, is deterministic, resumes bit-exactly."""
import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import nn
from autograd_mini.data import FASHION_MNIST_DIR

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")
EPOCH_LINE = re.compile(r"^Epoch (\d+): (\d+) / (\d+)(?:\s|$)")


def _load_example():
    spec = importlib.util.spec_from_file_location("digits_example", os.path.join(EXAMPLES, "digits.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


digits = _load_example()


def epoch_lines(text):
    return [line for line in text.splitlines() if EPOCH_LINE.match(line)]


def run(capsys, *argv):
    digits.main(list(argv))
    return capsys.readouterr().out


def test_quick_run_reaches_95_percent_and_writes_its_files(tmp_path):
    out = tmp_path / "digits"
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, "digits.py"), "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = epoch_lines(proc.stdout)
    assert [int(EPOCH_LINE.match(line).group(1)) for line in lines] == list(range(digits.QUICK_EPOCHS))
    correct, total = map(int, EPOCH_LINE.match(lines[-1]).groups()[1:])
    assert total == 300
    assert correct / total >= 0.95, proc.stdout
    assert (out / "training_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (out / "network_graph.svg").read_text()
    ckpt = nn.load(out / "checkpoint.npz")
    assert ckpt["epochs_done"] == digits.QUICK_EPOCHS
    assert ckpt["history"]["correct"][-1] == correct
    assert ckpt["config"]["hidden"] == (30,) and set(ckpt["optim"]) == {"state", "param_groups"}


def test_same_seed_same_output(tmp_path, capsys):
    first = run(capsys, "--epochs", "2", "--dropout", "0.2", "--no-pictures", "--out", str(tmp_path / "a"))
    second = run(capsys, "--epochs", "2", "--dropout", "0.2", "--no-pictures", "--out", str(tmp_path / "b"))
    assert len(epoch_lines(first)) == 2
    assert epoch_lines(first) == epoch_lines(second)
    other = run(capsys, "--epochs", "2", "--seed", "1", "--no-pictures", "--out", str(tmp_path / "c"))
    assert epoch_lines(other) != epoch_lines(first)


@pytest.mark.parametrize("flags", [
    [],
    ["--optimizer", "momentum", "--dropout", "0.2"],
    ["--optimizer", "adam", "--cost", "cross-entropy", "--l2", "1.0", "--init", "lecun", "--activation", "tanh"],
], ids=["sgd", "momentum-dropout", "adam-ce-l2-tanh"])
def test_resume_is_bit_exact(tmp_path, capsys, flags):
    straight = run(capsys, *flags, "--epochs", "3", "--no-pictures", "--out", str(tmp_path / "straight"))
    part1 = run(capsys, *flags, "--epochs", "2", "--no-pictures", "--out", str(tmp_path / "resumed"))
    part2 = run(capsys, "--resume", str(tmp_path / "resumed" / "checkpoint.npz"), "--epochs", "1",
                "--no-pictures", "--out", str(tmp_path / "resumed"))
    assert epoch_lines(part1) + epoch_lines(part2) == epoch_lines(straight)
    a = nn.load(tmp_path / "straight" / "checkpoint.npz")
    b = nn.load(tmp_path / "resumed" / "checkpoint.npz")
    assert_identical(a, b)


def assert_identical(a, b, where="checkpoint"):
    """Same nested structure, same types, arrays bit for bit."""
    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_identical(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), where
    else:
        assert a == b, where


def test_resume_refuses_a_file_of_another_kind(tmp_path):
    nn.save({"w": np.ones(2)}, tmp_path / "other.npz")
    with pytest.raises(nn.CheckpointError, match="not a checkpoint written by examples/digits.py"):
        digits.main(["--resume", str(tmp_path / "other.npz"), "--out", str(tmp_path)])


def test_resume_refuses_other_settings(tmp_path, capsys):
    run(capsys, "--epochs", "1", "--no-pictures", "--out", str(tmp_path))
    with pytest.raises(SystemExit):
        digits.main(["--resume", str(tmp_path / "checkpoint.npz"), "--cost", "cross-entropy", "--out", str(tmp_path)])
    assert "differ" in capsys.readouterr().err


def test_quadratic_cost_is_the_notes_formula():
    import autograd_mini as am

    rng = np.random.default_rng(0)
    z = rng.normal(size=(7, 10)).astype(np.float64)
    y = np.eye(10)[rng.integers(0, 10, 7)]
    model = nn.Sequential(nn.Linear(2, 2))
    a = 1 / (1 + np.exp(-z))
    cfg = dict(digits.DEFAULTS, eta=3.0)
    quadratic = digits.cost(model, am.Tensor(z), am.Tensor(y), cfg, n_train=100).item()
    assert quadratic == pytest.approx(((y - a) ** 2).sum() / (2 * 7), rel=1e-12)
    ce = digits.cost(model, am.Tensor(z), am.Tensor(y), dict(cfg, cost="cross-entropy"), n_train=100).item()
    assert ce == pytest.approx(-(y * np.log(a) + (1 - y) * np.log(1 - a)).sum() / 7, rel=1e-10)
    w = model[0].weight.data
    l2 = digits.cost(model, am.Tensor(z), am.Tensor(y), dict(cfg, l2=2.5), n_train=100).item()
    assert l2 == pytest.approx(quadratic + 2.5 / (2 * 100) * (w.astype(np.float64) ** 2).sum(), rel=1e-6)


@pytest.mark.skipif(not os.path.isdir(FASHION_MNIST_DIR), reason="Fashion-MNIST is not installed")
def test_idx_data_directory(tmp_path, capsys):
    out = run(capsys, "--data", FASHION_MNIST_DIR, "--limit", "1000", "--epochs", "1", "--no-pictures",
              "--out", str(tmp_path))
    correct, total = map(int, EPOCH_LINE.match(epoch_lines(out)[0]).groups()[1:])
    assert total == 10_000 and correct > 3_000  # far above chance (1,000) after one epoch on 1,000 images
    assert re.search(r"^Test: \d+ / 10000", out, re.M)


def test_export_onnx_writes_the_trained_network(tmp_path, capsys):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    path = tmp_path / "digits.onnx"
    out = run(capsys, "--epochs", "1", "--hidden", "8", "--no-pictures", "--out", str(tmp_path / "d"),
              "--export-onnx", str(path))
    assert f"wrote {path}" in out
    assert "same predictions: True" in out
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["pixels"] and session.get_inputs()[0].shape == ["batch", 64]
    ckpt = nn.load(tmp_path / "d" / "checkpoint.npz")  # the trained weights: z(0) = W1 sigmoid(b0) + b1
    w1, b0, b1 = (ckpt["model"][k] for k in ("2.weight", "0.bias", "2.bias"))
    z = session.run(None, {"pixels": np.zeros((3, 64), np.float32)})[0]
    expected = w1 @ (1 / (1 + np.exp(-b0))) + b1
    np.testing.assert_allclose(z, np.broadcast_to(expected, (3, 10)), rtol=1e-5, atol=1e-5)
