"""Checks of the arguments only sparse derivatives take."""

from __future__ import annotations

import numpy as np

from fastdiff._validation import as_point


def _check_callable(f, name: str):
    if not callable(f):
        raise TypeError(f"{name} must be a callable; got {type(f).__name__}")
    return f


def _check_flag(check) -> bool:
    if not isinstance(check, (bool, np.bool_)):
        raise TypeError(f"check must be True or False; got {check!r}")
    return bool(check)


def _point_for(x, columns: int, name: str) -> np.ndarray:
    x = as_point(x)
    if x.shape[0] != columns:
        raise ValueError(
            f"x has {x.shape[0]} entries but {name} has {columns} columns; they must match"
        )
    return x
