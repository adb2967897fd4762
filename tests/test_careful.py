"""The careful path: a NaN or an exception at a stencil point falls back to other stencils, only where it must."""

import numba
import numpy as np
import pytest

import fastdiff
from fastdiff.status import NOT_FINITE, OK


@numba.njit
def _sqrt_sum(x):
    # Defined for x[0] >= 0 only: at x[0] = 0, x - h gives NaN.
    return np.sqrt(x[0]) + x[1] ** 2 + x[0] * x[1]


def _python_sqrt_sum(x):
    with np.errstate(invalid="ignore"):
        return _sqrt_sum.py_func(x)


@pytest.mark.parametrize("compiled", [True, False])
def test_nan_falls_back_to_one_sided(compiled):
    f = _sqrt_sum if compiled else _python_sqrt_sum
    x = np.array([1e-2, 0.7])
    result = fastdiff.gradient(f, x, full_output=True, step=2e-2)
    expected = [0.5 / np.sqrt(1e-2) + 0.7, 1.4 + 1e-2]
    assert result.success and result.status.tolist() == [OK, OK]
    # Second-order forward: error ~ h^2 f''' / 3 with a step of 2e-2 near the pole.
    assert result.derivative[0] == pytest.approx(expected[0], rel=0.2)
    assert result.derivative[1] == pytest.approx(expected[1], rel=1e-9)


@pytest.mark.parametrize("compiled", [True, False])
def test_fallback_costs_only_the_failed_coordinates(compiled):
    f = _sqrt_sum if compiled else _python_sqrt_sum
    x = np.array([1e-9, 0.7])
    result = fastdiff.gradient(f, x, full_output=True)
    # 2 n central, then f(x) and 2 points of the forward second-order formula.
    assert result.nfev == 2 * 2 + 1 + 2
    assert result.derivative[1] == pytest.approx(1.4 + 1e-9, rel=1e-8)


def test_nothing_left_is_nan_and_reported():
    def f(x):
        return float("nan") if x[0] != 0.25 else float(x[1])

    x = np.array([0.25, 2.0])
    result = fastdiff.gradient(f, x, full_output=True)
    assert np.isnan(result.derivative[0]) and result.derivative[1] == pytest.approx(1.0)
    assert result.status.tolist() == [NOT_FINITE, OK] and not result.success
    assert "1 entries not computed; first 0" in result.message
    with pytest.raises(
        ValueError, match=r"non-finite value at the stencil points of coordinate\(s\) \[0\]"
    ):
        fastdiff.gradient(f, x)
