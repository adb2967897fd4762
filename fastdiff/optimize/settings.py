"""Solver settings: immutable, checked once, readable by the compiled loops.

A :class:`Settings` holds only numbers (the algorithm is an integer code), so
the same object is passed to the compiled loop, which Numba specialises once
for all problems, and to the Python loop. Each public optimizer builds one
with the checkers below, which raise ``TypeError``/``ValueError`` naming the
option and what was expected.
"""

from __future__ import annotations

import difflib
import math
import numbers
from typing import NamedTuple

import numpy as np

from fastdiff import stencils
from fastdiff.options import derivative_options
from fastdiff.validation import steps_for

GRADIENT_DESCENT = 0
MOMENTUM = 1
NEWTON = 2
SECANT = 3
BFGS = 4


class Settings(NamedTuple):
    """What one solve does; see the optimizers for the meaning of each option.

    ``line_search`` is decided by the optimizer: an option of gradient
    descent, always on for BFGS, ``safeguard`` for Newton and the secant
    method, off for momentum.
    """

    algorithm: int
    learning_rate: float
    momentum: float
    nesterov: bool
    line_search: bool
    safeguard: bool
    maxiter: int
    gtol: float
    xtol: float
    ftol: float
    max_increase: float
    history: bool


def make_settings(
    algorithm: int,
    *,
    learning_rate: float = 1.0,
    momentum: float = 0.0,
    nesterov: bool = False,
    line_search: bool = True,
    safeguard: bool = True,
    maxiter: int,
    gtol: float,
    xtol: float,
    ftol: float,
    max_increase: float,
    history: bool,
) -> Settings:
    """Check the options shared by all optimizers and build :class:`Settings`."""
    return Settings(
        algorithm=algorithm,
        learning_rate=positive(learning_rate, "learning_rate"),
        momentum=fraction(momentum, "momentum"),
        nesterov=flag(nesterov, "nesterov"),
        line_search=flag(line_search, "line_search"),
        safeguard=flag(safeguard, "safeguard"),
        maxiter=count(maxiter, "maxiter"),
        gtol=non_negative(gtol, "gtol"),
        xtol=non_negative(xtol, "xtol"),
        ftol=non_negative(ftol, "ftol"),
        max_increase=positive(max_increase, "max_increase", allow_inf=True),
        history=flag(history, "history"),
    )


def _real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must be a number; got nan")
    return value


def positive(value, name: str, allow_inf: bool = False) -> float:
    """``value`` as a float > 0 (finite unless ``allow_inf``)."""
    number = _real(value, name)
    if number <= 0.0 or (math.isinf(number) and not allow_inf):
        kind = "positive" if allow_inf else "positive and finite"
        raise ValueError(f"{name} must be {kind}; got {value!r}")
    return number


def non_negative(value, name: str) -> float:
    """``value`` as a finite float >= 0 (0 switches a tolerance off)."""
    number = _real(value, name)
    if not (0.0 <= number < math.inf):
        raise ValueError(f"{name} must be >= 0 and finite (0 switches it off); got {value!r}")
    return number


def fraction(value, name: str) -> float:
    """``value`` as a float in [0, 1)."""
    number = _real(value, name)
    if not (0.0 <= number < 1.0):
        raise ValueError(f"{name} must be in [0, 1); got {value!r}")
    return number


def count(value, name: str) -> int:
    """``value`` as an int >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0; got {value!r}")
    return int(value)


def flag(value, name: str) -> bool:
    """``value`` as a bool (numpy bools accepted)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise TypeError(f"{name} must be True or False; got {value!r}")


# Names other libraries use for the same options.
_ALIASES = {
    "lr": "learning_rate",
    "step_size": "learning_rate",
    "alpha": "learning_rate",
    "beta": "momentum",
    "tol": "gtol",
    "max_iter": "maxiter",
    "maxit": "maxiter",
}


#: Options every optimizer takes (stopping rules, derivative options, history, callback).
COMMON_OPTIONS = (
    "maxiter",
    "gtol",
    "xtol",
    "ftol",
    "max_increase",
    "method",
    "step",
    "parallel",
    "history",
    "callback",
    "args",
)


def reject_unknown(function: str, unknown: dict, valid: tuple[str, ...]) -> None:
    """Raise a ``TypeError`` for options ``function`` does not take, with suggestions."""
    if not unknown:
        return
    name = sorted(unknown)[0]
    close = [_ALIASES[name]] if _ALIASES.get(name) in valid else []
    close = close or difflib.get_close_matches(name, valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise TypeError(
        f"{function}() got an unknown option {name!r}.{hint} Valid options: {', '.join(valid)}."
    )


class Differences(NamedTuple):
    """How the compiled loop differentiates: stencils, steps and their costs.

    Attributes
    ----------
    offsets, weights : ndarray, shape (1, k)
        First-derivative stencil (:func:`fastdiff.stencils.first_derivative_row`).
    gradient_exponent : float
        Default gradient step ``eps**gradient_exponent * max(1, |x_i|)``.
    gradient_evaluations : int
        Evaluations per gradient, ``f`` at the point itself not counted.
    step : ndarray, shape (n,) or (0,)
        Absolute steps, or empty for the relative default.
    hessian_axis_offsets, hessian_diagonal_weights, hessian_offdiagonal_weights, \
    hessian_pair_offsets, hessian_pair_weights, hessian_center_weights : ndarray
        The arrays of :func:`fastdiff.stencils.hessian_arrays`, as separate
        fields: a tuple of arrays cannot cross into a parallel loop.
    hessian_exponent : float
    hessian_evaluations : int
        Evaluations per Hessian, ``f`` at the point itself not counted.
    """

    offsets: np.ndarray
    weights: np.ndarray
    gradient_exponent: float
    gradient_evaluations: int
    step: np.ndarray
    hessian_axis_offsets: np.ndarray
    hessian_diagonal_weights: np.ndarray
    hessian_offdiagonal_weights: np.ndarray
    hessian_pair_offsets: np.ndarray
    hessian_pair_weights: np.ndarray
    hessian_center_weights: np.ndarray
    hessian_exponent: float
    hessian_evaluations: int


def make_differences(method: str, step, n: int) -> Differences:
    """Check ``method`` and ``step`` and describe them for ``n`` coordinates.

    The arrays are the engine's own (read-only, shared), so the compiled
    loops reuse the kernels the derivative functions compiled for them.
    """
    options = derivative_options(method=method, step=step)
    resolved = options.method
    offsets, weights = stencils.first_derivative_row(resolved.base)
    hessian = stencils.hessian_arrays(resolved.base)
    return Differences(
        offsets=offsets,
        weights=weights,
        gradient_exponent=float(resolved.first.step_exponent),
        gradient_evaluations=resolved.evaluations_per_entry * n,
        step=steps_for(options.step, n),
        hessian_axis_offsets=hessian[0],
        hessian_diagonal_weights=hessian[1],
        hessian_offdiagonal_weights=hessian[2],
        hessian_pair_offsets=hessian[3],
        hessian_pair_weights=hessian[4],
        hessian_center_weights=hessian[5],
        hessian_exponent=float(resolved.second.step_exponent),
        hessian_evaluations=resolved.hessian_evaluations(n) - 1,
    )
