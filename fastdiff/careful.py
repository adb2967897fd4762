"""The careful path: bounds, per-entry status and fallback stencils.

The fast path of a derivative is one compiled call with the method's own
stencil everywhere. This path is taken instead when bounds are given, a full
result is asked for, ``f`` is a Python callable, or a stencil point failed
on the fast path. For first derivatives it chooses stencils that stay in the
box (:func:`fastdiff.bounds.first_derivative_within`), runs one pass, then
retries the failed coordinates with the method's fallback stencils
(optimagic-style) until none is left or nothing fits. For Hessians it
chooses one stencil and signed steps inside the box
(:func:`fastdiff.bounds.hessian_within`). Both work on either backend
(:mod:`fastdiff.backends`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from fastdiff.backends import prepare_backend
from fastdiff.bounds import TABLE_WIDTH, first_derivative_within, fits_in_box, hessian_within
from fastdiff.errors import (
    check_finite_value,
    raise_for_careful_failures,
    raise_for_python_failures,
    raise_hessian_exception,
)
from fastdiff.evaluate import SCALAR, VECTOR
from fastdiff.result import DerivativeResult
from fastdiff.status import OK
from fastdiff.stencils import Method, hessian_arrays, stencil_row
from fastdiff.steps import FLOAT64_EPS, steps_at


@dataclass
class CarefulResult:
    """Derivative with per-entry status, from :func:`careful_first_derivative`."""

    value: object
    derivative: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    evaluations: int
    errors: dict  # the first failed entry's (exception, where), if it raised
    stencils: np.ndarray  # offsets row of each coordinate, or one row shared by all


def careful_first_derivative(
    backend, method: Method, x: np.ndarray, h: np.ndarray, bounds, need_value: bool, m: int = 0
) -> CarefulResult:
    """Gradient or Jacobian that respects ``bounds`` and falls back on failures.

    Parameters
    ----------
    backend : CompiledPasses or PythonPasses
    method : Method
        A stencil method.
    x, h : ndarray, shape (n,)
        Point (inside the bounds) and positive default steps.
    bounds : tuple of ndarray or None
        ``(lb, ub)`` from :func:`fastdiff.bounds.as_bounds`.
    need_value : bool
        Evaluate ``f(x)`` even if no stencil needs it.
    m : int
        Output length of a vector ``f`` (0: learn it from ``f(x)``).
    """
    n = x.shape[0]
    if bounds is None:
        # Every coordinate gets the method's own stencil: one shared row.
        lb = ub = None
        offsets, weights = _padded_row(method.first)
        steps = h
        uses_center = method.uses_value
    else:
        lb, ub = bounds
        offsets, weights, steps = first_derivative_within(method, x, h, lb, ub)
        uses_center = ((weights != 0.0) & (offsets == 0.0)).any()
    value = backend.value(x) if (need_value or uses_center or backend.kind != SCALAR) else None
    if value is not None:
        check_finite_value(value)
        if backend.kind != SCALAR:
            m = value.shape[0]
    first = backend.run(x, steps, offsets, weights, value, m)
    derivative, status = first.derivative, first.status
    evaluations = first.evaluations + (value is not None)
    failed = np.flatnonzero(status != OK)
    if failed.size == 0:
        return CarefulResult(value, derivative, status, steps, evaluations, {}, offsets)
    status = status.copy()
    errors = dict(first.errors)
    # A fallback changes single rows: one writable row per coordinate (the
    # shared row is read-only, and shared even when n == 1).
    offsets = np.tile(offsets, (n, 1)) if offsets.shape[0] != n else offsets.copy()
    for fallback in method.fallbacks:
        if failed.size == 0:
            break
        row_offsets, row_weights = _padded_row(fallback)
        if lb is None:
            retry = failed
        else:
            inside = fits_in_box(x[failed], steps[failed], fallback.offsets, lb[failed], ub[failed])
            retry = failed[inside]
        if retry.size == 0:
            continue
        table_offsets = np.zeros((n, TABLE_WIDTH))
        table_weights = np.zeros((n, TABLE_WIDTH))
        table_offsets[retry] = row_offsets
        table_weights[retry] = row_weights
        if value is None and fallback.uses_center:
            value = backend.value(x)
            check_finite_value(value)
            evaluations += 1
        again = backend.run(x, steps, table_offsets, table_weights, value, m)
        evaluations += again.evaluations
        for i in retry:
            if again.status[i] == OK:
                if backend.kind == SCALAR:
                    derivative[i] = again.derivative[i]
                else:
                    derivative[:, i] = again.derivative[:, i]
                status[i] = OK
                offsets[i] = row_offsets
                errors.pop(int(i), None)
        failed = np.flatnonzero(status != OK)
    if failed.size:
        if backend.kind == SCALAR:
            derivative[failed] = np.nan
        else:
            derivative[:, failed] = np.nan
    errors = _first_error(errors, failed)
    return CarefulResult(value, derivative, status, steps, evaluations, errors, offsets)


def careful_hessian(
    backend, method: Method, x: np.ndarray, h: np.ndarray, bounds, full_output: bool
) -> DerivativeResult:
    """Hessian inside ``bounds`` with per-entry status.

    Parameters
    ----------
    backend : CompiledPasses or PythonPasses
    method : Method
        A stencil method; ``method.name`` is reported in the result.
    x, h : ndarray, shape (n,)
        Point (inside the bounds) and positive steps.
    bounds : tuple of ndarray or None
    full_output : bool
        Keep failed entries as NaN (with their status) instead of raising.
    """
    n = x.shape[0]
    used = method
    fixed = np.zeros(n, dtype=bool)
    if bounds is not None:
        used, h, fixed = hessian_within(method, x, h, *bounds)
    result = backend.hessian(x, h, used)
    if backend.compiled is not None and not full_output:
        raise_hessian_exception(backend.function, x, h, hessian_arrays(used.base), result.status)
    raise_for_python_failures(result, x, h, allow_entries=full_output)
    out, status = result.derivative, result.status
    out[fixed, :] = 0.0
    out[:, fixed] = 0.0
    status[fixed, :] = OK
    status[:, fixed] = OK
    out[status != OK] = np.nan
    evaluations = used.second.evaluation_count(n)
    return DerivativeResult(out, result.value, None, h, evaluations, status, method.name)


def dense_jacobian(f, x: np.ndarray, options) -> np.ndarray:
    """The dense Jacobian of ``f`` at ``x`` on the careful path (raises on failures).

    For checks of sparsity patterns (``check=True``); ``options`` is a
    :class:`~fastdiff.options.DerivativeOptions` of a stencil method.
    """
    method = options.method
    h = steps_at(x, options, method.first.step_exponent, FLOAT64_EPS)
    backend = prepare_backend(f, options, VECTOR)
    result = careful_first_derivative(backend, method, x, h, None, True)
    raise_for_careful_failures(result, x)
    return result.derivative


def dense_hessian(f, x: np.ndarray, options) -> np.ndarray:
    """The dense Hessian of ``f`` at ``x`` on the careful path (raises on failures)."""
    method = options.method
    h = steps_at(x, options, method.second.step_exponent, FLOAT64_EPS)
    backend = prepare_backend(f, options, SCALAR)
    return careful_hessian(backend, method, x, h, None, False).derivative


def _first_error(errors: dict, failed: np.ndarray) -> dict:
    """The exception of the first failed entry, ``{i: (error, where)}``, or ``{}``.

    Only that one reaches the user; a deferred one
    (:class:`~fastdiff.errors.RaisedAt`) is recovered now, the others never.
    """
    if failed.size == 0 or int(failed[0]) not in errors:
        return {}
    first = int(failed[0])
    entry = errors[first]
    return {first: entry() if callable(entry) else entry}


@lru_cache(maxsize=16)
def _padded_row(stencil) -> tuple[np.ndarray, np.ndarray]:
    """``stencil`` as (1, TABLE_WIDTH) offsets and weights (shared: never written to)."""
    offsets, weights = stencil_row(stencil, TABLE_WIDTH)
    return offsets[None, :], weights[None, :]
