"""Complex-step kernels: accuracy on analytic functions, serial == parallel, clear errors."""

import warnings

import numpy as np
import pytest
from numba import njit, prange

from fastdiff.compiled import ComplexFunction, prepare, prepare_complex
from fastdiff.kernels.complex_step import (
    COMPLEX_STEP_SCALE,
    complex_gradient_driver,
    complex_gradient_serial,
    complex_jacobian_driver,
    complex_jacobian_serial,
)
from fastdiff.kernels.methods import complex_step_gradient, complex_step_jacobian
from fastdiff.status import NOT_FINITE, OK, RAISED
from fastdiff.testing import load_references, scaled_error
from fastdiff.threads import threads_argument
from tests.functions import (
    chemistry,
    exp_sin_log,
    exp_sin_log_gradient,
    rosenbrock,
    rosenbrock_gradient,
)

NO_STEP = np.empty(0)


@njit(cache=True)
def spiral(x):
    """R^3 -> R^4, analytic; the output array takes x's dtype, so complex input works."""
    out = np.empty(4, dtype=x.dtype)
    out[0] = np.exp(x[0]) * np.cos(x[1])
    out[1] = x[0] * x[1] * x[2]
    # Not x[1] ** 3: Numba's complex power (other than ** 2) goes through
    # exp(k log z), whose rounding swamps the tiny imaginary part.
    out[2] = np.log(1.0 + x[2] * x[2]) + x[1] * x[1] * x[1]
    out[3] = np.sin(x[0] * x[2])
    return out


def spiral_jacobian(x):
    a, b, c = x
    return np.array(
        [
            [np.exp(a) * np.cos(b), -np.exp(a) * np.sin(b), 0.0],
            [b * c, a * c, a * b],
            [0.0, 3.0 * b**2, 2.0 * c / (1.0 + c * c)],
            [c * np.cos(a * c), 0.0, a * np.cos(a * c)],
        ]
    )


@njit(cache=True)
def kinked(x):
    """|x_0| through a comparison of real parts: compiles, and is right away from the kink."""
    total = x[1] * x[1]
    if x[0].real < 0.0:
        return total - x[0]
    return total + x[0]


@njit(cache=True)
def compares_numbers(x):
    return x[0] * x[1] if x[0] > x[1] else x[0]


@njit(cache=True)
def magnitude(x):
    return np.sum(np.abs(x))


@njit(cache=True)
def raises_off_the_real_line(x):
    if x[1].imag != 0.0:
        raise ValueError("no complex x[1]")
    return x[0] * x[1]


@njit(cache=True)
def not_finite_in_x2(x):
    if x[1].imag != 0.0:
        return x[0] * np.nan
    return x[0] * x[1]


def _gradient(prepared, x, threads=1, step=NO_STEP):
    n = x.shape[0]
    h, out, status = np.empty(n), np.empty(n), np.empty(n, dtype=np.int8)
    value, bad, failures = complex_gradient_driver(
        prepared.address, x, step, threads_argument(threads), h, out, status
    )
    return value, out, status, h, bad, failures


def _jacobian(prepared, x, m, threads=1):
    n = x.shape[0]
    h, out, status = np.empty(n), np.empty((m, n)), np.empty(n, dtype=np.int8)
    bad, failures = complex_jacobian_driver(
        prepared.address, x, NO_STEP, threads_argument(threads), h, out, status
    )
    return out, status, bad, failures


@pytest.mark.parametrize(
    ("f", "gradient"),
    [(exp_sin_log, exp_sin_log_gradient), (rosenbrock, rosenbrock_gradient)],
    ids=["exp_sin_log", "rosenbrock"],
)
def test_gradient_is_exact_to_rounding(f, gradient, rng):
    prepared = prepare_complex(f, "scalar")
    for x in (rng.uniform(-2.0, 2.0, 6), np.array([0.0, 1e-12, -3.5, 40.0, 300.0, -7.0])):
        value, out, status, h, bad, failures = _gradient(prepared, x)
        assert scaled_error(out, gradient(x)) <= 1e-14
        assert (bad, failures) == (-1, 0) and np.all(status == OK)
        assert value == pytest.approx(f(x), rel=4e-16)
        assert np.array_equal(h, COMPLEX_STEP_SCALE * np.maximum(1.0, np.abs(x)))


def test_jacobian_is_exact_to_rounding(rng):
    prepared = prepare_complex(spiral, "vector")
    x = rng.uniform(-1.5, 1.5, 3)
    out, status, bad, failures = _jacobian(prepared, x, 4)
    assert scaled_error(out, spiral_jacobian(x)) <= 1e-14
    assert (bad, failures) == (-1, 0)


def test_parallel_and_address_paths_equal_the_serial_jitted_path_bit_for_bit(rng):
    x = rng.uniform(-2.0, 2.0, 7)
    scalar = prepare_complex(exp_sin_log, "scalar")
    _, serial, *_ = _gradient(scalar, x, threads=1)
    for threads in (2, 3):
        assert np.array_equal(_gradient(scalar, x, threads=threads)[1], serial)
    h = COMPLEX_STEP_SCALE * np.maximum(1.0, np.abs(x))
    jitted = np.empty(7)
    complex_gradient_serial(exp_sin_log, x, h, jitted, np.empty(7, dtype=np.int8))
    assert np.array_equal(jitted, serial)

    vector = prepare_complex(spiral, "vector")
    x3 = x[:3].copy()
    serial_jacobian = _jacobian(vector, x3, 4, threads=1)[0]
    assert np.array_equal(_jacobian(vector, x3, 4, threads=2)[0], serial_jacobian)
    jitted_jacobian = np.empty((4, 3))
    complex_jacobian_serial(spiral, x3, h[:3], jitted_jacobian, np.empty(3, dtype=np.int8))
    assert np.array_equal(jitted_jacobian, serial_jacobian)


def test_user_steps_are_used_as_given():
    prepared = prepare_complex(rosenbrock, "scalar")
    x = np.array([0.5, -0.25])
    step = np.array([1e-30, 1e-6])
    _, out, _, h, _, _ = _gradient(prepared, x, step=step)
    assert np.array_equal(h, step)
    # A step of 1e-6 leaves an h**2 term of 1e-12 relative; still far below central's error.
    assert scaled_error(out, rosenbrock_gradient(x)) <= 1e-11


def test_comparisons_of_real_parts_compile_and_are_right_away_from_the_kink():
    prepared = prepare_complex(kinked, "scalar")
    _, out, *_ = _gradient(prepared, np.array([-2.0, 3.0]))
    assert np.array_equal(out, [-1.0, 6.0])


def test_failures_are_reported_per_coordinate():
    _, out, status, _, bad, failures = _gradient(
        prepare_complex(raises_off_the_real_line, "scalar"), np.array([2.0, 3.0])
    )
    assert list(status) == [OK, RAISED] and failures == 1 and out[0] == 3.0
    value, _, status, _, _, failures = _gradient(
        prepare_complex(not_finite_in_x2, "scalar"), np.array([2.0, 3.0])
    )
    assert list(status) == [OK, NOT_FINITE] and failures == 1 and np.isnan(value)
    bad = _gradient(prepare_complex(rosenbrock, "scalar"), np.array([1.0, np.inf]))[4]
    assert bad == 1


def test_prepared_function_is_cached_apart_from_the_real_wrapper():
    prepared = prepare_complex(rosenbrock, "scalar")
    assert isinstance(prepared, ComplexFunction)
    assert prepare_complex(rosenbrock, "scalar") is prepared
    assert prepare(rosenbrock, "scalar").address != prepared.address
    assert prepared.evaluation_cost(np.array([1.0, 2.0])) > 0.0


@pytest.mark.parametrize(
    ("f", "kind", "match"),
    [
        (
            compares_numbers,
            "scalar",
            r"method='complex' needs f \(compares_numbers\) to accept a 1-D complex128 array, "
            r"but it could not be compiled for one",
        ),
        (
            chemistry,  # writes complex values into a float64 array
            "vector",
            r"method='complex' needs f \(chemistry\) to accept a 1-D complex128 array, "
            r"but it could not be compiled for one",
        ),
        (
            magnitude,
            "scalar",
            r"needs f \(magnitude\) to return a complex number for complex input; "
            r"it returns float64, which drops the imaginary part",
        ),
        (
            exp_sin_log,
            "vector",
            r"needs f \(exp_sin_log\) to return a 1-D complex array for complex input; "
            r"it returns complex128",
        ),
        (spiral, "scalar", r"needs f \(spiral\) to return a complex number .* it returns array"),
    ],
    ids=["comparison", "float-array", "abs", "scalar-for-jacobian", "array-for-gradient"],
)
def test_functions_without_complex_support_are_a_type_error(f, kind, match):
    with pytest.raises(TypeError, match=match):
        prepare_complex(f, kind)


@njit(parallel=True)
def _gradients_in_prange(points):
    gradients = np.empty_like(points)
    for k in prange(points.shape[0]):
        gradients[k] = complex_step_gradient(exp_sin_log, points[k])
    return gradients


def test_methods_inside_njit_and_prange(rng):
    points = rng.uniform(-1.0, 1.0, (3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradients = _gradients_in_prange(points)
        jacobian = complex_step_jacobian(spiral, points[0, :3], 1e-30)
    for point, gradient in zip(points, gradients):
        assert scaled_error(gradient, exp_sin_log_gradient(point)) <= 1e-14
    assert scaled_error(jacobian, spiral_jacobian(points[0, :3])) <= 1e-14


def test_methods_raise_when_f_fails():
    # The address of f's complex wrapper: the method's one compiled version
    # for every function (the jitted f would compile it again for itself).
    prepared = prepare_complex(not_finite_in_x2, "scalar")
    with pytest.raises(ValueError, match="f raised or returned a non-finite value"):
        complex_step_gradient(prepared.address, np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    "reference", load_references(), ids=lambda r: f"{r.problem.name}-{r.point.replace(' ', '_')}"
)
def test_mgh_gradients_within_1e_14(reference):
    prepared = prepare_complex(reference.problem.objective, "scalar")
    value, out, status, *_ = _gradient(prepared, reference.x)
    assert scaled_error(out, reference.gradient) <= 1e-14
    assert value == pytest.approx(reference.value, rel=1e-15)
