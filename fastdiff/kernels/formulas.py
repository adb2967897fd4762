"""The arithmetic of each stencil, given the values of ``f`` at its points.

Written once and used twice: by the compiled kernels as they evaluate ``f``,
and by the Python evaluation path after a whole batch of points has been
evaluated (see :mod:`fastdiff.python_path`). Offsets and weights come from
:mod:`fastdiff.stencils`.
"""

import numpy as np
from numba import njit

from fastdiff.stencil_positions import (
    CENTER_WEIGHTS,
    DIAGONAL_AXIS_WEIGHTS,
    OFFDIAGONAL_AXIS_WEIGHTS,
    PAIR_WEIGHTS,
)


@njit(cache=True, error_model="numpy", inline="always")
def first_derivative_entry(values, offsets, weights, row, f0, h_i):
    """``sum_k w_k f(x + o_k h_i e_i) / h_i`` for one coordinate.

    Parameters
    ----------
    values : ndarray, shape (k,)
        ``f`` at the stencil points; entries where the offset is 0 or the
        weight is 0 are not read (``f0`` stands for the centre).
    offsets, weights : ndarray, shape (n, k) or (1, k)
        Stencil table; the coordinate's stencil is row ``row`` (indexed in
        place: a row view per coordinate costs more than the arithmetic in
        a kernel's inner loop).
    row : int
        Row of the coordinate's stencil.
    f0 : float
        ``f(x)``.
    h_i : float
        The coordinate's step; a row of zero weights gives 0.
    """
    total = 0.0
    used = False
    for k in range(weights.shape[1]):
        w = weights[row, k]
        if w == 0.0:
            continue
        used = True
        total += w * (f0 if offsets[row, k] == 0.0 else values[k])
    return total / h_i if used else 0.0


@njit(cache=True, error_model="numpy", inline="always")
def two_point_slots(offsets_row, weights_row):
    """The two slots of a stencil of exactly two points away from ``x`` (central differences), or ``(-1, -1)``.

    Such a stencil is combined by :func:`first_derivative_pair` (and, for a
    Jacobian column, :func:`fastdiff.kernels._calling.combine_pair`).
    """
    first = -1
    second = -1
    for k in range(weights_row.shape[0]):
        if weights_row[k] == 0.0:
            continue
        if offsets_row[k] == 0.0 or second >= 0:
            return -1, -1
        if first < 0:
            first = k
        else:
            second = k
    return (first, second) if second >= 0 else (-1, -1)


@njit(cache=True, error_model="numpy", inline="always")
def first_derivative_pair(value_a, value_b, weight_a, weight_b, h_i):
    """:func:`first_derivative_entry` of a two-point stencil (:func:`two_point_slots`).

    The same sum, from zero and in stencil order, so the same bits; the
    kernels call it with the two weights held in registers instead of a
    stencil table read per coordinate (at n = 2 the table costs as much as
    the evaluations).
    """
    total = 0.0
    total += weight_a * value_a
    total += weight_b * value_b
    return total / h_i


@njit(cache=True, error_model="numpy", inline="always")
def add_weighted_values(column, weight, values):
    """``column += weight * values``: the term of one stencil point in a Jacobian column.

    The compiled kernels add the terms of ``f`` as it is evaluated, through
    the same arithmetic in :func:`fastdiff.kernels._calling.accumulate_vector`.
    """
    for r in range(column.shape[0]):
        column[r] += weight * values[r]


@njit(cache=True, error_model="numpy", inline="always")
def first_derivative_scale(weights_row, h_i):
    """Factor of a summed Jacobian column: ``1 / h_i``, or 0 for a row of zero weights."""
    for k in range(weights_row.shape[0]):
        if weights_row[k] != 0.0:
            return 1.0 / h_i
    return 0.0


@njit(cache=True, error_model="numpy", inline="always")
def first_derivative_column(values, offsets_row, weights_row, f0, h_i, out_column):
    """Vector form of :func:`first_derivative_entry`: ``values`` (k, m), ``f0`` (m,).

    ``out_column = (sum_k w_k f_k) * first_derivative_scale``, terms added in
    stencil order from zero: the kernels, which stream the terms into the
    column as ``f`` is evaluated, get the same bits.
    """
    out_column[:] = 0.0
    for k in range(weights_row.shape[0]):
        w = weights_row[k]
        if w == 0.0:
            continue
        if offsets_row[k] == 0.0:
            add_weighted_values(out_column, w, f0)
        else:
            add_weighted_values(out_column, w, values[k])
    scale = first_derivative_scale(weights_row, h_i)
    for r in range(out_column.shape[0]):
        out_column[r] *= scale


@njit(cache=True, error_model="numpy", inline="always")
def hessian_offdiagonal_entry(pair_values, axis_i, axis_j, f0, stencil, h_i, h_j):
    """``H_ij`` from the pair values ``(p,)`` and the axis values ``(a,)`` of i and j."""
    offdiagonal_weights = stencil[OFFDIAGONAL_AXIS_WEIGHTS]
    pair_weights = stencil[PAIR_WEIGHTS]
    center_weights = stencil[CENTER_WEIGHTS]
    total = center_weights[1] * f0
    for a in range(offdiagonal_weights.shape[0]):
        w = offdiagonal_weights[a]
        if w != 0.0:
            total += w * (axis_i[a] + axis_j[a])
    for q in range(pair_weights.shape[0]):
        total += pair_weights[q] * pair_values[q]
    return total / (h_i * h_j)


@njit(cache=True, error_model="numpy", inline="always")
def hessian_diagonal_entry(axis_i, f0, stencil, h_i):
    """``H_ii`` from the axis values ``(a,)`` of coordinate i."""
    diagonal_weights = stencil[DIAGONAL_AXIS_WEIGHTS]
    center_weights = stencil[CENTER_WEIGHTS]
    total = center_weights[0] * f0
    for a in range(diagonal_weights.shape[0]):
        w = diagonal_weights[a]
        if w != 0.0:
            total += w * axis_i[a]
    return total / (h_i * h_i)


@njit(cache=True, error_model="numpy")
def combine_gradient(values, offsets, weights, f0, h, out):
    """Gradient from a batch of values ``(n, k)``; stencil rows (n, k) or (1, k)."""
    for i in range(out.shape[0]):
        row = i if offsets.shape[0] > 1 else 0
        out[i] = first_derivative_entry(values[i], offsets, weights, row, f0, h[i])


@njit(cache=True, error_model="numpy")
def combine_jacobian(values, offsets, weights, f0, h, out):
    """Jacobian ``(m, n)`` from a batch of values ``(n, k, m)``."""
    column = np.empty(out.shape[0])
    for i in range(out.shape[1]):
        row = i if offsets.shape[0] > 1 else 0
        first_derivative_column(values[i], offsets[row], weights[row], f0, h[i], column)
        out[:, i] = column


@njit(cache=True, error_model="numpy")
def combine_hessian(axis_values, pair_values, f0, stencil, h, out):
    """Hessian from axis values ``(n, a)`` and pair values ``(n (n - 1) / 2, p)``.

    Pairs ``i < j`` are numbered row by row, as in the kernels.
    """
    n = h.shape[0]
    pair = 0
    for i in range(n):
        out[i, i] = hessian_diagonal_entry(axis_values[i], f0, stencil, h[i])
        for j in range(i + 1, n):
            entry = hessian_offdiagonal_entry(
                pair_values[pair], axis_values[i], axis_values[j], f0, stencil, h[i], h[j]
            )
            out[i, j] = entry
            out[j, i] = entry
            pair += 1
