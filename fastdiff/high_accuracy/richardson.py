"""Richardson extrapolation of difference estimates taken at shrinking steps.

A difference formula with step ``h`` has an error that expands in known powers
of ``h``::

    D(h) = d + c_1 h**p_1 + c_2 h**p_2 + ...

* central first and second differences (``f(x + h) - f(x - h)``, the central
  Hessian stencil): ``p = 2, 4, 6, ...`` (the odd terms cancel);
* one-sided differences (forward or backward): ``p = 1, 2, 3, ...``.

Given ``D`` at the geometric steps ``h, h / r, ..., h / r**(L - 1)``, a fixed
linear combination of the ``L`` estimates cancels the first ``L - 1`` error
terms (Neville's table, done once on unit vectors to get the weights). With
``r = 2`` and three central estimates the result has error ``O(h**6)`` for
``6 n`` evaluations of ``f`` per gradient, against 121 for numdifftools'
default on a 4-D gradient.

The error estimate of each entry is ``safety * (|E_L - E_{L-1}| + R)``:

* ``E_{L-1}`` is the extrapolation of the ``L - 1`` finest estimates, so the
  difference is the size of the last error term removed, which bounds the
  truncation error left in the asymptotic range;
* ``R = sum_k |w_k| r_k`` propagates the rounding errors ``r_k`` of the base
  estimates (see :func:`rounding_errors`) through the weights ``w``. It is
  needed: both extrapolations lean on the finest estimate, so its rounding
  error largely cancels in the difference above. Without ``R`` the estimate
  of three fixed levels fell below the true error for about 70 % of the
  entries of the More-Garbow-Hillstrom set. With it, the estimates of
  ``method="richardson"`` fall below the true error for 0.3 % of gradient
  and 0.5 % of Hessian entries of the well-scaled points, while exceeding it
  by a median factor of 19 (gradients) and 23 (Hessians). All but one of
  those entries are at rounding level (below 1e-15 relative); the exception
  is Trigonometric's Hessian at x0 (9e-10 against an estimate 5.5 times
  smaller), where ``|f(x)| = 0.007`` understates the rounding error of terms
  of order 1.

Fixed steps ``h_i = scale * max(1, |x_i|)`` assume that ``f`` varies on a
unit scale in each coordinate; where it varies faster, the first steps are
too large. :func:`extrapolate_adaptively` adds levels one at a time, only
for the entries whose error estimate does not yet meet ``atol + rtol *
|estimate|``: every entry gets two levels (and may stop there with the
two-level extrapolation, whose estimate is the error of the finer central
difference), then each new level gives a window of three, and each entry
keeps its best window. Its choices (which entries get another level, which
window each keeps) use the truncation part alone: smaller steps cannot
reduce the rounding part, and so the result does not depend on whether
``f(x)`` is known; the rounding part is added to the error of the window
chosen. The level loop's combine step is compiled
(:mod:`fastdiff.kernels.extrapolation`) and shared with the compiled drivers
of ``method="richardson"`` (:mod:`fastdiff.kernels.richardson`).

The schedule of ``method="richardson"`` (:data:`GRADIENT_SCALE`,
:data:`HESSIAN_SCALE`, :data:`RATIO`, :data:`MIN_LEVELS`,
:data:`MAX_LEVELS`, :data:`DEFAULT_RTOL`, :data:`PATIENCE`) was chosen on
the More-Garbow-Hillstrom set with ``benchmarks/accuracy_table.py``; the
notes at each constant give the measurements.

:func:`extrapolate` and :func:`best_window` are pure numpy, for estimates
from any source.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from fastdiff.kernels.extrapolation import (
    ExtrapolationSchedule,
    add_level,
    choose_active,
    extrapolation_schedule_of,
    finish_entries,
)
from fastdiff.steps import default_steps
from fastdiff.validation import check_count, check_tolerance

#: First error order and its increment, by difference method.
ERROR_ORDERS: dict[str, tuple[int, int]] = {
    "central": (2, 2),
    "forward": (1, 1),
    "backward": (1, 1),
}

#: Default multiplier of the error estimate (truncation plus rounding).
SAFETY = 2.0

_EPS = float(np.finfo(np.float64).eps)

#: Ratio between consecutive steps. On the More-Garbow-Hillstrom set, three
#: levels with ratio 2 had a lower median error than ratios 3 and 4 at every
#: first step tried (1/4 to 4 times ``eps**(1/7)`` for gradients,
#: ``eps**(1/8)`` for Hessians); at half ``eps**(1/7)``, 2e-13 against 3e-13
#: and 7e-13.
RATIO = 2.0

#: Levels every entry gets. After two, an entry whose error estimate (the
#: error of the finer central difference, which overstates that of the
#: extrapolation) meets the tolerance stops; the others go on to windows of
#: three. On the 66 well-scaled More-Garbow-Hillstrom points this saved 8 %
#: of the gradient and 9 % of the Hessian evaluations of a start with three
#: levels at the default tolerance, with the same worst errors (7e-12 and
#: 9e-10), and let ``rtol=1e-6`` save 7 % and 13 % more.
MIN_LEVELS = 2

#: Levels of one window of extrapolation from the third level on.
WINDOW = 3

#: Most levels any entry gets by default: the finest step is
#: ``RATIO**(1 - MAX_LEVELS)`` = 1/512 of the first. Osborne 1, whose x4 and
#: x5 act on a scale about 300 times below the unit scale of the first step,
#: meets the targets within these ten levels.
MAX_LEVELS = 10

#: Most levels by default for a coordinate differentiated one-sided at a
#: bound (``method="richardson"`` with ``bounds``). Its windows of three
#: first-order differences remove the ``h`` and ``h**2`` terms and leave
#: ``h**3`` (central ones leave ``h**6``), so the same tolerance needs
#: smaller steps: for ``log`` at ``x = 1e-3`` (lower bound 0, the function
#: varying on a scale 12 times below the first step) the best window reaches
#: a relative error of 2e-5 within 10 levels, 7e-10 within 15 and 3e-13
#: within 18 (the best window of each run, measured). The finest of 16
#: steps is 1/32768 of the first (3.7e-7 at unit scale), where the rounding
#: error of one difference, ``2 eps |f| / h``, is still 1.2e-9 ``|f|``.
#: One-sided entries get no :data:`PATIENCE` stop: near a singular bound
#: (``sqrt`` or ``log`` at ``x = 1e-4``, bound 0) the first windows are far
#: from the asymptotic range and do not improve, and stopping after three
#: of them kept an error estimate of 6e-2 for a relative error of 0.6;
#: going on to the 16th level gives 3e-8 (estimate 6e-6).
ONE_SIDED_MAX_LEVELS = 16

#: Default relative tolerance: an entry gets another level while its error
#: estimate exceeds ``atol + rtol |estimate|``, with the default ``atol =
#: rtol * max(1, max_k(|estimate_k| - error_k))`` (the largest entry as far
#: as it is known; see :func:`fastdiff.kernels.extrapolation.default_atol`).
#: The estimate (the size of the last error term removed) overstates the
#: error once the steps are small enough. Measured on the 66 well-scaled
#: More-Garbow-Hillstrom points with the first three levels: gradients whose
#: estimate stayed below 1.1e-9 were all accurate to 4e-13, while those whose
#: steps were too large had estimates above 7e-7; refining gradients down to
#: 1e-11 instead refined 33 points rather than 7, for a worse median error
#: (9e-14 against 6e-14: smaller steps only add rounding error). Hessian
#: estimates overstate the error by a factor of 10 to 1000, so for them the
#: same 1e-9 is the target itself: at 1e-8 Osborne 1 (near x0) stops at 2e-9.
DEFAULT_RTOL = 1e-9

#: Windows without improvement before an entry stops getting levels. Two
#: stopped Osborne 1's Hessian (near x0) while its steps were still too large
#: and the windows not yet in the asymptotic range (error 2e-4); three reach
#: the target there and change nothing elsewhere.
PATIENCE = 3

#: Largest relative step for a central gradient, ``h_i = GRADIENT_SCALE *
#: max(1, |x_i|)``. Three levels have truncation error O(h**6) and rounding
#: error O(eps / h), which balance near ``eps**(1/7)`` (6e-3). Refinement
#: takes care of functions that vary faster, so the factor is set where
#: rounding is small without refining most points: with refinement every
#: factor from 1 to 5.6 meets 1e-11 on all 66 well-scaled points; 2 gives a
#: median error of 6e-14 (1/2, the best factor without refinement: 2e-13)
#: and needs no refinement on 59 of the 66 points.
GRADIENT_SCALE = 2.0 * _EPS ** (1 / 7)

#: Largest relative step for a central Hessian: truncation O(h**6) against
#: rounding O(eps / h**2) balance near ``eps**(1/8)`` (0.011). With
#: refinement, factors 2.8 to 8 meet 1e-9 on all 66 well-scaled points (below
#: 2.8 Box 3-D at 10 x0, whose x1 = 0 with f = 1.2e5, is bound by rounding:
#: 1.6e-9); 4 gives a median error of 3e-12 (2, the best factor without
#: refinement: 9e-12).
HESSIAN_SCALE = 4.0 * _EPS ** (1 / 8)


class RichardsonResult(NamedTuple):
    """Extrapolated derivative with an error estimate per entry.

    Attributes
    ----------
    estimate : ndarray
        Extrapolated value, shape of one base estimate.
    error : ndarray
        Estimated absolute error, same shape (non-negative; NaN where an
        estimate was NaN).
    steps : ndarray or None
        The steps of the base estimates, largest first, as passed by the
        caller (shape ``(levels, ...)``).
    """

    estimate: np.ndarray
    error: np.ndarray
    steps: np.ndarray | None


def error_orders(method: str, count: int) -> tuple[int, ...]:
    """The first ``count`` powers of ``h`` in the error of ``method``.

    Parameters
    ----------
    method : {"central", "forward", "backward"}
    count : int
        Number of orders, ``>= 0``.

    Returns
    -------
    tuple of int
        ``(2, 4, 6, ...)`` for central, ``(1, 2, 3, ...)`` for one-sided.

    Raises
    ------
    ValueError
        Unknown ``method``.
    """
    first, increment = _orders_of(method)
    return tuple(first + increment * k for k in range(count))


def richardson_weights(levels: int, *, ratio: float = 2.0, method: str = "central") -> np.ndarray:
    """Weights ``w`` such that ``sum_k w[k] D(h / ratio**k)`` cancels ``levels - 1`` error terms.

    The weights sum to 1 and depend only on ``levels``, ``ratio`` and the
    error orders of ``method``, so the combination is itself a wider
    difference stencil (offsets ``o / ratio**k`` with weights ``w[k] *
    ratio**k * stencil weights``).

    Parameters
    ----------
    levels : int
        Number of base estimates, ``>= 1``.
    ratio : float
        Ratio between consecutive steps, ``> 1``.
    method : {"central", "forward", "backward"}
        Base difference formula (sets the error orders).

    Returns
    -------
    ndarray, shape (levels,)
        For the estimates ordered from the largest step to the smallest.

    Examples
    --------
    >>> richardson_weights(2)  # (4 D(h/2) - D(h)) / 3
    array([-0.33333333,  1.33333333])
    """
    levels = _check_levels(levels)
    ratio = _check_ratio(ratio)
    return _weights(levels, ratio, error_orders(method, levels - 1)).copy()


def extrapolate(
    estimates: ArrayLike,
    *,
    ratio: float = 2.0,
    method: str = "central",
    steps: ArrayLike | None = None,
    rounding: ArrayLike | None = None,
    safety: float = SAFETY,
) -> RichardsonResult:
    """Richardson-extrapolate estimates taken at steps ``h, h / ratio, h / ratio**2, ...``.

    Parameters
    ----------
    estimates : array_like, shape (levels, ...)
        ``estimates[k]`` is the difference estimate (gradient, Jacobian or
        Hessian) at step ``h / ratio**k``; ``levels >= 2``. Per-coordinate
        steps may differ, as long as every coordinate shrinks by ``ratio``.
    ratio : float
        Step ratio, ``> 1``.
    method : {"central", "forward", "backward"}
        The base formula, which fixes the error orders (see module notes).
    steps : array_like, shape (levels, ...), optional
        The steps used, stored in the result as they are.
    rounding : array_like, optional
        Absolute rounding error of each base estimate, broadcastable to
        ``estimates``, usually from :func:`rounding_errors`. Propagated
        through the weights and added to the error; without it the error
        estimate misses most of the rounding error.
    safety : float
        Multiplier of the error estimate, ``> 0``.

    Returns
    -------
    RichardsonResult
        ``estimate`` and ``error`` have the shape of one base estimate.

    Raises
    ------
    ValueError
        Fewer than two levels; ``ratio <= 1``; ``safety <= 0``; unknown
        ``method``; ``rounding`` not broadcastable or negative.

    Notes
    -----
    No evaluations of ``f`` here: the caller spends ``levels`` times the cost
    of one base estimate (central gradient: ``2 n levels``).

    Examples
    --------
    >>> import numpy as np
    >>> h = 0.1 / 2.0 ** np.arange(3)
    >>> d = (np.exp(h) - np.exp(-h)) / (2 * h)  # central differences of exp at 0
    >>> result = extrapolate(d)
    >>> bool(abs(result.estimate - 1.0) < 1e-11), bool(result.error < 1e-7)
    (True, True)
    """
    values = np.asarray(estimates, dtype=np.float64)
    if values.ndim == 0 or values.shape[0] < 2:
        raise ValueError(
            "estimates must have at least two levels along axis 0 (one per step); "
            f"got shape {values.shape}"
        )
    ratio = _check_ratio(ratio)
    if not (np.isfinite(safety) and safety > 0.0):
        raise ValueError(f"safety must be positive and finite; got {safety!r}")
    levels = values.shape[0]
    orders = error_orders(method, levels - 1)
    weights = _weights(levels, ratio, orders)
    # The same extrapolation one level lower, from the finest levels - 1 estimates.
    lower = np.concatenate(([0.0], _weights(levels - 1, ratio, orders[:-1])))
    estimate = _combine(weights, values)
    error = np.abs(estimate - _combine(lower, values))
    if rounding is not None:
        error = error + _propagated_rounding(rounding, weights, values.shape)
    error = safety * error
    if steps is not None:
        steps = np.asarray(steps, dtype=np.float64)
    return RichardsonResult(estimate, error, steps)


def geometric_steps(
    x: ArrayLike,
    *,
    levels: int = 3,
    ratio: float = 2.0,
    scale: float,
) -> np.ndarray:
    """Steps ``scale * max(1, |x_i|) / ratio**k`` for ``k = 0 .. levels - 1``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Point of differentiation.
    levels : int
        Number of steps per coordinate.
    ratio : float
        Ratio between consecutive steps, ``> 1``.
    scale : float
        Largest relative step, ``> 0`` (see :data:`GRADIENT_SCALE` and
        :data:`HESSIAN_SCALE`).

    Returns
    -------
    ndarray, shape (levels, n)
        Largest first. Differentiation routines still round each step so that
        ``x_i + h`` is exact; that changes the ratio by a relative amount of
        order ``eps |x_i| / h``, far below what affects the extrapolation.
    """
    levels = _check_levels(levels)
    ratio = _check_ratio(ratio)
    if not (np.isfinite(scale) and scale > 0.0):
        raise ValueError(f"scale must be positive and finite; got {scale!r}")
    base = default_steps(np.asarray(x, dtype=np.float64), scale)
    return base[np.newaxis, :] / ratio ** np.arange(levels)[:, np.newaxis]


def rounding_errors(
    value: float,
    steps: ArrayLike,
    *,
    derivative: int = 1,
    stencil_weight: float | None = None,
    eps: float = _EPS,
) -> np.ndarray:
    """Rounding error of difference estimates: ``eps |f(x)| * sum|w| / h**derivative``.

    Each value of ``f`` near ``x`` carries an error of about ``eps |f(x)|``;
    the stencil adds them with weights ``w`` and divides by the step (first
    derivatives) or by ``h_i h_j`` (second derivatives).

    Parameters
    ----------
    value : float
        ``f(x)``.
    steps : array_like, shape (levels, n)
        The steps of the base estimates.
    derivative : {1, 2}
        1 for gradients (and Jacobian columns), 2 for Hessians.
    stencil_weight : float, optional
        ``sum |w|`` of the stencil. Default: 1 for the central first
        difference ``(f(x + h) - f(x - h)) / 2h``, 4 for the central Hessian
        stencil. Use 2 for one-sided first differences.
    eps : float
        Machine epsilon of the working precision.

    Returns
    -------
    ndarray, shape (levels, n) or (levels, n, n)
        Usable as ``rounding=`` of :func:`extrapolate`.
    """
    if derivative not in (1, 2):
        raise ValueError(f"derivative must be 1 or 2; got {derivative!r}")
    if stencil_weight is None:
        stencil_weight = 1.0 if derivative == 1 else 4.0
    h = np.abs(np.asarray(steps, dtype=np.float64))
    if h.ndim != 2:
        raise ValueError(f"steps must have shape (levels, n); got shape {h.shape}")
    scale = eps * abs(float(value)) * stencil_weight
    if derivative == 1:
        return scale / h
    return scale / (h[:, :, np.newaxis] * h[:, np.newaxis, :])


def best_window(
    estimates: ArrayLike,
    *,
    window: int = 3,
    ratio: float = 2.0,
    method: str = "central",
    rounding: ArrayLike | None = None,
    safety: float = SAFETY,
) -> tuple[RichardsonResult, np.ndarray]:
    """Extrapolate each run of ``window`` consecutive levels; keep the best per entry.

    For adaptive refinement: when the first ``window`` steps are too large for
    some entries (``f`` varies on a shorter scale than ``max(1, |x_i|)``),
    the caller adds smaller steps for those entries only and marks the other
    entries' new levels NaN. Each entry gets the extrapolation with the
    smallest error estimate among its complete windows.

    Parameters
    ----------
    estimates : array_like, shape (levels, ...)
        As for :func:`extrapolate`; NaN where a level was not computed for
        an entry (levels must be computed from the first one on, without gaps).
    window : int
        Levels per extrapolation, ``>= 2``.
    ratio, method, rounding, safety
        As for :func:`extrapolate` (``rounding`` covering all levels).

    Returns
    -------
    result : RichardsonResult
        Estimate and error of the chosen window per entry (NaN where no
        window is complete); ``steps`` is None.
    start : ndarray of int
        First level of the chosen window per entry (-1 where none).
    """
    values, windows = _windows(estimates, window)
    rounding_array = None
    if rounding is not None:
        rounding_array = np.broadcast_to(np.asarray(rounding, dtype=np.float64), values.shape)
    estimates_by_window, errors_by_window = _window_results(
        values, windows, window, ratio, method, rounding_array, safety
    )
    return _choose(estimates_by_window, errors_by_window)


class AdaptiveResult(NamedTuple):
    """Result of :func:`extrapolate_adaptively`.

    Attributes
    ----------
    estimate : ndarray
        Extrapolated value per entry (NaN where no window was complete).
    error : ndarray
        Estimated absolute error per entry (truncation, plus the rounding
        part when ``rounding`` was given); NaN with the estimate.
    levels : ndarray of int
        Levels computed for each entry (at most ``max_levels``).
    converged : ndarray of bool
        Whether ``error <= atol + rtol * |estimate|``.
    steps : ndarray or None
        The steps passed, cut to the levels used.
    start : ndarray of int or None
        First level of the window each entry kept (-1 where none).
    """

    estimate: np.ndarray
    error: np.ndarray
    levels: np.ndarray
    converged: np.ndarray
    steps: np.ndarray | None
    start: np.ndarray | None = None


def extrapolation_schedule(
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float | None = None,
    max_levels: int = MAX_LEVELS,
    min_levels: int = MIN_LEVELS,
    patience: int = PATIENCE,
    ratio: float = RATIO,
    method: str = "central",
    safety: float = SAFETY,
) -> ExtrapolationSchedule:
    """The settings of the level loop, as the compiled combine step takes them.

    Parameters
    ----------
    rtol : float
        Relative tolerance, ``>= 0``.
    atol : float, optional
        Absolute tolerance, ``>= 0``. Default: ``rtol`` times the scale of
        the derivative (:func:`fastdiff.kernels.extrapolation.default_atol`).
    max_levels : int
        Most levels per entry, ``>= 2``.
    min_levels : {2, 3}
        Levels every entry gets (at most ``max_levels``).
    patience : int
        Windows without improvement before an entry stops, ``>= 1``.
    ratio : float
        Step ratio, ``> 1``.
    method : {"central", "forward", "backward"}
        The base formula (its error orders).
    safety : float
        Multiplier of the error estimate, ``> 0``.

    Returns
    -------
    ExtrapolationSchedule

    Raises
    ------
    ValueError
        An argument outside the ranges above, naming it.
    """
    rtol = check_tolerance(rtol, "rtol")
    atol = np.nan if atol is None else check_tolerance(atol, "atol")
    max_levels = check_count(max_levels, "max_levels", 2)
    min_levels = check_count(min_levels, "min_levels", 2)
    if min_levels > 3:
        raise ValueError(f"min_levels must be 2 or 3; got {min_levels!r}")
    patience = check_count(patience, "patience", 1)
    ratio = _check_ratio(ratio)
    if not (np.isfinite(safety) and safety > 0.0):
        raise ValueError(f"safety must be positive and finite; got {safety!r}")
    return _schedule(
        rtol, atol, max_levels, min(min_levels, max_levels), patience, ratio, method, float(safety)
    )


@lru_cache(maxsize=64)
def _schedule(rtol, atol, max_levels, min_levels, patience, ratio, method, safety):
    # One per setting: the prepared derivatives ask for it once, the one-shot
    # calls at every call.
    orders = error_orders(method, 2)
    three = _weights(3, ratio, orders)
    two = _weights(2, ratio, orders[:1])
    weights = np.array(
        [
            three,
            [0.0, two[0], two[1]],
            [two[0], two[1], 0.0],
            [0.0, 1.0, 0.0],
        ]
    )
    return extrapolation_schedule_of(
        weights,
        safety=safety,
        rtol=rtol,
        atol=atol,
        min_levels=min_levels,
        max_levels=max_levels,
        patience=patience,
        ratio=ratio,
    )


def extrapolate_adaptively(
    estimate_at: Callable[[int, np.ndarray | None], ArrayLike],
    max_levels: int = MAX_LEVELS,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float | None = None,
    rounding: ArrayLike | None = None,
    growth: float | None = None,
    steps: ArrayLike | None = None,
    min_levels: int = MIN_LEVELS,
    patience: int = PATIENCE,
    ratio: float = RATIO,
    method: str = "central",
    safety: float = SAFETY,
) -> AdaptiveResult:
    """Richardson extrapolation that adds smaller steps only for the entries that need them.

    Level ``k`` is the base estimate at step ``h / ratio**k``. Every entry
    gets ``min_levels`` levels; then, one level at a time, the entries whose
    error estimate exceeds ``atol + rtol * |estimate|`` (and that still
    improve, see ``patience``) get the next one, up to ``max_levels``. After
    two levels an entry's estimate is the two-level extrapolation; from the
    third on, each entry keeps its best window of three (see the module
    notes). The steps of the loop are the compiled ones of
    :mod:`fastdiff.kernels.extrapolation`.

    Parameters
    ----------
    estimate_at : callable
        ``estimate_at(level, needed) -> estimate``: the base estimate at step
        ``h / ratio**level``, all of the same shape. ``needed`` is None while
        every entry is active, then a boolean array of the estimate's shape;
        entries outside it are ignored, so the caller can skip their
        evaluations. NaN marks an entry that could not be computed.
    max_levels : int
        Most levels per entry, ``>= 2``.
    rtol, atol : float
        Tolerances (see :func:`extrapolation_schedule`).
    rounding : array_like, optional
        Absolute rounding error of each entry's base estimate at the first
        level (:func:`rounding_errors`), broadcastable to an estimate; it
        grows by ``growth`` per level and is propagated through the weights
        of the window each entry keeps into ``error``.
    growth : float, optional
        Default ``ratio`` (first derivatives); ``ratio**2`` for Hessians.
    steps : array_like, shape (max_levels, ...), optional
        Stored in the result, cut to the levels used.
    min_levels, patience, ratio, method, safety
        See :func:`extrapolation_schedule`.

    Returns
    -------
    AdaptiveResult

    Raises
    ------
    ValueError
        An invalid option (see :func:`extrapolation_schedule`); ``rounding``
        not broadcastable or negative.
    """
    schedule = extrapolation_schedule(
        rtol=rtol,
        atol=atol,
        max_levels=max_levels,
        min_levels=min_levels,
        patience=patience,
        ratio=ratio,
        method=method,
        safety=safety,
    )
    result = adaptive_levels(
        estimate_at, schedule, rounding, schedule.ratio if growth is None else growth
    )
    if steps is not None:
        used = int(result.levels.max(initial=0))
        result = result._replace(steps=np.asarray(steps, dtype=np.float64)[:used])
    return result


def adaptive_levels(
    estimate_at: Callable[[int, np.ndarray | None], ArrayLike],
    schedule: ExtrapolationSchedule,
    rounding: ArrayLike | None = None,
    growth: float = RATIO,
) -> AdaptiveResult:
    """The level loop of :func:`extrapolate_adaptively` with a checked ``schedule``.

    What ``method="richardson"`` runs for a Python ``f`` (and for a compiled
    one after a failure), level by level in Python around the compiled
    combine step.
    """
    first = np.asarray(estimate_at(0, None), dtype=np.float64)
    shape = first.shape
    entries = first.size
    table = np.empty((schedule.max_levels, entries))
    estimate = np.full(entries, np.nan)
    truncation = np.full(entries, np.nan)
    start = np.full(entries, -1, dtype=np.int64)
    active = np.ones(entries, dtype=bool)
    levels = np.zeros(entries, dtype=np.int64)
    table[0] = first.ravel()
    level = 0
    weights, settings = schedule
    while True:
        add_level(table, level, active, weights, settings, estimate, truncation, start)
        if choose_active(level, active, estimate, truncation, start, settings, levels) == 0:
            break
        level += 1
        needed = None if active.all() else active.reshape(shape).copy()
        new = np.asarray(estimate_at(level, needed), dtype=np.float64).ravel()
        table[level] = np.where(active, new, np.nan)
    if rounding is None:
        rounding_flat = np.empty(0)
    else:
        try:
            rounding_flat = np.broadcast_to(np.asarray(rounding, dtype=np.float64), shape).ravel()
        except ValueError:
            raise ValueError(
                f"rounding must be broadcastable to the shape of one estimate {shape}; "
                f"got shape {np.shape(rounding)}"
            ) from None
        if np.any(rounding_flat < 0.0):
            raise ValueError("rounding must be non-negative (absolute errors)")
        rounding_flat = np.array(rounding_flat)  # writable: one compiled version
    error = np.empty(entries)
    converged = np.empty(entries, dtype=bool)
    finish_entries(
        estimate,
        truncation,
        start,
        levels,
        rounding_flat,
        float(growth),
        weights,
        settings,
        error,
        converged,
    )
    return AdaptiveResult(
        estimate.reshape(shape),
        error.reshape(shape),
        levels.reshape(shape),
        converged.reshape(shape),
        None,
        start.reshape(shape),
    )


def _windows(estimates, window) -> tuple[np.ndarray, int]:
    values = np.asarray(estimates, dtype=np.float64)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 2:
        raise ValueError(f"window must be an integer >= 2; got {window!r}")
    if values.ndim == 0 or values.shape[0] < window:
        raise ValueError(
            f"estimates must have at least window = {window} levels along axis 0; "
            f"got shape {values.shape}"
        )
    return values, values.shape[0] - window + 1


def _window_results(values, windows, window, ratio, method, rounding, safety):
    results = [
        extrapolate(
            values[k : k + window],
            ratio=ratio,
            method=method,
            rounding=None if rounding is None else rounding[k : k + window],
            safety=safety,
        )
        for k in range(windows)
    ]
    return np.array([r.estimate for r in results]), np.array([r.error for r in results])


def _choose(estimates_by_window, errors_by_window):
    # Per entry, the complete window with the smallest error (indexing on
    # flat views: take_along_axis costs more than the work at these sizes).
    shape = errors_by_window.shape[1:]
    errors = errors_by_window.reshape(errors_by_window.shape[0], -1)
    complete = ~np.isnan(errors)
    any_complete = complete.any(axis=0)
    start = np.argmin(np.where(complete, errors, np.inf), axis=0)
    entries = np.arange(errors.shape[1])
    estimate = estimates_by_window.reshape(errors.shape)[start, entries]
    estimate = np.where(any_complete, estimate, np.nan).reshape(shape)
    error = np.where(any_complete, errors[start, entries], np.nan).reshape(shape)
    return RichardsonResult(estimate, error, None), np.where(any_complete, start, -1).reshape(shape)


@lru_cache(maxsize=64)
def _weights(levels: int, ratio: float, orders: tuple[int, ...]) -> np.ndarray:
    # Neville's table on unit vectors: row k starts as e_k; each column
    # removes one more error term. Cached (read-only): every call of
    # method="richardson" asks for the same few.
    table = list(np.eye(levels))
    for j, order in enumerate(orders, start=1):
        factor = ratio**order - 1.0
        table = [table[k] + (table[k] - table[k - 1]) / factor for k in range(j, levels)]
        table = [None] * j + table
    weights = table[-1].copy()
    weights.flags.writeable = False
    return weights


def _propagated_rounding(rounding, weights: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        values = np.broadcast_to(np.asarray(rounding, dtype=np.float64), shape)
    except ValueError:
        raise ValueError(
            f"rounding must be broadcastable to the shape of estimates {shape}; "
            f"got shape {np.shape(rounding)}"
        ) from None
    if np.any(values < 0.0):
        raise ValueError("rounding must be non-negative (absolute errors)")
    return _combine(np.abs(weights), values)


def _combine(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    # sum_k weights[k] * values[k], as one matrix product (tensordot costs
    # more than the arithmetic at these sizes).
    return (weights @ values.reshape(values.shape[0], -1)).reshape(values.shape[1:])


def _orders_of(method: str) -> tuple[int, int]:
    if method not in ERROR_ORDERS:
        choices = ", ".join(repr(m) for m in ERROR_ORDERS)
        raise ValueError(f"method must be one of {choices}; got {method!r}")
    return ERROR_ORDERS[method]


def _check_levels(levels) -> int:
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 1:
        raise ValueError(f"levels must be a positive integer; got {levels!r}")
    return int(levels)


def _check_ratio(ratio) -> float:
    value = float(ratio)
    if not (np.isfinite(value) and value > 1.0):
        raise ValueError(f"ratio must be a finite number greater than 1; got {ratio!r}")
    return value
