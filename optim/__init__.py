"""Optimizers, learning-rate schedules and gradient clipping for autograd_mini parameters."""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .clip import clip_grad_norm_, clip_grad_value_
from .lr_scheduler import ExponentialLR, InverseTimeLR, LRScheduler, StepLR
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD, Momentum

__all__ = [
    "Optimizer", "SGD", "Momentum", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
    "lr_scheduler", "LRScheduler", "StepLR", "ExponentialLR", "InverseTimeLR",
    "clip_grad_norm_", "clip_grad_value_",
]
