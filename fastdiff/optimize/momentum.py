"""Momentum: the heavy-ball method, and Nesterov's accelerated gradient as an option."""

from __future__ import annotations

from typing import TYPE_CHECKING

from numpy.typing import ArrayLike

from fastdiff.optimize.curvature import warn_if_unstable
from fastdiff.optimize.settings import COMMON_OPTIONS, MOMENTUM, make_settings, reject_unknown
from fastdiff.optimize.solve import as_starts, solve

if TYPE_CHECKING:  # scipy.optimize is imported with the first result
    from scipy.optimize import OptimizeResult

_OPTIONS = (
    "learning_rate",
    "momentum",
    "nesterov",
    *COMMON_OPTIONS,
)


def momentum(
    f,
    x0: ArrayLike,
    *,
    learning_rate: float = 0.01,
    momentum: float = 0.9,
    nesterov: bool = False,
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
    """Minimize ``f`` by gradient descent with momentum.

    Heavy ball: ``v <- momentum * v - learning_rate * grad f(x)``,
    ``x <- x + v``, from ``v = 0``. Nesterov: the gradient is taken at the
    look-ahead point ``x + momentum * v``; the iterates reported are the
    look-ahead points (where ``f`` and its gradient are evaluated).

    Parameters
    ----------
    f, x0
        As for :func:`~fastdiff.optimize.gradient_descent`.
    learning_rate : float
        Step size (> 0).
    momentum : float
        Fraction ``beta`` of the velocity kept per iteration, in [0, 1);
        0 is plain gradient descent.
    nesterov : bool
        Nesterov's accelerated gradient instead of the heavy ball.
    maxiter, gtol, xtol, ftol, max_increase, method, step, parallel, history, callback, args
        As for :func:`~fastdiff.optimize.gradient_descent`. ``xtol`` applies
        to the step ``v``, which is also small where the iteration turns
        round.

    Returns
    -------
    scipy.optimize.OptimizeResult
        As for :func:`~fastdiff.optimize.gradient_descent`.

    Warns
    -----
    LearningRateWarning
        When ``learning_rate`` exceeds the stability bound at a start point:
        ``2 (1 + beta) / sharpness`` (heavy ball) or
        ``2 (1 + beta) / ((1 + 2 beta) sharpness)`` (Nesterov).

    Notes
    -----
    Each iteration costs one evaluation of ``f`` and one gradient (2n
    evaluations, central); there is no line search, so ``f`` need not
    decrease at every iteration.
    """
    reject_unknown("momentum", unknown, _OPTIONS)
    settings = make_settings(
        MOMENTUM,
        learning_rate=learning_rate,
        momentum=momentum,
        nesterov=nesterov,
        line_search=False,
        maxiter=maxiter,
        gtol=gtol,
        xtol=xtol,
        ftol=ftol,
        max_increase=max_increase,
        history=history,
    )
    starts, single = as_starts(x0)
    result = solve(
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
    warn_if_unstable(
        f, starts, settings.learning_rate, settings.momentum, settings.nesterov, method, step, args
    )
    return result
