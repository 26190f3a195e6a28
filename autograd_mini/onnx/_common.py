"""What the exporter and the op mappings share: the error class and the attribute comparison."""
from __future__ import annotations

import numpy as np

from ..errors import AutogradError

_INT64_MAX, _INT64_MIN = int(np.iinfo(np.int64).max), int(np.iinfo(np.int64).min)


class ExportError(AutogradError, ValueError):
    """The model cannot be written as ONNX: an op without a mapping, or a graph that depends on input values."""


def _same(a, b) -> bool:
    """Deep equality of node attributes (numbers, tuples, slices, dtypes, arrays)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, slice) and isinstance(b, slice):
        return _same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    return type(a) is type(b) and a == b
