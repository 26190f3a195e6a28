"""examples/second_order.py: HVPs by double backward match finite differences and the explicit Hessian;
Newton's method (H from HVPs, or CG on HVPs) converges quadratically."""
import importlib.util
import os

import numpy as np

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "second_order.py")


def _load():
    spec = importlib.util.spec_from_file_location("example_second_order", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_second_order_quick(tmp_path):
    r = _load().main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "newton.png").stat().st_size > 0
    assert r["hvp_fd_error"] < 1e-8  # central differences, eps = 1e-5: O(eps^2) + roundoff
    assert r["hvp_explicit_error"] < 1e-12
    assert r["hessian_error_at_optimum"] < 1e-12
    assert r["gradgradcheck"]
    for norms in (r["newton_grad_norms"], r["newton_cg_grad_norms"]):
        assert norms[-1] < 1e-8 and len(norms) <= 10
        # quadratic at the end: |g_k+1| <= C |g_k|^2 (measured C ~ 40 for the last three steps)
        assert norms[-2] < 100 * norms[-3] ** 2 and norms[-1] < 100 * norms[-2] ** 2
    assert r["gd_grad_norms"][-1] > 1e-3  # gradient descent is nowhere near after the same few steps


def test_hvp_is_symmetric_and_linear():
    m = _load()
    X, y = m.load_problem()
    loss = m.LogisticLoss(X, y, 1e-3)
    rng = np.random.default_rng(0)
    w, u, v = (rng.standard_normal(X.shape[1]) for _ in range(3))
    w *= 0.1
    assert np.isclose(u @ loss.hvp(w, v), v @ loss.hvp(w, u), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(loss.hvp(w, 2 * u + v), 2 * loss.hvp(w, u) + loss.hvp(w, v), rtol=1e-12, atol=1e-14)
