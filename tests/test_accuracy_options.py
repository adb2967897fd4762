"""Full results, relative and float32 steps, products."""

import numpy as np
import pytest

import fastdiff
from tests.functions import (
    chemistry,
    chemistry_jacobian,
    exp_sin_log,
    exp_sin_log_gradient,
    relative_error,
    rosenbrock,
    rosenbrock_gradient,
    rosenbrock_hessian,
)


def test_full_output_is_the_same_type_for_all_objects():
    x = np.array([0.4, -0.3, 0.9])
    g = fastdiff.gradient(rosenbrock, x, full_output=True, method="forward")
    j = fastdiff.jacobian(chemistry, x, full_output=True)
    h = fastdiff.hessian(rosenbrock, x, full_output=True)
    for result in (g, j, h):
        assert isinstance(result, fastdiff.DerivativeResult) and result.success
    assert g.nfev == 4 and g.value == pytest.approx(rosenbrock.py_func(x))
    assert relative_error(g.derivative, rosenbrock_gradient(x)) < 2e-6
    assert j.nfev == 2 * 3 + 1 and relative_error(j.derivative, chemistry_jacobian(x)) < 1e-6
    assert h.nfev == 9 + 3 + 1 and relative_error(h.derivative, rosenbrock_hessian(x)) < 1e-6
    assert g.step.shape == (3,) and np.all(g.step > 0)


def test_relative_step():
    x = np.array([100.0, -0.5])
    result = fastdiff.gradient(exp_sin_log, x, rel_step=1e-6, full_output=True)
    # scipy's meaning: rel_step * |x_i| (not max(1, |x_i|))
    assert result.step == pytest.approx([1e-4, 5e-7], rel=1e-6)
    assert relative_error(result.derivative, exp_sin_log_gradient(x)) < 1e-6


def test_step_options_exclude_each_other():
    with pytest.raises(ValueError, match="give abs_step \\(step\\) or rel_step, not both"):
        fastdiff.gradient(rosenbrock, np.ones(2), step=1e-3, rel_step=1e-3)
    with pytest.raises(ValueError, match="rel_step must be finite"):
        fastdiff.gradient(rosenbrock, np.ones(2), rel_step=np.inf)


def test_float32_points_get_float32_steps():
    # A function computing in single precision: float64-sized steps vanish.
    def f32(x):
        x = np.asarray(x, dtype=np.float32)
        return float(np.sum(x * x, dtype=np.float32))

    x = np.array([1.0, 2.0], dtype=np.float32)
    result = fastdiff.gradient(f32, x, full_output=True)
    assert result.step[0] > 1e-4  # eps32 ** (1/3) ~ 4.9e-3
    assert result.derivative == pytest.approx([2.0, 4.0], rel=1e-3)


def test_user_step_below_float_spacing_falls_back_to_default():
    x = np.array([1e8, 1.0])
    result = fastdiff.gradient(rosenbrock, x, step=1e-12, full_output=True)
    assert result.step[0] > 0 and result.step[1] == pytest.approx(1e-12, rel=1e-3)


@pytest.mark.parametrize("compiled", [True, False])
def test_hessian_vector_product(compiled, rng):
    f = rosenbrock if compiled else rosenbrock.py_func
    x = rng.uniform(-1, 1, 6)
    v = rng.normal(size=6)
    expected = rosenbrock_hessian(x) @ v
    assert relative_error(fastdiff.hvp(f, x, v), expected) < 1e-6
    assert relative_error(fastdiff.hessp(f)(x, v), expected) < 1e-6
    assert np.array_equal(fastdiff.hvp(f, x, np.zeros(6)), np.zeros(6))


@pytest.mark.parametrize("method", ["central", "forward"])
def test_jacobian_vector_product(method):
    x = np.array([1.0, 2e-5, 3e-2])
    v = np.array([0.3, -1e-6, 2.0])
    tolerance = 1e-8 if method == "central" else 1e-5
    assert (
        relative_error(fastdiff.jvp(chemistry, x, v, method=method), chemistry_jacobian(x) @ v)
        < tolerance
    )


def test_product_errors():
    with pytest.raises(ValueError, match=r"v must have one entry per coordinate of x \(2\); got 3"):
        fastdiff.hvp(rosenbrock, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"v must be finite; v\[0\] is nan"):
        fastdiff.jvp(chemistry, np.ones(3), np.array([np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="method must be one of 'central', 'forward'"):
        fastdiff.jvp(chemistry, np.ones(3), np.ones(3), method="backward")
