"""Derivatives at many points: ``gradients``, ``jacobians``, ``hessians`` and ``at_points``.

Against the analytic derivatives of :mod:`tests.functions`, and bit for bit
against one-point calls at each row (the contract of the batched forms).
The jitted functions are those of the other test files, and each kernel is
met with one tuple of argument types, so that the file compiles the batched
drivers once: with 5 points of 4 coordinates and two threads, the chunks
split a point between the threads.
"""

import concurrent.futures

import numpy as np
import pytest

import fastdiff
from fastdiff.status import OK
from tests.functions import (
    chemistry,
    chemistry_jacobian,
    exp_sin_log,
    exp_sin_log_gradient,
    exp_sin_log_hessian,
    quadratic_form,
    relative_error,
    rosenbrock,
    rosenbrock_gradient,
    rosenbrock_hessian,
)

METHODS = ["central", "forward", "backward"]
#: Accuracy of each method's default step on these functions (relative).
TOLERANCE = {"central": 1e-8, "forward": 2e-6, "backward": 2e-6}


@pytest.fixture
def points(rng):
    return rng.uniform(-1.5, 1.5, (5, 4))


@pytest.fixture
def chemistry_points(rng):
    return np.column_stack(
        [rng.uniform(0.5, 1.5, 3), rng.uniform(1e-5, 3e-5, 3), rng.uniform(1e-2, 3e-2, 3)]
    )


def _rows(function, f, X, **options):
    return np.stack([function(f, x, **options) for x in X])


# --- Compiled f: analytic values, and the one-point result bit for bit ---------------


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_gradients_of_compiled_f(points, method, parallel):
    G = fastdiff.gradients(exp_sin_log, points, method=method, parallel=parallel)
    assert G.shape == points.shape
    for g, x in zip(G, points):
        assert relative_error(g, exp_sin_log_gradient(x)) < TOLERANCE[method]
    one_point = _rows(fastdiff.gradient, exp_sin_log, points, method=method, parallel=parallel)
    assert np.array_equal(G, one_point)


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("method", ["central", "forward"])
def test_jacobians_of_compiled_f(chemistry_points, method, parallel):
    J = fastdiff.jacobians(chemistry, chemistry_points, method=method, parallel=parallel)
    assert J.shape == (3, 4, 3)
    if method == "central":
        for j, x in zip(J, chemistry_points):
            assert relative_error(j, chemistry_jacobian(x)) < 1e-8
    one_point = _rows(fastdiff.jacobian, chemistry, chemistry_points, method=method)
    assert np.array_equal(J, one_point)


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("method", ["central", "forward"])
def test_hessians_of_compiled_f(points, method, parallel):
    H = fastdiff.hessians(rosenbrock, points, method=method, parallel=parallel)
    assert H.shape == (5, 4, 4)
    tolerance = 1e-6 if method == "central" else 1e-3
    for h, x in zip(H, points):
        assert relative_error(h, rosenbrock_hessian(x)) < tolerance
        assert np.array_equal(h, h.T)
    assert np.array_equal(H, _rows(fastdiff.hessian, rosenbrock, points, method=method))


def test_one_coordinate_and_one_point():
    # n = 1: no Hessian pairs; k = 1: fewer points than threads.
    X = np.array([[0.3], [-0.8]])
    H = fastdiff.hessians(exp_sin_log, X, parallel=True)
    assert relative_error(H[:, 0, 0], [exp_sin_log_hessian(x)[0, 0] for x in X]) < 1e-6
    x = np.linspace(-1.0, 1.0, 7)
    G = fastdiff.gradients(rosenbrock, x[None, :], parallel=True)
    assert np.array_equal(G[0], fastdiff.gradient(rosenbrock, x))


@pytest.mark.parametrize(
    "steps",
    [{"abs_step": 1e-4}, {"step": np.array([1e-3, 2e-4, 5e-5, 0.0])}, {"rel_step": 1e-6}],
)
def test_user_steps_are_those_of_one_point(points, steps):
    points[1, 2] = 0.0  # rel_step falls back to the default rule there
    G = fastdiff.gradients(rosenbrock, points, method="forward", **steps)
    assert np.array_equal(
        G, _rows(fastdiff.gradient, rosenbrock, points, method="forward", **steps)
    )
    H = fastdiff.hessians(rosenbrock, points, **steps)
    assert np.array_equal(H, _rows(fastdiff.hessian, rosenbrock, points, **steps))


def test_float32_points_get_float32_steps(points):
    single = points.astype(np.float32)
    G = fastdiff.gradients(rosenbrock, single)
    assert np.array_equal(G, _rows(fastdiff.gradient, rosenbrock, single))
    assert not np.array_equal(G, fastdiff.gradients(rosenbrock, single.astype(np.float64)))


def test_bounds_are_those_of_one_point(points):
    # A Python f: the bounds path is the one-point careful path, row by row,
    # and its compiled form is tested with the one-point functions.
    f = rosenbrock.py_func
    bounds = (-1.0, 1.0)
    inside = np.clip(points, -1.0, 1.0)
    G = fastdiff.gradients(f, inside, bounds=bounds)
    assert np.array_equal(G, _rows(fastdiff.gradient, f, inside, bounds=bounds))
    for g, x in zip(G, inside):
        assert relative_error(g, rosenbrock_gradient(x)) < 1e-6
    result = fastdiff.gradients(f, inside, bounds=bounds, full_output=True)
    one_point = [fastdiff.gradient(f, x, bounds=bounds, full_output=True) for x in inside]
    assert np.array_equal(result.derivative, G) and result.status.shape == (5, 4)
    assert result.nfev == sum(r.nfev for r in one_point)


# --- Results: full_output, values, evaluation counts --------------------------------


def test_full_output_has_per_point_arrays(points):
    k, n = points.shape
    result = fastdiff.gradients(rosenbrock, points, method="forward", full_output=True)
    assert result.derivative.shape == (k, n) and result.step.shape == (k, n)
    assert result.status.shape == (k, n) and result.success
    assert np.array_equal(result.value, [rosenbrock(x) for x in points])
    assert result.nfev == k * (n + 1)
    # The default forward step, sqrt(eps) max(1, |x_i|), made exact: (x + h) - x.
    step = np.sqrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(points))
    assert np.array_equal(result.step, (points + step) - points)
    hessians = fastdiff.hessians(rosenbrock, points, full_output=True)
    assert hessians.status.shape == (k, n, n) and hessians.nfev == k * (n * n + n + 1)
    # A new prepared Jacobian evaluates f(X[0]) once more, for m.
    jacobians = fastdiff.jac(chemistry, full_output=True).at_points(points[:, :3] ** 2)
    assert jacobians.value.shape == (k, 4) and jacobians.nfev == k * (2 * 3 + 1) + 1
    assert jacobians.derivative.shape == (k, 4, 3) and jacobians.status.shape == (k, 3)


def test_jacobian_learns_its_length_once(chemistry_points):
    prepared = fastdiff.jac(chemistry)
    prepared.at_points(chemistry_points)
    assert prepared.nfev == 3 * 2 * 3 + 1
    prepared.at_points(chemistry_points)
    assert prepared.nfev == 2 * (3 * 2 * 3) + 1


def test_value_and_grad_at_points(points):
    values, G = fastdiff.value_and_grad(rosenbrock).at_points(points)
    assert np.array_equal(values, [rosenbrock(x) for x in points])
    assert np.array_equal(G, fastdiff.gradients(rosenbrock, points))


@pytest.mark.parametrize(
    ("method", "per_point"),
    [("central", lambda n: 2 * n), ("forward", lambda n: n + 1)],
)
def test_evaluation_counts(points, method, per_point):
    k, n = points.shape
    prepared = fastdiff.grad(rosenbrock, method=method)
    prepared.at_points(points)
    assert prepared.nfev == k * per_point(n)
    hessian = fastdiff.hess(rosenbrock, method=method)
    hessian.at_points(points)
    assert hessian.nfev == k * (n * n + n + 1 if method == "central" else 1 + n * (n + 3) // 2)


# --- Extra arguments -------------------------------------------------------------------


def test_extra_arguments_of_compiled_f(points, rng):
    q = rng.standard_normal((4, 4))
    a, b = q @ q.T, rng.standard_normal(4)
    G = fastdiff.gradients(quadratic_form, points, args=(a, b), parallel=True)
    assert relative_error(G, points @ a + b) < 1e-9
    prepared = fastdiff.grad(quadratic_form)
    assert np.array_equal(prepared.at_points(points, a, b), G)  # scipy's convention
    assert prepared.nfev == 5 * 2 * 4


def test_extra_arguments_of_python_f(points):
    def scaled(x, shift, *, scale=1.0):
        return scale * float(np.sum((x - shift) ** 2))

    shift = np.full(4, 0.5)
    G = fastdiff.gradients(scaled, points, args=(shift,), kwargs={"scale": 3.0})
    assert relative_error(G, 6.0 * (points - shift)) < 1e-9
    H = fastdiff.hess(scaled).at_points(points, shift, scale=3.0)
    assert relative_error(H, np.broadcast_to(6.0 * np.eye(4), H.shape)) < 1e-6


# --- Python f: one batch, the same result -------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_python_f_equals_compiled_bit_for_bit(points, method):
    G = fastdiff.gradients(rosenbrock.py_func, points, method=method)
    assert np.array_equal(G, fastdiff.gradients(rosenbrock, points, method=method))
    H = fastdiff.hessians(exp_sin_log.py_func, points, method=method)
    assert np.array_equal(H, _rows(fastdiff.hessian, exp_sin_log, points, method=method))


def test_python_jacobians_equal_compiled_bit_for_bit(chemistry_points):
    J = fastdiff.jacobians(chemistry.py_func, chemistry_points, method="forward")
    assert np.array_equal(J, fastdiff.jacobians(chemistry, chemistry_points, method="forward"))


class _CountedCalls:
    """A vectorized extended Rosenbrock of the rows of its argument, counting its calls."""

    def __init__(self, vector: bool = False):
        self.calls = 0
        self.vector = vector

    def __call__(self, X):
        self.calls += 1
        total = np.sum(100.0 * (X[:, 1:] - X[:, :-1] ** 2) ** 2 + (1.0 - X[:, :-1]) ** 2, axis=1)
        return np.column_stack([total, X[:, 0] * X[:, 1]]) if self.vector else total


def test_vectorized_f_is_called_once(points):
    k, n = points.shape
    f = _CountedCalls()
    G = fastdiff.gradients(f, points, vectorized=True)
    assert f.calls == 1
    assert relative_error(G, np.stack([rosenbrock_gradient(x) for x in points])) < 1e-8
    H = fastdiff.hessians(f, points, vectorized=True)
    assert f.calls == 2
    assert relative_error(H, np.stack([rosenbrock_hessian(x) for x in points])) < 1e-6
    vector = _CountedCalls(vector=True)
    J = fastdiff.jacobians(vector, points, vectorized=True)
    assert vector.calls == 1 and J.shape == (k, 2, n)
    assert relative_error(J[:, 1, 1], points[:, 0]) < 1e-9


class _CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    def __init__(self):
        super().__init__(max_workers=2)
        self.submitted = 0

    def submit(self, *args, **kwargs):
        self.submitted += 1
        return super().submit(*args, **kwargs)


def test_executor_gets_one_round_for_all_points(points):
    with _CountingExecutor() as executor:
        G = fastdiff.gradients(rosenbrock.py_func, points, executor=executor)
        # All 40 stencil points in one round of at most 4 tasks per worker.
        assert 0 < executor.submitted <= 8
    assert np.array_equal(G, fastdiff.gradients(rosenbrock, points))


# --- Failures: rows done again at one point -----------------------------------------


def _sqrt_sum(x):
    return float(np.sqrt(x[0]) + x[1] ** 2)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")
def test_failed_points_fall_back_like_one_point():
    # Row 1 is next to the domain edge of sqrt: its central point to the left is NaN.
    X = np.array([[1.0, 2.0], [1e-12, 0.5], [4.0, -1.0]])
    G = fastdiff.gradients(_sqrt_sum, X)
    assert np.array_equal(G, _rows(fastdiff.gradient, _sqrt_sum, X))
    assert relative_error(G[[0, 2], 0], [0.5, 0.25]) < 1e-8
    assert relative_error(G[:, 1], 2 * X[:, 1]) < 1e-8


def test_unrecoverable_point_is_named():
    X = np.array([[0.5, 0.5, 0.5], [1e200, 1.0, 1.0]])  # f overflows at X[1]
    with pytest.raises(ValueError, match="must be finite; f returned inf at x") as caught:
        fastdiff.gradients(rosenbrock, X, method="forward")
    assert any("X[1]" in note for note in caught.value.__notes__)


def _defined_at_a_quarter(x):
    # Finite at x[0] == 0.25 only (sqrt(-0.0) is -0.0): no stencil of x[0] works there.
    return float(np.sqrt(-abs(x[0] - 0.25)) + x[1] ** 2)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")
def test_full_output_keeps_failed_entries():
    X = np.array([[0.25, 1.0], [0.25, -2.0]])
    with pytest.raises(ValueError, match="non-finite") as caught:
        fastdiff.gradients(_defined_at_a_quarter, X)
    assert any("X[0]" in note for note in caught.value.__notes__)
    result = fastdiff.gradients(_defined_at_a_quarter, X, full_output=True)
    assert not result.success
    assert (result.status[:, 0] != OK).all() and np.isnan(result.derivative[:, 0]).all()
    assert (result.status[:, 1] == OK).all()
    assert relative_error(result.derivative[:, 1], 2 * X[:, 1]) < 1e-8


def test_exception_of_f_names_the_row(points):
    def raises_far_out(x):
        if x[0] > 1.0:
            raise ArithmeticError("too far")
        return float(np.sum(x**2))

    points[:, 0] = [0.1, 0.2, 1.5, 0.3, 0.4]
    with pytest.raises(ArithmeticError, match="too far") as caught:
        fastdiff.gradients(raises_far_out, points)
    assert any("X[2]" in note for note in caught.value.__notes__)


# --- Bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.ones(4), r"X must be a 2-D array of shape \(k, n\).*got shape \(4,\).*x\[None, :\]"),
        (np.ones((2, 3, 4)), r"X must be a 2-D array of shape \(k, n\).*got shape \(2, 3, 4\)"),
        (np.ones((0, 4)), r"X must have shape \(k, n\) with k >= 1 points.*got shape \(0, 4\)"),
        (np.ones((3, 0)), r"n >= 1 coordinates; got shape \(3, 0\)"),
    ],
)
def test_points_of_the_wrong_shape(X, message):
    with pytest.raises(ValueError, match=message):
        fastdiff.gradients(rosenbrock, X)


@pytest.mark.parametrize("f", [rosenbrock, rosenbrock.py_func], ids=["compiled", "python"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_points(points, f, bad):
    points[3, 1] = bad
    with pytest.raises(ValueError, match=rf"X must be finite; X\[3, 1\] is {bad}"):
        fastdiff.gradients(f, points)
    with pytest.raises(ValueError, match=r"X must be finite; X\[3, 1\]"):
        fastdiff.hessians(f, points)


def test_points_must_be_real():
    with pytest.raises(TypeError, match="X must be real; got complex"):
        fastdiff.gradients(rosenbrock, np.ones((2, 2), dtype=complex))
    with pytest.raises(TypeError, match="X must be a 2-D array of real numbers"):
        fastdiff.gradients(rosenbrock, [["a", "b"]])


def test_step_of_the_wrong_length(points):
    with pytest.raises(ValueError, match=r"step must have one entry per coordinate of x \(4\)"):
        fastdiff.gradients(rosenbrock, points, step=np.ones(3))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda X: fastdiff.gradients(rosenbrock, X, method="richardson"), "method='richardson'"),
        (lambda X: fastdiff.grad(rosenbrock, method="complex").at_points(X), "method='complex'"),
        (lambda X: fastdiff.hessians(rosenbrock, X, method="richardson"), "method='richardson'"),
        (lambda X: fastdiff.gradients(rosenbrock, X, step="auto"), "step='auto'"),
        (lambda X: fastdiff.jacobians(chemistry, X, sparsity=np.ones((4, 3))), "sparsity"),
        (lambda X: fastdiff.hessians(rosenbrock, X, sparsity=np.eye(3)), "sparsity"),
        (
            lambda X: fastdiff.jac(chemistry, sparsity=np.ones((4, 3), bool)).at_points(X),
            "sparsity",
        ),
    ],
)
def test_unsupported_options_are_named(points, call, message):
    with pytest.raises(ValueError, match=f"{message}.* not supported"):
        call(points[:, :3])
