"""Argument checks shared by the optimizers and schedulers: one message format everywhere."""
from __future__ import annotations

import numbers
from typing import Any


def is_number(value: Any) -> bool:
    """True for a real number (Python or NumPy int or float, NaN and inf included); False for bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_min(name: str, value: Any, low: float = 0.0) -> None:
    """Raise ValueError unless value >= low (NaN fails too)."""
    if not value >= low:  # NOTE: `not >=` rather than `<`, so that NaN is rejected
        raise ValueError(f"invalid {name}: {value} (must be >= {low:g})")


def check_range(name: str, value: Any, low: float, high: float, high_inclusive: bool = True) -> None:
    """Raise ValueError unless low <= value <= high (or < high if not high_inclusive)."""
    ok = low <= value <= high if high_inclusive else low <= value < high
    if not ok:
        bracket = "]" if high_inclusive else ")"
        raise ValueError(f"invalid {name}: {value} (must be in [{low:g}, {high:g}{bracket})")
