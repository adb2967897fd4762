"""The cost-versus-dimension sweep behind ``fastdiff bench``.

A *series* is one problem, one derivative (gradient, Jacobian or Hessian) and
one method, measured at increasing dimensions ``n``. At each ``n`` the sweep
measures the floor (evaluations x one evaluation in a compiled loop),
fastdiff, and each peer on the same function and point.

Every tool has a time budget per call. A tool is skipped at a dimension when
its previous call, scaled by the growth of its evaluation count, or the floor
already exceeds the budget; once skipped it stays skipped for the larger
dimensions of that series. A single call over the budget is kept as the
measurement (one sample), and the tool is skipped from then on.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numba
import numpy as np

import fastdiff
from fastdiff.bench.peers import peer_derivative
from fastdiff.bench.problems import Problem
from fastdiff.bench.timing import evaluation_count, evaluation_seconds

OBJECTS = ("gradient", "jacobian", "hessian")

_TRANSFORMS = {"gradient": fastdiff.grad, "jacobian": fastdiff.jac, "hessian": fastdiff.hess}

#: Relative difference from fastdiff's result above which a peer is flagged.
DISAGREEMENT = 1e-3


@dataclass(frozen=True)
class ToolTiming:
    """One tool on one case.

    Attributes
    ----------
    seconds : float or None
        Median time of one call; None when not measured.
    evaluations : int or None
        Evaluations of ``f`` in one call (counted for peers, from the stencil
        for fastdiff).
    samples : int
        Number of timed batches behind the median.
    skipped : str
        Why the tool was not measured (empty when it was).
    difference : float or None
        For peers: ``max |peer - fastdiff| / max(1, max |fastdiff|)``.
    """

    seconds: float | None = None
    evaluations: int | None = None
    samples: int = 0
    skipped: str = ""
    difference: float | None = None


@dataclass(frozen=True)
class CaseResult:
    """All tools on one problem, derivative, method and dimension."""

    problem: str
    kind: str
    method: str
    n: int
    floor_seconds: float | None
    tools: dict[str, ToolTiming] = field(default_factory=dict)

    @property
    def series(self) -> tuple[str, str, str]:
        """``(problem, kind, method)``: the cases plotted as one curve per tool."""
        return (self.problem, self.kind, self.method)


@dataclass(frozen=True)
class SweepSettings:
    """What to measure and how long to wait.

    Attributes
    ----------
    objects, methods : tuple of str
        Derivatives and fastdiff methods; a problem gets the objects that
        apply to it (gradient and Hessian for scalar functions, Jacobian for
        vector ones).
    dims : tuple of int
        Dimensions, measured in increasing order.
    peers : tuple of str
        Peers to compare with (already checked to be importable).
    budget : float
        Seconds allowed for one call of any tool.
    parallel : bool or None
        fastdiff's ``parallel`` option.
    min_time : float
        Seconds per timing batch.
    repeats : int
        Timing batches per measurement (fewer when calls are long).
    """

    objects: tuple[str, ...] = OBJECTS
    methods: tuple[str, ...] = ("central",)
    dims: tuple[int, ...] = (10, 100, 1000)
    peers: tuple[str, ...] = ()
    budget: float = 1.0
    parallel: bool | None = None
    min_time: float = 0.02
    repeats: int = 5


def method_error(kind: str, method: str) -> str:
    """Why fastdiff has no ``method`` for ``kind`` (empty when it has one).

    Asks the public API itself, so that methods added there are benchmarked
    without changes here.
    """
    try:
        _TRANSFORMS[kind](_probe, method=method)
    except ValueError as error:
        return str(error)
    return ""


def _probe(x):
    return 0.0


def plan(problems: Iterable[Problem], settings: SweepSettings) -> list[tuple[Problem, str, str]]:
    """The series to measure: ``(problem, kind, method)`` in report order.

    A problem gets the objects that apply to it; a ``(kind, method)`` pair
    that fastdiff does not offer (see :func:`method_error`) is left out.
    """
    return [
        (problem, kind, method)
        for problem in problems
        for kind in settings.objects
        if kind in problem.objects
        for method in settings.methods
        if not method_error(kind, method)
    ]


def run_sweep(
    series: list[tuple[Problem, str, str]],
    settings: SweepSettings,
    progress: Callable[[str], None] | None = None,
) -> list[CaseResult]:
    """Measure every series at every dimension.

    Parameters
    ----------
    series : list of (Problem, str, str)
        From :func:`plan`.
    settings : SweepSettings
    progress : callable, optional
        Called with a short description before each case.

    Returns
    -------
    list of CaseResult
        Series by series, dimensions increasing.
    """
    results = []
    # A factory may compile a new f for each n: build each (problem, n) once.
    built: dict[tuple[str, int], tuple[Callable, np.ndarray]] = {}
    for problem, kind, method in series:
        budgets = {tool: _Budget(kind) for tool in ("fastdiff", *settings.peers)}
        transforms: dict[int, Callable] = {}
        for n in sorted(settings.dims):
            if progress is not None:
                progress(f"{problem.name} {kind} {method} n={n}")
            if (problem.name, n) not in built:
                f, x = problem.build(n)
                built[problem.name, n] = f, np.ascontiguousarray(x, dtype=np.float64)
            f, x = built[problem.name, n]
            results.append(
                _measure_case(problem, kind, method, f, x, settings, budgets, transforms)
            )
    return results


def _measure_case(problem, kind, method, f, x, settings, budgets, transforms) -> CaseResult:
    n = x.shape[0]
    budget = budgets["fastdiff"]
    reference = evaluations = transform = None
    if budget.failure:
        timing = ToolTiming(skipped=budget.failure)
    else:
        timing, transform, evaluations = _prepare_fastdiff(kind, method, f, x, settings, transforms)
        if timing is not None:
            budget.fail(n)
    floor = None
    if evaluations is not None:
        floor = evaluations * evaluation_seconds(f, x, vector=problem.vector)
    if transform is not None:
        threads = numba.get_num_threads() if settings.parallel is not False else 1
        skip = budget.skip_reason(n, None if floor is None else floor / threads, settings.budget)
        if skip:
            timing = ToolTiming(evaluations=evaluations, skipped=skip)
        else:
            timing, reference = _time_fastdiff(transform, x, evaluations, settings)
            if timing.seconds is not None:
                budget.record(n, timing.seconds, settings.budget)
            else:
                budget.fail(n)
    tools = {"fastdiff": timing}
    for name in settings.peers:
        tools[name] = _measure_peer(
            name, kind, method, f, x, floor, settings, budgets[name], reference
        )
    return CaseResult(problem.name, kind, method, n, floor, tools)


def _prepare_fastdiff(kind, method, f, x, settings, transforms):
    """fastdiff's derivative function for ``f`` (one per ``f``), and its evaluation count.

    Returns ``(failure, transform, evaluations)``: ``failure`` is None, or a
    ToolTiming saying why fastdiff cannot run (then ``transform`` is None).
    """
    try:
        if id(f) not in transforms:
            transform = _TRANSFORMS[kind](f, method=method, parallel=settings.parallel)
            transforms[id(f)] = _WarmedUp(transform)
        evaluations = _fastdiff_evaluations(kind, method, f, x, settings.parallel)
    except Exception as error:
        return ToolTiming(skipped=_error(error)), None, None
    return None, transforms[id(f)], evaluations


def _time_fastdiff(transform, x, evaluations, settings) -> tuple[ToolTiming, np.ndarray | None]:
    try:
        transform.warm_up(x)
        call = transform.function
        start = time.perf_counter()
        reference = np.asarray(call(x))
        first = time.perf_counter() - start
        seconds, samples = _median_within(lambda: call(x), settings, first=first)
    except Exception as error:
        return ToolTiming(evaluations=evaluations, skipped=_error(error)), None
    return ToolTiming(seconds, evaluations, samples), reference


def _measure_peer(name, kind, method, f, x, floor, settings, budget, reference) -> ToolTiming:
    n = x.shape[0]
    counter = _CountingFunction(f)
    counted = peer_derivative(name, kind, method, counter, x)
    if counted is None:
        return ToolTiming(skipped=f"no {method} method")
    skip = budget.skip_reason(n, floor, settings.budget)
    if skip:
        return ToolTiming(skipped=skip)
    call = peer_derivative(name, kind, method, f, x)
    try:
        start = time.perf_counter()
        value = counted()
        first = time.perf_counter() - start
        seconds, samples = _median_within(call, settings, first=first)
    except Exception as error:
        budget.fail(n)
        return ToolTiming(skipped=_error(error))
    budget.record(n, seconds, settings.budget)
    difference = None
    if reference is not None:
        value = np.asarray(value, dtype=np.float64).reshape(reference.shape)
        scale = max(1.0, float(np.max(np.abs(reference))))
        difference = float(np.max(np.abs(value - reference))) / scale
    return ToolTiming(seconds, counter.calls, samples, difference=difference)


def _median_within(
    call: Callable[[], object], settings: SweepSettings, first: float | None = None
) -> tuple[float, int]:
    """Median seconds per call, and the number of samples, within the budget.

    ``first`` is the time of a call already made (it then serves as the
    warm-up). A call over the budget is returned as the only sample.
    """
    if first is None:
        start = time.perf_counter()
        call()
        first = time.perf_counter() - start
    if first > settings.budget:
        return first, 1
    number = max(1, int(settings.min_time / max(first, 1e-7)))
    batches = max(1, min(settings.repeats, int(settings.budget / (first * number))))
    samples = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(number):
            call()
        samples.append((time.perf_counter() - start) / number)
    if number == 1 and batches < 3:
        samples.append(first)
    return statistics.median(samples), len(samples)


class _Budget:
    """Whether a tool still fits its time budget in one series."""

    def __init__(self, kind: str):
        # Evaluations grow like n (first derivatives) or n**2 (Hessian); each
        # evaluation costs at least as much at larger n, so this is a lower bound.
        self.power = 2 if kind == "hessian" else 1
        self.last: tuple[int, float] | None = None
        self.reason = ""
        self.failure = ""

    def skip_reason(self, n: int, floor: float | None, budget: float) -> str:
        """Why the tool is skipped at ``n`` (empty if it is not); ``floor`` bounds its time."""
        if self.reason:
            return self.reason
        predicted = 0.0
        if self.last is not None:
            last_n, last_seconds = self.last
            predicted = last_seconds * (n / last_n) ** self.power
        predicted = max(predicted, floor or 0.0)
        if predicted > budget:
            self.reason = f"skipped from n={n}: predicted {_seconds(predicted)} > budget"
        return self.reason

    def fail(self, n: int) -> None:
        """The tool raised at ``n``: skip it from now on."""
        self.failure = self.reason = f"skipped after the error at n={n}"

    def record(self, n: int, seconds: float, budget: float) -> None:
        """Remember the time of one call at ``n``."""
        self.last = (n, seconds)
        if seconds > budget:
            self.reason = f"skipped after n={n}: one call took {_seconds(seconds)} > budget"


class _WarmedUp:
    """A derivative function, called once untimed before its first timing.

    The first call may compile or load kernels from Numba's cache; it is
    made only when the budget allows a timing at all.
    """

    def __init__(self, function):
        self.function = function
        self.warm = False

    def warm_up(self, x: np.ndarray) -> None:
        if not self.warm:
            self.function(x)
            self.warm = True


class _CountingFunction:
    """``f`` that counts its calls (used for one untimed call per peer and n)."""

    def __init__(self, f):
        self.f = f
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def _fastdiff_evaluations(kind: str, method: str, f, x: np.ndarray, parallel) -> int:
    count = evaluation_count(kind, method, x.shape[0])
    if count is None:
        # A method without a fixed count (Richardson) reports what it spent:
        # one more, untimed, call.
        transform = _TRANSFORMS[kind](f, method=method, parallel=parallel)
        transform(x)
        return transform.nfev
    return count


def _error(error: Exception) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"error: {type(error).__name__}: {message}"


def _seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return str(seconds)
    return f"{seconds:.2g} s" if seconds >= 0.1 else f"{seconds * 1e3:.2g} ms"
