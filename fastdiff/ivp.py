"""Jacobians for ``scipy.integrate.solve_ivp``: ``jac(t, y, *args)`` of a right-hand side.

The implicit methods of ``solve_ivp`` ("BDF", "Radau", "LSODA") take the
Jacobian of ``fun(t, y, *args)`` with respect to ``y`` as ``jac(t, y,
*args)``. :func:`ivp_jacobian` makes one from ``fun``. The engine
differentiates in the first argument, so ``fun`` is seen through an adapter
that puts ``y`` first, ``state_first(y, time, *args) = fun(time[0], y,
*args)``, made once per function:

* for a Numba-compiled ``fun`` the adapter is compiled too, and ``t`` and
  ``args`` reach the kernels natively as extra arguments. ``t`` travels in
  a one-entry array owned by the provider, rewritten before each call, so
  the extra arguments are the same objects at every call and the prepared
  derivative is reused as it is (nothing is bound, prepared or compiled
  per call; kernels compile once per argument *types* and are cached on
  disk);
* any other callable is evaluated from Python through the same adapter.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import numpy as np
from numba import njit

from fastdiff.api import jac
from fastdiff.arguments import (
    argument_types,
    check_argument_count,
    describe_signature,
    same_arguments,
)
from fastdiff.compiled import is_compiled

__all__ = ["IVPJacobian", "ivp_jacobian"]

#: Options of the engine that make no sense for ``solve_ivp`` (it needs a
#: matrix at every call, and passes the extra arguments itself).
_REFUSED_OPTIONS = {
    "args": "pass the extra arguments to solve_ivp (args=...), which gives them to jac",
    "kwargs": "solve_ivp passes extra arguments positionally (args=...)",
    "bounds": "solve_ivp needs the Jacobian wherever it asks for it",
    "full_output": "solve_ivp needs the Jacobian matrix itself",
}


#: How many adapters of compiled right-hand sides are kept (see :func:`compiled_state_first`).
RECENT_ADAPTERS = 8

#: Options that evaluate ``fun`` from Python, through an evaluator.
_EVALUATION_OPTIONS = ("vectorized", "workers", "executor", "progress", "evaluator", "timeout")


def ivp_jacobian(fun: Callable, *, sparsity=None, **options) -> IVPJacobian:
    """The Jacobian ``d fun / d y`` of a ``solve_ivp`` right-hand side, as ``jac(t, y, *args)``.

    Parameters
    ----------
    fun : callable
        ``fun(t, y, *args) -> ndarray (n,)``, the right-hand side given to
        ``solve_ivp``. A ``@numba.njit`` function is differentiated in
        compiled kernels, with ``t`` and ``args`` passed to it natively.
    sparsity : scipy.sparse matrix or bool array of shape (n, n), optional
        Where the Jacobian can be nonzero: columns that share no row are
        perturbed together (:func:`fastdiff.sparse.jac`) and the result is
        a ``scipy.sparse.csr_matrix``, which "BDF" and "Radau" take
        ("LSODA" needs a dense matrix: omit ``sparsity``).
    **options
        Options of :func:`fastdiff.jac` (or, with ``sparsity``, of
        :func:`fastdiff.sparse.jac`): ``method``, ``step``, ``abs_step``,
        ``rel_step``, ``parallel``, ``workers``, ... ``vectorized=True``
        means what it means to ``solve_ivp``: ``fun(t, y)`` takes ``y`` of
        shape (n, k) and returns (n, k).

    Returns
    -------
    IVPJacobian
        Callable ``jac(t, y, *args) -> ndarray (n, n)`` (or a CSR matrix),
        with a running count of evaluations ``nfev``.

    Raises
    ------
    TypeError
        ``fun`` is not callable; an option has the wrong type.
    ValueError
        An option of :func:`fastdiff.jac` that does not apply here
        (``args``, ``kwargs``, ``bounds``, ``full_output``), or an invalid
        one.

    Notes
    -----
    Central differences (the default): 2n evaluations of ``fun`` per
    Jacobian, plus one at the first call (to learn the output length);
    forward: n + 1. With ``sparsity``: ``2 * n_colors`` (central) or
    ``n_colors + 1``. ``solve_ivp``'s own finite differences (``jac=None``)
    are forward differences reusing the ``fun(t, y)`` it has: n per
    Jacobian, plus a few columns evaluated again where its step was poor.

    For a compiled ``fun``, the adapter is compiled at the first call (a
    fraction of a second once per process and ``fun``; the kernels load
    from the disk cache once they were compiled for the same argument
    types).

    Not reentrant across threads: calls are serialised by a lock.

    Examples
    --------
    >>> import numba, numpy as np
    >>> from scipy.integrate import solve_ivp
    >>> import fastdiff.scipy
    >>> @numba.njit
    ... def decay(t, y, rates, forcing):
    ...     return -rates * (1.0 + forcing * np.sin(t)) * y
    >>> jac = fastdiff.scipy.ivp_jacobian(decay)
    >>> rates = np.array([50.0, 2.0])
    >>> jac(0.0, np.ones(2), rates, 0.5).round(6)
    array([[-50.,   0.],
           [  0.,  -2.]])
    >>> solution = solve_ivp(decay, (0, 1), np.ones(2), method="BDF", jac=jac, args=(rates, 0.5))
    >>> bool(solution.success)
    True
    """
    return IVPJacobian(fun, sparsity=sparsity, **options)


class IVPJacobian:
    """Callable ``(t, y, *args) -> d fun(t, y, *args) / d y``; see :func:`ivp_jacobian`.

    Attributes
    ----------
    fun : callable
        The right-hand side.
    derivative : JacobianFunction or SparseJacobianFunction
        The prepared Jacobian of the adapter ``(y, time, *args)``.
    nfev : int
        Evaluations of ``fun`` spent by all calls so far.
    """

    def __init__(self, fun: Callable, *, sparsity=None, **options):
        if not callable(fun):
            raise TypeError(f"fun must be callable, fun(t, y, *args); got {type(fun).__name__}")
        for name, reason in _REFUSED_OPTIONS.items():
            if name in options:
                raise ValueError(f"{name} is not an option of ivp_jacobian: {reason}")
        self.fun = fun
        self._compiled = is_compiled(fun) and not any(
            options.get(name) for name in _EVALUATION_OPTIONS
        )
        if self._compiled:
            state_first = compiled_state_first(fun)
        else:
            # Evaluation options (a vectorized fun, workers, ...) call fun from Python.
            state_first = StateFirst(fun, options.get("vectorized") is True)
        if sparsity is not None:
            options["sparsity"] = sparsity
        self.derivative = jac(state_first, **options)
        self._time = np.zeros(1)
        self._lock = threading.Lock()
        self._checked_arguments: tuple | None = None

    @property
    def nfev(self) -> int:
        """Evaluations of ``fun`` spent by all calls so far."""
        return self.derivative.nfev

    def __call__(self, t: float, y, *args):
        with self._lock:
            self._time[0] = t
            checked = self._checked_arguments
            if checked is not None and same_arguments(args, {}, checked, {}):
                return self.derivative(y, self._time, *args)
            return self._first_call_with(y, args)

    def _first_call_with(self, y, args: tuple):
        """The call with new extra arguments: checked first, so errors name ``fun``'s own."""
        check_argument_count(self.fun, len(args), leading=("t", "y"))
        compiled = self._compiled
        if compiled:
            argument_types(args)  # a list or an untyped object, named by its index in args
        try:
            result = self.derivative(y, self._time, *args)
        except TypeError as error:
            if compiled and str(error).startswith(_ADAPTER_MISFIT):
                raise _misfit_error(self.fun, args, error) from None
            raise
        self._checked_arguments = args
        return result

    def __repr__(self) -> str:
        return f"IVPJacobian({getattr(self.fun, '__name__', repr(self.fun))})"


class StateFirst:
    """``fun(t, y, *args)`` seen as ``state_first(y, time, *args) = fun(time[0], y, *args)``.

    For a Python ``fun``; picklable when ``fun`` is (worker processes). With
    ``vectorized``, the engine's batches of points (k, n) become
    ``solve_ivp``'s columns (n, k) and back.
    """

    __slots__ = ("fun", "vectorized")

    def __init__(self, fun: Callable, vectorized: bool = False):
        self.fun, self.vectorized = fun, vectorized

    def __call__(self, y, time, *args):
        if self.vectorized:
            return np.asarray(self.fun(time[0], np.asarray(y).T, *args)).T
        return self.fun(time[0], y, *args)

    @property
    def __name__(self) -> str:
        return getattr(self.fun, "__name__", "fun")

    def __getstate__(self):
        return self.fun, self.vectorized

    def __setstate__(self, state):
        self.fun, self.vectorized = state


@functools.lru_cache(maxsize=RECENT_ADAPTERS)
def compiled_state_first(fun):
    """The compiled adapter ``state_first(y, time, *args) = fun(time[0], y, *args)`` of a jitted ``fun``.

    Compiled on its first call, for the types it meets (not cached on disk:
    it refers to ``fun``), a fraction of a second once per process. The
    adapters of the last :data:`RECENT_ADAPTERS` functions are kept, so
    providers made again for the same ``fun`` compile nothing (and at most
    that many dropped functions stay alive).
    """

    @njit
    def state_first(y, time, *args):
        return fun(time[0], y, *args)

    return state_first


#: How the engine's message starts when the adapter cannot be compiled for the arguments.
_ADAPTER_MISFIT = "args do not fit state_first("


def _misfit_error(fun, args: tuple, error: TypeError) -> TypeError:
    """The engine's error about the adapter, told about ``fun(t, y, *args)`` instead."""
    reason = str(error).split(": ", 2)[-1]
    given = ", ".join(str(t) for t in argument_types(args))
    return TypeError(
        f"args do not fit {describe_signature(fun)}: it could not be compiled for "
        f"(t, y, *args) with args of types ({given}): {reason}"
    )
