"""fastdiff.scipy: scipy's minimize, least_squares and root driven by fastdiff derivatives.

Real scipy solvers on problems whose solutions are known exactly (Rosenbrock's
minimum at ones, projections for bounds and constraints, a noise-free curve
fit, a system with an integer root).
"""

import sys

import numpy as np
import pytest
from numba import njit
from scipy.optimize import Bounds

import fastdiff
import fastdiff.scipy as fs
from fastdiff.bench.problems import broyden_tridiagonal
from tests.functions import (
    exponential_residuals,
    quadratic_form,
    relative_error,
    rosenbrock,
    rosenbrock_gradient,
)

CENTER = np.array([2.0, -1.0, 0.5])


@njit(cache=True)
def squared_distance_to_center(x):
    """sum (x_i - CENTER_i)**2: with bounds or a linear constraint, the minimum is a projection."""
    return np.sum((x - CENTER) ** 2)


TIMES = np.linspace(0.0, 4.0, 25)
TRUE_DECAY = np.array([2.5, 1.3, 0.5])  # amplitude, rate, offset
MEASURED = TRUE_DECAY[0] * np.exp(-TRUE_DECAY[1] * TIMES) + TRUE_DECAY[2]


@njit(cache=True)
def decay_residuals(p):
    """Model a exp(-b t) + c minus noise-free data made with TRUE_DECAY."""
    return p[0] * np.exp(-p[1] * TIMES) + p[2] - MEASURED


def decay_jacobian(p):
    e = np.exp(-p[1] * TIMES)
    return np.column_stack([e, -p[0] * TIMES * e, np.ones_like(TIMES)])


@njit(cache=True)
def two_curves(x):
    """x0**2 + x1 = 3 and x0 + x1**2 = 5 meet at (1, 2)."""
    out = np.empty(2)
    out[0] = x[0] ** 2 + x[1] - 3.0
    out[1] = x[0] + x[1] ** 2 - 5.0
    return out


ROSENBROCK_START = np.array([-1.2, 1.0, -1.2, 1.0])
N = ROSENBROCK_START.shape[0]


@pytest.mark.parametrize("method", ["BFGS", "l-bfgs-b", "CG"])
def test_gradient_methods_find_the_rosenbrock_minimum(method):
    result = fs.minimize(rosenbrock, ROSENBROCK_START, method=method, options={"maxiter": 2000})
    assert result.success
    np.testing.assert_allclose(result.x, np.ones(N), atol=1e-4)
    # Central differences do not use f(x): scipy calls f and the gradient separately.
    assert list(result.fastdiff_calls) == ["grad"]
    assert result.fastdiff_nfev == result.fastdiff_calls["grad"] * 2 * N
    # scipy's calls of f, plus one that checks f(x0).
    assert result.total_nfev == result.fastdiff_nfev + result.nfev + 1


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_one_sided_differences_share_f_at_x_with_the_value(method):
    result = fs.minimize(
        rosenbrock,
        ROSENBROCK_START,
        method="BFGS",
        derivative_options={"method": method, "parallel": False},
    )
    np.testing.assert_allclose(result.x, np.ones(N), atol=1e-3)
    calls = result.fastdiff_calls["value_and_grad"]
    assert list(result.fastdiff_calls) == ["value_and_grad"]
    assert result.fastdiff_nfev == calls * (N + 1)
    # scipy never calls f alone; the one extra evaluation checks f(x0).
    assert result.total_nfev == result.fastdiff_nfev + 1


def test_lbfgsb_stops_on_active_bounds_at_the_projection():
    lower, upper = np.array([0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0])
    result = fs.minimize(
        squared_distance_to_center, np.full(3, 0.5), bounds=list(zip(lower, upper))
    )
    assert result.success
    np.testing.assert_allclose(result.x, [1.0, 0.0, 0.5], atol=1e-8)
    # At the active bounds the gradient is not zero: 2 (x - center).
    np.testing.assert_allclose(result.jac, [-2.0, 2.0, 0.0], atol=1e-6)


def test_slsqp_with_an_equality_constraint_reaches_the_projection():
    constraint = {"type": "eq", "fun": lambda x: np.sum(x) - 1.0, "jac": lambda x: np.ones(3)}
    result = fs.minimize(squared_distance_to_center, np.zeros(3), constraints=[constraint])
    assert result.success
    np.testing.assert_allclose(result.x, CENTER - (CENTER.sum() - 1.0) / 3.0, atol=1e-7)
    assert set(result.fastdiff_calls) == {"grad"}
    assert result.fastdiff_nfev == 2 * 3 * result.fastdiff_calls["grad"]


def test_newton_cg_uses_hessian_vector_products():
    result = fs.minimize(rosenbrock, ROSENBROCK_START, method="Newton-CG", options={"xtol": 1e-10})
    assert result.success
    np.testing.assert_allclose(result.x, np.ones(N), atol=1e-6)
    calls = result.fastdiff_calls
    assert set(calls) == {"grad", "hessp"} and calls["hessp"] == result.nhev
    assert result.fastdiff_nfev == calls["grad"] * 2 * N + calls["hessp"] * 4 * N


@pytest.mark.parametrize("second_derivative", ["auto", "hessp"])
def test_trust_constr_with_hessian_or_products(second_derivative):
    result = fs.minimize(
        rosenbrock,
        ROSENBROCK_START,
        method="trust-constr",
        second_derivative=second_derivative,
        options={"gtol": 1e-9, "xtol": 1e-12},
    )
    np.testing.assert_allclose(result.x, np.ones(N), atol=1e-6)
    expected = "hess" if second_derivative == "auto" else "hessp"
    assert set(result.fastdiff_calls) == {"grad", expected}
    np.testing.assert_allclose(result.grad, rosenbrock_gradient(result.x), atol=1e-5)


def test_trust_exact_counts_full_hessians():
    result = fs.minimize(rosenbrock, np.array([-1.2, 1.0]), method="trust-exact")
    np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-6)
    calls = result.fastdiff_calls
    # Central Hessian: n**2 + n + 1 evaluations.
    assert result.fastdiff_nfev == calls["grad"] * 4 + calls["hess"] * 7


def test_least_squares_curve_fit_recovers_the_true_parameters():
    result = fs.least_squares(decay_residuals, np.array([1.0, 0.5, 0.0]), xtol=1e-14)
    assert result.success
    np.testing.assert_allclose(result.x, TRUE_DECAY, rtol=1e-9)
    np.testing.assert_allclose(result.jac, decay_jacobian(result.x), rtol=1e-7, atol=1e-9)
    # Central Jacobian: 2n per call, plus f(x) once on the first call to learn m.
    assert result.fastdiff_nfev == 2 * 3 * result.fastdiff_calls["jac"] + 1


def test_least_squares_with_bounds_holds_the_bounded_parameter():
    result = fs.least_squares(
        decay_residuals, np.array([1.0, 0.5, 0.0]), bounds=([0.0, 0.0, 0.0], [2.0, 5.0, 5.0])
    )
    assert result.x[0] == pytest.approx(2.0)
    assert result.active_mask[0] == 1


@pytest.mark.parametrize("method", ["hybr", "lm"])
def test_root_solves_a_nonlinear_system(method):
    result = fs.root(two_curves, [1.5, 1.5], method=method)
    assert result.success
    np.testing.assert_allclose(result.x, [1.0, 2.0], atol=1e-10)
    assert result.fastdiff_calls["jac"] >= 1


def test_parameters_given_as_a_list_behave_as_in_scipy():
    result = fs.minimize(rosenbrock, [-1.2, 1.0], method="BFGS")
    assert isinstance(result.x, np.ndarray)
    np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-4)


# --- errors -------------------------------------------------------------------------


def _quadratic(x):
    return float(np.sum(x**2))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "newton"}, ValueError, r"method must be one of 'CG', 'BFGS', .*; got 'newton'"),
        (
            {"method": "Nelder-Mead"},
            ValueError,
            r"method 'Nelder-Mead' uses no derivatives; call scipy.optimize.minimize directly",
        ),
        (
            {"method": print},
            TypeError,
            r"method must be the name of a scipy method; got builtin_function_or_method",
        ),
        (
            {"method": "BFGS", "bounds": [(0, 1)] * 2},
            ValueError,
            r"method 'BFGS' does not take bounds; use one of 'L-BFGS-B', 'TNC', 'SLSQP', 'trust-constr'",
        ),
        (
            {"method": "CG", "constraints": [{"type": "eq", "fun": np.sum}]},
            ValueError,
            r"method 'CG' does not take constraints; use 'SLSQP' or 'trust-constr'",
        ),
        (
            {"second_derivative": "exact"},
            ValueError,
            r"second_derivative must be one of 'auto', 'hess', 'hessp'; got 'exact'",
        ),
        (
            {"method": "BFGS", "second_derivative": "hess"},
            ValueError,
            r"method 'BFGS' uses no second derivatives; second_derivative must be 'auto', got 'hess'",
        ),
        (
            {"method": "dogleg", "second_derivative": "hessp"},
            ValueError,
            r"method 'dogleg' accepts second_derivative 'auto', 'hess'; got 'hessp'",
        ),
        (
            {"derivative_options": "central"},
            TypeError,
            r"derivative_options must be a dict of keyword arguments of fastdiff.gradient; got str",
        ),
        (
            {"derivative_options": {"methd": "forward"}},
            ValueError,
            r"derivative_options has unknown key\(s\) 'methd'; fastdiff.gradient accepts 'method', 'step'",
        ),
    ],
)
def test_minimize_option_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        fs.minimize(_quadratic, np.ones(2), **kwargs)


@pytest.mark.parametrize("key", ["bounds", "full_output"])
def test_derivative_options_cannot_hold_what_the_bridge_sets(key):
    with pytest.raises(
        ValueError, match=rf"derivative_options must not hold '{key}': the bridge sets them"
    ):
        fs.minimize(_quadratic, np.ones(2), derivative_options={key: None})
    with pytest.raises(ValueError, match=rf"derivative_options must not hold '{key}'"):
        fs.least_squares(np.sin, np.ones(2), derivative_options={key: None})


@pytest.mark.parametrize(
    ("bounds", "match"),
    [
        (
            [(0, 1)],
            r"bounds must be scipy.optimize.Bounds or one \(min, max\) pair per entry of x0 \(2\)",
        ),
        ([(0, 1, 2)] * 2, r"one \(min, max\) pair per entry of x0"),
        (
            Bounds([0, 0, 0], [1, 1, 1]),
            r"bounds must give a number or one value per entry of x0 \(2\) for each side",
        ),
    ],
)
def test_minimize_bounds_of_the_wrong_length(bounds, match):
    with pytest.raises(ValueError, match=match):
        fs.minimize(_quadratic, np.ones(2), method="L-BFGS-B", bounds=bounds)


def test_a_bad_derivative_option_value_names_derivative_options():
    with pytest.raises(ValueError, match=r"derivative_options: method must be one of 'central'"):
        fs.minimize(rosenbrock, np.ones(2), derivative_options={"method": "centered"})


@pytest.mark.parametrize(
    ("fun", "x0", "error", "match"),
    [
        (
            np.sin,
            np.ones(2),
            ValueError,
            r"fun must return a number \(the objective\); fun\(x0\) returned an array of shape \(2,\) \(for residuals use fastdiff.scipy.least_squares\)",
        ),
        (
            lambda x: 1j * x[0],
            np.ones(2),
            TypeError,
            r"fun must return real values; fun\(x0\) has complex dtype",
        ),
        (
            lambda x: "low",
            np.ones(2),
            TypeError,
            r"fun must return a real number; fun\(x0\) returned str",
        ),
        (
            lambda x: np.nan,
            np.ones(2),
            ValueError,
            r"fun\(x0\) must be finite; got nan",
        ),
        (_quadratic, np.array([1.0, np.inf]), ValueError, r"x0 must be finite; x0\[1\] is inf"),
        (
            _quadratic,
            {"a": 1.0, "b": np.array([0.0, np.nan])},
            ValueError,
            r"x0 must be finite; x0\['b'\]\[1\] is nan",
        ),
        (
            _quadratic,
            {"a": "one"},
            TypeError,
            r"x0\['a'\] must be a real number, a real NumPy array",
        ),
        (_quadratic, np.array(["a"]), TypeError, r"x0 must hold real numbers; got dtype <U1"),
        (_quadratic, {}, ValueError, r"x0 must have at least one entry; got none"),
        ("f", np.ones(2), TypeError, r"fun must be callable; got str"),
    ],
)
def test_minimize_checks_the_objective_at_x0(fun, x0, error, match):
    with pytest.raises(error, match=match):
        fs.minimize(fun, x0)


def test_minimize_rejects_args_that_are_not_a_tuple():
    with pytest.raises(TypeError, match=r"args must be a tuple of extra arguments of fun; got 3"):
        fs.minimize(_quadratic, np.ones(2), args=3)


def test_constraints_need_a_vector_x0():
    constraint = {"type": "eq", "fun": lambda x: 0.0}
    with pytest.raises(ValueError, match=r"constraints need a vector x0"):
        fs.minimize(lambda p: p["a"] ** 2, {"a": 1.0}, constraints=[constraint])


def test_pytree_bounds_must_be_a_pair_of_pytrees():
    with pytest.raises(
        TypeError, match=r"bounds for pytree parameters must be scipy.optimize.Bounds .* got dict"
    ):
        fs.minimize(lambda p: p["a"] ** 2, {"a": 1.0}, bounds={"a": (0, 1)})
    with pytest.raises(
        ValueError, match=r"bounds\[1\] must have the keys \['a'\] of the parameters"
    ):
        fs.minimize(lambda p: p["a"] ** 2, {"a": 1.0}, bounds=({"a": 0.0}, {"b": 1.0}))


@pytest.mark.parametrize(
    ("fun", "kwargs", "error", "match"),
    [
        (
            lambda x: np.ones((2, 2)),
            {},
            ValueError,
            r"residuals must return a 1-D array; residuals\(x0\) has shape \(2, 2\)",
        ),
        (
            _quadratic,
            {"method": "lmder"},
            ValueError,
            r"method must be one of 'trf', 'dogbox', 'lm'; got 'lmder'",
        ),
        (
            np.sin,
            {"jac": "3-point"},
            ValueError,
            r"least_squares computes the Jacobian with fastdiff; remove 'jac' \(derivative settings go in derivative_options\)",
        ),
        (np.sin, {"diff_step": 1e-3, "workers": 2}, ValueError, r"remove 'diff_step', 'workers'"),
        (
            np.sin,
            {"method": "lm", "jac_sparsity": np.eye(2)},
            ValueError,
            r"jac_sparsity cannot be used with method 'lm'",
        ),
        (
            np.sin,
            {"derivative_options": {"threads": 1}},
            ValueError,
            r"derivative_options has unknown key\(s\) 'threads'; fastdiff.jacobian accepts",
        ),
        (
            np.sin,
            {"kwargs": [1]},
            TypeError,
            r"kwargs must be a dict of keyword arguments of residuals; got \[1\]",
        ),
    ],
)
def test_least_squares_errors(fun, kwargs, error, match):
    with pytest.raises(error, match=match):
        fs.least_squares(fun, np.ones(2), **kwargs)


@pytest.mark.parametrize(
    ("fun", "kwargs", "error", "match"),
    [
        (
            lambda x: np.ones(3),
            {},
            ValueError,
            r"fun must return one value per unknown, shape \(2,\); fun\(x0\) has shape \(3,\)",
        ),
        (
            np.sin,
            {"method": "broyden1"},
            ValueError,
            r"method must be one of 'hybr', 'lm'; got 'broyden1'",
        ),
    ],
)
def test_root_errors(fun, kwargs, error, match):
    with pytest.raises(error, match=match):
        fs.root(fun, np.ones(2), **kwargs)


def tridiagonal_jacobian(x):
    """Analytic Jacobian of fastdiff.bench.broyden_tridiagonal."""
    n = x.shape[0]
    return np.diag(3.0 - 4.0 * x) - np.eye(n, k=-1) - 2.0 * np.eye(n, k=1)


TRIDIAGONAL = np.abs(tridiagonal_jacobian(np.zeros(30))) > 0


def test_least_squares_with_a_sparsity_pattern_solves_the_tridiagonal_system():
    result = fs.least_squares(
        broyden_tridiagonal,
        np.full(30, -1.0),
        jac_sparsity=TRIDIAGONAL,
        ftol=1e-14,
        xtol=1e-14,
        gtol=1e-14,
    )
    assert np.max(np.abs(broyden_tridiagonal(result.x))) < 1e-10
    np.testing.assert_allclose(result.jac.toarray(), tridiagonal_jacobian(result.x), atol=1e-7)
    # Three colours for a tridiagonal pattern: 6 evaluations per central Jacobian.
    assert result.fastdiff_nfev == 6 * result.fastdiff_calls["sparse_jac"]


def test_root_with_a_sparsity_pattern():
    result = fs.root(broyden_tridiagonal, np.full(30, -1.0), jac_sparsity=TRIDIAGONAL, tol=1e-13)
    assert result.success
    assert np.max(np.abs(broyden_tridiagonal(result.x))) < 1e-10


def test_sparsity_without_the_sparse_module_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastdiff.sparse", None)
    monkeypatch.delattr(fastdiff, "sparse", raising=False)
    with pytest.raises(NotImplementedError, match=r"jac_sparsity needs fastdiff.sparse"):
        fs.least_squares(two_curves, np.ones(2), jac_sparsity=np.ones((2, 2), dtype=bool))


# --- Python objectives and pytree parameters ----------------------------------------


class CountingObjective:
    """A Python objective that counts its evaluations, to check the reported counts."""

    def __init__(self, function):
        self.function = function
        self.evaluations = 0

    def __call__(self, x, *args):
        self.evaluations += 1
        return self.function(x, *args)


def shifted_quartic(x, shift):
    return float(np.sum((x - shift) ** 2) + np.sum((x - shift) ** 4))


@pytest.mark.parametrize(
    ("method", "derivative_options", "options"),
    [
        ("BFGS", {"method": "forward"}, None),
        ("SLSQP", {"method": "central"}, {"ftol": 1e-12}),
        ("Newton-CG", {"method": "central"}, None),
        ("trust-exact", {"method": "forward"}, None),
    ],
)
def test_reported_counts_match_the_evaluations_of_a_python_objective(
    method, derivative_options, options
):
    shift = np.array([1.0, -2.0, 0.5])
    objective = CountingObjective(shifted_quartic)
    result = fs.minimize(
        objective,
        np.zeros(3),
        method=method,
        args=(shift,),
        derivative_options=derivative_options,
        options=options,
    )
    np.testing.assert_allclose(result.x, shift, atol=1e-4)
    assert result.total_nfev == objective.evaluations


class RecordingObjective(CountingObjective):
    """Counts evaluations and keeps the lowest coordinate it was evaluated at."""

    lowest = np.inf

    def __call__(self, x, *args):
        self.lowest = min(self.lowest, float(np.min(x)))
        return super().__call__(x, *args)


def power_well(x, center):
    """sum (x - c)**2 + x**1.5: NaN for x < 0, so the box x >= 0 is where it lives."""
    return float(np.sum((x - center) ** 2) + np.sum(x**1.5))


def power_well_minimum(center):
    # Where 2 (x - c) + 1.5 sqrt(x) = 0: 2 s**2 + 1.5 s - 2 c = 0 in s = sqrt(x); 0 if c <= 0.
    s = (-1.5 + np.sqrt(2.25 + 16.0 * np.maximum(center, 0.0))) / 4.0
    return s**2


@pytest.mark.parametrize("method", ["L-BFGS-B", "TNC", "SLSQP"])
def test_bounds_keep_every_stencil_point_in_the_box(method):
    center = np.array([-1.0, 2.0, 0.5])
    objective = RecordingObjective(power_well)
    result = fs.minimize(
        objective,
        np.full(3, 1.0),
        method=method,
        bounds=[(0.0, None)] * 3,
        args=(center,),
        options={"ftol": 1e-12} if method == "SLSQP" else None,
    )
    assert objective.lowest >= 0.0
    np.testing.assert_allclose(result.x, power_well_minimum(center), atol=1e-5)
    assert result.x[0] == pytest.approx(0.0, abs=1e-12)
    # The engine reports its evaluations when it works within bounds.
    assert result.total_nfev == objective.evaluations


def test_least_squares_bounds_keep_the_jacobian_in_the_box():
    def residuals(x):
        return np.array([np.sqrt(x[0]) - 0.5, x[0] + x[1] - 3.0, x[1] - 2.0])

    objective = RecordingObjective(residuals)
    result = fs.least_squares(objective, [1.0, 1.0], bounds=([0.0, 0.0], [np.inf, np.inf]))
    assert objective.lowest >= 0.0
    assert result.total_nfev == objective.evaluations
    assert result.success


def test_dict_params_round_trip_through_minimize():
    center = {"a": 1.0, "b": np.array([[2.0, 3.0], [4.0, 5.0]]), "c": (-1.0, [0.5])}

    def objective(p):
        return (
            (p["a"] - 1.0) ** 2
            + np.sum((p["b"] - center["b"]) ** 2)
            + (p["c"][0] + 1.0) ** 2
            + 3.0 * (p["c"][1][0] - 0.5) ** 2
        )

    start = {"a": 0.0, "b": np.zeros((2, 2)), "c": (0.0, [0.0])}
    result = fs.minimize(objective, start, method="BFGS")
    assert set(result.x) == {"a", "b", "c"} and isinstance(result.x["c"], tuple)
    assert result.x["a"] == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(result.x["b"], center["b"], atol=1e-6)
    assert result.x["c"][0] == pytest.approx(-1.0, abs=1e-6)
    assert result.x["c"][1][0] == pytest.approx(0.5, abs=1e-6)
    assert result.jac["b"].shape == (2, 2)
    np.testing.assert_allclose(result.x_flat, [1.0, 2.0, 3.0, 4.0, 5.0, -1.0, 0.5], atol=1e-6)
    assert result.jac_flat.shape == (7,)


def test_pytree_bounds_reach_the_projection():
    result = fs.minimize(
        lambda p: float(np.sum((p["x"] - CENTER) ** 2) + (p["y"] - 3.0) ** 2),
        {"x": np.full(3, 0.5), "y": 0.0},
        bounds=({"x": 0.0, "y": -np.inf}, {"x": np.ones(3), "y": 2.0}),
    )
    np.testing.assert_allclose(result.x["x"], [1.0, 0.0, 0.5], atol=1e-8)
    assert result.x["y"] == pytest.approx(2.0)
    assert result.jac["y"] == pytest.approx(-2.0, abs=1e-6)


def test_least_squares_with_named_parameters_returns_jacobian_blocks():
    def residuals(p):
        return p["amplitude"] * np.exp(-p["rate"] * TIMES) + p["offset"] - MEASURED

    counting = CountingObjective(residuals)
    result = fs.least_squares(counting, {"amplitude": 1.0, "rate": 0.5, "offset": 0.0}, xtol=1e-14)
    assert result.x["amplitude"] == pytest.approx(2.5, rel=1e-9)
    assert result.x["rate"] == pytest.approx(1.3, rel=1e-9)
    assert result.x["offset"] == pytest.approx(0.5, rel=1e-9)
    exact = decay_jacobian(TRUE_DECAY)
    # One block per parameter, residuals along the first axis.
    assert result.jac["rate"].shape == (TIMES.shape[0],)
    np.testing.assert_allclose(result.jac["amplitude"], exact[:, 0], atol=1e-7)
    np.testing.assert_allclose(result.jac["rate"], exact[:, 1], atol=1e-7)
    np.testing.assert_allclose(result.jac_flat, exact, atol=1e-7)
    assert abs(result.grad["rate"]) < 1e-8
    assert result.total_nfev == counting.evaluations


def test_root_with_named_unknowns():
    def equations(p):
        return np.array([p["u"] ** 2 + p["v"] - 3.0, p["u"] + p["v"] ** 2 - 5.0])

    result = fs.root(equations, {"u": 1.5, "v": 1.5})
    assert result.success
    assert result.x == pytest.approx({"u": 1.0, "v": 2.0}, abs=1e-10)


# --- extra arguments: passed natively to a compiled fun ---------------------------------

QUADRATIC = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
#: Points of an exponential a exp(r t) at two times: a square system whose root is
#: EXPONENTIAL (r, a), and a fit whose residuals vanish there.
EXPONENTIAL = np.array([-0.7, 2.0])
FIT_TIMES = np.linspace(0.0, 1.0, 7)


@pytest.mark.parametrize(
    "method, second_derivative",
    [("BFGS", "auto"), ("Newton-CG", "hessp"), ("trust-exact", "hess")],
)
def test_minimize_passes_args_to_a_compiled_fun(method, second_derivative):
    # parallel=True is accepted only where fun runs in the compiled kernels:
    # a closure over the arguments would be a Python function.
    options = {"derivative_options": {"parallel": True}, "second_derivative": second_derivative}
    for linear in (np.array([1.0, -2.0, 0.5]), np.array([-3.0, 0.0, 4.0])):
        result = fs.minimize(
            quadratic_form, np.zeros(3), args=(QUADRATIC, linear), method=method, **options
        )
        solution = np.linalg.solve(QUADRATIC, -linear)
        assert result.success
        assert relative_error(result.x, solution) < 1e-6


def test_least_squares_and_root_pass_args_and_kwargs_to_a_compiled_fun():
    values = EXPONENTIAL[1] * np.exp(EXPONENTIAL[0] * FIT_TIMES)
    # parallel=True: the compiled path (the dense kernels of these types are
    # compiled in parallel by other tests); the sparse one serial, as they are.
    options = {"derivative_options": {"parallel": True}}
    for jac_sparsity, parallel in ((None, True), (np.ones((7, 2), dtype=bool), False)):
        result = fs.least_squares(
            exponential_residuals,
            np.array([0.0, 1.0]),
            args=(FIT_TIMES, values),
            kwargs={"weight": 2.0},
            jac_sparsity=jac_sparsity,
            derivative_options={"parallel": parallel},
        )
        assert relative_error(result.x, EXPONENTIAL) < 1e-8
    two = FIT_TIMES[[0, 6]]
    for scale in (1.0, 3.0):  # other data, the same compiled code: the other root
        result = fs.root(
            exponential_residuals,
            np.array([0.0, 1.0]),
            args=(two, scale * EXPONENTIAL[1] * np.exp(EXPONENTIAL[0] * two), 1.0),
            **options,
        )
        assert result.success
        assert relative_error(result.x, [EXPONENTIAL[0], scale * EXPONENTIAL[1]]) < 1e-8


def test_root_gives_scipy_its_own_options():
    two = FIT_TIMES[[0, 6]]
    values = EXPONENTIAL[1] * np.exp(EXPONENTIAL[0] * two)
    result = fs.root(
        exponential_residuals,
        np.array([0.0, 1.0]),
        args=(two, values, 1.0),  # the argument types of the other tests: nothing to compile
        options={"maxfev": 2},
    )
    # scipy's options reach scipy (before, the derivative options took their place).
    assert not result.success
    assert "calls to function has reached maxfev" in result.message


def test_pytree_parameters_with_args():
    def objective(params, matrix, linear):
        return quadratic_form.py_func(params["x"], matrix, linear)

    linear = np.array([1.0, -2.0, 0.5])
    result = fs.minimize(objective, {"x": np.zeros(3)}, args=(QUADRATIC, linear))
    assert relative_error(result.x["x"], np.linalg.solve(QUADRATIC, -linear)) < 1e-6
