"""Gradient descent with a fixed learning rate or a backtracking line search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from numpy.typing import ArrayLike

from fastdiff.optimize.curvature import warn_if_unstable
from fastdiff.optimize.settings import (
    COMMON_OPTIONS,
    GRADIENT_DESCENT,
    make_settings,
    reject_unknown,
)
from fastdiff.optimize.solve import as_starts, solve

if TYPE_CHECKING:  # scipy.optimize is imported with the first result
    from scipy.optimize import OptimizeResult

_OPTIONS = (
    "learning_rate",
    "line_search",
    *COMMON_OPTIONS,
)


def gradient_descent(
    f,
    x0: ArrayLike,
    *,
    learning_rate: float = 0.01,
    line_search: bool = False,
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
    """Minimize ``f`` by gradient descent, ``x <- x - learning_rate * grad f(x)``.

    Parameters
    ----------
    f : callable
        ``f(x, *args) -> float`` for a 1-D float64 array ``x``. A
        ``@numba.njit`` function runs the whole solve compiled (one call
        from Python); any other callable runs the loop in Python with
        :func:`fastdiff.gradient` underneath.
    x0 : float or array_like, shape (n,) or (k, n)
        Start point. A number is a 1-D problem (``f`` receives an array of
        one entry); a 2-D array runs k independent solves (multi-start),
        in parallel for a jitted ``f``.
    learning_rate : float
        Step size (> 0); with ``line_search`` the first length tried.
    line_search : bool
        Backtrack from ``learning_rate`` (halving) until ``f`` decreases
        sufficiently (Armijo); the iteration can then not diverge.
    maxiter : int
        Maximum number of iterations.
    gtol : float
        Stop (converged) when the largest gradient entry is at most ``gtol``.
    xtol : float
        Stop (converged) when the largest entry of the next step (or, after
        a line search, of the step taken) is at most ``xtol * (1 + max|x|)``.
    ftol : float
        Stop (converged) when ``|f_old - f| <= ftol * max(1, |f_old|, |f|)``;
        0 (the default) switches this rule off.
    max_increase : float
        Stop (diverged) when ``f`` rises above ``f(x0)`` by more than
        ``max_increase * max(1, |f(x0)|)``; ``inf`` switches this off. An
        infinite or NaN ``f`` always stops the run as diverged.
    method : {"central", "forward", "backward"}
        Finite-difference formula for the gradient (see :func:`fastdiff.gradient`).
    step : float or array_like, optional
        Absolute finite-difference step; default relative.
    parallel : bool, optional
        Multi-start only: run the starts on all threads (jitted ``f``).
        Default: parallel when there are several starts and threads.
    history : bool
        Record every iterate (``result.history``).
    callback : callable, optional
        Called after every iterate, as in ``scipy.optimize.minimize``:
        ``callback(intermediate_result)`` receives an ``OptimizeResult``
        with ``x``, ``fun``, ``jac``, ``nit``, ``nfev`` and ``start`` (the
        index of the start point) if its one parameter is named
        ``intermediate_result``, otherwise ``callback(x)`` a copy of ``x``.
        Raising ``StopIteration`` ends the run (status
        ``STOPPED_BY_CALLBACK``, ``success`` False); other exceptions
        propagate. For a jitted ``f`` the compiled loop returns to Python
        after every iterate to call it (same evaluations, same result;
        the starts of a multi-start then run one after another).
    args : tuple
        Extra arguments of ``f``, not optimized: ``f(x, *args)``. For a
        jitted ``f`` they are passed natively in the compiled loop
        (arrays, numbers and tuples of them; the loop is compiled once per
        tuple of argument types, not per value).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x``, ``fun``, ``jac`` (gradient at ``x``), ``nit``, ``nfev`` (every
        evaluation of ``f``, those of the finite differences included),
        ``njev``, ``nhev``, ``success``, ``status`` (a code of
        :mod:`fastdiff.optimize.status`), ``message``, ``method`` (the
        optimizer's name, e.g. ``"gradient descent"``) and ``options`` (the
        options that define its steps, e.g. ``{"learning_rate": 0.01,
        "line_search": False}``); ``history``
        (:class:`~fastdiff.optimize.OptimizeHistory`) if requested. For
        multi-start, the best run with ``runs``, ``best_index``, ``all_x``,
        ``all_fun`` and ``total_nfev`` added.

    Raises
    ------
    TypeError
        ``f`` or ``callback`` is not callable, or ``f`` does not return a
        number; an option has the wrong type or is unknown; ``args`` is not
        a tuple, or does not fit ``f``.
    ValueError
        ``x0`` has the wrong shape or is not finite; an option is out of
        range; ``f`` is not finite at ``x0``.
    Exception
        Whatever a jitted ``f`` raises at ``x0`` (with a note naming the
        start), also when it raises everywhere; whatever a Python ``f`` or
        the callback raises (``StopIteration`` from the callback aside).

    Warns
    -----
    LearningRateWarning
        Without line search, when ``learning_rate`` exceeds ``2 / sharpness``
        at a start point, the bound beyond which gradient descent diverges
        near there (see :func:`fastdiff.optimize.learning_rate_bound`).

    Notes
    -----
    Each iteration costs one evaluation of ``f`` and one gradient (2n
    evaluations, central), plus the rejected trials of the line search.

    The rules are checked in the order unbounded, diverged, ``gtol``,
    ``xtol``, ``ftol``, ``maxiter``. Unbounded (status ``UNBOUNDED``): ``f``
    fell more than ``1e30 * max(1, |f(x0)|)`` below ``f(x0)``, or was
    ``-inf`` at a trial point. The ``xtol`` test is not applied while the
    largest gradient entry exceeds both ``gtol`` and its value at ``x0``: a
    step small next to a huge ``|x|`` is no convergence while ``f`` still
    falls steeply. A line search also ends the run (successfully) where the
    decrease it could find is below the rounding error of ``f``: steps are
    then accepted unless ``f`` rises beyond that rounding, and the run
    stops as soon as a step no longer shrinks the gradient -- ``x`` is then
    as accurate as the finite-difference gradient allows, even when
    ``gtol`` is below its noise.
    The stability check costs one Hessian per start (``n**2 + n + 1``
    evaluations, not counted in ``nfev``), within 10**6 evaluations in all.

    Examples
    --------
    >>> import numpy as np, numba
    >>> from fastdiff.optimize import gradient_descent
    >>> @numba.njit
    ... def f(x):
    ...     return 0.5 * x[0] ** 2 + 2.0 * x[1] ** 2
    >>> result = gradient_descent(f, [1.0, 1.0], learning_rate=0.2)
    >>> result.success, bool(np.abs(result.x).max() < 1e-6)
    (True, True)
    """
    reject_unknown("gradient_descent", unknown, _OPTIONS)
    settings = make_settings(
        GRADIENT_DESCENT,
        learning_rate=learning_rate,
        line_search=line_search,
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
    if not settings.line_search:
        warn_if_unstable(f, starts, settings.learning_rate, 0.0, False, method, step, args)
    return result
