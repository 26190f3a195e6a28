"""The input dtype check shared by every layer with floating-point parameters."""
from __future__ import annotations

import numpy as np

from autograd_mini.tensor import Tensor

_MODEL_CASTS = {np.dtype(np.float64): "model.double()", np.dtype(np.float32): "model.float()"}


def check_input_dtype(module, x, dtype: np.dtype, what: str = "input", name: str = "x") -> None:
    """Raise TypeError if x is a floating-point Tensor or ndarray whose dtype is not ``dtype``.

    Without this check numpy would silently promote (float64 data into a float32 layer gives float64
    outputs and float64 gradients for float32 parameters). Integer and boolean data, Python numbers and
    lists are not checked: they carry no floating dtype chosen by the user.

    Args:
        module: the layer (its class name starts the message).
        x: the value passed to forward.
        dtype: the dtype of the layer's parameters.
        what: what x is, for the message ("input", "h", "c").
        name: the variable name used in the suggested fix (``x.astype(...)``).

    Raises:
        TypeError: naming both dtypes and the two ways to fix it: convert the data to the parameters'
            dtype, or the model to the data's (``model.double()``, ``model.float()`` or ``model.to``).
    """
    if type(x) is Tensor:
        got = x._data.dtype
        if got is dtype:  # NOTE: the common case, first: this runs in every layer call
            return
    elif isinstance(x, Tensor):
        got = x._data.dtype
    elif isinstance(x, np.ndarray):
        got = x.dtype
    else:
        return
    if got is dtype or got == dtype or got.kind not in "fc":
        return
    model_cast = _MODEL_CASTS.get(got, f"model.to(np.{got})")  # NOTE: the model takes the input's dtype
    raise TypeError(
        f"{type(module).__name__}: {what} dtype {got} does not match the parameters' dtype {dtype}; "
        f"convert the {what} ({name}.astype(np.{dtype})) or the model ({model_cast})"
    )
