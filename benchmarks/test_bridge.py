"""pytest-benchmark suite for the scipy bridge (run on demand).

Run: python -m pytest benchmarks/test_bridge.py --benchmark-group-by=group
Groups: BFGS and L-BFGS-B on the compiled extended Rosenbrock function (n = 100)
with fastdiff, the analytic gradient and scipy's own differences; BFGS on a
slow Python objective with two workers, fastdiff against scipy.
"""

import multiprocessing

import numpy as np
import pytest
import scipy.optimize
from bridge_table import (
    MODEL_CENTER,
    MODEL_N,
    ROSENBROCK_N,
    SlowModel,
    extended_rosenbrock_gradient,
)

import fastdiff
import fastdiff.scipy
from fastdiff.bench.problems import extended_rosenbrock

X0 = np.where(np.arange(ROSENBROCK_N) % 2 == 0, -1.2, 1.0)
OPTIONS = {
    "BFGS": {"maxiter": 20 * ROSENBROCK_N, "gtol": 1e-6},
    "L-BFGS-B": {"maxiter": 20 * ROSENBROCK_N, "gtol": 1e-6, "ftol": 1e-15},
}
SCIPY_JAC = {
    "analytic": extended_rosenbrock_gradient,
    "scipy-2-point": None,
    "scipy-3-point": "3-point",
}


def _run_rounds(benchmark, solve, rounds=3):
    return benchmark.pedantic(solve, rounds=rounds, iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B"])
def test_rosenbrock_fastdiff(benchmark, method):
    benchmark.group = f"{method} extended Rosenbrock n={ROSENBROCK_N}"
    result = _run_rounds(
        benchmark,
        lambda: fastdiff.scipy.minimize(
            extended_rosenbrock,
            X0,
            method=method,
            options=OPTIONS[method],
            derivative_options={"parallel": False},
        ),
    )
    assert np.max(np.abs(result.x - 1.0)) < 1e-5


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B"])
@pytest.mark.parametrize("jac", list(SCIPY_JAC))
def test_rosenbrock_scipy(benchmark, method, jac):
    benchmark.group = f"{method} extended Rosenbrock n={ROSENBROCK_N}"
    _run_rounds(
        benchmark,
        lambda: scipy.optimize.minimize(
            extended_rosenbrock, X0, method=method, jac=SCIPY_JAC[jac], options=OPTIONS[method]
        ),
    )


@pytest.fixture(scope="module")
def pool():
    with multiprocessing.Pool(2) as pool:
        yield pool
    fastdiff.shutdown_workers()


@pytest.mark.parametrize("workers", ["fastdiff", "scipy"])
def test_slow_objective_two_workers(benchmark, pool, workers):
    benchmark.group = f"BFGS, 10 ms Python objective, n={MODEL_N}, 2 workers"
    model, x0 = SlowModel(0.01), np.zeros(MODEL_N)
    if workers == "fastdiff":

        def solve():
            return fastdiff.scipy.minimize(
                model, x0, method="BFGS", derivative_options={"method": "forward", "workers": 2}
            )

    else:

        def solve():
            return scipy.optimize.minimize(model, x0, method="BFGS", options={"workers": pool.map})

    result = _run_rounds(benchmark, solve, rounds=1)
    assert np.max(np.abs(result.x - MODEL_CENTER)) < 1e-5
