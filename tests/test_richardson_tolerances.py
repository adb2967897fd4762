"""method="richardson" with rtol, atol and max_levels: per-entry stop, converged, levels, cost."""

import numpy as np
import pytest

import fastdiff
from tests.functions import (
    chemistry,
    chemistry_jacobian,
    exp_sin_log,
    exp_sin_log_gradient,
    exp_sin_log_hessian,
    log_barrier,
    log_barrier_gradient,
    log_barrier_hessian,
    relative_error,
)

X = np.array([0.5, 1.3, 0.2, -0.4])
X_MAP = np.array([0.3, 0.02, 1.1])


def _steep(x):
    # Varies on a scale of 1/60 in x0: the first steps are far too large there.
    return np.sin(60.0 * x[0]) + x[1] ** 3


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("rtol", [1e-4, 1e-8])
def test_each_gradient_entry_meets_its_relative_tolerance(compiled, rtol):
    f = exp_sin_log if compiled else exp_sin_log.py_func
    exact = exp_sin_log_gradient(X)
    result = fastdiff.gradient(f, X, method="richardson", rtol=rtol, atol=0.0, full_output=True)
    assert result.converged.all()
    assert np.all(result.error <= rtol * np.abs(result.derivative))
    # The estimate is honest, so the tolerance holds for the true error too.
    assert np.all(np.abs(result.derivative - exact) <= result.error)
    assert result.nfev == 1 + 2 * result.levels.sum()


def test_hessian_and_jacobian_entries_meet_the_tolerance():
    hessian = fastdiff.hessian(
        exp_sin_log, X, method="richardson", rtol=1e-6, atol=1e-8, full_output=True
    )
    exact = exp_sin_log_hessian(X)
    assert hessian.converged.all()
    assert np.all(np.abs(hessian.derivative - exact) <= 1e-8 + 1e-6 * np.abs(exact))
    # The default atol is relative to the largest entry (1.2e6 here): the
    # zeros and the small entries need it.
    jacobian = fastdiff.jacobian(
        chemistry, X_MAP, method="richardson", rtol=1e-10, full_output=True
    )
    exact = chemistry_jacobian(X_MAP)
    assert jacobian.converged.all()
    assert np.all(np.abs(jacobian.derivative - exact) <= jacobian.error)
    assert relative_error(jacobian.derivative, exact) < 2e-10


def test_looser_tolerances_cost_fewer_evaluations():
    counts = [
        fastdiff.gradient(exp_sin_log, X, method="richardson", rtol=rtol, full_output=True).nfev
        for rtol in (1e-3, 1e-9, 1e-13)
    ]
    assert counts[0] < counts[1] < counts[2]
    # 1e-13 is below the rounding error of these differences: more levels
    # cannot meet it, and the result says so.
    strict = fastdiff.gradient(exp_sin_log, X, method="richardson", rtol=1e-13, full_output=True)
    assert not strict.converged.all()
    assert relative_error(strict.derivative, exp_sin_log_gradient(X)) < 1e-11


@pytest.mark.parametrize("compiled", [True, False])
def test_levels_and_converged_per_entry(compiled):
    f = exp_sin_log if compiled else exp_sin_log.py_func
    gradient = fastdiff.gradient(f, X, method="richardson", full_output=True)
    assert gradient.levels.shape == gradient.converged.shape == (4,)
    assert gradient.levels.dtype.kind == "i" and gradient.converged.dtype == bool
    hessian = fastdiff.hessian(f, X, method="richardson", full_output=True)
    assert hessian.levels.shape == (4, 4)
    assert np.array_equal(hessian.levels, hessian.levels.T)
    # Entries (i, j) with |i - j| > 1 are exactly 0 (no coupling): central
    # differences are exact there, and two levels show it.
    assert hessian.levels[0, 2] == hessian.levels[0, 3] == hessian.levels[1, 3] == 2
    assert hessian.levels.max() > 2
    jacobian = fastdiff.jacobian(
        chemistry if compiled else chemistry.py_func, X_MAP, method="richardson", full_output=True
    )
    assert jacobian.levels.shape == jacobian.converged.shape == (4, 3)
    for method in ("central", "forward"):
        plain = fastdiff.gradient(f, X, method=method, full_output=True)
        assert plain.converged is None and plain.levels is None


def test_max_levels_caps_each_entry():
    calls = []

    def counted(x):
        calls.append(1)
        return _steep(x)

    x = np.array([0.3, 0.7])
    exact = np.array([60.0 * np.cos(18.0), 3.0 * 0.49])
    free = fastdiff.gradient(counted, x, method="richardson", full_output=True)
    assert free.levels[0] > 4 and free.converged.all()
    assert relative_error(free.derivative, exact) < 1e-11
    calls.clear()
    capped = fastdiff.gradient(counted, x, method="richardson", max_levels=3, full_output=True)
    assert list(capped.levels) == [3, 3]
    assert len(calls) == capped.nfev == 1 + 2 * 6
    # Three steps made for a unit scale are too large for sin(60 x0): not
    # converged, and the error estimate says how far off it may be.
    assert list(capped.converged) == [False, True]
    assert abs(capped.derivative[0] - exact[0]) <= capped.error[0]
    assert capped.error[0] > 1e-9 * 60.0
    two = fastdiff.gradient(counted, x, method="richardson", max_levels=2, full_output=True)
    assert list(two.levels) == [2, 2] and two.nfev == 1 + 2 * 4


@pytest.mark.parametrize("kind", ["gradient", "jacobian", "hessian"])
def test_compiled_and_python_level_loops_agree_bit_for_bit(kind):
    if kind == "jacobian":
        f, x, derivative = chemistry, X_MAP, fastdiff.jacobian
    else:
        f, x = exp_sin_log, X
        derivative = fastdiff.gradient if kind == "gradient" else fastdiff.hessian
    options = dict(method="richardson", rtol=1e-7, full_output=True)
    compiled = derivative(f, x, **options)
    # The compiled f called from Python (its py_func may round differently).
    python = derivative(lambda point: f(point), x, **options)
    for name in ("derivative", "error", "levels", "converged"):
        assert np.array_equal(getattr(compiled, name), getattr(python, name)), name
    assert compiled.nfev == python.nfev


@pytest.mark.parametrize("kind", ["gradient", "jacobian", "hessian"])
def test_threads_give_the_serial_result_bit_for_bit(kind):
    if kind == "jacobian":
        f, x, derivative = chemistry, X_MAP, fastdiff.jacobian
    else:
        f, x = exp_sin_log, X
        derivative = fastdiff.gradient if kind == "gradient" else fastdiff.hessian
    serial = derivative(f, x, method="richardson", parallel=False, full_output=True)
    threaded = derivative(f, x, method="richardson", parallel=True, full_output=True)
    for name in ("derivative", "error", "levels", "converged"):
        assert np.array_equal(getattr(serial, name), getattr(threaded, name)), name
    assert serial.nfev == threaded.nfev


def test_prepared_derivatives_and_value_and_grad_take_the_tolerances():
    g = fastdiff.grad(exp_sin_log, method="richardson", rtol=1e-5)
    loose = g(X)
    assert relative_error(loose, exp_sin_log_gradient(X)) < 1e-5
    default = fastdiff.grad(exp_sin_log, method="richardson")
    default(X)
    assert g.nfev < default.nfev
    value, gradient = fastdiff.value_and_grad(exp_sin_log, method="richardson", rtol=1e-5)(X)
    assert value == pytest.approx(exp_sin_log.py_func(X), rel=1e-15)
    assert np.array_equal(gradient, loose)
    h = fastdiff.hess(exp_sin_log, method="richardson", rtol=1e-5, max_levels=4)
    assert relative_error(h(X), exp_sin_log_hessian(X)) < 1e-5
    j = fastdiff.jac(chemistry, method="richardson", atol=1e-3)
    assert relative_error(j(X_MAP), chemistry_jacobian(X_MAP)) < 1e-9


@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
@pytest.mark.parametrize("compiled", [True, False])
def test_entries_without_any_complete_window(compiled):
    # log(x0) at x0 = 0.001: the first steps (0.044, 0.022, 0.011, ...) cross
    # 0, so the Hessian entries of x0 have no three consecutive levels.
    f = log_barrier if compiled else log_barrier.py_func
    x = np.array([0.001, 0.5])
    result = fastdiff.hessian(f, x, method="richardson", full_output=True)
    assert np.isnan(result.derivative[0]).all() and np.isnan(result.derivative[:, 0]).all()
    assert not result.converged[0].any() and not result.converged[:, 0].any()
    assert result.status[0, 0] != 0 and result.status[1, 1] == 0
    assert result.derivative[1, 1] == pytest.approx(log_barrier_hessian(x)[1, 1], rel=1e-9)
    with pytest.raises(ValueError, match=r"Hessian entries \[\(0, 0\), \(0, 1\), \(1, 0\)\]"):
        fastdiff.hessian(f, x, method="richardson")
    # Steps that stay in the domain.
    small = fastdiff.hessian(f, x, method="richardson", step=1e-4)
    assert relative_error(small, log_barrier_hessian(x)) < 1e-9
    # A gradient falls back to one-sided differences where a point failed.
    gradient = fastdiff.gradient(f, x, method="richardson", full_output=True)
    assert gradient.derivative == pytest.approx(log_barrier_gradient(x), rel=1e-7)


def test_a_python_f_that_raises_at_every_level():
    def f(x):
        if x[0] < 0.5:
            raise ArithmeticError("outside the domain")
        return float(np.sum(np.sin(x)))

    x = np.array([0.5, 0.1])
    with pytest.raises(ArithmeticError, match="outside the domain") as info:
        fastdiff.hessian(f, x, method="richardson")
    assert "fastdiff: f raised at x" in str(info.value.__notes__)
    # A gradient recovers with forward differences.
    assert fastdiff.gradient(f, x, method="richardson") == pytest.approx(np.cos(x), rel=1e-7)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (
            dict(rtol=1e-6),
            ValueError,
            "rtol applies to method='richardson' only.*got method='central'",
        ),
        (
            dict(method="forward", atol=1e-8),
            ValueError,
            "atol applies to method='richardson' only.*got method='forward'",
        ),
        (
            dict(method="complex", max_levels=4),
            ValueError,
            "max_levels applies to method='richardson' only.*got method='complex'",
        ),
        (
            dict(method="richardson", rtol=-1e-6),
            ValueError,
            "rtol must be a non-negative finite number; got -1e-06",
        ),
        (
            dict(method="richardson", atol=np.nan),
            ValueError,
            "atol must be a non-negative finite number; got nan",
        ),
        (
            dict(method="richardson", rtol=np.inf),
            ValueError,
            "rtol must be a non-negative finite number; got inf",
        ),
        (
            dict(method="richardson", max_levels=1),
            ValueError,
            "max_levels must be an integer >= 2; got 1",
        ),
        (
            dict(method="richardson", max_levels=2.5),
            TypeError,
            "max_levels must be an integer; got float",
        ),
        (dict(method="richardson", rtol="1e-6"), TypeError, "rtol must be a number; got str"),
        (dict(method="richardson", atol=True), TypeError, "atol must be a number; got bool"),
    ],
)
def test_tolerance_errors_name_the_option(options, error, match):
    def f(x):
        return float(np.sum(x**2))

    with pytest.raises(error, match=match):
        fastdiff.gradient(f, X, **options)
    with pytest.raises(error, match=match):
        fastdiff.grad(f, **options)


def test_tolerances_with_hessian_jacobian_and_sparsity_errors():
    with pytest.raises(ValueError, match="rtol applies to method='richardson' only"):
        fastdiff.hessian(exp_sin_log, X, rtol=1e-6)
    with pytest.raises(ValueError, match="max_levels applies to method='richardson' only"):
        fastdiff.jac(chemistry, method="backward", max_levels=3)
    with pytest.raises(ValueError, match="rtol is not supported with sparsity="):
        fastdiff.jacobian(chemistry, X_MAP, sparsity=np.ones((4, 3), dtype=bool), rtol=1e-6)
    with pytest.raises(ValueError, match="atol is not supported with sparsity="):
        fastdiff.hess(exp_sin_log, sparsity=np.eye(4, dtype=bool), atol=1e-6)
