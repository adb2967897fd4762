"""Regression tests for the wrong results and crashes of issue 15.

Each test failed on the code before its fix; references are analytic.
"""

import numba
import numpy as np
import pytest
from scipy import constants

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


# --- 2. Richardson Hessian honours step and its error estimate ----------------

_MASS = 39.96 * 1.66e-27
_OMEGA = 2 * np.pi * 1e6
_COULOMB = constants.e**2 / (4 * np.pi * constants.epsilon_0)


def _two_ions(x):
    # Two ions in a harmonic trap: harmonic term plus Coulomb repulsion.
    return 0.5 * _MASS * _OMEGA**2 * (x[0] ** 2 + x[1] ** 2) + _COULOMB / abs(x[0] - x[1])


_two_ions_jit = numba.njit(cache=True)(_two_ions)


@pytest.mark.parametrize("f", [_two_ions, _two_ions_jit], ids=["python", "njit"])
def test_richardson_hessian_honours_step(f):
    # The equilibrium is symmetric, x = (-a, a) with a**3 = C / (4 m w**2),
    # and there the Hessian is m w**2 [[2, -1], [-1, 2]].
    a = (_COULOMB / (4 * _MASS * _OMEGA**2)) ** (1 / 3)
    x = np.array([-a, a])
    true = _MASS * _OMEGA**2 * np.array([[2.0, -1.0], [-1.0, 2.0]])
    result = fastdiff.hessian(f, x, method="richardson", step=1e-8, full_output=True)
    np.testing.assert_allclose(result.step, [1e-8, 1e-8], rtol=1e-12)
    np.testing.assert_allclose(result.derivative, true, rtol=1e-6)
    actual_error = np.abs(result.derivative - true)
    # Never more optimistic than the truth (the reference itself is exact
    # to a few ulps of its entries).
    assert np.all(result.error + 4 * np.finfo(float).eps * np.abs(true) >= actual_error)


def test_richardson_gradient_honours_rel_step():
    result = fastdiff.gradient(
        _log_first, np.array([2.0]), method="richardson", rel_step=1e-3, full_output=True
    )
    np.testing.assert_allclose(result.step, [2e-3])
    np.testing.assert_allclose(result.derivative, [0.5], rtol=1e-11)


# --- 3. complex step on Numba's complex powers of negative numbers ------------


@numba.njit(cache=True)
def _powers(x):
    return np.array([x[0] * np.sin(x[1]), x[1] * np.cos(x[0]), x[0] ** 3 * x[1] ** -0.5])


@numba.njit(cache=True)
def _cube(x):
    return x[0] ** 3


@numba.njit(cache=True)
def _cube_as_product(x):
    return x[0] * x[0] * x[0]


def _powers_jacobian(x):
    return np.array(
        [
            [np.sin(x[1]), x[0] * np.cos(x[1])],
            [-x[1] * np.sin(x[0]), np.cos(x[0])],
            [3 * x[0] ** 2 * x[1] ** -0.5, -0.5 * x[0] ** 3 * x[1] ** -1.5],
        ]
    )


def test_complex_step_rejects_numba_power_of_negative_number():
    with pytest.raises(ValueError, match="power of a negative number"):
        fastdiff.jacobian(_powers, np.array([-100.0, 0.2]), method="complex")
    with pytest.raises(ValueError, match=r"z \*\* k"):
        fastdiff.gradient(_cube, np.array([-1.0]), method="complex")


def test_complex_step_keeps_accurate_powers():
    # Positive bases: exp(k log z) is accurate, and nothing is rejected.
    x = np.array([100.0, 0.2])
    jacobian = fastdiff.jacobian(_powers, x, method="complex")
    np.testing.assert_allclose(jacobian, _powers_jacobian(x), rtol=1e-12)
    gradient = fastdiff.gradient(_cube_as_product, np.array([-1.0]), method="complex")
    np.testing.assert_allclose(gradient, [3.0], rtol=1e-15)


# --- 4. jvp steps scaled per coordinate -------------------------------------


def _sin_log(x):
    return np.sin(x[0] * x[1]) * np.log(x[0])


def _sin_log_gradient(x):
    return np.array(
        [
            x[1] * np.cos(x[0] * x[1]) * np.log(x[0]) + np.sin(x[0] * x[1]) / x[0],
            x[0] * np.cos(x[0] * x[1]) * np.log(x[0]),
        ]
    )


def _powers_python(x):
    return np.array([x[0] * np.sin(x[1]), x[1] * np.cos(x[0]), x[0] ** 3 * x[1] ** -0.5])


_sin_log_jit = numba.njit(cache=True)(_sin_log)


@pytest.mark.parametrize(
    "f, derivative, x, rtol",
    [
        # scipy's linear-operator tolerances: 2-point 1e-5; 3-point 5e-6 and 1e-6.
        (_sin_log, _sin_log_gradient, (100.0, -0.5), {"forward": 1e-5, "central": 5e-6}),
        (_sin_log_jit, _sin_log_gradient, (100.0, -0.5), {"forward": 1e-5, "central": 5e-6}),
        (_powers_python, _powers_jacobian, (-100.0, 0.2), {"forward": 1e-5, "central": 1e-6}),
        (_powers, _powers_jacobian, (-100.0, 0.2), {"forward": 1e-5, "central": 1e-6}),
    ],
    ids=["scalar-python", "scalar-njit", "vector-python", "vector-njit"],
)
@pytest.mark.parametrize("method", ["forward", "central"])
def test_jvp_matches_scipy_operator_accuracy(f, derivative, x, rtol, method):
    x = np.array(x)
    rng = np.random.default_rng(11290049580398)
    for _ in range(10):
        v = rng.uniform(-10, 10, size=2)
        np.testing.assert_allclose(
            fastdiff.jvp(f, x, v, method=method), derivative(x) @ v, rtol=rtol[method]
        )


# --- 5. tight bounds: the most accurate stencil that fits ---------------------


@pytest.mark.parametrize("f", [_powers_python, _powers], ids=["python", "njit"])
def test_tight_bounds_prefer_a_shrunk_central_stencil(f):
    # 3e-9 below, 2e-9 above: the default steps fit on neither side, and a
    # central difference with step 2e-9 beats a one-sided one with 1.5e-9.
    x = np.array([10.0, 10.0])
    result = fastdiff.jacobian(f, x, bounds=(x - 3e-9, x + 2e-9), full_output=True)
    np.testing.assert_allclose(result.derivative, _powers_jacobian(x), rtol=1e-6)
    np.testing.assert_allclose(result.step, [2e-9, 2e-9], rtol=1e-6)


def test_sparse_paths_take_abs_step():
    # abs_step is step under scipy's name on the sparse path too; both is an error.
    x = np.array([1.0, 2.0])
    pattern = np.eye(2, dtype=int)
    jacobian = fastdiff.jacobian(lambda z: z**2, x, sparsity=pattern, abs_step=1e-6)
    np.testing.assert_allclose(jacobian.toarray(), np.diag(2.0 * x), rtol=1e-8)
    hessian = fastdiff.sparse.hessian(lambda z: np.sum(z**3), x, pattern, abs_step=1e-4)
    np.testing.assert_allclose(hessian.toarray(), np.diag(6.0 * x), rtol=1e-6)
    with pytest.raises(ValueError, match="give step or abs_step"):
        fastdiff.jacobian(lambda z: z**2, x, sparsity=pattern, step=1e-6, abs_step=1e-6)
