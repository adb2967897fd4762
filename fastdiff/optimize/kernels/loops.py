"""The compiled loops: a whole solve, or k of them, in one call from Python.

``f`` is the address of the C wrapper of a jitted function (see
:mod:`fastdiff.compiled`), so these loops are compiled once for all
functions and cached on disk; they also accept a jitted function itself,
which is how they can be called from users' ``@njit`` code (specialised per
function, not cacheable). Derivatives come from the serial kernels of
:mod:`fastdiff.kernels`, which is why a batch of runs can be split across
threads with ``prange``.

``args`` is the tuple of extra arguments of ``f``, passed to every
evaluation as ``f(x, *args)`` (``()`` for ``f(x)``): the loops are compiled
once per tuple of argument types.
"""

import numpy as np
from numba import njit, prange

from fastdiff.kernels._calling import call_scalar
from fastdiff.kernels.gradient import gradient_serial
from fastdiff.kernels.hessian import hessian_serial
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
    F,
    run_view,
)
from fastdiff.status import OK, RAISED
from fastdiff.steps import FLOAT64_EPS, fill_steps


@njit(cache=True)
def _first_failure(status):
    for code in status:
        if code != OK:
            return code
    return OK


@njit(cache=True)
def _evaluate(f, args, request, s, differences, h, gradient_status, hessian_status):
    """Evaluate what ``request`` asks for at row ``TRIAL`` of ``s.vectors`` and count the evaluations."""
    code = OK
    trial = s.vectors[TRIAL]
    if request & VALUE:
        value, code = call_scalar(f, trial, args)
        s.real[TRIAL_F] = np.nan if code == RAISED else value
        s.count[NFEV] += 1
    if code == OK and request & GRADIENT:
        fill_steps(trial, differences.step, differences.gradient_exponent, FLOAT64_EPS, h)
        gradient_serial(
            f,
            trial,
            args,
            h,
            differences.offsets,
            differences.weights,
            s.real[TRIAL_F],
            s.vectors[TRIAL_G],
            gradient_status,
        )
        s.count[NFEV] += differences.gradient_evaluations
        s.count[NJEV] += 1
        code = _first_failure(gradient_status)
    if request & HESSIAN:
        fill_steps(trial, differences.step, differences.hessian_exponent, FLOAT64_EPS, h)
        stencil = (
            differences.hessian_axis_offsets,
            differences.hessian_diagonal_weights,
            differences.hessian_offdiagonal_weights,
            differences.hessian_pair_offsets,
            differences.hessian_pair_weights,
            differences.hessian_center_weights,
        )
        hessian_serial(f, trial, args, h, stencil, s.real[F], s.matrices[MATRIX], hessian_status)
        s.count[NFEV] += differences.hessian_evaluations
        s.count[NHEV] += 1
        code = _first_failure(hessian_status.ravel())
    s.count[EVALUATION_STATUS] = code


@njit(cache=True, nogil=True)
def solve_run(f, s, args, cfg, differences):
    """Run one solve to its end; ``s`` is a :class:`State` of one run."""
    n = s.vectors.shape[1]
    m = s.matrices.shape[1]
    h = np.empty(n)
    gradient_status = np.empty(n, dtype=np.int8)
    hessian_status = np.empty((m, m), dtype=np.int8)
    while True:
        request = advance(s, cfg)
        if request == DONE:
            return
        _evaluate(f, args, request, s, differences, h, gradient_status, hessian_status)


@njit(cache=True, nogil=True)
def solve_iteration(f, s, args, cfg, differences, request):
    """Answer the pending ``request`` of run ``s`` and go on until its next iterate is accepted.

    The compiled loop cut at every iterate, for a Python callback between
    iterations: a solve is ``request = advance(s, cfg)`` once, then this
    function until it returns ``DONE``; after each call ``count[NIT]`` tells
    whether an iterate was accepted. Returns the request that is pending
    then (``DONE`` if the run has finished). The evaluations and their
    order are those of :func:`solve_run`, so the results are the same.
    """
    n = s.vectors.shape[1]
    m = s.matrices.shape[1]
    h = np.empty(n)
    gradient_status = np.empty(n, dtype=np.int8)
    hessian_status = np.empty((m, m), dtype=np.int8)
    iterations = s.count[NIT]
    while request != DONE:
        _evaluate(f, args, request, s, differences, h, gradient_status, hessian_status)
        request = advance(s, cfg)
        if s.count[NIT] != iterations:
            break
    return request


@njit(cache=True, nogil=True)
def solve_serial(f, batch, args, cfg, differences):
    """Run every solve of ``batch`` in turn."""
    for r in range(batch.vectors.shape[0]):
        solve_run(f, run_view(batch, r), args, cfg, differences)


@njit(cache=True, nogil=True, parallel=True)
def solve_parallel(f, batch, args, cfg, differences):
    """Run the solves of ``batch`` on all threads, one run per iteration of ``prange``."""
    for r in prange(batch.vectors.shape[0]):
        # prange's index is unsigned; the serial loop and Python pass int64.
        solve_run(f, run_view(batch, np.int64(r)), args, cfg, differences)
