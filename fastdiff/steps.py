"""Step rules: how far each coordinate is perturbed.

Pure functions, compiled so that the kernels and users' ``@njit`` code can call
them, and usable from Python as they are.

The default is relative: ``h_i = eps**p * max(1, |x_i|)`` where ``eps`` is the
machine epsilon of the working precision and ``p`` is the exponent that
balances truncation and rounding error for the formula (1/2 for one-sided
first derivatives, 1/3 for central first derivatives and one-sided second
derivatives, 1/4 for central second derivatives). Every step is then made
exactly representable, ``h = (x + h) - x``, so that the difference quotient
divides by the distance that was really travelled.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from fastdiff.errors import non_finite_error
from fastdiff.validation import steps_for

FLOAT64_EPS = float(np.finfo(np.float64).eps)


@njit(cache=True, error_model="numpy")
def representable_step(x_i, h_i):
    """Round a step so that ``x_i + h_i`` is exact in floating point.

    Parameters
    ----------
    x_i, h_i : float
        Coordinate and proposed step (of either sign).

    Returns
    -------
    float
        ``(x_i + h_i) - x_i``; its sign is that of ``h_i``. It is 0 only
        when the step is below the spacing of floats at ``x_i``.
    """
    return (x_i + h_i) - x_i


@njit(cache=True, error_model="numpy", inline="always")
def default_step(x_i, scale):
    """The relative step rule, ``scale * max(1, |x_i|)``, for one coordinate.

    The one compiled statement of the rule: every kernel's default steps
    (finite differences at ``scale = eps**exponent``, complex step) call it.
    """
    return scale * max(1.0, abs(x_i))


def default_steps(x, scale) -> np.ndarray:
    """The relative step rule, ``scale * max(1, |x_i|)``, for a whole point (from Python).

    ``scale`` is a number or one per coordinate; the steps are not yet made
    representable (see :func:`representable_step`).
    """
    return scale * np.maximum(1.0, np.abs(x))


@njit(cache=True, error_model="numpy")
def relative_steps(x, exponent, eps, out):
    """Default steps ``eps**exponent * max(1, |x_i|)``, made representable.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Point of differentiation.
    exponent : float
        Power of ``eps`` (see the module notes).
    eps : float
        Machine epsilon of the working precision.
    out : ndarray, shape (n,)
        Receives the positive steps.
    """
    scale = eps**exponent
    for i in range(x.shape[0]):
        out[i] = default_coordinate_step(x[i], scale)
    return out


@njit(cache=True, error_model="numpy")
def absolute_steps(x, step, out):
    """User-given steps (one per coordinate), made representable.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Point of differentiation.
    step : ndarray, shape (n,)
        Steps of either sign (the sign picks the side of one-sided
        differences, as in scipy).
    out : ndarray, shape (n,)
        Receives the steps. An entry is 0 where the step is 0 or below the float
        spacing at ``x_i``; the caller treats that as an error or falls back.
    """
    for i in range(x.shape[0]):
        out[i] = representable_step(x[i], step[i])
    return out


@njit(cache=True, error_model="numpy")
def fill_steps(x, step, exponent, eps, h):
    """The steps of one derivative: the default rule, or the user's steps.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Point of differentiation.
    step : ndarray, shape (n,) or (0,)
        Absolute steps, or empty for :func:`relative_steps`.
    exponent, eps : float
        Of the default rule.
    h : ndarray, shape (n,)
        Receives the steps. A user step that vanishes at ``x_i`` (0, or below
        the float spacing there) falls back to the default for that coordinate.
    """
    if step.shape[0] == 0:
        relative_steps(x, exponent, eps, h)
    else:
        scale = eps**exponent
        for i in range(x.shape[0]):
            h[i] = coordinate_step(x[i], step[i], scale)
    return h


@njit(cache=True, error_model="numpy", inline="always")
def coordinate_step(x_i, given, scale):
    """The step of one coordinate: ``given``, or the default rule where it vanishes.

    The per-coordinate rule of :func:`fill_steps`, for kernels that fill the
    steps of many points one entry at a time (:mod:`fastdiff.kernels.batched`).

    Parameters
    ----------
    x_i : float
        Coordinate.
    given : float
        Absolute step of either sign; 0 for the default rule.
    scale : float
        ``eps**exponent`` of the default rule.

    Returns
    -------
    float
        ``given`` made representable (:func:`representable_step`); where that
        is 0 (``given`` is 0 or below the float spacing at ``x_i``), the
        default step ``scale * max(1, |x_i|)``, made representable.
    """
    h = representable_step(x_i, given)
    if h == 0.0:
        h = default_coordinate_step(x_i, scale)
    return h


@njit(cache=True, error_model="numpy", inline="always")
def default_coordinate_step(x_i, scale):
    """The default step of one coordinate, ``scale * max(1, |x_i|)`` made representable.

    What :func:`relative_steps` computes for each coordinate, and
    :func:`coordinate_step` where no step is given.
    """
    return representable_step(x_i, default_step(x_i, scale))


FLOAT32_EPS = float(np.finfo(np.float32).eps)
_FLOAT64 = np.dtype(np.float64)


def working_eps(x) -> float:
    """Machine epsilon of the precision ``x`` is given in.

    float32 (and float16) points get float32's epsilon, so that default steps
    stay above the resolution of a function computing in single precision
    (with float64 steps, 1.5e-8 is below float32's spacing at 1 and the
    difference vanishes); everything else gets float64's.
    """
    dtype = getattr(x, "dtype", None)
    if dtype is None or dtype is _FLOAT64:
        return FLOAT64_EPS
    if dtype.kind == "f" and dtype.itemsize < 8:
        return FLOAT32_EPS
    return FLOAT64_EPS


def steps_at(
    x: np.ndarray, options, exponent: float, eps: float, given: np.ndarray | None = None
) -> np.ndarray:
    """The steps of one derivative at ``x`` under ``options``, from Python.

    ``options`` (a :class:`~fastdiff.options.DerivativeOptions`) holds the
    user's ``step`` (absolute) or ``rel_step`` (times ``|x_i|``), or
    neither (the default rule at ``eps**exponent``); see :func:`fill_steps`.
    ``given``, absolute steps of shape (n,), replaces them (the steps
    ``step="auto"`` chose). Raises ``ValueError`` for a non-finite ``x``.
    """
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise non_finite_error(x, int(bad[0]))
    if given is None:
        given = user_steps(x, options)
    return fill_steps(x, given, exponent, eps, np.empty(x.shape[0]))


def user_steps(x: np.ndarray, options) -> np.ndarray:
    """Absolute steps from ``step`` / ``rel_step`` of ``options``, or empty for the default.

    ``rel_step`` has scipy's meaning, ``h_i = rel_step_i * |x_i|`` (signed
    like ``step``); where that is 0 (``x_i = 0`` or ``rel_step_i = 0``) the
    default rule takes over (:func:`fill_steps`).
    """
    n = x.shape[0]
    if options.rel_step is not None:
        return steps_for(options.rel_step, n, "rel_step") * np.abs(x)
    return steps_for(options.step, n, options.step_name)
