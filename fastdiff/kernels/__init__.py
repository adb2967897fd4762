"""Compiled finite-difference kernels.

Use the functions of :mod:`fastdiff.kernels.methods` inside your own
``@njit`` code: ``central_gradient(f, x)`` and the like return new arrays,
``central_gradient_into(f, x, out, work)`` and the like allocate nothing
(``work`` of length ``gradient_work_size(n)`` or ``jacobian_work_size(n, m)``).
Extra arguments of ``f`` go in a tuple after the required arguments:
``central_jacobian(F, y, (t, h, y_prev, params))`` differentiates
``F(y, t, h, y_prev, params)`` in ``y``.
Every kernel also takes, in place of ``f``, the integer address of ``f``'s
compiled code (:func:`fastdiff.native_function`): then neither the kernels
nor your function are specialised for ``f``, and both can be cached on disk.
The ``*_serial`` and ``*_parallel`` drivers are the lower level that the
Python API calls with explicit steps and stencils.
"""

from fastdiff.kernels.gradient import gradient_parallel, gradient_serial
from fastdiff.kernels.hessian import hessian_parallel, hessian_serial
from fastdiff.kernels.jacobian import jacobian_parallel, jacobian_serial
from fastdiff.kernels.methods import (
    backward_gradient,
    backward_gradient_into,
    backward_hessian,
    backward_jacobian,
    backward_jacobian_into,
    central_gradient,
    central_gradient_into,
    central_hessian,
    central_jacobian,
    central_jacobian_into,
    complex_step_gradient,
    complex_step_jacobian,
    forward_gradient,
    forward_gradient_into,
    forward_hessian,
    forward_jacobian,
    forward_jacobian_into,
    gradient_work_size,
    jacobian_work_size,
)

__all__ = [
    "backward_gradient",
    "backward_gradient_into",
    "backward_hessian",
    "backward_jacobian",
    "backward_jacobian_into",
    "central_gradient",
    "central_gradient_into",
    "central_hessian",
    "central_jacobian",
    "central_jacobian_into",
    "complex_step_gradient",
    "complex_step_jacobian",
    "forward_gradient",
    "forward_gradient_into",
    "forward_hessian",
    "forward_jacobian",
    "forward_jacobian_into",
    "gradient_parallel",
    "gradient_serial",
    "gradient_work_size",
    "hessian_parallel",
    "hessian_serial",
    "jacobian_parallel",
    "jacobian_serial",
    "jacobian_work_size",
]
