"""Colourings (fastdiff.sparse.coloring) checked independently, in pure Python."""

import itertools

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

from fastdiff.sparse import (
    ORDERINGS,
    color_hessian,
    color_jacobian,
)
from tests.sparse_functions import (
    FAMILIES,
    family_pattern,
    tridiagonal,
)

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
