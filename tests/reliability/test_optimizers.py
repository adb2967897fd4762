"""Optimizers on problems that misbehave: unbounded below, raising, -inf at a trial point."""

import math

import pytest

from fastdiff.optimize import bfgs, gradient_descent, newton, secant
from fastdiff.optimize import status as codes
from tests.test_optimize import always_raises, cubic, falling_exponential, saddle

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
@pytest.mark.parametrize("optimizer", [newton, bfgs])
def test_unbounded_problem_is_reported_as_unbounded(optimizer, compiled):
    # x0^2 - x1^2 has no minimum; it used to end "Converged: the step ..." with
    # f = -4.5e41 (Newton) or blame gradient noise (BFGS).
    result = optimizer(saddle if compiled else saddle.py_func, [1.0, 1e-3])
    assert result.status == codes.UNBOUNDED
    assert not result.success
    assert result.fun < -1e30
    assert "Unbounded: f decreased without bound" in result.message
    assert "Check the sign and the formula of f" in result.message


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_secant_on_an_unbounded_cubic(compiled):
    result = secant(cubic if compiled else cubic.py_func, -1.0)
    assert result.status == codes.UNBOUNDED
    assert result.fun < -1e30
    assert result.x[0] < -1e10


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_small_relative_step_with_a_growing_gradient_is_not_convergence(compiled):
    # Safeguarded Newton on the saddle takes steps 7.8e-4 (1 + max|x|) long at
    # |x| ~ 1.5e5, where the gradient is 3e5 (2 at x0): xtol = 1e-3 must not stop it.
    result = newton(saddle if compiled else saddle.py_func, [1.0, 1e-3], xtol=1e-3)
    assert result.status == codes.UNBOUNDED
    assert result.nit > 3


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
@pytest.mark.parametrize("line_search", [False, True], ids=["fixed", "line_search"])
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_minus_infinity_at_a_trial_point_is_unbounded(line_search, compiled):
    # f(690) = -exp(690) ~ -1e299: the 1e30 threshold is out of reach, but the
    # first step overflows to -inf.
    f = falling_exponential if compiled else falling_exponential.py_func
    result = gradient_descent(f, 690.0, learning_rate=1.0, line_search=line_search)
    assert result.status == codes.UNBOUNDED
    assert result.x[0] == 690.0  # the last finite iterate
    assert result.fun == -math.exp(690.0)


def test_compiled_f_that_always_raises_shows_its_exception():
    # Numba types its return value as none; the loop cannot call it, and the
    # user sees the exception f raises rather than "it returns none".
    with pytest.raises(KeyError, match="no value anywhere") as caught:
        newton(always_raises, [1.0, 2.0])
    assert any("f raised at the start point x0" in note for note in caught.value.__notes__)


# --- curvature and the learning-rate bound -----------------------------------------
