"""Choosing, per coordinate, a stencil whose points stay inside the box.

The rules are those of :mod:`fastdiff.bounds` (which builds the candidate
tables and turns a failure into an error message); they are compiled because
a derivative with bounds is asked for at every iterate of a bounded
optimizer, and a Python loop over coordinates cost more than the
evaluations themselves.

Every test of a point is the kernels' own expression ``x_i + o * h_i``, so
a point found inside here is the point the kernels evaluate.
"""

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy", inline="always")
def _fits(x_i, h_i, offsets_row, lb_i, ub_i):
    # Padding (offset 0) tests x itself, which is inside.
    for k in range(offsets_row.shape[0]):
        point = x_i + offsets_row[k] * h_i
        if not (lb_i <= point <= ub_i):
            return False
    return True


@njit(cache=True, error_model="numpy")
def shrunk_step(x_i, room, direction, offsets_row, lb_i, ub_i):
    """Largest step towards ``direction`` whose stencil points fit in ``room``.

    Returns 0.0 when no non-zero step fits (a box narrower than the spacing
    of floats at ``x_i``).
    """
    largest = 0.0
    for k in range(offsets_row.shape[0]):
        largest = max(largest, abs(offsets_row[k]))
    h = direction * room / largest
    h = (x_i + h) - x_i
    while h != 0.0 and not _fits(x_i, h, offsets_row, lb_i, ub_i):
        h = np.nextafter(h, 0.0)
    return h


#: With a shrunk step, a central difference on the narrower side's room
#: ``r`` beats the second-order one-sided one on the wider side's room
#: ``R`` (step ``R / 2``) while ``r >= R / 8``: shrunk steps are below the
#: balance of truncation and rounding, so rounding decides, and its bound is
#: ``eps |f| / r`` for central against ``4 eps |f| / (R / 2)`` one-sided.
CENTRAL_ROOM_RATIO = 8.0


@njit(cache=True, error_model="numpy")
def first_derivative_within(
    x, h, lb, ub, preferred_offsets, preferred_weights, shrink_offsets, shrink_weights
):
    """Per-coordinate stencils and steps that keep every point in ``[lb, ub]``.

    Parameters
    ----------
    x, h, lb, ub : ndarray, shape (n,)
        Point (inside the box), positive steps, bounds.
    preferred_offsets, preferred_weights : ndarray, shape (s, w)
        Candidate stencils in order of preference; the first that fits with
        the step ``h_i`` is used.
    shrink_offsets, shrink_weights : ndarray, shape (2, w) or (3, w)
        Forward and backward stencils used, with a shrunk step, on the wider
        side when no candidate fits; a third row (central) is used instead,
        with the step the narrower side allows, when that side has at least
        ``1 / CENTRAL_ROOM_RATIO`` of the wider side's room.

    Returns
    -------
    offsets, weights : ndarray, shape (n, w)
        Zero rows for fixed coordinates (``lb == ub``).
    steps : ndarray, shape (n,)
        Positive steps.
    too_narrow : int
        First coordinate where not even a shrunk step fits, or -1.
    """
    n, width = x.shape[0], preferred_offsets.shape[1]
    offsets = np.zeros((n, width))
    weights = np.zeros((n, width))
    steps = h.copy()
    for i in range(n):
        if lb[i] == ub[i]:
            continue
        placed = False
        for s in range(preferred_offsets.shape[0]):
            if _fits(x[i], h[i], preferred_offsets[s], lb[i], ub[i]):
                offsets[i] = preferred_offsets[s]
                weights[i] = preferred_weights[s]
                placed = True
                break
        if placed:
            continue
        above, below = ub[i] - x[i], x[i] - lb[i]
        side = 0 if above >= below else 1
        if shrink_offsets.shape[0] > 2 and CENTRAL_ROOM_RATIO * min(above, below) >= max(
            above, below
        ):
            step = shrunk_step(x[i], min(above, below), 1.0, shrink_offsets[2], lb[i], ub[i])
            if step != 0.0:
                steps[i] = abs(step)
                offsets[i] = shrink_offsets[2]
                weights[i] = shrink_weights[2]
                continue
        step = shrunk_step(
            x[i],
            max(above, below),
            1.0,
            shrink_offsets[side],
            lb[i],
            ub[i],
        )
        if step == 0.0:
            return offsets, weights, steps, i
        steps[i] = abs(step)
        offsets[i] = shrink_offsets[side]
        weights[i] = shrink_weights[side]
    return offsets, weights, steps, -1
