"""method="richardson" and method="complex" through the public API."""

import numba
import numpy as np
import pytest

import fastdiff
from tests.functions import (
    exp_sin_log,
    exp_sin_log_gradient,
    exp_sin_log_hessian,
    relative_error,
    rosenbrock,
    rosenbrock_gradient,
)

X = np.array([0.5, 1.3, 0.2, -0.4])


@numba.njit
def _complex_friendly_map(x):
    out = np.empty(2, dtype=x.dtype)
    out[0] = np.exp(x[0]) * np.sin(x[1])
    # A product, not x[1] ** 3: Numba's complex power goes through log and
    # exp, which loses the 1e-20 imaginary part on the negative real axis.
    out[1] = x[0] * x[1] * x[1] * x[1]
    return out


def _map_jacobian(x):
    return np.array(
        [
            [np.exp(x[0]) * np.sin(x[1]), np.exp(x[0]) * np.cos(x[1])],
            [x[1] ** 3, 3 * x[0] * x[1] ** 2],
        ]
    )


@pytest.mark.parametrize("compiled", [True, False])
def test_richardson_gradient_and_error_estimate(compiled):
    f = exp_sin_log if compiled else exp_sin_log.py_func
    result = fastdiff.gradient(f, X, method="richardson", full_output=True)
    error = np.abs(result.derivative - exp_sin_log_gradient(X))
    assert relative_error(result.derivative, exp_sin_log_gradient(X)) < 1e-11
    assert result.error.shape == (4,) and np.all(error <= result.error)
    assert result.nfev == 6 * 4 + 1


@pytest.mark.parametrize("compiled", [True, False])
def test_richardson_hessian(compiled):
    f = exp_sin_log if compiled else exp_sin_log.py_func
    estimate = fastdiff.hessian(f, X, method="richardson")
    assert relative_error(estimate, exp_sin_log_hessian(X)) < 1e-9


def test_richardson_jacobian():
    x = np.array([0.3, -1.1])
    assert (
        relative_error(
            fastdiff.jacobian(_complex_friendly_map, x, method="richardson"), _map_jacobian(x)
        )
        < 1e-11
    )


@pytest.mark.parametrize("compiled", [True, False])
def test_complex_step_gradient(compiled):
    f = rosenbrock if compiled else rosenbrock.py_func
    assert relative_error(fastdiff.gradient(f, X, method="complex"), rosenbrock_gradient(X)) < 1e-14


def test_complex_step_jacobian():
    x = np.array([0.3, -1.1])
    assert (
        relative_error(
            fastdiff.jacobian(_complex_friendly_map, x, method="complex"), _map_jacobian(x)
        )
        < 1e-14
    )


def test_richardson_counts_without_and_with_the_error_estimate():
    calls = []

    def f(x):
        calls.append(1)
        return float(np.sum(np.sin(x)))

    fastdiff.gradient(f, X, method="richardson")
    assert len(calls) == 6 * X.size
    calls.clear()
    fastdiff.gradient(f, X, method="richardson", full_output=True)
    assert len(calls) == 6 * X.size + 1


def test_value_and_grad_with_richardson():
    value, gradient = fastdiff.value_and_grad(rosenbrock, method="richardson")(X)
    assert value == pytest.approx(rosenbrock.py_func(X), rel=1e-15)
    assert relative_error(gradient, rosenbrock_gradient(X)) < 1e-11


@numba.njit
def _uses_abs(x):
    return abs(x[0]) * 2.0  # real for complex input: a complex step would give 0


def test_complex_step_needs_complex_support():
    with pytest.raises(TypeError, match="method='complex' needs f"):
        fastdiff.gradient(_uses_abs, X, method="complex")
    with pytest.raises(TypeError, match="method='complex' needs f to return complex values"):
        fastdiff.gradient(lambda x: float(np.sum(np.abs(x))), X, method="complex")


def test_method_errors():
    with pytest.raises(
        ValueError,
        match="method must be one of 'central', 'forward', 'backward', 'richardson'; got 'complex'",
    ):
        fastdiff.hessian(rosenbrock, X, method="complex")
    with pytest.raises(ValueError, match="bounds are not supported with method='richardson'"):
        fastdiff.gradient(rosenbrock, X, method="richardson", bounds=(0, 1))
    with pytest.raises(ValueError, match="vectorized, workers and executor are not supported"):
        fastdiff.gradient(lambda x: np.sum(x), X, method="complex", vectorized=True)
