"""Batches of first-derivative stencil points, for functions that are not compiled.

The Python evaluation path (:mod:`fastdiff.python_path`) hands ``f`` whole
batches of points instead of calling it from a kernel. These helpers build
those batches and put the values back in stencil order; they are compiled
because at n = 100 the same work in numpy costs as much as a vectorized
``f`` itself.

A *layout* lists the perturbed points of a stencil table in coordinate-major
order: point ``p`` is ``x`` with coordinate ``coordinate[p]`` moved by
``shift[p] = offsets[row, slot[p]] * h[coordinate[p]]``, exactly the
arithmetic of the kernels, so both paths evaluate ``f`` at the same points.
"""

import math

import numpy as np
from numba import njit

from fastdiff.status import NOT_FINITE, OK


@njit(cache=True, error_model="numpy")
def first_derivative_layout(offsets, weights, h):
    """Coordinate, stencil slot and shift of every perturbed point.

    Parameters
    ----------
    offsets, weights : ndarray, shape (n, k) or (1, k)
        Stencil of each coordinate, or one row shared by all. Slots with a zero
        weight or a zero offset (the centre) need no point.
    h : ndarray, shape (n,)
        Steps.

    Returns
    -------
    coordinate, slot : ndarray of intp, shape (p,)
    shift : ndarray, shape (p,)
    """
    n = h.shape[0]
    shared = offsets.shape[0] == 1
    count = 0
    for i in range(n):
        row = 0 if shared else i
        for k in range(offsets.shape[1]):
            if weights[row, k] != 0.0 and offsets[row, k] != 0.0:
                count += 1
    coordinate = np.empty(count, dtype=np.intp)
    slot = np.empty(count, dtype=np.intp)
    shift = np.empty(count)
    p = 0
    for i in range(n):
        row = 0 if shared else i
        for k in range(offsets.shape[1]):
            o = offsets[row, k]
            if weights[row, k] != 0.0 and o != 0.0:
                coordinate[p] = i
                slot[p] = k
                shift[p] = o * h[i]
                p += 1
    return coordinate, slot, shift


@njit(cache=True, error_model="numpy")
def fill_points(x, coordinate, shift, first, lo, hi, out):
    """Rows ``lo`` to ``hi - 1`` of a batch into ``out`` (hi - lo, n).

    Rows before ``first`` are ``x`` itself (the centre); row ``first + p`` is
    point ``p`` of the layout.
    """
    for r in range(hi - lo):
        out[r, :] = x
        p = lo + r - first
        if p >= 0:
            c = coordinate[p]
            out[r, c] = x[c] + shift[p]


@njit(cache=True, error_model="numpy")
def scatter_scalar_values(point_values, coordinate, slot, width, status):
    """Values (n, width) in stencil order; ``status`` (n,) gets NOT_FINITE where one is not finite.

    Slots without a point hold NaN (the formulas never read them).
    """
    n = status.shape[0]
    values = np.full((n, width), np.nan)
    status[:] = OK
    for p in range(coordinate.shape[0]):
        value = point_values[p]
        i = coordinate[p]
        values[i, slot[p]] = value
        if not math.isfinite(value):
            status[i] = NOT_FINITE
    return values


@njit(cache=True, error_model="numpy")
def scatter_vector_values(point_values, coordinate, slot, width, status):
    """Vector form of :func:`scatter_scalar_values`: ``point_values`` (p, m) to (n, width, m)."""
    n = status.shape[0]
    m = point_values.shape[1]
    values = np.full((n, width, m), np.nan)
    status[:] = OK
    for p in range(coordinate.shape[0]):
        i = coordinate[p]
        k = slot[p]
        finite = True
        for r in range(m):
            value = point_values[p, r]
            values[i, k, r] = value
            finite &= math.isfinite(value)
        if not finite:
            status[i] = NOT_FINITE
    return values
