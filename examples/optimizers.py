"""SGD, momentum, Nesterov, RMSprop and Adam on the same two problems, each with a tuned learning rate.

1. The Rosenbrock valley f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, from (-1.2, 1) (the classic start), for
   3,000 steps; the minimum is f(1, 1) = 0 at the end of a long, narrow, curved valley. Plain gradient
   descent must keep its step below 2 / (largest curvature) ~ 0.002 to stay stable across the valley, and
   then crawls along its floor; momentum builds up speed along the floor; RMSprop and Adam divide each
   coordinate's step by a running size of its gradient. Learning rates: each the best (closest to (1, 1)
   after 3,000 steps) of a few values on a log grid: SGD {5e-4, 1e-3, 1.5e-3, 1.9e-3} (2e-3 would be
   unstable at the minimum, whose largest curvature is 1001.6), momentum and Nesterov (0.9) {5e-5 ... 1e-3},
   RMSprop {1e-4 ... 1e-2}, Adam {3e-3 ... 0.2}. The script prints each optimizer's
   final point, its distance to (1, 1) and f there; every one ends within 0.2 of (1, 1).
2. The notes' digits network (sigmoid [64, 30, 10], cross-entropy cost, weights N(0, 1/n_in), mini-batches
   of 10) on the bundled 8x8 digits, 10 epochs from the same initial weights with the same mini-batch
   order for every optimizer; the training cost after each epoch and the final held-out accuracy. Learning
   rates: the lowest final training cost (seeds 0 and 1) on the grid SGD {0.5, 1, 2, 4}, momentum and
   Nesterov (momentum 0.9) {0.05, 0.1, 0.2, 0.4}, RMSprop {1e-3, 3e-3, 1e-2, 3e-2}, Adam {3e-3, 1e-2, 3e-2,
   0.1} (Nesterov is given momentum's 0.2, same effective step as SGD's 2; its 0.4 was marginally better).

Writes to --out (default out/optimizers): rosenbrock.png (the trajectories over a contour plot of log f, and
the distance to the minimum per step) and digits_loss.png (training cost per epoch, log scale).

    python examples/optimizers.py [--steps 3000] [--epochs 10] [--seed 0] [--quick]

Runs in about 15 seconds; --quick: 2 epochs of the digits network (the Rosenbrock part is unchanged).
Deterministic under --seed (which only changes the digits network's initial weights and mini-batch order;
the Rosenbrock runs are fixed).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Timer, make_parser, prepare_out, progress, pyplot, save_figure  # noqa: E402
from digits import DEFAULTS, build_network, cost, epoch_seed, evaluate  # noqa: E402

import optim  # noqa: E402
from autograd_mini import Tensor, data  # noqa: E402

# name -> (factory(params, lr), learning rate on Rosenbrock, learning rate on the digits network)
OPTIMIZERS = {
    "SGD": (lambda ps, lr: optim.SGD(ps, lr=lr), 1.9e-3, 2.0),
    "momentum": (lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9), 1e-3, 0.2),
    "Nesterov": (lambda ps, lr: optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True), 1e-3, 0.2),
    "RMSprop": (lambda ps, lr: optim.RMSprop(ps, lr=lr), 5e-3, 3e-2),
    "Adam": (lambda ps, lr: optim.Adam(ps, lr=lr), 0.05, 3e-2),
}
START = (-1.2, 1.0)
MINIMUM = np.array([1.0, 1.0])
NEIGHBOURHOOD = 0.2  # every optimizer ends within this distance of (1, 1) after the default 3,000 steps


def rosenbrock(p):
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 for a Tensor p = (x, y) (works on ndarrays too)."""
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def descend(name, steps):
    """Run one optimizer on the Rosenbrock function; returns the path, shape (steps + 1, 2), and f per step."""
    make, lr, _ = OPTIMIZERS[name]
    p = Tensor(np.array(START, dtype=np.float64), requires_grad=True)
    opt = make([p], lr)
    path, values = [p.data.copy()], []
    for _ in range(steps):
        f = rosenbrock(p)
        opt.zero_grad()
        f.backward()
        opt.step()
        values.append(f.item())
        path.append(p.data.copy())
    values.append(float(rosenbrock(p.data)))
    return np.array(path), np.array(values)


def train_digits(name, epochs, seed, data_split):
    """Train the digits network with one optimizer; returns (training cost per epoch incl. epoch 0, accuracy)."""
    Xt, yt, Xv, yv = data_split
    make, _, lr = OPTIMIZERS[name]
    cfg = dict(DEFAULTS, cost="cross-entropy", init="lecun")
    model = build_network([Xt.shape[1], 30, 10], init="lecun", rng=np.random.default_rng(seed))
    opt = make(model.parameters(), lr)
    Yt = data.one_hot(yt, 10)
    costs = [evaluate(model, Xt, yt, cfg, len(Xt))[1]]
    for epoch in range(epochs):
        model.train()
        for xb, yb in data.batches(Xt, Yt, cfg["batch_size"], rng=epoch_seed(seed, epoch)):
            loss = cost(model, model(Tensor(xb)), Tensor(yb), cfg, len(Xt))
            opt.zero_grad()
            loss.backward()
            opt.step()
        costs.append(evaluate(model, Xt, yt, cfg, len(Xt))[1])
    correct, _ = evaluate(model, Xv, yv)
    return np.array(costs), 100 * correct / len(Xv)


def plot_rosenbrock(paths, values, path):
    plt = pyplot()
    if plt is None:
        return
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.3, 1]})
    gx, gy = np.meshgrid(np.linspace(-1.6, 1.4, 200), np.linspace(-0.6, 1.8, 200))
    ax1.contour(gx, gy, np.log10(rosenbrock(np.stack([gx, gy])) + 1e-3), levels=18, cmap="Greys", linewidths=0.6)
    for k, (name, p) in enumerate(paths.items()):
        ax1.plot(p[:, 0], p[:, 1], "-", color=f"C{k}", lw=1, alpha=0.85, label=f"{name} (lr {OPTIMIZERS[name][1]:g})")
        ax1.plot(p[-1, 0], p[-1, 1], "o", color=f"C{k}", ms=4)
    ax1.plot(*START, "ks", ms=6)
    ax1.plot(*MINIMUM, "k*", ms=12)
    ax1.set_xlim(-1.6, 1.4)
    ax1.set_ylim(-0.6, 1.8)
    ax1.set_xlabel("x")
    ax1.set_ylabel("y")
    ax1.set_title("Rosenbrock: paths from (-1.2, 1) (square) to the minimum (star)", fontsize=9)
    ax1.legend(fontsize=8, loc="upper center", ncol=2)
    for k, (name, p) in enumerate(paths.items()):
        ax2.semilogy(np.linalg.norm(p - MINIMUM, axis=1), color=f"C{k}", lw=1.2, label=name)
    ax2.axhline(NEIGHBOURHOOD, color="k", ls=":", lw=0.8)
    ax2.set_xlabel("step")
    ax2.set_ylabel("distance to (1, 1)")
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=80)  # NOTE: the many antialiased contour lines make a 100-dpi PNG ~190 KB


def plot_digits(costs, accuracy, path):
    plt = pyplot()
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for k, (name, c) in enumerate(costs.items()):
        ax.semilogy(np.arange(len(c)), c, "o-", ms=3, color=f"C{k}",
                    label=f"{name} (lr {OPTIMIZERS[name][2]:g}): held out {accuracy[name]:.1f}%")
    ax.set_xlabel("epoch (0 = initialization)")
    ax.set_ylabel("training cost (cross-entropy)")
    ax.set_title("digits network [64, 30, 10], mini-batches of 10, same start and batch order", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def main(argv=None):
    parser = make_parser(__doc__, name="optimizers")
    parser.add_argument("--steps", type=int, default=None, help="Rosenbrock steps (default: 3000)")
    parser.add_argument("--epochs", type=int, default=None, help="digits epochs (default 10; --quick 2)")
    parser.add_argument("--no-pictures", action="store_true", help="skip the PNGs")
    args = parser.parse_args(argv)
    steps = args.steps or 3000
    epochs = args.epochs or (2 if args.quick else 10)
    out = prepare_out(args.out)

    paths, values, results = {}, {}, {"rosenbrock": {}, "digits": {}}
    print(f"1. Rosenbrock from {START}, {steps} steps")
    print(f"   {'optimizer':9s} {'lr':>7s}   {'final (x, y)':>18s} {'distance':>9s} {'f':>9s}")
    with Timer() as timer:
        for name in progress(OPTIMIZERS, desc="rosenbrock"):
            paths[name], values[name] = descend(name, steps)
    for name, p in paths.items():
        distance = float(np.linalg.norm(p[-1] - MINIMUM))
        results["rosenbrock"][name] = {"start": values[name][0], "final": values[name][-1], "distance": distance}
        print(f"   {name:9s} {OPTIMIZERS[name][1]:7g}   ({p[-1, 0]:7.4f}, {p[-1, 1]:7.4f}) {distance:9.2e} "
              f"{values[name][-1]:9.2e}")
    print(f"   (f at the start: {values['SGD'][0]:.2f}; {timer.seconds:.1f} s)")

    X, y = data.load_digits()
    split = data.train_val_split(X, y, val_size=300, stratify=True, rng=0)  # digits.py's split
    costs, accuracy = {}, {}
    print(f"\n2. digits network [64, 30, 10], cross-entropy, {epochs} epochs, batch 10, seed {args.seed}")
    print(f"   {'optimizer':9s} {'lr':>7s} {'cost at start':>14s} {'final cost':>11s} {'held-out':>9s}")
    with Timer() as timer:
        for name in progress(OPTIMIZERS, desc="digits"):
            costs[name], accuracy[name] = train_digits(name, epochs, args.seed, split)
    for name in OPTIMIZERS:
        results["digits"][name] = {"start": costs[name][0], "final": costs[name][-1], "accuracy": accuracy[name]}
        print(f"   {name:9s} {OPTIMIZERS[name][2]:7g} {costs[name][0]:14.4f} {costs[name][-1]:11.4f} "
              f"{accuracy[name]:8.1f}%")
    print(f"   ({timer.seconds:.1f} s)")
    if not args.no_pictures:
        plot_rosenbrock(paths, values, os.path.join(out, "rosenbrock.png"))
        plot_digits(costs, accuracy, os.path.join(out, "digits_loss.png"))
    return results


if __name__ == "__main__":
    main()
