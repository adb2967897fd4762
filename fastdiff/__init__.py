"""fastdiff: numerical differentiation in Numba-compiled kernels.

Gradients, Jacobians and Hessians by finite differences, with the
perturbations evaluated in compiled (and optionally parallel) loops.
Compiled kernels for use inside your own ``@njit`` code live in
:mod:`fastdiff.kernels`.
"""

import os as _os

# OpenMP threads that spin between parallel regions steal the core of any
# other busy process: on a loaded 2-core machine every parallel kernel call
# then cost ~8 ms instead of ~40 us. Sleeping waiters avoid that; a value the
# user set wins, and it only takes effect if OpenMP has not started yet.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba as _numba

from fastdiff.numba_support import check_numba_version as _check_numba_version

_check_numba_version(_numba.__version__)

from fastdiff.kernel_cache import install_kernel_cache_locator as _install_kernel_cache_locator

# Before any kernel is compiled or loaded: fastdiff's caches live in a
# per-user folder, stamped with the sources each kernel depends on.
_install_kernel_cache_locator()

from fastdiff.compile_notice import install_compile_notice as _install_compile_notice
from fastdiff.compile_notice import set_compile_notice

# Also before any kernel compiles: one line on stderr while they do.
_install_compile_notice()

from fastdiff import optimize, pytree, scipy, sparse
from fastdiff.api import (
    GradientFunction,
    HessianFunction,
    JacobianFunction,
    grad,
    gradient,
    gradients,
    hess,
    hessian,
    hessians,
    jac,
    jacobian,
    jacobians,
    value_and_grad,
)
from fastdiff.auto_steps import AutoSteps, choose_steps
from fastdiff.compiled import native_function
from fastdiff.elementwise import derivative
from fastdiff.evaluate import Evaluator, shutdown_workers
from fastdiff.gradient_check import GradientCheck, check_gradient
from fastdiff.noise_level import NoiseEstimate, noise
from fastdiff.optimize import sharpness
from fastdiff.products import HessianVectorProduct, hessp, hvp, jvp
from fastdiff.result import DerivativeResult
from fastdiff.workers import WorkerDiedError

__version__ = "0.1.0"

__all__ = [
    "AutoSteps",
    "GradientCheck",
    "NoiseEstimate",
    "check_gradient",
    "choose_steps",
    "noise",
    "pytree",
    "scipy",
    "set_compile_notice",
    "DerivativeResult",
    "derivative",
    "HessianVectorProduct",
    "hessp",
    "hvp",
    "jvp",
    "Evaluator",
    "shutdown_workers",
    "WorkerDiedError",
    "GradientFunction",
    "HessianFunction",
    "JacobianFunction",
    "__version__",
    "grad",
    "gradient",
    "gradients",
    "hess",
    "hessian",
    "hessians",
    "jac",
    "jacobian",
    "jacobians",
    "native_function",
    "optimize",
    "sharpness",
    "sparse",
    "value_and_grad",
]
