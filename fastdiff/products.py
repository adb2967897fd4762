"""Jacobian-vector and Hessian-vector products without forming the matrix.

``jvp(f, x, v)`` differentiates ``f`` along the direction ``v`` (two
evaluations of ``f``); ``hvp(f, x, v)`` differentiates the gradient along
``v`` (two gradients). Both run compiled where ``f`` is compiled, since they
are built on the engine's functions. ``hessp(f)`` is the
``scipy.optimize.minimize(..., hessp=...)`` provider for Newton-CG and the
trust-region methods.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fastdiff.derivatives import GradientFunction
from fastdiff.errors import non_finite_error
from fastdiff.steps import working_eps
from fastdiff.validation import as_point


def _direction(v, n: int) -> np.ndarray:
    direction = as_point(v, "v")
    if direction.shape[0] != n:
        raise ValueError(
            f"v must have one entry per coordinate of x ({n}); got {direction.shape[0]}"
        )
    if not np.all(np.isfinite(direction)):
        raise non_finite_error(direction, int(np.flatnonzero(~np.isfinite(direction))[0]), "v")
    return direction


def _directional_step(x: np.ndarray, v: np.ndarray, eps: float, exponent: float) -> float:
    # The largest t for which no coordinate moves further than its own
    # default step eps**exponent * max(1, |x_j|): a coordinate of size 100
    # must not set the step of one of size 0.5 (scaled by max |x_i| instead,
    # (100, -0.5) lost three to four digits against scipy's operator).
    scale = np.maximum(1.0, np.abs(x))
    return eps**exponent / float(np.max(np.abs(v) / scale))


class HessianVectorProduct:
    """Callable ``(x, v) -> H(x) @ v``; see :func:`hessp`.

    Attributes
    ----------
    gradient : GradientFunction
        The gradient differenced along ``v``.
    """

    def __init__(self, f, **options):
        self.gradient = GradientFunction(f, **options)

    @property
    def nfev(self) -> int:
        """Evaluations of ``f`` spent by all products so far (two gradients each)."""
        return self.gradient.nfev

    def __call__(self, x: ArrayLike, v: ArrayLike, *args, **kwargs) -> np.ndarray:
        """``H(x) @ v``; extra arguments of ``f`` follow, as scipy passes them to ``hessp``."""
        eps = working_eps(x)
        x = as_point(x)
        v = _direction(v, x.shape[0])
        if not np.any(v):
            return np.zeros_like(x)
        # The gradients carry ~eps**(2/3) of rounding error, which the outer
        # difference divides by t against a t**2 truncation: t ~ eps**(2/9).
        t = _directional_step(x, v, eps, 2 / 9)
        upper = self.gradient(x + t * v, *args, **kwargs)
        return (upper - self.gradient(x - t * v, *args, **kwargs)) / (2.0 * t)


def hessp(f, **options) -> HessianVectorProduct:
    """Hessian-vector product function of ``f``: ``hessp(f)(x, v) == hvp(f, x, v)``.

    For ``scipy.optimize.minimize(f, x0, method="Newton-CG", jac=grad(f),
    hessp=hessp(f))``, with ``args=`` too (``hessp(f)(x, v, *args)``).
    Options as for :func:`fastdiff.gradient`.
    """
    return HessianVectorProduct(f, **options)


def hvp(f, x: ArrayLike, v: ArrayLike, **options) -> np.ndarray:
    """Hessian of scalar ``f`` at ``x`` times ``v``, without forming the Hessian.

    Parameters
    ----------
    f : callable
        Scalar function, compiled or Python (as for :func:`fastdiff.gradient`).
    x, v : array_like, shape (n,)
        Point and direction.
    **options
        Options of :func:`fastdiff.gradient` for the two gradients.

    Returns
    -------
    ndarray, shape (n,)

    Notes
    -----
    ``(grad f(x + t v) - grad f(x - t v)) / (2 t)`` with
    ``t = eps**(2/9) / max_j(|v_j| / max(1, |x_j|))`` (no coordinate moves
    further than its own relative step): two gradients, 4n
    evaluations with central gradients, against n**2 + n + 1 for the whole
    Hessian.
    """
    return HessianVectorProduct(f, **options)(x, v)


def jvp(f, x: ArrayLike, v: ArrayLike, *, method: str = "central") -> np.ndarray:
    """Jacobian of ``f`` at ``x`` times ``v``: the derivative of ``f`` along ``v``.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray (m,)`` (or a float), compiled or Python.
    x, v : array_like, shape (n,)
    method : {"central", "forward"}
        Central: ``(f(x + t v) - f(x - t v)) / (2 t)``, 2 evaluations;
        forward: ``(f(x + t v) - f(x)) / t``, 2 evaluations.

    Returns
    -------
    ndarray, shape (m,), or float for a scalar ``f``.

    Notes
    -----
    ``t = eps**p / max_j(|v_j| / max(1, |x_j|))`` with ``p`` = 1/3 (central)
    or 1/2 (forward): the largest step along ``v`` that moves no coordinate
    further than its own default step ``eps**p * max(1, |x_j|)``.
    """
    if method not in ("central", "forward"):
        raise ValueError(f"method must be one of 'central', 'forward'; got {method!r}")
    eps = working_eps(x)
    x = as_point(x)
    v = _direction(v, x.shape[0])
    if not np.all(np.isfinite(x)):
        raise non_finite_error(x, int(np.flatnonzero(~np.isfinite(x))[0]))
    if not callable(f):
        raise TypeError(f"f must be a callable; got {type(f).__name__}")
    if method == "central":
        t = _directional_step(x, v, eps, 1 / 3) if np.any(v) else 1.0
        upper, lower = f(x + t * v), f(x - t * v)
        result = (np.asarray(upper, dtype=np.float64) - np.asarray(lower, dtype=np.float64)) / (
            2 * t
        )
    else:
        t = _directional_step(x, v, eps, 1 / 2) if np.any(v) else 1.0
        upper, center = f(x + t * v), f(x.copy())
        result = (np.asarray(upper, dtype=np.float64) - np.asarray(center, dtype=np.float64)) / t
    if not np.all(np.isfinite(result)):
        raise ValueError(
            "f returned a non-finite value at x +- t v; the product is not defined there"
        )
    return float(result) if np.ndim(result) == 0 else result
