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
from fastdiff.kernels.formulas import hessian_diagonal_entry, hessian_offdiagonal_entry
from fastdiff.status import OK
from fastdiff.stencil_positions import (
    AXIS_OFFSETS,
    DIAGONAL_AXIS_WEIGHTS,
    OFFDIAGONAL_AXIS_WEIGHTS,
    PAIR_OFFSETS,
)


@njit(cache=True, error_model="numpy")
def axis_range(f, x_work, args, h, axis_offsets, lo, hi, axis_values, axis_status):
    """Values and statuses of ``f`` at the axis points of coordinates ``lo`` to ``hi - 1``.

    ``x_work`` (n,) is the caller's private copy of ``x``, restored after
    each coordinate; ``args`` is the tuple of extra arguments passed to every
    call of ``f``; ``axis_values`` and ``axis_status`` have shape (n, a).
    Shared by the dense and the pattern Hessian kernels.
    """
    for i in range(lo, hi):
        x_i = x_work[i]
        for a in range(axis_offsets.shape[0]):
            x_work[i] = x_i + axis_offsets[a] * h[i]
            value, code = call_scalar(f, x_work, args)
            axis_values[i, a] = value
            axis_status[i, a] = code
        x_work[i] = x_i


@njit(cache=True, error_model="numpy", inline="always")
def _first_pair(n, p):
    # Pairs i < j are numbered row by row; row i holds n - 1 - i of them.
    i = 0
    start = 0
    while start + (n - 1 - i) <= p:
        start += n - 1 - i
        i += 1
    return i, i + 1 + (p - start)


@njit(cache=True, error_model="numpy", inline="always")
def _axis_code(weights, axis_status, i):
    # The first failure among the axis values that the entry uses.
    for a in range(weights.shape[0]):
        if weights[a] != 0.0 and axis_status[i, a] != OK:
            return axis_status[i, a]
    return OK


@njit(cache=True, error_model="numpy")
def pair_range(
    f, x_work, args, h, stencil, axis_values, axis_status, f0, lo, hi, out, status, pair_values
):
    """Off-diagonal entries of the pairs ``lo`` to ``hi - 1`` (pairs ``i < j`` numbered row by row).

    ``x_work`` (n,) is the caller's private copy of ``x``; ``axis_values``
    and ``axis_status`` (n, a) come from :func:`axis_range`; ``pair_values``
    (p,) is scratch. Writes ``out[i, j]``, ``out[j, i]`` and their statuses.
    """
    offdiagonal_weights = stencil[OFFDIAGONAL_AXIS_WEIGHTS]
    pair_offsets = stencil[PAIR_OFFSETS]
    n = x_work.shape[0]
    if lo >= hi:
        return
    i, j = _first_pair(n, lo)
    for _ in range(lo, hi):
        x_i = x_work[i]
        x_j = x_work[j]
        code = _axis_code(offdiagonal_weights, axis_status, i)
        if code == OK:
            code = _axis_code(offdiagonal_weights, axis_status, j)
        for q in range(pair_offsets.shape[0]):
            x_work[i] = x_i + pair_offsets[q, 0] * h[i]
            x_work[j] = x_j + pair_offsets[q, 1] * h[j]
            value, s = call_scalar(f, x_work, args)
            pair_values[q] = value
            if s != OK and code == OK:
                code = s
        x_work[i] = x_i
        x_work[j] = x_j
        entry = hessian_offdiagonal_entry(
            pair_values, axis_values[i], axis_values[j], f0, stencil, h[i], h[j]
        )
        out[i, j] = entry
        out[j, i] = entry
        status[i, j] = code
        status[j, i] = code
        j += 1
        if j == n:
            i += 1
            j = i + 1


@njit(cache=True, error_model="numpy")
def diagonal_entries(h, stencil, axis_values, axis_status, f0, out, status):
    """The diagonal ``out[i, i]`` and its statuses, from the axis values alone."""
    for i in range(h.shape[0]):
        out[i, i] = hessian_diagonal_entry(axis_values[i], f0, stencil, h[i])
        status[i, i] = _axis_code(stencil[DIAGONAL_AXIS_WEIGHTS], axis_status, i)


@njit(cache=True, error_model="numpy", nogil=True)
def hessian_serial(f, x, args, h, stencil, f0, out, status):
    """Hessian of ``f`` at ``x``, one thread.

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
    stencil : tuple of ndarray
        ``fastdiff.stencils.hessian_arrays(method)``.
    f0 : float
        ``f(x, *args)``.
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
    axis_offsets = stencil[AXIS_OFFSETS]
    n = x.shape[0]
    x_work = x.copy()
    axis_values = np.empty((n, axis_offsets.shape[0]))
    axis_status = np.empty((n, axis_offsets.shape[0]), dtype=np.int8)
    axis_range(f, x_work, args, h, axis_offsets, np.intp(0), n, axis_values, axis_status)
    pairs = n * (n - 1) // 2
    pair_values = np.empty(stencil[PAIR_OFFSETS].shape[0])
    pair_range(
        f,
        x_work,
        args,
        h,
        stencil,
        axis_values,
        axis_status,
        f0,
        np.intp(0),
        pairs,
        out,
        status,
        pair_values,
    )
    diagonal_entries(h, stencil, axis_values, axis_status, f0, out, status)


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def hessian_parallel(f, x, args, h, stencil, f0, out, status, threads):
    """Same as :func:`hessian_serial`; axis points and pairs split across threads.

    Pairs are numbered and split into equal contiguous ranges, so the threads
    get equal work although rows of the upper triangle shrink.
    """
    axis_offsets = stencil[AXIS_OFFSETS]
    n = x.shape[0]
    axis_values = np.empty((n, axis_offsets.shape[0]))
    axis_status = np.empty((n, axis_offsets.shape[0]), dtype=np.int8)
    chunks = chunk_count(n, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(n, chunks, c)
        x_work = x.copy()
        axis_range(f, x_work, args, h, axis_offsets, lo, hi, axis_values, axis_status)
    pairs = n * (n - 1) // 2
    chunks = chunk_count(pairs, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(pairs, chunks, c)
        x_work = x.copy()
        pair_values = np.empty(stencil[PAIR_OFFSETS].shape[0])
        pair_range(
            f,
            x_work,
            args,
            h,
            stencil,
            axis_values,
            axis_status,
            f0,
            lo,
            hi,
            out,
            status,
            pair_values,
        )
    diagonal_entries(h, stencil, axis_values, axis_status, f0, out, status)
