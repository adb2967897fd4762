"""The optimizers' ``callback`` option: scipy's convention on the Python and the compiled loop.

Reference values are exact: gradient descent on 0.5 |x|^2 with learning
rate 0.1 moves x_k = 0.9^k x0 (central differences are exact on a
quadratic up to rounding, about 1e-11 relative here).
"""

import numpy as np
import pytest

from fastdiff.optimize import bfgs, gradient_descent, newton
from fastdiff.optimize import status as codes
from tests.functions import rosenbrock
from tests.test_optimize import half_square, quadratic

pytestmark = pytest.mark.reliability

LOOPS = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])


def _f(f, compiled):
    return f if compiled else f.py_func


@LOOPS
def test_callback_receives_every_iterate(compiled):
    seen = []

    def callback(intermediate_result):
        seen.append(intermediate_result)

    result = gradient_descent(
        _f(half_square, compiled), [1.0, -2.0], learning_rate=0.1, maxiter=5, callback=callback
    )
    assert result.nit == 5
    assert [r.nit for r in seen] == [1, 2, 3, 4, 5]
    for k, r in enumerate(seen, start=1):
        np.testing.assert_allclose(r.x, 0.9**k * np.array([1.0, -2.0]), rtol=1e-9)
        assert r.fun == pytest.approx(0.5 * 0.81**k * 5.0, rel=1e-9)
        np.testing.assert_allclose(r.jac, r.x, rtol=1e-8)  # the gradient of 0.5 |x|^2 is x
        assert r.start == 0
    np.testing.assert_array_equal(seen[-1].x, result.x)
    assert seen[-1].nfev == result.nfev


@LOOPS
def test_callback_without_intermediate_result_receives_a_copy_of_x(compiled):
    # scipy's legacy form: any other parameter name gets x itself.
    seen = []
    result = gradient_descent(
        _f(half_square, compiled),
        1.0,
        learning_rate=0.1,
        maxiter=3,
        callback=lambda xk: seen.append(xk),
    )
    assert len(seen) == 3
    np.testing.assert_allclose(np.array(seen)[:, 0], 0.9 ** np.arange(1, 4), rtol=1e-9)
    seen[-1][0] = 99.0  # a copy: the result is untouched
    assert result.x[0] == pytest.approx(0.9**3, rel=1e-9)


@LOOPS
@pytest.mark.parametrize("optimizer", [gradient_descent, newton, bfgs])
def test_stop_iteration_stops_the_run_as_scipy_does(optimizer, compiled):
    seen = []

    def callback(intermediate_result):
        seen.append(intermediate_result.x)
        if intermediate_result.nit == 3:
            raise StopIteration

    options = {"learning_rate": 1e-3} if optimizer is gradient_descent else {}
    # Rosenbrock from (-1.2, 1) takes more than 3 iterations with every method.
    result = optimizer(_f(rosenbrock, compiled), [-1.2, 1.0], callback=callback, **options)
    assert result.nit == 3
    assert len(seen) == 3
    np.testing.assert_array_equal(result.x, seen[-1])
    assert result.status == codes.STOPPED_BY_CALLBACK
    assert not result.success
    assert "callback raised StopIteration after 3 iterations" in result.message


@LOOPS
def test_stop_iteration_on_the_converging_iterate_wins(compiled):
    # scipy calls the callback before its tolerance tests: stopped, not converged.
    def callback(intermediate_result):
        raise StopIteration

    result = newton(_f(quadratic, compiled), np.zeros(3), callback=callback)
    assert result.nit == 1
    assert result.status == codes.STOPPED_BY_CALLBACK
    assert not result.success


@LOOPS
def test_other_exceptions_from_the_callback_propagate(compiled):
    def callback(intermediate_result):
        raise ValueError("stop the world")

    with pytest.raises(ValueError, match="stop the world"):
        gradient_descent(_f(half_square, compiled), 1.0, callback=callback)


def test_compiled_loop_with_a_callback_gives_the_same_result():
    plain = bfgs(quadratic, np.zeros(3), gtol=1e-10)
    calls = []
    stepped = bfgs(quadratic, np.zeros(3), gtol=1e-10, callback=lambda x: calls.append(x))
    np.testing.assert_array_equal(stepped.x, plain.x)
    assert (stepped.nit, stepped.nfev, stepped.status) == (plain.nit, plain.nfev, plain.status)
    assert len(calls) == plain.nit


@LOOPS
def test_multistart_callback_names_the_start_and_stops_only_that_run(compiled):
    seen = []

    def callback(intermediate_result):
        seen.append((intermediate_result.start, intermediate_result.nit))
        if intermediate_result.start == 0 and intermediate_result.nit == 2:
            raise StopIteration

    starts = np.array([[1.0], [-1.0]])
    result = gradient_descent(
        _f(half_square, compiled),
        starts,
        learning_rate=0.1,
        maxiter=4,
        parallel=True,
        callback=callback,
    )
    assert seen == [(0, 1), (0, 2), (1, 1), (1, 2), (1, 3), (1, 4)]
    assert result.runs[0].status == codes.STOPPED_BY_CALLBACK
    assert result.runs[1].status == codes.MAXITER
    assert result.runs[1].x[0] == pytest.approx(-(0.9**4), rel=1e-9)


def test_callback_must_be_callable():
    with pytest.raises(TypeError, match="callback must be None or a callable .* got int"):
        gradient_descent(half_square, 1.0, callback=3)
