"""Checking a hand-written gradient against finite differences, entry by entry.

``scipy.optimize.check_grad`` returns one number, the norm of the difference,
with no scale to judge it by. :func:`check_gradient` computes fastdiff's
gradient with steps chosen from ``f`` (:mod:`fastdiff.auto_steps`), attaches
to every entry an error bar from the noise and truncation estimates of that
choice (or Richardson's own error estimate), and lists the entries where
the user's gradient lies outside it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from fastdiff.api import gradient
from fastdiff.validation import as_point, check_choice

#: The error bar is this many times the predicted error (the predictions
#: are estimates of magnitude, not bounds).
SAFETY = 10.0
#: And at least this relative part of the entry (rounding in the user's
#: own formula).
RELATIVE_FLOOR = 1e-12


class GradientCheck(NamedTuple):
    """What :func:`check_gradient` found.

    Attributes
    ----------
    wrong : ndarray of intp
        Entries where ``|user - numerical| > tolerance``.
    user, numerical : ndarray, shape (n,)
        The gradient given and fastdiff's.
    tolerance : ndarray, shape (n,)
        The error bar per entry.
    unchecked : ndarray of intp
        Entries without an error bar (no curvature estimate; inf tolerance).
    nfev : int
        Evaluations of ``f`` (the user's gradient is called once).
    message : str
    """

    wrong: np.ndarray
    user: np.ndarray
    numerical: np.ndarray
    tolerance: np.ndarray
    unchecked: np.ndarray
    nfev: int
    message: str

    @property
    def ok(self) -> bool:
        """Whether every checked entry agrees."""
        return self.wrong.size == 0


def check_gradient(f, grad, x: ArrayLike, *, method: str = "central", **options) -> GradientCheck:
    """Compare a gradient function with fastdiff's, entry by entry, with error bars.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; compiled or Python (see :func:`fastdiff.gradient`).
    grad : callable
        ``grad(x) -> array (n,)``, the gradient to check.
    x : array_like, shape (n,)
        Point; finite.
    method : {"central", "richardson"}
        ``"central"``: steps chosen from ``f`` (``step="auto"``), error bar
        ``SAFETY`` times the predicted truncation plus noise error of each
        entry. ``"richardson"``: the extrapolation's own error estimate plus
        the noise at machine precision, times ``SAFETY``.
    **options
        Evaluation options passed to :func:`fastdiff.gradient`
        (``vectorized``, ``workers``, ``executor``, ``evaluator``).

    Returns
    -------
    GradientCheck
        ``wrong`` lists the entries that disagree beyond their error bar.

    Raises
    ------
    ValueError
        ``grad(x)`` is not a finite array of shape (n,); ``x`` or an option is
        invalid.

    Notes
    -----
    Central: the step choice (at most ``max(6n, 9 + 4(n + 4))``
    evaluations) plus ``2n``. Richardson: as :func:`fastdiff.gradient` with
    ``method="richardson", full_output=True``.

    Examples
    --------
    >>> import numpy as np, fastdiff
    >>> f = lambda x: float(x[0] ** 2 + np.sin(x[1]))
    >>> wrong_grad = lambda x: np.array([2 * x[0], np.sin(x[1])])
    >>> fastdiff.check_gradient(f, wrong_grad, np.array([1.0, 0.5])).wrong
    array([1])
    """
    method = check_choice(method, ("central", "richardson"), "method")
    for name in ("step", "rel_step", "full_output", "method"):
        if name in options:
            raise TypeError(f"check_gradient chooses {name} itself; do not pass {name}=")
    point = as_point(x)
    user = np.asarray(grad(point.copy()), dtype=np.float64)
    if user.shape != point.shape:
        raise ValueError(
            f"grad(x) must return an array of shape {point.shape}; got shape {user.shape}"
        )
    if not np.all(np.isfinite(user)):
        bad = int(np.flatnonzero(~np.isfinite(user))[0])
        raise ValueError(f"grad(x) must be finite; grad(x)[{bad}] is {user[bad]}")
    if method == "central":
        result = gradient(f, x, step="auto", full_output=True, **options)
        predicted = result.auto_steps.error
        numerical = result.derivative
    else:
        result = gradient(f, x, method="richardson", full_output=True, **options)
        numerical = result.derivative
        rounding = np.finfo(np.float64).eps * abs(result.value) / result.step
        predicted = np.where(np.isfinite(result.error), result.error, np.inf) + rounding
    tolerance = SAFETY * predicted + RELATIVE_FLOOR * np.maximum(np.abs(numerical), np.abs(user))
    difference = np.abs(user - numerical)
    wrong = np.flatnonzero(difference > tolerance)
    unchecked = np.flatnonzero(~np.isfinite(tolerance))
    if wrong.size:
        worst = int(wrong[np.argmax(difference[wrong] / tolerance[wrong])])
        message = (
            f"{wrong.size} of {point.shape[0]} entries disagree; worst {worst}: "
            f"grad gives {user[worst]:.10g}, finite differences {numerical[worst]:.10g} "
            f"+- {tolerance[worst]:.2g}"
        )
    else:
        message = f"all {point.shape[0] - unchecked.size} checked entries agree"
    if unchecked.size:
        message += f"; {unchecked.size} entries without an error bar (no curvature estimate)"
    return GradientCheck(wrong, user, numerical, tolerance, unchecked, result.nfev, message)
