"""The arithmetic of each stencil, given the values of ``f`` at its points.

Written once and used twice: by the compiled kernels as they evaluate ``f``,
and by the Python evaluation path after a whole batch of points has been
evaluated (see :mod:`fastdiff.python_path`). Offsets and weights come from
:mod:`fastdiff.stencils`.
"""

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy", inline="always")
def first_derivative_entry(values, offsets_row, weights_row, f0, h_i):
    """``sum_k w_k f(x + o_k h_i e_i) / h_i`` for one coordinate.

    Parameters
    ----------
    values : ndarray, shape (k,)
        ``f`` at the stencil points; entries where the offset is 0 or the
        weight is 0 are not read (``f0`` stands for the centre).
    offsets_row, weights_row : ndarray, shape (k,)
        The coordinate's stencil.
    f0 : float
        ``f(x)``.
    h_i : float
        The coordinate's step; a row of zero weights gives 0.
    """
    total = 0.0
    used = False
    for k in range(weights_row.shape[0]):
        w = weights_row[k]
        if w == 0.0:
            continue
        used = True
        total += w * (f0 if offsets_row[k] == 0.0 else values[k])
    return total / h_i if used else 0.0


@njit(cache=True, error_model="numpy", inline="always")
def first_derivative_column(values, offsets_row, weights_row, f0, h_i, out_column):
    """Vector form of :func:`first_derivative_entry`: ``values`` (k, m), ``f0`` (m,)."""
    m = out_column.shape[0]
    for r in range(m):
        out_column[r] = 0.0
    used = False
    for k in range(weights_row.shape[0]):
        w = weights_row[k]
        if w == 0.0:
            continue
        used = True
        if offsets_row[k] == 0.0:
            for r in range(m):
                out_column[r] += w * f0[r]
        else:
            for r in range(m):
                out_column[r] += w * values[k, r]
    scale = 1.0 / h_i if used else 0.0
    for r in range(m):
        out_column[r] *= scale


@njit(cache=True, error_model="numpy", inline="always")
def hessian_offdiagonal_entry(pair_values, axis_i, axis_j, f0, stencil, h_i, h_j):
    """``H_ij`` from the pair values ``(p,)`` and the axis values ``(a,)`` of i and j."""
    offdiagonal_weights = stencil[2]
    pair_weights = stencil[4]
    center_weights = stencil[5]
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
    diagonal_weights = stencil[1]
    center_weights = stencil[5]
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
        out[i] = first_derivative_entry(values[i], offsets[row], weights[row], f0, h[i])


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
