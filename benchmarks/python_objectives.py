"""Plain-Python objectives: serial, workers, Dask, vectorized, against the peers.

1. An objective costing ~20 ms of pure-Python CPU work per call, n = 16,
   central gradient (32 evaluations): fastdiff serial, fastdiff workers=2,
   fastdiff on a Dask LocalCluster with 2 worker processes, optimagic
   first_derivative(n_cores=2) and scipy approx_derivative(workers=2).
   Pools and clusters are started before timing (their start-up is printed
   separately); scipy's workers=2 starts a pool inside every call, by design.
2. Cheap numpy objectives, n = 100: serial vs vectorized=True, with the
   ceiling set by the objective itself (200 calls vs one batch call).

Run: python benchmarks/python_objectives.py [--repeats 5] [--cheap-only]
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
    return np.sum(np.sin(points) * points**2, axis=1) + np.sum(
        points[:, 1:] * points[:, :-1], axis=1
    )


def rosenbrock(x):
    """Extended Rosenbrock in numpy: the engine table's function, not compiled."""
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def rosenbrock_vectorized(points):
    head, tail = points[:, :-1], points[:, 1:]
    return np.sum(100.0 * (tail - head**2) ** 2 + (1.0 - head) ** 2, axis=1)


#: (label, f of one point, f of a (k, n) batch)
CHEAP_OBJECTIVES = (
    ("sin(x) x^2 + x_i x_i+1", cheap, cheap_vectorized),
    ("extended Rosenbrock", rosenbrock, rosenbrock_vectorized),
)


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
    parser.add_argument(
        "--cheap-only", action="store_true", help="only the serial vs vectorized table"
    )
    args = parser.parse_args()
    if args.cheap_only:
        cheap_table(args.repeats)
        return

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
    rows["fastdiff workers=2"] = timed(
        lambda: fastdiff.gradient(expensive, x, workers=2), args.repeats
    )

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
    rows["scipy workers=2"] = timed(
        lambda: approx_derivative(expensive, x, workers=2), args.repeats
    )

    ideal = 32 * one
    serial = rows["fastdiff serial"]
    print(f"\n{'':<26}{'median':>10}{'vs serial':>11}{'of ideal 2x':>13}")
    for label, seconds in rows.items():
        print(
            f"{label:<26}{seconds:>9.3f}s{serial / seconds:>10.2f}x{serial / seconds / 2 * 100:>12.0f}%"
        )
    print(f"(32 evaluations x one call = {ideal:.3f} s)")

    cheap_table(args.repeats)
    fastdiff.shutdown_workers()


def cheap_table(repeats: int) -> None:
    """Serial vs vectorized=True on cheap numpy objectives, n = 100.

    The ceiling is what no engine can beat: 200 separate calls of ``f``
    against one call of its vectorized form on the (200, 100) batch.
    """
    y = np.linspace(-1.0, 1.0, 100)
    batch = np.tile(y, (200, 1))
    print("\ncheap numpy objectives, n = 100, central gradient (200 evaluations):")
    print(f"{'objective':<26}{'serial':>10}{'vectorized':>12}{'ratio':>8}{'ceiling':>9}")
    for label, one_point, vectorized_f in CHEAP_OBJECTIVES:
        assert np.allclose(
            fastdiff.gradient(one_point, y),
            fastdiff.gradient(vectorized_f, y, vectorized=True),
            rtol=1e-10,
            atol=1e-10,
        )
        serial = timed(lambda f=one_point: fastdiff.gradient(f, y), repeats * 4)
        vectorized = timed(
            lambda f=vectorized_f: fastdiff.gradient(f, y, vectorized=True), repeats * 20
        )
        calls = timed(lambda f=one_point: [f(row) for row in batch], repeats * 4)
        one_batch = timed(lambda f=vectorized_f: f(batch), repeats * 20)
        print(
            f"{label:<26}{serial * 1e3:>8.2f}ms{vectorized * 1e3:>10.3f}ms"
            f"{serial / vectorized:>7.1f}x{calls / one_batch:>8.1f}x"
        )


if __name__ == "__main__":
    main()
