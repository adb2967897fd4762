"""``method="richardson"`` with ``bounds``: central inside the box, one-sided at a bound.

The first (largest) step of each coordinate decides its stencil, and the
steps only shrink after it, so every point of every level stays in the box:

* central, where ``x_i +- h_i`` fits: central differences, extrapolated
  with the error orders ``h**2, h**4, ...`` (the schedule of a Richardson
  derivative without bounds);
* forward where ``x_i + h_i`` fits, else backward where ``x_i - h_i`` fits,
  else towards the wider side with the first step shrunk to its room:
  first-order one-sided differences ``(f(x +- h e_i) - f(x)) / (+- h)`` at
  the same steps ``h, h / 2, h / 4, ...``, extrapolated with the orders
  ``h, h**2, h**3, ...`` (:data:`fastdiff.high_accuracy.richardson.ERROR_ORDERS`)
  and, by default, up to
  :data:`~fastdiff.high_accuracy.richardson.ONE_SIDED_MAX_LEVELS` levels;
* fixed (``lb_i == ub_i``): the entry is 0 and ``f`` is not evaluated for it.

The two groups run the level loop of
:func:`fastdiff.high_accuracy.richardson.adaptive_levels` one after the
other, each with its own schedule (the compiled combine step takes one set
of weights per loop). Each level is one pass of the backend's per-coordinate
stencil tables, for a compiled ``f`` as well: the compiled Richardson
drivers take one stencil for all coordinates.
"""

from __future__ import annotations

import numpy as np

from fastdiff.bounds import fits_in_box
from fastdiff.errors import RaisedAt, check_finite_value, listing, raise_with_note
from fastdiff.high_accuracy import richardson
from fastdiff.high_accuracy.richardson_derivative import (
    VANISHING_STEP_EXPONENT,
    RichardsonOutcome,
    first_steps,
)
from fastdiff.kernels.bounds import shrunk_step
from fastdiff.kernels.extrapolation import ExtrapolationSchedule
from fastdiff.status import OK
from fastdiff.stencils import FIRST_DERIVATIVE, stencil_row
from fastdiff.steps import FLOAT64_EPS, fill_steps

#: Side of each coordinate's stencil (:func:`richardson_sides`).
FIXED, CENTRAL, FORWARD, BACKWARD = 0, 1, 2, 3

#: The stencil of each side (``FIXED``: zero weights), as table rows of width 2.
_ROWS = {
    FIXED: (np.zeros(2), np.zeros(2)),
    CENTRAL: stencil_row(FIRST_DERIVATIVE["central"], 2),
    FORWARD: stencil_row(FIRST_DERIVATIVE["forward"], 2),
    BACKWARD: stencil_row(FIRST_DERIVATIVE["backward"], 2),
}

#: ``sum |w|`` of each stencil: scales the rounding part of the error estimate.
_STENCIL_WEIGHT = {CENTRAL: 1.0, FORWARD: 2.0, BACKWARD: 2.0}

_OFFSETS_OF_SIDE = {CENTRAL: (-1.0, 1.0), FORWARD: (1.0,), BACKWARD: (-1.0,)}


def richardson_sides(
    x: np.ndarray, first: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The stencil side of each coordinate and its first step, all points in the box.

    Parameters
    ----------
    x : ndarray, shape (n,)
        A point inside the box.
    first : ndarray, shape (n,)
        Positive first (largest) steps.
    lb, ub : ndarray, shape (n,)

    Returns
    -------
    sides : ndarray of int, shape (n,)
        :data:`FIXED`, :data:`CENTRAL`, :data:`FORWARD` or :data:`BACKWARD`.
    first : ndarray, shape (n,)
        Positive first steps: the given ones, shrunk to the room on the
        wider side where neither side has room for them.

    Raises
    ------
    ValueError
        A box narrower than the float spacing at ``x_i`` (and not fixed).
    """
    fixed = lb == ub
    central = ~fixed & fits_in_box(x, first, (-1.0, 1.0), lb, ub)
    forward = ~fixed & ~central & fits_in_box(x, first, (1.0,), lb, ub)
    backward = ~fixed & ~central & ~forward & fits_in_box(x, -first, (1.0,), lb, ub)
    sides = np.select([fixed, central, forward, backward], [FIXED, CENTRAL, FORWARD, BACKWARD], -1)
    first = first.copy()
    for i in np.flatnonzero(sides < 0):
        above, below = ub[i] - x[i], x[i] - lb[i]
        direction = 1.0 if above >= below else -1.0
        step = shrunk_step(x[i], max(above, below), direction, np.ones(1), lb[i], ub[i])
        if step == 0.0:
            raise ValueError(
                f"bounds: the box is too narrow at x[{i}] = {x[i]} for any finite "
                f"difference ([{lb[i]}, {ub[i]}])"
            )
        sides[i] = FORWARD if direction > 0 else BACKWARD
        first[i] = abs(step)
    return sides, first


def steps_in_box(
    x: np.ndarray, h: np.ndarray, sides: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> np.ndarray:
    """``h`` with each step moved towards 0 until its stencil's points are in the box.

    A level's steps are the first ones divided by ``ratio**k`` and made
    representable (``(x_i + h_i) - x_i == h_i``), which can round a step
    up by one unit in the last place; that step is taken down again here.
    """
    h = h.copy()
    for side, offsets in _OFFSETS_OF_SIDE.items():
        chosen = sides == side
        for _ in range(64):
            outside = chosen & ~fits_in_box(x, h, offsets, lb, ub)
            if not outside.any():
                break
            h[outside] = np.nextafter(h[outside], 0.0)
    return h


def bounded_richardson(
    backend,
    object_kind: str,
    x: np.ndarray,
    user_steps: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    schedules: tuple[ExtrapolationSchedule, ExtrapolationSchedule],
    value=None,
    m: int = 0,
    raise_failures: bool = True,
) -> tuple[RichardsonOutcome, np.ndarray]:
    """Gradient or Jacobian by Richardson extrapolation with every point in ``bounds``.

    Parameters
    ----------
    backend : PythonPasses or CompiledPasses
    object_kind : {"gradient", "jacobian"}
    x : ndarray, shape (n,)
        Finite, inside the box.
    user_steps : ndarray, shape (n,) or (0,)
        The user's first steps, or empty for the default.
    bounds : tuple of ndarray
        ``(lb, ub)``, each of shape (n,).
    schedules : tuple of ExtrapolationSchedule
        The central schedule and the one-sided one
        (:func:`fastdiff.high_accuracy.richardson_derivative.richardson_schedule`).
    value : float or ndarray, optional
        ``f(x)``; evaluated here when a coordinate is one-sided and it is not
        given. A Jacobian needs it (its length ``m``).
    m : int
        Jacobian: the output length.
    raise_failures : bool
        Raise for entries left without an estimate (``f``'s exception, or a
        ``ValueError`` naming the entries); False leaves them NaN.

    Returns
    -------
    outcome : RichardsonOutcome
    first : ndarray, shape (n,)
        Signed first steps (negative: backward; 0: fixed coordinate).

    Notes
    -----
    ``f(x)`` once if a coordinate is one-sided (or the value was asked
    for), then per level 2 evaluations per active central coordinate
    (Jacobian: column) and 1 per active one-sided one; none for fixed ones.
    A central coordinate left without an estimate (its points failed inside
    the box) is done again forward, then backward, at the one-sided cost.
    """
    lb, ub = bounds
    n = x.shape[0]
    central_schedule, one_sided_schedule = schedules
    sides, first = richardson_sides(x, first_steps(x, user_steps, object_kind), lb, ub)
    spent = [0]
    trouble = []
    shape = (n,) if object_kind == "gradient" else (m, n)
    derivative = np.zeros(shape)
    error = np.zeros(shape)
    levels = np.zeros(shape, dtype=np.int64)
    converged = np.ones(shape, dtype=bool)

    def run(group, schedule, value):
        size = None if value is None else float(np.max(np.abs(value)))
        result = _group_levels(
            backend, x, value, m, sides, first, group, schedule, bounds, size, spent, trouble
        )
        if schedule is one_sided_schedule:
            result = _unverified_near_bound(result, x, sides, first, group, bounds, schedule.ratio)
        derivative[..., group] = result.estimate
        error[..., group] = result.error
        levels[..., group] = result.levels
        converged[..., group] = result.converged

    if (sides == CENTRAL).any():
        run(sides == CENTRAL, central_schedule, value)
    # Where a central point failed inside the box (f NaN or raising there),
    # the coordinate is done again one-sided: forward, then backward.
    redone = (sides == CENTRAL) & np.isnan(derivative).reshape(-1, n).any(axis=0)
    sides[redone] = FORWARD
    for attempt in range(2):
        group = (sides == FORWARD) | (sides == BACKWARD)
        if attempt:
            group &= redone & np.isnan(derivative).reshape(-1, n).any(axis=0)
            sides[group] = BACKWARD
        if not group.any():
            continue
        if value is None:
            value = backend.value(x)
            spent[0] += 1
            check_finite_value(value)
        run(group, one_sided_schedule, value)
    failed = int(np.isnan(derivative).sum())
    if failed and raise_failures:
        _raise_failures(trouble, derivative)
    outcome = RichardsonOutcome(derivative, error, levels, converged, value, spent[0], failed)
    signed = np.where(sides == BACKWARD, -first, np.where(sides == FIXED, 0.0, first))
    return outcome, signed


def _group_levels(
    backend, x, value, m, sides, first, group, schedule, bounds, size, spent, trouble
):
    """The level loop over the coordinates in ``group`` (all of one schedule)."""
    n = x.shape[0]
    exponent = VANISHING_STEP_EXPONENT["gradient"]
    group_sides = np.where(group, sides, FIXED)
    table_offsets = np.array([_ROWS[s][0] for s in group_sides])
    table_weights = np.array([_ROWS[s][1] for s in group_sides])
    jacobian = m > 0

    def estimate_at(level, needed):
        h = fill_steps(x, first / schedule.ratio**level, exponent, FLOAT64_EPS, np.empty(n))
        h = steps_in_box(x, h, group_sides, *bounds)
        coordinates = group.copy()
        if needed is not None:
            coordinates[group] = needed.any(axis=0) if jacobian else needed
        weights = np.where(coordinates[:, np.newaxis], table_weights, 0.0)
        result = backend.run(x, h, table_offsets, weights, value, m)
        spent[0] += result.evaluations
        estimate = np.array(result.derivative, dtype=np.float64)
        failed = (result.status != OK) & coordinates
        if failed.any():
            trouble.append(result)
        estimate[..., failed] = np.nan
        return estimate[..., group]

    rounding = None
    if size is not None:
        weight = np.array([_STENCIL_WEIGHT[s] for s in sides[group]])
        rounding = FLOAT64_EPS * size * weight / first[group]
    return richardson.adaptive_levels(estimate_at, schedule, rounding, schedule.ratio)


def _unverified_near_bound(result, x, sides, first, group, bounds, ratio):
    """Error ``inf`` where a one-sided entry did not converge on a window of steps below the bound.

    ``f`` may be singular at the bound behind a one-sided stencil (``log``,
    ``sqrt`` at 0): its expansion in powers of ``h`` then holds only for
    steps below the distance ``d`` to that bound. Where the window kept
    starts at a step of at least ``d`` and the tolerance was not met, its
    error estimate means nothing (``log`` at ``x = 1e-6``, bound 0: an
    estimate of 1e-3 for an error of 1.0).
    """
    lb, ub = bounds
    behind = np.where(sides == FORWARD, x - lb, ub - x)[group]
    coarsest = first[group] / ratio ** np.maximum(result.start, 0)
    unverified = ~result.converged & (coarsest >= behind) & ~np.isnan(result.error)
    if not unverified.any():
        return result
    return result._replace(error=np.where(unverified, np.inf, result.error))


def _raise_failures(trouble, derivative) -> None:
    # f's own exception first (with the point where it raised).
    for result in trouble:
        for raised in result.errors.values():
            # A compiled f's exception is recovered on demand (RaisedAt).
            error, where = raised() if isinstance(raised, RaisedAt) else raised
            raise_with_note(error, f"fastdiff: f raised {where}")
    failed = np.argwhere(np.isnan(derivative))
    entries = [tuple(int(k) for k in f) if len(f) > 1 else int(f[0]) for f in failed]
    raise ValueError(
        f"f returned a non-finite value at the points of method='richardson' (within bounds) "
        f"for entries {listing(entries)}"
    )


__all__ = [
    "BACKWARD",
    "CENTRAL",
    "FIXED",
    "FORWARD",
    "bounded_richardson",
    "richardson_sides",
    "steps_in_box",
]
