"""examples/cnn.py: a small conv + pool network learns the 8x8 digits (quick mode), next to an MLP trained on
the same batches; the Fashion-MNIST path runs too when the data set is installed."""
import importlib.util
import os

import numpy as np
import pytest

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "cnn.py")


def _load():
    spec = importlib.util.spec_from_file_location("example_cnn", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cnn_quick_digits(tmp_path):
    r = _load().main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "cnn_digits.png").stat().st_size > 0
    assert len(r["history"]["CNN"]) == 5
    # measured with --quick --seed 0 (5 epochs): CNN 0.947, MLP 0.936
    assert r["cnn_accuracy"] >= 0.9
    assert r["mlp_accuracy"] >= 0.85


def test_cnn_shapes():
    m = _load()
    x = m.am.Tensor(np.zeros((2, 1, 8, 8), dtype=np.float32))
    assert m.digits_cnn()(x).shape == (2, 10)
    assert m.mnist_cnn()(m.am.Tensor(np.zeros((2, 1, 28, 28), dtype=np.float32))).shape == (2, 10)


@pytest.mark.skipif(not os.path.isdir("/usr/share/datasets/fashion-mnist"), reason="Fashion-MNIST not installed")
def test_cnn_fashion_mnist_smoke(tmp_path):
    m = _load()
    r = m.main(["--quick", "--data", m.FASHION_MNIST_DIR, "--train-size", "1000", "--out", str(tmp_path)])
    assert (tmp_path / "cnn_fashion-mnist.png").stat().st_size > 0
    assert r["cnn_accuracy"] > 0.3  # 10 classes: well above chance after one epoch on 1,000 images
