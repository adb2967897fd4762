"""Hessian kernels: second differences of a scalar function of ``x``.

The stencil (see :class:`fastdiff.stencils.HessianStencil`) is evaluated in
three phases: ``f`` along each axis (shared by the whole row and column),
``f`` at the pair points of every ``i < j``, then the diagonal from the axis
values alone. ``f(x)`` is computed once by the caller and passed in.

Shapes: ``x``, ``h`` (n,); ``axis_offsets``, ``diagonal_weights``,
``offdiagonal_weights`` (a,); ``pair_offsets`` (p, 2); ``pair_weights`` (p,);
``center_weights`` (2,) = (diagonal, off-diagonal) weight of ``f(x)``;
``out`` (n, n); ``status`` (n, n) int8.
"""

import numpy as np
from numba import njit, prange

from fastdiff.kernels._calling import call_scalar
from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.status import OK


@njit(cache=True, inline="always")
def _axis_range(f, x_work, h, axis_offsets, lo, hi, axis_values, axis_status, buffer):
    for i in range(lo, hi):
        x_i = x_work[i]
        for a in range(axis_offsets.shape[0]):
            x_work[i] = x_i + axis_offsets[a] * h[i]
            value, code = call_scalar(f, x_work, buffer)
            axis_values[a, i] = value
            axis_status[a, i] = code
        x_work[i] = x_i


@njit(cache=True, inline="always")
def _first_pair(n, p):
    # Pairs i < j are numbered row by row; row i holds n - 1 - i of them.
    i = 0
    start = 0
    while start + (n - 1 - i) <= p:
        start += n - 1 - i
        i += 1
    return i, i + 1 + (p - start)


@njit(cache=True, inline="always")
def _pair_range(f, x_work, h, stencil, axis_values, axis_status, f0, lo, hi, out, status, buffer):
    (_, _, offdiagonal_weights, pair_offsets, pair_weights, center_weights) = stencil
    n = x_work.shape[0]
    if lo >= hi:
        return
    i, j = _first_pair(n, lo)
    for _ in range(lo, hi):
        x_i = x_work[i]
        x_j = x_work[j]
        total = center_weights[1] * f0
        code = OK
        for a in range(offdiagonal_weights.shape[0]):
            w = offdiagonal_weights[a]
            if w != 0.0:
                total += w * (axis_values[a, i] + axis_values[a, j])
                if code == OK:
                    code = axis_status[a, i] if axis_status[a, i] != OK else axis_status[a, j]
        for q in range(pair_weights.shape[0]):
            x_work[i] = x_i + pair_offsets[q, 0] * h[i]
            x_work[j] = x_j + pair_offsets[q, 1] * h[j]
            value, s = call_scalar(f, x_work, buffer)
            total += pair_weights[q] * value
            if s != OK and code == OK:
                code = s
        x_work[i] = x_i
        x_work[j] = x_j
        entry = total / (h[i] * h[j])
        out[i, j] = entry
        out[j, i] = entry
        status[i, j] = code
        status[j, i] = code
        j += 1
        if j == n:
            i += 1
            j = i + 1


@njit(cache=True, inline="always")
def _diagonal(h, stencil, axis_values, axis_status, f0, out, status):
    diagonal_weights = stencil[1]
    center_weights = stencil[5]
    for i in range(h.shape[0]):
        total = center_weights[0] * f0
        code = OK
        for a in range(diagonal_weights.shape[0]):
            w = diagonal_weights[a]
            if w != 0.0:
                total += w * axis_values[a, i]
                if code == OK:
                    code = axis_status[a, i]
        out[i, i] = total / (h[i] * h[i])
        status[i, i] = code


@njit(cache=True, nogil=True)
def hessian_serial(f, x, h, stencil, f0, out, status):
    """Hessian of ``f`` at ``x``, one thread.

    Parameters
    ----------
    f : jitted function or int
        Scalar function of a 1-D float64 array, or its wrapper's address.
    x, h : ndarray, shape (n,)
        Point and (signed, representable) steps.
    stencil : tuple of ndarray
        ``fastdiff.stencils.hessian_arrays(method)``.
    f0 : float
        ``f(x)``.
    out : ndarray, shape (n, n)
        Receives the symmetric Hessian.
    status : ndarray of int8, shape (n, n)
        Receives the status of each entry.

    Notes
    -----
    ``1 + a n + p n (n - 1) / 2`` evaluations of ``f`` besides ``f0``: for
    the central stencil ``n**2 + n``, for one-sided stencils
    ``n (n + 3) / 2``.
    """
    axis_offsets = stencil[0]
    n = x.shape[0]
    x_work = x.copy()
    buffer = np.empty(1)
    axis_values = np.empty((axis_offsets.shape[0], n))
    axis_status = np.empty((axis_offsets.shape[0], n), dtype=np.int8)
    _axis_range(f, x_work, h, axis_offsets, 0, n, axis_values, axis_status, buffer)
    pairs = n * (n - 1) // 2
    _pair_range(
        f,
        x_work,
        h,
        stencil,
        axis_values,
        axis_status,
        f0,
        0,
        pairs,
        out,
        status,
        buffer,
    )
    _diagonal(h, stencil, axis_values, axis_status, f0, out, status)


@njit(cache=True, nogil=True, parallel=True)
def hessian_parallel(f, x, h, stencil, f0, out, status, threads):
    """Same as :func:`hessian_serial`; axis points and pairs split across threads.

    Pairs are numbered and split into equal contiguous ranges, so the threads
    get equal work although rows of the upper triangle shrink.
    """
    axis_offsets = stencil[0]
    n = x.shape[0]
    axis_values = np.empty((axis_offsets.shape[0], n))
    axis_status = np.empty((axis_offsets.shape[0], n), dtype=np.int8)
    chunks = chunk_count(n, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(n, chunks, c)
        x_work = x.copy()
        buffer = np.empty(1)
        _axis_range(f, x_work, h, axis_offsets, lo, hi, axis_values, axis_status, buffer)
    pairs = n * (n - 1) // 2
    chunks = chunk_count(pairs, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(pairs, chunks, c)
        x_work = x.copy()
        buffer = np.empty(1)
        _pair_range(
            f,
            x_work,
            h,
            stencil,
            axis_values,
            axis_status,
            f0,
            lo,
            hi,
            out,
            status,
            buffer,
        )
    _diagonal(h, stencil, axis_values, axis_status, f0, out, status)
