"""Extra arguments ``f(x, *args, **kwargs)``: compiled and Python ``f``, kernels and API.

Few jitted functions, each with one tuple of argument types, so that the
kernels compile once per type signature for the whole file. The kernels
embedded in users' own ``@njit`` code with extra arguments are tested in
``tests/test_embedded_arguments.py``.
"""

import os
import warnings

import numpy as np
import pytest
import scipy.optimize
from numba import njit

import fastdiff
from fastdiff import kernels
from tests.functions import (
    exponential_residuals,
    exponential_residuals_jacobian,
    quadratic_form,
    relative_error,
)

N = 5  # the dimension of the quadratic fixture (tests/conftest.py)


@pytest.fixture
def fit(rng):
    """Exact data of an exponential: ``(x_true, t, y)``."""
    t = np.linspace(0.0, 1.0, 7)
    x_true = np.array([-0.7, 2.0])
    return x_true, t, x_true[1] * np.exp(x_true[0] * t)


def _python_quadratic(x, a, b, *, scale=1.0):
    return scale * (0.5 * x @ (a @ x) + b @ x)


@pytest.mark.parametrize("parallel", [False, True])
def test_compiled_gradient_and_hessian_take_args(quadratic, parallel):
    x, a, b = quadratic
    g = fastdiff.gradient(quadratic_form, x, args=(a, b), parallel=parallel)
    assert relative_error(g, a @ x + b) < 1e-9
    h = fastdiff.hessian(quadratic_form, x, args=(a, b), parallel=parallel)
    assert relative_error(h, a) < 1e-6


@pytest.mark.parametrize("parallel", [False, True])
def test_compiled_jacobian_takes_args_and_kwargs(fit, parallel):
    _, t, y = fit
    x = np.array([0.3, 1.5])
    expected = exponential_residuals_jacobian(x, t, weight=2.0)
    j = fastdiff.jacobian(exponential_residuals, x, args=(t, y, 2.0), parallel=parallel)
    assert relative_error(j, expected) < 1e-9
    j = fastdiff.jacobian(
        exponential_residuals, x, args=(t, y), kwargs={"weight": 2.0}, parallel=parallel
    )
    assert relative_error(j, expected) < 1e-9


def test_data_changes_between_calls_are_seen(quadratic):
    x, a, b = quadratic
    g = fastdiff.grad(quadratic_form)
    assert relative_error(g(x, a, b), a @ x + b) < 1e-9
    b[:] = 1.0  # the same array, new values
    assert relative_error(g(x, a, b), a @ x + 1.0) < 1e-9
    other = 2.0 * a  # a new array of the same type: nothing is compiled
    assert relative_error(g(x, other, b), other @ x + 1.0) < 1e-9


def test_forward_method_and_value_and_grad(quadratic):
    x, a, b = quadratic
    value, g = fastdiff.value_and_grad(quadratic_form, method="forward")(x, a, b)
    assert value == pytest.approx(0.5 * x @ a @ x + b @ x, rel=1e-14)
    assert relative_error(g, a @ x + b) < 1e-6


def test_richardson_keeps_args(quadratic):
    x, a, b = quadratic
    g = fastdiff.gradient(quadratic_form, x, args=(a, b), method="richardson")
    assert relative_error(g, a @ x + b) < 1e-9


def test_careful_path_keeps_args(quadratic):
    x, a, b = quadratic
    result = fastdiff.gradient(quadratic_form, x, args=(a, b), full_output=True)
    assert relative_error(result.derivative, a @ x + b) < 1e-9
    assert result.nfev == 2 * N
    bounds = (x - 1e-3, x + 1.0)
    g = fastdiff.gradient(quadratic_form, x, args=(a, b), bounds=bounds)
    assert relative_error(g, a @ x + b) < 1e-6
    h = fastdiff.hessian(quadratic_form, x, args=(a, b), full_output=True)
    assert relative_error(h.derivative, a) < 1e-6


def test_python_function_takes_args_and_kwargs(quadratic, fit):
    x, a, b = quadratic
    options = dict(args=(a, b), kwargs={"scale": 3.0})
    assert (
        relative_error(fastdiff.gradient(_python_quadratic, x, **options), 3 * (a @ x + b)) < 1e-9
    )
    assert relative_error(fastdiff.hessian(_python_quadratic, x, **options), 3 * a) < 1e-6
    _, t, y = fit
    point = np.array([0.3, 1.5])
    j = fastdiff.jacobian(exponential_residuals.py_func, point, args=(t, y, 2.0))
    assert relative_error(j, exponential_residuals_jacobian(point, t, 2.0)) < 1e-9


def test_python_function_args_reach_a_vectorized_f(quadratic):
    x, a, b = quadratic

    def batch(points, a, b):
        return 0.5 * np.einsum("ki,ij,kj->k", points, a, points) + points @ b

    g = fastdiff.gradient(batch, x, args=(a, b), vectorized=True)
    assert relative_error(g, a @ x + b) < 1e-9


def test_minimize_with_args_and_fastdiff_jac(quadratic):
    x0, a, b = quadratic
    solution = np.linalg.solve(a, -b)
    result = scipy.optimize.minimize(
        quadratic_form, x0, args=(a, b), jac=fastdiff.grad(quadratic_form), method="BFGS"
    )
    assert result.success
    assert np.allclose(result.x, solution, atol=1e-6)
    result = scipy.optimize.minimize(
        quadratic_form,
        x0,
        args=(a, b),
        jac=fastdiff.grad(quadratic_form),
        hess=fastdiff.hess(quadratic_form),
        method="Newton-CG",
    )
    assert np.allclose(result.x, solution, atol=1e-6)
    result = scipy.optimize.minimize(
        fastdiff.value_and_grad(quadratic_form), x0, args=(a, b), jac=True, method="BFGS"
    )
    assert np.allclose(result.x, solution, atol=1e-6)


@pytest.mark.parametrize("residuals", [exponential_residuals, exponential_residuals.py_func])
def test_least_squares_with_args_kwargs_and_fastdiff_jac(fit, residuals):
    x_true, t, y = fit
    result = scipy.optimize.least_squares(
        residuals,
        np.array([0.0, 1.0]),
        args=(t, y),
        kwargs={"weight": 2.0},
        jac=fastdiff.jac(residuals),
    )
    assert np.allclose(result.x, x_true, atol=1e-8)


@pytest.mark.parametrize(
    "residuals", [exponential_residuals, exponential_residuals.py_func], ids=["compiled", "python"]
)
def test_sparse_jacobian_takes_args_and_kwargs(fit, residuals):
    _, t, y = fit
    x = np.array([0.3, 1.5])
    expected = exponential_residuals_jacobian(x, t, weight=2.0)
    pattern = np.ones((t.shape[0], 2), dtype=bool)
    j = fastdiff.jacobian(residuals, x, args=(t, y), kwargs={"weight": 2.0}, sparsity=pattern)
    assert relative_error(j.toarray(), expected) < 1e-9
    # scipy's convention, jac(x, *args): the same objects again, then new ones.
    prepared = fastdiff.jac(residuals, sparsity=pattern)
    assert relative_error(prepared(x, t, y, 2.0).toarray(), expected) < 1e-9
    assert relative_error(prepared(x, t, y, 2.0).toarray(), expected) < 1e-9
    later = 2.0 * t
    expected = exponential_residuals_jacobian(x, later, weight=1.0)
    assert relative_error(prepared(x, later, y, 1.0).toarray(), expected) < 1e-9
    assert prepared.nfev == 3 * 2 * 2  # one colour per column, central


def test_sparse_jacobian_of_a_compiled_f_asks_for_its_args(fit):
    _, t, _ = fit
    prepared = fastdiff.jac(exponential_residuals, sparsity=np.ones((t.shape[0], 2), dtype=bool))
    with pytest.raises(
        TypeError, match=r"exponential_residuals\(x, t, y, weight=1.0\) takes extra"
    ):
        prepared(np.array([0.3, 1.5]))


def test_read_only_arrays_are_passed_without_copies(quadratic):
    x, a, b = quadratic
    a.flags.writeable = False
    g = fastdiff.gradient(quadratic_form, x, args=(a, b))
    assert relative_error(g, a @ x + b) < 1e-9


@njit
def _writes_into_its_data(x, data):
    data[0] = x[0]
    return data[0] ** 2


def test_bad_args_raise_one_line_type_errors(quadratic):
    x, a, b = quadratic
    with pytest.raises(TypeError, match=r"args has 1 value but quadratic_form\(x, a, b\) takes 2"):
        fastdiff.gradient(quadratic_form, x, args=(a,))
    with pytest.raises(TypeError, match=r"args do not fit quadratic_form\(x, a, b\)"):
        fastdiff.gradient(quadratic_form, x, args=(a, "b"))
    with pytest.raises(TypeError, match="args must be a tuple"):
        fastdiff.gradient(quadratic_form, x, args=a)
    with pytest.raises(TypeError, match=r"args\[1\] is a reflected list"):
        fastdiff.gradient(quadratic_form, x, args=(a, [1.0] * N))
    with pytest.raises(TypeError, match=r"quadratic_form\(x, a, b\) takes extra arguments"):
        fastdiff.grad(quadratic_form)(x)
    with pytest.raises(TypeError, match="not both"):
        fastdiff.grad(quadratic_form, args=(a, b))(x, a, b)
    with pytest.raises(TypeError, match="args and kwargs do not fit"):
        fastdiff.jacobian(exponential_residuals, x[:2], args=(b, b), kwargs={"wait": 1.0})
    read_only = np.ones(3)
    read_only.flags.writeable = False
    with pytest.raises(TypeError, match="args do not fit _writes_into_its_data"):
        fastdiff.gradient(_writes_into_its_data, x, args=(read_only,))


def test_sparse_hessian_takes_args_and_kwargs(quadratic):
    # The pattern of a's entries; the Hessian of the quadratic form is a.
    x, a, b = quadratic
    pattern = np.ones((N, N), dtype=bool)
    for kind_of_f in (quadratic_form, quadratic_form.py_func):
        for options in ({"args": (a, b)}, {"args": (a,), "kwargs": {"b": b}}):
            result = fastdiff.hessian(kind_of_f, x, sparsity=pattern, **options)
            assert relative_error(result.toarray(), a) < 1e-6
    gradient = lambda x, a, b: a @ x + b  # noqa: E731
    result = fastdiff.sparse.hessian(None, x, pattern, gradient=gradient, args=(a, b))
    assert relative_error(result.toarray(), a) < 1e-9


@njit(cache=True)
def _energy(x, k):
    return k * np.sum(x**2)


@njit(cache=True)
def _gradient_at_address(address, x, k):
    return kernels.central_gradient(address, x, (k,))


def test_kernels_take_the_address_of_f_and_their_caller_is_cached():
    # The pattern for users' cached code: the address of f's code instead of
    # the dispatcher, so the kernels are compiled for an integer (cached) and
    # the caller can be cached too (a dispatcher argument cannot be).
    native = fastdiff.native_function(_energy, (2.0,))
    assert native.kind == "scalar" and native.address > 0
    x = np.array([1.0, -0.5, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Numba warns when it cannot cache
        g = _gradient_at_address(native.address, x, 2.0)
    assert relative_error(g, 4.0 * x) < 1e-9
    index = _gradient_at_address._cache._cache_file._index_path
    assert os.path.exists(index)
    with pytest.raises(ValueError, match="non-finite value"):
        _gradient_at_address(native.address, np.array([np.inf, 0.0, 0.0]), 2.0)


def test_native_function_errors():
    with pytest.raises(TypeError, match=r"Numba-compiled \(@njit\) f; got function"):
        fastdiff.native_function(lambda x: 0.0)
    with pytest.raises(TypeError, match="args must be a tuple"):
        fastdiff.native_function(_energy, 2.0)
    with pytest.raises(TypeError, match=r"could not be compiled for \(x, \*args\)"):
        fastdiff.native_function(_energy, ("two",))
