"""Gradient descent and momentum on a rugged 1-D landscape, from 100 starting points.

f(x) = x^2 + 0.05 sin(30 x) - 0.2 is a parabola covered in small local minima.
With a small learning rate every run settles in the local minimum next to its
start. With a learning rate above 2 / f'' of those minima (their sharpness is
up to 47, so the bound is about 0.043) no run can settle in a sharp minimum:
the runs keep bouncing, but at a lower loss. Momentum carries runs over the
small barriers. The whole multi-start is one compiled call per setting.

Writes landscape_paths.png and landscape_loss.png into --out.

Run: python examples/optimizer_landscape.py [--out DIR] [--starts 100]
"""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numba import njit

from fastdiff.optimize import LearningRateWarning, gradient_descent, momentum
from fastdiff.plotting import plot_loss, plot_path_1d

QUICK = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"


@njit(cache=True)
def landscape(x):
    return x[0] ** 2 + 0.05 * np.sin(30.0 * x[0]) - 0.2


def derivatives(x):
    """Analytic f' and f'' of the landscape."""
    return 2.0 * x + 1.5 * np.cos(30.0 * x), 2.0 - 45.0 * np.sin(30.0 * x)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="fastdiff-examples", help="folder for the PNGs")
    parser.add_argument("--starts", type=int, default=20 if QUICK else 100)
    parser.add_argument("--maxiter", type=int, default=200 if QUICK else 1000)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    starts = np.linspace(-1.0, 1.0, args.starts)[:, None]
    settings = {
        "gradient descent, lr 0.01": (gradient_descent, {"learning_rate": 0.01}),
        "gradient descent, lr 0.1": (gradient_descent, {"learning_rate": 0.1}),
        "momentum 0.9, lr 0.01": (momentum, {"learning_rate": 0.01, "momentum": 0.9}),
    }
    results, warned = {}, {}
    for label, (optimizer, options) in settings.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LearningRateWarning)
            results[label] = optimizer(
                landscape, starts, maxiter=args.maxiter, history=True, **options
            )
        warned[label] = any(issubclass(w.category, LearningRateWarning) for w in caught)

    grid = np.linspace(-1.0, 1.0, 200_001)
    best = grid[np.argmin(grid**2 + 0.05 * np.sin(30.0 * grid))]
    print(f"global minimum near x = {best:.4f}")
    print(f"{'setting':<28} {'converged':>9} {'mean final f':>13} {'at global min':>14}  warning")
    for label, result in results.items():
        final = result.all_x[:, 0]
        converged = sum(run.success for run in result.runs)
        at_best = np.mean(np.abs(final - best) < 0.05)
        print(
            f"{label:<28} {converged:>5}/{len(final):<3} {result.all_fun.mean():>13.4f} "
            f"{at_best:>13.0%}   {'yes' if warned[label] else 'no'}"
        )

    # Titles, legends and the shaded stretches where the minima are too sharp
    # for the learning rate all come from plot_path_1d.
    figure = Figure(figsize=(15, 5), layout="constrained")
    for ax, result in zip(figure.subplots(1, 3, sharey=True), results.values()):
        plot_path_1d(landscape, result, ax=ax, bounds=(-1.1, 1.1))
    figure.savefig(out / "landscape_paths.png", dpi=120)
    figure = Figure(figsize=(15, 4.5), layout="constrained")
    for ax, (label, result) in zip(figure.subplots(1, 3, sharey=True), results.items()):
        plot_loss(result, ax=ax)
        ax.set_xscale("symlog", linthresh=10)
        ax.set_title(label)
    figure.savefig(out / "landscape_loss.png", dpi=120)
    print(f"wrote {out / 'landscape_paths.png'} and {out / 'landscape_loss.png'}")

    # The small learning rate must end every run in a local minimum (f' = 0,
    # f'' > 0, from the analytic derivatives), and only the large one is
    # beyond the sharpness bound.
    small = results["gradient descent, lr 0.01"]
    slope, curvature = derivatives(small.all_x[:, 0])
    if not (all(run.success for run in small.runs) and np.all(np.abs(slope) < 1e-5)):
        raise SystemExit("gradient descent with lr 0.01 did not end every run at f' = 0")
    if not np.all(curvature > 0.0):
        raise SystemExit("gradient descent with lr 0.01 ended a run at a maximum")
    if not warned["gradient descent, lr 0.1"] or warned["gradient descent, lr 0.01"]:
        raise SystemExit("the learning-rate warning did not match the bound 2 / sharpness")


if __name__ == "__main__":
    main()
