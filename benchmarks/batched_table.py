"""Gradients at many points: ``fastdiff.gradients`` against its floor and the alternatives.

Jitted extended Rosenbrock at k = 1000 random points in [-2, 2]^n, n = 2 and
n = 10, central differences. Per case, in each of ``--rounds`` rounds (every
variant back to back, so that the ratios come from the same conditions):

- floor: the 2n evaluations per point of ``f`` in a compiled loop
  (:func:`floor_loop`), one thread: what any central-difference gradient
  must spend;
- ``fastdiff.gradients(f, X, parallel=True)`` with 1 and 2 Numba threads
  (``numba.set_num_threads``; one thread runs the serial kernel);
- a Python loop of ``fastdiff.gradient(f, x)`` over the rows;
- ``scipy.differentiate.jacobian`` with a vectorized numpy Rosenbrock on the
  same points (its adaptive order-8 scheme: more evaluations, more
  accuracy; its error is shown).

The table shows the median of the rounds, per point. fastdiff lets OpenMP
threads sleep between parallel regions (``OMP_WAIT_POLICY=PASSIVE``, its
default unless set): waking them cost about 50 us per parallel region on
the 2-core host of the README, as much as a whole call at n = 2 or 10.
``OMP_WAIT_POLICY=ACTIVE python benchmarks/batched_table.py`` keeps them
spinning: about 3 us per region while the other core is free, far worse
(milliseconds) while another process needs it.

Run: python benchmarks/batched_table.py [--rounds 7] [--points 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numba
import numpy as np
import scipy.differentiate
from numba import njit

import fastdiff
from fastdiff.bench.problems import extended_rosenbrock


@njit(cache=True)
def floor_loop(f, X, h, out):
    """The evaluations of central-difference gradients at the rows of ``X``, and nothing else.

    Each coordinate is moved by ``+h`` and ``-h`` and restored; the values
    are summed into ``out`` (k,) so that no evaluation can be left out.
    """
    k, n = X.shape
    x = np.empty(n)
    for p in range(k):
        for j in range(n):
            x[j] = X[p, j]
        total = 0.0
        for i in range(n):
            x_i = x[i]
            x[i] = x_i + h
            total += f(x)
            x[i] = x_i - h
            total -= f(x)
            x[i] = x_i
        out[p] = total
    return out


def rosenbrock_columns(x):
    """Extended Rosenbrock of the columns of ``x`` (n, ...): scipy.differentiate's vectorized form."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2, axis=0)


def rosenbrock_gradients(X):
    """The analytic gradients at the rows of ``X`` (k, n)."""
    g = np.zeros_like(X)
    inner = X[:, 1:] - X[:, :-1] ** 2
    g[:, :-1] += -400.0 * X[:, :-1] * inner - 2.0 * (1.0 - X[:, :-1])
    g[:, 1:] += 200.0 * inner
    return g


def seconds(call, min_time: float = 0.02) -> float:
    """Seconds per call of ``call()``, repeated for at least ``min_time``."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / number
        number *= 2


def with_threads(threads: int, call):
    def run():
        numba.set_num_threads(threads)
        return call()

    return run


def measure(n: int, k: int, rounds: int) -> dict:
    rng = np.random.default_rng(20260101 + n)
    X = rng.uniform(-2.0, 2.0, (k, n))
    out = np.empty(k)
    f = extended_rosenbrock
    exact = rosenbrock_gradients(X)
    variants = {
        "floor (compiled loop)": lambda: floor_loop(f, X, 1e-5, out),
        "gradients, 1 thread": with_threads(1, lambda: fastdiff.gradients(f, X, parallel=True)),
        "gradients, 2 threads": with_threads(2, lambda: fastdiff.gradients(f, X, parallel=True)),
        "loop of gradient": with_threads(
            numba.config.NUMBA_NUM_THREADS, lambda: [fastdiff.gradient(f, x) for x in X]
        ),
        "scipy.differentiate": lambda: scipy.differentiate.jacobian(rosenbrock_columns, X.T),
    }
    errors = {
        "gradients, 1 thread": with_threads(1, lambda: fastdiff.gradients(f, X, parallel=True))(),
        "gradients, 2 threads": with_threads(2, lambda: fastdiff.gradients(f, X, parallel=True))(),
        "loop of gradient": np.stack([fastdiff.gradient(f, x) for x in X]),
        "scipy.differentiate": scipy.differentiate.jacobian(rosenbrock_columns, X.T).df.T,
    }
    for call in variants.values():
        call()  # compile and warm up
    samples = {name: [] for name in variants}
    for _ in range(rounds):
        for name, call in variants.items():
            samples[name].append(seconds(call))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    median = {name: statistics.median(times) / k for name, times in samples.items()}
    scale = np.maximum(1.0, np.abs(exact))
    error = {name: float(np.max(np.abs(g - exact) / scale)) for name, g in errors.items()}
    identical = np.array_equal(errors["gradients, 1 thread"], errors["loop of gradient"])
    identical &= np.array_equal(errors["gradients, 2 threads"], errors["loop of gradient"])
    return {"n": n, "k": k, "median": median, "error": error, "identical": bool(identical)}


def format_table(results: list) -> str:
    lines = []
    header = f"{'n':>3} {'variant':<24} {'per point':>11} {'x floor':>8} {'x 1 thread':>10} {'rel. error':>11}"
    lines += [header, "-" * len(header)]
    for result in results:
        median = result["median"]
        floor = median["floor (compiled loop)"]
        one = median["gradients, 1 thread"]
        for name, per_point in median.items():
            error = result["error"].get(name)
            error_text = "-" if error is None else f"{error:.1e}"
            lines.append(
                f"{result['n']:>3} {name:<24} {per_point * 1e6:>8.3f} us {per_point / floor:>8.2f} "
                f"{per_point / one:>10.2f} {error_text:>11}"
            )
        lines.append(
            f"    2-thread speed-up {one / median['gradients, 2 threads']:.2f}x; "
            f"gradients bit-identical to the loop of gradient: {result['identical']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="rounds per case (median)")
    parser.add_argument("--points", type=int, default=1000, help="k, the number of points")
    args = parser.parse_args()
    print(
        f"extended Rosenbrock, central differences, k = {args.points} points; "
        f"{numba.config.NUMBA_NUM_THREADS} threads available, threading layer "
        f"{numba.config.THREADING_LAYER}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}; "
        f"medians of {max(1, args.rounds)} rounds"
    )
    results = [measure(n, args.points, max(1, args.rounds)) for n in (2, 10)]
    print(format_table(results))


if __name__ == "__main__":
    main()
