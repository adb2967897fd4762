"""Compiled finite-difference kernels.

Use the functions of :mod:`fastdiff.kernels.methods` inside your own
``@njit`` code; the ``*_serial`` and ``*_parallel`` drivers are the lower
level that the Python API calls with explicit steps and stencils.
"""

from fastdiff.kernels.gradient import gradient_parallel, gradient_serial
from fastdiff.kernels.hessian import hessian_parallel, hessian_serial
from fastdiff.kernels.jacobian import jacobian_parallel, jacobian_serial
from fastdiff.kernels.methods import (
    backward_gradient,
    backward_hessian,
    backward_jacobian,
    central_gradient,
    central_hessian,
    central_jacobian,
    complex_step_gradient,
    complex_step_jacobian,
    forward_gradient,
    forward_hessian,
    forward_jacobian,
)

__all__ = [
    "backward_gradient",
    "backward_hessian",
    "backward_jacobian",
    "central_gradient",
    "central_hessian",
    "central_jacobian",
    "complex_step_gradient",
    "complex_step_jacobian",
    "forward_gradient",
    "forward_hessian",
    "forward_jacobian",
    "gradient_parallel",
    "gradient_serial",
    "hessian_parallel",
    "hessian_serial",
    "jacobian_parallel",
    "jacobian_serial",
]
