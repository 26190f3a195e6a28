"""Argument checks shared by the optimizers and schedulers: one message format everywhere."""
from __future__ import annotations

from typing import Any


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
