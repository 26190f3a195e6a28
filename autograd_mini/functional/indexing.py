"""Indexing and selection.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._args import as_tensor


def _index_arrays(index):
    """Turn Tensors and lists inside an index into ndarrays (the index itself is never differentiated)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    return index


def getitem(x, index) -> Tensor:
    """x[index] for slices, ints, None, Ellipsis, integer arrays and boolean masks."""
    return ops.GetItem.apply(as_tensor(x), index=_index_arrays(index))

from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
