"""Flattening and rebuilding parameter pytrees (fastdiff.pytree)."""

from collections import OrderedDict, namedtuple

import numpy as np
import pytest

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
