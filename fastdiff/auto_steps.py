"""Steps chosen from ``f`` itself: the noise level and a curvature per coordinate.

The default step ``eps**p * max(1, |x_i|)`` assumes that ``x_i`` acts on a
unit scale and that ``f`` is accurate to machine precision. ``step="auto"``
measures both instead (More and Wild, ACM TOMS 2012; Gill, Murray, Saunders
and Wright, SIAM J. Sci. Stat. Comput. 1983):

1. the noise ``sigma`` of ``f`` at ``x`` (:func:`fastdiff.noise_level.estimate_noise`,
   6 to 9 evaluations, ``x`` among them), checked by a second, wide table
   at a spacing of 1e-3 (7 to 9 points, ``x`` shared) where the budget has
   room: the output of an adaptive solver is smooth between the points
   where its step sequence changes (every 1e-5 or so), so the first table
   may see rounding only while steps of that size follow slopes that are
   wrong by the jumps over their spacing. If the wide table finds more than
   ``HIDDEN_NOISE`` (10) times the noise, its estimate is used (a sawtooth
   of height 1e-7 and period 2e-5 on a sum of cosines: error 5e-3 with the
   first table's noise, 1e-5 with the wide one's);
2. per coordinate, the size ``c_i`` of the derivative of ``f`` along ``e_i``
   that sets the truncation error of the formula, from a k-th difference at
   a trial spacing ``s_i``;
3. the step that minimises the root-mean-square error
   ``E(h)**2 = (truncation(h))**2 + (noise(h))**2``, the noise being
   independent with standard deviation ``sigma`` at every point.

The rules (``c`` the size of the derivative named, ``sigma`` the noise):

===================  ==========================  ============================  =====================
formula              truncation + noise          minimiser ``h``               probe (k-th difference)
===================  ==========================  ============================  =====================
forward / backward   ``c h / 2``, ``sqrt(2) s/h``  ``8**(1/4) sqrt(sigma/c)``     ``f''``: ``x +- s``
central              ``c h**2 / 6``, ``s/(sqrt(2) h)``  ``(3 sigma/c)**(1/3)``   ``f'''``: ``x +- s, +- 2s``
Hessian central      ``c h**2 / 12``, ``sqrt(6) s/h**2``  ``864**(1/8) (sigma/c)**(1/4)``  ``f''''``: ``x +- s, +- 2s``
Hessian one-sided    ``c h``, ``sqrt(6) s/h**2``   ``12**(1/6) (sigma/c)**(1/3)``  ``f'''``: ``x +- s, +- 2s``
===================  ==========================  ============================  =====================

(``s`` in the noise column stands for ``sigma``.) For example, central:
``d/dh [(c h**2/6)**2 + sigma**2/(2 h**2)] = c**2 h**3/9 - sigma**2/h**3 = 0``
gives ``h**6 = 9 sigma**2/c**2``. The Hessian rules balance its diagonal
entries; the off-diagonal ones share the steps.

The curvature probe at ``s_i = tau * max(1, |x_i|)``, with
``tau = (sigma / |f(x)|)**(1/(k+2))`` clipped to ``[eps**(1/(k+2)), 0.1]``
(where a k-th derivative of the size of ``f`` stands ``(|f|/sigma)**(2/(k+2))``
above the noise, 1e8 to 1e5 in double precision; More and Wild's
``eps_f**(1/4)`` for k = 2), is judged:

* *accepted*: the k-th difference ``D`` exceeds ``TAU_SIGNAL = 10`` times its
  own noise (``sigma`` times the norm of its weights) and ``f`` changes by
  at most ``TAU_CHANGE = 1`` times its size over the probe; ``c = |D| / s**k``.
* *noise-dominated*: ``|D|`` is below that threshold: ``c`` is at most
  ``TAU_SIGNAL * noise / s**k``, an upper bound that gives a step of about
  ``s / 2`` (the truncation error of a smaller curvature is smaller still).
  A probe at ``100 s`` may find a larger step (a function quadratic in
  ``x_i`` has no third derivative, and a larger step only divides the noise
  by more).
  For a Hessian, whose off-diagonal entries also depend on mixed
  derivatives that axis probes cannot see, there is no larger probe and a
  bounded step is at most the noise-scaled default below.
* *too large* (``f`` changes by more than its size over the probe): a probe at
  ``s * 0.05 * |f| / change`` (the change is about linear in ``s``), at least
  ``s / 100`` and at most ``s / 10``; where ``f`` fails, at ``s / 100``.

Retries go to the coordinates that have no estimate first, while the
evaluations stay within the budget. A coordinate left without an estimate
(or bound) gets the default rule with the noise in place of machine
epsilon, ``(sigma / |f(x)|)**p * max(1, |x_i|)``, or the spacing its next
probe would have had if that is smaller. Every step is at most the
reach of the probe that justified it and is made representable.

If no noise is detected (constant ``f``, or a table that never settled), the
steps are the default ones and the message says why.

Cost: a noise table of ``P`` points (``f(x)`` among them, shared with the
probes), a wide table of ``W`` points (``W - 1`` new) and ``t`` new points
per probe, ``t = 2`` (forward, backward), 3 (central: the one-sided third
difference on ``x - s, x, x + s, x + 2s``) or 4 (central Hessian: ``x +-
s, +- 2s``). The budget is ``max(6 n, 6 + t n)``; of the room ``R = budget
- t n``, ``P = min(max(R - 6, 6), 9)`` and ``W = min(R - P + 1, 9)`` where
that is at least 7 (else no wide table and ``P = min(max(R, 6), 9)``), and
what is left goes to retried tables and probes. The wide table fits from n
= 4 (central gradient), n = 3 (forward) and n = 6 (central Hessian). So
choosing costs at most ``6 n`` except
where one table and one probe per coordinate do not fit: ``n = 1`` (8
forward, 9 central, 10 Hessian) and the central Hessian at ``n = 2`` (14).
With the default budget, coordinates whose probe saw only noise (``f``
quadratic along them: no third derivative to measure) get their larger
probe even past it, ``t`` more each: on Brown's badly scaled function
(both coordinates quadratic) the gradient is 2e-12 accurate at 18
evaluations instead of 2e-7 at 12.
Fewer than 6 table points miss the noise of smooth functions (5 points
found it at 48 of 60 random points, 6 to 9 points at all 60; on added
uniform noise, 6 points estimate it within a factor 8.3, 9 points within
3.9), and a third difference needs 3 points besides ``f(x)``. A probe that
changes ``f`` by up to ``TAU_CHANGE`` (100 %) of its size is accepted: its
difference then overstates the curvature (by 1.6x for ``exp(a s)`` at a
change of 88 %), which shortens the step a little, where a retry would
cost ``t`` evaluations the budget often does not have.
A Jacobian
uses, per coordinate, the largest noise and the largest curvature over the
outputs: the step that minimises the bound ``max_r (truncation_r + noise_r)``
of its column's error in the max norm.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from fastdiff.compiled import SCALAR, VECTOR
from fastdiff.errors import non_finite_error
from fastdiff.evaluate import Evaluator
from fastdiff.kernels.noise import CONSTANT, NOISE_DETECTED, SPACING_TOO_LARGE
from fastdiff.noise_level import FIRST_SPACING, NoiseEstimate, estimate_noise
from fastdiff.sampling import Sampler
from fastdiff.stencils import FIRST_DERIVATIVE, HESSIAN, METHODS
from fastdiff.steps import FLOAT64_EPS, representable_step, working_eps
from fastdiff.validation import as_point, check_choice

TAU_SIGNAL = 10.0
TAU_CHANGE = 1.0
#: Factor between successive probes of one coordinate.
PROBE_FACTOR = 100.0
#: Probes of one coordinate at most.
PROBES = 4
#: Extra evaluations per coordinate that choosing steps may cost.
EVALUATIONS_PER_COORDINATE = 6
#: Points of the noise table (``f(x)`` among them): More and Wild's 9 where
#: the budget leaves them after one probe per coordinate, down to 6 (see the
#: module notes for what fewer points cost).
TABLE_POINTS_MOST = 9
TABLE_POINTS_LEAST = 6
#: A second table at 100 times the first spacing replaces the first one's
#: estimate where it finds this many times more noise.
HIDDEN_NOISE = 10.0
#: Spacing of the wide table over the first one's: its span (about 1e-2
#: relative) holds the largest steps noise leads to.
WIDE_FACTOR = 1000.0
#: Points of the wide table at least: 6 miss the noise of an adaptive
#: solver's output that 7 find.
WIDE_POINTS_LEAST = 7

#: How each step was set.
ESTIMATED = 0  # from a measured curvature
BOUNDED = 1  # from an upper bound of the curvature (noise-dominated probe)
FALLBACK = 2  # default rule scaled by the noise (no usable probe)
DEFAULT = 3  # default rule: no noise detected

DERIVATIVES = ("gradient", "jacobian", "hessian")


@dataclasses.dataclass(frozen=True)
class StepRule:
    """The error model of one formula and the probe of its curvature.

    Attributes
    ----------
    order : int
        Order k of the derivative that sets the truncation error.
    offsets, weights : tuple of float
        Probe points ``x + offsets[j] * s * e_i`` and the weights of the
        k-th difference ``D = center_weight f(x) + sum_j weights[j] f(...)``,
        which is ``s**k`` times the k-th derivative.
    center_weight : float
    truncation : float
        Truncation error ``truncation * c * h**(power)``, with ``power`` =
        ``order - d`` for a derivative of order d.
    power : int
    noise : float
        Rounding error ``noise * sigma / h**d``.
    derivative_order : int
        d: 1 for gradients and Jacobians, 2 for Hessians.
    exponent : float
        Of the default rule ``eps**exponent``.
    """

    order: int
    offsets: tuple
    weights: tuple
    center_weight: float
    truncation: float
    power: int
    noise: float
    derivative_order: int
    exponent: float

    @property
    def probe_noise(self) -> float:
        """Standard deviation of ``D`` per unit of noise: the norm of its weights."""
        return float(np.sqrt(self.center_weight**2 + sum(w * w for w in self.weights)))

    def step(self, sigma, curvature):
        """The ``h`` minimising ``(truncation c h**power)**2 + (noise sigma / h**d)**2``."""
        d, p = self.derivative_order, self.power
        # d/dh: 2 p T**2 c**2 h**(2p-1) = 2 d N**2 sigma**2 h**(-2d-1)
        ratio = (d * self.noise**2 * sigma**2) / (p * self.truncation**2 * curvature**2)
        return ratio ** (1.0 / (2 * (p + d)))

    def error(self, sigma, curvature, h):
        """Predicted error bound: truncation plus noise at step ``h``."""
        return (
            self.truncation * curvature * h**self.power
            + self.noise * sigma / h**self.derivative_order
        )


_SECOND = StepRule(2, (-1.0, 1.0), (1.0, 1.0), -2.0, 0.5, 1, np.sqrt(2.0), 1, 1 / 2)
# One-sided third difference on x - s, x, x + s, x + 2s: f(x), known from the
# noise table, saves the fourth point of the symmetric one.
_THIRD_OFFSETS = (-1.0, 1.0, 2.0)
_THIRD_WEIGHTS = (-1.0, -3.0, 1.0)
_THIRD_CENTER = 3.0
RULES = {
    ("first", "forward"): _SECOND,
    ("first", "backward"): _SECOND,
    ("first", "central"): StepRule(
        3, _THIRD_OFFSETS, _THIRD_WEIGHTS, _THIRD_CENTER, 1 / 6, 2, 1 / np.sqrt(2.0), 1, 1 / 3
    ),
    ("hessian", "central"): StepRule(
        4, (-2.0, -1.0, 1.0, 2.0), (1.0, -4.0, -4.0, 1.0), 6.0, 1 / 12, 2, np.sqrt(6.0), 2, 1 / 4
    ),
    ("hessian", "forward"): StepRule(
        3, _THIRD_OFFSETS, _THIRD_WEIGHTS, _THIRD_CENTER, 1.0, 1, np.sqrt(6.0), 2, 1 / 3
    ),
}
RULES[("hessian", "backward")] = RULES[("hessian", "forward")]
assert all(RULES[("first", m)].exponent == FIRST_DERIVATIVE[m].step_exponent for m in METHODS)
assert all(RULES[("hessian", m)].exponent == HESSIAN[m].step_exponent for m in METHODS)


class AutoSteps(NamedTuple):
    """Steps chosen from ``f``: what :func:`choose_steps` returns.

    Attributes
    ----------
    steps : ndarray, shape (n,)
        Positive, representable absolute steps.
    noise : NoiseEstimate
        Per output (arrays of shape (m,), m = 1 for a scalar ``f``).
    curvature : ndarray, shape (n,)
        The derivative size ``c_i`` each step was set from (an upper bound
        where ``source`` is ``BOUNDED``; 0 where there was none).
    source : ndarray of int8, shape (n,)
        ``ESTIMATED``, ``BOUNDED``, ``FALLBACK`` or ``DEFAULT`` per coordinate.
    error : ndarray, shape (n,)
        Predicted error of each derivative entry (each Jacobian column, each
        Hessian diagonal entry) at these steps: truncation plus noise; inf
        where no curvature bound is known.
    nfev : int
        Evaluations of ``f`` spent choosing.
    message : str
    scale : ndarray, shape (n,)
        Each step over the step the noise-scaled default rule gives
        (``(sigma / |f(x)|)**p * max(1, |x_i|)``): how much faster (below
        1) or slower (above 1) ``f`` varies along ``x_i`` than that rule
        assumes; 1 where the default rule was used. ``method="richardson"``
        multiplies its default first steps by it.
    """

    steps: np.ndarray
    noise: NoiseEstimate
    curvature: np.ndarray
    source: np.ndarray
    error: np.ndarray
    nfev: int
    message: str
    scale: np.ndarray


def choose_steps(
    f,
    x: ArrayLike,
    method: str = "central",
    derivative: str = "gradient",
    *,
    max_evaluations: int | None = None,
    evaluator: Evaluator | None = None,
) -> AutoSteps:
    """Per-coordinate steps for ``method`` chosen from ``f``'s noise and curvature.

    Parameters
    ----------
    f : callable
        Scalar ``f`` (gradient, Hessian) or vector ``f`` (Jacobian); compiled
        with ``@numba.njit`` or any callable (through ``evaluator``).
    x : array_like, shape (n,)
        Point; finite.
    method : {"central", "forward", "backward"}
    derivative : {"gradient", "jacobian", "hessian"}
    max_evaluations : int, optional
        Budget (default ``max(6 n, 6 + t n)``, see Notes).
    evaluator : Evaluator, optional
        How a Python ``f`` is evaluated.

    Returns
    -------
    AutoSteps

    Notes
    -----
    ``P + t n`` evaluations: a noise table of ``P`` = 6 to 9 points and
    ``t`` new points per coordinate (2 forward and backward, 3 central, 4
    central Hessian), plus ``t`` per coordinate probed again and ``P`` per
    extra noise table, within ``max_evaluations`` (default ``max(6 n, 6 +
    t n)``: at most 6n except for n = 1 and the central Hessian at n = 2;
    with the default, a coordinate whose probe saw only noise gets its
    larger probe past the budget, ``t`` more). The rules and their
    constants are in the notes of :mod:`fastdiff.auto_steps`.
    """
    eps = working_eps(x)
    x = as_point(x)
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise non_finite_error(x, int(bad[0]))
    method = check_choice(method, METHODS, "method")
    derivative = check_choice(derivative, DERIVATIVES, "derivative")
    kind = VECTOR if derivative == "jacobian" else SCALAR
    sampler = Sampler.for_function(f, kind, evaluator)
    return choose_with(sampler, x, rule_for(derivative, method), max_evaluations, eps)


def rule_for(derivative: str, method: str) -> StepRule:
    """The :class:`StepRule` of a derivative ("gradient", "jacobian", "hessian") and method."""
    return RULES[("hessian" if derivative == "hessian" else "first", method)]


def evaluation_budget(n: int, rule: StepRule) -> int:
    """Default ``max_evaluations``: ``max(6 n, 6 + t n)`` (``t`` new points per probe)."""
    t = len(rule.offsets)
    return max(EVALUATIONS_PER_COORDINATE * n, TABLE_POINTS_LEAST + t * n)


def table_points(n: int, rule: StepRule, budget: int) -> tuple[int, int]:
    """Points of the noise table (6 to 9) and of the wide table (7 to 9, or 0: none).

    What ``budget`` leaves after one probe per coordinate goes to the first
    table; the wide table, which shares ``f(x)`` with it (``P - 1`` new
    points), gets the rest where that makes at least 7 points (the first
    table then gives up points down to 6).
    """
    room = budget - len(rule.offsets) * n
    first = min(max(room - WIDE_POINTS_LEAST + 1, TABLE_POINTS_LEAST), TABLE_POINTS_MOST)
    if room - first < WIDE_POINTS_LEAST - 1:
        return min(max(room, TABLE_POINTS_LEAST), TABLE_POINTS_MOST), 0
    return first, min(room - first + 1, TABLE_POINTS_MOST)


def _wider_noise(sampler, x, estimate, points, eps):
    """``estimate``, or a table at 100 times its spacing where that finds far more noise.

    Returns the estimate to use and a note for the message ("" if the first).
    """
    wide = estimate_noise(
        sampler,
        x,
        spacing=FIRST_SPACING * WIDE_FACTOR,
        points=points,
        attempts=1,
        eps=eps,
        center=np.asarray(estimate.value, dtype=np.float64),
    )
    fine = np.asarray(estimate.absolute, dtype=np.float64)
    coarse = np.asarray(wide.absolute, dtype=np.float64)
    if wide.status != NOISE_DETECTED or not np.any(coarse > HIDDEN_NOISE * fine):
        return estimate._replace(nfev=estimate.nfev + wide.nfev), ""
    absolute = np.maximum(fine, coarse)
    magnitude = np.abs(np.asarray(estimate.value, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(magnitude > 0.0, absolute / magnitude, absolute / eps)
    factor = float(np.max(coarse / np.maximum(fine, np.finfo(float).tiny)))
    note = (
        f"noise at spacing {wide.spacing:.0e} is {factor:.2g} times what the table at "
        f"{estimate.spacing:.0e} found: f is smooth only on smaller scales (as the output of "
        "an adaptive solver is), so the steps are set from the larger noise"
    )
    merged = estimate._replace(
        status=NOISE_DETECTED,
        absolute=absolute,
        relative=relative,
        message=f"noise detected; {note}",
        nfev=estimate.nfev + wide.nfev,
        spacing=wide.spacing,
    )
    return merged, note


def choose_with(
    sampler: Sampler,
    x: np.ndarray,
    rule: StepRule,
    max_evaluations: int | None = None,
    eps: float = FLOAT64_EPS,
) -> AutoSteps:
    """The engine of :func:`choose_steps` on checked arguments."""
    n = x.shape[0]
    t = len(rule.offsets)
    budget = evaluation_budget(n, rule) if max_evaluations is None else int(max_evaluations)
    start = sampler.nfev
    points, wide_points = table_points(n, rule, budget)
    # Extra noise tables only where they leave the wide table and one probe
    # per coordinate.
    reserved = max(wide_points - 1, 0)
    attempts = max(1, min(3, 1 + (budget - points - reserved - t * n) // points))
    estimate = estimate_noise(sampler, x, points=points, attempts=attempts, eps=eps)
    hidden = ""
    left = budget - (sampler.nfev - start) - t * n
    if (
        wide_points
        and left >= WIDE_POINTS_LEAST - 1
        and estimate.status in (NOISE_DETECTED, SPACING_TOO_LARGE)
    ):
        # Noise of a piecewise smooth f (an adaptive solver changing its
        # step sequence) can hide between the points of the first table.
        estimate, hidden = _wider_noise(sampler, x, estimate, min(left + 1, wide_points), eps)
    f0 = estimate.value
    size = float(np.max(np.abs(f0))) if f0.size else 0.0
    # A trend that hides the noise even at the smallest spacing means f is
    # smooth on that scale and varies fast (a badly scaled variable): the
    # probes still find its curvature, with the noise of machine precision
    # (NoiseEstimate's fallback) in place of the table's.
    sigma_outputs = np.asarray(estimate.absolute, dtype=np.float64)
    sigma = float(sigma_outputs.max())
    if estimate.status not in (NOISE_DETECTED, SPACING_TOO_LARGE) or not sigma > 0.0:
        steps = _default_steps(x, rule.exponent, eps)
        error = np.zeros(n) if estimate.status == CONSTANT else np.full(n, np.inf)
        return AutoSteps(
            steps,
            estimate,
            np.zeros(n),
            np.full(n, DEFAULT, dtype=np.int8),
            error,
            sampler.nfev - start,
            f"default steps: {estimate.message}",
            np.ones(n),
        )
    relative = min(max(sigma / size, eps), 1e-2) if size > 0.0 else eps
    k = rule.order
    tau = min(max(relative ** (1.0 / (k + 2)), eps ** (1.0 / (k + 2))), 0.1)
    scale = np.maximum(1.0, np.abs(x))
    spacing = tau * scale
    offsets = np.asarray(rule.offsets)
    weights = np.asarray(rule.weights)
    reach = float(np.max(np.abs(offsets)))
    threshold = TAU_SIGNAL * rule.probe_noise * sigma_outputs  # per output

    curvature = np.zeros(n)
    source = np.full(n, FALLBACK, dtype=np.int8)
    limit = np.full(n, np.inf)  # reach of the probe that set the curvature
    probes = np.zeros(n, dtype=np.int64)
    direction = np.zeros(n)  # +1: probe larger, -1: smaller, 0: done
    pending = list(range(n))
    # A coordinate whose probe saw only noise (f quadratic along it, say)
    # gets its larger probe even past the default budget, once: a step from
    # the bound alone is worse there than the default step.
    growth = t * n if max_evaluations is None else 0
    while pending:
        larger_only = all(source[i] == BOUNDED for i in pending)
        affordable = (budget + (growth if larger_only else 0) - (sampler.nfev - start)) // t
        if affordable <= 0:
            break
        batch = np.array(pending[:affordable], dtype=np.intp)
        values = sampler.axes(x, batch, spacing, offsets)  # (c, t, m)
        for row, i in enumerate(batch):
            probes[i] += 1
            verdict = _judge(values[row], f0, weights, rule.center_weight, threshold)
            s = spacing[i]
            if verdict[0] == "accepted":
                curvature[i] = verdict[1] / s**k
                source[i], limit[i], direction[i] = ESTIMATED, reach * s, 0
            elif verdict[0] == "noise":
                bound = verdict[1] / s**k
                if source[i] != BOUNDED or bound < curvature[i]:
                    curvature[i], source[i], limit[i] = bound, BOUNDED, reach * s
                # Axis probes say nothing of a Hessian's mixed derivatives,
                # which grow with the steps: no larger probe for a Hessian.
                direction[i] = PROBE_FACTOR if rule.derivative_order == 1 else 0
            else:  # too large, or f failed
                direction[i] = verdict[1] if source[i] != BOUNDED else 0
        retry = [i for i in range(n) if direction[i] != 0 and probes[i] < PROBES]
        unresolved = [i for i in retry if source[i] != BOUNDED]
        pending = unresolved or retry  # a larger probe only improves a bound
        for i in pending:
            spacing[i] *= direction[i]

    steps = np.empty(n)
    error = np.full(n, np.inf)
    default_scale = relative**rule.exponent
    for i in range(n):
        if source[i] in (ESTIMATED, BOUNDED) and curvature[i] > 0.0:
            h = min(rule.step(sigma, curvature[i]), limit[i])
            if source[i] == BOUNDED and rule.derivative_order == 2:
                h = min(h, default_scale * scale[i])
        else:
            # Probes that were all too large: at most the next probe's spacing.
            source[i] = FALLBACK
            h = default_scale * scale[i]
            if probes[i] > 0 and direction[i] != 0:
                h = min(h, spacing[i])
        h = float(representable_step(x[i], h))
        if h == 0.0:  # below the float spacing at x_i
            h = float(representable_step(x[i], eps**rule.exponent * scale[i]))
        steps[i] = h
        if source[i] != FALLBACK:
            error[i] = rule.error(sigma, curvature[i], h)
    counts = [int(np.sum(source == s)) for s in (ESTIMATED, BOUNDED, FALLBACK)]
    message = (
        f"noise {sigma:.2g} (relative {relative:.2g}); steps from a measured curvature for "
        f"{counts[0]}, a curvature bound for {counts[1]}, the noise-scaled default for "
        f"{counts[2]} of {n} coordinates"
    )
    if estimate.status == SPACING_TOO_LARGE:
        message += f" ({estimate.message})"
    if hidden:
        message += f"; {hidden}"
    factor = np.where(source == FALLBACK, 1.0, steps / (default_scale * scale))
    return AutoSteps(
        steps, estimate, curvature, source, error, sampler.nfev - start, message, factor
    )


def _judge(values, f0, weights, center_weight, threshold):
    """Verdict on one coordinate's probe: ("accepted", |D|), ("noise", bound) or ("too large", factor).

    ``factor`` is what the next probe's spacing is multiplied by.

    ``values`` (t, m), ``f0`` (m,), ``threshold`` (m,): per output, the level
    below which ``D`` is noise. Over the outputs: the largest ``|D|`` among
    those above their threshold, else the largest threshold.
    """
    if not np.all(np.isfinite(values)):
        return ("too large", 1.0 / PROBE_FACTOR)
    change = float(np.max(np.abs(values - f0)))
    size = max(float(np.max(np.abs(values))), float(np.max(np.abs(f0))))
    if change > TAU_CHANGE * size:
        # The change grows about linearly with s: aim at half the limit.
        return ("too large", min(max(0.5 * TAU_CHANGE * size / change, 1.0 / PROBE_FACTOR), 0.1))
    difference = np.abs(weights @ values + center_weight * f0)
    signal = difference >= threshold
    if signal.any():
        return ("accepted", float(np.max(np.maximum(difference, threshold))))
    return ("noise", float(np.max(threshold)))


def _default_steps(x: np.ndarray, exponent: float, eps: float) -> np.ndarray:
    scale = eps**exponent
    return np.array([representable_step(x_i, scale * max(1.0, abs(x_i))) for x_i in x])


class StepChooser:
    """``step="auto"`` of a prepared derivative: steps chosen at the first point, then reused.

    The steps are chosen at the first ``x`` a prepared function meets (and
    again at a point of another dimension, or after :meth:`forget`); later
    calls reuse them and cost what a fixed step costs. The options were
    checked before (:func:`fastdiff.options.derivative_options`: a stencil
    method, no bounds).

    Parameters
    ----------
    backend : CompiledPasses or PythonPasses
        The backend of the derivative (:func:`fastdiff.backends.prepare_backend`):
        the probes evaluate ``f`` the way the derivative does.
    method : str
        "central", "forward" or "backward".
    hessian : bool
        Steps for a Hessian (else for a gradient or Jacobian).

    Attributes
    ----------
    result : AutoSteps or None
        The choice in use; None before the first call.
    spent_in_call : int
        Evaluations the last :meth:`steps` call spent choosing (0 when it
        reused the choice).
    """

    def __init__(self, backend, method: str, hessian: bool):
        if method not in METHODS + ("richardson",):
            raise ValueError(
                "step='auto' works with method 'central', 'forward', 'backward' or "
                f"'richardson'; got {method!r}"
            )
        # Richardson runs central passes: its scale comes from the central rule.
        base = "central" if method == "richardson" else method
        self.rule = RULES[("hessian" if hessian else "first", base)]
        self._sampler = Sampler.for_backend(backend)
        self.result: AutoSteps | None = None
        self.spent_in_call = 0

    def steps(self, x: np.ndarray) -> np.ndarray:
        """The chosen steps, choosing them first if needed."""
        self.spent_in_call = 0
        if self.result is None or self.result.steps.shape[0] != x.shape[0]:
            bad = np.flatnonzero(~np.isfinite(x))
            if bad.size:
                raise non_finite_error(x, int(bad[0]))
            self.result = choose_with(self._sampler, x, self.rule)
            self.spent_in_call = self.result.nfev
        return self.result.steps

    def forget(self) -> None:
        """Choose the steps again at the next call."""
        self.result = None


def split_auto_step(step):
    """``(step, True)`` with ``step`` None for ``step="auto"``, else ``(step, False)``."""
    if isinstance(step, str):
        if step == "auto":
            return None, True
        raise TypeError(
            f"step must be None, a float or a 1-D array of floats, or 'auto'; got {step!r}"
        )
    return step, False


def annotate_steps(chooser: StepChooser | None, result):
    """``result`` (a DerivativeResult) with the step choice of this call added.

    ``nfev`` then includes the evaluations spent choosing, if they were spent
    in this call, and ``auto_steps`` holds the :class:`AutoSteps`.
    """
    if chooser is None or chooser.result is None:
        return result
    return dataclasses.replace(
        result, nfev=result.nfev + chooser.spent_in_call, auto_steps=chooser.result
    )


__all__ = [
    "BOUNDED",
    "DEFAULT",
    "ESTIMATED",
    "FALLBACK",
    "AutoSteps",
    "StepChooser",
    "StepRule",
    "annotate_steps",
    "choose_steps",
    "choose_with",
    "split_auto_step",
]
