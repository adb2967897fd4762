"""fastdiff.scipy.ivp_jacobian: ``jac(t, y, *args)`` for scipy.integrate.solve_ivp.

The right-hand side is Robertson's stiff kinetics with a time-forced rate
(:func:`tests.functions.forced_robertson`), whose Jacobian is known in closed
form and depends on ``t``, ``y`` and the extra arguments. Its argument types
(a rate array and a number, after the provider's time array) are those of
``exponential_residuals`` in the other test files: the kernels compile once.
"""

import numpy as np
import pytest
import scipy.sparse
from scipy.integrate import solve_ivp

import fastdiff.scipy
from tests.functions import forced_robertson, forced_robertson_jacobian, relative_error

RATES = np.array([0.04, 3e7, 1e4])
AMPLITUDE = 0.5
#: Where the Jacobian can be nonzero: the third rate equation depends on y1 only.
PATTERN = np.array([[1, 1, 1], [1, 1, 1], [0, 1, 0]], dtype=bool)
POINTS = [
    (0.0, np.array([1.0, 0.0, 0.0])),
    (1.3, np.array([0.9, 2e-5, 0.1])),
    (7.5, np.array([0.6, 1e-5, 0.4])),
]
#: Tight solver tolerances: both runs then agree far below them.
SOLVER = dict(t_span=(0.0, 40.0), y0=np.array([1.0, 0.0, 0.0]), rtol=1e-7, atol=1e-11)
T_EVAL = np.array([0.5, 4.0, 40.0])


def _batch_robertson(t, y, rates, amplitude):
    """solve_ivp's vectorized convention: y of shape (3, k), result (3, k)."""
    return np.stack(
        [forced_robertson.py_func(t, column, rates, amplitude) for column in y.T], axis=1
    )


@pytest.mark.parametrize(
    "fun, options",
    [
        (forced_robertson, {}),
        (forced_robertson.py_func, {}),
        (_batch_robertson, {"vectorized": True}),
    ],
    ids=["compiled", "python", "vectorized"],
)
def test_matches_the_analytic_jacobian_at_several_points(fun, options):
    jac = fastdiff.scipy.ivp_jacobian(fun, **options)
    for t, y in POINTS:
        expected = forced_robertson_jacobian(t, y, RATES, AMPLITUDE)
        assert relative_error(jac(t, y, RATES, AMPLITUDE), expected) < 1e-9


def test_sparse_jacobian_with_sparsity():
    jac = fastdiff.scipy.ivp_jacobian(forced_robertson, sparsity=PATTERN)
    for t, y in POINTS:
        result = jac(t, y, RATES, AMPLITUDE)
        assert scipy.sparse.issparse(result)
        expected = forced_robertson_jacobian(t, y, RATES, AMPLITUDE)
        assert relative_error(result.toarray(), expected) < 1e-9


def test_new_argument_values_are_seen():
    jac = fastdiff.scipy.ivp_jacobian(forced_robertson)
    t, y = POINTS[1]
    rates = RATES.copy()
    jac(t, y, rates, AMPLITUDE)
    rates[0] = 4.0  # the same array, new values
    assert (
        relative_error(
            jac(t, y, rates, AMPLITUDE), forced_robertson_jacobian(t, y, rates, AMPLITUDE)
        )
        < 1e-9
    )
    other = 2.0 * RATES  # other objects of the same types
    assert relative_error(jac(t, y, other, 0.0), forced_robertson_jacobian(t, y, other, 0.0)) < 1e-9


def test_evaluation_counts():
    n = 3
    central = fastdiff.scipy.ivp_jacobian(forced_robertson)
    forward = fastdiff.scipy.ivp_jacobian(forced_robertson, method="forward")
    sparse = fastdiff.scipy.ivp_jacobian(forced_robertson, sparsity=PATTERN)
    for t, y in POINTS:
        for jac in (central, forward, sparse):
            jac(t, y, RATES, AMPLITUDE)
    calls = len(POINTS)
    # Central: 2n, and f(y) once to learn the output length.
    assert central.nfev == 2 * n * calls + 1
    assert forward.nfev == (n + 1) * calls
    # Every pair of columns of PATTERN shares a row: three colours, 2 evaluations each.
    assert sparse.nfev == 2 * 3 * calls


def _solve(method, jac):
    return solve_ivp(
        forced_robertson, method=method, jac=jac, args=(RATES, AMPLITUDE), t_eval=T_EVAL, **SOLVER
    )


@pytest.mark.parametrize(
    "method, options",
    [("BDF", {}), ("Radau", {"sparsity": PATTERN}), ("LSODA", {})],
)
def test_solve_ivp_reaches_the_solution_of_the_analytic_jacobian(method, options):
    jac = fastdiff.scipy.ivp_jacobian(forced_robertson, **options)
    with_fastdiff = _solve(method, jac)
    analytic = _solve(method, forced_robertson_jacobian)
    assert with_fastdiff.success and analytic.success
    assert jac.nfev > 0
    # Mass is conserved: sum y = 1 holds for both.
    assert np.allclose(with_fastdiff.y.sum(axis=0), 1.0, atol=1e-9)
    assert np.allclose(with_fastdiff.y, analytic.y, rtol=1e-6, atol=1e-12)


def test_errors_name_the_argument():
    jac = fastdiff.scipy.ivp_jacobian(forced_robertson)
    t, y = POINTS[1]
    with pytest.raises(
        TypeError,
        match=r"args has 1 value but forced_robertson\(t, y, rates, amplitude\) takes 2 after t and y",
    ):
        jac(t, y, RATES)
    with pytest.raises(TypeError, match=r"args\[0\] is a reflected list"):
        jac(t, y, [0.04, 3e7, 1e4], AMPLITUDE)
    with pytest.raises(
        TypeError, match=r"args do not fit forced_robertson\(t, y, rates, amplitude\)"
    ):
        jac(t, y, RATES, "half")
    with pytest.raises(ValueError, match="args is not an option of ivp_jacobian"):
        fastdiff.scipy.ivp_jacobian(forced_robertson, args=(RATES, AMPLITUDE))
    with pytest.raises(ValueError, match="bounds is not an option of ivp_jacobian"):
        fastdiff.scipy.ivp_jacobian(forced_robertson, bounds=(0.0, 1.0))
    with pytest.raises(ValueError, match="method must be one of"):
        fastdiff.scipy.ivp_jacobian(forced_robertson, method="sideways")
    with pytest.raises(TypeError, match="fun must be callable"):
        fastdiff.scipy.ivp_jacobian(np.eye(3))
