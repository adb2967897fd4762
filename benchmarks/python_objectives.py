"""Plain-Python objectives: serial, workers, Dask, vectorized, against the peers.

1. An objective costing ~20 ms of pure-Python CPU work per call, n = 16,
   central gradient (32 evaluations): fastdiff serial, fastdiff workers=2,
   fastdiff on a Dask LocalCluster with 2 worker processes, optimagic
   first_derivative(n_cores=2) and scipy approx_derivative(workers=2).
   Pools and clusters are started before timing (their start-up is printed
   separately); scipy's workers=2 starts a pool inside every call, by design.
2. A cheap numpy objective, n = 100: serial vs vectorized=True.

Run: python benchmarks/python_objectives.py [--repeats 5]
"""

import argparse
import math
import statistics
import time

import numpy as np

import fastdiff

ITERATIONS = 60_000  # calibrated below to ~20 ms


def expensive(x):
    """Legacy-style pure-Python loop: the kind of objective one cannot vectorize."""
    total = 0.0
    n = len(x)
    for i in range(ITERATIONS):
        total += math.sin(x[i % n] * 1.0001 + i * 1e-6)
    return total / ITERATIONS + float(np.dot(x, x))


def cheap(x):
    return float(np.sum(np.sin(x) * x**2) + np.sum(x[1:] * x[:-1]))


def cheap_vectorized(points):
    return np.sum(np.sin(points) * points**2, axis=1) + np.sum(points[:, 1:] * points[:, :-1], axis=1)


def timed(call, repeats):
    call()  # warm-up: pools started, functions pickled
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    global ITERATIONS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    x = np.linspace(-1.0, 1.0, 16)
    start = time.perf_counter()
    expensive(x)
    ITERATIONS = max(1000, int(ITERATIONS * 0.02 / (time.perf_counter() - start)))
    one = statistics.median(timed(lambda: expensive(x), 1) for _ in range(5))
    print(f"expensive objective: {one * 1e3:.1f} ms per call, n = 16, 32 evaluations per gradient")

    from scipy.optimize._numdiff import approx_derivative

    rows = {"fastdiff serial": timed(lambda: fastdiff.gradient(expensive, x), args.repeats)}
    start = time.perf_counter()
    fastdiff.gradient(expensive, x, workers=2)
    print(f"worker pool start-up and first call: {time.perf_counter() - start:.2f} s")
    rows["fastdiff workers=2"] = timed(lambda: fastdiff.gradient(expensive, x, workers=2), args.repeats)

    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            print(f"Dask LocalCluster start-up: {time.perf_counter() - start:.2f} s")
            rows["fastdiff Dask 2 workers"] = timed(
                lambda: fastdiff.gradient(expensive, x, executor=client), args.repeats
            )
    try:
        import optimagic as om

        rows["optimagic n_cores=2"] = timed(
            lambda: om.first_derivative(expensive, x, n_cores=2), args.repeats
        )
    except ImportError:
        print("optimagic not installed: skipped")
    rows["scipy workers=2"] = timed(lambda: approx_derivative(expensive, x, workers=2), args.repeats)

    ideal = 32 * one
    serial = rows["fastdiff serial"]
    print(f"\n{'':<26}{'median':>10}{'vs serial':>11}{'of ideal 2x':>13}")
    for label, seconds in rows.items():
        print(
            f"{label:<26}{seconds:>9.3f}s{serial / seconds:>10.2f}x{serial / seconds / 2 * 100:>12.0f}%"
        )
    print(f"(32 evaluations x one call = {ideal:.3f} s)")

    y = np.linspace(-1.0, 1.0, 100)
    assert np.allclose(
        fastdiff.gradient(cheap, y), fastdiff.gradient(cheap_vectorized, y, vectorized=True)
    )
    serial_cheap = timed(lambda: fastdiff.gradient(cheap, y), args.repeats * 4)
    vectorized = timed(lambda: fastdiff.gradient(cheap_vectorized, y, vectorized=True), args.repeats * 4)
    print(
        f"\ncheap numpy objective, n = 100: serial {serial_cheap * 1e3:.2f} ms, "
        f"vectorized {vectorized * 1e3:.3f} ms: {serial_cheap / vectorized:.0f}x"
    )
    fastdiff.shutdown_workers()


if __name__ == "__main__":
    main()
