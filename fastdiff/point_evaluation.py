"""Evaluating ``f`` at a batch of points in this process, and checking what it returns.

The one loop every evaluation of a Python ``f`` ends in: on the calling
thread (a serial :class:`~fastdiff.Evaluator`), in a worker process
(:mod:`fastdiff.workers`) or in an executor's task (:func:`evaluate_pickled`).
A point where ``f`` raises is recorded with its exception; a value that is
not a real number (a string, a complex number) or has the wrong shape is a
``TypeError`` or ``ValueError`` at once: a contract violation, not a failed
point.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SCALAR = "scalar"
VECTOR = "vector"


def evaluate_points(f, points: np.ndarray, kind: str, vectorized: bool, bar=None, started=None):
    """Evaluate ``f`` at each row of ``points``, in this process.

    ``started(index)``, if given, is called before each evaluation (once,
    with 0, for a vectorized ``f``): how a worker tells which point it is at.

    Returns
    -------
    values : ndarray, shape (k,) or (k, m)
    errors : list of (int, BaseException)
        Local point index and the exception raised there.
    """
    if vectorized:
        if started is not None:
            started(0)
        try:
            raw = f(points)
        except Exception as error:
            return _all_failed(points.shape[0], kind), [(i, error) for i in range(points.shape[0])]
        values = _check_vectorized(raw, points.shape[0], kind, f)
        if bar is not None:
            bar.update(points.shape[0])
        return values, []
    if kind == SCALAR:
        return _evaluate_scalars(f, points, bar, started)
    results: list = []
    errors = []
    for index in range(points.shape[0]):
        if started is not None:
            started(index)
        try:
            value = f(points[index].copy())
        except Exception as error:
            results.append(None)
            errors.append((index, error))
        else:
            results.append(_check_value(value, kind, f))
        if bar is not None:
            bar.update(1)
    return _stack(results, kind), errors


def _evaluate_scalars(f, points: np.ndarray, bar, started):
    # The loop a serial gradient of a cheap f spends its time in: a Python
    # float is taken as it is, anything else is checked.
    values = np.empty(points.shape[0])
    errors = []
    for index in range(points.shape[0]):
        if started is not None:
            started(index)
        try:
            value = f(points[index].copy())
        except Exception as error:
            values[index] = np.nan
            errors.append((index, error))
        else:
            values[index] = value if type(value) is float else _check_value(value, SCALAR, f)
        if bar is not None:
            bar.update(1)
    return values, errors


_UNPICKLED: dict[str, Callable] = {}


def evaluate_pickled(key: str, payload: bytes, points, kind: str, vectorized: bool):
    """Worker side: unpickle ``f`` (once per worker) and evaluate a chunk."""
    f = _UNPICKLED.get(key)
    if f is None:
        import cloudpickle

        f = cloudpickle.loads(payload)
        if len(_UNPICKLED) > 16:
            _UNPICKLED.clear()
        _UNPICKLED[key] = f
    values, errors = evaluate_points(f, points, kind, vectorized)
    return values, [(i, picklable(error)) for i, error in errors]


def picklable(error: BaseException) -> BaseException:
    """``error`` itself if it survives pickling, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


def _shape_error(message: str, kind=TypeError) -> Exception:
    # A contract violation (wrong return type or shape): raised at once, not
    # treated as a point where f failed.
    return kind(message)


def _check_value(value, kind: str, f=None):
    """``value`` as float64 (scalar ``kind``) or a float64 1-D array.

    Strings and complex numbers are refused, not converted: ``float("1.5")``
    would hide a bug, and a complex value's imaginary part would be dropped.
    """
    if kind == SCALAR:
        if np.ndim(value) != 0:
            raise _shape_error(
                f"f must return a real number for a gradient or Hessian; it returned an "
                f"array of shape {np.shape(value)}"
            )
        dtype = getattr(value, "dtype", None)
        if (
            isinstance(value, (str, bytes, complex))
            or (dtype is not None and dtype.kind not in "biuf")
            or not hasattr(value, "__float__")
        ):
            raise _shape_error(
                "f must return a real number (float, int or a real NumPy scalar) for a "
                f"gradient or Hessian; {_name(f)} returned {_what(value)}"
                + (_COMPLEX_HINT if _is_complex(value) else "")
            )
        return float(value)
    array = np.asarray(value)
    if array.ndim == 0:
        array = array.reshape(1)  # a number is a Jacobian row of one
    if array.ndim != 1 or array.dtype.kind not in "biuf":
        raise _shape_error(
            f"f must return a 1-D array of real numbers for a Jacobian; {_name(f)} returned "
            f"{'shape ' + str(array.shape) if array.ndim != 1 else 'dtype ' + str(array.dtype)}"
            + (_COMPLEX_HINT if array.dtype.kind == "c" else "")
        )
    return array.astype(np.float64, copy=False)


_COMPLEX_HINT = (
    " (a complex value: its imaginary part would be dropped; method='complex' is the "
    "complex-step method for an f of complex input)"
)


def _is_complex(value) -> bool:
    return isinstance(value, complex) or getattr(getattr(value, "dtype", None), "kind", "") == "c"


def _what(value) -> str:
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _name(f) -> str:
    if f is None:
        return "f"
    return f"f ({getattr(f, '__name__', type(f).__name__)})"


def _check_vectorized(values, count: int, kind: str, f=None) -> np.ndarray:
    array = np.asarray(values)
    expected = f"({count},)" if kind == SCALAR else f"({count}, m)"
    if array.dtype.kind not in "biuf":
        raise _shape_error(
            f"a vectorized f must return an array of real numbers; {_name(f)} returned "
            f"dtype {array.dtype}" + (_COMPLEX_HINT if array.dtype.kind == "c" else "")
        )
    if (array.ndim != (1 if kind == SCALAR else 2)) or (array.shape[0] != count):
        raise _shape_error(
            f"a vectorized f must return an array of shape {expected} for {count} points; "
            f"it returned shape {array.shape}, dtype {array.dtype}",
            ValueError,
        )
    return array.astype(np.float64, copy=False)


def _all_failed(count: int, kind: str) -> np.ndarray:
    return np.full(count, np.nan) if kind == SCALAR else np.full((count, 0), np.nan)


def _stack(results: list, kind: str) -> np.ndarray:
    if kind == SCALAR:
        return np.array([np.nan if r is None else r for r in results], dtype=np.float64)
    lengths = {r.shape[0] for r in results if r is not None}
    if len(lengths) > 1:
        raise _shape_error(
            f"f returned arrays of different lengths {sorted(lengths)}; it must return the "
            "same shape at every point",
            ValueError,
        )
    m = lengths.pop() if lengths else 0
    out = np.full((len(results), m), np.nan)
    for index, r in enumerate(results):
        if r is not None:
            out[index] = r
    return out
