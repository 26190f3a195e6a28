"""A radial-basis-function network learning the chaotic logistic map x_{t+1} = 4 x_t (1 - x_t).

Data: one series from a random x_0 in (0.05, 0.95); the first 100 pairs (x_t, x_{t+1}) train, the next 100
are held out. The network has 5 Gaussian units and a linear output (with bias):

    phi_j(x) = exp(-(x - c_j)^2 / (2 s_j^2)),      y(x) = sum_j w_j phi_j(x) + b
    normalized variant: phi_j(x) / sum_k phi_k(x)  (the units then form a partition of unity)

The centres c_j come from 1-D k-means on the training inputs (started at the 10/30/50/70/90 % quantiles, so
deterministic); every width starts at the mean spacing of the sorted centres. Two fits per variant:

- least squares: centres and widths fixed, the output weights and bias in closed form (numpy lstsq);
- gradient descent with the framework: centres, log-widths, weights and bias all trained with Adam on the
  mean squared error (full batch), gradients from backward; the output layer starts from nn.Linear's random
  initialization, not from the least-squares solution.

It prints the rms error on the 100 held-out pairs for all four, and plots (rbf_logistic_map.png) the learned
maps against the true parabola, their errors, and a few steps of iterated prediction x -> y(x) -> y(y(x)) ...
against the true trajectory. The map is chaotic (Lyapunov exponent ln 2: an error doubles on average every
step), so an iterated prediction with a 1e-3 error per step leaves the true trajectory after some ten steps
however good the fit is; that divergence is expected, not a bug.

    python examples/rbf_logistic_map.py [--out out/rbf_logistic_map] [--seed 0] [--steps 3000] [--quick]

Runs in about 5 seconds (--quick: 1500 Adam steps).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Timer, make_parser, prepare_out, progress, pyplot, save_figure, seed_all  # noqa: E402

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from nn.module import Parameter  # noqa: E402


def logistic_map(x):
    return 4.0 * x * (1.0 - x)


def series(x0: float, length: int) -> np.ndarray:
    x = np.empty(length)
    x[0] = x0
    for t in range(length - 1):
        x[t + 1] = logistic_map(x[t])
    return x


def kmeans_1d(x: np.ndarray, k: int, iters: int = 100) -> np.ndarray:
    """Lloyd's algorithm in one dimension, started at the (j + 0.5) / k quantiles; sorted centres."""
    c = np.quantile(x, (np.arange(k) + 0.5) / k)
    for _ in range(iters):
        label = np.argmin(np.abs(x[:, None] - c[None, :]), axis=1)
        new = np.array([x[label == j].mean() if np.any(label == j) else c[j] for j in range(k)])
        if np.array_equal(new, c):
            break
        c = new
    return np.sort(c)


def gaussian_features(x: np.ndarray, centres: np.ndarray, widths: np.ndarray, normalized: bool) -> np.ndarray:
    """The (n, k) matrix phi_j(x_i) in numpy (for the closed-form fit)."""
    phi = np.exp(-((x[:, None] - centres[None, :]) ** 2) / (2 * widths[None, :] ** 2))
    return phi / phi.sum(axis=1, keepdims=True) if normalized else phi


class LeastSquaresRBF:
    """Fixed centres and widths; output weights and bias by linear least squares."""

    def __init__(self, centres, widths, normalized):
        self.centres, self.widths, self.normalized = centres, widths, normalized

    def _design(self, x):
        phi = gaussian_features(np.asarray(x, dtype=np.float64).reshape(-1), self.centres, self.widths,
                                self.normalized)
        return np.hstack([phi, np.ones((len(phi), 1))])

    def fit(self, x, y):
        # NOTE: with normalized units the bias column is the sum of the others; lstsq returns the min-norm solution.
        self.coef, *_ = np.linalg.lstsq(self._design(x), y, rcond=None)
        return self

    def __call__(self, x):
        return self._design(x) @ self.coef


class RBFNet(nn.Module):
    """Gaussian units with trainable centres and log-widths, then nn.Linear(k, 1). Shapes: (n,) -> (n,)."""

    def __init__(self, centres, width, normalized: bool):
        super().__init__()
        k = len(centres)
        self.centres = Parameter(np.array(centres, dtype=np.float64))
        self.log_width = Parameter(np.full(k, np.log(width)))
        self.out = nn.Linear(k, 1, dtype=np.float64)
        self.normalized = normalized

    def features(self, x):
        d = x.reshape(-1, 1) - self.centres
        phi = am.exp(-0.5 * d * d * am.exp(-2.0 * self.log_width))
        return phi / phi.sum(axis=1, keepdims=True) if self.normalized else phi

    def forward(self, x):
        return self.out(self.features(x)).reshape(-1)

    def predict(self, x) -> np.ndarray:
        with am.no_grad():
            return self(am.Tensor(np.asarray(x, dtype=np.float64).reshape(-1))).data


def train_adam(model, x, y, steps, lr=1e-2, desc=None):
    """Full-batch Adam on the mean squared error; returns the training rms error per step."""
    opt = optim.Adam(model.parameters(), lr=lr)
    X, Y = am.Tensor(x), am.Tensor(y)
    history = []
    for _ in progress(range(steps), desc=desc):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
        history.append(float(np.sqrt(loss.item())))
    return history


def rms(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def iterate(f, x0: float, steps: int) -> np.ndarray:
    xs = [x0]
    for _ in range(steps):
        xs.append(float(np.asarray(f(np.array([xs[-1]]))).reshape(-1)[0]))
    return np.array(xs)


def main(argv=None):
    parser = make_parser(__doc__, name="rbf_logistic_map")
    parser.add_argument("--steps", type=int, default=3000, help="Adam steps (default: %(default)s)")
    parser.add_argument("--units", type=int, default=5, help="Gaussian units (default: %(default)s)")
    parser.add_argument("--iterate", type=int, default=15, help="steps of iterated prediction (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps = 1500
    out = prepare_out(args.out)
    rng = seed_all(args.seed)

    with Timer() as timer:
        x = series(rng.uniform(0.05, 0.95), 202)
        x_train, y_train = x[:100], x[1:101]
        x_test, y_test = x[100:200], x[101:201]
        centres = kmeans_1d(x_train, args.units)
        width = float(np.diff(centres).mean())
        print(f"k-means centres {np.round(centres, 3).tolist()}, width (mean spacing) {width:.3f}")

        models, errors = {}, {}
        for normalized in (False, True):
            kind = "normalized" if normalized else "unnormalized"
            ls = LeastSquaresRBF(centres, np.full(args.units, width), normalized).fit(x_train, y_train)
            net = RBFNet(centres, width, normalized)
            train_adam(net, x_train, y_train, args.steps, desc=f"Adam, {kind}")
            models[f"{kind}, least squares"] = ls
            models[f"{kind}, Adam"] = net.predict
            errors[f"{kind}, least squares"] = rms(ls(x_test), y_test)
            errors[f"{kind}, Adam"] = rms(net.predict(x_test), y_test)
            print(f"{kind:>12}: trained centres {np.round(net.centres.data, 3).tolist()}, "
                  f"widths {np.round(np.exp(net.log_width.data), 3).tolist()}")

        print(f"rms error on the 100 held-out pairs (targets in [0, 1], std {y_test.std():.3f}):")
        for name, e in errors.items():
            print(f"  {name:<30} {e:.4f}")

        x0 = float(x_test[0])
        true_path = series(x0, args.iterate + 1)
        paths = {name: iterate(f, x0, args.iterate) for name, f in models.items()}
        diverge = {}
        for name, path in paths.items():
            off = np.nonzero(np.abs(path - true_path) > 0.1)[0]
            diverge[name] = int(off[0]) if len(off) else None
        print("iterated prediction from x_0 = %.4f: first step with error > 0.1: %s" % (x0, diverge))

    plt = pyplot()
    if plt is not None:
        grid = np.linspace(0, 1, 401)
        fig, axes = plt.subplots(1, 3, figsize=(14, 4))
        ax = axes[0]
        ax.plot(grid, logistic_map(grid), "k-", lw=3, alpha=0.3, label="4x(1-x)")
        ax.plot(x_train, y_train, "k.", ms=4, label="training pairs")
        for name, f in models.items():
            ax.plot(grid, f(grid), lw=1, label=name)
        ax.plot(centres, np.zeros_like(centres), "r^", label="k-means centres")
        ax.set(xlabel="$x_t$", ylabel="$x_{t+1}$", title=f"learned maps ({args.units} Gaussian units)")
        ax.legend(fontsize=7, loc="center")
        ax = axes[1]
        for name, f in models.items():
            ax.plot(grid, f(grid) - logistic_map(grid), lw=1, label=f"{name} (test rms {errors[name]:.4f})")
        ax.axhline(0, color="k", lw=0.5)
        ax.set(xlabel="$x_t$", ylabel="learned - true", title="error of the learned map")
        ax.set_ylim(-0.05, 0.05)
        ax.legend(fontsize=7)
        ax = axes[2]
        ax.plot(true_path, "k-o", lw=2, ms=4, alpha=0.5, label="true trajectory")
        for name, path in paths.items():
            ax.plot(path, ".-", lw=1, label=name)
        ax.set(xlabel="step", ylabel="x", title="iterated prediction (chaotic: errors double each step)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        save_figure(fig, os.path.join(out, "rbf_logistic_map.png"), dpi=80)
    print(f"time: {timer.seconds:.1f} s")
    return {"rms": errors, "diverge_step": diverge, "centres": centres, "width": width, "seconds": timer.seconds}


if __name__ == "__main__":
    main()
