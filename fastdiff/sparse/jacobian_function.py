"""SparseJacobianFunction: a sparse Jacobian from differences along colour groups."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from fastdiff.arguments import (
    as_extra_arguments,
    describe_signature,
    requires_extra_arguments,
    same_arguments,
)
from fastdiff.backends import python_evaluator
from fastdiff.batched import sparsity_not_supported
from fastdiff.careful import dense_jacobian
from fastdiff.compiled import function_name
from fastdiff.kernels.sparse_jacobian import recover_jacobian
from fastdiff.options import derivative_options
from fastdiff.sparse.coloring import Coloring, coloring_for
from fastdiff.sparse.evaluation import ColorDifferences
from fastdiff.sparse.patterns import PatternOutput, as_pattern, check_pattern
from fastdiff.sparse.points import SparseStencil
from fastdiff.sparse.validation import point_for
from fastdiff.validation import check_callable, check_flag


class SparseJacobianFunction:
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
        self.function = check_callable(f, "f")
        self.nfev = 0
        self._pattern = as_pattern(sparsity)
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
        stencil = SparseStencil.from_method(options.method)
        self.evaluations = stencil.evaluations(self.coloring.n_colors)
        evaluator = python_evaluator(self.function, options)
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
        if args or kwargs or self._differences is None:
            bound = self._for_arguments(args, kwargs)
            result = bound(x)
            self.nfev += bound.evaluations
            return result
        x = point_for(x, self.shape[1], "sparsity")
        data = np.empty(self._pattern.nnz)
        with self._differences(x) as (h, differences):
            recover_jacobian(h, differences, self._entry_offsets, self._output.indices, data)
        self.nfev += self.evaluations
        result = self._output.matrix(data)
        if self.check:
            check_pattern(self._dense(x), self._pattern, "Jacobian")
        return result

    def _for_arguments(self, args: tuple, kwargs: dict) -> SparseJacobianFunction:
        """A copy of this function for the extra arguments of one call (kept for the same objects)."""
        if not args and not kwargs:
            raise TypeError(
                f"{describe_signature(self.function)} takes extra arguments: "
                "pass them with args=(...) or call with (x, *args)"
            )
        if self.options.has_arguments:
            raise TypeError(
                "args were given when the derivative function was made; "
                "give them there or at each call, not both"
            )
        last = self._last_bound
        if last is not None and same_arguments(args, kwargs, last[0], last[1]):
            return last[2]
        args, kwargs = as_extra_arguments(args, kwargs)
        bound = copy.copy(self)
        bound._last_bound = None
        bound._prepare(replace(self.options, args=args, kwargs=kwargs))
        self._last_bound = (args, kwargs, bound)
        return bound

    def _dense(self, x: np.ndarray) -> np.ndarray:
        options = derivative_options(
            method=self.method, step=self.step, args=self.options.args, kwargs=self.options.kwargs
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
