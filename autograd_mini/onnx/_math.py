"""ONNX mappings of the math, reduction, scan and einsum primitives (ops/math.py, ops/reduce.py Prod,
ops/scan.py, ops/einsum.py): the compositions for the ones ONNX has no operator for. Same signature as in
``mappings``: ``emit(b, node, t, ins) -> the ONNX name of the output``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._common import ExportError


def _what(b):
    return lambda: f"export: {b.node.name}{b.where(b.node)}"


def _where_eq(b, a: str, v, dtype) -> str:
    return b.add("Equal", [a, b.scalar(v, dtype)])


def _log1p_of(b, x: str, dtype) -> str:
    """log(1 + x) accurate for tiny x (Goldberg): u = 1 + x; log(u) * x / (u - 1), or x where u rounds to 1.

    NOTE: log(1 + x) alone is 0 in float32 for |x| < 6e-8. x / (u - 1) is 1 where u - 1 == x (also x = inf)."""
    one = b.scalar(1, dtype)
    u = b.add("Add", [one, x])
    d = b.add("Sub", [u, one])
    ratio = b.add("Where", [b.add("Equal", [d, x]), one, b.add("Div", [x, d])])
    return b.add("Where", [_where_eq(b, d, 0, dtype), x, b.add("Mul", [b.add("Log", [u]), ratio])], "log1p")


def _log1p(b, node, t, ins):
    return _log1p_of(b, b.value(node.inputs[0], t.dtype), t.dtype)


def _expm1(b, node, t, ins):
    """exp(x) - 1 accurate for tiny x (Kahan): u = exp(x); (u - 1) * x / log(u), x where u == 1, -1 where u - 1
    == -1 (x very negative), u - 1 where log(u) == x or u overflowed."""
    x = b.value(node.inputs[0], t.dtype)
    one = b.scalar(1, t.dtype)
    u = b.add("Exp", [x])
    d = b.add("Sub", [u, one])
    lg = b.add("Log", [u])
    big = b.add("Or", [b.add("Equal", [lg, x]), b.add("IsInf", [u])])  # NOTE: exp overflowed: inf * 0 is nan
    ratio = b.add("Where", [big, one, b.add("Div", [x, lg])])
    y = b.add("Where", [_where_eq(b, d, -1, t.dtype), b.scalar(-1, t.dtype), b.add("Mul", [d, ratio])])
    return b.add("Where", [_where_eq(b, u, 1, t.dtype), x, y], "expm1")


def _log_base(base: float) -> Callable:
    def emit(b, node, t, ins):
        x = b.value(node.inputs[0], t.dtype)
        return b.add("Div", [b.add("Log", [x]), b.scalar(np.log(base), t.dtype)], f"log{int(base)}")
    return emit


def _atan2(b, node, t, ins):
    """atan(a / b), plus or minus pi where b < 0 (the sign of a: Reciprocal tells -0 from +0, as numpy), a itself
    where a = b = 0 (0 / 0), and the signs of a and b where both are infinite (atan2(inf, inf) = pi / 4)."""
    a, c = (b.value(v, t.dtype) for v in node.inputs)
    zero = b.scalar(0, t.dtype)
    both_inf = b.add("And", [b.add("IsInf", [a]), b.add("IsInf", [c])])
    a = b.add("Where", [both_inf, b.add("Sign", [a]), a])
    c = b.add("Where", [both_inf, b.add("Sign", [c]), c])
    r = b.add("Atan", [b.add("Div", [a, c])])
    both_zero = b.add("And", [_where_eq(b, a, 0, t.dtype), _where_eq(b, c, 0, t.dtype)])
    r = b.add("Where", [both_zero, a, r])
    pi = b.scalar(np.pi, t.dtype)
    a_neg = b.add("Less", [b.add("Reciprocal", [a]), zero])
    c_neg = b.add("Less", [b.add("Reciprocal", [c]), zero])
    turned = b.add("Where", [a_neg, b.add("Sub", [r, pi]), b.add("Add", [r, pi])])
    return b.add("Where", [c_neg, turned, r], "atan2")


def _erfc(b, node, t, ins):
    """1 - erf(x) for x < 1.25 (erfc >= 0.077 there: no digits lost); above, fdlibm's asymptotic fit
    exp(-x^2 - 0.5625 + R(1/x^2) / S(1/x^2)) / x (ops/_special.py), computed in float64 and cast back."""
    from ..ops import _special as sp
    x = b.value(node.inputs[0], t.dtype)
    x64 = x if t.dtype == np.float64 else b.add("Cast", [x], to=b.elem(np.float64))
    s = b.add("Reciprocal", [b.add("Mul", [x64, x64])])

    def poly(coefs):
        y = b.scalar(coefs[-1], np.float64)
        for k in coefs[-2::-1]:
            y = b.add("Add", [b.add("Mul", [y, s]), b.scalar(k, np.float64)])
        return y

    low = b.add("Less", [x64, b.scalar(1 / 0.35, np.float64)])
    ratio = b.add("Where", [low, b.add("Div", [poly(sp._RA), poly(sp._SA)]),
                            b.add("Div", [poly(sp._RB), poly(sp._SB)])])
    expo = b.add("Add", [b.add("Sub", [b.add("Neg", [b.add("Mul", [x64, x64])]), b.scalar(0.5625, np.float64)]), ratio])
    tail = b.add("Div", [b.add("Exp", [expo]), x64])
    if t.dtype != np.float64:
        tail = b.add("Cast", [tail], to=b.elem(t.dtype))
    near = b.add("Sub", [b.scalar(1, t.dtype), b.add("Erf", [x])])
    return b.add("Where", [b.add("Less", [x, b.scalar(1.25, t.dtype)]), near, tail], "erfc")


def _mod(b, node, t, ins):
    """fmod: ONNX Mod with fmod=1 (the only choice for floats; C's fmod, the sign of a). remainder (the sign of
    b, Python's %): fmod, plus b where the result is nonzero and its sign differs from b's (as numpy)."""
    a, c = (b.value(v, t.dtype) for v in node.inputs)
    if t.dtype.kind in "iu":
        return b.add("Mod", [a, c], "remainder" if node.floor else "fmod", fmod=0 if node.floor else 1)
    r = b.add("Mod", [a, c], fmod=1)
    if not node.floor:
        return r
    zero = b.scalar(0, t.dtype)
    differ = b.add("Xor", [b.add("Less", [r, zero]), b.add("Less", [c, zero])])
    fix = b.add("And", [b.add("Not", [_where_eq(b, r, 0, t.dtype)]), differ])
    return b.add("Where", [fix, b.add("Add", [r, c]), r], "remainder")


def _softmax(b, node, t, ins):
    return b.add("Softmax", [b.value(node.inputs[0], t.dtype)], "softmax", axis=int(node.axis))


def _prod(b, node, t, ins):
    if node.axis == ():
        return b.add("Identity", ins)
    return b.reduce("ReduceProd", b.value(node.inputs[0], t.dtype), node.axis, node.keepdims)


def _cumsum(b, node, t, ins):
    axis = b.const(np.array(int(node.axis), dtype=np.int64), "axis")
    return b.add("CumSum", [b.value(node.inputs[0], t.dtype), axis], "cumsum", reverse=int(bool(node.reverse)))


def _scan(b, node, t, x: str, fill, combine, reverse: bool = False) -> str:
    """An inclusive scan along node.axis as ceil(log2(n)) doubling steps (Hillis-Steele): y <- combine(y, y
    shifted by s along the axis, filled with the identity ``fill``), s = 1, 2, 4, ... The axis length n is fixed
    in the file (it must not follow a dynamic axis)."""
    axis = int(node.axis)
    n1, n2 = (s[axis] for s in b.shapes(t))
    if n1 != n2:
        raise ExportError(f"{_what(b)()}: the scanned axis {axis} follows a dynamic axis; scan along a fixed one")
    fill = b.scalar(fill, t.dtype)
    y, step = x, 1
    while step < n1:
        pads = [0] * (2 * t.ndim)
        pads[axis + (t.ndim if reverse else 0)] = step
        padded = b.add("Pad", [y, b.ints(pads, "pads"), fill], mode="constant")
        start, end = (step, step + n1) if reverse else (0, n1)
        shifted = b.add("Slice", [padded, b.ints([start], "starts"), b.ints([end], "ends"), b.ints([axis], "axes")])
        y = combine(y, shifted)
        step *= 2
    return y if y is not x else b.add("Identity", [x])


def _cumprod(b, node, t, ins):
    """Products of exact factors, grouped by the doubling scan (zeros and signs are exact; only the rounding
    order differs from numpy's running product)."""
    return _scan(b, node, t, b.value(node.inputs[0], t.dtype), 1.0, lambda u, v: b.add("Mul", [u, v]))


def _log_cum_sum_exp(b, node, t, ins):
    """logaddexp(u, v) = max + log1p(exp(min - max)) at each doubling step (u where u == v, which keeps
    -inf + -inf = -inf and inf + inf = inf from becoming nan)."""
    def logaddexp(u, v):
        hi, lo = b.add("Max", [u, v]), b.add("Min", [u, v])
        y = b.add("Add", [hi, _log1p_of(b, b.add("Exp", [b.add("Sub", [lo, hi])]), t.dtype)])
        same = b.add("Add", [u, b.scalar(np.log(2.0), t.dtype)])
        return b.add("Where", [b.add("Equal", [u, v]), same, y], "logaddexp")
    return _scan(b, node, t, b.value(node.inputs[0], t.dtype), -np.inf, logaddexp, reverse=bool(node.reverse))


def _einsum(b, node, t, ins):
    """ONNX Einsum with the explicit equation (ellipses spelled out as letters, the output written), as the
    primitive's own parser reads the subscripts."""
    from ..ops.einsum import parse
    specs, out = parse(node.subscripts, [x.shape for x in node.inputs])
    return b.add("Einsum", [b.value(x, t.dtype) for x in node.inputs], "einsum", equation=",".join(specs) + "->" + out)
