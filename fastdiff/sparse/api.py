"""The public functions: ``jacobian`` and ``hessian`` at a point, ``jac`` and ``hess``."""

from __future__ import annotations

from collections.abc import Callable

import scipy.sparse
from numpy.typing import ArrayLike

from fastdiff.evaluate import Evaluator
from fastdiff.sparse.coloring import Coloring
from fastdiff.sparse.hessian_function import SparseHessianFunction
from fastdiff.sparse.jacobian_function import SparseJacobianFunction


def jacobian(
    f,
    x: ArrayLike,
    sparsity,
    *,
    method: str = "central",
    step: float | ArrayLike | None = None,
    abs_step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    parallel: bool | None = None,
    coloring: Coloring | None = None,
    check: bool = False,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    args: tuple = (),
    kwargs: dict | None = None,
) -> scipy.sparse.csr_matrix:
    """Sparse Jacobian by finite differences of grouped columns.

    Parameters
    ----------
    f : callable
        ``f(x, *args, **kwargs) -> ndarray (m,)``. A Numba-compiled ``f`` is
        evaluated in compiled kernels (its extra arguments passed natively);
        any other callable through an :class:`~fastdiff.Evaluator`, one
        batch of ``evaluations`` points.
    x : array_like, shape (n,)
        Point of differentiation; finite.
    sparsity : scipy.sparse matrix, boolean array_like or (pattern, groups)
        Where the Jacobian may be nonzero, shape (m, n) (0/1 integers
        accepted). Entries outside it are not computed. scipy's form
        ``(pattern, groups)`` gives the column groups too: ``groups[j]`` is
        the group of column ``j`` (as ``scipy.optimize._numdiff.group_columns``
        returns); columns of one group must share no row.
    method : {"central", "forward", "backward", "complex"}
        Difference formula, as for :func:`fastdiff.jacobian`. ``"complex"``:
        complex step, ``f(x + i sum_{j in group} h_j e_j)`` per group (``f``
        must accept complex ``x``; a compiled ``f`` is called from Python).
    step, abs_step, rel_step : float or array_like of shape (n,), optional
        Absolute step (``abs_step`` is scipy's name for it; give one) or
        relative step (``h_i = rel_step_i * |x_i|``, scipy's meaning);
        default relative, as for :func:`fastdiff.jacobian`.
    bounds : (lb, ub) or scipy.optimize.Bounds, optional
        No point leaves the box: each column gets the stencil and step the
        dense :func:`fastdiff.jacobian` gives that coordinate (one-sided
        near a bound, 0 where ``lb == ub``). Not with ``method="complex"``.
    parallel : bool, optional
        Evaluate the groups on all threads (compiled ``f``). Default:
        automatic.
    coloring : Coloring, optional
        From :func:`color_jacobian` on the same pattern; computed if omitted.
    check : bool
        Also compute the dense Jacobian (``2 n`` evaluations and an
        ``(m, n)`` array: small problems only) and raise ``ValueError`` if
        the pattern misses an entry.
    vectorized, workers, executor, progress, evaluator, timeout
        How a Python ``f`` is evaluated, as for :func:`fastdiff.jacobian`.
    args, kwargs
        Extra arguments of ``f``, not differentiated (as for
        :func:`fastdiff.jacobian`).

    Returns
    -------
    scipy.sparse.csr_matrix, shape (m, n)
        Exactly the pattern (sorted, without duplicates or explicit zeros).

    Raises
    ------
    TypeError
        ``sparsity`` is not a sparse matrix or a boolean array; ``groups``
        are not integers; ``f`` is not callable; with ``method="complex"``,
        ``f`` returns real values for complex input.
    ValueError
        The shapes of ``sparsity``, ``x`` and ``f(x)`` disagree; ``coloring``
        or ``groups`` do not fit ``sparsity`` (two columns of a group share a
        row); both are given; ``f`` is not finite at a point; ``x`` is
        outside ``bounds``; with ``check=True``, the pattern misses an entry.

    Notes
    -----
    Central: ``2 * n_colors`` evaluations; forward and backward:
    ``n_colors + 1``; complex step: ``n_colors`` (one more for a compiled
    ``f``, checked along one complex direction). With ``bounds``, per group
    one evaluation per point of the longest stencil among its columns (2 for
    central and second-order one-sided, 1 for forward), plus ``f(x)`` once
    if a column's stencil uses it: a box the method's stencil fits in costs
    what no bounds cost.

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
        abs_step=abs_step,
        rel_step=rel_step,
        bounds=bounds,
        parallel=parallel,
        coloring=coloring,
        check=check,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        timeout=timeout,
        args=args,
        kwargs=kwargs,
    )
    return derivative(x)


def hessian(
    f,
    x: ArrayLike,
    sparsity,
    *,
    method: str = "central",
    step: float | ArrayLike | None = None,
    abs_step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    parallel: bool | None = None,
    coloring: Coloring | None = None,
    gradient: Callable | None = None,
    check: bool = False,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    args: tuple = (),
    kwargs: dict | None = None,
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
    step, abs_step, rel_step : float or array_like of shape (n,), optional
        Absolute step (``abs_step`` is scipy's name for it; give one) or
        relative step (``h_i = rel_step_i * |x_i|``); default relative,
        with the exponent of the formula.
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
    vectorized, workers, executor, progress, evaluator, timeout
        How a Python ``f`` (or ``gradient``) is evaluated, as for
        :func:`fastdiff.hessian`.
    args, kwargs
        Extra arguments of ``f`` (and of ``gradient``), not differentiated:
        ``f(x, *args, **kwargs)``; a compiled ``f`` gets them natively.

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
        abs_step=abs_step,
        rel_step=rel_step,
        parallel=parallel,
        coloring=coloring,
        gradient=gradient,
        check=check,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        timeout=timeout,
        args=args,
        kwargs=kwargs,
    )
    return derivative(x)


def jac(
    f,
    sparsity,
    *,
    method: str = "central",
    step=None,
    abs_step=None,
    rel_step=None,
    bounds=None,
    parallel: bool | None = None,
    coloring: Coloring | None = None,
    check: bool = False,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    args: tuple = (),
    kwargs: dict | None = None,
) -> SparseJacobianFunction:
    """Sparse Jacobian function of ``f``: ``jac(f, S)(x) == jacobian(f, x, S)``.

    The pattern is checked, coloured and ``f`` prepared once; each call pays
    only for the evaluations. For ``scipy.optimize.least_squares(fun, x0,
    jac=fastdiff.sparse.jac(fun, S))`` and Newton-type solvers. Extra
    arguments of ``f`` go in ``args``/``kwargs`` or, as scipy passes them,
    in each call: ``jac(f, S)(x, *args)``.
    """
    return SparseJacobianFunction(
        f,
        sparsity,
        method=method,
        step=step,
        abs_step=abs_step,
        rel_step=rel_step,
        bounds=bounds,
        parallel=parallel,
        coloring=coloring,
        check=check,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        timeout=timeout,
        args=args,
        kwargs=kwargs,
    )


def hess(
    f,
    sparsity,
    *,
    method: str = "central",
    step=None,
    abs_step=None,
    rel_step=None,
    parallel: bool | None = None,
    coloring: Coloring | None = None,
    gradient: Callable | None = None,
    check: bool = False,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    args: tuple = (),
    kwargs: dict | None = None,
) -> SparseHessianFunction:
    """Sparse Hessian function of ``f``: ``hess(f, S)(x) == hessian(f, x, S)``."""
    return SparseHessianFunction(
        f,
        sparsity,
        method=method,
        step=step,
        abs_step=abs_step,
        rel_step=rel_step,
        parallel=parallel,
        coloring=coloring,
        gradient=gradient,
        check=check,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        timeout=timeout,
        args=args,
        kwargs=kwargs,
    )
