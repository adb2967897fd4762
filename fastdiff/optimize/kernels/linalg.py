"""Small dense solvers for the Newton step, without exceptions.

LAPACK through ``numpy.linalg`` raises on a singular or indefinite matrix;
inside a compiled (possibly parallel) loop a failure must be a return value
instead, so these report it as ``False``. They are O(n**3) and meant for the
modest n at which a dense Hessian is affordable.
"""

import math

from numba import njit

#: Let LLVM reorder sums (and fuse multiply-adds) so that the inner products
#: vectorise; NaN and infinity semantics are kept, so failures still show.
REORDER = {"reassoc", "contract"}


@njit(cache=True, fastmath=REORDER)
def cholesky_in_place(a):
    """Overwrite the lower triangle of symmetric ``a`` (n, n) with its Cholesky factor.

    Returns
    -------
    bool
        False if ``a`` is not (numerically) positive definite; ``a`` is then
        partly overwritten.
    """
    n = a.shape[0]
    for j in range(n):
        diagonal = a[j, j]
        for k in range(j):
            diagonal -= a[j, k] * a[j, k]
        if not diagonal > 0.0:  # also catches NaN
            return False
        root = math.sqrt(diagonal)
        a[j, j] = root
        for i in range(j + 1, n):
            total = a[i, j]
            for k in range(j):
                total -= a[i, k] * a[j, k]
            a[i, j] = total / root
    return True


@njit(cache=True, fastmath=REORDER)
def cholesky_solve_in_place(factor, b):
    """Overwrite ``b`` with the solution of ``L L^T x = b``, ``L`` the lower triangle of ``factor``."""
    n = b.shape[0]
    for i in range(n):
        total = b[i]
        for k in range(i):
            total -= factor[i, k] * b[k]
        b[i] = total / factor[i, i]
    for i in range(n - 1, -1, -1):
        total = b[i]
        for k in range(i + 1, n):
            total -= factor[k, i] * b[k]
        b[i] = total / factor[i, i]


@njit(cache=True)
def lu_solve_in_place(a, b):
    """Solve ``a x = b`` by Gaussian elimination with partial pivoting.

    ``a`` (n, n) is destroyed and ``b`` (n,) receives ``x``.

    Returns
    -------
    bool
        False if ``a`` is singular to working precision.
    """
    n = b.shape[0]
    scale = 0.0
    for i in range(n):
        for j in range(n):
            scale = max(scale, abs(a[i, j]))
    tiny = scale * n * 2.220446049250313e-16
    for j in range(n):
        pivot = j
        for i in range(j + 1, n):
            if abs(a[i, j]) > abs(a[pivot, j]):
                pivot = i
        if not abs(a[pivot, j]) > tiny:
            return False
        if pivot != j:
            for k in range(n):
                a[j, k], a[pivot, k] = a[pivot, k], a[j, k]
            b[j], b[pivot] = b[pivot], b[j]
        for i in range(j + 1, n):
            factor = a[i, j] / a[j, j]
            for k in range(j, n):
                a[i, k] -= factor * a[j, k]
            b[i] -= factor * b[j]
    for i in range(n - 1, -1, -1):
        total = b[i]
        for k in range(i + 1, n):
            total -= a[i, k] * b[k]
        b[i] = total / a[i, i]
    return True
