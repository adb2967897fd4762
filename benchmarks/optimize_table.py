"""Ratio table for fastdiff.optimize: whole solves against the floor, parallel multi-start.

The floor of a solve is its evaluation count (``nfev``, finite differences
included) times the cost of one evaluation of ``f`` in a compiled loop: what
any finite-difference optimizer must spend. ``xfloor`` is the solve's time
over its floor, so the overhead of the loop, the steps and the linear algebra.

Run: python benchmarks/optimize_table.py [--quick] [--no-peers]
"""

from __future__ import annotations

import argparse
import statistics

import numba
import numpy as np
from numba import njit

from fastdiff.bench.problems import extended_rosenbrock
from fastdiff.bench.timing import evaluation_seconds, median_seconds
from fastdiff.optimize import bfgs, gradient_descent, newton


@njit(cache=True)
def landscape(x):
    """x^2 + 0.05 sin(30 x) - 0.2: many local minima on a parabola."""
    return x[0] ** 2 + 0.05 * np.sin(30.0 * x[0]) - 0.2


def rosenbrock_start(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 2 == 0, -1.2, 1.0)


def _paired_median(first, second, rounds: int) -> tuple[float, float, float]:
    """Medians of ``first()`` and ``second()`` timed in alternation, and of their ratio.

    On a shared machine the load changes from second to second; timing the
    two side by side in each round and taking the median ratio keeps the
    comparison fair.
    """
    a, b = [], []
    for _ in range(rounds):
        a.append(first())
        b.append(second())
    ratios = [x / y for x, y in zip(a, b)]
    return statistics.median(a), statistics.median(b), statistics.median(ratios)


def floor_rows(n: int, iterations: int, peers: bool, rounds: int) -> list[tuple]:
    """(label, nfev, seconds, floor seconds, ratio, note) for solves on extended Rosenbrock."""
    x0 = rosenbrock_start(n)
    cases = {
        f"gradient descent, {iterations} it.": lambda: gradient_descent(
            extended_rosenbrock,
            x0,
            learning_rate=1e-4,
            maxiter=iterations,
            gtol=0.0,
            xtol=0.0,
        ),
        "newton": lambda: newton(extended_rosenbrock, x0),
        "bfgs": lambda: bfgs(extended_rosenbrock, x0),
    }
    if peers:
        from scipy.optimize import minimize

        cases["scipy BFGS (2-point differences)"] = lambda: minimize(
            extended_rosenbrock, x0, method="BFGS", options={"maxiter": 1000}
        )
    rows = []
    for label, call in cases.items():
        result = call()
        nfev = result.nfev
        seconds, floor, ratio = _paired_median(
            lambda c=call: median_seconds(c, min_time=0.1, repeats=1),
            lambda e=nfev: e * evaluation_seconds(extended_rosenbrock, x0),
            rounds if "scipy" not in label else 1,
        )
        note = f"nit {result.nit}, {'converged' if result.success else 'not converged'}"
        rows.append((label, nfev, seconds, floor, ratio, note))
    return rows


def multistart_rows(k: int, maxiter: int, rounds: int) -> list[tuple]:
    """(label, serial seconds, parallel seconds, speed-up) for k starts on the 1-D landscape."""
    starts = np.linspace(-1.0, 1.0, k)[:, None]
    cases = {
        f"gradient descent lr 0.01, {maxiter} it.": lambda parallel: gradient_descent(
            landscape, starts, learning_rate=0.01, maxiter=maxiter, parallel=parallel
        ),
        "newton": lambda parallel: newton(landscape, starts, parallel=parallel),
    }
    rows = []
    for label, call in cases.items():
        serial, parallel, speedup = _paired_median(
            lambda c=call: median_seconds(lambda: c(False), min_time=0.1, repeats=1),
            lambda c=call: median_seconds(lambda: c(True), min_time=0.1, repeats=1),
            rounds,
        )
        rows.append((label, serial, parallel, speedup))
    return rows


def _time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations and starts")
    parser.add_argument("--no-peers", action="store_true", help="skip scipy")
    parser.add_argument("--rounds", type=int, default=7, help="paired timings per case")
    args = parser.parse_args(argv)
    n, iterations, k = (100, 200, 32) if args.quick else (100, 2000, 256)
    print(f"threads: {numba.get_num_threads()}; medians of {args.rounds} paired rounds")
    print(f"\nExtended Rosenbrock, n = {n}, start (-1.2, 1, -1.2, ...)")
    header = f"{'solve':<34} {'nfev':>9} {'floor':>10} {'time':>10} {'xfloor':>7}  note"
    print(header)
    print("-" * len(header))
    for label, nfev, seconds, floor, ratio, note in floor_rows(
        n, iterations, not args.no_peers, args.rounds
    ):
        print(
            f"{label:<34} {nfev:>9} {_time(floor):>10} {_time(seconds):>10} {ratio:>7.2f}  {note}"
        )
    print(f"\nMulti-start on x^2 + 0.05 sin(30x) - 0.2, k = {k} starts in [-1, 1]")
    header = f"{'solve':<34} {'serial':>10} {'parallel':>10} {'speed-up':>9}"
    print(header)
    print("-" * len(header))
    for label, serial, parallel, speedup in multistart_rows(
        k, 50 if args.quick else 500, args.rounds
    ):
        print(f"{label:<34} {_time(serial):>10} {_time(parallel):>10} {speedup:>9.2f}")


if __name__ == "__main__":
    main()
