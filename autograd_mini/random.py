"""The global random number generator used by layer initializers, dropout and the creation functions."""
from __future__ import annotations

from typing import Optional

import numpy as np

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the global generator so initialization, dropout masks and ``randn`` are reproducible.

    Returns:
        The new global ``numpy.random.Generator``.
    """
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def get_rng(rng: Optional[np.random.Generator] = None) -> np.random.Generator:
    """Return ``rng`` if given (a Generator or an int seed), else the global generator."""
    if rng is None:
        return _rng
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)
