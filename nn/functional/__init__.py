"""Neural-network functions composed only of autograd_mini ops, one module per family: ``loss``, ``conv``
(convolution), ``pooling`` (pooling and interpolate), ``dropout`` (dropout and linear); the activations are
autograd_mini's own.

Also ``normalization`` (layer_norm, group_norm, batch_norm), ``attention`` (scaled_dot_product_attention and
the multi-head attention of nn.MultiheadAttention) and ``sparse`` (embedding).

Losses take ``reduction='mean'|'sum'|'none'`` and follow PyTorch's definitions and argument order
(prediction first, then target).
"""
from autograd_mini.functional import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh

from autograd_mini.functional import (celu, elu, gelu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, normalize,
                                      relu6, selu, silu, softmin, softplus, softsign)
from autograd_mini.functional import one_hot

from .conv import conv2d, max_pool2d
from .dropout import dropout, linear
from .attention import scaled_dot_product_attention
from .normalization import batch_norm, group_norm, layer_norm
from .sparse import embedding
from .loss import binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss

from .conv import conv1d, conv_transpose2d
from .loss import huber_loss, kl_div, l1_loss, smooth_l1_loss
from .pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, interpolate, max_pool1d

__all__ = [
    "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax", "dropout", "linear", "conv2d",
    "max_pool2d",
    "conv1d", "conv_transpose2d", "avg_pool2d", "avg_pool1d", "max_pool1d", "adaptive_avg_pool2d", "interpolate",
    "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
    "scaled_dot_product_attention", "layer_norm", "group_norm", "batch_norm", "embedding",
]
__all__ += [
    "gelu", "silu", "softplus", "elu", "selu", "celu", "mish", "hardswish", "hardsigmoid", "relu6", "hardtanh",
    "logsigmoid", "softsign", "softmin", "normalize", "one_hot",
]

# shape, indexing and reductions (issue 14): PyTorch's pad convention
from .pad import pad  # noqa: E402

__all__ += ["pad"]
