"""Zero-copy exchange of arrays with numpy and other frameworks (PyTorch, JAX, CuPy, ...) through DLPack.

``from_numpy(a)`` and ``from_dlpack(x)`` wrap the other side's memory in a Tensor without copying, and
``Tensor.__dlpack__`` lets ``np.from_dlpack(t)`` / ``torch.from_dlpack(t)`` do the same the other way. Writes
through either side are seen by both.

NOTE: the version counters (``Tensor._version``) only see changes made by this library. A write through the
other framework (``torch_tensor.add_(1)``, ``array[0] = 5``) is invisible to them, as writes into ``t.data``
are: backward through a graph that saved the old values then uses the new ones without an error. Do not
modify shared memory between a forward pass and its backward. (Tensors over one numpy array share a counter;
two ``from_dlpack`` results over the same foreign memory do not.)

Only CPU memory is supported (numpy holds the data); a device tensor raises. PyTorch's bfloat16 has no numpy
dtype and is refused by numpy.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["from_numpy", "from_dlpack"]

_KDLCPU = 1  # DLPack's device type for CPU memory


def from_numpy(arr: np.ndarray, /) -> Tensor:
    """A Tensor sharing ``arr``'s memory (no copy), with its dtype and shape, as ``torch.from_numpy``.

    Writes to the tensor show in the array and the other way round (see the module note on version
    counters). The tensor does not require grad; call ``.requires_grad_()`` on a float tensor to make it a leaf.

    Raises:
        TypeError: if arr is not a numpy.ndarray (use ``Tensor(x)`` or ``tensor(x)`` for other data),
            or holds Python objects, strings or another dtype a Tensor cannot hold.
    """
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(arr).__name__}; "
                        "use am.tensor(x) to copy other data into a Tensor")
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: can't convert an array of dtype {arr.dtype}; the supported dtypes are "
                        "bool, integers, floats and complex")
    if type(arr) is not np.ndarray:
        arr = arr.view(np.ndarray)  # NOTE: a subclass (np.matrix, ...) is seen as a plain view, same memory
    return Tensor(arr)


def from_dlpack(obj: Any, /) -> Tensor:
    """A Tensor sharing the memory of any object with ``__dlpack__`` (PyTorch, JAX, CuPy, numpy, a Tensor).

    Zero copy: the result and ``obj`` are views of one block of memory (see the module note on
    version counters). The tensor does not require grad. PyTorch refuses to export a tensor that requires
    grad: pass ``t.detach()``, which shares the memory too.

    Raises:
        TypeError: if obj does not support DLPack.
        BufferError: if obj requires grad (PyTorch's and this library's rule: pass a detached view).
        BufferError / RuntimeError / TypeError: from the producer or numpy, e.g. for a device (GPU) tensor or
            a dtype numpy lacks (bfloat16); the message is theirs.
    """
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(f"from_dlpack expects an object with a __dlpack__ method (a PyTorch/JAX/CuPy tensor or "
                        f"an ndarray), got {type(obj).__name__}")
    return Tensor(np.from_dlpack(obj))


def dlpack(t: Tensor, *, stream=None, max_version=None, dl_device=None, copy=None):
    """``Tensor.__dlpack__``: export t's array as a DLPack capsule (numpy does the work; no copy).

    Raises:
        BufferError: if t requires grad (as PyTorch: export ``t.detach()``), or for a stream other than None.
    """
    if t.requires_grad:
        raise BufferError("can't export a tensor that requires grad through DLPack (the consumer could change "
                           "it behind autograd's back); export t.detach(), which shares the memory")
    if stream is not None and stream != -1:
        raise BufferError(f"__dlpack__: stream={stream!r} is for device memory; this tensor is on the CPU "
                          "(pass stream=None)")
    kwargs = {k: v for k, v in (("max_version", max_version), ("dl_device", dl_device), ("copy", copy))
              if v is not None}
    # NOTE: numpy < 2 knows only `stream`; then a consumer asking for max_version gets a TypeError and
    # retries without it, as the DLPack protocol prescribes
    return t._data.__dlpack__(**kwargs)


def dlpack_device(t: Tensor) -> tuple:
    """``Tensor.__dlpack_device__``: (device type, device id); always (1, 0), the CPU."""
    return (_KDLCPU, 0)
