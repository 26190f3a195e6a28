"""Every primitive op, one module per section: its forward (numpy in, numpy out) next to its derivative (Tensor ops, vector-Jacobian).

Rules of this package:
- ``forward(ctx, *arrays, **attrs)`` computes the value; attributes needed later go on ``ctx``.
- ``backward(ctx, gy)`` returns one gradient per input (or None where ``ctx.needs_input_grad`` is False),
  written with Tensor ops only, so that with ``create_graph=True`` the backward pass is itself recorded and
  can be differentiated again.
- Gradients may come back in the broadcast shape: the engine sums them to each input's shape, once, for all ops.

Why each primitive of the math family is one (and not a composition) is written in ``ops/math.py``.

Everything not in this package is a composite in functional/ (a module per family), whose derivative follows from these.
"""
from .elementwise import (Add, Sub, Neg, Mul, Div, Pow, Maximum, Where, Exp, Log, Tanh, TanhGrad, Sigmoid, SigmoidGrad,
                          Relu, Abs, Clip, Cast, Copy)
from .reduce import Sum, Max, LogSumExp
from .shape import Reshape, Transpose, BroadcastTo, SumTo, GetItem, IndexAdd, Concatenate
from .linalg import Linear, MatMul, MatMulTransA
from .window import Pad, Unfold, Fold
from .loss import SoftmaxCrossEntropy, SoftmaxCrossEntropyGrad
from .math import (Sin, Cos, Tan, Asin, Acos, Atan, Atan2, Sinh, Cosh, Asinh, Acosh, Atanh, Log1p, Expm1, Log2, Log10,
                   Erf, Erfc, Mod, Softmax)
