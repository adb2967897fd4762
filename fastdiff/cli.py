"""The ``fastdiff`` command (also ``python -m fastdiff``).

``fastdiff`` (or ``fastdiff demo``)
    The built-in demonstration: central-difference gradients, Jacobians and
    Hessians of built-in problems at a few dimensions, timed against the
    evaluation floor and scipy's ``approx_derivative``.
``fastdiff bench``
    Derivative cost versus dimension on built-in problems or your own
    function, against the floor and the peers that are installed; prints a
    table and writes JSON and a log-log plot (see ``fastdiff bench --help``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numba

from fastdiff import __version__
from fastdiff.bench.engine import compare_engine, format_engine_table
from fastdiff.bench.peers import PEERS
from fastdiff.bench.problems import BUILTIN_PROBLEMS
from fastdiff.bench.sweep import OBJECTS

DEMO_CASES = [
    ("gradient", 10),
    ("gradient", 100),
    ("gradient", 1000),
    ("jacobian", 10),
    ("jacobian", 100),
    ("hessian", 10),
    ("hessian", 50),
]

JSON_NAME = "results.json"
PLOT_NAME = "cost_vs_n.png"

_BENCH_EPILOG = """\
built-in problems:
{problems}

your own function, --function MODULE:NAME
  MODULE is importable (the current directory is searched first) or a path
  to a .py file. NAME(n) returns (f, x0): the function for dimension n and
  the point of shape (n,) where it is differentiated. A Numba-compiled NAME
  is f itself, differentiated at x0 = full(n, 0.5). f(x) returns a number
  (gradient, Hessian) or a 1-D array (Jacobian).

  # mymodel.py
  import numba, numpy as np
  def make_problem(n):
      @numba.njit
      def f(x):
          return np.sum(np.exp(x) - x)
      return f, np.linspace(-1.0, 1.0, n)

  fastdiff bench --function mymodel:make_problem --dims 10,100,1000

columns: floor = evaluations x one evaluation, timed in a compiled loop (one
thread) for a Numba-compiled f, in a Python loop otherwise; xfloor =
fastdiff / floor; <peer>/fd = peer time / fastdiff time (above 1: fastdiff
is faster). Times are medians of repeated calls.
"""


def _demo(args: argparse.Namespace) -> int:
    print(f"fastdiff {__version__}: central differences on {numba.get_num_threads()} threads")
    print("floor = evaluations x one evaluation timed inside a compiled loop; medians.\n")
    rows = [compare_engine(kind, n, peers=not args.no_peers) for kind, n in DEMO_CASES]
    print(format_engine_table(rows))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from fastdiff.bench import report
    from fastdiff.bench.loading import ProblemSpecError, load_problem
    from fastdiff.bench.peers import missing_peers, peer_version
    from fastdiff.bench.progress import Progress
    from fastdiff.bench.sweep import SweepSettings, method_error, plan, run_sweep

    for method in dict.fromkeys(args.methods):
        reasons = [method_error(kind, method) for kind in args.objects]
        if all(reasons):
            args.usage_error(f"argument --methods: {reasons[0]}")
    dims = tuple(sorted(set(args.dims)))
    names = args.problems if args.problems is not None else ([] if args.function else None)
    problems = [
        BUILTIN_PROBLEMS[name] for name in (names if names is not None else BUILTIN_PROBLEMS)
    ]
    for spec in args.function or []:
        try:
            problems.append(load_problem(spec, dims[0]))
        except ProblemSpecError as error:
            print(f"fastdiff bench: error: {error}", file=sys.stderr)
            return 2

    wanted = () if args.no_peers else tuple(dict.fromkeys(args.peers))
    missing = missing_peers(wanted)
    peers = tuple(p for p in wanted if p not in missing)
    settings = SweepSettings(
        objects=tuple(args.objects),
        methods=tuple(dict.fromkeys(args.methods)),
        dims=dims,
        peers=peers,
        budget=args.budget,
        parallel={"auto": None, "on": True, "off": False}[args.parallel],
    )
    series = plan(problems, settings)
    if not series:
        print(
            "fastdiff bench: error: no problem matches --objects "
            f"{','.join(settings.objects)} (gradient and hessian need a scalar function, "
            "jacobian a vector function)",
            file=sys.stderr,
        )
        return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"fastdiff bench: error: cannot create --out {args.out}: {error}", file=sys.stderr)
        return 2

    print(
        f"fastdiff {__version__} bench: {len(series)} series x {len(dims)} dimensions on "
        f"{report.cpu_name()}, {numba.get_num_threads()} threads (parallel={args.parallel}), "
        f"budget {args.budget:g} s per call"
    )
    for name, reason in missing.items():
        print(f"note: {name} skipped: {reason}")
    for kind in settings.objects:
        for method in settings.methods:
            if method_error(kind, method):
                print(f"note: {kind} skipped for method {method!r}: {method_error(kind, method)}")
    for problem in problems:
        unused = [kind for kind in settings.objects if kind not in problem.objects]
        if unused and len(unused) == len(settings.objects):
            print(f"note: {problem.name} skipped: it has no {'/'.join(unused)}")

    progress = Progress(len(series) * len(dims), enabled=not args.no_progress)
    try:
        results = run_sweep(series, settings, progress)
    finally:
        progress.close()

    print()
    print(report.format_table(results, peers))
    print()
    print(
        "floor = evaluations x one evaluation (in a compiled loop, one thread, for a "
        "Numba-compiled f);\nxfloor = fastdiff / floor; <peer>/fd = peer time / "
        "fastdiff time (above 1: fastdiff is faster); medians per call."
    )

    document = report.results_document(
        results,
        {
            "problems": [problem.name for problem in problems],
            "objects": list(settings.objects),
            "methods": list(settings.methods),
            "dims": list(dims),
            "budget_seconds": settings.budget,
            "parallel": args.parallel,
        },
        {
            **{name: {"version": peer_version(name)} for name in peers},
            **{name: {"skipped": reason} for name, reason in missing.items()},
        },
    )
    json_path = args.out / JSON_NAME
    report.write_json(json_path, document)
    print(f"wrote {json_path}")
    if args.no_plot:
        return 0
    plot_path = args.out / PLOT_NAME
    try:
        report.write_plot(plot_path, results, peers, report.figure_caption(document))
    except ImportError:
        print('PNG skipped: matplotlib is not installed (pip install "fastdiff[plot]")')
    else:
        print(f"wrote {plot_path}")
    return 0


def _list_of(choices: tuple[str, ...] | None = None, item=str, what: str = ""):
    """An argparse type for comma-separated lists, checked item by item."""

    def parse(text: str) -> list:
        items = [part.strip() for part in text.split(",") if part.strip()]
        if not items:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
        values = []
        for part in items:
            if choices is not None and part not in choices:
                raise argparse.ArgumentTypeError(
                    f"invalid choice {part!r} (choose from {', '.join(choices)})"
                )
            try:
                values.append(item(part))
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected {what}, got {part!r}") from None
        return values

    return parse


def _dimension(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


def _add_bench_arguments(bench: argparse.ArgumentParser) -> None:
    bench.add_argument(
        "--problems",
        type=_list_of(tuple(BUILTIN_PROBLEMS)),
        metavar="LIST",
        help=f"built-in problems, from {','.join(BUILTIN_PROBLEMS)} "
        "(default: all of them, or none when --function is given)",
    )
    bench.add_argument(
        "--function",
        action="append",
        metavar="MODULE:NAME",
        help="your own problem (see below); may be repeated",
    )
    bench.add_argument(
        "--objects",
        type=_list_of(OBJECTS),
        default=list(OBJECTS),
        metavar="LIST",
        help="derivatives to time (default: gradient,jacobian,hessian)",
    )
    bench.add_argument(
        "--methods",
        type=_list_of(),
        default=["central"],
        metavar="LIST",
        help="fastdiff methods: central, forward, backward, or any other method of "
        "fastdiff.gradient, such as richardson or complex (default: central)",
    )
    bench.add_argument(
        "--dims",
        type=_list_of(item=_dimension, what="positive integers"),
        default=[10, 100, 1000],
        metavar="LIST",
        help="dimensions n, positive integers (default: 10,100,1000)",
    )
    bench.add_argument(
        "--peers",
        type=_list_of(PEERS),
        default=list(PEERS),
        metavar="LIST",
        help="tools to compare with, when installed (default: scipy,numdifftools,optimagic)",
    )
    bench.add_argument("--no-peers", action="store_true", help="time fastdiff only")
    bench.add_argument(
        "--budget",
        type=_positive_seconds,
        default=1.0,
        metavar="SECONDS",
        help="a tool is skipped at larger n once one call takes (or is predicted "
        "to take) longer than this (default: 1)",
    )
    bench.add_argument(
        "--parallel",
        choices=("auto", "on", "off"),
        default="auto",
        help="fastdiff's parallel option (default: auto)",
    )
    bench.add_argument(
        "--out",
        type=Path,
        default=Path("fastdiff-bench"),
        metavar="DIR",
        help=f"folder for {JSON_NAME} and {PLOT_NAME} (default: ./fastdiff-bench)",
    )
    bench.add_argument("--no-plot", action="store_true", help="do not write the PNG plot")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser: ``demo`` (the default) and ``bench``."""
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
    problems = "\n".join(f"  {p.name:<14} {p.description}" for p in BUILTIN_PROBLEMS.values())
    bench = commands.add_parser(
        "bench",
        help="derivative cost versus dimension, against the floor and peers",
        description="Time gradients, Jacobians and Hessians at increasing dimensions "
        "against the evaluation floor and scipy, numdifftools and optimagic; print a "
        "table, write JSON and a log-log plot.",
        epilog=_BENCH_EPILOG.format(problems=problems),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_bench_arguments(bench)
    bench.set_defaults(run=_bench, usage_error=bench.error)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
