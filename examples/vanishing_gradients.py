"""Vanishing gradients (Nielsen, ch. 5): the gradient of each layer in a deep sigmoid network vs a ReLU one.

Two networks of the same shape, 64 -> 30 -> ... -> 30 -> 10 with 8 Linear layers (7 hidden layers) on the
bundled 8x8 digits, with a softmax + cross-entropy cost on top:
  - sigmoid hidden layers, weights N(0, 1/n_in) (the notes' initialization, nn.init.lecun_normal_);
  - ReLU hidden layers, weights N(0, 2/n_in) (He initialization, nn.init.kaiming_normal_), the usual pairing.
Biases start at 0 in both. For each Linear layer it measures the 2-norm of the gradient of the cost with
respect to the layer's weights, on the whole training set (1,497 images, digits.py's split):
  1. at initialization: in the sigmoid network the first layer's gradient is some 10^4 times smaller than
     the last layer's (4.6e-5 of it with --seed 0). Going backwards, every sigmoid multiplies the gradient
     by sigma'(z) <= 1/4 (times a weight matrix of about unit size), so the early layers hardly learn. In
     the ReLU network (derivative 1 where active) the gradient keeps its size through the layers.
  2. during training (mini-batch SGD, batch 10, eta 0.1, the same for both): the per-layer gradient norms
     after every epoch, and the held-out accuracy. The sigmoid network's early layers stay far behind for
     the whole run, and in 10 epochs it does not get off the ground (held-out accuracy near chance, 10%),
     while the ReLU network reaches about 95%.

Writes to --out (default out/vanishing_gradients): gradient_norms.png (per-layer norms at initialization,
and during training; log scale) and deep_networks.svg (both networks' computation graphs after backward on
one mini-batch, one node per layer call, on one colour scale of log10 |grad|: the sigmoid network fades to
blue towards the input).

    python examples/vanishing_gradients.py [--depth 8] [--epochs 10] [--seed 0] [--quick]

Runs in about ten seconds (--quick: 2 epochs). Deterministic under --seed.
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Timer, make_parser, prepare_out, progress, pyplot, save_figure  # noqa: E402
from digits import epoch_seed  # noqa: E402

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from autograd_mini import Tensor, data, viz  # noqa: E402

WIDTH = 30


def build(activation: str, depth: int, rng) -> nn.Sequential:
    """depth Linear layers 64 -> 30 -> ... -> 30 -> 10 with the activation between them."""
    sizes = [64] + [WIDTH] * (depth - 1) + [10]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out)
        if activation == "relu":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
        else:
            nn.init.lecun_normal_(linear.weight, rng=rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < depth - 1:
            layers.append(nn.ReLU() if activation == "relu" else nn.Sigmoid())
    return nn.Sequential(*layers)


def linears(model):
    return [m for m in model if isinstance(m, nn.Linear)]


def gradient_norms(model, X, y) -> np.ndarray:
    """2-norm of dC/dW for each Linear layer (first to last), C the mean cross-entropy over (X, y)."""
    model.zero_grad()
    nn.functional.cross_entropy(model(Tensor(X)), y).backward()
    norms = np.array([np.linalg.norm(layer.weight.grad.data) for layer in linears(model)])
    model.zero_grad()
    return norms


def train(model, Xt, yt, Xv, yv, epochs, eta, seed, desc):
    """SGD; after each epoch the per-layer gradient norms on the training set and the held-out accuracy."""
    opt = optim.SGD(model.parameters(), lr=eta)
    norms, accuracy = [], []
    for epoch in progress(range(epochs), desc=desc):
        for xb, yb in data.batches(Xt, yt, 10, rng=epoch_seed(seed, epoch)):
            loss = nn.functional.cross_entropy(model(Tensor(xb)), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        norms.append(gradient_norms(model, Xt, yt))
        with am.no_grad():
            accuracy.append(100 * float((model(Tensor(Xv)).data.argmax(axis=1) == yv).mean()))
    return np.array(norms), accuracy


def plot(at_init, during, accuracy, path):
    plt = pyplot()
    if plt is None:
        return
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    depth = len(at_init["sigmoid"])
    layers = np.arange(1, depth + 1)
    for name, style in (("sigmoid", "o-"), ("relu", "s-")):
        axes[0].semilogy(layers, at_init[name], style, label=name)
    axes[0].set_xlabel("layer (1 = next to the input)")
    axes[0].set_ylabel("|dC/dW| of the layer")
    axes[0].set_title("at initialization", fontsize=10)
    axes[0].set_xticks(layers)
    axes[0].legend()
    axes[0].grid(alpha=0.3, which="both")
    cmap = plt.get_cmap("viridis")
    for ax, name in ((axes[1], "sigmoid"), (axes[2], "relu")):
        history = np.vstack([at_init[name], during[name]])
        epochs = np.arange(len(history))
        for k in range(depth):
            ax.semilogy(epochs, history[:, k], color=cmap(k / max(1, depth - 1)), label=f"layer {k + 1}")
        ax.set_xlabel("epoch (0 = initialization)")
        ax.set_title(f"{name} network during training (held-out accuracy {accuracy[name][-1]:.1f}%)",
                     fontsize=10)
        ax.grid(alpha=0.3, which="both")
    axes[1].set_ylabel("|dC/dW| of the layer")
    axes[2].legend(fontsize=7, ncol=2)
    ymin = min(a.get_ylim()[0] for a in axes)
    ymax = max(a.get_ylim()[1] for a in axes)
    for ax in axes:
        ax.set_ylim(ymin, ymax)
    fig.tight_layout()
    save_figure(fig, path)


def draw(models, X, y, path):
    """Both networks after backward on one mini-batch, in one picture (one colour scale), layer calls collapsed."""
    losses = []
    for model in models.values():
        loss = nn.functional.cross_entropy(model(Tensor(X)), y)
        viz.retain_grads(loss)
        loss.backward()
        losses.append(loss)
    both = nn.Module()  # NOTE: a container only to name the two networks' parameters and layer calls
    both.sigmoid_net, both.relu_net = models["sigmoid"], models["relu"]
    depth = len(linears(models["sigmoid"]))
    print("wrote", viz.save_graph(losses, path, params=both, collapse_modules=True, rankdir="TB",
                                  title=f"{depth} layers at initialization, after backward: sigmoid (left) vs ReLU"))
    for model in models.values():
        model.zero_grad()


def main(argv=None):
    parser = make_parser(__doc__, name="vanishing_gradients")
    parser.add_argument("--depth", type=int, default=8, help="Linear layers (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 10; --quick 2)")
    parser.add_argument("--eta", type=float, default=0.1, help="SGD learning rate (default: %(default)s)")
    parser.add_argument("--no-pictures", action="store_true", help="skip the PNG and the SVG")
    args = parser.parse_args(argv)
    if args.depth < 2:
        parser.error("--depth must be >= 2")
    epochs = args.epochs if args.epochs is not None else 2 if args.quick else 10
    out = prepare_out(args.out)

    X, y = data.load_digits()
    Xt, yt, Xv, yv = data.train_val_split(X, y, val_size=300, stratify=True, rng=0)  # digits.py's split
    models = {name: build(name, args.depth, np.random.default_rng(args.seed)) for name in ("sigmoid", "relu")}
    at_init = {name: gradient_norms(model, Xt, yt) for name, model in models.items()}
    if not args.no_pictures:
        draw(models, Xt[:10], yt[:10], os.path.join(out, "deep_networks.svg"))

    print(f"|dC/dW| per layer at initialization ({args.depth} Linear layers, width {WIDTH}, "
          f"full training set, {len(Xt)} images)")
    print(f"{'layer':>5s}  {'sigmoid':>10s}  {'relu':>10s}")
    for k in range(args.depth):
        print(f"{k + 1:5d}  {at_init['sigmoid'][k]:10.2e}  {at_init['relu'][k]:10.2e}")
    ratio = {name: at_init[name][0] / at_init[name][-1] for name in models}
    print(f"first / last layer: sigmoid {ratio['sigmoid']:.1e}, relu {ratio['relu']:.1e}")

    during, accuracy = {}, {}
    with Timer() as timer:
        for name, model in models.items():
            during[name], accuracy[name] = train(model, Xt, yt, Xv, yv, epochs, args.eta, args.seed, name)
    print(f"\nafter {epochs} epochs of SGD (batch 10, eta {args.eta:g}), {timer.seconds:.1f} s:")
    for name in models:
        d = during[name][-1]
        print(f"  {name:7s}: held-out accuracy {accuracy[name][-1]:5.1f}%; |dC/dW| first layer {d[0]:.1e}, "
              f"last layer {d[-1]:.1e} (ratio {d[0] / d[-1]:.1e})")
    if not args.no_pictures:
        plot(at_init, during, accuracy, os.path.join(out, "gradient_norms.png"))
    return {"at_init": at_init, "during": during, "accuracy": accuracy, "ratio": ratio}


if __name__ == "__main__":
    main()
