"""How a jitted f is prepared for the kernels: its own compiled code, or an adapter."""

import numba
import numpy as np
import pytest

import fastdiff
from fastdiff.compiled import SCALAR, VECTOR, prepare


@numba.njit
def _cubic(x):
    return np.sum(x**3)


@numba.njit
def _cubic_float32(x):
    return np.float32(np.sum(x**3))


@numba.njit("float64(float64[:])")
def _cubic_any_layout(x):
    # Declared for a 1-D array of any layout: no C-contiguous version can
    # be compiled, and the kernels call this one.
    return np.sum(x**3)


@numba.njit
def _count_above(x):
    # An integer result: its finite differences are exact.
    return int(np.sum(x > 0.5))


@numba.njit
def _squares(x):
    return x**2


@numba.njit
def _squares_int(x):
    # An integer array: rounds, so its Jacobian is checked where it is flat.
    return (x * 0.0).astype(np.int64) + 3


@numba.njit
def _squares_strided(x):
    # Element by element: a slice assignment takes Numba seconds to compile.
    doubled = np.zeros(2 * x.shape[0])
    for i in range(x.shape[0]):
        doubled[2 * i] = x[i] ** 2
    return doubled[::2]  # a non-contiguous view


X = np.array([0.3, -1.2, 2.0])


def test_a_float64_function_is_called_as_it_is():
    prepared = prepare(_cubic, SCALAR)
    assert prepared.target is _cubic  # nothing was compiled for it
    np.testing.assert_allclose(fastdiff.gradient(_cubic, X), 3 * X**2, rtol=1e-9)


def test_trailing_defaults_are_called_natively():
    # A parameter left at its default takes no fields in Numba's calling
    # convention: f(x, k=k) is called as it is, without an adapter.
    k = 3.0
    scaled_cubic = numba.njit(lambda x, k=k: k * np.sum(x**3))
    assert prepare(scaled_cubic, SCALAR).target is scaled_cubic
    np.testing.assert_allclose(fastdiff.gradient(scaled_cubic, X), 9 * X**2, rtol=1e-9)


def test_a_float32_result():
    # A float32 point gets float32-sized steps (f rounds to 1e-7 of itself).
    gradient = fastdiff.gradient(_cubic_float32, X.astype(np.float32))
    np.testing.assert_allclose(gradient, 3 * X**2, rtol=0, atol=1e-3 * np.max(3 * X**2))


def test_a_declared_signature_of_any_layout():
    np.testing.assert_allclose(fastdiff.gradient(_cubic_any_layout, X), 3 * X**2, rtol=1e-9)
    np.testing.assert_allclose(
        fastdiff.hessian(_cubic_any_layout, X), np.diag(6 * X), rtol=1e-6, atol=1e-6
    )


def test_integer_result():
    x = np.array([0.1, 0.9, 0.2])  # no stencil point crosses 0.5
    np.testing.assert_array_equal(fastdiff.gradient(_count_above, x), np.zeros(3))
    assert prepare(_count_above, SCALAR).target is not _count_above  # an adapter


def test_vector_results_of_other_dtype_or_layout():
    assert prepare(_squares, VECTOR).target is _squares
    np.testing.assert_allclose(fastdiff.jacobian(_squares, X), np.diag(2 * X), rtol=1e-9)
    np.testing.assert_allclose(
        fastdiff.jacobian(_squares_strided, X), np.diag(2 * X), rtol=1e-9, atol=1e-12
    )
    np.testing.assert_array_equal(fastdiff.jacobian(_squares_int, X), np.zeros((3, 3)))


@numba.njit
def _raises_beyond_one(x):
    if x[0] > 1.0:
        raise ValueError("x[0] must stay below 1")
    return x[0] ** 2 + x[1]


def test_an_exception_in_the_compiled_code_is_a_status_not_a_crash():
    # Central points of x[0] = 1 - 1e-7 cross 1: the kernel sees the raise
    # as a status and the API falls back to the backward one-sided stencil.
    x = np.array([1.0 - 1e-7, 0.5])
    gradient = fastdiff.gradient(_raises_beyond_one, x)
    np.testing.assert_allclose(gradient, [2 * x[0], 1.0], rtol=1e-6)
    with pytest.raises(ValueError, match="must stay below 1"):
        fastdiff.gradient(_raises_beyond_one, np.array([1.5, 0.5]))


def test_a_read_only_point():
    x = X.copy()
    x.flags.writeable = False
    np.testing.assert_allclose(fastdiff.gradient(_cubic, x), 3 * X**2, rtol=1e-9)
    np.testing.assert_allclose(fastdiff.hessian(_cubic, x), np.diag(6 * X), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fastdiff.jacobian(_squares, x), np.diag(2 * X), rtol=1e-9)
    np.testing.assert_allclose(fastdiff.gradient(_cubic, x, method="forward"), 3 * X**2, rtol=1e-6)


def test_the_callers_arrays_are_not_touched():
    # fastdiff copies a read-only point and keeps its own copy of a step
    # array: the caller's arrays keep their flags and values.
    step = np.full(3, 1e-5)
    x = X.copy()
    gradient = fastdiff.gradient(_cubic, x, step=step)
    np.testing.assert_allclose(gradient, 3 * X**2, rtol=1e-8)
    assert step.flags.writeable and x.flags.writeable
    np.testing.assert_array_equal(step, np.full(3, 1e-5))
    np.testing.assert_array_equal(x, X)
