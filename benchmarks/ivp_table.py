"""solve_ivp with fastdiff's Jacobian provider against solve_ivp's own finite differences.

The stiff 1-D Brusselator of Hairer and Wanner (BRUSS, n = 2 * 25 = 50
unknowns, u and v interleaved so the Jacobian is banded with bandwidth 2):

    u_i' = a + u_i**2 v_i - (b + 1) u_i + alpha (N + 1)**2 (u_{i-1} - 2 u_i + u_{i+1})
    v_i' = b u_i - u_i**2 v_i          + alpha (N + 1)**2 (v_{i-1} - 2 v_i + v_{i+1})

with a compiled right-hand side ``bruss(t, y, params)``, ``params = (a, b,
alpha)`` passed by solve_ivp as an extra argument. For BDF and Radau, in the
same run, each Jacobian option solves the problem ``--rounds`` times:

* ``analytic``: the exact Jacobian (reference solution and time);
* ``fastdiff dense`` / ``fastdiff sparse``: ``fastdiff.scipy.ivp_jacobian``,
  central differences (2n evaluations; with the band pattern 2 * 5);
* ``scipy dense`` / ``scipy sparse``: ``jac=None`` (solve_ivp's forward
  differences, n evaluations per Jacobian plus columns redone) and
  ``jac_sparsity=`` the band.

Columns: median solve time; median time spent computing Jacobians inside the
solve (fastdiff: the provider's calls; scipy: its ``num_jac``, timed by
wrapping it); Jacobians computed; evaluations of the right-hand side spent
on them and in all; the largest deviation from the analytic run's solution.

Run: ``python benchmarks/ivp_table.py [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import scipy.integrate._ivp.bdf as scipy_bdf
import scipy.integrate._ivp.radau as scipy_radau
import scipy.sparse
from numba import njit
from scipy.integrate import solve_ivp

import fastdiff.scipy

POINTS = 25
N = 2 * POINTS
PARAMS = np.array([1.0, 3.0, 0.02])  # a, b, alpha
T_END = 10.0
TOLERANCES = dict(rtol=1e-6, atol=1e-8)


@njit(cache=True)
def bruss(t, y, params):
    a, b, alpha = params[0], params[1], params[2]
    points = y.shape[0] // 2
    c = alpha * (points + 1) ** 2
    out = np.empty_like(y)
    for i in range(points):
        u, v = y[2 * i], y[2 * i + 1]
        u_left = y[2 * i - 2] if i > 0 else 1.0
        v_left = y[2 * i - 1] if i > 0 else 3.0
        u_right = y[2 * i + 2] if i < points - 1 else 1.0
        v_right = y[2 * i + 3] if i < points - 1 else 3.0
        out[2 * i] = a + u * u * v - (b + 1.0) * u + c * (u_left - 2.0 * u + u_right)
        out[2 * i + 1] = b * u - u * u * v + c * (v_left - 2.0 * v + v_right)
    return out


def bruss_jacobian(t, y, params):
    a, b, alpha = params
    points = y.shape[0] // 2
    c = alpha * (points + 1) ** 2
    jac = np.zeros((y.shape[0], y.shape[0]))
    for i in range(points):
        u, v = y[2 * i], y[2 * i + 1]
        jac[2 * i, 2 * i] = 2.0 * u * v - (b + 1.0) - 2.0 * c
        jac[2 * i, 2 * i + 1] = u * u
        jac[2 * i + 1, 2 * i] = b - 2.0 * u * v
        jac[2 * i + 1, 2 * i + 1] = -u * u - 2.0 * c
        if i > 0:
            jac[2 * i, 2 * i - 2] = jac[2 * i + 1, 2 * i - 1] = c
        if i < points - 1:
            jac[2 * i, 2 * i + 2] = jac[2 * i + 1, 2 * i + 3] = c
    return jac


def initial_state() -> np.ndarray:
    x = np.arange(1, POINTS + 1) / (POINTS + 1)
    y0 = np.empty(N)
    y0[0::2] = 1.0 + np.sin(2.0 * np.pi * x)
    y0[1::2] = 3.0
    return y0


class Timed:
    """A Jacobian function whose calls are timed."""

    def __init__(self, function):
        self.function, self.seconds = function, 0.0

    def __call__(self, *arguments):
        start = time.perf_counter()
        result = self.function(*arguments)
        self.seconds += time.perf_counter() - start
        return result


class CountedCalls:
    """The right-hand side called from Python, counted."""

    def __init__(self):
        self.calls = 0

    def __call__(self, t, y, params):
        self.calls += 1
        return bruss(t, y, params)


def run(method: str, rounds: int) -> list[dict]:
    band = scipy.sparse.diags([1] * 5, [-2, -1, 0, 1, 2], shape=(N, N), dtype=bool)
    dense = fastdiff.scipy.ivp_jacobian(bruss)
    sparse = fastdiff.scipy.ivp_jacobian(bruss, sparsity=band)
    variants = {
        "analytic": dict(jac=bruss_jacobian),
        "fastdiff dense": dict(jac=dense),
        "fastdiff sparse": dict(jac=sparse),
        "scipy dense": dict(),
        "scipy sparse": dict(jac_sparsity=band),
    }
    module = scipy_bdf if method == "BDF" else scipy_radau
    scipy_num_jac = module.num_jac

    def solve(fun=bruss, jac=None, jac_sparsity=None):
        return solve_ivp(
            fun,
            (0.0, T_END),
            initial_state(),
            method=method,
            jac=jac,
            jac_sparsity=jac_sparsity,
            args=(PARAMS,),
            **TOLERANCES,
        )

    reference = solve(jac=bruss_jacobian).y[:, -1]
    rows = []
    for name, options in variants.items():
        provider = options.get("jac")
        counted = CountedCalls()
        before = getattr(provider, "nfev", 0)
        result = solve(fun=counted, **options)  # counts, and compiles what is new
        in_jacobians = getattr(provider, "nfev", 0) - before + counted.calls - result.nfev
        totals, jacobian_times = [], []
        for _ in range(rounds):
            timed = Timed(provider if provider is not None else scipy_num_jac)
            if provider is not None:
                timed_options = dict(options, jac=timed)
            else:
                module.num_jac = timed
                timed_options = options
            try:
                start = time.perf_counter()
                result = solve(**timed_options)
                totals.append(time.perf_counter() - start)
            finally:
                module.num_jac = scipy_num_jac
            jacobian_times.append(timed.seconds)
        rows.append(
            dict(
                name=name,
                seconds=statistics.median(totals),
                jacobian_seconds=statistics.median(jacobian_times),
                njev=result.njev,
                in_jacobians=in_jacobians,
                total=result.nfev + in_jacobians,
                deviation=float(np.max(np.abs(result.y[:, -1] - reference))),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    for method in ("BDF", "Radau"):
        rows = run(method, rounds)
        base = rows[0]["seconds"]
        print(f"\n{method}, BRUSS n = {N}, t in [0, {T_END:g}], median of {rounds}")
        print(
            "| Jacobian | solve (ms) | x analytic | in jac (ms) | njev | evaluations in jac "
            "| evaluations in all | deviation |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in rows:
            print(
                f"| {row['name']} | {1e3 * row['seconds']:.1f} | {row['seconds'] / base:.2f} "
                f"| {1e3 * row['jacobian_seconds']:.2f} | {row['njev']} | {row['in_jacobians']} "
                f"| {row['total']} | {row['deviation']:.1e} |"
            )


if __name__ == "__main__":
    main()
