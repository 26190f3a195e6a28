"""examples/sequence.py: trained by backprop through time on "remember the first bit", the LSTM solves the
task while the plain tanh RNN stays near chance (quick mode: T = 30)."""
import importlib.util
import os

import numpy as np

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "sequence.py")


def _load():
    spec = importlib.util.spec_from_file_location("example_sequence", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sequence_quick_lstm_beats_rnn(tmp_path):
    r = _load().main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "sequence.png").stat().st_size > 0
    assert r["T"] == 30
    # measured with --quick, seeds 0-3: LSTM 1.000 (>= 95 % after 50-90 steps), RNN 0.47-0.51
    assert r["lstm_accuracy"] >= 0.95
    assert r["rnn_accuracy"] <= 0.65
    rnn = r["results"]["rnn"]["grad_init"]
    assert rnn[0] < 1e-4 * rnn[-1]  # the vanishing gradient: almost nothing reaches the first bit


def test_task_and_chrono_init():
    m = _load()
    x, y = m.first_bit_task(np.random.default_rng(0), 50, 7)
    assert x.shape == (50, 7, 2) and set(np.unique(x[:, :, 0])) == {-1.0, 1.0}
    assert np.array_equal(x[:, :, 1], np.eye(7, dtype=np.float32)[[0] * 50])
    assert np.array_equal(y, (x[:, 0, 0] > 0).astype(np.int64))
    cell = m.nn.LSTMCell(2, 8)
    m.chrono_init_(cell, 20, np.random.default_rng(0))
    forget = cell.bias_ih.data[8:16] + cell.bias_hh.data[8:16]
    inp = cell.bias_ih.data[:8] + cell.bias_hh.data[:8]
    assert np.all((forget >= 0) & (forget <= np.log(19) + 1e-6)) and np.allclose(inp, -forget)
