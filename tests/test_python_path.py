"""Plain Python callables: the same derivatives as the compiled path."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import fastdiff
from tests.functions import (
    chemistry,
    chemistry_jacobian,
    exp_sin_log,
    exp_sin_log_hessian,
    relative_error,
    rosenbrock,
    rosenbrock_gradient,
    trigonometric_map,
)

X = np.array([0.3, -0.7, 1.2, 0.5, -0.1])
METHODS = ["central", "forward", "backward"]


@pytest.mark.parametrize("method", METHODS)
def test_python_gradient_equals_compiled_bit_for_bit(method):
    python = fastdiff.gradient(rosenbrock.py_func, X, method=method)
    assert np.array_equal(python, fastdiff.gradient(rosenbrock, X, method=method))
    assert relative_error(python, rosenbrock_gradient(X)) < 2e-6


@pytest.mark.parametrize("method", METHODS)
def test_python_jacobian_equals_compiled_bit_for_bit(method):
    x = np.array([1.0, 2e-5, 3e-2])
    python = fastdiff.jacobian(chemistry.py_func, x, method=method)
    assert np.array_equal(python, fastdiff.jacobian(chemistry, x, method=method))
    if method == "central":
        assert relative_error(python, chemistry_jacobian(x)) < 1e-9


@pytest.mark.parametrize("method", METHODS)
def test_python_hessian_equals_compiled_bit_for_bit(method):
    python = fastdiff.hessian(exp_sin_log.py_func, X, method=method)
    assert np.array_equal(python, fastdiff.hessian(exp_sin_log, X, method=method))
    assert relative_error(python, exp_sin_log_hessian(X)) < 2e-4


def test_value_and_grad_for_python_f():
    value, gradient = fastdiff.value_and_grad(rosenbrock.py_func, method="forward")(X)
    assert value == rosenbrock.py_func(X)
    assert np.array_equal(gradient, fastdiff.gradient(rosenbrock, X, method="forward"))


def test_numpy_code_and_lambdas():
    gradient = fastdiff.gradient(lambda x: float(np.sum(np.exp(x))), X)
    assert relative_error(gradient, np.exp(X)) < 1e-9
    jacobian = fastdiff.jacobian(lambda x: np.array([x @ x, x[0] * x[1]]), X)
    expected = np.zeros((2, X.size))
    expected[0] = 2 * X
    expected[1, 0], expected[1, 1] = X[1], X[0]
    assert relative_error(jacobian, expected) < 1e-9


def _vectorized_rosenbrock(points):
    return np.sum(
        100.0 * (points[:, 1:] - points[:, :-1] ** 2) ** 2 + (1.0 - points[:, :-1]) ** 2, axis=1
    )


def _vectorized_map(points):
    return np.stack([trigonometric_map.py_func(p) for p in points])


def _one_point(x):
    return float(_vectorized_rosenbrock(x[None, :])[0])


def test_vectorized_equals_serial():
    vectorized = fastdiff.gradient(_vectorized_rosenbrock, X, vectorized=True)
    assert np.array_equal(vectorized, fastdiff.gradient(_one_point, X))
    assert relative_error(vectorized, rosenbrock_gradient(X)) < 1e-8
    assert np.array_equal(
        fastdiff.jacobian(_vectorized_map, X, vectorized=True),
        fastdiff.jacobian(trigonometric_map, X),
    )
    assert np.array_equal(
        fastdiff.hessian(_vectorized_rosenbrock, X, vectorized=True, method="forward"),
        fastdiff.hessian(_one_point, X, method="forward"),
    )


def test_vectorized_is_one_call_per_batch():
    calls = []

    def f(points):
        calls.append(points.shape)
        return np.sum(points**2, axis=1)

    fastdiff.gradient(f, X, vectorized=True)
    assert calls == [(2 * X.size, X.size)]


class _Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return float(np.sum(x**2) + x[0] * x[-1])


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda f: fastdiff.gradient(f, X), lambda n: 2 * n),
        (lambda f: fastdiff.gradient(f, X, method="forward"), lambda n: n + 1),
        (lambda f: fastdiff.value_and_grad(f)(X), lambda n: 2 * n + 1),
        (lambda f: fastdiff.hessian(f, X), lambda n: n * n + n + 1),
        (lambda f: fastdiff.hessian(f, X, method="backward"), lambda n: 1 + n * (n + 3) // 2),
    ],
)
def test_evaluation_counts(call, expected):
    counter = _Counter()
    call(counter)
    assert counter.calls == expected(X.size)


def test_f_receives_a_private_copy():
    seen = []

    def f(x):
        seen.append(x)
        x[0] = 0.0  # a careless f must not corrupt other points
        return float(np.sum(x))

    gradient = fastdiff.gradient(f, X, method="forward")
    assert len({id(a) for a in seen}) == len(seen)
    assert np.allclose(gradient, [0.0, 1.0, 1.0, 1.0, 1.0], atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(
    a=arrays(np.float64, (4, 4), elements=st.floats(-10, 10)),
    b=arrays(np.float64, 4, elements=st.floats(-10, 10)),
    x=arrays(np.float64, 4, elements=st.floats(-100, 100)),
)
def test_central_differences_are_exact_on_random_quadratics(a, b, x):
    symmetric = 0.5 * (a + a.T)

    def f(y):
        return 0.5 * y @ symmetric @ y + b @ y

    scale = max(1.0, np.max(np.abs(x))) ** 2 * max(1.0, np.max(np.abs(symmetric)))
    assert np.allclose(fastdiff.gradient(f, x), symmetric @ x + b, rtol=1e-7, atol=1e-7 * scale)
    assert np.allclose(fastdiff.hessian(f, x), symmetric, rtol=0, atol=1e-4 * scale)


def test_python_errors_reach_the_caller():
    def f(x):
        if x[2] != 1.2:
            raise KeyError("data only at 1.2")
        return float(np.sum(x))

    with pytest.raises(KeyError, match="data only at 1.2") as info:
        fastdiff.gradient(f, X)
    assert any("h[2]" in note and "point" in note for note in info.value.__notes__)


def test_python_error_at_x():
    def f(x):
        raise OverflowError("always")

    with pytest.raises(OverflowError, match="always") as info:
        fastdiff.hessian(f, X)
    assert "fastdiff: f raised at x" in info.value.__notes__


def test_python_non_finite_values():
    with pytest.raises(ValueError, match=r"f\(x\) must be finite; f returned nan at x"):
        fastdiff.gradient(lambda x: float("nan"), X, method="forward")

    def nan_left_and_right(x):
        return float("nan") if x[0] != 0.3 else 0.0

    with pytest.raises(
        ValueError, match=r"non-finite value at the stencil points of coordinate\(s\) \[0\]"
    ):
        fastdiff.gradient(nan_left_and_right, X)
