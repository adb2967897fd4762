"""The loop for plain Python functions: the same iteration, evaluated from Python.

Each request of :func:`fastdiff.optimize.kernels.iteration.advance` is
answered with ``f`` called directly and the public derivative functions
(:func:`fastdiff.grad`, :func:`fastdiff.hess`), so that every option of the
engine for Python callables applies. Exceptions raised by ``f`` propagate.
A ``callback`` (see :mod:`fastdiff.optimize.callbacks`) is called after
every accepted iterate.
"""

from __future__ import annotations

import math

import numpy as np

from fastdiff.api import grad, hess
from fastdiff.optimize.callbacks import Notifier
from fastdiff.optimize.kernels.iteration import DONE, GRADIENT, HESSIAN, VALUE, advance
from fastdiff.optimize.kernels.state import (
    EVALUATION_STATUS,
    MATRIX,
    NFEV,
    NHEV,
    NIT,
    NJEV,
    TRIAL,
    TRIAL_F,
    TRIAL_G,
    State,
    run_view,
)
from fastdiff.optimize.settings import NEWTON, Settings
from fastdiff.status import NOT_FINITE, OK
from fastdiff.stencils import resolve_method


def solve_python(
    f,
    batch: State,
    settings: Settings,
    method: str,
    step,
    notify: Notifier | None = None,
    args: tuple = (),
) -> None:
    """Run every solve of ``batch`` in turn with ``f`` called from Python.

    ``notify(run, start)`` is called after every accepted iterate; it
    returns True when the callback stopped the run. ``f`` is called as
    ``f(x, *args)``.
    """
    k, _, n = batch.vectors.shape
    gradient = grad(f, method=method, step=step, args=args)
    resolved = resolve_method(method)
    gradient_evaluations = resolved.gradient_evaluations(n)
    hessian = hess(f, method=method, step=step, args=args) if settings.algorithm == NEWTON else None
    hessian_evaluations = resolved.hessian_evaluations(n)
    for r in range(k):
        run = run_view(batch, r)
        trial = run.vectors[TRIAL]
        iterations = run.count[NIT]
        while True:
            request = advance(run, settings)
            if notify is not None and run.count[NIT] != iterations:
                iterations = run.count[NIT]
                if notify(run, r):
                    break
            if request == DONE:
                break
            code = OK
            if request & VALUE:
                value = _value(f, trial, args)
                run.real[TRIAL_F] = value
                run.count[NFEV] += 1
                code = OK if math.isfinite(value) else NOT_FINITE
            if code == OK and request & GRADIENT:
                run.vectors[TRIAL_G] = gradient(trial)
                run.count[NFEV] += gradient_evaluations
                run.count[NJEV] += 1
            if request & HESSIAN:
                run.matrices[MATRIX] = hessian(trial)
                run.count[NFEV] += hessian_evaluations
                run.count[NHEV] += 1
            run.count[EVALUATION_STATUS] = code


def _value(f, x: np.ndarray, args: tuple) -> float:
    # A copy: f must not be able to change the iterate.
    value = np.asarray(f(x.copy(), *args))
    if value.ndim != 0 or value.dtype.kind not in "biuf":
        raise TypeError(
            f"f must return a real number; it returned an array of shape {value.shape} "
            f"and dtype {value.dtype}"
        )
    return float(value)
