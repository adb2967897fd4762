"""Curvature: sharpness (the largest Hessian eigenvalue) and the step sizes it allows.

On a quadratic with Hessian ``H``, gradient descent with learning rate
``lr`` multiplies the error along each eigenvector of ``H`` by
``1 - lr * lambda``; it converges only if ``lr < 2 / lambda_max``. With heavy-ball
momentum ``beta`` the bound becomes ``2 (1 + beta) / lambda_max`` and with
Nesterov's method ``2 (1 + beta) / ((1 + 2 beta) lambda_max)``. Near a
minimum every smooth function is such a quadratic, so the sharpness at the
start point tells whether a learning rate can work at all.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.typing import ArrayLike

from fastdiff.api import hessian
from fastdiff.optimize.kernels.linalg import cholesky_in_place
from fastdiff.stencils import resolve_method

#: The check in the optimizers evaluates Hessians at the start points for at
#: most this many evaluations of ``f`` in all.
CHECK_EVALUATIONS = 1_000_000


#: Relative margin by which the learning rate must exceed the bound to warn.
TOLERANCE = 1e-6


class LearningRateWarning(RuntimeWarning):
    """The learning rate exceeds the stability bound at the start point."""


def sharpness(f, x: ArrayLike, *, method: str = "central", step=None, args: tuple = ()) -> float:
    """Largest eigenvalue of the Hessian of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x, *args) -> float`` for a 1-D float64 array, as for
        :func:`fastdiff.hessian`.
    x : array_like, shape (n,)
        Point; a scalar is a 1-D problem (``f`` receives an array of one entry).
    method, step
        Finite-difference options of :func:`fastdiff.hessian`.
    args : tuple
        Extra arguments of ``f``.

    Returns
    -------
    float
        ``lambda_max``; gradient descent is stable near ``x`` only for
        ``learning_rate < 2 / lambda_max`` (see :func:`learning_rate_bound`).

    Notes
    -----
    One finite-difference Hessian (``n**2 + n + 1`` evaluations, central) and
    a symmetric eigenvalue decomposition.

    Examples
    --------
    >>> import numpy as np, numba, fastdiff
    >>> @numba.njit
    ... def f(x):
    ...     return 0.5 * x[0] ** 2 + 2.0 * x[1] ** 2
    >>> round(fastdiff.sharpness(f, np.array([1.0, 1.0])), 6)
    4.0
    """
    if np.ndim(x) == 0:
        x = np.array([x], dtype=np.float64)
    return _largest_eigenvalue(hessian(f, x, method=method, step=step, args=args))


def _largest_eigenvalue(symmetric: np.ndarray) -> float:
    return float(np.linalg.eigvalsh(symmetric)[-1])


def learning_rate_bound(sharpness: float, momentum: float = 0.0, nesterov: bool = False) -> float:
    """Largest stable learning rate for a quadratic of the given sharpness.

    Parameters
    ----------
    sharpness : float
        Largest Hessian eigenvalue ``lambda_max``.
    momentum : float
        Heavy-ball or Nesterov momentum ``beta`` in [0, 1); 0 for gradient descent.
    nesterov : bool
        Nesterov's method instead of the heavy ball.

    Returns
    -------
    float
        ``2 / lambda`` (gradient descent), ``2 (1 + beta) / lambda`` (heavy
        ball), ``2 (1 + beta) / ((1 + 2 beta) lambda)`` (Nesterov); infinite
        when ``lambda <= 0`` (no direction curves upwards).
    """
    if not sharpness > 0.0:
        return math.inf
    bound = 2.0 * (1.0 + momentum) / sharpness
    return bound / (1.0 + 2.0 * momentum) if nesterov else bound


def warn_if_unstable(
    f,
    starts: np.ndarray,
    learning_rate: float,
    momentum: float,
    nesterov: bool,
    method: str,
    step,
    args: tuple = (),
) -> None:
    """Warn with :class:`LearningRateWarning` if ``learning_rate`` exceeds the bound at a start
    (by more than :data:`TOLERANCE`, relative).

    Starts are checked in order while the Hessians cost at most
    :data:`CHECK_EVALUATIONS` evaluations in all; a start where the Hessian
    cannot be computed is skipped (the solve reports the problem).

    The bound holds iff ``lambda_max < limit`` with ``limit`` the sharpness
    at which ``learning_rate`` is the bound, that is iff ``limit I - H`` is
    positive definite: one Cholesky factorisation, in compiled code without
    threads. (A multithreaded LAPACK eigensolver can take 30x longer than
    the whole check on a busy machine.) The eigenvalue itself is computed
    only for the warning.
    """
    n = starts.shape[1]
    checked = min(
        starts.shape[0], CHECK_EVALUATIONS // resolve_method(method).hessian_evaluations(n)
    )
    # The finite-difference Hessian is accurate to about 1e-8 relative: a
    # learning rate within TOLERANCE of the bound is not flagged.
    limit = learning_rate_bound(1.0, momentum, nesterov) / learning_rate * (1.0 + TOLERANCE)
    unstable = []
    for index in range(checked):
        try:
            # Serial: a side computation should not compete for the threads.
            h = hessian(f, starts[index], method=method, step=step, parallel=False, args=args)
        except ValueError:
            continue
        shifted = np.diag(np.full(n, limit)) - h
        if not cholesky_in_place(shifted):
            value = _largest_eigenvalue(h)
            unstable.append((index, value, learning_rate_bound(value, momentum, nesterov)))
    if not unstable:
        return
    index, value, bound = min(unstable, key=lambda item: item[2])
    where = (
        "x0" if starts.shape[0] == 1 else f"{len(unstable)} of {checked} starts, e.g. x0[{index}]"
    )
    warnings.warn(
        f"learning_rate = {learning_rate:.6g} exceeds the stability bound {bound:.6g} at {where} "
        f"(sharpness {value:.6g}): the iteration will oscillate with growing amplitude along "
        f"the sharpest direction there. Lower learning_rate below {bound:.6g}"
        + (" or use line_search=True." if momentum == 0.0 else "."),
        LearningRateWarning,
        stacklevel=3,
    )
