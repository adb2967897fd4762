"""Bad input gets a TypeError or ValueError that names the argument."""

import numba
import numpy as np
import pytest

import fastdiff
from tests.functions import chemistry, rosenbrock

X = np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.ones((2, 2)), ValueError, r"x must be a 1-D array; got shape \(2, 2\)"),
        (np.array([]), ValueError, "x must have at least one entry"),
        (
            np.array(["a", "b"]),
            TypeError,
            "x must be a 1-D array of real numbers; got dtype <U1",
        ),
        (np.array([1 + 1j, 2]), TypeError, "x must be real; got complex dtype"),
        (np.array([1.0, np.nan]), ValueError, r"x must be finite; x\[1\] is nan"),
        (np.array([np.inf, 1.0]), ValueError, r"x must be finite; x\[0\] is inf"),
        (
            [[1.0], [2.0, 3.0]],
            TypeError,
            r"x is a parameter tree \(a list\) but f rosenbrock\(x\) is Numba-compiled",
        ),
    ],
)
@pytest.mark.parametrize("function", [fastdiff.gradient, fastdiff.hessian])
def test_bad_points(function, x, error, match):
    with pytest.raises(error, match=match):
        function(rosenbrock, x)


@pytest.mark.parametrize(
    "x",
    [{"a": 1.0, "b": np.zeros(2)}, [{"a": 1.0}, 2.0], [[1.0], [2.0, 3.0]]],
    ids=["dict", "list of dict", "nested lists"],
)
@pytest.mark.parametrize("function", [fastdiff.gradient, fastdiff.jacobian, fastdiff.hessian])
def test_parameter_trees_need_a_python_function(function, x):
    # f is called with the tree, which a compiled f cannot take.
    with pytest.raises(TypeError, match=r"x is a parameter tree \(a (dict|list)\) but f") as raised:
        function(rosenbrock, x)
    message = str(raised.value)
    assert "Differentiate a Python function of the tree" in message
    assert "fastdiff.pytree.flatten" in message


@pytest.mark.parametrize(
    ("call", "given"),
    [
        (lambda x: fastdiff.jacobian(chemistry, x, sparsity=np.eye(3, dtype=bool)), "got a dict"),
        (lambda x: fastdiff.hvp(rosenbrock, x, np.ones(3)), "got a dict"),
    ],
    ids=["sparse jacobian", "hvp"],
)
def test_flat_only_paths_point_at_fastdiff_pytree(call, given):
    with pytest.raises(
        TypeError, match=f"x must be a 1-D array of real numbers; {given}"
    ) as raised:
        call({"a": 1.0, "b": np.zeros(2)})
    message = str(raised.value)
    assert "take parameter trees (a dict, nested lists or other containers) directly" in message
    assert "fastdiff.pytree.flat_function(f, layout)" in message


def test_strings_are_not_called_a_parameter_tree():
    with pytest.raises(TypeError, match=r"got dtype <U1\.$"):
        fastdiff.gradient(rosenbrock, ("a", "b"))


def _returns_text(x):
    return "small"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: fastdiff.gradient(3, X), "f must be a callable"),
        (lambda: fastdiff.gradient(_returns_text, X), "f must return a real number"),
        (lambda: fastdiff.gradient(lambda x: x, X), "f must return a real number"),
        (lambda: fastdiff.gradient(_vector, X), "f \\(_vector\\) must return a real number"),
        (lambda: fastdiff.gradient(rosenbrock, {"x": X}), "fastdiff.pytree"),
        (lambda: fastdiff.gradient(rosenbrock, X, method=2), "method must be a string"),
        (lambda: fastdiff.gradient(rosenbrock, X, args=(1.0,)), "args has 1 value"),
    ],
    ids=["not callable", "text", "python array", "compiled array", "dict", "option", "args"],
)
def test_type_errors_are_the_documented_ones(call, match):
    # The Raises section of fastdiff.gradient lists these; a Python f (not
    # compiled) is valid and fails only for what it returns.
    with pytest.raises(TypeError, match=match):
        call()


def test_gradient_docstring_does_not_reject_python_functions():
    raises = fastdiff.gradient.__doc__.split("Raises")[1].split("Notes")[0]
    assert "not compiled" not in raises
    assert "is not callable, or returns something other than a real" in raises
    for name in ("TypeError", "ValueError", "TimeoutError", "fastdiff.WorkerDiedError"):
        assert name in raises


def test_bad_point_for_jacobian():
    with pytest.raises(ValueError, match=r"x must be finite; x\[2\] is nan"):
        fastdiff.jacobian(chemistry, np.array([1.0, 2.0, np.nan]))


def test_not_callable():
    with pytest.raises(TypeError, match="f must be a callable; got int"):
        fastdiff.gradient(3, X)


@numba.njit
def _two_arguments(x, y):
    return x[0] + y


def test_function_with_wrong_signature():
    with pytest.raises(TypeError, match=r"takes extra arguments: pass them with args=\(\.\.\.\)"):
        fastdiff.gradient(_two_arguments, X)


@numba.njit
def _vector(x):
    return x * 2.0


@numba.njit
def _scalar(x):
    return x[0] * 2.0


@numba.njit
def _matrix(x):
    return np.outer(x, x)


def test_gradient_of_a_vector_function():
    with pytest.raises(
        TypeError,
        match=r"must return a real number for a gradient or Hessian; it returns array\(float64, 1d, C\)",
    ):
        fastdiff.gradient(_vector, X)


def test_jacobian_of_a_scalar_function_is_one_row():
    # scipy's shape: a number-valued f has a (1, n) Jacobian.
    np.testing.assert_allclose(fastdiff.jacobian(_scalar, X), [[2.0, 0.0, 0.0]], atol=1e-9)


def test_jacobian_of_a_matrix_function():
    with pytest.raises(
        TypeError,
        match=r"must return a 1-D array .* it returns array\(float64, 2d, C\)",
    ):
        fastdiff.jacobian(_matrix, X)


def test_no_numba_traceback_for_user_mistakes():
    # The message is ours, with no Numba typing dump in it.
    with pytest.raises(TypeError) as info:
        fastdiff.jacobian(_matrix, X)
    assert "During: " not in str(info.value) and "\x1b[" not in str(info.value)
