"""Checkpoints: ``save`` a module's state, or a whole training run's state, to a file and ``load`` it back.

Two formats, chosen by the file name:

**The library's own .npz format** (any name not ending in ``.safetensors``) holds a nested structure of dicts,
lists and tuples whose leaves are arrays (ndarrays, Tensors, NumPy scalars), ``int``, ``float``, ``bool``,
``None`` and ``str`` -- e.g. ``{"model": model.state_dict(), "optim": opt.state_dict(), "sched":
sched.state_dict(), "epoch": 3}`` -- and gives it back exactly: ints stay ints, floats are bit-exact (stored
in hex, so also nan, inf and -0.0), bools, None and strings come back as they were, tuples stay tuples and
lists stay lists, dict keys (str or int, e.g. an optimizer's parameter indices) keep their type and order,
arrays keep their dtype, byte order and shape (0-d included), NumPy scalars stay NumPy scalars of their dtype.
Tensors come back as ndarrays (what ``state_dict()`` holds and ``load_state_dict`` takes); mappings come back
as plain dicts; a Module anywhere in the structure is saved as its ``state_dict()``.

The file is an ordinary NumPy .npz archive (one ``<name>.npy`` member per array, stored uncompressed, exactly
what ``np.savez`` writes), readable with ``np.load(path, allow_pickle=False)``. A flat mapping of name -> array
(a ``state_dict``) is stored under its own names; arrays deeper in a structure under their dotted path
(``optim.state.0.exp_avg``). Three extra members mark it:

    __autograd_mini__           format version (int64 scalar, currently 2)
    __autograd_mini_tree__      the structure as JSON (a str scalar); its array leaves name their members
    __autograd_mini_sha256__    SHA-256 over every name, dtype, shape and the array bytes (hex string)

Files of format version 1 (a flat name -> array mapping, no tree; written before nested checkpoints existed)
still load, as a dict of arrays.

Nothing is ever pickled: object arrays and unsupported Python objects are refused on save (the error names
where in the structure), and load reads with ``allow_pickle=False`` and decodes only the JSON tree, strictly.
The checksum detects corruption and edits (e.g. a flipped byte); it is not a signature, so it does not protect
against somebody who deliberately rewrites the file and its checksum: such a file can still only produce
the data types listed above.

**safetensors** (a name ending in ``.safetensors``; needs the optional package, ``pip install
"autograd-mini[safetensors]"``): the format of Hugging Face and of ``safetensors.torch.save_file``, so that
weights move between PyTorch and this library. It holds name -> array only: nested mappings are flattened
with dotted keys (``{"encoder": {"0.weight": w}}`` -> ``"encoder.0.weight"``, as PyTorch names nested
modules), and any other value (a number, a string, None, a list) is refused with an error naming its key --
save a whole training state in the .npz format instead. ``load`` returns the flat dict of arrays (in
little-endian byte order, which safetensors stores).

Saving is atomic in both formats: the file is written to a temporary file in the target's directory, flushed
and fsynced, then moved onto the target with ``os.replace``. A crash or an error mid-save leaves the previous
file intact. Loading validates everything before returning, so a bad file raises ``CheckpointError`` and
nothing reaches a model (``load_state_dict`` also validates before it copies anything).
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any, Callable, Dict, Union

import numpy as np

from autograd_mini.errors import AutogradError
from autograd_mini.tensor import Tensor

from .module import Module

__all__ = ["save", "load", "CheckpointError", "FORMAT_VERSION"]

FORMAT_VERSION = 2
_VERSION_KEY = "__autograd_mini__"
_CHECKSUM_KEY = "__autograd_mini_sha256__"
_TREE_KEY = "__autograd_mini_tree__"
_RESERVED = "__autograd_mini"
_MAX_DEPTH = 100  # nesting levels of dicts/lists; deeper structures are refused (and a cycle is caught earlier)
_SAFETENSORS_SUFFIX = ".safetensors"
_SAFETENSORS_KINDS = "biufc"  # bool, int, uint, float, complex: what safetensors stores (complex64 only)

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


# ----- the structure: Python values <-> JSON tree + arrays -----------------------------------------------------

def _where(path: tuple) -> str:
    """A readable location in the saved structure, e.g. ``['optim']['state'][0]['exp_avg']``."""
    return "".join(f"[{k!r}]" for k in path) or "the saved object"


class _Encoder:
    """Turns a nested value into a JSON-able tree; array leaves go to ``arrays`` under unique member names.

    Tree nodes (every node is a dict with a type tag ``t``):
        {"t": "array", "m": member}        an ndarray (or Tensor, saved as its array)
        {"t": "scalar", "m": member}       a NumPy scalar (np.float32(1.5), ...), stored as a 0-d array
        {"t": "int", "v": 3}  {"t": "bool", "v": true}  {"t": "none"}  {"t": "str", "v": "..."}
        {"t": "float", "v": "0x1.8000000000000p+1"}   float.hex(): exact, also for nan/inf/-0.0
        {"t": "dict", "v": [[key, node], ...]}        keys are JSON strings or integers (str or int in Python)
        {"t": "list", "v": [node, ...]}  {"t": "tuple", "v": [node, ...]}
    """

    def __init__(self):
        self.arrays: Dict[str, np.ndarray] = {}
        self._active: set = set()  # ids of the containers on the current path, to catch cycles

    def _member(self, path: tuple, arr: np.ndarray) -> str:
        if arr.dtype.hasobject:
            raise CheckpointError(
                f"refusing to save {_where(path)}: it is an array of Python objects (dtype {arr.dtype}), which "
                "could only be stored by pickling; convert it to a numeric array"
            )
        name = ".".join(str(k) for k in path) or "value"
        name = name.encode("utf-8", "backslashreplace").decode("utf-8")  # NOTE: zip names and the checksum need UTF-8
        name = name.replace("\x00", "\\x00")  # NOTE: zipfile cuts a member's name at a NUL when it reads it back
        if name.startswith(_RESERVED):
            name = "_" + name
        unique, i = name, 1
        while unique in self.arrays:
            unique, i = f"{name}#{i}", i + 1
        self.arrays[unique] = arr
        return unique

    def encode(self, value: Any, path: tuple = ()) -> dict:
        if isinstance(value, Module):
            value = value.state_dict()
        if isinstance(value, Tensor):
            value = value.data
        if isinstance(value, np.ndarray):
            return {"t": "array", "m": self._member(path, value)}
        if isinstance(value, np.generic):
            return {"t": "scalar", "m": self._member(path, np.asarray(value))}
        if value is None:
            return {"t": "none"}
        if isinstance(value, bool):
            return {"t": "bool", "v": value}
        if isinstance(value, int):
            return {"t": "int", "v": int(value)}
        if isinstance(value, float):
            value = float(value)
            # NOTE: float.hex is exact for every float but NaN, whose sign and payload it drops: NaN keeps its bits
            return {"t": "float", "v": value.hex() if value == value else "nan:" + struct.pack(">d", value).hex()}
        if isinstance(value, str):
            return {"t": "str", "v": str(value)}
        if isinstance(value, (Mapping, list, tuple)):
            if len(path) >= _MAX_DEPTH:
                raise CheckpointError(f"cannot save {_where(path[:3])}...: nested more than {_MAX_DEPTH} levels deep")
            if id(value) in self._active:
                raise CheckpointError(f"cannot save {_where(path)}: it contains itself (a reference cycle)")
            self._active.add(id(value))
            try:
                if isinstance(value, Mapping):
                    items = []
                    for key, item in value.items():
                        if isinstance(key, bool) or not isinstance(key, (str, int)):
                            raise CheckpointError(
                                f"cannot save {_where(path)}: its key {key!r} is a {type(key).__name__}; "
                                "checkpoint dict keys must be str or int"
                            )
                        key = str(key) if isinstance(key, str) else int(key)
                        items.append([key, self.encode(item, path + (key,))])
                    return {"t": "dict", "v": items}
                kind = "tuple" if isinstance(value, tuple) else "list"
                return {"t": kind, "v": [self.encode(item, path + (i,)) for i, item in enumerate(value)]}
            finally:
                self._active.discard(id(value))
        raise CheckpointError(
            f"cannot save {_where(path)}: a {type(value).__module__}.{type(value).__qualname__} is not supported; "
            "checkpoints hold dicts, lists and tuples of arrays, Tensors, int, float, bool, None and str "
            "(nothing is pickled). Convert it, e.g. save its state_dict()"
        )


class _Decoder:
    """The inverse of ``_Encoder``, strict: any node that ``_Encoder`` could not have written is an error."""

    def __init__(self, arrays: Mapping[str, np.ndarray]):
        self.arrays = arrays
        self.used: set = set()

    def _array(self, node: dict) -> np.ndarray:
        name = node.get("m")
        if not isinstance(name, str) or name not in self.arrays or name.startswith(_RESERVED):
            raise ValueError(f"the structure refers to a missing array member {name!r}")
        if name in self.used:
            raise ValueError(f"the structure refers to the array member {name!r} twice")
        self.used.add(name)
        return self.arrays[name]

    def decode(self, node: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise ValueError(f"the structure is nested more than {_MAX_DEPTH} levels deep")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise ValueError(f"malformed structure node {str(node)[:80]!r}")
        kind, value = node["t"], node.get("v")
        if kind == "array":
            return self._array(node)
        if kind == "scalar":
            arr = self._array(node)
            if arr.ndim != 0:
                raise ValueError(f"the scalar member {node['m']!r} has shape {arr.shape}")
            return arr[()]
        if kind == "none":
            return None
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind == "float" and isinstance(value, str):
            if value.startswith("nan:"):
                (x,) = struct.unpack(">d", bytes.fromhex(value[4:]))
                if x == x:
                    raise ValueError(f"float {value!r} is marked NaN but is not")
                return x
            return float.fromhex(value)
        if kind == "str" and isinstance(value, str):
            return value
        if kind in ("list", "tuple") and isinstance(value, list):
            items = [self.decode(item, depth + 1) for item in value]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict" and isinstance(value, list):
            out = {}
            for pair in value:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))
                        and not isinstance(pair[0], bool)):
                    raise ValueError(f"malformed dict entry {str(pair)[:80]!r}")
                if pair[0] in out:
                    raise ValueError(f"duplicate dict key {pair[0]!r}")
                out[pair[0]] = self.decode(pair[1], depth + 1)
            return out
        raise ValueError(f"malformed structure node {str(node)[:80]!r}")


# ----- writing ---------------------------------------------------------------------------------------------------

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


def _is_safetensors(path: str) -> bool:
    return path.lower().endswith(_SAFETENSORS_SUFFIX)


def save(module_or_state_dict, path: PathLike) -> None:
    """Save a Module's ``state_dict()``, a state_dict, or a whole training state to ``path``, atomically.

    The format follows the name: ``.safetensors`` writes a safetensors file (name -> array only), any other
    name the library's .npz format, which holds nested dicts/lists/tuples of arrays, Tensors, int, float,
    bool, None and str and gives them back exactly (see the module docstring). The file is written to
    exactly ``path`` (no suffix is appended).

        nn.save({"model": model.state_dict(), "optim": opt.state_dict(), "sched": sched.state_dict(),
                 "epoch": 3}, "checkpoint.npz")

    Raises:
        CheckpointError: for a value that cannot be saved without pickling (object arrays, other Python
            objects, dict keys that are not str or int, reference cycles), naming where it is; for
            .safetensors, also for values that are not arrays and for clashing flattened keys.
        ImportError: for a .safetensors path when the ``safetensors`` package is not installed.
        FileNotFoundError: if the folder of ``path`` does not exist (nothing is created); the message names
            ``path`` and the folder.
        NotADirectoryError: if the folder of ``path`` is a file.
        OSError: if the folder is not writable or the write fails (the previous file is kept); the message
            names ``path``, not the temporary file.
    """
    path = os.fspath(path)
    if _is_safetensors(path):
        data = _safetensors_bytes(module_or_state_dict)
        _atomic_write(path, lambda f: f.write(data))
        return
    encoder = _Encoder()
    tree = encoder.encode(module_or_state_dict)
    arrays = encoder.arrays
    try:
        text = json.dumps(tree, ensure_ascii=False, separators=(",", ":"))
    except ValueError as e:  # NOTE: an int of more than sys.get_int_max_str_digits() digits
        raise CheckpointError(f"cannot save the checkpoint: {e}") from e
    arrays[_TREE_KEY] = np.array(text)
    arrays[_CHECKSUM_KEY] = np.array(_checksum(arrays))
    arrays[_VERSION_KEY] = np.array(FORMAT_VERSION, dtype=np.int64)
    _atomic_write(path, lambda f: _write_npz(f, arrays))


def _atomic_write(path: str, write: Callable) -> None:
    """Call ``write(f)`` on a temporary file next to path, fsync it, then move it onto path."""
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
            write(f)
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


def load(path: PathLike) -> Any:
    """Read a checkpoint written by ``save`` (or a .safetensors file written by anyone, e.g. PyTorch).

    Returns:
        What was saved: for a state_dict, a dict name -> ndarray in the saved order; for a nested training
        state, the same structure (see the module docstring for what comes back as what). A ``.safetensors``
        file gives a flat dict name -> ndarray; a version-1 .npz checkpoint a dict name -> ndarray.

    Raises:
        FileNotFoundError: if path does not exist.
        CheckpointError: naming the file, if it is not an .npz archive (or not a safetensors file), is truncated
            or corrupt, holds pickled objects, was not written by ``nn.save`` (no format marker), has a newer
            format version, fails its checksum or has a malformed structure. Nothing is returned then.
        ImportError: for a .safetensors path when the ``safetensors`` package is not installed.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint {path!r} does not exist")
    if _is_safetensors(path):
        return _load_safetensors(path)
    try:
        if not zipfile.is_zipfile(path):
            raise ValueError("not a zip (.npz) archive" + _safetensors_hint(path))
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
    if int(version) == 1:
        return arrays  # NOTE: format 1 is a flat name -> array mapping, with no tree
    tree = arrays.pop(_TREE_KEY, None)
    try:
        if tree is None or tree.shape != () or tree.dtype.kind != "U":
            raise ValueError(f"no {_TREE_KEY!r} member holding the structure")
        decoder = _Decoder(arrays)
        value = decoder.decode(json.loads(str(tree)))
        unused = [name for name in arrays if name not in decoder.used]
        if unused:
            raise ValueError(f"array members {unused[:5]} are not part of the structure")
    except (ValueError, TypeError, OverflowError, RecursionError, struct.error) as e:  # JSONDecodeError: a ValueError
        raise CheckpointError(f"cannot read checkpoint {path!r}: its structure is malformed ({e})") from e
    return value


# ----- safetensors -----------------------------------------------------------------------------------------------

def _safetensors_module():
    """``safetensors.numpy``, or an ImportError that says how to install it."""
    try:
        import safetensors.numpy as st
    except ImportError as e:
        raise ImportError(
            "reading and writing .safetensors files needs the optional package 'safetensors': "
            'pip install "autograd-mini[safetensors]" (or pip install safetensors)',
            name="safetensors",
        ) from e
    return st


def _flatten(obj, prefix: str, out: Dict[str, np.ndarray]) -> None:
    for key, value in obj.items():
        if not isinstance(key, str):
            raise CheckpointError(f"cannot save key {key!r} under {prefix!r} to a .safetensors file: "
                                  "keys must be strings")
        name = prefix + key
        if isinstance(value, Module):
            value = value.state_dict()
        if isinstance(value, Mapping):
            _flatten(value, name + ".", out)
            continue
        if isinstance(value, Tensor):
            value = value.data
        if not isinstance(value, (np.ndarray, np.generic)):
            raise CheckpointError(
                f"cannot save {name!r} to a .safetensors file: it is a {type(value).__name__} ({str(value)[:40]}), "
                "and safetensors files hold arrays only. Save whole training states (numbers, strings, optimizer "
                "and scheduler state) to a path that does not end in .safetensors (the library's .npz format)"
            )
        arr = np.asarray(value)
        if arr.dtype.kind not in _SAFETENSORS_KINDS:
            raise CheckpointError(f"cannot save {name!r} to a .safetensors file: dtype {arr.dtype} is not supported "
                                  "(safetensors stores bool, integer, float and complex64 arrays)")
        if name in out:
            raise CheckpointError(f"cannot save to a .safetensors file: two entries flatten to the same key {name!r}")
        out[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # NOTE: keeps 0-d arrays 0-d


def _safetensors_bytes(obj) -> bytes:
    """The safetensors file contents for a Module or a (nested) mapping of name -> array."""
    st = _safetensors_module()
    state = obj.state_dict() if isinstance(obj, Module) else obj
    if not isinstance(state, Mapping):
        raise TypeError(f"saving a .safetensors file needs a Module or a mapping of name -> array, "
                        f"got {type(obj).__name__}")
    arrays: Dict[str, np.ndarray] = {}
    _flatten(state, "", arrays)
    try:
        return st.save(arrays)
    except Exception as e:  # NOTE: safetensors raises its own SafetensorError and plain Exceptions
        raise CheckpointError(f"cannot save to a .safetensors file: {e}") from e


def _load_safetensors(path: str) -> Dict[str, np.ndarray]:
    st = _safetensors_module()
    from safetensors import SafetensorError

    try:
        arrays = st.load_file(path)
    except TypeError as e:  # NOTE: numpy has no dtype for it, e.g. bfloat16 ("data type 'bfloat16' not understood")
        raise CheckpointError(_unrepresentable(path, e)) from e
    except (SafetensorError, OSError, ValueError, BufferError, MemoryError) as e:
        raise CheckpointError(f"cannot read safetensors file {path!r}: the file is corrupt or not a safetensors "
                              f"file ({e})") from e
    for name, arr in arrays.items():
        # NOTE: once a package such as onnx has imported ml_dtypes, numpy reads bfloat16 as an extension dtype
        # (kind "V") that no op here computes with: refuse it the same way, whatever was imported before
        if arr.dtype.kind not in "biufc":
            raise CheckpointError(_unrepresentable(path, f"{name!r} has dtype {arr.dtype}"))
    return {name: arr if arr.flags.writeable else arr.copy() for name, arr in arrays.items()}


def _unrepresentable(path: str, detail) -> str:
    return (f"cannot read safetensors file {path!r}: it holds a dtype numpy cannot represent ({detail}); convert "
            "it where it was written, e.g. {k: v.float() for k, v in state.items()} in PyTorch")


def _safetensors_hint(path: str) -> str:
    """A hint for a safetensors file given a name without the .safetensors suffix (empty otherwise)."""
    try:
        with open(path, "rb") as f:
            head = f.read(9)
    except OSError:
        return ""
    if len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") > 0:
        return f"; it looks like a safetensors file: load it under a name ending in {_SAFETENSORS_SUFFIX!r}"
    return ""
