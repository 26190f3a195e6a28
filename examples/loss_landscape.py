"""The loss landscape around a trained network, and a Gauss-Newton step next to SGD and momentum.

Nielsen's notes (chapter 3, "Variations on stochastic gradient descent") describe the Hessian technique,
w <- w - H^{-1} grad C, which uses the curvature that plain gradient descent ignores, and point out why it is
rarely used as is: H has (#weights)^2 entries. Momentum is their cheap alternative. This script looks at the
curvature of a real network without ever forming H, using the function transforms of autograd_mini.func:

1. trains a tanh network [64, 16, 10] (cross-entropy, mini-batches of 50, SGD with momentum 0.9) on the
   bundled 8x8 digits; the parameters are one flat vector theta, so the loss is a plain function L(theta);
2. finds the top Hessian eigenvalues at the trained point by power iteration on Hessian-vector products
   (func.hvp: two backwards each, H never formed), with deflation for the 2nd and 3rd; lambda_max bounds the
   learning rate of plain gradient descent (stable only for eta < 2 / lambda_max along that direction);
3. plots the loss on the plane through the trained point spanned by the two sharpest directions (the top
   eigenvectors), and along the sharpest direction next to a random one, with the quadratic model
   L* + lambda/2 * alpha^2 (its curvature is lambda);
4. fits a small network [1, 10, 1] (tanh) to y = sin(3x) by least squares with three methods from the same
   start: gradient descent (step 1 / the largest eigenvalue of the Gauss-Newton matrix at the start),
   momentum 0.9 with the same step, and Gauss-Newton (Levenberg-Marquardt damped): each step solves
   (J^T J + mu I) d = J^T r with the Jacobian J of the residuals from func.jacrev. J^T J is the Hessian
   without its second-derivative term, and the Fisher matrix of the Gaussian likelihood: here the Gauss-Newton
   step is also the natural-gradient step. The loss per step is printed and plotted.

Checks printed: the power-iteration eigenvalue against the explicit Hessian (func.hessian + eigvalsh) on a
tiny network, and the residual |H u - lambda u| / lambda of each eigenpair of the big one.

Writes to --out (default out/loss_landscape): loss_landscape.png (the three panels).

    python examples/loss_landscape.py [--epochs 30] [--grid 31] [--steps 60] [--seed 0] [--quick]

Runs in about 20 seconds; --quick (the tests): fewer epochs, a coarser grid, fewer power iterations.
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


class FlatMLP:
    """A tanh MLP whose parameters live in one flat vector theta (so that L(theta) is a plain function)."""

    def __init__(self, sizes):
        self.shapes = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            self.shapes += [(n_out, n_in), (n_out,)]
        self.size = sum(int(np.prod(s)) for s in self.shapes)

    def init(self, rng) -> np.ndarray:
        """Weights N(0, 1/n_in), biases 0."""
        parts = [rng.standard_normal(s) / np.sqrt(s[1]) if len(s) == 2 else np.zeros(s) for s in self.shapes]
        return np.concatenate([p.reshape(-1) for p in parts])

    def __call__(self, theta, x):
        start, params = 0, []
        for s in self.shapes:
            n = int(np.prod(s))
            params.append(theta[start:start + n].reshape(*s))
            start += n
        h = x
        for i in range(0, len(params), 2):
            h = nn.functional.linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = am.tanh(h)
        return h


# ----- 1. training ------------------------------------------------------------------------------------


def train(net, theta, X, y, epochs, rng, lr=0.1, momentum=0.9, batch=50):
    """Mini-batch SGD with momentum on L(theta) = cross-entropy; returns theta and the loss per epoch."""
    velocity = np.zeros_like(theta)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            idx = order[start:start + batch]
            xb, yb = am.Tensor(X[idx]), y[idx]
            g = func.grad(lambda th: nn.functional.cross_entropy(net(th, xb), yb))(theta).data
            velocity = momentum * velocity - lr * g
            theta = theta + velocity
        losses.append(full_loss(net, theta, X, y))
    return theta, losses


def full_loss(net, theta, X, y) -> float:
    with am.no_grad():
        return float(nn.functional.cross_entropy(net(am.Tensor(theta), am.Tensor(X)), y))


# ----- 2. top Hessian eigenvalues by power iteration ---------------------------------------------------


def top_eigenpairs(hvp, dim, k, rng, max_iter=500, tol=1e-10):
    """The k eigenvalues of largest magnitude of a symmetric H (and unit eigenvectors), given v -> H v.

    Power iteration v <- H v / |H v| with the found eigenvectors projected out (deflation); the eigenvalue
    estimate is the Rayleigh quotient v . H v, stopped when it changes by less than tol (relative).
    Returns (eigenvalues, eigenvectors as rows, iterations used per eigenvalue).
    """
    values, vectors, iters = [], [], []
    for _ in range(k):
        v = rng.standard_normal(dim)
        lam = 0.0
        for it in range(1, max_iter + 1):
            for u in vectors:
                v = v - (u @ v) * u
            v = v / np.linalg.norm(v)
            hv = hvp(v)
            new = float(v @ hv)
            v = hv
            if abs(new - lam) <= tol * abs(new):
                lam = new
                break
            lam = new
        for u in vectors:
            v = v - (u @ v) * u
        values.append(lam)
        vectors.append(v / np.linalg.norm(v))
        iters.append(it)
    return np.array(values), np.array(vectors), iters


# ----- 4. Gauss-Newton next to SGD and momentum --------------------------------------------------------


def least_squares_problem(n=40):
    x = np.linspace(-1, 1, n).reshape(n, 1)
    return x, np.sin(3 * x[:, 0])


def compare_optimizers(steps, rng):
    """Gradient descent, momentum and Gauss-Newton (LM) on 1/2 mean r^2 of a [1, 10, 1] tanh net."""
    net = FlatMLP([1, 10, 1])
    x, t = least_squares_problem()
    xt = am.Tensor(x)
    n = len(t)

    def residuals(theta):
        return net(theta, xt).reshape(-1) - am.Tensor(t)

    def loss(theta):
        r = residuals(theta)
        return 0.5 * (r * r).mean()

    theta0 = net.init(rng)
    J0 = func.jacrev(residuals)(theta0).data
    lr = 1.0 / np.linalg.eigvalsh(J0.T @ J0 / n).max()  # 1 / the largest curvature of the GN model at start

    value_and_grad = func.value_and_grad(loss)
    curves = {}
    for name, beta in (("gradient descent", 0.0), ("momentum 0.9", 0.9)):
        theta, v, losses = theta0.copy(), np.zeros_like(theta0), []
        for _ in range(steps):
            value, g = value_and_grad(theta)
            losses.append(float(value))
            v = beta * v - lr * g.data
            theta = theta + v
        losses.append(float(loss(theta)))
        curves[name] = losses
    theta, mu, losses = theta0.copy(), 1e-3, []
    for _ in range(steps):
        r = residuals(theta).data
        losses.append(0.5 * float(r @ r) / n)
        J = func.jacrev(residuals)(theta).data
        A, b = J.T @ J, J.T @ r
        while True:  # Levenberg-Marquardt: raise the damping until the step lowers the loss
            step = np.linalg.solve(A + mu * np.eye(len(theta)), b)
            new = float(loss(theta - step))
            if new < losses[-1] or mu > 1e8:
                break
            mu *= 10
        theta = theta - step
        mu = max(mu / 3, 1e-9)
    losses.append(float(loss(theta)))
    curves["Gauss-Newton (LM)"] = losses
    return curves, lr


# ----- a tiny network, for checking power iteration against the explicit Hessian -----------------------


def tiny_check(X, y, rng):
    """Top eigenvalue of the explicit Hessian (func.hessian) of a [64, 3, 10] net vs power iteration."""
    net = FlatMLP([64, 3, 10])
    xs, ys = am.Tensor(X[:100]), y[:100]

    def loss(theta):
        return nn.functional.cross_entropy(net(theta, xs), ys)

    theta = net.init(rng)
    H = func.hessian(loss)(theta).data
    explicit = np.linalg.eigvalsh(H)
    top = explicit[np.argmax(np.abs(explicit))]
    power, _, iters = top_eigenpairs(lambda v: func.hvp(loss, theta, v)[1].data, net.size, 1, rng,
                                     max_iter=5000, tol=1e-14)
    return float(top), float(power[0]), iters[0], float(np.abs(H - H.T).max())


def main(argv=None):
    parser = make_parser(__doc__, name="loss_landscape")
    parser.add_argument("--epochs", type=int, default=30, help="training epochs (default: %(default)s)")
    parser.add_argument("--grid", type=int, default=31, help="points per side of the 2-D slice (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=60, help="steps of each optimizer in part 4 (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.grid, args.steps = 3, 9, 30
    out = prepare_out(args.out)
    rng = seed_all(args.seed)

    with Timer() as timer:
        X, y = load_digits()
        X = X.astype(np.float64)
        order = rng.permutation(len(X))
        train_idx = order[:1000]
        Xtr, ytr = X[train_idx], y[train_idx]

        # 1. train
        net = FlatMLP([64, 16, 10])
        theta, epoch_losses = train(net, net.init(rng), Xtr, ytr, args.epochs, rng)
        print(f"network [64, 16, 10], {net.size} parameters; training loss {epoch_losses[0]:.4f} after one "
              f"epoch, {epoch_losses[-1]:.4f} after {args.epochs}")
        Xt = am.Tensor(Xtr)

        def loss(th):
            return nn.functional.cross_entropy(net(th, Xt), ytr)

        grad_norm = float(np.linalg.norm(func.grad(loss)(theta).data))

        # 2. the sharpest directions
        k = 3
        values, vectors, iters = top_eigenpairs(lambda v: func.hvp(loss, theta, v)[1].data, net.size, k, rng,
                                                max_iter=60 if args.quick else 400, tol=1e-8)
        residuals = [float(np.linalg.norm(func.hvp(loss, theta, u)[1].data - lam * u) / abs(lam))
                     for lam, u in zip(values, vectors)]
        print(f"at the trained point: |grad L| = {grad_norm:.2e}; top Hessian eigenvalues by power iteration "
              f"on func.hvp:")
        for i, (lam, it, res) in enumerate(zip(values, iters, residuals)):
            print(f"  lambda_{i + 1} = {lam:9.4f}  ({it} HVPs, |H u - lambda u| / lambda = {res:.1e})")
        print(f"plain gradient descent is stable along u_1 only for eta < 2 / lambda_1 = {2 / values[0]:.3f}; "
              f"momentum 0.9 allows eta < 2 (1 + 0.9) / lambda_1 = {3.8 / values[0]:.3f}")
        top_explicit, top_power, tiny_iters, asym = tiny_check(Xtr, ytr, rng)
        print(f"tiny net [64, 3, 10] check: power iteration {top_power:.10f} vs eigvalsh of func.hessian "
              f"{top_explicit:.10f} (|diff| {abs(top_power - top_explicit):.1e}, {tiny_iters} HVPs; "
              f"Hessian symmetric to {asym:.0e})")

        # 3. slices of the landscape
        radius = 2.0 * np.sqrt(2 * max(epoch_losses[-1], 0.05) / values[0])  # the quadratic model rises by ~4 L*
        alphas = np.linspace(-radius, radius, args.grid)
        base = full_loss(net, theta, Xtr, ytr)
        surface = np.array([[full_loss(net, theta + a * vectors[0] + b * vectors[1], Xtr, ytr) for a in alphas]
                            for b in alphas])
        random_dir = rng.standard_normal(net.size)
        random_dir /= np.linalg.norm(random_dir)
        along_top = [full_loss(net, theta + a * vectors[0], Xtr, ytr) for a in alphas]
        along_random = [full_loss(net, theta + a * random_dir, Xtr, ytr) for a in alphas]
        curv_random = float(random_dir @ func.hvp(loss, theta, random_dir)[1].data)
        print(f"curvature along u_1: {values[0]:.4f}; along a random unit direction: {curv_random:.4f} "
              f"({values[0] / max(abs(curv_random), 1e-12):.0f}x flatter)")

        # 4. Gauss-Newton next to gradient descent and momentum
        curves, lr = compare_optimizers(args.steps, rng)
        print(f"least squares, [1, 10, 1] tanh net on sin(3x), 40 points; step of the first-order methods "
              f"{lr:.3f} (1 / largest Gauss-Newton eigenvalue at the start)")
        print("step " + "".join(f"{name:>20}" for name in curves))
        for s in sorted({0, 1, 2, 5, 10, 20, args.steps // 2, args.steps} & set(range(args.steps + 1))):
            print(f"{s:4d} " + "".join(f"{c[s]:20.3e}" for c in curves.values()))

    plt = pyplot()
    if plt is not None:
        fig, axes = plt.subplots(1, 3, figsize=(16, 4.3), constrained_layout=True)
        ax = axes[0]
        levels = np.linspace(surface.min(), surface.max(), 25)
        cs = ax.contourf(alphas, alphas, surface, levels=levels, cmap="viridis")
        ax.contour(alphas, alphas, surface, levels=levels[::3], colors="w", linewidths=0.5)
        fig.colorbar(cs, ax=ax, label="training loss")
        ax.plot([0], [0], "r*", ms=10)
        ax.set_xlabel(f"along u_1 (lambda_1 = {values[0]:.2f})")
        ax.set_ylabel(f"along u_2 (lambda_2 = {values[1]:.2f})")
        ax.set_title("loss on the plane of the two sharpest directions", fontsize=9)
        ax = axes[1]
        ax.plot(alphas, along_top, "-", label="along u_1 (sharpest)")
        ax.plot(alphas, base + 0.5 * values[0] * alphas ** 2, ":", color="C0", label="L* + lambda_1/2 alpha^2")
        ax.plot(alphas, along_random, "-", label="along a random direction")
        ax.set_xlabel("alpha (distance from the trained point)")
        ax.set_ylabel("training loss")
        ax.set_ylim(base - 0.05 * (max(along_top) - base), max(along_top) * 1.05)
        ax.legend(fontsize=8)
        ax.set_title("1-D slices: curvature is concentrated in a few directions", fontsize=9)
        ax = axes[2]
        for name, c in curves.items():
            ax.semilogy(c, label=name)
        ax.set_xlabel("step")
        ax.set_ylabel("1/2 mean squared error")
        ax.set_title("[1, 10, 1] net on sin(3x): Gauss-Newton vs first order", fontsize=9)
        ax.legend(fontsize=8)
        save_figure(fig, os.path.join(out, "loss_landscape.png"))
    print(f"time: {timer.seconds:.1f} s")
    return {
        "epoch_losses": epoch_losses,
        "grad_norm": grad_norm,
        "eigenvalues": values.tolist(),
        "eigen_residuals": residuals,
        "curvature_random": curv_random,
        "tiny_top_explicit": top_explicit,
        "tiny_top_power": top_power,
        "tiny_hessian_asymmetry": asym,
        "surface": surface,
        "curves": curves,
        "seconds": timer.seconds,
    }


if __name__ == "__main__":
    main()
