"""Column colourings: greedy (Jacobians) and star (Hessians), and checks that one fits."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse

from fastdiff.kernels import coloring as coloring_kernels
from fastdiff.sparse.patterns import as_pattern, symmetric_pattern
from fastdiff.validation import check_choice

#: Vertex orders of the greedy colouring; ``"best"`` tries them all.
ORDERINGS = ("natural", "largest_first", "smallest_last")
_ORDERING_CODES = {
    "natural": coloring_kernels.NATURAL,
    "largest_first": coloring_kernels.LARGEST_FIRST,
    "smallest_last": coloring_kernels.SMALLEST_LAST,
}


@dataclass(frozen=True, eq=False)
class Coloring:
    """Columns grouped so that each group is perturbed in one evaluation.

    Compute it once with :func:`color_jacobian` or :func:`color_hessian` and
    pass it as ``coloring=`` for every later pattern of the same structure.

    Attributes
    ----------
    colors : ndarray of int64, shape (n,)
        Colour of each column, from 0 to ``n_colors - 1``.
    n_colors : int
        Number of groups: evaluations per stencil point.
    ordering : str
        Vertex order of the greedy colouring that gave the fewest colours,
        one of :data:`ORDERINGS`, or ``"given"`` for groups the user gave
        (``sparsity=(pattern, groups)``).
    kind : {"column", "star"}
        ``"column"``: no two columns of a group share a row (Jacobians).
        ``"star"``: a star colouring of a symmetric pattern (Hessians from
        gradient differences).
    shape : tuple of int
        Shape of the pattern it was computed for.
    """

    colors: np.ndarray
    n_colors: int
    ordering: str
    kind: str
    shape: tuple[int, int]
    group_pointers: np.ndarray = field(repr=False)
    group_columns: np.ndarray = field(repr=False)

    @property
    def groups(self) -> tuple[np.ndarray, ...]:
        """The columns of each colour, increasing, one array per colour."""
        return tuple(np.split(self.group_columns, self.group_pointers[1:-1]))


def color_jacobian(sparsity, *, ordering: str = "best") -> Coloring:
    """Group the columns of a Jacobian pattern for compressed evaluation.

    Parameters
    ----------
    sparsity : scipy.sparse matrix or boolean array_like, shape (m, n)
        Where the Jacobian may be nonzero.
    ordering : {"best", "natural", "largest_first", "smallest_last"}
        Vertex order of the greedy colouring. ``"best"`` tries them in this
        order and keeps the fewest colours, stopping early when the largest
        number of entries in a row (a lower bound) is reached.

    Returns
    -------
    Coloring
        ``kind="column"``: no two columns of a group share a row. The number
        of colours is at most the largest degree of the column intersection
        graph plus one.

    Examples
    --------
    >>> import numpy as np, scipy.sparse, fastdiff
    >>> pattern = scipy.sparse.eye(1000) + scipy.sparse.eye(1000, k=1) + scipy.sparse.eye(1000, k=-1)
    >>> fastdiff.sparse.color_jacobian(pattern).n_colors
    3
    """
    pattern = as_pattern(sparsity)
    return _color(pattern, _ordering_codes(ordering), symmetric=False)


def color_hessian(sparsity, *, ordering: str = "best") -> Coloring:
    """Star colouring of a symmetric pattern, for Hessians from gradient differences.

    Parameters
    ----------
    sparsity : scipy.sparse matrix or boolean array_like, shape (n, n)
        Symmetric; the diagonal is always included.
    ordering : {"best", "natural", "largest_first", "smallest_last"}
        As for :func:`color_jacobian` (degrees of the pattern's graph).

    Returns
    -------
    Coloring
        ``kind="star"``: every entry ``(i, j)`` is the only one of its
        colour in row ``i``, or ``(j, i)`` is in row ``j``. Often about half
        the colours of :func:`color_jacobian` on the same pattern (an
        arrow-head needs 2 instead of ``n``).
    """
    pattern = symmetric_pattern(sparsity)
    return _color(pattern, _ordering_codes(ordering), symmetric=True)


def _ordering_codes(ordering) -> np.ndarray:
    choices = ("best", *ORDERINGS)
    check_choice(ordering, choices, "ordering")
    names = ORDERINGS if ordering == "best" else (ordering,)
    return np.array([_ORDERING_CODES[name] for name in names], dtype=np.int64)


def _color(pattern: scipy.sparse.csr_matrix, codes: np.ndarray, symmetric: bool) -> Coloring:
    m, n = pattern.shape
    if symmetric:
        # Orders follow the degrees of the pattern's own graph (see the kernel).
        column_pointers = np.arange(n + 1, dtype=np.int64)
        column_rows = np.arange(n, dtype=np.int64)
        lower_bound = 1 if pattern.nnz == n else 2
    else:
        by_columns = pattern.tocsc()
        column_pointers = by_columns.indptr.astype(np.int64)
        column_rows = by_columns.indices.astype(np.int64)
        lower_bound = int(np.diff(pattern.indptr).max())
    colors, n_colors, code = coloring_kernels.color_columns(
        column_pointers,
        column_rows,
        pattern.indptr,
        pattern.indices,
        codes,
        lower_bound,
        symmetric,
    )
    ordering = ORDERINGS[[_ORDERING_CODES[o] for o in ORDERINGS].index(code)]
    return _make_coloring(
        colors, int(n_colors), ordering, "star" if symmetric else "column", (m, n)
    )


def _make_coloring(colors, n_colors, ordering, kind, shape) -> Coloring:
    group_pointers, group_columns = coloring_kernels.color_groups(colors, n_colors)
    for array in (colors, group_pointers, group_columns):
        array.flags.writeable = False
    return Coloring(colors, n_colors, ordering, kind, shape, group_pointers, group_columns)


#: ``Coloring.ordering`` of column groups the user gave (scipy's ``sparsity=(pattern, groups)``).
GIVEN_ORDERING = "given"


def split_groups(sparsity):
    """``(pattern, groups)`` of scipy's ``sparsity=(pattern, groups)`` form, else ``(sparsity, None)``.

    A tuple of two whose first item is 2-D (a matrix) and second 1-D is that
    form; a tuple of rows (a 2-D pattern written as a tuple) is not.
    """
    if (
        type(sparsity) is tuple
        and len(sparsity) == 2
        and (scipy.sparse.issparse(sparsity[0]) or np.ndim(sparsity[0]) == 2)
        and np.ndim(sparsity[1]) == 1
    ):
        return sparsity
    return sparsity, None


def coloring_from_groups(pattern: scipy.sparse.csr_matrix, groups) -> Coloring:
    """The column colouring given as a group index per column (scipy's ``group_columns``).

    Parameters
    ----------
    pattern : scipy.sparse.csr_matrix, shape (m, n)
        From :func:`fastdiff.sparse.patterns.as_pattern`.
    groups : array_like of int, shape (n,)
        Group of each column, integers ``>= 0``; the groups are numbered
        0, 1, ... in increasing order of the given indices.

    Raises
    ------
    TypeError
        ``groups`` does not hold integers.
    ValueError
        Its length is not ``n``, an index is negative, or two columns of
        one group share a row of the pattern (they cannot be perturbed
        together).
    """
    n = pattern.shape[1]
    array = np.asarray(groups)
    if array.dtype.kind not in "iu":
        raise TypeError(
            "sparsity=(pattern, groups): groups must be integers, a group index per column "
            f"(as scipy.optimize._numdiff.group_columns returns); got dtype {array.dtype}"
        )
    if array.shape != (n,):
        raise ValueError(
            f"sparsity=(pattern, groups): groups must have one entry per column of the "
            f"pattern ({n}); got shape {array.shape}"
        )
    if (array < 0).any():
        raise ValueError("sparsity=(pattern, groups): group indices must be >= 0")
    labels, colors = np.unique(array, return_inverse=True)
    colors = colors.astype(np.int64).reshape(n)
    row, first, second = coloring_kernels.first_column_conflict(
        pattern.indptr, pattern.indices, colors
    )
    if row >= 0:
        raise ValueError(
            f"sparsity=(pattern, groups): the groups are not a valid colouring of the "
            f"pattern; columns {first} and {second} share row {row} but are both in group "
            f"{array[first]}"
        )
    return _make_coloring(colors, labels.shape[0], GIVEN_ORDERING, "column", pattern.shape)


def coloring_for(pattern, coloring, symmetric: bool) -> Coloring:
    """The colouring to use: computed, or the user's checked against the pattern."""
    if coloring is None:
        return _color(pattern, _ordering_codes("best"), symmetric)
    kind = "star" if symmetric else "column"
    if not isinstance(coloring, Coloring):
        maker = "color_hessian" if symmetric else "color_jacobian"
        raise TypeError(
            f"coloring must be a fastdiff.sparse.Coloring (from {maker}); "
            f"got {type(coloring).__name__}"
        )
    if coloring.kind != kind:
        maker = "color_hessian" if symmetric else "color_jacobian"
        raise ValueError(
            f"coloring must be a {kind!r} colouring (from {maker}); got a {coloring.kind!r} one"
        )
    if tuple(coloring.shape) != pattern.shape:
        raise ValueError(
            f"coloring was computed for a pattern of shape {tuple(coloring.shape)}; "
            f"sparsity has shape {pattern.shape}"
        )
    if not symmetric:
        # A writable copy: the kernel has one compiled version, for writable arrays.
        row, first, second = coloring_kernels.first_column_conflict(
            pattern.indptr, pattern.indices, coloring.colors.copy()
        )
        if row >= 0:
            raise ValueError(
                f"coloring does not fit sparsity: columns {first} and {second} share row {row} "
                f"but have the same colour {coloring.colors[first]}"
            )
    return coloring


def check_star_recovery(pattern, alone: np.ndarray, transpose: np.ndarray) -> None:
    missing = np.flatnonzero(~(alone | alone[transpose]))
    if missing.size:
        p = int(missing[0])
        i = int(np.searchsorted(pattern.indptr, p, side="right") - 1)
        j = int(pattern.indices[p])
        raise ValueError(
            f"coloring does not fit sparsity: entry ({i}, {j}) cannot be recovered (another "
            f"column of row {i} has the colour of {j}, and another column of row {j} has the "
            f"colour of {i}); use color_hessian on this pattern"
        )
