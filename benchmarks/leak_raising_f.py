"""Memory kept per failing call of a compiled ``f`` that raises.

A jitted ``f`` that raises an exception carrying run-time values makes Numba
allocate the exception's information; the kernels only see a status. This
script runs many failing ``gradient`` calls and reports the growth of the
resident set (``/proc/self/statm``, Linux) and of Python's own allocations
(``tracemalloc``) per call, after a warm-up that loads the kernels and fills
Python's caches.

Run: python benchmarks/leak_raising_f.py [--calls 50000] [--n 10] [--scenario all|some]

``all``: f raises at every point (the call ends in f's exception).
``some``: f raises on one side of x only (the one-sided fallback succeeds).
"""

import argparse
import gc
import os
import resource
import tracemalloc

import numba
import numpy as np

import fastdiff


@numba.njit
def raises_everywhere(x):
    if x[0] > -1e300:
        raise ValueError("f failed at x[0] =", x[0])
    return 0.0


@numba.njit
def raises_above(x):
    # x[0] = 0.5 at the centre: the forward point of coordinate 0 raises,
    # the backward one-sided formula works.
    if x[0] > 0.5:
        raise ValueError("f failed at x[0] =", x[0])
    return np.sum(x**2)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _one_call(f, x, expect_error: bool) -> None:
    if expect_error:
        try:
            fastdiff.gradient(f, x)
        except ValueError:
            return
        raise AssertionError("f did not raise")
    fastdiff.gradient(f, x)


def measure(f, x, calls: int, expect_error: bool) -> tuple[float, float]:
    """Bytes per call: (resident set, tracemalloc)."""
    for _ in range(2000):  # warm-up: kernels, caches, allocator pools
        _one_call(f, x, expect_error)
    gc.collect()
    rss_before = _rss_bytes()
    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    for _ in range(calls):
        _one_call(f, x, expect_error)
    gc.collect()
    rss_after = _rss_bytes()
    tracemalloc.start()
    for _ in range(min(calls, 5000)):
        _one_call(f, x, expect_error)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - traced_before
    tracemalloc.stop()
    return (rss_after - rss_before) / calls, traced / min(calls, 5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--scenario", choices=("all", "some", "both"), default="both")
    options = parser.parse_args()
    x = np.full(options.n, 0.5)
    scenarios = {"all": (raises_everywhere, True), "some": (raises_above, False)}
    chosen = (
        scenarios if options.scenario == "both" else {options.scenario: scenarios[options.scenario]}
    )
    print(f"fastdiff {fastdiff.__version__}, numba {numba.__version__}, pid {os.getpid()}")
    for name, (f, expect_error) in chosen.items():
        rss, traced = measure(f, x, options.calls, expect_error)
        print(
            f"{name:>4}: n={options.n}, {options.calls} calls: "
            f"RSS {rss:8.1f} B/call, tracemalloc {traced:8.1f} B/call"
        )


if __name__ == "__main__":
    main()
