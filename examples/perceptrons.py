"""Perceptrons as logic gates, and what one neuron can and cannot learn (Nielsen, ch. 1).

1. A perceptron outputs 1 if w.x + b > 0, else 0. With weights (-2, -2) and bias 3 it is a NAND gate;
   the truth table is printed.
2. NAND is universal: a half adder (sum bit x1 XOR x2, carry bit x1 AND x2) built only from NAND
   perceptrons, wired as in the notes' figure. The carry perceptron gets the first gate's output twice, which
   is the same as the notes' single input with weight -4.
3. Sigmoid neurons, a = sigmoid(w.x + b), learn AND, OR and NAND by gradient descent on the cross-entropy
   cost from random weights; the learned weights, the outputs and the accuracy on the four inputs are
   printed.
4. XOR is not linearly separable: a single sigmoid neuron, trained the same way, gets at most 3 of the 4
   inputs right. With a hidden layer of 4 sigmoid neurons (2-4-1) the network learns it: 4 / 4 (for every
   seed tried, 0-11). The minimal 2-2-1 network can learn it too, but from some starting points (about 4 seeds
   in 10 here) gradient descent stalls in a poor local minimum with 2 / 4 right; the script says so.

Pictures (in --out, default out/perceptrons): gates.png, the output of each trained neuron/network over the
unit square with the four inputs marked, and xor_network.svg, the computation graph of the 2-4-1 network.

    python examples/perceptrons.py [--seed 0] [--out out/perceptrons] [--quick]

Runs in a few seconds; deterministic under --seed.
"""
from __future__ import annotations

import itertools
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import make_parser, prepare_out, pyplot, save_figure, seed_all  # noqa: E402

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from autograd_mini import Tensor, viz  # noqa: E402

INPUTS = np.array(list(itertools.product([0, 1], repeat=2)), dtype=np.float64)  # 00, 01, 10, 11
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}


# ----- 1, 2: perceptrons --------------------------------------------------------------------------------


def perceptron(x, w, b):
    """1 where w.x + b > 0, else 0: x of shape (n, k) (or (k,)), weights w of shape (k,), bias b."""
    z = am.matmul(Tensor(np.asarray(x, dtype=np.float64)), Tensor(np.asarray(w, dtype=np.float64))) + b
    return (z > 0).numpy().astype(np.int64)


def nand(x1, x2):
    """The notes' NAND perceptron: weights (-2, -2), bias 3."""
    return perceptron(np.stack([x1, x2], axis=-1), [-2.0, -2.0], 3.0)


def half_adder(x1, x2):
    """(sum, carry) of bits x1, x2 from five NAND perceptrons only (the notes' circuit)."""
    n1 = nand(x1, x2)
    sum_bit = nand(nand(x1, n1), nand(x2, n1))
    carry = nand(n1, n1)  # NOTE: n1 fed twice, i.e. one input with weight -4 and bias 3, as in the notes
    return sum_bit, carry


# ----- 3, 4: learning by gradient descent ---------------------------------------------------------------


def make_network(hidden, rng):
    """A single sigmoid neuron (hidden=None) or a 2-hidden-1 network with a sigmoid hidden layer.

    The network returns the output neuron's weighted input z; the output is a = sigmoid(z).
    """
    layers = [nn.Linear(2, hidden), nn.Sigmoid(), nn.Linear(hidden, 1)] if hidden else [nn.Linear(2, 1)]
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 1.0, rng=rng)
            nn.init.normal_(m.bias, 0.0, 1.0, rng=rng)
    return model


def train_gate(targets, hidden, rng, steps, lr):
    """Full-batch gradient descent on the cross-entropy cost over the four inputs.

    Returns (model, outputs a on the four inputs, final cost).
    """
    model = make_network(hidden, rng)
    opt = optim.SGD(model.parameters(), lr=lr)
    x = Tensor(INPUTS.astype(np.float32))
    y = Tensor(targets.reshape(4, 1).astype(np.float32))
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with am.no_grad():
        z = model(x)
        final = nn.functional.binary_cross_entropy_with_logits(z, y).item()
    return model, z.sigmoid().numpy().reshape(4), final


def accuracy(outputs, targets) -> int:
    """How many of the four inputs come out right when the output is read as 1 if a > 0.5."""
    return int(((outputs > 0.5).astype(int) == targets).sum())


# ----- pictures ----------------------------------------------------------------------------------------


def plot_gates(panels, path):
    """One panel per trained model: its output a over the unit square, the four inputs marked by target."""
    plt = pyplot()
    if plt is None:
        return
    grid = np.linspace(-0.25, 1.25, 121)
    gx, gy = np.meshgrid(grid, grid)
    points = Tensor(np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32))
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 2.9))
    for ax, (title, model, targets) in zip(axes, panels):
        with am.no_grad():
            a = model(points).sigmoid().numpy().reshape(gx.shape)
        ax.contourf(gx, gy, a, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
        ax.contour(gx, gy, a, levels=[0.5], colors="k", linewidths=1)
        for (x1, x2), t in zip(INPUTS, targets):
            ax.scatter([x1], [x2], s=80, c="white" if t == 0 else "black", edgecolors="k", zorder=3)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        ax.set_aspect("equal")
    fig.suptitle("output a over the inputs (x1, x2); black dots: target 1, white: target 0; line: a = 0.5",
                 fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)


def draw_xor_network(model, path):
    x = Tensor(INPUTS.astype(np.float32))
    y = Tensor(GATES["XOR"].reshape(4, 1).astype(np.float32))
    loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
    viz.retain_grads(loss)
    loss.backward()
    print("wrote", viz.save_graph(loss, path, params=model, rankdir="TB",
                                  title="XOR network 2-4-1 after training: cross-entropy cost on the four inputs"))
    model.zero_grad()


# ----- main --------------------------------------------------------------------------------------------


def main(argv=None):
    parser = make_parser(__doc__, name="perceptrons")
    parser.add_argument("--no-pictures", action="store_true", help="skip the PNG and the SVG")
    args = parser.parse_args(argv)
    out = prepare_out(args.out)
    seed_all(args.seed)
    rng = np.random.default_rng(args.seed)
    steps = 300 if args.quick else 1000
    results = {}

    x1, x2 = INPUTS[:, 0], INPUTS[:, 1]
    print("1. NAND perceptron, weights (-2, -2), bias 3: output 1 if w.x + b > 0")
    print("   x1 x2 | w.x+b | out")
    results["nand"] = nand(x1, x2)
    for (a, b), out_bit in zip(INPUTS.astype(int), results["nand"]):
        print(f"    {a}  {b} | {-2 * a - 2 * b + 3:5d} |  {out_bit}")

    print("\n2. half adder from NAND perceptrons only")
    print("   x1 x2 | sum carry")
    results["sum"], results["carry"] = half_adder(x1, x2)
    for (a, b), s, c in zip(INPUTS.astype(int), results["sum"], results["carry"]):
        print(f"    {a}  {b} |  {s}    {c}")

    print(f"\n3. sigmoid neurons trained by gradient descent (cross-entropy, eta 2, {steps} full-batch steps)")
    panels = []
    for gate in ("AND", "OR", "NAND"):
        model, a, final = train_gate(GATES[gate], None, rng, steps, lr=2.0)
        w, b = model[0].weight.numpy().ravel(), model[0].bias.numpy()[0]
        results[gate] = (a, accuracy(a, GATES[gate]))
        print(f"   {gate:4s}: w = ({w[0]:6.2f}, {w[1]:6.2f}), b = {b:6.2f}; outputs "
              + " ".join(f"{v:.3f}" for v in a) + f"; {results[gate][1]} / 4 right; cost {final:.4f}")
        panels.append((f"{gate}: one neuron", model, GATES[gate]))

    print("\n4. XOR")
    xor = GATES["XOR"]
    for label, hidden in (("one sigmoid neuron", None), ("network 2-2-1", 2), ("network 2-4-1", 4)):
        model, a, final = train_gate(xor, hidden, rng, steps, lr=2.0)
        results[f"XOR {label}"] = (a, accuracy(a, xor))
        print(f"   {label:18s}: outputs " + " ".join(f"{v:.3f}" for v in a)
              + f"; {accuracy(a, xor)} / 4 right; cost {final:.4f}")
        panels.append((f"XOR: {label}", model, xor))
    print("   one neuron's decision boundary is a straight line, and no line separates {01, 10} from {00, 11};")
    print("   a hidden layer bends it.")
    if results["XOR network 2-2-1"][1] < 4:
        print("   (the 2-2-1 network stalled in a local minimum from this seed's starting point; with 4 hidden")
        print("   neurons there are enough ways down that gradient descent finds one)")

    if not args.no_pictures:
        plot_gates(panels, os.path.join(out, "gates.png"))
        draw_xor_network(panels[-1][1], os.path.join(out, "xor_network.svg"))
    return results


if __name__ == "__main__":
    main()
