"""Regression tests for the wrong results and crashes of issue 15.

Each test failed on the code before its fix; references are analytic.
"""

import numba
import numpy as np
import pytest

import fastdiff


def _log_first(x):
    return np.log(x[0])


_log_first_jit = numba.njit(cache=True)(_log_first)


@pytest.fixture(params=["python", "njit"])
def log_first(request):
    return _log_first if request.param == "python" else _log_first_jit


# --- 1. careful path on the shared, read-only stencil row ------------------


def _square_of_root(x):
    # x**2 where x >= 0, NaN below: forward differences are exact on it.
    return np.sqrt(x[0]) ** 4


_square_of_root_jit = numba.njit(cache=True)(_square_of_root)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")
@pytest.mark.parametrize("f", [_square_of_root, _square_of_root_jit], ids=["python", "njit"])
def test_one_coordinate_nan_at_stencil_point_falls_back(f):
    # x - h is below 0: the central row must be replaced by a forward one
    # for the single coordinate, not written into the shared read-only row.
    derivative = fastdiff.gradient(f, np.array([1e-9]), step=2e-9)
    assert derivative[0] == pytest.approx(2e-9, rel=1e-6)


def test_one_coordinate_raising_at_stencil_point_falls_back():
    def f(x):
        if x[0] <= 0.0:
            raise ValueError("outside the domain")
        return x[0] ** 2

    derivative = fastdiff.gradient(f, np.array([1e-9]), step=2e-9)
    assert derivative[0] == pytest.approx(2e-9, rel=1e-6)


@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
def test_richardson_gradient_of_log_near_zero(log_first):
    derivative = fastdiff.gradient(log_first, [0.001], method="richardson")
    assert derivative[0] == pytest.approx(1000.0, rel=1e-7)
