"""Jacobian kernels: finite differences of a vector function of ``x``.

Like :mod:`fastdiff.kernels.gradient`, with ``f`` returning a 1-D array of
length ``m``. Shapes: ``x``, ``h`` (n,); ``offsets``, ``weights`` (n, k) or (1, k) for one stencil shared by all coordinates;
``f0`` (m,); ``out`` (m, n); ``status`` (n,) int8, one code per column.
"""

import numpy as np
from numba import njit, prange

from fastdiff.kernels._calling import accumulate_vector
from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.kernels.formulas import first_derivative_column
from fastdiff.status import OK

#: Columns computed together before they are written into the row-major
#: Jacobian: writing a whole block per row fills cache lines at once instead
#: of striding through memory once per column and per stencil point.
BLOCK_COLUMNS = 8


@njit(cache=True, error_model="numpy", inline="always")
def _jacobian_range(f, x_work, h, offsets, weights, f0, lo, hi, out, status, values, block):
    # values (k, m) holds f at the stencil points of one column; block holds
    # BLOCK_COLUMNS finished columns until they are written into ``out``.
    m = out.shape[0]
    for start in range(lo, hi, BLOCK_COLUMNS):
        stop = min(start + BLOCK_COLUMNS, hi)
        for i in range(start, stop):
            row = i if offsets.shape[0] > 1 else 0
            x_i = x_work[i]
            code = OK
            for k in range(offsets.shape[1]):
                o = offsets[row, k]
                if weights[row, k] == 0.0 or o == 0.0:
                    continue
                values[k, :] = 0.0
                x_work[i] = x_i + o * h[i]
                s = accumulate_vector(f, x_work, 1.0, values[k])
                x_work[i] = x_i
                if s != OK and code == OK:
                    code = s
            first_derivative_column(values, offsets[row], weights[row], f0, h[i], block[i - start])
            status[i] = code
        # Write the block row by row: whole cache lines of ``out`` at once.
        for r in range(m):
            for i in range(start, stop):
                out[r, i] = block[i - start, r]


@njit(cache=True, error_model="numpy", nogil=True)
def jacobian_serial(f, x, h, offsets, weights, f0, out, status):
    """Jacobian of ``f`` at ``x``, one thread.

    Parameters
    ----------
    f : jitted function or int
        Function of a 1-D float64 array returning a 1-D array of length m,
        or its wrapper's address.
    x, h : ndarray, shape (n,)
        Point and (signed, representable) steps.
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
    values = np.empty((offsets.shape[1], out.shape[0]))
    block = np.empty((BLOCK_COLUMNS, out.shape[0]))
    _jacobian_range(f, x_work, h, offsets, weights, f0, 0, x.shape[0], out, status, values, block)


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def jacobian_parallel(f, x, h, offsets, weights, f0, out, status, threads):
    """Same as :func:`jacobian_serial`, columns split across threads."""
    n = x.shape[0]
    # Chunks are whole blocks, so no two threads write into one cache line.
    blocks = (n + BLOCK_COLUMNS - 1) // BLOCK_COLUMNS
    chunks = chunk_count(blocks, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(blocks, chunks, c)
        x_work = x.copy()
        values = np.empty((offsets.shape[1], out.shape[0]))
        block = np.empty((BLOCK_COLUMNS, out.shape[0]))
        _jacobian_range(
            f,
            x_work,
            h,
            offsets,
            weights,
            f0,
            lo * BLOCK_COLUMNS,
            min(hi * BLOCK_COLUMNS, n),
            out,
            status,
            values,
            block,
        )
