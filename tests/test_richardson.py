"""Richardson extrapolation: exact cases, analytic error terms, error estimates, refinement."""

from fractions import Fraction

import numpy as np
import pytest

import fastdiff
from fastdiff.high_accuracy.richardson import (
    DEFAULT_RTOL,
    GRADIENT_SCALE,
    HESSIAN_SCALE,
    RichardsonResult,
    best_window,
    error_orders,
    extrapolate,
    extrapolate_adaptively,
    geometric_steps,
    richardson_weights,
    rounding_errors,
)
from fastdiff.testing import scaled_error
from tests.functions import (
    exp_sin_log,
    exp_sin_log_gradient,
    log_barrier,
    log_barrier_gradient,
)

EPS = np.finfo(np.float64).eps


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2.0 * h)


def _central_second(f, x, h):
    return (f(x + h) - 2.0 * f(x) + f(x - h)) / (h * h)


def test_error_orders():
    assert error_orders("central", 3) == (2, 4, 6)
    assert error_orders("forward", 3) == (1, 2, 3)
    assert error_orders("backward", 0) == ()


def test_weights_are_the_classical_ones():
    assert np.allclose(richardson_weights(2), [-1 / 3, 4 / 3], rtol=1e-15, atol=0)
    assert np.allclose(richardson_weights(3) * 45, [1, -20, 64], rtol=1e-14, atol=0)
    assert np.allclose(richardson_weights(2, method="forward"), [-1, 2], rtol=1e-15, atol=0)
    assert np.array_equal(richardson_weights(1), [1.0])


@pytest.mark.parametrize("method", ["central", "forward"])
@pytest.mark.parametrize("ratio", [2.0, 3.0, 4.0])
def test_weights_sum_to_one_and_cancel_each_error_order(method, ratio):
    levels = 4
    weights = richardson_weights(levels, ratio=ratio, method=method)
    exact = _exact_weights(levels, Fraction(ratio), error_orders(method, levels - 1))
    assert np.allclose(weights, [float(w) for w in exact], rtol=1e-12, atol=1e-14)
    assert weights.sum() == pytest.approx(1.0, abs=1e-14)


def _exact_weights(levels, ratio, orders):
    # Solve sum_k w_k = 1, sum_k w_k ratio**(-k p) = 0 exactly (Gauss-Jordan on fractions).
    rows = [[Fraction(1)] * levels + [Fraction(1)]]
    rows += [[ratio ** (-k * p) for k in range(levels)] + [Fraction(0)] for p in orders]
    for c in range(levels):
        pivot = next(r for r in range(c, levels) if rows[r][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        rows[c] = [v / rows[c][c] for v in rows[c]]
        for r in range(levels):
            if r != c:
                rows[r] = [a - rows[r][c] * b for a, b in zip(rows[r], rows[c])]
    return [row[-1] for row in rows]


def test_central_extrapolation_is_exact_for_polynomials_of_degree_6():
    coefficients = np.array([0.3, -1.0, 2.0, 0.5, -0.25, 0.125, 1.5])  # degree 6

    def f(x):
        return np.polynomial.polynomial.polyval(x, coefficients)

    x = np.array([-0.7, 0.2, 1.3])
    derivative = np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyder(coefficients))
    h = 0.1 / 2.0 ** np.arange(3)
    estimates = np.array([_central(f, x, hk) for hk in h])
    result = extrapolate(estimates)
    assert np.max(np.abs(estimates[-1] - derivative)) > 1e-4  # far from exact before
    assert np.max(np.abs(extrapolate(estimates[1:]).estimate - derivative)) > 1e-8
    # Exact up to the rounding error of the finest difference quotient.
    rounding = 10.0 * EPS * np.max(np.abs(f(x))) / h[-1]
    assert np.allclose(result.estimate, derivative, rtol=0, atol=rounding)


def test_remaining_error_is_the_predicted_h6_term_for_degree_7():
    # f = x**7: D(h) - f'(x) = 35 x**4 h**2 + 21 x**2 h**4 + h**6, and the
    # weights cancel the first two terms, leaving h**6 * sum_k w_k 2**(-6k).
    x = np.array([0.5, 1.0])
    h = 0.2 / 2.0 ** np.arange(3)
    estimates = np.array([_central(lambda t: t**7, x, hk) for hk in h])
    result = extrapolate(estimates)
    weights = richardson_weights(3)
    predicted = h[0] ** 6 * np.sum(weights * 2.0 ** (-6.0 * np.arange(3)))
    assert np.allclose(result.estimate - 7 * x**6, predicted, rtol=1e-6, atol=0)


@pytest.mark.parametrize(
    ("f", "derivative", "second"),
    [
        (np.exp, np.exp, np.exp),
        (np.sin, np.cos, lambda t: -np.sin(t)),
        (lambda t: np.log1p(t * t), lambda t: 2 * t / (1 + t * t), None),
    ],
    ids=["exp", "sin", "log1p"],
)
def test_analytic_functions_reach_the_targets_with_honest_error_estimates(f, derivative, second):
    x = np.array([-1.0, 0.3, 2.0])
    steps = geometric_steps(x, scale=GRADIENT_SCALE)
    estimates = np.array([_central(f, x, h) for h in steps])
    rounding = EPS * np.abs(f(x)) / steps
    result = extrapolate(estimates, steps=steps, rounding=rounding)
    actual = np.abs(result.estimate - derivative(x))
    assert scaled_error(result.estimate, derivative(x)) < 1e-12
    assert np.all(actual <= result.error)
    # Small enough that method="richardson" would not refine these entries.
    assert np.all(result.error < DEFAULT_RTOL * np.maximum(1.0, np.abs(derivative(x))))
    assert result.steps is not None and result.steps.shape == (3, 3)
    if second is not None:
        steps = geometric_steps(x, scale=HESSIAN_SCALE)
        estimates = np.array([_central_second(f, x, h) for h in steps])
        rounding = 4.0 * EPS * np.abs(f(x)) / steps**2
        result = extrapolate(estimates, rounding=rounding)
        assert scaled_error(result.estimate, second(x)) < 1e-10
        assert np.all(np.abs(result.estimate - second(x)) <= result.error)


def test_forward_differences_extrapolate_with_orders_1_2_3():
    x = np.array([0.0, 1.0])
    h = 1e-2 / 2.0 ** np.arange(4)
    estimates = np.array([(np.exp(x + hk) - np.exp(x)) / hk for hk in h])
    assert np.max(np.abs(estimates[-1] - np.exp(x))) > 1e-4
    forward = extrapolate(estimates, method="forward")
    assert scaled_error(forward.estimate, np.exp(x)) < 1e-10
    # The central error orders do not fit one-sided estimates.
    assert scaled_error(extrapolate(estimates).estimate, np.exp(x)) > 1e-5


def test_jacobian_shaped_estimates_and_nan_entries():
    x = np.array([0.4, 1.1])
    h = 0.05 / 2.0 ** np.arange(3)
    estimates = np.array([[_central(np.sin, x, hk), _central(np.cos, x, hk)] for hk in h])
    estimates[1, 1, 0] = np.nan
    result = extrapolate(estimates)
    assert result.estimate.shape == result.error.shape == (2, 2)
    assert np.isnan(result.estimate[1, 0]) and np.isnan(result.error[1, 0])
    expected = np.array([np.cos(x), -np.sin(x)])
    mask = ~np.isnan(result.estimate)
    assert scaled_error(result.estimate[mask], expected[mask]) < 1e-11


def test_error_estimate_without_rounding_is_the_level_difference():
    estimates = np.array([1.0, 1.5, 1.75])
    result = extrapolate(estimates, safety=1.0)
    lower = 1.75 + (1.75 - 1.5) / 3.0
    assert result.error == pytest.approx(abs(result.estimate - lower), rel=1e-15)
    assert extrapolate(estimates).error == pytest.approx(2.0 * result.error, rel=1e-15)
    rounded = extrapolate(estimates, rounding=[1.0, 1.0, 1.0], safety=1.0)
    assert rounded.error == pytest.approx(result.error + np.sum(np.abs(richardson_weights(3))))


def test_result_is_an_immutable_named_tuple():
    result = extrapolate([1.0, 1.0])
    assert isinstance(result, RichardsonResult)
    assert result.steps is None
    with pytest.raises(AttributeError):
        result.estimate = 2.0


def test_geometric_steps_and_rounding_errors():
    steps = geometric_steps([0.0, -8.0], levels=3, ratio=2.0, scale=0.01)
    assert np.array_equal(steps, [[0.01, 0.08], [0.005, 0.04], [0.0025, 0.02]])
    first = rounding_errors(-2.0, steps)
    assert np.allclose(first, 2.0 * EPS / steps, rtol=1e-15, atol=0)
    second = rounding_errors(2.0, steps, derivative=2)
    assert second.shape == (3, 2, 2)
    assert second[1, 0, 1] == pytest.approx(8.0 * EPS / (0.005 * 0.04), rel=1e-15)
    assert rounding_errors(2.0, steps, stencil_weight=2.0)[0, 0] == pytest.approx(400 * EPS)


def _steep_levels(levels):
    # d/dx exp(a x) at x = 0 for a = 1 and a = 60: the second varies on a
    # scale of 1/60, so the first steps (0.01, 0.005, ...) are too large for it.
    rates = np.array([1.0, 60.0])
    h = 0.01 / 2.0 ** np.arange(levels)
    estimates = np.array([np.sinh(rates * hk) / hk for hk in h])
    return rates, estimates, EPS / h[:, np.newaxis] * np.ones((1, 2))


def test_best_window_moves_to_smaller_steps_only_where_needed():
    rates, estimates, rounding = _steep_levels(7)
    first = extrapolate(estimates[:3], rounding=rounding[:3])
    assert abs(first.estimate[1] - 60.0) > 1e-6  # three large steps: poor for a = 60
    result, start = best_window(estimates, rounding=rounding)
    assert start[1] > start[0]
    assert scaled_error(result.estimate, rates) < 1e-11
    assert np.all(np.abs(result.estimate - rates) <= result.error)


def test_best_window_skips_levels_not_computed():
    _, estimates, rounding = _steep_levels(5)
    estimates[3:, 0] = np.nan  # entry 0 was not refined beyond level 2
    result, start = best_window(estimates, rounding=rounding)
    assert start[0] == 0 and np.isfinite(result.estimate[0])
    estimates[2:, 0] = np.nan
    result, start = best_window(estimates, rounding=rounding)
    assert start[0] == -1 and np.isnan(result.estimate[0]) and np.isnan(result.error[0])


@pytest.mark.parametrize("patience", [1, 2, 3])
def test_an_entry_stops_after_patience_windows_without_improvement(patience):
    # Rounding-dominated: made-up levels whose windows get worse and worse.
    noisy = 1.0 + 1e-8 * (-4.0) ** np.arange(10)
    result = extrapolate_adaptively(
        lambda k, m: noisy[k], 10, rtol=0.0, atol=0.0, patience=patience
    )
    assert result.levels == 3 + patience and not result.converged
    # The first window stays the best.
    assert result.estimate == pytest.approx(extrapolate(noisy[:3]).estimate, rel=1e-15)


def test_adaptive_extrapolation_refines_only_the_steep_entry():
    rates, all_levels, rounding = _steep_levels(10)
    calls = []

    def estimate_at(level, needed):
        calls.append(None if needed is None else needed.copy())
        return all_levels[level]

    result = extrapolate_adaptively(estimate_at, 10, rtol=1e-12, rounding=rounding[0])
    assert scaled_error(result.estimate, rates) < 1e-11
    assert np.all(np.abs(result.estimate - rates) <= result.error)
    assert 3 <= result.levels[0] < result.levels[1] <= 10
    assert len(calls) == result.levels[1]
    # Every entry while all are active, then the active entries alone.
    for level, needed in enumerate(calls):
        active = result.levels > level
        assert (needed is None) == bool(active.all())
        if needed is not None:
            assert np.array_equal(needed, active)
    steps = 0.01 / 2.0 ** np.arange(10)
    with_steps = extrapolate_adaptively(estimate_at, 10, rtol=1e-12, steps=steps)
    assert np.array_equal(with_steps.steps, steps[: result.levels[1]])


def test_adaptive_extrapolation_stops_each_entry_at_its_tolerance():
    rates, all_levels, _ = _steep_levels(10)
    strict = extrapolate_adaptively(lambda k, m: all_levels[k], 10, rtol=1e-12, atol=0.0)
    loose = extrapolate_adaptively(lambda k, m: all_levels[k], 10, rtol=1e-6, atol=0.0)
    assert np.all(loose.levels <= strict.levels) and loose.levels.sum() < strict.levels.sum()
    for result, rtol in ((strict, 1e-12), (loose, 1e-6)):
        assert result.converged.all()
        assert np.all(result.error <= rtol * np.abs(result.estimate))
        assert np.all(np.abs(result.estimate - rates) <= rtol * rates)
    # A tolerance no step can meet: every entry runs out of levels or patience.
    hopeless = extrapolate_adaptively(lambda k, m: all_levels[k], 6, rtol=0.0, atol=0.0)
    assert not hopeless.converged.any() and hopeless.levels.max() <= 6


def test_two_levels_suffice_where_central_differences_are_exact():
    # f = x**2: every central difference is exact, and so the two-level
    # estimate (the error of the finer difference) is zero.
    h = 0.1 / 2.0 ** np.arange(5)
    exact = np.array([((1.3 + hk) ** 2 - (1.3 - hk) ** 2) / (2 * hk) for hk in h])
    result = extrapolate_adaptively(lambda k, m: exact[k], 5)
    assert result.levels == 2 and result.converged
    assert result.estimate == pytest.approx(2.6, rel=1e-14)
    # With a minimum of three levels, the first window of three.
    assert extrapolate_adaptively(lambda k, m: exact[k], 5, min_levels=3).levels == 3


def test_adaptive_choices_ignore_rounding_which_only_adds_to_the_error():
    # Whether f(x) is known (full_output) must not change the derivative.
    _, all_levels, rounding = _steep_levels(10)
    plain = extrapolate_adaptively(lambda k, m: all_levels[k], 10, rtol=1e-12)
    rounded = extrapolate_adaptively(
        lambda k, m: all_levels[k], 10, rtol=1e-12, rounding=1e3 * rounding[0]
    )
    assert np.array_equal(plain.levels, rounded.levels)
    assert np.array_equal(plain.estimate, rounded.estimate)
    assert np.all(rounded.error > plain.error)
    # The rounding added is that of the window each entry kept; rounding[k]
    # is EPS / h_k, and the steps halve from level to level.
    computed = np.arange(10)[:, np.newaxis] < plain.levels
    _, start = best_window(np.where(computed, all_levels, np.nan)[: plain.levels.max()])
    weights = np.abs(richardson_weights(3))
    for i in range(2):
        kept = 1e3 * rounding[start[i] : start[i] + 3, i]
        added = 2.0 * np.sum(weights * kept)
        assert rounded.error[i] == pytest.approx(plain.error[i] + added, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: extrapolate([1.0]), "estimates must have at least two levels"),
        (lambda: extrapolate(1.0), "estimates must have at least two levels"),
        (
            lambda: extrapolate([1.0, 2.0], ratio=1.0),
            "ratio must be a finite number greater than 1",
        ),
        (lambda: extrapolate([1.0, 2.0], method="sideways"), "method must be one of 'central'"),
        (lambda: extrapolate([1.0, 2.0], safety=0.0), "safety must be positive and finite"),
        (
            lambda: extrapolate(np.ones((2, 3)), rounding=np.ones(2)),
            r"rounding must be broadcastable to the shape of estimates \(2, 3\)",
        ),
        (lambda: extrapolate([1.0, 2.0], rounding=[-1.0, 0.0]), "rounding must be non-negative"),
        (lambda: richardson_weights(0), "levels must be a positive integer"),
        (lambda: richardson_weights(2.5), "levels must be a positive integer"),
        (lambda: geometric_steps([1.0], scale=-1.0), "scale must be positive and finite"),
        (lambda: rounding_errors(1.0, [[0.1]], derivative=3), "derivative must be 1 or 2"),
        (lambda: rounding_errors(1.0, [0.1]), r"steps must have shape \(levels, n\)"),
        (lambda: best_window([1.0, 2.0], window=3), "estimates must have at least window = 3"),
        (lambda: best_window([1.0, 2.0], window=1), "window must be an integer >= 2"),
        (
            lambda: extrapolate_adaptively(lambda k, m: 1.0, 1),
            "max_levels must be an integer >= 2; got 1",
        ),
        (
            lambda: extrapolate_adaptively(lambda k, m: 1.0, 5, rtol=-1.0),
            "rtol must be a non-negative finite number; got -1.0",
        ),
        (
            lambda: extrapolate_adaptively(lambda k, m: 1.0, 5, atol=np.nan),
            "atol must be a non-negative finite number; got nan",
        ),
        (
            lambda: extrapolate_adaptively(lambda k, m: 1.0, 5, min_levels=4),
            "min_levels must be 2 or 3; got 4",
        ),
        (
            lambda: extrapolate_adaptively(lambda k, m: 1.0, 5, patience=0),
            "patience must be an integer >= 1; got 0",
        ),
        (
            lambda: extrapolate_adaptively(lambda k, m: np.ones(2), 5, rounding=np.ones(3)),
            r"rounding must be broadcastable to the shape of one estimate \(2,\)",
        ),
        (
            lambda: extrapolate_adaptively(lambda k, m: 1.0, 5, rounding=-1.0),
            "rounding must be non-negative",
        ),
    ],
)
def test_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# method="richardson" with bounds: central inside the box, one-sided
# extrapolation at a bound, every point of f inside the box.


class _Recorded:
    """A Python ``f`` that records every point it is called with."""

    def __init__(self, f):
        self.f = f
        self.points = []

    def __call__(self, x):
        self.points.append(np.array(x, dtype=float))
        return self.f(x)

    def assert_inside(self, lb, ub):
        points = np.array(self.points)
        assert points.size
        assert np.all(points >= lb) and np.all(points <= ub)


def _honest(result, reference):
    # The error estimate never claims more accuracy than reached.
    true_error = np.abs(result.derivative - reference)
    assert np.all(result.error >= true_error), (result.error, true_error)


@pytest.mark.parametrize(
    ("f", "x", "bounds", "reference"),
    [
        # A central stencil at the first step (0.0116) would leave the domain.
        (lambda x: np.log(x[0]), 1e-3, (0.0, np.inf), 1e3),
        (lambda x: np.log(1.0 - x[0]), 1.0 - 1e-3, (-np.inf, 1.0), -1e3),
    ],
)
def test_bounded_richardson_log_near_a_bound(f, x, bounds, reference):
    recorded = _Recorded(f)
    result = fastdiff.gradient(recorded, [x], method="richardson", bounds=bounds, full_output=True)
    recorded.assert_inside(*bounds)
    assert abs(result.derivative[0] / reference - 1.0) < 1e-8
    _honest(result, reference)
    # One-sided: f(x) once, then one evaluation per level.
    assert result.nfev == len(recorded.points) == 1 + int(result.levels[0])
    assert np.sign(result.step[0]) == (1.0 if bounds[0] == 0.0 else -1.0)


def test_bounded_richardson_sqrt_near_zero():
    recorded = _Recorded(lambda x: np.sqrt(x[0]))
    result = fastdiff.gradient(
        recorded, [1e-2], method="richardson", bounds=(0.0, 1.0), full_output=True
    )
    recorded.assert_inside(0.0, 1.0)
    reference = 0.5 / np.sqrt(1e-2)
    assert abs(result.derivative[0] / reference - 1.0) < 1e-10
    assert result.converged[0]
    _honest(result, reference)
    # Closer to the singular bound: less accurate, and the estimate says so.
    nearer = fastdiff.gradient(
        lambda x: np.sqrt(x[0]), [1e-4], method="richardson", bounds=(0.0, 1.0), full_output=True
    )
    reference = 0.5 / np.sqrt(1e-4)
    assert abs(nearer.derivative[0] / reference - 1.0) < 1e-6
    assert not nearer.converged[0]
    _honest(nearer, reference)


def test_bounded_richardson_never_claims_accuracy_too_close_to_a_singular_bound():
    # At x = 1e-6 no window of steps below the distance to the bound meets
    # the tolerance: the error estimate is inf, not a number that looks good.
    result = fastdiff.gradient(
        lambda x: np.log(x[0]), [1e-6], method="richardson", bounds=(0.0, 1.0), full_output=True
    )
    assert not result.converged[0]
    _honest(result, 1e6)


def _three_d_case():
    x = np.array([-0.5, 0.3, 0.7])  # at lb[0], inside, at ub[2]
    lb = np.array([-0.5, -np.inf, -np.inf])
    ub = np.array([np.inf, np.inf, 0.7])
    return x, lb, ub


def test_bounded_richardson_three_coordinates_python_f():
    x, lb, ub = _three_d_case()
    recorded = _Recorded(lambda v: exp_sin_log(v))
    result = fastdiff.gradient(recorded, x, method="richardson", bounds=(lb, ub), full_output=True)
    recorded.assert_inside(lb, ub)
    reference = exp_sin_log_gradient(x)
    np.testing.assert_allclose(result.derivative, reference, rtol=1e-10, atol=1e-10)
    _honest(result, reference)
    np.testing.assert_array_equal(np.sign(result.step), [1.0, 1.0, -1.0])
    # f(x), 1 evaluation per level at the bounds, 2 per level inside.
    levels = result.levels
    assert result.nfev == len(recorded.points) == 1 + levels[0] + 2 * levels[1] + levels[2]


def test_bounded_richardson_compiled_f():
    # A compiled f goes through the same level loop (compiled passes).
    x, lb, ub = _three_d_case()
    result = fastdiff.gradient(
        exp_sin_log, x, method="richardson", bounds=(lb, ub), full_output=True
    )
    reference = exp_sin_log_gradient(x)
    np.testing.assert_allclose(result.derivative, reference, rtol=1e-10, atol=1e-10)
    _honest(result, reference)
    x = np.array([1e-3, 0.5, 2.0])
    gradient = fastdiff.gradient(log_barrier, x, method="richardson", bounds=(0.0, np.inf))
    np.testing.assert_allclose(gradient, log_barrier_gradient(x), rtol=1e-8, atol=0)


def test_bounded_richardson_jacobian():
    def f(x):
        return np.array([np.log(x[0]) + x[1], np.sqrt(x[1]) * x[0], x[0] * x[2]])

    x = np.array([1e-3, 1e-2, 0.5])
    lb, ub = np.zeros(3), np.array([1.0, 1.0, 0.5])
    reference = np.array(
        [
            [1.0 / x[0], 1.0, 0.0],
            [np.sqrt(x[1]), 0.5 * x[0] / np.sqrt(x[1]), 0.0],
            [x[2], 0.0, x[0]],
        ]
    )
    recorded = _Recorded(f)
    result = fastdiff.jacobian(recorded, x, method="richardson", bounds=(lb, ub), full_output=True)
    recorded.assert_inside(lb, ub)
    # The default tolerance is relative to the largest entry (1000).
    np.testing.assert_allclose(result.derivative, reference, rtol=1e-8, atol=1e-7)
    _honest(result, reference)
    np.testing.assert_array_equal(np.sign(result.step), [1.0, 1.0, -1.0])


def test_bounded_richardson_fixed_coordinate_and_value():
    recorded = _Recorded(lambda x: np.sum(x**2))
    x = np.array([1.0, 2.0])
    value, gradient = fastdiff.value_and_grad(
        recorded, method="richardson", bounds=([1.0, -5.0], [1.0, 5.0])
    )(x)
    assert value == 5.0
    np.testing.assert_allclose(gradient, [0.0, 4.0], rtol=1e-12)
    # The fixed coordinate is never moved.
    assert all(p[0] == 1.0 for p in recorded.points)


@pytest.mark.parametrize("x", [1e-3, -1e-3])
def test_bounded_richardson_falls_back_to_one_side_where_central_points_fail(x):
    # The box allows the central stencil, but f is NaN left (right) of 0.
    with np.errstate(invalid="ignore"):
        gradient = fastdiff.gradient(
            lambda v: np.log(abs(x) / x * v[0]), [x], method="richardson", bounds=(-1.0, 1.0)
        )
    assert abs(gradient[0] * x - 1.0) < 1e-8


def test_bounded_richardson_hessian_is_not_offered():
    with pytest.raises(
        ValueError,
        match="bounds are not supported with method='richardson' for a Hessian",
    ):
        fastdiff.hessian(lambda x: np.sum(x**2), [1.0], method="richardson", bounds=(0, 2))
