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
from .reduction import sum, mean, max, min, var, std, logsumexp, argmax, argmin
from .shape import (reshape, transpose, swapaxes, flatten, broadcast_to, sum_to, expand_dims, squeeze, concatenate,
                    stack)
from .indexing import getitem, _index_arrays
from .linalg import matmul, linear
from .creation import zeros, ones, zeros_like, ones_like, randn, rand
from .window import pad, unfold, fold
from .shape import split, chunk, unbind
from .recurrent import lstm_cell
