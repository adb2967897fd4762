"""Steps chosen from f (step="auto") against default steps and the peers.

(a) Badly scaled problems of the More-Garbow-Hillstrom set
    (``fastdiff.testing``: Osborne 1, Jennrich-Sampson, Box 3-D, Brown badly
    scaled, at x0 and 10 x0): scaled error
    ``max|estimate - reference| / max(1, max|reference|)`` of central
    gradients and Hessians, references derived with sympy.
(b) Noisy functions: gradient error (same scale) with step="auto", with the
    best single relative step found in hindsight by a scan (``h_i = r *
    max(1, |x_i|)``, r from 1e-12 to 1e-1, 45 values), and with the default
    steps of fastdiff, scipy and numdifftools. References are closed-form
    derivatives of the noise-free function (complex step on its formula).

Columns "extra" give the evaluations step="auto" spent choosing (once; a
prepared function reuses the steps). Peers run at their defaults:
scipy ``approx_derivative(method="3-point")``, numdifftools ``Gradient`` /
``Hessian``, optimagic ``first_derivative`` / ``second_derivative``.

Run from the repository root: ``PYTHONPATH=. python benchmarks/noise_table.py``
(about a minute). Not timed.
"""

from __future__ import annotations

import hashlib
import sys
import warnings

import numdifftools as nd
import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize._numdiff import approx_derivative

import fastdiff
from fastdiff.testing import load_references, scaled_error

try:
    import optimagic as om
except ImportError:  # optional
    om = None

BADLY_SCALED = ("osborne_1", "jennrich_sampson", "box_3d", "brown_badly_scaled")


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call()
        except Exception:
            return None


def _error(estimate, reference):
    if estimate is None:
        return np.nan
    return scaled_error(np.asarray(estimate, dtype=np.float64), reference)


def badly_scaled_rows():
    rows = []
    for reference in load_references():
        if reference.problem.name not in BADLY_SCALED or reference.point == "near x0":
            continue
        f, x = reference.problem.objective, reference.x
        g, h = reference.gradient, reference.hessian
        auto_g = fastdiff.gradient(f, x, step="auto", full_output=True)
        auto_h = fastdiff.hessian(f, x, step="auto", full_output=True)
        row = {
            "problem": f"{reference.problem.name} {reference.point}",
            "g default": _error(fastdiff.gradient(f, x), g),
            "g auto": _error(auto_g.derivative, g),
            "g extra": auto_g.auto_steps.nfev,
            "g scipy": _error(
                _quiet(lambda f=f, x=x: approx_derivative(f, x, method="3-point")), g
            ),
            "g nd": _error(_quiet(lambda f=f, x=x: nd.Gradient(f)(x)), g),
            "h default": _error(fastdiff.hessian(f, x), h),
            "h auto": _error(auto_h.derivative, h),
            "h extra": auto_h.auto_steps.nfev,
            "h nd": _error(_quiet(lambda f=f, x=x: nd.Hessian(f)(x)), h),
        }
        if om is not None:
            row["g om"] = _error(_quiet(lambda f=f, x=x: om.first_derivative(f, x).derivative), g)
            row["h om"] = _error(_quiet(lambda f=f, x=x: om.second_derivative(f, x).derivative), h)
        rows.append(row)
    return rows


def print_badly_scaled(rows):
    print("(a) Badly scaled MGH problems: scaled error (extra evaluations of step='auto')")
    columns = [
        "g default",
        "g auto",
        "g scipy",
        "g nd",
        "g om",
        "h default",
        "h auto",
        "h nd",
        "h om",
    ]
    header = f"{'problem':28s}" + "".join(f"{c:>13s}" for c in columns)
    print(header)
    print("-" * len(header))
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c, np.nan)
            cell = f"{value:.1e}"
            if c in ("g auto", "h auto"):
                cell += f"({row[c[0] + ' extra']})"
            cells.append(f"{cell:>13s}")
        print(f"{row['problem']:28s}" + "".join(cells))


# ---------------------------------------------------------------- (b) noisy


def _logistic_end(r, capacity, y0, end=2.0):
    growth = np.exp(r * end)
    return capacity * y0 * growth / (capacity + y0 * (growth - 1.0))


def ode_objective(rtol):
    """y(2) of the logistic ODE y' = r y (1 - y/K), y(0) = y0, solved by RK45 at ``rtol``."""

    def f(x):
        r, capacity, y0 = x
        solution = solve_ivp(
            lambda t, y: r * y * (1.0 - y / capacity), (0.0, 2.0), [y0], rtol=rtol, atol=1e-14
        )
        return float(solution.y[0, -1])

    return f, lambda x: _logistic_end(*x)


def _hash_unit(x) -> float:
    digest = hashlib.blake2b(np.ascontiguousarray(x, dtype=np.float64).tobytes(), digest_size=8)
    return int.from_bytes(digest.digest(), "little") / 2.0**64 * 2.0 - 1.0


def _smooth(x):
    return np.exp(0.3 * x[0]) * np.cos(x[1]) + x[0] * x[2] ** 2 + np.sin(x[3] * x[0])


def added_noise_objective(relative):
    def f(x):
        return float(_smooth(x) * (1.0 + relative * _hash_unit(x)))

    return f, _smooth


def float32_objective():
    def f(x):
        y = np.asarray(x, dtype=np.float32)
        return float(
            np.exp(np.float32(0.3) * y[0]) * np.cos(y[1]) + y[0] * y[2] ** 2 + np.sin(y[3] * y[0])
        )

    return f, _smooth


def complex_step_gradient(formula, x):
    n = x.shape[0]
    out = np.empty(n)
    for i in range(n):
        z = x.astype(np.complex128)
        z[i] += 1e-30j
        out[i] = np.imag(formula(z)) / 1e-30
    return out


def best_fixed_step(f, x, reference):
    ratios = np.logspace(-12, -1, 45)
    errors = []
    for r in ratios:
        estimate = fastdiff.gradient(f, x, step=r * np.maximum(1.0, np.abs(x)))
        errors.append(_error(estimate, reference))
    best = int(np.nanargmin(errors))
    return errors[best], ratios[best]


def noisy_rows():
    cases = [
        ("ODE RK45 rtol 1e-6", *ode_objective(1e-6), np.array([1.5, 10.0, 0.5])),
        ("ODE RK45 rtol 1e-10", *ode_objective(1e-10), np.array([1.5, 10.0, 0.5])),
        ("added noise 1e-9", *added_noise_objective(1e-9), np.array([0.7, 0.4, -1.1, 2.0])),
        ("added noise 1e-6", *added_noise_objective(1e-6), np.array([0.7, 0.4, -1.1, 2.0])),
        ("float32", *float32_objective(), np.array([0.7, 0.4, -1.1, 2.0])),
    ]
    rows = []
    for name, f, formula, x in cases:
        reference = complex_step_gradient(formula, x)
        auto = fastdiff.gradient(f, x, step="auto", full_output=True)
        best, ratio = best_fixed_step(f, x, reference)
        rows.append(
            {
                "case": name,
                "auto": _error(auto.derivative, reference),
                "extra": auto.auto_steps.nfev,
                "noise": float(np.max(auto.auto_steps.noise.relative)),
                "best": best,
                "ratio": ratio,
                "fastdiff": _error(fastdiff.gradient(f, x), reference),
                "scipy": _error(
                    _quiet(lambda f=f, x=x: approx_derivative(f, x, method="3-point")), reference
                ),
                "nd": _error(_quiet(lambda f=f, x=x: nd.Gradient(f)(x)), reference),
            }
        )
    return rows


def print_noisy(rows):
    print("\n(b) Noisy functions: central gradient, scaled error")
    header = (
        f"{'case':22s}{'rel. noise':>11s}{'auto':>10s}{'extra':>6s}{'best fixed':>11s}"
        f"{'at r':>8s}{'auto/best':>10s}{'fastdiff':>10s}{'scipy':>10s}{'numdifft.':>10s}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['case']:22s}{row['noise']:>11.1e}{row['auto']:>10.1e}{row['extra']:>6d}"
            f"{row['best']:>11.1e}{row['ratio']:>8.0e}{row['auto'] / row['best']:>10.1f}"
            f"{row['fastdiff']:>10.1e}{row['scipy']:>10.1e}{row['nd']:>10.1e}"
        )


def main() -> int:
    rows = badly_scaled_rows()
    print_badly_scaled(rows)
    met_g = sum(row["g auto"] <= 1e-8 for row in rows)
    met_h = sum(row["h auto"] <= 1e-6 for row in rows)
    print(
        f"\ntargets: gradient <= 1e-8 on {met_g}/{len(rows)}, Hessian <= 1e-6 on {met_h}/{len(rows)}"
    )
    noisy = noisy_rows()
    print_noisy(noisy)
    within = sum(row["auto"] <= 10 * row["best"] for row in noisy)
    print(f"\ntarget: auto within 10x of the best fixed step on {within}/{len(noisy)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
