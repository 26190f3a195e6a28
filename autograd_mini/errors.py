"""Exceptions raised by autograd_mini. All share the base class AutogradError."""


class AutogradError(Exception):
    """Base class of every error autograd_mini raises on purpose."""


class ShapeError(AutogradError, ValueError):
    """Operands of an op have shapes the op cannot combine; the message names the op and the shapes."""


class GraphFreedError(AutogradError, RuntimeError):
    """Backward was asked to run through a graph whose saved tensors were already freed."""


class NoGradError(AutogradError, RuntimeError):
    """Backward or grad() was called on something that does not require grad."""


class GradcheckError(AutogradError, AssertionError):
    """Analytic and numeric derivatives disagree; the message names input, element and both values."""


class IndexingError(AutogradError, IndexError):
    """An index does not fit the tensor it indexes; the message names the shape and the index."""


class AnomalyError(AutogradError, RuntimeError):
    """Anomaly mode found an op that made a NaN or an infinity from finite values (forward or backward)."""
