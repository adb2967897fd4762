"""Maximum likelihood with Hessian-based standard errors, checked against the analytic answer.

Poisson regression: counts y_k ~ Poisson(exp(X_k . beta)). The negative
log-likelihood (dropping the constant log y_k!) is

    L(beta) = sum_k exp(X_k . beta) - y_k X_k . beta

The fit minimises L with scipy, using fastdiff's gradient and Hessian; the
covariance of the estimate is the inverse of the observed information, the
Hessian of L at the optimum, and the standard errors are the square roots of
its diagonal. For this model the Hessian is known exactly,
X^T diag(exp(X beta)) X, so the finite-difference standard errors can be
compared with the analytic ones at the same estimate.

Run: python examples/parameter_estimation.py [--observations 5000] [--seed 1]
(FASTDIFF_EXAMPLES_QUICK=1 selects a small data set.)
"""

import argparse
import os

import numba
import numpy as np
from scipy.optimize import minimize

import fastdiff

TRUE_BETA = np.array([0.5, -0.3, 0.8, 0.2])


def simulate(observations, seed):
    """Covariates (a constant and three standard normals) and Poisson counts."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(observations), rng.standard_normal((observations, 3))])
    y = rng.poisson(np.exp(X @ TRUE_BETA)).astype(np.float64)
    return X, y


def negative_log_likelihood(X, y):
    """L(beta) for the data, compiled; X and y are frozen into the function."""

    @numba.njit
    def nll(beta):
        eta = X @ beta
        return np.sum(np.exp(eta) - y * eta)

    return nll


def main(argv=None):
    quick = os.environ.get("FASTDIFF_EXAMPLES_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--observations", type=int, default=300 if quick else 5000, help="sample size"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    X, y = simulate(args.observations, args.seed)
    nll = negative_log_likelihood(X, y)

    # Newton-type fit with finite-difference derivatives.
    fit = minimize(
        nll,
        np.zeros(TRUE_BETA.size),
        jac=fastdiff.grad(nll),
        hess=fastdiff.hess(nll),
        method="trust-exact",
    )
    beta = fit.x

    # Observed information from fastdiff, and exactly.
    information = fastdiff.hessian(nll, beta)
    exact_information = X.T @ (np.exp(X @ beta)[:, None] * X)
    errors = np.sqrt(np.diag(np.linalg.inv(information)))
    exact_errors = np.sqrt(np.diag(np.linalg.inv(exact_information)))

    print(f"Poisson regression, {args.observations} observations; fit: {fit.message}\n")
    print(
        f"{'':>8} {'true':>7} {'estimate':>9} {'s.e. fastdiff':>14} {'s.e. exact':>11} {'rel. diff':>10}"
    )
    for k in range(beta.size):
        difference = abs(errors[k] - exact_errors[k]) / exact_errors[k]
        print(
            f"beta[{k}] {TRUE_BETA[k]:>7.3f} {beta[k]:>9.4f} {errors[k]:>14.6f} "
            f"{exact_errors[k]:>11.6f} {difference:>10.1e}"
        )
    worst = np.max(np.abs(errors - exact_errors) / exact_errors)
    # The estimate should land within a few standard errors of the truth.
    z = np.max(np.abs(beta - TRUE_BETA) / exact_errors)
    print(f"\nlargest relative error of the standard errors: {worst:.1e}")
    print(f"largest |estimate - true| / s.e.: {z:.2f}")
    if worst > 1e-5:
        raise SystemExit(f"standard errors disagree with the analytic ones by {worst:.1e}")


if __name__ == "__main__":
    main()
