"""One compiled call per derivative, for the Python API.

Crossing from Python into Numba costs about a microsecond per call, so the
API makes a single call that checks ``x`` for non-finite entries, chooses the
steps, evaluates ``f(x)`` when the stencil or the caller needs it, and runs
the serial or parallel kernel. Each driver returns a small tuple of
integers that the API turns into errors; nothing here raises.

``threads`` is None for the serial kernel, or the number of chunks the
parallel kernel splits the work into (normally ``numba.get_num_threads()``;
:func:`fastdiff.threads.threads_argument` converts). Numba prunes the
branch on an argument that is None, so the serial version of a driver
leaves the parallel kernel out: it costs as much to compile as the serial
one again (5.6 s against 4.4 s for a Jacobian with extra arguments), and
small problems, which run serially, never need it.

``f`` is called as ``f(x, *args)``: ``args`` is the tuple of its extra
arguments, ``()`` for ``f(x)``; the drivers are compiled once per tuple of
argument *types* (and cached on disk), never per value.

``step`` is either empty (use the relative default with ``exponent`` and
``eps``) or one absolute step per coordinate; a step that vanishes at ``x``
(below the float spacing) falls back to the default for that coordinate.
"""

import math

import numpy as np
from numba import njit

from fastdiff.kernels._calling import call_scalar
from fastdiff.kernels.gradient import gradient_parallel, gradient_serial
from fastdiff.kernels.hessian import hessian_parallel, hessian_serial
from fastdiff.kernels.jacobian import jacobian_parallel, jacobian_serial
from fastdiff.status import OK
from fastdiff.steps import fill_steps


@njit(cache=True, error_model="numpy", inline="always")
def first_non_finite(x):
    """Index of the first NaN or infinite entry of ``x``, or -1."""
    for i in range(x.shape[0]):
        if not math.isfinite(x[i]):
            return i
    return -1


@njit(cache=True, error_model="numpy", inline="always")
def count_failures(status):
    """Number of entries of ``status`` (any shape) that are not ``OK``."""
    failures = 0
    for s in status.ravel():
        if s != OK:
            failures += 1
    return failures


@njit(cache=True, error_model="numpy", nogil=True)
def gradient_driver(f, x, args, step, exponent, eps, offsets, weights, needs_value, threads, out):
    """Gradient at ``x`` into ``out``; see the module notes.

    The steps and statuses are scratch here (the API retries on its careful
    path if an entry failed): allocated inside, each array argument fewer
    saves the Python caller an allocation and the dispatcher an unboxing.

    Returns
    -------
    f0 : float
        ``f(x)`` if ``needs_value`` (else NaN).
    f0_status : int
        Status of that evaluation.
    bad_coordinate : int
        First non-finite entry of ``x``, or -1. Nothing is evaluated if >= 0.
    failures : int
        Number of entries whose status is not OK.
    """
    bad = first_non_finite(x)
    if bad >= 0:
        return np.nan, OK, bad, 0
    n = x.shape[0]
    h = np.empty(n)
    status = np.empty(n, dtype=np.int8)
    fill_steps(x, step, exponent, eps, h)
    f0 = np.nan
    if needs_value:
        f0, f0_status = call_scalar(f, x, args)
        if f0_status != OK:
            return f0, f0_status, -1, 0
    if threads is None:
        gradient_serial(f, x, args, h, offsets, weights, f0, out, status)
    else:
        gradient_parallel(f, x, args, h, offsets, weights, f0, out, status, threads)
    return f0, OK, -1, count_failures(status)


@njit(cache=True, error_model="numpy", nogil=True)
def jacobian_driver(
    f, x, args, step, exponent, eps, offsets, weights, f0, threads, h, columns, status
):
    """Jacobian at ``x`` into ``columns`` (n, m): row ``i`` is column ``i`` of J.

    ``f0`` = ``f(x)`` (m,) computed by the caller; ``columns.T`` is the
    Jacobian, with contiguous columns (see :func:`jacobian_pass`).

    Returns
    -------
    bad_coordinate : int
        First non-finite entry of ``x``, or -1.
    failures : int
        Number of columns whose status is not OK.
    """
    bad = first_non_finite(x)
    if bad >= 0:
        return bad, 0
    fill_steps(x, step, exponent, eps, h)
    jacobian_pass(f, x, args, h, offsets, weights, f0, columns, status, threads)
    return -1, count_failures(status)


@njit(cache=True, error_model="numpy", nogil=True)
def jacobian_pass(f, x, args, h, offsets, weights, f0, columns, status, threads):
    """The serial or parallel Jacobian kernel into ``columns.T``.

    ``columns`` is C-ordered (n, m), so that the kernels always see the same
    type, an F-ordered (m, n) Jacobian: a Python-side ``np.empty((n, m)).T``
    is also C-contiguous when m or n is 1, which Numba types as another
    layout and would compile every kernel again for.
    """
    out = columns.T
    if threads is None:
        jacobian_serial(f, x, args, h, offsets, weights, f0, out, status)
    else:
        jacobian_parallel(f, x, args, h, offsets, weights, f0, out, status, threads)


@njit(cache=True, error_model="numpy", nogil=True)
def hessian_driver(f, x, args, step, exponent, eps, stencil, threads, h, out, status):
    """Hessian at ``x``; returns ``(f0, f0_status, bad_coordinate, failures)``."""
    bad = first_non_finite(x)
    if bad >= 0:
        return np.nan, OK, bad, 0
    fill_steps(x, step, exponent, eps, h)
    f0, f0_status = call_scalar(f, x, args)
    if f0_status != OK:
        return f0, f0_status, -1, 0
    if threads is None:
        hessian_serial(f, x, args, h, stencil, f0, out, status)
    else:
        hessian_parallel(f, x, args, h, stencil, f0, out, status, threads)
    return f0, OK, -1, count_failures(status)
