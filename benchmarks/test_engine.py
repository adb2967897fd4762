"""pytest-benchmark suite for the compiled engine (run on demand).

Run: python -m pytest benchmarks/test_engine.py --benchmark-group-by=group
Each group holds fastdiff serial and parallel and scipy on the same function.
"""

import numpy as np
import pytest
from scipy.optimize._numdiff import approx_derivative

import fastdiff
from fastdiff.bench.problems import problem

CASES = [("gradient", n) for n in (10, 100, 1000, 10_000)]
CASES += [("jacobian", n) for n in (10, 100, 1000)]
CASES += [("hessian", n) for n in (10, 50, 200)]
TRANSFORMS = {
    "gradient": fastdiff.grad,
    "jacobian": fastdiff.jac,
    "hessian": fastdiff.hess,
}


def _case(kind, n):
    f, start, _ = problem(kind)
    return f, start(n)


@pytest.mark.parametrize(("kind", "n"), CASES)
@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_fastdiff(benchmark, kind, n, parallel):
    f, x = _case(kind, n)
    benchmark.group = f"{kind} n={n}"
    derivative = TRANSFORMS[kind](f, parallel=parallel)
    result = benchmark(derivative, x)
    assert np.all(np.isfinite(result))


@pytest.mark.parametrize(("kind", "n"), [c for c in CASES if c[0] != "hessian" and c[1] <= 1000])
def test_scipy(benchmark, kind, n):
    f, x = _case(kind, n)
    benchmark.group = f"{kind} n={n}"
    benchmark(approx_derivative, f, x, method="3-point")
