"""Derivatives of functions that act elementwise, at many points at once.

``derivative(f, x)`` is for ``f`` that maps an array of points to an array
of values, one per point (``np.sin``, a ``numba.vectorize`` ufunc, any
``f(x)`` computed elementwise), and for ``f`` of one scalar that returns an
array (the derivative of each output). Every call of ``f`` evaluates all
points together: the cost is a few calls, whatever the number of points,
as in ``scipy.differentiate.derivative`` and numdifftools' ``Derivative``.

The estimate is Richardson-extrapolated from central differences at
steps ``h, h/2, h/4, ...`` (:mod:`fastdiff.high_accuracy.richardson`); each
point keeps the window of three consecutive levels with the smallest error
estimate, so a point where ``f`` is NaN at the larger steps (a domain
boundary within ``h``) still gets its derivative from the smaller ones.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fastdiff.high_accuracy import richardson
from fastdiff.result import DerivativeResult
from fastdiff.status import NOT_FINITE, OK
from fastdiff.steps import default_steps

#: Steps every estimate gets (one window of three: ``O(h**6)``), and the
#: most any gets: smaller steps are added, for all points at once, while
#: some point's error estimate exceeds ``RTOL`` times its estimate and still
#: improves (or it has no finite window yet, ``f`` being undefined at the
#: larger steps), down to ``2**(1 - MAX_LEVELS)`` of the first step.
FIRST_LEVELS = 3
MAX_LEVELS = 30

#: Relative error estimate below which a point needs no smaller step.
RTOL = 1e-12

_EPS = float(np.finfo(np.float64).eps)

_FIRST_STEP_SCALE = {1: richardson.GRADIENT_SCALE, 2: richardson.HESSIAN_SCALE}

#: ``sum |w|`` of the central stencils, for the rounding part of the error.
_STENCIL_WEIGHT = {1: 1.0, 2: 4.0}


def derivative(
    f,
    x: ArrayLike,
    *,
    order: int = 1,
    step: float | ArrayLike | None = None,
    full_output: bool = False,
):
    """First or second derivative of an elementwise (or scalar-argument) function.

    Parameters
    ----------
    f : callable
        ``f(x)`` for an array ``x`` of points, returning one value per point
        (same shape as ``x``); or, for a scalar ``x``, any array of values.
        Called with float64 arrays of ``x``'s shape. Compiled (``@njit``,
        ``@vectorize``) or Python.
    x : array_like
        Points: a scalar or an array of any shape; finite.
    order : {1, 2}
        Which derivative.
    step : float or array_like, optional
        First (largest) step, per point if an array of ``x``'s shape; the
        sign is ignored. Default ``2 eps**(1/7) * max(1, |x|)`` (order 1) or
        ``4 eps**(1/8) * max(1, |x|)`` (order 2), where the extrapolation's
        truncation and rounding errors balance for a unit-scale ``f``.
    full_output : bool
        Return a :class:`~fastdiff.DerivativeResult` with the error
        estimate per entry (``error``), ``f(x)`` (``value``), the first
        steps and ``nfev`` (calls of ``f``).

    Returns
    -------
    ndarray
        The shape of ``f(x)``; NaN where no window of steps gave finite
        values (``full_output`` shows these in ``status``).

    Raises
    ------
    ValueError
        ``order`` not 1 or 2; ``x`` or ``step`` not finite; ``f(x)`` not of a
        shape that matches ``x`` (for array ``x``); ``f(x)`` not finite
        and ``full_output`` not set.
    TypeError
        ``f`` not callable; ``x`` not real.

    Notes
    -----
    ``1 + 2 L`` calls of ``f``, each with all points, for ``L`` levels
    (``FIRST_LEVELS`` = 3 to ``MAX_LEVELS`` = 30): central differences at
    ``h / 2**k``, Richardson extrapolation over windows of three levels, the
    best window per entry (``nfev`` of the full result).

    Examples
    --------
    >>> import numpy as np, fastdiff
    >>> x = np.linspace(0.0, 1.0, 5)
    >>> bool(np.allclose(fastdiff.derivative(np.sin, x), np.cos(x), rtol=1e-12))
    True
    >>> fastdiff.derivative(lambda t: np.array([t, t**2]), 3.0, order=2).round(8)
    array([0., 2.])
    """
    if not callable(f):
        raise TypeError(f"f must be a callable; got {type(f).__name__}")
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"order must be 1 or 2; got {order!r}")
    points = _as_points(x)
    first = _first_steps(points, order, step)
    value = _call(f, points)
    _check_shape(value, points)

    def estimate_at(level: int) -> np.ndarray:
        h = first / richardson.RATIO**level
        upper, lower = _call(f, points + h), _call(f, points - h)
        if order == 1:
            return (upper - lower) / (2.0 * h)
        return (upper - 2.0 * value + lower) / (h * h)

    def rounding_at(level: int) -> np.ndarray:
        h = np.abs(first) / richardson.RATIO**level
        return _EPS * _STENCIL_WEIGHT[order] * np.abs(finite_value) / h**order

    finite_value = np.where(np.isfinite(value), value, 0.0)
    levels = [estimate_at(k) for k in range(FIRST_LEVELS)]
    rounding = [rounding_at(k) for k in range(FIRST_LEVELS)]
    while True:
        stacked = np.array(levels)
        shape = stacked.shape
        result, start = richardson.best_window(
            stacked, rounding=np.broadcast_to(np.array(rounding), shape)
        )
        if len(levels) == MAX_LEVELS:
            break
        newest = len(levels) - 3
        tolerance = RTOL * np.abs(result.estimate)
        improving = (result.error > tolerance) & (newest - start < richardson.PATIENCE)
        # No complete window yet (f undefined at the larger steps): go on.
        if not np.any((start < 0) | improving):
            break
        levels.append(estimate_at(len(levels)))
        rounding.append(rounding_at(len(rounding)))
    evaluations = 1 + 2 * len(levels)
    status = np.where(np.isfinite(result.estimate), OK, NOT_FINITE).astype(np.int8)
    estimate = result.estimate
    if not full_output:
        if not np.all(np.isfinite(value)):
            raise ValueError("f(x) must be finite at every point")
        if status.any():
            failed = np.argwhere(status != OK)[0]
            raise ValueError(
                f"f returned non-finite values at every step around entry {tuple(failed)}; "
                "give a smaller step or use full_output=True to get NaN there"
            )
        return estimate
    return DerivativeResult(estimate, value, result.error, first, evaluations, status, "richardson")


def _as_points(x) -> np.ndarray:
    try:
        points = np.asarray(x)
    except Exception as error:
        raise TypeError(
            f"x must be an array of real numbers; could not convert it: {error}"
        ) from None
    if points.dtype.kind not in "biuf":
        raise TypeError(f"x must be real; got dtype {points.dtype}")
    points = points.astype(np.float64)
    if not np.all(np.isfinite(points)):
        raise ValueError("x must be finite")
    return points


def _first_steps(points: np.ndarray, order: int, step) -> np.ndarray:
    default = default_steps(points, _FIRST_STEP_SCALE[order])
    if step is None:
        h = default
    else:
        given = np.abs(np.asarray(step, dtype=np.float64))
        if not np.all(np.isfinite(given)):
            raise ValueError("step must be finite")
        try:
            h = np.broadcast_to(given, points.shape).copy()
        except ValueError:
            raise ValueError(
                f"step must be a number or have x's shape {points.shape}; got {given.shape}"
            ) from None
        h = np.where(h == 0.0, default, h)
    # The distance really travelled: x + h is rounded (as
    # :func:`fastdiff.steps.representable_step`, for arrays of any shape).
    return (points + h) - points


def _call(f, points: np.ndarray) -> np.ndarray:
    # A scalar x is passed as a float: f(t) for a number t, as users write it.
    argument = float(points) if points.ndim == 0 else points.copy()
    return np.asarray(f(argument), dtype=np.float64)


def _check_shape(value: np.ndarray, points: np.ndarray) -> None:
    if points.ndim == 0:
        return
    try:
        np.broadcast_shapes(value.shape, points.shape)
    except ValueError:
        raise ValueError(
            f"f must act elementwise: f(x) has shape {value.shape} for x of shape "
            f"{points.shape} (for the derivatives of many outputs, give a scalar x)"
        ) from None
