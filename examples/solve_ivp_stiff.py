"""scipy's solve_ivp on a stiff reaction-diffusion system, Jacobians from fastdiff.

    u_i' = d (u_{i-1} - 2 u_i + u_{i+1}) / dx**2 - k(t) u_i**2 + sin(pi x_i),
    k(t) = k (1 + amplitude sin t),  u = 0 at both ends,

on n points: diffusion makes it stiff (eigenvalues down to -4 d / dx**2) and
its Jacobian is tridiagonal. The right-hand side is compiled and takes its
parameters as extra arguments, ``rhs(t, y, params, amplitude)``, which
solve_ivp passes on to ``jac`` as well. The BDF method is run with

* the analytic Jacobian (the reference),
* ``fastdiff.scipy.ivp_jacobian(rhs)``: dense, 2n evaluations per Jacobian,
  t and the parameters passed to the compiled rhs natively,
* the same with ``sparsity=`` the tridiagonal pattern: 3 colour groups, 6
  evaluations per Jacobian, a sparse matrix for solve_ivp,
* solve_ivp's own finite differences, dense and with ``jac_sparsity``.

The table shows solve_ivp's counts, the evaluations of rhs spent on
Jacobians, and the best time of three solves (after a first, compiling run).

Run: python examples/solve_ivp_stiff.py [--n 50] [--t-end 10]
"""

import argparse
import math
import os
import time

import numpy as np
import scipy.sparse
from numba import njit
from scipy.integrate import solve_ivp

import fastdiff.scipy

QUICK = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"
PARAMS = np.array([0.1, 5.0])  # diffusion d, reaction rate k
AMPLITUDE = 0.5


@njit(cache=True)
def rhs(t, y, params, amplitude):
    n = y.shape[0]
    dx = 1.0 / (n + 1)
    d = params[0] / dx**2
    k = params[1] * (1.0 + amplitude * np.sin(t))
    out = np.empty(n)
    for i in range(n):
        left = y[i - 1] if i > 0 else 0.0
        right = y[i + 1] if i < n - 1 else 0.0
        out[i] = d * (left - 2.0 * y[i] + right) - k * y[i] ** 2 + np.sin(np.pi * (i + 1) * dx)
    return out


def analytic_jacobian(t, y, params, amplitude):
    n = y.shape[0]
    d = params[0] * (n + 1) ** 2
    k = params[1] * (1.0 + amplitude * np.sin(t))
    off = np.full(n - 1, d)
    return np.diag(-2.0 * d - 2.0 * k * y) + np.diag(off, 1) + np.diag(off, -1)


class CountedCalls:
    """rhs called from Python, counting the calls (solve_ivp's, its differences' included)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, t, y, params, amplitude):
        self.calls += 1
        return rhs(t, y, params, amplitude)


def solve(n, t_end, jac=None, jac_sparsity=None, fun=rhs):
    return solve_ivp(
        fun,
        (0.0, t_end),
        np.zeros(n),
        method="BDF",
        jac=jac,
        jac_sparsity=jac_sparsity,
        args=(PARAMS, AMPLITUDE),
        rtol=1e-6,
        atol=1e-9,
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20 if QUICK else 50, help="grid points")
    parser.add_argument("--t-end", type=float, default=2.0 if QUICK else 10.0)
    options = parser.parse_args(argv)
    n, t_end = options.n, options.t_end
    tridiagonal = scipy.sparse.diags([1, 1, 1], [-1, 0, 1], shape=(n, n), dtype=bool)
    fastdiff_dense = fastdiff.scipy.ivp_jacobian(rhs)
    fastdiff_sparse = fastdiff.scipy.ivp_jacobian(rhs, sparsity=tridiagonal)
    variants = {
        "analytic": dict(jac=analytic_jacobian),
        "fastdiff dense": dict(jac=fastdiff_dense),
        "fastdiff sparse": dict(jac=fastdiff_sparse),
        "scipy dense": dict(),
        "scipy sparse": dict(jac_sparsity=tridiagonal),
    }
    reference = solve(n, t_end, **variants["analytic"])
    print(f"BDF, n = {n}, t in [0, {t_end:g}]")
    print(f"{'Jacobian':<16} {'nfev':>6} {'njev':>5} {'in jac':>7} {'total':>7} {'seconds':>8}")
    for name, jacobian in variants.items():
        counted = CountedCalls()
        provider = jacobian.get("jac")
        before = getattr(provider, "nfev", 0)
        result = solve(n, t_end, fun=counted, **jacobian)  # counts (and compiles)
        in_jacobians = getattr(provider, "nfev", 0) - before + counted.calls - result.nfev
        seconds = math.inf
        for _ in range(3):
            start = time.perf_counter()
            result = solve(n, t_end, **jacobian)
            seconds = min(seconds, time.perf_counter() - start)
        difference = np.max(np.abs(result.y[:, -1] - reference.y[:, -1]))
        if not result.success or difference > 1e-5:
            raise SystemExit(f"{name}: the solution differs from the reference by {difference:.1e}")
        total = result.nfev + in_jacobians
        print(
            f"{name:<16} {result.nfev:>6} {result.njev:>5} {in_jacobians:>7} {total:>7} "
            f"{seconds:>8.4f}"
        )
    y_end = reference.y[:, -1]
    expected = analytic_jacobian(t_end, y_end, PARAMS, AMPLITUDE)
    for name, provider in (("dense", fastdiff_dense), ("sparse", fastdiff_sparse)):
        matrix = provider(t_end, y_end, PARAMS, AMPLITUDE)
        dense = matrix.toarray() if scipy.sparse.issparse(matrix) else matrix
        error = np.max(np.abs(dense - expected)) / np.max(np.abs(expected))
        print(f"fastdiff {name} Jacobian at the end, relative error: {error:.1e}")
        if error > 1e-7:
            raise SystemExit("fastdiff's Jacobian disagrees with the analytic one")


if __name__ == "__main__":
    main()
