"""The compiled kernels called from users' own @njit code."""

import warnings

import numpy as np
import pytest
from numba import njit, prange

import fastdiff
from fastdiff import kernels
from tests.functions import (
    chemistry,
    chemistry_jacobian,
    exp_sin_log,
    exp_sin_log_gradient,
    exp_sin_log_hessian,
    relative_error,
    rosenbrock,
)

METHODS = ["central", "forward", "backward"]


@njit
def _all_derivatives(x):
    g = (
        kernels.central_gradient(exp_sin_log, x),
        kernels.forward_gradient(exp_sin_log, x),
        kernels.backward_gradient(exp_sin_log, x),
    )
    j = (
        kernels.central_jacobian(chemistry, x),
        kernels.forward_jacobian(chemistry, x),
        kernels.backward_jacobian(chemistry, x),
    )
    h = (
        kernels.central_hessian(exp_sin_log, x),
        kernels.forward_hessian(exp_sin_log, x),
        kernels.backward_hessian(exp_sin_log, x),
    )
    return g, j, h


def test_kernels_inside_njit_equal_the_python_api():
    x = np.array([0.3, 2e-5, 0.04])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradients, jacobians, hessians = _all_derivatives(x)
    for method, g, j, h in zip(METHODS, gradients, jacobians, hessians):
        assert np.array_equal(g, fastdiff.gradient(exp_sin_log, x, method=method))
        assert np.array_equal(j, fastdiff.jacobian(chemistry, x, method=method))
        assert np.array_equal(h, fastdiff.hessian(exp_sin_log, x, method=method))
    assert relative_error(gradients[0], exp_sin_log_gradient(x)) < 1e-8
    assert relative_error(jacobians[0], chemistry_jacobian(x)) < 1e-6
    assert relative_error(hessians[0], exp_sin_log_hessian(x)) < 1e-6


@njit(parallel=True)
def _gradients_in_prange(points):
    out = np.empty_like(points)
    for k in prange(points.shape[0]):
        out[k] = kernels.central_gradient(rosenbrock, points[k])
    return out


def test_serial_kernels_inside_a_users_prange(rng):
    points = rng.uniform(-1, 1, (16, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = _gradients_in_prange(points)
    for k in range(points.shape[0]):
        assert np.array_equal(result[k], fastdiff.gradient(rosenbrock, points[k], parallel=False))


@njit
def _with_step(x):
    return kernels.forward_gradient(exp_sin_log, x, 1e-3)


def test_explicit_step_inside_njit():
    x = np.array([0.1, 0.2])
    assert np.array_equal(
        _with_step(x), fastdiff.gradient(exp_sin_log, x, method="forward", step=1e-3)
    )


@njit
def _log_of_first(x):
    return np.log(x[0])


@njit
def _gradient_of_log(x):
    return kernels.central_gradient(_log_of_first, x)


def test_kernel_raises_on_non_finite_values_inside_njit():
    with pytest.raises(ValueError, match="non-finite"):
        _gradient_of_log(np.array([0.0, 1.0]))


def test_low_level_parallel_driver_equals_serial(rng):
    from fastdiff import stencils

    x = rng.uniform(-1, 1, 33)
    h = np.full(33, 1e-5)
    offsets, weights = stencils.first_derivative_table("central", 33)
    serial, parallel = np.empty(33), np.empty(33)
    status = np.empty(33, dtype=np.int8)
    kernels.gradient_serial(exp_sin_log, x, h, offsets, weights, np.nan, serial, status)
    kernels.gradient_parallel(exp_sin_log, x, h, offsets, weights, np.nan, parallel, status, 2)
    assert np.array_equal(serial, parallel)
    assert relative_error(serial, exp_sin_log_gradient(x)) < 1e-8
