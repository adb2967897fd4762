"""Finite-difference stencils, defined once for every way of evaluating ``f``.

A stencil says at which points ``f`` is evaluated (offsets, in multiples of
the step of each coordinate) and how the values are combined (weights). The
compiled kernels and the Python evaluation path both read these definitions,
so a formula is never written twice.

First derivatives
    ``df/dx_i ~ sum_k weights[k] * f(x + offsets[k] * h_i * e_i) / h_i``.
    An offset of 0 means ``f(x)``, evaluated once and shared by all
    coordinates.

Second derivatives (Hessian)
    ``g_a(i) = f(x + a * h_i * e_i)`` for ``a`` in ``axis_offsets`` and
    ``p_ab(i, j) = f(x + a * h_i * e_i + b * h_j * e_j)`` for ``(a, b)`` in
    ``pair_offsets``. Then::

        H_ii = (c_d * f(x) + sum_a w_d[a] * g_a(i)) / h_i**2
        H_ij = (c_o * f(x) + sum_a w_o[a] * (g_a(i) + g_a(j))
                + sum_p w_p[p] * p_p(i, j)) / (h_i * h_j)

    The axis values are shared by the diagonal and every off-diagonal entry,
    which is what keeps the evaluation count near ``n**2 / 2`` (one-sided) or
    ``n**2`` (central) instead of ``2 n**2``.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np

from fastdiff.validation import check_choice

#: Method names accepted by ``gradient``, ``jacobian`` and ``hessian``.
METHODS = ("central", "forward", "backward")


class FirstDerivativeStencil(NamedTuple):
    """Points and weights of a first-derivative formula.

    Attributes
    ----------
    offsets : tuple of float
        Multiples of the step at which ``f`` is evaluated.
    weights : tuple of float
        Weights of the values; the sum is divided by the step.
    step_exponent : float
        Default step ``eps**step_exponent * max(1, |x_i|)``, which balances
        truncation against rounding error for this formula.
    order : int
        Order of the truncation error in the step.
    """

    offsets: tuple[float, ...]
    weights: tuple[float, ...]
    step_exponent: float
    order: int

    @property
    def uses_center(self) -> bool:
        """Whether ``f(x)`` itself enters the formula."""
        return _uses_center(self)

    @property
    def evaluations_per_entry(self) -> int:
        """Evaluations of ``f`` per coordinate, not counting ``f(x)``."""
        return _evaluations_per_entry(self)


# Asked on every call of a derivative function: computed once per stencil.
@cache
def _uses_center(stencil: FirstDerivativeStencil) -> bool:
    return any(o == 0.0 and w != 0.0 for o, w in zip(stencil.offsets, stencil.weights))


@cache
def _evaluations_per_entry(stencil: FirstDerivativeStencil) -> int:
    return sum(1 for o, w in zip(stencil.offsets, stencil.weights) if o != 0.0 and w != 0.0)


class HessianStencil(NamedTuple):
    """Points and weights of a second-derivative formula (see module notes)."""

    axis_offsets: tuple[float, ...]
    diagonal_center_weight: float
    diagonal_axis_weights: tuple[float, ...]
    pair_offsets: tuple[tuple[float, float], ...]
    pair_weights: tuple[float, ...]
    offdiagonal_center_weight: float
    offdiagonal_axis_weights: tuple[float, ...]
    step_exponent: float

    def evaluation_count(self, n: int) -> int:
        """Number of evaluations of ``f`` for an ``n``-dimensional Hessian."""
        return 1 + len(self.axis_offsets) * n + len(self.pair_offsets) * (n * (n - 1) // 2)


FIRST_DERIVATIVE: dict[str, FirstDerivativeStencil] = {
    "forward": FirstDerivativeStencil((0.0, 1.0), (-1.0, 1.0), 1 / 2, 1),
    "backward": FirstDerivativeStencil((-1.0, 0.0), (-1.0, 1.0), 1 / 2, 1),
    "central": FirstDerivativeStencil((-1.0, 1.0), (-0.5, 0.5), 1 / 3, 2),
}

#: Second-order one-sided formulas: what a central difference becomes at a
#: bound, or when one of its points fails (same accuracy order, one side).
ONE_SIDED_SECOND_ORDER: dict[str, FirstDerivativeStencil] = {
    "forward": FirstDerivativeStencil((0.0, 1.0, 2.0), (-1.5, 2.0, -0.5), 1 / 3, 2),
    "backward": FirstDerivativeStencil((0.0, -1.0, -2.0), (1.5, -2.0, 0.5), 1 / 3, 2),
}

HESSIAN: dict[str, HessianStencil] = {
    # H_ij = [f(x+hi+hj) - f(x+hi) - f(x+hj) + f(x)] / (hi hj); the diagonal is
    # the same formula with i = j, which needs f(x + 2 hi).
    "forward": HessianStencil(
        axis_offsets=(1.0, 2.0),
        diagonal_center_weight=1.0,
        diagonal_axis_weights=(-2.0, 1.0),
        pair_offsets=((1.0, 1.0),),
        pair_weights=(1.0,),
        offdiagonal_center_weight=1.0,
        offdiagonal_axis_weights=(-1.0, 0.0),
        step_exponent=1 / 3,
    ),
    "backward": HessianStencil(
        axis_offsets=(-1.0, -2.0),
        diagonal_center_weight=1.0,
        diagonal_axis_weights=(-2.0, 1.0),
        pair_offsets=((-1.0, -1.0),),
        pair_weights=(1.0,),
        offdiagonal_center_weight=1.0,
        offdiagonal_axis_weights=(-1.0, 0.0),
        step_exponent=1 / 3,
    ),
    # Second order: odd Taylor terms cancel between x + a and x - a, so
    # f(x+hi+hj) + f(x-hi-hj) - [f(x+hi) + f(x-hi)] - [f(x+hj) + f(x-hj)] + 2 f(x)
    # = 2 hi hj H_ij + O(h**4), with the axis points shared with the diagonal.
    "central": HessianStencil(
        axis_offsets=(1.0, -1.0),
        diagonal_center_weight=-2.0,
        diagonal_axis_weights=(1.0, 1.0),
        pair_offsets=((1.0, 1.0), (-1.0, -1.0)),
        pair_weights=(0.5, 0.5),
        offdiagonal_center_weight=1.0,
        offdiagonal_axis_weights=(-0.5, -0.5),
        step_exponent=1 / 4,
    ),
}


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def writable(table: np.ndarray) -> np.ndarray:
    """``table`` itself if writable, else a writable copy.

    Every stencil table reaches the kernels writable, as the tables that
    compiled code builds are: Numba types a read-only array apart from a
    writable one and would compile each kernel once for each.
    """
    return table if table.flags.writeable else table.copy()


@lru_cache(maxsize=8)
def first_derivative_row(method: str) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and weights of ``method`` as one row, shape (1, k), for all coordinates.

    Shared by every caller (cached): writable, as the kernels take them
    (see :func:`writable`), and never written to.
    """
    stencil = FIRST_DERIVATIVE[method]
    offsets = np.asarray([stencil.offsets], dtype=np.float64)
    weights = np.asarray([stencil.weights], dtype=np.float64)
    return offsets, weights


def stencil_row(stencil: FirstDerivativeStencil, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``stencil`` padded with zero weights to ``width`` entries."""
    offsets = np.zeros(width)
    weights = np.zeros(width)
    offsets[: len(stencil.offsets)] = stencil.offsets
    weights[: len(stencil.weights)] = stencil.weights
    return offsets, weights


def first_derivative_table(method: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-coordinate offsets and weights of ``method`` for ``n`` coordinates.

    Returns
    -------
    offsets, weights : ndarray, shape (n, k)
        Row ``i`` is the stencil of coordinate ``i``, a new writable array:
        the kernels accept a different stencil per coordinate so that bounds
        and fallbacks can change single rows.
    """
    offsets, weights = first_derivative_row(method)
    return np.repeat(offsets, n, axis=0), np.repeat(weights, n, axis=0)


@lru_cache(maxsize=8)
def hessian_arrays(method: str) -> tuple[np.ndarray, ...]:
    """The Hessian stencil of ``method`` as the arrays the kernels take.

    In the order of :mod:`fastdiff.stencil_positions`, whose names the
    kernels index the tuple with.

    Returns
    -------
    axis_offsets, diagonal_axis_weights, offdiagonal_axis_weights : ndarray, shape (a,)
    pair_offsets : ndarray, shape (p, 2)
    pair_weights : ndarray, shape (p,)
    center_weights : ndarray, shape (2,)
        ``(diagonal_center_weight, offdiagonal_center_weight)``.
    """
    s = HESSIAN[method]
    arrays = (
        np.asarray(s.axis_offsets, dtype=np.float64),
        np.asarray(s.diagonal_axis_weights, dtype=np.float64),
        np.asarray(s.offdiagonal_axis_weights, dtype=np.float64),
        np.asarray(s.pair_offsets, dtype=np.float64).reshape(-1, 2),
        np.asarray(s.pair_weights, dtype=np.float64),
        np.asarray([s.diagonal_center_weight, s.offdiagonal_center_weight]),
    )
    return tuple(_frozen(a) for a in arrays)


# --- Methods -------------------------------------------------------------------
# A ``method=`` string is resolved once, at the boundary, into a Method that
# knows its stencils, counts, steps and fallbacks; nothing below the options
# compares method names again.

#: Methods beyond a single stencil, built on central passes.
RICHARDSON = "richardson"
COMPLEX = "complex"

#: Method names of the dense gradient and Jacobian; the Hessian has no
#: complex step, sparse derivatives and optimizers take :data:`METHODS`.
FIRST_DERIVATIVE_METHODS = (*METHODS, RICHARDSON, COMPLEX)
HESSIAN_METHODS = (*METHODS, RICHARDSON)


class Method(NamedTuple):
    """What a ``method=`` name means, resolved once by :func:`resolve_method`.

    Attributes
    ----------
    name : str
        The name the user gave.
    base : str
        The stencil the passes run: ``name`` itself for the stencil methods,
        ``"central"`` for ``"richardson"`` (central passes at shrinking
        steps) and ``"complex"`` (whose steps follow its own rule).
    first : FirstDerivativeStencil
        First-derivative stencil of ``base``.
    second : HessianStencil
        Hessian stencil of ``base``.
    is_stencil : bool
        One stencil evaluated once (central, forward, backward): the fast
        path, with bounds and fallbacks.
    extrapolated : bool
        Richardson extrapolation over central passes.
    complex_step : bool
        Complex-step differentiation.
    symmetric : bool
        The stencil has points on both sides of ``x`` (central).
    fallbacks : tuple of FirstDerivativeStencil
        Tried in order, per coordinate, where a point of ``first`` failed:
        second-order one-sided formulas (then first-order ones) for central,
        the other side for one-sided methods.
    within_box : tuple of FirstDerivativeStencil
        Preferred stencils near a bound, in order of preference.
    shrunk_within_box : tuple of FirstDerivativeStencil
        The (forward, backward) pair used with a shrunk step where no
        preferred stencil fits, and for central a third, central itself,
        used with the step the narrower side allows when that is enough.
    """

    name: str
    base: str
    first: FirstDerivativeStencil
    second: HessianStencil
    is_stencil: bool
    extrapolated: bool
    complex_step: bool
    symmetric: bool
    fallbacks: tuple[FirstDerivativeStencil, ...]
    within_box: tuple[FirstDerivativeStencil, ...]
    shrunk_within_box: tuple[FirstDerivativeStencil, ...]

    @property
    def uses_value(self) -> bool:
        """Whether the first-derivative stencil uses ``f(x)`` itself."""
        return self.first.uses_center

    @property
    def evaluations_per_entry(self) -> int:
        """Evaluations per coordinate of a first-derivative pass, ``f(x)`` not counted."""
        return self.first.evaluations_per_entry

    def gradient_evaluations(self, n: int, with_value: bool = False) -> int | None:
        """Evaluations of one gradient at ``n`` coordinates (None: not fixed in advance).

        ``with_value``: ``f(x)`` is wanted too (``value_and_grad``).
        """
        if self.extrapolated:
            return None
        if self.complex_step:
            # A compiled f: one more evaluation checks the result
            # (:mod:`fastdiff.high_accuracy.complex_step_check`).
            return n + 1 + int(with_value)
        return self.first.evaluations_per_entry * n + int(self.first.uses_center or with_value)

    def jacobian_evaluations(self, n: int, knows_length: bool = False) -> int | None:
        """Evaluations of one Jacobian; ``f(x)`` is added unless the stencil skips it and
        the output length is ``known`` already."""
        if self.extrapolated:
            return None
        if self.complex_step:
            return n + 2  # f(x) for the length, and the check
        return self.first.evaluations_per_entry * n + int(
            self.first.uses_center or not knows_length
        )

    def hessian_evaluations(self, n: int) -> int | None:
        """Evaluations of one Hessian (None: not fixed in advance)."""
        return None if self.extrapolated else self.second.evaluation_count(n)


def _method(name: str) -> Method:
    base = name if name in METHODS else "central"
    if base == "central":
        fallbacks = (
            ONE_SIDED_SECOND_ORDER["forward"],
            ONE_SIDED_SECOND_ORDER["backward"],
            FIRST_DERIVATIVE["forward"],
            FIRST_DERIVATIVE["backward"],
        )
        within_box = (FIRST_DERIVATIVE["central"], *fallbacks[:2])
        # Central last: with the narrower side's room, where that is enough
        # (:data:`fastdiff.kernels.bounds.CENTRAL_ROOM_RATIO`).
        shrunk = (*fallbacks[:2], FIRST_DERIVATIVE["central"])
    else:
        other = "backward" if base == "forward" else "forward"
        fallbacks = (FIRST_DERIVATIVE[other],)
        within_box = (FIRST_DERIVATIVE[base], FIRST_DERIVATIVE[other])
        shrunk = (FIRST_DERIVATIVE["forward"], FIRST_DERIVATIVE["backward"])
    return Method(
        name=name,
        base=base,
        first=FIRST_DERIVATIVE[base],
        second=HESSIAN[base],
        is_stencil=name in METHODS,
        extrapolated=name == RICHARDSON,
        complex_step=name == COMPLEX,
        symmetric=base == "central",
        fallbacks=fallbacks,
        within_box=within_box,
        shrunk_within_box=shrunk,
    )


_RESOLVED = {name: _method(name) for name in FIRST_DERIVATIVE_METHODS}


def resolve_method(method, choices: tuple[str, ...] = METHODS, name: str = "method") -> Method:
    """The :class:`Method` of a ``method=`` name, if it is one of ``choices``.

    Raises ``TypeError`` / ``ValueError`` naming the valid choices.
    """
    return _RESOLVED[check_choice(method, choices, name)]
