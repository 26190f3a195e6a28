"""autograd_mini: a small, fast, honest reverse-mode autodiff framework on numpy.

    >>> import autograd_mini as am
    >>> x = am.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""
from .tensor import Tensor, tensor, set_default_dtype, get_default_dtype
from .function import Function
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from .engine import backward, grad, iter_graph
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled, is_anomaly_check_nan_enabled
from .hooks import RemovableHandle
from .random import manual_seed
from .errors import (AutogradError, ShapeError, GraphFreedError, NoGradError, GradcheckError, IndexingError,
                     AnomalyError)
from .functional import (
    add, sub, mul, div, neg, pow, exp, log, sqrt, abs, tanh, sigmoid, relu, leaky_relu, clip, astype,
    maximum, minimum, where, sum, mean, max, min, var, std, logsumexp, softmax, log_softmax, argmax, argmin,
    reshape, transpose, clone, swapaxes, flatten, broadcast_to, sum_to, expand_dims, squeeze, getitem,
    concatenate, stack, matmul, linear, less, less_equal, greater, greater_equal, equal, not_equal, sign,
    zeros, ones, zeros_like, ones_like, randn, rand, as_tensor,
)
from .functional import (  # elementwise math, activations and creation (issue 14)
    sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, asinh, acosh, atanh, erf, erfc, log1p, expm1, log2, log10,
    exp2, rsqrt, reciprocal, square, floor, ceil, trunc, round, remainder, fmod, copysign, logaddexp, lerp, isnan,
    isinf, isfinite, logical_and, logical_or, logical_xor, logical_not, bitwise_and, bitwise_or, bitwise_xor,
    bitwise_not, gelu, silu, softplus, elu, selu, celu, mish, hardtanh, relu6, hardsigmoid, hardswish, logsigmoid,
    softsign, softmin, normalize, empty, full, full_like, eye, arange, linspace, meshgrid, one_hot, randint, normal,
    uniform,
)
from .functional import (  # shape, indexing and reductions (issue 14)
    prod, any, all, amax, amin, var_mean, std_mean, norm, median, cumsum, cumprod, cummax, cummin, logcumsumexp,
    isclose, allclose, permute, swapdims, movedim, moveaxis, unflatten, unsqueeze, cat, concat, expand, repeat,
    tile, flip, roll, tril, triu, diagonal, diag, repeat_interleave, gather, take_along_dim, take_along_axis,
    index_select, scatter, scatter_add, scatter_reduce, masked_fill, masked_select, nonzero, argsort, sort, topk,
    einsum, pad,
)
from .gradcheck import gradcheck, gradgradcheck
from .interop import from_dlpack, from_numpy
from .functional import split, chunk, unbind
from .functional import lstm_cell
from .functional import lstm_layer
from . import func  # function transforms (torch.func): func.grad, func.jacrev, func.hessian, func.vmap, ...

__version__ = "0.1.0"
