"""How the points are evaluated: compiled or through an evaluator, serial or threaded."""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np

from fastdiff._validation import non_finite_error, steps_for
from fastdiff.api import PARALLEL_THRESHOLD_SECONDS, _choose_evaluator
from fastdiff.compiled import VECTOR, is_compiled, prepare
from fastdiff.evaluate import Evaluator
from fastdiff.kernels.sparse_jacobian import (
    color_differences_parallel,
    color_differences_serial,
    steps_at,
    sum_color_terms,
    vector_setup,
)
from fastdiff.sparse.errors import _length_error, _raise_at, _raise_for_status
from fastdiff.sparse.points import _GroupPoints
from fastdiff.status import OK
from fastdiff.steps import FLOAT64_EPS


def _python_evaluator(f, parallel, vectorized, workers, executor, progress, evaluator):
    """The evaluator of a Python ``f`` (as :mod:`fastdiff.api` chooses it), or None.

    None means the compiled path: ``f`` is jitted and no option asks for an
    evaluator.
    """
    chosen = _choose_evaluator(vectorized, workers, executor, progress, evaluator)
    if chosen is None and is_compiled(f):
        return None
    if parallel:
        raise ValueError(
            "parallel=True applies to Numba-compiled f; for a Python f use "
            "workers= or executor= to evaluate in parallel"
        )
    return chosen if chosen is not None else Evaluator()


def _threads(parallel, compiled, x: np.ndarray, evaluations: int, m: int = 0) -> int:
    """Threads for this call: 1 runs the serial kernel.

    ``parallel=None`` decides by the estimated work, against the same
    threshold as the dense derivatives.
    """
    if parallel is False:
        return 1
    if parallel is None:
        if evaluations * compiled.evaluation_cost(x, m) < PARALLEL_THRESHOLD_SECONDS:
            return 1
    return numba.get_num_threads()


def _python_steps(x: np.ndarray, step, exponent: float) -> np.ndarray:
    h = np.empty(x.shape[0])
    bad = steps_at(x, steps_for(step, x.shape[0]), exponent, FLOAT64_EPS, h)
    if bad >= 0:
        raise non_finite_error(x, bad)
    return h


class _Work:
    """Work arrays of one compressed evaluation (see :class:`_ColorDifferences`)."""

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


class _ColorDifferences:
    """Stencil sums of one vector function along each colour group, shape (n_colors, m).

    Calling it is a context manager yielding ``(h, differences)``: work
    arrays are reused by later calls (a fresh set for each concurrent call),
    since first touching tens of megabytes of new memory per call can cost
    as much as the evaluations.
    """

    def __init__(self, function, name, m, coloring, stencil, step, parallel, evaluator):
        self.function, self.name, self.m = function, name, m
        self.compiled = None if evaluator is not None else prepare(function, VECTOR)
        self.evaluator = evaluator
        self.coloring, self.stencil = coloring, stencil
        self.step, self.parallel = step, parallel
        self._free: list[_Work] = []

    @contextmanager
    def __call__(self, x: np.ndarray):
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
                yield self._compiled_differences(x, work)
            else:
                yield self._python_differences(x, work)
        finally:
            self._free.append(work)

    def _compiled_differences(self, x, work: _Work):
        coloring, stencil, m, name = self.coloring, self.stencil, self.m, self.name
        h, f0, differences, status = work.h, work.f0, work.differences, work.status
        address = self.compiled.address
        bad, f0_status = vector_setup(
            address,
            x,
            (),
            steps_for(self.step, x.shape[0]),
            stencil.exponent,
            FLOAT64_EPS,
            stencil.needs_center,
            h,
            f0,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        if f0_status != OK:
            _raise_at(self.function, x, f0_status, "at x", name, m)
        status[:] = OK
        arguments = (
            address,
            x,
            (),
            h,
            coloring.group_pointers,
            coloring.group_columns,
            stencil.offsets,
            stencil.weights,
        )
        evaluations = stencil.evaluations(coloring.n_colors)
        threads = _threads(self.parallel, self.compiled, x, evaluations, m)
        if threads > 1:
            terms = work.terms(stencil.width)
            color_differences_parallel(
                *arguments, stencil.slots, f0, differences, status, terms, threads
            )
        else:
            color_differences_serial(*arguments, f0, differences, status)
        if status.any():
            _raise_for_status(self.function, x, h, coloring, stencil, status, m, name)
        return h, differences

    def _python_differences(self, x, work: _Work):
        coloring, stencil, m, name = self.coloring, self.stencil, self.m, self.name
        h, f0, differences, terms = work.h, work.f0, work.differences, work.terms(stencil.width)
        h[:] = _python_steps(x, self.step, stencil.exponent)
        points = _GroupPoints(x, h, coloring, stencil)
        values = _evaluate_batch(
            self.evaluator, self.function, points.count, points, VECTOR, name, points.describe
        )
        if values.shape[1] != m:
            raise _length_error(name, values.shape[1], m)
        f0[:] = values[0] if stencil.needs_center else 0.0
        terms[:, stencil.slots, :] = values[points.first :].reshape(
            coloring.n_colors, stencil.slots.shape[0], m
        )
        sum_color_terms(terms, stencil.offsets, stencil.weights, f0, differences)
        return h, differences


def _evaluate_batch(evaluator, f, count: int, make_points, kind: str, name: str, describe):
    """Values of a Python ``f`` at the ``count`` points of ``make_points``.

    The evaluator decides how (serially, vectorized, on workers or an
    executor). The first exception of ``f``, in point order, is raised
    again with a note naming its point; a non-finite value is a
    ``ValueError``. Returns ``(count,)`` or ``(count, m)`` values.
    """
    batch = evaluator.evaluate(f, count, make_points, kind)
    if batch.errors:
        index = min(batch.errors)
        error = batch.errors[index]
        if hasattr(error, "add_note"):
            error.add_note(f"fastdiff: {name} raised {describe(index)}")
        raise error
    values = batch.values
    bad = np.flatnonzero(~np.isfinite(values.reshape(count, -1)).all(axis=1))
    if bad.size:
        raise ValueError(f"{name} returned a non-finite value {describe(int(bad[0]))}")
    return values
