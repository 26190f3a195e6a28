"""Einstein summation over tensors (the primitive and its derivative are in ops/einsum.py).
"""
from __future__ import annotations

from ..errors import ShapeError
from ..tensor import Tensor
from ._args import as_tensor


def einsum(subscripts: str, *operands) -> Tensor:
    """np.einsum / torch.einsum: e.g. 'ij,jk->ik' (matmul), 'bij,bjk->bik', 'ii->i' (diagonal), 'ii' (trace),
    '...ij->...ji', 'bi,ij,bj->b'; implicit output (no '->') as numpy. Operands may also be given as one list.

    y[out] = sum over the indices not in out of prod_k x_k[subscripts_k]. Its gradient wrt x_k is the einsum
    of gy with the other operands back to x_k's indices (diagonals and summed-away indices handled).
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: the first argument must be the subscripts string, got {type(subscripts).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    xs = [as_tensor(x) for x in operands]
    if not xs:
        raise ValueError("einsum needs at least one operand")
    ops.einsum._optimize(subscripts, tuple(x.shape for x in xs))  # NOTE: clear errors before numpy's (cached)
    try:
        return ops.Einsum.apply(*xs, subscripts=subscripts)
    except ValueError as err:  # NOTE: numpy's message (sizes of an index disagree), with the subscripts added
        raise ShapeError(f"einsum {subscripts!r} of shapes {[x.shape for x in xs]}: {err}") from None


from .. import ops  # noqa: E402  (ops imports this package for the Tensor-level functions its rules use)
import autograd_mini.ops.einsum  # noqa: E402,F401
