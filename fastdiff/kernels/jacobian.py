"""Jacobian kernels: finite differences of a vector function of ``x``.

Like :mod:`fastdiff.kernels.gradient`, with ``f`` returning a 1-D array of
length ``m``. Shapes: ``x``, ``h`` (n,); ``offsets``, ``weights`` (n, k) or (1, k) for one stencil shared by all coordinates;
``f0`` (m,); ``out`` (m, n); ``status`` (n,) int8, one code per column.

Each column is summed as ``f`` is evaluated (``combine_vector`` adds
``w_k f(x + o_k h_i e_i)`` into a contiguous row of a small block), and
:data:`BLOCK_COLUMNS` finished columns are scaled and written into the
row-major ``out`` together; an ``out`` with contiguous columns (F order) is
summed into directly. The arithmetic is that of
:func:`fastdiff.kernels.formulas.first_derivative_column`, so the result is
bit for bit the one of the Python path.

For an ``f`` of cost O(n), writing the columns of a row-major ``out``
(scattered over all its rows) costs about as much as the evaluations
themselves at n = m = 1000; an F-ordered ``out`` avoids most of that.
"""

import numpy as np
from numba import njit, prange

from fastdiff.kernels._calling import call_vector, combine_pair, combine_vector
from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.kernels.formulas import (
    add_weighted_values,
    first_derivative_scale,
    two_point_slots,
)
from fastdiff.status import OK

#: Columns summed before they are written into the row-major Jacobian: each
#: row of ``out`` then receives a run of entries instead of one entry per
#: column (at m = 1000 the block takes 256 kB, within the L2 cache).
BLOCK_COLUMNS = 32


@njit(cache=True, error_model="numpy", inline="always")
def jacobian_column_sum(f, x_work, args, i, h_i, offsets_row, weights_row, f0, column):
    """Column ``i``: ``column = sum_k w_k f(x + o_k h_i e_i)``, in stencil order.

    A two-point stencil (central differences) keeps both values of ``f`` and
    writes the column once. Otherwise the first term is stored (the column
    is not zeroed first) and, when the last term is an evaluation of ``f``,
    the scale is applied with it: one pass per evaluation and no other.

    Parameters
    ----------
    f, args
        As in :func:`jacobian_serial`.
    x_work : ndarray, shape (n,)
        The caller's private copy of ``x``; entry ``i`` is moved and restored
        to its exact value.
    i : int
        Coordinate.
    h_i : float
        Its step.
    offsets_row, weights_row : ndarray, shape (k,)
        Its stencil; the centre (offset 0) takes ``f0``.
    f0 : ndarray, shape (m,)
        ``f(x)``.
    column : ndarray, shape (m,)
        Receives the weighted sum.

    Returns
    -------
    scale : float
        What is left to apply: the column of the Jacobian is
        ``scale * column``. 1.0 when the scale
        (:func:`~fastdiff.kernels.formulas.first_derivative_scale`) went
        in with the last term.
    status : int
        First failure among the evaluations, or ``OK``.
    """
    x_i = x_work[i]
    code = OK
    scale = first_derivative_scale(weights_row, h_i)
    last = -1
    for k in range(weights_row.shape[0]):
        if weights_row[k] != 0.0:
            last = k
    if last < 0:
        column[:] = 0.0
        return 0.0, code
    pair = two_point_slots(offsets_row, weights_row)
    if pair[0] >= 0:
        return _pair_column(f, x_work, args, i, h_i, offsets_row, weights_row, pair, scale, column)
    fused = offsets_row[last] != 0.0
    first = True
    for k in range(last + 1):
        w = weights_row[k]
        if w == 0.0:
            continue
        o = offsets_row[k]
        if o == 0.0:
            if first:
                for r in range(column.shape[0]):
                    column[r] = w * f0[r]
            else:
                add_weighted_values(column, w, f0)
        else:
            x_work[i] = x_i + o * h_i
            s = combine_vector(f, x_work, args, w, scale if k == last else 1.0, first, column)
            x_work[i] = x_i
            if s != OK and code == OK:
                code = s
        first = False
    return (1.0 if fused else scale), code


@njit(cache=True, error_model="numpy", inline="always")
def jacobian_column(f, x_work, args, i, h_i, offsets_row, weights_row, f0, column):
    """Column ``i`` of the Jacobian, summed and scaled in place into ``column``.

    :func:`jacobian_column_sum` followed by the scale it leaves; for a
    contiguous ``column`` (an F-ordered Jacobian, or one point's Jacobian
    of :mod:`fastdiff.kernels.batched`). Returns the column's status.
    """
    scale, code = jacobian_column_sum(f, x_work, args, i, h_i, offsets_row, weights_row, f0, column)
    if scale != 1.0:
        for r in range(column.shape[0]):
            column[r] *= scale
    return code


@njit(cache=True, error_model="numpy", inline="always")
def _pair_column(f, x_work, args, i, h_i, offsets_row, weights_row, pair, scale, column):
    # Both values are kept and the column is written once: the same
    # arithmetic as one term after the other, one pass instead of two.
    first, second = pair
    x_i = x_work[i]
    x_work[i] = x_i + offsets_row[first] * h_i
    a, code = call_vector(f, x_work, args)
    if code != OK:
        x_work[i] = x_i
        return scale, code
    x_work[i] = x_i + offsets_row[second] * h_i
    b, code = call_vector(f, x_work, args)
    x_work[i] = x_i
    if code != OK:
        return scale, code
    code = combine_pair(a, b, weights_row[first], weights_row[second], scale, column)
    return 1.0, code


@njit(cache=True, error_model="numpy", inline="always")
def write_columns(block, scales, start, stop, out):
    """``out[:, start:stop] = (scales[:, None] * block[: stop - start]).T``.

    ``block`` (b, m) holds one unscaled column per row. Four rows of ``out``
    at a time: each receives a contiguous run, and each row of ``block`` is
    read four entries at a time.
    """
    m = out.shape[0]
    whole = m - m % 4
    for r in range(0, whole, 4):
        for c in range(stop - start):
            s = scales[c]
            out[r, start + c] = block[c, r] * s
            out[r + 1, start + c] = block[c, r + 1] * s
            out[r + 2, start + c] = block[c, r + 2] * s
            out[r + 3, start + c] = block[c, r + 3] * s
    for r in range(whole, m):
        for c in range(stop - start):
            out[r, start + c] = block[c, r] * scales[c]


@njit(cache=True, error_model="numpy")
def jacobian_range(f, x_work, args, h, offsets, weights, f0, lo, hi, out, status, block, scales):
    """Columns ``lo`` to ``hi - 1`` of the Jacobian; the loop of every Jacobian kernel.

    ``x_work`` (a copy of ``x``), ``block`` (>= min(BLOCK_COLUMNS, n), m) and
    ``scales`` (>= min(BLOCK_COLUMNS, n),) are the caller's scratch, private
    to its thread; ``status`` may be any array that stores small integers.
    An ``out`` whose columns are contiguous (F-ordered, such as
    ``np.empty((n, m)).T``) is summed into in place, without the block.
    """
    if out.strides[0] == out.itemsize:
        for i in range(lo, hi):
            row = i if offsets.shape[0] > 1 else 0
            status[i] = jacobian_column(
                f, x_work, args, i, h[i], offsets[row], weights[row], f0, out[:, i]
            )
        return
    for start in range(lo, hi, BLOCK_COLUMNS):
        stop = min(start + BLOCK_COLUMNS, hi)
        for i in range(start, stop):
            row = i if offsets.shape[0] > 1 else 0
            scales[i - start], status[i] = jacobian_column_sum(
                f, x_work, args, i, h[i], offsets[row], weights[row], f0, block[i - start]
            )
        write_columns(block, scales, start, stop, out)


@njit(cache=True, error_model="numpy", nogil=True)
def jacobian_serial(f, x, args, h, offsets, weights, f0, out, status):
    """Jacobian of ``f`` at ``x``, one thread.

    Parameters
    ----------
    f : jitted function or int
        Function ``f(x, *args)`` of a 1-D float64 array returning a 1-D
        array of length m, or the address of the code Numba compiled for it.
    x : ndarray, shape (n,)
        Point.
    args : tuple
        Extra arguments of ``f`` (``()`` for ``f(x)``).
    h : ndarray, shape (n,)
        (Signed, representable) steps.
    offsets, weights : ndarray, shape (n, k) or (1, k)
        Stencil of each column (or one row for all); a row of zero weights gives a zero column.
    f0 : ndarray, shape (m,)
        ``f(x)``, used where an offset is 0.
    out : ndarray, shape (m, n)
        Receives the Jacobian.
    status : ndarray of int8, shape (n,)
        Receives the status of each column.
    """
    x_work = x.copy()
    block = np.empty((BLOCK_COLUMNS, out.shape[0]))
    scales = np.empty(BLOCK_COLUMNS)
    jacobian_range(
        f, x_work, args, h, offsets, weights, f0, np.intp(0), x.shape[0], out, status, block, scales
    )


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def jacobian_parallel(f, x, args, h, offsets, weights, f0, out, status, threads):
    """Same as :func:`jacobian_serial`, columns split across threads."""
    n = x.shape[0]
    chunks = chunk_count(n, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(n, chunks, c)
        x_work = x.copy()
        block = np.empty((BLOCK_COLUMNS, out.shape[0]))
        scales = np.empty(BLOCK_COLUMNS)
        jacobian_range(f, x_work, args, h, offsets, weights, f0, lo, hi, out, status, block, scales)
