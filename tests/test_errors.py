"""What the caller sees when f fails: its own exception with the point, or a ValueError naming the value."""

import numba
import numpy as np
import pytest

import fastdiff

X = np.array([1.0, 2.0, 3.0])


@numba.njit
def _log_first(x):
    return np.log(x[0]) + x[1]


def test_non_finite_value_at_x():
    with pytest.raises(ValueError, match=r"f\(x\) must be finite; f returned -inf at x"):
        fastdiff.gradient(_log_first, np.array([0.0, 1.0]), method="forward")


def test_non_finite_value_at_a_stencil_point():
    # Central fails at x - h; the fallbacks need f(x) = log(0) = -inf.
    with pytest.raises(ValueError, match=r"f\(x\) must be finite; f returned -inf at x"):
        fastdiff.gradient(_log_first, np.array([0.0, 1.0]))


@numba.njit
def _raises_above_one(x):
    if x[1] > 1.0:
        raise ZeroDivisionError("x[1] is above one")
    return x[0] * x[1]


@numba.njit
def _raises_near_one(x):
    if abs(x[1] - 1.0) > 0.0:
        raise ZeroDivisionError("x[1] is not one")
    return x[0] * x[1]


def test_exception_in_f_reaches_the_caller_with_its_type_and_message():
    # f raises on both sides of x[1] = 1: no fallback stencil can avoid it.
    with pytest.raises(ZeroDivisionError, match="x\\[1\\] is not one") as info:
        fastdiff.gradient(_raises_near_one, np.array([0.5, 1.0]))
    assert any(
        "coordinate" in note or "h[1]" in note for note in getattr(info.value, "__notes__", [])
    )


def test_exception_at_x_reaches_the_caller():
    with pytest.raises(ZeroDivisionError, match="above one"):
        fastdiff.hessian(_raises_above_one, np.array([0.5, 2.0]))


@numba.njit
def _length_changes(x):
    if x[0] > 1.0:
        return np.zeros(3)
    return np.zeros(2)


def test_jacobian_output_length_changes():
    with pytest.raises(ValueError, match="different length at the stencil points"):
        fastdiff.jacobian(_length_changes, np.array([1.0, 0.0]), method="forward")


@numba.njit
def _non_finite_output(x):
    return np.array([x[0], np.nan])


def test_jacobian_non_finite_at_x():
    with pytest.raises(ValueError, match=r"f\(x\) must be finite; f\(x\)\[1\] is nan"):
        fastdiff.jacobian(_non_finite_output, X)
