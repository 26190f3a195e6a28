"""examples/loss_landscape.py, run small: power iteration on func.hvp finds the explicit Hessian's top eigenvalue,
the eigenpairs are eigenpairs, and Gauss-Newton beats gradient descent and momentum per step."""
import importlib.util
import os

import numpy as np

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples",
                       "loss_landscape.py")


def _load():
    spec = importlib.util.spec_from_file_location("example_loss_landscape", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loss_landscape_quick(tmp_path):
    r = _load().main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "loss_landscape.png").stat().st_size > 0
    # training went somewhere
    assert r["epoch_losses"][-1] < 0.5 * r["epoch_losses"][0]
    # power iteration on HVPs vs eigvalsh of the explicit Hessian (func.hessian) of a tiny net
    assert abs(r["tiny_top_power"] - r["tiny_top_explicit"]) < 1e-6 * max(1.0, abs(r["tiny_top_explicit"]))
    assert r["tiny_hessian_asymmetry"] < 1e-12
    # the eigenpairs of the big net are (approximately, few iterations in --quick) eigenpairs, sorted
    lams = r["eigenvalues"]
    assert lams[0] >= lams[1] >= lams[2] > 0
    assert max(r["eigen_residuals"]) < 0.05
    # the sharpest direction is much sharper than a random one
    assert lams[0] > 10 * abs(r["curvature_random"])
    # the plane through the trained point: the trained point is (near) the lowest on the grid's middle row/col
    s = r["surface"]
    mid = s.shape[0] // 2
    assert s[mid, mid] <= s[mid].min() + 1e-3 and s[mid, mid] <= s[:, mid].min() + 1e-3
    # Gauss-Newton vs first order, same start, same number of steps
    gn, gd, mom = (r["curves"][k] for k in ("Gauss-Newton (LM)", "gradient descent", "momentum 0.9"))
    assert all(np.diff(gn) <= 1e-15)  # LM only accepts steps that lower the loss
    assert gn[-1] < 0.01 * gd[-1] and gn[-1] < 0.01 * mom[-1]
    first_below = next(i for i, v in enumerate(gn) if v < gd[-1])
    assert first_below <= 2  # Gauss-Newton passes gradient descent's final loss within two steps


def test_top_eigenpairs_on_a_known_matrix():
    m = _load()
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    lam = np.array([5.0, -3.0, 2.0, 1.0, 0.5, 0.1])
    H = Q @ np.diag(lam) @ Q.T
    values, vectors, _ = m.top_eigenpairs(lambda v: H @ v, 6, 3, rng, max_iter=5000, tol=1e-14)
    np.testing.assert_allclose(values, [5.0, -3.0, 2.0], atol=1e-8)  # largest magnitude first
    for v, u in zip(values, vectors):
        np.testing.assert_allclose(H @ u, v * u, atol=1e-6)
