"""examples/autoencoder.py: the denoising autoencoder's output is closer to the clean digits than its noisy
input is (and closer than a plain autoencoder's output)."""
import importlib.util
import os

import numpy as np

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "autoencoder.py")


def _load():
    spec = importlib.util.spec_from_file_location("example_autoencoder", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_autoencoder_quick_denoises(tmp_path):
    r = _load().main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "denoising.png").stat().st_size > 0
    e = r["mse"]
    # measured with --quick --seed 0: noisy 0.0519, plain AE 0.0255, denoising AE 0.0236
    assert e["denoising autoencoder(noisy)"] < 0.6 * e["noisy input"]
    assert e["denoising autoencoder(noisy)"] < e["plain autoencoder(noisy)"]
    assert r["dae_history"][-1] < r["dae_history"][0]


def test_noise_stays_in_pixel_range():
    m = _load()
    x = np.linspace(0, 1, 64, dtype=np.float32).reshape(1, 64)
    noisy = m.add_noise(x, 0.3, np.random.default_rng(0))
    assert noisy.dtype == np.float32 and noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, x)
