"""fastdiff providers in optimagic's minimize (real optimagic algorithms, no mocks)."""

import numpy as np
import pytest

import fastdiff
import fastdiff.optimagic as fo
from tests.functions import rosenbrock

om = pytest.importorskip("optimagic")

START = np.array([-1.2, 1.0, -1.2, 1.0])
TARGET = np.array([2.0, 3.0])


def separable(params):
    """(a - 1)**2 + |b - (2, 3)|**2 + 10 (c[0] + 1)**2: minimum at a = 1, b = (2, 3), c = [-1]."""
    return (
        (params["a"] - 1.0) ** 2
        + np.sum((params["b"] - TARGET) ** 2)
        + 10.0 * (params["c"][0] + 1.0) ** 2
    )


def separable_gradient(params):
    return {
        "a": 2.0 * (params["a"] - 1.0),
        "b": 2.0 * (params["b"] - TARGET),
        "c": [20.0 * (params["c"][0] + 1.0)],
    }


PARAMS = {"a": 0.0, "b": np.zeros(2), "c": [0.0]}


def test_engine_providers_drive_lbfgsb_on_a_compiled_objective():
    result = om.minimize(rosenbrock, START, algorithm="scipy_lbfgsb", jac=fastdiff.grad(rosenbrock))
    assert result.success
    np.testing.assert_allclose(result.params, np.ones(4), atol=1e-4)


def test_value_and_grad_serves_as_fun_and_jac():
    result = om.minimize(
        rosenbrock,
        START,
        algorithm="scipy_lbfgsb",
        fun_and_jac=fastdiff.value_and_grad(rosenbrock),
    )
    assert result.success
    np.testing.assert_allclose(result.params, np.ones(4), atol=1e-4)


def test_pytree_gradient_has_the_structure_of_the_params():
    point = {"a": 0.5, "b": np.array([1.0, -1.0]), "c": [0.25]}
    gradient = fo.jac(separable)(point)
    expected = separable_gradient(point)
    assert list(gradient) == ["a", "b", "c"] and isinstance(gradient["c"], list)
    assert gradient["a"] == pytest.approx(expected["a"], abs=1e-8)
    np.testing.assert_allclose(gradient["b"], expected["b"], atol=1e-8)
    assert gradient["c"][0] == pytest.approx(expected["c"][0], abs=1e-7)
    value, gradient = fo.fun_and_jac(separable)(point)
    assert value == separable(point)
    np.testing.assert_allclose(gradient["b"], expected["b"], atol=1e-8)


@pytest.mark.parametrize("provider", ["jac", "fun_and_jac"])
def test_dict_params_with_pytree_providers(provider):
    derivative = {"jac": fo.jac, "fun_and_jac": fo.fun_and_jac}[provider](separable)
    result = om.minimize(separable, PARAMS, algorithm="scipy_lbfgsb", **{provider: derivative})
    assert result.success
    assert result.params["a"] == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(result.params["b"], TARGET, atol=1e-6)
    assert result.params["c"][0] == pytest.approx(-1.0, abs=1e-6)


def test_a_new_structure_prepares_a_new_flat_function():
    gradient = fo.jac(lambda p: sum(np.sum(np.asarray(v) ** 2) for v in p.values()))
    np.testing.assert_allclose(gradient({"x": np.array([1.0, 2.0])})["x"], [2.0, 4.0], atol=1e-8)
    assert gradient({"y": 3.0})["y"] == pytest.approx(6.0, abs=1e-8)


def test_minimize_with_bounds_fun_kwargs_and_both_providers():
    def shifted(params, shift):
        return np.sum((params["x"] - shift) ** 2)

    result = fo.minimize(
        shifted,
        {"x": np.zeros(3)},
        "scipy_lbfgsb",
        fun_kwargs={"shift": np.array([2.0, -1.0, 0.5])},
        bounds=om.Bounds(lower={"x": np.zeros(3)}, upper={"x": np.ones(3)}),
        derivative_options={"method": "forward"},
    )
    np.testing.assert_allclose(result.params["x"], [1.0, 0.0, 0.5], atol=1e-7)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"jac": print}, ValueError, r"fastdiff provides the derivatives; remove 'jac'"),
        (
            {"numdiff_options": {}, "fun_and_jac": print},
            ValueError,
            r"remove 'fun_and_jac', 'numdiff_options' \(derivative settings go in derivative_options\)",
        ),
        (
            {"derivative_options": "forward"},
            TypeError,
            r"derivative_options must be a dict of keyword arguments of fastdiff.gradient; got str",
        ),
    ],
)
def test_minimize_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        fo.minimize(separable, PARAMS, "scipy_lbfgsb", **kwargs)


def test_providers_check_fun_and_options():
    with pytest.raises(TypeError, match=r"fun must be callable; got int"):
        fo.jac(3)
    with pytest.raises(ValueError, match=r"method must be one of 'central', 'forward', 'backward'"):
        fo.fun_and_jac(separable, method="five-point")


# --- Least-squares and likelihood objectives ----------------------------------------
# A quadratic fitted exactly through 6 points: residuals vanish at c = 1, b = (2, -0.5).

T = np.linspace(0.0, 1.0, 6)
Y = 1.0 + 2.0 * T - 0.5 * T**2
QUADRATIC_START = {"c": 0.0, "b": np.zeros(2)}


def quadratic_residuals(params):
    return params["c"] + params["b"][0] * T + params["b"][1] * T**2 - Y


def assert_fitted(params):
    assert params["c"] == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(params["b"], [2.0, -0.5], atol=1e-6)


def no_fallback(record):
    messages = [str(w.message) for w in record]
    assert not [m for m in messages if "numerical derivatives" in m], messages


def provider_for(providers, solver):
    (chosen,) = [p for p in providers if p.solver == solver]
    return chosen


@pytest.mark.parametrize(
    ("algorithm", "solver"),
    [("scipy_ls_trf", "least_squares"), ("scipy_lbfgsb", "scalar")],
)
def test_least_squares_objective_uses_fastdiff_for_every_kind_of_algorithm(
    algorithm, solver, recwarn
):
    residuals = om.mark.least_squares(quadratic_residuals)
    providers = fo.jac(residuals)
    result = om.minimize(residuals, QUADRATIC_START, algorithm=algorithm, jac=providers)
    assert_fitted(result.params)
    assert provider_for(providers, solver).calls > 0
    no_fallback(recwarn)


def test_least_squares_fun_and_jac_returns_residuals_and_their_jacobian(recwarn):
    residuals = om.mark.least_squares(quadratic_residuals)
    providers = fo.fun_and_jac(residuals)
    result = om.minimize(
        residuals, QUADRATIC_START, algorithm="scipy_ls_trf", fun_and_jac=providers
    )
    assert_fitted(result.params)
    no_fallback(recwarn)
    point = {"c": 0.5, "b": np.array([1.0, 1.0])}
    value, jacobian = provider_for(providers, "least_squares")(point)
    np.testing.assert_array_equal(value, quadratic_residuals(point))
    np.testing.assert_allclose(jacobian["c"], np.ones(6), atol=1e-8)
    np.testing.assert_allclose(jacobian["b"], np.column_stack([T, T**2]), atol=1e-8)
    value, gradient = provider_for(providers, "scalar")(point)
    r = quadratic_residuals(point)
    assert value == pytest.approx(r @ r)
    np.testing.assert_allclose(gradient["b"], 2.0 * np.column_stack([T, T**2]).T @ r, atol=1e-7)


def test_likelihood_objective_with_a_scalar_algorithm_and_bhhh(recwarn):
    data = np.array([0.5, 1.0, 1.5, 3.0])

    @om.mark.likelihood
    def contributions(params):  # minus log-likelihood of a normal with sd 1, up to a constant
        return 0.5 * (data - params[0]) ** 2

    providers = fo.jac(contributions)
    assert [p.solver for p in providers] == ["scalar", "likelihood"]
    result = om.minimize(contributions, np.array([0.0]), algorithm="scipy_lbfgsb", jac=providers)
    np.testing.assert_allclose(result.params, [data.mean()], atol=1e-6)
    likelihood = provider_for(providers, "likelihood")
    np.testing.assert_allclose(likelihood(np.array([1.0])), (1.0 - data)[:, None], atol=1e-8)
    # bhhh takes the likelihood Jacobian. (optimagic 0.5's bhhh does not reach the
    # minimum of this problem even with the exact Jacobian: compare the two runs.)
    exact = om.mark.likelihood(lambda params: (params[0] - data)[:, None])
    with_exact = om.minimize(contributions, np.array([0.0]), algorithm="bhhh", jac=exact)
    calls = likelihood.calls
    with_fastdiff = om.minimize(contributions, np.array([0.0]), algorithm="bhhh", jac=providers)
    assert likelihood.calls > calls
    np.testing.assert_allclose(with_fastdiff.params, with_exact.params, atol=1e-6)
    no_fallback(recwarn)


def test_residuals_in_a_tree_give_blocks_of_trees():
    @om.mark.least_squares
    def residuals(params):
        return {"level": params["a"] - 1.0, "slope": params["b"] * np.array([1.0, 2.0, 3.0])}

    ls = provider_for(fo.jac(residuals), "least_squares")
    jacobian = ls({"a": 0.0, "b": 2.0})
    assert jacobian["level"]["a"] == pytest.approx(1.0, abs=1e-8)
    assert jacobian["level"]["b"] == pytest.approx(0.0, abs=1e-8)
    np.testing.assert_allclose(jacobian["slope"]["a"], np.zeros(3), atol=1e-8)
    np.testing.assert_allclose(jacobian["slope"]["b"], [1.0, 2.0, 3.0], atol=1e-8)


def test_minimize_follows_the_mark_through_fun_kwargs(recwarn):
    @om.mark.least_squares
    def residuals(params, target):
        return params - target

    target = np.array([1.0, -2.0, 0.5])
    result = fo.minimize(residuals, np.zeros(3), "scipy_ls_trf", fun_kwargs={"target": target})
    np.testing.assert_allclose(result.params, target, atol=1e-8)
    no_fallback(recwarn)


def test_problem_is_checked():
    with pytest.raises(ValueError, match=r"problem must be one of 'scalar', 'least_squares'"):
        fo.jac(quadratic_residuals, problem="squares")
