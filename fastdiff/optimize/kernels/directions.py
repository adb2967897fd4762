"""Search directions and curvature memories, one small function per method.

Each function fills ``direction`` (n,) from the current gradient and what the
method remembers, and returns the multiple of it to try first (the *step
length*); the iteration then either takes ``x + length * direction`` as it is
(fixed-step methods) or searches along it for a decrease of ``f``.
"""

import math

from numba import njit

from fastdiff.optimize.kernels.linalg import (
    REORDER,
    cholesky_in_place,
    cholesky_solve_in_place,
    lu_solve_in_place,
)

# Levenberg damping: first multiple of the largest |H_ii| tried, growth factor,
# and tries before giving up (the damping then exceeds 1e30 * max |H_ii|).
_FIRST_DAMPING = 1e-3
_DAMPING_GROWTH = 10.0
_DAMPING_TRIES = 40
_SQRT_EPS = 1.4901161193847656e-08


@njit(cache=True)
def largest_magnitude(v):
    """``max |v_i|`` (0 for an empty vector, NaN if an entry is NaN)."""
    largest = 0.0
    for value in v:
        magnitude = abs(value)
        if not magnitude <= largest:
            largest = magnitude
    return largest


@njit(cache=True, fastmath=REORDER)
def dot(a, b):
    """``sum a_i b_i`` (a loop: Numba's ``np.dot`` goes through BLAS, costly to compile)."""
    total = 0.0
    for i in range(a.shape[0]):
        total += a[i] * b[i]
    return total


@njit(cache=True)
def copy(source, destination):
    """``destination[:] = source`` for 1-D arrays."""
    for i in range(source.shape[0]):
        destination[i] = source[i]


@njit(cache=True)
def descent_direction(g, learning_rate, direction):
    """Gradient descent: ``-g``, tried with length ``learning_rate``."""
    for i in range(g.shape[0]):
        direction[i] = -g[i]
    return learning_rate


@njit(cache=True)
def momentum_step(g, velocity, learning_rate, momentum, nesterov, direction):
    """Heavy-ball or Nesterov step, taken whole (length 1).

    ``velocity <- momentum * velocity - learning_rate * g``. Heavy ball steps
    by the new velocity. Nesterov's method is run on its look-ahead point
    ``y = x + momentum * velocity`` (where its gradient is evaluated), which
    moves by ``momentum * velocity_new - learning_rate * g``; the iterates
    reported are these look-ahead points, which coincide with ``x`` once the
    velocity has decayed.
    """
    for i in range(g.shape[0]):
        velocity_i = momentum * velocity[i] - learning_rate * g[i]
        velocity[i] = velocity_i
        if nesterov:
            direction[i] = momentum * velocity_i - learning_rate * g[i]
        else:
            direction[i] = velocity_i
    return 1.0


@njit(cache=True)
def newton_direction(hessian, g, safeguard, factor, direction):
    """Newton direction ``-H^{-1} g``; returns ``(length, solved)``.

    With ``safeguard``, solves ``(H + mu I) d = -g`` with the smallest
    ``mu`` in 0, 1e-3 max|H_ii|, 1e-2 max|H_ii|, ... that makes the matrix
    positive definite (Levenberg damping), so ``d`` is a descent direction
    even where ``f`` is not convex. Without it, solves ``H d = -g`` as it is
    (which heads for a maximum or saddle where ``H`` is not positive
    definite) and reports ``solved = False`` if ``H`` is singular.
    """
    n = g.shape[0]
    if not safeguard:
        for i in range(n):
            direction[i] = -g[i]
            for j in range(n):
                factor[i, j] = hessian[i, j]
        return 1.0, lu_solve_in_place(factor, direction)
    scale = 0.0
    for i in range(n):
        scale = max(scale, abs(hessian[i, i]))
    damping = 0.0
    for _ in range(_DAMPING_TRIES):
        for i in range(n):
            for j in range(i + 1):
                factor[i, j] = hessian[i, j]
            factor[i, i] += damping
        if cholesky_in_place(factor):
            for i in range(n):
                direction[i] = -g[i]
            cholesky_solve_in_place(factor, direction)
            return 1.0, True
        if damping == 0.0:
            damping = _FIRST_DAMPING * max(scale, 1e-12)
        else:
            damping *= _DAMPING_GROWTH
    return 1.0, False


@njit(cache=True)
def has_negative_curvature(hessian, work):
    """Whether symmetric ``hessian`` (n, n) has an eigenvalue clearly below zero.

    Clearly: below ``-sqrt(eps) * max |H_ij|``, the relative accuracy of a
    finite-difference Hessian, so that a semidefinite Hessian at a flat
    minimum (``x**4`` at 0) is not mistaken for a maximum. One Cholesky
    factorisation of ``H + sqrt(eps) max|H_ij| I`` into ``work`` (n, n).
    """
    n = hessian.shape[0]
    scale = 0.0
    for i in range(n):
        for j in range(i + 1):
            scale = max(scale, abs(hessian[i, j]))
    if not scale > 0.0:
        return False
    shift = _SQRT_EPS * scale
    for i in range(n):
        for j in range(i + 1):
            work[i, j] = hessian[i, j]
        work[i, i] += shift
    return not cholesky_in_place(work)


@njit(cache=True)
def secant_curvature(x, g, previous_x, previous_g):
    """The secant estimate of f'', ``(g - g_prev) / (x - x_prev)`` (1-D)."""
    return (g[0] - previous_g[0]) / (x[0] - previous_x[0])


@njit(cache=True)
def secant_direction(x, g, previous_x, previous_g, safeguard, direction):
    """1-D secant step ``-g / c``, ``c = (g - g_prev) / (x - x_prev)``; returns ``(length, solved)``.

    ``c`` is the second derivative estimated from two first derivatives. With
    ``safeguard`` a negative or zero ``c`` (a concave stretch, or equal
    gradients) is replaced by ``|c|`` or 1, so that the step goes downhill;
    without it the step is taken as it is and ``solved`` is False if ``c`` is
    0 or not finite.
    """
    curvature = secant_curvature(x, g, previous_x, previous_g)
    if not (math.isfinite(curvature) and curvature != 0.0):
        if not safeguard:
            return 1.0, False
        curvature = 1.0
    if safeguard:
        curvature = abs(curvature)
    direction[0] = -g[0] / curvature
    return 1.0, True


@njit(cache=True, fastmath=REORDER)
def bfgs_direction(inverse_hessian, g, updates, direction):
    """Quasi-Newton direction ``-B g`` with the BFGS inverse-Hessian estimate ``B``.

    Before the first update ``B`` is the identity and the first length is
    ``min(1, 1 / max|g|)``, so that the first step moves no coordinate by
    more than 1.
    """
    n = g.shape[0]
    if updates == 0:
        for i in range(n):
            direction[i] = -g[i]
        return min(1.0, 1.0 / max(largest_magnitude(g), 1e-300))
    for i in range(n):
        total = 0.0
        for j in range(n):
            total -= inverse_hessian[i, j] * g[j]
        direction[i] = total
    return 1.0


@njit(cache=True, fastmath=REORDER)
def bfgs_update(inverse_hessian, s, y, updates, hy):
    """BFGS update of the inverse-Hessian estimate for step ``s`` and gradient change ``y``.

    ``B <- (I - rho s y^T) B (I - rho y s^T) + rho s s^T`` with
    ``rho = 1 / (y . s)``, skipped when ``y . s`` is not safely positive (the
    curvature condition fails, which a sufficient-decrease line search does
    not prevent). Before the first update ``B`` is set to
    ``(y . s) / (y . y) I``, the usual scaling of the identity. ``hy`` (n,)
    is work space.

    Returns
    -------
    int
        ``updates`` plus one if the update was made.
    """
    n = s.shape[0]
    sy = dot(s, y)
    if not sy > 1e-12 * math.sqrt(dot(s, s) * dot(y, y)):
        return updates
    if updates == 0:
        scale = sy / dot(y, y)
        for i in range(n):
            for j in range(n):
                inverse_hessian[i, j] = 0.0
            inverse_hessian[i, i] = scale
    rho = 1.0 / sy
    for i in range(n):
        total = 0.0
        for j in range(n):
            total += inverse_hessian[i, j] * y[j]
        hy[i] = total
    yhy = dot(y, hy)
    ss_weight = rho * rho * yhy + rho
    for i in range(n):
        for j in range(n):
            inverse_hessian[i, j] += ss_weight * s[i] * s[j] - rho * (s[i] * hy[j] + hy[i] * s[j])
    return updates + 1
