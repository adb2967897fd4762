"""SparseJacobianFunction: a sparse Jacobian from differences along colour groups."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from fastdiff import stencils
from fastdiff._validation import as_step, check_choice, check_parallel
from fastdiff.compiled import _name
from fastdiff.kernels.sparse_jacobian import recover_jacobian
from fastdiff.sparse.coloring import Coloring, _coloring_for
from fastdiff.sparse.evaluation import _ColorDifferences, _python_evaluator
from fastdiff.sparse.patterns import _as_pattern, _check_pattern, _Output
from fastdiff.sparse.points import _FirstDerivativePoints
from fastdiff.sparse.validation import _check_callable, _check_flag, _point_for


class SparseJacobianFunction:
    """Callable ``x -> sparse Jacobian``; see :func:`jac`.

    Attributes
    ----------
    coloring : Coloring
    evaluations : int
        Evaluations of ``f`` per call.
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
        check=False,
        vectorized=False,
        workers=None,
        executor=None,
        progress=False,
        evaluator=None,
        timeout=None,
    ):
        self.method = check_choice(method, stencils.METHODS, "method")
        self.step = as_step(step)
        self.parallel = check_parallel(parallel)
        self.check = _check_flag(check)
        self.function = _check_callable(f, "f")
        evaluator = _python_evaluator(
            f, self.parallel, vectorized, workers, executor, progress, evaluator, timeout
        )
        self._pattern = _as_pattern(sparsity)
        self.coloring = _coloring_for(self._pattern, coloring, symmetric=False)
        stencil = _FirstDerivativePoints.from_method(self.method)
        self.evaluations = stencil.evaluations(self.coloring.n_colors)
        self._differences = _ColorDifferences(
            f, "f", self.shape[0], self.coloring, stencil, self.step, self.parallel, evaluator
        )
        self._output = _Output(self._pattern)
        self._entry_offsets = _entry_offsets(self._pattern, self.coloring, self._output)

    @property
    def shape(self) -> tuple[int, int]:
        """``(m, n)`` of the pattern."""
        return self._pattern.shape

    def __call__(self, x: ArrayLike) -> scipy.sparse.csr_matrix:
        x = _point_for(x, self.shape[1], "sparsity")
        data = np.empty(self._pattern.nnz)
        with self._differences(x) as (h, differences):
            recover_jacobian(h, differences, self._entry_offsets, self._output.indices, data)
        result = self._output.matrix(data)
        if self.check:
            _check_pattern(self._dense(x), self._pattern, "Jacobian")
        return result

    def _dense(self, x: np.ndarray) -> np.ndarray:
        import fastdiff

        return fastdiff.jacobian(self.function, x, method=self.method, step=self.step)

    def __repr__(self) -> str:
        return (
            f"SparseJacobianFunction({_name(self.function)}, shape={self.shape}, "
            f"method={self.method!r}, n_colors={self.coloring.n_colors})"
        )


def _entry_offsets(pattern, coloring: Coloring, output: _Output) -> np.ndarray:
    """``colors[j] * m + r`` for each entry ``(r, j)`` in CSR order (see ``recover_jacobian``).

    In the integer type of the output indices when it can hold them: the
    recovery reads both, once per entry.
    """
    m = pattern.shape[0]
    rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(pattern.indptr))
    offsets = coloring.colors[pattern.indices] * m + rows
    fits = coloring.n_colors * m < np.iinfo(output.indices.dtype).max
    return offsets.astype(output.indices.dtype) if fits else offsets
