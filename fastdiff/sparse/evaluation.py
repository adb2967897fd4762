"""How the points are evaluated: compiled or through an evaluator, serial or threaded."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from fastdiff.arguments import argument_types, bind, positional_arguments
from fastdiff.compiled import VECTOR, prepare
from fastdiff.errors import length_error, non_finite_error, raise_for_batch, raise_for_code
from fastdiff.kernels.sparse_jacobian import (
    color_differences_parallel,
    color_differences_serial,
    steps_at,
    sum_color_terms,
    vector_setup,
)
from fastdiff.sparse.column_stencils import ColumnStencils
from fastdiff.sparse.points import GroupPoints, SlotPoints, failed_group_point
from fastdiff.status import OK
from fastdiff.steps import FLOAT64_EPS
from fastdiff.threads import ThreadPolicy
from fastdiff.validation import steps_for


def python_steps(x: np.ndarray, step, exponent: float) -> np.ndarray:
    """Steps at ``x`` for the Python path (the same rule as the kernels)."""
    h = np.empty(x.shape[0])
    bad = steps_at(x, steps_for(step, x.shape[0]), exponent, FLOAT64_EPS, h)
    if bad >= 0:
        raise non_finite_error(x, bad)
    return h


def evaluate_batch(evaluator, f, count: int, make_points, kind: str, name: str, describe):
    """Values of a Python ``f`` at the ``count`` points of ``make_points``.

    The evaluator decides how (serially, vectorized, on workers or an
    executor); failures raise as :func:`fastdiff.errors.raise_for_batch`
    says. Returns ``(count,)`` or ``(count, m)`` values.
    """
    return raise_for_batch(evaluator.evaluate(f, count, make_points, kind), count, name, describe)


class _Work:
    """Work arrays of one compressed evaluation (see :class:`ColorDifferences`)."""

    def __init__(self, h, f0, differences, status):
        self.h, self.f0, self.differences, self.status = h, f0, differences, status
        self._terms = None

    def terms(self, width: int) -> np.ndarray:
        """Room for each evaluation on its own, shape (n_colors, width, m).

        Made on first use: only the parallel and Python paths need it.
        """
        if self._terms is None:
            n_colors, m = self.differences.shape
            self._terms = np.empty((n_colors, width, m))
        return self._terms


class ColorDifferences:
    """Stencil sums of one vector function along each colour group, shape (n_colors, m).

    Calling it is a context manager yielding ``(h, differences)``: work
    arrays are reused by later calls (a fresh set for each concurrent call),
    since first touching tens of megabytes of new memory per call can cost
    as much as the evaluations.

    ``function`` is evaluated as ``function(x, *args, **kwargs)``: a compiled
    one gets its extra arguments natively in the kernels (compiled once per
    argument types), any other one is bound to them
    (:class:`~fastdiff.arguments.BoundFunction`).
    """

    def __init__(
        self, function, name, m, coloring, stencil, step, parallel, evaluator, args=(), kwargs=None
    ):
        kwargs = {} if kwargs is None else kwargs
        self.function, self.name, self.m = bind(function, args, kwargs), name, m
        self.args = () if evaluator is not None else positional_arguments(function, args, kwargs)
        self.compiled = (
            None if evaluator is not None else prepare(function, VECTOR, argument_types(self.args))
        )
        self.threads = (
            None if self.compiled is None else ThreadPolicy(parallel, self.compiled, self.args)
        )
        self.evaluator = evaluator
        self.coloring, self.stencil = coloring, stencil
        self.step, self.parallel = step, parallel
        self._free: list[_Work] = []

    @contextmanager
    def __call__(self, x: np.ndarray, step=None):
        """Yield ``(h, differences)`` at ``x``; ``step`` (absolute, shape (n,)) replaces the option."""
        step = self.step if step is None else step
        try:
            work = self._free.pop()
        except IndexError:
            n_colors = self.coloring.n_colors
            work = _Work(
                np.empty(x.shape[0]),
                np.empty(self.m),
                np.empty((n_colors, self.m)),
                np.empty((n_colors, self.stencil.width), dtype=np.int8),
            )
        try:
            if self.compiled is not None:
                yield self._compiled_differences(x, work, step)
            else:
                yield self._python_differences(x, work, step)
        finally:
            self._free.append(work)

    def _compiled_differences(self, x, work: _Work, step):
        coloring, stencil, m, name = self.coloring, self.stencil, self.m, self.name
        h, f0, differences, status = work.h, work.f0, work.differences, work.status
        address = self.compiled.address
        bad, f0_status = vector_setup(
            address,
            x,
            self.args,
            steps_for(step, x.shape[0]),
            stencil.exponent,
            FLOAT64_EPS,
            stencil.needs_center,
            h,
            f0,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        if f0_status != OK:
            raise_for_code(self.function, x, f0_status, "at x", name, m)
        status[:] = OK
        arguments = (
            address,
            x,
            self.args,
            h,
            coloring.group_pointers,
            coloring.group_columns,
            stencil.offsets,
            stencil.weights,
        )
        evaluations = stencil.evaluations(coloring.n_colors)
        threads = self.threads(x, evaluations, m)
        if threads > 1:
            terms = work.terms(stencil.width)
            color_differences_parallel(
                *arguments, stencil.slots, f0, differences, status, terms, threads
            )
        else:
            color_differences_serial(*arguments, f0, differences, status)
        if status.any():
            point, code, where = failed_group_point(x, h, coloring, stencil, status)
            raise_for_code(self.function, point, code, where, name, m)
        return h, differences

    def _python_differences(self, x, work: _Work, step):
        coloring, stencil, m, name = self.coloring, self.stencil, self.m, self.name
        h, f0, differences, terms = work.h, work.f0, work.differences, work.terms(stencil.width)
        h[:] = python_steps(x, step, stencil.exponent)
        points = GroupPoints(x, h, coloring, stencil)
        values = evaluate_batch(
            self.evaluator, self.function, points.count, points, VECTOR, name, points.describe
        )
        if values.shape[1] != m:
            raise length_error(name, values.shape[1], m)
        f0[:] = values[0] if stencil.needs_center else 0.0
        terms[:, stencil.slots, :] = values[points.first :].reshape(
            coloring.n_colors, stencil.slots.shape[0], m
        )
        sum_color_terms(terms, stencil.offsets, stencil.weights, f0, differences)
        return h, differences

    def slot_values(self, x: np.ndarray, stencils: ColumnStencils):
        """``f(x)`` (None if no column weighs it) and ``f`` at each slot, shape (k, n_colors, m).

        The points of :class:`~fastdiff.sparse.column_stencils.ColumnStencils`:
        at slot ``q`` the columns of an active colour move by
        ``displacements[q]``. Rows of inactive colours are NaN (never read).
        """
        coloring, m, name = self.coloring, self.m, self.name
        k = stencils.displacements.shape[0]
        values = np.full((k, coloring.n_colors, m), np.nan)
        groups = [(q, int(c)) for q in range(k) for c in np.flatnonzero(stencils.active[q])]
        if self.compiled is None:
            points = SlotPoints(x, coloring, stencils, groups, stencils.needs_center)
            batch = evaluate_batch(
                self.evaluator, self.function, points.count, points, VECTOR, name, points.describe
            )
            if batch.shape[1] != m:
                raise length_error(name, batch.shape[1], m)
            f0 = batch[0] if stencils.needs_center else None
            for index, (q, c) in enumerate(groups):
                values[q, c] = batch[points.first + index]
            return f0, values
        address = self.compiled.address
        f0 = None
        if stencils.needs_center:
            f0 = np.empty(m)
            _, f0_status = vector_setup(
                address,
                x,
                self.args,
                steps_for(None, 0),
                0.5,
                FLOAT64_EPS,
                True,
                np.empty_like(x),
                f0,
            )
            if f0_status != OK:
                raise_for_code(self.function, x, f0_status, "at x", name, m)
        threads = self.threads(x, stencils.evaluations, m)
        for q in range(k):
            colors = np.flatnonzero(stencils.active[q])
            if colors.size == 0:
                continue
            pointers, columns = _subgroups(coloring, colors)
            # Read-only like a Coloring's own groups: one compiled version of the kernel.
            pointers.flags.writeable = columns.flags.writeable = False
            out = np.empty((colors.size, m))
            status = np.zeros((colors.size, 1), dtype=np.int8)
            arguments = (address, x, self.args, stencils.displacements[q], pointers, columns)
            if threads > 1:
                terms = np.empty((colors.size, 1, m))
                color_differences_parallel(
                    *arguments, _ONE, _ONE, _FIRST_SLOT, np.zeros(m), out, status, terms, threads
                )
            else:
                color_differences_serial(*arguments, _ONE, _ONE, np.zeros(m), out, status)
            if status.any():
                index = int(np.flatnonzero(status[:, 0] != OK)[0])
                c = int(colors[index])
                point = SlotPoints(x, coloring, stencils, [(q, c)], False)
                raise_for_code(
                    self.function, point(0, 1)[0], int(status[index, 0]), point.describe(0), name, m
                )
            values[q, colors] = out
        return f0, values


_ONE = np.ones(1)
_FIRST_SLOT = np.zeros(1, dtype=np.int64)


def _subgroups(coloring, colors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group pointers and columns of the colours ``colors`` only (in that order)."""
    starts = coloring.group_pointers[colors]
    ends = coloring.group_pointers[colors + 1]
    columns = np.concatenate([coloring.group_columns[a:b] for a, b in zip(starts, ends)])
    pointers = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64)
    return pointers, columns.astype(np.int64)
