"""The sharpness bound: gradient descent on 0.5 x^2 at learning rates 1.98, 2.0 and 2.02.

On f(x) = 0.5 x^2 (sharpness, the largest Hessian eigenvalue, is 1) gradient
descent multiplies x by 1 - learning_rate at every step. Below 2 / sharpness
= 2 the iterates shrink while flipping sign; at 2 they flip forever between
+1 and -1; above it they grow without bound. fastdiff measures the sharpness
by finite differences, warns before a run that exceeds the bound, and stops
a diverging run with success=False.

Writes sharpness_bound.png into --out.

Run: python examples/optimizer_sharpness_bound.py [--out DIR]
(It takes well under a second, so it has no quick mode.)
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numba import njit

from fastdiff import sharpness
from fastdiff.optimize import LearningRateWarning, gradient_descent, learning_rate_bound
from fastdiff.plotting import plot_loss

LEARNING_RATES = (1.98, 2.0, 2.02)


@njit(cache=True)
def half_square(x):
    return 0.5 * x[0] * x[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="fastdiff-examples", help="folder for the PNG")
    parser.add_argument("--maxiter", type=int, default=1500)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    lam = sharpness(half_square, 1.0)
    bound = learning_rate_bound(lam)
    print(
        f"sharpness at x0 = 1: {lam:.9f} (exact: 1); learning-rate bound 2 / sharpness = {bound:.6f}"
    )
    results, warned = {}, {}
    for rate in LEARNING_RATES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LearningRateWarning)
            result = gradient_descent(
                half_square, 1.0, learning_rate=rate, maxiter=args.maxiter, history=True
            )
        results[rate] = result
        warned[rate] = bool(caught)
        print(f"\nlearning_rate {rate}: {result.message}")
        for warning in caught:
            print(f"  warning: {warning.message}")

    figure = Figure(figsize=(12, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    for rate, result in results.items():
        side = (
            "below" if rate < bound * (1 - 1e-6) else "above" if rate > bound * (1 + 1e-6) else "at"
        )
        label = f"learning_rate {rate} ({side} the bound)"
        plot_loss(result, ax=left, label=label)
        shown = min(40, result.nit + 1)
        right.plot(result.history.x[:shown, 0], "o-", markersize=3, label=label)
    left.set_title(f"f = 0.5 x^2 per iteration; bound 2 / sharpness = {bound:.6g}")
    left.legend(fontsize=8, loc="upper right")
    right.set_title("the first iterates x_k = (1 - lr)^k (colours as on the left)")
    right.set_xlabel("iteration")
    right.set_ylabel("x")
    figure.savefig(out / "sharpness_bound.png", dpi=120)
    print(f"\nwrote {out / 'sharpness_bound.png'}")

    # Against the exact dynamics x_k = (1 - lr)^k.
    below, at, above = (results[rate] for rate in LEARNING_RATES)
    if abs(lam - 1.0) > 1e-6:
        raise SystemExit(f"sharpness {lam} is not 1")
    if not below.success or abs(below.x[0]) > 1e-6:
        raise SystemExit("learning_rate 1.98 did not converge to 0")
    if at.success or abs(abs(at.x[0]) - 1.0) > 1e-6:
        raise SystemExit("learning_rate 2.0 did not oscillate between -1 and 1")
    if above.success or "Diverged" not in above.message:
        raise SystemExit("learning_rate 2.02 was not reported as diverging")
    if [warned[rate] for rate in LEARNING_RATES] != [False, False, True]:
        raise SystemExit("only learning_rate 2.02 should be warned about")
    k = np.arange(above.nit + 1)
    if not np.allclose(above.history.x[:, 0], (-1.02) ** k, rtol=1e-6):
        raise SystemExit("learning_rate 2.02 did not follow x_k = (-1.02)^k")


if __name__ == "__main__":
    main()
