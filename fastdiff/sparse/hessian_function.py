"""SparseHessianFunction: a sparse Hessian from pattern pairs of f or gradient colours."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from fastdiff import stencils
from fastdiff.arguments import argument_types, bind, positional_arguments
from fastdiff.backends import python_evaluator
from fastdiff.batched import sparsity_not_supported
from fastdiff.careful import dense_hessian, dense_jacobian
from fastdiff.compiled import SCALAR, function_name, prepare
from fastdiff.errors import non_finite_error, raise_for_code
from fastdiff.kernels.sparse_hessian import (
    alone_in_color,
    combine_pattern_hessian,
    pattern_points_parallel,
    pattern_points_serial,
    recover_hessian,
    scalar_setup,
)
from fastdiff.options import derivative_options
from fastdiff.sparse.coloring import check_star_recovery, coloring_for
from fastdiff.sparse.evaluation import ColorDifferences, evaluate_batch, python_steps
from fastdiff.sparse.patterns import (
    PatternOutput,
    PatternPairs,
    check_pattern,
    symmetric_pattern,
    transpose_positions,
)
from fastdiff.sparse.points import PatternHessianPoints, SparseStencil, failed_pattern_point
from fastdiff.sparse.validation import point_for
from fastdiff.status import OK
from fastdiff.stencil_positions import AXIS_OFFSETS, PAIR_OFFSETS
from fastdiff.steps import FLOAT64_EPS, user_steps
from fastdiff.threads import ThreadPolicy
from fastdiff.validation import check_callable, check_flag, steps_for


class SparseHessianFunction:
    """Callable ``x -> sparse Hessian``; see :func:`hess`.

    Attributes
    ----------
    coloring : Coloring or None
        The star colouring (only with ``gradient``).
    evaluations : int
        Evaluations of ``f`` (or of ``gradient``) per call.
    nfev : int
        Evaluations of ``f`` (or of ``gradient``) spent by all calls so far
        (``check=True`` not counted).
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
        parallel=None,
        coloring=None,
        gradient=None,
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
            parallel=parallel,
            vectorized=vectorized,
            workers=workers,
            executor=executor,
            progress=progress,
            evaluator=evaluator,
            timeout=timeout,
            args=args,
            kwargs=kwargs,
        )
        self.method = self.options.method.name
        self.step = self.options.step
        self.parallel = self.options.parallel
        self.check = check_flag(check, "check")
        self.function = f
        self.gradient = gradient
        self.nfev = 0
        evaluated = f if gradient is None else gradient
        check_callable(evaluated, "f" if gradient is None else "gradient")
        self._evaluator = python_evaluator(evaluated, self.options)
        self._pattern = symmetric_pattern(sparsity)
        self._transpose = transpose_positions(self._pattern)
        self._output = PatternOutput(self._pattern)
        if gradient is None:
            if coloring is not None:
                raise ValueError(
                    "coloring is used only with gradient=: from f alone, every pair of "
                    "the pattern is evaluated directly, which no grouping can improve"
                )
            self.coloring = None
            options = self.options
            self._evaluated = bind(f, options.args, options.kwargs)
            self._arguments = (
                ()
                if self._evaluator is not None
                else positional_arguments(f, options.args, options.kwargs)
            )
            self._compiled = (
                None
                if self._evaluator is not None
                else prepare(f, SCALAR, argument_types(self._arguments))
            )
            self._threads = (
                None
                if self._compiled is None
                else ThreadPolicy(self.parallel, self._compiled, self._arguments)
            )
            self._pairs = PatternPairs(self._pattern, self._transpose)
            stencil = self.options.method.second
            self.evaluations = (
                1
                + len(stencil.axis_offsets) * self.shape[0]
                + len(stencil.pair_offsets) * self._pairs.count
            )
        else:
            self.coloring = coloring_for(self._pattern, coloring, symmetric=True)
            stencil = SparseStencil.from_method(self.options.method)
            self._differences = ColorDifferences(
                gradient,
                "gradient",
                self.shape[0],
                self.coloring,
                stencil,
                self.step,
                self.parallel,
                self._evaluator,
                self.options.args,
                self.options.kwargs,
            )
            self._alone = alone_in_color(
                self._pattern.indptr,
                self._pattern.indices,
                self.coloring.colors,
                self.coloring.n_colors,
            )
            check_star_recovery(self._pattern, self._alone, self._transpose)
            self.evaluations = stencil.evaluations(self.coloring.n_colors)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, n)`` of the pattern."""
        return self._pattern.shape

    def __call__(self, x: ArrayLike) -> scipy.sparse.csr_matrix:
        x = point_for(x, self.shape[1], "sparsity")
        if self.gradient is None:
            data = self._from_function(x)
        else:
            data = self._from_gradient(x)
        self.nfev += self.evaluations
        result = self._output.matrix(data)
        if self.check:
            check_pattern(self._dense(x), self._pattern, "Hessian")
        return result

    def _user_steps(self, x: np.ndarray):
        """Absolute steps (``rel_step`` scales with ``|x|``), or the ``step`` option."""
        if self.options.rel_step is None:
            return self.step
        return user_steps(x, self.options)

    def _from_function(self, x: np.ndarray) -> np.ndarray:
        pairs = self._pairs
        n = x.shape[0]
        arrays = stencils.hessian_arrays(self.options.method.base)
        exponent = self.options.method.second.step_exponent
        axis_width, pair_width = arrays[AXIS_OFFSETS].shape[0], arrays[PAIR_OFFSETS].shape[0]
        if self._compiled is not None:
            address = self._compiled.address
            h = np.empty(n)
            bad, f0, f0_status = scalar_setup(
                address,
                x,
                self._arguments,
                steps_for(self._user_steps(x), n),
                exponent,
                FLOAT64_EPS,
                h,
            )
            if bad >= 0:
                raise non_finite_error(x, bad)
            if f0_status != OK:
                raise_for_code(self._evaluated, x, f0_status, "at x")
            values = (np.empty((n, axis_width)), np.empty((pairs.count, pair_width)))
            status = (
                np.zeros((n, axis_width), dtype=np.int8),
                np.zeros((pairs.count, pair_width), dtype=np.int8),
            )
            arguments = (
                address,
                x,
                self._arguments,
                h,
                arrays[AXIS_OFFSETS],
                arrays[PAIR_OFFSETS],
                pairs.rows,
                pairs.columns,
            )
            threads = self._threads(x, self.evaluations)
            if threads > 1:
                pattern_points_parallel(*arguments, values, status, threads)
            else:
                pattern_points_serial(*arguments, values, status)
            if status[0].any() or status[1].any():
                point, code, where = failed_pattern_point(x, h, arrays, pairs, status)
                raise_for_code(self._evaluated, point, code, where)
            axis_values, pair_values = values
        else:
            h = python_steps(x, self._user_steps(x), exponent)
            points = PatternHessianPoints(x, h, arrays, pairs)
            batch = evaluate_batch(
                self._evaluator, self._evaluated, points.count, points, SCALAR, "f", points.describe
            )
            f0 = float(batch[0])
            axis_values = batch[1 : points.pair_start].reshape(n, axis_width)
            pair_values = batch[points.pair_start :].reshape(pairs.count, pair_width)
        data = np.empty(self._pattern.indices.shape[0])
        combine_pattern_hessian(
            h,
            arrays,
            f0,
            axis_values,
            pair_values,
            pairs.rows,
            pairs.columns,
            pairs.positions,
            pairs.diagonal,
            data,
        )
        return data

    def _from_gradient(self, x: np.ndarray) -> np.ndarray:
        data = np.empty(self._pattern.nnz)
        with self._differences(x, self._user_steps(x)) as (h, differences):
            recover_hessian(
                h,
                self.coloring.colors,
                differences,
                self._pattern.indptr,
                self._pattern.indices,
                self._transpose,
                self._alone,
                data,
            )
        return data

    def _dense(self, x: np.ndarray) -> np.ndarray:
        options = derivative_options(
            method=self.method,
            step=self.step,
            rel_step=self.options.rel_step,
            args=self.options.args,
            kwargs=self.options.kwargs,
        )
        if self.gradient is None:
            return dense_hessian(self.function, x, options)
        return dense_jacobian(self.gradient, x, options)

    def at_points(self, X, *args, **kwargs):
        """Not supported: a sparse Hessian is computed at one point per call.

        Raises
        ------
        ValueError
            Always, naming ``sparsity``; call this function at each row of ``X``.
        """
        raise sparsity_not_supported("SparseHessianFunction.at_points")

    def __repr__(self) -> str:
        source = "gradient" if self.gradient is not None else "f"
        return (
            f"SparseHessianFunction({function_name(self.function)}, shape={self.shape}, "
            f"method={self.method!r}, from={source})"
        )
