"""The optimizers of fastdiff.optimize, against known minima and exact dynamics.

Reference values are analytic: minima of quadratics and of Rosenbrock's
function, stationary points of polynomials, and the stability bounds of
gradient descent and momentum on quadratics (which follow from the
characteristic polynomial of the linear iteration).
"""

import math
import warnings

import numpy as np
import pytest
from numba import njit

from fastdiff import optimize
from fastdiff.optimize import (
    LearningRateWarning,
    bfgs,
    gradient_descent,
    learning_rate_bound,
    momentum,
    newton,
    secant,
    sharpness,
)
from fastdiff.optimize import status as codes
from tests.functions import quadratic_form, rosenbrock

A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
CENTER = np.array([1.0, -2.0, 0.5])


@njit(cache=True)
def quadratic(x):
    """0.5 (x - c)^T A (x - c): minimum 0 at c, Hessian A."""
    d = x - CENTER
    return 0.5 * d @ (A @ d)


@njit(cache=True)
def half_square(x):
    """0.5 |x|^2: sharpness 1, so gradient descent is stable for learning rates below 2."""
    return 0.5 * np.sum(x * x)


@njit(cache=True)
def landscape(x):
    """x^2 + 0.05 sin(30 x) - 0.2: many local minima on a parabola."""
    return x[0] ** 2 + 0.05 * np.sin(30.0 * x[0]) - 0.2


@njit(cache=True)
def double_well(x):
    """x^4 - 3 x^2 + x: f' = 4x^3 - 6x + 1, minima near -1.30 and 1.13, maximum near 0.17."""
    return x[0] ** 4 - 3.0 * x[0] ** 2 + x[0]


@njit(cache=True)
def explosive(x):
    """exp(x^2): overflows to inf once |x| > 26.6."""
    return np.exp(x[0] * x[0])


@njit(cache=True)
def fails_beyond_two(x):
    """(x - 3)^2, but raises for x > 2."""
    if x[0] > 2.0:
        raise ValueError("outside the domain")
    return (x[0] - 3.0) ** 2


@njit(cache=True)
def saddle(x):
    """x0^2 - x1^2: a saddle at 0 (Hessian diag(2, -2)), unbounded below along x1."""
    return x[0] ** 2 - x[1] ** 2


@njit(cache=True)
def cubic(x):
    """x^3: unbounded below as x -> -inf."""
    return x[0] ** 3


@njit(cache=True)
def falling_exponential(x):
    """-exp(x): f(690) ~ -1e299, and -inf (overflow) one step further on."""
    return -np.exp(x[0])


@njit(cache=True)
def always_raises(x):
    raise KeyError("no value anywhere")
    return x[0]


def landscape_curvature(x):
    """f'' of the landscape: 2 - 45 sin(30 x)."""
    return 2.0 - 45.0 * np.sin(30.0 * x)


def double_well_stationary_points():
    """Roots of f' = 4x^3 - 6x + 1, ascending."""
    return np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)


METHODS = {
    "gradient_descent": (gradient_descent, {"learning_rate": 0.25, "maxiter": 2000}),
    "line_search": (gradient_descent, {"learning_rate": 1.0, "line_search": True}),
    "momentum": (momentum, {"learning_rate": 0.1, "momentum": 0.5}),
    "nesterov": (momentum, {"learning_rate": 0.1, "momentum": 0.5, "nesterov": True}),
    "newton": (newton, {}),
    "bfgs": (bfgs, {}),
}


# --- convergence -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(METHODS))
def test_quadratic_minimum(name):
    optimizer, options = METHODS[name]
    result = optimizer(quadratic, np.zeros(3), gtol=1e-9, **options)
    assert result.success, result.message
    # |x - c| <= |A^-1| |g| with the smallest eigenvalue of A above 0.5.
    assert np.max(np.abs(result.x - CENTER)) < 1e-8
    assert result.fun < 1e-16
    assert np.max(np.abs(result.jac)) <= 1e-9


def test_newton_lands_on_a_quadratic_minimum_in_one_step():
    result = newton(quadratic, np.zeros(3))
    assert result.nit == 1
    assert result.status == codes.CONVERGED_GRADIENT
    np.testing.assert_allclose(result.x, CENTER, atol=1e-9)


@pytest.mark.parametrize("optimizer", [newton, bfgs])
@pytest.mark.parametrize("x0", [[-1.2, 1.0], np.zeros(6)], ids=["n2", "n6"])
def test_rosenbrock_minimum(optimizer, x0):
    # From (-1.2, 1, -1.2, ...) the chained n = 6 function leads to its local
    # minimum near (-1, 1, ...); from 0 to the global one at (1, ..., 1).
    result = optimizer(rosenbrock, x0, gtol=1e-8)
    assert result.success, result.message
    assert np.max(np.abs(result.x - 1.0)) < 1e-6


def test_secant_is_exact_on_a_parabola_after_its_first_secant():
    # On (x - 3)^2 the secant slope is the exact second derivative 2.
    result = secant(njit(lambda x: (x[0] - 3.0) ** 2), 0.0)
    assert result.success
    assert abs(result.x[0] - 3.0) < 1e-9
    assert result.nit <= 2


@pytest.mark.parametrize("optimizer", [newton, secant])
def test_safeguard_finds_a_minimum_where_the_plain_step_finds_the_maximum(optimizer):
    low, top, high = double_well_stationary_points()
    plain = optimizer(double_well, 0.1, safeguard=False, gtol=1e-10)
    assert plain.status == codes.NEGATIVE_CURVATURE
    assert not plain.success
    assert abs(plain.x[0] - top) < 1e-8
    guarded = optimizer(double_well, 0.1, gtol=1e-10, history=True)
    assert guarded.success
    assert min(abs(guarded.x[0] - low), abs(guarded.x[0] - high)) < 1e-8
    assert np.all(np.diff(guarded.history.fun) < 0.0)  # never uphill


@pytest.mark.parametrize("optimizer", [newton, bfgs, secant])
def test_unreachable_gtol_still_stops_at_the_noise_floor(optimizer):
    # gtol = 0 cannot be met by a finite-difference gradient; the run must end
    # by itself (step, rounding) at the minimum instead of running to maxiter.
    low = double_well_stationary_points()[0]
    result = optimizer(double_well, 0.1, gtol=0.0)
    assert result.success, result.message
    assert result.nit < 30
    assert abs(result.x[0] - low) < 1e-9


# --- outcomes that are not minima: maxima, saddles, unbounded problems ---------------


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_plain_newton_at_a_local_maximum_says_so(compiled):
    # The lecture's landscape: from 0.1 the plain Newton step heads for the
    # stationary point near -0.164, where f'' = 2 - 45 sin(30 x) is about -41.9.
    f = landscape if compiled else landscape.py_func
    plain = newton(f, 0.1, safeguard=False)
    x = plain.x[0]
    assert abs(2.0 * x + 1.5 * np.cos(30.0 * x)) < 1e-6  # f'(x) = 0
    assert landscape_curvature(x) < -40.0
    assert plain.status == codes.NEGATIVE_CURVATURE
    assert not plain.success
    assert "local maximum or a saddle point" in plain.message
    assert "safeguard=True" in plain.message
    assert f"({landscape_curvature(x):.3g}," in plain.message  # the Hessian at x, printed
    guarded = newton(f, 0.1)
    assert guarded.success, guarded.message
    assert landscape_curvature(guarded.x[0]) > 0.0


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_plain_newton_at_a_minimum_and_at_a_saddle(compiled):
    f = landscape if compiled else landscape.py_func
    # From -0.7 the nearest stationary point is a minimum (f'' about 24.9).
    minimum = newton(f, -0.7, safeguard=False)
    assert minimum.status == codes.CONVERGED_GRADIENT
    assert landscape_curvature(minimum.x[0]) > 20.0
    at_saddle = newton(saddle if compiled else saddle.py_func, [1.0, 1e-3], safeguard=False)
    assert np.max(np.abs(at_saddle.x)) < 1e-6
    assert at_saddle.status == codes.NEGATIVE_CURVATURE
    assert "(-2," in at_saddle.message  # the Hessian's eigenvalues are 2 and -2


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_plain_newton_counts_the_curvature_check(compiled):
    f = quadratic if compiled else quadratic.py_func
    n = 3
    result = newton(f, np.zeros(n), safeguard=False)
    assert result.status == codes.CONVERGED_GRADIENT
    hessian = n * n + n if compiled else n * n + n + 1  # the Python API evaluates f(x) again
    # x0 (1 + 2n), a Hessian, the trial and its gradient, then the Hessian at x.
    assert result.nfev == (1 + 2 * n) + hessian + (1 + 2 * n) + hessian
    assert (result.nhev, result.njev) == (2, 2)


def test_sharpness_is_the_largest_hessian_eigenvalue():
    # Eigenvalues of A: roots of its characteristic polynomial.
    largest = np.max(np.roots(np.poly(A)).real)
    assert abs(sharpness(quadratic, np.zeros(3)) - largest) < 1e-6
    assert abs(sharpness(half_square, 5.0) - 1.0) < 1e-6


def test_learning_rate_bounds():
    assert learning_rate_bound(4.0) == 0.5
    assert learning_rate_bound(1.0, momentum=0.5) == 3.0
    assert learning_rate_bound(1.0, momentum=0.5, nesterov=True) == 1.5
    assert learning_rate_bound(-1.0) == math.inf


def test_gradient_descent_below_the_bound_converges_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(half_square, 1.0, learning_rate=1.98, maxiter=2000)
    assert result.success
    assert abs(result.x[0]) <= 1e-6
    # x_k = (-0.98)^k; the gradient |x_k| first drops to 1e-6 at this k.
    assert result.nit == math.ceil(math.log(1e-6) / math.log(0.98))


def test_gradient_descent_at_the_bound_oscillates_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 2.0 is within the tolerance of the bound
        result = gradient_descent(half_square, 1.0, learning_rate=2.0, maxiter=500)
    # x_k = (-1)^k: it neither converges nor diverges.
    assert result.status == codes.MAXITER
    assert abs(abs(result.x[0]) - 1.0) < 1e-9


def test_gradient_descent_beyond_the_bound_diverges_and_says_so():
    with pytest.warns(LearningRateWarning, match=r"learning_rate = 2.02 exceeds .* bound 2 at x0"):
        result = gradient_descent(half_square, 1.0, learning_rate=2.02, maxiter=5000)
    assert not result.success
    assert result.status == codes.DIVERGED
    assert "Diverged" in result.message
    # |x_k| = 1.02^k: f exceeds f(x0) + 1e10 max(1, f(x0)) after k iterations.
    assert result.nit == math.ceil(math.log(2e10 + 1.0) / (2 * math.log(1.02)))


@pytest.mark.parametrize(
    ("nesterov", "bound"), [(False, 3.0), (True, 1.5)], ids=["heavy_ball", "nesterov"]
)
def test_momentum_stability_bound(nesterov, bound):
    stable = momentum(
        half_square, 1.0, learning_rate=0.98 * bound, momentum=0.5, nesterov=nesterov, maxiter=5000
    )
    assert stable.success, stable.message
    with pytest.warns(LearningRateWarning):
        unstable = momentum(
            half_square,
            1.0,
            learning_rate=1.02 * bound,
            momentum=0.5,
            nesterov=nesterov,
            maxiter=5000,
        )
    assert unstable.status == codes.DIVERGED


def test_line_search_tames_a_learning_rate_beyond_the_bound():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(half_square, 1.0, learning_rate=10.0, line_search=True)
    assert result.success


def test_overflow_stops_as_not_finite():
    with pytest.warns(LearningRateWarning):
        result = gradient_descent(explosive, 1.0, learning_rate=1.0, maxiter=100)
    assert result.status == codes.NOT_FINITE
    assert not result.success
    assert np.isfinite(result.fun) and np.isfinite(result.x[0])


# --- stopping rules and counts -------------------------------------------------------


def test_maxiter_stops_unsuccessfully():
    result = gradient_descent(half_square, 1.0, learning_rate=0.1, maxiter=3)
    assert result.nit == 3
    assert result.status == codes.MAXITER
    assert not result.success
    assert "maxiter = 3" in result.message
    assert result.x[0] == pytest.approx(0.9**3, abs=1e-12)


def test_ftol_and_xtol():
    by_f = gradient_descent(half_square, 1.0, learning_rate=0.1, ftol=1e-3, gtol=0.0)
    assert by_f.status == codes.CONVERGED_F_CHANGE
    # f_k = 0.5 * 0.81^k, relative change 0.19 f_{k-1} <= 1e-3 once f_{k-1} <= 1e-3 / 0.19.
    assert 0.19 * 0.5 * 0.81 ** (by_f.nit - 1) <= 1e-3 < 0.19 * 0.5 * 0.81 ** (by_f.nit - 2)
    by_x = gradient_descent(half_square, 1.0, learning_rate=0.1, xtol=1e-3, gtol=0.0)
    assert by_x.status == codes.CONVERGED_STEP
    # The proposed step 0.1 * 0.9^k stops the run once it is at most 1e-3 * (1 + 0.9^k).
    k = by_x.nit
    assert 0.1 * 0.9**k <= 1e-3 * (1 + 0.9**k)
    assert 0.1 * 0.9 ** (k - 1) > 1e-3 * (1 + 0.9 ** (k - 1))


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_evaluation_counts(compiled):
    f = quadratic if compiled else quadratic.py_func
    n = 3
    descent = gradient_descent(f, np.zeros(n), learning_rate=0.1, maxiter=5, gtol=0.0)
    # Every iterate, x0 included: f once and a central gradient (2n).
    assert descent.nfev == (descent.nit + 1) * (1 + 2 * n)
    assert descent.njev == descent.nit + 1
    step = newton(f, np.zeros(n))
    hessian = n * n + n if compiled else n * n + n + 1  # the Python API evaluates f(x) again
    # x0 (1 + 2n), then one Hessian, one accepted trial and its gradient.
    assert step.nfev == (1 + 2 * n) + hessian + 1 + 2 * n
    assert (step.nhev, step.njev) == (1, 2)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_history_has_one_row_per_iterate(compiled):
    f = quadratic if compiled else quadratic.py_func
    result = momentum(f, np.zeros(3), learning_rate=0.1, maxiter=7, gtol=0.0, history=True)
    history = result.history
    assert history.x.shape == (result.nit + 1, 3)
    assert history.fun.shape == history.nfev.shape == (result.nit + 1,)
    np.testing.assert_array_equal(history.x[0], np.zeros(3))
    assert history.fun[0] == pytest.approx(0.5 * CENTER @ A @ CENTER, rel=1e-15)
    np.testing.assert_array_equal(history.x[-1], result.x)
    assert history.fun[-1] == result.fun
    assert history.nfev[-1] == result.nfev
    assert "history" not in momentum(f, np.zeros(3), learning_rate=0.1, maxiter=7)


# --- compiled and Python loops, multi-start ------------------------------------------


@pytest.mark.parametrize("name", list(METHODS))
def test_python_loop_agrees_with_the_compiled_loop(name):
    optimizer, options = METHODS[name]
    compiled = optimizer(quadratic, np.zeros(3), **options)
    python = optimizer(quadratic.py_func, np.zeros(3), **options)
    assert python.nit == compiled.nit
    assert python.status == compiled.status
    np.testing.assert_allclose(python.x, compiled.x, rtol=0, atol=1e-12)


@pytest.mark.parametrize("parallel", [True, False], ids=["parallel", "serial"])
def test_multistart_equals_separate_solves(parallel):
    starts = np.linspace(-1.0, 1.0, 7)[:, None]
    options = {"learning_rate": 0.01, "maxiter": 300}
    result = gradient_descent(landscape, starts, parallel=parallel, history=True, **options)
    assert len(result.runs) == 7
    assert result.all_x.shape == (7, 1)
    for start, run in zip(starts, result.runs):
        alone = gradient_descent(landscape, start, history=True, **options)
        np.testing.assert_array_equal(run.x, alone.x)
        assert (run.nit, run.nfev, run.status) == (alone.nit, alone.nfev, alone.status)
        np.testing.assert_array_equal(run.history.fun, alone.history.fun)
    best = int(np.argmin(result.all_fun))
    assert result.best_index == best
    np.testing.assert_array_equal(result.x, result.runs[best].x)
    assert result.total_nfev == sum(run.nfev for run in result.runs)
    assert "Best of 7 starts" in result.message


def test_multistart_with_python_callable_and_secant():
    starts = np.array([[-1.0], [0.05], [1.0]])
    compiled = secant(double_well, starts)
    python = secant(double_well.py_func, starts)
    np.testing.assert_allclose(python.all_x, compiled.all_x, atol=1e-12)
    low = double_well_stationary_points()[0]
    assert abs(compiled.x[0] - low) < 1e-6  # the global minimum is the best


def test_compiled_f_that_raises_stops_the_run_and_python_f_propagates():
    result = gradient_descent(fails_beyond_two, 0.0, learning_rate=0.45, maxiter=50)
    # x1 = 0 + 0.45 * 6 = 2.7 is outside the domain.
    assert result.status == codes.EVALUATION_FAILED
    assert result.x[0] == 0.0
    with pytest.raises(ValueError, match="outside the domain"):
        gradient_descent(fails_beyond_two.py_func, 0.0, learning_rate=0.45, maxiter=50)


# --- extra arguments ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(METHODS))
def test_args_reach_f_in_the_compiled_loop(name):
    optimizer, options = METHODS[name]
    for linear in (np.array([1.0, -2.0, 0.5]), np.array([-3.0, 0.0, 4.0])):
        result = optimizer(quadratic_form, np.zeros(3), args=(A, linear), **options)
        assert result.success, result.message
        assert np.allclose(result.x, np.linalg.solve(A, -linear), atol=1e-5)


def test_args_in_the_python_loop_the_stepwise_loop_and_the_secant():
    linear = np.array([1.0, -2.0, 0.5])
    solution = np.linalg.solve(A, -linear)
    python = bfgs(quadratic_form.py_func, np.zeros(3), args=(A, linear))
    seen = []
    stepwise = bfgs(quadratic_form, np.zeros(3), args=(A, linear), callback=seen.append)
    starts = bfgs(quadratic_form, np.zeros((2, 3)), args=(A, linear), parallel=False)
    for result in (python, stepwise, starts):
        assert np.allclose(result.x, solution, atol=1e-5)
    assert len(seen) == stepwise.nit
    # 1-D: x^2 + x / 2 has its minimum at -1/4.
    result = secant(quadratic_form, 1.0, args=(np.array([[2.0]]), np.array([0.5])))
    assert np.allclose(result.x, [-0.25], atol=1e-8)
    assert math.isclose(
        sharpness(quadratic_form, np.zeros(3), args=(A, linear)),
        max(np.linalg.eigvalsh(A)),
        rel_tol=1e-6,
    )


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (A, "args must be a tuple of extra arguments of f"),
        ((A,), r"args has 1 value but quadratic_form\(x, a, b\) takes 2 after x"),
        ((A, [1.0, 2.0, 3.0]), r"args\[1\] is a reflected list"),
    ],
)
def test_bad_args_are_explained(args, match):
    with pytest.raises(TypeError, match=match):
        bfgs(quadratic_form, np.zeros(3), args=args)


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: gradient_descent(half_square, 1.0, lr=0.1),
            TypeError,
            "unknown option 'lr'. Did you mean 'learning_rate'",
        ),
        (
            lambda: newton(half_square, 1.0, learning_rate=0.1),
            TypeError,
            "newton.. got an unknown option 'learning_rate'",
        ),
        (
            lambda: gradient_descent(half_square, 1.0, learning_rate=0.0),
            ValueError,
            "learning_rate must be positive and finite; got 0.0",
        ),
        (
            lambda: gradient_descent(half_square, 1.0, learning_rate=-1),
            ValueError,
            "learning_rate must be positive",
        ),
        (
            lambda: gradient_descent(half_square, 1.0, learning_rate="big"),
            TypeError,
            "learning_rate must be a real number",
        ),
        (
            lambda: momentum(half_square, 1.0, momentum=1.0),
            ValueError,
            r"momentum must be in \[0, 1\)",
        ),
        (
            lambda: gradient_descent(half_square, 1.0, maxiter=-1),
            ValueError,
            "maxiter must be >= 0",
        ),
        (
            lambda: gradient_descent(half_square, 1.0, maxiter=2.5),
            TypeError,
            "maxiter must be an integer",
        ),
        (lambda: gradient_descent(half_square, 1.0, gtol=-1e-3), ValueError, "gtol must be >= 0"),
        (
            lambda: gradient_descent(half_square, 1.0, max_increase=0.0),
            ValueError,
            "max_increase must be positive",
        ),
        (
            lambda: gradient_descent(half_square, 1.0, history="yes"),
            TypeError,
            "history must be True or False",
        ),
        (
            lambda: newton(half_square, 1.0, safeguard=None),
            TypeError,
            "safeguard must be True or False",
        ),
        (
            lambda: gradient_descent(half_square, 1.0, method="fivepoint"),
            ValueError,
            "method must be one of",
        ),
        (
            lambda: gradient_descent(half_square, 1.0, parallel="yes"),
            TypeError,
            "parallel must be None",
        ),
        (
            lambda: gradient_descent(half_square, np.ones((2, 2, 2))),
            ValueError,
            r"x0 must be a number, a 1-D array .* got shape \(2, 2, 2\)",
        ),
        (
            lambda: gradient_descent(half_square, np.empty(0)),
            ValueError,
            "x0 must have at least one start",
        ),
        (
            lambda: gradient_descent(half_square, [1.0, np.nan]),
            ValueError,
            r"x0 must be finite; x0\[1\] is nan",
        ),
        (
            lambda: gradient_descent(half_square, [[1.0], [np.inf]]),
            ValueError,
            r"x0\[1, 0\] is inf",
        ),
        (lambda: gradient_descent(half_square, [1j]), TypeError, "x0 must be real"),
        (
            lambda: gradient_descent(half_square, ["a"]),
            TypeError,
            "x0 must be an array of real numbers",
        ),
        (
            lambda: secant(half_square, [1.0, 2.0]),
            ValueError,
            "secant is the 1-D secant method; x0 has 2 coordinates .* use bfgs",
        ),
        (lambda: secant(half_square, 1.0, x1=1.0), ValueError, "x1 must differ from x0"),
        (
            lambda: secant(half_square, [[1.0], [2.0]], x1=[1.5, 2.5, 3.5]),
            ValueError,
            r"x1 must be a number or one number per start \(2\)",
        ),
        (lambda: gradient_descent(42, 1.0), TypeError, "f must be a callable"),
        (
            lambda: gradient_descent(lambda x: x, [1.0, 2.0]),
            TypeError,
            "f must return a real number",
        ),
        (
            lambda: gradient_descent(explosive, 30.0),
            ValueError,
            "f must be finite, with a finite gradient, at the start point; at x0 f is inf",
        ),
        (lambda: bfgs(explosive, [[1.0], [30.0]]), ValueError, r"at x0\[1\] f is inf"),
        (lambda: bfgs(explosive.py_func, [[1.0], [30.0]]), ValueError, r"at x0\[1\] f is inf"),
        (lambda: newton(fails_beyond_two, [[1.0], [3.0]]), ValueError, "outside the domain"),
    ],
)
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_bad_input_is_explained(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_every_status_has_a_message():
    fields = {
        "gradient_norm": 1.0,
        "step_norm": 1.0,
        "f0": 1.0,
        "fun": 2.0,
        "nit": 3,
        "maxiter": 4,
        "gtol": 1e-6,
        "xtol": 1e-12,
        "ftol": 0.0,
        "max_increase": 1e10,
        "x_norm": 1.0,
        "curvature": -1.0,
    }
    numbers = [v for k, v in vars(codes).items() if k.isupper() and isinstance(v, int)]
    for code in numbers:
        if code != codes.RUNNING:
            assert codes.MESSAGES[code].format(**fields)


def test_public_names():
    assert set(optimize.__all__) >= {"gradient_descent", "momentum", "newton", "secant", "bfgs"}


def test_results_name_their_method_and_the_options_of_its_steps():
    # What plots and reports show; the options are those given.
    plain = gradient_descent(half_square, 1.0, learning_rate=0.5)
    assert plain.method == "gradient descent"
    assert plain.options == {"learning_rate": 0.5, "line_search": False}
    heavy = momentum(half_square, [1.0, 2.0], learning_rate=0.1, momentum=0.5)
    assert heavy.method == "momentum"
    assert heavy.options == {"learning_rate": 0.1, "momentum": 0.5, "nesterov": False}
    nesterov = momentum(half_square, 1.0, learning_rate=0.1, momentum=0.5, nesterov=True)
    assert nesterov.method == "Nesterov momentum"
    assert newton(half_square, 1.0, safeguard=False).options == {"safeguard": False}
    assert secant(half_square, 1.0).method == "secant"
    best = bfgs(half_square, [[1.0, 0.0], [0.0, 2.0]])
    assert best.method == "BFGS" and best.options == {}
    assert [run.method for run in best.runs] == ["BFGS", "BFGS"]
