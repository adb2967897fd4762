"""Options are checked once, when given: a TypeError or ValueError that names the option."""

import numpy as np
import pytest

import fastdiff
from tests.functions import rosenbrock

X = np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        (
            {"method": "fwd"},
            ValueError,
            "method must be one of 'central', 'forward', 'backward', 'richardson'.*; got 'fwd'",
        ),
        ({"method": 3}, TypeError, "method must be a string"),
        ({"step": float("nan")}, ValueError, "step must be finite; got nan"),
        ({"abs_step": float("inf")}, ValueError, "abs_step must be finite; got inf"),
        (
            {"step": np.array([1e-3, np.nan, 1e-3])},
            ValueError,
            r"step must be finite; step\[1\] is nan",
        ),
        (
            {"step": np.array([1e-3, 1e-3])},
            ValueError,
            r"step must have one entry per coordinate of x \(3\); got 2",
        ),
        (
            {"step": np.ones((3, 1))},
            ValueError,
            r"step must be a float or a 1-D array; got shape \(3, 1\)",
        ),
        (
            {"step": "small"},
            TypeError,
            "step must be None, a float or a 1-D array",
        ),
        (
            {"parallel": "yes"},
            TypeError,
            "parallel must be None \\(automatic\\), True or False; got 'yes'",
        ),
    ],
)
@pytest.mark.parametrize("function", [fastdiff.gradient, fastdiff.hessian])
def test_bad_options(function, options, error, match):
    with pytest.raises(error, match=match):
        function(rosenbrock, X, **options)


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'order'"):
        fastdiff.gradient(rosenbrock, X, order=4)


def test_options_are_checked_when_the_transformation_is_made():
    with pytest.raises(ValueError, match="method must be one of"):
        fastdiff.grad(rosenbrock, method="centered")
