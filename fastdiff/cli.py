"""The ``fastdiff`` command (also ``python -m fastdiff``).

With no arguments it runs the built-in demonstration: central-difference
gradients, Jacobians and Hessians of built-in problems at a few dimensions,
timed against the evaluation floor and scipy's ``approx_derivative``.
"""

from __future__ import annotations

import argparse
import sys

import numba

from fastdiff import __version__
from fastdiff.benchmarking import compare_engine, format_engine_table

DEMO_CASES = [
    ("gradient", 10),
    ("gradient", 100),
    ("gradient", 1000),
    ("jacobian", 10),
    ("jacobian", 100),
    ("hessian", 10),
    ("hessian", 50),
]


def _demo(args: argparse.Namespace) -> int:
    print(f"fastdiff {__version__}: central differences on {numba.get_num_threads()} threads")
    print("floor = evaluations x one evaluation timed inside a compiled loop; medians.\n")
    rows = [compare_engine(kind, n, peers=not args.no_peers) for kind, n in DEMO_CASES]
    print(format_engine_table(rows))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastdiff", description="Numerical derivatives in compiled kernels."
    )
    parser.add_argument("--version", action="version", version=f"fastdiff {__version__}")
    parser.set_defaults(run=_demo)
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser(
        "demo", help="time built-in problems against the floor and scipy (default)"
    )
    demo.set_defaults(run=_demo)
    for p in (parser, demo):
        p.add_argument("--no-peers", action="store_true", help="skip the scipy comparison")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
