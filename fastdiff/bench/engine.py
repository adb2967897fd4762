"""fastdiff against its floor and scipy on the built-in problems: ``fastdiff --engine``."""

from __future__ import annotations

import statistics

import numpy as np

from fastdiff.bench.problems import problem
from fastdiff.bench.timing import Timing, evaluation_count, evaluation_seconds, median_seconds


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
