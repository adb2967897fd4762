"""SparseHessianFunction: a sparse Hessian from pattern pairs of f or gradient colours."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from fastdiff import stencils
from fastdiff._validation import as_step, check_choice, check_parallel, non_finite_error, steps_for
from fastdiff.compiled import SCALAR, _name, prepare
from fastdiff.kernels.sparse_hessian import (
    alone_in_color,
    combine_pattern_hessian,
    pattern_points_parallel,
    pattern_points_serial,
    recover_hessian,
    scalar_setup,
)
from fastdiff.sparse.coloring import _check_star_recovery, _coloring_for
from fastdiff.sparse.errors import _raise_at, _raise_for_pairs
from fastdiff.sparse.evaluation import (
    _ColorDifferences,
    _evaluate_batch,
    _python_evaluator,
    _python_steps,
    _threads,
)
from fastdiff.sparse.patterns import (
    _check_pattern,
    _Output,
    _PatternPairs,
    _symmetric_pattern,
    _transpose_positions,
)
from fastdiff.sparse.points import _FirstDerivativePoints, _HessianPatternPoints
from fastdiff.sparse.validation import _check_callable, _check_flag, _point_for
from fastdiff.status import OK
from fastdiff.steps import FLOAT64_EPS


class SparseHessianFunction:
    """Callable ``x -> sparse Hessian``; see :func:`hess`.

    Attributes
    ----------
    coloring : Coloring or None
        The star colouring (only with ``gradient``).
    evaluations : int
        Evaluations of ``f`` (or of ``gradient``) per call.
    """

    def __init__(
        self,
        f,
        sparsity,
        *,
        method="central",
        step=None,
        parallel=None,
        coloring=None,
        gradient=None,
        check=False,
        vectorized=False,
        workers=None,
        executor=None,
        progress=False,
        evaluator=None,
    ):
        self.method = check_choice(method, stencils.METHODS, "method")
        self.step = as_step(step)
        self.parallel = check_parallel(parallel)
        self.check = _check_flag(check)
        self.function = f
        self.gradient = gradient
        evaluated = f if gradient is None else gradient
        _check_callable(evaluated, "f" if gradient is None else "gradient")
        self._evaluator = _python_evaluator(
            evaluated, self.parallel, vectorized, workers, executor, progress, evaluator
        )
        self._pattern = _symmetric_pattern(sparsity)
        self._transpose = _transpose_positions(self._pattern)
        self._output = _Output(self._pattern)
        if gradient is None:
            if coloring is not None:
                raise ValueError(
                    "coloring is used only with gradient=: from f alone, every pair of "
                    "the pattern is evaluated directly, which no grouping can improve"
                )
            self.coloring = None
            self._compiled = None if self._evaluator is not None else prepare(f, SCALAR)
            self._pairs = _PatternPairs(self._pattern, self._transpose)
            stencil = stencils.HESSIAN[self.method]
            self.evaluations = (
                1
                + len(stencil.axis_offsets) * self.shape[0]
                + len(stencil.pair_offsets) * self._pairs.count
            )
        else:
            self.coloring = _coloring_for(self._pattern, coloring, symmetric=True)
            stencil = _FirstDerivativePoints.from_method(self.method)
            self._differences = _ColorDifferences(
                gradient,
                "gradient",
                self.shape[0],
                self.coloring,
                stencil,
                self.step,
                self.parallel,
                self._evaluator,
            )
            self._alone = alone_in_color(
                self._pattern.indptr,
                self._pattern.indices,
                self.coloring.colors,
                self.coloring.n_colors,
            )
            _check_star_recovery(self._pattern, self._alone, self._transpose)
            self.evaluations = stencil.evaluations(self.coloring.n_colors)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, n)`` of the pattern."""
        return self._pattern.shape

    def __call__(self, x: ArrayLike) -> scipy.sparse.csr_matrix:
        x = _point_for(x, self.shape[1], "sparsity")
        if self.gradient is None:
            data = self._from_function(x)
        else:
            data = self._from_gradient(x)
        result = self._output.matrix(data)
        if self.check:
            _check_pattern(self._dense(x), self._pattern, "Hessian")
        return result

    def _from_function(self, x: np.ndarray) -> np.ndarray:
        pairs = self._pairs
        n = x.shape[0]
        arrays = stencils.hessian_arrays(self.method)
        exponent = stencils.HESSIAN[self.method].step_exponent
        axis_width, pair_width = arrays[0].shape[0], arrays[3].shape[0]
        if self._compiled is not None:
            address = self._compiled.address
            h = np.empty(n)
            bad, f0, f0_status = scalar_setup(
                address, x, (), steps_for(self.step, n), exponent, FLOAT64_EPS, h
            )
            if bad >= 0:
                raise non_finite_error(x, bad)
            if f0_status != OK:
                _raise_at(self.function, x, f0_status, "at x", "f")
            values = (np.empty((n, axis_width)), np.empty((pairs.count, pair_width)))
            status = (
                np.zeros((n, axis_width), dtype=np.int8),
                np.zeros((pairs.count, pair_width), dtype=np.int8),
            )
            arguments = (address, x, (), h, arrays[0], arrays[3], pairs.rows, pairs.columns)
            threads = _threads(self.parallel, self._compiled, x, self.evaluations)
            if threads > 1:
                pattern_points_parallel(*arguments, values, status, threads)
            else:
                pattern_points_serial(*arguments, values, status)
            if status[0].any() or status[1].any():
                _raise_for_pairs(self.function, x, h, arrays, pairs, status)
            axis_values, pair_values = values
        else:
            h = _python_steps(x, self.step, exponent)
            points = _HessianPatternPoints(x, h, arrays, pairs)
            batch = _evaluate_batch(
                self._evaluator, self.function, points.count, points, SCALAR, "f", points.describe
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
        with self._differences(x) as (h, differences):
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
        import fastdiff

        if self.gradient is None:
            return fastdiff.hessian(self.function, x, method=self.method, step=self.step)
        return fastdiff.jacobian(self.gradient, x, method=self.method, step=self.step)

    def __repr__(self) -> str:
        source = "gradient" if self.gradient is not None else "f"
        return (
            f"SparseHessianFunction({_name(self.function)}, shape={self.shape}, "
            f"method={self.method!r}, from={source})"
        )
