"""Bounds: keeping every stencil point inside the box ``lb <= x <= ub``.

They turn the user's bounds into arrays, check the point, say whether a
stencil fits in the box (:func:`fits_in_box`, the one test of it), and choose
for each coordinate a stencil and a step whose points all stay inside the box
(the per-coordinate loop is compiled: :mod:`fastdiff.kernels.bounds`); the
derivative kernels then run unchanged with these per-coordinate stencils.
Hessians get one stencil for all coordinates, with signed steps
(:func:`hessian_within`).

Per coordinate, for a first derivative:

* ``lb == ub``: the coordinate is fixed; its entry is 0 and ``f`` is not
  evaluated for it (scipy returned NaN there).
* central, room on both sides: central; else the second-order one-sided
  formula on the side with room for ``2 h``; else, with a shrunk step,
  central on the narrower side's room if it is at least 1/8 of the wider
  side's (rounding then favours central), or the one-sided formula on the
  wider side.
* forward (backward): as asked if there is room, else the other side, else
  the wider side with a shrunk step.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from fastdiff.kernels.bounds import first_derivative_within as stencils_within
from fastdiff.kernels.bounds import shrunk_step
from fastdiff.stencils import Method, resolve_method, stencil_row

#: Width of per-coordinate stencil tables built here (room for 3 points).
TABLE_WIDTH = 3

#: Offsets of the one-sided Hessian stencil (``x + h``, ``x + 2 h``), checked
#: against the box with a signed step.
_HESSIAN_SIDE = np.array([1.0, 2.0])


def as_bounds(bounds, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``bounds`` as two float arrays of length ``n`` (or None: no bounds).

    Accepts ``(lb, ub)`` with scalars or arrays (``-inf``/``inf`` for no
    bound) or a ``scipy.optimize.Bounds``.
    """
    if bounds is None:
        return None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lower, upper = bounds.lb, bounds.ub
    else:
        try:
            lower, upper = bounds
        except (TypeError, ValueError):
            raise TypeError(
                f"bounds must be (lb, ub) or a scipy.optimize.Bounds; got {type(bounds).__name__}"
            ) from None
    arrays = []
    for name, value in (("lower bound", lower), ("upper bound", upper)):
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            array = None
        if array is not None and array.ndim <= 1 and array.size == 1:
            array = np.full(n, float(array.reshape(())))
        elif array is None or array.shape != (n,):
            raise ValueError(
                f"bounds: the {name} must be a number or an array of length {n} (one per "
                f"coordinate of x); got {np.shape(value) if np.ndim(value) else value!r}"
            )
        else:
            array = array.copy()
        if np.isnan(array).any():
            raise ValueError(f"bounds: the {name} must not be NaN")
        arrays.append(array)
    lb, ub = arrays
    bad = np.flatnonzero(lb > ub)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"bounds: lb[{i}] = {lb[i]} is above ub[{i}] = {ub[i]}")
    return lb, ub


def point_inside(x: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """``x`` if it lies in the box, up to one unit in the last place.

    A point one ulp outside (what an optimizer's arithmetic can produce, and
    ``-0.0`` against a bound of 0) is moved onto the bound; anything further
    out is a ``ValueError`` that names the coordinate.
    """
    below = x < lb
    above = x > ub
    if not (below.any() or above.any()):
        return x
    outside = (below & (np.nextafter(x, np.inf) < lb)) | (above & (np.nextafter(x, -np.inf) > ub))
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise ValueError(f"x must lie within bounds; x[{i}] = {x[i]} is outside [{lb[i]}, {ub[i]}]")
    return np.clip(x, lb, ub)


def first_derivative_within(
    method: Method, x: np.ndarray, h: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-coordinate stencils and steps that keep all points in the box.

    Parameters
    ----------
    method : Method
        A stencil method (:func:`fastdiff.stencils.resolve_method`).
    x : ndarray, shape (n,)
        A point inside the box.
    h : ndarray, shape (n,)
        Positive default (or user) steps.
    lb, ub : ndarray, shape (n,)

    Returns
    -------
    offsets, weights : ndarray, shape (n, TABLE_WIDTH)
        A row of zero weights marks a fixed coordinate.
    steps : ndarray, shape (n,)
        Positive steps, shrunk where the box is narrower than the stencil
        (unused for fixed coordinates).
    """
    offsets, weights, steps, narrow = stencils_within(x, h, lb, ub, *_candidate_tables(method))
    if narrow >= 0:
        raise _too_narrow(x, lb, ub, narrow)
    return offsets, weights, steps


@lru_cache(maxsize=4)
def _candidate_tables(method: Method) -> tuple[np.ndarray, ...]:
    """Preferred stencils of ``method`` and the pair used with a shrunk step."""
    tables = []
    for stencils in (method.within_box, method.shrunk_within_box):
        rows = [stencil_row(s, TABLE_WIDTH) for s in stencils]
        tables += [np.array([r[0] for r in rows]), np.array([r[1] for r in rows])]
    return tuple(tables)


def _too_narrow(x, lb, ub, i: int) -> ValueError:
    return ValueError(
        f"bounds: the box is too narrow at x[{i}] = {x[i]} for any finite "
        f"difference ([{lb[i]}, {ub[i]}])"
    )


def fits_in_box(x, h, offsets, lb, ub) -> np.ndarray:
    """Which coordinates have all their points ``x_i + o * h_i`` (``o`` in ``offsets``) in the box.

    Parameters
    ----------
    x, h, lb, ub : ndarray, shape (k,)
        Coordinates, their (signed) steps and bounds.
    offsets : iterable of float
        Multiples of the step at which ``f`` would be evaluated.

    Returns
    -------
    ndarray of bool, shape (k,)
    """
    inside = np.ones(x.shape[0], dtype=bool)
    for o in offsets:
        point = x + o * h
        inside &= (lb <= point) & (point <= ub)
    return inside


def hessian_steps_within(
    x: np.ndarray, h: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> tuple[bool, np.ndarray, np.ndarray]:
    """Steps for a Hessian whose points stay in the box.

    Returns
    -------
    central : bool
        True if every coordinate has room for ``x +- h`` (central stencil);
        otherwise the one-sided stencil is used with signed steps, each
        pointing to the side with room for ``2 |h|`` (shrunk if needed).
    steps : ndarray, shape (n,)
        Signed steps.
    fixed : ndarray of bool, shape (n,)
        Coordinates with ``lb == ub``: their rows and columns are 0.
    """
    fixed = lb == ub
    # A fixed coordinate gets a zero step: its points coincide with x, inside
    # the box, and its row and column are set to 0 afterwards.
    if (fixed | fits_in_box(x, h, (-1.0, 1.0), lb, ub)).all():
        return True, np.where(fixed, 0.0, h), fixed
    forward = ~fixed & fits_in_box(x, h, (1.0, 2.0), lb, ub)
    backward = ~fixed & ~forward & fits_in_box(x, -h, (1.0, 2.0), lb, ub)
    steps = np.where(forward, h, np.where(backward, -h, 0.0))
    for i in np.flatnonzero(~(fixed | forward | backward)):
        above, below = ub[i] - x[i], x[i] - lb[i]
        direction = 1.0 if above >= below else -1.0
        step = shrunk_step(x[i], max(above, below), direction, _HESSIAN_SIDE, lb[i], ub[i])
        if step == 0.0:
            raise _too_narrow(x, lb, ub, int(i))
        steps[i] = step
    return False, steps, fixed


def hessian_within(
    method: Method, x: np.ndarray, h: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> tuple[Method, np.ndarray, np.ndarray]:
    """The Hessian stencil and signed steps whose points stay in the box.

    Central differences stay central where all their points fit; otherwise
    (and for one-sided methods) :func:`hessian_steps_within` chooses.

    Returns
    -------
    method : Method
        The stencil to evaluate (central or forward; signed steps give the side).
    steps : ndarray, shape (n,)
    fixed : ndarray of bool, shape (n,)
        Coordinates with ``lb == ub``: their rows and columns are 0.
    """
    if method.symmetric:
        stencil = method.second
        offsets = set(stencil.axis_offsets) | {o for pair in stencil.pair_offsets for o in pair}
        if fits_in_box(x, h, sorted(offsets), lb, ub).all():
            fixed = lb == ub
            return method, np.where(fixed, 0.0, h), fixed
    central, steps, fixed = hessian_steps_within(x, np.abs(h), lb, ub)
    return resolve_method("central" if central else "forward"), steps, fixed
