"""One pass of a stencil table over ``f``, compiled or Python; and the careful path.

A *pass* evaluates a first-derivative stencil table (one row per coordinate,
zero rows skipped) with explicit steps and returns values and statuses. The
careful path, used when bounds are given, a full result is asked for or a
stencil point failed, is built from passes: choose stencils that stay in the
box, run, then retry the failed coordinates with one-sided formulas
(optimagic-style fallback) until none is left or nothing fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from fastdiff.bounds import TABLE_WIDTH, first_derivative_within
from fastdiff.evaluate import SCALAR, Evaluator
from fastdiff.kernels.gradient import gradient_parallel, gradient_serial
from fastdiff.kernels.jacobian import jacobian_parallel, jacobian_serial
from fastdiff.python_path import python_first_derivative
from fastdiff.status import OK, RAISED
from fastdiff.stencils import FIRST_DERIVATIVE, ONE_SIDED_SECOND_ORDER, stencil_row


@dataclass
class Pass:
    """Result of one pass: derivative entries, their statuses and the cost."""

    value: object
    derivative: np.ndarray
    status: np.ndarray
    errors: dict = field(default_factory=dict)
    evaluations: int = 0


class CompiledPasses:
    """Passes through the compiled kernels (``f`` wrapped by :mod:`fastdiff.compiled`).

    ``function`` is what Python calls for ``f(x)`` (with its extra arguments
    bound, see :class:`fastdiff.arguments.BoundFunction`); the kernels call
    the code at ``address`` with the tuple ``args``.
    """

    def __init__(self, function, address: int, kind: str, threads: int, args: tuple = ()):
        self.function, self.address, self.kind, self.threads = function, address, kind, threads
        self.args = args

    def value(self, x: np.ndarray):
        """``f(x)``; exceptions propagate with a note."""
        try:
            value = self.function(x)
        except Exception as error:
            if hasattr(error, "add_note"):
                error.add_note("fastdiff: f raised at x")
            raise
        return float(value) if self.kind == SCALAR else np.asarray(value, dtype=np.float64)

    def run(self, x, h, offsets, weights, value, m: int = 0) -> Pass:
        n = x.shape[0]
        used = (weights != 0.0) & (offsets != 0.0)
        status = np.empty(n, dtype=np.int8)
        if not offsets.flags.writeable:
            # The shared rows are read-only; the kernels are compiled for
            # writable tables, and a read-only version would be compiled again.
            offsets, weights = offsets.copy(), weights.copy()
        if self.kind == SCALAR:
            out = np.empty(n)
            f0 = np.nan if value is None else value
            if self.threads > 1:
                gradient_parallel(
                    self.address, x, self.args, h, offsets, weights, f0, out, status, self.threads
                )
            else:
                gradient_serial(self.address, x, self.args, h, offsets, weights, f0, out, status)
        else:
            out = np.empty((n, m)).T  # contiguous columns, as the fast path
            f0 = np.zeros(m) if value is None else value
            if self.threads > 1:
                jacobian_parallel(
                    self.address, x, self.args, h, offsets, weights, f0, out, status, self.threads
                )
            else:
                jacobian_serial(self.address, x, self.args, h, offsets, weights, f0, out, status)
        errors = {}
        shared = offsets.shape[0] == 1
        for i in np.flatnonzero(status == RAISED):
            errors[int(i)] = self._exception_at(x, h, offsets[0 if shared else i], int(i))
        return Pass(value, out, status, errors, int(used.sum()) * (n if shared else 1))

    def _exception_at(self, x, h, offsets_row, i):
        # The kernel only knows that f raised; calling it again from Python at
        # the same point recovers the exception itself.
        for o in offsets_row:
            if o == 0.0:
                continue
            point = x.copy()
            point[i] = x[i] + o * h[i]
            try:
                self.function(point)
            except Exception as error:
                return error, f"at x + {o:g} * h[{i}] * e[{i}]"
        return RuntimeError(
            "f raised inside the kernel but not when called again"
        ), f"at coordinate {i}"


class PythonPasses:
    """Passes through an :class:`~fastdiff.evaluate.Evaluator` for a Python ``f``."""

    def __init__(self, function, evaluator: Evaluator, kind: str):
        self.function, self.evaluator, self.kind = function, evaluator, kind

    def value(self, x: np.ndarray):
        """``f(x)`` through the evaluator (a vectorized ``f`` gets a batch of one)."""
        batch = self.evaluator.evaluate(
            self.function, 1, lambda lo, hi: x[None, :].copy(), self.kind
        )
        if 0 in batch.errors:
            error = batch.errors[0]
            if hasattr(error, "add_note"):
                error.add_note("fastdiff: f raised at x")
            raise error
        return float(batch.values[0]) if self.kind == SCALAR else batch.values[0].copy()

    def run(self, x, h, offsets, weights, value, m: int = 0) -> Pass:
        result = python_first_derivative(
            self.function, x, h, offsets, weights, False, self.kind, self.evaluator, value
        )
        return Pass(value, result.derivative, result.status, result.errors, result.evaluations)


def _fallbacks(method: str) -> list:
    if method == "central":
        return [
            ONE_SIDED_SECOND_ORDER["forward"],
            ONE_SIDED_SECOND_ORDER["backward"],
            FIRST_DERIVATIVE["forward"],
            FIRST_DERIVATIVE["backward"],
        ]
    other = "backward" if method == "forward" else "forward"
    return [FIRST_DERIVATIVE[other]]


@dataclass
class CarefulResult:
    """Derivative with per-entry status, from :func:`careful_first_derivative`."""

    value: object
    derivative: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    evaluations: int
    errors: dict
    stencils: np.ndarray  # offsets row of each coordinate, or one row shared by all


def careful_first_derivative(
    passes, method: str, x: np.ndarray, h: np.ndarray, bounds, need_value: bool, m: int = 0
) -> CarefulResult:
    """Gradient or Jacobian that respects ``bounds`` and falls back on failures.

    Parameters
    ----------
    passes : CompiledPasses or PythonPasses
    method : {"central", "forward", "backward"}
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
        offsets, weights = _padded_row(FIRST_DERIVATIVE[method])
        steps = h
        uses_center = FIRST_DERIVATIVE[method].uses_center
    else:
        lb, ub = bounds
        offsets, weights, steps = first_derivative_within(method, x, h, lb, ub)
        uses_center = ((weights != 0.0) & (offsets == 0.0)).any()
    value = passes.value(x) if (need_value or uses_center or passes.kind != SCALAR) else None
    if value is not None:
        _check_value(value)
        if passes.kind != SCALAR:
            m = value.shape[0]
    first = passes.run(x, steps, offsets, weights, value, m)
    derivative, status = first.derivative, first.status
    evaluations = first.evaluations + (value is not None)
    failed = np.flatnonzero(status != OK)
    if failed.size == 0:
        return CarefulResult(value, derivative, status, steps, evaluations, first.errors, offsets)
    status = status.copy()
    errors = dict(first.errors)
    if offsets.shape[0] != n:  # a fallback changes single rows
        offsets = np.tile(offsets, (n, 1))
    for fallback in _fallbacks(method):
        if failed.size == 0:
            break
        row_offsets, row_weights = _padded_row(fallback)
        retry = [i for i in failed if _inside(x[i], steps[i], fallback.offsets, lb, ub, i)]
        if not retry:
            continue
        table_offsets = np.zeros((n, TABLE_WIDTH))
        table_weights = np.zeros((n, TABLE_WIDTH))
        table_offsets[retry] = row_offsets
        table_weights[retry] = row_weights
        if value is None and fallback.uses_center:
            value = passes.value(x)
            _check_value(value)
            evaluations += 1
        again = passes.run(x, steps, table_offsets, table_weights, value, m)
        evaluations += again.evaluations
        for i in retry:
            if again.status[i] == OK:
                if passes.kind == SCALAR:
                    derivative[i] = again.derivative[i]
                else:
                    derivative[:, i] = again.derivative[:, i]
                status[i] = OK
                offsets[i] = row_offsets
                errors.pop(i, None)
        failed = np.flatnonzero(status != OK)
    if failed.size:
        if passes.kind == SCALAR:
            derivative[failed] = np.nan
        else:
            derivative[:, failed] = np.nan
    return CarefulResult(value, derivative, status, steps, evaluations, errors, offsets)


@lru_cache(maxsize=16)
def _padded_row(stencil) -> tuple[np.ndarray, np.ndarray]:
    """``stencil`` as (1, TABLE_WIDTH) offsets and weights (read-only, shared)."""
    offsets, weights = stencil_row(stencil, TABLE_WIDTH)
    offsets.flags.writeable = False
    weights.flags.writeable = False
    return offsets[None, :], weights[None, :]


def _inside(x_i: float, h_i: float, offsets, lb, ub, i: int) -> bool:
    """Whether every point ``x_i + o * h_i`` of a stencil lies in the bounds."""
    if lb is None:
        return True
    return all(lb[i] <= x_i + o * h_i <= ub[i] for o in offsets)


def _check_value(value) -> None:
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        if array.ndim == 0:
            raise ValueError(f"f(x) must be finite; f returned {float(array)} at x")
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(f"f(x) must be finite; f(x)[{bad}] is {array[bad]}")
