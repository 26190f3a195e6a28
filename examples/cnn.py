"""A small convolutional network next to an MLP with the same training budget, on the 8x8 digits or on
Fashion-MNIST.

digits (default): 1,797 8x8 images, 20 % held out (stratified). The CNN reads them as (N, 1, 8, 8):

    Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 3, padding=1) -> ReLU -> MaxPool2d(2)
    -> Flatten -> Linear(32 * 2 * 2, 10)

Fashion-MNIST (--data DIR, a folder with the four IDX files; the default /usr/share/datasets/fashion-mnist is
where `apt-get install dataset-fashion-mnist` puts them): 28x28 images, the official 10,000 test images held
out; the CNN is

    Conv2d(1, 16, 5) -> ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 5) -> ReLU -> MaxPool2d(2) -> Flatten
    -> Linear(32 * 4 * 4, 10)

trained on all 60,000 training images (--train-size N: a stratified subset of N).

The MLP (pixels -> 100 ReLU -> 10) gets the same budget: the same epochs, batch size 64 and Adam (lr 3e-3),
on the same shuffled batches. Prints both test accuracies, parameter counts and times, and writes
cnn_<data>.png (test accuracy per epoch for both, and the CNN's first-layer filters).

    python examples/cnn.py [--out out/cnn] [--seed 0] [--epochs 15] [--quick]
    python examples/cnn.py --data [/usr/share/datasets/fashion-mnist] [--epochs 2] [--train-size 0]

Measured (seed 0, 2 cores): digits, 15 epochs: CNN 0.981, MLP 0.972, 5-20 s. Fashion-MNIST, 2 epochs on all
60,000 images: CNN 0.8775 (18k parameters), MLP 0.8595 (80k parameters), about 1.5 minutes on an idle machine
(3 on a loaded one), nearly all of it the CNN's; a third epoch gives 0.881 and 0.866. --quick: 5 epochs on
the digits; with --data, 1 epoch on 2,000 images, tested on 2,000.
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
from autograd_mini.data import batches, load_digits, load_mnist, train_val_split  # noqa: E402

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"


def digits_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # (N, 16, 4, 4)
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (N, 32, 2, 2)
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
    )


def mnist_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),               # (N, 16, 12, 12)
        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),              # (N, 32, 4, 4)
        nn.Flatten(), nn.Linear(32 * 4 * 4, 10),
    )


def mlp(n_in: int, hidden: int = 100) -> nn.Module:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def predict(model, X: np.ndarray, chunk: int = 100) -> np.ndarray:
    # NOTE: in chunks: OpenBLAS multithreads larger matmuls, and on a loaded 2-core machine such calls were
    # measured at ~20 ms each instead of well under a millisecond (its threads waiting for a core).
    with am.no_grad():
        return np.concatenate([model(am.Tensor(X[i : i + chunk])).data.argmax(axis=1)
                               for i in range(0, len(X), chunk)])


def count_parameters(model) -> int:
    return sum(p.size for p in model.parameters())


def load(args, rng):
    """(X_train, y_train, X_test, y_test, image side) with X of shape (n, side * side)."""
    if args.data is None:
        X, y = load_digits()
        X_train, y_train, X_test, y_test = train_val_split(X, y, 0.2, rng=rng, stratify=True)
        return X_train, y_train, X_test, y_test, 8
    X_train, y_train, X_test, y_test = load_mnist(args.data)
    if args.train_size and args.train_size < len(X_train):
        X_train, y_train, _, _ = train_val_split(X_train, y_train, val_size=len(X_train) - args.train_size,
                                                 rng=rng, stratify=True)
    if args.quick:
        X_test, y_test = X_test[:2000], y_test[:2000]
    return X_train, y_train, X_test, y_test, 28


def main(argv=None):
    parser = make_parser(__doc__, name="cnn")
    parser.add_argument("--data", nargs="?", const=FASHION_MNIST_DIR, default=None,
                        help="an MNIST-format folder (Fashion-MNIST); --data alone means " + FASHION_MNIST_DIR)
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default: 15 digits, 2 Fashion-MNIST)")
    parser.add_argument("--train-size", type=int, default=0,
                        help="Fashion-MNIST training images to use, 0 for all (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 2 if args.data else 15
    if args.quick:
        args.epochs = min(args.epochs, 5 if args.data is None else 1)
        args.train_size = min(args.train_size or 2000, 2000)
    out = prepare_out(args.out)
    rng = seed_all(args.seed)
    name = "digits" if args.data is None else os.path.basename(os.path.normpath(args.data))

    X_train, y_train, X_test, y_test, side = load(args, rng)
    models = {"CNN": digits_cnn() if side == 8 else mnist_cnn(), "MLP": mlp(side * side)}
    print(f"{name}: {len(X_train)} training, {len(X_test)} test images ({side}x{side}); {args.epochs} epochs, "
          f"batch 64, Adam lr {args.lr:g}")
    images = {"CNN": lambda xb: xb.reshape(-1, 1, side, side), "MLP": lambda xb: xb}
    opts = {k: optim.Adam(m.parameters(), lr=args.lr) for k, m in models.items()}
    history = {k: [] for k in models}
    seconds = {k: 0.0 for k in models}
    with Timer() as timer:
        for epoch in range(1, args.epochs + 1):
            # NOTE: one shuffle per epoch shared by both models, so they see exactly the same batches
            order = rng.permutation(len(X_train))
            for k, model in models.items():
                with Timer() as t:
                    for xb, yb in progress(batches(X_train[order], y_train[order], 64, shuffle=False),
                                           total=-(-len(X_train) // 64), desc=f"{k} epoch {epoch}"):
                        opts[k].zero_grad()
                        loss = nn.functional.cross_entropy(model(am.Tensor(images[k](xb))), yb)
                        loss.backward()
                        opts[k].step()
                    history[k].append(float((predict(model, images[k](X_test)) == y_test).mean()))
                seconds[k] += t.seconds
            print(f"epoch {epoch:2d}: test accuracy CNN {history['CNN'][-1]:.4f}, MLP {history['MLP'][-1]:.4f}")
    for k, model in models.items():
        print(f"{k}: test accuracy {history[k][-1]:.4f}, {count_parameters(model)} parameters, "
              f"{seconds[k]:.1f} s (training + evaluation)")

    plt = pyplot()
    if plt is not None:
        fig = plt.figure(figsize=(11, 3.6))
        ax = fig.add_subplot(1, 2, 1)
        for k in models:
            ax.plot(range(1, args.epochs + 1), history[k], "o-", label=f"{k} ({count_parameters(models[k])} "
                    f"parameters): {history[k][-1]:.3f}")
        ax.set(xlabel="epoch", ylabel="test accuracy", title=f"{name}: CNN vs MLP, same budget")
        ax.set_xticks(range(1, args.epochs + 1, max(args.epochs // 8, 1)))
        ax.legend(fontsize=8)
        w = models["CNN"][0].weight.data  # (out, 1, kh, kw)
        cols = 8
        rows = -(-w.shape[0] // cols)
        grid = fig.add_gridspec(rows, cols, left=0.56, right=0.98, top=0.85, bottom=0.15)
        for i in range(w.shape[0]):
            a = fig.add_subplot(grid[i // cols, i % cols])
            m = np.abs(w[i, 0]).max() or 1.0  # NOTE: one colour scale per filter; a few large filters hide the rest
            a.imshow(w[i, 0], cmap="RdBu_r", vmin=-m, vmax=m)
            a.set_xticks([])
            a.set_yticks([])
        fig.text(0.77, 0.9, "first-layer filters of the CNN (each on its own colour scale)", ha="center", fontsize=10)
        save_figure(fig, os.path.join(out, f"cnn_{name}.png"))
    print(f"time: {timer.seconds:.1f} s")
    return {"data": name, "cnn_accuracy": history["CNN"][-1], "mlp_accuracy": history["MLP"][-1],
            "history": history, "seconds": seconds, "total_seconds": timer.seconds}


if __name__ == "__main__":
    main()
