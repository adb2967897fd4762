"""Sparse Hessian kernels: only the entries of a symmetric pattern.

Two ways, both returning the entries in the CSR order of the pattern (which
always holds the diagonal):

From ``f`` alone (second differences)
    The stencil of :class:`fastdiff.stencils.HessianStencil` applied to the
    pairs ``i < j`` of the pattern only: ``f`` along each axis (shared by the
    diagonal and every pair), ``f`` at the pair points of each pattern pair,
    then the combination. Every evaluation yields one number and there are
    ``n`` gradient entries, ``n`` diagonal and ``E`` pair entries to
    separate, so no grouping can beat ``1 + 2 n + E`` evaluations; the
    one-sided stencils need exactly that (central: ``1 + 2 n + 2 E``).

From a gradient (compressed differences)
    With ``g`` the gradient, a difference of ``g`` along the steps of one
    colour group ``c`` of a star colouring (see
    :mod:`fastdiff.kernels.coloring`) holds, in row ``i``,
    ``sum_{j in c} H_ij h_j``. The evaluation is that of the compressed
    Jacobian (:mod:`fastdiff.kernels.sparse_jacobian`); :func:`recover_hessian`
    reads each entry from the row where it is alone in its colour, and
    averages the two estimates when both ``(i, j)`` and ``(j, i)`` are.

Shapes: ``x``, ``h`` (n,); ``pair_rows``, ``pair_columns`` (E,) int64,
the entries ``i < j`` of the pattern; ``pair_positions`` (E, 2), their CSR
positions ``(i, j)`` and ``(j, i)``; ``diagonal_positions`` (n,);
``axis_values`` (n, a); ``pair_values`` (E, p); ``data`` (nnz,).
"""

import numpy as np
from numba import njit, prange

from fastdiff.kernels._calling import call_scalar
from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.kernels.formulas import hessian_diagonal_entry, hessian_offdiagonal_entry
from fastdiff.kernels.hessian import axis_range
from fastdiff.kernels.sparse_jacobian import steps_at
from fastdiff.status import OK


@njit(cache=True, error_model="numpy")
def pair_points_range(
    f, x_work, args, h, pair_offsets, pair_rows, pair_columns, lo, hi, pair_values, pair_status
):
    """Values of ``f`` at the pair points of the pairs ``lo`` to ``hi - 1`` of a list.

    ``x_work`` is the caller's private copy of ``x`` (entries ``i`` and ``j``
    moved and restored for each pair); ``pair_values`` and ``pair_status``
    have shape (E, p). Shared by the pattern Hessian and the Richardson
    Hessian kernels.
    """
    for e in range(lo, hi):
        i = pair_rows[e]
        j = pair_columns[e]
        x_i = x_work[i]
        x_j = x_work[j]
        for q in range(pair_offsets.shape[0]):
            x_work[i] = x_i + pair_offsets[q, 0] * h[i]
            x_work[j] = x_j + pair_offsets[q, 1] * h[j]
            value, code = call_scalar(f, x_work, args)
            pair_values[e, q] = value
            pair_status[e, q] = code
        x_work[i] = x_i
        x_work[j] = x_j


@njit(cache=True, error_model="numpy", nogil=True)
def pattern_points_serial(
    f, x, args, h, axis_offsets, pair_offsets, pair_rows, pair_columns, values, status
):
    """Values of ``f`` at the axis points and at the pair points of the pattern, one thread.

    Parameters
    ----------
    f : jitted function or int
        Scalar function ``f(x, *args)`` of a 1-D float64 array, or the
        address of the code Numba compiled for it.
    x : ndarray, shape (n,)
        Point.
    args : tuple
        Extra arguments of ``f`` (``()`` for ``f(x)``).
    h : ndarray, shape (n,)
        (Signed, representable) steps.
    axis_offsets : ndarray, shape (a,)
    pair_offsets : ndarray, shape (p, 2)
        From :func:`fastdiff.stencils.hessian_arrays`.
    pair_rows, pair_columns : ndarray of int64, shape (E,)
        Entries ``i < j`` of the pattern.
    values : tuple of ndarray
        ``(axis_values (n, a), pair_values (E, p))``, filled with
        ``f(x + axis_offsets[k] h_i e_i)`` and
        ``f(x + pair_offsets[q, 0] h_i e_i + pair_offsets[q, 1] h_j e_j)``.
    status : tuple of ndarray of int8
        Same shapes as ``values``; the status of each evaluation.

    Notes
    -----
    ``a n + p E`` evaluations.
    """
    axis_values, pair_values = values
    axis_status, pair_status = status
    x_work = x.copy()
    axis_range(f, x_work, args, h, axis_offsets, np.intp(0), x.shape[0], axis_values, axis_status)
    pair_points_range(
        f,
        x_work,
        args,
        h,
        pair_offsets,
        pair_rows,
        pair_columns,
        np.intp(0),
        pair_rows.shape[0],
        pair_values,
        pair_status,
    )


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def pattern_points_parallel(
    f, x, args, h, axis_offsets, pair_offsets, pair_rows, pair_columns, values, status, threads
):
    """Same as :func:`pattern_points_serial`; axes and pairs split across threads."""
    axis_values, pair_values = values
    axis_status, pair_status = status
    n = x.shape[0]
    chunks = chunk_count(n, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(n, chunks, c)
        x_work = x.copy()
        axis_range(f, x_work, args, h, axis_offsets, lo, hi, axis_values, axis_status)
    pairs = pair_rows.shape[0]
    chunks = chunk_count(pairs, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(pairs, chunks, c)
        x_work = x.copy()
        pair_points_range(
            f,
            x_work,
            args,
            h,
            pair_offsets,
            pair_rows,
            pair_columns,
            lo,
            hi,
            pair_values,
            pair_status,
        )


@njit(cache=True, error_model="numpy", nogil=True)
def combine_pattern_hessian(
    h,
    stencil,
    f0,
    axis_values,
    pair_values,
    pair_rows,
    pair_columns,
    pair_positions,
    diagonal_positions,
    data,
):
    """Hessian entries from the values of ``f`` (formulas of :mod:`fastdiff.kernels.formulas`).

    ``stencil`` is :func:`fastdiff.stencils.hessian_arrays`; ``f0`` is
    ``f(x)``. Also used by the Python-callable path, which evaluates the
    same points itself.
    """
    for i in range(h.shape[0]):
        data[diagonal_positions[i]] = hessian_diagonal_entry(axis_values[i], f0, stencil, h[i])
    for e in range(pair_rows.shape[0]):
        i = pair_rows[e]
        j = pair_columns[e]
        entry = hessian_offdiagonal_entry(
            pair_values[e], axis_values[i], axis_values[j], f0, stencil, h[i], h[j]
        )
        data[pair_positions[e, 0]] = entry
        data[pair_positions[e, 1]] = entry


@njit(cache=True, error_model="numpy", nogil=True)
def scalar_setup(f, x, args, step, exponent, eps, h):
    """Steps and ``f(x)``: returns ``(bad_coordinate, f0, f0_status)``.

    ``bad_coordinate`` is the first non-finite entry of ``x`` (then nothing
    is evaluated), or -1.
    """
    bad = steps_at(x, step, exponent, eps, h)
    if bad >= 0:
        return bad, np.nan, OK
    f0, f0_status = call_scalar(f, x, args)
    return bad, f0, f0_status


@njit(cache=True, error_model="numpy", nogil=True)
def alone_in_color(row_pointers, row_columns, colors, n_colors):
    """Whether each pattern entry is the only one of its column's colour in its row.

    Returns
    -------
    ndarray of bool, shape (nnz,)
        ``True`` at the CSR position of ``(i, j)`` when no other column of
        row ``i`` has the colour of ``j``: then the compressed difference of
        that colour gives ``H_ij`` directly in row ``i``.
    """
    counts = np.zeros(max(n_colors, 1), dtype=np.int64)
    alone = np.zeros(row_columns.shape[0], dtype=np.bool_)
    for r in range(row_pointers.shape[0] - 1):
        start = row_pointers[r]
        stop = row_pointers[r + 1]
        for p in range(start, stop):
            counts[colors[row_columns[p]]] += 1
        for p in range(start, stop):
            alone[p] = counts[colors[row_columns[p]]] == 1
        for p in range(start, stop):
            counts[colors[row_columns[p]]] = 0
    return alone


@njit(cache=True, error_model="numpy", nogil=True)
def recover_hessian(h, colors, differences, row_pointers, row_columns, transpose, alone, data):
    """Hessian entries from gradient differences along the colour groups.

    Parameters
    ----------
    h : ndarray, shape (n,)
        Steps.
    colors : ndarray of int64, shape (n,)
        A colouring under which, for every entry, ``(i, j)`` is alone in its
        colour in row ``i`` or ``(j, i)`` is in row ``j`` (see
        :func:`alone_in_color`); a star colouring is one.
    differences : ndarray, shape (n_colors, n)
        Stencil sums of the gradient per colour, from
        :func:`fastdiff.kernels.sparse_jacobian.combine_colors`.
    row_pointers, row_columns : ndarray of int64
        The symmetric pattern (CSR).
    transpose : ndarray of int64, shape (nnz,)
        CSR position of ``(j, i)`` for the entry at the position of ``(i, j)``.
    alone : ndarray of bool, shape (nnz,)
        :func:`alone_in_color` of the pattern and ``colors``.
    data : ndarray, shape (nnz,)
        Receives the entries, exactly symmetric: the two estimates
        ``differences[colors[j], i] / h[j]`` and
        ``differences[colors[i], j] / h[i]`` are averaged where both exist.
    """
    for i in range(row_pointers.shape[0] - 1):
        for p in range(row_pointers[i], row_pointers[i + 1]):
            j = row_columns[p]
            total = 0.0
            count = 0
            if alone[p]:
                total += differences[colors[j], i] / h[j]
                count += 1
            if alone[transpose[p]]:
                total += differences[colors[i], j] / h[i]
                count += 1
            data[p] = total / count
