"""Ratio table for the compiled engine: fastdiff serial and parallel vs the floor and scipy.

Run: python benchmarks/engine_table.py [--quick]
"""

import argparse

import numba

from fastdiff.benchmarking import compare_engine, format_engine_table

CASES = [("gradient", n) for n in (10, 100, 1000, 10_000)]
CASES += [("jacobian", n) for n in (10, 100, 1000)]
CASES += [("hessian", n) for n in (10, 50, 200)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small dimensions only")
    parser.add_argument("--no-peers", action="store_true", help="skip scipy")
    args = parser.parse_args()
    cases = [(k, n) for k, n in CASES if not args.quick or n <= 100]
    print(f"threads: {numba.get_num_threads()}")
    rows = []
    for kind, n in cases:
        # scipy's nested Hessian at n = 200 costs 160 000 Python calls: skip it.
        peers = not args.no_peers and not (kind == "hessian" and n > 50)
        rows.append(compare_engine(kind, n, peers=peers))
    print(format_engine_table(rows))


if __name__ == "__main__":
    main()
