"""The cases of numdifftools' ``tests/test_numdifftools.py`` that map onto fastdiff.

Written for fastdiff from the upstream cases, with their tolerances and
analytic references. ``nd.Derivative`` maps to :func:`fastdiff.derivative`
(orders 1 and 2), ``nd.Gradient`` / ``nd.Jacobian`` / ``nd.Hessian`` to
``gradient`` / ``jacobian`` / ``hessian`` (``nd.Hessdiag`` to the diagonal
of ``hessian``); numdifftools extrapolates every method, so its accuracy is
compared with ``method="richardson"`` or ``"complex"`` where the upstream
tolerance needs it. What does not map is listed in the README.
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import fastdiff
from fastdiff.high_accuracy.richardson import richardson_weights
from tests.compat.functions import pick, xyz_hessian

EXTRAPOLATED = ["richardson", "complex"]


@pytest.mark.parametrize(
    "method, levels, expected",
    [
        ("central", 2, [-0.33333333, 1.33333333]),
        ("central", 3, [0.02222222, -0.44444444, 1.42222222]),
        ("forward", 2, [-1.0, 2.0]),
        ("forward", 3, [0.33333333, -2.0, 2.66666667]),
    ],
)
def test_richardson_rules(method, levels, expected):
    # TestRichardson: the rules of step ratio 2 for the second-order central
    # and first-order one-sided differences.
    np.testing.assert_allclose(
        richardson_weights(levels, ratio=2.0, method=method), expected, atol=1e-8
    )


def _rosen_nd(x):
    # numdifftools' own Rosenbrock, with 105 instead of 100.
    return (1 - x[0]) ** 2 + 105.0 * (x[1] - x[0] ** 2) ** 2


def test_directional_derivative():
    x = np.array([2.0, 3.0])
    v = np.array([1.0, -1.0]) / np.sqrt(2.0)
    np.testing.assert_allclose(fastdiff.jvp(_rosen_nd, x, v), 743.87633380824832, rtol=1e-7)
    np.testing.assert_allclose(
        fastdiff.gradient(_rosen_nd, x, method="richardson") @ v, 743.87633380824832
    )


def test_infinite_function_is_an_error_not_nan():
    # numdifftools returns NaN; fastdiff raises (a silent NaN is against its rules).
    with pytest.raises(ValueError, match="finite"):
        fastdiff.derivative(lambda x: np.inf * np.ones_like(x), 0.0)


@pytest.mark.parametrize("order, true", [(1, -1.0), (2, 0.0)])
def test_derivative_of_cos_at_half_pi(order, true):
    result = fastdiff.derivative(np.cos, np.pi / 2, order=order, full_output=True)
    np.testing.assert_allclose(result.derivative, true, atol=1e-4)


@settings(deadline=None, max_examples=20)
@given(st.floats(min_value=0, max_value=10))
@example(7.6564547238847105)
@example(8.9428143931508)
@example(2.2204460492503134e-14)
def test_derivative_of_cos(x):
    for order, true in ((1, -np.sin(x)), (2, -np.cos(x))):
        result = fastdiff.derivative(np.cos, x, order=order, full_output=True)
        np.testing.assert_allclose(
            result.derivative, true, rtol=1e-6, atol=100 * result.error + 1e-14
        )


@pytest.mark.parametrize("method", EXTRAPOLATED)
def test_extra_parameters_as_closure(kind, method):
    # test_fun_with_additional_parameters: b * a * x**3 with a = 1, b = 2.
    f = pick("cubic_term", kind)
    np.testing.assert_allclose(fastdiff.gradient(f, 0.0, method=method), 0.0, atol=1e-13)
    if not (method == "complex" and kind == "njit"):  # see README: complex Jacobian of a number
        np.testing.assert_allclose(fastdiff.jacobian(f, 0.0, method=method), [[0.0]], atol=1e-13)
    np.testing.assert_allclose(fastdiff.gradient(f, 1.0, method=method), 6.0)
    np.testing.assert_allclose(fastdiff.derivative(lambda t: 2.0 * t**3, 1.0), 6.0)
    np.testing.assert_allclose(fastdiff.derivative(lambda t: 2.0 * t**3, 1.0, order=2), 12.0)
    np.testing.assert_allclose(fastdiff.hessian(f, 1.0, method="richardson"), [[12.0]])


def test_derivative_cube_keeps_the_shape():
    x = np.full((3, 2), 2.0)
    derivative = fastdiff.derivative(lambda t: t * t * t, x)
    assert derivative.shape == (3, 2)
    np.testing.assert_allclose(derivative, 3 * x**2, rtol=1e-8)


def test_derivative_exp_and_sin():
    np.testing.assert_allclose(fastdiff.derivative(np.exp, 0.0), 1.0, rtol=1e-8)
    x = np.linspace(0, 2.0 * np.pi, 13)
    np.testing.assert_allclose(fastdiff.derivative(np.sin, x), np.cos(x), atol=1e-8)


def test_backward_derivative_on_sinh(kind):
    np.testing.assert_allclose(
        fastdiff.gradient(pick("sinh_first", kind), 0.0, method="backward"), np.cosh(0.0)
    )


@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
def test_derivative_of_log_near_zero():
    # Central steps that leave the domain: the smaller steps (derivative) or
    # one-sided fallbacks (richardson gradient) give 1 / x.
    np.testing.assert_allclose(fastdiff.derivative(np.log, 0.001), 1000.0)
    np.testing.assert_allclose(
        fastdiff.gradient(lambda x: np.log(x[0]), [0.001], method="richardson"), [1000.0]
    )


@settings(deadline=None, max_examples=20)
@given(st.floats(min_value=-1000, max_value=1000))
def test_jacobian_of_scalar_to_vector(value):
    true = np.array([[1.0], [2 * value], [3 * value**2]])
    for kind in ("python", "njit"):
        f = pick("powers_of_scalar", kind)
        for method in ("complex", "central", "forward", "backward"):
            jacobian = fastdiff.jacobian(f, value, method=method)
            np.testing.assert_allclose(jacobian, true, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("method", ["complex", "richardson", "central"])
def test_jacobian_of_scalar_function(kind, method):
    if method == "complex" and kind == "njit":
        with pytest.raises(TypeError, match="1-D complex array"):
            fastdiff.jacobian(pick("xyz", kind), [3.0, 5.0, 7.0], method=method)
        return
    jacobian = fastdiff.jacobian(pick("xyz", kind), [3.0, 5.0, 7.0], method=method)
    e3 = np.exp(3.0)
    np.testing.assert_allclose(jacobian, [[35.0 + 5 * e3, 21.0 + e3, 15.0]], rtol=1e-7)


@pytest.mark.parametrize("method", EXTRAPOLATED)
def test_jacobian_of_exact_residuals_is_zero(method):
    t = np.arange(0, 1, 0.1)
    y = 1 + 2 * np.exp(0.75 * t)

    def squared_residuals(c):
        return (c[0] + c[1] * np.exp(c[2] * t) - y) ** 2

    jacobian = fastdiff.jacobian(squared_residuals, [1.0, 2.0, 0.75], method=method)
    np.testing.assert_allclose(jacobian, np.zeros((t.size, 3)), atol=1e-12)


def test_jacobian_of_two_outputs():
    def f(x):
        return np.array([x[0] ** 2 + x[1] ** 2, x[0] ** 3 + x[1] ** 3])

    np.testing.assert_allclose(fastdiff.jacobian(f, [1.0, 2.0]), [[2.0, 4.0], [3.0, 12.0]])
    np.testing.assert_allclose(fastdiff.jacobian(f, [3.0, 4.0]), [[6.0, 8.0], [27.0, 48.0]])


def test_jacobian_of_one_output_array():
    # issue 68: f returning shape (1,).
    jacobian = fastdiff.jacobian(lambda x: np.array([np.sum(x**2) - 1]), [1.0, 2.0])
    np.testing.assert_allclose(jacobian, [[2.0, 4.0]])


@pytest.mark.parametrize("method", ["complex", "central", "backward", "forward", "richardson"])
def test_gradient_of_sum_of_squares(kind, method):
    np.testing.assert_allclose(
        fastdiff.gradient(pick("sum_of_squares", kind), [1.0, 2.0, 3.0], method=method),
        [2.0, 4.0, 6.0],
    )


def test_hessian_diagonal(kind):
    # TestHessdiag: x0 + x1**2 + x2**3 at (1, 2, 3).
    result = fastdiff.hessian(
        pick("power_sum", kind), [1.0, 2.0, 3.0], method="richardson", full_output=True
    )
    np.testing.assert_allclose(np.diag(result.derivative), [0.0, 2.0, 18.0], atol=1e-8)


# Forward and backward: numdifftools extrapolates them; fastdiff's one-sided
# Hessians are not extrapolated (2e-6 here), see README.
@pytest.mark.parametrize("method", ["central", "richardson"])
def test_hessian_of_cos_difference_at_zero(kind, method):
    hessian = fastdiff.hessian(pick("cos_difference", kind), [0.0, 0.0], method=method)
    np.testing.assert_allclose(hessian, [[-1.0, 1.0], [1.0, -1.0]], rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("method", ["central", "richardson"])  # one-sided: see above
def test_hessian_of_scalar_function(kind, method):
    x = np.array([3.0, 5.0, 7.0])
    np.testing.assert_allclose(
        fastdiff.hessian(pick("xyz", kind), x, method=method), xyz_hessian(x), atol=1e-4
    )
