"""Parameter updates in place, in blocks: p -= a * g without a temporary the size of p."""
from __future__ import annotations

import numpy as np

_BLOCK_BYTES = 1 << 17  # 128 KiB: the temporary of a block stays in the L2 cache


def sub_scaled_(p: np.ndarray, a: float, g: np.ndarray, scratch: dict) -> None:
    """p <- p - a * g in place, rounded exactly as ``p -= a * g``.

    ``scratch`` (a dict owned by the caller, e.g. an optimizer) keeps one block-sized buffer per dtype.

    NOTE: ``p -= a * g`` first writes a * g to a new array the size of p and then reads it back: for a 784x256
    float32 layer that is 800 KB more memory traffic per update, and it evicts from the cache what the rest of a
    training step needs next. In blocks of 128 KiB the temporary stays in the cache: measured on a 784-256-10
    MLP, the whole SGD training step took 7% less time at batch 1, 2% at batch 10 and 1% at batch 64. Arrays of
    one block or less, and non-contiguous ones, take the one-line update.
    """
    block = _BLOCK_BYTES // p.itemsize
    n = p.size
    if n <= block or g.dtype != p.dtype or g.shape != p.shape or not (p.flags.c_contiguous and g.flags.c_contiguous):
        p -= a * g
        return
    buf = scratch.get(p.dtype)
    if buf is None:
        buf = scratch[p.dtype] = np.empty(block, p.dtype)
    pf, gf = p.reshape(-1), g.reshape(-1)
    multiply, subtract = np.multiply, np.subtract
    for i in range(0, n, block):
        j = i + block
        if j > n:
            j, buf = n, buf[:n - i]
        s = pf[i:j]
        multiply(gf[i:j], a, out=buf)
        subtract(s, buf, out=s)
