"""Linear algebra: matrix products and the affine map of a layer.
"""
from __future__ import annotations

from ..errors import ShapeError
from ..tensor import Tensor
from ._args import _lift, _pair
from .shape import reshape


def matmul(a, b) -> Tensor:
    """Matrix product with numpy's rules: 1-D operands are vectors, leading dimensions broadcast."""
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    ashape, bshape = a._data.shape, b._data.shape
    if not ashape or not bshape:
        raise ShapeError(f"matmul of shapes {ashape} and {bshape}: operands must have at least 1 dimension")
    if ashape[-1] != bshape[-2 if len(bshape) > 1 else 0]:
        raise ShapeError(
            f"matmul of shapes {ashape} and {bshape}: inner dimensions "
            f"{ashape[-1]} and {bshape[-2 if len(bshape) > 1 else 0]} differ"
        )
    if len(ashape) >= 2 and len(bshape) >= 2:
        return MatMul.apply(a, b)
    a2 = reshape(a, 1, a.shape[0]) if a.ndim == 1 else a
    b2 = reshape(b, b.shape[0], 1) if b.ndim == 1 else b
    y = ops.MatMul.apply(a2, b2)
    if a.ndim == 1:
        y = reshape(y, y.shape[:-2] + y.shape[-1:])
    if b.ndim == 1:
        y = reshape(y, y.shape[:-1])
    return y


def linear(x, weight, bias=None) -> Tensor:
    """x @ weight.T + bias with weight (out, in) and bias (out,) or None: (..., in) -> (..., out)."""
    if not isinstance(x, Tensor):  # NOTE: as_tensor inlined here and below: this runs in every layer call
        x = _lift(x)
    if not isinstance(weight, Tensor):
        weight = _lift(weight)
    xs, ws = x._data.shape, weight._data.shape
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        raise ShapeError(f"linear of input {xs} and weight {ws}: the weight must be (out, in) with in = {xs[-1:]}")
    if bias is not None:
        if not isinstance(bias, Tensor):
            bias = _lift(bias)
        if bias._data.shape != (ws[0],):
            raise ShapeError(f"linear: bias of shape {bias._data.shape} for a weight of shape {ws}; expected ({ws[0]},)")
    if len(xs) == 1:  # a single example: through the batched form and back
        y = linear(reshape(x, 1, xs[0]), weight, bias)
        return reshape(y, ws[0])
    return ops.Linear.apply(x, weight) if bias is None else ops.Linear.apply(x, weight, bias)

from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
from ..ops import MatMul  # noqa: E402
