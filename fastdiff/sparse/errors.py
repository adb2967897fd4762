"""The errors of failed evaluations, naming the function and the point."""

from __future__ import annotations

import numpy as np

from fastdiff.sparse.patterns import _PatternPairs
from fastdiff.sparse.points import _group_description, _HessianPatternPoints
from fastdiff.status import MESSAGES, NOT_FINITE, OK, RAISED, WRONG_SHAPE


def _length_error(name: str, length: int, m: int) -> ValueError:
    return ValueError(
        f"sparsity has {m} rows but {name} returns an array of length {length}; "
        f"sparsity must have shape (len({name}(x)), len(x))"
    )


def _raise_for_status(function, x, h, coloring, stencil, status, m, name) -> None:
    """Raise the error of the first failed evaluation of a compressed difference."""
    failed = np.argwhere(status != OK)
    color, q = (int(v) for v in failed[0])
    code = int(status[color, q])
    offset = stencil.offsets[q]
    point = x.copy()
    columns = coloring.group_columns[
        coloring.group_pointers[color] : coloring.group_pointers[color + 1]
    ]
    point[columns] = x[columns] + offset * h[columns]
    _raise_at(function, point, code, _group_description(coloring, color, offset), name, m)


def _raise_at(function, point, code: int, where: str, name: str, m: int | None = None):
    if code == RAISED:
        try:
            function(point)
        except Exception as error:
            if hasattr(error, "add_note"):
                error.add_note(f"fastdiff: {name} raised {where}")
            raise
        raise RuntimeError(
            f"{name} raised {where} inside the kernel but not when called again from "
            f"Python (does {name} depend on state other than x?)"
        )
    if code == WRONG_SHAPE:
        length = np.asarray(function(point)).shape
        raise _length_error(name, length[0] if length else 0, m)
    if code == NOT_FINITE:
        raise ValueError(f"{name} returned a non-finite value {where}")
    raise ValueError(f"{name} failed {where}: {MESSAGES.get(code, code)}")


def _raise_for_pairs(function, x, h, arrays, pairs: _PatternPairs, status) -> None:
    axis_status, pair_status = status
    points = _HessianPatternPoints(x, h, arrays, pairs)
    failed_axis = np.argwhere(axis_status != OK)
    if failed_axis.size:
        i, a = (int(v) for v in failed_axis[0])
        index = 1 + i * points.a + a
        code = int(axis_status[i, a])
    else:
        e, q = (int(v) for v in np.argwhere(pair_status != OK)[0])
        index = points.pair_start + e * points.p + q
        code = int(pair_status[e, q])
    _raise_at(function, points(index, index + 1)[0], code, points.describe(index), "f")
