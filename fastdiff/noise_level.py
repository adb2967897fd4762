"""How accurately ``f`` is computed: the noise level at a point.

A function computed through an adaptive ODE solver, an iterative solver with
a tolerance, single precision or a Monte Carlo estimate with a fixed seed is
accurate only to some ``eps_f`` much larger than machine epsilon, and the
best finite-difference step depends on it. :func:`noise` estimates it with
the difference-table method of More and Wild (see
:mod:`fastdiff.kernels.noise`): ``f`` is evaluated at ``m + 1`` equally
spaced points on a line through ``x``; if the table asks for a larger or a
smaller spacing, the spacing is changed by a factor of 100 and the table is
built again, a few times at most.

The line: a unit direction ``u`` drawn once with a fixed seed (so the
estimate is reproducible), scaled per coordinate like the default steps,
``p_i = u_i * max(1, |x_i|)``; point ``j`` is ``x + (j - m/2) * spacing * p``,
so ``x`` itself is the middle point.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from fastdiff.compiled import SCALAR, VECTOR
from fastdiff.errors import non_finite_error
from fastdiff.evaluate import Evaluator
from fastdiff.kernels.noise import (
    CONSTANT,
    NOISE_DETECTED,
    NOT_FINITE,
    SPACING_TOO_LARGE,
    SPACING_TOO_SMALL,
    difference_table_noise,
)
from fastdiff.sampling import Sampler
from fastdiff.steps import FLOAT64_EPS, working_eps
from fastdiff.validation import as_point

#: Points of the difference table (m + 1): enough for three agreeing levels
#: above the first few, which a smooth trend dominates.
TABLE_POINTS = 9
#: The spacing of the first table, relative to ``max(1, |x_i|)``: small
#: enough that the 4th to 8th differences of a smooth function with unit
#: scale are far below 1e-16, large enough to move ``x`` by many units in the
#: last place in single precision too.
FIRST_SPACING = 1e-6
#: Factor by which the spacing changes between attempts.
SPACING_FACTOR = 100.0
ATTEMPTS = 3
DIRECTION_SEED = 20111292

STATUS_MESSAGES = {
    NOISE_DETECTED: "noise detected",
    SPACING_TOO_SMALL: (
        "f takes the same value at most points of the table even at the largest "
        "spacing tried: its noise is below what it resolves (try a larger spacing)"
    ),
    SPACING_TOO_LARGE: (
        "a smooth trend dominates the differences even at the smallest spacing "
        "tried (try a smaller spacing)"
    ),
    CONSTANT: "f is constant along the line: no noise to measure",
    NOT_FINITE: "f is not finite (or raised) at a point of the difference table",
}


class NoiseEstimate(NamedTuple):
    """The noise level of ``f`` at a point.

    Attributes
    ----------
    absolute : float or ndarray
        Estimated standard deviation of ``f``'s noise (per output for a
        vector ``f``). Where no noise was detected, ``eps * |f(x)|`` (machine
        precision) so that it can still set steps; never NaN.
    relative : float or ndarray
        ``absolute / |f(x)|`` (``absolute / eps`` where ``f(x) == 0``, which
        reads as "relative to machine precision" there).
    status : int
        ``NOISE_DETECTED`` (0), ``SPACING_TOO_SMALL`` (1),
        ``SPACING_TOO_LARGE`` (2), ``CONSTANT`` (3) or ``NOT_FINITE`` (4); for a
        vector ``f``, 0 if noise was detected in every output that is not
        constant, else the status of the first output where it was not.
    message : str
    nfev : int
        Evaluations of ``f``.
    spacing : float
        Relative spacing of the last table.
    value : float or ndarray
        ``f(x)``.
    """

    absolute: float | np.ndarray
    relative: float | np.ndarray
    status: int
    message: str
    nfev: int
    spacing: float
    value: float | np.ndarray

    @property
    def detected(self) -> bool:
        """Whether the estimate comes from the table (status ``NOISE_DETECTED``)."""
        return self.status == NOISE_DETECTED


def noise(
    f,
    x: ArrayLike,
    *,
    spacing: float | None = None,
    points: int = TABLE_POINTS,
    attempts: int = ATTEMPTS,
    vector: bool = False,
    evaluator: Evaluator | None = None,
) -> NoiseEstimate:
    """Estimate the noise level of ``f`` at ``x`` (More and Wild's ECnoise).

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` (or a 1-D array with ``vector=True``). A
        Numba-compiled ``f`` is evaluated in a compiled kernel; any other
        callable through ``evaluator``.
    x : array_like, shape (n,)
        Point; finite.
    spacing : float, optional
        Spacing of the first table relative to ``max(1, |x_i|)`` (default
        ``FIRST_SPACING``, 1e-6).
    points : int
        Points per table, at least 7 (default 9).
    attempts : int
        Tables built at most: after a "spacing too small" or "too large"
        status the spacing is multiplied or divided by 100 and the table is
        built again.
    vector : bool
        ``f`` returns a 1-D array; the noise is estimated per output.
    evaluator : Evaluator, optional
        How a Python ``f`` is evaluated (serially by default).

    Returns
    -------
    NoiseEstimate
        ``absolute``, ``relative``, ``status``, ``message``, ``nfev``,
        ``spacing``, ``value``.

    Raises
    ------
    TypeError, ValueError
        ``x`` is not a finite 1-D real array; an option is invalid.

    Notes
    -----
    ``points`` evaluations per table, ``attempts`` tables at most (9 to 27
    evaluations by default); ``x`` itself is the middle point of every table.
    The estimate of independent noise of standard deviation ``sigma`` is
    typically within a factor of 2 of ``sigma``; for noise that is smooth at
    small scales (an adaptive ODE solver keeps its step sequence for tiny
    changes of ``x``) it measures the noise at the spacing of the table.

    References
    ----------
    J. J. More and S. M. Wild, "Estimating computational noise", SIAM J.
    Sci. Comput. 33 (2011) 1292-1314.

    Examples
    --------
    >>> import numpy as np, fastdiff
    >>> def f(x):
    ...     return float(np.sum(x**2) + 1e-8 * np.sin(1e9 * x[0]))
    >>> estimate = fastdiff.noise(f, np.array([1.0, 2.0]))
    >>> estimate.status, 1e-9 < estimate.absolute < 1e-7
    (0, True)
    """
    eps = working_eps(x)
    x = as_point(x)
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise non_finite_error(x, int(bad[0]))
    if not callable(f):
        raise TypeError(f"f must be a callable; got {type(f).__name__}")
    if evaluator is not None and not isinstance(evaluator, Evaluator):
        raise TypeError(f"evaluator must be a fastdiff.Evaluator; got {type(evaluator).__name__}")
    if not isinstance(vector, (bool, np.bool_)):
        raise TypeError(f"vector must be True or False; got {vector!r}")
    first = check_spacing(spacing)
    points = _check_count(points, "points", 7)
    attempts = _check_count(attempts, "attempts", 1)
    sampler = Sampler.for_function(f, VECTOR if vector else SCALAR, evaluator)
    estimate = estimate_noise(sampler, x, first, points, attempts, eps)
    if vector:
        return estimate
    return estimate._replace(
        absolute=float(estimate.absolute[0]),
        relative=float(estimate.relative[0]),
        value=float(estimate.value[0]),
    )


def estimate_noise(
    sampler: Sampler,
    x: np.ndarray,
    spacing: float = FIRST_SPACING,
    points: int = TABLE_POINTS,
    attempts: int = ATTEMPTS,
    eps: float = FLOAT64_EPS,
    center: np.ndarray | None = None,
) -> NoiseEstimate:
    """The engine of :func:`noise` on checked arguments, per output.

    ``absolute``, ``relative`` and ``value`` are arrays of shape (m,) (m = 1
    for a scalar ``f``); ``nfev`` counts only this estimate's evaluations.
    ``center``, ``f(x)`` if known (shape (m,)), saves its evaluation.
    """
    start = sampler.nfev
    direction = table_direction(x)
    half = (points - 1) // 2
    offsets = np.arange(points, dtype=np.float64) - half
    sigma = None
    status = None
    tried = []
    value = None
    for _ in range(attempts):
        tried.append(spacing)
        if center is None:
            values = sampler.line(x, direction * spacing, offsets)
        else:
            others = sampler.line(x, direction * spacing, np.delete(offsets, half))
            values = np.insert(others, half, center, axis=0)
        value = values[half].copy() if value is None else value
        sigma_now, status_now = _table_noise(values)
        if sigma is None:
            sigma, status = sigma_now, status_now
        else:
            # Keep what earlier tables found; fill in outputs still unknown.
            unknown = status != NOISE_DETECTED
            sigma = np.where(unknown, sigma_now, sigma)
            status = np.where(unknown, status_now, status)
        pending = status[(status == SPACING_TOO_SMALL) | (status == SPACING_TOO_LARGE)]
        if pending.size == 0:
            break
        grow = bool((pending == SPACING_TOO_SMALL).all())
        shrink = bool((pending == SPACING_TOO_LARGE).all())
        if not (grow or shrink):
            break  # outputs disagree on the direction to go
        spacing = spacing * SPACING_FACTOR if grow else spacing / SPACING_FACTOR
        if spacing in tried:
            break
    overall = _overall_status(status)
    magnitude = np.abs(np.nan_to_num(value, nan=0.0))
    fallback = eps * magnitude
    absolute = np.where(
        status == NOISE_DETECTED, sigma, np.where(status == CONSTANT, 0.0, fallback)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(magnitude > 0.0, absolute / magnitude, absolute / eps)
    message = _message(status, overall, tried)
    return NoiseEstimate(
        absolute, relative, overall, message, sampler.nfev - start, tried[-1], value
    )


def table_direction(x: np.ndarray) -> np.ndarray:
    """The line of the difference table: ``u_i * max(1, |x_i|)`` for a fixed random unit ``u``."""
    u = np.random.default_rng(DIRECTION_SEED).standard_normal(x.shape[0])
    u /= np.linalg.norm(u)
    return u * np.maximum(1.0, np.abs(x))


def check_spacing(spacing) -> float:
    """``spacing`` as a positive float (default ``FIRST_SPACING``)."""
    if spacing is None:
        return FIRST_SPACING
    if isinstance(spacing, bool) or not isinstance(spacing, (int, float, np.floating)):
        raise TypeError(f"spacing must be a positive float; got {spacing!r}")
    if not (np.isfinite(spacing) and spacing > 0.0):
        raise ValueError(f"spacing must be positive and finite; got {spacing!r}")
    return float(spacing)


def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def _table_noise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = values.shape[1]
    sigma = np.zeros(m)
    status = np.empty(m, dtype=np.int64)
    for r in range(m):
        sigma[r], status[r] = difference_table_noise(np.ascontiguousarray(values[:, r]))
    return sigma, status


def _overall_status(status: np.ndarray) -> int:
    if (status == CONSTANT).all():
        return CONSTANT
    failed = status[(status != NOISE_DETECTED) & (status != CONSTANT)]
    return int(failed[0]) if failed.size else NOISE_DETECTED


def _message(status: np.ndarray, overall: int, tried: list) -> str:
    spacings = ", ".join(f"{s:.0e}" for s in tried)
    text = STATUS_MESSAGES[overall]
    if status.shape[0] > 1 and overall not in (NOISE_DETECTED, CONSTANT):
        failed = np.flatnonzero((status != NOISE_DETECTED) & (status != CONSTANT))
        shown = ", ".join(str(i) for i in failed[:5]) + (", ..." if failed.size > 5 else "")
        text = f"outputs [{shown}]: {text}"
    if overall not in (NOISE_DETECTED, CONSTANT):
        text += f"; machine precision assumed (spacings tried: {spacings})"
    return text


__all__ = [
    "CONSTANT",
    "NOISE_DETECTED",
    "NOT_FINITE",
    "SPACING_TOO_LARGE",
    "SPACING_TOO_SMALL",
    "NoiseEstimate",
    "estimate_noise",
    "noise",
]
