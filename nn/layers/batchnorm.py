"""Batch normalization over a batch of feature vectors or sequences."""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as AF
from autograd_mini import inplace
from autograd_mini.errors import ShapeError
from autograd_mini.tensor import get_default_dtype

from ..module import Module, Parameter
from ._dtype import check_input_dtype
from ..functional import normalization as NF


class BatchNorm1d(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (PyTorch's BatchNorm1d).

    Shapes: (N, C) or (N, C, L) -> the same; statistics are taken over N (and L) for each of the C channels.

    Training mode: mean and var are the batch's mean and biased variance (divisor N or N*L), and the running
    statistics are updated as ``running = (1 - momentum) * running + momentum * batch`` with the *unbiased*
    batch variance (divisor n - 1) for ``running_var``, as PyTorch does. Evaluation mode: the running
    statistics are used and nothing is updated. Each update, made in place on the buffers, increases their
    version counters (``_version``).

    Args:
        num_features: the number of channels C.
        eps: added to the variance for stability (default 1e-5).
        momentum: weight of the newest batch in the running statistics (default 0.1).
        dtype: parameter and buffer dtype (default: ``autograd_mini.get_default_dtype()``).

    Attributes:
        weight (ones), bias (zeros): learned, shape (C,).  running_mean (zeros), running_var (ones): buffers.

    Raises:
        TypeError: (in forward) if a floating-point input's dtype differs from the parameters' dtype.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, dtype=None):
        super().__init__()
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1], got {momentum}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.ones(self.num_features, dtype=dtype))
        self.bias = Parameter(np.zeros(self.num_features, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))

    def forward(self, x):
        check_input_dtype(self, x, self.weight._data.dtype)
        x = AF.as_tensor(x)
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ShapeError(
                f"BatchNorm1d({self.num_features}) expects input (N, {self.num_features}) or "
                f"(N, {self.num_features}, L), got {x.shape}"
            )
        if self.training:
            n = x.shape[0] * (x.shape[2] if x.ndim == 3 else 1)
            if n < 2:
                raise ValueError(
                    f"BatchNorm1d needs more than 1 value per channel in training mode, got input {x.shape}"
                )
        # NOTE: the same math as BatchNorm2d: nn.functional.batch_norm (running statistics updated in place,
        # outside the graph, their versions bumped)
        return NF.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training,
                             self.momentum, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm2d(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel of (N, C, H, W) (PyTorch's BatchNorm2d).

    Statistics are taken over N, H and W for each channel. Training mode: the batch's mean and biased
    variance normalize, and the running statistics are updated in place (their ``_version`` increases) as
    ``running = (1 - momentum) * running + momentum * batch`` with the unbiased variance for ``running_var``;
    with ``momentum=None`` the running statistics are the cumulative average over the batches seen
    (``num_batches_tracked`` counts them, as PyTorch). Evaluation mode (or ``track_running_stats=False``
    without statistics): the running statistics are used and nothing is updated.

    Args:
        num_features: C.
        eps: added to the variance (default 1e-5).
        momentum: weight of the newest batch (default 0.1); None for a cumulative average.
        affine: learn ``weight`` (ones) and ``bias`` (zeros) (default True).
        track_running_stats: keep ``running_mean``, ``running_var`` and ``num_batches_tracked`` buffers
            (default True); if False, batch statistics are used in both modes.
        dtype: parameter and buffer dtype (default: ``autograd_mini.get_default_dtype()``).

    The state_dict keys are PyTorch's: weight, bias, running_mean, running_var, num_batches_tracked.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype=None):
        super().__init__()
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm2d: momentum must be in [0, 1] or None, got {momentum}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = dtype or get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(self.num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x):
        if self.weight is not None:
            check_input_dtype(self, x, self.weight._data.dtype)
        x = AF.as_tensor(x)
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ShapeError(
                f"BatchNorm2d({self.num_features}) expects input (N, {self.num_features}, H, W), got {x.shape}"
            )
        use_batch = self.training or self.running_mean is None
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            inplace.bump(self.num_batches_tracked)
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.data)
        stats = self.training and self.track_running_stats
        return NF.batch_norm(x, self.running_mean if stats or not use_batch else None,
                             self.running_var if stats or not use_batch else None,
                             self.weight, self.bias, use_batch, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")
