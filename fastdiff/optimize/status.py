"""Why a solve stopped: integer codes shared by the loops and the results.

The compiled loops cannot carry strings, so each run ends with one of these
codes; :mod:`fastdiff.optimize.results` turns it into ``success`` and a
message that says what happened and what to try next.
"""

#: The run has not stopped yet (never seen in a result).
RUNNING = -1
#: The largest gradient entry is at most ``gtol``.
CONVERGED_GRADIENT = 0
#: The proposed (or, after a line search, the taken) step is at most
#: ``xtol * (1 + max |x|)``.
CONVERGED_STEP = 1
#: The relative change of ``f`` is at most ``ftol``.
CONVERGED_F_CHANGE = 2
#: ``maxiter`` iterations were done without meeting a tolerance.
MAXITER = 3
#: ``f`` rose above ``f(x0)`` by more than ``max_increase * max(1, |f(x0)|)``.
DIVERGED = 4
#: ``f`` was infinite or NaN at an iterate.
NOT_FINITE = 5
#: No step along the search direction decreased ``f``.
LINE_SEARCH_FAILED = 6
#: ``f`` raised, or was not finite, at a finite-difference point near ``x``.
EVALUATION_FAILED = 7
#: The second derivative (Newton, secant without safeguard) is singular.
SINGULAR = 8
#: ``f(x0)`` or its gradient is not finite: the start is rejected.
START_FAILED = 9
#: Steps below the rounding error of ``f`` no longer shrink the gradient.
CONVERGED_ROUNDING = 10
#: ``f`` fell below ``f(x0)`` by more than ``UNBOUNDED_DECREASE * max(1, |f(x0)|)``
#: (see :mod:`fastdiff.optimize.kernels.iteration`), or was ``-inf`` at a trial point.
UNBOUNDED = 11
#: A plain Newton or secant run stopped where the curvature is negative: a
#: local maximum or a saddle point, not a minimum.
NEGATIVE_CURVATURE = 12
#: The callback raised ``StopIteration``.
STOPPED_BY_CALLBACK = 13

SUCCESSFUL = (CONVERGED_GRADIENT, CONVERGED_STEP, CONVERGED_F_CHANGE, CONVERGED_ROUNDING)

#: Message templates, formatted with the fields of the result and the options.
MESSAGES = {
    CONVERGED_GRADIENT: (
        "Converged: the largest gradient entry {gradient_norm:.3g} is at most gtol = {gtol:.3g}."
    ),
    CONVERGED_STEP: (
        "Converged: the step {step_norm:.3g} is at most xtol * (1 + max|x|) (xtol = {xtol:.3g}); "
        "the largest gradient entry is {gradient_norm:.3g}."
    ),
    CONVERGED_F_CHANGE: (
        "Converged: the relative change of f in the last iteration is at most ftol = {ftol:.3g}."
    ),
    MAXITER: (
        "Stopped after maxiter = {maxiter} iterations without meeting a tolerance "
        "(largest gradient entry {gradient_norm:.3g}, gtol = {gtol:.3g}): raise maxiter, "
        "loosen gtol, or use a method with a better step."
    ),
    DIVERGED: (
        "Diverged: f rose from {f0:.6g} at x0 to {fun:.6g} (more than max_increase = "
        "{max_increase:.3g} times max(1, |f(x0)|)) after {nit} iterations; lower learning_rate "
        "(gradient descent is stable only below 2 / sharpness) or use line_search=True."
    ),
    NOT_FINITE: (
        "Diverged: f was infinite or NaN at the next iterate after {nit} iterations "
        "(x holds the last finite iterate); lower learning_rate or use line_search=True."
    ),
    LINE_SEARCH_FAILED: (
        "Stopped: no step along the search direction decreased f after {nit} iterations "
        "(largest gradient entry {gradient_norm:.3g}); the finite-difference gradient is "
        "probably at its noise floor or f is not smooth here: loosen gtol or xtol, or pass "
        "a larger step."
    ),
    EVALUATION_FAILED: (
        "Stopped: f raised an exception or returned inf/NaN at a finite-difference point "
        "near x after {nit} iterations (x holds the last good iterate); evaluate f near x "
        "to see why."
    ),
    SINGULAR: (
        "Stopped: the second derivative is singular at x after {nit} iterations, so the "
        "Newton or secant step is undefined; use safeguard=True."
    ),
    START_FAILED: "f or its gradient is not finite at x0.",
    CONVERGED_ROUNDING: (
        "Converged: steps no longer change f beyond its rounding error and no longer shrink "
        "the gradient, so x is as accurate as the finite-difference gradient allows "
        "(largest gradient entry {gradient_norm:.3g}; gtol = {gtol:.3g} is below its noise "
        "here)."
    ),
    UNBOUNDED: (
        "Unbounded: f decreased without bound, from {f0:.6g} at x0 to {fun:.6g} after {nit} "
        "iterations (largest gradient entry {gradient_norm:.3g}, largest |x| entry "
        "{x_norm:.3g}; a run stops here when f falls 1e30 * max(1, |f(x0)|) below f(x0) or is "
        "-inf at a trial point): f has no minimum along the path taken. Check the sign and "
        "the formula of f (to maximize g, minimize -g), or keep x in a bounded region with a "
        "penalty or a change of variables."
    ),
    NEGATIVE_CURVATURE: (
        "Not a minimum: the gradient vanishes at x (largest entry {gradient_norm:.3g}) but the "
        "curvature there is negative ({curvature:.3g}, the smallest eigenvalue of the Hessian "
        "or the secant's estimate of f''), so x is a local maximum or a saddle point. The "
        "plain step (safeguard=False) heads for the nearest stationary point of any kind; use "
        "safeguard=True (the default), which makes every step go downhill."
    ),
    STOPPED_BY_CALLBACK: (
        "Stopped: the callback raised StopIteration after {nit} iterations (x is the last "
        "iterate it was given)."
    ),
}
