"""Vector maps with known Jacobian patterns, for the sparse tests."""

import numba
import numpy as np
import scipy.sparse

# --- test functions with known Jacobian patterns ------------------------------
#
# F_r(x) = sum_{j linked to r} c_rj sin(x_j) + x_r**2 (rows r < n), so that
# J_rj = c_rj cos(x_j) + 2 x_r [r == j] on exactly the linked entries.

BANDED, BLOCKS, ARROW, SCATTERED = 0, 1, 2, 3
FAMILIES = {"banded": BANDED, "blocks": BLOCKS, "arrow": ARROW, "scattered": SCATTERED}


@numba.njit(cache=True)
def _linked(family, r, j):
    if family == BANDED:
        return abs(r - j) <= 2
    if family == BLOCKS:
        return r // 3 == j // 3
    if family == ARROW:
        return r == 0 or j == 0 or r == j
    return r == j or (r * 7919 + j * 104729) % 7 == 0


@numba.njit(cache=True)
def _rows(family, n):
    # The scattered family is rectangular: two more rows than columns.
    return n + 2 if family == SCATTERED else n


@numba.njit(cache=True)
def _coefficient(r, j):
    return 1.0 + (r + 2 * j) % 5


@numba.njit(cache=True)
def coupled_map(x, family):
    n = x.shape[0]
    out = np.zeros(_rows(family, n))
    for r in range(out.shape[0]):
        for j in range(n):
            if _linked(family, r, j):
                out[r] += _coefficient(r, j) * np.sin(x[j])
        if r < n:
            out[r] += x[r] ** 2
    return out


@numba.njit(cache=True)
def banded_map(x):
    return coupled_map(x, BANDED)


@numba.njit(cache=True)
def blocks_map(x):
    return coupled_map(x, BLOCKS)


@numba.njit(cache=True)
def arrow_map(x):
    return coupled_map(x, ARROW)


@numba.njit(cache=True)
def scattered_map(x):
    return coupled_map(x, SCATTERED)


MAPS = {"banded": banded_map, "blocks": blocks_map, "arrow": arrow_map, "scattered": scattered_map}


def family_pattern(name, n):
    family = FAMILIES[name]
    m = _rows(family, n)
    return np.array([[_linked(family, r, j) for j in range(n)] for r in range(m)])


def family_jacobian(name, x):
    pattern = family_pattern(name, x.shape[0])
    m, n = pattern.shape
    jac = np.zeros((m, n))
    for r, j in zip(*np.nonzero(pattern)):
        jac[r, j] = _coefficient(r, j) * np.cos(x[j])
    jac[np.arange(n), np.arange(n)] += 2.0 * x
    return jac


def tridiagonal(n):
    ones = np.ones(n)
    return scipy.sparse.diags([ones[1:], ones, ones[1:]], [-1, 0, 1], format="csr")


@numba.njit(cache=True)
def compiled_rosenbrock_gradient(x):
    """The analytic gradient of Rosenbrock's function, compiled."""
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n - 1):
        g[i] += -400.0 * x[i] * (x[i + 1] - x[i] ** 2) - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * (x[i + 1] - x[i] ** 2)
    return g
