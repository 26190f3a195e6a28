"""Neural-network building blocks on autograd_mini: Module and containers, layers, losses, init, checkpoints.

    >>> import nn
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    >>> loss = nn.functional.mse_loss(model(x), y)
"""
from . import functional, init
from .layers import (
    BatchNorm1d, BCELoss, BCEWithLogitsLoss, Conv2d, CrossEntropyLoss, Dropout, Flatten, Identity, LeakyReLU,
    Linear, LogSoftmax, LSTMCell, MaxPool2d, MSELoss, NLLLoss, ReLU, RNNCell, Sigmoid, Softmax, Tanh,
)
from .layers import (
    AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, Conv1d, ConvTranspose2d, HuberLoss, KLDivLoss, L1Loss, MaxPool1d,
    SmoothL1Loss, Upsample,
)
from .module import (
    Module, ModuleList, Parameter, Sequential, StateDictError, functional_call, module_path_names, module_stack,
    register_forward_call_hook,
)
from .serialization import CheckpointError, load, save
from .containers import ModuleDict, ParameterDict, ParameterList
from .layers import (
    GRU, LSTM, RNN, BatchNorm2d, Embedding, GroupNorm, GRUCell, LayerNorm, MultiheadAttention, TransformerEncoder,
    TransformerEncoderLayer, Unflatten,
)
from .layers import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, ReLU6, SiLU,
                     Softmin, Softplus, Softsign)

__all__ = [
    "Module", "ModuleList", "Sequential", "Parameter", "StateDictError", "module_stack", "module_path_names",
    "register_forward_call_hook", "functional_call",
    "Linear", "Identity", "Flatten", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softmax", "LogSoftmax", "Dropout",
    "BatchNorm1d", "Conv2d", "MaxPool2d", "RNNCell", "LSTMCell",
    "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "functional", "init", "save", "load", "CheckpointError",
    "Conv1d", "ConvTranspose2d", "AvgPool2d", "AvgPool1d", "MaxPool1d", "AdaptiveAvgPool2d", "Upsample",
    "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss",
    "LayerNorm", "GroupNorm", "BatchNorm2d", "Embedding", "GRUCell", "RNN", "LSTM", "GRU", "MultiheadAttention",
    "TransformerEncoderLayer", "TransformerEncoder", "ModuleDict", "ParameterList", "ParameterDict", "Unflatten",
]
__all__ += [
    "GELU", "SiLU", "Softplus", "ELU", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid", "ReLU6", "Hardtanh",
    "LogSigmoid", "Softsign", "Softmin",
]
