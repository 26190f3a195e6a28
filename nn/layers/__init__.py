"""The layers of nn, one file per family."""
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .batchnorm import BatchNorm1d
from .conv import Conv2d, MaxPool2d
from .dropout import Dropout
from .linear import Flatten, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .rnn import LSTMCell, RNNCell
from .attention import MultiheadAttention
from .batchnorm import BatchNorm2d
from .embedding import Embedding
from .norm import GroupNorm, LayerNorm
from .recurrent import GRU, LSTM, RNN
from .reshape import Unflatten
from .rnn import GRUCell
from .transformer import TransformerEncoder, TransformerEncoderLayer
from .activation import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, ReLU6, SiLU,
                         Softmin, Softplus, Softsign)
from .conv import Conv1d, ConvTranspose2d
from .loss import HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, Upsample
