"""Sparse Hessians (fastdiff.sparse.hessian_function) against analytic derivatives."""

import numpy as np
import pytest
import scipy.sparse

import fastdiff
from tests.functions import (
    exp_sin_log,
    exp_sin_log_hessian,
    relative_error,
    rosenbrock,
    rosenbrock_gradient,
    rosenbrock_hessian,
)
from tests.sparse_functions import (
    compiled_rosenbrock_gradient,
    family_pattern,
    tridiagonal,
)

TOLERANCE = {"central": 1e-8, "forward": 1e-6, "backward": 1e-6}
HESSIAN_TOLERANCE = {"central": 1e-6, "forward": 2e-4, "backward": 2e-4}
# --- Hessians ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize(
    ("f", "hessian"),
    [(rosenbrock, rosenbrock_hessian), (exp_sin_log, exp_sin_log_hessian)],
)
def test_hessian_from_f_matches_analytic(f, hessian, method, rng):
    x = rng.uniform(-1.5, 1.5, 15)
    estimate = fastdiff.sparse.hessian(f, x, tridiagonal(15), method=method)
    assert relative_error(estimate.toarray(), hessian(x)) < HESSIAN_TOLERANCE[method]
    assert (estimate != estimate.T).nnz == 0


def test_hessian_equals_dense_on_the_pattern(rng):
    x = rng.uniform(-1.0, 1.0, 9)
    sparse = fastdiff.sparse.hessian(exp_sin_log, x, tridiagonal(9)).toarray()
    dense = fastdiff.hessian(exp_sin_log, x)
    # The same stencil on the same points: equal up to the last bits.
    assert np.allclose(sparse, dense * (tridiagonal(9).toarray() != 0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_hessian_from_gradient_matches_analytic(method, compiled, rng):
    x = rng.uniform(-1.5, 1.5, 20)
    gradient = compiled_rosenbrock_gradient if compiled else rosenbrock_gradient
    derivative = fastdiff.sparse.hess(rosenbrock, tridiagonal(20), gradient=gradient, method=method)
    estimate = derivative(x)
    assert derivative.coloring.n_colors == 3
    assert derivative.evaluations == (6 if method == "central" else 4)
    assert relative_error(estimate.toarray(), rosenbrock_hessian(x)) < TOLERANCE[method] * 10
    assert (estimate != estimate.T).nnz == 0


def _arrow_function(x):
    # f = x_0 * sum_{j > 0} sin(x_j) + sum_j x_j**2: an arrow-head Hessian.
    return x[0] * np.sum(np.sin(x[1:])) + np.sum(x**2)


def _arrow_gradient(x):
    g = 2.0 * x
    g[0] += np.sum(np.sin(x[1:]))
    g[1:] += x[0] * np.cos(x[1:])
    return g


def _arrow_hessian(x):
    h = np.diag(np.full(x.shape[0], 2.0))
    h[0, 1:] = h[1:, 0] = np.cos(x[1:])
    h[1:, 1:] += np.diag(-x[0] * np.sin(x[1:]))
    return h


def test_arrow_head_hessian_needs_four_gradient_evaluations(rng):
    n = 40
    x = rng.uniform(-1.0, 1.0, n)
    calls = []

    def gradient(y):
        calls.append(1)
        return _arrow_gradient(y)

    pattern = family_pattern("arrow", n)
    estimate = fastdiff.sparse.hessian(_arrow_function, x, pattern, gradient=gradient)
    assert len(calls) == 4  # 2 colours, central differences
    assert relative_error(estimate.toarray(), _arrow_hessian(x)) < 1e-8


@pytest.mark.parametrize(("method", "pair_points"), [("central", 2), ("forward", 1)])
def test_hessian_from_f_evaluation_count(method, pair_points):
    n = 12
    calls = []

    def f(y):
        calls.append(1)
        return _arrow_function(y)

    pattern = family_pattern("arrow", n)
    estimate = fastdiff.sparse.hessian(f, np.linspace(0.1, 1.0, n), pattern, method=method)
    pairs = n - 1
    assert len(calls) == 1 + 2 * n + pair_points * pairs
    tolerance = HESSIAN_TOLERANCE[method]
    assert relative_error(estimate.toarray(), _arrow_hessian(np.linspace(0.1, 1.0, n))) < tolerance


def test_hessian_diagonal_is_always_computed(rng):
    x = rng.uniform(-1.0, 1.0, 6)
    off_diagonal_only = tridiagonal(6) - scipy.sparse.eye(6)
    estimate = fastdiff.sparse.hessian(rosenbrock, x, off_diagonal_only)
    assert relative_error(estimate.toarray(), rosenbrock_hessian(x)) < 1e-6
