"""Sparse Jacobians and Hessians against analytic derivatives; colourings checked independently."""

import concurrent.futures
import itertools

import numba
import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

import fastdiff
from fastdiff.benchmarking import broyden_tridiagonal
from fastdiff.sparse import (
    ORDERINGS,
    Coloring,
    color_hessian,
    color_jacobian,
)
from tests.functions import (
    exp_sin_log,
    exp_sin_log_hessian,
    relative_error,
    rosenbrock,
    rosenbrock_gradient,
    rosenbrock_hessian,
)

TOLERANCE = {"central": 1e-8, "forward": 1e-6, "backward": 1e-6}
HESSIAN_TOLERANCE = {"central": 1e-6, "forward": 2e-4, "backward": 2e-4}

# --- test functions with known Jacobian patterns ------------------------------
#
# F_r(x) = sum_{j linked to r} c_rj sin(x_j) + x_r**2 (rows r < n), so that
# J_rj = c_rj cos(x_j) + 2 x_r [r == j] on exactly the linked entries.

BANDED, BLOCKS, ARROW, SCATTERED = 0, 1, 2, 3
FAMILIES = {"banded": BANDED, "blocks": BLOCKS, "arrow": ARROW, "scattered": SCATTERED}


@numba.njit(cache=True)
def _linked(family, r, j):
    if family == BANDED:
        return abs(r - j) <= 2
    if family == BLOCKS:
        return r // 3 == j // 3
    if family == ARROW:
        return r == 0 or j == 0 or r == j
    return r == j or (r * 7919 + j * 104729) % 7 == 0


@numba.njit(cache=True)
def _rows(family, n):
    # The scattered family is rectangular: two more rows than columns.
    return n + 2 if family == SCATTERED else n


@numba.njit(cache=True)
def _coefficient(r, j):
    return 1.0 + (r + 2 * j) % 5


@numba.njit(cache=True)
def _coupled_map(x, family):
    n = x.shape[0]
    out = np.zeros(_rows(family, n))
    for r in range(out.shape[0]):
        for j in range(n):
            if _linked(family, r, j):
                out[r] += _coefficient(r, j) * np.sin(x[j])
        if r < n:
            out[r] += x[r] ** 2
    return out


@numba.njit(cache=True)
def banded_map(x):
    return _coupled_map(x, BANDED)


@numba.njit(cache=True)
def blocks_map(x):
    return _coupled_map(x, BLOCKS)


@numba.njit(cache=True)
def arrow_map(x):
    return _coupled_map(x, ARROW)


@numba.njit(cache=True)
def scattered_map(x):
    return _coupled_map(x, SCATTERED)


MAPS = {"banded": banded_map, "blocks": blocks_map, "arrow": arrow_map, "scattered": scattered_map}


def family_pattern(name, n):
    family = FAMILIES[name]
    m = _rows(family, n)
    return np.array([[_linked(family, r, j) for j in range(n)] for r in range(m)])


def family_jacobian(name, x):
    pattern = family_pattern(name, x.shape[0])
    m, n = pattern.shape
    jac = np.zeros((m, n))
    for r, j in zip(*np.nonzero(pattern)):
        jac[r, j] = _coefficient(r, j) * np.cos(x[j])
    jac[np.arange(n), np.arange(n)] += 2.0 * x
    return jac


def tridiagonal(n):
    ones = np.ones(n)
    return scipy.sparse.diags([ones[1:], ones, ones[1:]], [-1, 0, 1], format="csr")


# --- independent checks of colourings (pure Python) ---------------------------


def intersection_graph(pattern):
    """Neighbours of each column: columns sharing a row with it."""
    dense = np.asarray(pattern.toarray() if scipy.sparse.issparse(pattern) else pattern, bool)
    neighbours = [set() for _ in range(dense.shape[1])]
    for row in dense:
        columns = np.flatnonzero(row).tolist()
        for a, b in itertools.combinations(columns, 2):
            neighbours[a].add(b)
            neighbours[b].add(a)
    return neighbours


def assert_valid_column_coloring(pattern, coloring):
    neighbours = intersection_graph(pattern)
    colors = coloring.colors.tolist()
    for a, others in enumerate(neighbours):
        for b in others:
            assert colors[a] != colors[b], f"columns {a} and {b} share a row and a colour"
    greedy_bound = max((len(s) for s in neighbours), default=0) + 1
    assert coloring.n_colors <= greedy_bound
    assert coloring.n_colors == len(set(colors))
    assert sorted(np.concatenate(coloring.groups).tolist()) == list(range(len(colors)))


def assert_valid_star_coloring(pattern, coloring):
    """Proper, and no path on four vertices uses only two colours."""
    dense = np.asarray(pattern.toarray() if scipy.sparse.issparse(pattern) else pattern, bool)
    n = dense.shape[0]
    adjacent = [set(np.flatnonzero(dense[i]).tolist()) - {i} for i in range(n)]
    colors = coloring.colors.tolist()
    for a in range(n):
        for b in adjacent[a]:
            assert colors[a] != colors[b]
            for c in adjacent[b] - {a}:
                for d in adjacent[c] - {a, b}:
                    two_colored = colors[a] == colors[c] and colors[b] == colors[d]
                    assert not two_colored, f"path {a}-{b}-{c}-{d} uses two colours"


# --- colourings ----------------------------------------------------------------


@pytest.mark.parametrize("name", list(FAMILIES))
@pytest.mark.parametrize("ordering", ["best", *ORDERINGS])
def test_column_coloring_is_valid_and_within_the_greedy_bound(name, ordering):
    pattern = family_pattern(name, 23)
    coloring = color_jacobian(pattern, ordering=ordering)
    assert coloring.kind == "column"
    assert coloring.shape == pattern.shape
    assert_valid_column_coloring(pattern, coloring)


@pytest.mark.parametrize(
    ("name", "colors"),
    # The largest number of entries in a row is a lower bound, reached here.
    [("banded", 5), ("blocks", 3), ("arrow", 23)],
)
def test_column_coloring_is_optimal_on_structured_patterns(name, colors):
    assert color_jacobian(family_pattern(name, 23)).n_colors == colors


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 30),
    n=st.integers(1, 30),
    density=st.floats(0.0, 0.4),
    seed=st.integers(0, 2**32 - 1),
)
def test_column_coloring_of_random_patterns(m, n, density, seed):
    pattern = scipy.sparse.random(m, n, density=density, rng=np.random.default_rng(seed))
    for ordering in ORDERINGS:
        assert_valid_column_coloring(pattern, color_jacobian(pattern, ordering=ordering))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 25), density=st.floats(0.0, 0.3), seed=st.integers(0, 2**32 - 1))
def test_star_coloring_of_random_symmetric_patterns(n, density, seed):
    pattern = scipy.sparse.random(n, n, density=density, rng=np.random.default_rng(seed))
    pattern = pattern + pattern.T
    for ordering in ORDERINGS:
        coloring = color_hessian(pattern, ordering=ordering)
        assert coloring.kind == "star"
        assert_valid_star_coloring(pattern, coloring)


def test_star_coloring_uses_symmetry():
    # An arrow-head: every column shares row 0, so columns need n colours,
    # but the star colouring gives the hub one colour and all leaves another.
    pattern = family_pattern("arrow", 30)
    assert color_jacobian(pattern).n_colors == 30
    coloring = color_hessian(pattern)
    assert coloring.n_colors == 2
    assert_valid_star_coloring(pattern, coloring)
    assert color_hessian(tridiagonal(100)).n_colors == 3


def test_coloring_of_a_million_columns():
    coloring = color_jacobian(tridiagonal(10**6))
    assert coloring.n_colors == 3
    assert np.array_equal(coloring.colors[:6], [0, 1, 2, 0, 1, 2])


def test_groups_partition_the_columns():
    coloring = color_jacobian(tridiagonal(7))
    assert [g.tolist() for g in coloring.groups] == [[0, 3, 6], [1, 4], [2, 5]]
    with pytest.raises(AttributeError):
        coloring.n_colors = 2
    with pytest.raises(ValueError, match="read-only"):
        coloring.colors[0] = 1


# --- Jacobians -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("name", list(FAMILIES))
def test_jacobian_matches_analytic(name, method, rng):
    x = rng.uniform(-1.5, 1.5, 17)
    pattern = family_pattern(name, 17)
    estimate = fastdiff.sparse.jacobian(MAPS[name], x, pattern, method=method, parallel=False)
    assert isinstance(estimate, scipy.sparse.csr_matrix)
    assert relative_error(estimate.toarray(), family_jacobian(name, x)) < TOLERANCE[method]


@pytest.mark.parametrize("name", ["banded", "scattered"])
def test_python_function_gives_the_same_jacobian(name, rng):
    x = rng.uniform(-1.5, 1.5, 17)
    pattern = family_pattern(name, 17)
    compiled = fastdiff.sparse.jacobian(MAPS[name], x, pattern, method="forward")
    python = fastdiff.sparse.jacobian(
        lambda y: MAPS[name](y), x, pattern, method="forward", parallel=False
    )
    # The points are formed identically, so the results agree to the last bit.
    assert np.array_equal(python.toarray(), compiled.toarray())
    assert relative_error(python.toarray(), family_jacobian(name, x)) < TOLERANCE["forward"]


def test_python_function_through_evaluators(rng):
    x = rng.uniform(-1.0, 1.0, 20)
    pattern = family_pattern("banded", 20)
    reference = family_jacobian("banded", x)
    batches = []

    def vectorized_map(points):
        batches.append(points.shape)
        return np.array([banded_map(point) for point in points])

    derivative = fastdiff.sparse.jac(vectorized_map, pattern, vectorized=True)
    assert relative_error(derivative(x).toarray(), reference) < TOLERANCE["central"]
    assert batches == [(derivative.evaluations, 20)]  # one call for all groups
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        threaded = fastdiff.sparse.jacobian(banded_map, x, pattern, executor=executor)
    serial = fastdiff.sparse.jacobian(banded_map, x, pattern)
    assert np.array_equal(threaded.toarray(), serial.toarray())
    with pytest.raises(ValueError, match="parallel=True applies to Numba-compiled f"):
        fastdiff.sparse.jacobian(lambda y: banded_map(y), x, pattern, parallel=True)


def test_parallel_equals_serial(rng):
    x = rng.uniform(-1.0, 1.0, 40)
    pattern = family_pattern("banded", 40)
    serial = fastdiff.sparse.jacobian(banded_map, x, pattern, parallel=False)
    parallel = fastdiff.sparse.jacobian(banded_map, x, pattern, parallel=True)
    assert np.array_equal(serial.data, parallel.data)


def test_result_has_exactly_the_pattern(rng):
    x = rng.uniform(-1.0, 1.0, 12)
    pattern = scipy.sparse.lil_matrix(family_pattern("blocks", 12).astype(float))
    pattern[0, 1] = 0.0  # a stored zero is not part of the pattern
    pattern[5, 9] = 2.5  # an entry whose derivative is zero stays stored
    estimate = fastdiff.sparse.jacobian(blocks_map, x, pattern)
    expected = scipy.sparse.csr_matrix(pattern)
    expected.eliminate_zeros()
    assert np.array_equal(estimate.indptr, expected.indptr)
    assert np.array_equal(estimate.indices, expected.indices)
    reference = family_jacobian("blocks", x)
    reference[0, 1] = 0.0  # not computed
    assert relative_error(estimate.toarray(), reference) < TOLERANCE["central"]
    assert estimate[5, 9] == 0.0


def test_prepared_jacobian_reuses_its_coloring(rng):
    pattern = tridiagonal(50)
    coloring = color_jacobian(pattern)
    derivative = fastdiff.sparse.jac(broyden_tridiagonal, pattern, coloring=coloring)
    assert derivative.coloring is coloring
    assert derivative.evaluations == 6
    for _ in range(2):
        x = rng.uniform(-1.0, 1.0, 50)
        reference = np.diag(3.0 - 4.0 * x) - np.eye(50, k=-1) - 2.0 * np.eye(50, k=1)
        assert relative_error(derivative(x).toarray(), reference) < TOLERANCE["central"]


_calls = [0]


def _count_call():
    _calls[0] += 1


@numba.njit
def _counted_banded_map(x):
    with numba.objmode():
        _count_call()
    return _coupled_map(x, BANDED)


@pytest.mark.parametrize(("method", "per_color", "extra"), [("central", 2, 0), ("forward", 1, 1)])
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_evaluation_count_is_colors_times_points(method, per_color, extra, compiled):
    n = 30
    pattern = family_pattern("banded", n)
    f = _counted_banded_map if compiled else (lambda y: _counted_banded_map.py_func(y))
    derivative = fastdiff.sparse.jac(f, pattern, method=method, parallel=False)
    assert derivative.coloring.n_colors == 5
    _calls[0] = 0
    derivative(np.linspace(-1.0, 1.0, n))
    assert _calls[0] == derivative.evaluations == 5 * per_color + extra


# --- Hessians ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize(
    ("f", "hessian"),
    [(rosenbrock, rosenbrock_hessian), (exp_sin_log, exp_sin_log_hessian)],
)
def test_hessian_from_f_matches_analytic(f, hessian, method, rng):
    x = rng.uniform(-1.5, 1.5, 15)
    estimate = fastdiff.sparse.hessian(f, x, tridiagonal(15), method=method)
    assert relative_error(estimate.toarray(), hessian(x)) < HESSIAN_TOLERANCE[method]
    assert (estimate != estimate.T).nnz == 0


def test_hessian_equals_dense_on_the_pattern(rng):
    x = rng.uniform(-1.0, 1.0, 9)
    sparse = fastdiff.sparse.hessian(exp_sin_log, x, tridiagonal(9)).toarray()
    dense = fastdiff.hessian(exp_sin_log, x)
    # The same stencil on the same points: equal up to the last bits.
    assert np.allclose(sparse, dense * (tridiagonal(9).toarray() != 0), rtol=1e-12, atol=1e-12)


@numba.njit(cache=True)
def _rosenbrock_gradient(x):
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n - 1):
        g[i] += -400.0 * x[i] * (x[i + 1] - x[i] ** 2) - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * (x[i + 1] - x[i] ** 2)
    return g


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_hessian_from_gradient_matches_analytic(method, compiled, rng):
    x = rng.uniform(-1.5, 1.5, 20)
    gradient = _rosenbrock_gradient if compiled else rosenbrock_gradient
    derivative = fastdiff.sparse.hess(rosenbrock, tridiagonal(20), gradient=gradient, method=method)
    estimate = derivative(x)
    assert derivative.coloring.n_colors == 3
    assert derivative.evaluations == (6 if method == "central" else 4)
    assert relative_error(estimate.toarray(), rosenbrock_hessian(x)) < TOLERANCE[method] * 10
    assert (estimate != estimate.T).nnz == 0


def _arrow_function(x):
    # f = x_0 * sum_{j > 0} sin(x_j) + sum_j x_j**2: an arrow-head Hessian.
    return x[0] * np.sum(np.sin(x[1:])) + np.sum(x**2)


def _arrow_gradient(x):
    g = 2.0 * x
    g[0] += np.sum(np.sin(x[1:]))
    g[1:] += x[0] * np.cos(x[1:])
    return g


def _arrow_hessian(x):
    h = np.diag(np.full(x.shape[0], 2.0))
    h[0, 1:] = h[1:, 0] = np.cos(x[1:])
    h[1:, 1:] += np.diag(-x[0] * np.sin(x[1:]))
    return h


def test_arrow_head_hessian_needs_four_gradient_evaluations(rng):
    n = 40
    x = rng.uniform(-1.0, 1.0, n)
    calls = []

    def gradient(y):
        calls.append(1)
        return _arrow_gradient(y)

    pattern = family_pattern("arrow", n)
    estimate = fastdiff.sparse.hessian(_arrow_function, x, pattern, gradient=gradient)
    assert len(calls) == 4  # 2 colours, central differences
    assert relative_error(estimate.toarray(), _arrow_hessian(x)) < 1e-8


@pytest.mark.parametrize(("method", "pair_points"), [("central", 2), ("forward", 1)])
def test_hessian_from_f_evaluation_count(method, pair_points):
    n = 12
    calls = []

    def f(y):
        calls.append(1)
        return _arrow_function(y)

    pattern = family_pattern("arrow", n)
    estimate = fastdiff.sparse.hessian(f, np.linspace(0.1, 1.0, n), pattern, method=method)
    pairs = n - 1
    assert len(calls) == 1 + 2 * n + pair_points * pairs
    tolerance = HESSIAN_TOLERANCE[method]
    assert relative_error(estimate.toarray(), _arrow_hessian(np.linspace(0.1, 1.0, n))) < tolerance


def test_hessian_diagonal_is_always_computed(rng):
    x = rng.uniform(-1.0, 1.0, 6)
    off_diagonal_only = tridiagonal(6) - scipy.sparse.eye(6)
    estimate = fastdiff.sparse.hessian(rosenbrock, x, off_diagonal_only)
    assert relative_error(estimate.toarray(), rosenbrock_hessian(x)) < 1e-6


# --- check mode and validation -------------------------------------------------


def test_check_names_the_largest_missed_entry(rng):
    x = rng.uniform(0.5, 1.0, 8)
    pattern = family_pattern("banded", 8)
    pattern[2, 4] = pattern[4, 2] = False
    with pytest.raises(
        ValueError,
        match=r"sparsity misses 2 nonzero entries of the dense Jacobian; the largest is \((4, 2|2, 4)\)",
    ):
        fastdiff.sparse.jacobian(banded_map, x, pattern, check=True)
    good = fastdiff.sparse.jacobian(banded_map, x, family_pattern("banded", 8), check=True)
    assert good.nnz == family_pattern("banded", 8).sum()


def test_check_for_hessians():
    x = np.linspace(0.2, 1.0, 6)
    diagonal = scipy.sparse.eye(6)
    with pytest.raises(ValueError, match=r"misses 10 nonzero entries of the dense Hessian"):
        fastdiff.sparse.hessian(rosenbrock, x, diagonal, check=True)
    with pytest.raises(ValueError, match=r"dense Hessian; the largest is \((4, 5|5, 4)\)"):
        fastdiff.sparse.hessian(rosenbrock, x, diagonal, gradient=_rosenbrock_gradient, check=True)


X3 = np.array([0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    ("sparsity", "error", "match"),
    [
        (
            np.ones((3, 3)),
            TypeError,
            r"boolean array of shape \(m, n\); got an array of dtype float64",
        ),
        ("tridiagonal", TypeError, "sparsity must be a scipy.sparse matrix or a boolean array"),
        (
            np.ones(3, dtype=bool),
            ValueError,
            r"sparsity must be 2-D, shape \(m, n\); got shape \(3,\)",
        ),
        (np.ones((3, 0), dtype=bool), ValueError, "at least one row and one column"),
        (np.ones((3, 4), dtype=bool), ValueError, "x has 3 entries but sparsity has 4 columns"),
        (
            np.ones((5, 3), dtype=bool),
            ValueError,
            r"sparsity has 5 rows but f returns an array of length 3",
        ),
    ],
)
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_bad_patterns(sparsity, error, match, compiled):
    f = banded_map if compiled else (lambda y: banded_map(y))
    with pytest.raises(error, match=match):
        fastdiff.sparse.jacobian(f, X3, sparsity)


def test_bad_hessian_patterns():
    upper = np.triu(np.ones((3, 3), dtype=bool))
    with pytest.raises(
        ValueError,
        match=r"symmetric for a Hessian; entry \(0, 1\) is in the pattern but \(1, 0\) is not",
    ):
        fastdiff.sparse.hessian(rosenbrock, X3, upper)
    with pytest.raises(ValueError, match=r"square for a Hessian; got shape \(3, 4\)"):
        fastdiff.sparse.hessian(rosenbrock, X3, np.ones((3, 4), dtype=bool))
    with pytest.raises(ValueError, match="coloring is used only with gradient="):
        fastdiff.sparse.hessian(
            rosenbrock, X3, tridiagonal(3), coloring=color_hessian(tridiagonal(3))
        )


def test_bad_colorings():
    pattern = tridiagonal(6)
    x = np.linspace(0.0, 1.0, 6)
    f = broyden_tridiagonal
    with pytest.raises(
        TypeError,
        match=r"coloring must be a fastdiff.sparse.Coloring \(from color_jacobian\); got list",
    ):
        fastdiff.sparse.jacobian(f, x, pattern, coloring=[0, 1, 2, 0, 1, 2])
    with pytest.raises(
        ValueError,
        match=r"coloring was computed for a pattern of shape \(7, 7\); sparsity has shape \(6, 6\)",
    ):
        fastdiff.sparse.jacobian(f, x, pattern, coloring=color_jacobian(tridiagonal(7)))
    with pytest.raises(ValueError, match="coloring must be a 'column' colouring"):
        fastdiff.sparse.jacobian(f, x, pattern, coloring=color_hessian(pattern))
    wider = tridiagonal(6) + scipy.sparse.eye(6, k=3)
    with pytest.raises(
        ValueError, match=r"coloring does not fit sparsity: columns 0 and 3 share row 0"
    ):
        fastdiff.sparse.jacobian(f, x, wider, coloring=color_jacobian(pattern))
    with pytest.raises(ValueError, match=r"entry \(1, 2\) cannot be recovered"):
        fastdiff.sparse.hessian(
            rosenbrock,
            x,
            wider + wider.T,
            gradient=_rosenbrock_gradient,
            coloring=color_hessian(pattern),
        )
    with pytest.raises(ValueError, match="ordering must be one of 'best', 'natural'"):
        color_jacobian(pattern, ordering="random")


def test_bad_options_and_functions():
    pattern = tridiagonal(3)
    with pytest.raises(TypeError, match="check must be True or False; got 'yes'"):
        fastdiff.sparse.jacobian(banded_map, X3, pattern, check="yes")
    with pytest.raises(ValueError, match="method must be one of"):
        fastdiff.sparse.jacobian(banded_map, X3, pattern, method="centered")
    with pytest.raises(TypeError, match="f must be a callable; got int"):
        fastdiff.sparse.jacobian(3, X3, pattern)
    with pytest.raises(TypeError, match="gradient must be a callable; got str"):
        fastdiff.sparse.hessian(rosenbrock, X3, pattern, gradient="analytic")
    with pytest.raises(ValueError, match=r"x must be finite; x\[1\] is nan"):
        fastdiff.sparse.jacobian(banded_map, np.array([0.0, np.nan, 1.0]), pattern)


@numba.njit
def _log_map(x):
    return np.log(x)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_non_finite_value_names_the_group(compiled):
    f = _log_map if compiled else (lambda y: np.log(y))
    x = np.array([1.0, 0.0, 2.0, 3.0])
    # f(x) itself is -inf at x[1] for the forward stencil.
    with pytest.raises(ValueError, match="f returned a non-finite value at x"):
        fastdiff.sparse.jacobian(f, x, scipy.sparse.eye(4), method="forward")
    with pytest.raises(
        ValueError,
        match=r"non-finite value at x \+ -1 \* h on the columns of colour 0 \[0, 1, 2, 3\]",
    ):
        fastdiff.sparse.jacobian(f, np.array([1.0, 1e-12, 2.0, 3.0]), scipy.sparse.eye(4))


@numba.njit
def _raising_map(x):
    if x[0] > 1.0:
        raise ValueError("x[0] above 1")
    return x.copy()


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_exception_of_f_reaches_the_user(compiled):
    f = _raising_map if compiled else _raising_map.py_func
    with pytest.raises(ValueError, match="x\\[0\\] above 1"):
        fastdiff.sparse.jacobian(f, np.array([1.0, 0.5]), scipy.sparse.eye(2))


def test_public_names():
    assert fastdiff.sparse.Coloring is Coloring
    assert "sparse" in fastdiff.__all__
