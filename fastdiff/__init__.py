"""fastdiff: numerical differentiation in Numba-compiled kernels.

Gradients, Jacobians and Hessians by finite differences, with the
perturbations evaluated in compiled (and optionally parallel) loops.
Compiled kernels for use inside your own ``@njit`` code live in
:mod:`fastdiff.kernels`.
"""

from fastdiff.api import (
    GradientFunction,
    HessianFunction,
    JacobianFunction,
    grad,
    gradient,
    hess,
    hessian,
    jac,
    jacobian,
    value_and_grad,
)

__version__ = "0.1.0"

__all__ = [
    "GradientFunction",
    "HessianFunction",
    "JacobianFunction",
    "__version__",
    "grad",
    "gradient",
    "hess",
    "hessian",
    "jac",
    "jacobian",
    "value_and_grad",
]
