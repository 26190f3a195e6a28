"""Second-order derivatives: Hessian-vector products of a logistic-regression loss, and Newton's method.

The loss is L2-regularized logistic regression on two digit classes (3 vs 8 of the 8x8 digits, 64 pixels plus
a bias feature, float64):

    L(w) = mean_i [ softplus(x_i . w) - y_i * (x_i . w) ] + lam/2 * |w|^2,      softplus(z) = log(1 + e^z)
    grad L = X^T (p - y) / n + lam * w,     H = X^T diag(p (1 - p)) X / n + lam * I,     p = sigmoid(X w)

The loss is nn.functional.binary_cross_entropy_with_logits (softplus(z) - y z, smooth at z = 0) plus the L2
term; all derivatives come from the function transforms of autograd_mini.func: func.grad(L)(w) is the
gradient, func.hvp(L, w, v) a Hessian-vector product (a double backward: g = grad L recorded with
create_graph is itself a graph, and the gradient of g . v is H v, the Hessian never formed), and
func.hessian(L)(w) the whole Hessian (g recorded once, then all its rows in one batched backward). The script

1. checks H v against central differences of the gradient, (g(w + eps v) - g(w - eps v)) / (2 eps), and
   against the explicit Hessian above computed in numpy (prints the max abs errors);
2. runs Newton's method w <- w - H^{-1} g from w = 0 twice: with H from func.hessian, and matrix-free with conjugate gradients that only ever ask for H v (Newton-CG). The gradient
   norm per step shows quadratic convergence (the number of correct digits doubles), next to plain gradient
   descent, which is linear;
3. plots the gradient norms (newton.png).

    python examples/second_order.py [--out out/second_order] [--seed 0] [--lam 1e-3] [--quick]

Runs in a few seconds (--quick: 100 instead of 2000 steps of gradient descent).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Timer, make_parser, prepare_out, pyplot, save_figure, seed_all  # noqa: E402

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
from autograd_mini import func  # noqa: E402
from autograd_mini.data import load_digits  # noqa: E402


def load_problem(classes=(3, 8)):
    """X (n, 65) float64 with a bias column, y (n,) in {0, 1} (1 for the second class)."""
    X, y = load_digits()
    keep = (y == classes[0]) | (y == classes[1])
    X = np.hstack([X[keep].astype(np.float64), np.ones((int(keep.sum()), 1))])
    return X, (y[keep] == classes[1]).astype(np.float64)


class LogisticLoss:
    """L(w) and its derivatives by autograd_mini.func (gradient, HVP, Hessian) plus the numpy Hessian."""

    def __init__(self, X, y, lam):
        self.X, self.y, self.lam = X, y, lam
        self._X, self._y = am.Tensor(X), am.Tensor(y)

    def __call__(self, w):
        z = self._X @ w
        return nn.functional.binary_cross_entropy_with_logits(z, self._y) + 0.5 * self.lam * (w * w).sum()

    def gradient(self, w):
        return func.grad(self)(w).data

    def hvp(self, w, v):
        """H(w) v by double backward (func.hvp: grad of (grad L . v)), without forming H."""
        return func.hvp(self, w, np.asarray(v, dtype=np.float64))[1].data

    def gradient_and_hessian(self, w):
        """g and H (func.hessian: grad L recorded once, then all its rows in one batched backward)."""
        return self.gradient(w), func.hessian(self)(w).data

    def explicit_hessian(self, w):
        p = 1.0 / (1.0 + np.exp(-self.X @ w))
        n, d = self.X.shape
        return self.X.T @ (self.X * (p * (1 - p))[:, None]) / n + self.lam * np.eye(d)


def fd_hvp(loss, w, v, eps=1e-5):
    """Central difference of the gradient along v: H v + O(eps^2)."""
    return (loss.gradient(w + eps * v) - loss.gradient(w - eps * v)) / (2 * eps)


def conjugate_gradient(matvec, b, tol=1e-12, max_iter=500):
    """Solve A x = b for symmetric positive definite A, given only x -> A x."""
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rr = r @ r
    for _ in range(max_iter):
        if np.sqrt(rr) <= tol * np.linalg.norm(b):
            break
        Ap = matvec(p)
        alpha = rr / (p @ Ap)
        x += alpha * p
        r -= alpha * Ap
        rr, rr_old = r @ r, rr
        p = r + (rr / rr_old) * p
    return x


def newton(loss, w0, tol=1e-10, max_steps=20, matrix_free=False):
    """Newton steps from w0 until |g| < tol; returns (w, gradient norms before each step, CG HVP counts)."""
    w = w0.copy()
    norms, hvps = [], []
    for _ in range(max_steps + 1):
        if matrix_free:
            g = loss.gradient(w)
        else:
            g, H = loss.gradient_and_hessian(w)
        norms.append(float(np.linalg.norm(g)))
        if norms[-1] < tol or len(norms) > max_steps:
            break
        if matrix_free:
            count = [0]

            def matvec(v):
                count[0] += 1
                return loss.hvp(w, v)

            d = conjugate_gradient(matvec, g)
            hvps.append(count[0])
        else:
            d = np.linalg.solve(H, g)
        w = w - d
    return w, norms, hvps


def gradient_descent(loss, w0, steps):
    """Plain gradient descent with step 1 / (largest Hessian eigenvalue at w0, an upper bound for every w)."""
    lr = 1.0 / np.linalg.eigvalsh(loss.explicit_hessian(w0)).max()
    w, norms = w0.copy(), []
    for _ in range(steps):
        g = loss.gradient(w)
        norms.append(float(np.linalg.norm(g)))
        w = w - lr * g
    return w, norms


def main(argv=None):
    parser = make_parser(__doc__, name="second_order")
    parser.add_argument("--lam", type=float, default=1e-3, help="L2 regularization (default: %(default)s)")
    args = parser.parse_args(argv)
    out = prepare_out(args.out)
    rng = seed_all(args.seed)

    with Timer() as timer:
        X, y = load_problem()
        loss = LogisticLoss(X, y, args.lam)
        n, d = X.shape
        print(f"logistic regression, digits 3 vs 8: n = {n}, d = {d} (64 pixels + bias), lam = {args.lam:g}")

        # 1. HVPs at a few random points and directions
        fd_err = hess_err = 0.0
        for _ in range(3):
            w, v = 0.1 * rng.standard_normal(d), rng.standard_normal(d)
            hv = loss.hvp(w, v)
            fd_err = max(fd_err, float(np.abs(hv - fd_hvp(loss, w, v)).max()))
            hess_err = max(hess_err, float(np.abs(hv - loss.explicit_hessian(w) @ v).max()))
        print(f"HVP vs central differences of the gradient (eps = 1e-5): max abs error {fd_err:.2e}")
        print(f"HVP vs explicit X^T diag(p(1-p)) X / n + lam I:        max abs error {hess_err:.2e}")
        w = 0.1 * rng.standard_normal(d)
        g_check = am.gradgradcheck(loss, [am.Tensor(w, requires_grad=True)])
        print(f"gradgradcheck of L (full second-derivative Jacobian vs finite differences): {g_check}")

        # 2. Newton from w = 0
        w0 = np.zeros(d)
        w_newton, newton_norms, _ = newton(loss, w0)
        _, H_star = loss.gradient_and_hessian(w_newton)
        hess_err_star = float(np.abs(H_star - loss.explicit_hessian(w_newton)).max())
        w_cg, cg_norms, cg_hvps = newton(loss, w0, matrix_free=True)
        _, gd_norms = gradient_descent(loss, w0, 100 if args.quick else 2000)
        print("step   |g| Newton (func.hessian)   |g| Newton-CG (HVPs per step)")
        for k in range(max(len(newton_norms), len(cg_norms))):
            a = f"{newton_norms[k]:.3e}" if k < len(newton_norms) else ""
            b = f"{cg_norms[k]:.3e}" + (f"  ({cg_hvps[k]})" if k < len(cg_hvps) else "") if k < len(cg_norms) else ""
            print(f"{k:4d}   {a:>24}   {b:>24}")
        print(f"explicit vs func.hessian at the optimum: max abs error {hess_err_star:.2e}")
        print(f"gradient descent: |g| = {gd_norms[-1]:.3e} after {len(gd_norms)} steps")
        accuracy = float(((X @ w_newton > 0) == (y == 1)).mean())
        print(f"training accuracy at the optimum: {accuracy:.3f}; |w_newton - w_cg|_max = "
              f"{np.abs(w_newton - w_cg).max():.1e}")

    plt = pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.semilogy(newton_norms, "o-", label="Newton, H from func.hessian")
        ax.semilogy(cg_norms, "s--", label="Newton-CG (matrix-free, HVPs only)")
        ax.semilogy(gd_norms, "-", color="gray", label="gradient descent, step 1/L")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlabel("step")
        ax.set_ylabel("gradient norm |g|")
        ax.set_title(f"Logistic regression (digits 3 vs 8, lam={args.lam:g}): quadratic vs linear convergence",
                     fontsize=9)
        ax.axhline(1e-8, color="k", lw=0.5, ls=":")
        ax.legend(fontsize=8)
        save_figure(fig, os.path.join(out, "newton.png"))
    print(f"time: {timer.seconds:.1f} s")
    return {
        "hvp_fd_error": fd_err,
        "hvp_explicit_error": hess_err,
        "hessian_error_at_optimum": hess_err_star,
        "gradgradcheck": bool(g_check),
        "newton_grad_norms": newton_norms,
        "newton_cg_grad_norms": cg_norms,
        "newton_cg_hvps": cg_hvps,
        "gd_grad_norms": gd_norms,
        "train_accuracy": accuracy,
        "seconds": timer.seconds,
    }


if __name__ == "__main__":
    main()
