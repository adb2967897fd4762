"""The public functions: validate once, pick the path, shape the result.

``gradient``, ``jacobian`` and ``hessian`` differentiate at one point;
``gradients``, ``jacobians`` and ``hessians`` at each row of a (k, n) array
(:mod:`fastdiff.batched`);
``grad``, ``jac``, ``hess`` and ``value_and_grad`` return callables of ``x``
that keep the prepared function and the checked options, for repeated use
(for example as ``jac=`` in ``scipy.optimize.minimize``).

A one-shot call finds its plan once per function and options, not per call:
the prepared function is kept with ``f`` (in ``f.__dict__``, so it goes
when ``f`` goes; see :func:`_prepared`) when the options are the plain
ones (no bounds, array steps or evaluation options).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike

from fastdiff import sparse
from fastdiff.batched import sparsity_not_supported
from fastdiff.derivatives import GradientFunction, HessianFunction, JacobianFunction
from fastdiff.evaluate import Evaluator


def gradient(
    f,
    x: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | str | None = None,
    abs_step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
) -> np.ndarray:
    """Gradient of a scalar function by finite differences.

    Parameters
    ----------
    f : callable
        ``f(x, *args, **kwargs) -> float`` for a 1-D float64 array ``x``. A
        Numba-compiled (``@numba.njit``) ``f`` is evaluated in compiled
        kernels; any other callable through an :class:`~fastdiff.Evaluator`
        (serially unless ``vectorized``, ``workers`` or ``executor`` says
        otherwise). For a parameter tree ``x``, a Python ``f`` of the tree.
    x : array_like, shape (n,), or parameter tree
        Point of differentiation; finite. A list or tuple of numbers is a
        vector, as in scipy. A parameter tree is a dict, a named tuple, or a
        list or tuple holding arrays or other containers, nested in any
        way, with real numbers and real arrays (any shape) as leaves
        (:func:`fastdiff.pytree.is_parameter_tree`): ``f`` is called with a
        tree of the same structure (numbers as ``float``, arrays as new
        float64 arrays), through the Python path, and the derivative comes
        back in that structure. Per-coordinate ``step``, ``abs_step``,
        ``rel_step`` and ``bounds`` of a tree are flat arrays in the order
        of :func:`fastdiff.pytree.flatten` (leaves depth first, dicts in
        insertion order, arrays in C order); numbers apply to every entry.
    args : tuple, optional
        Extra arguments of ``f``, not differentiated (scipy's convention).
        For a compiled ``f`` they reach it natively in the kernels: arrays
        by reference, never copied; the kernels are compiled once per
        tuple of argument types (arrays of a dtype, dimension and layout,
        numbers, tuples of them) and cached on disk, not per value.
    kwargs : dict, optional
        Keyword arguments of ``f``. A compiled ``f`` gets them by position
        (matched by name to its parameters), since compiled code takes no
        ``**kwargs``.
    method : {"central", "forward", "backward", "richardson", "complex"}
        Difference formula. Central is second-order accurate; one-sided
        formulas cost half as much and stay on one side of ``x``.
        ``"richardson"``: central differences at the steps ``h, h/2, h/4,
        ...``, extrapolated, with an error estimate per entry; each entry
        gets smaller steps until its estimate meets ``atol + rtol *
        |estimate|`` (see ``rtol``). ``"complex"``: complex step (``f`` must
        accept complex ``x``).
    step, abs_step : float, array_like of shape (n,) or "auto", optional
        Absolute step (per coordinate if an array); ``abs_step`` is the same
        option under scipy's name (give one). Default: relative, ``eps**(1/3)
        * max(1, |x_i|)`` for central and ``eps**(1/2) * max(1, |x_i|)`` for
        one-sided differences, with ``eps`` of ``x``'s precision (float32
        points get float32's). A step that is 0 or below the float spacing
        at ``x_i`` falls back to the default. The sign picks the side, as in
        scipy: a negative entry makes ``"forward"`` a backward difference for
        that coordinate (and ``"backward"`` a forward one); central
        differences ignore it. ``"auto"``: per-coordinate steps chosen
        from ``f``'s noise and curvature at the first point
        (:func:`fastdiff.auto_steps.choose_steps`, at most ``max(6n, 9 + 4(n
        + 4))`` extra evaluations once); a prepared function (:func:`grad`)
        reuses them until ``choose_steps_again()``; ``full_output`` reports
        them (``auto_steps``) and counts the extra evaluations in ``nfev``.
        Not with ``bounds``, ``rel_step``, ``sparsity`` or ``method="richardson"``
        / ``"complex"``.
    rel_step : float or array_like of shape (n,), optional
        Relative step, scipy's meaning: ``h_i = rel_step_i * |x_i|`` (signed
        like ``abs_step``), the default where that vanishes (``x_i = 0``).
        Before fastdiff 0.2 it meant ``rel_step_i * max(1, |x_i|)``.
    bounds : (lb, ub) or scipy.optimize.Bounds, optional
        No stencil point leaves the box: near a bound, central differences
        become second-order one-sided ones and one-sided differences change
        side or shrink. A coordinate with ``lb == ub`` has derivative 0.
        ``x`` must lie in the box (one unit in the last place outside is
        moved onto the bound). With ``method="richardson"`` (gradients and
        Jacobians, not Hessians): a coordinate whose central stencil fits
        at the first step is extrapolated as without bounds; any other gets
        first-order one-sided differences (forward at a lower bound,
        backward at an upper one; its ``step`` in ``full_output`` is then
        negative) at the same halving steps, extrapolated with the orders
        ``h, h**2, ...`` for up to 16 levels by default
        (:func:`fastdiff.high_accuracy.richardson_bounds.bounded_richardson`).
        Where no window of steps below the distance to the bound behind it
        met the tolerance, its error estimate is ``inf`` (``f`` may be
        singular at the bound). A central coordinate whose points fail
        inside the box is done again one-sided.
    full_output : bool
        Return a :class:`~fastdiff.DerivativeResult` (derivative, value,
        steps, evaluation count, per-entry status) instead of the array;
        entries that no stencil could compute are NaN there, not an error.
    parallel : bool, optional
        For a compiled ``f``: evaluate the perturbations on all threads.
        Default: automatic, serial when the work is too small to pay for
        threads.
    vectorized : bool
        ``f`` accepts a ``(k, n)`` array of points and returns ``(k,)``
        values: all perturbations in one call.
    workers : int, optional
        Evaluate on this many worker processes (a pool started once and
        reused by later calls; ``f`` is sent with cloudpickle, so lambdas and
        closures work).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Evaluate on this executor, e.g. a Dask cluster.
    progress : bool
        Show a progress bar of evaluations (needs ``tqdm``).
    evaluator : Evaluator, optional
        An :class:`~fastdiff.Evaluator` you manage (its own pool, closed by
        its context manager); excludes the four options above and ``timeout``.
    timeout : float, optional
        With ``workers``: seconds one evaluation may take. A longer one
        raises ``TimeoutError`` naming its point, and the worker processes
        are stopped (a worker that dies raises
        :class:`~fastdiff.WorkerDiedError` naming its point).
    rtol : float, optional
        ``method="richardson"`` only: relative tolerance, ``>= 0``. An entry
        stops taking smaller steps once its error estimate is at most ``atol
        + rtol * |estimate|``. Default 1e-9, which on the
        More-Garbow-Hillstrom set gives gradients accurate to about 1e-11
        and Hessians to 1e-9 (relative to ``max(1, max|derivative|)``);
        a looser one costs fewer evaluations.
    atol : float, optional
        ``method="richardson"`` only: absolute tolerance, ``>= 0``. Default
        ``rtol * max(1, max_k(|estimate_k| - error_k))``: relative to the
        largest entry (as far as it is known), so that entries much smaller
        than the largest, zeros included, are not refined for nothing.
    max_levels : int, optional
        ``method="richardson"`` only: most steps (levels) per entry, ``>=
        2``; default 10 (the finest step is 1/512 of the first). Entries
        that reach it without meeting the tolerance are reported in
        ``converged`` of the full result.

    Returns
    -------
    ndarray, shape (n,), or parameter tree
        For a tree ``x``: a tree like ``x`` (a number leaf gets a ``float``,
        an array leaf an array of its shape). With ``full_output``, a
        :class:`~fastdiff.DerivativeResult` whose ``derivative`` is that
        tree (its other arrays stay flat; its ``layout`` maps them).

    Raises
    ------
    TypeError
        ``f`` is not callable, or returns something other than a real
        number (an array, a string, a complex value); ``x`` is not an array
        of real numbers; a leaf of a tree ``x`` is not a real number or
        array (the message names its path, such as ``x['b'][1]``); a tree
        ``x`` with a Numba-compiled ``f`` (it cannot take the tree); an
        option has the wrong type; ``args`` or ``kwargs`` do not match
        ``f``'s parameters.
    ValueError
        ``x`` is not 1-D, empty or not finite; a tree ``x`` with
        ``vectorized`` or ``method="complex"``; an option is invalid; ``f``
        is not finite at ``x``, or at stencil points that no fallback
        formula avoids (with ``full_output`` that entry is NaN instead).
    TimeoutError, fastdiff.WorkerDiedError
        With ``workers``: an evaluation took longer than ``timeout``; a
        worker process died.
    Exception
        Whatever ``f`` raises, with its own type and message and a note
        naming the stencil point (compiled ``f`` included).

    Notes
    -----
    Central: 2n evaluations. Forward and backward: n + 1 evaluations.
    Richardson: 2 per coordinate and level, 2 to ``max_levels`` levels per
    coordinate (4n to 6n for most smooth functions at the default
    tolerance), plus one for ``f(x)`` with ``full_output``. With
    ``bounds``: ``f(x)`` once (if a coordinate is one-sided or the value
    is asked for), then per level 2 per central and 1 per one-sided
    coordinate (none for ``lb == ub``); a compiled ``f`` then runs the
    level loop in Python, one compiled pass per level.
    Each step is rounded so that ``x_i + h_i`` is exact. Where ``f`` returns
    NaN or inf (or a Python ``f`` raises) at a stencil point, that entry
    falls back to one-sided formulas (second order first); entries no
    formula can compute raise a ``ValueError`` (or an exception of ``f``,
    with a note naming the point) unless ``full_output`` is set.

    Examples
    --------
    >>> import numpy as np, numba, fastdiff
    >>> @numba.njit
    ... def f(x):
    ...     return np.sum(x ** 2)
    >>> fastdiff.gradient(f, np.array([1.0, 2.0])).round(6)
    array([2., 4.])

    A parameter tree:

    >>> def g(p):
    ...     return p["a"] * np.sum(p["b"] ** 2)
    >>> grad = fastdiff.gradient(g, {"a": 2.0, "b": np.array([1.0, 3.0])})
    >>> round(grad["a"], 6), grad["b"].round(6)
    (10.0, array([ 4., 12.]))
    """
    if (
        _no_arguments(args, kwargs)
        and bounds is None
        and evaluator is None
        and workers is None
        and executor is None
        and vectorized is False
        and progress is False
        and timeout is None
    ):
        prepared = _prepared(
            GradientFunction,
            f,
            method,
            step,
            abs_step,
            rel_step,
            full_output,
            parallel,
            (rtol, atol, max_levels),
        )
        if prepared is not None:
            return prepared(x)
    return GradientFunction(
        f,
        method=method,
        step=step,
        abs_step=abs_step,
        rel_step=rel_step,
        bounds=bounds,
        full_output=full_output,
        parallel=parallel,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        timeout=timeout,
        args=args,
        kwargs=kwargs,
        rtol=rtol,
        atol=atol,
        max_levels=max_levels,
    )(x)


def jacobian(
    f,
    x: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | str | None = None,
    abs_step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
    sparsity=None,
    coloring=None,
) -> np.ndarray | scipy.sparse.csr_matrix:
    """Jacobian of a vector function by finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray (m,)`` for a 1-D float64 array ``x``; compiled
        with ``@numba.njit`` or a plain Python callable (see :func:`gradient`).
    x : array_like, shape (n,), or parameter tree
        Point of differentiation; finite. A tree as for :func:`gradient`
        (not with ``sparsity``); ``f`` of the tree returns a 1-D array.
    args, kwargs, method, step, abs_step, rel_step, bounds, full_output, parallel,
    vectorized, workers, executor, progress, evaluator, timeout, rtol, atol, max_levels
        As for :func:`gradient`; a vectorized ``f`` returns ``(k, m)``. An
        ``f`` returning a number gives a Jacobian of shape (1, n). With
        ``method="richardson"`` the tolerances hold per entry; a column is
        evaluated at a level while one of its entries needs it.
    sparsity : scipy.sparse matrix, bool array of shape (m, n) or (pattern, groups), optional
        Where the Jacobian can be nonzero. Columns that share no row are
        perturbed together (:func:`fastdiff.sparse.jacobian`): as many
        evaluations as colours instead of n, and a CSR result. scipy's
        ``(pattern, groups)`` gives the column groups. Takes ``bounds``,
        the steps, ``args``/``kwargs`` and methods "central", "forward",
        "backward" and "complex".
    coloring : fastdiff.sparse.Coloring, optional
        A colouring computed before (``fastdiff.sparse.color_jacobian``).

    Returns
    -------
    ndarray, shape (m, n)
        ``J[r, i] = d f_r / d x_i``. Its columns are contiguous (Fortran
        order, as scipy's ``approx_derivative`` returns J): each column is
        written once, as it is computed. ``np.ascontiguousarray(J)`` gives a
        row-major copy if C code needs one.
        For a tree ``x``: a tree like ``x`` whose leaf of shape ``s`` is
        the array of shape ``(m, *s)`` (``(m,)`` for a number leaf) of the
        derivatives of the m outputs with respect to it: the output axis
        first, as JAX's ``jacrev`` (an ``f`` returning a number has m = 1).

    Raises
    ------
    TypeError, ValueError, TimeoutError, fastdiff.WorkerDiedError
        As for :func:`gradient`, for an ``f`` returning a 1-D array (or a
        number); ``ValueError`` also when the length of ``f``'s result
        changes between points.

    Notes
    -----
    Central: 2n evaluations, plus one of ``f(x)`` the first time a prepared
    :func:`jac` meets a new n (to learn m). Forward and backward: n + 1.
    Richardson: 2 per column and level (see :func:`gradient`); with
    ``bounds``, ``f(x)`` once, then per level 2 per central and 1 per
    one-sided column.
    """
    if sparsity is not None:
        _no_sparse_conflicts(None, full_output, (rtol, atol, max_levels))
        options = dict(method=method, step=step, abs_step=abs_step, parallel=parallel)
        options.update(rel_step=rel_step, bounds=bounds)
        options.update(coloring=coloring, args=args, kwargs=kwargs)
        options.update(vectorized=vectorized, workers=workers, executor=executor, timeout=timeout)
        return sparse.jacobian(f, x, sparsity, progress=progress, evaluator=evaluator, **options)
    if (
        _no_arguments(args, kwargs)
        and bounds is None
        and evaluator is None
        and workers is None
        and executor is None
        and vectorized is False
        and progress is False
        and timeout is None
    ):
        prepared = _prepared(
            JacobianFunction,
            f,
            method,
            step,
            abs_step,
            rel_step,
            full_output,
            parallel,
            (rtol, atol, max_levels),
        )
        if prepared is not None:
            return prepared(x)
    return JacobianFunction(
        f,
        method=method,
        step=step,
        abs_step=abs_step,
        rel_step=rel_step,
        bounds=bounds,
        full_output=full_output,
        parallel=parallel,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        timeout=timeout,
        args=args,
        kwargs=kwargs,
        rtol=rtol,
        atol=atol,
        max_levels=max_levels,
    )(x)


def hessian(
    f,
    x: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | str | None = None,
    abs_step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
    sparsity=None,
    coloring=None,
) -> np.ndarray | scipy.sparse.csr_matrix:
    """Hessian of a scalar function by second differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for a 1-D float64 array ``x``; compiled with
        ``@numba.njit`` or a plain Python callable (see :func:`gradient`).
    x : array_like, shape (n,), or parameter tree
        Point of differentiation; finite. A tree as for :func:`gradient`
        (not with ``sparsity``).
    method : {"central", "forward", "backward", "richardson"}
        Central (second order) evaluates ``f(x +- h_i e_i)`` and
        ``f(x +- (h_i e_i + h_j e_j))``; one-sided formulas evaluate on one
        side only. ``"richardson"``: the central stencil at the steps ``h,
        h/2, ...``, extrapolated per entry (see :func:`gradient`).
    step, abs_step, rel_step : float or array_like of shape (n,), optional
        As for :func:`gradient`. Default ``eps**(1/4) * max(1, |x_i|)`` for
        central, ``eps**(1/3) * max(1, |x_i|)`` for one-sided. ``"auto"``: chosen
        from ``f``'s noise and curvature, as for :func:`gradient`.
    args, kwargs, parallel, vectorized, workers, executor, progress, evaluator, timeout
        As for :func:`gradient`.
    rtol, atol, max_levels
        ``method="richardson"`` only, as for :func:`gradient` (per entry).
    bounds : (lb, ub) or scipy.optimize.Bounds, optional
        As for :func:`gradient`; not with ``method="richardson"`` (a
        ``ValueError``).
    sparsity : scipy.sparse matrix or bool array of shape (n, n), optional
        Symmetric pattern of the Hessian: a sparse result from star-coloured
        gradient differences (:func:`fastdiff.sparse.hessian`).
    coloring : fastdiff.sparse.Coloring, optional
        From ``fastdiff.sparse.color_hessian``.

    Returns
    -------
    ndarray, shape (n, n), or tree of trees
        Exactly symmetric. For a tree ``x``, JAX's ``hessian`` layout: a
        tree like ``x`` whose every leaf is again a tree like ``x``;
        ``H[i][j]`` (each index a key, position or field of the containers)
        is the block of leaves i and j, of shape ``shape_i + shape_j`` (a
        number leaf has shape ``()``; a block of two numbers is a
        ``float``). ``H["a"]["b"]`` is ``H["b"]["a"]`` transposed.

    Raises
    ------
    TypeError, ValueError, TimeoutError, fastdiff.WorkerDiedError
        As for :func:`gradient`.

    Notes
    -----
    ``f(x)`` is evaluated once and the axis points are shared by the diagonal
    and all off-diagonal entries. Central: ``n**2 + n + 1`` evaluations;
    forward and backward: ``1 + n (n + 3) / 2``. Richardson: ``f(x)`` once,
    then per level 2 per coordinate with an active entry in its row and 2
    per active pair ``i < j`` (``1 + L (n**2 + n)`` if every entry takes
    ``L`` levels).
    """
    if sparsity is not None:
        _no_sparse_conflicts(bounds, full_output, (rtol, atol, max_levels))
        options = dict(method=method, step=step, abs_step=abs_step, parallel=parallel)
        options.update(rel_step=rel_step, coloring=coloring, args=args, kwargs=kwargs)
        options.update(vectorized=vectorized, workers=workers, executor=executor, timeout=timeout)
        return sparse.hessian(f, x, sparsity, progress=progress, evaluator=evaluator, **options)
    if (
        _no_arguments(args, kwargs)
        and bounds is None
        and evaluator is None
        and workers is None
        and executor is None
        and vectorized is False
        and progress is False
        and timeout is None
    ):
        prepared = _prepared(
            HessianFunction,
            f,
            method,
            step,
            abs_step,
            rel_step,
            full_output,
            parallel,
            (rtol, atol, max_levels),
        )
        if prepared is not None:
            return prepared(x)
    return HessianFunction(
        f,
        method=method,
        step=step,
        abs_step=abs_step,
        rel_step=rel_step,
        bounds=bounds,
        full_output=full_output,
        parallel=parallel,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        timeout=timeout,
        args=args,
        kwargs=kwargs,
        rtol=rtol,
        atol=atol,
        max_levels=max_levels,
    )(x)


def gradients(
    f,
    X: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | None = None,
    abs_step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
) -> np.ndarray:
    """Gradients of a scalar function at k points, the rows of ``X``, in one call.

    Parameters
    ----------
    f : callable
        As for :func:`gradient`: ``f(x, *args, **kwargs) -> float`` for a
        1-D float64 array ``x``; with ``vectorized``, ``f`` takes a (K, n)
        array of points (any K) and returns (K,).
    X : array_like, shape (k, n)
        One point per row; finite.
    args, kwargs, method, step, abs_step, rel_step, bounds, full_output, parallel,
    vectorized, workers, executor, progress, evaluator, timeout
        As for :func:`gradient`, the same for every point (``rel_step``
        scales with each point's ``|x_i|``). ``method`` is "central",
        "forward" or "backward"; ``step="auto"`` is not taken.

    Returns
    -------
    ndarray, shape (k, n)
        Row ``p`` is the gradient at ``X[p]``, bit for bit what
        :func:`gradient` returns there. With ``full_output``, a
        :class:`~fastdiff.DerivativeResult` of per-point arrays: gradients
        (k, n), values (k,) where ``f(x)`` was evaluated (else None), steps
        (k, n), ``nfev`` and ``status`` (k, n).

    Raises
    ------
    TypeError
        ``X`` is not real; as for :func:`gradient`.
    ValueError
        ``X`` is not 2-D with at least one row and column, or not finite;
        ``method="richardson"`` or ``"complex"``, ``step="auto"``; as for
        :func:`gradient` otherwise.

    Notes
    -----
    k times the evaluations of :func:`gradient`: central ``2 n k``, forward
    and backward ``(n + 1) k``. A compiled ``f`` is differentiated in one
    compiled call, in parallel over (point, coordinate) items (each thread
    perturbs a private copy of the point it is at) when the work pays for
    threads (``parallel=None``) or ``parallel=True``; any other ``f`` gets
    all stencil points of all rows in one batch: one call of a vectorized
    ``f`` (per 4096 points), one round of the ``workers`` or the
    ``executor``. A point where ``f`` raised or returned a non-finite value
    is done again by :func:`gradient` there, with its fallback stencils
    (its exception gets a note naming the row). With ``bounds``, the rows
    are differentiated one after another by :func:`gradient`.

    Examples
    --------
    >>> import numpy as np, numba, fastdiff
    >>> @numba.njit
    ... def f(x):
    ...     return np.sum(x ** 2)
    >>> fastdiff.gradients(f, np.array([[1.0, 2.0], [3.0, 4.0]])).round(6)
    array([[2., 4.],
           [6., 8.]])
    """
    parameters = dict(locals())  # the options, as given
    return _prepared_for_points(GradientFunction, f, _point_options(parameters)).at_points(X)


def jacobians(
    f,
    X: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | None = None,
    abs_step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    sparsity=None,
    coloring=None,
) -> np.ndarray:
    """Jacobians of a vector function at k points, the rows of ``X``, in one call.

    Parameters
    ----------
    f : callable
        As for :func:`jacobian`; a vectorized ``f`` returns (K, m).
    X : array_like, shape (k, n)
        One point per row; finite.
    args, kwargs, method, step, abs_step, rel_step, bounds, full_output, parallel,
    vectorized, workers, executor, progress, evaluator, timeout
        As for :func:`gradients`.
    sparsity, coloring
        Not supported at many points (a ``ValueError``): call
        :func:`jacobian` with ``sparsity`` at each point.

    Returns
    -------
    ndarray, shape (k, m, n)
        ``J[p]`` is the Jacobian at ``X[p]`` (bit for bit what
        :func:`jacobian` returns there; its columns are contiguous, as
        there). With ``full_output``, a :class:`~fastdiff.DerivativeResult`
        of per-point arrays (values (k, m)).

    Notes
    -----
    k times the evaluations of :func:`jacobian`: central ``2 n k``, forward
    and backward ``(n + 1) k``, plus one of ``f(X[0])`` the first time a
    prepared :func:`jac` meets a new n (to learn m); with ``full_output``
    or a Python ``f``, ``f`` is evaluated at every point as well
    (``(2 n + 1) k`` central), as at one point. Paths and failures as for
    :func:`gradients`.
    """
    parameters = dict(locals())  # the options, as given
    if sparsity is not None or coloring is not None:
        option = "sparsity" if sparsity is not None else "coloring"
        raise sparsity_not_supported("jacobians", option)
    return _prepared_for_points(JacobianFunction, f, _point_options(parameters)).at_points(X)


def hessians(
    f,
    X: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | None = None,
    abs_step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    timeout: float | None = None,
    sparsity=None,
    coloring=None,
) -> np.ndarray:
    """Hessians of a scalar function at k points, the rows of ``X``, in one call.

    Parameters
    ----------
    f : callable
        As for :func:`hessian`.
    X : array_like, shape (k, n)
        One point per row; finite.
    args, kwargs, method, step, abs_step, rel_step, bounds, full_output, parallel,
    vectorized, workers, executor, progress, evaluator, timeout
        As for :func:`gradients` (default steps those of :func:`hessian`).
    sparsity, coloring
        Not supported at many points (a ``ValueError``).

    Returns
    -------
    ndarray, shape (k, n, n)
        ``H[p]`` is the Hessian at ``X[p]``, bit for bit what
        :func:`hessian` returns there. With ``full_output``, a
        :class:`~fastdiff.DerivativeResult` of per-point arrays (values
        (k,), status (k, n, n)).

    Notes
    -----
    k times the evaluations of :func:`hessian`: central ``(n**2 + n + 1) k``,
    forward and backward ``(1 + n (n + 3) / 2) k``. A compiled ``f`` is
    split into (point, coordinate) items for the axis points and (point,
    pair) items for the pairs. Paths and failures as for :func:`gradients`.
    """
    parameters = dict(locals())  # the options, as given
    if sparsity is not None or coloring is not None:
        option = "sparsity" if sparsity is not None else "coloring"
        raise sparsity_not_supported("hessians", option)
    return _prepared_for_points(HessianFunction, f, _point_options(parameters)).at_points(X)


#: What :func:`gradients`, :func:`jacobians` and :func:`hessians` hand on.
_POINT_OPTIONS = (
    "method",
    "step",
    "abs_step",
    "rel_step",
    "full_output",
    "parallel",
    "bounds",
    "args",
    "kwargs",
    "vectorized",
    "workers",
    "executor",
    "progress",
    "evaluator",
    "timeout",
)


def _point_options(parameters: dict) -> dict:
    """The options among a batched function's ``parameters`` (its ``locals()``)."""
    return {name: parameters[name] for name in _POINT_OPTIONS}


def _prepared_for_points(cls, f, options: dict):
    """The prepared ``cls`` of ``f``: kept with ``f`` for plain options, as by :func:`gradient`."""
    plain = (
        _no_arguments(options["args"], options["kwargs"])
        and options["bounds"] is None
        and options["evaluator"] is None
        and options["workers"] is None
        and options["executor"] is None
        and options["vectorized"] is False
        and options["progress"] is False
        and options["timeout"] is None
    )
    if plain:
        prepared = _prepared(
            cls,
            f,
            options["method"],
            options["step"],
            options["abs_step"],
            options["rel_step"],
            options["full_output"],
            options["parallel"],
        )
        if prepared is not None:
            return prepared
    return cls(f, **options)


def grad(f, **options) -> GradientFunction:
    """Gradient function of ``f``: ``grad(f, **options)(x) == gradient(f, x, **options)``.

    ``f`` is checked and prepared once, so repeated calls (for instance from
    ``scipy.optimize.minimize(f, x0, jac=grad(f))``) pay only for the
    evaluations. Options as for :func:`gradient`. A parameter tree ``x``
    gives a gradient of its structure (see :func:`gradient`); the flat
    function of the tree is prepared once per structure (the last one is
    kept).

    The prepared function takes scipy's calling convention too,
    ``grad(f)(x, *args, **kwargs)``, so that
    ``scipy.optimize.minimize(f, x0, args=(data,), jac=grad(f))`` works; a
    compiled ``f`` stays compiled with its arguments. Give the extra
    arguments either here (``args=``) or at each call, not both.
    """
    return GradientFunction(f, **options)


def jac(f, **options):
    """Jacobian function of ``f``: ``jac(f, **options)(x) == jacobian(f, x, **options)``.

    A parameter tree ``x`` gives a tree like ``x`` of ``(m, *leaf.shape)``
    arrays (see :func:`jacobian`).

    With ``sparsity=``, the prepared :class:`fastdiff.sparse.SparseJacobianFunction`
    (colouring computed once).
    """
    prepared = _sparse_transformation("jac", f, options)
    return prepared if prepared is not None else JacobianFunction(f, **options)


def hess(f, **options):
    """Hessian function of ``f``: ``hess(f, **options)(x) == hessian(f, x, **options)``.

    A parameter tree ``x`` gives a tree of trees (see :func:`hessian`).

    With ``sparsity=``, the prepared :class:`fastdiff.sparse.SparseHessianFunction`.
    """
    prepared = _sparse_transformation("hess", f, options)
    return prepared if prepared is not None else HessianFunction(f, **options)


def _sparse_transformation(name: str, f, options: dict):
    """``fastdiff.sparse.<name>(f, sparsity, ...)`` if ``options`` hold a pattern, else None.

    Takes ``sparsity`` out of ``options`` either way.
    """
    pattern = options.pop("sparsity", None)
    if pattern is None:
        return None
    # Sparse Jacobians take bounds; sparse Hessians do not.
    _no_sparse_conflicts(
        None if name == "jac" else options.pop("bounds", None),
        options.pop("full_output", False),
        tuple(options.pop(key, None) for key in ("rtol", "atol", "max_levels")),
    )
    return getattr(sparse, name)(f, pattern, **options)


def _no_arguments(args, kwargs) -> bool:
    """Whether no extra arguments of ``f`` were given (whatever their type)."""
    return (type(args) is tuple and not args) and (
        kwargs is None or (isinstance(kwargs, dict) and not kwargs)
    )


def _no_sparse_conflicts(bounds, full_output, tolerances=(None, None, None)) -> None:
    """Raise ``ValueError`` for an option sparse derivatives do not take (None: not asked)."""
    rtol, atol, max_levels = tolerances
    for name, given in (
        ("bounds", bounds is not None),
        ("full_output", bool(full_output)),
        ("rtol", rtol is not None),
        ("atol", atol is not None),
        ("max_levels", max_levels is not None),
    ):
        if given:
            raise ValueError(
                f"{name} is not supported with sparsity= (sparse derivatives take method, the steps, "
                "parallel, args/kwargs and the evaluation options; sparse Jacobians bounds too)"
            )


def value_and_grad(f, **options) -> GradientFunction:
    """Function returning ``(f(x), gradient(f, x))``.

    For ``scipy.optimize.minimize(fun, x0, jac=True)``. Forward and backward
    differences reuse ``f(x)`` from their stencil (n + 1 evaluations in all);
    central differences need one extra evaluation (2n + 1). Options as for
    :func:`gradient`; for a parameter tree ``x``, the gradient has its
    structure: ``(f(x), tree like x)``.
    """
    return GradientFunction(f, with_value=True, **options)


class _PreparedCache(dict):
    """One-shot calls' prepared derivatives, kept in ``f.__dict__``.

    Pickled empty: a function sent to worker processes (cloudpickle copies
    the ``__dict__`` of lambdas and closures) must not carry evaluators and
    compiled wrappers with it.
    """

    __slots__ = ("owner",)

    def __init__(self, owner=None):
        super().__init__()
        self.owner = owner

    def __reduce__(self):
        return (_PreparedCache, ())


_CACHE_ATTRIBUTE = "__fastdiff_prepared__"
_SIMPLE_FLAGS = (None, True, False)


def _prepared(
    cls, f, method, step, abs_step, rel_step, full_output, parallel, tolerances=(None, None, None)
):
    """The prepared ``cls`` of ``f`` for these options, made once per ``f`` and options.

    Kept in ``f.__dict__``: it lives exactly as long as ``f`` (a cycle the
    garbage collector breaks; not kept when ``f`` runs through an adapter,
    whose cycle it cannot break), never keeps ``f`` alive, and a function
    copied by ``functools.wraps`` does not use its original's entry (the
    entry remembers which ``f`` it belongs to). None when ``f`` has no
    ``__dict__`` or an option is not a plain value (then nothing is kept).
    """
    if not (
        type(method) is str
        and (step is None or type(step) is float)
        and (abs_step is None or type(abs_step) is float)
        and (rel_step is None or type(rel_step) is float)
        and (full_output is True or full_output is False)
        and (parallel is None or parallel is True or parallel is False)
        and all(t is None or type(t) in (float, int) for t in tolerances)
    ):
        return None
    try:
        namespace = f.__dict__
    except AttributeError:
        return None
    cache = namespace.get(_CACHE_ATTRIBUTE)
    key = (cls, method, step, abs_step, rel_step, full_output, parallel, tolerances)
    if type(cache) is _PreparedCache and cache.owner is f:
        prepared = cache.get(key)
        if prepared is not None:
            return prepared
    else:
        cache = _PreparedCache(f)
    prepared = cls(
        f,
        method=method,
        step=step,
        abs_step=abs_step,
        rel_step=rel_step,
        full_output=full_output,
        parallel=parallel,
        rtol=tolerances[0],
        atol=tolerances[1],
        max_levels=tolerances[2],
    )
    if prepared.uses_adapter:
        # Kept by f, an adapter would keep f alive for ever; the adapter
        # itself is cached by fastdiff.compiled for the most recent functions.
        return prepared
    try:
        namespace[_CACHE_ATTRIBUTE] = cache
        cache[key] = prepared
    except TypeError:  # a read-only mapping
        pass
    return prepared
