"""Derive the exact gradients and Hessians of the More-Garbow-Hillstrom set.

The residuals are written here a second time, in sympy, independently of the
compiled objectives of ``fastdiff.testing.mgh``; sympy differentiates the sum
of squares and the derivatives are evaluated in 40-digit arithmetic at the
float64 points, then rounded to float64. Before anything is written, the
sympy objective is compared with the compiled one at every point, so a
transcription mistake in either stops the script.

Points per problem: the standard start ``x0``, ``10 * x0`` and ``x0 + d``
with ``d_i`` uniform in ``[-0.1, 0.1] * max(1, |x0_i|)`` (seed ``SEED``).

Run ``python benchmarks/mgh_references.py`` to rewrite
``fastdiff/testing/mgh_reference.json`` (about a minute).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import mpmath
import numpy as np
import sympy as sp

from fastdiff.testing import REFERENCE_FILE
from fastdiff.testing.mgh import PROBLEMS

SEED = 19810301
DIGITS = 40
#: Largest relative difference allowed between the sympy and the compiled objective.
TRANSCRIPTION_TOLERANCE = 1e-12


def exact(value: float) -> sp.Rational:
    """The float64 ``value`` as an exact rational, as the compiled code sees it."""
    return sp.Rational(float(value))


def rosenbrock(x):
    return [10 * (x[1] - x[0] ** 2), 1 - x[0]]


def freudenstein_roth(x):
    return [
        -13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1],
        -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1],
    ]


def powell_badly_scaled(x):
    return [10**4 * x[0] * x[1] - 1, sp.exp(-x[0]) + sp.exp(-x[1]) - exact(1.0001)]


def brown_badly_scaled(x):
    return [x[0] - 10**6, x[1] - exact(2e-6), x[0] * x[1] - 2]


def beale(x):
    y = [exact(1.5), exact(2.25), exact(2.625)]
    return [y[i - 1] - x[0] * (1 - x[1] ** i) for i in range(1, 4)]


def jennrich_sampson(x):
    return [2 + 2 * i - (sp.exp(i * x[0]) + sp.exp(i * x[1])) for i in range(1, 11)]


def helical_valley(x):
    theta = sp.Piecewise(
        (sp.atan(x[1] / x[0]) / (2 * sp.pi) + sp.Rational(1, 2), x[0] < 0),
        (sp.atan(x[1] / x[0]) / (2 * sp.pi), True),
    )
    return [10 * (x[2] - 10 * theta), 10 * (sp.sqrt(x[0] ** 2 + x[1] ** 2) - 1), x[2]]


def bard(x):
    y = [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39]
    out = []
    for i in range(1, 16):
        u, v = i, 16 - i
        out.append(exact(y[i - 1]) - (x[0] + u / (v * x[1] + min(u, v) * x[2])))
    return out


def gaussian(x):
    y = [0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989]
    y = y + y[-2::-1]
    return [
        x[0] * sp.exp(-x[1] * (sp.Rational(8 - i, 2) - x[2]) ** 2 / 2) - exact(y[i - 1])
        for i in range(1, 16)
    ]


def meyer(x):
    y = [34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744]
    y += [8261, 7030, 6005, 5147, 4427, 3820, 3307, 2872]
    return [x[0] * sp.exp(x[1] / (45 + 5 * i + x[2])) - y[i - 1] for i in range(1, 17)]


def box_3d(x):
    out = []
    for i in range(1, 11):
        t = sp.Rational(i, 10)
        out.append(sp.exp(-t * x[0]) - sp.exp(-t * x[1]) - x[2] * (sp.exp(-t) - sp.exp(-10 * t)))
    return out


def powell_singular(x):
    return [
        x[0] + 10 * x[1],
        sp.sqrt(5) * (x[2] - x[3]),
        (x[1] - 2 * x[2]) ** 2,
        sp.sqrt(10) * (x[0] - x[3]) ** 2,
    ]


def wood(x):
    return [
        10 * (x[1] - x[0] ** 2),
        1 - x[0],
        sp.sqrt(90) * (x[3] - x[2] ** 2),
        1 - x[2],
        sp.sqrt(10) * (x[1] + x[3] - 2),
        (x[1] - x[3]) / sp.sqrt(10),
    ]


def kowalik_osborne(x):
    y = [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246]
    u = [4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625]
    out = []
    for yi, ui in zip(y, u):
        ui = exact(ui)
        out.append(exact(yi) - x[0] * (ui**2 + ui * x[1]) / (ui**2 + ui * x[2] + x[3]))
    return out


def brown_dennis(x):
    out = []
    for i in range(1, 21):
        t = sp.Rational(i, 5)
        a = x[0] + t * x[1] - sp.exp(t)
        b = x[2] + x[3] * sp.sin(t) - sp.cos(t)
        out.append(a**2 + b**2)
    return out


def osborne_1(x):
    y = [0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751]
    y += [0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490]
    y += [0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406]
    return [
        exact(y[i]) - (x[0] + x[1] * sp.exp(-10 * i * x[3]) + x[2] * sp.exp(-10 * i * x[4]))
        for i in range(33)
    ]


def biggs_exp6(x):
    out = []
    for i in range(1, 14):
        t = sp.Rational(i, 10)
        y = sp.exp(-t) - 5 * sp.exp(-10 * t) + 3 * sp.exp(-4 * t)
        out.append(
            x[2] * sp.exp(-t * x[0]) - x[3] * sp.exp(-t * x[1]) + x[5] * sp.exp(-t * x[4]) - y
        )
    return out


def watson(x):
    n = len(x)
    out = []
    for i in range(1, 30):
        t = sp.Rational(i, 29)
        slope = sum((j - 1) * x[j - 1] * t ** (j - 2) for j in range(2, n + 1))
        value = sum(x[j - 1] * t ** (j - 1) for j in range(1, n + 1))
        out.append(slope - value**2 - 1)
    return out + [x[0], x[1] - x[0] ** 2 - 1]


def penalty_1(x):
    a = sp.sqrt(exact(1e-5))
    return [a * (xi - 1) for xi in x] + [sum(xi**2 for xi in x) - sp.Rational(1, 4)]


def variably_dimensioned(x):
    s = sum(j * (x[j - 1] - 1) for j in range(1, len(x) + 1))
    return [xi - 1 for xi in x] + [s, s**2]


def trigonometric(x):
    n = len(x)
    cosines = sum(sp.cos(xj) for xj in x)
    return [n - cosines + i * (1 - sp.cos(x[i - 1])) - sp.sin(x[i - 1]) for i in range(1, n + 1)]


def brown_almost_linear(x):
    n = len(x)
    return [x[i] + sum(x) - (n + 1) for i in range(n - 1)] + [sp.Mul(*x) - 1]


def discrete_boundary_value(x):
    n = len(x)
    h = sp.Rational(1, n + 1)
    padded = [0, *x, 0]
    return [
        2 * padded[i] - padded[i - 1] - padded[i + 1] + h**2 * (padded[i] + i * h + 1) ** 3 / 2
        for i in range(1, n + 1)
    ]


def broyden_tridiagonal(x):
    padded = [0, *x, 0]
    return [
        (3 - 2 * padded[i]) * padded[i] - padded[i - 1] - 2 * padded[i + 1] + 1
        for i in range(1, len(x) + 1)
    ]


def broyden_banded(x):
    n = len(x)
    out = []
    for i in range(1, n + 1):
        band = [j for j in range(max(1, i - 5), min(n, i + 1) + 1) if j != i]
        xi = x[i - 1]
        out.append(xi * (2 + 5 * xi**2) + 1 - sum(x[j - 1] * (1 + x[j - 1]) for j in band))
    return out


RESIDUALS = {
    f.__name__: f
    for f in (
        rosenbrock,
        freudenstein_roth,
        powell_badly_scaled,
        brown_badly_scaled,
        beale,
        jennrich_sampson,
        helical_valley,
        bard,
        gaussian,
        meyer,
        box_3d,
        powell_singular,
        wood,
        kowalik_osborne,
        brown_dennis,
        osborne_1,
        biggs_exp6,
        watson,
        penalty_1,
        variably_dimensioned,
        trigonometric,
        brown_almost_linear,
        discrete_boundary_value,
        broyden_tridiagonal,
        broyden_banded,
    )
}


def points(x0: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The three evaluation points of a problem."""
    nearby = x0 + 0.1 * np.maximum(1.0, np.abs(x0)) * rng.uniform(-1.0, 1.0, x0.shape[0])
    return {"x0": x0, "10x0": 10.0 * x0, "near x0": nearby}


def derivatives(name: str, n: int):
    """Objective, gradient and Hessian of problem ``name`` as 40-digit functions of x."""
    x = sp.symbols(f"x0:{n}", real=True)
    objective = sum(r**2 for r in RESIDUALS[name](list(x)))
    gradient = [sp.diff(objective, xi) for xi in x]
    hessian = [[sp.diff(g, xj) for xj in x] for g in gradient]
    functions = [sp.lambdify(x, e, modules="mpmath") for e in (objective, gradient, hessian)]
    return functions


def _to_floats(values):
    if isinstance(values, list):
        return [_to_floats(v) for v in values]
    return float(values)


def main() -> int:
    mpmath.mp.dps = DIGITS
    rng = np.random.default_rng(SEED)
    records = []
    for problem in PROBLEMS:
        start = time.perf_counter()
        value_of, gradient_of, hessian_of = derivatives(problem.name, problem.n)
        for label, x in points(np.array(problem.x0, dtype=np.float64), rng).items():
            args = [mpmath.mpf(float(xi)) for xi in x]  # exact: mpf of a float is exact
            value = float(value_of(*args))
            compiled = float(problem.objective(x))
            if abs(compiled - value) > TRANSCRIPTION_TOLERANCE * max(1.0, abs(value)):
                print(f"{problem.name} at {label}: sympy f = {value!r}, compiled f = {compiled!r}")
                return 1
            records.append(
                {
                    "problem": problem.name,
                    "point": label,
                    "x": x.tolist(),
                    "value": value,
                    "gradient": _to_floats(list(gradient_of(*args))),
                    "hessian": _to_floats([list(row) for row in hessian_of(*args)]),
                }
            )
        print(f"{problem.name:26s} n={problem.n:<3d} {time.perf_counter() - start:6.2f} s")
    description = (
        "Exact gradients and Hessians of the More-Garbow-Hillstrom objectives "
        "(sum of squared residuals), derived with sympy and evaluated with "
        f"{DIGITS}-digit arithmetic, rounded to float64."
    )
    # One record per line: readable diffs when a problem is added.
    lines = ",\n".join(json.dumps(r) for r in records)
    REFERENCE_FILE.write_text(
        f'{{"description": {json.dumps(description)},\n"seed": {SEED},\n'
        f'"references": [\n{lines}\n]}}\n'
    )
    print(f"wrote {len(records)} references to {Path(REFERENCE_FILE).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
