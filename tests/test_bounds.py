"""Bounds: no stencil point leaves the box, for compiled and Python f."""

import numba
import numpy as np
import pytest
from scipy.optimize import Bounds

import fastdiff
from fastdiff.bounds import as_bounds, point_inside
from tests.functions import exp_sin_log_gradient, exp_sin_log_hessian, relative_error

LB = np.array([0.0, -1.0, 0.5])
UB = np.array([1.0, 1.0, 0.5])


@numba.njit
def _strict(x):
    # Raises outside the box [0, 1] x [-1, 1] x {0.5}: a point outside is a bug.
    if x[0] < 0.0 or x[0] > 1.0 or x[1] < -1.0 or x[1] > 1.0 or x[2] != 0.5:
        raise ValueError("evaluated outside the bounds")
    total = 0.0
    for i in range(3):
        total += np.exp(0.5 * x[i]) * np.sin(x[i]) + np.log(1.0 + x[i] ** 2)
    for i in range(2):
        total += np.sin(x[i] * x[i + 1])
    return total


CORNERS = [
    np.array([0.0, -1.0, 0.5]),
    np.array([1.0, 1.0, 0.5]),
    np.array([1e-9, 0.3, 0.5]),
    np.array([1.0 - 1e-12, -1.0 + 1e-10, 0.5]),
    np.array([0.4, 0.0, 0.5]),
]


@pytest.mark.parametrize("x", CORNERS)
@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("compiled", [True, False])
def test_gradient_never_leaves_the_box(x, method, compiled):
    f = _strict if compiled else _strict.py_func
    estimate = fastdiff.gradient(f, x, method=method, bounds=(LB, UB))
    expected = exp_sin_log_gradient(x)
    expected[2] = 0.0  # lb == ub: a fixed coordinate has derivative 0
    tolerance = 1e-7 if method == "central" else 1e-6
    assert relative_error(estimate, expected) < tolerance


@pytest.mark.parametrize("x", CORNERS)
@pytest.mark.parametrize("compiled", [True, False])
def test_hessian_never_leaves_the_box(x, compiled):
    f = _strict if compiled else _strict.py_func
    estimate = fastdiff.hessian(f, x, bounds=Bounds(LB, UB))
    expected = exp_sin_log_hessian(x)
    expected[2, :] = expected[:, 2] = 0.0
    assert np.array_equal(estimate, estimate.T)
    # At a corner the one-sided Hessian stencil is first order: error ~ h * f'''.
    assert relative_error(estimate, expected) < 1e-3


def test_jacobian_with_bounds():
    @numba.njit
    def f(x):
        if x[0] > 1.0:
            raise ValueError("outside")
        return np.array([x[0] ** 2, x[0] * x[1]])

    x = np.array([1.0, 2.0])
    estimate = fastdiff.jacobian(f, x, bounds=([-np.inf, -np.inf], [1.0, np.inf]))
    assert relative_error(estimate, [[2.0, 0.0], [2.0, 1.0]]) < 1e-8


def test_central_becomes_second_order_one_sided_at_a_bound():
    # Exact for a quadratic: the one-sided formula is second order too.
    x = np.array([0.0, 0.3, 0.5])
    quadratic = lambda y: float(3.0 * y[0] ** 2 + 2.0 * y[0] + y[1])  # noqa: E731
    estimate = fastdiff.gradient(quadratic, x, bounds=(LB, UB), step=1e-3)
    assert estimate == pytest.approx([2.0, 1.0, 0.0], abs=1e-9)


def test_last_ulp_and_negative_zero_are_inside():
    lb, ub = np.zeros(2), np.ones(2)
    assert np.array_equal(point_inside(np.array([-0.0, 1.0]), lb, ub), [0.0, 1.0])
    assert np.array_equal(
        point_inside(np.array([np.nextafter(0.0, -1.0), np.nextafter(1.0, 2.0)]), lb, ub),
        [0.0, 1.0],
    )


@pytest.mark.parametrize(
    ("bounds", "x", "error", "match"),
    [
        (
            (LB, UB),
            np.array([1.5, 0.0, 0.5]),
            ValueError,
            r"x must lie within bounds; x\[0\] = 1.5 is outside \[0.0, 1.0\]",
        ),
        (
            (UB, LB),
            np.array([0.5, 0.0, 0.5]),
            ValueError,
            r"bounds: lb\[0\] = 1.0 is above ub\[0\] = 0.0",
        ),
        (
            ([0, 0], [1, 1]),
            np.array([0.5, 0.0, 0.5]),
            ValueError,
            "bounds: the lower bound must be a number or an array of length 3",
        ),
        (
            "box",
            np.array([0.5, 0.0, 0.5]),
            TypeError,
            "bounds must be \\(lb, ub\\) or a scipy.optimize.Bounds",
        ),
        (
            (np.nan, 1.0),
            np.array([0.5, 0.0, 0.5]),
            ValueError,
            "bounds: the lower bound must not be NaN",
        ),
    ],
)
def test_bad_bounds(bounds, x, error, match):
    with pytest.raises(error, match=match):
        fastdiff.gradient(_strict.py_func, x, bounds=bounds)


def test_as_bounds_broadcasts_scalars():
    lb, ub = as_bounds((0.0, np.inf), 3)
    assert lb.shape == ub.shape == (3,) and np.all(np.isinf(ub))
