"""pytest-benchmark suite for plain-Python objectives (run on demand).

Run: python -m pytest benchmarks/test_python_objectives.py --benchmark-group-by=group

Two groups, each comparing strategies on the same function:

* "cheap n=100": serial against ``vectorized=True`` on the extended
  Rosenbrock function in numpy;
* "expensive n=16": a pure-Python objective of about 20 ms per call, serial
  against ``workers=2`` and scipy's ``approx_derivative(workers=2)``.

The ratio table with Dask and optimagic is ``benchmarks/python_objectives.py``.
"""

import numpy as np
import pytest
from python_objectives import expensive, rosenbrock, rosenbrock_vectorized

import fastdiff


@pytest.fixture(scope="module", autouse=True)
def _shared_pools():
    yield
    fastdiff.shutdown_workers()


@pytest.mark.parametrize("strategy", ["serial", "vectorized"])
def test_cheap_objective(benchmark, strategy):
    benchmark.group = "cheap n=100"
    y = np.linspace(-1.0, 1.0, 100)
    if strategy == "serial":
        result = benchmark(fastdiff.gradient, rosenbrock, y)
    else:
        result = benchmark(fastdiff.gradient, rosenbrock_vectorized, y, vectorized=True)
    assert np.all(np.isfinite(result))


@pytest.mark.parametrize("strategy", ["serial", "workers=2", "scipy workers=2"])
def test_expensive_objective(benchmark, strategy):
    benchmark.group = "expensive n=16"
    x = np.linspace(-1.0, 1.0, 16)
    if strategy == "serial":
        call = lambda: fastdiff.gradient(expensive, x)  # noqa: E731
    elif strategy == "workers=2":
        call = lambda: fastdiff.gradient(expensive, x, workers=2)  # noqa: E731
    else:
        from scipy.optimize._numdiff import approx_derivative

        call = lambda: approx_derivative(expensive, x, workers=2)  # noqa: E731
    call()  # pools started and f pickled before timing
    result = benchmark.pedantic(call, rounds=3, iterations=1)
    assert np.all(np.isfinite(result))
