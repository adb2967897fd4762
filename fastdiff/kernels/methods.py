"""One function per method and object, for use inside your own ``@njit`` code.

These run serially (so they are safe inside your ``prange`` loops), take the
jitted function itself, choose the default steps of :mod:`fastdiff.steps`
(or an absolute ``step`` you pass) and raise ``ValueError`` when ``f``
returns a non-finite value at a stencil point.

Examples
--------
>>> import numpy as np
>>> from numba import njit
>>> from fastdiff.kernels import central_gradient
>>> @njit
... def f(x):
...     return x[0] ** 2 + 3.0 * x[1]
>>> @njit
... def descend(x):
...     for _ in range(100):
...         x = x - 0.1 * central_gradient(f, x)
...     return x
>>> np.round(descend(np.array([1.0, 0.0])), 6)[0]
0.0
"""

import numpy as np
from numba import njit

from fastdiff.kernels.gradient import gradient_serial
from fastdiff.kernels.hessian import hessian_serial
from fastdiff.kernels.jacobian import jacobian_serial
from fastdiff.status import OK
from fastdiff.stencils import FIRST_DERIVATIVE, HESSIAN, hessian_arrays
from fastdiff.steps import FLOAT64_EPS, relative_steps, representable_step

# Compile-time constants: Numba freezes global arrays and tuples into the code.
_FORWARD = FIRST_DERIVATIVE["forward"]
_BACKWARD = FIRST_DERIVATIVE["backward"]
_CENTRAL = FIRST_DERIVATIVE["central"]
# One stencil row, shared by all coordinates (shape (1, k)).
_FORWARD_OFFSETS, _FORWARD_WEIGHTS = (
    np.array([_FORWARD.offsets]),
    np.array([_FORWARD.weights]),
)
_BACKWARD_OFFSETS, _BACKWARD_WEIGHTS = (
    np.array([_BACKWARD.offsets]),
    np.array([_BACKWARD.weights]),
)
_CENTRAL_OFFSETS, _CENTRAL_WEIGHTS = (
    np.array([_CENTRAL.offsets]),
    np.array([_CENTRAL.weights]),
)
_FORWARD_HESSIAN = tuple(np.array(a) for a in hessian_arrays("forward"))
_BACKWARD_HESSIAN = tuple(np.array(a) for a in hessian_arrays("backward"))
_CENTRAL_HESSIAN = tuple(np.array(a) for a in hessian_arrays("central"))
_FORWARD_HESSIAN_EXPONENT = HESSIAN["forward"].step_exponent
_BACKWARD_HESSIAN_EXPONENT = HESSIAN["backward"].step_exponent
_CENTRAL_HESSIAN_EXPONENT = HESSIAN["central"].step_exponent


@njit(cache=True, error_model="numpy", inline="always")
def _steps(x, step, exponent):
    h = np.empty(x.shape[0])
    if step is None:
        relative_steps(x, exponent, FLOAT64_EPS, h)
    else:
        for i in range(x.shape[0]):
            h[i] = representable_step(x[i], step)
    return h


@njit(cache=True, error_model="numpy", inline="always")
def _check(status):
    for s in status.ravel():
        if s != OK:
            raise ValueError("fastdiff: f raised or returned a non-finite value at a stencil point")


@njit(cache=True, error_model="numpy")
def _gradient(f, x, step, offsets, weights, exponent, needs_center):
    n = x.shape[0]
    h = _steps(x, step, exponent)
    f0 = np.float64(f(x)) if needs_center else np.nan
    out = np.empty(n)
    status = np.empty(n, dtype=np.int8)
    gradient_serial(f, x, h, offsets, weights, f0, out, status)
    _check(status)
    return out


@njit(cache=True, error_model="numpy")
def _jacobian(f, x, step, offsets, weights, exponent):
    n = x.shape[0]
    x = np.ascontiguousarray(x)
    h = _steps(x, step, exponent)
    f0 = np.asarray(f(x), dtype=np.float64)
    out = np.empty((f0.shape[0], n))
    status = np.empty(n, dtype=np.int8)
    jacobian_serial(f, x, h, offsets, weights, f0, out, status)
    _check(status)
    return out


@njit(cache=True, error_model="numpy")
def _hessian(f, x, step, stencil, exponent):
    n = x.shape[0]
    x = np.ascontiguousarray(x)
    h = _steps(x, step, exponent)
    out = np.empty((n, n))
    status = np.empty((n, n), dtype=np.int8)
    hessian_serial(f, x, h, stencil, np.float64(f(x)), out, status)
    _check(status)
    return out


@njit(cache=True, error_model="numpy")
def forward_gradient(f, x, step=None):
    """Forward-difference gradient of scalar ``f`` at ``x`` (n + 1 evaluations).

    Parameters
    ----------
    f : jitted function
        ``f(x) -> float`` for a 1-D float64 array ``x``.
    x : ndarray, shape (n,)
        Point of differentiation.
    step : float, optional
        Absolute step; default ``sqrt(eps) * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (n,)
    """
    return _gradient(f, x, step, _FORWARD_OFFSETS, _FORWARD_WEIGHTS, _FORWARD.step_exponent, True)


@njit(cache=True, error_model="numpy")
def backward_gradient(f, x, step=None):
    """Backward-difference gradient (n + 1 evaluations); see :func:`forward_gradient`."""
    return _gradient(
        f, x, step, _BACKWARD_OFFSETS, _BACKWARD_WEIGHTS, _BACKWARD.step_exponent, True
    )


@njit(cache=True, error_model="numpy")
def central_gradient(f, x, step=None):
    """Central-difference gradient (2n evaluations); default step ``eps**(1/3) * max(1, |x_i|)``.

    See :func:`forward_gradient` for the parameters.
    """
    return _gradient(f, x, step, _CENTRAL_OFFSETS, _CENTRAL_WEIGHTS, _CENTRAL.step_exponent, False)


@njit(cache=True, error_model="numpy")
def forward_jacobian(f, x, step=None):
    """Forward-difference Jacobian of ``f: R^n -> R^m`` (n + 1 evaluations).

    Parameters
    ----------
    f : jitted function
        ``f(x) -> ndarray (m,)`` for a 1-D float64 array ``x``.
    x : ndarray, shape (n,)
        Point of differentiation.
    step : float, optional
        Absolute step; default ``sqrt(eps) * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (m, n)
    """
    return _jacobian(f, x, step, _FORWARD_OFFSETS, _FORWARD_WEIGHTS, _FORWARD.step_exponent)


@njit(cache=True, error_model="numpy")
def backward_jacobian(f, x, step=None):
    """Backward-difference Jacobian (n + 1 evaluations); see :func:`forward_jacobian`."""
    return _jacobian(f, x, step, _BACKWARD_OFFSETS, _BACKWARD_WEIGHTS, _BACKWARD.step_exponent)


@njit(cache=True, error_model="numpy")
def central_jacobian(f, x, step=None):
    """Central-difference Jacobian (2n + 1 evaluations: ``f(x)`` gives m).

    See :func:`forward_jacobian` for the parameters.
    """
    return _jacobian(f, x, step, _CENTRAL_OFFSETS, _CENTRAL_WEIGHTS, _CENTRAL.step_exponent)


@njit(cache=True, error_model="numpy")
def forward_hessian(f, x, step=None):
    """Forward-difference Hessian of scalar ``f`` (1 + n (n + 3) / 2 evaluations).

    Parameters
    ----------
    f : jitted function
        ``f(x) -> float`` for a 1-D float64 array ``x``.
    x : ndarray, shape (n,)
        Point of differentiation.
    step : float, optional
        Absolute step; default ``eps**(1/3) * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric.
    """
    return _hessian(f, x, step, _FORWARD_HESSIAN, _FORWARD_HESSIAN_EXPONENT)


@njit(cache=True, error_model="numpy")
def backward_hessian(f, x, step=None):
    """Backward-difference Hessian; see :func:`forward_hessian`."""
    return _hessian(f, x, step, _BACKWARD_HESSIAN, _BACKWARD_HESSIAN_EXPONENT)


@njit(cache=True, error_model="numpy")
def central_hessian(f, x, step=None):
    """Central-difference Hessian (n**2 + n + 1 evaluations).

    Default step ``eps**(1/4) * max(1, |x_i|)``; see :func:`forward_hessian`.
    """
    return _hessian(f, x, step, _CENTRAL_HESSIAN, _CENTRAL_HESSIAN_EXPONENT)


# --- Complex step: f must also accept a complex128 array (see kernels.complex_step).
from fastdiff.kernels.complex_step import (  # noqa: E402 - kept next to its only users
    complex_gradient_serial,
    complex_jacobian_serial,
    complex_steps,
)


@njit(cache=True, error_model="numpy", inline="always")
def _complex_step_sizes(x, step):
    h = np.empty(x.shape[0])
    if step is None:
        return complex_steps(x, np.empty(0), h)
    for j in range(x.shape[0]):
        h[j] = step
    return h


@njit(cache=True, error_model="numpy")
def complex_step_gradient(f, x, step=None):
    """Gradient of scalar ``f`` by complex step, ``Im f(x + i h e_j) / h`` (n evaluations).

    Exact to rounding for ``f`` analytic in each coordinate; ``f`` is
    compiled for a complex128 array too (no ``abs``, comparisons or writes
    into float arrays on the path from ``x`` to the result, and no complex
    ``z ** k`` other than ``k = 2``: Numba computes it as ``exp(k log z)``,
    which ruins the result; write ``z * z * z``).

    Parameters
    ----------
    f : jitted function
        ``f(z) -> number`` for a 1-D complex128 array ``z``.
    x : ndarray, shape (n,)
        Real point of differentiation.
    step : float, optional
        Imaginary step; default ``1e-20 * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (n,)
    """
    n = x.shape[0]
    h = _complex_step_sizes(x, step)
    out = np.empty(n)
    status = np.empty(n, dtype=np.int8)
    complex_gradient_serial(f, x, h, out, status)
    _check(status)
    return out


@njit(cache=True, error_model="numpy")
def complex_step_jacobian(f, x, step=None):
    """Jacobian of ``f: R^n -> R^m`` by complex step (n + 1 evaluations: ``f(x)`` gives m).

    See :func:`complex_step_gradient`; ``f(z)`` returns a 1-D complex array.

    Returns
    -------
    ndarray, shape (m, n)
    """
    n = x.shape[0]
    h = _complex_step_sizes(x, step)
    m = f(x.astype(np.complex128)).shape[0]
    out = np.empty((m, n))
    status = np.empty(n, dtype=np.int8)
    complex_jacobian_serial(f, x, h, out, status)
    _check(status)
    return out
