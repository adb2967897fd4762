"""Noise estimate, step="auto" and check_gradient.

References are analytic (or the stored sympy derivatives of the MGH set);
the added noise has a known standard deviation.
"""

import math

import numpy as np
import pytest
from numba import njit

import fastdiff
from fastdiff.auto_steps import BOUNDED, DEFAULT, ESTIMATED, evaluation_budget, rule_for
from fastdiff.noise_level import (
    CONSTANT,
    NOISE_DETECTED,
    NOT_FINITE,
    SPACING_TOO_LARGE,
    SPACING_TOO_SMALL,
)
from fastdiff.testing import load_references, scaled_error

# Uniform noise on [-1, 1] has standard deviation 1/sqrt(3).
UNIFORM_STD = 1.0 / math.sqrt(3.0)


@njit(cache=True)
def _hash_unit(x):
    # Deterministic, noise-like in x: a value in [-1, 1] that changes
    # completely when x moves by one unit in the last place.
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i] * (12.9898 + 78.233 * i)
    value = math.sin(total * 1e7) * 43758.5453
    return 2.0 * (value - math.floor(value)) - 1.0


@njit(cache=True)
def cosines(x):
    return np.sum(np.cos(x))


@njit(cache=True)
def noisy_cosines(x):
    return np.sum(np.cos(x)) + 1e-6 * _hash_unit(x)


def noisy_python(sigma):
    def f(x):
        return float(np.sum(np.cos(x)) + sigma * _hash_unit(np.ascontiguousarray(x)))

    return f


@njit(cache=True)
def two_outputs(x):
    return np.array([np.sum(np.cos(x)), 1e-8 * _hash_unit(x) + x[0]])


class Counting:
    def __init__(self, f):
        self.f, self.count = f, 0

    def __call__(self, x):
        self.count += 1
        return self.f(x)


X = np.array([0.3, 1.2, -0.5])


@pytest.mark.parametrize("sigma", [1e-10, 1e-6])
def test_noise_of_added_noise_python(sigma):
    estimate = fastdiff.noise(noisy_python(sigma), X)
    assert estimate.status == NOISE_DETECTED
    assert estimate.message == "noise detected"
    std = sigma * UNIFORM_STD
    assert std / 3 < estimate.absolute < 3 * std
    value = np.sum(np.cos(X))
    assert estimate.relative == pytest.approx(estimate.absolute / abs(value))
    assert estimate.nfev == 9


def test_noise_of_added_noise_compiled():
    estimate = fastdiff.noise(noisy_cosines, X)
    assert estimate.status == NOISE_DETECTED
    std = 1e-6 * UNIFORM_STD
    assert std / 3 < estimate.absolute < 3 * std


def test_noise_of_smooth_function_is_rounding_level():
    estimate = fastdiff.noise(cosines, X)
    assert estimate.status == NOISE_DETECTED
    assert 1e-18 < estimate.relative < 1e-14


def test_noise_per_output_of_vector_function():
    estimate = fastdiff.noise(two_outputs, X, vector=True)
    assert estimate.status == NOISE_DETECTED
    assert estimate.absolute.shape == (2,)
    assert estimate.absolute[0] < 1e-14
    assert 1e-8 * UNIFORM_STD / 3 < estimate.absolute[1] < 3e-8 * UNIFORM_STD


def test_constant_function():
    estimate = fastdiff.noise(lambda x: 2.5, X)
    assert estimate.status == CONSTANT
    assert estimate.absolute == 0.0 and estimate.relative == 0.0
    assert "constant" in estimate.message


def test_spacing_too_small_and_too_large():
    def steps(x):
        return float(np.floor(1e3 * np.sum(x)))

    small = fastdiff.noise(steps, X, attempts=1)
    assert small.status == SPACING_TOO_SMALL
    assert "larger spacing" in small.message
    assert np.isfinite(small.absolute) and small.absolute > 0.0

    large = fastdiff.noise(lambda x: float(np.exp(10.0 * x[0])), X, spacing=0.1, attempts=1)
    assert large.status == SPACING_TOO_LARGE
    assert "smaller spacing" in large.message
    # Retried at spacing / 100 and / 10**4, the trend is gone: noise found.
    retried = fastdiff.noise(lambda x: float(np.exp(10.0 * x[0])), X, spacing=0.1)
    assert retried.status == NOISE_DETECTED
    assert retried.spacing < 0.1
    assert retried.nfev == 9 * len({0.1, retried.spacing}) or retried.nfev == 27


def test_non_finite_values_give_a_status_not_nan():
    estimate = fastdiff.noise(lambda x: float("nan") if x[0] > X[0] else 1.0, X)
    assert estimate.status == NOT_FINITE
    assert np.isfinite(estimate.absolute)


def test_noise_input_errors():
    with pytest.raises(ValueError, match="spacing must be positive"):
        fastdiff.noise(cosines, X, spacing=-1.0)
    with pytest.raises(ValueError, match="points must be an integer >= 7"):
        fastdiff.noise(cosines, X, points=5)
    with pytest.raises(ValueError, match=r"x must be finite; x\[1\] is nan"):
        fastdiff.noise(cosines, np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="f must be a callable"):
        fastdiff.noise(3.0, X)


def _reference(name, point):
    return next(r for r in load_references() if r.problem.name == name and r.point == point)


@pytest.mark.parametrize(
    "name, point", [("osborne_1", "x0"), ("osborne_1", "near x0"), ("jennrich_sampson", "10x0")]
)
def test_auto_steps_on_badly_scaled_gradients(name, point):
    reference = _reference(name, point)
    f, x = reference.problem.objective, reference.x
    default = scaled_error(fastdiff.gradient(f, x), reference.gradient)
    auto = scaled_error(fastdiff.gradient(f, x, step="auto"), reference.gradient)
    assert auto <= 1e-8 < default


def test_auto_steps_on_badly_scaled_hessian():
    reference = _reference("osborne_1", "x0")
    f, x = reference.problem.objective, reference.x
    result = fastdiff.hessian(f, x, step="auto", full_output=True)
    assert scaled_error(result.derivative, reference.hessian) <= 1e-6
    assert scaled_error(fastdiff.hessian(f, x), reference.hessian) > 1e-6
    assert result.auto_steps.source[3] == ESTIMATED


def test_auto_steps_on_noisy_function():
    # Default steps differentiate the noise; auto steps average it out.
    f = noisy_python(1e-6)
    exact = -np.sin(X)
    default_error = np.max(np.abs(fastdiff.gradient(f, X) - exact))
    auto_error = np.max(np.abs(fastdiff.gradient(f, X, step="auto") - exact))
    assert auto_error < 1e-3 < default_error


def test_auto_steps_jacobian_and_forward():
    def f(x):
        return np.array([x[0] ** 3 * x[1], 1e-3 * np.exp(50.0 * x[1])])

    x = np.array([1.3, 0.1])
    exact = np.array([[3 * x[0] ** 2 * x[1], x[0] ** 3], [0.0, 50e-3 * np.exp(50.0 * x[1])]])
    for method in ("central", "forward"):
        estimate = fastdiff.jacobian(f, x, method=method, step="auto")
        tolerance = 1e-9 if method == "central" else 1e-6
        assert scaled_error(estimate, exact) < tolerance


def test_evaluation_count_and_budget():
    n = 13
    x = np.linspace(0.1, 1.3, n)
    counting = Counting(lambda x: float(np.sum(np.cos(x))))
    result = fastdiff.gradient(counting, x, step="auto", full_output=True)
    choice = result.auto_steps
    assert counting.count == result.nfev == choice.nfev + 2 * n
    assert choice.nfev <= 6 * n == evaluation_budget(n, rule_for("gradient", "central"))
    assert np.max(np.abs(result.derivative + np.sin(x))) < 1e-10


# Noise table of 6 to 9 points (what 6n leaves after one probe per
# coordinate), a wide table of 7 to 9 where 6n leaves room for it (sharing
# f(x)), then 3 new points per coordinate (central: f at x - s, x + s,
# x + 2s; f(x) comes from the table), 2 (forward), 4 (central Hessian).
@pytest.mark.parametrize(
    "n, derivative, method, expected",
    [
        (1, "gradient", "central", 9),  # the least: 6 + 3
        (2, "gradient", "central", 12),
        (3, "gradient", "central", 18),
        (4, "gradient", "central", 24),  # 6 + (7 - 1) + 12
        (5, "gradient", "central", 30),  # 9 + (7 - 1) + 15
        (10, "gradient", "central", 47),  # 9 + (9 - 1) + 30
        (1, "gradient", "forward", 8),
        (2, "gradient", "forward", 12),
        (3, "hessian", "central", 18),
        (2, "hessian", "central", 14),  # the least: 6 + 8
    ],
)
def test_choosing_steps_costs_at_most_6n(n, derivative, method, expected):
    x = np.linspace(0.3, 1.3, n)
    counting = Counting(lambda x: float(np.sum(np.cos(x))))
    compute = fastdiff.hessian if derivative == "hessian" else fastdiff.gradient
    options = {} if derivative == "hessian" else {"method": method}
    result = compute(counting, x, step="auto", full_output=True, **options)
    choice = result.auto_steps
    assert choice.nfev == expected <= evaluation_budget(n, rule_for(derivative, method))
    assert expected <= 6 * n or n == 1 or derivative == "hessian"
    assert (choice.source == ESTIMATED).all()
    assert counting.count == result.nfev
    exact = -np.diag(np.cos(x)) if derivative == "hessian" else -np.sin(x)
    tolerance = 1e-7 if derivative == "hessian" else {"central": 1e-9, "forward": 1e-6}[method]
    assert np.max(np.abs(result.derivative - exact)) < tolerance


def _sawtooth_cosines(x):
    # A sum of cosines plus a sawtooth of height 1e-7 and period 2e-5 in each
    # coordinate: smooth between its jumps but sloped by 5e-3 there, like
    # the output of an adaptive solver, whose steps change with x.
    return float(np.sum(np.cos(x)) + 1e-7 * np.sum(np.mod(x / 2e-5, 1.0)))


@pytest.mark.parametrize("seed", [0, 2, 4])
def test_noise_hidden_between_the_first_tables_points_is_found(seed):
    # At these points the first table (spacing 1e-6) falls between two jumps
    # and sees rounding only; steps from that follow the sawtooth's slope.
    x = np.random.default_rng(seed).uniform(0.2, 1.4, 5)
    assert np.max(np.abs(fastdiff.gradient(_sawtooth_cosines, x) + np.sin(x))) > 4e-3
    result = fastdiff.gradient(_sawtooth_cosines, x, step="auto", full_output=True)
    assert np.max(np.abs(result.derivative + np.sin(x))) < 1e-4
    choice = result.auto_steps
    assert "smooth only on smaller scales" in choice.message
    assert 1e-9 < choice.noise.relative[0] < 1e-6  # the sawtooth's, not rounding
    assert choice.noise.spacing == 1e-3
    assert choice.nfev == 30


def test_steep_coordinate_needs_no_second_probe():
    # f changes by more than 10 % over the first probe of x[1] (a
    # Jennrich-Sampson-like exponential): its third difference still bounds
    # the step from above, and no retry is needed. Along x[0], f's third
    # difference is buried under exp(16)'s rounding: that coordinate gets
    # its one larger probe (3 evaluations past the 6n budget).
    def f(x):
        return float(np.cos(x[0]) + np.exp(40.0 * x[1]))

    x = np.array([0.3, 0.4])
    result = fastdiff.gradient(f, x, step="auto", full_output=True)
    assert result.auto_steps.nfev == 12 + 3
    assert result.auto_steps.source[1] == ESTIMATED
    exact = np.array([-np.sin(x[0]), 40.0 * np.exp(40.0 * x[1])])
    assert scaled_error(result.derivative, exact) < 3e-10
    assert scaled_error(fastdiff.gradient(f, x), exact) > 3e-9


def test_richardson_starts_from_the_chosen_scale():
    # Brown's badly scaled function: f ~ 1e12 and quadratic in each
    # variable, so only large steps get past its rounding error.
    def f(x):
        return float((x[0] - 1e6) ** 2 + (x[1] - 2e-6) ** 2 + (x[0] * x[1] - 2.0) ** 2)

    x = np.array([1.0, 1.0])
    exact = np.array(
        [
            2 * (x[0] - 1e6) + 2 * (x[0] * x[1] - 2) * x[1],
            2 * (x[1] - 2e-6) + 2 * (x[0] * x[1] - 2) * x[0],
        ]
    )
    default = scaled_error(fastdiff.gradient(f, x, method="richardson"), exact)
    result = fastdiff.gradient(f, x, method="richardson", step="auto", full_output=True)
    auto = scaled_error(result.derivative, exact)
    assert auto <= 1e-9 and 10 * auto < default
    assert (result.auto_steps.scale > 10.0).all()


def test_prepared_function_reuses_steps():
    n = 3
    counting = Counting(lambda x: float(np.sum(np.cos(x)) + x[0] ** 2 * x[1]))
    g = fastdiff.grad(counting, step="auto")
    assert g.auto_steps is None
    g(X)
    first = counting.count
    chosen = g.auto_steps
    assert first == chosen.nfev + 2 * n
    g(X + 0.1)
    assert counting.count == first + 2 * n  # what a fixed step costs
    assert g.auto_steps is chosen
    g.choose_steps_again()
    g(X + 0.1)
    assert counting.count == first + 2 * n + g.auto_steps.nfev + 2 * n


def test_prepared_compiled_function_matches_analytic():
    g = fastdiff.grad(noisy_cosines, step="auto")
    assert np.max(np.abs(g(X) + np.sin(X))) < 1e-3
    assert np.max(np.abs(g(X + 0.2) + np.sin(X + 0.2))) < 1e-3


def test_constant_function_gets_default_steps():
    result = fastdiff.gradient(lambda x: 1.0, X, step="auto", full_output=True)
    np.testing.assert_array_equal(result.derivative, 0.0)
    assert (result.auto_steps.source == DEFAULT).all()
    assert "constant" in result.auto_steps.message
    default = fastdiff.gradient(lambda x: 1.0, X, full_output=True).step
    np.testing.assert_array_equal(result.step, default)


def test_quadratic_coordinate_gets_a_bounded_larger_step():
    # f is quadratic in x[1]: no third derivative, the step is limited by
    # the probes only and grows well past the default.
    # Its first probe sees only rounding; the larger probe it then gets
    # (past the 6n budget) measures no more than a bound or rounding again.
    def f(x):
        return float(np.cos(x[0]) + 1e6 * x[1] ** 2 + np.cos(x[2]) + np.cos(x[3]))

    x = np.array([0.3, 1.2, -0.5, 0.8])
    result = fastdiff.gradient(f, x, step="auto", full_output=True)
    assert result.auto_steps.source[1] in (BOUNDED, ESTIMATED)
    assert result.auto_steps.nfev <= 6 * 4 + 3 * 4
    assert result.step[1] > 30 * fastdiff.gradient(f, x, full_output=True).step[1]
    assert result.derivative[1] == pytest.approx(2e6 * x[1], rel=1e-13)


def test_auto_step_errors():
    with pytest.raises(
        ValueError, match="step='auto' works with method 'central', 'forward', 'backward' or 'rich"
    ):
        fastdiff.gradient(cosines, X, method="complex", step="auto")
    with pytest.raises(ValueError, match="not supported with bounds"):
        fastdiff.gradient(cosines, X, step="auto", bounds=(-1, 1))
    with pytest.raises(
        TypeError,
        match="step must be None, a float or a 1-D array of floats, or .auto.",
    ):
        fastdiff.gradient(cosines, X, step="automatic")
    with pytest.raises(ValueError, match="choose_steps_again applies to step='auto'"):
        fastdiff.grad(cosines).choose_steps_again()
    with pytest.raises(ValueError, match="derivative must be one of"):
        fastdiff.choose_steps(cosines, X, derivative="laplacian")


@pytest.mark.parametrize("compiled", [True, False])
def test_check_gradient_flags_the_wrong_entry(compiled):
    f = noisy_cosines if compiled else noisy_python(1e-6)
    right = lambda x: -np.sin(x)  # noqa: E731

    def wrong(x):
        g = -np.sin(x)
        g[2] *= 1.01
        return g

    assert fastdiff.check_gradient(f, right, X).ok
    check = fastdiff.check_gradient(f, wrong, X)
    assert check.wrong.tolist() == [2]
    assert "1 of 3 entries disagree; worst 2" in check.message


def test_check_gradient_richardson_and_errors():
    f = lambda x: float(np.sum(np.cos(x)))  # noqa: E731
    assert fastdiff.check_gradient(f, lambda x: -np.sin(x), X, method="richardson").ok
    off = fastdiff.check_gradient(f, lambda x: -np.sin(x) + [0, 1e-6, 0], X, method="richardson")
    assert off.wrong.tolist() == [1]
    with pytest.raises(ValueError, match=r"grad\(x\) must return an array of shape \(3,\)"):
        fastdiff.check_gradient(f, lambda x: np.zeros(2), X)
    with pytest.raises(TypeError, match="check_gradient chooses step itself"):
        fastdiff.check_gradient(f, lambda x: -np.sin(x), X, step=1e-3)
