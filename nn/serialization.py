"""Checkpoints: ``save`` a module's state (or any name -> array mapping) to an .npz file and ``load`` it back.

The file is an ordinary NumPy .npz archive (one ``<name>.npy`` member per array, stored uncompressed, exactly
what ``np.savez`` writes), readable with ``np.load(path, allow_pickle=False)``. Two extra members mark it:

    __autograd_mini__           format version (int64 scalar, currently 1)
    __autograd_mini_sha256__    SHA-256 over every name, dtype, shape and the array bytes (hex string)

Nothing is ever pickled: object arrays are refused on save, and load reads with ``allow_pickle=False``. The
checksum detects corruption and edits (e.g. a flipped byte); it is not a signature, so it does not protect
against somebody who deliberately rewrites the file and its checksum.

Saving is atomic: the archive is written to a temporary file in the target's directory, flushed and fsynced,
then moved onto the target with ``os.replace``. A crash or an error mid-save leaves the previous file intact.
"""
from __future__ import annotations

import errno
import hashlib
import os
import struct
import tempfile
import zipfile
import zlib
from typing import Dict, Mapping, Union

import numpy as np

from autograd_mini.errors import AutogradError
from autograd_mini.tensor import Tensor

from .module import Module

__all__ = ["save", "load", "CheckpointError", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_VERSION_KEY = "__autograd_mini__"
_CHECKSUM_KEY = "__autograd_mini_sha256__"
_RESERVED = "__autograd_mini"

PathLike = Union[str, "os.PathLike[str]"]


class CheckpointError(AutogradError, ValueError):
    """A checkpoint file cannot be written or read: not an .npz, truncated, corrupt, tampered, or pickled."""


def _checksum(arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name, arr in arrays.items():
        key = name.encode("utf-8")
        h.update(struct.pack("<Q", len(key)) + key)
        meta = f"{arr.dtype.str}|{arr.shape}".encode("ascii")
        h.update(struct.pack("<Q", len(meta)) + meta)
        h.update(np.ascontiguousarray(arr).tobytes() if arr.size else b"")
    return h.hexdigest()


def _collect(obj) -> Dict[str, np.ndarray]:
    state = obj.state_dict() if isinstance(obj, Module) else obj
    if not isinstance(state, Mapping):
        raise TypeError(f"save expects a Module or a mapping of name -> array, got {type(obj).__name__}")
    arrays = {}
    for name, value in state.items():
        if not isinstance(name, str) or not name:
            raise CheckpointError(f"checkpoint keys must be non-empty strings, got {name!r}")
        if name.startswith(_RESERVED):
            raise CheckpointError(f"checkpoint key {name!r} is reserved (keys may not start with {_RESERVED!r})")
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
        if arr.dtype.hasobject:
            raise CheckpointError(
                f"refusing to save {name!r}: it is an array of Python objects (dtype {arr.dtype}), which could only "
                "be stored by pickling; convert it to a numeric array"
            )
        arrays[name] = arr
    return arrays


def _write_npz(f, arrays: Mapping[str, np.ndarray]) -> None:
    """Write an .npz archive to the open binary file f (the same layout as ``np.savez``).

    NOTE: written member by member with ``np.lib.format.write_array`` (as np.savez does internally) rather
    than ``np.savez(f, **arrays)``, because a key named "file" or "allow_pickle" would collide with savez's
    own parameters.
    """
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def save(module_or_state_dict, path: PathLike) -> None:
    """Save a Module's ``state_dict()`` (or a mapping of name -> array/Tensor) to ``path`` as .npz, atomically.

    The file is written to exactly ``path`` (no ``.npz`` suffix is appended). See the module docstring for
    the format and the atomicity guarantee.

    Raises:
        CheckpointError: for object arrays, non-string or reserved keys.
        FileNotFoundError: if the folder of ``path`` does not exist (nothing is created); the message names
            ``path`` and the folder.
        NotADirectoryError: if the folder of ``path`` is a file.
        OSError: if the folder is not writable or the write fails (the previous file is kept); the message
            names ``path``, not the temporary file.
    """
    arrays = _collect(module_or_state_dict)
    arrays[_VERSION_KEY] = np.array(FORMAT_VERSION, dtype=np.int64)
    arrays[_CHECKSUM_KEY] = np.array(_checksum({k: v for k, v in arrays.items() if k != _VERSION_KEY}))
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    _check_folder(path, directory)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = _new_file_mode()
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except OSError as e:
        # NOTE: restated so that the error names the user's path, not the temporary file it could not create
        raise type(e)(e.errno, f"cannot save to {path!r}: cannot create a file in {directory!r} ({e.strerror})") from e
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _check_folder(path: str, directory: str) -> None:
    """Raise FileNotFoundError (or NotADirectoryError) naming path if its folder does not exist."""
    if os.path.isdir(directory):
        return
    folder = os.path.dirname(path) or "."
    if folder != directory:
        folder = f"{folder!r} ({directory})"
    else:
        folder = repr(folder)
    if os.path.exists(directory):
        raise NotADirectoryError(errno.ENOTDIR, f"cannot save to {path!r}: {folder} is a file, not a folder")
    raise FileNotFoundError(
        errno.ENOENT,
        f"cannot save to {path!r}: the folder {folder} does not exist; create it first, e.g. with "
        f"os.makedirs({os.path.dirname(path)!r}, exist_ok=True)",
    )


def _fsync_directory(directory: str) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_members(path: str) -> None:
    """Check every member's .npy header before numpy reads it: no object dtype, and the declared shape fits
    the stored size (so a corrupted header cannot make numpy allocate a huge array)."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            with zf.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version in ((2, 0), (3, 0)):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"member {info.filename!r}: unsupported .npy format version {version}")
                if dtype.hasobject:
                    raise CheckpointError(
                        f"{path!r}: member {info.filename!r} holds pickled Python objects (dtype {dtype}); "
                        "refusing to load it (checkpoints never contain pickles)"
                    )
                stored = info.file_size - f.tell()
                declared = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                if declared != stored:
                    raise ValueError(
                        f"member {info.filename!r} declares shape {shape} of {dtype} ({declared} bytes) "
                        f"but stores {stored} bytes"
                    )


def load(path: PathLike) -> Dict[str, np.ndarray]:
    """Read a checkpoint written by ``save``; returns name -> ndarray in the saved order.

    Raises:
        FileNotFoundError: if path does not exist.
        CheckpointError: naming the file, if it is not an .npz archive, is truncated or corrupt, holds
            pickled objects, was not written by ``nn.save`` (no format marker), has a newer format version,
            or fails its checksum.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint {path!r} does not exist")
    try:
        if not zipfile.is_zipfile(path):
            raise ValueError("not a zip (.npz) archive")
        _check_members(path)
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, ValueError, OSError, KeyError,
            NotImplementedError, MemoryError) as e:
        raise CheckpointError(f"cannot read checkpoint {path!r}: the file is corrupt or not an .npz ({e})") from e
    if _VERSION_KEY not in arrays or _CHECKSUM_KEY not in arrays:
        raise CheckpointError(
            f"{path!r} is an .npz archive but not an autograd_mini checkpoint (no {_VERSION_KEY!r} marker); "
            "read plain archives with np.load(path, allow_pickle=False)"
        )
    version = arrays.pop(_VERSION_KEY)
    stored = arrays.pop(_CHECKSUM_KEY)
    if version.shape != () or version.dtype.kind not in "iu" or not 1 <= int(version) <= FORMAT_VERSION:
        raise CheckpointError(
            f"{path!r} has checkpoint format version {version!r}; this autograd_mini reads versions 1..{FORMAT_VERSION}"
        )
    if stored.shape != () or stored.dtype.kind != "U" or str(stored) != _checksum(arrays):
        raise CheckpointError(
            f"{path!r} failed its checksum: the contents changed after it was saved (corrupted or edited)"
        )
    return arrays
