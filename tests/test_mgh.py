"""The More-Garbow-Hillstrom set: the problems themselves, and fastdiff's accuracy on it.

The reference derivatives were derived with sympy (benchmarks/mgh_references.py)
and are stored; nothing here compares fastdiff with itself.
"""

import numpy as np
import pytest
from scipy.optimize._numdiff import approx_derivative

import fastdiff
from fastdiff.testing import PROBLEMS, load_references, scaled_error

REFERENCES = load_references()
WELL_SCALED = [r for r in REFERENCES if r.problem.well_scaled]

#: f(x0) as tabulated in the literature for these problems (sums of squares);
#: an independent check of the transcription of each objective.
PUBLISHED_START_VALUES = {
    "rosenbrock": 24.2,
    "freudenstein_roth": 400.5,
    "powell_badly_scaled": 1.13526,
    "brown_badly_scaled": 9.99998e11,
    "beale": 14.2031,
    "jennrich_sampson": 4171.31,
    "helical_valley": 2500.0,
    "bard": 41.6817,
    "gaussian": 3.88811e-6,
    "meyer": 1.69361e9,
    "box_3d": 1031.15,
    "powell_singular": 215.0,
    "wood": 19192.0,
    "kowalik_osborne": 5.31317e-3,
    "brown_dennis": 7.92669e6,
    "osborne_1": 0.879026,
    "biggs_exp6": 0.779070,
    "watson": 30.0,
    "penalty_1": 885.063,
}

# Targets of the issue that the default central steps miss, with the reason.
# Strict: if one starts to pass, the list must be updated.
_SHORT_SCALE = (
    "x4 and x5 of Osborne 1 multiply t up to 320: f varies on a scale of 0.003 in them, "
    "far below the unit scale max(1, |x_i|) that the default step assumes"
)
_STEEP = "exp(10 x2) at x2 = 4: f varies on a scale of 0.05, below the default step's unit scale"
_LARGE_F = (
    "x1 = 0 gets the absolute step eps**p while f = 1.2e5: rounding error eps |f| / h**k "
    "exceeds the target relative to the small derivatives"
)
GRADIENT_MISSES = {
    ("osborne_1", "x0"): _SHORT_SCALE,
    ("osborne_1", "near x0"): _SHORT_SCALE,
    ("jennrich_sampson", "10x0"): _STEEP,
}
HESSIAN_MISSES = {
    ("osborne_1", "x0"): _SHORT_SCALE,
    ("osborne_1", "10x0"): _SHORT_SCALE,
    ("osborne_1", "near x0"): _SHORT_SCALE,
    ("jennrich_sampson", "10x0"): _STEEP,
    ("box_3d", "10x0"): _LARGE_F,
}


def _cases(references, misses):
    cases = []
    for r in references:
        key = (r.problem.name, r.point)
        marks = [pytest.mark.xfail(strict=True, reason=misses[key])] if key in misses else []
        cases.append(pytest.param(r, marks=marks, id=f"{key[0]}-{key[1].replace(' ', '_')}"))
    return cases


def test_the_set_has_the_problems_the_issue_names():
    names = {p.name for p in PROBLEMS}
    assert len(PROBLEMS) >= 12
    assert {
        "rosenbrock",
        "freudenstein_roth",
        "powell_badly_scaled",
        "brown_badly_scaled",
        "beale",
        "helical_valley",
        "bard",
        "box_3d",
        "powell_singular",
        "wood",
        "osborne_1",
        "biggs_exp6",
        "trigonometric",
        "broyden_tridiagonal",
    } <= names
    assert {p.n for p in PROBLEMS if p.name in ("trigonometric", "broyden_tridiagonal")} == {10}
    # Three points per problem, in the order of PROBLEMS.
    assert [r.problem.name for r in REFERENCES[::3]] == [p.name for p in PROBLEMS]
    assert {r.point for r in REFERENCES} == {"x0", "10x0", "near x0"}


@pytest.mark.parametrize("name", sorted(PUBLISHED_START_VALUES))
def test_objective_at_the_start_matches_the_published_value(name):
    problem = next(p for p in PROBLEMS if p.name == name)
    value = problem.objective(np.array(problem.x0))
    assert value == pytest.approx(PUBLISHED_START_VALUES[name], rel=5e-6)


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if p.solution], ids=lambda p: p.name)
def test_objective_vanishes_at_the_known_solution(problem):
    assert abs(problem.objective(np.array(problem.solution, dtype=np.float64))) < 1e-20


def test_stored_points_and_values_belong_to_these_objectives():
    for r in REFERENCES:
        x0 = np.array(r.problem.x0)
        expected = {"x0": x0, "10x0": 10.0 * x0}.get(r.point)
        if expected is not None:
            assert np.array_equal(r.x, expected)
        else:
            assert np.all(np.abs(r.x - x0) <= 0.1 * np.maximum(1.0, np.abs(x0)))
        assert r.problem.objective(r.x) == pytest.approx(r.value, rel=1e-12, abs=1e-300)
        assert np.array_equal(r.hessian, r.hessian.T)


def test_reference_derivatives_match_rosenbrock_by_hand():
    for r in REFERENCES[:3]:
        x1, x2 = r.x
        gradient = [-400.0 * x1 * (x2 - x1**2) - 2.0 * (1.0 - x1), 200.0 * (x2 - x1**2)]
        hessian = [[1200.0 * x1**2 - 400.0 * x2 + 2.0, -400.0 * x1], [-400.0 * x1, 200.0]]
        assert scaled_error(r.gradient, gradient) < 1e-15
        assert scaled_error(r.hessian, hessian) < 1e-15


def test_scaled_error_is_absolute_below_one_and_relative_above():
    assert scaled_error([1.5e-9], [1e-9]) == pytest.approx(5e-10)
    assert scaled_error([1.0, 1001.0], [1.0, 1000.0]) == pytest.approx(1e-3)


@pytest.mark.parametrize("reference", _cases(WELL_SCALED, GRADIENT_MISSES))
def test_central_gradient_meets_1e_8_on_well_scaled_problems(reference):
    estimate = fastdiff.gradient(reference.problem.objective, reference.x)
    assert scaled_error(estimate, reference.gradient) <= 1e-8


def test_central_gradient_is_never_worse_than_scipy_3_point():
    worse = []
    for r in REFERENCES:
        ours = scaled_error(fastdiff.gradient(r.problem.objective, r.x), r.gradient)
        scipy_estimate = approx_derivative(r.problem.objective, r.x, method="3-point")
        theirs = scaled_error(scipy_estimate, r.gradient)
        # Both use eps**(1/3) max(1, |x_i|); scipy points the step along
        # sign(x_i), so the two differ only by rounding noise (a factor < 1.5
        # where measured). A factor 2 separates noise from a worse rule.
        if ours > 2.0 * theirs + 1e-15:
            worse.append((r.problem.name, r.point, ours, theirs))
    assert worse == []


@pytest.mark.parametrize("reference", _cases(WELL_SCALED, HESSIAN_MISSES))
def test_central_hessian_meets_1e_6_on_well_scaled_problems(reference):
    estimate = fastdiff.hessian(reference.problem.objective, reference.x)
    assert scaled_error(estimate, reference.hessian) <= 1e-6


# method="richardson" meets the issue's targets on every well-scaled point;
# a point that starts to miss belongs here, with the reason.
RICHARDSON_GRADIENT_MISSES: dict = {}
RICHARDSON_HESSIAN_MISSES: dict = {}


@pytest.mark.parametrize("reference", _cases(WELL_SCALED, RICHARDSON_GRADIENT_MISSES))
def test_richardson_gradient_meets_1e_11_on_well_scaled_problems(reference):
    estimate = fastdiff.gradient(reference.problem.objective, reference.x, method="richardson")
    assert scaled_error(estimate, reference.gradient) <= 1e-11


@pytest.mark.parametrize("reference", _cases(WELL_SCALED, RICHARDSON_HESSIAN_MISSES))
def test_richardson_hessian_meets_1e_9_on_well_scaled_problems(reference):
    estimate = fastdiff.hessian(reference.problem.objective, reference.x, method="richardson")
    assert scaled_error(estimate, reference.hessian) <= 1e-9


def test_richardson_gradient_costs_a_fifth_of_numdifftools_on_most_points():
    # numdifftools' default gradient evaluates f 30 n + 1 times. Each
    # coordinate takes 2 evaluations per level, two levels at least (where
    # central differences are exact) and more only where the steps were too
    # large.
    ratios = []
    for r in WELL_SCALED:
        n = r.x.shape[0]
        result = fastdiff.gradient(r.problem.objective, r.x, method="richardson", full_output=True)
        evaluations = result.nfev - 1  # without full_output, f(x) is not evaluated
        assert evaluations % 2 == 0 and 4 * n <= evaluations <= 20 * n
        ratios.append((30 * n + 1) / evaluations)
    assert np.median(ratios) >= 5.0
    assert sum(ratio >= 5.0 for ratio in ratios) >= 0.8 * len(ratios)
    assert min(ratios) >= 2.5


def _richardson_cost_and_error(derivative, reference, exact, **options):
    result = derivative(
        reference.problem.objective, reference.x, method="richardson", full_output=True, **options
    )
    return result.nfev, scaled_error(result.derivative, exact), result


@pytest.mark.parametrize("kind", ["gradient", "hessian"])
def test_loose_richardson_tolerance_costs_less_and_meets_it(kind):
    derivative = fastdiff.gradient if kind == "gradient" else fastdiff.hessian
    default_cost = loose_cost = 0
    for r in WELL_SCALED:
        exact = r.gradient if kind == "gradient" else r.hessian
        cost, _, default = _richardson_cost_and_error(derivative, r, exact)
        default_cost += cost
        cost, error, loose = _richardson_cost_and_error(derivative, r, exact, rtol=1e-6)
        loose_cost += cost
        assert error <= 1e-6, (r.problem.name, r.point)
        assert np.all(loose.levels <= default.levels)
    assert loose_cost < default_cost
