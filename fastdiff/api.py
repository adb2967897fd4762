"""The public functions: validate once, pick the path, shape the result.

``gradient``, ``jacobian`` and ``hessian`` differentiate at one point;
``grad``, ``jac``, ``hess`` and ``value_and_grad`` return callables of ``x``
that keep the prepared function and the checked options, for repeated use
(for example as ``jac=`` in ``scipy.optimize.minimize``).
"""

from __future__ import annotations

import copy

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
from fastdiff.arguments import (
    argument_types,
    as_extra_arguments,
    bind,
    describe_signature,
    positional_arguments,
    requires_extra_arguments,
    same_arguments,
)
from fastdiff.bounds import as_bounds, hessian_steps_within, point_inside, stencil_fits
from fastdiff.compiled import SCALAR, VECTOR, is_compiled, prepare
from fastdiff.evaluate import Evaluator, sharing_workers
from fastdiff.extrapolated import complex_step_derivative, richardson_derivative
from fastdiff.kernels.drivers import gradient_driver, hessian_driver, jacobian_driver
from fastdiff.kernels.hessian import hessian_parallel, hessian_serial
from fastdiff.passes import CompiledPasses, PythonPasses, careful_first_derivative
from fastdiff.python_path import PythonDerivative, python_hessian
from fastdiff.result import DerivativeResult
from fastdiff.status import MESSAGES, NOT_FINITE, OK, RAISED, WRONG_SHAPE
from fastdiff.steps import FLOAT64_EPS, fill_steps, working_eps

#: Below this estimated amount of work (seconds of evaluations), threads cost
#: more than they save and ``parallel=None`` runs serially. Measured: at 20 us
#: of work two threads were no faster than one (and much slower on a busy
#: machine); at 2 ms they were 1.9x faster.
PARALLEL_THRESHOLD_SECONDS = 200e-6


def gradient(
    f,
    x: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
) -> np.ndarray:
    """Gradient of a scalar function by finite differences.

    Parameters
    ----------
    f : callable
        ``f(x, *args, **kwargs) -> float`` for a 1-D float64 array ``x``. A
        Numba-compiled (``@numba.njit``) ``f`` is evaluated in compiled
        kernels; any other callable through an :class:`~fastdiff.Evaluator`
        (serially unless ``vectorized``, ``workers`` or ``executor`` says
        otherwise).
    x : array_like, shape (n,)
        Point of differentiation; finite.
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
    method : {"central", "forward", "backward"}
        Difference formula. Central is second-order accurate; one-sided
        formulas cost half as much and stay on one side of ``x``.
    step : float or array_like of shape (n,), optional
        Absolute step (per coordinate if an array); ``abs_step`` is the same
        option under scipy's name. Default: relative, ``eps**(1/3) *
        max(1, |x_i|)`` for central and ``eps**(1/2) * max(1, |x_i|)`` for
        one-sided differences, with ``eps`` of ``x``'s precision (float32
        points get float32's). A step below the float spacing at ``x_i``
        falls back to the default.
    rel_step : float or array_like of shape (n,), optional
        Relative step: ``h_i = rel_step_i * max(1, |x_i|)``.
    bounds : (lb, ub) or scipy.optimize.Bounds, optional
        No stencil point leaves the box: near a bound, central differences
        become second-order one-sided ones and one-sided differences change
        side or shrink. A coordinate with ``lb == ub`` has derivative 0.
        ``x`` must lie in the box (one unit in the last place outside is
        moved onto the bound).
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
        its context manager); excludes the four options above.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    TypeError
        ``f`` is not compiled or does not return a number; ``x`` is not real.
    ValueError
        ``x`` is not 1-D, empty or not finite; an option is invalid; ``f``
        is not finite at ``x`` or at a stencil point.

    Notes
    -----
    Central: 2n evaluations. Forward and backward: n + 1 evaluations.
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
    """
    return GradientFunction(
        f,
        method=method,
        step=step,
        rel_step=rel_step,
        bounds=bounds,
        full_output=full_output,
        parallel=parallel,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        args=args,
        kwargs=kwargs,
    )(x)


def jacobian(
    f,
    x: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    sparsity=None,
    coloring=None,
) -> np.ndarray | scipy.sparse.csr_matrix:
    """Jacobian of a vector function by finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray (m,)`` for a 1-D float64 array ``x``; compiled
        with ``@numba.njit`` or a plain Python callable (see :func:`gradient`).
    x : array_like, shape (n,)
        Point of differentiation; finite.
    args, kwargs, method, step, parallel, vectorized, workers, executor, progress, evaluator
        As for :func:`gradient`; a vectorized ``f`` returns ``(k, m)``.
    sparsity : scipy.sparse matrix or bool array of shape (m, n), optional
        Where the Jacobian can be nonzero. Columns that share no row are
        perturbed together (:func:`fastdiff.sparse.jacobian`): as many
        evaluations as colours instead of n, and a CSR result.
    coloring : fastdiff.sparse.Coloring, optional
        A colouring computed before (``fastdiff.sparse.color_jacobian``).

    Returns
    -------
    ndarray, shape (m, n)
        ``J[r, i] = d f_r / d x_i``. Its columns are contiguous (Fortran
        order, as scipy's ``approx_derivative`` returns J): each column is
        written once, as it is computed. ``np.ascontiguousarray(J)`` gives a
        row-major copy if C code needs one.

    Notes
    -----
    Central: 2n evaluations, plus one of ``f(x)`` the first time a prepared
    :func:`jac` meets a new n (to learn m). Forward and backward: n + 1.
    """
    if sparsity is not None:
        _no_sparse_conflicts(rel_step, bounds, full_output, args or kwargs)
        options = dict(method=method, step=step, parallel=parallel, coloring=coloring)
        options.update(vectorized=vectorized, workers=workers, executor=executor)
        return _sparse("jacobian")(
            f, x, sparsity, progress=progress, evaluator=evaluator, **options
        )
    return JacobianFunction(
        f,
        method=method,
        step=step,
        rel_step=rel_step,
        bounds=bounds,
        full_output=full_output,
        parallel=parallel,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        args=args,
        kwargs=kwargs,
    )(x)


def hessian(
    f,
    x: ArrayLike,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    method: str = "central",
    step: float | ArrayLike | None = None,
    rel_step: float | ArrayLike | None = None,
    bounds=None,
    full_output: bool = False,
    parallel: bool | None = None,
    vectorized: bool = False,
    workers: int | None = None,
    executor=None,
    progress: bool = False,
    evaluator: Evaluator | None = None,
    sparsity=None,
    coloring=None,
) -> np.ndarray | scipy.sparse.csr_matrix:
    """Hessian of a scalar function by second differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for a 1-D float64 array ``x``; compiled with
        ``@numba.njit`` or a plain Python callable (see :func:`gradient`).
    x : array_like, shape (n,)
        Point of differentiation; finite.
    method : {"central", "forward", "backward"}
        Central (second order) evaluates ``f(x +- h_i e_i)`` and
        ``f(x +- (h_i e_i + h_j e_j))``; one-sided formulas evaluate on one
        side only.
    step : float or array_like of shape (n,), optional
        Absolute step. Default ``eps**(1/4) * max(1, |x_i|)`` for central,
        ``eps**(1/3) * max(1, |x_i|)`` for one-sided.
    args, kwargs, parallel, vectorized, workers, executor, progress, evaluator
        As for :func:`gradient`.
    sparsity : scipy.sparse matrix or bool array of shape (n, n), optional
        Symmetric pattern of the Hessian: a sparse result from star-coloured
        gradient differences (:func:`fastdiff.sparse.hessian`).
    coloring : fastdiff.sparse.Coloring, optional
        From ``fastdiff.sparse.color_hessian``.

    Returns
    -------
    ndarray, shape (n, n)
        Exactly symmetric.

    Notes
    -----
    ``f(x)`` is evaluated once and the axis points are shared by the diagonal
    and all off-diagonal entries. Central: ``n**2 + n + 1`` evaluations;
    forward and backward: ``1 + n (n + 3) / 2``.
    """
    if sparsity is not None:
        _no_sparse_conflicts(rel_step, bounds, full_output, args or kwargs)
        options = dict(method=method, step=step, parallel=parallel, coloring=coloring)
        options.update(vectorized=vectorized, workers=workers, executor=executor)
        return _sparse("hessian")(f, x, sparsity, progress=progress, evaluator=evaluator, **options)
    return HessianFunction(
        f,
        method=method,
        step=step,
        rel_step=rel_step,
        bounds=bounds,
        full_output=full_output,
        parallel=parallel,
        vectorized=vectorized,
        workers=workers,
        executor=executor,
        progress=progress,
        evaluator=evaluator,
        args=args,
        kwargs=kwargs,
    )(x)


def grad(f, **options) -> GradientFunction:
    """Gradient function of ``f``: ``grad(f, **options)(x) == gradient(f, x, **options)``.

    ``f`` is checked and prepared once, so repeated calls (for instance from
    ``scipy.optimize.minimize(f, x0, jac=grad(f))``) pay only for the
    evaluations. Options as for :func:`gradient`.

    The prepared function takes scipy's calling convention too,
    ``grad(f)(x, *args, **kwargs)``, so that
    ``scipy.optimize.minimize(f, x0, args=(data,), jac=grad(f))`` works; a
    compiled ``f`` stays compiled with its arguments. Give the extra
    arguments either here (``args=``) or at each call, not both.
    """
    return GradientFunction(f, **options)


def jac(f, **options):
    """Jacobian function of ``f``: ``jac(f, **options)(x) == jacobian(f, x, **options)``.

    With ``sparsity=``, the prepared :class:`fastdiff.sparse.SparseJacobianFunction`
    (colouring computed once).
    """
    prepared = _sparse_transformation("jac", f, options)
    return prepared if prepared is not None else JacobianFunction(f, **options)


def hess(f, **options):
    """Hessian function of ``f``: ``hess(f, **options)(x) == hessian(f, x, **options)``.

    With ``sparsity=``, the prepared :class:`fastdiff.sparse.SparseHessianFunction`.
    """
    prepared = _sparse_transformation("hess", f, options)
    return prepared if prepared is not None else HessianFunction(f, **options)


def _sparse(name: str):
    """A function of :mod:`fastdiff.sparse` (imported late: it imports this module)."""
    from fastdiff import sparse

    return getattr(sparse, name)


def _sparse_transformation(name: str, f, options: dict):
    """``fastdiff.sparse.<name>(f, sparsity, ...)`` if ``options`` hold a pattern, else None.

    Takes ``sparsity`` out of ``options`` either way.
    """
    pattern = options.pop("sparsity", None)
    if pattern is None:
        return None
    _no_sparse_conflicts(
        options.pop("rel_step", None),
        options.pop("bounds", None),
        options.pop("full_output", False),
        options.pop("args", ()) or options.pop("kwargs", None),
    )
    return _sparse(name)(f, pattern, **options)


def _no_sparse_conflicts(rel_step, bounds, full_output, extra_arguments=None) -> None:
    for name, given in (
        ("rel_step", rel_step is not None),
        ("bounds", bounds is not None),
        ("full_output", bool(full_output)),
        ("args", bool(extra_arguments)),
    ):
        if given:
            raise ValueError(
                f"{name} is not supported with sparsity= (sparse derivatives take method, step, parallel and the evaluation options)"
            )


def value_and_grad(f, **options) -> GradientFunction:
    """Function returning ``(f(x), gradient(f, x))``.

    For ``scipy.optimize.minimize(fun, x0, jac=True)``. Forward and backward
    differences reuse ``f(x)`` from their stencil (n + 1 evaluations in all);
    central differences need one extra evaluation (2n + 1). Options as for
    :func:`gradient`.
    """
    return GradientFunction(f, with_value=True, **options)


class _DerivativeFunction:
    """Options checked once, and ``f`` prepared for its path; subclasses differentiate.

    A Numba-compiled ``f`` is wrapped for the compiled kernels, unless one of
    the evaluation options asks for the Python path; any other callable gets
    an :class:`~fastdiff.Evaluator`. Each call takes the fast path (one
    compiled call) unless bounds, a full result or a failed stencil point
    need the careful one (:mod:`fastdiff.passes`).
    """

    _kind = SCALAR
    _methods = (*stencils.METHODS, "richardson", "complex")

    def __init__(
        self,
        f,
        *,
        method: str = "central",
        step=None,
        abs_step=None,
        rel_step=None,
        bounds=None,
        full_output: bool = False,
        parallel: bool | None = None,
        vectorized: bool = False,
        workers: int | None = None,
        executor=None,
        progress: bool = False,
        evaluator: Evaluator | None = None,
        args: tuple = (),
        kwargs: dict | None = None,
    ):
        self.method = check_choice(method, self._methods, "method")
        self.args, self.kwargs = as_extra_arguments(args, kwargs)
        # Richardson and complex step build on central passes and steps.
        self._base_method = self.method if self.method in stencils.METHODS else "central"
        if step is not None and abs_step is not None:
            raise ValueError("give step or abs_step (the same option), not both")
        abs_step = abs_step if abs_step is not None else step
        if abs_step is not None and rel_step is not None:
            raise ValueError("give abs_step (step) or rel_step, not both")
        self.step = as_step(abs_step, "abs_step" if step is None else "step")
        self.rel_step = as_step(rel_step, "rel_step")
        self.bounds = bounds
        if bounds is not None:
            _first_bound(bounds)  # the form now; lengths when x is known
        if not isinstance(full_output, (bool, np.bool_)):
            raise TypeError(f"full_output must be True or False; got {full_output!r}")
        self.full_output = bool(full_output)
        self.parallel = check_parallel(parallel)
        if not callable(f):
            raise TypeError(f"f must be a callable; got {type(f).__name__}")
        self.function = f
        self._evaluator = _choose_evaluator(vectorized, workers, executor, progress, evaluator)
        # What the kernels pass to f after x; see _bind_arguments.
        self._unbound_function, self._arguments, self._last_bound = f, (), None
        self._compiled = self._evaluator is None and is_compiled(f)
        if self._compiled:
            extra = self.args or self.kwargs or requires_extra_arguments(f)
            self._prepared = None if extra else prepare(f, self._kind)
        else:
            if self.parallel:
                raise ValueError(
                    "parallel=True applies to Numba-compiled f; for a Python f use "
                    "workers= or executor= to evaluate in parallel"
                )
            self._prepared = None
            if self._evaluator is None:
                self._evaluator = Evaluator()
        self._careful = self.bounds is not None or self.full_output
        if self._base_method != self.method and self.bounds is not None:
            raise ValueError(
                f"bounds are not supported with method={self.method!r}; use 'central', "
                "'forward' or 'backward'"
            )
        self._extra_options = {"parallel": parallel, "evaluator": self._evaluator}
        # What the fast compiled path needs at every call, found once: the
        # steps the drivers take when neither abs_step nor rel_step is given
        # (None: computed per call), and per problem size whether the work
        # is too small for threads.
        no_steps = self.step is None and self.rel_step is None
        self._default_steps = steps_for(None, 0) if no_steps else None
        self._too_small: dict[tuple[int, int, int], bool] = {}
        if self.args or self.kwargs:
            self._bind_arguments(self.args, self.kwargs)

    def _bind_arguments(self, args: tuple, kwargs: dict) -> None:
        """Make calls evaluate ``f(x, *args, **kwargs)`` on this function's path."""
        f = self._unbound_function
        self.function = bind(f, args, kwargs)
        self._extra_options = {**self._extra_options, "args": args, "kwargs": kwargs}
        self._too_small = {}
        if self._compiled:
            self._arguments = positional_arguments(f, args, kwargs)
            self._prepared = prepare(f, self._kind, argument_types(self._arguments))

    def _for_arguments(self, args: tuple, kwargs: dict):
        """This function, or a copy of it for the extra arguments of one call.

        For scipy's convention ``jac(x, *args)``: the copy for the last
        arguments is kept while the same objects come back.
        """
        if not args and not kwargs:
            if self._compiled and self._prepared is None:
                raise TypeError(
                    f"{describe_signature(self._unbound_function)} takes extra arguments: "
                    "pass them with args=(...) or call with (x, *args)"
                )
            return self
        if self.args or self.kwargs:
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
        bound._bind_arguments(args, kwargs)
        self._last_bound = (args, kwargs, bound)
        return bound

    def _threads(self, x: np.ndarray, evaluations: int, m: int = 0) -> int:
        """Threads for this call: 1 runs the serial kernel."""
        if self.parallel is False:
            return 1
        if self.parallel is None:
            key = (x.shape[0], evaluations, m)
            too_small = self._too_small.get(key)
            if too_small is None:
                cost = self._prepared.evaluation_cost(x, m, self._arguments)
                too_small = self._too_small[key] = evaluations * cost < PARALLEL_THRESHOLD_SECONDS
            if too_small:
                return 1
        # Asked only now: it costs a microsecond from Python.
        return numba.get_num_threads()

    def _user_steps(self, x: np.ndarray) -> np.ndarray:
        """Absolute steps from ``abs_step`` / ``rel_step``, or empty for the default rule."""
        n = x.shape[0]
        if self.rel_step is not None:
            return steps_for(self.rel_step, n, "rel_step") * np.maximum(1.0, np.abs(x))
        return steps_for(self.step, n, "abs_step")

    def _steps(self, x: np.ndarray, exponent: float, eps: float) -> np.ndarray:
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raise non_finite_error(x, int(bad[0]))
        return fill_steps(x, self._user_steps(x), exponent, eps, np.empty(x.shape[0]))

    def _passes(self, x: np.ndarray, evaluations: int, m: int = 0):
        if self._prepared is None:
            return PythonPasses(self.function, self._evaluator, self._kind)
        threads = self._threads(x, evaluations, m)
        address = self._prepared.address
        return CompiledPasses(self.function, address, self._kind, threads, self._arguments)

    def _careful_first_derivative(self, x: np.ndarray, eps: float, need_value: bool, m: int = 0):
        bounds = None
        if self.bounds is not None:
            bounds = as_bounds(self.bounds, x.shape[0])
            x = point_inside(x, *bounds)
        stencil = stencils.FIRST_DERIVATIVE[self._base_method]
        h = self._steps(x, stencil.step_exponent, eps)
        passes = self._passes(x, stencil.evaluations_per_entry * x.shape[0], m)
        result = careful_first_derivative(passes, self._base_method, x, h, bounds, need_value, m)
        if self.full_output:
            return DerivativeResult(
                result.derivative,
                result.value,
                None,
                result.steps,
                result.evaluations,
                result.status,
                self.method,
            )
        _raise_for_careful_failures(result, x)
        return result

    def _value(self, x: np.ndarray):
        """``f(x)`` on this function's path (checked finite)."""
        if self._prepared is None:
            value = PythonPasses(self.function, self._evaluator, self._kind).value(x)
        else:
            value = CompiledPasses(self.function, 0, self._kind, 1).value(x)
        _check_finite_value(value)
        return value

    def _extrapolated(self, x: np.ndarray, object_kind: str, central_type, evaluations: int):
        """``method="richardson"`` or ``"complex"``: a DerivativeResult."""
        if self.method == "complex":
            result = complex_step_derivative(
                self.function,
                x,
                self._kind,
                self.step,
                self.parallel,
                None if self._prepared is not None else self._evaluator,
            )
        else:
            # f(x) only scales the rounding part of the error estimate: spend
            # the evaluation only when the estimate or the value is asked for.
            wants_value = self.full_output or getattr(self, "with_value", False)
            value = self._value(x) if wants_value else None
            options = dict(self._extra_options)
            if self._prepared is not None:
                options.pop("evaluator")
            result = richardson_derivative(
                lambda steps: central_type(
                    self._unbound_function, method="central", step=steps, **options
                ),
                x,
                value,
                object_kind,
                evaluations,
                self._central_in(x, object_kind),
            )
        if not self.full_output and not result.success:
            failed = np.flatnonzero(np.atleast_1d(result.status).ravel() != OK)
            raise ValueError(
                f"f returned a non-finite value at the points of method={self.method!r} for "
                f"entries {_listing(failed.tolist())}"
            )
        return result

    def _central_in(self, x: np.ndarray, object_kind: str):
        """``refine(steps, entries, shape)``: central differences of some entries only.

        For the refinement levels of ``method="richardson"``. A gradient or
        Jacobian differentiates the coordinates (columns) listed in
        ``entries`` and gives the others a zero stencil row, so ``f`` is
        evaluated at ``2 * len(entries)`` points; entries where ``f`` failed
        are NaN. A Hessian takes a boolean mask (n, n) and evaluates the
        same central stencil on that pattern only
        (:class:`fastdiff.sparse.hessian_function.SparseHessianFunction`,
        ``1 + 2 n + 2 E`` evaluations for ``E`` pairs ``i < j``); it returns
        None, for a dense pass, when every pair is needed.
        """
        n = x.shape[0]
        if object_kind == "hessian":
            return self._central_hessian_in(x)

        def refine(steps, coordinates, shape):
            offsets, weights = stencils.first_derivative_table("central", n)
            skipped = np.ones(n, dtype=bool)
            skipped[coordinates] = False
            weights[skipped] = 0.0
            m = shape[0] if len(shape) == 2 else 0
            passes = self._passes(x, 2 * coordinates.size, m)
            result = passes.run(x, steps, offsets, weights, None, m)
            failed = result.status != OK
            if failed.any():
                derivative = np.array(result.derivative, dtype=np.float64)
                derivative[..., failed] = np.nan
                return derivative, result.evaluations
            return result.derivative, result.evaluations

        return refine

    def _central_hessian_in(self, x: np.ndarray):
        # Imported here: fastdiff.sparse builds on this module.
        from fastdiff.sparse.hessian_function import SparseHessianFunction

        n = x.shape[0]

        def refine(steps, needed, shape):
            pattern = needed | needed.T
            if pattern[np.triu_indices(n, 1)].all():
                return None  # every pair: the dense pass costs no more
            sparse = SparseHessianFunction(
                self.function,
                pattern,
                method="central",
                step=steps,
                parallel=self.parallel,
                evaluator=self._evaluator,
            )
            return sparse(x).toarray(), sparse.evaluations

        return refine

    def __repr__(self) -> str:
        name = getattr(self.function, "__name__", repr(self.function))
        return f"{type(self).__name__}({name}, method={self.method!r})"


class GradientFunction(_DerivativeFunction):
    """Callable ``x -> gradient`` (or ``(value, gradient)``); see :func:`grad`."""

    def __init__(self, f, *, with_value: bool = False, **options):
        super().__init__(f, **options)
        self.with_value = with_value
        stencil = stencils.FIRST_DERIVATIVE[self._base_method]
        self._needs_value = with_value or stencil.uses_center
        # Kept as plain attributes: this call path is timed in microseconds.
        self._per_entry = stencil.evaluations_per_entry
        self._exponent = stencil.step_exponent
        self._offsets, self._weights = stencils.first_derivative_row(self._base_method)

    def __call__(self, x: ArrayLike, *args, **kwargs):
        self = self._for_arguments(args, kwargs)
        x, eps = _point(x)
        if self._base_method != self.method:
            result = self._extrapolated(x, "gradient", GradientFunction, 2 * x.shape[0])
            if self.full_output:
                return result
            if self.with_value:
                value = result.value if result.value is not None else self._value(x)
                return value, result.derivative
            return result.derivative
        if self._careful or self._prepared is None:
            return self._careful_call(x, eps)
        n = x.shape[0]
        out = np.empty(n)
        steps = self._default_steps
        f0, f0_status, bad, failures = gradient_driver(
            self._prepared.address,
            x,
            self._arguments,
            self._user_steps(x) if steps is None else steps,
            self._exponent,
            eps,
            self._offsets,
            self._weights,
            self._needs_value,
            self._threads(x, self._per_entry * n),
            out,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        if f0_status != OK:
            _raise_at_x(self.function, x, f0_status, f0)
        if failures:
            return self._careful_call(x, eps)  # fall back where points failed
        return (f0, out) if self.with_value else out

    def _careful_call(self, x: np.ndarray, eps: float):
        result = self._careful_first_derivative(x, eps, self.with_value)
        if self.full_output:
            return result
        return (result.value, result.derivative) if self.with_value else result.derivative


class JacobianFunction(_DerivativeFunction):
    """Callable ``x -> Jacobian``; see :func:`jac`."""

    _kind = VECTOR

    def __init__(self, f, **options):
        super().__init__(f, **options)
        self._stencil = stencils.FIRST_DERIVATIVE[self._base_method]
        self._output_length: dict[int, int] = {}

    def __call__(self, x: ArrayLike, *args, **kwargs) -> np.ndarray:
        self = self._for_arguments(args, kwargs)
        x, eps = _point(x)
        if self._base_method != self.method:
            # Each of the three first levels is a new central JacobianFunction,
            # which evaluates f(x) once to learn the output length: 2n + 1.
            result = self._extrapolated(x, "jacobian", JacobianFunction, 2 * x.shape[0] + 1)
            return result if self.full_output else result.derivative
        if self._careful or self._prepared is None:
            return self._careful_call(x, eps)
        n = x.shape[0]
        m = self._output_length.get(n)
        if m is None or self._stencil.uses_center:
            bad = np.flatnonzero(~np.isfinite(x))
            if bad.size:
                raise non_finite_error(x, int(bad[0]))
            f0 = _vector_value(self.function, x)
            m = self._output_length[n] = f0.shape[0]
        else:
            f0 = np.empty(m)
        offsets, weights = stencils.first_derivative_row(self.method)
        h = np.empty(n)
        # Contiguous columns (Fortran order, as scipy's approx_derivative
        # returns J): each column is written once, in place, as it is summed.
        out = np.empty((n, m)).T
        status = np.empty(n, dtype=np.int8)
        threads = self._threads(x, self._stencil.evaluations_per_entry * n, m)
        bad, failures = jacobian_driver(
            self._prepared.address,
            x,
            self._arguments,
            self._user_steps(x),
            self._stencil.step_exponent,
            eps,
            offsets,
            weights,
            f0,
            threads,
            h,
            out,
            status,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        if failures:
            if (status == WRONG_SHAPE).any():
                _raise_for_entries(self.function, x, h, offsets, status, expected_length=m)
            return self._careful_call(x, eps)
        return out

    def _careful_call(self, x: np.ndarray, eps: float):
        result = self._careful_first_derivative(x, eps, True)
        return result if self.full_output else result.derivative


class HessianFunction(_DerivativeFunction):
    """Callable ``x -> Hessian``; see :func:`hess`."""

    _methods = (*stencils.METHODS, "richardson")

    def __init__(self, f, **options):
        super().__init__(f, **options)
        self._stencil = stencils.HESSIAN[self._base_method]
        self._arrays = stencils.hessian_arrays(self._base_method)

    def __call__(self, x: ArrayLike, *args, **kwargs) -> np.ndarray:
        self = self._for_arguments(args, kwargs)
        x, eps = _point(x)
        if self._base_method != self.method:
            evaluations = self._stencil.evaluation_count(x.shape[0])
            result = self._extrapolated(x, "hessian", HessianFunction, evaluations)
            return result if self.full_output else result.derivative
        if self._careful or self._prepared is None:
            return self._careful_call(x, eps)
        n = x.shape[0]
        h = np.empty(n)
        out = np.empty((n, n))
        status = np.empty((n, n), dtype=np.int8)
        threads = self._threads(x, self._stencil.evaluation_count(n))
        f0, f0_status, bad, failures = hessian_driver(
            self._prepared.address,
            x,
            self._arguments,
            self._user_steps(x),
            self._stencil.step_exponent,
            eps,
            self._arrays,
            threads,
            h,
            out,
            status,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        if f0_status != OK:
            _raise_at_x(self.function, x, f0_status, f0)
        if failures:
            _raise_for_hessian_entries(status)
        return out

    def _careful_call(self, x: np.ndarray, eps: float):
        n = x.shape[0]
        method, arrays = self.method, self._arrays
        fixed = np.zeros(n, dtype=bool)
        if self.bounds is not None:
            lb, ub = as_bounds(self.bounds, n)
            x = point_inside(x, lb, ub)
            h = self._steps(x, stencils.HESSIAN[self.method].step_exponent, eps)
            if self.method == "backward":
                h = -h
            if self.method != "central" or not _hessian_fits(
                x, h, stencils.HESSIAN[method], lb, ub
            ):
                central, h, fixed = hessian_steps_within(x, np.abs(h), lb, ub)
                method = "central" if central else "forward"
                arrays = stencils.hessian_arrays(method)
            else:
                fixed = lb == ub
                h = np.where(fixed, 0.0, h)
        else:
            h = self._steps(x, self._stencil.step_exponent, eps)
        evaluations = stencils.HESSIAN[method].evaluation_count(n)
        if self._prepared is None:
            result = python_hessian(self.function, x, h, arrays, self._evaluator)
            _raise_for_python_failures(result, x, h, allow_entries=self.full_output)
            value, out, status = result.value, result.derivative, result.status
        else:
            passes = self._passes(x, evaluations)
            value = passes.value(x)
            _check_finite_value(value)
            out = np.empty((n, n))
            status = np.empty((n, n), dtype=np.int8)
            if passes.threads > 1:
                hessian_parallel(
                    passes.address, x, passes.args, h, arrays, value, out, status, passes.threads
                )
            else:
                hessian_serial(passes.address, x, passes.args, h, arrays, value, out, status)
            if status.any() and not self.full_output:
                _raise_for_hessian_entries(status)
        out[fixed, :] = 0.0
        out[:, fixed] = 0.0
        status[fixed, :] = OK
        status[:, fixed] = OK
        out[status != OK] = np.nan
        if self.full_output:
            return DerivativeResult(out, value, None, h, evaluations, status, self.method)
        return out


def _first_bound(bounds):
    if hasattr(bounds, "lb"):
        return bounds.lb
    try:
        return bounds[0]
    except (TypeError, IndexError, KeyError):
        raise TypeError(
            f"bounds must be (lb, ub) or a scipy.optimize.Bounds; got {type(bounds).__name__}"
        ) from None


def _hessian_fits(x, h, stencil, lb, ub) -> bool:
    offsets = set(stencil.axis_offsets) | {o for pair in stencil.pair_offsets for o in pair}
    return bool(stencil_fits(x, h, sorted(offsets), lb, ub).all())


def _choose_evaluator(vectorized, workers, executor, progress, evaluator) -> Evaluator | None:
    """The evaluator the options ask for, or None for the compiled path."""
    if evaluator is not None:
        if not isinstance(evaluator, Evaluator):
            raise TypeError(
                f"evaluator must be a fastdiff.Evaluator; got {type(evaluator).__name__}"
            )
        if vectorized or workers is not None or executor is not None or progress:
            raise ValueError(
                "give evaluator alone, or vectorized/workers/executor/progress, not both"
            )
        return evaluator
    if not (vectorized or workers is not None or executor is not None or progress):
        return None
    if workers is not None and executor is None:
        # Validates like Evaluator does, then shares one pool per size.
        Evaluator(vectorized=vectorized, workers=workers, progress=progress)
        return sharing_workers(workers, vectorized=vectorized, progress=progress)
    return Evaluator(vectorized=vectorized, workers=workers, executor=executor, progress=progress)


def _vector_value(f, x: np.ndarray) -> np.ndarray:
    try:
        values = f(x)
    except Exception as error:
        _add_note(error, "fastdiff: f raised at x")
        raise
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"f must return a 1-D array for a Jacobian; f(x) has shape {values.shape}")
    # C-contiguous float64 whatever f returned: one compiled driver for all.
    values = np.ascontiguousarray(values, dtype=np.float64)
    _check_finite_value(values)
    return values


def _check_finite_value(value) -> None:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        if not np.isfinite(array):
            raise ValueError(f"f(x) must be finite; f returned {float(array)} at x")
    elif not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(f"f(x) must be finite; f(x)[{bad}] is {array[bad]}")


def _raise_at_x(f, x, status: int, value: float):
    if status == RAISED:
        _reraise_from_python(f, x, "at x")
        _not_reproduced("at x")
    _check_finite_value(value)


def _entry_failure(code: int, where: str, x, h, first: int, expected_length=None) -> ValueError:
    """The error for entries whose stencil points failed without raising."""
    if code == WRONG_SHAPE:
        return ValueError(
            f"f returned an array of a different length at the stencil points of {where} "
            f"than at x ({expected_length}); f must return the same shape everywhere"
        )
    if code == NOT_FINITE:
        return ValueError(
            f"f returned a non-finite value at the stencil points of {where} "
            f"(x[{first}] = {x[first]}, step {h[first]:.3g})"
        )
    return ValueError(f"f failed at the stencil points of {where}: {MESSAGES.get(code, code)}")


_FLOAT64 = np.dtype(np.float64)


def _point(x) -> tuple[np.ndarray, float]:
    """``x`` as the drivers take it, and the epsilon of its precision.

    The common case, a C-contiguous float64 vector, is recognised first: this
    runs at every call of a prepared derivative.
    """
    if (
        type(x) is np.ndarray
        and x.dtype is _FLOAT64
        and x.ndim == 1
        and x.shape[0] > 0
        and x.flags.c_contiguous
        and x.flags.writeable
    ):
        return x, FLOAT64_EPS
    eps = working_eps(x)
    return as_point(x), eps


def _raise_for_entries(f, x, h, offsets, status, expected_length: int | None = None):
    failed = np.flatnonzero(status)
    first = int(failed[0])
    code = int(status[first])
    if code == RAISED:
        for offset in offsets[first if offsets.shape[0] > 1 else 0]:
            if offset != 0.0:
                point = x.copy()
                point[first] += offset * h[first]
                _reraise_from_python(f, point, f"at x + {offset:g} * h[{first}] * e[{first}]")
        _not_reproduced(f"at the stencil points of coordinate {first}")
    where = f"coordinate(s) {_listing(failed.tolist())}"
    raise _entry_failure(code, where, x, h, first, expected_length)


def _raise_for_careful_failures(result, x) -> None:
    """After fallbacks: the first exception with its point, or which entries failed."""
    failed = np.flatnonzero(result.status != OK)
    if failed.size == 0:
        return
    first = int(failed[0])
    if first in result.errors:
        error, where = result.errors[first]
        _add_note(error, f"fastdiff: f raised {where}; no fallback stencil avoided it")
        raise error
    where = f"coordinate(s) {_listing(failed.tolist())}"
    raise _entry_failure(int(result.status[first]), where, x, result.steps, first)


def _raise_for_hessian_entries(status):
    rows, cols = np.nonzero(status)
    raise ValueError(
        f"f failed at the stencil points of Hessian entries "
        f"{_listing(list(zip(rows.tolist(), cols.tolist())))}: "
        f"{MESSAGES[int(status[rows[0], cols[0]])]}"
    )


def _raise_for_python_failures(result: PythonDerivative, x, h, allow_entries: bool = False) -> None:
    if result.center_error is not None:
        _add_note(result.center_error, "fastdiff: f raised at x")
        raise result.center_error
    if result.value is not None:
        _check_finite_value(result.value)
    if allow_entries or not result.status.any():
        return
    if result.errors:
        error, where = result.errors[min(result.errors)]
        _add_note(error, f"fastdiff: f raised {where}")
        raise error
    if result.status.ndim == 2:
        _raise_for_hessian_entries(result.status)
    failed = np.flatnonzero(result.status)
    where = f"coordinate(s) {_listing(failed.tolist())}"
    raise _entry_failure(int(result.status[failed[0]]), where, x, h, int(failed[0]))


def _reraise_from_python(f, point, where: str) -> None:
    """Call ``f`` at ``point`` from Python so that its exception reaches the user."""
    try:
        f(point)
    except Exception as error:
        _add_note(error, f"fastdiff: f raised {where}")
        raise


def _not_reproduced(where: str):
    raise RuntimeError(
        f"f raised {where} inside the kernel but not when called again from Python "
        "(does f depend on state other than x?)"
    )


def _add_note(error: BaseException, note: str) -> None:
    if hasattr(error, "add_note"):
        error.add_note(note)


def _listing(items: list, limit: int = 5) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return f"[{shown}{', ...' if len(items) > limit else ''}]"
