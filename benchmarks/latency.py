"""Compile latency and call overhead of the compiled engine.

1. Time to the first gradient of a new function in a fresh process, with
   Numba's cache of fastdiff's kernels warm and cold (the compilation of f
   itself is excluded: f is compiled before the clock starts).
2. Overhead per call of a prepared ``fastdiff.grad(f)(x)`` at n = 10 beyond
   the evaluations themselves, of the one-shot ``fastdiff.gradient(f, x)``
   beyond the prepared call (target: at most 2 us), and scipy's
   ``approx_derivative`` on the same f.
3. Overhead per call of ``fastdiff.kernels.central_gradient`` from inside
   njit code, beyond the evaluations, and of ``central_gradient_into``
   (caller-owned ``out`` and ``work``, no allocation).

Run: python benchmarks/latency.py [--calls-only]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

FIRST_GRADIENT = textwrap.dedent(
    """
    import time
    import numpy as np, numba
    @numba.njit
    def f(x):
        return np.sum(np.sin(x) * x)
    x = np.linspace(0.0, 1.0, 10)
    f(x)
    import fastdiff
    start = time.perf_counter()
    fastdiff.gradient(f, x)
    print(time.perf_counter() - start)
    """
)


def first_gradient_seconds(cache_dir: str) -> float:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    env.pop("FASTDIFF_CACHE_DIR", None)  # else the kernels would not be cold
    out = subprocess.run(
        [sys.executable, "-c", FIRST_GRADIENT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def call_overheads(rounds: int = 5) -> None:
    """Overhead per call beyond the evaluations, at n = 10.

    Each round measures the floor (20 evaluations inside a compiled loop)
    and the three calls back to back; the overheads are the medians over the
    rounds of call minus floor, so that a burst of other work on a shared
    machine moves one round, not the result.
    """
    import statistics

    import numpy as np
    from numba import njit
    from scipy.optimize._numdiff import approx_derivative

    import fastdiff
    from fastdiff.bench.problems import extended_rosenbrock
    from fastdiff.bench.timing import evaluation_seconds, median_seconds
    from fastdiff.kernels import central_gradient, central_gradient_into, gradient_work_size

    n = 10
    x = np.linspace(-1.0, 1.0, n)
    evaluations = 2 * n
    g = fastdiff.grad(extended_rosenbrock)

    @njit
    def repeated(x, repeats):
        total = 0.0
        for _ in range(repeats):
            total += central_gradient(extended_rosenbrock, x)[0]
        return total

    @njit
    def repeated_into(x, repeats):
        out = np.empty(x.shape[0])
        work = np.empty(gradient_work_size(x.shape[0]))
        total = 0.0
        for _ in range(repeats):
            total += central_gradient_into(extended_rosenbrock, x, out, work)[0]
        return total

    repeats = 100_000
    measured = {"floor": [], "python": [], "one_shot": [], "njit": [], "into": [], "scipy": []}
    for _ in range(rounds):
        measured["floor"].append(evaluations * evaluation_seconds(extended_rosenbrock, x))
        measured["python"].append(median_seconds(lambda: g(x), min_time=0.1))
        measured["one_shot"].append(
            median_seconds(lambda: fastdiff.gradient(extended_rosenbrock, x), min_time=0.1)
        )
        measured["njit"].append(
            median_seconds(lambda: repeated(x, repeats), min_time=0.1) / repeats
        )
        measured["into"].append(
            median_seconds(lambda: repeated_into(x, repeats), min_time=0.1) / repeats
        )
        measured["scipy"].append(
            median_seconds(lambda: approx_derivative(extended_rosenbrock, x), min_time=0.1)
        )

    def median(key):
        return statistics.median(measured[key])

    def overhead(key):
        return statistics.median(c - f for c, f in zip(measured[key], measured["floor"]))

    floor = median("floor")
    print(
        f"n = {n}: one evaluation {floor / evaluations * 1e9:.1f} ns, floor {floor * 1e6:.2f} us "
        f"(medians of {rounds} rounds; overhead = median over rounds of call - floor)"
    )
    print(
        f"fastdiff.grad(f)(x):      {median('python') * 1e6:7.2f} us, "
        f"overhead {overhead('python') * 1e6:6.2f} us"
    )
    extra = statistics.median(o - p for o, p in zip(measured["one_shot"], measured["python"]))
    print(
        f"fastdiff.gradient(f, x):  {median('one_shot') * 1e6:7.2f} us, "
        f"{extra * 1e6:5.2f} us more than the prepared call"
    )
    print(
        f"central_gradient in njit: {median('njit') * 1e6:7.3f} us, "
        f"overhead {overhead('njit') * 1e6:6.3f} us"
    )
    print(
        f"central_gradient_into:    {median('into') * 1e6:7.3f} us, "
        f"overhead {overhead('into') * 1e6:6.3f} us"
    )
    ratio = statistics.median(s / p for s, p in zip(measured["scipy"], measured["python"]))
    print(f"scipy approx_derivative:  {median('scipy') * 1e6:7.1f} us ({ratio:.0f}x fastdiff)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--calls-only", action="store_true", help="skip the fresh-process compile latency"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds of the call measurements (default 5)"
    )
    arguments = parser.parse_args()
    if arguments.calls_only:
        call_overheads(arguments.rounds)
        return
    import fastdiff

    package_dir = os.path.dirname(fastdiff.__file__)
    cold = tempfile.mkdtemp(prefix="fastdiff-cold-")
    try:
        # A private, empty cache directory: every kernel is compiled.
        cold_seconds = first_gradient_seconds(cold)
        warm_seconds = sorted(first_gradient_seconds(cold) for _ in range(3))[1]
    finally:
        shutil.rmtree(cold, ignore_errors=True)
    print(
        f"first gradient of a new f in a fresh process: cold cache {cold_seconds:.2f} s, warm cache {warm_seconds:.3f} s"
    )
    print(f"(package: {package_dir})")
    call_overheads(arguments.rounds)


if __name__ == "__main__":
    main()
