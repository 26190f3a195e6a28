"""Data sets, mini-batches and augmentation, in plain NumPy.

- `load_digits()`: the 8x8 handwritten digits bundled with the package (no download).
- `load_idx(path)` / `load_mnist(directory)`: the IDX format of MNIST and Fashion-MNIST, raw or gzipped.
- `batches(...)`, `train_val_split(...)`, `one_hot(...)`: the usual plumbing of a training loop.
- `shift_images`, `rotate_images`, `augment`: "artificially expanding the training data" (M. Nielsen,
  Neural Networks and Deep Learning, ch. 3) with whole-pixel shifts and small bilinear rotations.

This module depends on NumPy only. Image functions accept a batch either flat, shape (n, h*w), or as
images, shape (n, h, w), and return the same layout they were given.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from importlib import resources
from typing import Iterator, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import AutogradError
from .random import get_rng

__all__ = [
    "DataError",
    "IDXFormatError",
    "FASHION_MNIST_DIR",
    "load_digits",
    "load_idx",
    "load_mnist",
    "batches",
    "train_val_split",
    "one_hot",
    "shift_images",
    "rotate_images",
    "augment",
]

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
"""Where `apt-get install -y dataset-fashion-mnist` puts the four Fashion-MNIST IDX files (gzipped)."""

RngLike = Union[np.random.Generator, int, np.integer, None]
PathLike = Union[str, "os.PathLike[str]"]


class DataError(AutogradError, ValueError):
    """Data given to, or read by, `autograd_mini.data` does not have the expected form."""


class IDXFormatError(DataError):
    """A file is not a valid IDX file (bad magic, dtype code, dimensions, size, or gzip stream)."""


# ----- helpers ------------------------------------------------------------------------------------


def _as_rng(rng: RngLike) -> np.random.Generator:
    """Turn None (the global generator), an int seed or a Generator into a Generator (used as is, not copied)."""
    if rng is None:
        return get_rng()  # the global generator: reproducible under autograd_mini.manual_seed
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"rng seed must be >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}; "
        "create one with numpy.random.default_rng(seed)"
    )


def _check_int(name: str, value, minimum: int) -> int:
    """Return value as an int, raising if it is not an integer (bools excluded) >= minimum."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_same_length(X: np.ndarray, y: Optional[np.ndarray]) -> None:
    if X.ndim == 0:
        raise DataError(f"X must have at least one axis (the examples), got a 0-d array of shape {X.shape}")
    if y is not None:
        if y.ndim == 0:
            raise DataError(f"y must have at least one axis (the examples), got a 0-d array of shape {y.shape}")
        if len(X) != len(y):
            raise DataError(
                f"X and y must have the same number of examples (first axis), got len(X) = {len(X)} "
                f"and len(y) = {len(y)} (shapes {X.shape} and {y.shape})"
            )


# ----- bundled data set ---------------------------------------------------------------------------


def load_digits() -> Tuple[np.ndarray, np.ndarray]:
    """Load the 8x8 handwritten digits bundled with autograd_mini (1797 images, 10 classes).

    The data are the test set of the UCI "Optical Recognition of Handwritten Digits" data set
    (E. Alpaydin and C. Kaynak, 1998; CC BY 4.0), as distributed with scikit-learn. Each pixel is a
    count 0..16 of set pixels in a 4x4 block of the original 32x32 bitmap; it is divided by 16 here.

    Every call parses the file again (about 10 ms) and returns new arrays, so callers may modify them.

    Returns:
        (X, y): X float32 of shape (1797, 64) with values in [0, 1], each row an 8x8 image in row-major
        order; y int64 of shape (1797,) with the digit 0..9.

    Raises:
        FileNotFoundError: if the package was installed without its data file `datasets/digits.csv.gz`.
    """
    resource = resources.files(__package__ or "autograd_mini") / "datasets" / "digits.csv.gz"
    if not resource.is_file():
        raise FileNotFoundError(
            f"the bundled data file {resource} is missing; reinstall autograd-mini "
            "(it is declared as package data: datasets/*.csv.gz)"
        )
    with resource.open("rb") as raw, gzip.open(raw) as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64, ndmin=2)
    X = table[:, :64].astype(np.float32) / np.float32(16.0)
    y = np.ascontiguousarray(table[:, 64])
    return X, y


# ----- IDX files (MNIST, Fashion-MNIST) ----------------------------------------------------------

# IDX type code -> element type; multi-byte types are stored big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_maybe_gzip(path: PathLike) -> bytes:
    """Return the content of path, decompressed if it starts with the gzip magic bytes 1f 8b."""
    with open(path, "rb") as fh:
        content = fh.read()
    if content[:2] != _GZIP_MAGIC:
        return content
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXFormatError(
            f"{os.fspath(path)!r}: starts with the gzip magic bytes 1f 8b but is not a valid gzip stream "
            f"({type(exc).__name__}: {exc}); the file is probably truncated or corrupt, download it again"
        ) from exc


def load_idx(path: PathLike) -> np.ndarray:
    """Read an IDX file (the format of MNIST and Fashion-MNIST), gzipped or raw.

    Format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
    0x0E float64), the number of dimensions d (>= 1), d big-endian uint32 sizes, then the data,
    big-endian, row-major, with exactly as many bytes as the sizes call for. A gzipped file is
    recognized by its first two bytes (1f 8b), whatever its name.

    Args:
        path: a path to the file.

    Returns:
        A new, writable array of the stored shape and element type, in native byte order.

    Raises:
        FileNotFoundError: if path does not exist.
        IDXFormatError: (a ValueError) if the file is not a valid IDX file; the message names the file.
    """
    name = os.fspath(path)
    content = _read_maybe_gzip(path)
    if len(content) < 4:
        raise IDXFormatError(f"{name!r}: too short for an IDX header: {len(content)} bytes, expected at least 4")
    zero0, zero1, code, ndim = content[0], content[1], content[2], content[3]
    if zero0 != 0 or zero1 != 0:
        raise IDXFormatError(
            f"{name!r}: bad IDX magic number {content[:4].hex(' ')}: expected the first two bytes to be 00 00; "
            "this is not an IDX file (or a compressed format other than gzip)"
        )
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02X} ({d.name})" for c, d in _IDX_DTYPES.items())
        raise IDXFormatError(f"{name!r}: unknown IDX type code 0x{code:02X}; expected one of {known}")
    if ndim == 0:
        raise IDXFormatError(f"{name!r}: the IDX header declares 0 dimensions; expected at least 1")
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise IDXFormatError(
            f"{name!r}: header truncated: {ndim} dimensions need a {header_size}-byte header, "
            f"but the file has only {len(content)} bytes"
        )
    shape = tuple(int(s) for s in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize
    actual = len(content) - header_size
    if actual != expected:
        what = "truncated" if actual < expected else "has trailing bytes"
        raise IDXFormatError(
            f"{name!r}: data {what}: shape {shape} of {dtype.name} needs {expected} data bytes "
            f"after the {header_size}-byte header, found {actual}"
        )
    data = np.frombuffer(content, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # NOTE: astype copies, so the result is writable


_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find_idx(directory: str, base: str) -> Tuple[Optional[str], Tuple[str, ...]]:
    """Return (the path of base or base.gz in directory, or None; the candidates looked for)."""
    candidates = (os.path.join(directory, base), os.path.join(directory, base + ".gz"))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate, candidates
    return None, candidates


def _mnist_pair(images_path: str, labels_path: str) -> Tuple[np.ndarray, np.ndarray]:
    images = load_idx(images_path)
    labels = load_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim < 2:
        raise IDXFormatError(
            f"{images_path!r}: expected uint8 images of shape (n, rows, cols), got {images.dtype.name} "
            f"of shape {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise IDXFormatError(
            f"{labels_path!r}: expected integer labels of shape (n,), "
            f"got {labels.dtype.name} of shape {labels.shape}"
        )
    if len(images) != len(labels):
        raise IDXFormatError(
            f"{images_path!r} holds {len(images)} images but {labels_path!r} holds {len(labels)} labels; "
            "expected the same number (are the files from the same data set and split?)"
        )
    X = images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)
    return X, labels.astype(np.int64)


def load_mnist(directory: PathLike, kind: Optional[str] = None) -> Tuple[np.ndarray, ...]:
    """Load MNIST or Fashion-MNIST from the four standard IDX files in directory.

    The files are `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
    `t10k-labels-idx1-ubyte`, each either as is or with a `.gz` suffix (the uncompressed file wins if
    both exist). Fashion-MNIST is installed by `apt-get install -y dataset-fashion-mnist` into
    `FASHION_MNIST_DIR` (/usr/share/datasets/fashion-mnist).

    Args:
        directory: the directory holding the files.
        kind: None for both splits; "train" or "test" to read only that split's two files.

    Returns:
        (X_train, y_train, X_test, y_test) if kind is None, else (X, y) of the chosen split. Images are
        float32 in [0, 1] (pixel / 255) of shape (n, rows * cols), i.e. (n, 784) for MNIST; labels are
        int64 of shape (n,).

    Raises:
        ValueError: if kind is not None, "train" or "test".
        FileNotFoundError: if a file is missing; the message lists every path looked for.
        IDXFormatError: (a ValueError) if a file is corrupt, holds the wrong kind of array, or the
            image and label counts of a split differ.
    """
    if kind is None:
        splits: Sequence[str] = ("train", "test")
    elif kind in _MNIST_FILES:
        splits = (kind,)
    else:
        raise ValueError(f"kind must be None, 'train' or 'test', got {kind!r}")
    directory = os.fspath(directory)
    found, missing = {}, []
    for split in splits:
        for base in _MNIST_FILES[split]:
            path, candidates = _find_idx(directory, base)
            if path is None:
                missing.append(" or ".join(candidates))
            found[base] = path
    if missing:
        raise FileNotFoundError(
            f"MNIST-format files not found in {directory!r}: looked for " + "; ".join(missing) + ". "
            "For Fashion-MNIST, run `apt-get install -y dataset-fashion-mnist` (as root), which installs "
            f"it into {FASHION_MNIST_DIR}, and call load_mnist(autograd_mini.data.FASHION_MNIST_DIR)"
        )
    result: Tuple[np.ndarray, ...] = ()
    for split in splits:
        images_base, labels_base = _MNIST_FILES[split]
        result += _mnist_pair(found[images_base], found[labels_base])
    return result


# ----- batches, splits, one-hot -------------------------------------------------------------------


def batches(
    X,
    y,
    batch_size: int,
    shuffle: bool = True,
    rng: RngLike = None,
    *,
    drop_last: bool = False,
) -> Iterator[Tuple[np.ndarray, Optional[np.ndarray]]]:
    """Split (X, y) into mini-batches covering one epoch: every example exactly once.

    Shuffling draws one permutation per call and takes each batch by fancy indexing (copies); without
    shuffling the batches are consecutive slices (views of X and y, in order). Arguments are checked
    when `batches` is called, not when the first batch is requested.

    Args:
        X: array of shape (n, ...), examples along the first axis.
        y: array of shape (n, ...) or None; if None, each batch is (X_batch, None).
        batch_size: examples per batch (>= 1). The last batch may be smaller.
        shuffle: visit the examples in a random order.
        rng: a numpy Generator, an int seed, or None for fresh OS entropy; used only if shuffle.
        drop_last: skip the last batch if it has fewer than batch_size examples.

    Returns:
        An iterator of (X_batch, y_batch) pairs, ceil(n / batch_size) of them (floor if drop_last).

    Raises:
        DataError: (a ValueError) if X and y have different lengths.
        TypeError / ValueError: if batch_size is not an int >= 1 or rng is not a valid generator or seed.
    """
    X = np.asarray(X)
    y = None if y is None else np.asarray(y)
    _check_same_length(X, y)
    batch_size = _check_int("batch_size", batch_size, 1)
    n = len(X)
    order = _as_rng(rng).permutation(n) if shuffle else None
    stop = n - n % batch_size if drop_last else n
    return _iter_batches(X, y, batch_size, order, stop)


def _iter_batches(X, y, batch_size, order, stop):
    for start in range(0, stop, batch_size):
        index = slice(start, start + batch_size) if order is None else order[start : start + batch_size]
        yield X[index], (None if y is None else y[index])


def train_val_split(
    X,
    y=None,
    val_fraction: Optional[float] = None,
    *,
    val_size: Optional[int] = None,
    shuffle: bool = True,
    rng: RngLike = None,
    stratify: bool = False,
) -> Tuple[np.ndarray, Optional[np.ndarray], np.ndarray, Optional[np.ndarray]]:
    """Split (X, y) into a training and a validation part, disjoint and together covering all examples.

    The validation part has `val_size` examples, or `round(val_fraction * n)` (default fraction 0.2).
    With `stratify=True` each class keeps its share: class c contributes about `n_val * n_c / n`
    examples (largest-remainder rounding, so the total is exactly n_val). Without shuffling, the
    validation part is the last examples (of each class, if stratified) and both parts keep the
    original order; with shuffling both parts come in a random order.

    Args:
        X: array of shape (n, ...).
        y: array of shape (n, ...) or None (then y_train and y_val are None). Must be a 1-D array of
            class labels if stratify.
        val_fraction: fraction of the examples to put in the validation part, in [0, 1].
        val_size: number of validation examples, in [0, n]; give either this or val_fraction.
        shuffle: choose the validation examples at random.
        rng: a numpy Generator, an int seed, or None for fresh OS entropy; used only if shuffle.
        stratify: keep the class proportions of y in both parts.

    Returns:
        (X_train, y_train, X_val, y_val), new arrays.

    Raises:
        DataError: (a ValueError) if X and y have different lengths, or stratify is asked without 1-D y.
        TypeError / ValueError: if both val_fraction and val_size are given or either is out of range.
    """
    X = np.asarray(X)
    y = None if y is None else np.asarray(y)
    _check_same_length(X, y)
    n = len(X)
    if val_fraction is not None and val_size is not None:
        raise TypeError(f"give val_fraction or val_size, not both (got {val_fraction!r} and {val_size!r})")
    if val_size is not None:
        n_val = _check_int("val_size", val_size, 0)
        if n_val > n:
            raise ValueError(f"val_size must be <= the number of examples {n}, got {n_val}")
    else:
        fraction = 0.2 if val_fraction is None else val_fraction
        if not isinstance(fraction, (int, float, np.integer, np.floating)) or isinstance(fraction, bool):
            raise TypeError(f"val_fraction must be a float in [0, 1], got {type(fraction).__name__}")
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"val_fraction must be in [0, 1], got {fraction}")
        n_val = int(round(float(fraction) * n))
    generator = _as_rng(rng) if shuffle else None
    order = generator.permutation(n) if shuffle else np.arange(n)

    if not stratify:
        val_index, train_index = order[n - n_val :], order[: n - n_val]
    else:
        if y is None or y.ndim != 1:
            raise DataError(
                "stratify=True needs y as a 1-D array of class labels, got "
                + ("None" if y is None else f"shape {y.shape}")
            )
        classes, label_ids = np.unique(y, return_inverse=True)
        label_ids = label_ids.reshape(-1)
        counts = np.bincount(label_ids, minlength=len(classes))
        per_class = _largest_remainder(counts * n_val, n, n_val)
        # Group the (possibly shuffled) order by class, keeping the order within each class.
        grouped = order[np.argsort(label_ids[order], kind="stable")]
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        ids = label_ids[grouped]
        rank_from_end = starts[ids] + counts[ids] - 1 - np.arange(n)
        is_val = rank_from_end < per_class[ids]
        val_index, train_index = grouped[is_val], grouped[~is_val]
        if shuffle:
            val_index = val_index[generator.permutation(len(val_index))]
            train_index = train_index[generator.permutation(len(train_index))]
        else:
            val_index, train_index = np.sort(val_index), np.sort(train_index)

    def take(a, index):
        return None if a is None else a[index]

    return X[train_index], take(y, train_index), X[val_index], take(y, val_index)


def _largest_remainder(numerators: np.ndarray, denominator: int, total: int) -> np.ndarray:
    """Integers k_i = floor(num_i / den) plus one for the largest remainders, so that sum(k) == total."""
    if denominator == 0:
        return np.zeros_like(numerators)
    base, remainder = np.divmod(numerators, denominator)
    missing = total - int(base.sum())
    # Stable sort: ties go to the earlier (smaller) class label, so the split is deterministic.
    base[np.argsort(-remainder, kind="stable")[:missing]] += 1
    return base


def one_hot(y, num_classes: Optional[int] = None, dtype=np.float32) -> np.ndarray:
    """One-hot encode integer class labels.

    Args:
        y: integer array of labels, any shape (usually (n,)), values in [0, num_classes).
        num_classes: number of classes C; if None, y.max() + 1.
        dtype: element type of the result.

    Returns:
        Array of shape y.shape + (C,) with a 1 at each label's position and 0 elsewhere.

    Raises:
        TypeError: if y is not an integer array or num_classes is not an int.
        ValueError: if a label is negative or >= num_classes, or num_classes is None and y is empty.
    """
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot expects integer class labels, got dtype {y.dtype}; convert with y.astype(np.int64) "
            "if the values are whole numbers"
        )
    if num_classes is None:
        if y.size == 0:
            raise ValueError("one_hot cannot infer num_classes from an empty y; pass num_classes")
        num_classes = int(y.max()) + 1
    num_classes = _check_int("num_classes", num_classes, 1)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"one_hot labels must be in [0, {num_classes}), got values from {y.min()} to {y.max()}"
        )
    out = np.zeros((y.size, num_classes), dtype=dtype)
    out[np.arange(y.size), y.reshape(-1)] = 1
    return out.reshape(y.shape + (num_classes,))


# ----- augmentation -------------------------------------------------------------------------------


def _as_images(X, shape) -> Tuple[np.ndarray, Tuple[int, ...]]:
    """Return (X viewed as (n, h, w), the original shape of X) after checking that they agree."""
    X = np.asarray(X)
    if shape is None:
        if X.ndim != 3:
            raise DataError(f"shape=None needs X of shape (n, h, w), got shape {X.shape}; pass shape=(h, w)")
        shape = X.shape[1:]
    if len(shape) != 2 or any(
        isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or s < 1 for s in shape
    ):
        raise DataError(f"shape must be (height, width) with positive ints, got {shape!r}")
    h, w = int(shape[0]), int(shape[1])
    if X.ndim == 2 and X.shape[1] == h * w:
        return X.reshape(len(X), h, w), X.shape
    if X.ndim == 3 and X.shape[1:] == (h, w):
        return X, X.shape
    raise DataError(
        f"expected images of shape (n, {h * w}) or (n, {h}, {w}) for shape=({h}, {w}), got shape {X.shape}"
    )


def _per_image(name: str, value, n: int, integer: bool) -> np.ndarray:
    """Broadcast a scalar or an (n,) array of per-image parameters to shape (n,)."""
    a = np.asarray(value)
    if integer and a.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be whole pixels (an int or an integer array), got dtype {a.dtype}; "
            "use rotate_images or round the shifts first"
        )
    if not integer and a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a number or an array of numbers, got dtype {a.dtype}")
    if a.ndim > 1 or (a.ndim == 1 and len(a) != n):
        raise DataError(f"{name} must be a scalar or have shape ({n},) (one per image), got shape {a.shape}")
    return np.broadcast_to(a, (n,))


def shift_images(X, shape, dx, dy) -> np.ndarray:
    """Shift images by whole pixels, filling the uncovered border with zeros.

    Pixel (r, c) of the result is pixel (r - dy, c - dx) of the input, or 0 if that lies outside:
    positive dx moves the content right (to higher columns), positive dy moves it down (to higher rows,
    as displayed by imshow).

    Args:
        X: images of shape (n, h*w) or (n, h, w).
        shape: (h, w); may be None if X has shape (n, h, w).
        dx: horizontal shift in pixels, an int or an integer array of shape (n,) (one per image).
        dy: vertical shift in pixels, likewise.

    Returns:
        A new array with the shape and dtype of X.

    Raises:
        DataError: (a ValueError) if X and shape disagree or dx/dy have the wrong shape.
        TypeError: if dx or dy are not integers.
    """
    images, original_shape = _as_images(X, shape)
    n, h, w = images.shape
    dx = _per_image("dx", dx, n, integer=True)
    dy = _per_image("dy", dy, n, integer=True)
    rows = np.arange(h)[None, :, None] - dy[:, None, None]
    cols = np.arange(w)[None, None, :] - dx[:, None, None]
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    batch = np.arange(n)[:, None, None]
    out = images[batch, np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]
    out[~inside] = 0
    return out.reshape(original_shape)


# NOTE: rotate_images works on blocks of this many pixels so that the index and weight arrays of a
# large batch (60000 MNIST images) stay small; each block is fully vectorized.
_PIXELS_PER_BLOCK = 1 << 20


def rotate_images(X, shape, degrees) -> np.ndarray:
    """Rotate images about their centre by bilinear interpolation, filling with zeros outside.

    Positive angles turn the content counterclockwise as displayed with row 0 at the top (imshow), so
    90 degrees gives `np.rot90(image)` for a square image. The centre is ((h - 1) / 2, (w - 1) / 2).
    Meant for small angles (up to about 15 degrees): corners that rotate out of the frame are lost, and
    areas rotated in from outside are zero.

    Args:
        X: images of shape (n, h*w) or (n, h, w).
        shape: (h, w); may be None if X has shape (n, h, w).
        degrees: angle in degrees, a number or an array of shape (n,) (one per image).

    Returns:
        A new array with the shape of X; the dtype of X if it is floating, else float32.

    Raises:
        DataError: (a ValueError) if X and shape disagree or degrees has the wrong shape.
        TypeError: if degrees is not numeric.
    """
    images, original_shape = _as_images(X, shape)
    n, h, w = images.shape
    theta = np.deg2rad(_per_image("degrees", degrees, n, integer=False).astype(np.float64))
    out_dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float32)
    out = np.empty((n, h, w), dtype=out_dtype)
    step = max(1, _PIXELS_PER_BLOCK // (h * w))
    for start in range(0, n, step):  # blocks of images, not single images; see _PIXELS_PER_BLOCK
        block = slice(start, start + step)
        out[block] = _rotate_block(images[block], theta[block], out_dtype)
    return out.reshape(original_shape)


def _rotate_block(images: np.ndarray, theta: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Bilinear rotation of images (m, h, w) by angles theta (m,) in radians; see rotate_images."""
    m, h, w = images.shape
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    y = (np.arange(h) - cy)[None, :, None]
    x = (np.arange(w) - cx)[None, None, :]
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    # Inverse map: the output pixel at (y, x) (y down) samples the input at the point rotated back.
    # NOTE: rounding to 9 decimals snaps points within rounding error of the grid onto it, so that zero
    # angles and quarter turns reproduce pixels exactly instead of blending in 1e-16 of a neighbour.
    src_x = np.round(cos * x - sin * y + cx, 9)
    src_y = np.round(sin * x + cos * y + cy, 9)
    x0, y0 = np.floor(src_x), np.floor(src_y)
    fx, fy = (src_x - x0).astype(dtype), (src_y - y0).astype(dtype)
    # NOTE: a zero border of 2 pixels on each side replaces per-neighbour bounds checks: with the top-left
    # neighbour clipped to [-2, size], a point partly outside the image still reads its real pixels, and
    # a point far outside reads only border zeros.
    padded = np.zeros((m, h + 4, w + 4), dtype=dtype)
    padded[:, 2:-2, 2:-2] = images
    row_stride, image_stride = w + 4, (h + 4) * (w + 4)
    top_left = (
        np.arange(m)[:, None, None] * image_stride
        + (np.clip(y0, -2, h).astype(np.intp) + 2) * row_stride
        + (np.clip(x0, -2, w).astype(np.intp) + 2)
    )
    flat = padded.reshape(-1)
    v00, v01 = flat.take(top_left), flat.take(top_left + 1)
    v10, v11 = flat.take(top_left + row_stride), flat.take(top_left + row_stride + 1)
    top = v00 + fx * (v01 - v00)
    bottom = v10 + fx * (v11 - v10)
    return top + fy * (bottom - top)


def augment(
    X,
    y,
    shape,
    shifts: int = 1,
    rotations: Optional[Tuple[float, float]] = (-10.0, 10.0),
    copies: int = 1,
    rng: RngLike = None,
    *,
    include_original: bool = True,
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Expand a training set with randomly shifted and rotated copies of its images.

    Each copy of each image is rotated by an angle drawn uniformly from `rotations` (degrees, see
    `rotate_images`), then shifted by whole pixels dx, dy drawn uniformly from [-shifts, shifts]
    (see `shift_images`). All copies are made at once, vectorized over the images.

    Args:
        X: images of shape (n, h*w) or (n, h, w).
        y: labels of shape (n, ...) or None.
        shape: (h, w); may be None if X has shape (n, h, w).
        shifts: largest shift in pixels along each axis (>= 0; 0 disables shifting).
        rotations: (low, high) range of angles in degrees, or None to disable rotation.
        copies: number of transformed copies of each image (>= 0).
        rng: a numpy Generator, an int seed, or None for fresh OS entropy.
        include_original: put the unchanged images first.

    Returns:
        (X_aug, y_aug): the originals (if include_original) followed by `copies` blocks of n transformed
        images each, so n * (copies + include_original) examples in the layout of X, and the labels
        repeated to match (None if y is None). The order is block by block: shuffle before training
        (`batches` does).

    Raises:
        DataError: (a ValueError) if X and y or X and shape disagree.
        TypeError / ValueError: if shifts, copies, rotations or rng are invalid.
    """
    images, original_shape = _as_images(X, shape)
    y = None if y is None else np.asarray(y)
    _check_same_length(images, y)
    shifts = _check_int("shifts", shifts, 0)
    copies = _check_int("copies", copies, 0)
    if rotations is not None:
        if len(rotations) != 2 or not rotations[0] <= rotations[1]:
            raise ValueError(
                f"rotations must be a (low, high) pair of degrees with low <= high, got {rotations!r}"
            )
    generator = _as_rng(rng)
    n = len(images)
    out_dtype = images.dtype if images.dtype.kind == "f" or rotations is None else np.dtype(np.float32)
    copied = np.tile(images, (copies, 1, 1))
    if rotations is not None and copies:
        angles = generator.uniform(rotations[0], rotations[1], size=n * copies)
        copied = rotate_images(copied, None, angles)
    if shifts and copies:
        dx = generator.integers(-shifts, shifts, size=n * copies, endpoint=True)
        dy = generator.integers(-shifts, shifts, size=n * copies, endpoint=True)
        copied = shift_images(copied, None, dx, dy)
    parts = ([images] if include_original else []) + [copied]
    X_aug = np.concatenate(parts).astype(out_dtype, copy=False)
    X_aug = X_aug.reshape((len(X_aug),) + tuple(original_shape[1:]))
    if y is None:
        return X_aug, None
    return X_aug, np.tile(y, (copies + int(include_original),) + (1,) * (y.ndim - 1))
