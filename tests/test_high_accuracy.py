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


@numba.njit
def _fast_in_x0(x):
    # Varies on a scale of 1/60 in x0: the first steps, made for a unit
    # scale, are far too large there and right for x1.
    return np.sin(60.0 * x[0]) + x[1] ** 3


def _fast_in_x0_derivatives(x):
    gradient = np.array([60.0 * np.cos(60.0 * x[0]), 3.0 * x[1] ** 2])
    hessian = np.array([[-3600.0 * np.sin(60.0 * x[0]), 0.0], [0.0, 6.0 * x[1]]])
    return gradient, hessian


@pytest.mark.parametrize("derivative", [fastdiff.gradient, fastdiff.hessian])
def test_richardson_adds_smaller_steps_where_the_first_are_too_large(derivative):
    x = np.array([0.3, 0.7])
    gradient, hessian = _fast_in_x0_derivatives(x)
    reference, target = (gradient, 1e-11) if derivative is fastdiff.gradient else (hessian, 1e-9)
    result = derivative(_fast_in_x0, x, method="richardson", full_output=True)
    assert relative_error(result.derivative, reference) < target
    assert np.all(np.abs(result.derivative - reference) <= result.error)
    calls = []

    def counted(point):
        calls.append(1)
        return _fast_in_x0.py_func(point)

    python_result = derivative(counted, x, method="richardson", full_output=True)
    assert relative_error(python_result.derivative, reference) < target
    assert len(calls) == python_result.nfev == result.nfev
    assert np.array_equal(python_result.levels, result.levels)
    # The entries of x1 alone (a cubic) are exact with two levels for the
    # Hessian (whose stencil is exact for cubics) and with three for the
    # gradient (the error estimate of two levels, the error of the finer
    # central difference, cannot see that the extrapolation is exact);
    # those of sin(60 x0) take more, smaller steps.
    levels = result.levels
    if derivative is fastdiff.hessian:
        assert levels[1, 1] == levels[0, 1] == 2 and levels[0, 0] > 3
        # f(x); two full levels (2 axis points per coordinate, 2 pair
        # points); then the axis points of x0 alone.
        assert result.nfev == 1 + 2 * (2 * 2 + 2) + 2 * (levels[0, 0] - 2)
    else:
        assert levels[1] == 3 and levels[0] > 3
        assert result.nfev == 1 + 2 * (levels[0] + levels[1])  # f(x) for the estimate


def test_richardson_refines_only_the_coordinates_that_need_it():
    x = np.array([0.3, 0.7])
    moved = []

    def counted(point):
        moved.append(tuple(np.flatnonzero(point != x)))
        return _fast_in_x0.py_func(point)

    estimate = fastdiff.gradient(counted, x, method="richardson")
    assert relative_error(estimate, _fast_in_x0_derivatives(x)[0]) < 1e-11
    # x1 (a cubic) is done after the three first levels: 2 points each;
    # x0 (sin(60 x0)) needs more, and nothing else is evaluated.
    assert moved.count((1,)) == 6
    assert moved.count((0,)) > 6
    assert len(moved) == moved.count((0,)) + 6


def _coupled(x):
    # Only the block of x0 and x1 varies fast.
    return np.sin(30.0 * x[0] * x[1]) + x[2] ** 3 + x[0] * x[2]


def _coupled_hessian(x):
    u = 30.0 * x[0] * x[1]
    s, c = np.sin(u), np.cos(u)
    h01 = 30.0 * c - 900.0 * x[0] * x[1] * s
    return np.array(
        [
            [-900.0 * x[1] ** 2 * s, h01, 1.0],
            [h01, -900.0 * x[0] ** 2 * s, 0.0],
            [1.0, 0.0, 6.0 * x[2]],
        ]
    )


def test_richardson_hessian_refines_only_the_entries_that_need_it():
    x = np.array([0.3, 0.7, -0.4])
    moved = []

    def counted(point):
        moved.append(tuple(np.flatnonzero(point != x)))
        return _coupled(point)

    result = fastdiff.hessian(counted, x, method="richardson", full_output=True)
    assert relative_error(result.derivative, _coupled_hessian(x)) < 1e-9
    assert len(moved) == result.nfev
    # Central differences are exact for the pairs with x2 (f is bilinear in
    # x0, x2 and separable in x1, x2): they stop after two levels, two pair
    # points each, while (0, 1) gets more levels.
    assert result.levels[0, 2] == result.levels[1, 2] == 2
    assert moved.count((0, 2)) == moved.count((1, 2)) == 2 * 2
    assert moved.count((0, 1)) > 3 * 2
    assert moved.count(()) == 1  # f(x), once for all levels


@numba.njit
def _fast_in_x0_map(x):
    return np.array([np.sin(60.0 * x[0]) + x[1] ** 3, x[0] * x[1]])


@pytest.mark.parametrize("compiled", [True, False])
def test_richardson_jacobian_refines_only_the_columns_that_need_it(compiled):
    x = np.array([0.3, 0.7])
    reference = np.array([[60.0 * np.cos(60.0 * x[0]), 3.0 * x[1] ** 2], [x[1], x[0]]])
    moved = []

    def counted(point):
        moved.append(tuple(np.flatnonzero(point != x)))
        return _fast_in_x0_map.py_func(point)

    f = _fast_in_x0_map if compiled else counted
    result = fastdiff.jacobian(f, x, method="richardson", full_output=True)
    assert relative_error(result.derivative, reference) < 1e-11
    # Central differences are exact for the linear entries (x1 and x0): two
    # levels; 3 x1**2 takes three (see the gradient test above) and 60 cos(60
    # x0) more. f(x) once (the output length and the error estimate), then
    # 2 evaluations per column and level.
    levels = result.levels
    assert levels[1, 0] == levels[1, 1] == 2 and levels[0, 1] == 3 and levels[0, 0] > 3
    assert result.nfev == 1 + 2 * levels.max(axis=0).sum()
    if not compiled:
        assert len(moved) == result.nfev
        assert moved.count((1,)) == 2 * 3 and moved.count(()) == 1


@pytest.mark.parametrize("derivative", [fastdiff.gradient, fastdiff.hessian])
def test_richardson_estimate_does_not_depend_on_full_output(derivative):
    # f(x) only enters the error estimate; the steps each entry keeps are the same.
    x = np.array([0.3, 0.7])
    plain = derivative(_fast_in_x0, x, method="richardson")
    full = derivative(_fast_in_x0, x, method="richardson", full_output=True)
    assert np.array_equal(plain, full.derivative)


def test_richardson_jacobian_reports_the_evaluations_it_made():
    calls = []

    def counted(x):
        calls.append(1)
        return _complex_friendly_map.py_func(x)

    result = fastdiff.jacobian(
        counted, np.array([0.3, -1.1]), method="richardson", full_output=True
    )
    assert result.nfev == len(calls)


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
    with pytest.raises(
        ValueError,
        match="bounds are not supported with method='complex'; use 'central', 'forward', "
        "'backward' or 'richardson'",
    ):
        fastdiff.gradient(rosenbrock, X, method="complex", bounds=(0, 1))
    # A vectorized f gets all complex points in one call.
    gradient = fastdiff.gradient(
        lambda points: np.sum(points**2, axis=1), X, method="complex", vectorized=True
    )
    np.testing.assert_allclose(gradient, 2 * X, rtol=1e-15)
