"""Stencil points of k points in one batch, for functions that are not compiled.

The many-points form of :mod:`fastdiff.kernels.points`: the Python path of
:mod:`fastdiff.batched` hands an evaluator the stencil points of every row
of ``X`` (k, n) as one batch, point-major, and combines the values with the
one-point formulas of :mod:`fastdiff.kernels.formulas`. Each point is
``X[p, i] + o * h[p, i]``, the kernels' own expression, so a Python ``f``
and its compiled twin are differentiated at the same points.

Per point the batch holds, for a gradient or Jacobian, ``first`` copies of
the point itself (0 or 1: ``f(x)``) and then the points of the layout of
:func:`fastdiff.kernels.points.first_derivative_layout` (the method's row,
shared by all coordinates); for a Hessian, the point, its ``n a`` axis
points and its ``P q`` pair points (pairs ``i < j`` row by row), as in
:class:`fastdiff.python_path.PythonDerivative`'s Hessian batch.
"""

import numpy as np
from numba import njit

from fastdiff.kernels.formulas import combine_gradient, combine_hessian, combine_jacobian
from fastdiff.kernels.points import scatter_scalar_values, scatter_vector_values


@njit(cache=True, error_model="numpy", inline="always")
def _copy_point(X, p, out, r):
    for j in range(X.shape[1]):
        out[r, j] = X[p, j]


@njit(cache=True, error_model="numpy")
def fill_first_derivative_points(X, steps, offsets, coordinate, slot, first, lo, hi, out):
    """Rows ``lo`` to ``hi - 1`` of the batch of all points into ``out`` (hi - lo, n).

    Parameters
    ----------
    X, steps : ndarray, shape (k, n)
        Points and their steps.
    offsets : ndarray, shape (1, w)
        The stencil row shared by all coordinates.
    coordinate, slot : ndarray of intp, shape (c,)
        The layout of one point (:func:`~fastdiff.kernels.points.first_derivative_layout`).
    first : int
        Rows per point before its layout: 1 when ``f(x)`` is evaluated, else 0.
    lo, hi : int
        Rows of the batch, ``(first + c) k`` in all.
    out : ndarray, shape (hi - lo, n)
    """
    per_point = first + coordinate.shape[0]
    for r in range(hi - lo):
        g = lo + r
        p = g // per_point
        q = g - p * per_point - first
        _copy_point(X, p, out, r)
        if q >= 0:
            c = coordinate[q]
            out[r, c] = X[p, c] + offsets[0, slot[q]] * steps[p, c]


@njit(cache=True, error_model="numpy")
def combine_gradients(point_values, first, coordinate, slot, offsets, weights, steps, out, status):
    """Gradients ``out`` (k, n) from the batch's values ``point_values`` (k, first + c).

    ``status`` (k, n) receives ``NOT_FINITE`` where a value is not finite
    (:func:`~fastdiff.kernels.points.scatter_scalar_values`), else OK.
    """
    width = offsets.shape[1]
    for p in range(out.shape[0]):
        f0 = point_values[p, 0] if first else np.nan
        values = scatter_scalar_values(point_values[p, first:], coordinate, slot, width, status[p])
        combine_gradient(values, offsets, weights, f0, steps[p], out[p])


@njit(cache=True, error_model="numpy")
def combine_jacobians(point_values, coordinate, slot, offsets, weights, steps, out, status):
    """Jacobians ``out`` (k, m, n) from ``point_values`` (k, 1 + c, m), ``f(x)`` first.

    ``status`` (k, n) as for :func:`combine_gradients`, per column.
    """
    width = offsets.shape[1]
    for p in range(out.shape[0]):
        values = scatter_vector_values(point_values[p, 1:], coordinate, slot, width, status[p])
        combine_jacobian(values, offsets, weights, point_values[p, 0], steps[p], out[p])


@njit(cache=True, error_model="numpy")
def fill_hessian_points(X, steps, axis_offsets, pair_offsets, rows, cols, lo, hi, out):
    """Rows ``lo`` to ``hi - 1`` of the Hessian batch of all points into ``out`` (hi - lo, n).

    Per point: the point, then ``x + axis_offsets[a] h_i e_i`` (coordinate
    major), then ``x + pair_offsets[q, 0] h_i e_i + pair_offsets[q, 1] h_j
    e_j`` for the pairs ``(rows[t], cols[t])`` (pair major).
    """
    n = X.shape[1]
    a = axis_offsets.shape[0]
    q = pair_offsets.shape[0]
    per_point = 1 + n * a + rows.shape[0] * q
    for r in range(hi - lo):
        g = lo + r
        p = g // per_point
        local = g - p * per_point
        _copy_point(X, p, out, r)
        if local == 0:
            continue
        local -= 1
        if local < n * a:
            i = local // a
            out[r, i] = X[p, i] + axis_offsets[local - i * a] * steps[p, i]
            continue
        local -= n * a
        t = local // q
        s = local - t * q
        i, j = rows[t], cols[t]
        out[r, i] = X[p, i] + pair_offsets[s, 0] * steps[p, i]
        out[r, j] = X[p, j] + pair_offsets[s, 1] * steps[p, j]


@njit(cache=True, error_model="numpy")
def combine_hessians(values, axis_values, pair_values, stencil, steps, out):
    """Hessians ``out`` (k, n, n) from ``f`` at the points (k,), axis values (k, n, a) and pair values (k, P, q)."""
    for p in range(out.shape[0]):
        combine_hessian(axis_values[p], pair_values[p], values[p], stencil, steps[p], out[p])
