"""The sparse public functions (fastdiff.sparse.api): check mode, validation, errors, names."""

import numba
import numpy as np
import pytest
import scipy.sparse

import fastdiff
from fastdiff.bench.problems import broyden_tridiagonal
from fastdiff.sparse import (
    Coloring,
    color_hessian,
    color_jacobian,
)
from tests.functions import (
    rosenbrock,
)
from tests.sparse_functions import (
    banded_map,
    compiled_rosenbrock_gradient,
    family_pattern,
    tridiagonal,
)

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
        fastdiff.sparse.hessian(
            rosenbrock, x, diagonal, gradient=compiled_rosenbrock_gradient, check=True
        )


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
            gradient=compiled_rosenbrock_gradient,
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
