"""One iteration protocol for every method: ``advance`` until an evaluation is needed.

:func:`advance` moves a run forward until it needs ``f``, its gradient or
its Hessian at the trial point, and returns what it needs (a request code);
the loop that called it evaluates, writes the results into the state and
calls it again. The compiled loop (:mod:`.loops`) evaluates with the
finite-difference kernels, the Python loop with the public API: the methods
themselves are written once, here and in :mod:`.directions`.

A run goes START -> STARTED (x0 evaluated) -> PLAN -> [HESSIAN_READY] ->
LINE_SEARCH (backtracking, methods with a line search) -> ACCEPT -> PLAN ...
until a stopping rule sets ``count[STATUS]`` and the phase FINISHED. A plain
(``safeguard=False``) Newton run that converged first goes through
CURVATURE_CHECK: one more Hessian, at the final ``x``, tells a minimum from a
maximum or saddle.
"""

import math

from numba import njit

from fastdiff.optimize.kernels.directions import (
    bfgs_direction,
    bfgs_update,
    copy,
    descent_direction,
    dot,
    has_negative_curvature,
    largest_magnitude,
    momentum_step,
    newton_direction,
    secant_curvature,
    secant_direction,
)
from fastdiff.optimize.kernels.state import (
    BACKTRACKS,
    CURVATURE,
    DIRECTION,
    EVALUATION_STATUS,
    F0,
    FACTOR,
    G0_NORM,
    HISTORY_LENGTH,
    MATRIX,
    NFEV,
    NIT,
    NOISY,
    PHASE,
    PREVIOUS_G,
    PREVIOUS_X,
    SLOPE,
    STATUS,
    STEP_LENGTH,
    STEP_NORM,
    TRIAL,
    TRIAL_F,
    TRIAL_G,
    UPDATES,
    VELOCITY,
    WORK,
    F,
    G,
    X,
)
from fastdiff.optimize.settings import BFGS, GRADIENT_DESCENT, MOMENTUM, NEWTON, SECANT
from fastdiff.optimize.status import (
    CONVERGED_F_CHANGE,
    CONVERGED_GRADIENT,
    CONVERGED_ROUNDING,
    CONVERGED_STEP,
    DIVERGED,
    EVALUATION_FAILED,
    LINE_SEARCH_FAILED,
    MAXITER,
    NEGATIVE_CURVATURE,
    NOT_FINITE,
    RUNNING,
    SINGULAR,
    START_FAILED,
    UNBOUNDED,
)
from fastdiff.status import OK, RAISED

# Requests: bit flags for what to evaluate at the trial point (row ``TRIAL``).
DONE = 0
VALUE = 1
GRADIENT = 2
VALUE_AND_GRADIENT = 3
HESSIAN = 4

# Phases.
START = 0
STARTED = 1
PLAN = 2
PROBED = 3
HESSIAN_READY = 4
LINE_SEARCH = 5
ACCEPT = 6
CURVATURE_CHECK = 7
FINISHED = 8

#: Sufficient decrease required by the line search: f(x + t d) <= f(x) + ARMIJO t g.d.
ARMIJO = 1e-4
#: Factor by which the line search shortens a rejected step.
SHRINK = 0.5
#: Halvings before the line search gives up (2**-60 ~ 1e-18).
MAX_BACKTRACKS = 60
#: Decreases of f below this fraction of ``|f|`` are taken for rounding noise.
ROUNDING = 4.0 * 2.220446049250313e-16
#: A run stops as unbounded when f falls below f(x0) by more than this times
#: max(1, |f(x0)|): far beyond any minimum a scaled problem has, reached in a
#: few iterations where f really runs off to -inf.
UNBOUNDED_DECREASE = 1e30


@njit(cache=True)
def advance(s, cfg):
    """Advance run ``s`` (a :class:`State`) under settings ``cfg`` to its next evaluation.

    Returns
    -------
    int
        What to evaluate at row ``TRIAL``: ``VALUE`` (write ``real[TRIAL_F]``),
        ``GRADIENT`` (write row ``TRIAL_G``; ``real[TRIAL_F]`` is known),
        ``VALUE_AND_GRADIENT``, ``HESSIAN`` (write ``matrices[MATRIX]``;
        ``TRIAL`` is ``X`` and ``real[F]`` its value) -- each also setting
        ``count[EVALUATION_STATUS]`` and the evaluation counters -- or
        ``DONE``.
    """
    v = s.vectors
    real = s.real
    count = s.count
    while True:
        phase = count[PHASE]
        status = RUNNING
        if phase == START:
            count[STATUS] = RUNNING
            copy(v[X], v[TRIAL])
            count[PHASE] = STARTED
            return VALUE_AND_GRADIENT
        elif phase == STARTED:
            if count[EVALUATION_STATUS] != OK:
                real[F] = real[TRIAL_F]
                status = START_FAILED
            else:
                _take_trial(v, real)
                real[F0] = real[F]
                real[G0_NORM] = largest_magnitude(v[G])
                _record(s, cfg.history)
                if largest_magnitude(v[G]) <= cfg.gtol:
                    status = CONVERGED_GRADIENT
                elif cfg.maxiter == 0:
                    status = MAXITER
                count[PHASE] = PLAN
        elif phase == PLAN:
            if cfg.algorithm == NEWTON:
                copy(v[X], v[TRIAL])
                count[PHASE] = HESSIAN_READY
                return HESSIAN
            if cfg.algorithm == SECANT and count[UPDATES] == 0:
                # The second start point, whose gradient starts the secant.
                copy(v[PREVIOUS_X], v[TRIAL])
                count[PHASE] = PROBED
                return VALUE_AND_GRADIENT
            length, solved = _direction(s, cfg)
            status = _propose(v, real, count, cfg, length) if solved else SINGULAR
            if status == RUNNING:
                return VALUE if cfg.line_search else VALUE_AND_GRADIENT
        elif phase == PROBED:
            if count[EVALUATION_STATUS] != OK:
                status = EVALUATION_FAILED
            else:
                copy(v[TRIAL_G], v[PREVIOUS_G])
                count[UPDATES] = 1
                count[PHASE] = PLAN
        elif phase == HESSIAN_READY:
            if count[EVALUATION_STATUS] != OK:
                status = EVALUATION_FAILED
            else:
                length, solved = newton_direction(
                    s.matrices[MATRIX], v[G], cfg.safeguard, s.matrices[FACTOR], v[DIRECTION]
                )
                status = _propose(v, real, count, cfg, length) if solved else SINGULAR
                if status == RUNNING:
                    return VALUE if cfg.line_search else VALUE_AND_GRADIENT
        elif phase == LINE_SEARCH:
            t = real[STEP_LENGTH]
            if count[NOISY]:
                sufficient = real[TRIAL_F] <= real[F] + ROUNDING * abs(real[F])
            else:
                sufficient = real[TRIAL_F] <= real[F] + ARMIJO * t * real[SLOPE]
            if count[EVALUATION_STATUS] == OK and sufficient:
                count[PHASE] = ACCEPT
                return GRADIENT
            count[BACKTRACKS] += 1
            if real[TRIAL_F] == -math.inf:
                status = UNBOUNDED
            elif count[BACKTRACKS] > MAX_BACKTRACKS:
                status = LINE_SEARCH_FAILED
            else:
                t *= SHRINK
                real[STEP_LENGTH] = t
                _set_trial(v, t)
                return VALUE
        elif phase == ACCEPT:
            code = count[EVALUATION_STATUS]
            if code != OK:
                # Only an infinite or NaN value of f itself means divergence.
                diverged = code != RAISED and not math.isfinite(real[TRIAL_F])
                if real[TRIAL_F] == -math.inf:
                    status = UNBOUNDED
                else:
                    status = NOT_FINITE if diverged else EVALUATION_FAILED
            else:
                previous_f = real[F]
                previous_gradient = largest_magnitude(v[G])
                real[STEP_NORM] = real[STEP_LENGTH] * largest_magnitude(v[DIRECTION])
                _remember(s, cfg.algorithm)
                _take_trial(v, real)
                count[NIT] += 1
                _record(s, cfg.history)
                status = _stopping_status(
                    v[X], v[G], real, count, cfg, previous_f, previous_gradient
                )
                count[PHASE] = PLAN
        elif phase == CURVATURE_CHECK:
            # The Hessian at the converged x; count[STATUS] holds the verdict so far.
            status = count[STATUS]
            if count[EVALUATION_STATUS] == OK and has_negative_curvature(
                s.matrices[MATRIX], s.matrices[FACTOR]
            ):
                status = NEGATIVE_CURVATURE
        else:
            return DONE
        if status != RUNNING:
            if phase != CURVATURE_CHECK and _converged(status) and not cfg.safeguard:
                if cfg.algorithm == NEWTON:
                    count[STATUS] = status
                    copy(v[X], v[TRIAL])
                    count[PHASE] = CURVATURE_CHECK
                    return HESSIAN
                if cfg.algorithm == SECANT and count[UPDATES] > 0:
                    curvature = secant_curvature(v[X], v[G], v[PREVIOUS_X], v[PREVIOUS_G])
                    if curvature < 0.0:
                        real[CURVATURE] = curvature
                        status = NEGATIVE_CURVATURE
            count[STATUS] = status
            count[PHASE] = FINISHED
            return DONE


@njit(cache=True)
def _converged(status):
    return (
        status == CONVERGED_GRADIENT
        or status == CONVERGED_STEP
        or status == CONVERGED_F_CHANGE
        or status == CONVERGED_ROUNDING
    )


@njit(cache=True)
def _step_settled(step_norm, x, gradient, real, cfg):
    """The step test: the step is at most ``xtol * (1 + max|x|)``.

    It does not hold while the largest gradient entry exceeds both ``gtol``
    and its value at ``x0``: a step can be small relative to a huge ``|x|``
    while ``f`` still falls steeply (a run heading off to infinity), and a
    gradient that grew since the start is no sign of a minimum.
    """
    if gradient > max(cfg.gtol, real[G0_NORM]):
        return False
    return step_norm <= cfg.xtol * (1.0 + largest_magnitude(x))


@njit(cache=True)
def _set_trial(v, t):
    for i in range(v.shape[1]):
        v[TRIAL, i] = v[X, i] + t * v[DIRECTION, i]


@njit(cache=True)
def _take_trial(v, real):
    copy(v[TRIAL], v[X])
    copy(v[TRIAL_G], v[G])
    real[F] = real[TRIAL_F]


@njit(cache=True)
def _record(s, history):
    if history:
        row = s.count[HISTORY_LENGTH]
        copy(s.vectors[X], s.history_x[row])
        s.history_f[row] = s.real[F]
        s.history_nfev[row] = s.count[NFEV]
        s.count[HISTORY_LENGTH] = row + 1


@njit(cache=True)
def _direction(s, cfg):
    """Direction and first length for every method but Newton (which needs a Hessian)."""
    v = s.vectors
    algorithm = cfg.algorithm
    if algorithm == GRADIENT_DESCENT:
        return descent_direction(v[G], cfg.learning_rate, v[DIRECTION]), True
    if algorithm == MOMENTUM:
        length = momentum_step(
            v[G], v[VELOCITY], cfg.learning_rate, cfg.momentum, cfg.nesterov, v[DIRECTION]
        )
        return length, True
    if algorithm == SECANT:
        return secant_direction(
            v[X], v[G], v[PREVIOUS_X], v[PREVIOUS_G], cfg.safeguard, v[DIRECTION]
        )
    length = bfgs_direction(s.matrices[MATRIX], v[G], s.count[UPDATES], v[DIRECTION])
    return length, True


@njit(cache=True)
def _propose(v, real, count, cfg, length):
    """Set up the first trial point along the direction, or stop.

    Returns ``RUNNING`` with the phase set (ACCEPT for a fixed step,
    LINE_SEARCH otherwise); ``CONVERGED_STEP`` if the step is below
    ``xtol``; ``CONVERGED_ROUNDING`` if a line search could only find
    rounding noise.
    """
    step_norm = length * largest_magnitude(v[DIRECTION])
    real[STEP_NORM] = step_norm
    if _step_settled(step_norm, v[X], largest_magnitude(v[G]), real, cfg):
        return CONVERGED_STEP
    real[STEP_LENGTH] = length
    _set_trial(v, length)
    if not cfg.line_search:
        count[PHASE] = ACCEPT
        return RUNNING
    slope = dot(v[G], v[DIRECTION])
    if not slope < 0.0:
        # Not a descent direction (rounding in B or a flat secant): fall back
        # to steepest descent rather than search uphill.
        descent_direction(v[G], 1.0, v[DIRECTION])
        slope = -dot(v[G], v[G])
        _set_trial(v, length)
    # Where the predicted decrease is below the rounding of f, comparing
    # values of f says nothing: the step is then trusted (the gradient is
    # still accurate) unless f clearly rises.
    count[NOISY] = -length * slope <= ROUNDING * abs(real[F])
    real[SLOPE] = slope
    count[BACKTRACKS] = 0
    count[PHASE] = LINE_SEARCH
    return RUNNING


@njit(cache=True)
def _remember(s, algorithm):
    """Update what the method remembers, before ``X`` and ``G`` become the trial's."""
    v = s.vectors
    if algorithm == SECANT:
        copy(v[X], v[PREVIOUS_X])
        copy(v[G], v[PREVIOUS_G])
    elif algorithm == BFGS:
        # DIRECTION and PREVIOUS_G are free here: they receive s = x_new - x
        # and y = g_new - g for the update.
        for i in range(v.shape[1]):
            v[DIRECTION, i] = v[TRIAL, i] - v[X, i]
            v[PREVIOUS_G, i] = v[TRIAL_G, i] - v[G, i]
        s.count[UPDATES] = bfgs_update(
            s.matrices[MATRIX], v[DIRECTION], v[PREVIOUS_G], s.count[UPDATES], v[WORK]
        )


@njit(cache=True)
def _stopping_status(x, g, real, count, cfg, previous_f, previous_gradient):
    f = real[F]
    f0 = real[F0]
    gradient = largest_magnitude(g)
    if f0 - f > UNBOUNDED_DECREASE * max(1.0, abs(f0)):
        return UNBOUNDED
    if f - f0 > cfg.max_increase * max(1.0, abs(f0)):
        return DIVERGED
    if gradient <= cfg.gtol:
        return CONVERGED_GRADIENT
    if _step_settled(real[STEP_NORM], x, gradient, real, cfg):
        # A line search cut the step down to nothing: f cannot decrease further
        # along the direction at this resolution.
        return CONVERGED_STEP
    if count[NOISY] and gradient >= previous_gradient:
        # Steps below f's resolution are trusted only while they still
        # shrink the gradient; now it is at its noise floor.
        return CONVERGED_ROUNDING
    if cfg.ftol > 0.0 and abs(previous_f - f) <= cfg.ftol * max(1.0, abs(previous_f), abs(f)):
        return CONVERGED_F_CHANGE
    if count[NIT] >= cfg.maxiter:
        return MAXITER
    return RUNNING
