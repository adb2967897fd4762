"""A prepared f, and what it closes over, dies when the user drops it."""

import gc
import weakref

import numba
import numpy as np
import pytest

import fastdiff

pytestmark = pytest.mark.reliability

X = np.array([0.5, -1.0, 2.0])


def _collected(reference: weakref.ref) -> bool:
    gc.collect()
    return reference() is None


def test_throwaway_jitted_lambdas_are_released():
    references = []
    for k in range(2):
        f = numba.njit(lambda x, k=k: np.sum(x**2) + k)
        assert np.allclose(fastdiff.gradient(f, X), 2 * X, atol=1e-7)
        references.append(weakref.ref(f))
        del f
    gc.collect()
    assert [r() for r in references] == [None, None]


def _closure_over(data: np.ndarray):
    @numba.njit
    def f(x):
        return np.sum(x**2) * data[0]

    return f


def test_a_closure_and_its_array_are_released_after_each_derivative_kind():
    data = np.ones(1000)
    data_reference = weakref.ref(data)
    f = _closure_over(data)
    f_reference = weakref.ref(f)
    del data
    assert np.allclose(fastdiff.gradient(f, X), 2 * X, atol=1e-7)
    assert np.allclose(fastdiff.hessian(f, X), 2 * np.eye(3), atol=1e-5)
    assert np.allclose(fastdiff.gradient(f, X, method="complex"), 2 * X, rtol=1e-14)
    del f
    assert _collected(f_reference) and _collected(data_reference)


def test_prepared_derivative_objects_release_f_when_dropped():
    f = numba.njit(lambda x: np.array([x[0] * x[1], x[2]]))
    reference = weakref.ref(f)
    jacobian = fastdiff.jac(f)
    expected = np.array([[X[1], X[0], 0.0], [0.0, 0.0, 1.0]])
    assert np.allclose(jacobian(X), expected, atol=1e-7)
    del f
    assert not _collected(reference)  # jac(f) still needs it
    del jacobian
    assert _collected(reference)


def test_functions_prepared_with_an_adapter_stay_alive_only_among_the_most_recent():
    # A float32 result is prepared with an adapter (a jitted function calling f).
    references = []
    for k in range(fastdiff.compiled.RECENT_ADAPTERS + 1):
        f = numba.njit(lambda x, k=k: np.float32(np.sum(x**2) + k))
        assert np.allclose(fastdiff.gradient(f, X, step=1e-2), 2 * X, rtol=1e-3)
        references.append(weakref.ref(f))
        del f
    gc.collect()
    assert references[0]() is None
