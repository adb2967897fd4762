"""Compile fastdiff's kernels into the disk cache (run by the test session beside the tests).

Each path is exercised once on a tiny problem, mostly the paths the suite
meets last first, so that the test process finds them cached when it gets
there while it compiles the first ones itself.
A failure here is not a test failure (the tests of that path report it); it
only means that path is compiled by the test process itself.
"""

import sys
import traceback

import numba
import numpy as np

import fastdiff
from fastdiff.testing import PROBLEMS


@numba.njit
def _scalar(x):
    return np.sum(x**2) + x[0] * x[-1]


@numba.njit
def _vector(x):
    return x**2 + x[0]


def _paths():
    x = np.linspace(0.5, 1.5, 4)
    pattern = np.eye(4, dtype=bool) | np.eye(4, k=1, dtype=bool) | np.eye(4, k=-1, dtype=bool)
    optimize = fastdiff.optimize
    # First: the test session meets these early and they are not used elsewhere.
    points = np.stack([x, x + 0.25])
    for parallel in (False, True):
        yield lambda p=parallel: fastdiff.gradients(_scalar, points, parallel=p)
        yield lambda p=parallel: fastdiff.jacobians(_vector, points, parallel=p)
        yield lambda p=parallel: fastdiff.hessians(_scalar, points, parallel=p)
    yield lambda: optimize.gradient_descent(_scalar, x, learning_rate=0.1, maxiter=3)
    yield lambda: optimize.gradient_descent(_scalar, np.stack([x, x]), learning_rate=0.1, maxiter=3)
    yield lambda: fastdiff.hessian(_scalar, x, sparsity=pattern, parallel=False)
    yield lambda: fastdiff.hessian(_scalar, x, sparsity=pattern, parallel=True)
    yield lambda: fastdiff.jacobian(_vector, x, sparsity=pattern, parallel=False)
    yield lambda: fastdiff.jacobian(_vector, x, sparsity=pattern, parallel=True)
    for problem in PROBLEMS:
        start = np.array(problem.x0)
        yield lambda f=problem.objective, start=start: f(start)
        yield lambda f=problem.objective, start=start: f(start.astype(np.complex128))
    yield lambda: fastdiff.gradient(_scalar, x, method="complex", parallel=False)
    yield lambda: fastdiff.gradient(_scalar, x, method="complex", parallel=True)
    yield lambda: fastdiff.jacobian(_vector, x, method="complex", parallel=False)
    yield lambda: fastdiff.jacobian(_vector, x, method="complex", parallel=True)
    yield lambda: fastdiff.gradient(_scalar, x, bounds=(0.0, 1.5))
    yield lambda: fastdiff.hessian(_scalar, x, bounds=(0.0, 1.5))
    yield lambda: fastdiff.gradient(_scalar, x, method="richardson", full_output=True)
    yield lambda: fastdiff.hessian(_scalar, x, method="richardson", full_output=True)
    yield lambda: fastdiff.jacobian(_vector, x, method="richardson", full_output=True)
    yield lambda: fastdiff.gradient(lambda z: float(np.sum(z**2)), x, method="richardson")
    yield lambda: fastdiff.gradient(lambda z: float(np.sum(z**2)), x)
    yield lambda: fastdiff.jacobian(lambda z: z**2, x)
    yield lambda: fastdiff.hessian(lambda z: float(np.sum(z**2)), x)
    yield lambda: fastdiff.hessian(_scalar, x, parallel=True)
    yield lambda: fastdiff.jacobian(_vector, x, parallel=True)
    yield lambda: fastdiff.gradient(_scalar, x, parallel=True)


def main() -> int:
    failed = 0
    for path in _paths():
        try:
            path()
        except Exception:
            failed += 1
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
