"""Where a sparse derivative evaluates: stencil rows, point batches and their descriptions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fastdiff import stencils
from fastdiff.errors import listing
from fastdiff.sparse.coloring import Coloring
from fastdiff.sparse.patterns import PatternPairs
from fastdiff.status import OK
from fastdiff.stencil_positions import AXIS_OFFSETS, PAIR_OFFSETS


@dataclass(frozen=True)
class SparseStencil:
    """One first-derivative stencil row of :mod:`fastdiff.stencils`, as the kernels take it."""

    offsets: np.ndarray
    weights: np.ndarray
    slots: np.ndarray
    needs_center: bool
    exponent: float

    @classmethod
    def from_method(cls, method: stencils.Method) -> SparseStencil:
        offsets, weights = stencils.first_derivative_row(method.base)
        stencil = method.first
        slots = np.flatnonzero((offsets[0] != 0.0) & (weights[0] != 0.0)).astype(np.int64)
        return cls(offsets[0], weights[0], slots, stencil.uses_center, stencil.step_exponent)

    @property
    def width(self) -> int:
        return self.offsets.shape[0]

    def evaluations(self, n_colors: int) -> int:
        return n_colors * self.slots.shape[0] + int(self.needs_center)


class GroupPoints:
    """Batch of a compressed evaluation: ``x`` (if used), then each colour and stencil point."""

    def __init__(self, x, h, coloring: Coloring, stencil: SparseStencil):
        self.x, self.h, self.coloring, self.stencil = x, h, coloring, stencil
        self.first = int(stencil.needs_center)
        self.count = stencil.evaluations(coloring.n_colors)

    def slot(self, point: int) -> tuple[int, int]:
        """Colour and stencil slot of a point after the first."""
        color, k = divmod(point - self.first, self.stencil.slots.shape[0])
        return color, int(self.stencil.slots[k])

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        points = np.tile(self.x, (hi - lo, 1))
        for point in range(max(lo, self.first), hi):
            color, q = self.slot(point)
            columns = self.coloring.group_columns[
                self.coloring.group_pointers[color] : self.coloring.group_pointers[color + 1]
            ]
            # Formed exactly as in the kernels: x_j + o * h_j.
            points[point - lo, columns] = (
                self.x[columns] + self.stencil.offsets[q] * self.h[columns]
            )
        return points

    def describe(self, point: int) -> str:
        if point < self.first:
            return "at x"
        color, q = self.slot(point)
        return group_description(self.coloring, color, self.stencil.offsets[q])


class SlotPoints:
    """Batch of a Jacobian with per-column stencils: ``x`` (if weighed), then each (slot, colour).

    ``groups`` lists the ``(slot, colour)`` pairs evaluated, in batch order;
    ``stencils`` is a :class:`~fastdiff.sparse.column_stencils.ColumnStencils`.
    """

    def __init__(self, x, coloring: Coloring, stencils, groups, with_center: bool):
        self.x, self.coloring, self.stencils, self.groups = x, coloring, stencils, groups
        self.first = int(with_center)
        self.count = self.first + len(groups)

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        points = np.tile(self.x, (hi - lo, 1))
        for point in range(max(lo, self.first), hi):
            q, color = self.groups[point - self.first]
            columns = self.coloring.group_columns[
                self.coloring.group_pointers[color] : self.coloring.group_pointers[color + 1]
            ]
            # Formed as in the kernels: x_j + (o * h_j).
            points[point - lo, columns] = self.x[columns] + self.stencils.displacements[q, columns]
        return points

    def describe(self, point: int) -> str:
        if point < self.first:
            return "at x"
        q, color = self.groups[point - self.first]
        columns = self.coloring.group_columns[
            self.coloring.group_pointers[color] : self.coloring.group_pointers[color + 1]
        ]
        return (
            f"at point {q} of the stencils within bounds of the columns of colour {color} "
            f"{listing(columns.tolist())}"
        )


class PatternHessianPoints:
    """Batch of a pattern Hessian: ``x``, the axis points, then the pair points."""

    def __init__(self, x, h, arrays, pairs: PatternPairs):
        self.x, self.h, self.pairs = x, h, pairs
        self.axis_offsets, self.pair_offsets = arrays[AXIS_OFFSETS], arrays[PAIR_OFFSETS]
        self.a, self.p = self.axis_offsets.shape[0], self.pair_offsets.shape[0]
        self.pair_start = 1 + x.shape[0] * self.a
        self.count = self.pair_start + pairs.count * self.p

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        x, h = self.x, self.h
        points = np.tile(x, (hi - lo, 1))
        index = np.arange(lo, hi)
        axis = np.flatnonzero((index >= 1) & (index < self.pair_start))
        i, a = np.divmod(index[axis] - 1, self.a)
        points[axis, i] = x[i] + self.axis_offsets[a] * h[i]
        pair_points = np.flatnonzero(index >= self.pair_start)
        pair, q = np.divmod(index[pair_points] - self.pair_start, self.p)
        i, j = self.pairs.rows[pair], self.pairs.columns[pair]
        points[pair_points, i] = x[i] + self.pair_offsets[q, 0] * h[i]
        points[pair_points, j] = x[j] + self.pair_offsets[q, 1] * h[j]
        return points

    def describe(self, point: int) -> str:
        if point == 0:
            return "at x"
        if point < self.pair_start:
            i, a = divmod(point - 1, self.a)
            return f"at x + {self.axis_offsets[a]:g} * h[{i}] * e[{i}]"
        pair, q = divmod(point - self.pair_start, self.p)
        i, j = int(self.pairs.rows[pair]), int(self.pairs.columns[pair])
        return (
            f"at x + {self.pair_offsets[q, 0]:g} * h[{i}] * e[{i}] "
            f"+ {self.pair_offsets[q, 1]:g} * h[{j}] * e[{j}]"
        )


def group_description(coloring: Coloring, color: int, offset: float) -> str:
    columns = coloring.group_columns[
        coloring.group_pointers[color] : coloring.group_pointers[color + 1]
    ]
    return f"at x + {offset:g} * h on the columns of colour {color} {listing(columns.tolist())}"


def failed_group_point(x, h, coloring: Coloring, stencil: SparseStencil, status):
    """The first failed evaluation of a compressed difference: ``(point, code, where)``."""
    failed = np.argwhere(status != OK)
    color, q = (int(v) for v in failed[0])
    offset = stencil.offsets[q]
    point = x.copy()
    columns = coloring.group_columns[
        coloring.group_pointers[color] : coloring.group_pointers[color + 1]
    ]
    point[columns] = x[columns] + offset * h[columns]
    return point, int(status[color, q]), group_description(coloring, color, offset)


def failed_pattern_point(x, h, arrays, pairs: PatternPairs, status):
    """The first failed evaluation of a pattern Hessian: ``(point, code, where)``."""
    axis_status, pair_status = status
    points = PatternHessianPoints(x, h, arrays, pairs)
    failed_axis = np.argwhere(axis_status != OK)
    if failed_axis.size:
        i, a = (int(v) for v in failed_axis[0])
        index = 1 + i * points.a + a
        code = int(axis_status[i, a])
    else:
        e, q = (int(v) for v in np.argwhere(pair_status != OK)[0])
        index = points.pair_start + e * points.p + q
        code = int(pair_status[e, q])
    return points(index, index + 1)[0], code, points.describe(index)
