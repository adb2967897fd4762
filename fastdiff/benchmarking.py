"""Measuring derivative cost: built-in problems, the floor, and timings.

The *floor* of a derivative is the number of evaluations it needs times the
cost of one evaluation of ``f`` measured inside a compiled loop: what any
finite-difference engine must spend. fastdiff's time divided by the floor is
its overhead; a peer's time divided by fastdiff's is the speed-up.

Built-in problems (:data:`BUILTIN_PROBLEMS`), each defined for every ``n``:

- ``rosenbrock``: extended Rosenbrock, scalar (gradient, Hessian);
- ``trigonometric``: the trigonometric system of Moré, Garbow and Hillstrom,
  a vector map with a dense Jacobian;
- ``broyden``: Broyden's tridiagonal system, a banded Jacobian.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit
from numba.extending import is_jitted

from fastdiff.stencils import FIRST_DERIVATIVE, HESSIAN


@njit(cache=True)
def extended_rosenbrock(x):
    """Extended Rosenbrock function, sum of 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2."""
    total = 0.0
    for i in range(x.shape[0] - 1):
        total += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return total


@njit(cache=True)
def broyden_tridiagonal(x):
    """Broyden tridiagonal residuals F_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1."""
    n = x.shape[0]
    out = np.empty(n, dtype=x.dtype)  # complex for the complex-step method
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        out[i] = (3.0 - 2.0 * x[i]) * x[i] - left - 2.0 * right + 1.0
    return out


@njit(cache=True)
def trigonometric_system(x):
    """Trigonometric system F_i = n - sum_j cos x_j + i (1 - cos x_i) - sin x_i, i = 1..n.

    Every output depends on every input (a dense Jacobian), at O(n) cost per
    evaluation.
    """
    n = x.shape[0]
    cosines = 0.0
    for j in range(n):
        cosines += np.cos(x[j])
    out = np.empty(n, dtype=x.dtype)
    for i in range(n):
        out[i] = n - cosines + (i + 1) * (1.0 - np.cos(x[i])) - np.sin(x[i])
    return out


@dataclass(frozen=True)
class Problem:
    """A function defined for every dimension, with a start point.

    Attributes
    ----------
    name : str
        Short name, as given on the command line.
    build : callable
        ``build(n) -> (f, x0)``: the function for dimension ``n`` and the
        point at which it is differentiated, shape (n,).
    vector : bool
        ``f`` returns a 1-D array (Jacobian) rather than a number (gradient,
        Hessian).
    description : str
        One line for listings.
    """

    name: str
    build: Callable[[int], tuple[Callable, np.ndarray]]
    vector: bool
    description: str

    @property
    def objects(self) -> tuple[str, ...]:
        """The derivatives that apply: ``("jacobian",)`` or ``("gradient", "hessian")``."""
        return ("jacobian",) if self.vector else ("gradient", "hessian")


def _rosenbrock_start(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 2 == 0, -1.2, 1.0)


BUILTIN_PROBLEMS: dict[str, Problem] = {
    "rosenbrock": Problem(
        "rosenbrock",
        lambda n: (extended_rosenbrock, _rosenbrock_start(n)),
        False,
        "extended Rosenbrock, scalar (gradient, Hessian); x0 = (-1.2, 1, -1.2, ...)",
    ),
    "trigonometric": Problem(
        "trigonometric",
        lambda n: (trigonometric_system, np.full(n, 1.0 / n)),
        True,
        "trigonometric system R^n -> R^n, dense Jacobian; x0 = 1/n",
    ),
    "broyden": Problem(
        "broyden",
        lambda n: (broyden_tridiagonal, np.full(n, -1.0)),
        True,
        "Broyden tridiagonal system, banded Jacobian; x0 = -1",
    ),
}


@njit(cache=True)
def _scalar_loop(f, x, repeats):
    # Perturbs one coordinate per call, as a stencil does, so that nothing can
    # be hoisted out of the loop.
    total = 0.0
    n = x.shape[0]
    for r in range(repeats):
        i = r % n
        x_i = x[i]
        x[i] = x_i + 1e-7
        total += f(x)
        x[i] = x_i
    return total


@njit(cache=True)
def _vector_loop(f, x, repeats):
    n = x.shape[0]
    total = np.zeros(f(x).shape[0])
    for r in range(repeats):
        i = r % n
        x_i = x[i]
        x[i] = x_i + 1e-7
        values = f(x)
        # Every output is read (as a Jacobian must) in a vectorisable loop,
        # so that no work is optimised away and none is added.
        for k in range(values.shape[0]):
            total[k] += values[k]
        x[i] = x_i
    return total[0]


def median_seconds(
    call: Callable[[], object], *, min_time: float = 0.05, repeats: int = 7
) -> float:
    """Median wall time of ``call()`` over ``repeats`` batches (after a warm-up).

    Each batch runs ``call`` as many times as fit in ``min_time`` seconds;
    the median of the per-call times is returned.
    """
    call()
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(min_time / once))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def evaluation_seconds(f, x: np.ndarray, vector: bool = False) -> float:
    """Cost of one evaluation of ``f`` near ``x``.

    A jitted ``f`` is timed inside a compiled loop, so that no call overhead
    is counted; a plain Python ``f`` in a Python loop (its call overhead is
    part of what any engine pays for it).
    """
    work = np.array(x, dtype=np.float64)
    if not is_jitted(f):
        return _python_evaluation_seconds(f, work)
    loop = _vector_loop if vector else _scalar_loop
    repeats = 1000
    while True:
        seconds = median_seconds(lambda r=repeats: loop(f, work, r), min_time=0.02, repeats=5)
        if seconds > 2e-3 or repeats >= 10**7:
            return seconds / repeats
        repeats *= 10


def _python_evaluation_seconds(f, x: np.ndarray) -> float:
    n = x.shape[0]

    def perturbed_calls(repeats: int = 16) -> None:
        for r in range(repeats):
            i = r % n
            x_i = x[i]
            x[i] = x_i + 1e-7
            f(x)
            x[i] = x_i

    return median_seconds(perturbed_calls, min_time=0.02, repeats=5) / 16


def evaluation_count(kind: str, method: str, n: int) -> int:
    """Evaluations fastdiff spends on one ``kind`` ("gradient", "jacobian", "hessian")."""
    if kind == "hessian":
        return HESSIAN[method].evaluation_count(n)
    stencil = FIRST_DERIVATIVE[method]
    return stencil.evaluations_per_entry * n + int(stencil.uses_center)


@dataclass(frozen=True)
class Timing:
    """One measured case: what was computed, how long it took, and its floor."""

    kind: str
    n: int
    label: str
    seconds: float
    evaluations: int
    floor_seconds: float

    @property
    def floor_ratio(self) -> float:
        """Time over the floor (1.0 = no overhead beyond the evaluations)."""
        return self.seconds / self.floor_seconds


def problem(kind: str):
    """The built-in function and start point for ``kind``; returns ``(f, x_of_n, vector)``.

    Broyden tridiagonal for the Jacobian, extended Rosenbrock otherwise.
    """
    if kind == "jacobian":
        return broyden_tridiagonal, lambda n: np.full(n, -1.0), True
    return extended_rosenbrock, _rosenbrock_start, False


def _scipy_derivative(kind: str, f, x: np.ndarray):
    from scipy.optimize._numdiff import approx_derivative

    if kind == "hessian":
        return lambda: approx_derivative(
            lambda y: approx_derivative(f, y, method="3-point"), x, method="3-point"
        )
    return lambda: approx_derivative(f, x, method="3-point")


def compare_engine(
    kind: str, n: int, *, peers: bool = True, min_time: float = 0.05
) -> dict[str, Timing]:
    """Time fastdiff serial and parallel, the floor and scipy on one case.

    Parameters
    ----------
    kind : {"gradient", "jacobian", "hessian"}
        What is computed, with central differences, on the built-in problem
        (extended Rosenbrock; Broyden tridiagonal for the Jacobian).
    n : int
        Dimension.
    peers : bool
        Also time ``scipy.optimize.approx_derivative`` (3-point; for the
        Hessian, 3-point applied to its own 3-point gradient).
    min_time : float
        Seconds per timing batch.

    Returns
    -------
    dict of Timing
        Keys ``"serial"``, ``"parallel"`` and (with peers) ``"scipy"``.
    """
    import fastdiff

    f, start, vector = problem(kind)
    x = start(n)
    evaluations = evaluation_count(kind, "central", n)
    floor = evaluations * evaluation_seconds(f, x, vector)
    transform = {
        "gradient": fastdiff.grad,
        "jacobian": fastdiff.jac,
        "hessian": fastdiff.hess,
    }[kind]
    calls = {
        "serial": transform(f, parallel=False),
        "parallel": transform(f, parallel=True),
    }
    timings = {
        label: Timing(
            kind,
            n,
            label,
            median_seconds(lambda c=call: c(x), min_time=min_time),
            evaluations,
            floor,
        )
        for label, call in calls.items()
    }
    if peers:
        scipy_evaluations = 4 * n * n if kind == "hessian" else 2 * n + 1
        seconds = median_seconds(_scipy_derivative(kind, f, x), min_time=min_time, repeats=3)
        timings["scipy"] = Timing(kind, n, "scipy", seconds, scipy_evaluations, floor)
    return timings


def median_timings(rounds: list[dict[str, Timing]]) -> dict[str, Timing]:
    """Per label, the median time and median floor over repeated :func:`compare_engine` rounds.

    On a shared machine a burst of other work can hit one measurement of a
    round; the median of a few rounds, each measuring floor, serial, parallel
    and scipy back to back, is what the tables report.
    """
    merged = {}
    for label, first in rounds[0].items():
        merged[label] = Timing(
            first.kind,
            first.n,
            label,
            statistics.median(r[label].seconds for r in rounds),
            first.evaluations,
            statistics.median(r[label].floor_seconds for r in rounds),
        )
    return merged


def format_engine_table(rows: list[dict[str, Timing]]) -> str:
    """A plain-text table of :func:`compare_engine` results.

    ``scipy/floor`` is scipy's time over the floor: the largest ``scipy/fd``
    that any engine could reach on this function (one with no overhead
    beyond the evaluations), measured in the same run.
    """
    header = (
        f"{'object':<9} {'n':>6} {'evals':>7} {'floor':>10} {'serial':>10} {'xfloor':>7} "
        f"{'parallel':>10} {'xfloor':>7} {'speed-up':>8} {'scipy':>10} {'scipy/fd':>9} "
        f"{'scipy/floor':>11}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        serial, parallel = row["serial"], row["parallel"]
        best = min(serial.seconds, parallel.seconds)
        scipy = row.get("scipy")
        lines.append(
            f"{serial.kind:<9} {serial.n:>6} {serial.evaluations:>7} {_time(serial.floor_seconds):>10} "
            f"{_time(serial.seconds):>10} {serial.floor_ratio:>7.2f} {_time(parallel.seconds):>10} "
            f"{parallel.floor_ratio:>7.2f} {serial.seconds / parallel.seconds:>8.2f} "
            + (
                f"{_time(scipy.seconds):>10} {scipy.seconds / best:>9.0f} "
                f"{scipy.seconds / serial.floor_seconds:>11.0f}"
                if scipy
                else f"{'-':>10} {'-':>9} {'-':>11}"
            )
        )
    return "\n".join(lines)


def _time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
