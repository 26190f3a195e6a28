"""A tour of autograd_mini.viz: four computation graphs, drawn to explain.

1. neuron        the single sigmoid neuron of the notes, z = w.x + b, a = sigma(z), with the quadratic cost
                 C = (a - y)**2 / 2; every node shows its value and, after backward, its gradient norm.
2. mlp           a 4-8-3 sigmoid MLP with an MSE loss: the ops of each module call sit in a labelled cluster
                 (fc1: Linear -> act: Sigmoid -> fc2: Linear), parameters are named, tensors are coloured by
                 log10 |grad| (blue small -> red large).
3. deep_sigmoid_vs_relu
                 a 10-layer sigmoid network (Xavier initialization) next to the same network with ReLU (He
                 initialization), in one picture, so on ONE colour scale, after backward; each layer call is
                 collapsed into one node. In the sigmoid network the gradient fades to blue towards the input
                 (each sigmoid multiplies it by at most 1/4: a vanishing gradient); in the ReLU network it
                 keeps its size. The per-layer weight-gradient norms are printed as well.

    python examples/graph_tour.py [--out out/graph_tour] [--quick] [--docs]

Pictures are SVG (and PNG unless --quick). Without the Graphviz program `dot`, the DOT sources are written
instead (install it with apt-get install graphviz / brew install graphviz). --docs also writes the README
pictures: docs/mlp_graph.svg, docs/mlp_graph.png and docs/vanishing_gradients.svg. Runs in a few seconds.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
from autograd_mini import Tensor, viz  # noqa: E402


def neuron():
    """The notes' neuron with its cost; returns the cost (after backward) and names for the leaves."""
    x = Tensor(np.array([1.0, 0.5, -1.5]))
    w = Tensor(np.array([0.8, -0.4, 1.2]), requires_grad=True)
    b = Tensor(np.array(-0.5), requires_grad=True)
    y = Tensor(np.array(1.0))
    z = (w * x).sum() + b
    a = z.sigmoid()
    cost = 0.5 * (a - y) ** 2
    viz.retain_grads(cost)
    cost.backward(retain_graph=True)  # NOTE: kept because this picture shows values (show_values=True)
    return cost, {"x": x, "w": w, "b": b, "y": y, "z": z, "a": a, "C": cost}  # names for any tensor, not just leaves


class MLP(nn.Module):
    """4 -> 8 -> 3, sigmoid hidden layer."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.Sigmoid()
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def mlp():
    """The README picture: an MLP after one backward, every gradient kept."""
    am.manual_seed(0)
    model = MLP()
    x = Tensor(np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32))
    target = Tensor(np.zeros((16, 3), dtype=np.float32))
    loss = nn.functional.mse_loss(model(x), target)
    viz.retain_grads(loss)                      # keep every intermediate gradient for the picture
    loss.backward()                             # the graph can still be drawn after a plain backward
    return loss, model


def deep(activation, depth=10, width=16, batch=32):
    """A depth-layer network of Linear + activation after backward, and its Linear layers in order."""
    am.manual_seed(1)
    layers = []
    for i in range(depth):
        lin = nn.Linear(width, width)
        if activation is nn.ReLU:
            nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")  # keeps the signal's size through ReLUs
        else:
            nn.init.xavier_normal_(lin.weight)  # the usual choice for sigmoid-like units
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < depth - 1:
            layers.append(activation())
    model = nn.Sequential(*layers)
    rng = np.random.default_rng(2)
    x = Tensor(rng.normal(size=(batch, width)).astype(np.float32))
    target = Tensor(rng.normal(size=(batch, width)).astype(np.float32))
    loss = nn.functional.mse_loss(model(x), target)
    viz.retain_grads(loss)
    loss.backward()
    return loss, model, [m for m in layers if isinstance(m, nn.Linear)]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Draw the computation graphs of the autograd_mini graph tour.")
    ap.add_argument("--out", default=os.path.join("out", "graph_tour"), help="output folder (default: %(default)s)")
    ap.add_argument("--quick", action="store_true", help="SVG only (no PNG)")
    ap.add_argument("--docs", action="store_true", help="also write the README pictures into docs/")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    formats = ["svg"] if args.quick else ["svg", "png"]
    warnings.simplefilter("once", RuntimeWarning)  # the "dot not found" hint once, not once per picture

    def save(root, stem, **kw):
        for fmt in formats:
            path = viz.save_graph(root, os.path.join(args.out, f"{stem}.{fmt}"), **kw)
            print("wrote", path)
            if path.endswith(".dot"):
                break

    cost, names = neuron()
    save(cost, "neuron", params=names, show_values=True,
         title="one sigmoid neuron: z = w.x + b, a = sigma(z), cost C = (a - y)^2 / 2")

    loss, model = mlp()
    mlp_kw = dict(params=model, rankdir="TB", title="MLP 4-8-3 (sigmoid), MSE loss, after backward")
    save(loss, "mlp", **mlp_kw)
    if args.docs:
        docs = os.path.join(ROOT, "docs")
        os.makedirs(docs, exist_ok=True)
        for fmt in ("svg", "png"):
            print("wrote", viz.save_graph(loss, os.path.join(docs, f"mlp_graph.{fmt}"), **mlp_kw))

    sig_loss, sig_model, sig_layers = deep(nn.Sigmoid)
    relu_loss, relu_model, relu_layers = deep(nn.ReLU)
    both = nn.Module()  # NOTE: a container only to name the two models' parameters and layer calls
    both.sigmoid_net, both.relu_net = sig_model, relu_model
    deep_kw = dict(params=both, collapse_modules=True, rankdir="TB",
                   title="10 layers after backward: sigmoid (gradients vanish towards the input) vs ReLU")
    save([sig_loss, relu_loss], "deep_sigmoid_vs_relu", **deep_kw)
    if args.docs:
        print("wrote", viz.save_graph([sig_loss, relu_loss], os.path.join(ROOT, "docs", "vanishing_gradients.svg"),
                                      **deep_kw))

    print("\n|grad| of each layer's weight (layer 1 is next to the input)")
    print(f"{'layer':>5}  {'sigmoid':>10}  {'relu':>10}")
    for i, (s, r) in enumerate(zip(sig_layers, relu_layers), start=1):
        print(f"{i:>5}  {np.linalg.norm(s.weight.grad.data):10.2e}  {np.linalg.norm(r.weight.grad.data):10.2e}")
    first = np.linalg.norm(sig_layers[0].weight.grad.data) / np.linalg.norm(sig_layers[-1].weight.grad.data)
    print(f"sigmoid: the first layer's gradient is {first:.1e} times the last layer's (vanishing gradient)")


if __name__ == "__main__":
    main()
