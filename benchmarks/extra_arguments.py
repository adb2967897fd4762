"""Extra arguments on the compiled path: cost against no argument and against the floor.

For a compiled ``f(x, data)`` with ``data`` of 1000 floats, at n = 100 and
1000, prints the median time of

* ``gradient(f, x, args=(data,))``,
* the same gradient of ``f_global(x)``, which reads the same data as a
  global (Numba freezes it into the code as a constant),
* the evaluation floor: 2n evaluations of ``f(x, data)`` at the central
  stencil points in one compiled loop,

all in the same run, and the ratios (targets: <= 1.10x the no-argument
gradient, <= 1.25x the floor). Then the first gradient in a fresh process,
with an empty Numba cache (cold) and again with the cache it left (warm),
``f`` itself called once before the clock starts: target <= 0.1 s warm.

Run: ``python benchmarks/extra_arguments.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from numba import njit

import fastdiff

DATA_SIZE = 1000
ROUNDS = 9
_RNG = np.random.default_rng(0)
DATA = _RNG.uniform(0.5, 1.5, DATA_SIZE)


@njit(cache=True, nogil=True)
def weighted_squares(x, data):
    """sum_j data_j x_{j mod n}**2: every evaluation reads all of ``data``."""
    n = x.shape[0]
    total = 0.0
    for j in range(data.shape[0]):
        total += data[j] * x[j % n] ** 2
    return total


@njit(cache=True, nogil=True)
def weighted_squares_global(x):
    """The same function with ``DATA`` as a global."""
    n = x.shape[0]
    total = 0.0
    for j in range(DATA.shape[0]):
        total += DATA[j] * x[j % n] ** 2
    return total


@njit(cache=True, nogil=True)
def evaluation_floor(x, data, h):
    """2n evaluations of ``weighted_squares(x +- h_i e_i, data)``, nothing else."""
    x = x.copy()
    total = 0.0
    for i in range(x.shape[0]):
        x_i = x[i]
        x[i] = x_i + h[i]
        total += weighted_squares(x, data)
        x[i] = x_i - h[i]
        total += weighted_squares(x, data)
        x[i] = x_i
    return total


def _median_seconds(call, repeats: int) -> float:
    call()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(repeats):
            call()
        times.append((time.perf_counter() - start) / repeats)
    return statistics.median(times)


def compare(n: int) -> dict:
    """Median seconds of the three computations at dimension ``n``."""
    x = _RNG.uniform(-1.0, 1.0, n)
    h = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(x))
    repeats = max(3, 20000 // n)
    return {
        "args": _median_seconds(
            lambda: fastdiff.gradient(weighted_squares, x, args=(DATA,), parallel=False), repeats
        ),
        "global": _median_seconds(
            lambda: fastdiff.gradient(weighted_squares_global, x, parallel=False), repeats
        ),
        "floor": _median_seconds(lambda: evaluation_floor(x, DATA, h), repeats),
    }


def first_call_seconds(cache_directory: str) -> float:
    """First ``gradient(f, x, args=(data,))`` in a fresh process using ``cache_directory``."""
    environment = dict(os.environ, NUMBA_CACHE_DIR=cache_directory)
    environment.pop("FASTDIFF_CACHE_DIR", None)  # else fastdiff's kernels would not be cold
    output = subprocess.run(
        [sys.executable, __file__, "--first-call"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


def _first_call() -> None:
    # f itself is compiled (or loaded from Numba's cache) before the clock
    # starts, by a first call of the user's own, as in latency.py: what is
    # timed is fastdiff's part.
    x = np.linspace(-1.0, 1.0, 100)
    weighted_squares(x, DATA)
    start = time.perf_counter()
    fastdiff.gradient(weighted_squares, x, args=(DATA,))
    print(time.perf_counter() - start)


def main() -> None:
    print(f"data of {DATA_SIZE} floats, serial, medians of {ROUNDS} rounds")
    print(
        f"{'n':>6} {'args':>10} {'global':>10} {'floor':>10} {'args/global':>12} {'args/floor':>11}"
    )
    for n in (100, 1000):
        t = compare(n)
        print(
            f"{n:>6} {t['args'] * 1e6:>8.1f}us {t['global'] * 1e6:>8.1f}us "
            f"{t['floor'] * 1e6:>8.1f}us {t['args'] / t['global']:>12.3f} "
            f"{t['args'] / t['floor']:>11.3f}"
        )
    with tempfile.TemporaryDirectory() as cache:
        cold = first_call_seconds(cache)
        warm = first_call_seconds(cache)
    print(f"first gradient in a fresh process: cold cache {cold:.2f} s, warm cache {warm:.3f} s")


if __name__ == "__main__":
    if "--first-call" in sys.argv:
        _first_call()
    else:
        main()
