"""Tests for autograd_mini.data: bundled digits, IDX/MNIST loading, batches, splits, one-hot, augmentation."""

import gzip
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini.data as data

# IDX type code -> big-endian element type, as the format defines it.
IDX_CODES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def idx_bytes(array, code=None):
    """Encode array as an IDX file (header + big-endian data)."""
    array = np.asarray(array)
    if code is None:
        code = next(c for c, d in IDX_CODES.items() if d.newbyteorder("=") == array.dtype.newbyteorder("="))
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + array.astype(IDX_CODES[code]).tobytes()


def write(path, content, compress=False):
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ----- load_digits ----------------------------------------------------------------------------------


def test_load_digits_shapes_ranges_and_checksum():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    counts = np.bincount(y)
    assert counts.sum() == 1797
    np.testing.assert_array_equal(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    # Fixed-data checksums, computed once from digits.csv.gz: the raw pixel counts are X * 16.
    raw = np.rint(X * 16).astype(np.int64)
    np.testing.assert_array_equal(raw, X * 16)
    assert raw.sum() == 561718
    assert (raw * np.arange(64)).sum() == 17660653  # position-weighted: catches a transposed image
    assert y.sum() == 8070
    assert (y * np.arange(1797)).sum() == 7264791  # order-weighted: catches reordered rows


def test_load_digits_returns_fresh_arrays():
    X1, y1 = data.load_digits()
    X1[:] = -1
    y1[:] = -1
    X2, y2 = data.load_digits()
    assert X2.min() == 0.0 and y2.min() == 0


# ----- load_idx -------------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("code", sorted(IDX_CODES), ids=[IDX_CODES[c].name for c in sorted(IDX_CODES)])
def test_load_idx_round_trip(tmp_path, rng, code, compress):
    dtype = IDX_CODES[code].newbyteorder("=")
    if dtype.kind == "f":
        array = rng.normal(size=(3, 4, 5)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, size=(3, 4, 5), endpoint=True).astype(dtype)
    path = write(tmp_path / "a.idx", idx_bytes(array, code), compress)
    loaded = data.load_idx(path)
    assert loaded.dtype == dtype and loaded.dtype.isnative
    assert loaded.flags.writeable
    np.testing.assert_array_equal(loaded, array)


def test_load_idx_mnist_like_images_and_labels(tmp_path, rng):
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7).astype(np.uint8)
    np.testing.assert_array_equal(data.load_idx(write(tmp_path / "i", idx_bytes(images))), images)
    np.testing.assert_array_equal(data.load_idx(write(tmp_path / "l", idx_bytes(labels))), labels)


def test_load_idx_detects_gzip_by_magic_not_name(tmp_path):
    array = np.arange(6, dtype=np.int32).reshape(2, 3)
    gz_without_suffix = write(tmp_path / "plain-name", idx_bytes(array), compress=True)
    raw_with_suffix = write(tmp_path / "misnamed.gz", idx_bytes(array), compress=False)
    np.testing.assert_array_equal(data.load_idx(gz_without_suffix), array)
    np.testing.assert_array_equal(data.load_idx(str(raw_with_suffix)), array)


def test_load_idx_empty_dimension_is_valid(tmp_path):
    loaded = data.load_idx(write(tmp_path / "e", idx_bytes(np.zeros((0, 28, 28), np.uint8))))
    assert loaded.shape == (0, 28, 28)


GOOD = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))


@pytest.mark.parametrize(
    "content, match",
    [
        (b"\x01" + GOOD[1:], "magic"),
        (b"\x00\x07" + GOOD[2:], "magic"),
        (GOOD[:2] + b"\x0a" + GOOD[3:], "type code 0x0A"),
        (GOOD[:-1], r"truncated.*needs 12 data bytes.*found 11"),
        (GOOD + b"\x00\x00", r"trailing bytes.*needs 12 data bytes.*found 14"),
        (bytes([0, 0, 8, 0]), "0 dimensions"),
        (GOOD[:9], "header truncated"),
        (b"\x00\x00", "too short"),
        (b"", "too short"),
    ],
    ids=["magic-byte0", "magic-byte1", "dtype-code", "truncated", "trailing", "zero-dims", "short-header",
         "two-bytes", "empty"],
)
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_load_idx_rejects_corrupt_files(tmp_path, content, match, compress):
    path = write(tmp_path / "bad-file", content, compress)
    with pytest.raises(data.IDXFormatError, match=match) as info:
        data.load_idx(path)
    assert "bad-file" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_load_idx_multibyte_data_size_counts_bytes_not_elements(tmp_path):
    content = idx_bytes(np.arange(4, dtype=np.float64))
    with pytest.raises(data.IDXFormatError, match=r"needs 32 data bytes.*found 31"):
        data.load_idx(write(tmp_path / "f", content[:-1]))


@pytest.mark.parametrize(
    "mangle",
    [lambda gz: gz[: len(gz) // 2], lambda gz: gz[:10] + b"\xff" * (len(gz) - 10), lambda gz: gz[:-4] + b"zzzz"],
    ids=["truncated", "garbage-deflate", "bad-size-trailer"],
)
def test_load_idx_rejects_corrupt_gzip(tmp_path, mangle):
    gz = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    path = tmp_path / "broken.gz"
    path.write_bytes(mangle(gz))
    with pytest.raises(data.IDXFormatError, match="gzip") as info:
        data.load_idx(path)
    assert "broken.gz" in str(info.value)


def test_load_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        data.load_idx(tmp_path / "nope")


# ----- load_mnist -----------------------------------------------------------------------------------


def write_mnist(directory, rng, n_train=5, n_test=3, rows=28, cols=28, compress=(False, True, True, False)):
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(n_train, rows, cols), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, size=n_train).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, size=(n_test, rows, cols), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, size=n_test).astype(np.uint8),
    }
    for (name, array), gz in zip(arrays.items(), compress):
        write(directory / (name + (".gz" if gz else "")), idx_bytes(array), gz)
    return arrays


def test_load_mnist_reads_the_four_files(tmp_path, rng):
    arrays = write_mnist(tmp_path, rng)
    X_train, y_train, X_test, y_test = data.load_mnist(tmp_path)
    assert X_train.shape == (5, 784) and X_test.shape == (3, 784)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_allclose(X_train * 255, arrays["train-images-idx3-ubyte"].reshape(5, 784), atol=1e-4)
    np.testing.assert_allclose(X_test * 255, arrays["t10k-images-idx3-ubyte"].reshape(3, 784), atol=1e-4)
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0


def test_load_mnist_other_image_size_and_kind(tmp_path, rng):
    arrays = write_mnist(tmp_path, rng, rows=4, cols=6)
    X, y = data.load_mnist(str(tmp_path), kind="test")
    assert X.shape == (3, 24)
    np.testing.assert_array_equal(y, arrays["t10k-labels-idx1-ubyte"])
    assert len(data.load_mnist(tmp_path, kind="train")) == 2
    with pytest.raises(ValueError, match="kind"):
        data.load_mnist(tmp_path, kind="validation")


def test_load_mnist_missing_files_lists_candidates_and_install_hint(tmp_path, rng):
    write_mnist(tmp_path, rng)
    os.remove(tmp_path / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(tmp_path)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte" in message and "t10k-images-idx3-ubyte.gz" in message
    assert "train-images" not in message
    assert "apt-get install -y dataset-fashion-mnist" in message
    assert data.FASHION_MNIST_DIR in message
    # A missing split the caller did not ask for does not matter.
    assert len(data.load_mnist(tmp_path, kind="train")) == 2


def test_load_mnist_nonexistent_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte"):
        data.load_mnist(tmp_path / "absent")


def test_load_mnist_count_mismatch(tmp_path, rng):
    write_mnist(tmp_path, rng)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(data.IDXFormatError, match="5 images.*4 labels"):
        data.load_mnist(tmp_path)


def test_load_mnist_rejects_non_image_arrays(tmp_path, rng):
    write_mnist(tmp_path, rng)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((5, 4), np.float32)))
    with pytest.raises(data.IDXFormatError, match="uint8 images"):
        data.load_mnist(tmp_path)


@pytest.mark.skipif(not os.path.isdir(data.FASHION_MNIST_DIR), reason="dataset-fashion-mnist is not installed")
def test_load_fashion_mnist():
    X_train, y_train, X_test, y_test = data.load_mnist(data.FASHION_MNIST_DIR)
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)


# ----- batches --------------------------------------------------------------------------------------


@given(n=st.integers(0, 60), batch_size=st.integers(1, 70), seed=st.integers(0, 2**32 - 1))
def test_batches_cover_every_example_once(n, batch_size, seed):
    X = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n)
    got = list(data.batches(X, y, batch_size, rng=seed))
    assert len(got) == -(-n // batch_size)
    assert all(len(xb) == batch_size for xb, _ in got[:-1])
    seen = np.concatenate([yb for _, yb in got]) if got else np.array([], int)
    np.testing.assert_array_equal(np.sort(seen), y)
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)  # rows stay paired with their labels


def test_batches_seed_determinism_and_generator():
    X, y = np.arange(20), np.arange(20) * 10
    first = [yb for _, yb in data.batches(X, y, 6, rng=123)]
    second = [yb for _, yb in data.batches(X, y, 6, rng=np.random.default_rng(123))]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    order = np.concatenate(first)
    assert not np.array_equal(order, np.sort(order))
    # A shared generator advances: two epochs differ.
    g = np.random.default_rng(5)
    epoch1 = np.concatenate([xb for xb, _ in data.batches(X, None, 20, rng=g)])
    epoch2 = np.concatenate([xb for xb, _ in data.batches(X, None, 20, rng=g)])
    assert not np.array_equal(epoch1, epoch2)


def test_batches_without_shuffle_keep_order():
    X = np.arange(10).reshape(5, 2)
    got = list(data.batches(X, None, 2, shuffle=False))
    assert [yb for _, yb in got] == [None, None, None]
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in got]), X)
    assert [len(xb) for xb, _ in got] == [2, 2, 1]
    assert [len(xb) for xb, _ in data.batches(X, None, 2, shuffle=False, drop_last=True)] == [2, 2]


def test_batches_validate_arguments_eagerly():
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"len\(X\) = 4 and len\(y\) = 3"):
        data.batches(X, np.zeros(3), 2)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        data.batches(X, None, 0)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        data.batches(X, None, 2.0)
    with pytest.raises(TypeError, match="rng must be"):
        data.batches(X, None, 2, rng="seed")


# ----- train_val_split ------------------------------------------------------------------------------


@given(n=st.integers(0, 50), fraction=st.floats(0, 1), seed=st.integers(0, 1000), shuffle=st.booleans())
def test_train_val_split_sizes_and_disjointness(n, fraction, seed, shuffle):
    X = np.arange(n) * 3
    y = np.arange(n)
    X_tr, y_tr, X_val, y_val = data.train_val_split(X, y, fraction, shuffle=shuffle, rng=seed)
    assert len(y_val) == round(fraction * n) and len(y_tr) + len(y_val) == n
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_val])), y)
    np.testing.assert_array_equal(X_tr, 3 * y_tr)
    np.testing.assert_array_equal(X_val, 3 * y_val)
    if not shuffle:
        np.testing.assert_array_equal(np.concatenate([y_tr, y_val]), y)


def test_train_val_split_val_size_and_default():
    X = np.arange(10)
    _, _, X_val, _ = data.train_val_split(X, None, val_size=3, rng=0)
    assert len(X_val) == 3
    X_tr, y_tr, X_val, y_val = data.train_val_split(X, rng=0)
    assert (len(X_tr), len(X_val), y_tr, y_val) == (8, 2, None, None)
    with pytest.raises(TypeError, match="not both"):
        data.train_val_split(X, None, 0.5, val_size=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        data.train_val_split(X, None, 1.5)
    with pytest.raises(ValueError, match="<= the number of examples 10"):
        data.train_val_split(X, None, val_size=11)
    with pytest.raises(ValueError, match=r"len\(X\) = 10"):
        data.train_val_split(X, np.arange(9))


@given(seed=st.integers(0, 1000), shuffle=st.booleans(), val_size=st.integers(0, 60))
def test_train_val_split_stratified_keeps_proportions(seed, shuffle, val_size):
    y = np.repeat(np.array([7, 3, 5]), [30, 20, 10])
    X = np.arange(60)
    X_tr, y_tr, X_val, y_val = data.train_val_split(
        X, y, val_size=val_size, shuffle=shuffle, rng=seed, stratify=True
    )
    assert len(y_val) == val_size
    np.testing.assert_array_equal(y[X_tr], y_tr)
    np.testing.assert_array_equal(np.sort(np.concatenate([X_tr, X_val])), X)
    for label, count in [(7, 30), (3, 20), (5, 10)]:
        assert abs(np.sum(y_val == label) - val_size * count / 60) < 1


def test_train_val_split_stratified_digits():
    X, y = data.load_digits()
    X_tr, y_tr, X_val, y_val = data.train_val_split(X, y, 0.25, rng=0, stratify=True)
    assert len(y_val) == round(0.25 * 1797)
    expected = np.bincount(y) * 0.25
    assert np.all(np.abs(np.bincount(y_val) - expected) < 1)
    with pytest.raises(ValueError, match="stratify"):
        data.train_val_split(X, None, stratify=True)


# ----- one_hot --------------------------------------------------------------------------------------


def test_one_hot():
    out = data.one_hot(np.array([2, 0, 1, 2]))
    np.testing.assert_array_equal(out, np.eye(3, dtype=np.float32)[[2, 0, 1, 2]])
    assert out.dtype == np.float32
    wide = data.one_hot([1], num_classes=4, dtype=np.float64)
    assert wide.shape == (1, 4) and wide.dtype == np.float64
    assert data.one_hot(np.zeros((2, 3), np.int64), 2).shape == (2, 3, 2)
    assert data.one_hot(np.array([], np.int64), 5).shape == (0, 5)


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        data.one_hot([0, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        data.one_hot([-1, 2], num_classes=3)
    with pytest.raises(TypeError, match="integer class labels"):
        data.one_hot([0.0, 1.0])
    with pytest.raises(ValueError, match="pass num_classes"):
        data.one_hot(np.array([], np.int64))


# ----- augmentation ---------------------------------------------------------------------------------


def single_pixel(h, w, r, c, n=1):
    X = np.zeros((n, h, w), np.float32)
    X[:, r, c] = 1
    return X


@pytest.mark.parametrize("dx, dy, expected", [(1, 0, (2, 3)), (0, 1, (3, 2)), (-2, -1, (1, 0)), (2, 2, (4, 4))])
def test_shift_moves_a_lit_pixel_exactly(dx, dy, expected):
    X = single_pixel(5, 5, 2, 2)
    out = data.shift_images(X, (5, 5), dx, dy)
    np.testing.assert_array_equal(out, single_pixel(5, 5, *expected))


def test_shift_flat_layout_zero_fill_and_per_image_shifts():
    X = np.arange(2 * 12, dtype=np.int16).reshape(2, 12) + 1  # two 3x4 images, no zeros
    out = data.shift_images(X, (3, 4), np.array([1, 0]), np.array([0, -1]))
    assert out.shape == X.shape and out.dtype == X.dtype
    images, shifted = X.reshape(2, 3, 4), out.reshape(2, 3, 4)
    np.testing.assert_array_equal(shifted[0, :, 1:], images[0, :, :-1])
    np.testing.assert_array_equal(shifted[0, :, 0], 0)
    np.testing.assert_array_equal(shifted[1, :-1], images[1, 1:])
    np.testing.assert_array_equal(shifted[1, -1], 0)
    assert not data.shift_images(X, (3, 4), 4, 0).any()  # shifted out of the frame entirely
    with pytest.raises(TypeError, match="whole pixels"):
        data.shift_images(X, (3, 4), 0.5, 0)
    with pytest.raises(ValueError, match=r"\(n, 16\) or \(n, 4, 4\).*got shape \(2, 12\)"):
        data.shift_images(X, (4, 4), 1, 0)


@pytest.mark.parametrize("layout", ["flat", "images"])
def test_rotate_zero_is_identity(rng, layout):
    X = rng.random((4, 6, 7)).astype(np.float32)
    X = X.reshape(4, 42) if layout == "flat" else X
    out = data.rotate_images(X, (6, 7), 0.0)
    assert out.shape == X.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, X)


@pytest.mark.parametrize("size", [4, 5])
def test_rotate_quarter_turns_match_rot90(rng, size):
    X = rng.random((3, size, size))
    # Sign convention: positive degrees turn counterclockwise as displayed (row 0 on top), like np.rot90.
    for k in (1, 2, 3, -1):
        np.testing.assert_allclose(data.rotate_images(X, None, 90.0 * k), np.rot90(X, k, axes=(1, 2)), atol=1e-12)


def test_rotate_per_image_angles_and_interpolation():
    X = np.ones((3, 9, 9))
    out = data.rotate_images(X, (9, 9), np.array([0.0, 10.0, -10.0]))
    np.testing.assert_array_equal(out[0], 1.0)
    # The centre stays fixed and lit; interpolated values stay in [0, 1]; corners rotate out (zero fill).
    assert np.all(out[:, 4, 4] == 1.0)
    assert out.min() >= 0.0 and out.max() <= 1.0 + 1e-12
    assert out[1, 0, 0] < 1.0 and out[2, 0, 0] < 1.0
    assert data.rotate_images(X.astype(np.uint8), None, 5.0).dtype == np.float32


def test_rotate_is_vectorized_over_blocks(rng, monkeypatch):
    X = rng.random((10, 4, 4))
    angles = rng.uniform(-30, 30, size=10)
    expected = data.rotate_images(X, None, angles)
    monkeypatch.setattr(data, "_PIXELS_PER_BLOCK", 3 * 16)  # blocks of 3 images: 3, 3, 3, 1
    np.testing.assert_allclose(data.rotate_images(X, None, angles), expected, atol=1e-15)


def test_augment_shapes_labels_and_determinism():
    X, y = data.load_digits()
    X, y = X[:50], y[:50]
    X_aug, y_aug = data.augment(X, y, (8, 8), shifts=1, rotations=(-10, 10), copies=3, rng=0)
    assert X_aug.shape == (200, 64) and X_aug.dtype == np.float32
    np.testing.assert_array_equal(y_aug, np.tile(y, 4))
    np.testing.assert_array_equal(X_aug[:50], X)
    assert not np.array_equal(X_aug[50:100], X)
    assert X_aug.min() >= 0.0 and X_aug.max() <= 1.0 + 1e-6
    X_again, _ = data.augment(X, y, (8, 8), copies=3, rng=0)
    np.testing.assert_array_equal(X_aug, X_again)


def test_augment_shift_only_is_one_of_the_shifts():
    X = single_pixel(5, 5, 2, 2, n=20)
    X_aug, y_aug = data.augment(X, None, None, shifts=1, rotations=None, copies=1, rng=1,
                                include_original=False)
    assert X_aug.shape == (20, 5, 5) and y_aug is None
    rows, cols = np.nonzero(X_aug.sum(axis=0) > 0)
    assert np.all(np.abs(rows - 2) <= 1) and np.all(np.abs(cols - 2) <= 1)
    np.testing.assert_array_equal(X_aug.sum(axis=(1, 2)), 1.0)  # a whole-pixel shift keeps the pixel intact


def test_augment_validates():
    X = np.zeros((3, 16))
    with pytest.raises(ValueError, match=r"len\(X\) = 3"):
        data.augment(X, np.zeros(2), (4, 4))
    with pytest.raises(ValueError, match="copies must be >= 0"):
        data.augment(X, None, (4, 4), copies=-1)
    with pytest.raises(ValueError, match="low <= high"):
        data.augment(X, None, (4, 4), rotations=(10, -10))
