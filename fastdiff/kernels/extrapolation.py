"""Richardson extrapolation one level at a time: the table, the error estimate, the stop.

The combine step of ``method="richardson"``, compiled and written once: the
compiled drivers (:mod:`fastdiff.kernels.richardson`) and the Python level
loop (:func:`fastdiff.high_accuracy.richardson.extrapolate_adaptively`) both
fill a table of central estimates, one level (step ``h / ratio**k``) at a
time, and after each level call :func:`add_level` then :func:`choose_active`;
when no entry is active any more, :func:`finish_entries`.

Entries are flat: the coordinates of a gradient, the entries of a Jacobian
(column after column) or of the upper triangle of a Hessian. Per entry:

``table`` (max_levels, N)
    The central estimate at each level; NaN where the level was not
    computed for the entry (or ``f`` failed there).
``estimate``, ``truncation`` (N,)
    The best extrapolation so far and ``safety * |E - E_lower|``, where
    ``E_lower`` is the extrapolation one order lower from the same window's
    finer levels: the size of the last error term removed, which bounds the
    truncation error left (it is the error of the lower-order value).
``start`` (N,)
    First level of the window kept; -1 while no window is complete.
``active`` (N,)
    Whether the entry gets the next level.
``levels`` (N,)
    Levels computed for the entry.

After two levels an entry may stop with the two-level extrapolation (its
estimate is then the error of the finer central difference: conservative).
From the third level on, each new level gives a window of the three finest,
and the window with the smallest estimate is kept. An entry stops once its
estimate meets ``atol + rtol * |estimate|``, after ``patience`` windows
without improvement (rounding error has taken over), or at ``max_levels``;
it never resumes. These choices use the truncation part alone (smaller
steps cannot reduce the rounding part), so they do not depend on whether
``f(x)`` is known; :func:`finish_entries` adds the rounding part.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit

#: Rows of :attr:`ExtrapolationSchedule.weights`.
THREE_LEVELS = 0
THREE_LEVELS_LOWER = 1
TWO_LEVELS = 2
TWO_LEVELS_LOWER = 3

#: Positions in :attr:`ExtrapolationSchedule.settings` (:data:`SETTINGS` of them).
SAFETY_SETTING = 0
RTOL_SETTING = 1
ATOL_SETTING = 2
MIN_LEVELS_SETTING = 3
MAX_LEVELS_SETTING = 4
PATIENCE_SETTING = 5
RATIO_SETTING = 6
SETTINGS = 7


class ExtrapolationSchedule(NamedTuple):
    """What the level loop needs, built by :func:`fastdiff.high_accuracy.richardson.extrapolation_schedule`.

    Two arrays, as the kernels take them (an array crosses from Python into
    compiled code in a tenth of a microsecond, a named tuple in several).

    Attributes
    ----------
    weights : ndarray, shape (4, 3)
        Rows :data:`THREE_LEVELS` (weights of a window of three levels,
        coarsest first), :data:`THREE_LEVELS_LOWER` (the two-level
        extrapolation from its two finest levels, first weight 0),
        :data:`TWO_LEVELS` (the two-level extrapolation, last weight 0) and
        :data:`TWO_LEVELS_LOWER` (``(0, 1, 0)``: the finer estimate).
    settings : ndarray, shape (7,)
        The numbers of :func:`extrapolation_schedule_of`, in its order; also
        readable as the properties of the same names.
    """

    weights: np.ndarray
    settings: np.ndarray

    @property
    def safety(self) -> float:
        return float(self.settings[SAFETY_SETTING])

    @property
    def rtol(self) -> float:
        return float(self.settings[RTOL_SETTING])

    @property
    def atol(self) -> float:
        return float(self.settings[ATOL_SETTING])

    @property
    def min_levels(self) -> int:
        return int(self.settings[MIN_LEVELS_SETTING])

    @property
    def max_levels(self) -> int:
        return int(self.settings[MAX_LEVELS_SETTING])

    @property
    def patience(self) -> int:
        return int(self.settings[PATIENCE_SETTING])

    @property
    def ratio(self) -> float:
        return float(self.settings[RATIO_SETTING])


def extrapolation_schedule_of(
    weights: np.ndarray,
    *,
    safety: float,
    rtol: float,
    atol: float,
    min_levels: int,
    max_levels: int,
    patience: int,
    ratio: float,
) -> ExtrapolationSchedule:
    """An :class:`ExtrapolationSchedule` from checked settings.

    Parameters
    ----------
    weights : ndarray, shape (4, 3)
        See :class:`ExtrapolationSchedule`.
    safety : float
        Multiplier of the error estimate.
    rtol, atol : float
        Tolerances; ``atol`` NaN for the default (:func:`default_atol`).
    min_levels : {2, 3}
        Levels every entry gets.
    max_levels : int
        Most levels any entry gets.
    patience : int
        Windows without improvement before an entry stops.
    ratio : float
        Ratio between consecutive steps.
    """
    settings = np.empty(SETTINGS)
    settings[SAFETY_SETTING] = safety
    settings[RTOL_SETTING] = rtol
    settings[ATOL_SETTING] = atol
    settings[MIN_LEVELS_SETTING] = min_levels
    settings[MAX_LEVELS_SETTING] = max_levels
    settings[PATIENCE_SETTING] = patience
    settings[RATIO_SETTING] = ratio
    return ExtrapolationSchedule(np.ascontiguousarray(weights, dtype=np.float64), settings)


@njit(cache=True, error_model="numpy", inline="always")
def _window(table, weights, row, first, e):
    # sum_k weights[row, k] * table[first + k, e], zero weights not read.
    total = 0.0
    for k in range(weights.shape[1]):
        w = weights[row, k]
        if w != 0.0:
            total += w * table[first + k, e]
    return total


@njit(cache=True, error_model="numpy")
def add_level(table, level, active, weights, settings, estimate, truncation, start):
    """Take level ``level`` of the active entries into their best extrapolation.

    Parameters
    ----------
    table : ndarray, shape (max_levels, N)
        Row ``level`` filled for the active entries.
    level : int
        The level just computed (0 for the first).
    active : ndarray of bool, shape (N,)
        Entries that got this level.
    weights, settings : ndarray
        Of an :class:`ExtrapolationSchedule`.
    estimate, truncation : ndarray, shape (N,)
        Updated in place (see the module notes).
    start : ndarray of int64, shape (N,)
        Updated in place.

    Notes
    -----
    At the second level the two-level extrapolation is taken (if the
    minimum is 2 levels); at the third the first window of three
    replaces it; later windows replace the kept one only if their error
    estimate is smaller. A window with a NaN estimate is incomplete.
    """
    if level == 0 or (level == 1 and settings[MIN_LEVELS_SETTING] > 2):
        return
    safety = settings[SAFETY_SETTING]
    if level == 1:
        row, lower, first = TWO_LEVELS, TWO_LEVELS_LOWER, 0
    else:
        row, lower, first = THREE_LEVELS, THREE_LEVELS_LOWER, level - 2
    replace_all = level <= 2
    for e in range(active.shape[0]):
        if not active[e]:
            continue
        value = _window(table, weights, row, first, e)
        error = safety * abs(value - _window(table, weights, lower, first, e))
        if math.isnan(error):
            if replace_all:
                estimate[e] = np.nan
                truncation[e] = np.nan
                start[e] = -1
            continue
        if replace_all or start[e] < 0 or error < truncation[e]:
            estimate[e] = value
            truncation[e] = error
            start[e] = first


@njit(cache=True, error_model="numpy")
def default_atol(estimate, truncation, rtol):
    """``rtol * max(1, max(|estimate| - truncation))``: the default absolute tolerance.

    The scale is the largest entry as far as it is known: an entry whose
    steps are still far too large can be wrong by orders of magnitude, and
    its estimate alone would loosen the tolerance of every other entry.
    """
    scale = 1.0
    for e in range(estimate.shape[0]):
        known = abs(estimate[e]) - truncation[e]
        if known > scale:  # False for NaN
            scale = known
    return rtol * scale


@njit(cache=True, error_model="numpy")
def choose_active(level, active, estimate, truncation, start, settings, levels):
    """After level ``level``: which entries get the next one. Returns their number.

    ``active`` and ``levels`` are updated in place; the other arrays are
    those of :func:`add_level`. An entry stays active while it has fewer
    than the minimum of levels (or, after two, no complete window), and
    then while its error estimate exceeds ``atol + rtol * |estimate|``,
    its newest window is fewer than ``patience`` windows past the kept one,
    and fewer than the maximum of levels are done.
    """
    rtol = settings[RTOL_SETTING]
    atol = settings[ATOL_SETTING]
    if math.isnan(atol):
        atol = default_atol(estimate, truncation, rtol)
    min_levels = settings[MIN_LEVELS_SETTING]
    max_levels = settings[MAX_LEVELS_SETTING]
    patience = settings[PATIENCE_SETTING]
    done = level + 1
    count = 0
    for e in range(active.shape[0]):
        if not active[e]:
            continue
        levels[e] = done
        if done >= max_levels:
            keep = False
        elif done < min_levels or (done == 2 and start[e] < 0):
            keep = True
        else:
            tolerance = atol + rtol * abs(estimate[e])
            keep = start[e] >= 0 and truncation[e] > tolerance
            if done > 2:
                keep = keep and (level - 2) - start[e] < patience
        active[e] = keep
        count += keep
    return count


@njit(cache=True, error_model="numpy")
def finish_entries(
    estimate, truncation, start, levels, rounding, growth, weights, settings, error, converged
):
    """Final error estimates (truncation plus rounding) and the converged flags.

    Parameters
    ----------
    estimate, truncation, start, levels : ndarray, shape (N,)
        As left by the level loop.
    rounding : ndarray, shape (N,) or (0,)
        Rounding error of each entry's central estimate at the first level
        (``eps |f(x)| sum|w| / h**d``); empty when ``f(x)`` is not known,
        and then the error is the truncation part alone.
    growth : float
        Factor by which the rounding error grows per level, ``ratio**d``
        (``d`` = 1 for first, 2 for second derivatives).
    weights, settings : ndarray
        Of an :class:`ExtrapolationSchedule`.
    error : ndarray, shape (N,)
        Receives ``truncation + safety * sum_k |w_k| r_k`` over the levels
        of the window kept; NaN where no window is complete.
    converged : ndarray of bool, shape (N,)
        Receives whether ``error <= atol + rtol * |estimate|``.
    """
    rtol = settings[RTOL_SETTING]
    atol = settings[ATOL_SETTING]
    if math.isnan(atol):
        atol = default_atol(estimate, truncation, rtol)
    safety = settings[SAFETY_SETTING]
    known = rounding.shape[0] > 0
    for e in range(estimate.shape[0]):
        if start[e] < 0 or math.isnan(estimate[e]):
            error[e] = np.nan
            converged[e] = False
            continue
        total = truncation[e]
        if known:
            row = TWO_LEVELS if levels[e] == 2 else THREE_LEVELS
            propagated = 0.0
            for k in range(weights.shape[1]):
                w = weights[row, k]
                if w != 0.0:
                    propagated += abs(w) * rounding[e] * growth ** (start[e] + k)
            total += safety * propagated
        error[e] = total
        converged[e] = total <= atol + rtol * abs(estimate[e])
