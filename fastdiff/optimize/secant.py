"""Secant methods: the 1-D secant method and BFGS, curvature from differences of gradients."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from fastdiff.optimize.settings import (
    BFGS,
    COMMON_OPTIONS,
    SECANT,
    flag,
    make_settings,
    reject_unknown,
)
from fastdiff.optimize.solve import as_starts, solve

if TYPE_CHECKING:  # scipy.optimize is imported with the first result
    from scipy.optimize import OptimizeResult

_SECANT_OPTIONS = (
    "x1",
    "safeguard",
    *COMMON_OPTIONS,
)
_BFGS_OPTIONS = tuple(name for name in _SECANT_OPTIONS if name not in ("x1", "safeguard"))

#: Relative and absolute offset of the default second point, as in
#: ``scipy.optimize.newton``'s secant method.
_SECOND_POINT_OFFSET = 1e-4


def secant(
    f,
    x0: ArrayLike,
    *,
    x1: ArrayLike | None = None,
    safeguard: bool = True,
    maxiter: int = 1000,
    gtol: float = 1e-6,
    xtol: float = 1e-12,
    ftol: float = 0.0,
    max_increase: float = 1e10,
    method: str = "central",
    step=None,
    parallel: bool | None = None,
    history: bool = False,
    callback=None,
    args: tuple = (),
    **unknown,
) -> OptimizeResult:
    """Minimize a function of one variable by the secant method.

    Newton's method with the second derivative replaced by a difference of
    first derivatives: ``x <- x - f'(x) (x - x_prev) / (f'(x) - f'(x_prev))``.

    Parameters
    ----------
    f : callable
        ``f(x, *args) -> float`` for an array ``x`` of one entry.
    x0 : float or array_like, shape (1,) or (k, 1)
        Start point(s).
    x1 : float or array_like, optional
        Second point, whose gradient starts the secant (it is not an
        iterate); one per start for multi-start. Default
        ``x0 * (1 + 1e-4) + 1e-4 * sign(x0)`` (``sign(0) = 1``), as in
        ``scipy.optimize.newton``.
    safeguard : bool
        Replace a non-positive secant curvature by its magnitude (or 1) and
        backtrack until ``f`` decreases sufficiently, so that every step
        goes downhill. With ``False``, the plain secant step; a run that
        converges where its last secant estimate of ``f''`` is negative (a
        maximum) ends with status ``NEGATIVE_CURVATURE`` (``success`` False).
    maxiter, gtol, xtol, ftol, max_increase, method, step, parallel, history, callback, args
        As for :func:`~fastdiff.optimize.gradient_descent`.

    Returns
    -------
    scipy.optimize.OptimizeResult
        As for :func:`~fastdiff.optimize.gradient_descent`.

    Raises
    ------
    ValueError
        ``x0`` has more than one coordinate (use :func:`bfgs`), or ``x1``
        has the wrong shape or equals ``x0``.

    Notes
    -----
    Each iteration costs one gradient (2 evaluations, central) and one
    evaluation per trial point; the start costs one more value and gradient
    at ``x1``. Convergence is superlinear (order 1.618) near a minimum.
    """
    reject_unknown("secant", unknown, _SECANT_OPTIONS)
    safeguard = flag(safeguard, "safeguard")
    settings = make_settings(
        SECANT,
        safeguard=safeguard,
        line_search=safeguard,
        maxiter=maxiter,
        gtol=gtol,
        xtol=xtol,
        ftol=ftol,
        max_increase=max_increase,
        history=history,
    )
    starts, single = as_starts(x0)
    if starts.shape[1] != 1:
        raise ValueError(
            f"secant is the 1-D secant method; x0 has {starts.shape[1]} coordinates per start: "
            "use bfgs for several variables"
        )
    second_points = _second_points(x1, starts)
    return solve(
        f,
        starts,
        single,
        settings,
        method=method,
        step=step,
        parallel=parallel,
        second_points=second_points,
        callback=callback,
        args=args,
    )


def bfgs(
    f,
    x0: ArrayLike,
    *,
    maxiter: int = 1000,
    gtol: float = 1e-6,
    xtol: float = 1e-12,
    ftol: float = 0.0,
    max_increase: float = 1e10,
    method: str = "central",
    step=None,
    parallel: bool | None = None,
    history: bool = False,
    callback=None,
    args: tuple = (),
    **unknown,
) -> OptimizeResult:
    """Minimize ``f`` by the BFGS quasi-Newton method.

    The inverse Hessian is estimated from the changes of the gradient along
    the steps (the multivariate secant condition ``B y = s``), and every step
    is found by backtracking along ``-B grad f`` until ``f`` decreases
    sufficiently.

    Parameters
    ----------
    f, x0
        As for :func:`~fastdiff.optimize.gradient_descent`.
    maxiter, gtol, xtol, ftol, max_increase, method, step, parallel, history, callback, args
        As for :func:`~fastdiff.optimize.gradient_descent`.

    Returns
    -------
    scipy.optimize.OptimizeResult
        As for :func:`~fastdiff.optimize.gradient_descent`.

    Notes
    -----
    Each iteration costs one gradient (2n evaluations, central), one
    evaluation per trial point and O(n**2) arithmetic. The first step moves
    no coordinate by more than 1 and the estimate starts as a scaled
    identity after it. An update is skipped when ``y . s <= 0`` (the
    backtracking search does not enforce the curvature condition), which
    keeps the estimate positive definite.
    """
    reject_unknown("bfgs", unknown, _BFGS_OPTIONS)
    settings = make_settings(
        BFGS,
        line_search=True,
        maxiter=maxiter,
        gtol=gtol,
        xtol=xtol,
        ftol=ftol,
        max_increase=max_increase,
        history=history,
    )
    starts, single = as_starts(x0)
    return solve(
        f,
        starts,
        single,
        settings,
        method=method,
        step=step,
        parallel=parallel,
        callback=callback,
        args=args,
    )


def _second_points(x1, starts: np.ndarray) -> np.ndarray:
    """The secant's second points, shape (k, 1)."""
    if x1 is None:
        sign = np.where(starts >= 0.0, 1.0, -1.0)
        return starts * (1.0 + _SECOND_POINT_OFFSET) + _SECOND_POINT_OFFSET * sign
    points, _ = as_starts(x1, name="x1")
    k = starts.shape[0]
    if points.size == 1:
        points = np.full((k, 1), points.item())
    elif points.size == k:
        points = points.reshape(k, 1)
    else:
        raise ValueError(
            f"x1 must be a number or one number per start ({k}); got {points.size} numbers"
        )
    same = np.flatnonzero(points[:, 0] == starts[:, 0])
    if same.size:
        raise ValueError(f"x1 must differ from x0; they are equal at start {same[0]}")
    return points
