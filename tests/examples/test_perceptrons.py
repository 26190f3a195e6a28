"""examples/perceptrons.py: NAND and half-adder truth tables, gates learned by sigmoid neurons, XOR."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")


def _load_example():
    spec = importlib.util.spec_from_file_location("perceptrons_example", os.path.join(EXAMPLES, "perceptrons.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


perceptrons = _load_example()


def test_nand_perceptron_truth_table():
    x1, x2 = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    np.testing.assert_array_equal(perceptrons.nand(x1, x2), [1, 1, 1, 0])
    np.testing.assert_array_equal(perceptrons.perceptron([[1, 1]], [-2, -2], 3), [0])


def test_half_adder_from_nands_only():
    x1, x2 = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    sum_bit, carry = perceptrons.half_adder(x1, x2)
    np.testing.assert_array_equal(sum_bit, x1 ^ x2)
    np.testing.assert_array_equal(carry, x1 & x2)


@pytest.mark.parametrize("seed", [0, 5])
def test_quick_run_claims(tmp_path, capsys, seed):
    results = perceptrons.main(["--quick", "--seed", str(seed), "--no-pictures", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "    1  1 |    -1 |  0" in out  # the printed NAND table
    np.testing.assert_array_equal(results["nand"], [1, 1, 1, 0])
    np.testing.assert_array_equal(results["sum"], [0, 1, 1, 0])
    np.testing.assert_array_equal(results["carry"], [0, 0, 0, 1])
    for gate in ("AND", "OR", "NAND"):
        outputs, right = results[gate]
        assert right == 4, (gate, outputs)
    assert results["XOR one sigmoid neuron"][1] <= 3
    assert results["XOR network 2-4-1"][1] == 4


def test_deterministic(tmp_path, capsys):
    perceptrons.main(["--quick", "--no-pictures", "--out", str(tmp_path)])
    first = capsys.readouterr().out
    perceptrons.main(["--quick", "--no-pictures", "--out", str(tmp_path)])
    assert capsys.readouterr().out == first


def test_script_runs_and_draws(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, "perceptrons.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "4 / 4 right" in proc.stdout
    assert (tmp_path / "gates.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "xor_network.svg").read_text()
