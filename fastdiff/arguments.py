"""Extra arguments of ``f``: ``f(x, *args, **kwargs)``, differentiated in ``x`` only.

Two paths, one meaning:

* a Python ``f`` is wrapped in :class:`BoundFunction`, a picklable callable
  of ``x`` alone that the evaluators call like any other ``f`` (vectorized
  too: ``f(X, *args, **kwargs)``);
* a Numba-compiled ``f`` keeps its extra arguments out of Python: keyword
  arguments are bound by name to positions (:func:`positional_arguments`,
  since compiled code has no ``**kwargs``), and the tuple goes to the
  kernels, which pass its members to ``f`` on every evaluation
  (:mod:`fastdiff.kernels._calling`). The kernels and the native code of
  ``f`` are compiled once per tuple of argument *types*
  (:func:`argument_types`), never per value.

Read-only arrays among the arguments are passed as they are, not copied: the
code is compiled for the read-only type (one more cached version of the
kernels), and an ``f`` that writes into such an array is refused with a
``TypeError``, as Numba refuses it.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect

import numba
from numba import types


class BoundFunction:
    """``f`` with its extra arguments: ``BoundFunction(f, args, kwargs)(x) == f(x, *args, **kwargs)``.

    Picklable when ``f`` and the arguments are, so worker processes can
    evaluate it.
    """

    __slots__ = ("function", "args", "kwargs")

    def __init__(self, function, args: tuple, kwargs: dict):
        self.function, self.args, self.kwargs = function, args, kwargs

    def __call__(self, x):
        return self.function(x, *self.args, **self.kwargs)

    @property
    def __name__(self) -> str:
        return getattr(self.function, "__name__", repr(self.function))

    def __repr__(self) -> str:
        return f"BoundFunction({self.__name__}, args={self.args!r}, kwargs={self.kwargs!r})"

    def __getstate__(self):
        return self.function, self.args, self.kwargs

    def __setstate__(self, state):
        self.function, self.args, self.kwargs = state


class ArgumentsAtCall:
    """scipy's calling convention for derivative functions, ``d(x, *args)``.

    A derivative function called with extra arguments works on a copy of
    itself prepared for them; the copy for the last arguments is kept while
    the very same objects come back (as ``scipy.optimize`` passes them at
    every iteration). A subclass sets ``_last_bound = None`` and has
    ``options`` (a :class:`fastdiff.options.DerivativeOptions`), ``_prepare``
    and :meth:`_described_function`; :meth:`_reset_copy` clears what a copy
    must not share.
    """

    def _described_function(self):
        """The user's function, as error messages name it."""
        raise NotImplementedError

    def _reset_copy(self, bound) -> None:
        """Clear state of a new copy (nothing by default)."""

    def _for_arguments(self, args: tuple, kwargs: dict):
        """A copy of this function for the extra arguments of one call."""
        if not args and not kwargs:
            raise TypeError(
                f"{describe_signature(self._described_function())} takes extra arguments: "
                "pass them with args=(...) or call with (x, *args)"
            )
        if self.options.has_arguments:
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
        self._reset_copy(bound)
        bound._prepare(dataclasses.replace(self.options, args=args, kwargs=kwargs))
        self._last_bound = (args, kwargs, bound)
        return bound


def as_extra_arguments(args, kwargs) -> tuple[tuple, dict]:
    """``args`` as a tuple and ``kwargs`` as a dict, as the user options give them.

    Raises
    ------
    TypeError
        If ``args`` is not a tuple or list (a single array is a common slip:
        ``args=(data,)`` is meant), or ``kwargs`` is not a mapping with
        string keys.
    """
    if isinstance(args, list):
        args = tuple(args)
    if not isinstance(args, tuple):
        raise TypeError(
            f"args must be a tuple of extra arguments of f, such as (data,) for "
            f"f(x, data); got {type(args).__name__}"
        )
    if kwargs is None:
        kwargs = {}
    elif not (hasattr(kwargs, "keys") and all(isinstance(key, str) for key in kwargs.keys())):
        raise TypeError(
            f"kwargs must be a dict of keyword arguments of f; got {type(kwargs).__name__}"
        )
    return args, dict(kwargs)


def bind(f, args: tuple, kwargs: dict):
    """``f`` itself when there are no extra arguments, else a :class:`BoundFunction`."""
    return BoundFunction(f, args, kwargs) if args or kwargs else f


def describe_signature(f) -> str:
    """``name(x, data, scale=1.0)``: what ``f`` expects, for error messages."""
    function = getattr(f, "py_func", f)
    name = getattr(function, "__name__", "f")
    try:
        return f"{name}{inspect.signature(function)}"
    except (TypeError, ValueError):
        return name


def positional_arguments(f, args: tuple, kwargs: dict) -> tuple:
    """The extra arguments of a compiled ``f`` as one positional tuple.

    Keyword arguments are placed at the position of the parameter of
    ``f.py_func`` they name; a parameter skipped before the last one given
    takes its default value.

    Raises
    ------
    TypeError
        If the arguments do not fit ``f``'s signature (naming ``args`` /
        ``kwargs`` and what ``f`` expects), or ``f`` takes ``**kwargs``.
    """
    if not kwargs:
        return args
    function = getattr(f, "py_func", f)
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if any(p.kind == p.VAR_KEYWORD for p in parameters) or any(
        p.kind == p.KEYWORD_ONLY for p in parameters
    ):
        raise TypeError(
            f"kwargs cannot be passed to the compiled f {describe_signature(f)}: Numba "
            "compiles positional parameters only; pass them in args"
        )
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError as error:
        raise TypeError(f"args and kwargs do not fit f {describe_signature(f)}: {error}") from None
    given = bound.arguments
    names = [p.name for p in parameters[1:] if p.kind == p.POSITIONAL_OR_KEYWORD]
    last = max(names.index(name) for name in kwargs)
    skipped = names[len(args) : last + 1]
    return args + tuple(
        given[name] if name in given else signature.parameters[name].default for name in skipped
    )


def argument_types(args: tuple) -> tuple:
    """Numba types of the extra arguments, as the kernels will see them.

    Raises
    ------
    TypeError
        If an argument has no Numba type, or is a list or set (Numba would
        reflect it back into Python after every evaluation: pass an array or
        a tuple).
    """
    try:
        tuple_type = numba.typeof(args)
    except ValueError:
        tuple_type = None
    if tuple_type is None or not isinstance(tuple_type, types.BaseTuple):
        for i, argument in enumerate(args):
            try:
                numba.typeof(argument)
            except ValueError:
                raise TypeError(
                    f"args[{i}] ({type(argument).__name__}) cannot be passed to a compiled f: "
                    "use arrays, numbers, or tuples of them"
                ) from None
        raise TypeError("args cannot be passed to a compiled f")  # pragma: no cover
    for i, argument_type in enumerate(tuple_type.types):
        _check_argument_type(argument_type, f"args[{i}]")
    return tuple(tuple_type.types)


def _check_argument_type(argument_type, where: str) -> None:
    if isinstance(argument_type, (types.List, types.Set, types.DictType)):
        raise TypeError(
            f"{where} is a {argument_type}: pass a numpy array or a tuple to a compiled f "
            "(Numba copies lists back into Python after every call)"
        )
    if isinstance(argument_type, types.BaseTuple):
        for j, member in enumerate(argument_type.types):
            _check_argument_type(member, f"{where}[{j}]")


def requires_extra_arguments(f) -> bool:
    """Whether ``f`` has required parameters after ``x`` (by its Python signature)."""
    function = getattr(f, "py_func", f)
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    required = [
        p
        for p in parameters[1:]
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return bool(required)


def same_arguments(args: tuple, kwargs: dict, other_args: tuple, other_kwargs: dict) -> bool:
    """Whether two calls pass the very same objects (identity, not equality).

    A prepared derivative keeps what it derived from the last arguments
    (their types, the bound function) while the same objects come back, as
    they do from ``scipy.optimize`` at every iteration.
    """
    return (
        len(args) == len(other_args)
        and all(a is b for a, b in zip(args, other_args))
        and kwargs.keys() == other_kwargs.keys()
        and all(kwargs[key] is other_kwargs[key] for key in kwargs)
    )


def check_argument_count(f, count: int, leading: tuple[str, ...] = ("x",)) -> None:
    """Raise a ``TypeError`` naming ``args`` if ``f`` cannot take ``count`` extra arguments.

    ``leading`` names the arguments ``f`` takes before them: ``("x",)`` for
    ``f(x, *args)``, ``("t", "y")`` for a ``solve_ivp`` right-hand side.
    """
    function = getattr(f, "py_func", f)
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*range(count + len(leading)))
    except TypeError:
        parameters = list(signature.parameters.values())[len(leading) :]
        positional = [
            p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        least = sum(p.default is p.empty for p in positional)
        if any(p.kind == p.VAR_POSITIONAL for p in parameters):
            takes = f"at least {least}"
        elif least == len(positional):
            takes = f"{least}"
        else:
            takes = f"{least} to {len(positional)}"
        raise TypeError(
            f"args has {count} value{'s' if count != 1 else ''} but "
            f"{describe_signature(f)} takes {takes} after {' and '.join(leading)}"
        ) from None
