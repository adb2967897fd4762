"""``method="richardson"`` for a compiled ``f``: the whole level loop in one compiled call.

Each driver runs central differences at the steps ``h / ratio**k``, level
after level, for the entries still active only, and hands every level to
the combine step of :mod:`fastdiff.kernels.extrapolation` (the same one the
Python level loop calls). Evaluations go through the kernels of
:mod:`fastdiff.kernels.gradient`, :mod:`~fastdiff.kernels.jacobian` and
:mod:`~fastdiff.kernels.hessian` (serial when ``threads`` is None, else parallel);
a gradient or Jacobian level gives the inactive coordinates a row of zero
weights, which the kernels skip without evaluating ``f``.

Outputs are flat, one value per entry: the coordinates of a gradient, the
entries of a Jacobian column after column (``e = i * m + r`` for row ``r``
of column ``i``), the upper triangle of a Hessian row after row
(:func:`upper_index`). The Python layer reshapes them.

A point where ``f`` fails (raises, or returns a non-finite value) gives NaN
at that level for its entries: an entry keeps its best complete window, and
one without any ends NaN and is counted in the returned ``failed``. The
caller then decides (the API retries gradients and Jacobians with fallback
stencils, :mod:`fastdiff.high_accuracy.richardson_derivative`).

``step`` is empty for the default first steps ``scale * max(1, |x_i|)``, or
the user's absolute first steps (their sign is ignored). Each level's steps
are made representable (:func:`fastdiff.steps.fill_steps`).
"""

import math

import numpy as np
from numba import njit, prange

from fastdiff.kernels._calling import call_scalar
from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.kernels.drivers import first_non_finite
from fastdiff.kernels.extrapolation import (
    MAX_LEVELS_SETTING,
    RATIO_SETTING,
    add_level,
    choose_active,
    finish_entries,
)
from fastdiff.kernels.formulas import hessian_diagonal_entry, hessian_offdiagonal_entry
from fastdiff.kernels.gradient import gradient_parallel, gradient_range
from fastdiff.kernels.hessian import axis_range
from fastdiff.kernels.jacobian import jacobian_parallel, jacobian_serial
from fastdiff.kernels.sparse_hessian import pair_points_range
from fastdiff.status import OK
from fastdiff.stencil_positions import (
    AXIS_OFFSETS,
    CENTER_WEIGHTS,
    DIAGONAL_AXIS_WEIGHTS,
    OFFDIAGONAL_AXIS_WEIGHTS,
    PAIR_OFFSETS,
)
from fastdiff.steps import default_step, fill_steps

_EPS = np.finfo(np.float64).eps


@njit(cache=True, error_model="numpy", inline="always")
def _first_steps(x, step, scale, first):
    for i in range(x.shape[0]):
        first[i] = abs(step[i]) if step.shape[0] > 0 else default_step(x[i], scale)


@njit(cache=True, error_model="numpy", inline="always")
def _level_steps(x, first, divisor, exponent, scratch, h):
    for i in range(x.shape[0]):
        scratch[i] = first[i] / divisor
    fill_steps(x, scratch, exponent, _EPS, h)


@njit(cache=True, error_model="numpy", inline="always")
def _reset(estimate, truncation, start, active):
    estimate[:] = np.nan
    truncation[:] = np.nan
    start[:] = -1
    active[:] = True


@njit(cache=True, error_model="numpy", inline="always")
def _count_nan(values):
    count = 0
    for v in values:
        if math.isnan(v):
            count += 1
    return count


@njit(cache=True, error_model="numpy", inline="always")
def _stencil_counts(offsets, weights):
    # Evaluations per coordinate, and sum |w| (for the rounding error).
    per_entry = 0
    stencil_weight = 0.0
    for k in range(offsets.shape[1]):
        stencil_weight += abs(weights[0, k])
        if weights[0, k] != 0.0 and offsets[0, k] != 0.0:
            per_entry += 1
    return per_entry, stencil_weight


@njit(cache=True, error_model="numpy", inline="always")
def _stencil_tables(offsets, n):
    # One row per coordinate: the level loop zeroes the rows of inactive ones.
    width = offsets.shape[1]
    offsets_table = np.empty((n, width))
    weights_table = np.empty((n, width))
    for k in range(width):
        offsets_table[:, k] = offsets[0, k]
    return offsets_table, weights_table


@njit(cache=True, error_model="numpy", inline="always")
def _set_row(weights_table, weights, i, used):
    for k in range(weights.shape[1]):
        weights_table[i, k] = weights[0, k] if used else 0.0


@njit(cache=True, error_model="numpy", nogil=True)
def richardson_gradient(
    f,
    x,
    args,
    step,
    scale,
    offsets,
    weights,
    extrapolation,
    settings,
    needs_value,
    threads,
    out,
    error,
    levels,
    converged,
):
    """Richardson-extrapolated gradient of a scalar ``f`` at ``x``.

    Parameters
    ----------
    f, x, args
        As in :func:`fastdiff.kernels.gradient.gradient_serial`.
    step : ndarray, shape (n,) or (0,)
        First (largest) absolute steps, or empty for the default.
    scale : float
        The default first step relative to ``max(1, |x_i|)``.
    offsets, weights : ndarray, shape (1, k)
        The central stencil (:func:`fastdiff.stencils.first_derivative_row`).
    extrapolation, settings : ndarray
        ``weights`` and ``settings`` of an
        :class:`~fastdiff.kernels.extrapolation.ExtrapolationSchedule`.
    needs_value : bool
        Evaluate ``f(x)``: returned, and its size gives the rounding part
        of the error estimate.
    threads : int or None
        None for the serial loop, else the parallel gradient kernel's chunks.
        (None, not 1: Numba then leaves the parallel branch out of the
        compiled code, which halves the first compile of a serial call.)
    out : ndarray, shape (n,)
        Receives the gradient.
    error : ndarray, shape (n,) or (0,)
        Receives the error estimate per entry; empty: not wanted (then
        ``levels`` and ``converged`` are empty too).
    levels : ndarray of int64, shape (n,) or (0,)
        Receives the levels each entry used.
    converged : ndarray of bool, shape (n,) or (0,)
        Receives whether each entry met the tolerance.

    Returns
    -------
    f0 : float
        ``f(x)`` if ``needs_value``, else NaN.
    f0_status : int
        Its status (nothing else is evaluated if it failed).
    bad_coordinate : int
        First non-finite entry of ``x``, or -1 (then nothing is evaluated).
    evaluations : int
        Evaluations of ``f``, ``f(x)`` included.
    failed : int
        Entries without a complete window (NaN in ``out``).

    Notes
    -----
    ``2 n_k`` evaluations at level ``k`` for the ``n_k`` coordinates still
    active: ``4 n`` when every entry stops after two levels, ``6 n`` after
    three; plus one for ``f(x)``.
    """
    bad = first_non_finite(x)
    if bad >= 0:
        return np.nan, OK, bad, 0, 0
    n = x.shape[0]
    f0 = np.nan
    evaluations = 0
    if needs_value:
        f0, f0_status = call_scalar(f, x, args)
        evaluations += 1
        if f0_status != OK:
            return f0, f0_status, -1, evaluations, 0
    max_levels = np.intp(settings[MAX_LEVELS_SETTING])
    # One block for the table and the per-entry numbers.
    block = np.empty((max_levels + 6, n))
    table = block[:max_levels]
    estimate, truncation, first = block[max_levels], block[max_levels + 1], block[max_levels + 2]
    h, scratch, values = block[max_levels + 3], block[max_levels + 4], block[max_levels + 5]
    counts = np.empty((2, n), dtype=np.int64)
    start, used = counts[0], counts[1]
    active = np.empty(n, dtype=np.bool_)
    status = np.empty(n, dtype=np.int8)
    _reset(estimate, truncation, start, active)
    _first_steps(x, step, scale, first)
    per_entry, stencil_weight = _stencil_counts(offsets, weights)
    # The parallel kernel splits the coordinates evenly: the inactive ones
    # get a row of zero weights, which it skips. The serial loop runs over
    # each run of active coordinates with the shared row instead (no table
    # to fill at every level).
    offsets_table, weights_table = _stencil_tables(offsets, 0 if threads is None else n)
    x_work = x.copy()
    stencil_values = np.empty(offsets.shape[1])
    ratio = settings[RATIO_SETTING]
    for level in range(max_levels):
        _level_steps(x, first, ratio**level, 1.0 / 3.0, scratch, h)
        count = 0
        for i in range(n):
            count += active[i]
        if threads is not None:
            for i in range(n):
                _set_row(weights_table, weights, i, active[i])
            gradient_parallel(
                f, x, args, h, offsets_table, weights_table, f0, values, status, threads
            )
        else:
            lo = 0
            while lo < n:
                if not active[lo]:
                    lo += 1
                    continue
                hi = lo + 1
                while hi < n and active[hi]:
                    hi += 1
                gradient_range(
                    f,
                    x_work,
                    args,
                    h,
                    offsets,
                    weights,
                    f0,
                    lo,
                    hi,
                    values,
                    status,
                    stencil_values,
                )
                lo = hi
        evaluations += per_entry * count
        for i in range(n):
            if active[i]:
                table[level, i] = values[i] if status[i] == OK else np.nan
        add_level(table, level, active, extrapolation, settings, estimate, truncation, start)
        if choose_active(level, active, estimate, truncation, start, settings, used) == 0:
            break
    if error.shape[0] > 0:
        rounding = np.empty(n if needs_value else 0)
        for i in range(rounding.shape[0]):
            rounding[i] = _EPS * abs(f0) * stencil_weight / first[i]
        finish_entries(
            estimate,
            truncation,
            start,
            used,
            rounding,
            ratio,
            extrapolation,
            settings,
            error,
            converged,
        )
        levels[:] = used
    out[:] = estimate
    return f0, OK, -1, evaluations, _count_nan(estimate)


@njit(cache=True, error_model="numpy", nogil=True)
def richardson_jacobian(
    f,
    x,
    args,
    step,
    scale,
    offsets,
    weights,
    extrapolation,
    settings,
    m,
    value_size,
    threads,
    out,
    error,
    levels,
    converged,
):
    """Richardson-extrapolated Jacobian (m, n) of a vector ``f`` at ``x``.

    Parameters as :func:`richardson_gradient`, except:

    m : int
        Output length of ``f``.
    value_size : float
        ``max |f(x)|`` for the rounding part of the error estimate; NaN if
        not known (then the error is the truncation part alone).
    out, error, levels, converged : ndarray, shape (n m,)
        Flat, column after column (``e = i * m + r``); ``error``,
        ``levels`` and ``converged`` may be empty (not wanted).

    A column is evaluated at a level if one of its entries is active; the
    other entries of that column do not take the level.

    Returns
    -------
    bad_coordinate : int
    evaluations : int
    failed : int
        Entries without a complete window.

    Notes
    -----
    ``2 n_k`` evaluations at level ``k`` for the ``n_k`` columns with an
    active entry.
    """
    bad = first_non_finite(x)
    if bad >= 0:
        return bad, 0, 0
    n = x.shape[0]
    entries = n * m
    max_levels = np.intp(settings[MAX_LEVELS_SETTING])
    block = np.empty((max_levels + 2, entries))
    table = block[:max_levels]
    estimate, truncation = block[max_levels], block[max_levels + 1]
    counts = np.empty((2, entries), dtype=np.int64)
    start, used = counts[0], counts[1]
    active = np.empty(entries, dtype=np.bool_)
    _reset(estimate, truncation, start, active)
    steps = np.empty((3, n))
    first, h, scratch = steps[0], steps[1], steps[2]
    _first_steps(x, step, scale, first)
    per_entry, stencil_weight = _stencil_counts(offsets, weights)
    offsets_table, weights_table = _stencil_tables(offsets, n)
    values = np.empty((n, m)).T  # contiguous columns
    zeros = np.zeros(m)
    status = np.empty(n, dtype=np.int8)
    ratio = settings[RATIO_SETTING]
    evaluations = 0
    for level in range(max_levels):
        _level_steps(x, first, ratio**level, 1.0 / 3.0, scratch, h)
        count = 0
        for i in range(n):
            needed = False
            for r in range(m):
                if active[i * m + r]:
                    needed = True
                    break
            _set_row(weights_table, weights, i, needed)
            count += needed
        if threads is not None:
            jacobian_parallel(
                f, x, args, h, offsets_table, weights_table, zeros, values, status, threads
            )
        else:
            jacobian_serial(f, x, args, h, offsets_table, weights_table, zeros, values, status)
        evaluations += per_entry * count
        for i in range(n):
            for r in range(m):
                e = i * m + r
                if active[e]:
                    table[level, e] = values[r, i] if status[i] == OK else np.nan
        add_level(table, level, active, extrapolation, settings, estimate, truncation, start)
        if choose_active(level, active, estimate, truncation, start, settings, used) == 0:
            break
    if error.shape[0] > 0:
        rounding = np.empty(0 if math.isnan(value_size) else entries)
        if rounding.shape[0] > 0:
            for i in range(n):
                for r in range(m):
                    rounding[i * m + r] = _EPS * value_size * stencil_weight / first[i]
        finish_entries(
            estimate,
            truncation,
            start,
            used,
            rounding,
            ratio,
            extrapolation,
            settings,
            error,
            converged,
        )
        levels[:] = used
    out[:] = estimate
    return -1, evaluations, _count_nan(estimate)


@njit(cache=True, error_model="numpy", inline="always")
def upper_index(n, i, j):
    """Position of entry ``(i, j)``, ``i <= j``, in the upper triangle stored row after row."""
    return i * n - (i * (i - 1)) // 2 + (j - i)


@njit(cache=True, error_model="numpy")
def _level_points_serial(
    f, x, args, h, stencil, axes, rows, columns, axis_values, axis_status, pair_values, pair_status
):
    x_work = x.copy()
    for c in range(axes.shape[0]):
        i = axes[c]
        axis_range(f, x_work, args, h, stencil[AXIS_OFFSETS], i, i + 1, axis_values, axis_status)
    pair_points_range(
        f,
        x_work,
        args,
        h,
        stencil[PAIR_OFFSETS],
        rows,
        columns,
        np.intp(0),
        rows.shape[0],
        pair_values,
        pair_status,
    )


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def _level_points_parallel(
    f,
    x,
    args,
    h,
    stencil,
    axes,
    rows,
    columns,
    axis_values,
    axis_status,
    pair_values,
    pair_status,
    threads,
):
    count = axes.shape[0]
    chunks = chunk_count(count, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(count, chunks, c)
        x_work = x.copy()
        for a in range(lo, hi):
            i = axes[a]
            axis_range(
                f, x_work, args, h, stencil[AXIS_OFFSETS], i, i + 1, axis_values, axis_status
            )
    pairs = rows.shape[0]
    chunks = chunk_count(pairs, threads)
    for c in prange(chunks):
        lo, hi = chunk_bounds(pairs, chunks, c)
        x_work = x.copy()
        pair_points_range(
            f,
            x_work,
            args,
            h,
            stencil[PAIR_OFFSETS],
            rows,
            columns,
            lo,
            hi,
            pair_values,
            pair_status,
        )


@njit(cache=True, error_model="numpy", inline="always")
def _first_failure(codes, row, weights):
    # The first failure among the axis values an entry uses (weights != 0), or OK.
    for a in range(codes.shape[1]):
        if weights[a] != 0.0 and codes[row, a] != OK:
            return codes[row, a]
    return OK


@njit(cache=True, error_model="numpy", inline="always")
def _pair_failure(pair_status, q):
    for t in range(pair_status.shape[1]):
        if pair_status[q, t] != OK:
            return pair_status[q, t]
    return OK


@njit(cache=True, error_model="numpy", nogil=True)
def richardson_hessian(
    f,
    x,
    args,
    step,
    scale,
    exponent,
    stencil,
    extrapolation,
    settings,
    threads,
    out,
    status,
    failed_level,
    error,
    levels,
    converged,
):
    """Richardson-extrapolated Hessian of a scalar ``f`` at ``x``, upper triangle.

    Parameters as :func:`richardson_gradient`, except:

    exponent : float
        Of the default step a vanishing step falls back to
        (:func:`fastdiff.steps.fill_steps`).
    stencil : tuple of ndarray
        :func:`fastdiff.stencils.hessian_arrays` of the central stencil.
    out : ndarray, shape (n (n + 1) / 2,)
        Flat upper triangle (:func:`upper_index`).
    status : ndarray of int8, shape (n (n + 1) / 2,)
        Receives, for the entries left without an estimate, the first
        failure among their points (OK elsewhere).
    failed_level : ndarray of int64, shape (n (n + 1) / 2,)
        Receives the level of that failure (-1 if none).
    error, levels, converged : ndarray, shape (n (n + 1) / 2,) or (0,)
        As for :func:`richardson_gradient`, flat upper triangle.

    Returns
    -------
    f0, f0_status, bad_coordinate, evaluations, failed
        As :func:`richardson_gradient`; ``f(x)`` is always evaluated (the
        diagonal uses it) and gives the rounding part of the error.

    Notes
    -----
    ``1`` evaluation for ``f(x)``, then at each level ``a`` per coordinate
    with an active entry in its row or column plus ``p`` per active pair
    ``i < j`` (central: ``a = p = 2``): ``1 + L (n**2 + n)`` when every entry
    takes ``L`` levels.
    """
    bad = first_non_finite(x)
    if bad >= 0:
        return np.nan, OK, bad, 0, 0
    n = x.shape[0]
    entries = n * (n + 1) // 2
    f0, f0_status = call_scalar(f, x, args)
    evaluations = 1
    if f0_status != OK:
        return f0, f0_status, -1, evaluations, 0
    max_levels = np.intp(settings[MAX_LEVELS_SETTING])
    ratio = settings[RATIO_SETTING]
    axis_offsets = stencil[AXIS_OFFSETS]
    diagonal_weights = stencil[DIAGONAL_AXIS_WEIGHTS]
    offdiagonal_weights = stencil[OFFDIAGONAL_AXIS_WEIGHTS]
    a = axis_offsets.shape[0]
    p = stencil[PAIR_OFFSETS].shape[0]
    block = np.empty((max_levels + 2, entries))
    table = block[:max_levels]
    estimate, truncation = block[max_levels], block[max_levels + 1]
    counts = np.empty((2, entries), dtype=np.int64)
    start, used = counts[0], counts[1]
    active = np.empty(entries, dtype=np.bool_)
    _reset(estimate, truncation, start, active)
    status[:] = OK
    failed_level[:] = -1
    steps = np.empty((3, n))
    first, h, scratch = steps[0], steps[1], steps[2]
    _first_steps(x, step, scale, first)
    axis_values = np.empty((n, a))
    axis_status = np.empty((n, a), dtype=np.int8)
    involved = np.empty(n, dtype=np.bool_)
    pair_count = n * (n - 1) // 2
    lists = np.empty((3, max(pair_count, n)), dtype=np.int64)
    all_rows, all_columns, all_axes = lists[0], lists[1], lists[2]
    pair_values = np.empty((pair_count, p))
    pair_status = np.empty((pair_count, p), dtype=np.int8)
    for level in range(max_levels):
        _level_steps(x, first, ratio**level, exponent, scratch, h)
        involved[:] = False
        pairs = 0
        for i in range(n):
            for j in range(i, n):
                if active[upper_index(n, i, j)]:
                    involved[i] = True
                    involved[j] = True
                    if j > i:
                        all_rows[pairs] = i
                        all_columns[pairs] = j
                        pairs += 1
        axes = 0
        for i in range(n):
            if involved[i]:
                all_axes[axes] = i
                axes += 1
        rows = all_rows[:pairs]
        columns = all_columns[:pairs]
        if threads is not None:
            _level_points_parallel(
                f,
                x,
                args,
                h,
                stencil,
                all_axes[:axes],
                rows,
                columns,
                axis_values,
                axis_status,
                pair_values,
                pair_status,
                threads,
            )
        else:
            _level_points_serial(
                f,
                x,
                args,
                h,
                stencil,
                all_axes[:axes],
                rows,
                columns,
                axis_values,
                axis_status,
                pair_values,
                pair_status,
            )
        evaluations += a * axes + p * pairs
        for i in range(n):
            e = upper_index(n, i, i)
            if active[e]:
                code = _first_failure(axis_status, i, diagonal_weights)
                value = hessian_diagonal_entry(axis_values[i], f0, stencil, h[i])
                _take(table, level, e, value, code, status, failed_level)
        for q in range(pairs):
            i = rows[q]
            j = columns[q]
            code = _pair_failure(pair_status, q)
            if code == OK:
                code = _first_failure(axis_status, i, offdiagonal_weights)
            if code == OK:
                code = _first_failure(axis_status, j, offdiagonal_weights)
            value = hessian_offdiagonal_entry(
                pair_values[q], axis_values[i], axis_values[j], f0, stencil, h[i], h[j]
            )
            _take(table, level, upper_index(n, i, j), value, code, status, failed_level)
        add_level(table, level, active, extrapolation, settings, estimate, truncation, start)
        if choose_active(level, active, estimate, truncation, start, settings, used) == 0:
            break
    if error.shape[0] > 0:
        # sum |w| of the central diagonal stencil, as in
        # fastdiff.high_accuracy.richardson.rounding_errors
        stencil_weight = abs(stencil[CENTER_WEIGHTS][0])
        for k in range(a):
            stencil_weight += abs(diagonal_weights[k])
        rounding = np.empty(entries)
        for i in range(n):
            for j in range(i, n):
                rounding[upper_index(n, i, j)] = (
                    _EPS * abs(f0) * stencil_weight / (first[i] * first[j])
                )
        finish_entries(
            estimate,
            truncation,
            start,
            used,
            rounding,
            ratio**2,
            extrapolation,
            settings,
            error,
            converged,
        )
        levels[:] = used
    out[:] = estimate
    for e in range(entries):
        if not math.isnan(estimate[e]):
            status[e] = OK
    return f0, OK, -1, evaluations, _count_nan(estimate)


@njit(cache=True, error_model="numpy", inline="always")
def _take(table, level, e, value, code, status, failed_level):
    # An entry's value at this level, NaN where one of its points failed
    # (the first failure is kept for the error message).
    table[level, e] = value if code == OK else np.nan
    if code != OK and status[e] == OK:
        status[e] = code
        failed_level[e] = level
