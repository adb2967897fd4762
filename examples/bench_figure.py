"""The figure of ``fastdiff bench``: seconds per gradient against n, fastdiff against scipy.

Runs a small sweep of the benchmark command (the extended Rosenbrock
gradient, central differences) with a tight time budget, so that scipy,
slower by one to two orders of magnitude, runs over it and is skipped at
the larger dimensions. The figure shows the floor line (what any engine
must spend on the evaluations), the skip mark where scipy stopped being
timed, and a caption with the CPU, the Numba threads and the versions, so
that the saved PNG keeps its context.

Writes cost_vs_n.png and results.json into --out; checks that every peer
that was timed agrees with fastdiff's gradient.

Run: python examples/bench_figure.py [--out DIR] [--dims 10,100,1000] [--budget 0.005]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from fastdiff.cli import main as fastdiff_command

QUICK = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="fastdiff-examples", help="folder for the PNG and JSON")
    parser.add_argument("--dims", default="10,100" if QUICK else "10,100,1000,10000")
    parser.add_argument(
        "--budget", default="0.001" if QUICK else "0.02", help="seconds per call a tool may take"
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    command = ["bench", "--problems", "rosenbrock", "--objects", "gradient", "--peers", "scipy"]
    command += ["--dims", args.dims, "--budget", args.budget, "--out", str(out), "--no-progress"]
    if fastdiff_command(command) != 0:
        raise SystemExit("fastdiff bench failed")

    document = json.loads((out / "results.json").read_text())
    for case in document["cases"]:
        scipy = case["tools"]["scipy"]
        where = f"n={case['n']}"
        if scipy["seconds"] is None:
            print(f"scipy at {where}: {scipy['skipped']}")
        elif scipy["difference"] is None or scipy["difference"] > 1e-6:
            raise SystemExit(f"scipy's gradient differs from fastdiff's at {where}")
    if not (out / "cost_vs_n.png").is_file():
        raise SystemExit("the figure was not written")


if __name__ == "__main__":
    main()
