"""Ratio tables for sparse derivatives: evaluations, the floor, scipy, colouring time.

Run: python benchmarks/sparse_table.py [--quick]

Jacobian: Broyden tridiagonal at n = 1e3 ... 1e6 (forward and central),
fastdiff.sparse against the floor (evaluations x one evaluation of f in a
compiled loop) and against scipy's approx_derivative(sparsity=...), both
with the grouping prepared once (``jac(f, S)`` / ``(S, groups)``) and as
one-shot calls that group the columns too.
Colouring: color_jacobian of the n = 1e6 tridiagonal pattern (every order,
and the default that stops at the lower bound), against scipy's
group_columns.
Hessian: extended Rosenbrock, banded (tridiagonal) pattern: sparse from f,
sparse from an analytic gradient (star colouring), dense where feasible.
"""

import argparse
import time

import numba
import numpy as np
import scipy.sparse
from numba import njit
from scipy.optimize._numdiff import approx_derivative, group_columns

import fastdiff
from fastdiff.bench.problems import broyden_tridiagonal, extended_rosenbrock
from fastdiff.bench.timing import evaluation_seconds, median_seconds
from fastdiff.stencils import HESSIAN


@njit(cache=True)
def rosenbrock_gradient(x):
    """Analytic gradient of the extended Rosenbrock function."""
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n - 1):
        g[i] += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * (x[i + 1] - x[i] * x[i])
    return g


def tridiagonal(n):
    ones = np.ones(n)
    return scipy.sparse.diags([ones[1:], ones, ones[1:]], [-1, 0, 1], format="csr")


SCIPY_METHOD = {"forward": "2-point", "central": "3-point"}


def _time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def jacobian_rows(sizes, methods, min_time):
    header = (
        f"{'method':<8} {'n':>8} {'colors':>6} {'evals':>5} {'floor':>10} {'fastdiff':>10} "
        f"{'xfloor':>6} {'parallel':>10} {'scipy':>10} {'scipy/fd':>8} "
        f"{'one-shot fd':>11} {'one-shot scipy':>14} {'ratio':>6}"
    )
    lines = [header, "-" * len(header)]
    lines += [jacobian_case(method, n, min_time) for method in methods for n in sizes]
    return "\n".join(lines)


def jacobian_case(method, n, min_time):
    pattern = tridiagonal(n)
    x = np.full(n, -1.0)
    derivative = fastdiff.sparse.jac(broyden_tridiagonal, pattern, method=method, parallel=False)
    parallel = fastdiff.sparse.jac(broyden_tridiagonal, pattern, method=method, parallel=True)
    floor = derivative.evaluations * evaluation_seconds(broyden_tridiagonal, x, True)
    seconds = median_seconds(lambda: derivative(x), min_time=min_time)
    parallel_seconds = median_seconds(lambda: parallel(x), min_time=min_time)
    groups = group_columns(pattern)
    scipy_method = SCIPY_METHOD[method]
    repeats = 3 if n >= 10**5 else 7
    scipy_seconds = median_seconds(
        lambda: approx_derivative(
            broyden_tridiagonal, x, method=scipy_method, sparsity=(pattern, groups)
        ),
        min_time=min_time,
        repeats=repeats,
    )
    one_shot = median_seconds(
        lambda: fastdiff.sparse.jacobian(
            broyden_tridiagonal, x, pattern, method=method, parallel=False
        ),
        min_time=min_time,
        repeats=repeats,
    )
    one_shot_scipy = median_seconds(
        lambda: approx_derivative(broyden_tridiagonal, x, method=scipy_method, sparsity=pattern),
        min_time=min_time,
        repeats=repeats,
    )
    return (
        f"{method:<8} {n:>8} {derivative.coloring.n_colors:>6} "
        f"{derivative.evaluations:>5} {_time(floor):>10} {_time(seconds):>10} "
        f"{seconds / floor:>6.2f} {_time(parallel_seconds):>10} "
        f"{_time(scipy_seconds):>10} {scipy_seconds / seconds:>8.1f} "
        f"{_time(one_shot):>11} {_time(one_shot_scipy):>14} "
        f"{one_shot_scipy / one_shot:>6.1f}"
    )


def coloring_rows(n):
    pattern = tridiagonal(n)
    lines = [f"colouring the {n}-column tridiagonal pattern (median of 5, after one warm-up)"]
    cases = [("best (default: stops at the lower bound)", "best")]
    cases += [(f"{ordering} only", ordering) for ordering in fastdiff.sparse.ORDERINGS]
    for label, ordering in cases:
        fastdiff.sparse.color_jacobian(pattern, ordering=ordering)
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            coloring = fastdiff.sparse.color_jacobian(pattern, ordering=ordering)
            samples.append(time.perf_counter() - start)
        lines.append(
            f"  fastdiff {label:<42} {_time(float(np.median(samples))):>10}  "
            f"{coloring.n_colors} colours ({coloring.ordering})"
        )
    start = time.perf_counter()
    groups = group_columns(pattern)
    lines.append(
        f"  scipy group_columns {'':<33} {_time(time.perf_counter() - start):>10}  "
        f"{groups.max() + 1} colours"
    )
    return "\n".join(lines)


def hessian_rows(n, dense_n, min_time):
    pattern = tridiagonal(n)
    x = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    one = evaluation_seconds(extended_rosenbrock, x)
    one_gradient = evaluation_seconds(rosenbrock_gradient, x, vector=True)
    from_f = fastdiff.sparse.hess(extended_rosenbrock, pattern, parallel=False)
    from_gradient = fastdiff.sparse.hess(
        extended_rosenbrock, pattern, gradient=rosenbrock_gradient, parallel=False
    )
    dense_evaluations = HESSIAN["central"].evaluation_count(n)
    groups = group_columns(pattern)
    header = (
        f"{'Hessian, extended Rosenbrock':<48} {'n':>6} {'evaluations':>12} {'floor':>10} "
        f"{'time':>10} {'xfloor':>6}"
    )
    lines = [header, "-" * len(header)]
    rows = [
        ("fastdiff.sparse, from f (central)", from_f.evaluations, one, from_f, n, x),
        (
            f"fastdiff.sparse, from gradient ({from_gradient.coloring.n_colors} star colours)",
            from_gradient.evaluations,
            one_gradient,
            from_gradient,
            n,
            x,
        ),
    ]
    for label, evaluations, cost, derivative, size, point in rows:
        seconds = median_seconds(lambda d=derivative, p=point: d(p), min_time=min_time)
        floor = evaluations * cost
        lines.append(
            f"{label:<48} {size:>6} {evaluations:>12} {_time(floor):>10} "
            f"{_time(seconds):>10} {seconds / floor:>6.2f}"
        )
    scipy_seconds = median_seconds(
        lambda: approx_derivative(
            rosenbrock_gradient, x, method="3-point", sparsity=(pattern, groups)
        ),
        min_time=min_time,
    )
    lines.append(
        f"{'scipy approx_derivative(gradient, sparsity)':<48} {n:>6} {2 * (groups.max() + 1):>12} "
        f"{_time(2 * (groups.max() + 1) * one_gradient):>10} {_time(scipy_seconds):>10} "
        f"{scipy_seconds / (2 * (groups.max() + 1) * one_gradient):>6.2f}"
    )
    lines.append(
        f"{'dense fastdiff.hessian (not run)':<48} {n:>6} {dense_evaluations:>12} "
        f"{_time(dense_evaluations * one):>10} {'-':>10} {'-':>6}"
    )
    small = np.where(np.arange(dense_n) % 2 == 0, -1.2, 1.0)
    dense = fastdiff.hess(extended_rosenbrock, parallel=False)
    sparse_small = fastdiff.sparse.hess(extended_rosenbrock, tridiagonal(dense_n), parallel=False)
    one_small = evaluation_seconds(extended_rosenbrock, small)
    for label, derivative, evaluations in [
        ("dense fastdiff.hessian", dense, HESSIAN["central"].evaluation_count(dense_n)),
        ("fastdiff.sparse, from f (central)", sparse_small, sparse_small.evaluations),
    ]:
        seconds = median_seconds(lambda d=derivative: d(small), min_time=min_time, repeats=3)
        floor = evaluations * one_small
        lines.append(
            f"{label:<48} {dense_n:>6} {evaluations:>12} {_time(floor):>10} "
            f"{_time(seconds):>10} {seconds / floor:>6.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="n up to 1e4, Hessian n = 1e3")
    args = parser.parse_args()
    sizes = [10**3, 10**4] if args.quick else [10**3, 10**4, 10**5, 10**6]
    print(f"threads: {numba.get_num_threads()}")
    print(jacobian_rows(sizes, ["forward", "central"], min_time=0.05))
    print()
    print(coloring_rows(sizes[-1]))
    print()
    print(hessian_rows(10**3 if args.quick else 10**4, 200 if args.quick else 1000, 0.05))


if __name__ == "__main__":
    main()
