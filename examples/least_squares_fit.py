"""Curve fit with named parameters: fastdiff.scipy.least_squares on a damped oscillation.

The model y(t) = amplitude * exp(-t / decay) * cos(frequency * t + phase) + offset
is written in terms of a dict of parameters; ``fastdiff.scipy.least_squares``
flattens the dict for scipy, computes the Jacobian of the residuals by finite
differences, and returns the fit (``result.x``), the gradient and the
Jacobian (one block of shape (m,) per parameter) with the same names.

Checks: the fit agrees with scipy's least_squares given the analytic
Jacobian, the finite-difference Jacobian at the solution matches the
analytic one, and the estimates land within a few standard errors of the
parameters the data were simulated with.

Run: python examples/least_squares_fit.py [--points 2000] [--noise 0.05] [--seed 3]
(FASTDIFF_EXAMPLES_QUICK=1 selects a small data set.)
"""

import argparse
import os

import numpy as np
import scipy.optimize

import fastdiff.scipy

TRUE = {"amplitude": 2.0, "decay": 3.0, "frequency": 4.0, "phase": 0.3, "offset": 0.5}
START = {"amplitude": 1.0, "decay": 1.0, "frequency": 3.8, "phase": 0.0, "offset": 0.0}
NAMES = list(TRUE)


def model(p, t):
    return (
        p["amplitude"] * np.exp(-t / p["decay"]) * np.cos(p["frequency"] * t + p["phase"])
        + p["offset"]
    )


def model_jacobian(p, t):
    """Analytic derivatives of the model, one column per parameter in NAMES order."""
    envelope = np.exp(-t / p["decay"])
    angle = p["frequency"] * t + p["phase"]
    wave, slope = np.cos(angle), -np.sin(angle)
    a = p["amplitude"]
    return np.column_stack(
        [
            envelope * wave,
            a * envelope * wave * t / p["decay"] ** 2,
            a * envelope * slope * t,
            a * envelope * slope,
            np.ones_like(t),
        ]
    )


def main(argv=None):
    quick = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200 if quick else 2000)
    parser.add_argument("--noise", type=float, default=0.05, help="noise standard deviation")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    t = np.linspace(0.0, 6.0, args.points)
    y = model(TRUE, t) + args.noise * rng.standard_normal(t.shape)

    def residuals(p):
        return model(p, t) - y

    fit = fastdiff.scipy.least_squares(residuals, START, xtol=1e-12, ftol=1e-12)

    # The same fit with the analytic Jacobian, on the flat vector scipy sees.
    def flat_residuals(x):
        return residuals(dict(zip(NAMES, x)))

    def flat_jacobian(x):
        return model_jacobian(dict(zip(NAMES, x)), t)

    reference = scipy.optimize.least_squares(
        flat_residuals, [START[k] for k in NAMES], jac=flat_jacobian, xtol=1e-12, ftol=1e-12
    )

    exact = model_jacobian(fit.x, t)
    jacobian_error = max(
        np.max(np.abs(fit.jac[name] - exact[:, k])) for k, name in enumerate(NAMES)
    )
    # Standard errors from the Gauss-Newton covariance s**2 (J^T J)^-1.
    dof = t.size - len(NAMES)
    variance = 2.0 * fit.cost / dof
    errors = np.sqrt(np.diag(np.linalg.inv(exact.T @ exact)) * variance)

    print(f"damped oscillation, {t.size} points, noise {args.noise}: {fit.message}")
    print(
        f"evaluations: {fit.total_nfev} in all, {fit.fastdiff_nfev} for "
        f"{fit.fastdiff_calls['jac']} Jacobians\n"
    )
    print(f"{'':>10} {'true':>8} {'fastdiff':>11} {'analytic J':>11} {'s.e.':>9}")
    for k, name in enumerate(NAMES):
        print(
            f"{name:>10} {TRUE[name]:>8.4f} {fit.x[name]:>11.6f} {reference.x[k]:>11.6f} "
            f"{errors[k]:>9.5f}"
        )
    fitted = np.array([fit.x[name] for name in NAMES])
    disagreement = np.max(np.abs(fitted - reference.x) / errors)
    z = np.max(np.abs(fitted - np.array([TRUE[name] for name in NAMES])) / errors)
    print(f"\nlargest |Jacobian - analytic| at the solution: {jacobian_error:.1e}")
    print(f"largest |fastdiff fit - analytic-Jacobian fit| / s.e.: {disagreement:.1e}")
    print(f"largest |estimate - true| / s.e.: {z:.2f}")
    if jacobian_error > 1e-6:
        raise SystemExit(f"the Jacobian is off by {jacobian_error:.1e}")
    if disagreement > 1e-4:
        raise SystemExit(f"the two fits disagree by {disagreement:.1e} standard errors")
    if z > 5.0:
        raise SystemExit(f"an estimate is {z:.1f} standard errors from the truth")


if __name__ == "__main__":
    main()
