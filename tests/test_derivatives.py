"""Prepared derivatives count their evaluations: ``nfev`` against counted calls of ``f``."""

import numpy as np
import pytest

import fastdiff
from tests.functions import CountedCalls, counted_quadratic


class CountingFunction:
    """A Python f that counts its calls; NaN where ``x[0] > nan_above``."""

    def __init__(self, nan_above=np.inf):
        self.calls = 0
        self.nan_above = nan_above

    def __call__(self, x):
        self.calls += 1
        if x[0] > self.nan_above:
            return np.nan
        return float(np.sum(x**2) + x[0] * x[-1])


X = np.array([0.5, -0.25, 2.0, 1.0])

TRANSFORMS = [
    lambda f: fastdiff.grad(f),
    lambda f: fastdiff.grad(f, method="forward"),
    lambda f: fastdiff.value_and_grad(f),
    lambda f: fastdiff.value_and_grad(f, method="backward"),
    lambda f: fastdiff.hess(f),
    lambda f: fastdiff.hess(f, method="forward"),
    lambda f: fastdiff.grad(f, full_output=True),
    lambda f: fastdiff.grad(f, bounds=(-np.inf, 2.5)),
    lambda f: fastdiff.hess(f, bounds=(-np.inf, 2.5)),
    lambda f: fastdiff.grad(f, method="richardson"),
    lambda f: fastdiff.hess(f, method="richardson", full_output=True),
]


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_nfev_of_a_compiled_f_is_what_it_evaluated(transform):
    derivative = transform(counted_quadratic)
    derivative(X)  # the first call may time one evaluation to choose threads
    before, CountedCalls.calls[0] = derivative.nfev, 0
    derivative(X)
    derivative(X + 0.5)
    assert derivative.nfev - before == CountedCalls.calls[0] > 0


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_nfev_of_a_python_f_is_what_it_evaluated(transform):
    f = CountingFunction()
    derivative = transform(f)
    derivative(X)
    derivative(X + 0.5)
    assert derivative.nfev == f.calls > 0


def test_nfev_counts_the_fallback_stencils():
    # f is NaN beyond x0 = 0.5 + h/2: the forward points of x0 fail, the
    # central stencil falls back to backward ones for that coordinate.
    f = CountingFunction(nan_above=0.5 + 1e-7)
    gradient = fastdiff.grad(f)
    estimate = gradient(X)
    np.testing.assert_allclose(estimate, 2 * X + X[::-1] * [1, 0, 0, 1], rtol=1e-5)
    assert gradient.nfev == f.calls > 2 * X.shape[0]


def test_nfev_of_a_jacobian_counts_f_at_x():
    def f(x):
        calls.append(1)
        return np.array([x[0] ** 2, x[0] * x[1], np.sin(x[1])])

    calls = []
    jacobian = fastdiff.jac(f)
    jacobian(X[:2])
    assert jacobian.nfev == len(calls) == 2 * 2 + 1


def test_nfev_of_products_and_sparse_derivatives():
    f = CountingFunction()
    product = fastdiff.hessp(f)
    product(X, np.ones(4))
    assert product.nfev == f.calls == 2 * 2 * 4

    def residuals(x):
        calls.append(1)
        return x**2

    calls = []
    sparse = fastdiff.sparse.jac(residuals, np.eye(4, dtype=bool))
    sparse(X)
    sparse(X)
    assert sparse.nfev == len(calls) == 2 * sparse.evaluations
