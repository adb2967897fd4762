"""An expensive Python objective differentiated on a Dask cluster.

A model costing ~50 ms per call (a pure-Python loop standing in for a
simulation) has a 16-dimensional gradient: 32 evaluations. fastdiff builds
all stencil points at once and hands them to any concurrent.futures-style
executor; a ``dask.distributed.Client`` is one, so the same call runs on a
laptop's LocalCluster or on a cluster of many machines.

Run: python examples/dask_cluster.py [--workers 2] [--scheduler tcp://host:8786]
(needs pip install 'fastdiff[distributed]')
"""

import argparse
import math
import os
import time

import numpy as np

import fastdiff

QUICK = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"
ITERATIONS = 2_000 if QUICK else 150_000


def model(x):
    """A deliberately slow objective, with a known gradient: 2 x_i + cos(x_i)."""
    total = 0.0
    for k in range(ITERATIONS):  # the "simulation": work that cannot be vectorized
        total += math.sin(k * 1e-3) * 1e-9
    return float(np.sum(x**2) + np.sum(np.sin(x))) + total


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--scheduler", help="address of an existing Dask scheduler")
    parser.add_argument("--n", type=int, default=4 if QUICK else 16)
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster

    x = np.linspace(-1.0, 1.0, args.n)
    exact = 2.0 * x + np.cos(x)

    start = time.perf_counter()
    serial = fastdiff.gradient(model, x)
    serial_seconds = time.perf_counter() - start

    if args.scheduler:
        client, cluster = Client(args.scheduler), None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
    try:
        fastdiff.gradient(model, x, executor=client)  # warm-up: workers import fastdiff
        start = time.perf_counter()
        on_cluster = fastdiff.gradient(model, x, executor=client)
        cluster_seconds = time.perf_counter() - start
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    print(f"n = {args.n}: {2 * args.n} evaluations of a slow model")
    print(f"serial:      {serial_seconds:.2f} s")
    print(
        f"Dask ({'scheduler' if args.scheduler else f'{args.workers} workers'}): {cluster_seconds:.2f} s"
    )
    print(f"largest error against the exact gradient: {np.max(np.abs(on_cluster - exact)):.1e}")
    assert np.array_equal(on_cluster, serial), "the cluster must give the serial result"


if __name__ == "__main__":
    main()
