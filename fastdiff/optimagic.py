"""Derivative providers for optimagic: ``om.minimize(fun, params, jac=..., fun_and_jac=...)``.

optimagic calls ``jac(params)`` and ``fun_and_jac(params)`` with the
parameters in the structure the user gave (a NumPy array, a dict, nested
lists and tuples ...) and expects the gradient in that same structure. The
providers here flatten the parameters (:mod:`fastdiff.pytree`),
differentiate the flat function with fastdiff, and rebuild the structure.
For a 1-D array of parameters the function goes to fastdiff unchanged, so a
``@numba.njit`` objective runs in the compiled kernels.

Least-squares and likelihood objectives (``@om.mark.least_squares``,
``@om.mark.likelihood``, returning residuals or contributions) get a list
of providers, one per kind of optimagic algorithm, each marked with its
kind so that optimagic picks the one its algorithm needs (and does not fall
back to its own numerical derivatives):

* least-squares algorithms (``scipy_ls_trf``, ...): the Jacobian of the
  residuals ``r``;
* likelihood algorithms (``bhhh``): the Jacobian of the contributions
  (``r**2`` for a least-squares objective, ``2 r J``);
* scalar algorithms (``scipy_lbfgsb``, ...): the gradient of the sum
  (``2 J^T r`` for least squares, ``J^T 1`` for a likelihood).

Jacobians come in optimagic's block layout, which is fastdiff's: for
residuals of shape (m,) and parameters in a tree, a tree like the
parameters whose leaf of shape ``s`` is an ``(m, *s)`` array (a plain
``(m, n)`` array for a 1-D array of parameters); for residuals in a tree, a
tree like the residuals of such trees (:func:`fastdiff.pytree.blocks`).

optimagic is needed for :func:`minimize` and for the providers of
least-squares and likelihood objectives.

Examples
--------
>>> import numpy as np, optimagic as om
>>> import fastdiff.optimagic
>>> def fun(params):
...     return (params["a"] - 1.0) ** 2 + np.sum((params["b"] - 2.0) ** 2)
>>> result = om.minimize(
...     fun,
...     {"a": 0.0, "b": np.zeros(2)},
...     algorithm="scipy_lbfgsb",
...     jac=fastdiff.optimagic.jac(fun),
...     fun_and_jac=fastdiff.optimagic.fun_and_jac(fun),
... )
>>> print(f"{result.params['a']:.6f}", result.params["b"].round(6))
1.000000 [2. 2.]

A least-squares objective:

>>> @om.mark.least_squares
... def residuals(params):
...     return np.array([params["a"] - 1.0, 2.0 * (params["a"] + params["b"])])
>>> result = om.minimize(
...     residuals,
...     {"a": 0.0, "b": 0.0},
...     algorithm="scipy_ls_trf",
...     jac=fastdiff.optimagic.jac(residuals),
... )
>>> print(f"{result.params['a']:.6f} {result.params['b']:.6f}")
1.000000 -1.000000
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from fastdiff import api as _api
from fastdiff import pytree as _pytree

__all__ = [
    "PytreeGradient",
    "VectorObjectiveDerivative",
    "fun_and_jac",
    "jac",
    "minimize",
    "problem_type",
]

#: optimagic's kinds of objectives and of algorithms (its ``AggregationLevel`` values).
SCALAR, LEAST_SQUARES, LIKELIHOOD = "scalar", "least_squares", "likelihood"
#: The kinds of algorithm a vector objective can serve, per kind of objective.
_SOLVERS = {LEAST_SQUARES: (SCALAR, LIKELIHOOD, LEAST_SQUARES), LIKELIHOOD: (SCALAR, LIKELIHOOD)}


class PytreeGradient:
    """Callable ``params -> gradient`` (or ``(value, gradient)``) in the structure of ``params``.

    Built by :func:`jac` and :func:`fun_and_jac`. The fastdiff gradient
    function is prepared once per parameter structure (the last one is
    kept), so repeated calls pay only for the evaluations.
    """

    def __init__(self, fun: Callable, *, with_value: bool, options: dict):
        if not callable(fun):
            raise TypeError(f"fun must be callable; got {type(fun).__name__}")
        self.function = fun
        self.with_value = with_value
        self._transform = _api.value_and_grad if with_value else _api.grad
        self._options = options
        # Checks the options now rather than at the first call.
        self._flat_provider = self._transform(fun, **options)
        self._layout: _pytree.Layout | None = None
        self._tree_provider = None

    def __call__(self, params):
        if isinstance(params, np.ndarray) and params.ndim == 1:
            return self._flat_provider(params)
        flat, layout = _pytree.flatten(params)
        if layout != self._layout:
            function = _pytree.flat_function(self.function, layout)
            self._tree_provider = self._transform(function, **self._options)
            self._layout = layout
        output = self._tree_provider(flat)
        if self.with_value:
            value, gradient = output
            return value, layout(gradient)
        return layout(output)

    def __repr__(self) -> str:
        name = getattr(self.function, "__name__", repr(self.function))
        return f"PytreeGradient({name}, with_value={self.with_value})"


class VectorObjectiveDerivative:
    """Derivative of a least-squares or likelihood objective for one kind of optimagic algorithm.

    Built by :func:`jac` and :func:`fun_and_jac` (one per kind of
    algorithm, marked with ``om.mark``); not constructed directly.

    Parameters
    ----------
    fun : callable
        ``fun(params)`` -> residuals (``problem="least_squares"``) or
        likelihood contributions (``problem="likelihood"``): a 1-D array, a
        tree of arrays, or an ``om.FunctionValue`` holding one.
    problem : {"least_squares", "likelihood"}
        What ``fun`` returns.
    solver : {"least_squares", "likelihood", "scalar"}
        What the algorithm wants: the Jacobian of the residuals, the
        Jacobian of the contributions, or the gradient of the sum.
    with_value : bool
        Return ``(value, derivative)`` (``fun_and_jac``); the value in the
        solver's terms: ``fun``'s output, the contributions, or the sum.
    options : dict
        Keyword arguments of :func:`fastdiff.jacobian`.

    Notes
    -----
    Each call evaluates ``fun(params)`` once (value and output structure)
    and then differentiates it: central differences 2n evaluations (plus
    one of ``f(x)`` inside the Jacobian for a Python ``fun``), forward
    n + 1. A compiled ``fun`` of a 1-D array that returns a 1-D array
    runs in the compiled kernels; any other goes through a Python wrapper
    that rebuilds the parameter tree and flattens the output.
    """

    def __init__(self, fun: Callable, *, problem: str, solver: str, with_value: bool, options):
        import optimagic as om

        if not callable(fun):
            raise TypeError(f"fun must be callable; got {type(fun).__name__}")
        if solver not in _SOLVERS.get(problem, ()):
            raise ValueError(
                f"a {problem} objective has no derivative for a {solver} algorithm; "
                f"expected one of {_SOLVERS.get(problem)}"
            )
        self.function = fun
        self.problem, self.solver, self.with_value = problem, solver, with_value
        self._function_value = om.FunctionValue
        self._options = options
        _api.jac(fun, **options)  # checks the options now rather than at the first call
        self._key = None  # (params layout, plain output) of the Jacobian kept
        self._jacobian = None
        self.calls = 0

    def __call__(self, params):
        self.calls += 1
        raw = self.function(params)
        output = raw.value if isinstance(raw, self._function_value) else raw
        residuals, output_layout = _pytree.flatten(output, "fun(params)")
        flat_params = isinstance(params, np.ndarray) and params.ndim == 1
        plain_output = type(output) is np.ndarray and output.ndim == 1
        x, layout = (params, None) if flat_params else _pytree.flatten(params)
        matrix = np.asarray(self._jacobian_for(layout, plain_output)(x))
        derivative = self._solver_derivative(matrix, residuals)
        if self.solver == SCALAR:
            derivative = derivative if layout is None else layout(derivative)
        elif not (flat_params and plain_output):
            inner = layout if layout is not None else _pytree.flatten(params)[1]
            derivative = _pytree.blocks(derivative, output_layout, inner)
        if not self.with_value:
            return derivative
        return self._solver_value(raw, residuals), derivative

    def _jacobian_for(self, layout, plain_output: bool):
        """fastdiff's Jacobian of the flat output in the flat parameters (kept per structure)."""
        key = (layout, plain_output)
        if self._jacobian is None or self._key != key:
            function = self.function
            if layout is not None:
                function = _pytree.flat_function(function, layout)
            if not plain_output:
                function = _flat_output(function, self._function_value)
            self._jacobian = _api.jac(function, **self._options)
            self._key = key
        return self._jacobian

    def _solver_derivative(self, matrix: np.ndarray, residuals: np.ndarray) -> np.ndarray:
        squares = self.problem == LEAST_SQUARES
        if self.solver == SCALAR:
            return 2.0 * (matrix.T @ residuals) if squares else matrix.sum(axis=0)
        if self.solver == LIKELIHOOD and squares:
            return 2.0 * residuals[:, None] * matrix  # contributions r**2
        return matrix

    def _solver_value(self, raw, residuals: np.ndarray):
        if self.solver == self.problem:
            return raw
        squares = self.problem == LEAST_SQUARES
        if self.solver == SCALAR:
            return float(residuals @ residuals) if squares else float(residuals.sum())
        return residuals**2

    def __repr__(self) -> str:
        name = getattr(self.function, "__name__", repr(self.function))
        return (
            f"VectorObjectiveDerivative({name}, problem={self.problem!r}, solver={self.solver!r})"
        )


def _flat_output(function: Callable, function_value: type) -> Callable:
    """``x -> flat vector of function(x)`` (its tree or ``om.FunctionValue`` flattened)."""

    def flat_output(x):
        raw = function(x)
        output = raw.value if isinstance(raw, function_value) else raw
        return _pytree.flatten(output, "fun(params)")[0]

    flat_output.__name__ = getattr(function, "__name__", "fun")
    return flat_output


def problem_type(fun: Callable) -> str:
    """optimagic's kind of objective ``fun`` is: "scalar", "least_squares" or "likelihood".

    Read as optimagic reads it (``om.mark`` decorators, return
    annotations); "scalar" when optimagic is not installed.
    """
    try:
        from optimagic.shared.process_user_function import infer_aggregation_level
    except ImportError:
        return SCALAR
    try:
        return infer_aggregation_level(fun).value
    except (TypeError, ValueError):  # no signature to read: optimagic's default
        return SCALAR


def _vector_providers(fun, problem: str, with_value: bool, options: dict) -> list:
    """One marked :class:`VectorObjectiveDerivative` per kind of algorithm ``problem`` can use."""
    import optimagic as om

    marks = {SCALAR: om.mark.scalar, LEAST_SQUARES: om.mark.least_squares}
    marks[LIKELIHOOD] = om.mark.likelihood
    return [
        marks[solver](
            VectorObjectiveDerivative(
                fun, problem=problem, solver=solver, with_value=with_value, options=options
            )
        )
        for solver in _SOLVERS[problem]
    ]


def jac(fun: Callable, *, problem: str | None = None, **derivative_options):
    """Derivative provider for ``om.minimize(..., jac=...)``.

    Parameters
    ----------
    fun : callable
        ``fun(params) -> float``; or, marked ``@om.mark.least_squares`` /
        ``@om.mark.likelihood``, returning residuals / contributions.
    problem : {"scalar", "least_squares", "likelihood"}, optional
        The kind of ``fun``; default: read from ``fun`` as optimagic reads
        it (:func:`problem_type`). Give it when ``fun`` is wrapped in a way
        that hides its mark (``functools.partial``).
    **derivative_options
        Keyword arguments of :func:`fastdiff.gradient` (``method``, ``step``,
        ``parallel``, ...).

    Returns
    -------
    PytreeGradient or list of VectorObjectiveDerivative
        A scalar ``fun``: ``params -> gradient`` shaped like ``params``. A
        least-squares or likelihood ``fun``: one provider per kind of
        algorithm, each marked with its kind (optimagic takes a list of
        ``jac`` callables and uses the one its algorithm needs).

    Raises
    ------
    ValueError
        ``problem`` is not one of the three kinds; an option is invalid.

    Notes
    -----
    Scalar: central differences 2n evaluations per call; forward: n + 1.
    Least squares and likelihood: see :class:`VectorObjectiveDerivative`.
    """
    problem = _checked_problem(fun, problem)
    if problem == SCALAR:
        return PytreeGradient(fun, with_value=False, options=derivative_options)
    return _vector_providers(fun, problem, False, derivative_options)


def _checked_problem(fun, problem: str | None) -> str:
    if problem is None:
        return problem_type(fun) if callable(fun) else SCALAR
    if problem not in (SCALAR, LEAST_SQUARES, LIKELIHOOD):
        raise ValueError(
            f"problem must be one of {SCALAR!r}, {LEAST_SQUARES!r}, {LIKELIHOOD!r}; got {problem!r}"
        )
    return problem


def fun_and_jac(fun: Callable, *, problem: str | None = None, **derivative_options):
    """Value-and-derivative provider for ``om.minimize(..., fun_and_jac=...)``.

    Returns ``params -> (fun(params), gradient)`` for a scalar ``fun``: with
    forward differences the value is shared with the stencil (n + 1
    evaluations), central costs 2n + 1. For a least-squares or likelihood
    ``fun``, a list of providers as for :func:`jac`, each returning the
    value in its algorithm's terms (residuals, contributions or their sum)
    with the derivative. Options as for :func:`jac`.
    """
    problem = _checked_problem(fun, problem)
    if problem == SCALAR:
        return PytreeGradient(fun, with_value=True, options=derivative_options)
    return _vector_providers(fun, problem, True, derivative_options)


def minimize(
    fun: Callable,
    params,
    algorithm,
    *,
    derivative_options: dict | None = None,
    fun_kwargs: dict | None = None,
    **minimize_options,
):
    """``optimagic.minimize`` with both fastdiff providers (``jac`` and ``fun_and_jac``).

    Parameters
    ----------
    fun : callable
        Objective ``fun(params, **fun_kwargs)``: a number, or residuals or
        contributions when marked ``@om.mark.least_squares`` /
        ``@om.mark.likelihood`` (the providers follow the mark).
    params : pytree
        Start parameters, any structure optimagic and :mod:`fastdiff.pytree`
        accept (arrays, dicts, lists, tuples of numbers and arrays).
    algorithm : str or optimagic.Algorithm
        A gradient-based optimagic algorithm, e.g. ``"scipy_lbfgsb"``.
    derivative_options : dict, optional
        Keyword arguments of :func:`fastdiff.gradient`.
    fun_kwargs : dict, optional
        Keyword arguments of ``fun``.
    **minimize_options
        Other keyword arguments of ``optimagic.minimize`` (``bounds``,
        ``algo_options``, ``constraints``, ...).

    Returns
    -------
    optimagic.OptimizeResult

    Raises
    ------
    ValueError
        ``minimize_options`` holds a derivative argument fastdiff provides.
    """
    import optimagic as om

    reserved = sorted(
        {"jac", "fun_and_jac", "jac_kwargs", "fun_and_jac_kwargs", "numdiff_options"}
        & set(minimize_options)
    )
    if reserved:
        raise ValueError(
            f"fastdiff provides the derivatives; remove {', '.join(map(repr, reserved))} "
            "(derivative settings go in derivative_options)"
        )
    if derivative_options is not None and not isinstance(derivative_options, dict):
        raise TypeError(
            f"derivative_options must be a dict of keyword arguments of fastdiff.gradient; "
            f"got {type(derivative_options).__name__}"
        )
    options = derivative_options or {}
    problem = problem_type(fun)  # before partial() hides the mark
    bound = functools.partial(fun, **fun_kwargs) if fun_kwargs else fun
    return om.minimize(
        fun,
        params,
        algorithm,
        fun_kwargs=fun_kwargs,
        jac=jac(bound, problem=problem, **options),
        fun_and_jac=fun_and_jac(bound, problem=problem, **options),
        **minimize_options,
    )
