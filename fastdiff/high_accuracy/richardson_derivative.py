"""``method="richardson"``: central passes at shrinking steps, extrapolated.

The central stencil runs at the geometric steps ``h, h/2, h/4, ...``
(through the same fast path as ``method="central"``) and the estimates are
extrapolated with :mod:`fastdiff.high_accuracy.richardson`, which also gives
an error estimate per entry: three steps for every entry, then smaller ones
only while some entry's estimate says the steps were too large for it
(:func:`fastdiff.high_accuracy.richardson.extrapolate_adaptively`).
"""

from __future__ import annotations

import numpy as np

from fastdiff.high_accuracy import richardson
from fastdiff.result import DerivativeResult
from fastdiff.status import NOT_FINITE, OK


def richardson_derivative(
    make_function,
    x: np.ndarray,
    value,
    object_kind: str,
    evaluations_per_level: int,
    refine=None,
    first_steps=None,
) -> DerivativeResult:
    """Extrapolate a gradient, Jacobian or Hessian from central passes at shrinking steps.

    Parameters
    ----------
    make_function : callable
        ``make_function(step_array)`` returns the central derivative function
        (a prepared ``GradientFunction`` / ``JacobianFunction`` /
        ``HessianFunction``) with those absolute steps.
    x : ndarray, shape (n,)
    value : float or ndarray or None
        ``f(x)``, for the rounding part of the error estimate; None when no
        estimate is wanted (one evaluation saved). It changes the error
        estimate only, never the derivative.
    object_kind : {"gradient", "jacobian", "hessian"}
    evaluations_per_level : int
        Evaluations of one central pass.
    refine : callable, optional
        ``refine(steps, needed, shape) -> (estimate, evaluations)`` or None:
        central differences, of the derivative's ``shape``, of the needed
        entries only (the others are ignored). ``needed`` lists coordinates
        (Jacobian columns) for first derivatives and is a boolean (n, n)
        mask for a Hessian. Given, the levels after the first three compute
        just what still needs a smaller step; None from it, or no
        ``refine``, means a full pass.
    first_steps : ndarray, shape (n,), optional
        The user's absolute steps: the first (largest) level, halved from
        there. Default: the schedule of the Notes.

    Returns
    -------
    DerivativeResult
        With ``error`` per entry; ``step`` holds the first (largest) steps
        ``h``, and an entry's estimate comes from three consecutive steps
        among ``h / 2**k``.

    Notes
    -----
    Steps start at :data:`fastdiff.high_accuracy.richardson.GRADIENT_SCALE` (first
    derivatives) or ``HESSIAN_SCALE`` times ``max(1, |x_i|)`` and halve from
    level to level. Every entry gets three levels; while the error estimate of
    some entry stays above :data:`fastdiff.high_accuracy.richardson.REFINEMENT_RTOL`
    relative to the largest entry, another level is added (up to
    :data:`fastdiff.high_accuracy.richardson.MAX_LEVELS`), and only the entries above it use
    that level. The first three levels are full central passes,
    ``evaluations_per_level`` each (2n for a gradient, ``n**2 + n + 1`` for a
    Hessian). With ``refine``, a later level costs 2 evaluations per
    coordinate it refines (gradients, Jacobians) or ``1 + 2 n + 2 E`` for
    ``E`` refined pairs ``i < j`` (Hessians). Add one for ``f(x)`` when
    ``value`` is given.
    """
    second = object_kind == "hessian"
    scale = richardson.HESSIAN_SCALE if second else richardson.GRADIENT_SCALE
    if first_steps is None:
        steps = richardson.geometric_steps(
            x, levels=richardson.MAX_LEVELS, ratio=richardson.RATIO, scale=scale
        )
    else:
        # A step the user chose is a statement about the scale of f: it is
        # the largest step, never replaced by the unit-scale default.
        shrink = richardson.RATIO ** np.arange(richardson.MAX_LEVELS)
        steps = np.abs(first_steps)[np.newaxis, :] / shrink[:, np.newaxis]
    rounding = None
    if value is not None:
        size = float(np.max(np.abs(value)))
        rounding = richardson.rounding_errors(size, steps, derivative=2 if second else 1)
        if object_kind == "jacobian":
            rounding = rounding[:, np.newaxis, :]  # (levels, 1, n) against (levels, m, n)
    spent = []

    def estimate_at(level, needed):
        refined = None
        if needed is not None and refine is not None:
            if object_kind == "hessian":
                refined = refine(steps[level], needed, needed.shape)
            else:
                # A Jacobian entry (i, j) needs column j: coordinates, not entries.
                coordinates = needed if needed.ndim == 1 else needed.any(axis=0)
                refined = refine(steps[level], np.flatnonzero(coordinates), needed.shape)
        if refined is None:
            spent.append(evaluations_per_level)
            return make_function(steps[level])(x)
        estimate, evaluations = refined
        spent.append(evaluations)
        return estimate

    result, _needed = richardson.extrapolate_adaptively(
        estimate_at,
        richardson.MAX_LEVELS,
        ratio=richardson.RATIO,
        rounding=rounding,
        steps=steps,
    )
    finite = np.isfinite(result.estimate)
    if object_kind == "jacobian":
        finite = finite.all(axis=0)  # one status per column
    status = np.where(finite, OK, NOT_FINITE).astype(np.int8)
    return DerivativeResult(
        result.estimate,
        value,
        result.error,
        steps[0],
        sum(spent) + int(value is not None),
        status,
        "richardson",
    )
