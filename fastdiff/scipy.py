"""Bridge to ``scipy.optimize``: minimize, least_squares and root with fastdiff derivatives.

Each function calls the scipy function of the same name with fastdiff
providers chosen for the method, and returns scipy's result with fastdiff's
evaluation counts added:

``fastdiff_nfev``
    Evaluations of the objective spent by fastdiff (for derivatives,
    including values returned together with a gradient). ``None`` if the
    derivative method has no fixed count.
``fastdiff_calls``
    Calls of each provider, e.g. ``{"value_and_grad": 41, "hessp": 120}``.
``total_nfev``
    Every evaluation of the objective: scipy's own calls, the one check at
    ``x0``, and ``fastdiff_nfev``. (scipy's ``nfev`` counts calls of what it
    was given, which with ``jac=True`` are value-and-gradient calls.)

Parameters may be a vector (as in scipy) or a pytree of numbers and arrays
(dicts, lists, tuples; see :mod:`fastdiff.pytree`). With a pytree ``x0``
the objective receives the same structure, ``result.x`` has it, the gradient
(``result.jac`` of ``minimize``, ``result.grad`` of ``least_squares``) has
it, and the least-squares Jacobian ``result.jac`` is that structure with a
leading axis of length m on every leaf. The flat arrays scipy worked with
stay available as ``x_flat``, ``jac_flat`` and ``grad_flat``; callbacks see
the flat vector.

Bounds reach fastdiff's step rules as well as scipy (``bounds=`` of
:func:`fastdiff.gradient`: no stencil point leaves the box, so an objective
undefined outside it can be differentiated on its edge) for the methods
whose iterates stay in the box: L-BFGS-B, TNC, SLSQP and least squares
(trf, dogbox). The evaluation counts are the engine's own: every prepared
fastdiff function keeps a running ``nfev``.

Options for the derivatives go in ``derivative_options``, a dict of the
keyword arguments of :func:`fastdiff.grad` (``method``, ``step``,
``parallel``, ...), passed on unchanged.

``args`` (and ``kwargs``) go to the fastdiff providers as their extra
arguments: a compiled objective receives them natively in the kernels.

:func:`ivp_jacobian` (from :mod:`fastdiff.ivp`) is the Jacobian provider for
``scipy.integrate.solve_ivp``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from fastdiff import api as _api
from fastdiff import products as _products
from fastdiff import pytree as _pytree
from fastdiff.ivp import ivp_jacobian
from fastdiff.stencils import FIRST_DERIVATIVE_METHODS, resolve_method
from fastdiff.validation import check_choice

if TYPE_CHECKING:
    import scipy.optimize

__all__ = ["ivp_jacobian", "least_squares", "minimize", "root"]


@dataclass(frozen=True)
class _MinimizeMethod:
    """What a scipy method asks for.

    ``value_with_gradient``: scipy wants f and its gradient at every point it
    visits, so one value-and-gradient call replaces two (``jac=True``).
    ``second_derivatives``: accepted second-order providers, default first.
    """

    name: str
    value_with_gradient: bool
    second_derivatives: tuple[str, ...] = ()
    bounds: bool = False
    constraints: bool = False


_MINIMIZE_METHODS = {
    m.name.lower(): m
    for m in (
        _MinimizeMethod("CG", True),
        _MinimizeMethod("BFGS", True),
        _MinimizeMethod("L-BFGS-B", True, bounds=True),
        _MinimizeMethod("TNC", True, bounds=True),
        _MinimizeMethod("SLSQP", False, bounds=True, constraints=True),
        _MinimizeMethod("Newton-CG", True, ("hessp", "hess")),
        _MinimizeMethod("trust-ncg", False, ("hessp", "hess")),
        _MinimizeMethod("trust-krylov", False, ("hessp", "hess")),
        _MinimizeMethod("trust-exact", False, ("hess",)),
        _MinimizeMethod("dogleg", False, ("hess",)),
        _MinimizeMethod("trust-constr", False, ("hess", "hessp"), bounds=True, constraints=True),
    )
}
_DERIVATIVE_FREE = ("nelder-mead", "powell", "cobyla", "cobyqa")
_LEAST_SQUARES_METHODS = ("trf", "dogbox", "lm")
_ROOT_METHODS = ("hybr", "lm")
_SECOND_DERIVATIVES = ("auto", "hess", "hessp")

#: Methods whose iterates (and so the points scipy asks derivatives at) stay
#: inside the bounds: the step rules get the bounds too. trust-constr may
#: step outside them, so its derivatives are taken without.
_ITERATES_IN_BOUNDS = ("L-BFGS-B", "TNC", "SLSQP")
#: Options of the engine that the bridge decides itself.
_BRIDGE_OPTIONS = ("bounds", "full_output")


def minimize(
    fun: Callable,
    x0,
    *,
    method: str | None = None,
    bounds=None,
    constraints=(),
    args: tuple = (),
    second_derivative: str = "auto",
    derivative_options: dict | None = None,
    tol: float | None = None,
    callback: Callable | None = None,
    options: dict | None = None,
) -> scipy.optimize.OptimizeResult:
    """``scipy.optimize.minimize`` with fastdiff gradients, Hessians and Hessian products.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``. A ``@numba.njit`` function of a vector
        runs the derivative stencils in compiled code.
    x0 : array_like or pytree
        Start point: a vector (number, 1-D array, list of numbers) or a
        pytree (see the module notes), in which case ``fun`` receives the
        same structure.
    method : str, optional
        A scipy method that uses derivatives: "CG", "BFGS", "L-BFGS-B",
        "TNC", "SLSQP", "Newton-CG", "trust-ncg", "trust-krylov",
        "trust-exact", "dogleg", "trust-constr" (any case). Default as in
        scipy: "SLSQP" with constraints, "L-BFGS-B" with bounds, else "BFGS".
    bounds : optional
        With a vector ``x0``: any form scipy accepts (``Bounds`` or a
        sequence of (min, max) pairs). With a pytree: ``Bounds`` of flat
        arrays, or a pair ``(lower, upper)`` of pytrees shaped like ``x0``
        (a number stands for a whole array leaf; use ``-inf``/``inf`` for
        none). For L-BFGS-B, TNC and SLSQP the derivatives respect them too.
    constraints : optional
        Passed to scipy unchanged (vector ``x0`` only).
    args : tuple
        Extra arguments of ``fun``, not optimized. A compiled ``fun`` gets
        them natively in the derivative kernels (no Python closure), so
        ``derivative_options={"parallel": True}`` applies to it.
    second_derivative : {"auto", "hess", "hessp"}
        For Newton-CG and the trust-region methods: the full Hessian
        (``n**2 + n + 1`` evaluations, central) or Hessian-vector products
        (two gradients, ``4 n`` evaluations each). "auto": products for
        Newton-CG, trust-ncg and trust-krylov; the Hessian for trust-exact,
        dogleg and trust-constr.
    derivative_options : dict, optional
        Keyword arguments of :func:`fastdiff.grad` (and ``hess``), e.g.
        ``{"method": "forward", "parallel": False}``.
    tol, callback, options
        Passed to scipy unchanged (callbacks see the flat vector).

    Returns
    -------
    scipy.optimize.OptimizeResult
        scipy's result plus ``fastdiff_nfev``, ``fastdiff_calls`` and
        ``total_nfev`` (see the module notes); with a pytree ``x0``, ``x``
        and the gradient in its structure.

    Raises
    ------
    TypeError
        ``fun`` is not callable; ``x0`` holds something other than real
        numbers and arrays; an option has the wrong type.
    ValueError
        Unknown or derivative-free method; bounds or constraints the method
        cannot take; ``fun(x0)`` is not a finite real number; invalid
        derivative options.

    Notes
    -----
    Where scipy needs the value and the gradient at every point (CG, BFGS,
    L-BFGS-B, TNC, Newton-CG) and the difference formula uses ``f(x)``
    (forward, backward), one ``fastdiff.value_and_grad`` call gives both
    (``jac=True``), so ``f(x)`` is evaluated once: n + 1 evaluations per
    point instead of n + 2. Central differences do not use ``f(x)``; scipy
    then calls ``fun`` and ``fastdiff.grad`` separately (1 + 2n, the same
    count, without the cost of scipy's value-and-gradient cache). SLSQP and
    the trust-region methods evaluate ``f`` at trial points without wanting
    the gradient there, so value and gradient are always separate.

    Examples
    --------
    >>> import numba, numpy as np
    >>> import fastdiff.scipy
    >>> @numba.njit
    ... def f(x):
    ...     return (x[0] - 1.0) ** 2 + 10.0 * (x[1] + 2.0) ** 2
    >>> result = fastdiff.scipy.minimize(f, np.zeros(2), method="BFGS")
    >>> result.x.round(5)
    array([ 1., -2.])
    """
    chosen = _minimize_method(method, bounds, constraints)
    if bounds is not None and not chosen.bounds:
        raise ValueError(
            f"method {chosen.name!r} does not take bounds; use one of "
            f"{_quoted(m.name for m in _MINIMIZE_METHODS.values() if m.bounds)}"
        )
    second = _second_derivative(second_derivative, chosen)
    gradient_options = _derivative_options(derivative_options, _api.gradient)
    problem = _prepare_problem(fun, x0, args, kind="scalar")
    if constraints and problem.layout is not None:
        raise ValueError(
            "constraints need a vector x0 (their functions receive the flat vector); "
            "flatten the parameters with fastdiff.pytree.flatten first"
        )

    scipy_bounds = problem.flat_bounds(bounds, "minimize")
    if chosen.name in _ITERATES_IN_BOUNDS:
        gradient_options = _with_bounds(gradient_options, scipy_bounds, problem, pairs=True)
    build = _ProviderFactory(problem, gradient_options)
    providers: dict = {}
    if chosen.value_with_gradient and _shares_value(gradient_options):
        fun_for_scipy = build.first_derivative(_api.value_and_grad, "value_and_grad")
        providers["jac"] = True
    else:
        fun_for_scipy = problem.counted_fun
        providers["jac"] = build.first_derivative(_api.grad, "grad")
    if second == "hess":
        providers["hess"] = build.hessian()
    elif second == "hessp":
        providers["hessp"] = build.hessian_vector_product()

    result = _scipy_optimize().minimize(
        fun_for_scipy,
        problem.x0,
        method=chosen.name,
        bounds=scipy_bounds,
        constraints=constraints,
        tol=tol,
        callback=callback,
        options=options,
        **providers,
    )
    gradient_key = "grad" if chosen.name == "trust-constr" else "jac"
    return problem.finish(result, gradients=(gradient_key,))


def least_squares(
    residuals: Callable,
    x0,
    *,
    method: str = "trf",
    bounds=None,
    jac_sparsity=None,
    args: tuple = (),
    kwargs: dict | None = None,
    derivative_options: dict | None = None,
    **least_squares_options,
) -> scipy.optimize.OptimizeResult:
    """``scipy.optimize.least_squares`` with a fastdiff Jacobian.

    Parameters
    ----------
    residuals : callable
        ``residuals(x, *args, **kwargs) -> ndarray (m,)``.
    x0 : array_like or pytree
        Start point (see :func:`minimize`).
    method : {"trf", "dogbox", "lm"}
        scipy's method.
    bounds : optional
        With a vector ``x0``: as in scipy, ``(lb, ub)`` or ``Bounds``. With a
        pytree: ``(lower, upper)`` pytrees shaped like ``x0`` or ``Bounds``
        of flat arrays. The dense Jacobian respects them too.
    jac_sparsity : array_like or sparse matrix, shape (m, n), optional
        Which residuals depend on which parameters; the Jacobian is then
        computed by ``fastdiff.sparse.jacobian`` from compressed columns and
        passed to scipy as a sparse matrix.
    args, kwargs
        Extra arguments of ``residuals``, passed natively to a compiled one
        (keyword arguments matched by name to its positional parameters).
    derivative_options : dict, optional
        Keyword arguments of :func:`fastdiff.jac`.
    **least_squares_options
        Other keyword arguments of ``scipy.optimize.least_squares`` (``ftol``,
        ``loss``, ``x_scale``, ``max_nfev``, ...), passed unchanged.

    Returns
    -------
    scipy.optimize.OptimizeResult
        scipy's result plus ``fastdiff_nfev``, ``fastdiff_calls``,
        ``total_nfev``. With a pytree ``x0``: ``x`` and ``grad`` shaped like
        ``x0``, and ``jac`` the same structure with a leading axis of length
        m on every leaf (``jac[leaf][r, ...]`` = derivative of residual ``r``);
        the ``(m, n)`` matrix is ``jac_flat``.

    Raises
    ------
    TypeError, ValueError
        As for :func:`minimize`; also when ``residuals(x0)`` is not a 1-D
        finite real array, or an option belongs to fastdiff
        (``jac``, ``diff_step``, ``workers``).
    NotImplementedError
        ``jac_sparsity`` is given and ``fastdiff.sparse`` is not available.

    Notes
    -----
    Central differences: 2n evaluations per Jacobian (plus one the first
    time); forward: n + 1.
    """
    reserved = sorted({"jac", "diff_step", "workers"} & set(least_squares_options))
    if reserved:
        raise ValueError(
            f"least_squares computes the Jacobian with fastdiff; remove {_quoted(reserved)} "
            "(derivative settings go in derivative_options)"
        )
    chosen = check_choice(method, _LEAST_SQUARES_METHODS, "method")
    if jac_sparsity is not None and chosen == "lm":
        raise ValueError("jac_sparsity cannot be used with method 'lm'; use 'trf' or 'dogbox'")
    options = _derivative_options(derivative_options, _jacobian_transform(jac_sparsity))
    problem = _prepare_problem(residuals, x0, args, kind="vector", kwargs=kwargs, name="residuals")
    scipy_bounds = problem.flat_bounds(bounds, "least_squares")
    if jac_sparsity is None:
        # trf and dogbox keep their iterates inside the bounds.
        options = _with_bounds(options, scipy_bounds, problem, pairs=False)
    jacobian = _jacobian_provider(problem, jac_sparsity, options, dense=False)
    result = _scipy_optimize().least_squares(
        problem.counted_fun,
        problem.x0,
        jac=jacobian,
        method=chosen,
        bounds=scipy_bounds,
        **least_squares_options,
    )
    return problem.finish(result, gradients=("grad",), jacobians=("jac",))


def root(
    fun: Callable,
    x0,
    *,
    method: str = "hybr",
    jac_sparsity=None,
    args: tuple = (),
    derivative_options: dict | None = None,
    tol: float | None = None,
    callback: Callable | None = None,
    options: dict | None = None,
) -> scipy.optimize.OptimizeResult:
    """``scipy.optimize.root`` with a fastdiff Jacobian.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> ndarray (n,)``, as many equations as unknowns.
    x0 : array_like or pytree
        Start point (see :func:`minimize`).
    method : {"hybr", "lm"}
        The scipy methods that use a Jacobian.
    jac_sparsity : array_like or sparse matrix, shape (n, n), optional
        Which equations depend on which unknowns: fewer evaluations per
        Jacobian (the matrix is handed to scipy dense).
    args, derivative_options, tol, callback, options
        As for :func:`minimize`.

    Returns
    -------
    scipy.optimize.OptimizeResult
        scipy's result plus ``fastdiff_nfev``, ``fastdiff_calls``,
        ``total_nfev``; with a pytree ``x0``, ``x`` in its structure.

    Raises
    ------
    TypeError, ValueError
        As for :func:`minimize`; also when ``fun(x0)`` does not have the
        length of ``x0``.
    NotImplementedError
        ``jac_sparsity`` is given and ``fastdiff.sparse`` is not available.
    """
    chosen = check_choice(method, _ROOT_METHODS, "method")
    jacobian_options = _derivative_options(derivative_options, _jacobian_transform(jac_sparsity))
    problem = _prepare_problem(fun, x0, args, kind="square")
    jacobian = _jacobian_provider(problem, jac_sparsity, jacobian_options, dense=True)
    result = _scipy_optimize().root(
        problem.counted_fun,
        problem.x0,
        method=chosen,
        jac=jacobian,
        tol=tol,
        callback=callback,
        options=options,
    )
    return problem.finish(result)


def _scipy_optimize():
    """``scipy.optimize``, imported on first use: it adds about half a second to an import."""
    import scipy.optimize

    return scipy.optimize


# --- the problem: flat function, flat start, evaluation counts ----------------------


@dataclass
class _Counts:
    """Evaluations of the objective: direct calls and through fastdiff providers."""

    direct: int = 0
    calls: dict = field(default_factory=dict)
    derivative: int | None = 0

    def add(self, provider: str, evaluations: int | None) -> None:
        self.calls[provider] = self.calls.get(provider, 0) + 1
        if self.derivative is not None and evaluations is not None:
            self.derivative += evaluations
        else:
            self.derivative = None


class _Counted:
    """A provider that counts its calls and the evaluations they cost.

    The evaluations are read from the running ``nfev`` of ``counter``, the
    prepared fastdiff function (``function`` itself unless it wraps one). A
    provider built with ``full_output=True`` (with bounds, where entries no
    stencil can compute come back as NaN rather than an error) is unpacked
    to what scipy expects.
    """

    def __init__(
        self,
        function,
        counts: _Counts,
        name: str,
        counter=None,
        *,
        full_output: bool = False,
        with_value: bool = False,
    ):
        self._function = function
        self._counter = function if counter is None else counter
        self._counts = counts
        self._name = name
        self._full_output = full_output
        self._with_value = with_value

    def __call__(self, *arguments):
        before = self._counter.nfev
        output = self._function(*arguments)
        self._counts.add(self._name, self._counter.nfev - before)
        if not self._full_output:
            return output
        return (output.value, output.derivative) if self._with_value else output.derivative


@dataclass
class _Problem:
    """The objective as a function of a flat vector, and how to report back.

    ``fun_flat(x, *args, **kwargs)`` is the user's function itself for a
    vector ``x0``: the providers get ``args`` and ``kwargs`` as options of
    fastdiff, so a compiled function receives them natively in the kernels.
    """

    fun_flat: Callable
    x0: np.ndarray
    layout: _pytree.Layout | None
    counts: _Counts
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def counted_fun(self, x):
        self.counts.direct += 1
        return self.fun_flat(x, *self.args, **self.kwargs)

    def flat_bounds(self, bounds, where: str):
        """Bounds for scipy: unchanged for a vector ``x0``, flattened for a pytree."""
        if bounds is None:
            return (-np.inf, np.inf) if where == "least_squares" else None
        if self.layout is None or isinstance(bounds, _scipy_optimize().Bounds):
            return bounds
        if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
            raise TypeError(
                "bounds for pytree parameters must be scipy.optimize.Bounds (flat arrays) or a "
                f"pair (lower, upper) of pytrees shaped like x0; got {type(bounds).__name__}"
            )
        lower = self.layout.flatten_like(bounds[0], "bounds[0]", broadcast=True)
        upper = self.layout.flatten_like(bounds[1], "bounds[1]", broadcast=True)
        return _scipy_optimize().Bounds(lower, upper)

    def finish(self, result, gradients=(), jacobians=()):
        """scipy's result with the counts, and pytrees where ``x0`` was one."""
        result.fastdiff_calls = dict(self.counts.calls)
        result.fastdiff_nfev = self.counts.derivative
        result.total_nfev = (
            None if self.counts.derivative is None else self.counts.direct + self.counts.derivative
        )
        if self.layout is not None:
            result.x_flat = result.x
            result.x = self.layout(result.x)
            for key in gradients:
                if isinstance(result.get(key), np.ndarray):
                    result[f"{key}_flat"] = result[key]
                    result[key] = self.layout(result[key])
            for key in jacobians:
                if key in result:
                    matrix = result[key]
                    result[f"{key}_flat"] = matrix
                    dense = matrix.toarray() if hasattr(matrix, "toarray") else matrix
                    result[key] = self.layout.unflatten_jacobian(dense)
        return result


def _prepare_problem(fun, x0, args, *, kind: str, kwargs=None, name: str = "fun") -> _Problem:
    """Check ``fun`` and ``x0``; evaluate ``fun(x0)`` once to check what it returns."""
    if not callable(fun):
        raise TypeError(f"{name} must be callable; got {type(fun).__name__}")
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple of extra arguments of {name}; got {args!r}")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError(f"kwargs must be a dict of keyword arguments of {name}; got {kwargs!r}")
    if _pytree.is_flat_vector(x0):
        flat, layout = _as_vector(x0), None
    else:
        flat, layout = _pytree.flatten(x0, "x0")
    if flat.shape[0] == 0:
        raise ValueError("x0 must have at least one entry; got none")
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        where = f"[{bad[0]}]" if layout is None else layout.paths[bad[0]]
        raise ValueError(f"x0 must be finite; x0{where} is {flat[bad[0]]}")

    fun_flat = fun if layout is None else _pytree.flat_function(fun, layout)
    problem = _Problem(fun_flat, flat, layout, _Counts(), args, dict(kwargs or {}))
    _check_value(problem.counted_fun(flat.copy()), kind, flat.shape[0], name)
    return problem


def _as_vector(x0) -> np.ndarray:
    array = np.atleast_1d(np.asarray(x0))
    if array.dtype.kind not in "iuf":
        raise TypeError(f"x0 must hold real numbers; got dtype {array.dtype}")
    return np.array(array, dtype=np.float64)


def _check_value(value, kind: str, n: int, name: str) -> None:
    """Raise if what ``fun(x0)`` returned is not what scipy will expect."""
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must return real values; {name}(x0) has complex dtype")
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must return {'a real number' if kind == 'scalar' else 'a real array'}; "
            f"{name}(x0) returned {type(value).__name__} of dtype {array.dtype}"
        )
    if kind == "scalar" and array.ndim != 0:
        raise ValueError(
            f"{name} must return a number (the objective); {name}(x0) returned an array of "
            f"shape {array.shape} (for residuals use fastdiff.scipy.least_squares)"
        )
    if kind == "vector" and array.ndim != 1:
        raise ValueError(f"{name} must return a 1-D array; {name}(x0) has shape {array.shape}")
    if kind == "square" and array.shape != (n,):
        raise ValueError(
            f"{name} must return one value per unknown, shape ({n},); "
            f"{name}(x0) has shape {array.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(array.ravel()))
    if bad.size:
        where = "" if array.ndim == 0 else f"[{bad[0]}]"
        raise ValueError(f"{name}(x0){where} must be finite; got {array.ravel()[bad[0]]}")


# --- options ------------------------------------------------------------------------


def _minimize_method(method, bounds, constraints) -> _MinimizeMethod:
    if method is None:
        method = "SLSQP" if constraints else "L-BFGS-B" if bounds is not None else "BFGS"
    if not isinstance(method, str):
        raise TypeError(
            f"method must be the name of a scipy method; got {type(method).__name__} "
            "(custom minimizers: call scipy.optimize.minimize with jac=fastdiff.grad(fun))"
        )
    names = _quoted(m.name for m in _MINIMIZE_METHODS.values())
    if method.lower() in _DERIVATIVE_FREE:
        raise ValueError(
            f"method {method!r} uses no derivatives; call scipy.optimize.minimize directly, "
            f"or choose one of {names}"
        )
    chosen = _MINIMIZE_METHODS.get(method.lower())
    if chosen is None:
        raise ValueError(f"method must be one of {names}; got {method!r}")
    if constraints and not chosen.constraints:
        raise ValueError(
            f"method {chosen.name!r} does not take constraints; use 'SLSQP' or 'trust-constr'"
        )
    return chosen


def _second_derivative(choice, method: _MinimizeMethod) -> str | None:
    choice = check_choice(choice, _SECOND_DERIVATIVES, "second_derivative")
    if not method.second_derivatives:
        if choice != "auto":
            raise ValueError(
                f"method {method.name!r} uses no second derivatives; "
                f"second_derivative must be 'auto', got {choice!r}"
            )
        return None
    if choice == "auto":
        return method.second_derivatives[0]
    if choice not in method.second_derivatives:
        raise ValueError(
            f"method {method.name!r} accepts second_derivative "
            f"{_quoted(('auto',) + method.second_derivatives)}; got {choice!r}"
        )
    return choice


def _derivative_options(options, transform) -> dict:
    """``options`` if they are keyword arguments of ``transform`` (fastdiff.gradient, ...)."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise TypeError(
            f"derivative_options must be a dict of keyword arguments of fastdiff.{transform.__name__}; "
            f"got {type(options).__name__}"
        )
    accepted = [
        p
        for p in inspect.signature(transform).parameters
        # args and kwargs are the bridge's own arguments, as in scipy.
        if p not in ("f", "x", "sparsity", "args", "kwargs")
    ]
    reserved = [key for key in options if key in _BRIDGE_OPTIONS]
    if reserved:
        raise ValueError(
            f"derivative_options must not hold {_quoted(reserved)}: the bridge sets them "
            "(bounds go in the bounds= argument; scipy needs plain arrays, not full_output)"
        )
    unknown = [key for key in options if key not in accepted]
    if unknown:
        raise ValueError(
            f"derivative_options has unknown key(s) {_quoted(unknown)}; "
            f"fastdiff.{transform.__name__} accepts {_quoted(accepted)}"
        )
    return dict(options)


def _make(transform, problem: _Problem, options: dict, *arguments):
    """``transform(fun, *arguments, **options)`` with the problem's extra arguments.

    ``fun`` is ``problem.fun_flat``; its ``args`` and ``kwargs`` go to
    fastdiff as options (passed natively to a compiled ``fun``). Errors of
    the options name ``derivative_options``.
    """
    try:
        return transform(
            problem.fun_flat, *arguments, args=problem.args, kwargs=problem.kwargs, **options
        )
    except (TypeError, ValueError) as error:
        # The engine's messages start with the name of what is wrong.
        if str(error).split(" ", 1)[0] in options:
            raise type(error)(f"derivative_options: {error}") from None
        raise


def _quoted(items) -> str:
    return ", ".join(repr(item) for item in items)


# --- derivative providers -----------------------------------------------------------


def _shares_value(options: dict) -> bool:
    """Whether the gradient formula evaluates f(x) itself (one-sided differences)."""
    try:
        method = resolve_method(options.get("method", "central"), FIRST_DERIVATIVE_METHODS)
    except (TypeError, ValueError):
        return False  # reported by the provider, with the bridge's prefix
    return method.uses_value


class _ProviderFactory:
    """Counted fastdiff providers of the objective, all with the same options."""

    def __init__(self, problem: _Problem, options: dict):
        self._problem = problem
        self._options = options
        self._full_output = "bounds" in options
        self._n = problem.x0.shape[0]

    def _counted(self, provider, name: str, with_value: bool = False) -> _Counted:
        return _Counted(
            provider,
            self._problem.counts,
            name,
            full_output=self._full_output,
            with_value=with_value,
        )

    def first_derivative(self, transform, name: str) -> _Counted:
        """``fastdiff.grad`` or ``fastdiff.value_and_grad`` of the objective."""
        options = dict(self._options, full_output=True) if self._full_output else self._options
        provider = _make(transform, self._problem, options)
        return self._counted(provider, name, with_value=transform is _api.value_and_grad)

    def hessian(self) -> _Counted:
        options = dict(self._options, full_output=True) if self._full_output else self._options
        provider = _make(_api.hess, self._problem, options)
        return self._counted(provider, "hess")

    def hessian_vector_product(self) -> _Counted:
        """``fastdiff.hessp``: two gradients per product."""
        provider = _make(_products.hessp, self._problem, self._options)
        return _Counted(provider, self._problem.counts, "hessp")


def _with_bounds(options: dict, bounds, problem: _Problem, *, pairs: bool) -> dict:
    """``options`` plus the bounds for the step rules, when any bound is finite."""
    arrays = _bound_arrays(bounds, problem.x0.shape[0], pairs=pairs)
    return options if arrays is None else dict(options, bounds=arrays)


def _bound_arrays(bounds, n: int, *, pairs: bool):
    """``(lb, ub)`` arrays of length n from scipy's forms; None when no bound is finite.

    ``pairs``: a plain sequence means one (min, max) pair per variable
    (``minimize``); otherwise it is ``(lb, ub)`` (``least_squares``).
    """
    if bounds is None:
        return None
    if isinstance(bounds, _scipy_optimize().Bounds):
        lower, upper = bounds.lb, bounds.ub
    elif pairs:
        pairs_list = list(bounds)
        if len(pairs_list) != n or any(np.ndim(pair) != 1 or len(pair) != 2 for pair in pairs_list):
            raise ValueError(
                f"bounds must be scipy.optimize.Bounds or one (min, max) pair per entry of "
                f"x0 ({n}); got {bounds!r}"
            )
        lower = [-np.inf if low is None else low for low, _ in pairs_list]
        upper = [np.inf if high is None else high for _, high in pairs_list]
    else:
        lower, upper = bounds
    try:
        lower = np.array(np.broadcast_to(np.asarray(lower, dtype=np.float64), (n,)))
        upper = np.array(np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)))
    except (TypeError, ValueError):
        raise ValueError(
            f"bounds must give a number or one value per entry of x0 ({n}) for each side; "
            f"got {bounds!r}"
        ) from None
    if not (np.isfinite(lower).any() or np.isfinite(upper).any()):
        return None
    return lower, upper


def _jacobian_transform(sparsity):
    """The fastdiff function whose options ``derivative_options`` may hold."""
    return _api.jacobian if sparsity is None else _sparse_module().jacobian


def _sparse_module():
    try:
        from fastdiff import sparse
    except ImportError:
        raise NotImplementedError(
            "jac_sparsity needs fastdiff.sparse, which this version of fastdiff does not have; "
            "omit jac_sparsity for a dense Jacobian"
        ) from None
    return sparse


def _jacobian_provider(problem: _Problem, sparsity, options: dict, *, dense: bool):
    """A counted Jacobian function for scipy: dense, or from the sparsity pattern."""
    if sparsity is None:
        if "bounds" in options:
            jacobian = _make(_api.jac, problem, dict(options, full_output=True))
            return _Counted(jacobian, problem.counts, "jac", full_output=True)
        jacobian = _make(_api.jac, problem, options)
        return _Counted(jacobian, problem.counts, "jac")
    jacobian = _make(_sparse_module().jac, problem, options, sparsity)

    def dense_jacobian(x):
        return jacobian(x).toarray()

    return _Counted(dense_jacobian if dense else jacobian, problem.counts, "sparse_jac", jacobian)
