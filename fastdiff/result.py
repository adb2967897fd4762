"""The full result of a derivative, for ``full_output=True``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fastdiff.status import MESSAGES, OK


@dataclass(frozen=True)
class DerivativeResult:
    """A derivative with what it cost and how far to trust it.

    The same type for gradients, Jacobians and Hessians.

    Attributes
    ----------
    derivative : ndarray or pytree
        Shape (n,), (m, n) or (n, n). NaN where no stencil could be evaluated
        (see ``status``). For a parameter tree ``x``: in the structure of
        ``x`` (the gradient a tree like ``x``, the Jacobian a tree like ``x``
        with leaves ``(m, *leaf.shape)``, the Hessian a tree of trees; see
        :mod:`fastdiff.pytree`).
    value : float or ndarray or None
        ``f(x)``, when it was evaluated.
    error : ndarray or None
        Estimated absolute error per entry (Richardson extrapolation), or
        None where the method gives no estimate.
    step : ndarray, shape (n,)
        Step used per coordinate (signed where a Hessian stepped backwards).
    nfev : int
        Evaluations of ``f``.
    status : ndarray of int8
        Per entry (per column for a Jacobian): 0 if computed, else a code of
        :mod:`fastdiff.status` telling why not.
    method : str
        The method asked for.
    auto_steps : fastdiff.auto_steps.AutoSteps or None
        With ``step="auto"``: the chosen steps, the noise estimate and the
        evaluations spent choosing (included in ``nfev`` on the call that
        chose them).
    converged : ndarray of bool or None
        ``method="richardson"``: per entry (shape of ``derivative``), whether
        ``error <= atol + rtol * |derivative|``. False where the level limit
        or the rounding error stopped the entry first, and where it could
        not be computed. None for the other methods, which have no
        tolerance to meet.
    levels : ndarray of int or None
        ``method="richardson"``: per entry, the number of steps ``h / 2**k``
        (levels) its estimate used, 2 to ``max_levels``. None for the other
        methods (one step each).
    layout : fastdiff.pytree.Layout or None
        For a parameter tree ``x``: where each leaf sits in the flat vector.
        ``value``, ``error``, ``step``, ``status``, ``converged`` and
        ``levels`` stay flat, in that order (``layout.paths[k]`` names flat
        entry ``k``; ``layout(result.step)`` gives the steps as a tree).
        None for a flat ``x``.
    """

    derivative: np.ndarray
    value: object
    error: np.ndarray | None
    step: np.ndarray
    nfev: int
    status: np.ndarray
    method: str
    auto_steps: object = None
    converged: np.ndarray | None = None
    levels: np.ndarray | None = None
    layout: object = None

    @property
    def success(self) -> bool:
        """Whether every entry was computed."""
        return bool(np.all(self.status == OK))

    @property
    def message(self) -> str:
        """A sentence on the entries that failed, or "ok"."""
        failed = np.argwhere(self.status != OK)
        if failed.size == 0:
            return "ok"
        first = tuple(int(i) for i in failed[0])
        code = int(self.status[first])
        where = first[0] if len(first) == 1 else first
        if self.layout is not None and len(first) == 1:
            where = f"x{self.layout.paths[first[0]]}"
        return f"{len(failed)} entries not computed; first {where}: {MESSAGES.get(code, code)}"
