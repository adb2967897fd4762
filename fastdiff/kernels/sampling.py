"""Values of ``f`` along a line and along the coordinate axes, for probing ``f``.

The noise estimate (:mod:`fastdiff.noise`) evaluates ``f`` at equally spaced
points on one line, and the automatic step choice (:mod:`fastdiff.auto_steps`)
at a few points on each coordinate axis. These kernels do that for a
compiled ``f`` (a jitted function or the address of its code, see
:mod:`fastdiff.kernels._calling`); the Python path builds the same points
with :func:`line_points` and :func:`axis_points` and hands them to an
evaluator.

A point where ``f`` raised or returned a non-finite value gets NaN: the
callers treat such a probe as unusable, they never raise for it.

Shapes: ``x``, ``direction``, ``h`` (n,); ``offsets`` (k,); ``coordinates``
(c,) the axes to probe; a scalar ``f`` fills ``values`` (k,) along a line and
(c, k) along the axes, a vector ``f`` with m outputs (k, m) and (c, k, m).
"""

import numpy as np
from numba import njit

from fastdiff.kernels._calling import call_scalar, call_vector
from fastdiff.status import OK


@njit(cache=True, error_model="numpy")
def line_points(x, direction, offsets, out):
    """Points ``x + offsets[j] * direction`` into ``out`` (k, n)."""
    for j in range(offsets.shape[0]):
        for i in range(x.shape[0]):
            out[j, i] = x[i] + offsets[j] * direction[i]
    return out


@njit(cache=True, error_model="numpy")
def axis_points(x, coordinates, h, offsets, out):
    """Points ``x + offsets[j] * h[c] * e_c`` for ``c`` in ``coordinates`` into ``out`` (c * k, n).

    Coordinate-major: row ``r * k + j`` is offset ``j`` of ``coordinates[r]``.
    """
    k = offsets.shape[0]
    for r in range(coordinates.shape[0]):
        i = coordinates[r]
        for j in range(k):
            row = r * k + j
            out[row, :] = x
            out[row, i] = x[i] + offsets[j] * h[i]
    return out


@njit(cache=True, error_model="numpy")
def line_values_scalar(f, x, direction, offsets, values):
    """``values[j] = f(x + offsets[j] * direction)``; NaN where ``f`` failed."""
    point = x.copy()
    for j in range(offsets.shape[0]):
        for i in range(x.shape[0]):
            point[i] = x[i] + offsets[j] * direction[i]
        value, status = call_scalar(f, point, ())
        values[j] = value if status == OK else np.nan
    return values


@njit(cache=True, error_model="numpy")
def axis_values_scalar(f, x, coordinates, h, offsets, values):
    """``values[r, j] = f(x + offsets[j] * h[i] * e_i)``, ``i = coordinates[r]``; NaN where ``f`` failed."""
    point = x.copy()
    for r in range(coordinates.shape[0]):
        i = coordinates[r]
        x_i = point[i]
        for j in range(offsets.shape[0]):
            point[i] = x_i + offsets[j] * h[i]
            value, status = call_scalar(f, point, ())
            point[i] = x_i
            values[r, j] = value if status == OK else np.nan
    return values


@njit(cache=True, error_model="numpy", inline="always")
def _store_vector(f, point, out):
    # A failed call or an output of another length leaves a row of NaN.
    result, status = call_vector(f, point, ())
    if status != OK or result.shape[0] != out.shape[0]:
        out[:] = np.nan
    else:
        out[:] = result


@njit(cache=True, error_model="numpy")
def line_values_vector(f, x, direction, offsets, values):
    """Vector form of :func:`line_values_scalar`: ``values`` (k, m)."""
    point = x.copy()
    for j in range(offsets.shape[0]):
        for i in range(x.shape[0]):
            point[i] = x[i] + offsets[j] * direction[i]
        _store_vector(f, point, values[j])
    return values


@njit(cache=True, error_model="numpy")
def axis_values_vector(f, x, coordinates, h, offsets, values):
    """Vector form of :func:`axis_values_scalar`: ``values`` (c, k, m)."""
    point = x.copy()
    for r in range(coordinates.shape[0]):
        i = coordinates[r]
        x_i = point[i]
        for j in range(offsets.shape[0]):
            point[i] = x_i + offsets[j] * h[i]
            _store_vector(f, point, values[r, j])
            point[i] = x_i
    return values
