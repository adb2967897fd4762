"""Sparse Jacobians (fastdiff.sparse.jacobian_function) against analytic derivatives."""

import concurrent.futures

import numba
import numpy as np
import pytest
import scipy.sparse

import fastdiff
from fastdiff.bench.problems import broyden_tridiagonal
from fastdiff.sparse import (
    color_jacobian,
)
from tests.functions import (
    relative_error,
)
from tests.sparse_functions import (
    BANDED,
    FAMILIES,
    MAPS,
    banded_map,
    blocks_map,
    coupled_map,
    family_jacobian,
    family_pattern,
    tridiagonal,
)

TOLERANCE = {"central": 1e-8, "forward": 1e-6, "backward": 1e-6}
HESSIAN_TOLERANCE = {"central": 1e-6, "forward": 2e-4, "backward": 2e-4}
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
    return coupled_map(x, BANDED)


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
