"""Test functions of scipy's and numdifftools' suites, each with a compiled twin.

``PAIRS[name]`` is ``(python_f, njit_f)``; the analytic derivatives are
plain Python. The twins are compiled once (``cache=True``) and shared by
all compat tests, to keep compilation time down.
"""

import numba
import numpy as np


def sinh_first(x):
    return np.sinh(x[0])


def scalar_to_vector(x):
    return np.array([x[0] ** 2, np.tan(x[0]), np.exp(x[0])])


def scalar_to_vector_jacobian(x):
    return np.array([[2 * x[0]], [np.cos(x[0]) ** -2], [np.exp(x[0])]])


def sin_log(x):
    return np.sin(x[0] * x[1]) * np.log(x[0])


def sin_log_gradient(x):
    return np.array(
        [
            x[1] * np.cos(x[0] * x[1]) * np.log(x[0]) + np.sin(x[0] * x[1]) / x[0],
            x[0] * np.cos(x[0] * x[1]) * np.log(x[0]),
        ]
    )


def three_outputs(x):
    return np.array([x[0] * np.sin(x[1]), x[1] * np.cos(x[0]), x[0] ** 3 * x[1] ** -0.5])


def three_outputs_jacobian(x):
    return np.array(
        [
            [np.sin(x[1]), x[0] * np.cos(x[1])],
            [-x[1] * np.sin(x[0]), np.cos(x[0])],
            [3 * x[0] ** 2 * x[1] ** -0.5, -0.5 * x[0] ** 3 * x[1] ** -1.5],
        ]
    )


def exp_pair(x):
    # scipy's fun_parametrized with c0 = -1, c1 = 1 (args become a closure).
    return np.array([np.exp(-x[0]), np.exp(x[1])])


def exp_pair_jacobian(x):
    return np.array([[-np.exp(-x[0]), 0.0], [0.0, np.exp(x[1])]])


def nan_outside(x):
    # x where |x| <= 1e-8, NaN elsewhere (scipy's fun_with_nan).
    return x[0] if abs(x[0]) <= 1e-8 else np.nan


def kinks(x):
    # -|x0 + 1| + |x1 + 1|: the side of a one-sided difference shows.
    return -abs(x[0] + 1) + abs(x[1] + 1)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_gradient(x):
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def tridiagonal(x):
    # Numerical Optimization (2nd ed.), p. 198: scipy's sparse example.
    e = x[1:] ** 3 - x[:-1] ** 2
    out = np.zeros(x.shape[0])
    out[1:] += 3 * e
    out[:-1] += 2 * e
    return out


def tridiagonal_jacobian(x):
    n = x.size
    jac = np.zeros((n, n))
    jac[0, 0] = -4 * x[0]
    jac[0, 1] = 6 * x[1] ** 2
    for i in range(1, n - 1):
        jac[i, i - 1] = -6 * x[i - 1]
        jac[i, i] = 9 * x[i] ** 2 - 4 * x[i]
        jac[i, i + 1] = 6 * x[i + 1] ** 2
    jac[-1, -1] = 9 * x[-1] ** 2
    jac[-1, -2] = -6 * x[-2]
    return jac


def tridiagonal_pattern(n):
    pattern = np.zeros((n, n), dtype=int)
    for i in range(n):
        pattern[i, max(0, i - 1) : i + 2] = 1
    return pattern


def cubic_term(x):
    # numdifftools' b * a * x**3 with a = 1, b = 2 (extra arguments become a closure).
    return 2.0 * x[0] * x[0] * x[0]


def power_sum(x):
    # numdifftools' Hessdiag function.
    return x[0] + x[1] ** 2 + x[2] * x[2] * x[2]


def xyz(x):
    return x[0] * x[1] * x[2] + np.exp(x[0]) * x[1]


def xyz_hessian(x):
    a, b, c = x
    return np.array([[np.exp(a) * b, np.exp(a) + c, b], [np.exp(a) + c, 0, a], [b, a, 0]])


def cos_difference(x):
    return np.cos(x[0] - x[1])


def sum_of_squares(x):
    return np.sum(x**2)


def powers_of_scalar(x):
    # numdifftools' [x, x**2, x**3], as products (see README: complex powers).
    return np.array([x[0], x[0] * x[0], x[0] * x[0] * x[0]])


_NAMES = [
    "sinh_first",
    "scalar_to_vector",
    "sin_log",
    "three_outputs",
    "exp_pair",
    "nan_outside",
    "kinks",
    "rosen",
    "tridiagonal",
    "cubic_term",
    "power_sum",
    "xyz",
    "cos_difference",
    "sum_of_squares",
    "powers_of_scalar",
]

PAIRS = {name: (globals()[name], numba.njit(cache=True)(globals()[name])) for name in _NAMES}


def pick(name: str, kind: str):
    """The Python (``kind="python"``) or compiled (``"njit"``) version of ``name``."""
    return PAIRS[name][0 if kind == "python" else 1]
