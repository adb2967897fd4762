"""Ratio table for the scipy bridge: fastdiff gradients vs scipy's own finite differences.

Two cases, each timed in one run:

1. Extended Rosenbrock, n = 100, compiled with Numba, BFGS and L-BFGS-B:
   ``fastdiff.scipy.minimize`` (central differences, stencils in compiled
   code), the drop-in ``jac=fastdiff.grad(f)``, and
   scipy with its internal 2-point and 3-point differences (every stencil
   point a call from Python). A run with the analytic gradient measures the
   optimizer's own cost; the time above it is what the derivatives cost.
2. An expensive Python objective (a 10 ms model, n = 8), BFGS with two
   worker processes: fastdiff's ``workers=2`` against scipy's ``workers=``
   option (``multiprocessing.Pool(2).map``), and scipy serially.

Columns: median wall time; the time above the analytic-gradient run
("derivs"); evaluations of the objective, derivatives included (the
analytic run: calls of f only); iterations; the final error ``max |x - x*|``;
and each time over fastdiff.scipy.minimize's.

Run: python benchmarks/bridge_table.py [--quick]
"""

from __future__ import annotations

import os

# One BLAS thread: scipy's BFGS update is two n-by-n matrix products per
# iteration, and threaded BLAS on a shared machine makes that the noisiest
# part of the run. Set before NumPy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402
import scipy.optimize  # noqa: E402

import fastdiff  # noqa: E402
import fastdiff.scipy  # noqa: E402
from fastdiff.bench.problems import extended_rosenbrock  # noqa: E402

ROSENBROCK_N = 100
MODEL_N = 8
MODEL_CENTER = np.linspace(-1.0, 1.0, MODEL_N)
FASTDIFF = "fastdiff.scipy.minimize"
ANALYTIC = "analytic gradient"


@numba.njit(cache=True)
def extended_rosenbrock_gradient(x):
    """Analytic gradient of the extended Rosenbrock function."""
    g = np.zeros_like(x)
    for i in range(x.shape[0] - 1):
        t = x[i + 1] - x[i] * x[i]
        g[i] += -400.0 * x[i] * t - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * t
    return g


class SlowModel:
    """A smooth objective that sleeps ``seconds`` per call, like an external simulation.

    Minimum at ``MODEL_CENTER``. A class instance so that scipy's process pool
    can pickle it.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.__name__ = "slow_model"

    def __call__(self, x):
        time.sleep(self.seconds)
        d = x - MODEL_CENTER
        return float(np.sum(d**2) + 0.25 * np.sum(d**4))


@dataclass(frozen=True)
class Run:
    """One optimizer run: what it cost and how close it came."""

    label: str
    seconds: float
    nfev: int
    nit: int
    error: float


@dataclass(frozen=True)
class Case:
    """A labelled optimizer run; ``evaluations_per_gradient`` for a ``jac=`` given to scipy."""

    label: str
    solve: Callable[[], object]
    evaluations_per_gradient: int = 0


def timed_runs(cases: list[Case], solution, repeats: int) -> list[Run]:
    """Median wall time of each case over ``repeats`` rounds; counts from the last round.

    The cases take turns within each round, so that a change in the load of
    the machine affects all of them alike. ``nfev`` counts every evaluation
    of the objective: fastdiff.scipy reports it; a ``jac=`` given to scipy
    adds ``evaluations_per_gradient`` per gradient call.
    """
    samples: dict[str, list[float]] = {case.label: [] for case in cases}
    results = {}
    for _ in range(repeats):
        for case in cases:
            start = time.perf_counter()
            results[case.label] = case.solve()
            samples[case.label].append(time.perf_counter() - start)
    runs = []
    for case in cases:
        result = results[case.label]
        nfev = result.get("total_nfev") or result.nfev + case.evaluations_per_gradient * result.njev
        error = float(np.max(np.abs(result.x - solution)))
        seconds = statistics.median(samples[case.label])
        runs.append(Run(case.label, seconds, int(nfev), int(result.nit), error))
    return runs


def rosenbrock_runs(method: str, repeats: int) -> list[Run]:
    """One optimizer on the compiled extended Rosenbrock function, all gradient sources."""
    f, n = extended_rosenbrock, ROSENBROCK_N
    x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    options = {"maxiter": 20 * n, "gtol": 1e-6}
    if method == "L-BFGS-B":
        options["ftol"] = 1e-15
    gradient = fastdiff.grad(f, parallel=False)
    serial = {"parallel": False}
    # Compile outside the timings.
    fastdiff.scipy.minimize(f, x0, method=method, options={"maxiter": 2})
    gradient(x0)
    extended_rosenbrock_gradient(x0)

    def with_scipy(jac):
        return lambda: scipy.optimize.minimize(f, x0, method=method, jac=jac, options=options)

    def with_bridge():
        return fastdiff.scipy.minimize(
            f, x0, method=method, options=options, derivative_options=serial
        )

    cases = [
        Case(ANALYTIC, with_scipy(extended_rosenbrock_gradient)),
        Case(FASTDIFF, with_bridge),
        Case("jac=fastdiff.grad(f)", with_scipy(gradient), 2 * n),
        Case("scipy 2-point (default)", with_scipy(None)),
        Case("scipy 3-point", with_scipy("3-point")),
    ]
    return timed_runs(cases, np.ones(n), repeats)


def slow_model_runs(seconds: float, repeats: int) -> list[Run]:
    """BFGS on a slow Python objective with two worker processes."""
    model = SlowModel(seconds)
    x0 = np.zeros(MODEL_N)
    cases = []
    with multiprocessing.Pool(2) as pool:
        pool.map(abs, range(2))  # start scipy's workers outside the timings
        for method in ("forward", "central"):
            options = {"method": method, "workers": 2}
            # Start fastdiff's workers outside the timings.
            fastdiff.scipy.minimize(
                model, x0, method="BFGS", derivative_options=options, options={"maxiter": 1}
            )
            label = FASTDIFF if method == "forward" else "fastdiff, central"
            cases.append(
                Case(
                    f"{label} workers=2",
                    lambda o=options: fastdiff.scipy.minimize(
                        model, x0, method="BFGS", derivative_options=o
                    ),
                )
            )
        cases += [
            Case(
                "scipy 2-point workers=2",
                lambda: scipy.optimize.minimize(
                    model, x0, method="BFGS", options={"workers": pool.map}
                ),
            ),
            Case(
                "scipy 2-point serial",
                lambda: scipy.optimize.minimize(model, x0, method="BFGS"),
            ),
        ]
        runs = timed_runs(cases, MODEL_CENTER, repeats)
    fastdiff.shutdown_workers()
    return runs


def format_runs(title: str, runs: list[Run]) -> str:
    """Plain-text table; ratios are over the fastdiff.scipy.minimize run."""
    reference = next(run for run in runs if run.label.startswith(FASTDIFF))
    floor = next((run.seconds for run in runs if run.label == ANALYTIC), None)
    header = (
        f"{'':<34} {'time':>9} {'derivs':>9} {'nfev':>7} {'nit':>5} {'max|x-x*|':>9} "
        f"{'time/fd':>8} {'derivs/fd':>9}"
    )
    lines = [title, header, "-" * len(header)]
    for run in runs:
        if floor is None or run.label == ANALYTIC:
            derivs, derivs_ratio = "-", "-"
        else:
            derivs = _time(run.seconds - floor)
            derivs_ratio = f"{(run.seconds - floor) / (reference.seconds - floor):.2f}"
        lines.append(
            f"{run.label:<34} {_time(run.seconds):>9} {derivs:>9} {run.nfev:>7} {run.nit:>5} "
            f"{run.error:>9.1e} {run.seconds / reference.seconds:>8.2f} {derivs_ratio:>9}"
        )
    return "\n".join(lines)


def _time(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if abs(seconds) < 1.0 else f"{seconds:.2f} s"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a 2 ms model")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 7
    print(
        f"numba threads: {numba.get_num_threads()}, "
        f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}"
    )
    for method in ("BFGS", "L-BFGS-B"):
        title = f"Extended Rosenbrock n = {ROSENBROCK_N}, compiled f, {method}"
        print(format_runs(title, rosenbrock_runs(method, repeats)))
        print()
    seconds = 0.002 if args.quick else 0.01
    title = f"Python objective, {seconds * 1e3:g} ms per call, n = {MODEL_N}, BFGS"
    print(format_runs(title, slow_model_runs(seconds, 1 if args.quick else 3)))


if __name__ == "__main__":
    main()
