"""The public functions on compiled f, against analytic derivatives."""

import functools
import gc
import weakref

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import fastdiff
from tests.functions import (
    CountedCalls,
    chemistry,
    chemistry_jacobian,
    counted_quadratic,
    exp_sin_log,
    exp_sin_log_gradient,
    exp_sin_log_hessian,
    relative_error,
    rosenbrock,
    rosenbrock_gradient,
    rosenbrock_hessian,
    trigonometric_map,
    trigonometric_map_jacobian,
)

TOLERANCE = {"central": 1e-8, "forward": 2e-6, "backward": 2e-6}
HESSIAN_TOLERANCE = {"central": 1e-6, "forward": 2e-4, "backward": 2e-4}


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_gradient_matches_analytic(method, n, rng):
    x = rng.uniform(-1.5, 1.5, n)
    for f, reference in [
        (rosenbrock, rosenbrock_gradient),
        (exp_sin_log, exp_sin_log_gradient),
    ]:
        estimate = fastdiff.gradient(f, x, method=method)
        assert estimate.shape == (n,)
        assert relative_error(estimate, reference(x)) < TOLERANCE[method]


@pytest.mark.parametrize("n", [1000, 4000])
def test_gradient_at_large_n(n, rng):
    x = rng.uniform(-1.0, 1.0, n)
    estimate = fastdiff.gradient(exp_sin_log, x)
    assert relative_error(estimate, exp_sin_log_gradient(x)) < 1e-7


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_jacobian_matches_analytic(method):
    x = np.array([1.0, 2e-5, 3e-2])
    estimate = fastdiff.jacobian(chemistry, x, method=method)
    assert estimate.shape == (4, 3)
    # One-sided truncation error is |d2F/dx1^2| h / 2 = 6e7 * 1.5e-8 / 2 = 0.45
    # against entries of 1500; central differences are exact for this term.
    tolerance = 1e-9 if method == "central" else 0.45 / 1500 * 1.1
    assert relative_error(estimate, chemistry_jacobian(x)) < tolerance


@pytest.mark.parametrize("n", [1, 5, 200])
def test_square_jacobian(n, rng):
    x = rng.uniform(-2.0, 2.0, n)
    estimate = fastdiff.jacobian(trigonometric_map, x)
    assert relative_error(estimate, trigonometric_map_jacobian(x)) < 1e-8


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("n", [1, 2, 6, 30])
def test_hessian_matches_analytic(method, n, rng):
    x = rng.uniform(-1.2, 1.2, n)
    for f, reference in [
        (rosenbrock, rosenbrock_hessian),
        (exp_sin_log, exp_sin_log_hessian),
    ]:
        estimate = fastdiff.hessian(f, x, method=method)
        assert estimate.shape == (n, n)
        assert np.array_equal(estimate, estimate.T)
        assert relative_error(estimate, reference(x)) < HESSIAN_TOLERANCE[method]


@pytest.mark.parametrize(
    "call",
    [
        lambda p: fastdiff.gradient(exp_sin_log, np.linspace(-1, 1, 301), parallel=p),
        lambda p: fastdiff.jacobian(trigonometric_map, np.linspace(-1, 1, 97), parallel=p),
        lambda p: fastdiff.hessian(exp_sin_log, np.linspace(-1, 1, 41), parallel=p),
        lambda p: fastdiff.hessian(rosenbrock, np.linspace(-1, 1, 3), method="forward", parallel=p),
    ],
)
def test_parallel_is_bitwise_serial(call):
    assert np.array_equal(call(True), call(False))


def test_parallel_with_fewer_entries_than_threads():
    x = np.array([0.3])
    assert (
        relative_error(fastdiff.hessian(exp_sin_log, x, parallel=True), exp_sin_log_hessian(x))
        < 1e-6
    )
    assert (
        relative_error(fastdiff.gradient(exp_sin_log, x, parallel=True), exp_sin_log_gradient(x))
        < 1e-8
    )


_A = np.array([[4.0, 1.0, -2.0], [1.0, 3.0, 0.5], [-2.0, 0.5, -5.0]])
_B = np.array([1.0, -2.0, 0.25])


@numba.njit(cache=True)
def _quadratic(x):
    return 0.5 * x @ (_A @ x) + _B @ x + 3.0


finite_points = arrays(np.float64, 3, elements=st.floats(-1e3, 1e3, allow_subnormal=False))


@settings(max_examples=60, deadline=None)
@given(x=finite_points)
def test_central_differences_are_exact_on_quadratics(x):
    scale = max(1.0, float(np.max(np.abs(x)))) ** 2
    expected = _A @ x + _B
    estimate = fastdiff.gradient(_quadratic, x)
    assert np.allclose(estimate, expected, rtol=1e-7, atol=1e-7 * scale)
    assert np.allclose(fastdiff.hessian(_quadratic, x), _A, rtol=0, atol=2e-5 * scale)


@settings(max_examples=40, deadline=None)
@given(x=finite_points, step=st.floats(1e-3, 1.0))
def test_any_step_is_exact_on_quadratics(x, step):
    # The stencil, not the step, makes central differences exact here.
    scale = max(1.0, float(np.max(np.abs(x)))) ** 2
    estimate = fastdiff.gradient(_quadratic, x, step=step)
    assert np.allclose(estimate, _A @ x + _B, rtol=1e-9, atol=1e-11 * scale / step)


def test_forward_gradient_is_linear_in_f():
    x = np.array([0.4, -0.1, 0.8])

    @numba.njit
    def combined(x):
        return 2.5 * rosenbrock(x) - 4.0 * exp_sin_log(x)

    expected = 2.5 * rosenbrock_gradient(x) - 4.0 * exp_sin_log_gradient(x)
    assert relative_error(fastdiff.gradient(combined, x), expected) < 1e-8


def test_transformations_return_reusable_callables(rng):
    g = fastdiff.grad(rosenbrock, method="forward")
    j = fastdiff.jac(trigonometric_map)
    h = fastdiff.hess(exp_sin_log)
    for _ in range(3):
        x = rng.uniform(-1, 1, 4)
        assert relative_error(g(x), rosenbrock_gradient(x)) < 2e-6
        assert relative_error(j(x), trigonometric_map_jacobian(x)) < 1e-8
        assert relative_error(h(x), exp_sin_log_hessian(x)) < 1e-6
    # A new dimension with the same prepared Jacobian.
    x = rng.uniform(-1, 1, 7)
    assert relative_error(j(x), trigonometric_map_jacobian(x)) < 1e-8


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_value_and_grad(method):
    x = np.array([1.1, 0.9, -0.4])
    value, gradient = fastdiff.value_and_grad(rosenbrock, method=method)(x)
    assert value == pytest.approx(
        np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2), rel=1e-15
    )
    assert relative_error(gradient, rosenbrock_gradient(x)) < TOLERANCE[method]


def test_explicit_steps_per_coordinate():
    x = np.array([1.0, 2.0])
    steps = np.array([1e-4, 1e-3])
    estimate = fastdiff.gradient(rosenbrock, x, step=steps, method="forward")
    # Forward differences of Rosenbrock have a truncation error ~ f'' h / 2.
    assert relative_error(estimate, rosenbrock_gradient(x)) < 0.5
    assert not np.allclose(estimate, fastdiff.gradient(rosenbrock, x, method="forward"), rtol=1e-9)


def test_integer_and_list_points_are_converted():
    assert (
        relative_error(fastdiff.gradient(rosenbrock, [1, 2, 3]), rosenbrock_gradient([1, 2, 3]))
        < 1e-8
    )


def test_non_contiguous_point():
    x = np.linspace(-1, 1, 20)[::2]
    assert relative_error(fastdiff.gradient(rosenbrock, x), rosenbrock_gradient(x)) < 1e-8


_Counter = CountedCalls
_counted = counted_quadratic


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda x: fastdiff.gradient(_counted, x, method="central"), lambda n: 2 * n),
        (lambda x: fastdiff.gradient(_counted, x, method="forward"), lambda n: n + 1),
        (lambda x: fastdiff.gradient(_counted, x, method="backward"), lambda n: n + 1),
        (
            lambda x: fastdiff.value_and_grad(_counted, method="forward")(x),
            lambda n: n + 1,
        ),
        (lambda x: fastdiff.value_and_grad(_counted)(x), lambda n: 2 * n + 1),
        (lambda x: fastdiff.hessian(_counted, x), lambda n: n * n + n + 1),
        (
            lambda x: fastdiff.hessian(_counted, x, method="forward"),
            lambda n: 1 + n * (n + 3) // 2,
        ),
    ],
)
def test_evaluation_counts(call, expected):
    x = np.array([0.5, -0.25, 2.0, 1.0, 0.0])
    call(x)  # the first call may time one evaluation to choose threads
    _Counter.calls[0] = 0
    call(x)
    assert _Counter.calls[0] == expected(x.shape[0])


# --- one-shot calls: the plan found once per function and options ----------------


def test_one_shot_calls_do_not_keep_f_alive():
    def f(x):
        return float(np.sum(x**2))

    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(fastdiff.gradient(f, x), 2 * x, rtol=1e-8)
    np.testing.assert_allclose(fastdiff.hessian(f, x), 2 * np.eye(2), atol=1e-5)
    reference = weakref.ref(f)
    del f
    gc.collect()
    assert reference() is None


def test_one_shot_calls_of_a_copied_function_use_its_own_plan():
    def f(x):
        return float(np.sum(x**2))

    x = np.array([1.0, 3.0])
    fastdiff.gradient(f, x)

    @functools.wraps(f)  # copies f.__dict__, with what fastdiff kept there
    def doubled(x):
        return 2.0 * f(x)

    np.testing.assert_allclose(fastdiff.gradient(doubled, x), 4 * x, rtol=1e-8)
    np.testing.assert_allclose(fastdiff.gradient(f, x), 2 * x, rtol=1e-8)


def test_a_function_used_once_still_pickles_for_workers():
    cloudpickle = pytest.importorskip("cloudpickle")
    offset = 3.0
    f = lambda x: float(np.sum((x - offset) ** 2))  # noqa: E731 - sent by value
    x = np.array([1.0, 2.0])
    fastdiff.gradient(f, x)
    copy = cloudpickle.loads(cloudpickle.dumps(f))
    np.testing.assert_allclose(fastdiff.gradient(copy, x), 2 * (x - offset), rtol=1e-8)


def test_one_shot_calls_still_check_every_option():
    x = np.array([1.0, 2.0])
    fastdiff.gradient(rosenbrock, x, parallel=True)
    with pytest.raises(TypeError, match="parallel must be None"):
        fastdiff.gradient(rosenbrock, x, parallel=1)
    with pytest.raises(ValueError, match="method must be one of"):
        fastdiff.gradient(rosenbrock, x, method="centre")
