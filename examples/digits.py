"""The handwritten-digit network of Nielsen's "Neural Networks and Deep Learning", on autograd_mini.

The notes' recipe (chapter 1), exactly: sigmoid layers [n_in, 30, 10], weights and biases drawn from N(0, 1)
(the notes' "large weight initializer"), the quadratic cost C = 1/(2m) sum_x ||y(x) - a(x)||^2 over each
mini-batch of m = 10 examples, and plain mini-batch SGD with eta = 3.0. With that scaling the update
w <- w - eta * dC/dw is exactly the notes' w <- w - (eta/m) sum_x dC_x/dw. After each epoch it prints
"Epoch j: correct / total" on held-out data (epochs count from 0, as in the notes).

By default it trains on the 8x8 digits bundled with autograd_mini (1,797 images), split once, stratified by
class with a fixed seed (0), into 1,497 training and 300 held-out images; the split does not depend on --seed.
The default 30 epochs take about 5 seconds. Measured over seeds 0-29, 28 runs end at 97.7-100% held out
(median 98.5%; seed 0: 296 / 300 = 98.7%); two (seeds 8 and 14) end near 89% because one output neuron
saturates early and never learns its digit, the learning slowdown of the quadratic cost that chapter 3 cures
with the cross-entropy cost (the same recipe written directly in NumPy does this for 5 seeds in 40). With
--data DIR it trains on MNIST or Fashion-MNIST IDX files (784 inputs): as in the notes, the last 10,000
training images are held out for validation, and the test set is scored once at the end.

The notes' improvements (chapter 3) are flags:
    --cost cross-entropy    C = -1/m sum_x sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)], computed from the
                            output layer's weighted input z with binary_cross_entropy_with_logits (stable)
    --l2 LAMBDA             adds (lambda / 2n) sum_w w^2 over the weights (not the biases); n = training size
    --dropout P             dropout with probability P on the hidden layers' activations
    --init lecun            weights from N(0, 1/n_in) (the notes' default_weight_initializer); biases N(0, 1)
    --activation relu|tanh  hidden layers only; the output layer stays sigmoid (pair with --init lecun and a
                            smaller --eta, e.g. 0.5)
    --optimizer momentum|adam   SGD with momentum 0.9 or Adam
    --hidden 100 [...]      hidden layer sizes;  --epochs N;  --batch-size M;  --seed S
    --eta ETA               default: the notes' 3.0 (quadratic) or 0.5 (cross-entropy) for SGD; momentum 0.1
                            (0.05 with cross-entropy); Adam 0.01
    --limit N               train on the first N training images only

Held-out accuracy after the default 30 epochs, seeds 0-4 (min-max):
    --cost cross-entropy                                         97.7-99.7%
    --cost cross-entropy --init lecun                            99.0-99.7%
      ... --l2 0.1 / --l2 1.0 / --dropout 0.2                    99.0-99.7% / 97.0-99.0% / 98.7-99.7%
      ... --optimizer momentum / --optimizer adam                99.0-99.3% / 99.0-99.7%
      ... --hidden 100                                           98.7-99.3%
    --activation relu (tanh) --init lecun --eta 0.5             98.0-99.3% (98.3-99.7%)
Two combinations do badly, as the notes would predict: --hidden 100 with the default N(0, 1) weights
(69-89%: the output neurons saturate) and --optimizer momentum with the quadratic cost and N(0, 1) weights
(81-99%); both are fine with --cost cross-entropy --init lecun.

At the end it writes to --out (default out/digits): training_curves.png (training cost and held-out accuracy
per epoch), network_graph.svg (the network's computation graph on one mini-batch, one box per module call,
coloured by gradient size), and checkpoint.npz (model, optimizer state, settings, epoch count and history,
one nested dict saved by nn.save; no pickle). `--resume out/digits/checkpoint.npz --epochs 5` trains 5 more
epochs from it, with the checkpoint's settings; the result is bit for bit that of one uninterrupted run. Runs
are deterministic under --seed: every epoch's shuffle and dropout masks are drawn from (seed, epoch).

`--export-onnx PATH` also writes the trained network as an ONNX model (needs `pip install "autograd_mini[onnx]"`):
input "pixels" (batch, n_in) float32, any batch size; output "z" (batch, 10), the output layer's weighted input
(argmax z is the predicted digit; sigmoid(z) the output activations). It checks the file with ONNX Runtime
when that is installed and prints the largest difference from the library's outputs on the held-out images.

    python examples/digits.py                                   # the notes' recipe on the bundled digits
    python examples/digits.py --cost cross-entropy --init lecun --l2 0.1
    python examples/digits.py --data /usr/share/datasets/fashion-mnist --epochs 5
    python examples/digits.py --resume out/digits/checkpoint.npz --epochs 10
    python examples/digits.py --export-onnx out/digits/digits.onnx
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Timer, make_parser, prepare_out, progress, pyplot, save_figure  # noqa: E402

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
import optim  # noqa: E402
from autograd_mini import Tensor, data, viz  # noqa: E402

# The settings that define a training run; the checkpoint stores them, and --resume reuses them.
DEFAULTS = dict(
    data="", limit=0, hidden=(30,), activation="sigmoid", cost="quadratic", init="normal", optimizer="sgd",
    eta=None, l2=0.0, dropout=0.0, batch_size=10,
)
# (optimizer, cost) -> default eta: the notes' 3.0 (quadratic) and 0.5 (cross-entropy) for SGD; measured for the others
DEFAULT_ETA = {
    ("sgd", "quadratic"): 3.0, ("sgd", "cross-entropy"): 0.5,
    ("momentum", "quadratic"): 0.1, ("momentum", "cross-entropy"): 0.05,
    ("adam", "quadratic"): 0.01, ("adam", "cross-entropy"): 0.01,
}
OPTIMIZER_NAMES = ("sgd", "momentum", "adam")
DEFAULT_EPOCHS = 30
QUICK_EPOCHS = 15
SPLIT_SEED = 0  # NOTE: the held-out split of the bundled digits is fixed, so every --seed scores the same images
DIGITS_HELD_OUT = 300
MNIST_VALIDATION = 10_000
BAR_MIN_BATCHES = 1000  # show a progress bar when an epoch has more mini-batches than this


# ----- data -----------------------------------------------------------------------------------------------


def load_data(directory: str):
    """Return (X_train, y_train, X_held_out, y_held_out, test or None, description)."""
    if not directory:
        X, y = data.load_digits()
        Xt, yt, Xv, yv = data.train_val_split(X, y, val_size=DIGITS_HELD_OUT, stratify=True, rng=SPLIT_SEED)
        desc = (f"bundled 8x8 digits: {len(Xt)} training / {len(Xv)} held-out images "
                f"(stratified split, seed {SPLIT_SEED})")
        return Xt, yt, Xv, yv, None, desc
    X, y, X_test, y_test = data.load_mnist(directory)
    n = len(X) - MNIST_VALIDATION
    desc = (f"{directory}: {n} training / {MNIST_VALIDATION} validation (the last {MNIST_VALIDATION} training "
            f"images, as in the notes) / {len(X_test)} test images")
    return X[:n], y[:n], X[n:], y[n:], (X_test, y_test), desc


# ----- the network ----------------------------------------------------------------------------------------

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}


def build_network(sizes, activation="sigmoid", dropout=0.0, init="normal", rng=None) -> nn.Sequential:
    """Linear layers of the given sizes with the activation (and dropout) between them.

    The result maps inputs to the output layer's weighted input z; the output activation a = sigmoid(z) is
    applied by the cost (and skipped for predictions: argmax z = argmax sigmoid(z)).
    """
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out)
        if init == "normal":
            nn.init.normal_(linear.weight, 0.0, 1.0, rng=rng)
        elif init == "lecun":
            nn.init.lecun_normal_(linear.weight, rng=rng)
        else:
            raise ValueError(f"unknown init {init!r}; use 'normal' or 'lecun'")
        nn.init.normal_(linear.bias, 0.0, 1.0, rng=rng)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def weights(model: nn.Module):
    """The weight matrices (the L2 penalty leaves the biases alone, as in the notes)."""
    return [m.weight for m in model.modules() if isinstance(m, nn.Linear)]


def cost(model, z, y_onehot, cfg, n_train):
    """The notes' cost of one mini-batch of m examples (plus the L2 term), from the output layer's z."""
    m = z.shape[0]
    if cfg["cost"] == "quadratic":
        # C = 1/(2m) sum_x ||y - a||^2 = 0.5 * sum of squares / m
        c = 0.5 * nn.functional.mse_loss(z.sigmoid(), y_onehot, reduction="sum") / m
    else:
        # C = -1/m sum_x sum_j [y ln a + (1 - y) ln(1 - a)], with a = sigmoid(z), computed from z for stability
        c = nn.functional.binary_cross_entropy_with_logits(z, y_onehot, reduction="sum") / m
    if cfg["l2"]:
        squares = [(w * w).sum() for w in weights(model)]
        total = squares[0]
        for sq in squares[1:]:
            total = total + sq
        c = c + (cfg["l2"] / (2 * n_train)) * total
    return c


def make_optimizer(model, cfg):
    eta = cfg["eta"]
    if cfg["optimizer"] == "sgd":
        return optim.SGD(model.parameters(), lr=eta)
    if cfg["optimizer"] == "momentum":
        return optim.Momentum(model.parameters(), lr=eta, momentum=0.9)
    if cfg["optimizer"] == "adam":
        return optim.Adam(model.parameters(), lr=eta)
    raise ValueError(f"unknown optimizer {cfg['optimizer']!r}")


def epoch_seed(seed: int, epoch: int) -> int:
    """One integer seed per (seed, epoch): the shuffle and dropout masks of an epoch depend on nothing else,
    so resuming from a checkpoint after epoch k replays epoch k + 1 exactly."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


# ----- training -------------------------------------------------------------------------------------------


def train_epoch(model, opt, X, Y, cfg, seed, epoch, n_train):
    """One epoch of mini-batch training: one forward and one backward per mini-batch."""
    model.train()
    rng = np.random.default_rng(epoch_seed(seed, epoch))
    am.manual_seed(epoch_seed(seed, epoch) ^ 0x5EED)  # dropout masks come from the global generator
    n_batches = -(-len(X) // cfg["batch_size"])
    batches = data.batches(X, Y, cfg["batch_size"], shuffle=True, rng=rng)
    for xb, yb in progress(batches, total=n_batches, desc=f"epoch {epoch}", enable=n_batches > BAR_MIN_BATCHES):
        loss = cost(model, model(Tensor(xb)), Tensor(yb), cfg, n_train)
        opt.zero_grad()
        loss.backward()
        opt.step()


@am.no_grad()
def evaluate(model, X, y, cfg=None, n_train=None, chunk=10_000):
    """(number correct, total cost or None) of the model on (X, y), in evaluation mode (no dropout)."""
    model.eval()
    correct, total_cost = 0, 0.0
    for start in range(0, len(X), chunk):
        xb, yb = X[start:start + chunk], y[start:start + chunk]
        z = model(Tensor(xb))
        correct += int((z.data.argmax(axis=1) == yb).sum())
        if cfg is not None:
            onehot = Tensor(data.one_hot(yb, z.shape[1], dtype=z.data.dtype))
            c = cost(model, z, onehot, dict(cfg, l2=0.0), n_train)
            total_cost += float(c.item()) * len(xb)
    if cfg is not None:
        total_cost /= len(X)
        if cfg["l2"]:
            total_cost += cfg["l2"] / (2 * n_train) * sum(float((w.data.astype(np.float64) ** 2).sum())
                                                            for w in weights(model))
        return correct, total_cost
    return correct, None


# ----- checkpoints ----------------------------------------------------------------------------------------


def save_checkpoint(path, model, opt, cfg, seed, epochs_done, history):
    """Everything a bit-exact resume needs, as one nested dict (nn.save keeps ints, floats, tuples exact)."""
    nn.save({"model": model.state_dict(), "optim": opt.state_dict(), "config": cfg, "seed": seed,
             "epochs_done": epochs_done, "history": history}, path)


def read_checkpoint(path):
    """Return (config, seed, epochs_done, history, model state, optimizer state dict) from a checkpoint."""
    ckpt = nn.load(path)
    keys = {"model", "optim", "config", "seed", "epochs_done", "history"}
    if not (isinstance(ckpt, dict) and keys <= ckpt.keys() and isinstance(ckpt["config"], dict)
            and set(DEFAULTS) <= ckpt["config"].keys()):
        raise nn.CheckpointError(f"{path!r} is not a checkpoint written by examples/digits.py (this version's "
                                 f"checkpoints hold the keys {sorted(keys)}; older ones cannot be resumed)")
    cfg = {key: ckpt["config"][key] for key in DEFAULTS}
    return cfg, ckpt["seed"], ckpt["epochs_done"], ckpt["history"], ckpt["model"], ckpt["optim"]


# ----- pictures -------------------------------------------------------------------------------------------


def plot_curves(history, total, path, title):
    plt = pyplot()
    if plt is None:
        return
    epochs = np.arange(len(history["cost"]))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax1.plot(epochs, history["cost"], "o-", ms=3)
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training cost")
    ax1.set_yscale("log")
    ax1.grid(alpha=0.3)
    ax2.plot(epochs, 100 * np.asarray(history["correct"]) / total, "o-", ms=3, color="C1")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("held-out accuracy (%)")
    ax2.set_ylim(max(0, 100 * min(history["correct"]) / total - 2), 100)
    ax2.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


class _GraphNames:
    """Names for viz: the model's parameters and modules (for the clusters) plus some tensors of the cost."""

    def __init__(self, model, tensors):
        self.model, self.tensors = model, tensors

    def named_parameters(self):
        return [*self.tensors.items(), *self.model.named_parameters()]

    def named_modules(self):
        return self.model.named_modules()


def draw_network(model, X, Y, cfg, n_train, path):
    """Draw the computation graph of the cost on one mini-batch (gradients kept; parameters unchanged)."""
    model.train()
    m = cfg["batch_size"]
    x, y = Tensor(X[:m]), Tensor(Y[:m])
    z = model(x)
    loss = cost(model, z, y, cfg, n_train)
    viz.retain_grads(loss)
    loss.backward()
    sizes = "-".join(str(s) for s in [X.shape[1], *cfg["hidden"], Y.shape[1]])
    written = viz.save_graph(loss, path, params=_GraphNames(model, {"x": x, "y (one-hot)": y, "z": z, "C": loss}),
                             rankdir="TB",
                             title=f"network {sizes} ({cfg['activation']}), {cfg['cost']} cost, one mini-batch "
                                   f"of {m}, after backward")
    model.zero_grad()
    print("wrote", written)


# ----- main -----------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = make_parser(__doc__, name="digits", seed=0)
    add = parser.add_argument
    # NOTE: training settings default to None, so that --resume can tell what was given on the command line
    add("--data", default=None, metavar="DIR", help="folder with MNIST/Fashion-MNIST IDX files "
                                                    "(default: the bundled 8x8 digits)")
    add("--hidden", type=int, nargs="+", default=None, help="hidden layer sizes (default: 30)")
    add("--activation", choices=sorted(ACTIVATIONS), default=None, help="hidden activation (default: sigmoid)")
    add("--cost", choices=["quadratic", "cross-entropy"], default=None, help="default: quadratic")
    add("--init", choices=["normal", "lecun"], default=None, help="weights N(0,1) (default) or N(0,1/n_in)")
    add("--optimizer", choices=OPTIMIZER_NAMES, default=None, help="default: sgd")
    add("--eta", type=float, default=None, help="learning rate (default: sgd 3.0, or 0.5 with cross-entropy; "
                                                "momentum 0.1, or 0.05 with cross-entropy; adam 0.01)")
    add("--l2", type=float, default=None, metavar="LAMBDA", help="L2 regularization lambda (default: 0)")
    add("--dropout", type=float, default=None, metavar="P", help="dropout on hidden layers (default: 0)")
    add("--batch-size", type=int, default=None, help="mini-batch size m (default: 10)")
    add("--epochs", type=int, default=None, help=f"epochs to train in this run (default: {DEFAULT_EPOCHS}; "
                                                  f"--quick: {QUICK_EPOCHS})")
    add("--limit", type=int, default=None, metavar="N", help="train on the first N training images only "
                                                             "(default: all)")
    add("--resume", metavar="PATH", help="continue training from a checkpoint written by this script")
    add("--no-pictures", action="store_true", help="skip the PNG plot and the SVG graph")
    add("--export-onnx", metavar="PATH", help="also write the trained network as an ONNX model to PATH")
    return parser, parser.parse_args(argv)


def main(argv=None):
    parser, args = parse_args(argv)
    given = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k) is not None}
    if "hidden" in given:
        given["hidden"] = tuple(given["hidden"])
    if args.resume:
        cfg, seed, start, history, model_state, opt_state = read_checkpoint(args.resume)
        conflicts = {k: v for k, v in given.items() if v != cfg[k]}
        if args.seed not in (seed, parser.get_default("seed")):
            conflicts["seed"] = args.seed
        if conflicts:
            parser.error(f"--resume continues with the checkpoint's settings {cfg} (seed {seed}); "
                         f"these flags differ from them: {conflicts}")
    else:
        cfg = dict(DEFAULTS, **given)
        if cfg["eta"] is None:
            cfg["eta"] = DEFAULT_ETA[cfg["optimizer"], cfg["cost"]]
        seed, start, history = args.seed, 0, {"cost": [], "correct": [], "train_correct": []}
    if cfg["limit"] < 0:
        parser.error(f"--limit must be >= 1, got {cfg['limit']}")
    if not 0 <= cfg["dropout"] < 1:
        parser.error(f"--dropout must be in [0, 1), got {cfg['dropout']}")
    epochs = args.epochs if args.epochs is not None else QUICK_EPOCHS if args.quick else DEFAULT_EPOCHS
    out = prepare_out(args.out)

    Xt, yt, Xv, yv, test, desc = load_data(cfg["data"])
    if cfg["limit"]:
        Xt, yt = Xt[:cfg["limit"]], yt[:cfg["limit"]]
    n_train, n_classes = len(Xt), 10
    Yt = data.one_hot(yt, n_classes)
    sizes = [Xt.shape[1], *cfg["hidden"], n_classes]
    model = build_network(sizes, cfg["activation"], cfg["dropout"], cfg["init"], rng=np.random.default_rng(seed))
    opt = make_optimizer(model, cfg)
    if args.resume:
        model.load_state_dict(model_state)
        opt.load_state_dict(opt_state)
    print(f"data: {desc}")
    print(f"network {sizes}, {cfg['activation']}, {cfg['cost']} cost, init {cfg['init']}, {cfg['optimizer']} "
          f"eta {cfg['eta']:g}, mini-batch {cfg['batch_size']}, l2 {cfg['l2']:g}, dropout {cfg['dropout']:g}, "
          f"seed {seed}" + (f", resuming after epoch {start - 1}" if args.resume else ""))

    with Timer() as timer:
        for epoch in range(start, start + epochs):
            train_epoch(model, opt, Xt, Yt, cfg, seed, epoch, n_train)
            correct, _ = evaluate(model, Xv, yv)
            train_correct, train_cost = evaluate(model, Xt, yt, cfg, n_train)
            history["cost"].append(train_cost)
            history["correct"].append(correct)
            history["train_correct"].append(train_correct)
            print(f"Epoch {epoch}: {correct} / {len(Xv)}  (training cost {train_cost:.5f}, "
                  f"training accuracy {train_correct} / {n_train})", flush=True)
    done = start + epochs
    best = int(np.argmax(history["correct"]))
    print(f"held-out accuracy after epoch {done - 1}: {100 * history['correct'][-1] / len(Xv):.2f}% "
          f"(best {100 * history['correct'][best] / len(Xv):.2f}% at epoch {best}); "
          f"{epochs} epochs in {timer.seconds:.1f} s")
    if test is not None:
        correct, _ = evaluate(model, *test)
        print(f"Test: {correct} / {len(test[1])} ({100 * correct / len(test[1]):.2f}%)")

    checkpoint = os.path.join(out, "checkpoint.npz")
    save_checkpoint(checkpoint, model, opt, cfg, seed, done, history)
    print("wrote", checkpoint)
    if not args.no_pictures:
        name = os.path.basename(os.path.normpath(cfg["data"])) if cfg["data"] else "bundled digits"
        plot_curves(history, len(Xv), os.path.join(out, "training_curves.png"),
                    f"{name}: network {sizes}, {cfg['cost']} cost, {cfg['optimizer']} eta {cfg['eta']:g}")
        draw_network(model, Xt, Yt, cfg, n_train, os.path.join(out, "network_graph.svg"))
    if args.export_onnx:
        export_onnx(model, Xv, args.export_onnx)
    return history


def export_onnx(model, X, path):
    """Write the network to an ONNX file (batch axis dynamic) and compare ONNX Runtime with it on X."""
    import autograd_mini.onnx

    X = np.asarray(X, dtype=model[0].weight.dtype)
    autograd_mini.onnx.export(model, X[:2], path, input_names=["pixels"], output_names=["z"],
                              dynamic_axes={"pixels": {0: "batch"}})
    print("wrote", path)
    try:
        import onnxruntime
    except ImportError:
        print("onnxruntime is not installed: the ONNX file was not run")
        return
    z = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"pixels": X})[0]
    with am.no_grad():
        ref = model(am.Tensor(X)).data
    print(f"ONNX Runtime on {len(X)} held-out images: largest |z - z_library| = {np.abs(z - ref).max():.2g}, "
          f"same predictions: {bool((z.argmax(axis=1) == ref.argmax(axis=1)).all())}")


if __name__ == "__main__":
    main()
