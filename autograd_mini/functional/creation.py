"""Creating tensors: constants and random samples in the default dtype.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .. import random as _random
from ._args import _default, _shape, as_tensor


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (default dtype unless given)."""
    return Tensor(np.zeros(_shape(shape), dtype=dtype or _default()), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (default dtype unless given)."""
    return Tensor(np.ones(_shape(shape), dtype=dtype or _default()), requires_grad=requires_grad)


def zeros_like(x, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(as_tensor(x)._data), requires_grad=requires_grad)


def ones_like(x, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(as_tensor(x)._data), requires_grad=requires_grad)


def randn(*shape, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Standard normal samples from the global generator (see ``manual_seed``) or ``rng``."""
    data = _random.get_rng(rng).standard_normal(_shape(shape)).astype(dtype or _default())
    return Tensor(data, requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False, rng=None) -> Tensor:
    """Uniform samples in [0, 1) from the global generator (see ``manual_seed``) or ``rng``."""
    data = _random.get_rng(rng).random(_shape(shape)).astype(dtype or _default())
    return Tensor(data, requires_grad=requires_grad)
