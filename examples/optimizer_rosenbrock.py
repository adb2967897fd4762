"""Newton, BFGS and gradient descent on Rosenbrock's function, compared by cost.

f(x, y) = 100 (y - x^2)^2 + (1 - x)^2 has its minimum 0 at (1, 1) at the end
of a long curved valley. From the classic start (-1.2, 1): Newton's method
(finite-difference Hessian, damped where it is not positive definite) and
BFGS (curvature learnt from gradient changes) follow the valley in a few
dozen iterations; gradient descent with a line search crawls along it. The
comparison is by evaluations of f, which is what each method really costs.
Every solve runs in one compiled call.

Writes rosenbrock_paths.png and rosenbrock_loss.png into --out.

Run: python examples/optimizer_rosenbrock.py [--out DIR]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from numba import njit

from fastdiff.optimize import bfgs, gradient_descent, newton
from fastdiff.plotting import plot_comparison

QUICK = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"


@njit(cache=True)
def rosenbrock(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="fastdiff-examples", help="folder for the PNGs")
    parser.add_argument(
        "--descent-iterations",
        type=int,
        default=2000 if QUICK else 20_000,
        help="iterations of gradient descent",
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x0 = np.array([-1.2, 1.0])
    results = {
        "newton": newton(rosenbrock, x0, gtol=1e-9, history=True),
        "bfgs": bfgs(rosenbrock, x0, gtol=1e-9, history=True),
        "gradient descent + line search": gradient_descent(
            rosenbrock,
            x0,
            learning_rate=1.0,
            line_search=True,
            maxiter=args.descent_iterations,
            gtol=1e-9,
            history=True,
        ),
    }
    print(f"{'method':<32} {'iterations':>10} {'evaluations':>11} {'|x - (1, 1)|':>13}  status")
    for label, result in results.items():
        error = np.max(np.abs(result.x - 1.0))
        print(f"{label:<32} {result.nit:>10} {result.nfev:>11} {error:>13.2e}  {result.message}")

    figure = Figure(figsize=(7, 5), layout="constrained")
    ax = figure.subplots()
    u, v = np.meshgrid(np.linspace(-1.5, 1.5, 300), np.linspace(-0.5, 1.6, 300))
    ax.contour(
        u,
        v,
        100 * (v - u**2) ** 2 + (1 - u) ** 2,
        levels=np.logspace(-1, 3, 14),
        norm=LogNorm(),
        colors="0.7",
        linewidths=0.7,
    )
    for label, result in results.items():
        path = result.history.x
        ax.plot(path[:, 0], path[:, 1], ".-", markersize=3, linewidth=0.9, label=label)
    ax.plot([1.0], [1.0], "k*", markersize=12, label="minimum (1, 1)")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("paths from (-1.2, 1)")
    ax.legend(loc="lower right")
    figure.savefig(out / "rosenbrock_paths.png", dpi=120)

    figure = Figure(figsize=(7, 4.5), layout="constrained")
    ax = plot_comparison(results, ax=figure.subplots(), optimum=0.0)
    ax.set_xscale("log")
    ax.set_title("f (minimum 0) against evaluations of f")
    figure.savefig(out / "rosenbrock_loss.png", dpi=120)
    print(f"wrote {out / 'rosenbrock_paths.png'} and {out / 'rosenbrock_loss.png'}")

    for label in ("newton", "bfgs"):
        result = results[label]
        if not result.success or np.max(np.abs(result.x - 1.0)) > 1e-6:
            raise SystemExit(f"{label} did not reach (1, 1) to 1e-6")
    if results["newton"].nfev >= results["gradient descent + line search"].nfev:
        raise SystemExit("gradient descent should need more evaluations than Newton")


if __name__ == "__main__":
    main()
