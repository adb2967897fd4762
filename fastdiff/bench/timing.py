"""Timing derivatives against their floor.

The *floor* of a derivative is the number of evaluations it needs times the
cost of one evaluation of ``f`` measured inside a compiled loop: what any
finite-difference engine must spend. fastdiff's time divided by the floor is
its overhead; a peer's time divided by fastdiff's is the speed-up.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit
from numba.extending import is_jitted

from fastdiff.stencils import FIRST_DERIVATIVE_METHODS, resolve_method


@njit(cache=True)
def scalar_loop(f, x, repeats):
    """Sum of ``repeats`` evaluations of a scalar ``f``, one coordinate perturbed per call.

    Perturbing, as a stencil does, keeps anything from being hoisted out of
    the loop; ``x`` is restored.
    """
    total = 0.0
    n = x.shape[0]
    for r in range(repeats):
        i = r % n
        x_i = x[i]
        x[i] = x_i + 1e-7
        total += f(x)
        x[i] = x_i
    return total


@njit(cache=True)
def vector_loop(f, x, repeats):
    """As :func:`scalar_loop` for a vector ``f``, reading every output."""
    n = x.shape[0]
    total = np.zeros(f(x).shape[0])
    for r in range(repeats):
        i = r % n
        x_i = x[i]
        x[i] = x_i + 1e-7
        values = f(x)
        # Every output is read (as a Jacobian must) in a vectorisable loop,
        # so that no work is optimised away and none is added.
        for k in range(values.shape[0]):
            total[k] += values[k]
        x[i] = x_i
    return total[0]


def median_seconds(
    call: Callable[[], object], *, min_time: float = 0.05, repeats: int = 7
) -> float:
    """Median wall time of ``call()`` over ``repeats`` batches (after a warm-up).

    Each batch runs ``call`` as many times as fit in ``min_time`` seconds;
    the median of the per-call times is returned.
    """
    call()
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(min_time / once))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def evaluation_seconds(f, x: np.ndarray, vector: bool = False) -> float:
    """Cost of one evaluation of ``f`` near ``x``.

    A jitted ``f`` is timed inside a compiled loop, so that no call overhead
    is counted; a plain Python ``f`` in a Python loop (its call overhead is
    part of what any engine pays for it).
    """
    work = np.array(x, dtype=np.float64)
    if not is_jitted(f):
        return _python_evaluation_seconds(f, work)
    loop = vector_loop if vector else scalar_loop
    repeats = 1000
    while True:
        seconds = median_seconds(lambda r=repeats: loop(f, work, r), min_time=0.02, repeats=5)
        if seconds > 2e-3 or repeats >= 10**7:
            return seconds / repeats
        repeats *= 10


def _python_evaluation_seconds(f, x: np.ndarray) -> float:
    n = x.shape[0]

    def perturbed_calls(repeats: int = 16) -> None:
        for r in range(repeats):
            i = r % n
            x_i = x[i]
            x[i] = x_i + 1e-7
            f(x)
            x[i] = x_i

    return median_seconds(perturbed_calls, min_time=0.02, repeats=5) / 16


def evaluation_count(kind: str, method: str, n: int) -> int | None:
    """Evaluations fastdiff spends on one ``kind`` ("gradient", "jacobian", "hessian").

    A prepared Jacobian that knows its output length is counted; None for a
    method whose count is not fixed in advance (Richardson).
    """
    resolved = resolve_method(method, FIRST_DERIVATIVE_METHODS)
    if kind == "hessian":
        return resolved.hessian_evaluations(n)
    if kind == "jacobian":
        return resolved.jacobian_evaluations(n, knows_length=True)
    return resolved.gradient_evaluations(n)


@dataclass(frozen=True)
class Timing:
    """One measured case: what was computed, how long it took, and its floor."""

    kind: str
    n: int
    label: str
    seconds: float
    evaluations: int
    floor_seconds: float

    @property
    def floor_ratio(self) -> float:
        """Time over the floor (1.0 = no overhead beyond the evaluations)."""
        return self.seconds / self.floor_seconds
