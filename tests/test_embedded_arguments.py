"""Extra arguments reach ``f`` through the kernels embedded in users' own ``@njit`` code.

Apart from ``tests/test_extra_arguments.py`` because these compile the
kernels for jitted functions (no disk cache can share that): the full test
run hands this file to its second process.
"""

import numpy as np
from numba import njit, prange

from fastdiff import kernels
from tests.functions import (
    implicit_euler_residual,
    implicit_euler_residual_jacobian,
    quadratic_form,
    relative_error,
)

N = 5  # the dimension of the quadratic fixture (tests/conftest.py)


STEP = 1e-3


@njit
def _descend_and_step(x, a, b, y, t, h, y_previous, rates):
    # Each embeddable form (allocating and into gradient and Jacobian, and
    # Hessian) with a tuple of extra arguments, and a step after it, in one
    # compile; central_gradient_into as _gradients_in_prange calls it.
    n = x.shape[0]
    g = np.empty(n)
    work = np.empty(kernels.gradient_work_size(n))
    jac = np.empty((2, 2))
    jac_work = np.empty(kernels.jacobian_work_size(2, 2))
    euler = (t, h, y_previous, rates)
    return (
        kernels.central_gradient(quadratic_form, x, (a, b)),
        kernels.central_gradient_into(quadratic_form, x, g, work, (a, b)).copy(),
        kernels.forward_gradient(quadratic_form, x, (a, b), STEP),
        kernels.central_hessian(quadratic_form, x, (a, b)),
        kernels.central_jacobian(implicit_euler_residual, y, euler),
        kernels.central_jacobian_into(implicit_euler_residual, y, jac, jac_work, euler).copy(),
    )


def test_embedded_kernels_take_a_tuple_of_args(quadratic):
    x, a, b = quadratic
    y, t, h, rates = np.array([0.8, 0.3]), 0.5, 0.1, np.array([0.04, 3.0])
    y_previous = np.array([1.0, 0.0])
    results = _descend_and_step(x, a, b, y, t, h, y_previous, rates)
    for g in results[:2]:
        assert relative_error(g, a @ x + b) < 1e-6
    # The step after args: a forward difference of the quadratic with step h
    # is exactly its gradient plus h/2 diag(a).
    assert relative_error(results[2], a @ x + b + 0.5 * STEP * np.diag(a)) < 1e-9
    assert relative_error(results[3], a) < 1e-6
    expected = implicit_euler_residual_jacobian(y, t, h, rates)
    for jac in results[4:]:
        assert relative_error(jac, expected) < 1e-7


@njit(parallel=True)
def _gradients_in_prange(points, a, b):
    out = np.empty_like(points)
    n = points.shape[1]
    for k in prange(points.shape[0]):
        work = np.empty(kernels.gradient_work_size(n))
        kernels.central_gradient_into(quadratic_form, points[k].copy(), out[k], work, (a, b))
    return out


def test_embedded_kernels_with_args_inside_prange(quadratic, rng):
    _, a, b = quadratic
    points = rng.standard_normal((8, N))
    out = _gradients_in_prange(points, a, b)
    assert relative_error(out, points @ a + b) < 1e-6
