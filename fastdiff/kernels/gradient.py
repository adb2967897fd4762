"""Gradient kernels: finite differences of a scalar function of ``x``.

Every function takes ``f`` either as a Numba-compiled function or as the
address of its compiled code (see :mod:`fastdiff.kernels._calling`) and
trusts its inputs: the Python API validates them.

Shapes: ``x``, ``h``, ``out`` (n,); ``offsets``, ``weights`` (n, k) or (1, k) for one stencil shared by all coordinates, one
stencil row per coordinate (see :mod:`fastdiff.stencils`); ``status`` (n,)
int8, one code of :mod:`fastdiff.status` per coordinate.
"""

import numpy as np
from numba import njit, prange

from fastdiff.kernels._calling import call_scalar
from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.kernels.formulas import first_derivative_entry, first_derivative_pair
from fastdiff.status import OK


@njit(cache=True, error_model="numpy", inline="always")
def gradient_entry(f, x_work, args, i, h_i, offsets, weights, row, f0, values):
    """Entry ``i`` of the gradient and its status: the arithmetic of every gradient kernel.

    Parameters
    ----------
    f, args, offsets, weights, f0
        As in :func:`gradient_serial`.
    x_work : ndarray, shape (n,)
        The caller's private copy of ``x``; coordinate ``i`` is moved and
        restored to its exact value.
    i : int
        Coordinate.
    h_i : float
        Its step.
    row : int
        Its row of the stencil table.
    values : ndarray, shape (>= k,)
        Scratch for the values of ``f`` at the coordinate's stencil.

    Returns
    -------
    entry : float
    status : int
        First failure among the evaluations, or ``OK``.

    Notes
    -----
    Inlined, and the stencil rows indexed in place: per coordinate, a row
    view or a call that is not inlined costs reference counting that is,
    for a cheap ``f`` at n = 10, a third of the whole gradient.
    """
    x_i = x_work[i]
    code = OK
    for k in range(offsets.shape[1]):
        o = offsets[row, k]
        if weights[row, k] == 0.0 or o == 0.0:
            continue
        x_work[i] = x_i + o * h_i
        value, s = call_scalar(f, x_work, args)
        x_work[i] = x_i
        values[k] = value
        if s != OK and code == OK:
            code = s
    return first_derivative_entry(values, offsets, weights, row, f0, h_i), code


@njit(cache=True, error_model="numpy", inline="always")
def pair_gradient_entry(f, x_work, args, i, h_i, offset_a, weight_a, offset_b, weight_b):
    """:func:`gradient_entry` for a two-point stencil (:func:`~fastdiff.kernels.formulas.two_point_slots`).

    The stencil's two offsets and weights are numbers here, not a table:
    the same points, evaluated in the same order and combined with the
    same arithmetic (:func:`~fastdiff.kernels.formulas.first_derivative_pair`),
    hence the same entry and status, bit for bit.
    """
    x_i = x_work[i]
    x_work[i] = x_i + offset_a * h_i
    value_a, code = call_scalar(f, x_work, args)
    x_work[i] = x_i + offset_b * h_i
    value_b, s = call_scalar(f, x_work, args)
    x_work[i] = x_i
    if code == OK:
        code = s
    return first_derivative_pair(value_a, value_b, weight_a, weight_b, h_i), code


@njit(cache=True, error_model="numpy")
def gradient_range(f, x_work, args, h, offsets, weights, f0, lo, hi, out, status, values):
    """Entries ``lo`` to ``hi - 1`` of the gradient: the loop of every gradient kernel.

    Parameters
    ----------
    f, args, h, offsets, weights, f0, out, status
        As in :func:`gradient_serial`; ``status`` may be any array that
        stores small integers.
    x_work : ndarray, shape (n,)
        The caller's private copy of ``x``; each coordinate is moved and
        restored to its exact value.
    lo, hi : int
        Range of coordinates.
    values : ndarray, shape (>= k,)
        Scratch for the values of ``f`` at one coordinate's stencil.
    """
    for i in range(lo, hi):
        row = i if offsets.shape[0] > 1 else 0
        out[i], status[i] = gradient_entry(
            f, x_work, args, i, h[i], offsets, weights, row, f0, values
        )


@njit(cache=True, error_model="numpy", nogil=True)
def gradient_serial(f, x, args, h, offsets, weights, f0, out, status):
    """Gradient entries of ``f`` at ``x``, one thread.

    Parameters
    ----------
    f : jitted function or int
        Scalar function ``f(x, *args)`` of a 1-D float64 array, or the
        address of the code Numba compiled for it (see
        :func:`fastdiff.compiled.prepare`).
    x : ndarray, shape (n,)
        Point.
    args : tuple
        Extra arguments of ``f``, passed as they are on every evaluation
        (``()`` for ``f(x)``).
    h : ndarray, shape (n,)
        (Signed, representable) steps.
    offsets, weights : ndarray, shape (n, k) or (1, k)
        Stencil of each coordinate, or one row for all of them. A row of zero weights gives a zero entry
        without evaluating ``f``.
    f0 : float
        ``f(x, *args)``, used where an offset is 0 (pass NaN if no stencil uses it).
    out : ndarray, shape (n,)
        Receives the gradient.
    status : ndarray of int8, shape (n,)
        Receives the status of each entry.
    """
    x_work = x.copy()
    values = np.empty(offsets.shape[1])
    gradient_range(
        f, x_work, args, h, offsets, weights, f0, np.intp(0), x.shape[0], out, status, values
    )


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def gradient_parallel(f, x, args, h, offsets, weights, f0, out, status, threads):
    """Same as :func:`gradient_serial`, coordinates split across threads.

    Each thread perturbs its own copy of ``x``, so the result is bit for bit
    the serial one and memory is O(n * threads). Do not call it inside a
    ``prange`` loop of your own: use the serial kernel there.
    """
    n = x.shape[0]
    chunks = chunk_count(n, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(n, chunks, c)
        x_work = x.copy()
        values = np.empty(offsets.shape[1])
        gradient_range(f, x_work, args, h, offsets, weights, f0, lo, hi, out, status, values)
