"""Compressed Jacobian kernels: one evaluation per colour group and stencil point.

All columns of one colour (see :mod:`fastdiff.kernels.coloring`) are
perturbed at once, each by its own step; since no row holds two of them, row
``r`` of the difference belongs to the one column of that colour in row
``r``. Two steps:

1. :func:`color_differences_serial` / :func:`color_differences_parallel`
   compute, for every colour ``c``, the stencil sum
   ``d_c = sum_q w_q f(x + o_q s_c)`` (``f(x)`` where ``o_q = 0``), where
   ``s_c`` holds the steps of the columns of colour ``c`` and zeros
   elsewhere. The weights of :mod:`fastdiff.stencils` are applied as the
   values arrive (the one pass of
   :func:`fastdiff.kernels._calling.accumulate_vector`), in stencil order;
2. :func:`recover_jacobian` divides each pattern entry by the step of its
   column: ``J_rj = d_{colors[j]}[r] / h_j``.

Both drivers add the terms of a colour in the same order, so serial,
parallel and the Python-callable path (:func:`sum_color_terms`) agree to
the last bit.

``f`` is a jitted function or the address of its compiled code, as for every
kernel (see :mod:`fastdiff.kernels._calling`).

Shapes: ``x``, ``h`` (n,); ``group_pointers`` (n_colors + 1,) and
``group_columns`` (n,), the columns of each colour (int64); ``offsets``,
``weights`` (k,), one stencil row of :mod:`fastdiff.stencils`; ``slots``
(k',) int64, the points of the row with a nonzero offset and weight (the
ones evaluated); ``f0`` (m,), ``f(x)`` where the stencil uses it (any
finite values otherwise); ``differences`` (n_colors, m); ``status``
(n_colors, k) int8, zeroed by the caller; ``entry_offsets`` (nnz,) int64,
``colors[j] * m + r`` for the entry ``(r, j)`` at each CSR position;
``row_columns`` (nnz,) int64; ``data`` (nnz,).
"""

from numba import njit, prange

from fastdiff.kernels._calling import accumulate_values, accumulate_vector
from fastdiff.kernels._partition import chunk_bounds, chunk_count
from fastdiff.kernels.drivers import first_non_finite
from fastdiff.status import OK
from fastdiff.steps import fill_steps


@njit(cache=True, error_model="numpy", inline="always")
def _perturb_group(x, x_work, h, group_pointers, group_columns, c, o):
    # x_work = x + o * s_c on the columns of colour c (others untouched).
    for p in range(group_pointers[c], group_pointers[c + 1]):
        j = group_columns[p]
        x_work[j] = x[j] + o * h[j]


@njit(cache=True, error_model="numpy", inline="always")
def _restore_group(x, x_work, group_pointers, group_columns, c):
    for p in range(group_pointers[c], group_pointers[c + 1]):
        j = group_columns[p]
        x_work[j] = x[j]


@njit(cache=True, error_model="numpy", nogil=True)
def color_differences_serial(
    f, x, args, h, group_pointers, group_columns, offsets, weights, f0, differences, status
):
    """Stencil sums of ``f`` along each colour group, one thread.

    Parameters
    ----------
    f : jitted function or int
        Function ``f(x, *args)`` of a 1-D float64 array returning a 1-D
        array of length m, or the address of the code Numba compiled for it.
    x : ndarray, shape (n,)
        Point.
    args : tuple
        Extra arguments of ``f`` (``()`` for ``f(x)``).
    h : ndarray, shape (n,)
        (Signed, representable) steps.
    group_pointers, group_columns : ndarray of int64
        Columns of each colour (:func:`fastdiff.kernels.coloring.color_groups`).
    offsets, weights : ndarray, shape (k,)
        The stencil row.
    f0 : ndarray, shape (m,)
        ``f(x)``, read where an offset is 0.
    differences : ndarray, shape (n_colors, m)
        Receives ``sum_q weights[q] * f(x + offsets[q] * s_c)`` in row ``c``.
    status : ndarray of int8, shape (n_colors, k)
        Receives the status of each evaluation.

    Notes
    -----
    ``n_colors * k'`` evaluations of ``f``.
    """
    x_work = x.copy()
    for c in range(differences.shape[0]):
        out = differences[c]
        out[:] = 0.0
        for q in range(offsets.shape[0]):
            w = weights[q]
            if w == 0.0:
                continue
            if offsets[q] == 0.0:
                accumulate_values(f0, w, out)
            else:
                # Each point of the colour overwrites the same columns, so
                # they are restored once, after the last (every pass over a
                # group touches all of x when the colours interleave).
                _perturb_group(x, x_work, h, group_pointers, group_columns, c, offsets[q])
                status[c, q] = accumulate_vector(f, x_work, args, w, out)
        _restore_group(x, x_work, group_pointers, group_columns, c)


@njit(cache=True, error_model="numpy", nogil=True)
def sum_color_terms(terms, offsets, weights, f0, differences):
    """``differences[c] = sum_q weights[q] * terms[c, q]`` in stencil order.

    ``terms[c, q]`` holds ``f(x + offsets[q] * s_c)`` (unweighted) where the
    offset is nonzero; ``f0`` stands in where it is 0. The sums are those of
    :func:`color_differences_serial`, bit for bit. Used by the parallel
    driver and by the Python-callable path.
    """
    for c in range(differences.shape[0]):
        out = differences[c]
        out[:] = 0.0
        for q in range(offsets.shape[0]):
            w = weights[q]
            if w == 0.0:
                continue
            accumulate_values(f0 if offsets[q] == 0.0 else terms[c, q], w, out)


@njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def color_differences_parallel(
    f,
    x,
    args,
    h,
    group_pointers,
    group_columns,
    offsets,
    weights,
    slots,
    f0,
    differences,
    status,
    terms,
    threads,
):
    """Same as :func:`color_differences_serial`, evaluations split across ``threads`` chunks.

    Each evaluation is stored on its own in ``terms`` (work space of shape
    (n_colors, k, m)), then :func:`sum_color_terms` adds them in the serial
    order. Do not call it inside a ``prange`` loop of your own.
    """
    n_colors = differences.shape[0]
    used = slots.shape[0]
    evaluations = n_colors * used
    chunks = chunk_count(evaluations, threads)
    for t in prange(chunks):
        lo, hi = chunk_bounds(evaluations, chunks, t)
        x_work = x.copy()
        for e in range(lo, hi):
            c = e // used
            q = slots[e - c * used]
            values = terms[c, q]
            values[:] = 0.0
            _perturb_group(x, x_work, h, group_pointers, group_columns, c, offsets[q])
            status[c, q] = accumulate_vector(f, x_work, args, 1.0, values)
            _restore_group(x, x_work, group_pointers, group_columns, c)
    sum_color_terms(terms, offsets, weights, f0, differences)


@njit(cache=True, error_model="numpy", nogil=True)
def recover_jacobian(h, differences, entry_offsets, row_columns, data):
    """Entries of the pattern: ``data[p] = differences.flat[entry_offsets[p]] / h[j]``.

    ``entry_offsets[p]`` is ``colors[j] * m + r`` for the entry ``(r, j)``
    at CSR position ``p``: computed once per pattern, it turns the recovery
    into one flat pass over the entries.
    """
    flat = differences.ravel()
    for p in range(row_columns.shape[0]):
        data[p] = flat[entry_offsets[p]] / h[row_columns[p]]


@njit(cache=True, error_model="numpy", nogil=True)
def steps_at(x, step, exponent, eps, h):
    """Fill ``h`` with the steps at ``x`` (:func:`fastdiff.steps.fill_steps`).

    Returns the first non-finite coordinate of ``x`` (then ``h`` is not
    filled), or -1.
    """
    bad = first_non_finite(x)
    if bad < 0:
        fill_steps(x, step, exponent, eps, h)
    return bad


@njit(cache=True, error_model="numpy", nogil=True)
def vector_setup(f, x, args, step, exponent, eps, needs_center, h, f0):
    """Steps and, if ``needs_center``, ``f0 = f(x)``; ``f0`` (m,) is overwritten.

    Returns ``(bad_coordinate, f0_status)``: the first non-finite entry of
    ``x`` or -1 (then nothing is evaluated), and the status of ``f(x)``
    (OK when it is not needed).
    """
    f0[:] = 0.0
    bad = steps_at(x, step, exponent, eps, h)
    if bad >= 0 or not needs_center:
        return bad, OK
    return bad, accumulate_vector(f, x, args, 1.0, f0)
