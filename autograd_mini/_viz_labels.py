"""Text and colours of autograd_mini.viz's drawings: node labels (shapes, values, gradient norms, op
attributes), DOT quoting, and the heat scale that colours tensors by log10 of their gradient norm."""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

_heat_cache: Dict[int, Tuple[Tuple[int, int, int], str, str]] = {}
_dtype_names: Dict[np.dtype, str] = {}


# log10 |grad| colour scale, blue (small) -> pale yellow -> red (large): stops of ColorBrewer's RdYlBu, reversed
_HEAT_STOPS = (
    (0.0, (49, 54, 149)),
    (1 / 6, (69, 117, 180)),
    (2 / 6, (171, 217, 233)),
    (3 / 6, (255, 255, 191)),
    (4 / 6, (253, 174, 97)),
    (5 / 6, (215, 48, 39)),
    (1.0, (165, 0, 38)),
)


def _heat_rgb(t: float) -> Tuple[int, int, int]:
    """Colour of the heat scale at t in [0, 1], interpolated linearly between the stops."""
    t = 0.0 if t < 0 else 1.0 if t > 1 else t
    for (t0, c0), (t1, c1) in zip(_HEAT_STOPS, _HEAT_STOPS[1:]):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return tuple(round(a + (b - a) * f) for a, b in zip(c0, c1))
    return _HEAT_STOPS[-1][1]


_HEAT_LEVELS = 240  # NOTE: a multiple of 6, so every stop (k/6) is hit exactly


def _heat_entry(t: float) -> Tuple[Tuple[int, int, int], str, str]:
    """(rgb, fill, text colour) at t, quantized to _HEAT_LEVELS steps and cached (big graphs repeat colours)."""
    k = 0 if t <= 0 else _HEAT_LEVELS if t >= 1 else round(t * _HEAT_LEVELS)
    entry = _heat_cache.get(k)
    if entry is None:
        rgb = _heat_rgb(k / _HEAT_LEVELS)
        entry = _heat_cache[k] = (rgb, _hex(rgb), _text_on(rgb))
    return entry


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % tuple(rgb)


def _text_on(rgb) -> str:
    """Black or white, whichever reads better on a fill of colour rgb."""
    r, g, b = rgb
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 110 else "#ffffff"


def _norm(a: np.ndarray) -> float:
    # NOTE: in float64: squaring a vanishing float32 gradient (1e-25) would underflow to 0
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64).ravel()))


def _fmt_norm(v: float) -> str:
    return f"{v:.3g}"


def _fmt_shape(shape: tuple, dt: np.dtype) -> str:
    name = _dtype_names.get(dt)
    if name is None:
        name = _dtype_names[dt] = str(dt)  # NOTE: str(dtype) is slow enough to show up on 5,000-node graphs
    return f"{_shape_str(shape)} {name}"


def _shape_str(shape: tuple) -> str:
    return "scalar" if not shape else str(tuple(shape))


def _fmt_summary(a: np.ndarray) -> str:
    if a.size == 0:
        return "empty"
    if a.size == 1:
        return "= " + _fmt_value(a)
    if a.dtype.kind == "b":
        return f"{int(a.sum())} of {a.size} true"
    return f"min {a.min():.3g} | mean {a.mean():.3g} | max {a.max():.3g}"


def _output_label(node, t) -> str:
    """The index of t among the outputs of node (a node with several outputs), as an edge label."""
    for k, r in enumerate(node._outputs):
        if r is not None and r() is t:
            return str(k)
    return '"?"'


def _fmt_value(a: np.ndarray) -> str:
    v = a.item() if isinstance(a, np.ndarray) else a
    return f"{v:.4g}" if isinstance(v, float) else str(v)


_NODE_FIELDS = frozenset({"inputs", "needs_input_grad", "scope", "freed_inputs", "materialize_grads"})


def _fmt_attrs(node) -> str:
    """The op's attributes set in forward (axis, keepdims, index, lo/hi, ...) as one short line."""
    parts = []
    buffers = node.buffers  # NOTE: what backward frees: shown only as an array's shape (which backward keeps)
    for k, v in vars(node).items():
        if k in _NODE_FIELDS or k.startswith("_") or v is None or v is False:
            continue
        if k in buffers and not isinstance(v, np.ndarray):
            continue
        if v is True:
            parts.append(k)
        elif k == "index":
            parts.append(_fmt_index(v))
        elif isinstance(v, np.ndarray):
            parts.append(f"{k}: {'mask' if v.dtype.kind == 'b' else v.dtype} {_shape_str(v.shape)}")
        else:
            if isinstance(v, tuple) and len(v) == 1:
                v = v[0]
            parts.append(f"{k}={_fmt_value(v)}")
    text = ", ".join(parts)
    return text if len(text) <= 40 else text[:37] + "..."


def _fmt_index(index) -> str:
    items = index if type(index) is tuple else (index,)
    parts = []
    for i in items:
        if isinstance(i, slice):
            s = ("" if i.start is None else str(i.start)) + ":" + ("" if i.stop is None else str(i.stop))
            parts.append(s + ("" if i.step is None else f":{i.step}"))
        elif i is None:
            parts.append("None")
        elif i is Ellipsis:
            parts.append("...")
        elif isinstance(i, (np.ndarray, list)):
            a = np.asarray(i)
            parts.append(str(a.tolist()) if a.size <= 4 else f"<{a.dtype} {_shape_str(a.shape)}>")
        else:
            parts.append(str(i))
    return "[" + ", ".join(parts) + "]"


def _q(s: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _quote_free(s: str) -> str:
    """A string for graphviz's own attribute quoting (which adds the quotes itself)."""
    return s.replace("\\", "\\\\").replace("\n", "\\n")

