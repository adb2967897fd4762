"""Sparse Jacobians whose columns have stencils of their own (within bounds).

Near a bound the dense derivatives give each coordinate its own stencil and
step (:func:`fastdiff.bounds.first_derivative_within`). The colour groups
still work: one evaluation per colour and stencil *slot* moves every column
of the group by its own offset (0 for a column whose stencil has fewer
points), and since no row holds two columns of a group, row ``r`` of that
evaluation belongs to one column only, which applies its own weights
(scipy's sparse differences do the same with their one-sided mask).

A column's stencil, a row of the per-coordinate tables, is compacted: its
points with a nonzero offset and weight go to the first slots, its weight
on ``f(x)`` is kept apart (:class:`ColumnStencils`). A colour is evaluated
at a slot only when one of its columns moves there, so a box that the
method's own stencil fits costs what the derivative without bounds costs:
``2 * n_colors`` evaluations for central differences, ``n_colors + 1`` for
one-sided ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fastdiff.sparse.coloring import Coloring


@dataclass(frozen=True)
class ColumnStencils:
    """Per-column stencils in slots, as the compressed evaluation takes them.

    Attributes
    ----------
    displacements : ndarray, shape (k, n)
        ``offset * h_j`` of column ``j`` at slot ``q`` (0 where the column
        stays at ``x_j``); a point is ``x_j + displacements[q, j]``, the
        kernels' ``x_j + o * h_j``.
    slot_weights : ndarray, shape (k, n)
        The weight of each displacement.
    center_weights : ndarray, shape (n,)
        Weight of ``f(x)`` per column.
    steps : ndarray, shape (n,)
        The divisor of each column (1 where a column has no stencil: a fixed
        coordinate, whose entries are 0).
    active : ndarray of bool, shape (k, n_colors)
        Which colours are evaluated at each slot.
    """

    displacements: np.ndarray
    slot_weights: np.ndarray
    center_weights: np.ndarray
    steps: np.ndarray
    active: np.ndarray

    @classmethod
    def from_tables(
        cls, offsets: np.ndarray, weights: np.ndarray, h: np.ndarray, coloring: Coloring
    ) -> ColumnStencils:
        """From per-coordinate tables of shape (n, w) and steps (n,).

        ``offsets`` may be one shared row, shape (1, w) or (w,).
        """
        n = h.shape[0]
        offsets = np.broadcast_to(np.atleast_2d(offsets), (n, np.shape(offsets)[-1]))
        weights = np.broadcast_to(np.atleast_2d(weights), offsets.shape)
        moves = (offsets != 0.0) & (weights != 0.0)
        k = max(1, int(moves.sum(axis=1).max()))
        # Slot of each moving point: its rank among its column's moving points.
        slot = np.cumsum(moves, axis=1) - 1
        columns, positions = np.nonzero(moves)
        slots = slot[columns, positions]
        displacements = np.zeros((k, n))
        slot_weights = np.zeros((k, n))
        displacements[slots, columns] = offsets[columns, positions] * h[columns]
        slot_weights[slots, columns] = weights[columns, positions]
        center_weights = np.where(offsets == 0.0, weights, 0.0).sum(axis=1)
        has_stencil = (weights != 0.0).any(axis=1)
        steps = np.where(has_stencil, h, 1.0)
        active = np.zeros((k, coloring.n_colors), dtype=bool)
        for q in range(k):
            active[q, np.unique(coloring.colors[displacements[q] != 0.0])] = True
        return cls(displacements, slot_weights, center_weights, steps, active)

    @property
    def needs_center(self) -> bool:
        """Whether some column weighs ``f(x)``."""
        return bool((self.center_weights != 0.0).any())

    @property
    def evaluations(self) -> int:
        """Evaluations of ``f``: the active colours of each slot, and ``f(x)`` if weighed."""
        return int(self.active.sum()) + int(self.needs_center)


def column_stencil_entries(
    stencils: ColumnStencils,
    f0: np.ndarray | None,
    values: np.ndarray,
    pattern,
    colors: np.ndarray,
) -> np.ndarray:
    """The pattern's entries, in CSR order, from the values at the slots.

    Parameters
    ----------
    stencils : ColumnStencils
    f0 : ndarray, shape (m,), or None
        ``f(x)``, when some column weighs it.
    values : ndarray, shape (k, n_colors, m)
        ``f`` at each slot and colour (read only where the colour is active).
    pattern : scipy.sparse.csr_matrix, shape (m, n)
    colors : ndarray of int64, shape (n,)

    Returns
    -------
    ndarray, shape (nnz,)
        ``(w0_j f0_r + sum_q w_qj values[q, colors[j], r]) / h_j`` per entry,
        summed as ``sum_q w_qj (values[q, colors[j], r] - f0_r)`` where the
        column weighs ``f(x)`` (``w0_j = -sum_q w_qj``).
    """
    m = pattern.shape[0]
    rows = np.repeat(np.arange(m), np.diff(pattern.indptr))
    columns = pattern.indices
    total = np.zeros(columns.shape[0])
    # A stencil weighing f(x) has weights summing to 0, so it is summed as
    # sum_q w_q (f_q - f0): an entry whose row does not move is then exactly
    # 0, not the rounding of -1.5 f0 + 2 f0 - 0.5 f0.
    centered = stencils.center_weights[columns] != 0.0
    entry_colors = colors[columns]
    for q in range(values.shape[0]):
        weights = stencils.slot_weights[q, columns]
        used = weights != 0.0
        terms = values[q, entry_colors[used], rows[used]]
        if f0 is not None:
            terms = np.where(centered[used], terms - f0[rows[used]], terms)
        total[used] += weights[used] * terms
    return total / stencils.steps[columns]
