"""Derivatives of plain Python functions: points, one batch, then combine.

Every stencil point is described once (from the offsets of
:mod:`fastdiff.stencils`), the whole batch goes to an
:class:`~fastdiff.evaluate.Evaluator` (serial, vectorized, worker processes
or any executor), and the values are combined by the same compiled formulas
as the kernels use (:mod:`fastdiff.kernels.formulas`). The point
``x_i + o * h_i`` is formed exactly as in the kernels, so a Python ``f`` and
its compiled twin give the same derivative to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fastdiff.evaluate import SCALAR, VECTOR, Evaluator
from fastdiff.kernels.formulas import combine_gradient, combine_hessian, combine_jacobian
from fastdiff.kernels.points import (
    fill_points,
    first_derivative_layout,
    scatter_scalar_values,
    scatter_vector_values,
)
from fastdiff.status import NOT_FINITE, OK, RAISED
from fastdiff.stencil_positions import (
    AXIS_OFFSETS,
    DIAGONAL_AXIS_WEIGHTS,
    OFFDIAGONAL_AXIS_WEIGHTS,
    PAIR_OFFSETS,
)
from fastdiff.stencils import writable


@dataclass
class PythonDerivative:
    """What the Python path computed.

    Attributes
    ----------
    value : float or ndarray or None
        ``f(x)`` if it was evaluated.
    derivative : ndarray
    status : ndarray of int8
        Per entry (gradient, Jacobian columns) or per matrix entry (Hessian).
    errors : dict
        Entry (coordinate, or ``(i, j)`` for a Hessian) to the first
        exception raised at one of its points, with the point's description.
    center_error : BaseException or None
        The exception raised at ``x`` itself.
    evaluations : int
    """

    value: object
    derivative: np.ndarray
    status: np.ndarray
    errors: dict = field(default_factory=dict)
    center_error: BaseException | None = None
    evaluations: int = 0


class _FirstDerivativePoints:
    """Stencil points of a gradient or Jacobian; point 0 is ``x`` if included."""

    def __init__(self, x, h, offsets, weights, include_center: bool):
        # coordinate-major order, as the kernels visit them
        self.coordinate, self.slot, self.shift = first_derivative_layout(offsets, weights, h)
        self.first = int(include_center)
        self.count = self.first + self.coordinate.shape[0]
        self.x, self.h = x, h
        self.width = offsets.shape[1]

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        points = np.empty((hi - lo, self.x.shape[0]))
        fill_points(self.x, self.coordinate, self.shift, self.first, lo, hi, points)
        return points

    def describe(self, point: int) -> str:
        if point < self.first:
            return "at x"
        i = int(self.coordinate[point - self.first])
        return f"at x + {self.shift[point - self.first] / self.h[i]:g} * h[{i}] * e[{i}] (point {point})"


class _HessianPoints:
    """Points of a Hessian stencil: ``x`` (if included), the axis points, then the pairs.

    ``axes`` lists the coordinates whose axis points are evaluated and
    ``rows``, ``cols`` the pairs ``i < j`` (all of them by default).
    """

    def __init__(self, x, h, stencil, axes=None, pairs=None, include_center=True):
        axis_offsets, pair_offsets = stencil[AXIS_OFFSETS], stencil[PAIR_OFFSETS]
        n = x.shape[0]
        self.x, self.h = x, h
        self.a, self.p = axis_offsets.shape[0], pair_offsets.shape[0]
        self.axis_offsets, self.pair_offsets = axis_offsets, pair_offsets
        self.axes = np.arange(n) if axes is None else np.asarray(axes, dtype=np.intp)
        self.rows, self.cols = np.triu_indices(n, 1) if pairs is None else pairs
        self.axis_start = int(include_center)
        self.pair_start = self.axis_start + self.axes.shape[0] * self.a
        self.count = self.pair_start + self.rows.shape[0] * self.p

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        x, h = self.x, self.h
        points = np.tile(x, (hi - lo, 1))
        index = np.arange(lo, hi)
        axis = np.flatnonzero((index >= self.axis_start) & (index < self.pair_start))
        if axis.size:
            c, a = np.divmod(index[axis] - self.axis_start, self.a)
            i = self.axes[c]
            points[axis, i] = x[i] + self.axis_offsets[a] * h[i]
        pairs = np.flatnonzero(index >= self.pair_start)
        if pairs.size:
            pair, q = np.divmod(index[pairs] - self.pair_start, self.p)
            i, j = self.rows[pair], self.cols[pair]
            points[pairs, i] = x[i] + self.pair_offsets[q, 0] * h[i]
            points[pairs, j] = x[j] + self.pair_offsets[q, 1] * h[j]
        return points

    def describe(self, point: int) -> str:
        if point < self.axis_start:
            return "at x"
        if point < self.pair_start:
            c, a = divmod(point - self.axis_start, self.a)
            i = self.axes[c]
            return f"at x + {self.axis_offsets[a]:g} * h[{i}] * e[{i}] (point {point})"
        pair, q = divmod(point - self.pair_start, self.p)
        i, j = self.rows[pair], self.cols[pair]
        return (
            f"at x + {self.pair_offsets[q, 0]:g} * h[{i}] * e[{i}] "
            f"+ {self.pair_offsets[q, 1]:g} * h[{j}] * e[{j}] (point {point})"
        )


def python_first_derivative(
    f, x, h, offsets, weights, include_center: bool, kind: str, evaluator: Evaluator, value=None
) -> PythonDerivative:
    """Gradient (``kind="scalar"``) or Jacobian (``"vector"``) of a Python ``f``.

    ``include_center`` evaluates ``f(x)`` in the batch; a ``value`` already
    known is used instead (and ``include_center`` must then be False).
    """
    offsets, weights = writable(offsets), writable(weights)
    n = x.shape[0]
    points = _FirstDerivativePoints(x, h, offsets, weights, include_center)
    batch = evaluator.evaluate(f, points.count, points, kind)
    center_error = batch.errors.get(0) if include_center else None
    if include_center and center_error is None:
        value = float(batch.values[0]) if kind == SCALAR else batch.values[0].copy()
    if center_error is not None or (value is not None and not np.all(np.isfinite(value))):
        return PythonDerivative(
            value, np.empty(0), np.empty(0, np.int8), {}, center_error, points.count
        )

    stencil_values = batch.values[points.first :]
    status = np.empty(n, dtype=np.int8)
    if kind == SCALAR:
        values = scatter_scalar_values(
            stencil_values, points.coordinate, points.slot, points.width, status
        )
        derivative = np.empty(n)
        combine_gradient(
            values, offsets, weights, np.nan if value is None else value, h, derivative
        )
    else:
        m = batch.values.shape[1] if value is None else np.shape(value)[0]
        if stencil_values.shape[1] != m:  # every point raised: no values at all
            stencil_values = np.full((stencil_values.shape[0], m), np.nan)
        # A vectorized f may return its batch transposed (solve_ivp's
        # columns): row-major here, so the kernel is compiled for one layout.
        stencil_values = np.ascontiguousarray(stencil_values)
        values = scatter_vector_values(
            stencil_values, points.coordinate, points.slot, points.width, status
        )
        derivative = np.empty((m, n))
        f0 = value if value is not None else np.zeros(m)
        combine_jacobian(values, offsets, weights, f0, h, derivative)
    errors = {}
    for point in sorted(batch.errors):
        if point < points.first:
            continue
        i = int(points.coordinate[point - points.first])
        status[i] = RAISED
        errors.setdefault(i, (batch.errors[point], points.describe(point)))
    return PythonDerivative(value, derivative, status, errors, None, points.count)


def python_hessian(
    f, x, h, stencil, evaluator: Evaluator, axes=None, pairs=None, value=None
) -> PythonDerivative:
    """Hessian of a Python ``f`` with the stencil arrays of :func:`fastdiff.stencils.hessian_arrays`.

    By default every entry, ``f(x)`` included in the batch. ``axes`` (the
    coordinates whose axis points to evaluate) and ``pairs`` (``(rows,
    cols)`` of the entries ``i < j`` to compute) restrict it to some entries
    (the Richardson levels): the others are NaN, with status OK. ``value``,
    ``f(x)`` known already, is then not evaluated again.
    """
    n = x.shape[0]
    points = _HessianPoints(x, h, stencil, axes, pairs, include_center=value is None)
    batch = evaluator.evaluate(f, points.count, points, SCALAR)
    if value is None:
        if 0 in batch.errors or not np.isfinite(batch.values[0]):
            value = None if 0 in batch.errors else float(batch.values[0])
            return PythonDerivative(
                value, np.empty(0), np.empty(0, np.int8), {}, batch.errors.get(0), points.count
            )
        value = float(batch.values[0])
    f0 = value
    axis_values = np.full((n, points.a), np.nan)
    axis_values[points.axes] = batch.values[points.axis_start : points.pair_start].reshape(
        -1, points.a
    )
    pair_values = batch.values[points.pair_start :].reshape(-1, points.p)
    all_pairs = pairs is None
    if not all_pairs:
        # combine_hessian numbers every pair i < j row by row.
        full = np.full((n * (n - 1) // 2, points.p), np.nan)
        full[_pair_numbers(n, points.rows, points.cols)] = pair_values
        pair_values = full
    derivative = np.empty((n, n))
    combine_hessian(axis_values, pair_values, f0, stencil, h, derivative)

    failed = ~np.isfinite(batch.values)
    raised = np.zeros(points.count, dtype=bool)
    raised[list(batch.errors)] = True
    code = np.where(raised, RAISED, np.where(failed, NOT_FINITE, OK)).astype(np.int8)
    axis_code = np.zeros((n, points.a), dtype=np.int8)
    axis_code[points.axes] = code[points.axis_start : points.pair_start].reshape(-1, points.a)
    pair_code = code[points.pair_start :].reshape(-1, points.p).max(axis=1, initial=OK)
    status = np.zeros((n, n), dtype=np.int8)
    diagonal_used = stencil[DIAGONAL_AXIS_WEIGHTS] != 0.0
    offdiagonal_used = stencil[OFFDIAGONAL_AXIS_WEIGHTS] != 0.0
    status[np.arange(n), np.arange(n)] = axis_code[:, diagonal_used].max(axis=1, initial=OK)
    axis_off = axis_code[:, offdiagonal_used].max(axis=1, initial=OK)
    upper = np.maximum(pair_code, np.maximum(axis_off[points.rows], axis_off[points.cols]))
    status[points.rows, points.cols] = upper
    status[points.cols, points.rows] = upper
    errors = {}
    for point in sorted(batch.errors):
        errors.setdefault(point, (batch.errors[point], points.describe(point)))
    return PythonDerivative(f0, derivative, status, errors, None, points.count)


def _pair_numbers(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    # Position of pair (i, j), i < j, when the pairs are numbered row by row.
    return rows * n - rows * (rows + 1) // 2 + (cols - rows - 1)


__all__ = ["PythonDerivative", "python_first_derivative", "python_hessian", "VECTOR"]
