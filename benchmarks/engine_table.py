"""Ratio table for the compiled engine: fastdiff serial and parallel vs the floor and scipy.

Each case is measured in ``--rounds`` rounds (floor, serial, parallel and
scipy back to back); the table shows the median of each over the rounds.

Run: python benchmarks/engine_table.py [--quick] [--no-peers] [--rounds 3]
"""

import argparse

import numba

from fastdiff.bench.engine import compare_engine, format_engine_table, median_timings

CASES = [("gradient", n) for n in (10, 100, 1000, 10_000)]
CASES += [("jacobian", n) for n in (10, 100, 1000)]
CASES += [("hessian", n) for n in (10, 50, 200)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small dimensions only")
    parser.add_argument("--no-peers", action="store_true", help="skip scipy")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per case (median)")
    args = parser.parse_args()
    cases = [(k, n) for k, n in CASES if not args.quick or n <= 100]
    print(f"threads: {numba.get_num_threads()}, rounds per case: {max(1, args.rounds)} (medians)")
    rows = []
    for kind, n in cases:
        # scipy's nested Hessian at n = 200 costs 160 000 Python calls: skip it.
        peers = not args.no_peers and not (kind == "hessian" and n > 50)
        rounds = [compare_engine(kind, n, peers=peers) for _ in range(max(1, args.rounds))]
        rows.append(median_timings(rounds))
    print(format_engine_table(rows))


if __name__ == "__main__":
    main()
