"""Derivative providers for optimagic: ``om.minimize(fun, params, jac=..., fun_and_jac=...)``.

optimagic calls ``jac(params)`` and ``fun_and_jac(params)`` with the
parameters in the structure the user gave (a NumPy array, a dict, nested
lists and tuples ...) and expects the gradient in that same structure. The
providers here flatten the parameters (:mod:`fastdiff.pytree`),
differentiate the flat function with fastdiff, and rebuild the structure.
For a 1-D array of parameters the function goes to fastdiff unchanged, so a
``@numba.njit`` objective runs in the compiled kernels.

For scalar objectives; optimagic is only needed for :func:`minimize`.

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
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from fastdiff import api as _api
from fastdiff import pytree as _pytree

__all__ = ["PytreeGradient", "fun_and_jac", "jac", "minimize"]


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


def jac(fun: Callable, **derivative_options) -> PytreeGradient:
    """Gradient provider for ``om.minimize(..., jac=...)``.

    Parameters
    ----------
    fun : callable
        ``fun(params) -> float``.
    **derivative_options
        Keyword arguments of :func:`fastdiff.gradient` (``method``, ``step``,
        ``parallel``, ...).

    Returns
    -------
    PytreeGradient
        ``params -> gradient`` shaped like ``params``.

    Notes
    -----
    Central differences: 2n evaluations per call; forward: n + 1.
    """
    return PytreeGradient(fun, with_value=False, options=derivative_options)


def fun_and_jac(fun: Callable, **derivative_options) -> PytreeGradient:
    """Value-and-gradient provider for ``om.minimize(..., fun_and_jac=...)``.

    Returns ``params -> (fun(params), gradient)``; with forward differences
    the value is shared with the stencil (n + 1 evaluations), central costs
    2n + 1. Options as for :func:`jac`.
    """
    return PytreeGradient(fun, with_value=True, options=derivative_options)


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
        Scalar objective ``fun(params, **fun_kwargs) -> float``.
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
    bound = functools.partial(fun, **fun_kwargs) if fun_kwargs else fun
    return om.minimize(
        fun,
        params,
        algorithm,
        fun_kwargs=fun_kwargs,
        jac=jac(bound, **options),
        fun_and_jac=fun_and_jac(bound, **options),
        **minimize_options,
    )
