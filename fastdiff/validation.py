"""Checks at the boundary between users and the engine.

Each function takes what a user passed, returns it in the one form the engine
works with, or raises a ``TypeError`` / ``ValueError`` whose message names the
argument, what was expected and what was given. Below this layer, code
trusts its inputs.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

# Writable, like every step array the drivers get (a read-only one would
# make Numba compile a second version of each driver); nothing writes to it.
_EMPTY = np.empty(0)


_FLOAT64 = np.dtype(np.float64)

#: What to do with parameters in a dict or nested containers (a parameter tree).
_PARAMETER_TREES = (
    "gradient, jacobian, hessian and value_and_grad (and grad, jac, hess) take parameter "
    "trees (a dict, nested lists or other containers) directly; here x must be a flat "
    "vector: flatten the tree with fastdiff.pytree: flat, layout = "
    "fastdiff.pytree.flatten(params), then differentiate "
    "fastdiff.pytree.flat_function(f, layout) at flat."
)


def as_point(x, name: str = "x") -> np.ndarray:
    """``x`` as a 1-D, C-contiguous float64 array with at least one entry.

    Finiteness is checked by the compiled drivers (it costs nothing there);
    :func:`fastdiff.errors.non_finite_error` builds their error.
    """
    # Identity, not equality, of the dtype: the fast path costs ~0.1 us. A
    # read-only x is copied: the kernels are compiled for writable arrays,
    # and a second, read-only version of each would cost its compilation.
    if type(x) is np.ndarray and x.dtype is _FLOAT64 and x.ndim == 1 and x.shape[0] > 0:
        return x if x.flags.c_contiguous and x.flags.writeable else np.array(x)
    if isinstance(x, Mapping):
        raise TypeError(
            f"{name} must be a 1-D array of real numbers; got a {type(x).__name__}. "
            + _PARAMETER_TREES
        )
    try:
        array = np.asarray(x)
    except Exception as error:
        reason = str(error).rstrip(".")
        raise TypeError(
            f"{name} must be a 1-D array of real numbers; could not convert it: {reason}."
            + _tree_hint(x)
        ) from None
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex dtype {array.dtype}")
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be a 1-D array of real numbers; got dtype {array.dtype}." + _tree_hint(x)
        )
    if array.ndim == 0:
        array = array.reshape(1)  # a scalar is a point with one coordinate, as in scipy
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array; got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{name} must have at least one entry; got an empty array")
    array = np.ascontiguousarray(array, dtype=np.float64)
    return array if array.flags.writeable else np.array(array)


def _tree_hint(x) -> str:
    """The parameter-tree advice, for a list or tuple that nests containers."""
    nested = isinstance(x, (list, tuple)) and any(
        isinstance(item, (Mapping, list, tuple)) for item in x
    )
    return f" {_PARAMETER_TREES}" if nested else ""


def check_choice(value, choices: tuple[str, ...], name: str) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {_quoted(choices)}; got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {_quoted(choices)}; got {value!r}")
    return value


def check_flag(value, name: str) -> bool:
    """``value`` as a bool, if it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_tolerance(value, name: str) -> float:
    """``value`` as a float, if it is a non-negative finite number (``rtol``, ``atol``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    number = float(value)
    if not (np.isfinite(number) and number >= 0.0):
        raise ValueError(f"{name} must be a non-negative finite number; got {value!r}")
    return number


def check_count(value, name: str, least: int) -> int:
    """``value`` as an int, if it is an integer ``>= least`` (``max_levels``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if value < least:
        raise ValueError(f"{name} must be an integer >= {least}; got {value!r}")
    return int(value)


def check_callable(f, name: str = "f"):
    """``f`` if it can be called."""
    if not callable(f):
        raise TypeError(f"{name} must be a callable; got {type(f).__name__}")
    return f


def check_parallel(parallel) -> bool | None:
    """``parallel`` as None (automatic), True or False."""
    if parallel is None or isinstance(parallel, (bool, np.bool_)):
        return None if parallel is None else bool(parallel)
    raise TypeError(f"parallel must be None (automatic), True or False; got {parallel!r}")


def as_step(step, name: str = "step") -> float | np.ndarray | None:
    """``step`` as None (default rule), a finite float or finite floats.

    The sign picks the side of one-sided differences (scipy's convention);
    a zero entry means the default rule for that coordinate. The length of
    an array is checked against ``x`` by :func:`steps_for`.
    """
    if step is None:
        return None
    if isinstance(step, (numbers.Real, np.floating)) and not isinstance(step, bool):
        value = float(step)
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite; got {step!r}")
        return value
    try:
        array = np.asarray(step, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be None, a float or a 1-D array of floats; got {step!r}"
        ) from None
    if array.ndim == 0:
        return as_step(float(array), name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a float or a 1-D array; got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{name} must be finite; {name}[{bad[0]}] is {array[bad[0]]}")
    # fastdiff's own copy (the caller's array is neither kept nor touched),
    # writable like every array the drivers get.
    array = np.array(array, dtype=np.float64)
    return array


def steps_for(step: float | np.ndarray | None, n: int, name: str = "step") -> np.ndarray:
    """The step array the drivers take for ``n`` coordinates (empty: default)."""
    if step is None:
        return _EMPTY
    if isinstance(step, float):
        return np.full(n, step)
    if step.shape[0] != n:
        raise ValueError(
            f"{name} must have one entry per coordinate of x ({n}); got {step.shape[0]}"
        )
    return step


def _quoted(choices) -> str:
    return ", ".join(repr(c) for c in choices)
