"""``method="richardson"``: central differences at shrinking steps, extrapolated level by level.

The steps are ``h, h / 2, h / 4, ...``; each level adds the central
estimates of the entries still active, and one combine step
(:mod:`fastdiff.kernels.extrapolation`) extrapolates, estimates the error
and decides which entries need another level
(:mod:`fastdiff.high_accuracy.richardson` has the schedule). Two ways to run
the loop:

* a compiled ``f``: the whole loop in one call of a driver of
  :mod:`fastdiff.kernels.richardson` (:func:`compiled_richardson`);
* any other ``f``: the loop in Python
  (:func:`fastdiff.high_accuracy.richardson.adaptive_levels`), each level
  one batch of the active entries' points through the backend's evaluator
  (:func:`python_richardson`). A compiled gradient or Jacobian with an
  entry left without a complete window (a stencil point failed) is done
  again this way, where a level whose points failed is taken again with the
  fallback stencils of :mod:`fastdiff.careful`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fastdiff import stencils
from fastdiff.careful import careful_first_derivative
from fastdiff.errors import (
    check_finite_value,
    listing,
    non_finite_error,
    raise_at_x,
    raise_for_careful_failures,
    raise_for_hessian_entries,
    raise_hessian_exception,
    raise_with_note,
)
from fastdiff.high_accuracy import richardson
from fastdiff.kernels.extrapolation import ExtrapolationSchedule
from fastdiff.kernels.richardson import (
    richardson_gradient,
    richardson_hessian,
    richardson_jacobian,
)
from fastdiff.python_path import python_hessian
from fastdiff.result import DerivativeResult
from fastdiff.status import NOT_FINITE, OK, RAISED
from fastdiff.steps import FLOAT64_EPS, default_steps, fill_steps
from fastdiff.threads import threads_argument

_CENTRAL = stencils.resolve_method("central")
#: Default steps of a vanishing level step (fastdiff.steps.fill_steps).
VANISHING_STEP_EXPONENT = {"gradient": 1 / 3, "jacobian": 1 / 3, "hessian": 1 / 4}


def richardson_schedule(
    rtol=None, atol=None, max_levels=None, method: str = "central"
) -> ExtrapolationSchedule:
    """The schedule of ``method="richardson"`` for the user's options (None: the default).

    See :func:`fastdiff.high_accuracy.richardson.extrapolation_schedule`;
    the options were checked by :func:`fastdiff.options.derivative_options`.
    ``method="forward"`` (or ``"backward"``) is the schedule of one-sided
    differences at a bound: error orders ``h, h**2, ...`` and, by default,
    :data:`~fastdiff.high_accuracy.richardson.ONE_SIDED_MAX_LEVELS` levels,
    with no stop for lack of improvement before the last.
    """
    central = method == "central"
    if max_levels is None:
        max_levels = richardson.MAX_LEVELS if central else richardson.ONE_SIDED_MAX_LEVELS
    return richardson.extrapolation_schedule(
        rtol=richardson.DEFAULT_RTOL if rtol is None else rtol,
        atol=atol,
        max_levels=max_levels,
        # One-sided entries go on to their last level (see ONE_SIDED_MAX_LEVELS).
        patience=richardson.PATIENCE if central else max_levels,
        method=method,
    )


def first_scale(object_kind: str) -> float:
    """The default first step relative to ``max(1, |x_i|)``."""
    return richardson.HESSIAN_SCALE if object_kind == "hessian" else richardson.GRADIENT_SCALE


def first_steps(x: np.ndarray, user_steps: np.ndarray, object_kind: str) -> np.ndarray:
    """The first (largest) steps: the user's (absolute), or the default rule."""
    if user_steps.shape[0]:
        return np.abs(user_steps)
    return default_steps(x, first_scale(object_kind))


@dataclass(frozen=True)
class RichardsonOutcome:
    """What one Richardson derivative computed, before it becomes a result.

    ``derivative``, ``error``, ``levels`` and ``converged`` have the shape
    of the derivative (the last three None when not asked for); ``failed``
    counts the NaN entries of ``derivative``.
    ``status`` is per entry for a Hessian (None: from the NaN entries), and
    ``failure_steps`` ``(first steps, level of each entry's first failure,
    ratio)`` for a compiled Hessian with failures.
    """

    derivative: np.ndarray
    error: np.ndarray | None
    levels: np.ndarray | None
    converged: np.ndarray | None
    value: object
    evaluations: int
    failed: int
    status: np.ndarray | None = None
    failure_steps: tuple | None = None


def compiled_richardson(
    backend,
    object_kind: str,
    x: np.ndarray,
    user_steps: np.ndarray,
    schedule: ExtrapolationSchedule,
    threads: int,
    report: bool,
    needs_value: bool = False,
    m: int = 0,
    value=None,
) -> RichardsonOutcome:
    """One call of the compiled driver of ``object_kind`` for a compiled ``f``.

    Parameters
    ----------
    backend : CompiledPasses
    object_kind : {"gradient", "jacobian", "hessian"}
    x : ndarray, shape (n,)
        Finite (checked by the driver: a non-finite entry raises here).
    user_steps : ndarray, shape (n,) or (0,)
        The user's first steps, or empty for the default.
    schedule : ExtrapolationSchedule
    threads : int
    report : bool
        Compute ``error``, ``levels`` and ``converged`` (else they are None).
    needs_value : bool
        Gradient: evaluate ``f(x)`` (returned as ``value``).
    m : int
        Jacobian: the output length.
    value : ndarray, optional
        Jacobian: ``f(x)`` if known (its size gives the rounding part of the
        error estimate).

    Raises
    ------
    ValueError
        A non-finite ``x``; ``f(x)`` failed (Hessian, or gradient with
        ``needs_value``; ``f``'s exception if it raised). Entries the driver
        could not compute are NaN (``failed`` counts them).
    """
    n = x.shape[0]
    scale = first_scale(object_kind)
    offsets, weights = stencils.first_derivative_row("central")
    entries = {"gradient": n, "jacobian": n * m, "hessian": n * (n + 1) // 2}[object_kind]
    out = np.empty(entries)
    size = entries if report else 0
    error, levels = np.empty(size), np.empty(size, dtype=np.int64)
    converged = np.empty(size, dtype=bool)
    if object_kind == "gradient":
        f0, f0_status, bad, evaluations, failed = richardson_gradient(
            backend.address,
            x,
            backend.args,
            user_steps,
            scale,
            offsets,
            weights,
            *schedule,
            needs_value,
            threads_argument(threads),
            out,
            error,
            levels,
            converged,
        )
        _check_start(backend, x, bad, f0, f0_status)
        report_arrays = (error, levels, converged) if report else (None, None, None)
        value = f0 if needs_value else None
        return RichardsonOutcome(out, *report_arrays, value, evaluations, failed)
    if object_kind == "jacobian":
        bad, evaluations, failed = richardson_jacobian(
            backend.address,
            x,
            backend.args,
            user_steps,
            scale,
            offsets,
            weights,
            *schedule,
            m,
            np.nan if value is None else float(np.max(np.abs(value))),
            threads_argument(threads),
            out,
            error,
            levels,
            converged,
        )
        _check_start(backend, x, bad, np.nan, OK)
        # Column after column: (n, m) in C order is the (m, n) Jacobian in F order.
        shaped = [a.reshape(n, m).T if report else None for a in (error, levels, converged)]
        return RichardsonOutcome(out.reshape(n, m).T, *shaped, value, evaluations, failed)
    status = np.empty(entries, dtype=np.int8)
    failed_level = np.empty(entries, dtype=np.int64)
    f0, f0_status, bad, evaluations, failed = richardson_hessian(
        backend.address,
        x,
        backend.args,
        user_steps,
        scale,
        VANISHING_STEP_EXPONENT["hessian"],
        stencils.hessian_arrays("central"),
        *schedule,
        threads_argument(threads),
        out,
        status,
        failed_level,
        error,
        levels,
        converged,
    )
    _check_start(backend, x, bad, f0, f0_status)
    rows, cols = np.triu_indices(n)
    shaped = [_symmetric(a, n, rows, cols) if report else None for a in (error, levels, converged)]
    failure_steps = None
    if failed:
        # Kept for the error message: the steps of the level where f raised.
        first = first_steps(x, user_steps, "hessian")
        failure_steps = (first, _symmetric(failed_level, n, rows, cols), schedule.ratio)
    return RichardsonOutcome(
        _symmetric(out, n, rows, cols),
        *shaped,
        f0,
        evaluations,
        failed,
        _symmetric(status, n, rows, cols),
        failure_steps,
    )


def _symmetric(upper: np.ndarray, n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    full = np.empty((n, n), dtype=upper.dtype)
    full[rows, cols] = upper
    full[cols, rows] = upper
    return full


def _check_start(backend, x, bad: int, f0, f0_status: int) -> None:
    if bad >= 0:
        raise non_finite_error(x, bad)
    if f0_status != OK:
        raise_at_x(backend.function, x, f0_status, f0)


def raise_for_hessian_failures(backend, x: np.ndarray, outcome: RichardsonOutcome) -> None:
    """Raise for the Hessian entries a compiled driver could not compute.

    ``f``'s own exception where it raised (called again from Python at the
    points of the first such entry, with the steps of the level where it
    raised), else a ``ValueError`` naming the entries.
    """
    status = outcome.status
    raised = np.argwhere(status == RAISED)
    if raised.size:
        first, failed_levels, ratio = outcome.failure_steps
        i, j = (int(k) for k in raised[0])
        level = int(failed_levels[i, j])
        h = fill_steps(
            x,
            first / ratio**level,
            VANISHING_STEP_EXPONENT["hessian"],
            FLOAT64_EPS,
            np.empty_like(x),
        )
        only = np.zeros_like(status)
        only[i, j] = RAISED
        raise_hessian_exception(backend.function, x, h, stencils.hessian_arrays("central"), only)
    raise_for_hessian_entries(
        np.where(np.isnan(outcome.derivative), NOT_FINITE, OK).astype(np.int8)
    )


def python_richardson(
    backend,
    object_kind: str,
    x: np.ndarray,
    user_steps: np.ndarray,
    schedule: ExtrapolationSchedule,
    value=None,
    m: int = 0,
    raise_failures: bool = True,
) -> RichardsonOutcome:
    """The level loop in Python, each level one pass of ``backend`` over the active entries.

    Parameters
    ----------
    backend : PythonPasses or CompiledPasses
        A compiled backend for a gradient or Jacobian whose compiled driver
        left entries without a complete window.
    object_kind, x, user_steps, schedule
        As :func:`compiled_richardson`.
    value : float or ndarray, optional
        ``f(x)``: its size gives the rounding part of the error estimate.
        A Hessian evaluates it if not given; a Jacobian needs it (its length).
    m : int
        Jacobian: the output length.
    raise_failures : bool
        Raise for entries left without an estimate (``f``'s exception with
        the point where it raised, or a ``ValueError`` naming the entries);
        False leaves them NaN with a status.

    Notes
    -----
    A gradient or Jacobian level costs 2 evaluations per active coordinate
    (column); one whose points failed for an active entry is done again
    with the fallback stencils (:func:`fastdiff.careful.careful_first_derivative`,
    ``2 n`` or more evaluations). A Hessian costs ``f(x)`` once, then per
    level 2 evaluations per coordinate with an active entry in its row and
    2 per active pair ``i < j``.
    """
    first = first_steps(x, user_steps, object_kind)
    exponent = VANISHING_STEP_EXPONENT[object_kind]
    spent = [0]
    trouble = []

    def steps_at(level: int) -> np.ndarray:
        return fill_steps(x, first / schedule.ratio**level, exponent, FLOAT64_EPS, np.empty_like(x))

    if object_kind == "hessian":
        if value is None:
            value = backend.value(x)
            spent[0] += 1
            check_finite_value(value)
        estimate_at = _hessian_level(backend, x, value, steps_at, spent, trouble)
        size, degree, stencil_weight = abs(float(value)), 2, 4.0
    else:
        estimate_at = _first_derivative_level(backend, x, value, m, steps_at, spent, trouble)
        size = None if value is None else float(np.max(np.abs(value)))
        degree, stencil_weight = 1, 1.0
    rounding = None
    if size is not None:
        per_coordinate = FLOAT64_EPS * size * stencil_weight / first
        if degree == 1:
            rounding = (
                per_coordinate if object_kind == "gradient" else per_coordinate[np.newaxis, :]
            )
        else:
            rounding = FLOAT64_EPS * size * stencil_weight / np.outer(first, first)
    result = richardson.adaptive_levels(estimate_at, schedule, rounding, schedule.ratio**degree)
    failed = int(np.isnan(result.estimate).sum())
    if failed and raise_failures:
        _raise_python_failures(x, trouble, result.estimate, object_kind)
    status = None
    if object_kind == "hessian":
        status = np.where(np.isnan(result.estimate), NOT_FINITE, OK).astype(np.int8)
    return RichardsonOutcome(
        result.estimate,
        result.error,
        result.levels,
        result.converged,
        value,
        spent[0],
        failed,
        status,
    )


def _first_derivative_level(backend, x, value, m, steps_at, spent, trouble):
    n = x.shape[0]
    offsets, weights = stencils.first_derivative_table("central", n)

    def estimate_at(level, needed):
        h = steps_at(level)
        if needed is None:
            coordinates = np.ones(n, dtype=bool)
        else:
            # A Jacobian entry (r, i) needs column i.
            coordinates = needed if needed.ndim == 1 else needed.any(axis=0)
        level_weights = np.where(coordinates[:, np.newaxis], weights, 0.0)
        result = backend.run(x, h, offsets, level_weights, value, m)
        spent[0] += result.evaluations
        derivative = np.array(result.derivative, dtype=np.float64)
        failed = (result.status != OK) & coordinates
        if failed.any():
            # Fallback stencils for this level (one-sided where a point failed).
            careful = careful_first_derivative(backend, _CENTRAL, x, h, None, False, m)
            spent[0] += careful.evaluations
            derivative = np.array(careful.derivative, dtype=np.float64)
            failed = (careful.status != OK) & coordinates
            if failed.any():
                trouble.append(careful)
        derivative[..., failed] = np.nan
        return derivative

    return estimate_at


def _hessian_level(backend, x, value, steps_at, spent, trouble):
    arrays = stencils.hessian_arrays("central")

    def estimate_at(level, needed):
        h = steps_at(level)
        if needed is None:
            axes, pairs = None, None
        else:
            axes = np.flatnonzero(needed.any(axis=0))
            pairs = np.nonzero(np.triu(needed, 1))
        result = python_hessian(
            backend.function, x, h, arrays, backend.evaluator, axes, pairs, value
        )
        spent[0] += result.evaluations
        derivative = np.array(result.derivative, dtype=np.float64)
        failed = result.status != OK
        if failed.any():
            trouble.append(result)
        derivative[failed] = np.nan
        return derivative

    return estimate_at


def _raise_python_failures(x, trouble, estimate, object_kind) -> None:
    # f's own exception first (with the point where it raised); then what
    # the compiled path says for the same failure.
    for result in trouble:
        if object_kind == "hessian":
            if result.errors:
                error, where = result.errors[min(result.errors)]
                raise_with_note(error, f"fastdiff: f raised {where}")
            continue
        raise_for_careful_failures(result, x)
    if object_kind == "hessian":
        raise_for_hessian_entries(np.where(np.isnan(estimate), NOT_FINITE, OK).astype(np.int8))
    failed = np.argwhere(np.isnan(estimate))
    entries = [tuple(int(k) for k in f) if len(f) > 1 else int(f[0]) for f in failed]
    raise ValueError(
        f"f returned a non-finite value at the points of method='richardson' for entries "
        f"{listing(entries)}"
    )


def richardson_result(
    outcome: RichardsonOutcome, first: np.ndarray, object_kind: str, evaluations: int
) -> DerivativeResult:
    """The :class:`~fastdiff.DerivativeResult` of a Richardson derivative.

    ``evaluations`` is the total the call spent (a compiled attempt
    included); ``first`` the first steps.
    """
    finite = np.isfinite(outcome.derivative)
    if outcome.status is not None:
        status = outcome.status
    elif object_kind == "jacobian":
        status = np.where(finite.all(axis=0), OK, NOT_FINITE).astype(np.int8)  # per column
    else:
        status = np.where(finite, OK, NOT_FINITE).astype(np.int8)
    return DerivativeResult(
        outcome.derivative,
        outcome.value,
        outcome.error,
        first,
        evaluations,
        status,
        "richardson",
        converged=outcome.converged,
        levels=outcome.levels,
    )


__all__ = [
    "RichardsonOutcome",
    "compiled_richardson",
    "first_scale",
    "first_steps",
    "python_richardson",
    "raise_for_hessian_failures",
    "richardson_result",
    "richardson_schedule",
]
