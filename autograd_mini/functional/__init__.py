"""Public functions, one module per family: thin wrappers over the primitives in ``autograd_mini.ops`` and
composites built only from them.

A composite (``mean``, ``softmax``, ``minimum``, ...) gets its derivative from its parts, so it can never
disagree with them. Python numbers and ndarrays are accepted wherever a Tensor is.

Families: ``elementwise`` (arithmetic, math, comparisons), ``activation``, ``reduction``, ``shape``,
``indexing``, ``linalg``, ``creation``, ``window`` (pad, unfold, fold).
"""
from ._args import Axis, as_tensor, _lift, _pair, _axes
from .elementwise import (add, sub, mul, div, pow, neg, maximum, minimum, where, exp, log, sqrt, abs, clip, clone,
                          astype, less, less_equal, greater, greater_equal, equal, not_equal, sign)
from .activation import tanh, sigmoid, relu, leaky_relu, log_softmax, softmax
from .elementwise import (sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, asinh, acosh, atanh, erf, erfc, log1p,
                          expm1, log2, log10, exp2, rsqrt, reciprocal, square, floor, ceil, trunc, round, remainder,
                          fmod, copysign, logaddexp, lerp, isnan, isinf, isfinite, logical_and, logical_or,
                          logical_xor, logical_not, bitwise_and, bitwise_or, bitwise_xor, bitwise_not)
from .activation import (gelu, silu, softplus, elu, selu, celu, mish, hardtanh, relu6, hardsigmoid, hardswish,
                         logsigmoid, softsign, softmin, normalize)
from .reduction import sum, mean, max, min, var, std, logsumexp, argmax, argmin
from .shape import (reshape, transpose, swapaxes, flatten, broadcast_to, sum_to, expand_dims, squeeze, concatenate,
                    stack)
from .indexing import getitem, _index_arrays
from .linalg import matmul, linear
from .creation import zeros, ones, zeros_like, ones_like, randn, rand
from .creation import empty, full, full_like, eye, arange, linspace, meshgrid, one_hot, randint, normal, uniform
from .window import pad, unfold, fold
from .shape import split, chunk, unbind
# shape, indexing and reductions (issue 14)
from .reduction import (prod, any, all, amax, amin, var_mean, std_mean, norm, median, cumsum, cumprod, cummax,
                        cummin, logcumsumexp, isclose, allclose, values_indices)
from .shape import (permute, swapdims, movedim, moveaxis, unflatten, unsqueeze, cat, concat, expand, repeat, tile,
                    flip, roll, tril, triu, diagonal, diag, repeat_interleave, unfold_dim)
from .indexing import (gather, take_along_dim, take_along_axis, index_select, scatter, scatter_add, scatter_reduce,
                       masked_fill, masked_select, nonzero, argsort, sort, topk)
from .einsum import einsum

from .recurrent import lstm_cell
from .recurrent import lstm_layer
