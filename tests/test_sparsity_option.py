"""The sparsity= option of fastdiff.jacobian / hessian / jac / hess."""

import numpy as np
import pytest
import scipy.sparse

import fastdiff
from fastdiff.bench.problems import broyden_tridiagonal, extended_rosenbrock
from tests.functions import rosenbrock_hessian

N = 12
X = np.linspace(-1.0, 0.5, N)
TRIDIAGONAL = scipy.sparse.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(N, N), format="csr")


def _broyden_jacobian(x):
    n = x.shape[0]
    j = np.diag(3.0 - 4.0 * x) + np.diag(-np.ones(n - 1), -1) + np.diag(-2.0 * np.ones(n - 1), 1)
    return j


def test_sparse_jacobian_through_the_main_function():
    result = fastdiff.jacobian(broyden_tridiagonal, X, sparsity=TRIDIAGONAL)
    assert scipy.sparse.issparse(result)
    assert np.abs(result.toarray() - _broyden_jacobian(X)).max() < 1e-8
    prepared = fastdiff.jac(broyden_tridiagonal, sparsity=TRIDIAGONAL, method="forward")
    assert np.abs(prepared(X).toarray() - _broyden_jacobian(X)).max() < 1e-5


def test_sparse_hessian_through_the_main_function():
    result = fastdiff.hessian(extended_rosenbrock, X, sparsity=TRIDIAGONAL)
    reference = rosenbrock_hessian(X)
    assert np.abs(result.toarray() - reference).max() / np.abs(reference).max() < 1e-6
    assert (
        np.abs(
            fastdiff.hess(extended_rosenbrock, sparsity=TRIDIAGONAL)(X).toarray() - reference
        ).max()
        / np.abs(reference).max()
        < 1e-6
    )


def test_options_the_sparse_path_does_not_take():
    with pytest.raises(ValueError, match="full_output is not supported with sparsity="):
        fastdiff.jacobian(broyden_tridiagonal, X, sparsity=TRIDIAGONAL, full_output=True)
    with pytest.raises(ValueError, match="bounds is not supported with sparsity="):
        fastdiff.hessian(extended_rosenbrock, X, sparsity=TRIDIAGONAL, bounds=(-5, 5))
    with pytest.raises(ValueError, match="bounds is not supported with sparsity="):
        fastdiff.hess(extended_rosenbrock, sparsity=TRIDIAGONAL, bounds=(-5, 5))
