"""Results: ``scipy.optimize.OptimizeResult`` built from the state of finished runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from fastdiff.optimize.kernels.state import (
    CURVATURE,
    F0,
    HISTORY_LENGTH,
    MATRIX,
    NFEV,
    NHEV,
    NIT,
    NJEV,
    STATUS,
    STEP_NORM,
    F,
    G,
    State,
    X,
)
from fastdiff.optimize.settings import (
    BFGS,
    GRADIENT_DESCENT,
    MOMENTUM,
    NEWTON,
    SECANT,
    Settings,
)
from fastdiff.optimize.status import MESSAGES, NEGATIVE_CURVATURE, SUCCESSFUL

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult


class OptimizeHistory(NamedTuple):
    """Iterates of one run, starting with ``x0`` (``nit + 1`` rows).

    Attributes
    ----------
    x : ndarray, shape (nit + 1, n)
    fun : ndarray, shape (nit + 1,)
        ``f`` at each iterate.
    nfev : ndarray of int, shape (nit + 1,)
        Evaluations of ``f`` spent when each iterate was reached, for
        comparing methods by cost rather than by iteration.
    """

    x: np.ndarray
    fun: np.ndarray
    nfev: np.ndarray


def run_result(run: State, settings: Settings) -> OptimizeResult:
    """The result of one finished run (arrays copied out of the batch)."""
    # Imported here: scipy.optimize takes a second to import, fastdiff should not.
    from scipy.optimize import OptimizeResult

    status = int(run.count[STATUS])
    result = OptimizeResult(
        x=run.vectors[X].copy(),
        fun=float(run.real[F]),
        jac=run.vectors[G].copy(),
        nit=int(run.count[NIT]),
        nfev=int(run.count[NFEV]),
        njev=int(run.count[NJEV]),
        nhev=int(run.count[NHEV]),
        status=status,
        success=status in SUCCESSFUL,
    )
    result.message = MESSAGES[status].format(
        gradient_norm=float(np.max(np.abs(run.vectors[G]))),
        step_norm=float(run.real[STEP_NORM]),
        f0=float(run.real[F0]),
        x_norm=float(np.max(np.abs(run.vectors[X]))),
        curvature=_negative_curvature(run, settings) if status == NEGATIVE_CURVATURE else 0.0,
        **result,
        **settings._asdict(),
    )
    result.method = method_name(settings)
    result.options = method_options(settings)
    if settings.history:
        length = int(run.count[HISTORY_LENGTH])
        result.history = OptimizeHistory(
            run.history_x[:length].copy(),
            run.history_f[:length].copy(),
            run.history_nfev[:length].copy(),
        )
    return result


def method_name(settings: Settings) -> str:
    """The optimizer's name, as a result and a plot title show it."""
    if settings.algorithm == MOMENTUM and settings.nesterov:
        return "Nesterov momentum"
    return {
        GRADIENT_DESCENT: "gradient descent",
        MOMENTUM: "momentum",
        NEWTON: "Newton",
        SECANT: "secant",
        BFGS: "BFGS",
    }[settings.algorithm]


def method_options(settings: Settings) -> dict[str, object]:
    """The options that define the iteration (not the stopping rules), by their argument names."""
    if settings.algorithm == GRADIENT_DESCENT:
        return {"learning_rate": settings.learning_rate, "line_search": settings.line_search}
    if settings.algorithm == MOMENTUM:
        return {
            "learning_rate": settings.learning_rate,
            "momentum": settings.momentum,
            "nesterov": settings.nesterov,
        }
    if settings.algorithm in (NEWTON, SECANT):
        return {"safeguard": settings.safeguard}
    return {}


def _negative_curvature(run: State, settings: Settings) -> float:
    """The curvature that made the loop reject a stationary point, for the message."""
    if settings.algorithm == NEWTON:
        # The loop evaluated the Hessian at x last (an O(n**3) check, once).
        return float(np.linalg.eigvalsh(run.matrices[MATRIX])[0])
    return float(run.real[CURVATURE])


def multistart_result(runs: list[OptimizeResult]) -> OptimizeResult:
    """The best run, with all runs attached.

    The best run is the successful one with the lowest ``f`` (the lowest
    finite ``f`` if none succeeded). The result has its fields plus
    ``runs`` (the k results, in the order of the starts), ``best_index``,
    ``all_x`` (k, n) and ``all_fun`` (k,); its ``nfev`` (and ``nit``,
    ``njev``, ``nhev``) are those of the best run, the totals are in
    ``total_nfev``.
    """
    funs = np.array([r.fun for r in runs])
    succeeded = np.array([r.success for r in runs])
    candidates = np.where(succeeded, funs, np.inf)
    if not succeeded.any():
        candidates = np.where(np.isfinite(funs), funs, np.inf)
    best_index = int(np.argmin(candidates))
    best = runs[best_index]
    result = type(best)(best)
    result.message = (
        f"Best of {len(runs)} starts: start {best_index} "
        f"({int(succeeded.sum())} of {len(runs)} converged). {best.message}"
    )
    result.runs = runs
    result.best_index = best_index
    result.all_x = np.array([r.x for r in runs])
    result.all_fun = funs
    result.total_nfev = int(sum(r.nfev for r in runs))
    return result
