"""The cases of scipy's ``optimize/tests/test__numdiff.py``, on fastdiff's API.

Written for fastdiff from the upstream cases: same functions, points and
tolerances, analytic references. Methods map as ``'2-point'`` ->
``"forward"``, ``'3-point'`` -> ``"central"``, ``'cs'`` -> ``"complex"``;
what does not map is listed in the README ("What maps from scipy and
numdifftools").
"""

import numpy as np
import pytest
import scipy.sparse
from scipy.optimize._numdiff import group_columns

import fastdiff
from fastdiff.steps import FLOAT32_EPS, FLOAT64_EPS, working_eps
from tests.compat.functions import (
    exp_pair_jacobian,
    pick,
    rosen_gradient,
    scalar_to_vector_jacobian,
    sin_log_gradient,
    three_outputs_jacobian,
    tridiagonal_jacobian,
    tridiagonal_pattern,
)

METHODS = {"2-point": "forward", "3-point": "central", "cs": "complex"}


def test_eps_follows_the_precision_of_x():
    # test_correct_fp_eps: the relative step comes from x's precision.
    assert working_eps(np.ones(2)) == FLOAT64_EPS
    assert working_eps(np.ones(2, dtype=np.float32)) == FLOAT32_EPS
    x = np.array([1e-5, 0.0, 1.0, 1e5])
    for method, exponent in (("forward", 1 / 2), ("central", 1 / 3)):
        result = fastdiff.gradient(
            pick("sum_of_squares", "python"), x, method=method, full_output=True
        )
        expected = FLOAT64_EPS**exponent * np.maximum(1.0, np.abs(x))
        np.testing.assert_allclose(result.step, expected, rtol=1e-6)


# --- TestApproxDerivativesDense ---------------------------------------------


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 1e-9), ("cs", 1e-12)])
def test_scalar_scalar(kind, method, rtol):
    # x is a scalar: a point with one coordinate, gradient of shape (1,).
    derivative = fastdiff.gradient(pick("sinh_first", kind), 1.0, method=METHODS[method])
    assert derivative.shape == (1,)
    np.testing.assert_allclose(derivative, np.cosh(1.0), rtol=rtol)


# 3-point: scipy's 1e-9 is below the rounding bound eps |f| / h = 1.7e-8 of
# h = 1.49e-8 (it passes there by the luck of its points); 3e-9 here.
@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 3e-9), ("cs", 1e-12)])
def test_scalar_scalar_abs_step(kind, method, rtol):
    derivative = fastdiff.gradient(
        pick("sinh_first", kind), 1.0, method=METHODS[method], abs_step=1.49e-8
    )
    np.testing.assert_allclose(derivative, np.cosh(1.0), rtol=rtol)


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 1e-9), ("cs", 1e-12)])
def test_scalar_vector(kind, method, rtol):
    jacobian = fastdiff.jacobian(pick("scalar_to_vector", kind), 0.5, method=METHODS[method])
    assert jacobian.shape == (3, 1)
    np.testing.assert_allclose(jacobian, scalar_to_vector_jacobian([0.5]), rtol=rtol)


def test_scalar_vector_on_workers():
    f = pick("scalar_to_vector", "python")
    for method, rtol in (("forward", 1e-6), ("central", 1e-9), ("complex", 1e-15)):
        jacobian = fastdiff.jacobian(f, 0.5, method=method, workers=2)
        np.testing.assert_allclose(jacobian, scalar_to_vector_jacobian([0.5]), rtol=rtol)


def test_complex_step_on_workers_and_executors(kind):
    # The workers get complex points: f (compiled too) is pickled with them.
    from concurrent.futures import ThreadPoolExecutor

    x = np.array([1.0, 2.0])
    with ThreadPoolExecutor(2) as executor:
        for where in ({"workers": 2}, {"executor": executor}):
            jacobian = fastdiff.jacobian(pick("three_outputs", kind), x, method="complex", **where)
            np.testing.assert_allclose(jacobian, three_outputs_jacobian(x), rtol=1e-14)
            result = fastdiff.gradient(
                pick("sin_log", kind), x, method="complex", full_output=True, **where
            )
            np.testing.assert_allclose(result.derivative, sin_log_gradient(x), rtol=1e-14)
            # n points, and for a compiled f one more along a complex direction (in this process).
            assert result.nfev == (2 if kind == "python" else 3)
    with pytest.raises(TypeError, match="method='complex' needs f to return complex values"):
        fastdiff.gradient(lambda x: float(x[0]), x, method="complex", workers=2)


def test_evaluation_counts_and_workers_match_serial():
    # test_workers_evaluations_and_nfev: nfev is what f saw, workers change nothing.
    calls = []

    def counted(x):
        calls.append(1)
        return pick("rosen", "python")(x)

    x = np.array([0.5, 1.5, 2.0])
    for method in ("forward", "central"):
        calls.clear()
        serial = fastdiff.gradient(counted, x, method=method, full_output=True)
        assert serial.nfev == len(calls)
        pooled = fastdiff.gradient(pick("rosen", "python"), x, method=method, workers=2)
        np.testing.assert_array_equal(pooled, serial.derivative)
        np.testing.assert_allclose(serial.derivative, rosen_gradient(x), rtol=1e-6)


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 1e-7), ("cs", 1e-12)])
def test_vector_scalar(kind, method, rtol):
    x = np.array([100.0, -0.5])
    derivative = fastdiff.gradient(pick("sin_log", kind), x, method=METHODS[method])
    np.testing.assert_allclose(derivative, sin_log_gradient(x), rtol=rtol)


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 3e-9), ("cs", 1e-12)])
def test_vector_scalar_abs_step(kind, method, rtol):
    x = np.array([100.0, -0.5])
    derivative = fastdiff.gradient(
        pick("sin_log", kind), x, method=METHODS[method], abs_step=1.49e-8
    )
    np.testing.assert_allclose(derivative, sin_log_gradient(x), rtol=rtol)


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-5), ("3-point", 1e-6), ("cs", 1e-12)])
def test_vector_vector(kind, method, rtol):
    x = np.array([-100.0, 0.2])
    f = pick("three_outputs", kind)
    if method == "cs" and kind == "njit":
        # Numba's complex x ** 3 at a negative x is inaccurate: an error, not a wrong value.
        with pytest.raises(ValueError, match="power of a negative number"):
            fastdiff.jacobian(f, x, method="complex")
        return
    jacobian = fastdiff.jacobian(f, x, method=METHODS[method])
    np.testing.assert_allclose(jacobian, three_outputs_jacobian(x), rtol=rtol)


def test_wrong_dimensions():
    def matrix_valued(x):
        return np.array([x**2, np.tan(x), np.exp(x)])  # shape (3, 1) for x of shape (1,)

    with pytest.raises((TypeError, ValueError), match="1-D array"):
        fastdiff.jacobian(matrix_valued, 1.0)


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-2), ("3-point", 1e-4)])
def test_custom_rel_step(kind, method, rtol):
    x = np.array([-0.1, 0.1])
    jacobian = fastdiff.jacobian(
        pick("three_outputs", kind), x, method=METHODS[method], rel_step=1e-4
    )
    np.testing.assert_allclose(jacobian, three_outputs_jacobian(x), rtol=rtol)


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 1e-9)])
def test_options_signed_rel_step_and_bounds(kind, method, rtol):
    x = np.array([1.0, 1.0])
    jacobian = fastdiff.jacobian(
        pick("exp_pair", kind),
        x,
        method=METHODS[method],
        rel_step=np.array([-1e-6, 1e-7]),
        bounds=(0.0, 2.0),
    )
    np.testing.assert_allclose(jacobian, exp_pair_jacobian(x), rtol=rtol)


def test_with_bounds_2_point(kind):
    f = pick("three_outputs", kind)
    lb, ub = -np.ones(2), np.ones(2)
    with pytest.raises(ValueError, match="x must lie within bounds"):
        fastdiff.jacobian(f, np.array([-2.0, 0.2]), bounds=(lb, ub))
    x = np.array([-1.0, 1.0])
    jacobian = fastdiff.jacobian(f, x, method="forward", bounds=(lb, ub))
    np.testing.assert_allclose(jacobian, three_outputs_jacobian(x), rtol=1e-6)


def test_with_bounds_3_point(kind):
    f = pick("three_outputs", kind)
    lb, ub = np.array([1.0, 1.0]), np.array([2.0, 2.0])
    x = np.array([1.0, 2.0])
    true = three_outputs_jacobian(x)
    for bounds in (None, (lb, np.inf), (-np.inf, ub), (lb, ub)):
        np.testing.assert_allclose(fastdiff.jacobian(f, x, bounds=bounds), true, rtol=1e-9)


@pytest.mark.parametrize("method", ["2-point", "3-point"])
@pytest.mark.parametrize("rel_step", [None, 1e-6])
def test_tight_bounds(kind, method, rel_step):
    x = np.array([10.0, 10.0])
    jacobian = fastdiff.jacobian(
        pick("three_outputs", kind),
        x,
        method=METHODS[method],
        rel_step=rel_step,
        bounds=(x - 3e-9, x + 2e-9),
    )
    np.testing.assert_allclose(jacobian, three_outputs_jacobian(x), rtol=1e-6)


@pytest.mark.parametrize("x", [0.0, 1e-8])
@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 1e-9)])
def test_bound_switches(kind, x, method, rtol):
    # f is NaN outside [-1e-8, 1e-8], the box: every step must stay inside.
    derivative = fastdiff.gradient(
        pick("nan_outside", kind), x, method=METHODS[method], rel_step=1e-6, bounds=(-1e-8, 1e-8)
    )
    np.testing.assert_allclose(derivative, [1.0], rtol=rtol)


def test_non_numpy():
    import math

    def exp_of_item(x):
        return math.exp(np.asarray(x).item())

    np.testing.assert_allclose(
        fastdiff.gradient(exp_of_item, 1.0, method="forward"), math.e, rtol=1e-6
    )
    np.testing.assert_allclose(fastdiff.gradient(exp_of_item, 1.0), math.e, rtol=1e-8)
    with pytest.raises(TypeError):
        fastdiff.gradient(exp_of_item, 1.0, method="complex")


def test_float32_point():
    # test_fp: a float32 x (f computing in float64) within 1e-3 of float64.
    rng = np.random.default_rng(1)
    t = np.linspace(0, 1, 100)
    y = rng.random(100)

    def residuals(p):
        return p[0] + p[1] * t - y

    p0 = np.array([-1.0, -1.0])
    true = np.column_stack([np.ones(100), t])
    np.testing.assert_allclose(
        fastdiff.jacobian(residuals, p0.astype(np.float32), method="forward"), true, atol=1e-3
    )


def test_float32_function_of_a_float32_point():
    # scipy's approx_derivative returns float64 here too (its J is allocated
    # float64 whatever f returns); fastdiff matches that, with float32 steps.
    x = np.array([1.0, 2.0], dtype=np.float32)
    for method, rtol in (("forward", 1e-3), ("central", 1e-4)):
        result = fastdiff.jacobian(
            lambda x: (x * x).astype(np.float32), x, method=method, full_output=True
        )
        assert result.derivative.dtype == np.float64
        np.testing.assert_allclose(result.derivative, np.diag(2 * x), rtol=rtol, atol=1e-3)
        exponent = 1 / 2 if method == "forward" else 1 / 3
        np.testing.assert_allclose(result.step, FLOAT32_EPS**exponent * np.maximum(1, x), rtol=1e-6)


def test_forward_error_bound_in_each_precision():
    # test_fp's bound: truncation h/2 |f''| plus rounding eps/h |f|, h the default step.
    for dtype in (np.float32, np.float64):
        eps = float(np.finfo(dtype).eps)
        x = np.array([1.0], dtype=dtype)
        result = fastdiff.gradient(lambda x: np.sin(x[0]), x, method="forward", full_output=True)
        h = float(result.step[0])
        bound = h / 2 * max(np.sin(1.0), np.sin(1.0 + h)) + eps / h * np.sin(1.0 + h)
        assert abs(result.derivative[0] - np.cos(1.0)) < bound


# --- TestApproxDerivativeSparse ------------------------------------------------

N_SPARSE = 50


def _sparse_point():
    lb = -0.1 * (1 + np.arange(N_SPARSE))
    ub = 0.1 * (1 + np.arange(N_SPARSE))
    x = np.empty(N_SPARSE)
    x[::2] = (1 - 1e-7) * lb[::2]
    x[1::2] = (1 - 1e-7) * ub[1::2]
    return x, lb, ub


@pytest.mark.parametrize("method", ["2-point", "3-point"])
def test_sparse_integer_pattern(kind, method):
    # test_all / test_no_precomputed_groups, for the options fastdiff's sparse path takes.
    x, _, _ = _sparse_point()
    jacobian = fastdiff.jacobian(
        pick("tridiagonal", kind), x, method=METHODS[method], sparsity=tridiagonal_pattern(N_SPARSE)
    )
    assert scipy.sparse.issparse(jacobian)
    np.testing.assert_allclose(jacobian.toarray(), tridiagonal_jacobian(x), rtol=1e-6)


@pytest.mark.parametrize("method", ["2-point", "3-point"])
def test_sparse_with_bounds(kind, method):
    # test_all with bounds (x within 1e-7 of a bound in every coordinate),
    # dense and sparse, with scipy's precomputed groups too.
    x, lb, ub = _sparse_point()
    f = pick("tridiagonal", kind)
    pattern = tridiagonal_pattern(N_SPARSE)
    groups = group_columns(pattern)
    dense = fastdiff.jacobian(f, x, method=METHODS[method], bounds=(lb, ub))
    # atol: at the bounds the dense one-sided stencil sums w_k f_k with w =
    # (-1.5, 2, -0.5), which leaves eps |f| / h (up to 5e-9 here) in entries
    # that are structurally zero, where scipy gets exact zeros (the sparse
    # path does not compute them).
    np.testing.assert_allclose(dense, tridiagonal_jacobian(x), rtol=1e-6, atol=1e-8)
    for sparsity in (pattern, (pattern, groups), (scipy.sparse.csr_array(pattern), groups)):
        derivative = fastdiff.jac(f, method=METHODS[method], bounds=(lb, ub), sparsity=sparsity)
        jacobian = derivative(x)
        np.testing.assert_allclose(jacobian.toarray(), tridiagonal_jacobian(x), rtol=1e-6)
        # Every point stays in the box: f is only defined there.
        inside = fastdiff.jacobian(
            _only_inside(f, lb, ub), x, method=METHODS[method], bounds=(lb, ub), sparsity=sparsity
        )
        np.testing.assert_array_equal(inside.toarray(), jacobian.toarray())
    # Per group (scipy's grouping has 4) 2 or 1 points; the one-sided stencils weigh f(x) once.
    groups = derivative.coloring.n_colors
    assert derivative.nfev == (2 * groups + 1 if method == "3-point" else groups + 1)


def _only_inside(f, lb, ub):
    def inside(x):
        if np.any(x < lb) or np.any(x > ub):
            raise AssertionError(f"evaluated outside the bounds at {x}")
        return f(x)

    return inside


@pytest.mark.parametrize("method", ["2-point", "3-point"])
def test_sparse_wide_bounds_cost_what_no_bounds_cost(method):
    x, _, _ = _sparse_point()
    f = pick("tridiagonal", "python")
    derivative = fastdiff.jac(
        f, method=METHODS[method], bounds=(-10, 10), sparsity=tridiagonal_pattern(N_SPARSE)
    )
    np.testing.assert_allclose(derivative(x).toarray(), tridiagonal_jacobian(x), rtol=1e-6)
    assert derivative.nfev == (6 if method == "3-point" else 4)


def test_sparse_fixed_coordinate_is_zero(kind):
    # lb == ub: that column is 0 and never moved, as in the dense path.
    x, _, _ = _sparse_point()
    lb, ub = np.full(N_SPARSE, -np.inf), np.full(N_SPARSE, np.inf)
    lb[3] = ub[3] = x[3]
    jacobian = fastdiff.jacobian(
        pick("tridiagonal", kind), x, bounds=(lb, ub), sparsity=tridiagonal_pattern(N_SPARSE)
    ).toarray()
    expected = tridiagonal_jacobian(x)
    expected[:, 3] = 0.0
    np.testing.assert_allclose(jacobian, expected, rtol=1e-8)


@pytest.mark.parametrize("method", ["2-point", "3-point"])
def test_sparse_steps(kind, method):
    # test_all's rel_step and abs_step, signed, on the sparse path.
    x, _, _ = _sparse_point()
    f = pick("tridiagonal", kind)
    pattern = tridiagonal_pattern(N_SPARSE)
    rel_step = np.full(N_SPARSE, 1e-8)
    rel_step[::2] *= -1
    for steps in ({"rel_step": rel_step}, {"abs_step": 1e-7 * rel_step / 1e-8}):
        jacobian = fastdiff.jacobian(f, x, method=METHODS[method], sparsity=pattern, **steps)
        np.testing.assert_allclose(jacobian.toarray(), tridiagonal_jacobian(x), rtol=1e-5)
    # rel_step is h = rel_step * |x|: forward differences of x**2 give 2 x + h.
    coarse = fastdiff.jacobian(
        lambda x: x**2, x, method="forward", sparsity=np.eye(N_SPARSE, dtype=bool), rel_step=-1e-3
    )
    np.testing.assert_allclose(coarse.diagonal(), 2 * x - 1e-3 * np.abs(x), rtol=1e-9)


def test_sparse_groups_must_be_a_colouring():
    x, _, _ = _sparse_point()
    f = pick("tridiagonal", "python")
    pattern = tridiagonal_pattern(N_SPARSE)
    with pytest.raises(ValueError, match="not a valid colouring .* share row 0 .* group 0"):
        fastdiff.jacobian(f, x, sparsity=(pattern, np.zeros(N_SPARSE, dtype=int)))
    with pytest.raises(ValueError, match="one entry per column of the pattern"):
        fastdiff.jacobian(f, x, sparsity=(pattern, np.arange(3)))
    with pytest.raises(TypeError, match="groups must be integers"):
        fastdiff.jacobian(f, x, sparsity=(pattern, np.zeros(N_SPARSE)))
    with pytest.raises(ValueError, match="group indices must be >= 0"):
        fastdiff.jacobian(f, x, sparsity=(pattern, -np.ones(N_SPARSE, dtype=int)))
    coloring = fastdiff.sparse.color_jacobian(pattern)
    with pytest.raises(ValueError, match="not both"):
        fastdiff.jacobian(f, x, sparsity=(pattern, group_columns(pattern)), coloring=coloring)
    # Any valid grouping works, here one column per group (the dense count).
    derivative = fastdiff.jac(f, sparsity=(pattern, np.arange(N_SPARSE)[::-1]))
    np.testing.assert_allclose(derivative(x).toarray(), tridiagonal_jacobian(x), rtol=1e-8)
    assert derivative.coloring.n_colors == N_SPARSE
    assert derivative.nfev == 2 * N_SPARSE


def test_sparse_complex_step(kind):
    # test_all with method 'cs': one complex point per group.
    x = np.array([0.3, -1.2])
    derivative = fastdiff.jac(
        pick("exp_pair", kind), method="complex", sparsity=np.eye(2, dtype=int)
    )
    jacobian = derivative(x)
    assert scipy.sparse.issparse(jacobian)
    np.testing.assert_allclose(jacobian.toarray(), exp_pair_jacobian(x), rtol=1e-15)
    # One group; a compiled f is checked along one more complex direction.
    assert derivative.nfev == (1 if kind == "python" else 2)


def test_sparse_complex_step_banded_and_on_workers():
    x, _, _ = _sparse_point()
    pattern = tridiagonal_pattern(N_SPARSE)
    for options in ({}, {"workers": 2}, {"abs_step": 1e-30}):
        jacobian = fastdiff.jacobian(
            complex_tridiagonal, x, method="complex", sparsity=pattern, **options
        )
        np.testing.assert_allclose(jacobian.toarray(), tridiagonal_jacobian(x), rtol=1e-14)
    with pytest.raises(TypeError, match="method='complex' needs f to return complex values"):
        fastdiff.jacobian(
            lambda x: np.abs(x), x, method="complex", sparsity=np.eye(N_SPARSE, dtype=bool)
        )
    with pytest.raises(ValueError, match="bounds are not supported with method='complex'"):
        fastdiff.jacobian(
            complex_tridiagonal, x, method="complex", sparsity=pattern, bounds=(-1, 1)
        )


def complex_tridiagonal(x):
    # The tridiagonal map in arithmetic that keeps complex values (Python only).
    e = x[1:] ** 3 - x[:-1] ** 2
    out = np.zeros_like(x)
    out[1:] += 3 * e
    out[:-1] += 2 * e
    return out


@pytest.mark.parametrize("method", ["2-point", "3-point"])
def test_signed_rel_step_dense(kind, method):
    x, _, _ = _sparse_point()
    rel_step = np.full(N_SPARSE, 1e-8)
    rel_step[::2] *= -1
    jacobian = fastdiff.jacobian(
        pick("tridiagonal", kind), x, method=METHODS[method], rel_step=rel_step
    )
    np.testing.assert_allclose(jacobian, tridiagonal_jacobian(x), rtol=1e-5)


@pytest.mark.parametrize("method", ["2-point", "3-point"])
def test_sparse_equivalence(method):
    # A full pattern, each column its own group: the dense result.
    x, _, _ = _sparse_point()
    f = pick("tridiagonal", "python")
    dense = fastdiff.jacobian(f, x, method=METHODS[method])
    sparse = fastdiff.jacobian(
        f, x, method=METHODS[method], sparsity=np.ones((N_SPARSE, N_SPARSE), dtype=int)
    )
    np.testing.assert_allclose(dense, sparse.toarray(), rtol=5e-16, atol=7e-15)


def test_column_groups_share_no_row():
    # test_group_columns: fastdiff's colouring is valid and as small as scipy's.
    structure = np.array(
        [
            [1, 1, 0, 0, 0, 0],
            [1, 1, 1, 0, 0, 0],
            [0, 1, 1, 1, 0, 0],
            [0, 0, 1, 1, 1, 0],
            [0, 0, 0, 1, 1, 1],
            [0, 0, 0, 0, 1, 1],
            [0, 0, 0, 0, 0, 0],
        ]
    )
    for transform in (np.asarray, scipy.sparse.csr_array, scipy.sparse.csc_array):
        coloring = fastdiff.sparse.color_jacobian(transform(structure))
        assert coloring.n_colors == 3
        for color in range(coloring.n_colors):
            columns = structure[:, coloring.colors == color]
            assert np.all(columns.sum(axis=1) <= 1)
    again = fastdiff.sparse.color_jacobian(structure)
    np.testing.assert_array_equal(again.colors, fastdiff.sparse.color_jacobian(structure).colors)


# --- TestApproxDerivativeLinearOperator ---------------------------------------


@pytest.mark.parametrize(
    "name, x, derivative, rtol",
    [
        (
            "sinh_first",
            [1.0],
            lambda x: np.array([np.cosh(x[0])]),
            {"forward": 1e-5, "central": 5e-6},
        ),
        ("scalar_to_vector", [0.5], scalar_to_vector_jacobian, {"forward": 1e-5, "central": 5e-6}),
        ("sin_log", [100.0, -0.5], sin_log_gradient, {"forward": 1e-5, "central": 5e-6}),
        (
            "three_outputs",
            [-100.0, 0.2],
            three_outputs_jacobian,
            {"forward": 1e-5, "central": 1e-6},
        ),
    ],
)
@pytest.mark.parametrize("method", ["forward", "central"])
def test_linear_operator_products(kind, name, x, derivative, rtol, method):
    x = np.array(x)
    rng = np.random.default_rng(11290049580398)
    for _ in range(10):
        p = rng.uniform(-10, 10, size=x.shape)
        product = fastdiff.jvp(pick(name, kind), x, p, method=method)
        np.testing.assert_allclose(
            np.atleast_1d(product), np.atleast_1d(derivative(x) @ p), rtol=rtol[method]
        )


# --- test_absolute_step_sign --------------------------------------------------


@pytest.mark.parametrize(
    "abs_step, bounds, expected",
    [
        (1e-8, None, [-1.0, 1.0]),
        (-1e-8, None, [1.0, -1.0]),
        ([1e-8, 1e-8], None, [-1.0, 1.0]),
        ([1e-8, -1e-8], None, [-1.0, -1.0]),
        ([-1e-8, 1e-8], None, [1.0, 1.0]),
        (1e-8, (-np.inf, -1), [1.0, -1.0]),
        (-1e-8, (-1, np.inf), [-1.0, 1.0]),
    ],
)
def test_absolute_step_sign(kind, abs_step, bounds, expected):
    derivative = fastdiff.gradient(
        pick("kinks", kind), [-1.0, -1.0], method="forward", abs_step=abs_step, bounds=bounds
    )
    np.testing.assert_allclose(derivative, expected, rtol=1e-7)


def test_relative_steps():
    # test__compute_absolute_step: h = rel_step * |x|, the default where x = 0.
    x = np.array([1e-5, 0.0, 1.0, 1e5])
    rel_step = np.array([0.1, 1.0, 10.0, 100.0])
    result = fastdiff.gradient(
        pick("sum_of_squares", "python"), x, method="forward", rel_step=rel_step, full_output=True
    )
    expected = np.array([0.1 * 1e-5, FLOAT64_EPS**0.5, 10.0, 100.0 * 1e5])
    np.testing.assert_allclose(result.step, expected, rtol=1e-9)
