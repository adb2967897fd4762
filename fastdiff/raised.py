"""The exception a compiled ``f`` raised inside a kernel, raised again for the user.

A kernel only records that ``f`` raised (a status per entry). To give the
user ``f``'s own exception (its type and message), ``f`` is called again
from Python at the stencil points of the first failed entry; the first
exception is raised with a note naming the point. Only one entry is
recovered: each call of a raising Numba function from Python costs memory
(Numba keeps about 0.5 KB of an exception raised with run-time values).
"""

from __future__ import annotations

import numpy as np

from fastdiff.status import RAISED


def raise_hessian_exception(f, x: np.ndarray, h: np.ndarray, stencil: tuple, status) -> None:
    """Raise ``f``'s exception at the first Hessian entry whose status is ``RAISED``.

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
        try:
            f(point)
        except Exception as error:
            where = " + ".join(f"{offset:g} * h[{k}] * e[{k}]" for k, offset in move)
            if hasattr(error, "add_note"):
                error.add_note(f"fastdiff: f raised at x + {where} (Hessian entry ({i}, {j}))")
            raise
    raise RuntimeError(
        f"f raised at the stencil points of Hessian entry ({i}, {j}) inside the kernel but not "
        "when called again from Python (does f depend on state other than x?)"
    )
