"""Preparing a Numba-compiled ``f`` for the kernels.

A kernel that takes a jitted function as an argument is specialised, and
compiled again, for every function in every process (such specialisations
cannot be cached on disk). Instead, the kernels receive the address of the
machine code Numba compiled for ``f`` (for a 1-D C-contiguous float64
array) as an integer and call it with Numba's own calling convention, which
reports exceptions as a status (see :mod:`fastdiff.kernels._calling`): the
kernels are compiled once for all functions and loaded from Numba's disk
cache, and preparing a new ``f`` compiles nothing beyond ``f`` itself.

An ``f`` with extra arguments, ``f(x, *args)``, is compiled for
``(x, *argument types)`` and the kernels pass the arguments' native fields
on every call (:func:`prepare` with ``arg_types``): the kernels are compiled
once per tuple of argument types and cached like the others.

Only an ``f`` whose result is not already float64 (an integer, a float32,
an array of another dtype or layout) gets a small compiled adapter that
converts it, about 0.1 s once per function and process. The complex-step
kernels call a C callback (``numba.cfunc``) of ``f`` instead.
"""

from __future__ import annotations

import collections
import inspect
import time
import weakref
from dataclasses import dataclass, field

import numpy as np
from numba import carray, cfunc, njit, types
from numba.core.registry import cpu_target
from numba.extending import is_jitted

from fastdiff.arguments import argument_types, check_argument_count, describe_signature
from fastdiff.kernels._calling import POINT_TYPE, VALUES_TYPE, accumulate_vector, call_scalar
from fastdiff.kernels.complex_step import call_complex, store_complex
from fastdiff.status import RAISED

SCALAR = "scalar"
VECTOR = "vector"


@dataclass(eq=False)
class CompiledFunction:
    """A jitted ``f`` with the address of the code the kernels call.

    Attributes
    ----------
    function : numba dispatcher
        The user's function.
    kind : {"scalar", "vector"}
        What ``f`` returns: a float, or a 1-D array.
    arg_types : tuple of numba types
        Types of the extra arguments the code at ``address`` takes after
        ``x`` (empty for ``f(x)``).
    address : int
        Address of the code the kernels call.
    target : object
        What owns that code (``f``, its adapter, or a C callback), kept alive
        with this object.
    seconds_per_evaluation : dict
        Measured cost of one evaluation, by dimension ``n``; used to decide
        whether threads pay off.
    """

    function: object
    kind: str
    address: int
    target: object = field(repr=False)
    seconds_per_evaluation: dict = field(default_factory=dict, repr=False)
    arg_types: tuple = ()

    @property
    def uses_adapter(self) -> bool:
        """Whether the kernels call an adapter (a jitted function calling ``f``).

        Such a wrapper must not be kept by ``f`` itself (in its ``__dict__``):
        the cycle through a Numba dispatcher is never collected, so ``f``
        would stay alive for ever (see :data:`_CACHE_ATTRIBUTE`).
        """
        return self.target is not self.function and is_jitted(self.target)

    def evaluation_cost(self, x: np.ndarray, m: int = 0, args: tuple = ()) -> float:
        """Seconds per evaluation at ``x`` (with extra arguments ``args``), measured once per dimension."""
        n = x.shape[0]
        cost = self.seconds_per_evaluation.get(n)
        if cost is None:
            cost = _measure_cost(self, x, m, args)
            self.seconds_per_evaluation[n] = cost
        return cost


#: Where the wrappers of ``f`` are cached: an attribute of ``f`` itself. A
#: wrapper refers to ``f`` (it calls it, or its adapter does), so a cache
#: outside ``f`` (even a weak-keyed one, whose values would hold the keys)
#: keeps every prepared ``f`` alive for ever. On ``f``, the references form
#: a cycle that dies with ``f``.
_CACHE_ATTRIBUTE = "_fastdiff_prepared"
#: An adapter (a jitted function calling ``f``) in such a cycle is never
#: collected (a Numba dispatcher's references are not all visible to the
#: garbage collector), so ``f`` keeps only a weak reference to a wrapper
#: with an adapter, and the most recent ones are kept alive here: repeated
#: calls with one ``f`` do not compile its adapter again, and at most this
#: many dropped functions stay alive.
RECENT_ADAPTERS = 4
_recent_adapters: collections.deque = collections.deque(maxlen=RECENT_ADAPTERS)


def is_compiled(f) -> bool:
    """Whether ``f`` is a Numba-compiled (``@njit``) function."""
    return is_jitted(f)


def prepare(f, kind: str, arg_types: tuple = ()) -> CompiledFunction:
    """Check a jitted ``f`` and wrap it for the kernels (cached per ``f`` and argument types).

    Parameters
    ----------
    f : numba dispatcher
        Function ``f(x, *args)`` of a 1-D float64 array ``x``.
    kind : {"scalar", "vector"}
        ``"scalar"`` for gradients and Hessians (``f`` returns a number),
        ``"vector"`` for Jacobians (``f`` returns a 1-D array).
    arg_types : tuple of numba types
        Types of the extra arguments, as
        :func:`fastdiff.arguments.argument_types` gives them; the kernels
        must receive a tuple of exactly these types. Empty for ``f(x)``.

    Raises
    ------
    TypeError
        If ``f`` cannot be compiled for a 1-D float64 array followed by
        arguments of ``arg_types`` (the message names ``args`` and ``f``'s
        signature when extra arguments are the cause), or returns something
        other than ``kind`` asks for.

    Notes
    -----
    Compiles ``f`` once per argument types (not per value); the kernels are
    loaded from Numba's disk cache once the same types were seen before.
    """
    return _cached(f, (kind, tuple(arg_types)), _wrap)


def native_function(f, args: tuple = ()) -> CompiledFunction:
    """The address of ``f``'s compiled code, for fastdiff's kernels inside your cached ``@njit`` code.

    Pass ``native.address`` (an integer) to your own ``@njit(cache=True)``
    function and hand it to :mod:`fastdiff.kernels` in place of ``f``:
    ``central_jacobian(address, y, (t, h, y_prev))``. The kernels are then
    compiled once for an integer ``f`` and cached on disk, and so is your
    function: a new process loads both instead of compiling them for your
    jitted ``f`` again (which Numba cannot cache).

    Parameters
    ----------
    f : numba dispatcher
        ``f(x, *args)`` of a 1-D float64 array ``x``, returning a number
        (gradients, Hessians) or a 1-D array (Jacobians).
    args : tuple, optional
        Example extra arguments: their types (not their values) are those
        ``f`` is compiled for. Inside your code, pass the kernels a tuple of
        exactly these types (arrays of the same dtype and dimension,
        floats as floats): the code at the address reads its arguments as
        these types and cannot check them.

    Returns
    -------
    CompiledFunction
        ``.address`` (int), ``.kind`` (``"scalar"`` or ``"vector"``) and
        ``.arg_types``. Keep it while the address is in use: it keeps alive
        the code the address points to (``f``'s own, or a small adapter for
        results that are not float64).

    Raises
    ------
    TypeError
        If ``f`` is not a Numba-compiled function, ``args`` is not a tuple
        of arrays, numbers or tuples of them, or ``f`` cannot be compiled
        for ``(x, *args)`` or returns neither a number nor a 1-D array.

    Examples
    --------
    >>> import numpy as np
    >>> from numba import njit
    >>> from fastdiff import native_function
    >>> from fastdiff.kernels import central_gradient
    >>> @njit  # cache=True in your own modules (not in an interactive session)
    ... def energy(x, k):
    ...     return k * np.sum(x**2)
    >>> @njit  # likewise
    ... def gradient_of_energy(address, x, k):
    ...     return central_gradient(address, x, (k,))
    >>> native = native_function(energy, (2.0,))
    >>> gradient_of_energy(native.address, np.array([1.0, -0.5]), 2.0).round(8)
    array([ 4., -2.])
    """
    if not is_compiled(f):
        raise TypeError(f"native_function takes a Numba-compiled (@njit) f; got {type(f).__name__}")
    if not isinstance(args, tuple):
        raise TypeError(
            f"args must be a tuple of example extra arguments; got {type(args).__name__}"
        )
    arg_types = argument_types(args)
    signature = _resolve(
        f,
        POINT_TYPE,
        f"f ({function_name(f)}) could not be compiled for (x, *args), x a 1-D float64 array: "
        "{reason}",
        f"f ({function_name(f)}) does not accept (x, *args), x a 1-D float64 array",
        arg_types,
    )
    kind = VECTOR if isinstance(signature.return_type, types.Array) else SCALAR
    return prepare(f, kind, arg_types)


def _resolve(f, point_type, cannot_compile: str, no_signature: str, arg_types: tuple = ()):
    """Numba's signature of ``f`` for ``(point_type, *arg_types)``.

    Raises ``TypeError`` with ``cannot_compile`` (followed by Numba's first
    line) or ``no_signature``: a typing error is the user's to fix, not a
    traceback.
    """
    context = cpu_target.typing_context
    context.refresh()
    try:
        signature = context.resolve_function_type(types.Dispatcher(f), (point_type, *arg_types), {})
    except Exception as error:  # Numba raises its own typing errors here
        raise TypeError(cannot_compile.replace("{reason}", _first_reason(error))) from None
    if signature is None:
        raise TypeError(no_signature)
    return signature


def _cached(f, key, wrap):
    """The wrapper of ``f`` for ``key``, built by ``wrap(f, *key[1:])`` once per ``f`` and key.

    ``key`` is ``(kind, arg_types)`` or ``("complex", kind)``.
    """
    by_kind = getattr(f, _CACHE_ATTRIBUTE, None)
    if by_kind is None:
        by_kind = {}
        try:
            setattr(f, _CACHE_ATTRIBUTE, by_kind)
        except (AttributeError, TypeError):  # a dispatcher without attributes: no cache
            pass
    prepared = by_kind.get(key)
    if isinstance(prepared, weakref.ref):
        prepared = prepared()
    if prepared is None:
        prepared = wrap(f, *key[1:]) if key[0] == "complex" else wrap(f, *key)
        if prepared.uses_adapter:
            by_kind[key] = weakref.ref(prepared)
            _recent_adapters.append(prepared)
        else:
            by_kind[key] = prepared
    return prepared


def _wrap(f, kind: str, arg_types: tuple = ()) -> CompiledFunction:
    if arg_types:
        check_argument_count(f, len(arg_types))
        given = ", ".join(str(t) for t in arg_types)
        signature = _resolve(
            f,
            POINT_TYPE,
            f"args do not fit {describe_signature(f)}: it could not be compiled for "
            f"(x, *args) with args of types ({given}): {{reason}}",
            f"args do not fit {describe_signature(f)}: no signature accepts (x, *args) "
            f"with args of types ({given})",
            arg_types,
        )
    else:
        signature = _resolve(
            f,
            POINT_TYPE,
            f"f ({function_name(f)}) could not be compiled for one argument, a 1-D float64 array: "
            f"{{reason}}{_extra_arguments_hint(f)}",
            f"f ({function_name(f)}) does not accept a 1-D float64 array as its only argument"
            f"{_extra_arguments_hint(f)}",
        )
    returns = signature.return_type
    if kind == SCALAR:
        if not isinstance(returns, (types.Float, types.Integer, types.Boolean)):
            raise TypeError(
                f"f ({function_name(f)}) must return a real number for a gradient or Hessian; "
                f"it returns {returns}"
            )
        native = returns == types.float64
        target = f if native else _scalar_adapter(f)
    elif kind == VECTOR and isinstance(returns, (types.Float, types.Integer, types.Boolean)):
        # A number is a Jacobian row of one: shape (1, n), as in scipy.
        native = False
        target = _one_entry_adapter(f)
    elif kind == VECTOR:
        if not (
            isinstance(returns, types.Array)
            and returns.ndim == 1
            and isinstance(returns.dtype, (types.Float, types.Integer, types.Boolean))
        ):
            raise TypeError(
                f"f ({function_name(f)}) must return a 1-D array of real numbers for a Jacobian; "
                f"it returns {returns}"
            )
        native = returns == VALUES_TYPE
        target = f if native else _vector_adapter(f)
    else:  # pragma: no cover - internal misuse
        raise ValueError(f"kind must be 'scalar' or 'vector', got {kind!r}")
    if native and not _same_fields(signature.args, (POINT_TYPE, *arg_types)):
        # f was declared with other argument types (int64 for a float, say):
        # Numba would convert them; the adapter, compiled for ours, does it.
        native = False
        target = _scalar_adapter(f) if kind == SCALAR else _vector_adapter(f)
    # An adapter takes the extra arguments as *args, one tuple: Numba passes
    # a tuple as the fields of its members, so its native code takes the same
    # arguments as f(x, *args) compiled for the members one by one.
    arguments = signature.args if native else (POINT_TYPE, types.Tuple(tuple(arg_types)))
    address = _native_address(target, arguments)
    return CompiledFunction(f, kind, address, target, arg_types=tuple(arg_types))


def _extra_arguments_hint(f) -> str:
    # A function of more than x, prepared without its extra arguments.
    try:
        parameters = inspect.signature(f.py_func).parameters.values()
    except (AttributeError, TypeError, ValueError):
        return ""
    required = [p for p in parameters if p.default is p.empty and p.kind != p.VAR_POSITIONAL]
    if len(required) > 1:
        return f"; {describe_signature(f)} takes extra arguments: pass them with args=(...)"
    return ""


def _same_fields(declared: tuple, ours: tuple) -> bool:
    """Whether arguments of types ``ours`` can be passed as ``declared`` natively.

    Arrays may differ in layout only (the same fields); any other type must
    be the same. Trailing parameters left at their defaults (Numba's
    ``Omitted``, as in ``lambda x, k=k: ...``) take no fields in Numba's
    calling convention, so they do not stop a native call.
    """
    while declared and isinstance(declared[-1], types.Omitted) and len(declared) > len(ours):
        declared = declared[:-1]
    if len(declared) != len(ours):
        return False
    for a, b in zip(declared, ours):
        if a == b:
            continue
        if not (
            isinstance(a, types.Array)
            and isinstance(b, types.Array)
            and a.dtype == b.dtype
            and a.ndim == b.ndim
            and a.mutable == b.mutable
        ):
            return False
    return True


def _native_address(dispatcher, arguments: tuple) -> int:
    """Address of the code Numba compiled for ``dispatcher(*arguments)``.

    ``arguments`` is the signature typing chose for a C-contiguous float64
    point and the extra arguments: their types themselves, or arrays of
    any layout when ``f`` was declared with them (the same fields, so the
    same call).
    """
    result = dispatcher.overloads.get(arguments)
    if result is None:  # not compiled yet (a dispatcher with declared
        dispatcher.compile(arguments)  # signatures has them all already)
        result = dispatcher.overloads[arguments]
    return result.library.get_pointer_to_function(result.fndesc.llvm_func_name)


def _scalar_adapter(f):
    # f returns an integer, a bool or a float32: the kernels call float64 code.
    @njit(nogil=True)
    def as_float64(x, *args):
        return np.float64(f(x, *args))

    return as_float64


def _one_entry_adapter(f):
    # f returns a number where a Jacobian wants an array: an array of one.
    @njit(nogil=True)
    def as_one_entry(x, *args):
        out = np.empty(1)
        out[0] = f(x, *args)
        return out

    return as_one_entry


def _vector_adapter(f):
    # f returns an array of another dtype or layout: copy it into float64.
    @njit(nogil=True)
    def as_float64_array(x, *args):
        values = f(x, *args)
        out = np.empty(values.shape[0])
        for i in range(values.shape[0]):
            out[i] = values[i]
        return out

    return as_float64_array


@njit(cache=True, nogil=True)
def _repeat_scalar(address, x, args, repeats):
    total = 0.0
    for _ in range(repeats):
        value, _status = call_scalar(address, x, args)
        total += value
    return total


@njit(cache=True, nogil=True)
def _repeat_vector(address, x, args, m, repeats):
    buffer = np.zeros(m)
    for _ in range(repeats):
        accumulate_vector(address, x, args, 1.0, buffer)
    return buffer[0]


def _measure_cost(prepared: CompiledFunction, x: np.ndarray, m: int, args: tuple) -> float:
    # One evaluation first: an expensive f is measured at the cost of one call,
    # a cheap one is repeated so that call overhead does not dominate.
    def timed(repeats: int) -> float:
        start = time.perf_counter()
        if prepared.kind == SCALAR:
            _repeat_scalar(prepared.address, x, args, repeats)
        else:
            _repeat_vector(prepared.address, x, args, max(m, 1), repeats)
        return (time.perf_counter() - start) / max(repeats, 1)

    timed(0)  # loads the timing loop itself, so that it is not measured
    once = timed(1)
    return once if once > 1e-4 else timed(64)


def _first_reason(error: Exception) -> str:
    """The first informative line of a Numba typing error (not its pipeline banner)."""
    lines = [line.strip() for line in _strip_ansi(str(error)).splitlines()]
    for line in lines:
        if line and not line.startswith(("Failed in ", "During:", "File ", ">>>", "^")):
            return line
    return lines[0] if lines else ""


def function_name(f) -> str:
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

    @property
    def uses_adapter(self) -> bool:
        """Whether the kernels call an adapter (a jitted function calling ``f``).

        Such a wrapper must not be kept by ``f`` itself (in its ``__dict__``):
        the cycle through a Numba dispatcher is never collected, so ``f``
        would stay alive for ever (see :data:`_CACHE_ATTRIBUTE`).
        """
        return self.target is not self.function and is_jitted(self.target)

    def evaluation_cost(self, x: np.ndarray, m: int = 0, args: tuple = ()) -> float:
        """Seconds per complex evaluation at ``x``, measured once per dimension.

        ``args`` is always empty: the complex-step callback takes ``x`` only.
        """
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
    returns = _resolve(
        f,
        _COMPLEX_POINT_TYPE,
        f"method='complex' needs f ({function_name(f)}) to accept a 1-D complex128 array, "
        "but it could not be compiled for one: {reason} "
        "(use a finite-difference method for functions of real numbers only)",
        f"method='complex' needs f ({function_name(f)}) to accept a 1-D complex128 array "
        "as its only argument",
    ).return_type
    if kind == SCALAR:
        if not isinstance(returns, types.Complex):
            raise TypeError(
                f"method='complex' needs f ({function_name(f)}) to return a complex number for "
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
                f"method='complex' needs f ({function_name(f)}) to return a 1-D complex array for "
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
