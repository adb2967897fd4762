"""Test functions with known derivatives, compiled and analytic.

Every reference value in the tests comes from the analytic formulas here,
never from fastdiff itself.
"""

import numba
import numpy as np
from numba import njit


@njit(cache=True)
def rosenbrock(x):
    total = 0.0
    for i in range(x.shape[0] - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock_gradient(x):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rosenbrock_hessian(x):
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i + 1, i + 1] += 200.0
        h[i, i + 1] = h[i + 1, i] = -400.0 * x[i]
    return h


@njit(cache=True)
def exp_sin_log(x):
    """sum_i exp(x_i / 2) * sin(x_i) + log(1 + x_i**2), plus a coupling term."""
    total = 0.0
    for i in range(x.shape[0]):
        total += np.exp(0.5 * x[i]) * np.sin(x[i]) + np.log(1.0 + x[i] ** 2)
    for i in range(x.shape[0] - 1):
        total += np.sin(x[i] * x[i + 1])
    return total


def exp_sin_log_gradient(x):
    x = np.asarray(x, dtype=float)
    g = np.exp(0.5 * x) * (0.5 * np.sin(x) + np.cos(x)) + 2.0 * x / (1.0 + x**2)
    c = np.cos(x[:-1] * x[1:])
    g[:-1] += c * x[1:]
    g[1:] += c * x[:-1]
    return g


def exp_sin_log_hessian(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(0.5 * x)
    diag = e * (0.25 * np.sin(x) + np.cos(x) - np.sin(x)) + (2.0 - 2.0 * x**2) / (1.0 + x**2) ** 2
    h = np.diag(diag)
    p = x[:-1] * x[1:]
    s, c = np.sin(p), np.cos(p)
    idx = np.arange(x.shape[0] - 1)
    h[idx, idx] += -s * x[1:] ** 2
    h[idx + 1, idx + 1] += -s * x[:-1] ** 2
    off = c - s * p
    h[idx, idx + 1] += off
    h[idx + 1, idx] += off
    return h


@njit(cache=True)
def chemistry(x):
    """A vector map R^3 -> R^4 (Robertson-like rates plus a mixed term)."""
    out = np.empty(4)
    out[0] = -0.04 * x[0] + 1e4 * x[1] * x[2]
    out[1] = 0.04 * x[0] - 1e4 * x[1] * x[2] - 3e7 * x[1] ** 2
    out[2] = 3e7 * x[1] ** 2
    out[3] = np.exp(x[0]) * np.cos(x[2])
    return out


def chemistry_jacobian(x):
    x = np.asarray(x, dtype=float)
    return np.array(
        [
            [-0.04, 1e4 * x[2], 1e4 * x[1]],
            [0.04, -1e4 * x[2] - 6e7 * x[1], -1e4 * x[1]],
            [0.0, 6e7 * x[1], 0.0],
            [np.exp(x[0]) * np.cos(x[2]), 0.0, -np.exp(x[0]) * np.sin(x[2])],
        ]
    )


@njit(cache=True)
def trigonometric_map(x):
    """F_i(x) = sin(x_i) * x_{i+1} + x_i**2 (cyclic), R^n -> R^n."""
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = np.sin(x[i]) * x[(i + 1) % n] + x[i] ** 2
    return out


def trigonometric_map_jacobian(x):
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    j = np.zeros((n, n))
    for i in range(n):
        j[i, i] += np.cos(x[i]) * x[(i + 1) % n] + 2.0 * x[i]
        j[i, (i + 1) % n] += np.sin(x[i])
    return j


@njit(cache=True)
def quadratic_form(x, a, b):
    """0.5 x.a.x + b.x: gradient 0.5 (a + a.T) x + b, Hessian 0.5 (a + a.T)."""
    return 0.5 * x @ (a @ x) + b @ x


def quadratic_problem(rng, n):
    """``(x, a, b)`` for :func:`quadratic_form`: ``a`` symmetric positive definite."""
    q = rng.standard_normal((n, n))
    a = q @ q.T + n * np.eye(n)
    return rng.standard_normal(n), a, rng.standard_normal(n)


@njit(cache=True)
def exponential_residuals(x, t, y, weight=1.0):
    """weight * (x_1 exp(x_0 t) - y): residuals of an exponential fit to (t, y)."""
    return weight * (x[1] * np.exp(x[0] * t) - y)


def exponential_residuals_jacobian(x, t, weight=1.0):
    e = np.exp(x[0] * t)
    return weight * np.column_stack([x[1] * t * e, e])


@njit(cache=True)
def implicit_euler_residual(y, t, h, y_previous, rates):
    """y - y_prev - h g(t, y) for g = (-k0 y0 + t y1, k1 y0 y1): a non-autonomous step."""
    g = np.empty(2)
    g[0] = -rates[0] * y[0] + t * y[1]
    g[1] = rates[1] * y[0] * y[1]
    return y - y_previous - h * g


def implicit_euler_residual_jacobian(y, t, h, rates):
    g_jacobian = np.array([[-rates[0], t], [rates[1] * y[1], rates[1] * y[0]]])
    return np.eye(2) - h * g_jacobian


@njit(cache=True)
def forced_robertson(t, y, rates, amplitude):
    """Robertson's stiff kinetics, first rate forced in time: k0 (1 + amplitude sin t).

    A ``solve_ivp`` right-hand side ``fun(t, y, rates, amplitude)``; rates
    (k0, k1, k2) span 0.04 to 3e7.
    """
    k0 = rates[0] * (1.0 + amplitude * np.sin(t))
    out = np.empty(3)
    out[0] = -k0 * y[0] + rates[2] * y[1] * y[2]
    out[1] = k0 * y[0] - rates[2] * y[1] * y[2] - rates[1] * y[1] ** 2
    out[2] = rates[1] * y[1] ** 2
    return out


def forced_robertson_jacobian(t, y, rates, amplitude):
    k0 = rates[0] * (1.0 + amplitude * np.sin(t))
    k1, k2 = rates[1], rates[2]
    return np.array(
        [
            [-k0, k2 * y[2], k2 * y[1]],
            [k0, -k2 * y[2] - 2.0 * k1 * y[1], -k2 * y[1]],
            [0.0, 2.0 * k1 * y[1], 0.0],
        ]
    )


@njit(cache=True)
def log_barrier(x):
    """sum_i log(x_i) + x_i**2, NaN where an x_i < 0: gradient 1/x + 2x, Hessian diag(2 - 1/x**2)."""
    total = 0.0
    for i in range(x.shape[0]):
        total += np.log(x[i]) + x[i] ** 2
    return total


def log_barrier_gradient(x):
    x = np.asarray(x, dtype=float)
    return 1.0 / x + 2.0 * x


def log_barrier_hessian(x):
    x = np.asarray(x, dtype=float)
    return np.diag(2.0 - 1.0 / x**2)


def relative_error(estimate, reference):
    """max |estimate - reference| / max(1, max |reference|)."""
    estimate, reference = np.asarray(estimate), np.asarray(reference)
    return np.max(np.abs(estimate - reference)) / max(1.0, np.max(np.abs(reference)))


class CountedCalls:
    """Calls of :func:`counted_quadratic`, counted from compiled code."""

    calls = np.zeros(1, dtype=np.int64)


def _bump():
    CountedCalls.calls[0] += 1


@njit
def counted_quadratic(x):
    """``sum(x**2) + x[0] x[-1]``, counting its calls in ``CountedCalls.calls``."""
    with numba.objmode():
        _bump()
    return np.sum(x**2) + x[0] * x[-1]
