"""Shared helpers for the scripts in examples/: arguments, output folder, progress bar, figures, timing.

Every example starts the same way:

    import os, sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # the examples folder
    from common import make_parser, prepare_out, progress, save_figure, pyplot, seed_all, Timer

    def main(argv=None):
        parser = make_parser(__doc__, name="my_example")     # --seed, --out, --quick
        parser.add_argument("--epochs", type=int, default=10)
        args = parser.parse_args(argv)
        out = prepare_out(args.out)                           # creates the folder, returns its path
        seed_all(args.seed)                                   # autograd_mini's global RNG (init, dropout)
        for batch in progress(loader, total=len(loader), desc="epoch 1"):
            ...
        plt = pyplot()                                        # None (with a printed note) without matplotlib
        if plt is not None:
            fig, ax = plt.subplots()
            ...
            save_figure(fig, os.path.join(out, "curves.png"))

Importing this module also puts the repository root on ``sys.path``, so the examples run from a checkout
without ``pip install -e .``. tqdm and matplotlib are optional: without tqdm, ``progress`` returns the plain
iterable (and says so once); without matplotlib, ``pyplot()`` returns None (and says so once) and the examples
skip their plots. matplotlib is imported lazily, always with the non-interactive Agg backend.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Iterable, Optional, TypeVar

EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(EXAMPLES_DIR)
"""The repository root (the folder holding autograd_mini/, nn/, optim/)."""

if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

__all__ = [
    "ROOT",
    "EXAMPLES_DIR",
    "make_parser",
    "add_common_args",
    "default_out",
    "prepare_out",
    "seed_all",
    "progress",
    "pyplot",
    "save_figure",
    "Timer",
    "note",
]

T = TypeVar("T")
_noted = set()


def note(message: str) -> None:
    """Print ``note: message`` to stderr, once per distinct message."""
    if message not in _noted:
        _noted.add(message)
        print(f"note: {message}", file=sys.stderr)


# ----- arguments and output folder -----------------------------------------------------------------------


def default_out(name: str) -> str:
    """The default output folder of an example: ``out/<name>`` (relative to the working directory)."""
    return os.path.join("out", name)


def add_common_args(parser: argparse.ArgumentParser, name: str, seed: int = 0) -> argparse.ArgumentParser:
    """Add ``--seed``, ``--out`` and ``--quick`` to an existing parser.

    Args:
        parser: the parser to extend.
        name: the example's name; the default output folder is ``out/<name>``.
        seed: default of ``--seed``.

    Returns:
        The same parser.
    """
    parser.add_argument("--seed", type=int, default=seed, help="random seed (default: %(default)s)")
    parser.add_argument("--out", default=default_out(name), help="output folder (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run (used by the tests)")
    return parser


def make_parser(doc: Optional[str], name: str, seed: int = 0) -> argparse.ArgumentParser:
    """An ArgumentParser with the example's docstring as help text and ``--seed``, ``--out``, ``--quick``.

    Args:
        doc: the module docstring (``__doc__``); its first line is the description, the rest the epilog.
        name: the example's name; the default output folder is ``out/<name>``.
        seed: default of ``--seed``.
    """
    doc = (doc or "").strip()
    first, _, rest = doc.partition("\n")
    parser = argparse.ArgumentParser(
        description=first or None,
        epilog=rest.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return add_common_args(parser, name, seed)


def prepare_out(path: str) -> str:
    """Create the output folder (and its parents) if needed; return its path."""
    os.makedirs(path, exist_ok=True)
    return path


def seed_all(seed: int):
    """Seed autograd_mini's global generator (layer initialization, dropout masks, randn).

    Returns:
        A new ``numpy.random.Generator`` seeded from ``seed`` as well, for the example's own use
        (data shuffling, toy data), independent of the global one.
    """
    import numpy as np

    import autograd_mini as am

    am.manual_seed(seed)
    return np.random.default_rng([seed, 1])


# ----- progress bar --------------------------------------------------------------------------------------


def progress(iterable: Iterable[T], total: Optional[int] = None, desc: Optional[str] = None,
             enable: bool = True, leave: bool = False) -> Iterable[T]:
    """Wrap an iterable in a tqdm progress bar (on stderr), or return it unchanged.

    Args:
        iterable: what to iterate over.
        total: number of items, if ``len(iterable)`` does not work (a generator).
        desc: a short label in front of the bar.
        enable: False returns the iterable unchanged (e.g. for short loops that need no bar).
        leave: keep the finished bar on screen.

    Without tqdm the iterable is returned unchanged, with a one-time note on how to install it. The bar is
    also left out when stderr is not a terminal (a log file, a pipe, a test run), as tqdm's ``disable=None``.
    """
    if not enable:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        note("tqdm is not installed, so no progress bar (pip install tqdm)")
        return iterable
    return tqdm(iterable, total=total, desc=desc, leave=leave, dynamic_ncols=True, file=sys.stderr, disable=None)


# ----- figures -------------------------------------------------------------------------------------------


def pyplot():
    """Return ``matplotlib.pyplot`` set to the Agg backend, or None (with a one-time note) without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        note("matplotlib is not installed, so no plots (pip install matplotlib)")
        return None
    matplotlib.use("Agg", force=True)  # NOTE: files only; never open a window, also without a display
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str, dpi: int = 100) -> str:
    """Save a matplotlib figure (format from the extension), close it, print and return the path."""
    plt = pyplot()
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    if plt is not None:
        plt.close(fig)
    print("wrote", path)
    return path


# ----- timing --------------------------------------------------------------------------------------------


class Timer:
    """Wall-clock seconds: ``with Timer() as t: ...`` then ``t.seconds``; also ``t.elapsed()`` while running."""

    def __init__(self):
        self.start = None
        self.seconds = None

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start

    def elapsed(self) -> float:
        return time.perf_counter() - self.start if self.seconds is None else self.seconds
