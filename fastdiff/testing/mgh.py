"""Test problems of More, Garbow and Hillstrom (1981) as scalar objectives.

J. J. More, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained
optimization software", ACM Trans. Math. Software 7 (1981), 17-41, define
each problem by residuals ``r_1(x), ..., r_m(x)``; the objective here is
their sum of squares ``f(x) = sum_k r_k(x)**2`` (no factor 1/2), as in the
paper. The paper's problem number is given in each docstring.

Every objective is a ``@numba.njit(cache=True)`` function of one 1-D array.
It uses only operations that are analytic in ``x`` (no ``abs``, comparisons
only on real parts), so Numba also compiles it for complex128 input and the
complex-step derivative applies.

Reference gradients and Hessians at three points per problem (the standard
start ``x0``, ``10 * x0`` and a random point near ``x0``) are derived with
sympy by ``benchmarks/mgh_references.py`` and stored next to this module;
:func:`fastdiff.testing.load_references` reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numba import njit


class Problem(NamedTuple):
    """One test problem.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"rosenbrock"``.
    objective : numba dispatcher
        ``f(x) -> float`` (or complex for complex ``x``), the sum of squares
        of the residuals.
    x0 : tuple of float
        The standard starting point of the paper.
    well_scaled : bool
        False for the problems built to be badly scaled (the derivative
        targets are stated for well-scaled problems only).
    solution : tuple of float or None
        A point where every residual is exactly zero, when the paper gives
        one in closed form (used to check the transcription).
    """

    name: str
    objective: Callable
    x0: tuple[float, ...]
    well_scaled: bool
    solution: tuple[float, ...] | None = None

    @property
    def n(self) -> int:
        """Dimension of ``x``."""
        return len(self.x0)


@njit(cache=True)
def rosenbrock(x):
    """Problem 1, n = 2: r = (10 (x2 - x1^2), 1 - x1)."""
    r1 = 10.0 * (x[1] - x[0] * x[0])
    r2 = 1.0 - x[0]
    return r1 * r1 + r2 * r2


@njit(cache=True)
def freudenstein_roth(x):
    """Problem 2, n = 2: r1 = -13 + x1 + ((5 - x2) x2 - 2) x2, r2 = -29 + x1 + ((x2 + 1) x2 - 14) x2."""
    r1 = -13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1]
    r2 = -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1]
    return r1 * r1 + r2 * r2


@njit(cache=True)
def powell_badly_scaled(x):
    """Problem 3, n = 2: r1 = 1e4 x1 x2 - 1, r2 = exp(-x1) + exp(-x2) - 1.0001."""
    r1 = 1e4 * x[0] * x[1] - 1.0
    r2 = np.exp(-x[0]) + np.exp(-x[1]) - 1.0001
    return r1 * r1 + r2 * r2


@njit(cache=True)
def brown_badly_scaled(x):
    """Problem 4, n = 2: r = (x1 - 1e6, x2 - 2e-6, x1 x2 - 2)."""
    r1 = x[0] - 1e6
    r2 = x[1] - 2e-6
    r3 = x[0] * x[1] - 2.0
    return r1 * r1 + r2 * r2 + r3 * r3


_BEALE_Y = np.array([1.5, 2.25, 2.625])


@njit(cache=True)
def beale(x):
    """Problem 5, n = 2: r_i = y_i - x1 (1 - x2^i), i = 1..3."""
    total = 0.0
    power = 1.0
    for i in range(3):
        power = power * x[1]
        r = _BEALE_Y[i] - x[0] * (1.0 - power)
        total += r * r
    return total


@njit(cache=True)
def jennrich_sampson(x):
    """Problem 6, n = 2, m = 10: r_i = 2 + 2 i - (exp(i x1) + exp(i x2))."""
    total = 0.0
    for i in range(1, 11):
        r = 2.0 + 2.0 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))
        total += r * r
    return total


@njit(cache=True)
def helical_valley(x):
    """Problem 7, n = 3: r = (10 (x3 - 10 theta), 10 (sqrt(x1^2 + x2^2) - 1), x3).

    ``theta = arctan(x2 / x1) / (2 pi)``, plus 1/2 where ``x1 < 0``.
    """
    theta = np.arctan(x[1] / x[0]) / (2.0 * np.pi)
    if x[0].real < 0.0:
        theta = theta + 0.5
    r1 = 10.0 * (x[2] - 10.0 * theta)
    r2 = 10.0 * (np.sqrt(x[0] * x[0] + x[1] * x[1]) - 1.0)
    r3 = x[2]
    return r1 * r1 + r2 * r2 + r3 * r3


_BARD_Y = np.array(
    [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39]
)


@njit(cache=True)
def bard(x):
    """Problem 8, n = 3, m = 15: r_i = y_i - (x1 + u_i / (v_i x2 + w_i x3)).

    ``u_i = i``, ``v_i = 16 - i``, ``w_i = min(u_i, v_i)``.
    """
    total = 0.0
    for i in range(1, 16):
        u = float(i)
        v = 16.0 - i
        w = min(u, v)
        r = _BARD_Y[i - 1] - (x[0] + u / (v * x[1] + w * x[2]))
        total += r * r
    return total


_GAUSSIAN_Y = np.array(
    [
        0.0009,
        0.0044,
        0.0175,
        0.0540,
        0.1295,
        0.2420,
        0.3521,
        0.3989,
        0.3521,
        0.2420,
        0.1295,
        0.0540,
        0.0175,
        0.0044,
        0.0009,
    ]
)


@njit(cache=True)
def gaussian(x):
    """Problem 9, n = 3, m = 15: r_i = x1 exp(-x2 (t_i - x3)^2 / 2) - y_i, t_i = (8 - i) / 2."""
    total = 0.0
    for i in range(1, 16):
        t = (8.0 - i) / 2.0
        d = t - x[2]
        r = x[0] * np.exp(-x[1] * d * d / 2.0) - _GAUSSIAN_Y[i - 1]
        total += r * r
    return total


_MEYER_Y = np.array(
    [
        34780.0,
        28610.0,
        23650.0,
        19630.0,
        16370.0,
        13720.0,
        11540.0,
        9744.0,
        8261.0,
        7030.0,
        6005.0,
        5147.0,
        4427.0,
        3820.0,
        3307.0,
        2872.0,
    ]
)


@njit(cache=True)
def meyer(x):
    """Problem 10, n = 3, m = 16: r_i = x1 exp(x2 / (t_i + x3)) - y_i, t_i = 45 + 5 i."""
    total = 0.0
    for i in range(1, 17):
        t = 45.0 + 5.0 * i
        r = x[0] * np.exp(x[1] / (t + x[2])) - _MEYER_Y[i - 1]
        total += r * r
    return total


@njit(cache=True)
def box_3d(x):
    """Problem 12, n = 3, m = 10: r_i = exp(-t x1) - exp(-t x2) - x3 (exp(-t) - exp(-10 t)), t = i / 10."""
    total = 0.0
    for i in range(1, 11):
        t = 0.1 * i
        r = np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * (np.exp(-t) - np.exp(-10.0 * t))
        total += r * r
    return total


@njit(cache=True)
def powell_singular(x):
    """Problem 13, n = 4: r = (x1 + 10 x2, 5^0.5 (x3 - x4), (x2 - 2 x3)^2, 10^0.5 (x1 - x4)^2)."""
    r1 = x[0] + 10.0 * x[1]
    r2 = np.sqrt(5.0) * (x[2] - x[3])
    d = x[1] - 2.0 * x[2]
    r3 = d * d
    e = x[0] - x[3]
    r4 = np.sqrt(10.0) * e * e
    return r1 * r1 + r2 * r2 + r3 * r3 + r4 * r4


@njit(cache=True)
def wood(x):
    """Problem 14, n = 4, m = 6.

    r = (10 (x2 - x1^2), 1 - x1, 90^0.5 (x4 - x3^2), 1 - x3,
    10^0.5 (x2 + x4 - 2), 10^-0.5 (x2 - x4)).
    """
    r1 = 10.0 * (x[1] - x[0] * x[0])
    r2 = 1.0 - x[0]
    r3 = np.sqrt(90.0) * (x[3] - x[2] * x[2])
    r4 = 1.0 - x[2]
    r5 = np.sqrt(10.0) * (x[1] + x[3] - 2.0)
    r6 = (x[1] - x[3]) / np.sqrt(10.0)
    return r1 * r1 + r2 * r2 + r3 * r3 + r4 * r4 + r5 * r5 + r6 * r6


_KOWALIK_OSBORNE_Y = np.array(
    [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246]
)
_KOWALIK_OSBORNE_U = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])


@njit(cache=True)
def kowalik_osborne(x):
    """Problem 15, n = 4, m = 11: r_i = y_i - x1 (u_i^2 + u_i x2) / (u_i^2 + u_i x3 + x4)."""
    total = 0.0
    for i in range(11):
        u = _KOWALIK_OSBORNE_U[i]
        r = _KOWALIK_OSBORNE_Y[i] - x[0] * (u * u + u * x[1]) / (u * u + u * x[2] + x[3])
        total += r * r
    return total


@njit(cache=True)
def brown_dennis(x):
    """Problem 16, n = 4, m = 20.

    ``r_i = (x1 + t x2 - exp(t))^2 + (x3 + x4 sin(t) - cos(t))^2``, ``t = i / 5``.
    """
    total = 0.0
    for i in range(1, 21):
        t = i / 5.0
        a = x[0] + t * x[1] - np.exp(t)
        b = x[2] + x[3] * np.sin(t) - np.cos(t)
        r = a * a + b * b
        total += r * r
    return total


_OSBORNE_1_Y = np.array(
    [
        0.844,
        0.908,
        0.932,
        0.936,
        0.925,
        0.908,
        0.881,
        0.850,
        0.818,
        0.784,
        0.751,
        0.718,
        0.685,
        0.658,
        0.628,
        0.603,
        0.580,
        0.558,
        0.538,
        0.522,
        0.506,
        0.490,
        0.478,
        0.467,
        0.457,
        0.448,
        0.438,
        0.431,
        0.424,
        0.420,
        0.414,
        0.411,
        0.406,
    ]
)


@njit(cache=True)
def osborne_1(x):
    """Problem 17, n = 5, m = 33: r_i = y_i - (x1 + x2 exp(-t x4) + x3 exp(-t x5)), t = 10 (i - 1)."""
    total = 0.0
    for i in range(33):
        t = 10.0 * i
        r = _OSBORNE_1_Y[i] - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))
        total += r * r
    return total


@njit(cache=True)
def biggs_exp6(x):
    """Problem 18, n = 6, m = 13.

    ``r_i = x3 exp(-t x1) - x4 exp(-t x2) + x6 exp(-t x5) - y_i``, ``t = i / 10``,
    ``y_i = exp(-t) - 5 exp(-10 t) + 3 exp(-4 t)``.
    """
    total = 0.0
    for i in range(1, 14):
        t = 0.1 * i
        y = np.exp(-t) - 5.0 * np.exp(-10.0 * t) + 3.0 * np.exp(-4.0 * t)
        r = x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1]) + x[5] * np.exp(-t * x[4]) - y
        total += r * r
    return total


@njit(cache=True)
def watson(x):
    """Problem 20, n = 6, m = 31.

    For ``t = i / 29``, i = 1..29:
    ``r_i = sum_{j=2}^n (j - 1) x_j t^(j-2) - (sum_{j=1}^n x_j t^(j-1))^2 - 1``;
    ``r_30 = x1``, ``r_31 = x2 - x1^2 - 1``.
    """
    n = x.shape[0]
    total = 0.0
    for i in range(1, 30):
        t = i / 29.0
        slope = 0.0
        power = 1.0
        for j in range(1, n):
            slope = slope + j * x[j] * power
            power *= t
        value = 0.0
        power = 1.0
        for j in range(n):
            value = value + x[j] * power
            power *= t
        r = slope - value * value - 1.0
        total += r * r
    r30 = x[0]
    r31 = x[1] - x[0] * x[0] - 1.0
    return total + r30 * r30 + r31 * r31


@njit(cache=True)
def penalty_1(x):
    """Problem 23, m = n + 1: r_i = 1e-5^0.5 (x_i - 1), r_{n+1} = sum x_j^2 - 1/4."""
    scale = np.sqrt(1e-5)
    total = 0.0
    squares = 0.0
    for j in range(x.shape[0]):
        r = scale * (x[j] - 1.0)
        total += r * r
        squares = squares + x[j] * x[j]
    r = squares - 0.25
    return total + r * r


@njit(cache=True)
def variably_dimensioned(x):
    """Problem 25, m = n + 2: r_i = x_i - 1, r_{n+1} = sum j (x_j - 1), r_{n+2} = r_{n+1}^2."""
    total = 0.0
    weighted = 0.0
    for j in range(x.shape[0]):
        r = x[j] - 1.0
        total += r * r
        weighted = weighted + (j + 1) * r
    square = weighted * weighted
    return total + square + square * square


@njit(cache=True)
def trigonometric(x):
    """Problem 26, m = n: r_i = n - sum_j cos(x_j) + i (1 - cos(x_i)) - sin(x_i)."""
    n = x.shape[0]
    cosines = 0.0
    for j in range(n):
        cosines = cosines + np.cos(x[j])
    total = 0.0
    for i in range(n):
        r = n - cosines + (i + 1) * (1.0 - np.cos(x[i])) - np.sin(x[i])
        total += r * r
    return total


@njit(cache=True)
def brown_almost_linear(x):
    """Problem 27, m = n: r_i = x_i + sum_j x_j - (n + 1) for i < n, r_n = prod_j x_j - 1."""
    n = x.shape[0]
    sum_x = 0.0
    product = 1.0
    for j in range(n):
        sum_x = sum_x + x[j]
        product = product * x[j]
    total = 0.0
    for i in range(n - 1):
        r = x[i] + sum_x - (n + 1.0)
        total += r * r
    r = product - 1.0
    return total + r * r


@njit(cache=True)
def discrete_boundary_value(x):
    """Problem 28, m = n: r_i = 2 x_i - x_{i-1} - x_{i+1} + h^2 (x_i + t_i + 1)^3 / 2.

    ``h = 1 / (n + 1)``, ``t_i = i h``, ``x_0 = x_{n+1} = 0``.
    """
    n = x.shape[0]
    h = 1.0 / (n + 1)
    total = 0.0
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        c = x[i] + (i + 1) * h + 1.0
        r = 2.0 * x[i] - left - right + h * h * c * c * c / 2.0
        total += r * r
    return total


@njit(cache=True)
def broyden_tridiagonal(x):
    """Problem 30, m = n: r_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1, x_0 = x_{n+1} = 0."""
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        r = (3.0 - 2.0 * x[i]) * x[i] - left - 2.0 * right + 1.0
        total += r * r
    return total


@njit(cache=True)
def broyden_banded(x):
    """Problem 31, m = n: r_i = x_i (2 + 5 x_i^2) + 1 - sum_{j in J_i} x_j (1 + x_j).

    ``J_i = {j != i : max(1, i - 5) <= j <= min(n, i + 1)}``.
    """
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        band = 0.0
        for j in range(max(0, i - 5), min(n, i + 2)):
            if j != i:
                band = band + x[j] * (1.0 + x[j])
        r = x[i] * (2.0 + 5.0 * x[i] * x[i]) + 1.0 - band
        total += r * r
    return total


def _ramp(n: int) -> tuple[float, ...]:
    return tuple(float(j) for j in range(1, n + 1))


PROBLEMS: tuple[Problem, ...] = (
    Problem("rosenbrock", rosenbrock, (-1.2, 1.0), True, (1.0, 1.0)),
    Problem("freudenstein_roth", freudenstein_roth, (0.5, -2.0), True, (5.0, 4.0)),
    Problem("powell_badly_scaled", powell_badly_scaled, (0.0, 1.0), False),
    Problem("brown_badly_scaled", brown_badly_scaled, (1.0, 1.0), False),
    Problem("beale", beale, (1.0, 1.0), True, (3.0, 0.5)),
    Problem("jennrich_sampson", jennrich_sampson, (0.3, 0.4), True),
    Problem("helical_valley", helical_valley, (-1.0, 0.0, 0.0), True, (1.0, 0.0, 0.0)),
    Problem("bard", bard, (1.0, 1.0, 1.0), True),
    Problem("gaussian", gaussian, (0.4, 1.0, 0.0), True),
    Problem("meyer", meyer, (0.02, 4000.0, 250.0), False),
    Problem("box_3d", box_3d, (0.0, 10.0, 20.0), True, (1.0, 10.0, 1.0)),
    Problem("powell_singular", powell_singular, (3.0, -1.0, 0.0, 1.0), True, (0.0,) * 4),
    Problem("wood", wood, (-3.0, -1.0, -3.0, -1.0), True, (1.0,) * 4),
    Problem("kowalik_osborne", kowalik_osborne, (0.25, 0.39, 0.415, 0.39), True),
    Problem("brown_dennis", brown_dennis, (25.0, 5.0, -5.0, -1.0), True),
    Problem("osborne_1", osborne_1, (0.5, 1.5, -1.0, 0.01, 0.02), True),
    Problem(
        "biggs_exp6",
        biggs_exp6,
        (1.0, 2.0, 1.0, 1.0, 1.0, 1.0),
        True,
        (1.0, 10.0, 1.0, 5.0, 4.0, 3.0),
    ),
    Problem("watson", watson, (0.0,) * 6, True),
    Problem("penalty_1", penalty_1, _ramp(4), True),
    Problem(
        "variably_dimensioned",
        variably_dimensioned,
        tuple(1.0 - j / 10 for j in range(1, 11)),
        True,
        (1.0,) * 10,
    ),
    Problem("trigonometric", trigonometric, (0.1,) * 10, True),
    Problem("brown_almost_linear", brown_almost_linear, (0.5,) * 10, True, (1.0,) * 10),
    Problem(
        "discrete_boundary_value",
        discrete_boundary_value,
        tuple((j / 11) * (j / 11 - 1.0) for j in range(1, 11)),
        True,
    ),
    Problem("broyden_tridiagonal", broyden_tridiagonal, (-1.0,) * 10, True),
    Problem("broyden_banded", broyden_banded, (-1.0,) * 10, True),
)

#: The problems by name.
PROBLEMS_BY_NAME: dict[str, Problem] = {p.name: p for p in PROBLEMS}
