"""Sparse Jacobians and Hessians: colour the columns, perturb a colour at once.

When no row of a Jacobian has nonzeros in both column ``i`` and column
``j``, one evaluation of ``f`` at ``x + h_i e_i + h_j e_j`` yields both
columns: each row of the difference belongs to one of them (Curtis, Powell
& Reid 1974). Grouping the columns so (a *colouring*, computed in compiled
code by :mod:`fastdiff.kernels.coloring`) brings a Jacobian from ``n``
evaluations per stencil point down to the number of colours: 3 for a
tridiagonal matrix of any size.

The pattern is a promise: entries outside it are **not computed** and come
back as structural zeros, right or wrong. ``check=True`` compares with the
dense derivative (small problems only) and names the largest entry the
pattern misses.

Hessians come in two ways:

* from ``f`` alone, the second-difference stencil is evaluated on the pairs
  of the pattern only: ``1 + 2 n + 2 E`` evaluations for central
  differences, ``1 + 2 n + E`` for one-sided (``E`` off-diagonal pairs
  ``i < j``) instead of ``n**2 + n + 1``. Every evaluation of a scalar
  ``f`` gives one number, so grouping cannot reduce this further: the
  one-sided count is the least any method needs.
* from a ``gradient=`` function, differences of the gradient along the
  colour groups of a *star colouring* (Coleman & Moré 1984) give the
  entries directly, using symmetry: ``2 * n_colors`` gradient evaluations
  for central differences (``n_colors + 1`` one-sided), e.g. 6 for a
  tridiagonal Hessian of any size.

Results are ``scipy.sparse.csr_matrix`` with exactly the pattern (for
Hessians, the pattern plus its diagonal, which costs nothing extra).

A Numba-compiled function is evaluated in the kernels of
:mod:`fastdiff.kernels.sparse_jacobian` and
:mod:`fastdiff.kernels.sparse_hessian`; any other callable gets all its
points (one per colour group and stencil point) as one batch through a
:class:`~fastdiff.Evaluator`, so ``vectorized``, ``workers`` and
``executor`` work as for the dense derivatives. Both paths combine the
values with the same compiled code and agree to the last bit.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numba
import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from fastdiff import stencils
from fastdiff._validation import (
    as_point,
    as_step,
    check_choice,
    check_parallel,
    non_finite_error,
    steps_for,
)
from fastdiff.compiled import SCALAR, VECTOR, is_compiled, prepare
from fastdiff.evaluate import Evaluator
from fastdiff.kernels import coloring as coloring_kernels
from fastdiff.kernels.sparse_hessian import (
    alone_in_color,
    combine_pattern_hessian,
    pattern_points_parallel,
    pattern_points_serial,
    recover_hessian,
    scalar_setup,
)
from fastdiff.kernels.sparse_jacobian import (
    color_differences_parallel,
    color_differences_serial,
    recover_jacobian,
    steps_at,
    sum_color_terms,
    vector_setup,
)
from fastdiff.status import MESSAGES, NOT_FINITE, OK, RAISED, WRONG_SHAPE
from fastdiff.steps import FLOAT64_EPS

#: Vertex orders of the greedy colouring; ``"best"`` tries them all.
ORDERINGS = ("natural", "largest_first", "smallest_last")
_ORDERING_CODES = {
    "natural": coloring_kernels.NATURAL,
    "largest_first": coloring_kernels.LARGEST_FIRST,
    "smallest_last": coloring_kernels.SMALLEST_LAST,
}

#: ``check=True`` reports dense entries outside the pattern larger than this
#: fraction of the largest dense entry (at least 1): finite-difference noise
#: of an entry that is truly zero stays far below it.
CHECK_RELATIVE_TOLERANCE = 1e-6

#: Below this estimated amount of work (seconds of evaluations), threads cost
#: more than they save and ``parallel=None`` runs serially (as for dense).
PARALLEL_THRESHOLD_SECONDS = 20e-6


@dataclass(frozen=True, eq=False)
class Coloring:
    """Columns grouped so that each group is perturbed in one evaluation.

    Compute it once with :func:`color_jacobian` or :func:`color_hessian` and
    pass it as ``coloring=`` for every later pattern of the same structure.

    Attributes
    ----------
    colors : ndarray of int64, shape (n,)
        Colour of each column, from 0 to ``n_colors - 1``.
    n_colors : int
        Number of groups: evaluations per stencil point.
    ordering : str
        Vertex order of the greedy colouring that gave the fewest colours,
        one of :data:`ORDERINGS`.
    kind : {"column", "star"}
        ``"column"``: no two columns of a group share a row (Jacobians).
        ``"star"``: a star colouring of a symmetric pattern (Hessians from
        gradient differences).
    shape : tuple of int
        Shape of the pattern it was computed for.
    """

    colors: np.ndarray
    n_colors: int
    ordering: str
    kind: str
    shape: tuple[int, int]
    group_pointers: np.ndarray = field(repr=False)
    group_columns: np.ndarray = field(repr=False)

    @property
    def groups(self) -> tuple[np.ndarray, ...]:
        """The columns of each colour, increasing, one array per colour."""
        return tuple(np.split(self.group_columns, self.group_pointers[1:-1]))


def color_jacobian(sparsity, *, ordering: str = "best") -> Coloring:
    """Group the columns of a Jacobian pattern for compressed evaluation.

    Parameters
    ----------
    sparsity : scipy.sparse matrix or boolean array_like, shape (m, n)
        Where the Jacobian may be nonzero.
    ordering : {"best", "natural", "largest_first", "smallest_last"}
        Vertex order of the greedy colouring. ``"best"`` tries them in this
        order and keeps the fewest colours, stopping early when the largest
        number of entries in a row (a lower bound) is reached.

    Returns
    -------
    Coloring
        ``kind="column"``: no two columns of a group share a row. The number
        of colours is at most the largest degree of the column intersection
        graph plus one.

    Examples
    --------
    >>> import numpy as np, scipy.sparse, fastdiff
    >>> pattern = scipy.sparse.eye(1000) + scipy.sparse.eye(1000, k=1) + scipy.sparse.eye(1000, k=-1)
    >>> fastdiff.sparse.color_jacobian(pattern).n_colors
    3
    """
    pattern = _as_pattern(sparsity)
    return _color(pattern, _ordering_codes(ordering), symmetric=False)


def color_hessian(sparsity, *, ordering: str = "best") -> Coloring:
    """Star colouring of a symmetric pattern, for Hessians from gradient differences.

    Parameters
    ----------
    sparsity : scipy.sparse matrix or boolean array_like, shape (n, n)
        Symmetric; the diagonal is always included.
    ordering : {"best", "natural", "largest_first", "smallest_last"}
        As for :func:`color_jacobian` (degrees of the pattern's graph).

    Returns
    -------
    Coloring
        ``kind="star"``: every entry ``(i, j)`` is the only one of its
        colour in row ``i``, or ``(j, i)`` is in row ``j``. Often about half
        the colours of :func:`color_jacobian` on the same pattern (an
        arrow-head needs 2 instead of ``n``).
    """
    pattern = _symmetric_pattern(sparsity)
    return _color(pattern, _ordering_codes(ordering), symmetric=True)


def jacobian(
    f,
    x: ArrayLike,
    sparsity,
    *,
    method: str = "central",
    step: float | ArrayLike | None = None,
    parallel: bool | None = None,
    coloring: Coloring | None = None,
    check: bool = False,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
) -> scipy.sparse.csr_matrix:
    """Sparse Jacobian by finite differences of grouped columns.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray (m,)``. A Numba-compiled ``f`` is evaluated in
        compiled kernels; any other callable through an
        :class:`~fastdiff.Evaluator`, one batch of ``evaluations`` points.
    x : array_like, shape (n,)
        Point of differentiation; finite.
    sparsity : scipy.sparse matrix or boolean array_like, shape (m, n)
        Where the Jacobian may be nonzero. Entries outside it are not
        computed.
    method : {"central", "forward", "backward"}
        Difference formula, as for :func:`fastdiff.jacobian`.
    step : float or array_like of shape (n,), optional
        Absolute step; default relative, as for :func:`fastdiff.jacobian`.
    parallel : bool, optional
        Evaluate the groups on all threads (compiled ``f``). Default:
        automatic.
    coloring : Coloring, optional
        From :func:`color_jacobian` on the same pattern; computed if omitted.
    check : bool
        Also compute the dense Jacobian (``2 n`` evaluations and an
        ``(m, n)`` array: small problems only) and raise ``ValueError`` if
        the pattern misses an entry.
    vectorized, workers, executor, progress, evaluator
        How a Python ``f`` is evaluated, as for :func:`fastdiff.jacobian`.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (m, n)
        Exactly the pattern (sorted, without duplicates or explicit zeros).

    Raises
    ------
    TypeError
        ``sparsity`` is not a sparse matrix or a boolean array; ``f`` is
        not callable.
    ValueError
        The shapes of ``sparsity``, ``x`` and ``f(x)`` disagree; ``coloring``
        does not fit ``sparsity``; ``f`` is not finite at a point; with
        ``check=True``, the pattern misses an entry.

    Notes
    -----
    Central: ``2 * n_colors`` evaluations; forward and backward:
    ``n_colors + 1``.

    Examples
    --------
    >>> import numpy as np, numba, scipy.sparse, fastdiff
    >>> @numba.njit
    ... def f(x):
    ...     return x ** 2
    >>> J = fastdiff.sparse.jacobian(f, np.arange(4.0), scipy.sparse.eye(4))
    >>> J.toarray().diagonal().round(6)
    array([0., 2., 4., 6.])
    """
    derivative = SparseJacobianFunction(
        f,
        sparsity,
        method=method,
        step=step,
        parallel=parallel,
        coloring=coloring,
        check=check,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
    )
    return derivative(x)


def hessian(
    f,
    x: ArrayLike,
    sparsity,
    *,
    method: str = "central",
    step: float | ArrayLike | None = None,
    parallel: bool | None = None,
    coloring: Coloring | None = None,
    gradient: Callable | None = None,
    check: bool = False,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
) -> scipy.sparse.csr_matrix:
    """Sparse symmetric Hessian by finite differences.

    Parameters
    ----------
    f : callable or None
        ``f(x) -> float``, Numba-compiled or any callable (evaluated as for
        :func:`jacobian`). Not evaluated when ``gradient`` is given (then it
        may be None).
    x : array_like, shape (n,)
        Point of differentiation; finite.
    sparsity : scipy.sparse matrix or boolean array_like, shape (n, n)
        Symmetric pattern of the Hessian; the diagonal is always computed.
        Entries outside it are not computed.
    method : {"central", "forward", "backward"}
        Difference formula: the Hessian stencil of :func:`fastdiff.hessian`
        on ``f``, or the first-derivative stencil on ``gradient``.
    step : float or array_like of shape (n,), optional
        Absolute step; default relative, with the exponent of the formula.
    parallel : bool, optional
        Use all threads (compiled functions). Default: automatic.
    coloring : Coloring, optional
        From :func:`color_hessian` on the same pattern (only with
        ``gradient``); computed if omitted.
    gradient : callable, optional
        ``gradient(x) -> ndarray (n,)``, the gradient of ``f``. Then the
        Hessian comes from gradient differences along star-colour groups.
    check : bool
        Also compute the dense Hessian (small problems only) and raise
        ``ValueError`` if the pattern misses an entry.
    vectorized, workers, executor, progress, evaluator
        How a Python ``f`` (or ``gradient``) is evaluated, as for
        :func:`fastdiff.hessian`.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n)
        The pattern plus the diagonal; exactly symmetric.

    Raises
    ------
    TypeError, ValueError
        As for :func:`jacobian`; also if ``sparsity`` is not square or not
        symmetric, or ``coloring`` is given without ``gradient``.

    Notes
    -----
    From ``f``, with ``E`` pattern pairs ``i < j``: central ``1 + 2 n + 2 E``
    evaluations, forward and backward ``1 + 2 n + E`` (dense: ``n**2 + n +
    1`` and ``1 + n (n + 3) / 2``). From ``gradient``: central
    ``2 * n_colors`` gradient evaluations, one-sided ``n_colors + 1``.
    """
    derivative = SparseHessianFunction(
        f,
        sparsity,
        method=method,
        step=step,
        parallel=parallel,
        coloring=coloring,
        gradient=gradient,
        check=check,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
    )
    return derivative(x)


def jac(
    f,
    sparsity,
    *,
    method: str = "central",
    step=None,
    parallel: bool | None = None,
    coloring: Coloring | None = None,
    check: bool = False,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
) -> SparseJacobianFunction:
    """Sparse Jacobian function of ``f``: ``jac(f, S)(x) == jacobian(f, x, S)``.

    The pattern is checked, coloured and ``f`` prepared once; each call pays
    only for the evaluations. For ``scipy.optimize.least_squares(fun, x0,
    jac=fastdiff.sparse.jac(fun, S))`` and Newton-type solvers.
    """
    return SparseJacobianFunction(
        f,
        sparsity,
        method=method,
        step=step,
        parallel=parallel,
        coloring=coloring,
        check=check,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
    )


def hess(
    f,
    sparsity,
    *,
    method: str = "central",
    step=None,
    parallel: bool | None = None,
    coloring: Coloring | None = None,
    gradient: Callable | None = None,
    check: bool = False,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
) -> SparseHessianFunction:
    """Sparse Hessian function of ``f``: ``hess(f, S)(x) == hessian(f, x, S)``."""
    return SparseHessianFunction(
        f,
        sparsity,
        method=method,
        step=step,
        parallel=parallel,
        coloring=coloring,
        gradient=gradient,
        check=check,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
    )


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
    ):
        self.method = check_choice(method, stencils.METHODS, "method")
        self.step = as_step(step)
        self.parallel = check_parallel(parallel)
        self.check = _check_flag(check)
        self.function = _check_callable(f, "f")
        evaluator = _python_evaluator(
            f, self.parallel, vectorized, workers, executor, progress, evaluator
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
                address, x, steps_for(self.step, n), exponent, FLOAT64_EPS, h
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
            arguments = (address, x, h, arrays[0], arrays[3], pairs.rows, pairs.columns)
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


# --- patterns ---------------------------------------------------------------


def _as_pattern(sparsity, name: str = "sparsity") -> scipy.sparse.csr_matrix:
    """``sparsity`` as a canonical CSR matrix with int64 indices and no stored zeros."""
    if scipy.sparse.issparse(sparsity):
        if sparsity.ndim != 2:
            raise ValueError(f"{name} must be 2-D; got shape {sparsity.shape}")
        if sparsity.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real or boolean values; got dtype {sparsity.dtype}")
        matrix = scipy.sparse.csr_matrix(sparsity, copy=True)
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
    else:
        if isinstance(sparsity, (np.ndarray, list, tuple)):
            array = np.asarray(sparsity)
        else:
            raise TypeError(
                f"{name} must be a scipy.sparse matrix or a boolean array of shape (m, n); "
                f"got {type(sparsity).__name__}"
            )
        if array.dtype != np.bool_:
            raise TypeError(
                f"{name} must be a scipy.sparse matrix or a boolean array of shape (m, n); "
                f"got an array of dtype {array.dtype} (pass `{name} != 0` to mark the nonzeros)"
            )
        if array.ndim != 2:
            raise ValueError(f"{name} must be 2-D, shape (m, n); got shape {array.shape}")
        matrix = scipy.sparse.csr_matrix(array)
    if 0 in matrix.shape:
        raise ValueError(f"{name} must have at least one row and one column; got {matrix.shape}")
    indices = matrix.indices.astype(np.int64)
    indptr = matrix.indptr.astype(np.int64)
    pattern = scipy.sparse.csr_matrix(
        (np.ones(indices.shape[0], dtype=np.bool_), indices, indptr), shape=matrix.shape
    )
    # scipy may pick int32 for small matrices: the kernels take int64 only.
    pattern.indices, pattern.indptr = indices, indptr
    for array in (pattern.indices, pattern.indptr, pattern.data):
        array.flags.writeable = False
    return pattern


def _symmetric_pattern(sparsity, name: str = "sparsity") -> scipy.sparse.csr_matrix:
    """A square, symmetric pattern, with the diagonal added."""
    pattern = _as_pattern(sparsity, name)
    m, n = pattern.shape
    if m != n:
        raise ValueError(f"{name} must be square for a Hessian; got shape {pattern.shape}")
    asymmetric = pattern.astype(np.int8) - pattern.T.astype(np.int8)
    asymmetric.eliminate_zeros()
    if asymmetric.nnz:
        coo = asymmetric.tocoo()
        k = int(np.argmax(coo.data))
        i, j = int(coo.row[k]), int(coo.col[k])
        raise ValueError(
            f"{name} must be symmetric for a Hessian; entry ({i}, {j}) is in the pattern but "
            f"({j}, {i}) is not"
        )
    with_diagonal = pattern.astype(np.bool_) + scipy.sparse.eye(n, dtype=np.bool_, format="csr")
    return _as_pattern(with_diagonal, name)


def _transpose_positions(pattern: scipy.sparse.csr_matrix) -> np.ndarray:
    """CSR position of ``(j, i)`` for each position of ``(i, j)`` of a symmetric pattern."""
    nnz = pattern.indices.shape[0]
    positions = scipy.sparse.csr_matrix(
        (np.arange(nnz, dtype=np.int64), pattern.indices, pattern.indptr), shape=pattern.shape
    )
    transposed = positions.T.tocsr()
    transposed.sort_indices()
    return np.ascontiguousarray(transposed.data, dtype=np.int64)


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


class _Output:
    """The index arrays of the result, in the integer type scipy settles on.

    scipy scans int64 index arrays and converts them to int32 when they fit;
    converting once here leaves a plain copy per call.
    """

    def __init__(self, pattern: scipy.sparse.csr_matrix):
        index_type = np.int32 if max(*pattern.shape, pattern.nnz) < 2**31 else np.int64
        self.indices = pattern.indices.astype(index_type)
        self.indptr = pattern.indptr.astype(index_type)
        self.shape = pattern.shape

    def matrix(self, data: np.ndarray) -> scipy.sparse.csr_matrix:
        """A new CSR matrix of the pattern holding ``data`` (index arrays copied)."""
        result = scipy.sparse.csr_matrix(
            (data, self.indices.copy(), self.indptr.copy()), shape=self.shape
        )
        result.has_sorted_indices = True
        return result


class _PatternPairs:
    """Off-diagonal pairs ``i < j`` of a symmetric pattern and their CSR positions."""

    def __init__(self, pattern: scipy.sparse.csr_matrix, transpose: np.ndarray):
        n = pattern.shape[0]
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(pattern.indptr))
        upper = pattern.indices > rows
        self.rows = np.ascontiguousarray(rows[upper])
        self.columns = np.ascontiguousarray(pattern.indices[upper])
        self.positions = np.ascontiguousarray(
            np.stack([np.flatnonzero(upper), transpose[upper]], axis=1), dtype=np.int64
        )
        self.diagonal = np.flatnonzero(pattern.indices == rows).astype(np.int64)
        self.count = self.rows.shape[0]


# --- colouring --------------------------------------------------------------


def _ordering_codes(ordering) -> np.ndarray:
    choices = ("best", *ORDERINGS)
    check_choice(ordering, choices, "ordering")
    names = ORDERINGS if ordering == "best" else (ordering,)
    return np.array([_ORDERING_CODES[name] for name in names], dtype=np.int64)


def _color(pattern: scipy.sparse.csr_matrix, codes: np.ndarray, symmetric: bool) -> Coloring:
    m, n = pattern.shape
    if symmetric:
        # Orders follow the degrees of the pattern's own graph (see the kernel).
        column_pointers = np.arange(n + 1, dtype=np.int64)
        column_rows = np.arange(n, dtype=np.int64)
        lower_bound = 1 if pattern.nnz == n else 2
    else:
        by_columns = pattern.tocsc()
        column_pointers = by_columns.indptr.astype(np.int64)
        column_rows = by_columns.indices.astype(np.int64)
        lower_bound = int(np.diff(pattern.indptr).max())
    colors, n_colors, code = coloring_kernels.color_columns(
        column_pointers,
        column_rows,
        pattern.indptr,
        pattern.indices,
        codes,
        lower_bound,
        symmetric,
    )
    ordering = ORDERINGS[[_ORDERING_CODES[o] for o in ORDERINGS].index(code)]
    return _make_coloring(
        colors, int(n_colors), ordering, "star" if symmetric else "column", (m, n)
    )


def _make_coloring(colors, n_colors, ordering, kind, shape) -> Coloring:
    group_pointers, group_columns = coloring_kernels.color_groups(colors, n_colors)
    for array in (colors, group_pointers, group_columns):
        array.flags.writeable = False
    return Coloring(colors, n_colors, ordering, kind, shape, group_pointers, group_columns)


def _coloring_for(pattern, coloring, symmetric: bool) -> Coloring:
    """The colouring to use: computed, or the user's checked against the pattern."""
    if coloring is None:
        return _color(pattern, _ordering_codes("best"), symmetric)
    kind = "star" if symmetric else "column"
    if not isinstance(coloring, Coloring):
        maker = "color_hessian" if symmetric else "color_jacobian"
        raise TypeError(
            f"coloring must be a fastdiff.sparse.Coloring (from {maker}); "
            f"got {type(coloring).__name__}"
        )
    if coloring.kind != kind:
        maker = "color_hessian" if symmetric else "color_jacobian"
        raise ValueError(
            f"coloring must be a {kind!r} colouring (from {maker}); got a {coloring.kind!r} one"
        )
    if tuple(coloring.shape) != pattern.shape:
        raise ValueError(
            f"coloring was computed for a pattern of shape {tuple(coloring.shape)}; "
            f"sparsity has shape {pattern.shape}"
        )
    if not symmetric:
        row, first, second = coloring_kernels.first_column_conflict(
            pattern.indptr, pattern.indices, coloring.colors
        )
        if row >= 0:
            raise ValueError(
                f"coloring does not fit sparsity: columns {first} and {second} share row {row} "
                f"but have the same colour {coloring.colors[first]}"
            )
    return coloring


def _check_star_recovery(pattern, alone: np.ndarray, transpose: np.ndarray) -> None:
    missing = np.flatnonzero(~(alone | alone[transpose]))
    if missing.size:
        p = int(missing[0])
        i = int(np.searchsorted(pattern.indptr, p, side="right") - 1)
        j = int(pattern.indices[p])
        raise ValueError(
            f"coloring does not fit sparsity: entry ({i}, {j}) cannot be recovered (another "
            f"column of row {i} has the colour of {j}, and another column of row {j} has the "
            f"colour of {i}); use color_hessian on this pattern"
        )


# --- evaluation -------------------------------------------------------------


@dataclass(frozen=True)
class _FirstDerivativePoints:
    """One first-derivative stencil row of :mod:`fastdiff.stencils`, as the kernels take it."""

    offsets: np.ndarray
    weights: np.ndarray
    slots: np.ndarray
    needs_center: bool
    exponent: float

    @classmethod
    def from_method(cls, method: str) -> _FirstDerivativePoints:
        offsets, weights = stencils.first_derivative_row(method)
        stencil = stencils.FIRST_DERIVATIVE[method]
        slots = np.flatnonzero((offsets[0] != 0.0) & (weights[0] != 0.0)).astype(np.int64)
        return cls(offsets[0], weights[0], slots, stencil.uses_center, stencil.step_exponent)

    @property
    def width(self) -> int:
        return self.offsets.shape[0]

    def evaluations(self, n_colors: int) -> int:
        return n_colors * self.slots.shape[0] + int(self.needs_center)


def _check_callable(f, name: str):
    if not callable(f):
        raise TypeError(f"{name} must be a callable; got {type(f).__name__}")
    return f


def _python_evaluator(f, parallel, vectorized, workers, executor, progress, evaluator):
    """The evaluator of a Python ``f`` (as :mod:`fastdiff.api` chooses it), or None.

    None means the compiled path: ``f`` is jitted and no option asks for an
    evaluator.
    """
    from fastdiff.api import _choose_evaluator  # the API imports this module

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
    if parallel is False:
        return 1
    if parallel is None:
        if evaluations * compiled.evaluation_cost(x, m) < PARALLEL_THRESHOLD_SECONDS:
            return 1
    return numba.get_num_threads()


def _point_for(x, columns: int, name: str) -> np.ndarray:
    x = as_point(x)
    if x.shape[0] != columns:
        raise ValueError(
            f"x has {x.shape[0]} entries but {name} has {columns} columns; they must match"
        )
    return x


def _python_steps(x: np.ndarray, step, exponent: float) -> np.ndarray:
    h = np.empty(x.shape[0])
    bad = steps_at(x, steps_for(step, x.shape[0]), exponent, FLOAT64_EPS, h)
    if bad >= 0:
        raise non_finite_error(x, bad)
    return h


class _GroupPoints:
    """Batch of a compressed evaluation: ``x`` (if used), then each colour and stencil point."""

    def __init__(self, x, h, coloring: Coloring, stencil: _FirstDerivativePoints):
        self.x, self.h, self.coloring, self.stencil = x, h, coloring, stencil
        self.first = int(stencil.needs_center)
        self.count = stencil.evaluations(coloring.n_colors)

    def slot(self, point: int) -> tuple[int, int]:
        """Colour and stencil slot of a point after the first."""
        color, k = divmod(point - self.first, self.stencil.slots.shape[0])
        return color, int(self.stencil.slots[k])

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        points = np.tile(self.x, (hi - lo, 1))
        for point in range(max(lo, self.first), hi):
            color, q = self.slot(point)
            columns = self.coloring.group_columns[
                self.coloring.group_pointers[color] : self.coloring.group_pointers[color + 1]
            ]
            # Formed exactly as in the kernels: x_j + o * h_j.
            points[point - lo, columns] = (
                self.x[columns] + self.stencil.offsets[q] * self.h[columns]
            )
        return points

    def describe(self, point: int) -> str:
        if point < self.first:
            return "at x"
        color, q = self.slot(point)
        return _group_description(self.coloring, color, self.stencil.offsets[q])


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


class _HessianPatternPoints:
    """Batch of a pattern Hessian: ``x``, the axis points, then the pair points."""

    def __init__(self, x, h, arrays, pairs: _PatternPairs):
        self.x, self.h, self.pairs = x, h, pairs
        self.axis_offsets, self.pair_offsets = arrays[0], arrays[3]
        self.a, self.p = self.axis_offsets.shape[0], self.pair_offsets.shape[0]
        self.pair_start = 1 + x.shape[0] * self.a
        self.count = self.pair_start + pairs.count * self.p

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        x, h = self.x, self.h
        points = np.tile(x, (hi - lo, 1))
        index = np.arange(lo, hi)
        axis = np.flatnonzero((index >= 1) & (index < self.pair_start))
        i, a = np.divmod(index[axis] - 1, self.a)
        points[axis, i] = x[i] + self.axis_offsets[a] * h[i]
        pair_points = np.flatnonzero(index >= self.pair_start)
        pair, q = np.divmod(index[pair_points] - self.pair_start, self.p)
        i, j = self.pairs.rows[pair], self.pairs.columns[pair]
        points[pair_points, i] = x[i] + self.pair_offsets[q, 0] * h[i]
        points[pair_points, j] = x[j] + self.pair_offsets[q, 1] * h[j]
        return points

    def describe(self, point: int) -> str:
        if point == 0:
            return "at x"
        if point < self.pair_start:
            i, a = divmod(point - 1, self.a)
            return f"at x + {self.axis_offsets[a]:g} * h[{i}] * e[{i}]"
        pair, q = divmod(point - self.pair_start, self.p)
        i, j = int(self.pairs.rows[pair]), int(self.pairs.columns[pair])
        return (
            f"at x + {self.pair_offsets[q, 0]:g} * h[{i}] * e[{i}] "
            f"+ {self.pair_offsets[q, 1]:g} * h[{j}] * e[{j}]"
        )


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


# --- errors -----------------------------------------------------------------


def _group_description(coloring: Coloring, color: int, offset: float) -> str:
    columns = coloring.group_columns[
        coloring.group_pointers[color] : coloring.group_pointers[color + 1]
    ]
    return f"at x + {offset:g} * h on the columns of colour {color} {_listing(columns.tolist())}"


def _length_error(name: str, length: int, m: int) -> ValueError:
    return ValueError(
        f"sparsity has {m} rows but {name} returns an array of length {length}; "
        f"sparsity must have shape (len({name}(x)), len(x))"
    )


def _raise_for_status(function, x, h, coloring, stencil, status, m, name) -> None:
    """Raise the error of the first failed evaluation of a compressed difference."""
    failed = np.argwhere(status != OK)
    color, q = (int(v) for v in failed[0])
    code = int(status[color, q])
    offset = stencil.offsets[q]
    point = x.copy()
    columns = coloring.group_columns[
        coloring.group_pointers[color] : coloring.group_pointers[color + 1]
    ]
    point[columns] = x[columns] + offset * h[columns]
    _raise_at(function, point, code, _group_description(coloring, color, offset), name, m)


def _raise_at(function, point, code: int, where: str, name: str, m: int | None = None):
    if code == RAISED:
        try:
            function(point)
        except Exception as error:
            if hasattr(error, "add_note"):
                error.add_note(f"fastdiff: {name} raised {where}")
            raise
        raise RuntimeError(
            f"{name} raised {where} inside the kernel but not when called again from "
            f"Python (does {name} depend on state other than x?)"
        )
    if code == WRONG_SHAPE:
        length = np.asarray(function(point)).shape
        raise _length_error(name, length[0] if length else 0, m)
    if code == NOT_FINITE:
        raise ValueError(f"{name} returned a non-finite value {where}")
    raise ValueError(f"{name} failed {where}: {MESSAGES.get(code, code)}")


def _raise_for_pairs(function, x, h, arrays, pairs: _PatternPairs, status) -> None:
    axis_status, pair_status = status
    points = _HessianPatternPoints(x, h, arrays, pairs)
    failed_axis = np.argwhere(axis_status != OK)
    if failed_axis.size:
        i, a = (int(v) for v in failed_axis[0])
        index = 1 + i * points.a + a
        code = int(axis_status[i, a])
    else:
        e, q = (int(v) for v in np.argwhere(pair_status != OK)[0])
        index = points.pair_start + e * points.p + q
        code = int(pair_status[e, q])
    _raise_at(function, points(index, index + 1)[0], code, points.describe(index), "f")


def _check_pattern(dense: np.ndarray, pattern: scipy.sparse.csr_matrix, what: str) -> None:
    """Raise if ``dense`` has an entry outside ``pattern`` above the noise level."""
    outside = np.abs(dense)
    rows, columns = pattern.nonzero()
    outside[rows, columns] = 0.0
    tolerance = CHECK_RELATIVE_TOLERANCE * max(1.0, float(np.max(np.abs(dense))))
    missed = np.argwhere(outside > tolerance)
    if missed.size:
        r, c = np.unravel_index(int(np.argmax(outside)), outside.shape)
        raise ValueError(
            f"sparsity misses {missed.shape[0]} nonzero entr{'y' if missed.shape[0] == 1 else 'ies'} "
            f"of the dense {what}; the largest is ({r}, {c}) = {dense[r, c]:.6g}"
        )


def _check_flag(check) -> bool:
    if not isinstance(check, (bool, np.bool_)):
        raise TypeError(f"check must be True or False; got {check!r}")
    return bool(check)


def _listing(items: list, limit: int = 5) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return f"[{shown}{', ...' if len(items) > limit else ''}]"


def _name(f) -> str:
    return getattr(f, "__name__", repr(f))


__all__ = [
    "ORDERINGS",
    "Coloring",
    "SparseHessianFunction",
    "SparseJacobianFunction",
    "color_hessian",
    "color_jacobian",
    "hess",
    "hessian",
    "jac",
    "jacobian",
]
