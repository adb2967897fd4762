"""SparseJacobianFunction: a sparse Jacobian from differences along colour groups."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from fastdiff.arguments import (
    ArgumentsAtCall,
    bind,
    requires_extra_arguments,
)
from fastdiff.backends import python_evaluator
from fastdiff.batched import sparsity_not_supported
from fastdiff.bounds import as_bounds, first_derivative_within, point_inside
from fastdiff.careful import dense_jacobian
from fastdiff.compiled import VECTOR, function_name, is_compiled
from fastdiff.errors import length_error, listing
from fastdiff.evaluate import Evaluator
from fastdiff.high_accuracy.complex_step import ComplexParts
from fastdiff.high_accuracy.complex_step_check import check_complex_step
from fastdiff.kernels.complex_step import COMPLEX_STEP_SCALE
from fastdiff.kernels.sparse_jacobian import recover_jacobian
from fastdiff.options import derivative_options
from fastdiff.sparse.coloring import Coloring, coloring_for, coloring_from_groups, split_groups
from fastdiff.sparse.column_stencils import ColumnStencils, column_stencil_entries
from fastdiff.sparse.evaluation import ColorDifferences, evaluate_batch
from fastdiff.sparse.patterns import PatternOutput, as_pattern, check_pattern
from fastdiff.sparse.points import SparseStencil
from fastdiff.sparse.validation import point_for
from fastdiff.steps import FLOAT64_EPS, default_steps, steps_at, user_steps
from fastdiff.validation import check_callable, check_flag

#: The ``method=`` names sparse Jacobians take.
SPARSE_JACOBIAN_METHODS = ("central", "forward", "backward", "complex")


class SparseJacobianFunction(ArgumentsAtCall):
    """Callable ``x -> sparse Jacobian``; see :func:`jac`.

    Extra arguments of ``f`` (``f(x, *args, **kwargs)``) are given as
    options (``args=``, ``kwargs=``) or, as scipy passes them, at each call:
    ``jac(x, *args)`` uses a copy bound to those arguments (same colouring),
    kept while the same objects come back.

    Attributes
    ----------
    coloring : Coloring
    evaluations : int
        Evaluations of ``f`` per call.
    nfev : int
        Evaluations of ``f`` spent by all calls so far (``check=True`` not counted).
    """

    def __init__(
        self,
        f,
        sparsity,
        *,
        method="central",
        step=None,
        abs_step=None,
        rel_step=None,
        bounds=None,
        parallel=None,
        coloring=None,
        check=False,
        vectorized=False,
        workers=None,
        executor=None,
        progress=False,
        evaluator=None,
        timeout=None,
        args=(),
        kwargs=None,
    ):
        self.options = derivative_options(
            method=method,
            step=step,
            abs_step=abs_step,
            rel_step=rel_step,
            bounds=bounds,
            parallel=parallel,
            vectorized=vectorized,
            workers=workers,
            executor=executor,
            progress=progress,
            evaluator=evaluator,
            timeout=timeout,
            args=args,
            kwargs=kwargs,
            methods=SPARSE_JACOBIAN_METHODS,
        )
        self.method = self.options.method.name
        self.step = self.options.step
        self.parallel = self.options.parallel
        self.check = check_flag(check, "check")
        self.function = check_callable(f, "f")
        self.nfev = 0
        pattern, groups = split_groups(sparsity)
        self._pattern = as_pattern(pattern)
        if groups is not None:
            if coloring is not None:
                raise ValueError(
                    "give the column groups in sparsity=(pattern, groups) or coloring=, not both"
                )
            coloring = coloring_from_groups(self._pattern, groups)
        self.coloring = coloring_for(self._pattern, coloring, symmetric=False)
        self._output = PatternOutput(self._pattern)
        self._entry_offsets = _entry_offsets(self._pattern, self.coloring, self._output)
        self._last_bound = None  # (args, kwargs, copy) of the last call's arguments
        self._prepare(self.options)

    def _prepare(self, options) -> None:
        """Evaluation of ``f`` under ``options`` and their extra arguments.

        A compiled ``f`` with required parameters after ``x`` and no
        arguments given yet is prepared once a call brings them.
        """
        self.options = options
        evaluator = python_evaluator(self.function, options)
        if options.method.complex_step:
            # Every point is complex: evaluated through an evaluator (a serial
            # one by default, calling a compiled f from Python), never the
            # real-valued kernels.
            self._complex_evaluator = evaluator if evaluator is not None else Evaluator()
            self._complex_function = bind(self.function, options.args, options.kwargs)
            self.evaluations = self.coloring.n_colors
            self._differences = None
            return
        stencil = SparseStencil.from_method(options.method)
        self.evaluations = stencil.evaluations(self.coloring.n_colors)
        if (
            evaluator is None
            and not options.has_arguments
            and requires_extra_arguments(self.function)
        ):
            self._differences = None
            return
        self._differences = ColorDifferences(
            self.function,
            "f",
            self.shape[0],
            self.coloring,
            stencil,
            self.step,
            self.parallel,
            evaluator,
            options.args,
            options.kwargs,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(m, n)`` of the pattern."""
        return self._pattern.shape

    def __call__(self, x: ArrayLike, *args, **kwargs) -> scipy.sparse.csr_matrix:
        if args or kwargs or (self._differences is None and not self.options.method.complex_step):
            bound = self._for_arguments(args, kwargs)
            result = bound(x)
            self.nfev += bound.evaluations
            return result
        x = point_for(x, self.shape[1], "sparsity")
        if self.options.method.complex_step:
            data, evaluations = self._complex_step(x)
        elif self.options.bounds is not None:
            x, data, evaluations = self._within_bounds(x)
        else:
            # rel_step scales with |x|: absolute steps per call, as the dense path takes them.
            step = None if self.options.rel_step is None else user_steps(x, self.options)
            data = np.empty(self._pattern.nnz)
            with self._differences(x, step) as (h, differences):
                recover_jacobian(h, differences, self._entry_offsets, self._output.indices, data)
            evaluations = self.evaluations
        self.nfev += evaluations
        result = self._output.matrix(data)
        if self.check:
            check_pattern(self._dense(x), self._pattern, "Jacobian")
        return result

    def _within_bounds(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """``(x moved into the box, entries, evaluations)``: the dense path's stencils per column."""
        lb, ub = as_bounds(self.options.bounds, x.shape[0])
        x = point_inside(x, lb, ub)
        method = self.options.method
        h = steps_at(x, self.options, method.first.step_exponent, FLOAT64_EPS)
        offsets, weights, steps = first_derivative_within(method, x, h, lb, ub)
        stencils = ColumnStencils.from_tables(offsets, weights, steps, self.coloring)
        f0, values = self._differences.slot_values(x, stencils)
        data = column_stencil_entries(stencils, f0, values, self._pattern, self.coloring.colors)
        return x, data, stencils.evaluations

    def _complex_step(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """Entries by complex step: ``f(x + i sum_{j in c} h_j e_j)``, one point per colour."""
        n, m = x.shape[0], self.shape[0]
        if self.options.rel_step is None and self.options.step is None:
            h = default_steps(x, COMPLEX_STEP_SCALE)
        else:
            h = user_steps(x, self.options)
            h = np.where(h == 0.0, default_steps(x, COMPLEX_STEP_SCALE), h)
        h = np.asarray(h, dtype=np.float64)
        coloring = self.coloring

        def points(lo: int, hi: int) -> np.ndarray:
            rows = np.zeros((hi - lo, 2 * n))
            rows[:, :n] = x
            for c in range(lo, hi):
                columns = coloring.group_columns[
                    coloring.group_pointers[c] : coloring.group_pointers[c + 1]
                ]
                rows[c - lo, n + columns] = h[columns]
            return rows

        def describe(c: int) -> str:
            columns = coloring.group_columns[
                coloring.group_pointers[c] : coloring.group_pointers[c + 1]
            ]
            return f"at x + 1j * h on the columns of colour {c} {listing(columns.tolist())}"

        values = evaluate_batch(
            self._complex_evaluator,
            ComplexParts(self._complex_function, self._complex_evaluator.vectorized),
            coloring.n_colors,
            points,
            VECTOR,
            "f",
            describe,
        )
        if values.shape[1] != 2 * m:
            raise length_error("f", values.shape[1] // 2, m)
        data = np.empty(self._pattern.nnz)
        differences = np.ascontiguousarray(values[:, m:])
        recover_jacobian(h, differences, self._entry_offsets, self._output.indices, data)
        evaluations = coloring.n_colors
        if is_compiled(self.function) and not self.options.has_arguments:
            # Numba's complex powers of negative numbers: checked along one direction.
            check_complex_step(self.function, x, self._output.matrix(data), values[0, :m])
            evaluations += 1
        return data, evaluations

    def _described_function(self):
        return self.function

    def _dense(self, x: np.ndarray) -> np.ndarray:
        options = derivative_options(
            method="central" if self.options.method.complex_step else self.method,
            step=self.step,
            rel_step=self.options.rel_step,
            args=self.options.args,
            kwargs=self.options.kwargs,
        )
        return dense_jacobian(self.function, x, options)

    def at_points(self, X, *args, **kwargs):
        """Not supported: a sparse Jacobian is computed at one point per call.

        Raises
        ------
        ValueError
            Always, naming ``sparsity``; call this function at each row of ``X``.
        """
        raise sparsity_not_supported("SparseJacobianFunction.at_points")

    def __repr__(self) -> str:
        return (
            f"SparseJacobianFunction({function_name(self.function)}, shape={self.shape}, "
            f"method={self.method!r}, n_colors={self.coloring.n_colors})"
        )


def _entry_offsets(pattern, coloring: Coloring, output: PatternOutput) -> np.ndarray:
    """``colors[j] * m + r`` for each entry ``(r, j)`` in CSR order (see ``recover_jacobian``).

    In the integer type of the output indices when it can hold them: the
    recovery reads both, once per entry.
    """
    m = pattern.shape[0]
    rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(pattern.indptr))
    offsets = coloring.colors[pattern.indices] * m + rows
    fits = coloring.n_colors * m < np.iinfo(output.indices.dtype).max
    return offsets.astype(output.indices.dtype) if fits else offsets
