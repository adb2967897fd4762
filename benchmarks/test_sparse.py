"""pytest-benchmark suite for sparse derivatives (run on demand).

Run: python -m pytest benchmarks/test_sparse.py --benchmark-group-by=group
Each group holds fastdiff.sparse and scipy's approx_derivative(sparsity=...)
on the Broyden tridiagonal Jacobian of one size and method (both with the
column grouping prepared once), the colouring of a large pattern, and the
banded Hessian of the extended Rosenbrock function.
"""

import numpy as np
import pytest
import scipy.sparse
from scipy.optimize._numdiff import approx_derivative, group_columns
from sparse_table import rosenbrock_gradient  # benchmarks/ is on the path under pytest

import fastdiff
from fastdiff.bench.problems import broyden_tridiagonal, extended_rosenbrock

SIZES = [10**3, 10**4, 10**5]
SCIPY_METHOD = {"forward": "2-point", "central": "3-point"}


def tridiagonal(n):
    ones = np.ones(n)
    return scipy.sparse.diags([ones[1:], ones, ones[1:]], [-1, 0, 1], format="csr")


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("method", ["forward", "central"])
@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_fastdiff_jacobian(benchmark, n, method, parallel):
    benchmark.group = f"sparse jacobian {method} n={n}"
    derivative = fastdiff.sparse.jac(
        broyden_tridiagonal, tridiagonal(n), method=method, parallel=parallel
    )
    x = np.full(n, -1.0)
    result = benchmark(derivative, x)
    assert result.nnz == 3 * n - 2


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("method", ["forward", "central"])
def test_scipy_jacobian(benchmark, n, method):
    benchmark.group = f"sparse jacobian {method} n={n}"
    pattern = tridiagonal(n)
    sparsity = (pattern, group_columns(pattern))
    x = np.full(n, -1.0)
    benchmark(
        approx_derivative, broyden_tridiagonal, x, method=SCIPY_METHOD[method], sparsity=sparsity
    )


@pytest.mark.parametrize("ordering", ["best", *fastdiff.sparse.ORDERINGS])
def test_coloring_of_a_million_columns(benchmark, ordering):
    benchmark.group = "colouring n=1e6 tridiagonal"
    pattern = tridiagonal(10**6)
    coloring = benchmark(fastdiff.sparse.color_jacobian, pattern, ordering=ordering)
    assert coloring.n_colors == 3


def test_scipy_group_columns(benchmark):
    benchmark.group = "colouring n=1e6 tridiagonal"
    benchmark(group_columns, tridiagonal(10**6))


@pytest.mark.parametrize("source", ["f", "gradient"])
def test_banded_hessian(benchmark, source):
    n = 10**4
    benchmark.group = f"sparse hessian extended Rosenbrock n={n}"
    gradient = rosenbrock_gradient if source == "gradient" else None
    derivative = fastdiff.sparse.hess(extended_rosenbrock, tridiagonal(n), gradient=gradient)
    x = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    result = benchmark(derivative, x)
    assert result.nnz == 3 * n - 2
