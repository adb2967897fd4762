"""Newton's method with the finite-difference Hessian, safeguarded for non-convex problems."""

from __future__ import annotations

from typing import TYPE_CHECKING

from numpy.typing import ArrayLike

from fastdiff.optimize.settings import COMMON_OPTIONS, NEWTON, flag, make_settings, reject_unknown
from fastdiff.optimize.solve import as_starts, solve

if TYPE_CHECKING:  # scipy.optimize is imported with the first result
    from scipy.optimize import OptimizeResult

_OPTIONS = (
    "safeguard",
    *COMMON_OPTIONS,
)


def newton(
    f,
    x0: ArrayLike,
    *,
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
    """Minimize ``f`` by Newton's method, ``x <- x - H(x)^{-1} grad f(x)``.

    For a scalar problem pass a number as ``x0`` (1-D Newton; ``f`` receives
    an array of one entry).

    Parameters
    ----------
    f, x0
        As for :func:`~fastdiff.optimize.gradient_descent`.
    safeguard : bool
        Make every step go downhill: where ``H`` is not positive definite,
        solve ``(H + mu I) d = -grad f`` with the smallest ``mu`` in
        ``1e-3 max|H_ii| * 10**j`` that makes it so (Levenberg damping), then
        backtrack along ``d`` until ``f`` decreases sufficiently (never
        uphill, up to the rounding error of ``f``). With ``False``, the plain
        Newton step, which heads for the nearest stationary point -- a
        maximum or saddle where ``f`` is concave; a run that converges is
        then checked with one more Hessian at ``x``, and one that found a
        clearly negative eigenvalue ends with status ``NEGATIVE_CURVATURE``
        (``success`` False).
    maxiter, gtol, xtol, ftol, max_increase, method, step, parallel, history, callback, args
        As for :func:`~fastdiff.optimize.gradient_descent`.

    Returns
    -------
    scipy.optimize.OptimizeResult
        As for :func:`~fastdiff.optimize.gradient_descent`; ``nhev`` counts
        the Hessians.

    Notes
    -----
    Each iteration costs one Hessian (``n**2 + n`` evaluations, central,
    ``f(x)`` reused), one gradient (2n) and one evaluation per trial point,
    plus an O(n**3) factorisation: meant for modest n. With
    ``safeguard=False`` a converged run costs one more Hessian (the
    curvature check). On a quadratic the
    first step lands on the minimum (up to rounding).
    """
    reject_unknown("newton", unknown, _OPTIONS)
    safeguard = flag(safeguard, "safeguard")
    settings = make_settings(
        NEWTON,
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
