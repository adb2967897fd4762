"""scipy.optimize.minimize with derivatives from fastdiff.

Three ways to hand fastdiff derivatives to scipy, on the extended Rosenbrock
function (minimum f = 0 at x = (1, ..., 1)):

1. ``jac=fastdiff.grad(f)`` with BFGS;
2. ``jac=fastdiff.grad(f), hess=fastdiff.hess(f)`` with a Newton method
   (trust-exact);
3. ``fastdiff.value_and_grad(f)`` with ``jac=True``: one call returns the value
   and the gradient, so scipy never calls ``f`` separately.

Each run is repeated with the analytic gradient and Hessian for comparison.

Run: python examples/scipy_bridge.py [--n 50]
(FASTDIFF_EXAMPLES_QUICK=1 selects a small n.)
"""

import argparse
import os

import numba
import numpy as np
from scipy.optimize import minimize

import fastdiff


@numba.njit(cache=True)
def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_gradient(x):
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rosenbrock_hessian(x):
    diagonal = np.zeros_like(x)
    diagonal[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diagonal[1:] += 200.0
    off = -400.0 * x[:-1]
    return np.diag(diagonal) + np.diag(off, 1) + np.diag(off, -1)


def main(argv=None):
    quick = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10 if quick else 50, help="dimension")
    args = parser.parse_args(argv)

    # From x = 0; from the classic (-1.2, 1, ...) the chained function can
    # lead to its other local minimum, near x_0 = -1, f = 4.
    x0 = np.zeros(args.n)

    def value_and_analytic_gradient(x):
        return rosenbrock(x), rosenbrock_gradient(x)

    runs = {
        "BFGS, jac=grad(f)": dict(method="BFGS", jac=fastdiff.grad(rosenbrock)),
        "BFGS, analytic jac": dict(method="BFGS", jac=rosenbrock_gradient),
        "trust-exact, jac=grad(f), hess=hess(f)": dict(
            method="trust-exact", jac=fastdiff.grad(rosenbrock), hess=fastdiff.hess(rosenbrock)
        ),
        "trust-exact, analytic jac and hess": dict(
            method="trust-exact", jac=rosenbrock_gradient, hess=rosenbrock_hessian
        ),
    }
    print(f"extended Rosenbrock, n = {args.n}; the minimum is x = 1, f = 0\n")
    print(f"{'run':<42} {'nit':>5} {'nfev':>5} {'max |x - 1|':>12} {'f':>10}")
    for label, options in runs.items():
        result = minimize(rosenbrock, x0, options={"gtol": 1e-8}, **options)
        _print_row(label, result)

    # value_and_grad: fun returns (f, gradient) and jac=True says so. Forward
    # differences reuse f(x) from their stencil: n + 1 evaluations per call,
    # but their error (about sqrt(eps) relative, against eps**(2/3) for
    # central ones) leaves BFGS further from the minimum.
    for label, fun in {
        "BFGS, value_and_grad(f), jac=True": fastdiff.value_and_grad(rosenbrock, method="forward"),
        "BFGS, analytic value and jac, jac=True": value_and_analytic_gradient,
    }.items():
        result = minimize(fun, x0, jac=True, method="BFGS", options={"gtol": 1e-6})
        _print_row(label, result)


def _print_row(label, result):
    error = np.max(np.abs(result.x - 1.0))
    print(f"{label:<42} {result.nit:>5} {result.nfev:>5} {error:>12.1e} {result.fun:>10.1e}")
    if error > 1e-3:
        raise SystemExit(f"{label}: did not reach the minimum ({result.message})")


if __name__ == "__main__":
    main()
