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
