"""Newton's method in one dimension: quadratic convergence, and what goes wrong without a safeguard.

Convex: f(x) = exp(x) - 2x has its minimum at ln 2. Newton's method (second
derivative by finite differences) doubles the correct digits per step; the
secant method (second derivative from two first derivatives) converges with
order 1.618; gradient descent only linearly.

Non-convex: f(x) = x^4 - 3x^2 + x. Newton's step goes to the nearest
stationary point, so from x0 = 0.1, where f is concave, the plain method
climbs to the local maximum near 0.17. The safeguarded method (damping until
the step goes downhill, then backtracking) finds a minimum from every start.

Writes newton_convex.png and newton_nonconvex.png into --out.

Run: python examples/optimizer_newton_1d.py [--out DIR]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numba import njit

from fastdiff.optimize import gradient_descent, newton, secant
from fastdiff.plotting import plot_path_1d


@njit(cache=True)
def convex(x):
    return math.exp(x[0]) - 2.0 * x[0]


@njit(cache=True)
def double_well(x):
    return x[0] ** 4 - 3.0 * x[0] ** 2 + x[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="fastdiff-examples", help="folder for the PNGs")
    parser.add_argument("--x0", type=float, default=0.1, help="start on the double well")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # Convex: distance to ln 2 per iteration. (gtol 1e-10 is close to the
    # noise of central differences, about eps**(2/3) ~ 4e-11 here.)
    minimum = math.log(2.0)
    runs = {
        "newton": newton(convex, 2.0, gtol=1e-10, history=True),
        "secant": secant(convex, 2.0, gtol=1e-10, history=True),
        "gradient descent, lr 0.2": gradient_descent(
            convex, 2.0, learning_rate=0.2, gtol=1e-10, history=True
        ),
    }
    print(f"f(x) = exp(x) - 2x from x0 = 2; minimum at ln 2 = {minimum:.15f}")
    figure = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = figure.subplots()
    for label, run in runs.items():
        error = np.abs(run.history.x[:, 0] - minimum)
        ax.semilogy(np.maximum(error, 1e-17), "o-", markersize=3, label=label)
        print(
            f"  {label:<26} x = {run.x[0]:.15f} after {run.nit:>3} iterations, {run.nfev} evaluations"
        )
    ax.set_xlabel("iteration")
    ax.set_ylabel("|x - ln 2|")
    ax.set_title("exp(x) - 2x: quadratic, superlinear, linear")
    ax.legend()
    figure.savefig(out / "newton_convex.png", dpi=120)

    # Non-convex: stationary points are the roots of f' = 4x^3 - 6x + 1.
    low, top, high = np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)
    plain = newton(double_well, args.x0, safeguard=False, gtol=1e-10, history=True)
    guarded = newton(double_well, args.x0, gtol=1e-10, history=True)
    print(
        f"\nf(x) = x^4 - 3x^2 + x from x0 = {args.x0}: minima {low:.6f}, {high:.6f}, maximum {top:.6f}"
    )
    print(f"  plain Newton       -> x = {plain.x[0]:.9f} (f'' = {12 * plain.x[0] ** 2 - 6:.3f})")
    print(
        f"  safeguarded Newton -> x = {guarded.x[0]:.9f} (f'' = {12 * guarded.x[0] ** 2 - 6:.3f})"
    )
    figure = Figure(figsize=(12, 4.2), layout="constrained")
    for ax, (label, run) in zip(
        figure.subplots(1, 2, sharey=True),
        [("plain Newton: climbs to the maximum", plain), ("safeguarded: always downhill", guarded)],
    ):
        plot_path_1d(double_well, run, ax=ax, bounds=(-2.0, 2.0))
        ax.set_title(label)
    figure.savefig(out / "newton_nonconvex.png", dpi=120)
    print(f"\nwrote {out / 'newton_convex.png'} and {out / 'newton_nonconvex.png'}")

    if abs(runs["newton"].x[0] - minimum) > 1e-9 or abs(runs["secant"].x[0] - minimum) > 1e-9:
        raise SystemExit("Newton or the secant method missed ln 2")
    if (
        runs["newton"].nit >= runs["secant"].nit
        or runs["secant"].nit >= runs["gradient descent, lr 0.2"].nit
    ):
        raise SystemExit("expected Newton < secant < gradient descent in iterations")
    if args.x0 == 0.1 and abs(plain.x[0] - top) > 1e-8:
        raise SystemExit("plain Newton from 0.1 should end at the local maximum")
    if min(abs(guarded.x[0] - low), abs(guarded.x[0] - high)) > 1e-8:
        raise SystemExit("safeguarded Newton should end at a minimum")
    if np.any(np.diff(guarded.history.fun) >= 0.0):
        raise SystemExit("safeguarded Newton took an uphill step")


if __name__ == "__main__":
    main()
