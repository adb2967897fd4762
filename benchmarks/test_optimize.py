"""pytest-benchmark suite for fastdiff.optimize (run on demand).

Run: python -m pytest benchmarks/test_optimize.py --benchmark-group-by=group
Groups: gradient descent (2 000 iterations) and Newton on extended Rosenbrock
(n = 100), with the floor (nfev evaluations in a compiled loop) in the same
group; multi-start (k = 256) on the 1-D landscape, serial against parallel.
The ratio table is ``python benchmarks/optimize_table.py``.
"""

import numpy as np
import pytest
from optimize_table import landscape, rosenbrock_start

from fastdiff.bench.problems import extended_rosenbrock
from fastdiff.bench.timing import scalar_loop
from fastdiff.optimize import bfgs, gradient_descent, newton

N = 100
ITERATIONS = 2000
STARTS = np.linspace(-1.0, 1.0, 256)[:, None]

SOLVES = {
    "gradient_descent": lambda x0: gradient_descent(
        extended_rosenbrock, x0, learning_rate=1e-4, maxiter=ITERATIONS, gtol=0.0, xtol=0.0
    ),
    "newton": lambda x0: newton(extended_rosenbrock, x0),
    "bfgs": lambda x0: bfgs(extended_rosenbrock, x0),
}


@pytest.mark.parametrize("name", list(SOLVES))
def test_solve(benchmark, name):
    benchmark.group = f"{name} rosenbrock n={N}"
    x0 = rosenbrock_start(N)
    result = benchmark.pedantic(SOLVES[name], args=(x0,), rounds=5, iterations=1, warmup_rounds=1)
    assert result.nfev > 0


@pytest.mark.parametrize("name", list(SOLVES))
def test_floor(benchmark, name):
    """The same number of evaluations of f, in a compiled loop and nothing else."""
    benchmark.group = f"{name} rosenbrock n={N}"
    x0 = rosenbrock_start(N)
    nfev = SOLVES[name](x0).nfev
    work = x0.copy()
    benchmark.pedantic(scalar_loop, args=(extended_rosenbrock, work, nfev), rounds=5, iterations=1)


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
@pytest.mark.parametrize("method", ["gradient_descent", "newton"])
def test_multistart(benchmark, method, parallel):
    benchmark.group = f"multi-start {method} k={STARTS.shape[0]}"
    if method == "newton":
        solve = lambda: newton(landscape, STARTS, parallel=parallel)  # noqa: E731
    else:
        solve = lambda: gradient_descent(  # noqa: E731
            landscape, STARTS, learning_rate=0.01, maxiter=500, parallel=parallel
        )
    result = benchmark.pedantic(solve, rounds=5, iterations=1, warmup_rounds=1)
    assert len(result.runs) == STARTS.shape[0]
