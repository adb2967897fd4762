"""The errors of failed evaluations: which entry, which point, what ``f`` did.

Every path (compiled kernels, Python evaluators, the careful path, sparse
derivatives) reports failures through these functions, so a message reads
the same whichever path computed the derivative. A kernel only knows *that*
``f`` raised at a point; :func:`raise_at_point` calls ``f`` there again from
Python so that the user gets the exception itself, with a note naming the
point.
"""

from __future__ import annotations

import numpy as np

from fastdiff.status import MESSAGES, NOT_FINITE, OK, RAISED, WRONG_SHAPE


def add_note(error: BaseException, note: str) -> None:
    """Attach ``note`` to ``error`` (Python 3.11+; silently skipped before)."""
    if hasattr(error, "add_note"):
        error.add_note(note)


def listing(items: list, limit: int = 5) -> str:
    """``[a, b, c, d, e, ...]``: the first ``limit`` items of a list for a message."""
    shown = ", ".join(str(i) for i in items[:limit])
    return f"[{shown}{', ...' if len(items) > limit else ''}]"


def non_finite_error(x: np.ndarray, index: int, name: str = "x") -> ValueError:
    """The error for a NaN or infinite entry of ``x``."""
    return ValueError(f"{name} must be finite; {name}[{index}] is {x[index]}")


def check_finite_value(value) -> None:
    """Raise ``ValueError`` unless ``f(x)`` (a number or an array) is finite."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        if not np.isfinite(array):
            raise ValueError(f"f(x) must be finite; f returned {float(array)} at x")
    elif not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(f"f(x) must be finite; f(x)[{bad}] is {array[bad]}")


def exception_at(f, point: np.ndarray) -> BaseException | None:
    """The exception ``f`` raises at ``point`` when called from Python, or None."""
    try:
        f(point)
    except Exception as error:
        return error
    return None


def not_reproduced(where: str, name: str = "f") -> RuntimeError:
    """The error for a failure inside a kernel that a call from Python does not repeat."""
    return RuntimeError(
        f"{name} raised {where} inside the kernel but not when called again from Python "
        f"(does {name} depend on state other than x?)"
    )


class RaisedAt:
    """The exception of a compiled ``f`` at the stencil points of coordinate ``i``, on demand.

    A kernel only records that ``f`` raised. Calling ``f`` again from Python
    at the same points recovers the exception itself, but each call of a
    raising Numba function from Python costs memory (Numba keeps about
    0.5 KB of an exception raised with run-time values), so it is done only
    for the entry whose error reaches the user: calling this object returns
    ``(exception, where)``.
    """

    def __init__(self, f, x: np.ndarray, h: np.ndarray, offsets_row: np.ndarray, i: int):
        self.f, self.x, self.h, self.offsets_row, self.i = f, x, h, offsets_row, i

    def __call__(self) -> tuple[BaseException, str]:
        x, h, i = self.x, self.h, self.i
        for offset in self.offsets_row:
            if offset == 0.0:
                continue
            point = x.copy()
            point[i] = x[i] + offset * h[i]
            error = exception_at(self.f, point)
            if error is not None:
                return error, f"at x + {offset:g} * h[{i}] * e[{i}]"
        return not_reproduced(f"at coordinate {i}"), f"at coordinate {i}"


def raise_with_note(error: BaseException, note: str):
    """Raise ``error`` (an exception of ``f``) with ``note`` naming where it happened."""
    add_note(error, note)
    raise error


def raise_at_point(f, point: np.ndarray, where: str, name: str = "f"):
    """Call ``f`` at ``point`` from Python so that its exception reaches the user.

    The kernels report only that ``f`` raised; this is the one place that
    turns that status back into the user's exception, with a note
    ``"fastdiff: <name> raised <where>"``.
    """
    error = exception_at(f, point)
    if error is not None:
        raise_with_note(error, f"fastdiff: {name} raised {where}")
    raise not_reproduced(where, name)


def length_error(name: str, length: int, m: int) -> ValueError:
    """A sparse derivative's ``f`` returned ``length`` values where the pattern has ``m`` rows."""
    return ValueError(
        f"sparsity has {m} rows but {name} returns an array of length {length}; "
        f"sparsity must have shape (len({name}(x)), len(x))"
    )


def raise_for_code(f, point: np.ndarray, code: int, where: str, name: str = "f", m=None):
    """Raise the error of status ``code`` (:mod:`fastdiff.status`) at one ``point``."""
    if code == RAISED:
        raise_at_point(f, point, where, name)
    if code == WRONG_SHAPE:
        length = np.asarray(f(point)).shape
        raise length_error(name, length[0] if length else 0, m)
    if code == NOT_FINITE:
        raise ValueError(f"{name} returned a non-finite value {where}")
    raise ValueError(f"{name} failed {where}: {MESSAGES.get(code, code)}")


def raise_at_x(f, x: np.ndarray, status: int, value: float):
    """``f(x)`` failed in a kernel: its exception, or the non-finite value."""
    if status == RAISED:
        raise_at_point(f, x, "at x")
    check_finite_value(value)


def entry_failure(code: int, where: str, x, h, first: int, expected_length=None) -> ValueError:
    """The error for entries whose stencil points failed without raising."""
    if code == WRONG_SHAPE:
        return ValueError(
            f"f returned an array of a different length at the stencil points of {where} "
            f"than at x ({expected_length}); f must return the same shape everywhere"
        )
    if code == NOT_FINITE:
        return ValueError(
            f"f returned a non-finite value at the stencil points of {where} "
            f"(x[{first}] = {x[first]}, step {h[first]:.3g})"
        )
    return ValueError(f"f failed at the stencil points of {where}: {MESSAGES.get(code, code)}")


def raise_for_entries(f, x, h, offsets, status, expected_length: int | None = None):
    """Raise for the first failed entry of a gradient or Jacobian from the kernels."""
    failed = np.flatnonzero(status)
    first = int(failed[0])
    code = int(status[first])
    if code == RAISED:
        for offset in offsets[first if offsets.shape[0] > 1 else 0]:
            if offset != 0.0:
                point = x.copy()
                point[first] += offset * h[first]
                error = exception_at(f, point)
                if error is not None:
                    where = f"at x + {offset:g} * h[{first}] * e[{first}]"
                    raise_with_note(error, f"fastdiff: f raised {where}")
        raise not_reproduced(f"at the stencil points of coordinate {first}")
    where = f"coordinate(s) {listing(failed.tolist())}"
    raise entry_failure(code, where, x, h, first, expected_length)


def raise_for_careful_failures(result, x) -> None:
    """After fallbacks: the first exception with its point, or which entries failed."""
    failed = np.flatnonzero(result.status != OK)
    if failed.size == 0:
        return
    first = int(failed[0])
    if first in result.errors:
        error, where = result.errors[first]
        raise_with_note(error, f"fastdiff: f raised {where}; no fallback stencil avoided it")
    where = f"coordinate(s) {listing(failed.tolist())}"
    raise entry_failure(int(result.status[first]), where, x, result.steps, first)


def raise_hessian_exception(f, x: np.ndarray, h: np.ndarray, stencil: tuple, status) -> None:
    """Raise ``f``'s exception at the first Hessian entry whose status is ``RAISED``.

    A kernel only records that ``f`` raised; ``f`` is called again from
    Python at the stencil points of that one entry (not of every failed
    entry: each call of a raising Numba function from Python costs memory).

    Parameters
    ----------
    f : callable
        The compiled function, called from Python.
    x, h : ndarray, shape (n,)
        The point and the steps the kernel used (points ``x_k + o * h_k``).
    stencil : tuple of ndarray
        :func:`fastdiff.stencils.hessian_arrays` of the method used.
    status : ndarray of int8, shape (n, n)

    Returns only if no entry raised. Raises ``RuntimeError`` if ``f`` does
    not raise again at those points (it depends on more than ``x``).
    """
    rows, cols = np.nonzero(status == RAISED)
    if rows.size == 0:
        return
    i, j = int(rows[0]), int(cols[0])
    axis_offsets, diagonal_weights, offdiagonal_weights, pair_offsets = stencil[:4]
    if i == j:
        moves = [((i, a),) for a, w in zip(axis_offsets, diagonal_weights) if w != 0 and a != 0]
    else:
        moves = [((i, p), (j, q)) for p, q in pair_offsets]
        moves += [
            ((k, a),)
            for k in (i, j)
            for a, w in zip(axis_offsets, offdiagonal_weights)
            if w != 0 and a != 0
        ]
    for move in moves:
        point = x.copy()
        for k, offset in move:
            point[k] = x[k] + offset * h[k]
        error = exception_at(f, point)
        if error is not None:
            where = " + ".join(f"{offset:g} * h[{k}] * e[{k}]" for k, offset in move)
            raise_with_note(error, f"fastdiff: f raised at x + {where} (Hessian entry ({i}, {j}))")
    raise not_reproduced(f"at the stencil points of Hessian entry ({i}, {j})")


def raise_for_hessian_entries(status):
    """Raise for the failed entries of a Hessian (status of shape (n, n))."""
    rows, cols = np.nonzero(status)
    raise ValueError(
        f"f failed at the stencil points of Hessian entries "
        f"{listing(list(zip(rows.tolist(), cols.tolist())))}: "
        f"{MESSAGES[int(status[rows[0], cols[0]])]}"
    )


def raise_for_python_failures(result, x, h, allow_entries: bool = False) -> None:
    """Raise what a Python-path derivative (:class:`~fastdiff.python_path.PythonDerivative`) hit."""
    if result.center_error is not None:
        raise_with_note(result.center_error, "fastdiff: f raised at x")
    if result.value is not None:
        check_finite_value(result.value)
    if allow_entries or not result.status.any():
        return
    if result.errors:
        error, where = result.errors[min(result.errors)]
        raise_with_note(error, f"fastdiff: f raised {where}")
    if result.status.ndim == 2:
        raise_for_hessian_entries(result.status)
    failed = np.flatnonzero(result.status)
    where = f"coordinate(s) {listing(failed.tolist())}"
    raise entry_failure(int(result.status[failed[0]]), where, x, h, int(failed[0]))


def raise_for_batch(batch, count: int, name: str, describe) -> np.ndarray:
    """Values of an evaluator batch, or the first failure in point order.

    The first exception of ``f`` is raised again with a note naming its point
    (``describe(index)``); a non-finite value is a ``ValueError``.
    """
    if batch.errors:
        index = min(batch.errors)
        raise_with_note(batch.errors[index], f"fastdiff: {name} raised {describe(index)}")
    values = batch.values
    bad = np.flatnonzero(~np.isfinite(values.reshape(count, -1)).all(axis=1))
    if bad.size:
        raise ValueError(f"{name} returned a non-finite value {describe(int(bad[0]))}")
    return values
