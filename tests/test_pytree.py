"""Flattening and rebuilding parameter pytrees (fastdiff.pytree)."""

from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import fastdiff
from fastdiff import pytree

Point = namedtuple("Point", ["x", "y"])


def nested_params():
    return {
        "scale": 1.0,
        "weights": np.array([[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]),
        "layers": [np.array([8.0, 9.0]), (10, {"bias": np.float32(11.0)})],
        "point": Point(12.0, np.array([13.0])),
    }


def test_flatten_orders_leaves_depth_first_with_arrays_in_c_order():
    flat, layout = pytree.flatten(nested_params())
    np.testing.assert_array_equal(flat, np.arange(1.0, 14.0))
    assert flat.dtype == np.float64
    assert layout.size == 13
    assert layout.paths[:4] == (
        "['scale']",
        "['weights'][0, 0]",
        "['weights'][0, 1]",
        "['weights'][0, 2]",
    )
    assert layout.paths[-3:] == ("['layers'][1][1]['bias']", "['point'].x", "['point'].y[0]")


def test_unflatten_round_trip_keeps_structure_types_and_shapes():
    params = nested_params()
    flat, layout = pytree.flatten(params)
    rebuilt = layout(flat)
    assert list(rebuilt) == list(params)
    assert rebuilt["scale"] == 1.0 and type(rebuilt["scale"]) is float
    np.testing.assert_array_equal(rebuilt["weights"], params["weights"])
    assert type(rebuilt["layers"]) is list and type(rebuilt["layers"][1]) is tuple
    assert rebuilt["layers"][1][0] == 10.0 and type(rebuilt["layers"][1][0]) is float
    assert type(rebuilt["point"]) is Point
    np.testing.assert_array_equal(rebuilt["point"].y, [13.0])


def test_unflatten_places_new_values_and_never_shares_memory():
    flat, layout = pytree.flatten({"a": 1.0, "b": np.zeros(3)})
    values = np.array([5.0, 6.0, 7.0, 8.0])
    rebuilt = layout(values)
    assert rebuilt["a"] == 5.0
    np.testing.assert_array_equal(rebuilt["b"], [6.0, 7.0, 8.0])
    rebuilt["b"][0] = -1.0
    assert values[1] == 6.0


def test_dict_subclass_and_zero_dimensional_array_survive():
    params = OrderedDict(b=np.array(3.0), a=[])
    flat, layout = pytree.flatten(params)
    rebuilt = layout(flat)
    assert type(rebuilt) is OrderedDict and list(rebuilt) == ["b", "a"]
    assert rebuilt["b"].shape == () and rebuilt["b"] == 3.0
    assert rebuilt["a"] == []


def test_layouts_are_equal_when_only_the_values_differ():
    _, first = pytree.flatten({"a": 1.0, "b": np.zeros(2)})
    _, second = pytree.flatten({"a": 5.0, "b": np.ones(2)})
    _, other_shape = pytree.flatten({"a": 5.0, "b": np.ones(3)})
    _, other_keys = pytree.flatten({"b": np.ones(2), "a": 5.0})
    assert first == second and hash(first) == hash(second)
    assert first != other_shape
    assert first != other_keys


def test_unflatten_jacobian_puts_the_output_axis_first():
    _, layout = pytree.flatten({"a": 0.0, "b": np.zeros((2, 2))})
    matrix = np.arange(15.0).reshape(3, 5)  # 3 outputs, 5 parameters
    tree = layout.unflatten_jacobian(matrix)
    np.testing.assert_array_equal(tree["a"], [0.0, 5.0, 10.0])
    assert tree["b"].shape == (3, 2, 2)
    np.testing.assert_array_equal(tree["b"][1], [[6.0, 7.0], [8.0, 9.0]])


def test_flatten_like_reads_gradients_and_broadcasts_bounds():
    _, layout = pytree.flatten({"a": 1.0, "b": np.ones(2)})
    np.testing.assert_array_equal(
        layout.flatten_like({"b": np.array([3.0, 4.0]), "a": 2.0}), [2.0, 3.0, 4.0]
    )
    np.testing.assert_array_equal(
        layout.flatten_like({"a": -np.inf, "b": 0.0}, broadcast=True), [-np.inf, 0.0, 0.0]
    )


@pytest.mark.parametrize(
    ("tree", "match"),
    [
        ({"a": 1.0}, r"lower must have the keys \['a', 'b'\] of the parameters; got \['a'\]"),
        ([1.0, 2.0], r"lower must be a dict like the parameters; got list"),
        (
            {"a": 1.0, "b": 0.0},
            r"lower\['b'\] must be an array of shape \(2,\) like the parameters; got a number",
        ),
        (
            {"a": 1.0, "b": np.ones(3)},
            r"lower\['b'\] must have shape \(2,\) like the parameters; got shape \(3,\)",
        ),
        ({"a": "x", "b": np.ones(2)}, r"lower\['a'\] must be a real number or a real NumPy array"),
    ],
)
def test_flatten_like_names_the_mismatch(tree, match):
    _, layout = pytree.flatten({"a": 1.0, "b": np.ones(2)})
    with pytest.raises((ValueError, TypeError), match=match):
        layout.flatten_like(tree, "lower")


def test_flatten_like_names_a_wrong_list_length():
    _, layout = pytree.flatten([1.0, [2.0, 3.0]])
    with pytest.raises(
        ValueError, match=r"g\[1\] must be a list of length 2 like the parameters; got length 1"
    ):
        layout.flatten_like([1.0, [2.0]], "g")


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (
            {"a": "text"},
            TypeError,
            r"params\['a'\] must be a real number, a real NumPy array, or a dict, list or tuple of them; got str",
        ),
        ({"a": [None]}, TypeError, r"params\['a'\]\[0\] must be a real number.*got NoneType"),
        ({"flag": True}, TypeError, r"params\['flag'\] must be a real number.*got bool"),
        (
            {"z": np.array([1j])},
            TypeError,
            r"params\['z'\] must be an array of real numbers; got dtype complex128",
        ),
        (
            {"z": np.array([True])},
            TypeError,
            r"params\['z'\] must be an array of real numbers; got dtype bool",
        ),
    ],
)
def test_flatten_rejects_what_is_not_a_real_number(params, error, match):
    with pytest.raises(error, match=match):
        pytree.flatten(params)


def test_layout_checks_the_flat_length():
    _, layout = pytree.flatten({"a": 1.0, "b": 2.0})
    with pytest.raises(ValueError, match=r"flat must have shape \(2,\); got shape \(3,\)"):
        layout(np.zeros(3))
    with pytest.raises(
        ValueError,
        match=r"matrix must have shape \(m, 2\) \(one column per parameter\); got shape \(4,\)",
    ):
        layout.unflatten_jacobian(np.zeros(4))


def test_flat_function_calls_f_with_the_pytree():
    _, layout = pytree.flatten({"slope": 0.0, "offsets": np.zeros(2)})

    def model(params):
        return params["slope"] * 10.0 + params["offsets"].sum()

    f = pytree.flat_function(model, layout)
    assert f(np.array([1.0, 2.0, 3.0])) == 15.0
    assert f.__name__ == "model"


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (np.zeros(3), True),
        (1.5, True),
        ([1.0, 2], True),
        ((1.0, 2.0), True),
        (np.zeros((2, 2)), False),
        ({"a": 1.0}, False),
        ([1.0, np.zeros(2)], False),
        (Point(1.0, 2.0), False),
        ([], False),
    ],
)
def test_is_flat_vector_follows_scipy_for_vectors(x, expected):
    assert pytree.is_flat_vector(x) is expected


# --- Parameter trees in fastdiff.gradient / jacobian / hessian -------------------------
# Plain-Python functions with derivatives written out by hand; small trees.

C = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])


def tree_objective(p):
    """a**2 * sum(C * w) + sum(sin(v)) + 3 * c0 * d: scalar, 2-D, 1-D and 0-d leaves."""
    return (
        p["a"] ** 2 * np.sum(C * p["w"])
        + np.sum(np.sin(p["nest"][0]))
        + 3.0 * p["nest"][1]["c0"] * p["nest"][1]["d"]
    )


def tree_point():
    return {
        "a": 1.5,
        "w": np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]),
        "nest": [np.array([0.3, -0.7]), {"c0": 2.0, "d": np.array(-0.5)}],
    }


def tree_objective_gradient(p):
    return {
        "a": 2.0 * p["a"] * np.sum(C * p["w"]),
        "w": p["a"] ** 2 * C,
        "nest": [
            np.cos(p["nest"][0]),
            {"c0": 3.0 * p["nest"][1]["d"], "d": 3.0 * p["nest"][1]["c0"]},
        ],
    }


def assert_trees_close(actual, expected, atol):
    if isinstance(expected, dict):
        assert type(actual) is type(expected) and list(actual) == list(expected)
        for key in expected:
            assert_trees_close(actual[key], expected[key], atol)
    elif isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_trees_close(a, e, atol)
    else:
        assert np.shape(actual) == np.shape(expected)
        np.testing.assert_allclose(actual, expected, rtol=0, atol=atol)


def test_gradient_of_a_tree_has_its_structure_and_matches_the_analytic_gradient():
    point = tree_point()
    gradient = fastdiff.gradient(tree_objective, point)
    assert_trees_close(gradient, tree_objective_gradient(point), atol=1e-8)
    assert type(gradient["a"]) is float and type(gradient["nest"][1]["c0"]) is float
    assert isinstance(gradient["nest"][1]["d"], np.ndarray) and gradient["nest"][1]["d"].shape == ()


def test_value_and_grad_and_grad_take_trees_and_count_evaluations():
    point = tree_point()
    value_and_gradient = fastdiff.value_and_grad(tree_objective, method="forward")
    value, gradient = value_and_gradient(point)
    assert value == tree_objective(point)
    assert_trees_close(gradient, tree_objective_gradient(point), atol=1e-6)
    assert value_and_gradient.nfev == 11 + 1  # n = 11 coordinates, forward: n + 1
    prepared = fastdiff.grad(tree_objective)
    prepared(point)
    prepared(point)
    assert prepared.nfev == 2 * 22  # central: 2n per call


def test_named_tuples_and_tuples_keep_their_types():
    Pair = namedtuple("Pair", ["scale", "offsets"])

    def f(p):
        return p.scale * np.sum(p.offsets[0] ** 2) + p.offsets[1]

    gradient = fastdiff.gradient(f, Pair(2.0, (np.array([1.0, -3.0]), 4.0)))
    assert type(gradient) is Pair and type(gradient.offsets) is tuple
    assert gradient.scale == pytest.approx(10.0, abs=1e-8)
    np.testing.assert_allclose(gradient.offsets[0], [4.0, -12.0], atol=1e-8)
    assert gradient.offsets[1] == pytest.approx(1.0, abs=1e-8)


def test_a_list_of_floats_stays_a_vector():
    seen = []

    def f(x):
        seen.append(type(x))
        return float(x[0] * x[1])

    gradient = fastdiff.gradient(f, [2.0, 3.0])
    assert type(gradient) is np.ndarray
    np.testing.assert_allclose(gradient, [3.0, 2.0], atol=1e-8)
    assert set(seen) == {np.ndarray}


def test_jacobian_of_a_tree_puts_the_output_axis_first():
    def f(p):  # 3 outputs
        a, w = p["a"], p["w"]
        return np.array([a * w[0, 0], w[1, 1] ** 2, a + w[0, 1]])

    point = {"a": 2.0, "w": np.array([[1.0, 2.0], [3.0, 4.0]])}
    jacobian = fastdiff.jacobian(f, point)
    np.testing.assert_allclose(jacobian["a"], [1.0, 0.0, 1.0], atol=1e-8)
    expected_w = np.zeros((3, 2, 2))
    expected_w[0, 0, 0] = 2.0
    expected_w[1, 1, 1] = 8.0
    expected_w[2, 0, 1] = 1.0
    assert jacobian["w"].shape == (3, 2, 2)
    np.testing.assert_allclose(jacobian["w"], expected_w, atol=1e-8)


def test_hessian_of_a_tree_is_a_tree_of_trees():
    def f(p):  # a**2 * b[0] * b[1] + sum(W**2) * a
        return p["a"] ** 2 * p["b"][0] * p["b"][1] + np.sum(p["W"] ** 2) * p["a"]

    a, b, W = 2.0, np.array([1.0, 3.0]), np.array([[1.0, -1.0, 0.5]])
    hessian = fastdiff.hessian(f, {"a": a, "b": b, "W": W})
    assert list(hessian) == ["a", "b", "W"] and list(hessian["b"]) == ["a", "b", "W"]
    assert type(hessian["a"]["a"]) is float
    assert hessian["a"]["a"] == pytest.approx(2.0 * b[0] * b[1], abs=1e-5)
    np.testing.assert_allclose(hessian["a"]["b"], [2 * a * b[1], 2 * a * b[0]], atol=1e-5)
    np.testing.assert_allclose(hessian["b"]["a"], hessian["a"]["b"], atol=1e-5)
    np.testing.assert_allclose(hessian["b"]["b"], [[0.0, a**2], [a**2, 0.0]], atol=1e-5)
    assert hessian["a"]["W"].shape == (1, 3) and hessian["W"]["b"].shape == (1, 3, 2)
    np.testing.assert_allclose(hessian["a"]["W"], 2.0 * W, atol=1e-5)
    assert hessian["W"]["W"].shape == (1, 3, 1, 3)
    np.testing.assert_allclose(hessian["W"]["W"].reshape(3, 3), 2.0 * a * np.eye(3), atol=1e-5)
    np.testing.assert_allclose(hessian["W"]["b"], np.zeros((1, 3, 2)), atol=1e-5)


def test_trees_with_extra_arguments_both_ways():
    def f(p, data, scale=1.0):
        return scale * np.sum(data * p["x"] ** 2) + p["y"]

    data = np.array([1.0, 2.0])
    point = {"x": np.array([3.0, -1.0]), "y": 5.0}
    gradient = fastdiff.gradient(f, point, args=(data,), kwargs={"scale": 2.0})
    np.testing.assert_allclose(gradient["x"], 4.0 * data * point["x"], atol=1e-7)
    gradient = fastdiff.grad(f)(point, data)  # scipy's convention: jac(x, *args)
    np.testing.assert_allclose(gradient["x"], 2.0 * data * point["x"], atol=1e-7)
    assert gradient["y"] == pytest.approx(1.0, abs=1e-8)


def test_full_output_gives_the_tree_and_the_flat_layout():
    point = {"a": 1.0, "b": np.array([2.0, 3.0])}
    result = fastdiff.gradient(lambda p: p["a"] * np.sum(p["b"]), point, full_output=True)
    assert result.derivative["a"] == pytest.approx(5.0, abs=1e-8)
    np.testing.assert_allclose(result.derivative["b"], [1.0, 1.0], atol=1e-8)
    assert result.step.shape == (3,) and result.status.shape == (3,)
    assert result.layout.paths == ("['a']", "['b'][0]", "['b'][1]")
    assert set(result.layout(result.step)) == {"a", "b"}
    assert result.nfev == 6 and result.success


def test_full_output_message_names_the_path_of_a_failed_entry():
    def f(p):  # NaN on both sides of b[1] = 0: no stencil works there
        return p["a"] + (np.nan if p["b"][1] != 0.0 else 0.0)

    result = fastdiff.gradient(f, {"a": 1.0, "b": np.array([1.0, 0.0])}, full_output=True)
    assert not result.success
    assert "first x['b'][1]:" in result.message


@pytest.mark.parametrize(
    ("point", "error", "match"),
    [
        ({"a": 1.0, "b": [2.0, "s"]}, TypeError, r"x\['b'\]\[1\] must be a real number"),
        ({"a": 1.0, "b": np.array([1j])}, TypeError, r"x\['b'\] must be an array of real numbers"),
        ({"a": [np.zeros(1), None]}, TypeError, r"x\['a'\]\[1\] must be a real number.*NoneType"),
        ({"a": 1.0, "b": [object()]}, TypeError, r"x\['b'\]\[0\] must be a real number"),
        (
            {"a": 1.0, "b": np.array([1.0, np.inf])},
            ValueError,
            r"x must be finite; x\['b'\]\[1\] is inf",
        ),
        (
            {"a": [], "b": {}},
            ValueError,
            r"x must hold at least one number; got a dict without any",
        ),
    ],
    ids=["string", "complex", "None", "object", "inf", "empty"],
)
def test_bad_leaves_are_named_by_their_path(point, error, match):
    with pytest.raises(error, match=match):
        fastdiff.gradient(lambda p: 0.0, point)


def test_tree_options_that_cannot_apply_are_refused():
    point = {"a": 1.0}
    with pytest.raises(ValueError, match=r"vectorized=True does not take a parameter tree x"):
        fastdiff.gradient(lambda p: p["a"], point, vectorized=True)
    with pytest.raises(ValueError, match=r"method='complex' does not take a parameter tree x"):
        fastdiff.gradient(lambda p: p["a"], point, method="complex")


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ({"a": 1.0}, True),
        (Point(1.0, 2.0), True),
        ([1.0, np.zeros(2)], True),
        ((1.0, [2.0]), True),
        ([1.0, 2.0], False),
        ((1.0, 2.0), False),
        ([np.float32(1.0), np.array(2.0)], False),
        (np.zeros((2, 2)), False),
        (1.5, False),
        (["a", "b"], False),
    ],
)
def test_is_parameter_tree_keeps_vectors_vectors(x, expected):
    assert pytree.is_parameter_tree(x) is expected


def test_a_prepared_gradient_follows_a_change_of_structure():
    prepared = fastdiff.grad(lambda p: sum(np.sum(np.asarray(v) ** 2) for v in p.values()))
    np.testing.assert_allclose(prepared({"x": np.array([1.0, 2.0])})["x"], [2.0, 4.0], atol=1e-8)
    assert prepared({"y": 3.0})["y"] == pytest.approx(6.0, abs=1e-8)
    np.testing.assert_allclose(prepared({"x": np.array([1.0, -1.0])})["x"], [2.0, -2.0], atol=1e-8)
    assert prepared.nfev == 4 + 2 + 4
