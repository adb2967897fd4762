"""Derivatives at the k rows of ``X`` (k, n) in one compiled call.

The work of all points is one range of items, numbered point-major and
split into contiguous chunks, one per thread: (point, coordinate) pairs for
gradients and Jacobians; for Hessians the axis items (point, coordinate),
then the entry items (point, diagonal or pair ``i < j``). A thread keeps one
private copy of the point it works on (``x_work``), loaded when its chunk
reaches a new point; with k points and n coordinates the threads stay busy
whether k or n is the large one.

One function per derivative, ``*_driver``, is the whole compiled call: it
checks ``X``, then runs the range helpers on the calling thread
(``threads == 1``) or in one parallel region over chunks (two for
Hessians: the pairs need every axis value). Serial and parallel code in
one function compiles once instead of three times (a driver, a serial and a
parallel kernel: a third of the cold compile time of these kernels), and
nothing starts threads unless a chunked loop runs. Do not call a driver
inside a ``prange`` loop of your own.

Nothing here restates a formula: each entry is computed by the helpers of
the one-point kernels (:func:`~fastdiff.kernels.gradient.gradient_entry`
and, for central differences, its two-point form
:func:`~fastdiff.kernels.gradient.pair_gradient_entry`;
:func:`~fastdiff.kernels.jacobian.jacobian_range`;
:func:`~fastdiff.kernels.hessian.axis_range`,
:func:`~fastdiff.kernels.hessian.pair_range`,
:func:`~fastdiff.kernels.hessian.diagonal_entries`) and each step by the
rules of :mod:`fastdiff.steps` (:func:`entry_step`), so row ``p`` of the
result is bit for bit the one-point kernels' result at ``X[p]``.

``f`` is a jitted function or the address of its compiled code (see
:mod:`fastdiff.kernels._calling`), called as ``f(x, *args)``.

Shapes
------
``X`` (k, n), C-contiguous. ``step`` (r, n): ``r = 0`` for the default
rule, 1 for absolute steps shared by all points, k for one row per point
(``rel_step``); a zero entry falls back to the default rule. ``steps``
(k, n) receives the steps. ``values`` (k,) receives ``f`` at each point
(scalar ``f``; for a Jacobian ``(k, m)``, contiguous rows) where the stencil
or the caller needs it, and ``value_status`` (k,) int8 its status. A
point whose value failed is evaluated all the same (the caller recomputes
it at one point); only a Hessian skips its pairs. ``out``: gradients
(k, n); Jacobians ``columns`` (k, n, m), C-contiguous, whose ``columns[p].T``
is the Jacobian at ``X[p]`` with contiguous columns (what the caller
returns is ``columns.transpose(0, 2, 1)``, (k, m, n)); Hessians (k, n, n).
``status`` has the shape of the derivatives without ``m``: (k, n) or
(k, n, n).
"""

import numpy as np
from numba import njit, prange

from fastdiff.kernels._calling import call_scalar, combine_vector
from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.kernels.drivers import count_failures
from fastdiff.kernels.formulas import two_point_slots
from fastdiff.kernels.gradient import gradient_entry, pair_gradient_entry
from fastdiff.kernels.hessian import axis_range, diagonal_entries, pair_range
from fastdiff.kernels.jacobian import BLOCK_COLUMNS, jacobian_range
from fastdiff.status import OK
from fastdiff.stencil_positions import AXIS_OFFSETS, PAIR_OFFSETS
from fastdiff.steps import coordinate_step, default_coordinate_step


@njit(cache=True, error_model="numpy", inline="always")
def entry_step(x_i, step, p, i, scale):
    """The step of entry ``(p, i)`` at ``x_i = X[p, i]``: as :func:`fastdiff.steps.fill_steps` takes it at ``X[p]``.

    ``step`` has no rows (the default rule), one row (shared) or k rows;
    ``scale`` is ``eps**exponent`` of the default rule.
    """
    rows = step.shape[0]
    if rows == 0:
        return default_coordinate_step(x_i, scale)
    return coordinate_step(x_i, step[0 if rows == 1 else p, i], scale)


@njit(cache=True, error_model="numpy", inline="always")
def _load_point(X, p, x_work):
    # Copied entry by entry: a row view would be reference counted, and
    # threads counting references on one array contend for its counter.
    for j in range(X.shape[1]):
        x_work[j] = X[p, j]


@njit(cache=True, error_model="numpy")
def first_non_finite_entry(X):
    """``(p, j)`` of the first NaN or infinite entry of ``X`` (k, n), or ``(-1, -1)``.

    One pass without an early exit (``v - v`` is 0 only for finite ``v``),
    which the compiler vectorises; the entry is looked for only if there is one.
    """
    flat = X.ravel()
    bad = 0
    for v in flat:
        bad += (v - v) != 0.0
    if bad == 0:
        return -1, -1
    n = X.shape[1]
    for e in range(flat.shape[0]):
        if (flat[e] - flat[e]) != 0.0:
            return e // n, e % n
    return -1, -1  # pragma: no cover - not reached


@njit(cache=True, error_model="numpy")
def fill_batch_steps(X, step, exponent, eps, steps):
    """The steps of every point, ``steps`` (k, n), as the kernels choose them.

    For derivatives whose points are evaluated outside the kernels (the
    Python path of :mod:`fastdiff.batched`).
    """
    scale = eps**exponent
    for p in range(X.shape[0]):
        for i in range(X.shape[1]):
            steps[p, i] = entry_step(X[p, i], step, p, i, scale)
    return steps


# --- Values of f at the points --------------------------------------------------


@njit(cache=True, error_model="numpy")
def scalar_values_range(f, X, args, lo, hi, x_work, values, value_status):
    """``values[p] = f(X[p], *args)`` for the points ``lo`` to ``hi - 1``, with their statuses."""
    for p in range(lo, hi):
        _load_point(X, p, x_work)
        values[p], value_status[p] = call_scalar(f, x_work, args)


@njit(cache=True, error_model="numpy")
def vector_values_range(f, X, args, lo, hi, x_work, values, value_status):
    """``values[p] = f(X[p], *args)`` (rows of length m) for the points ``lo`` to ``hi - 1``."""
    for p in range(lo, hi):
        _load_point(X, p, x_work)
        value_status[p] = combine_vector(f, x_work, args, 1.0, 1.0, True, values[p])


# --- Gradients ---------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def gradients_range(
    f, X, args, step, scale, offsets, weights, values, lo, hi, x_work, scratch, steps, out, status
):
    """Entries ``lo`` to ``hi - 1`` of the gradients, entry ``e`` being ``(e // n, e % n)``.

    ``x_work`` (n,) and ``scratch`` (>= stencil width,) are the caller's,
    private to its thread; ``scale`` is ``eps**exponent`` of the default
    steps; ``values`` holds ``f`` at the points where the stencil uses it.
    Other arguments as in the module notes.

    Notes
    -----
    Central differences (one two-point row for all coordinates) take their
    own loop, with the stencil's numbers in registers
    (:func:`~fastdiff.kernels.gradient.pair_gradient_entry`); the general
    loop reads the table. Measured on the extended Rosenbrock at n = 2
    (evaluation floor 21 ns per point): reading the table cost 10 ns per
    point more, and a test of each point's value inside the loop 6 ns.
    """
    n = X.shape[1]
    first, second = two_point_slots(offsets[0], weights[0])
    if offsets.shape[0] == 1 and first >= 0:
        offset_a, offset_b = offsets[0, first], offsets[0, second]
        weight_a, weight_b = weights[0, first], weights[0, second]
        for p in range(lo // n, (hi + n - 1) // n):
            _load_point(X, p, x_work)
            for i in range(max(lo - p * n, 0), min(hi - p * n, n)):
                h_i = entry_step(x_work[i], step, p, i, scale)
                steps[p, i] = h_i
                out[p, i], status[p, i] = pair_gradient_entry(
                    f, x_work, args, i, h_i, offset_a, weight_a, offset_b, weight_b
                )
        return
    for p in range(lo // n, (hi + n - 1) // n):
        _load_point(X, p, x_work)
        f0 = values[p]
        for i in range(max(lo - p * n, 0), min(hi - p * n, n)):
            h_i = entry_step(x_work[i], step, p, i, scale)
            steps[p, i] = h_i
            row = i if offsets.shape[0] > 1 else 0
            out[p, i], status[p, i] = gradient_entry(
                f, x_work, args, i, h_i, offsets, weights, row, f0, scratch
            )


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def gradients_driver(
    f,
    X,
    args,
    step,
    exponent,
    eps,
    offsets,
    weights,
    needs_value,
    threads,
    values,
    value_status,
    steps,
    out,
    status,
):
    """Gradients at the rows of ``X`` into ``out`` (k, n): one call from Python.

    Parameters
    ----------
    f, X, args, step, values, value_status, steps, out, status
        See the module notes.
    exponent, eps : float
        The default steps are ``eps**exponent * max(1, |x_i|)``.
    offsets, weights : ndarray, shape (1, w) or (n, w)
        The stencil (:mod:`fastdiff.stencils`).
    needs_value : bool
        Evaluate ``f`` at each point into ``values`` (the stencil or the
        caller uses it); otherwise ``values`` is set to NaN.
    threads : int
        1: everything on the calling thread; else the number of chunks. Where
        ``f`` is needed at the points, a chunk is whole points whose thread
        evaluates them first (with fewer points than threads, the values
        come first, on the calling thread).

    Returns
    -------
    bad_row, bad_column : int
        The first non-finite entry of ``X``, or -1 (then nothing is evaluated).
    failures : int
        Entries and values whose status is not OK.
    """
    bad_row, bad_column = first_non_finite_entry(X)
    if bad_row >= 0:
        return bad_row, bad_column, 0
    k, n = X.shape
    if not needs_value:
        for p in range(k):
            values[p] = np.nan
            value_status[p] = OK
    scale = eps**exponent
    if threads <= 1:
        x_work = np.empty(n)
        if needs_value:
            scalar_values_range(f, X, args, np.intp(0), k, x_work, values, value_status)
        scratch = np.empty(offsets.shape[1])
        gradients_range(
            f,
            X,
            args,
            step,
            scale,
            offsets,
            weights,
            values,
            np.intp(0),
            k * n,
            x_work,
            scratch,
            steps,
            out,
            status,
        )
    else:
        by_point = needs_value and k >= threads
        if needs_value and not by_point:
            scalar_values_range(f, X, args, np.intp(0), k, np.empty(n), values, value_status)
        units = k if by_point else k * n
        chunks = chunk_count(units, threads)
        for c in prange(chunks):
            lo, hi = chunk_bounds(units, chunks, c)
            x_work = np.empty(n)
            scratch = np.empty(offsets.shape[1])
            if by_point:
                scalar_values_range(f, X, args, lo, hi, x_work, values, value_status)
                lo, hi = lo * n, hi * n
            gradients_range(
                f,
                X,
                args,
                step,
                scale,
                offsets,
                weights,
                values,
                lo,
                hi,
                x_work,
                scratch,
                steps,
                out,
                status,
            )
    return -1, -1, count_failures(status) + count_failures(value_status)


# --- Jacobians ---------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def jacobians_range(
    f,
    X,
    args,
    step,
    scale,
    offsets,
    weights,
    values,
    lo,
    hi,
    x_work,
    block,
    scales,
    steps,
    columns,
    status,
):
    """Columns ``lo`` to ``hi - 1`` of the Jacobians, column ``e`` being ``(e // n, e % n)``.

    Per point, the steps of its columns in the range, then those columns by
    :func:`~fastdiff.kernels.jacobian.jacobian_range` into ``columns[p].T``
    (contiguous columns: the one-point kernels' own case, and their
    compiled code). ``block`` (>= BLOCK_COLUMNS, m) and ``scales`` are that
    function's scratch; ``values`` (k, m) is read only by stencils with a
    centre point.
    """
    n = X.shape[1]
    for p in range(lo // n, (hi + n - 1) // n):
        start = max(lo - p * n, 0)
        stop = min(hi - p * n, n)
        _load_point(X, p, x_work)
        for i in range(start, stop):
            steps[p, i] = entry_step(x_work[i], step, p, i, scale)
        jacobian_range(
            f,
            x_work,
            args,
            steps[p],
            offsets,
            weights,
            values[p],
            start,
            stop,
            columns[p].T,
            status[p],
            block,
            scales,
        )


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def jacobians_driver(
    f,
    X,
    args,
    step,
    exponent,
    eps,
    offsets,
    weights,
    needs_value,
    threads,
    values,
    value_status,
    steps,
    columns,
    status,
):
    """Jacobians at the rows of ``X`` into ``columns`` (k, n, m); returns ``(bad_row, bad_column, failures)``.

    As :func:`gradients_driver`, with ``values`` (k, m) (left as they are
    when not needed).
    """
    bad_row, bad_column = first_non_finite_entry(X)
    if bad_row >= 0:
        return bad_row, bad_column, 0
    k, n = X.shape
    m = columns.shape[2]
    if not needs_value:
        for p in range(k):
            value_status[p] = OK
    scale = eps**exponent
    if threads <= 1:
        x_work = np.empty(n)
        if needs_value:
            vector_values_range(f, X, args, np.intp(0), k, x_work, values, value_status)
        jacobians_range(
            f,
            X,
            args,
            step,
            scale,
            offsets,
            weights,
            values,
            np.intp(0),
            k * n,
            x_work,
            np.empty((BLOCK_COLUMNS, m)),
            np.empty(BLOCK_COLUMNS),
            steps,
            columns,
            status,
        )
    else:
        by_point = needs_value and k >= threads
        if needs_value and not by_point:
            vector_values_range(f, X, args, np.intp(0), k, np.empty(n), values, value_status)
        units = k if by_point else k * n
        chunks = chunk_count(units, threads)
        for c in prange(chunks):
            lo, hi = chunk_bounds(units, chunks, c)
            x_work = np.empty(n)
            block = np.empty((BLOCK_COLUMNS, m))
            scales = np.empty(BLOCK_COLUMNS)
            if by_point:
                vector_values_range(f, X, args, lo, hi, x_work, values, value_status)
                lo, hi = lo * n, hi * n
            jacobians_range(
                f,
                X,
                args,
                step,
                scale,
                offsets,
                weights,
                values,
                lo,
                hi,
                x_work,
                block,
                scales,
                steps,
                columns,
                status,
            )
    return -1, -1, count_failures(status) + count_failures(value_status)


# --- Hessians ----------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def hessian_axes_range(
    f,
    X,
    args,
    step,
    scale,
    axis_offsets,
    lo,
    hi,
    x_work,
    values,
    value_status,
    steps,
    axis_values,
    axis_status,
):
    """Axis items ``lo`` to ``hi - 1``, item ``e`` being ``(p, i) = (e // n, e % n)``.

    The item ``(p, 0)`` also evaluates ``f`` at ``X[p]``; every item fills
    its step and its axis values (``axis_values``, ``axis_status`` (k, n, a))
    by :func:`~fastdiff.kernels.hessian.axis_range`.
    """
    n = X.shape[1]
    for p in range(lo // n, (hi + n - 1) // n):
        start = max(lo - p * n, 0)
        stop = min(hi - p * n, n)
        _load_point(X, p, x_work)
        if start == 0:
            values[p], value_status[p] = call_scalar(f, x_work, args)
        for i in range(start, stop):
            steps[p, i] = entry_step(x_work[i], step, p, i, scale)
        axis_range(
            f, x_work, args, steps[p], axis_offsets, start, stop, axis_values[p], axis_status[p]
        )


@njit(cache=True, error_model="numpy")
def hessian_entries_range(
    f,
    X,
    args,
    stencil,
    values,
    value_status,
    steps,
    axis_values,
    axis_status,
    lo,
    hi,
    x_work,
    pair_values,
    out,
    status,
):
    """Entry items ``lo`` to ``hi - 1``: per point ``1 + n (n - 1) / 2`` of them.

    Item 0 of a point is its diagonal
    (:func:`~fastdiff.kernels.hessian.diagonal_entries`), item ``t > 0`` its
    pair ``t - 1`` (pairs ``i < j`` numbered row by row,
    :func:`~fastdiff.kernels.hessian.pair_range`). A point whose value
    failed gets NaN and that status everywhere (written by its item 0), and
    its pairs are not evaluated.
    """
    n = X.shape[1]
    per_point = 1 + n * (n - 1) // 2
    for p in range(lo // per_point, (hi + per_point - 1) // per_point):
        start = max(lo - p * per_point, 0)
        stop = min(hi - p * per_point, per_point)
        code = value_status[p]
        if code != OK:
            if start == 0:
                out[p] = np.nan
                status[p] = code
            continue
        if start == 0:
            diagonal_entries(
                steps[p], stencil, axis_values[p], axis_status[p], values[p], out[p], status[p]
            )
        first_pair = max(start, 1) - 1
        if stop - 1 > first_pair:
            _load_point(X, p, x_work)
            pair_range(
                f,
                x_work,
                args,
                steps[p],
                stencil,
                axis_values[p],
                axis_status[p],
                values[p],
                first_pair,
                stop - 1,
                out[p],
                status[p],
                pair_values,
            )


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def hessians_driver(
    f, X, args, step, exponent, eps, stencil, threads, values, value_status, steps, out, status
):
    """Hessians at the rows of ``X``; returns ``(bad_row, bad_column, failures)``.

    ``f`` is evaluated at every point (``values``); ``stencil`` as for
    :func:`~fastdiff.kernels.hessian.hessian_serial`; other arguments as for
    :func:`gradients_driver`. The axis items, then the entry items, are
    split into ``threads`` chunks: the threads share a few large Hessians as
    well as many small ones.
    """
    bad_row, bad_column = first_non_finite_entry(X)
    if bad_row >= 0:
        return bad_row, bad_column, 0
    k, n = X.shape
    a = stencil[AXIS_OFFSETS].shape[0]
    scale = eps**exponent
    axis_values = np.empty((k, n, a))
    axis_status = np.empty((k, n, a), dtype=np.int8)
    axis_items = k * n
    entry_items = k * (1 + n * (n - 1) // 2)
    if threads <= 1:
        x_work = np.empty(n)
        hessian_axes_range(
            f,
            X,
            args,
            step,
            scale,
            stencil[AXIS_OFFSETS],
            np.intp(0),
            axis_items,
            x_work,
            values,
            value_status,
            steps,
            axis_values,
            axis_status,
        )
        hessian_entries_range(
            f,
            X,
            args,
            stencil,
            values,
            value_status,
            steps,
            axis_values,
            axis_status,
            np.intp(0),
            entry_items,
            x_work,
            np.empty(stencil[PAIR_OFFSETS].shape[0]),
            out,
            status,
        )
    else:
        chunks = chunk_count(axis_items, threads)
        for c in prange(chunks):
            lo, hi = chunk_bounds(axis_items, chunks, c)
            x_work = np.empty(n)
            hessian_axes_range(
                f,
                X,
                args,
                step,
                scale,
                stencil[AXIS_OFFSETS],
                lo,
                hi,
                x_work,
                values,
                value_status,
                steps,
                axis_values,
                axis_status,
            )
        chunks = chunk_count(entry_items, threads)
        for c in prange(chunks):
            lo, hi = chunk_bounds(entry_items, chunks, c)
            x_work = np.empty(n)
            pair_values = np.empty(stencil[PAIR_OFFSETS].shape[0])
            hessian_entries_range(
                f,
                X,
                args,
                stencil,
                values,
                value_status,
                steps,
                axis_values,
                axis_status,
                lo,
                hi,
                x_work,
                pair_values,
                out,
                status,
            )
    return -1, -1, count_failures(status) + count_failures(value_status)
