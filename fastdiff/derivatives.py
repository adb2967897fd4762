"""Prepared derivatives: ``GradientFunction``, ``JacobianFunction``, ``HessianFunction``.

Each is built once per function and options (:func:`fastdiff.grad`,
:func:`fastdiff.jac`, :func:`fastdiff.hess`): the options are checked
(:func:`fastdiff.options.derivative_options`), ``method`` resolved, and
``f`` given its backend (:func:`fastdiff.backends.prepare_backend`). A call
then takes one of three paths:

* fast: one compiled driver call with the method's stencil everywhere
  (:mod:`fastdiff.kernels.drivers`), for a compiled ``f`` without bounds or
  a full result;
* careful: bounds, per-entry status and fallback stencils
  (:mod:`fastdiff.careful`), for Python functions, bounds, ``full_output``
  or after a stencil point failed on the fast path;
* high accuracy: ``method="richardson"`` or ``"complex"``
  (:mod:`fastdiff.high_accuracy`).

Every call adds the evaluations of ``f`` it spent to ``nfev``.

``at_points(X)`` differentiates at each row of a (k, n) array: one compiled
call or one batch of evaluations for all rows (:mod:`fastdiff.batched`),
each row bit for bit what a call at that row returns.

Extra arguments of ``f`` (``f(x, *args, **kwargs)``) are options of the
derivative (``args=``, ``kwargs=``) or, as scipy passes them, arguments of
each call: ``grad(f)(x, *args)`` uses a copy of the prepared derivative
bound to those arguments, kept while the same objects come back. A compiled
``f`` with required extra parameters is prepared only once its arguments
are known.

A parameter tree ``x`` (a dict, named tuple, or nested lists and tuples of
numbers and arrays; :func:`fastdiff.pytree.is_parameter_tree`) is
flattened (:mod:`fastdiff.pytree`); a copy of the prepared derivative,
kept while the same layout comes back, differentiates the Python function
``flat -> f(tree)`` at the flat vector, and the result is rebuilt in the
structure of ``x``. A flat array never reaches that code.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike

from fastdiff import stencils
from fastdiff.arguments import (
    ArgumentsAtCall,
    describe_signature,
    requires_extra_arguments,
)
from fastdiff.auto_steps import StepChooser, annotate_steps
from fastdiff.backends import prepare_backend
from fastdiff.batched import (
    as_points,
    at_one_point,
    batch_steps,
    check_finite_points,
    check_points_options,
    compiled_gradients,
    compiled_hessians,
    compiled_jacobians,
    points_result,
    python_first_derivatives,
    python_hessians,
    stack_results,
)
from fastdiff.bounds import as_bounds, point_inside
from fastdiff.careful import careful_first_derivative, careful_hessian
from fastdiff.compiled import SCALAR, VECTOR, is_compiled
from fastdiff.errors import (
    add_note,
    check_finite_value,
    listing,
    non_finite_error,
    raise_at_x,
    raise_for_careful_failures,
    raise_for_entries,
    raise_for_hessian_entries,
    raise_hessian_exception,
)
from fastdiff.evaluate import Evaluator
from fastdiff.high_accuracy.complex_step import complex_step_derivative
from fastdiff.high_accuracy.richardson import GRADIENT_SCALE
from fastdiff.high_accuracy.richardson_bounds import bounded_richardson
from fastdiff.high_accuracy.richardson_derivative import (
    compiled_richardson,
    first_steps,
    python_richardson,
    raise_for_hessian_failures,
    richardson_result,
    richardson_schedule,
)
from fastdiff.kernels.drivers import gradient_driver, hessian_driver, jacobian_driver
from fastdiff.kernels.richardson import richardson_gradient
from fastdiff.options import DerivativeOptions, derivative_options
from fastdiff.pytree import Layout, flat_function, flatten, is_parameter_tree
from fastdiff.result import DerivativeResult
from fastdiff.status import OK, WRONG_SHAPE
from fastdiff.steps import FLOAT64_EPS, steps_at, user_steps, working_eps
from fastdiff.threads import threads_argument
from fastdiff.validation import as_point, check_callable, steps_for

_FLOAT64 = np.dtype(np.float64)
_EMPTY = np.empty(0)
_EMPTY_INDICES = np.empty(0, dtype=np.int64)
_EMPTY_FLAGS = np.empty(0, dtype=bool)
_SIGNATURE_OF_X = inspect.Signature(
    [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
)


class _TreeGiven(Exception):
    """``x`` is a parameter tree: the caller takes the tree path.

    An exception rather than a check in every call: a ``try`` costs nothing
    on the path of flat arrays (Python 3.11's zero-cost exceptions).
    """


def point_and_eps(x) -> tuple[np.ndarray, float]:
    """``x`` as the drivers take it, and the epsilon of its precision.

    The common case, a C-contiguous writable float64 vector, is recognised
    first: this runs at every call of a prepared derivative.

    Raises
    ------
    _TreeGiven
        ``x`` is a parameter tree (:func:`fastdiff.pytree.is_parameter_tree`).
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
    if is_parameter_tree(x):
        raise _TreeGiven
    eps = working_eps(x)
    return as_point(x), eps


class _DerivativeFunction(ArgumentsAtCall):
    """Options checked once, and ``f`` given its backend; subclasses differentiate.

    Attributes
    ----------
    function : callable
        The user's ``f``, with its extra arguments bound when it has any
        (:class:`~fastdiff.arguments.BoundFunction`).
    method : str
        The difference method.
    options : DerivativeOptions
        The checked options.
    nfev : int
        Evaluations of ``f`` spent by all calls so far (each call adds its
        own; for a vectorized ``f``, points evaluated), those spent choosing
        steps (``step="auto"``) included.
    """

    _kind = SCALAR
    _hessian = False
    _methods = stencils.FIRST_DERIVATIVE_METHODS

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
        timeout: float | None = None,
        args: tuple = (),
        kwargs: dict | None = None,
        rtol: float | None = None,
        atol: float | None = None,
        max_levels: int | None = None,
    ):
        options = derivative_options(
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
            methods=self._methods,
            auto_steps_allowed=True,
        )
        self._setup(f, options)

    @classmethod
    def from_options(cls, f, options: DerivativeOptions, **extra):
        """The prepared derivative of ``f`` with options checked before."""
        prepared = cls.__new__(cls)
        prepared._setup(f, options, **extra)
        return prepared

    def _setup(self, f, options: DerivativeOptions) -> None:
        self._unbound_function = check_callable(f)
        self._last_bound = None  # (args, kwargs, copy) of the last call's arguments
        self._last_tree = None  # (layout, copy) of the last parameter tree
        self._method = options.method
        self.method = options.method.name
        self.step = options.step
        self.rel_step = options.rel_step
        self.bounds = options.bounds
        self.full_output = options.full_output
        self.parallel = options.parallel
        self.nfev = 0
        self._careful = options.bounds is not None or options.full_output
        # The steps the drivers take when neither abs_step nor rel_step (nor
        # "auto") is given (None: computed per call), found once.
        self._default_steps = steps_for(None, 0) if options.default_steps else None
        self._schedule = None
        self._one_sided_schedule = None
        if options.method.extrapolated:
            self._schedule = richardson_schedule(options.rtol, options.atol, options.max_levels)
            if options.bounds is not None:
                self._one_sided_schedule = richardson_schedule(
                    options.rtol, options.atol, options.max_levels, method="forward"
                )
        self._prepare(options)
        # What signature inspection shows: a function of x (extra arguments
        # follow scipy's convention, positionally). Tools that bind every
        # parameter they see (optimagic counts *args as required) then
        # take the prepared function as the function of x it is.
        self.__signature__ = _SIGNATURE_OF_X

    def _prepare(self, options: DerivativeOptions) -> None:
        """Give ``f`` its backend for ``options`` (and their extra arguments).

        A compiled ``f`` with required parameters after ``x`` and no
        arguments given yet has no backend: its argument types are not
        known before a call brings them.
        """
        f = self._unbound_function
        self.options = options
        if (
            not options.has_arguments
            and options.evaluator is None
            and is_compiled(f)
            and requires_extra_arguments(f)
        ):
            self.function, self._backend, self._compiled, self._threads = f, None, None, None
        else:
            self._backend = prepare_backend(f, options, self._kind)
            self.function = self._backend.function
            self._compiled = self._backend.compiled
            self._threads = None if self._compiled is None else self._backend.threads
        self._arguments = () if self._compiled is None else self._backend.args
        self._auto_steps = None
        if options.auto_steps and self._backend is not None:
            self._auto_steps = StepChooser(self._backend, self.method, self._hessian)
        self._backend_ready()

    def _backend_ready(self) -> None:
        """What subclasses derive from the backend (see :meth:`_prepare`)."""

    def _call_with_arguments(self, x: ArrayLike, args: tuple, kwargs: dict):
        """``self(x)`` for ``f(x, *args, **kwargs)`` (scipy's ``jac(x, *args)``)."""
        bound = self._for_arguments(args, kwargs)
        before = bound.nfev
        result = bound(x)
        self.nfev += bound.nfev - before
        return result

    def _described_function(self):
        return self._unbound_function

    def _reset_copy(self, bound) -> None:
        bound._last_tree = None
        bound.nfev = 0

    def _call_with_tree(self, x):
        """``self(x)`` for a parameter tree ``x``: ``f`` gets trees, the result has their structure."""
        flat, layout = flatten(x, "x")
        if layout.size == 0:
            raise ValueError(
                f"x must hold at least one number; got a {type(x).__name__} without any"
            )
        bad = np.flatnonzero(~np.isfinite(flat))
        if bad.size:
            k = int(bad[0])
            raise ValueError(f"x must be finite; x{layout.paths[k]} is {flat[k]}")
        flat_derivative = self._for_layout(layout, type(x).__name__)
        before = flat_derivative.nfev
        try:
            result = flat_derivative(flat)
        finally:
            self.nfev += flat_derivative.nfev - before
        if self.full_output:
            return replace(
                result, derivative=self._as_tree(result.derivative, layout), layout=layout
            )
        return self._as_tree(result, layout)

    def _for_layout(self, layout: Layout, kind: str):
        """A copy of this function differentiating ``flat -> f(layout(flat))``, kept per layout."""
        last = self._last_tree
        if last is not None and last[0] == layout:
            return last[1]
        f = self._unbound_function
        if is_compiled(f):
            raise TypeError(
                f"x is a parameter tree (a {kind}) but f {describe_signature(f)} is "
                "Numba-compiled: f would be called with the tree, which compiled code cannot "
                "take. Differentiate a Python function of the tree (it may call compiled "
                "code), or flatten the tree with fastdiff.pytree.flatten and differentiate "
                "f at the 1-D array"
            )
        if self.options.evaluator is not None and self.options.evaluator.vectorized:
            raise ValueError(
                "vectorized=True does not take a parameter tree x (f would get a (k, n) "
                "array); give x as a 1-D array"
            )
        if self._method.complex_step:
            raise ValueError(
                "method='complex' does not take a parameter tree x (its leaves are real); "
                "give x as a 1-D array"
            )
        flat_derivative = copy.copy(self)
        flat_derivative._last_bound = None
        flat_derivative._last_tree = None
        flat_derivative.nfev = 0
        flat_derivative._unbound_function = flat_function(f, layout)
        flat_derivative._prepare(self.options)
        self._last_tree = (layout, flat_derivative)
        return flat_derivative

    def _as_tree(self, derivative, layout: Layout):
        """The flat result of a call in the structure of the parameter tree."""
        raise NotImplementedError

    def at_points(self, X: ArrayLike, *args, **kwargs):
        """The derivative at each row of ``X``: k points in one call.

        Parameters
        ----------
        X : array_like, shape (k, n)
            One point per row; finite.
        *args, **kwargs
            Extra arguments of ``f`` for this call (scipy's convention), as
            for a call at one point; or none, if given when this function
            was made.

        Returns
        -------
        ndarray
            Gradients (k, n), Jacobians (k, m, n) or Hessians (k, n, n):
            row ``p`` is the derivative at ``X[p]``, bit for bit what a call
            at ``X[p]`` returns. From :func:`fastdiff.value_and_grad`:
            ``(values (k,), gradients (k, n))``. With ``full_output``: a
            :class:`~fastdiff.DerivativeResult` of per-point arrays
            (``derivative``, ``value``, ``step`` (k, n), ``status``) whose
            ``nfev`` counts this call.

        Raises
        ------
        ValueError
            ``X`` is not of shape (k, n) or not finite; ``method`` is
            ``"richardson"`` or ``"complex"``, or ``step="auto"`` (not
            supported at many points); as at one point otherwise.

        Notes
        -----
        k times the evaluations of one point (see :func:`fastdiff.gradients`).
        A compiled ``f`` runs in one compiled call for all points, on
        several threads over (point, perturbation) items when the work
        pays for them (``parallel``); any other ``f`` gets every stencil
        point of every row in one batch (one call of a vectorized ``f`` per
        4096 points, one round of ``workers``). A point where ``f`` raised or
        returned a non-finite value is done again at one point (fallback
        stencils; an exception gets a note naming ``X[p]``). With
        ``bounds``, the points are differentiated one after another at one
        point each.
        """
        if args or kwargs or self._backend is None:
            bound = self._for_arguments(args, kwargs)
            before = bound.nfev
            try:
                return bound.at_points(X)
            finally:
                self.nfev += bound.nfev - before
        check_points_options(self.options)
        points, eps = as_points(X)
        with_value = getattr(self, "with_value", False)
        if self.bounds is not None:
            results = [at_one_point(self, points, p, eps) for p in range(points.shape[0])]
            return stack_results(results, self.full_output, with_value, self.method)
        before = self.nfev
        batch = self._points_pass(points, eps)
        self.nfev += batch.evaluations
        redone = {int(p): at_one_point(self, points, p, eps) for p in batch.failed}
        return points_result(
            batch, redone, self.full_output, with_value, self.method, self.nfev - before
        )

    def _points_pass(self, X: np.ndarray, eps: float):
        """The derivative at every row of ``X``: a :class:`~fastdiff.batched.PointsPass`."""
        raise NotImplementedError

    @property
    def uses_adapter(self) -> bool:
        """Whether ``f`` runs in the kernels through an adapter.

        Then this object must not be kept in ``f.__dict__``: the reference
        cycle through the adapter is never collected
        (:attr:`fastdiff.compiled.CompiledFunction.uses_adapter`).
        """
        return self._compiled is not None and self._compiled.uses_adapter

    def _user_steps(self, x: np.ndarray) -> np.ndarray:
        """Absolute steps from ``abs_step`` / ``rel_step`` / ``"auto"``, or empty for the default rule.

        With ``step="auto"`` the first call chooses the steps; the
        evaluations it spends are added to ``nfev``.
        """
        if self._auto_steps is not None:
            steps = self._auto_steps.steps(x)
            self.nfev += self._auto_steps.spent_in_call
            return steps
        return user_steps(x, self.options)

    def _steps_at(self, x: np.ndarray, exponent: float, eps: float) -> np.ndarray:
        """The steps of one derivative at ``x`` (see :func:`fastdiff.steps.steps_at`)."""
        given = self._user_steps(x) if self._auto_steps is not None else None
        return steps_at(x, self.options, exponent, eps, given)

    @property
    def auto_steps(self):
        """With ``step="auto"``: the :class:`~fastdiff.auto_steps.AutoSteps` in use (None before the first call)."""
        return None if self._auto_steps is None else self._auto_steps.result

    def choose_steps_again(self) -> None:
        """With ``step="auto"``: choose the steps again at the next call (e.g. far from the first point)."""
        if self._auto_steps is None:
            raise ValueError("choose_steps_again applies to step='auto'")
        self._auto_steps.forget()

    def _bounded(self, x: np.ndarray):
        """``(x, (lb, ub))`` with ``x`` moved into the box, or ``(x, None)``."""
        if self.bounds is None:
            return x, None
        bounds = as_bounds(self.bounds, x.shape[0])
        return point_inside(x, *bounds), bounds

    def _careful_first_derivative(self, x: np.ndarray, eps: float, need_value: bool, m: int = 0):
        x, bounds = self._bounded(x)
        method = self._method
        h = self._steps_at(x, method.first.step_exponent, eps)
        result = careful_first_derivative(self._backend, method, x, h, bounds, need_value, m)
        self.nfev += result.evaluations
        if self.full_output:
            return annotate_steps(
                self._auto_steps,
                DerivativeResult(
                    result.derivative,
                    result.value,
                    None,
                    result.steps,
                    result.evaluations,
                    result.status,
                    self.method,
                ),
            )
        raise_for_careful_failures(result, x)
        return result

    def _value(self, x: np.ndarray):
        """``f(x)`` on this function's backend (checked finite)."""
        value = self._backend.value(x)
        self.nfev += 1
        check_finite_value(value)
        return value

    def _complex_step(self, x: np.ndarray):
        """``method="complex"``: a DerivativeResult."""
        result = complex_step_derivative(
            self.function,
            x,
            self._kind,
            self.step,
            self.parallel,
            None if self._compiled is not None else self._backend.evaluator,
        )
        self.nfev += result.nfev
        if not self.full_output and not result.success:
            failed = np.flatnonzero(np.atleast_1d(result.status).ravel() != OK)
            raise ValueError(
                f"f returned a non-finite value at the points of method={self.method!r} for "
                f"entries {listing(failed.tolist())}"
            )
        return result

    def _richardson(self, x: np.ndarray, object_kind: str, wants_value: bool):
        """``method="richardson"``: a DerivativeResult if ``full_output``, else a RichardsonOutcome.

        ``f(x)`` only scales the rounding part of the error estimate: it is
        evaluated when the value or the full result is asked for (a Hessian
        always evaluates it, a Jacobian when it does not know its length).
        A compiled gradient or Jacobian with entries left without a
        complete window (a stencil point failed) is done again on the
        Python level loop, with fallback stencils.
        """
        if self.bounds is not None:
            return self._bounded_richardson(x, object_kind, wants_value)
        n = x.shape[0]
        user = self._richardson_user_steps(x)
        schedule = self._schedule
        before = self.nfev
        value, m = None, 0
        if object_kind == "jacobian":
            m = self._output_length.get(n)
            if m is None or wants_value or self._compiled is None:
                value = self._vector_value(x)
                m = self._output_length[n] = value.shape[0]
        if self._compiled is not None:
            per_level = 2 * n if object_kind != "hessian" else n * n + n
            threads = self._threads(x, per_level, m)
            outcome = compiled_richardson(
                self._backend,
                object_kind,
                x,
                user,
                schedule,
                threads,
                self.full_output,
                wants_value,
                m,
                value,
            )
            self.nfev += outcome.evaluations
            if outcome.failed and object_kind == "hessian" and not self.full_output:
                raise_for_hessian_failures(self._backend, x, outcome)
            if outcome.failed and object_kind != "hessian":
                value = outcome.value if value is None else value
                outcome = python_richardson(
                    self._backend, object_kind, x, user, schedule, value, m, not self.full_output
                )
                self.nfev += outcome.evaluations
        else:
            bad = np.flatnonzero(~np.isfinite(x))
            if bad.size:
                raise non_finite_error(x, int(bad[0]))
            if object_kind == "gradient" and wants_value:
                value = self._value(x)
            outcome = python_richardson(
                self._backend, object_kind, x, user, schedule, value, m, not self.full_output
            )
            self.nfev += outcome.evaluations
        if not self.full_output:
            return outcome
        first = first_steps(x, user, object_kind)
        result = richardson_result(outcome, first, object_kind, self.nfev - before)
        return annotate_steps(self._auto_steps, result)

    def _bounded_richardson(self, x: np.ndarray, object_kind: str, wants_value: bool):
        """``method="richardson"`` with ``bounds`` (gradient or Jacobian), as :meth:`_richardson`.

        Central where the first stencil fits in the box, one-sided
        extrapolation at a bound
        (:func:`fastdiff.high_accuracy.richardson_bounds.bounded_richardson`);
        a compiled ``f`` runs each level through the compiled passes.
        """
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raise non_finite_error(x, int(bad[0]))
        x, bounds = self._bounded(x)
        user = self._richardson_user_steps(x)
        before = self.nfev
        value, m = None, 0
        if object_kind == "jacobian":
            value = self._vector_value(x)
            m = value.shape[0]
        elif wants_value:
            value = self._value(x)
        outcome, first = bounded_richardson(
            self._backend,
            object_kind,
            x,
            user,
            bounds,
            (self._schedule, self._one_sided_schedule),
            value,
            m,
            not self.full_output,
        )
        self.nfev += outcome.evaluations
        if not self.full_output:
            return outcome
        return richardson_result(outcome, first, object_kind, self.nfev - before)

    def _richardson_user_steps(self, x: np.ndarray) -> np.ndarray:
        """The user's steps (abs_step or rel_step) as Richardson's first level, or empty.

        With ``step="auto"``: the default first steps times the scale of
        each coordinate the step choice found (``AutoSteps.scale``).
        """
        if self.options.default_steps:
            return _EMPTY
        if self._auto_steps is not None:
            self._user_steps(x)
            kind = "hessian" if self._hessian else "gradient"
            return first_steps(x, _EMPTY, kind) * self._auto_steps.result.scale
        return steps_at(x, self.options, 1 / 3, FLOAT64_EPS)

    def __repr__(self) -> str:
        name = getattr(self.function, "__name__", repr(self.function))
        return f"{type(self).__name__}({name}, method={self.method!r})"


class GradientFunction(_DerivativeFunction):
    """Callable ``x -> gradient`` (or ``(value, gradient)``); see :func:`fastdiff.grad`.

    Attributes
    ----------
    nfev : int
        Evaluations of ``f`` spent by all calls so far.
    """

    def __init__(self, f, *, with_value: bool = False, **options):
        self.with_value = with_value
        super().__init__(f, **options)

    def _setup(self, f, options: DerivativeOptions, with_value: bool | None = None) -> None:
        if with_value is not None:
            self.with_value = with_value
        method = options.method
        self._needs_value = self.with_value or method.uses_value
        # Kept as plain attributes: this call path is timed in microseconds.
        self._per_entry = method.evaluations_per_entry
        self._exponent = method.first.step_exponent
        self._offsets, self._weights = stencils.first_derivative_row(method.base)
        super()._setup(f, options)

    def _backend_ready(self) -> None:
        self._address = None if self._compiled is None else self._compiled.address
        compiled = not self._careful and self._compiled is not None
        self._fast = compiled and self._method.is_stencil
        self._fast_richardson = compiled and self._method.extrapolated

    def __call__(self, x: ArrayLike, *args, **kwargs):
        if args or kwargs or self._backend is None:
            return self._call_with_arguments(x, args, kwargs)
        try:
            x, eps = point_and_eps(x)
        except _TreeGiven:
            return self._call_with_tree(x)
        if not self._fast:
            if self._fast_richardson:
                return self._compiled_richardson(x, eps)
            return self._slow_call(x, eps)
        n = x.shape[0]
        out = np.empty(n)
        steps = self._default_steps
        evaluations = self._per_entry * n
        f0, f0_status, bad, failures = gradient_driver(
            self._address,
            x,
            self._arguments,
            self._user_steps(x) if steps is None else steps,
            self._exponent,
            eps,
            self._offsets,
            self._weights,
            self._needs_value,
            threads_argument(self._threads(x, evaluations)),
            out,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        self.nfev += evaluations + self._needs_value
        if f0_status != OK:
            raise_at_x(self.function, x, f0_status, f0)
        if failures:
            return self._careful_call(x, eps)  # fall back where points failed
        return (f0, out) if self.with_value else out

    def _as_tree(self, derivative, layout: Layout):
        if self.with_value and not self.full_output:
            value, gradient = derivative
            return value, layout(gradient)
        return layout(derivative)

    def _compiled_richardson(self, x: np.ndarray, eps: float):
        """``method="richardson"`` for a compiled ``f``, no full result: one driver call.

        Kept apart from :meth:`_richardson` because at small n the Python
        around the call costs more than the evaluations.
        """
        n = x.shape[0]
        out = np.empty(n)
        steps = self._default_steps
        f0, f0_status, bad, evaluations, failed = richardson_gradient(
            self._address,
            x,
            self._arguments,
            self._richardson_user_steps(x) if steps is None else steps,
            GRADIENT_SCALE,
            self._offsets,
            self._weights,
            *self._schedule,
            self.with_value,
            threads_argument(self._threads(x, 2 * n)),
            out,
            _EMPTY,
            _EMPTY_INDICES,
            _EMPTY_FLAGS,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        self.nfev += evaluations
        if f0_status != OK:
            raise_at_x(self.function, x, f0_status, f0)
        if failed:
            return self._slow_call(x, eps)  # fallback stencils where points failed
        return (f0, out) if self.with_value else out

    def _points_pass(self, X: np.ndarray, eps: float):
        given = batch_steps(X, self.options)
        if self._compiled is not None:
            return compiled_gradients(self._backend, self._method, X, given, eps, self._needs_value)
        return python_first_derivatives(
            self._backend, self._method, X, given, eps, self._needs_value
        )

    def _slow_call(self, x: np.ndarray, eps: float):
        method = self._method
        if method.extrapolated:
            result = self._richardson(x, "gradient", self.full_output or self.with_value)
        elif method.complex_step:
            result = self._complex_step(x)
        else:
            return self._careful_call(x, eps)
        if self.full_output:
            return result
        if self.with_value:
            value = result.value if result.value is not None else self._value(x)
            return value, result.derivative
        return result.derivative

    def _careful_call(self, x: np.ndarray, eps: float):
        result = self._careful_first_derivative(x, eps, self.with_value)
        if self.full_output:
            return result
        return (result.value, result.derivative) if self.with_value else result.derivative


class JacobianFunction(_DerivativeFunction):
    """Callable ``x -> Jacobian``; see :func:`fastdiff.jac`.

    Attributes
    ----------
    nfev : int
        Evaluations of ``f`` spent by all calls so far.
    """

    _kind = VECTOR

    def _backend_ready(self) -> None:
        # Per backend: another tuple of arguments may give another length.
        self._output_length: dict[int, int] = {}

    def __call__(self, x: ArrayLike, *args, **kwargs) -> np.ndarray:
        if args or kwargs or self._backend is None:
            return self._call_with_arguments(x, args, kwargs)
        try:
            x, eps = point_and_eps(x)
        except _TreeGiven:
            return self._call_with_tree(x)
        method = self._method
        if method.extrapolated:
            result = self._richardson(x, "jacobian", self.full_output)
            return result if self.full_output else result.derivative
        if method.complex_step:
            result = self._complex_step(x)
            return result if self.full_output else result.derivative
        if self._careful or self._compiled is None:
            return self._careful_call(x, eps)
        n = x.shape[0]
        m = self._output_length.get(n)
        if m is None or method.uses_value:
            bad = np.flatnonzero(~np.isfinite(x))
            if bad.size:
                raise non_finite_error(x, int(bad[0]))
            f0 = self._vector_value(x)
            m = self._output_length[n] = f0.shape[0]
        else:
            f0 = np.empty(m)
        offsets, weights = stencils.first_derivative_row(method.base)
        h = np.empty(n)
        # Contiguous columns (Fortran order, as scipy's approx_derivative
        # returns J): each column is written once, in place, as it is summed.
        columns = np.empty((n, m))
        status = np.empty(n, dtype=np.int8)
        evaluations = method.evaluations_per_entry * n
        threads = self._threads(x, evaluations, m)
        bad, failures = jacobian_driver(
            self._compiled.address,
            x,
            self._arguments,
            self._user_steps(x),
            method.first.step_exponent,
            eps,
            offsets,
            weights,
            f0,
            threads_argument(threads),
            h,
            columns,
            status,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        out = columns.T
        self.nfev += evaluations
        if failures:
            if (status == WRONG_SHAPE).any():
                raise_for_entries(self.function, x, h, offsets, status, expected_length=m)
            return self._careful_call(x, eps)
        return out

    def _as_tree(self, derivative, layout: Layout):
        return layout.unflatten_jacobian(derivative)

    def _points_pass(self, X: np.ndarray, eps: float):
        given = batch_steps(X, self.options)
        if self._compiled is None:
            return python_first_derivatives(self._backend, self._method, X, given, eps, True)
        n = X.shape[1]
        m = self._output_length.get(n)
        if m is None:
            check_finite_points(X[:1])
            try:
                m = self._output_length[n] = self._vector_value(X[0]).shape[0]
            except Exception as error:
                add_note(error, "fastdiff: at X[0] (row 0 of X), evaluated for the length of f")
                raise
        return compiled_jacobians(self._backend, self._method, X, given, eps, m, self.full_output)

    def _vector_value(self, x: np.ndarray) -> np.ndarray:
        """``f(x)`` as a C-contiguous float64 vector (one compiled driver for all)."""
        try:
            values = self.function(x)
        except Exception as error:
            add_note(error, "fastdiff: f raised at x")
            raise
        self.nfev += 1
        values = np.asarray(values)
        if values.ndim == 0:
            values = values.reshape(1)  # a number: a Jacobian of one row, (1, n)
        if values.ndim != 1:
            raise ValueError(
                f"f must return a 1-D array for a Jacobian; f(x) has shape {values.shape}"
            )
        values = np.ascontiguousarray(values, dtype=np.float64)
        check_finite_value(values)
        return values

    def _careful_call(self, x: np.ndarray, eps: float):
        result = self._careful_first_derivative(x, eps, True)
        return result if self.full_output else result.derivative


class HessianFunction(_DerivativeFunction):
    """Callable ``x -> Hessian``; see :func:`fastdiff.hess`.

    Attributes
    ----------
    nfev : int
        Evaluations of ``f`` spent by all calls so far.
    """

    _methods = stencils.HESSIAN_METHODS
    _hessian = True

    def _setup(self, f, options: DerivativeOptions) -> None:
        if options.method.extrapolated and options.bounds is not None:
            raise ValueError(
                "bounds are not supported with method='richardson' for a Hessian (gradients "
                "and Jacobians take them); use 'central', 'forward' or 'backward'"
            )
        super()._setup(f, options)
        self._arrays = stencils.hessian_arrays(self._method.base)

    def __call__(self, x: ArrayLike, *args, **kwargs) -> np.ndarray:
        if args or kwargs or self._backend is None:
            return self._call_with_arguments(x, args, kwargs)
        try:
            x, eps = point_and_eps(x)
        except _TreeGiven:
            return self._call_with_tree(x)
        method = self._method
        if method.extrapolated:
            result = self._richardson(x, "hessian", True)
            return result if self.full_output else result.derivative
        if self._careful or self._compiled is None:
            return self._careful_call(x, eps)
        n = x.shape[0]
        h = np.empty(n)
        out = np.empty((n, n))
        status = np.empty((n, n), dtype=np.int8)
        evaluations = method.second.evaluation_count(n)
        threads = self._threads(x, evaluations)
        f0, f0_status, bad, failures = hessian_driver(
            self._compiled.address,
            x,
            self._arguments,
            self._user_steps(x),
            method.second.step_exponent,
            eps,
            self._arrays,
            threads_argument(threads),
            h,
            out,
            status,
        )
        if bad >= 0:
            raise non_finite_error(x, bad)
        self.nfev += evaluations
        if f0_status != OK:
            raise_at_x(self.function, x, f0_status, f0)
        if failures:
            raise_hessian_exception(self.function, x, h, self._arrays, status)
            raise_for_hessian_entries(status)
        return out

    def _as_tree(self, derivative, layout: Layout):
        return layout.unflatten_hessian(derivative)

    def _points_pass(self, X: np.ndarray, eps: float):
        given = batch_steps(X, self.options)
        if self._compiled is not None:
            return compiled_hessians(self._backend, self._method, X, given, eps)
        return python_hessians(self._backend, self._method, X, given, eps)

    def _careful_call(self, x: np.ndarray, eps: float):
        x, bounds = self._bounded(x)
        h = self._steps_at(x, self._method.second.step_exponent, eps)
        result = careful_hessian(self._backend, self._method, x, h, bounds, self.full_output)
        self.nfev += result.nfev
        return annotate_steps(self._auto_steps, result) if self.full_output else result.derivative
