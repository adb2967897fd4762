"""Greedy graph colourings that decide which columns are perturbed together.

Two columns of a Jacobian may share a perturbation when no row has a nonzero
in both (they are *structurally orthogonal*, Curtis, Powell & Reid 1974):
then each row of the compressed difference holds at most one unknown entry.
That is a colouring of the *column intersection graph*, where columns ``i``
and ``j`` are neighbours when they share a row. The graph is never built:
the neighbours of column ``j`` are read through the pattern as
``{columns of row r : r in rows of column j}``, so these kernels take the
pattern twice, by columns (``column_pointers``, ``column_rows``) and by rows
(``row_pointers``, ``row_columns``).

For a Hessian computed from differences of the gradient, symmetry allows
fewer colours: a *star colouring* of the adjacency graph of the pattern
(proper, and no path on four vertices uses only two colours) lets every
entry ``H_ij`` be read directly from the difference of the colour of ``j``
(row ``i``) or of the colour of ``i`` (row ``j``) (Coleman & Moré 1984;
Gebremedhin, Manne & Pothen 2005).

Greedy colouring visits the vertices in some order and gives each the
smallest colour its constraints allow; the order decides the number of
colours. Three orders are offered: the natural order, largest degree first,
and smallest-last (Matula & Beck 1983), which repeatedly removes a vertex of
smallest remaining degree and colours in the reverse order of removal.

Colours are numbered 0, 1, ...; index arrays are int64.
"""

import numpy as np
from numba import njit

#: Codes of the vertex orders (strings do not enter kernels).
NATURAL = 0
LARGEST_FIRST = 1
SMALLEST_LAST = 2


@njit(cache=True, nogil=True)
def intersection_degrees(column_pointers, column_rows, row_pointers, row_columns):
    """Degree of every column in the column intersection graph.

    Parameters
    ----------
    column_pointers, column_rows : ndarray of int64
        The pattern by columns (CSC): the rows of column ``j`` are
        ``column_rows[column_pointers[j]:column_pointers[j + 1]]``.
    row_pointers, row_columns : ndarray of int64
        The same pattern by rows (CSR).

    Returns
    -------
    ndarray of int64, shape (n,)
        Number of other columns sharing at least one row with each column.
    """
    n = column_pointers.shape[0] - 1
    degrees = np.zeros(n, dtype=np.int64)
    seen = np.full(n, -1, dtype=np.int64)
    for j in range(n):
        seen[j] = j
        count = 0
        for p in range(column_pointers[j], column_pointers[j + 1]):
            r = column_rows[p]
            for q in range(row_pointers[r], row_pointers[r + 1]):
                k = row_columns[q]
                if seen[k] != j:
                    seen[k] = j
                    count += 1
        degrees[j] = count
    return degrees


@njit(cache=True, nogil=True)
def largest_first_order(degrees):
    """Vertices by decreasing degree, ties in natural order (a stable counting sort)."""
    n = degrees.shape[0]
    top = 0
    for j in range(n):
        top = max(top, degrees[j])
    starts = np.zeros(top + 2, dtype=np.int64)
    for j in range(n):
        starts[top - degrees[j] + 1] += 1
    for d in range(1, top + 2):
        starts[d] += starts[d - 1]
    order = np.empty(n, dtype=np.int64)
    for j in range(n):
        slot = top - degrees[j]
        order[starts[slot]] = j
        starts[slot] += 1
    return order


@njit(cache=True, nogil=True)
def smallest_last_order(column_pointers, column_rows, row_pointers, row_columns, degrees):
    """Smallest-last order of the column intersection graph.

    Vertices sit in buckets by remaining degree (doubly linked lists); the
    vertex removed k-th from the end is placed k-th from the end of the order.
    Arguments as for :func:`intersection_degrees`; ``degrees`` is its result.
    """
    n = degrees.shape[0]
    remaining = degrees.copy()
    top = 0
    for j in range(n):
        top = max(top, remaining[j])
    head = np.full(top + 1, -1, dtype=np.int64)
    following = np.full(n, -1, dtype=np.int64)
    preceding = np.full(n, -1, dtype=np.int64)
    for j in range(n - 1, -1, -1):
        d = remaining[j]
        following[j] = head[d]
        if head[d] >= 0:
            preceding[head[d]] = j
        head[d] = j
    removed = np.zeros(n, dtype=np.bool_)
    seen = np.full(n, -1, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    lowest = 0
    for slot in range(n - 1, -1, -1):
        while head[lowest] < 0:
            lowest += 1
        v = head[lowest]
        _unlink(v, lowest, head, following, preceding)
        removed[v] = True
        order[slot] = v
        seen[v] = v
        for p in range(column_pointers[v], column_pointers[v + 1]):
            r = column_rows[p]
            for q in range(row_pointers[r], row_pointers[r + 1]):
                u = row_columns[q]
                if seen[u] == v or removed[u]:
                    continue
                seen[u] = v
                d = remaining[u]
                _unlink(u, d, head, following, preceding)
                remaining[u] = d - 1
                following[u] = head[d - 1]
                preceding[u] = -1
                if head[d - 1] >= 0:
                    preceding[head[d - 1]] = u
                head[d - 1] = u
        # Removing v lowers degrees by at most one.
        lowest = max(lowest - 1, 0)
    return order


@njit(cache=True, inline="always")
def _unlink(v, d, head, following, preceding):
    if preceding[v] >= 0:
        following[preceding[v]] = following[v]
    else:
        head[d] = following[v]
    if following[v] >= 0:
        preceding[following[v]] = preceding[v]
    following[v] = -1
    preceding[v] = -1


@njit(cache=True, nogil=True)
def greedy_column_coloring(column_pointers, column_rows, row_pointers, row_columns, order):
    """Colour columns so that no two columns of one colour share a row.

    Parameters
    ----------
    column_pointers, column_rows, row_pointers, row_columns : ndarray of int64
        The pattern by columns and by rows (see :func:`intersection_degrees`).
    order : ndarray of int64, shape (n,)
        The order in which columns are coloured.

    Returns
    -------
    colors : ndarray of int64, shape (n,)
    n_colors : int
        At most the maximum degree of the intersection graph plus one.
    """
    n = column_pointers.shape[0] - 1
    colors = np.full(n, -1, dtype=np.int64)
    # forbidden[c] == v: colour c is taken by a neighbour of v.
    forbidden = np.full(n + 1, -1, dtype=np.int64)
    n_colors = 0
    for v in order:
        for p in range(column_pointers[v], column_pointers[v + 1]):
            r = column_rows[p]
            for q in range(row_pointers[r], row_pointers[r + 1]):
                c = colors[row_columns[q]]
                if c >= 0:
                    forbidden[c] = v
        c = 0
        while forbidden[c] == v:
            c += 1
        colors[v] = c
        n_colors = max(n_colors, c + 1)
    return colors, n_colors


@njit(cache=True, nogil=True)
def star_coloring(pointers, neighbours, order):
    """Greedy star colouring of the graph of a symmetric pattern.

    A vertex ``v`` may not take the colour of: a neighbour ``w``; a vertex
    ``x`` two steps away through a still uncoloured ``w`` (that ``w`` may later
    be the middle of a two-coloured path); a vertex ``x`` two steps away
    through a coloured ``w`` when ``x`` has another neighbour ``y`` of the
    colour of ``w`` (``v-w-x-y`` would use two colours). This is Algorithm 4.1
    of Gebremedhin, Manne & Pothen (SIAM Review 47, 2005).

    Parameters
    ----------
    pointers, neighbours : ndarray of int64
        The symmetric pattern by rows (CSR); diagonal entries are ignored.
    order : ndarray of int64, shape (n,)
        The order in which vertices are coloured.

    Returns
    -------
    colors : ndarray of int64, shape (n,)
    n_colors : int
    """
    n = pointers.shape[0] - 1
    colors = np.full(n, -1, dtype=np.int64)
    forbidden = np.full(n + 1, -1, dtype=np.int64)
    n_colors = 0
    for v in order:
        for p in range(pointers[v], pointers[v + 1]):
            w = neighbours[p]
            if w == v:
                continue
            if colors[w] >= 0:
                forbidden[colors[w]] = v
            for q in range(pointers[w], pointers[w + 1]):
                x = neighbours[q]
                if x == v or x == w or colors[x] < 0:
                    continue
                if colors[w] < 0:
                    forbidden[colors[x]] = v
                    continue
                for s in range(pointers[x], pointers[x + 1]):
                    y = neighbours[s]
                    if y != w and y != x and colors[y] == colors[w]:
                        forbidden[colors[x]] = v
                        break
        c = 0
        while forbidden[c] == v:
            c += 1
        colors[v] = c
        n_colors = max(n_colors, c + 1)
    return colors, n_colors


@njit(cache=True, nogil=True)
def color_columns(
    column_pointers, column_rows, row_pointers, row_columns, orderings, lower_bound, symmetric
):
    """Greedy colourings in several vertex orders; the one with fewest colours.

    Parameters
    ----------
    column_pointers, column_rows, row_pointers, row_columns : ndarray of int64
        The pattern by columns and by rows. The orders use the degrees of
        the graph whose neighbours of ``j`` are the columns of the rows of
        column ``j``: for a star colouring pass the identity as the column
        structure (``arange(n + 1)``, ``arange(n)``) so that this is the
        graph of the symmetric pattern itself.
    orderings : ndarray of int64
        Codes (:data:`NATURAL`, :data:`LARGEST_FIRST`, :data:`SMALLEST_LAST`)
        tried in this order; ties keep the earlier one.
    lower_bound : int
        A number of colours no colouring can beat (for columns, the largest
        number of entries in a row): once reached, the remaining orders are
        skipped.
    symmetric : bool
        Star colouring of the graph of the symmetric pattern given by rows
        (Hessians) instead of a colouring of the column intersection graph
        (Jacobians).

    Returns
    -------
    colors : ndarray of int64, shape (n,)
    n_colors : int
    ordering : int
        Code of the order that produced ``colors``.
    """
    n = column_pointers.shape[0] - 1
    best = np.zeros(n, dtype=np.int64)
    best_count = n + 1
    best_ordering = orderings[0]
    degrees = np.empty(0, dtype=np.int64)
    for code in orderings:
        if code == NATURAL:
            order = np.arange(n)
        else:
            if degrees.shape[0] != n:
                degrees = intersection_degrees(
                    column_pointers, column_rows, row_pointers, row_columns
                )
            if code == LARGEST_FIRST:
                order = largest_first_order(degrees)
            else:
                order = smallest_last_order(
                    column_pointers, column_rows, row_pointers, row_columns, degrees
                )
        if symmetric:
            colors, count = star_coloring(row_pointers, row_columns, order)
        else:
            colors, count = greedy_column_coloring(
                column_pointers, column_rows, row_pointers, row_columns, order
            )
        if count < best_count:
            best, best_count, best_ordering = colors, count, code
        if best_count <= lower_bound:
            break
    return best, best_count, best_ordering


@njit(cache=True, nogil=True)
def color_groups(colors, n_colors):
    """Columns grouped by colour (a counting sort).

    Returns
    -------
    group_pointers : ndarray of int64, shape (n_colors + 1,)
    group_columns : ndarray of int64, shape (n,)
        Columns of colour ``c`` are
        ``group_columns[group_pointers[c]:group_pointers[c + 1]]``, increasing.
    """
    n = colors.shape[0]
    group_pointers = np.zeros(n_colors + 1, dtype=np.int64)
    for j in range(n):
        group_pointers[colors[j] + 1] += 1
    for c in range(n_colors):
        group_pointers[c + 1] += group_pointers[c]
    fill = group_pointers[:-1].copy()
    group_columns = np.empty(n, dtype=np.int64)
    for j in range(n):
        c = colors[j]
        group_columns[fill[c]] = j
        fill[c] += 1
    return group_pointers, group_columns


@njit(cache=True, nogil=True)
def first_column_conflict(row_pointers, row_columns, colors):
    """First row holding two columns of one colour, as ``(row, column, column)``.

    Returns ``(-1, -1, -1)`` when ``colors`` is a valid column colouring of
    the pattern. Used to check a colouring passed in by the user.
    """
    n = colors.shape[0]
    n_colors = 0
    for j in range(n):
        n_colors = max(n_colors, colors[j] + 1)
    owner = np.full(max(n_colors, 1), -1, dtype=np.int64)
    stamp = np.full(max(n_colors, 1), -1, dtype=np.int64)
    for r in range(row_pointers.shape[0] - 1):
        for p in range(row_pointers[r], row_pointers[r + 1]):
            j = row_columns[p]
            c = colors[j]
            if stamp[c] == r:
                return r, owner[c], j
            stamp[c] = r
            owner[c] = j
    return -1, -1, -1
