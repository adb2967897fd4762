"""Preparing a Numba-compiled ``f`` for the kernels.

A kernel that takes a jitted function as an argument is specialised, and
compiled again, for every function in every process (such specialisations
cannot be cached on disk). Instead, each ``f`` is wrapped once in a small C
callback (``numba.cfunc``) that catches its exceptions and reports a status
code; the kernels receive the callback's address as an integer, so they are
compiled once for all functions and loaded from Numba's disk cache.

Wrapping costs about 0.1 s per function and process (compiling the
callback); the wrapper is kept for as long as ``f`` lives.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field

import numpy as np
from numba import carray, cfunc, njit, types
from numba.core.registry import cpu_target
from numba.extending import is_jitted

from fastdiff.kernels._calling import accumulate_vector, call_scalar, combine_values
from fastdiff.kernels.complex_step import call_complex, store_complex
from fastdiff.status import OK, RAISED

SCALAR = "scalar"
VECTOR = "vector"

_SCALAR_SIGNATURE = types.int32(
    types.CPointer(types.float64), types.intp, types.CPointer(types.float64)
)
_VECTOR_SIGNATURE = types.int32(
    types.CPointer(types.float64),
    types.intp,
    types.CPointer(types.float64),
    types.intp,
    types.float64,
    types.float64,
    types.intp,
)
_POINT_TYPE = types.Array(types.float64, 1, "C")


@dataclass(eq=False)
class CompiledFunction:
    """A jitted ``f`` with its C callback.

    Attributes
    ----------
    function : numba dispatcher
        The user's function.
    kind : {"scalar", "vector"}
        What ``f`` returns: a float, or a 1-D array.
    address : int
        Address of the callback the kernels call.
    seconds_per_evaluation : dict
        Measured cost of one evaluation, by dimension ``n``; used to decide
        whether threads pay off.
    """

    function: object
    kind: str
    address: int
    callback: object = field(repr=False)
    seconds_per_evaluation: dict = field(default_factory=dict, repr=False)

    def evaluation_cost(self, x: np.ndarray, m: int = 0) -> float:
        """Seconds per evaluation at ``x``, measured once per dimension."""
        n = x.shape[0]
        cost = self.seconds_per_evaluation.get(n)
        if cost is None:
            cost = _measure_cost(self, x, m)
            self.seconds_per_evaluation[n] = cost
        return cost


_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def is_compiled(f) -> bool:
    """Whether ``f`` is a Numba-compiled (``@njit``) function."""
    return is_jitted(f)


def prepare(f, kind: str) -> CompiledFunction:
    """Check a jitted ``f`` and wrap it for the kernels (cached per ``f``).

    Parameters
    ----------
    f : numba dispatcher
        Function of one 1-D float64 array.
    kind : {"scalar", "vector"}
        ``"scalar"`` for gradients and Hessians (``f`` returns a number),
        ``"vector"`` for Jacobians (``f`` returns a 1-D array).

    Raises
    ------
    TypeError
        If ``f`` cannot be compiled for a 1-D float64 array, or returns
        something other than ``kind`` asks for.
    """
    return _cached(f, kind, _wrap)


def _return_type(f, point_type, cannot_compile: str, no_signature: str):
    """Numba's return type of ``f`` for one argument of ``point_type``.

    Raises ``TypeError`` with ``cannot_compile`` (followed by Numba's first
    line) or ``no_signature``: a typing error is the user's to fix, not a
    traceback.
    """
    context = cpu_target.typing_context
    context.refresh()
    try:
        signature = context.resolve_function_type(types.Dispatcher(f), (point_type,), {})
    except Exception as error:  # Numba raises its own typing errors here
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise TypeError(cannot_compile.replace("{reason}", _strip_ansi(first_line))) from None
    if signature is None:
        raise TypeError(no_signature)
    return signature.return_type


def _cached(f, key, wrap):
    """The wrapper of ``f`` for ``key``, built by ``wrap(f, kind)`` once per ``f``."""
    by_kind = _PREPARED.get(f)
    if by_kind is None:
        by_kind = _PREPARED.setdefault(f, {})
    prepared = by_kind.get(key)
    if prepared is None:
        kind = key[1] if isinstance(key, tuple) else key
        prepared = by_kind[key] = wrap(f, kind)
    return prepared


def _wrap(f, kind: str) -> CompiledFunction:
    returns = _return_type(
        f,
        _POINT_TYPE,
        f"f ({_name(f)}) could not be compiled for one argument, a 1-D float64 array: {{reason}}",
        f"f ({_name(f)}) does not accept a 1-D float64 array as its only argument",
    )
    if kind == SCALAR:
        if not isinstance(returns, (types.Float, types.Integer, types.Boolean)):
            raise TypeError(
                f"f ({_name(f)}) must return a real number for a gradient or Hessian; "
                f"it returns {returns}"
            )
        callback = cfunc(_SCALAR_SIGNATURE)(_scalar_callback(f))
    elif kind == VECTOR:
        if not (
            isinstance(returns, types.Array)
            and returns.ndim == 1
            and isinstance(returns.dtype, (types.Float, types.Integer, types.Boolean))
        ):
            raise TypeError(
                f"f ({_name(f)}) must return a 1-D array of real numbers for a Jacobian; "
                f"it returns {returns}"
            )
        callback = cfunc(_VECTOR_SIGNATURE)(_vector_callback(f))
    else:  # pragma: no cover - internal misuse
        raise ValueError(f"kind must be 'scalar' or 'vector', got {kind!r}")
    return CompiledFunction(f, kind, callback.address, callback)


def _scalar_callback(f):
    def callback(x_pointer, n, out_pointer):
        x = carray(x_pointer, (n,))
        try:
            out_pointer[0] = f(x)
        except Exception:
            return RAISED
        return OK

    return callback


def _vector_callback(f):
    # out = (out + weight * f(x)) * scale (out = weight * f(x) * scale when
    # first), so that the kernel makes no second pass over m.
    def callback(x_pointer, n, out_pointer, m, weight, scale, first):
        x = carray(x_pointer, (n,))
        out = carray(out_pointer, (m,))
        try:
            values = f(x)
        except Exception:
            return RAISED
        return combine_values(values, weight, scale, first != 0, out)

    return callback


@njit(cache=True, nogil=True)
def _repeat_scalar(address, x, repeats):
    buffer = np.empty(1)
    total = 0.0
    for _ in range(repeats):
        value, _status = call_scalar(address, x, buffer)
        total += value
    return total


@njit(cache=True, nogil=True)
def _repeat_vector(address, x, m, repeats):
    buffer = np.zeros(m)
    for _ in range(repeats):
        accumulate_vector(address, x, 1.0, buffer)
    return buffer[0]


def _measure_cost(prepared: CompiledFunction, x: np.ndarray, m: int) -> float:
    # One evaluation first: an expensive f is measured at the cost of one call,
    # a cheap one is repeated so that call overhead does not dominate.
    def timed(repeats: int) -> float:
        start = time.perf_counter()
        if prepared.kind == SCALAR:
            _repeat_scalar(prepared.address, x, repeats)
        else:
            _repeat_vector(prepared.address, x, max(m, 1), repeats)
        return (time.perf_counter() - start) / max(repeats, 1)

    timed(0)  # loads the timing loop itself, so that it is not measured
    once = timed(1)
    return once if once > 1e-4 else timed(64)


def _name(f) -> str:
    return getattr(f, "__name__", repr(f))


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


# --- Complex step ------------------------------------------------------------
# method="complex" calls f with a complex128 array; its wrapper has its own C
# signature, int32 f(complex128 *z, intp n, complex128 *out, intp m), used by
# fastdiff.kernels.complex_step for both kinds (m = 1 for a scalar f).

_COMPLEX_SIGNATURE = types.int32(
    types.CPointer(types.complex128),
    types.intp,
    types.CPointer(types.complex128),
    types.intp,
)
_COMPLEX_POINT_TYPE = types.Array(types.complex128, 1, "C")


@dataclass(eq=False)
class ComplexFunction(CompiledFunction):
    """A jitted ``f`` with its complex-step callback (same attributes).

    ``evaluation_cost`` times the complex evaluation, which is what the
    complex-step kernels pay (typically 2 to 4 times the real one).
    """

    def evaluation_cost(self, x: np.ndarray, m: int = 0) -> float:
        """Seconds per complex evaluation at ``x``, measured once per dimension."""
        n = x.shape[0]
        cost = self.seconds_per_evaluation.get(n)
        if cost is None:
            cost = self.seconds_per_evaluation[n] = _measure_complex_cost(self, x, m)
        return cost


def prepare_complex(f, kind: str) -> ComplexFunction:
    """Check a jitted ``f`` for complex input and wrap it for the complex-step kernels.

    Parameters
    ----------
    f : numba dispatcher
        Function of one 1-D array; Numba compiles a complex128 version.
    kind : {"scalar", "vector"}
        ``"scalar"`` for gradients (``f`` returns a number), ``"vector"``
        for Jacobians (``f`` returns a 1-D array).

    Returns
    -------
    ComplexFunction
        Cached per ``f`` and kind, next to the real wrappers of :func:`prepare`.

    Raises
    ------
    TypeError
        If ``f`` cannot be compiled for a 1-D complex128 array (for example it
        writes into a float array or compares numbers), or returns a real
        value for complex input (for example through ``np.abs`` or ``.real``),
        which would silently give a zero derivative.
    """
    return _cached(f, ("complex", kind), _wrap_complex)


def _wrap_complex(f, kind: str) -> ComplexFunction:
    returns = _return_type(
        f,
        _COMPLEX_POINT_TYPE,
        f"method='complex' needs f ({_name(f)}) to accept a 1-D complex128 array, "
        "but it could not be compiled for one: {reason} "
        "(use a finite-difference method for functions of real numbers only)",
        f"method='complex' needs f ({_name(f)}) to accept a 1-D complex128 array "
        "as its only argument",
    )
    if kind == SCALAR:
        if not isinstance(returns, types.Complex):
            raise TypeError(
                f"method='complex' needs f ({_name(f)}) to return a complex number for "
                f"complex input; it returns {returns}, which drops the imaginary part "
                "that carries the derivative (np.abs, .real or a float result?)"
            )
    elif kind == VECTOR:
        if not (
            isinstance(returns, types.Array)
            and returns.ndim == 1
            and isinstance(returns.dtype, types.Complex)
        ):
            raise TypeError(
                f"method='complex' needs f ({_name(f)}) to return a 1-D complex array for "
                f"complex input; it returns {returns}"
            )
    else:  # pragma: no cover - internal misuse
        raise ValueError(f"kind must be 'scalar' or 'vector', got {kind!r}")
    callback = cfunc(_COMPLEX_SIGNATURE)(_complex_callback(f))
    return ComplexFunction(f, kind, callback.address, callback)


def _complex_callback(f):
    def callback(z_pointer, n, out_pointer, m):
        z = carray(z_pointer, (n,))
        out = carray(out_pointer, (m,))
        try:
            values = f(z)
        except Exception:
            return RAISED
        return store_complex(values, out)

    return callback


@njit(cache=True, nogil=True)
def _repeat_complex(address, x, m, repeats):
    z = x.astype(np.complex128)
    buffer = np.zeros(m, dtype=np.complex128)
    for _ in range(repeats):
        call_complex(address, z, buffer)
    return buffer[0]


def _measure_complex_cost(prepared: ComplexFunction, x: np.ndarray, m: int) -> float:
    m = 1 if prepared.kind == SCALAR else max(m, 1)

    def timed(repeats: int) -> float:
        start = time.perf_counter()
        _repeat_complex(prepared.address, x, m, repeats)
        return (time.perf_counter() - start) / max(repeats, 1)

    timed(0)  # loads the timing loop itself
    once = timed(1)
    return once if once > 1e-4 else timed(64)
