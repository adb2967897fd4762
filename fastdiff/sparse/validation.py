"""Checks of the arguments only sparse derivatives take."""

from __future__ import annotations

import numpy as np

from fastdiff.validation import as_point


def point_for(x, columns: int, name: str) -> np.ndarray:
    """``x`` as a point, if it has one entry per column of the pattern ``name``."""
    x = as_point(x)
    if x.shape[0] != columns:
        raise ValueError(
            f"x has {x.shape[0]} entries but {name} has {columns} columns; they must match"
        )
    return x
