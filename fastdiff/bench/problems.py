"""The benchmark's built-in problems: functions defined for every dimension.

Built-in problems (:data:`BUILTIN_PROBLEMS`), each defined for every ``n``:

- ``rosenbrock``: extended Rosenbrock, scalar (gradient, Hessian);
- ``trigonometric``: the trigonometric system of Moré, Garbow and Hillstrom,
  a vector map with a dense Jacobian;
- ``broyden``: Broyden's tridiagonal system, a banded Jacobian.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit


@njit(cache=True)
def extended_rosenbrock(x):
    """Extended Rosenbrock function, sum of 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2."""
    total = 0.0
    for i in range(x.shape[0] - 1):
        total += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return total


@njit(cache=True)
def broyden_tridiagonal(x):
    """Broyden tridiagonal residuals F_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1."""
    n = x.shape[0]
    out = np.empty(n, dtype=x.dtype)  # complex for the complex-step method
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        out[i] = (3.0 - 2.0 * x[i]) * x[i] - left - 2.0 * right + 1.0
    return out


@njit(cache=True)
def trigonometric_system(x):
    """Trigonometric system F_i = n - sum_j cos x_j + i (1 - cos x_i) - sin x_i, i = 1..n.

    Every output depends on every input (a dense Jacobian), at O(n) cost per
    evaluation.
    """
    n = x.shape[0]
    cosines = 0.0
    for j in range(n):
        cosines += np.cos(x[j])
    out = np.empty(n, dtype=x.dtype)
    for i in range(n):
        out[i] = n - cosines + (i + 1) * (1.0 - np.cos(x[i])) - np.sin(x[i])
    return out


@dataclass(frozen=True)
class Problem:
    """A function defined for every dimension, with a start point.

    Attributes
    ----------
    name : str
        Short name, as given on the command line.
    build : callable
        ``build(n) -> (f, x0)``: the function for dimension ``n`` and the
        point at which it is differentiated, shape (n,).
    vector : bool
        ``f`` returns a 1-D array (Jacobian) rather than a number (gradient,
        Hessian).
    description : str
        One line for listings.
    """

    name: str
    build: Callable[[int], tuple[Callable, np.ndarray]]
    vector: bool
    description: str

    @property
    def objects(self) -> tuple[str, ...]:
        """The derivatives that apply: ``("jacobian",)`` or ``("gradient", "hessian")``."""
        return ("jacobian",) if self.vector else ("gradient", "hessian")


def _rosenbrock_start(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 2 == 0, -1.2, 1.0)


BUILTIN_PROBLEMS: dict[str, Problem] = {
    "rosenbrock": Problem(
        "rosenbrock",
        lambda n: (extended_rosenbrock, _rosenbrock_start(n)),
        False,
        "extended Rosenbrock, scalar (gradient, Hessian); x0 = (-1.2, 1, -1.2, ...)",
    ),
    "trigonometric": Problem(
        "trigonometric",
        lambda n: (trigonometric_system, np.full(n, 1.0 / n)),
        True,
        "trigonometric system R^n -> R^n, dense Jacobian; x0 = 1/n",
    ),
    "broyden": Problem(
        "broyden",
        lambda n: (broyden_tridiagonal, np.full(n, -1.0)),
        True,
        "Broyden tridiagonal system, banded Jacobian; x0 = -1",
    ),
}


def problem(kind: str):
    """The built-in function and start point for ``kind``; returns ``(f, x_of_n, vector)``.

    Broyden tridiagonal for the Jacobian, extended Rosenbrock otherwise.
    """
    if kind == "jacobian":
        return broyden_tridiagonal, lambda n: np.full(n, -1.0), True
    return extended_rosenbrock, _rosenbrock_start, False
