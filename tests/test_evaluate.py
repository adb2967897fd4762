"""Evaluation strategies for Python callables: workers, executors, Dask, errors, clean shutdown."""

import concurrent.futures
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import fastdiff
from fastdiff.evaluate import SCALAR, Evaluator, evaluate_points
from tests.functions import rosenbrock

X = np.array([0.3, -0.7, 1.2, 0.5])


def _python_rosenbrock(x):
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def _environment() -> dict:
    # A child interpreter imports the fastdiff under test, not another install.
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastdiff.__file__)))
    return {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its entry remains until the parent reaps it.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pids, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return not any(_alive(p) for p in pids)


def test_workers_equal_serial_and_the_pool_is_reused():
    expected = fastdiff.gradient(rosenbrock, X)
    first = fastdiff.gradient(_python_rosenbrock, X, workers=2)
    second = fastdiff.gradient(lambda x: _python_rosenbrock(x), X, workers=2)
    assert np.array_equal(first, expected) and np.array_equal(second, expected)
    from fastdiff.evaluate import _SHARED

    assert list(_SHARED) == [2]


def test_worker_errors_keep_type_message_and_point():
    def f(x):
        if x[1] != -0.7:  # on both sides of x: no fallback avoids it
            raise ArithmeticError(f"bad x[1] = {x[1]}")
        return float(np.sum(x))

    with pytest.raises(ArithmeticError, match="bad x") as info:
        fastdiff.gradient(f, X, workers=2)
    assert any("e[1]" in note and "point" in note for note in info.value.__notes__)


def test_thread_pool_executor_equals_serial():
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
        result = fastdiff.hessian(_python_rosenbrock, X, executor=executor)
        assert not executor._shutdown  # ours to use, not to close
    assert np.array_equal(result, fastdiff.hessian(rosenbrock, X))


def test_evaluator_context_closes_its_processes():
    with Evaluator(workers=2) as evaluator:
        result = fastdiff.jacobian(
            lambda x: np.array([x[0] * x[1], np.sin(x[2])]), X, evaluator=evaluator
        )
        pids = evaluator.worker_pids()
        assert pids and all(_alive(p) for p in pids)
    assert _wait_gone(pids)
    assert result.shape == (2, 4)
    assert result[0, 0] == pytest.approx(X[1], rel=1e-9)


def test_workers_leave_no_process_at_interpreter_exit(tmp_path):
    script = tmp_path / "script.py"
    # No __main__ guard, a function defined in the script: both must work.
    script.write_text(
        textwrap.dedent(
            """
            import numpy as np, fastdiff
            from fastdiff.evaluate import _SHARED

            def model(x):
                return float(np.sum(np.cos(x)))

            g = fastdiff.gradient(model, np.array([0.1, 0.2, 0.3]), workers=2)
            assert np.allclose(g, -np.sin([0.1, 0.2, 0.3]), atol=1e-8), g
            print(" ".join(str(pid) for pid in _SHARED[2].pids()))
            """
        )
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=_environment(),
    )
    assert out.returncode == 0, out.stderr
    pids = [int(p) for p in out.stdout.split()]
    assert pids and _wait_gone(pids)


def test_dask_local_cluster_equals_serial(tmp_path):
    distributed = pytest.importorskip("distributed")  # installed by the test extras
    # A function defined in a script's __main__, on a real two-process cluster.
    script = tmp_path / "dask_script.py"
    script.write_text(
        textwrap.dedent(
            """
            import numpy as np, fastdiff
            from distributed import Client, LocalCluster

            def model(x):
                return float(x[0] ** 3 + np.exp(x[1]) * x[2])

            if __name__ == "__main__":
                x = np.array([0.5, -0.2, 1.5])
                with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
                    on_cluster = fastdiff.gradient(model, x, executor=client)
                serial = fastdiff.gradient(model, x)
                assert np.array_equal(on_cluster, serial), (on_cluster, serial)
                print("ok")
            """
        )
    )
    assert distributed is not None
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=_environment(),
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]


def test_progress_bar(capsys):
    fastdiff.gradient(_python_rosenbrock, X, progress=True)
    assert "fastdiff" in capsys.readouterr().err


def test_evaluate_points_reports_failures_per_point():
    def f(x):
        if x[0] > 0:
            raise ValueError("positive")
        return float(x[0])

    values, errors = evaluate_points(f, np.array([[-1.0], [2.0], [-3.0]]), SCALAR, vectorized=False)
    assert values[0] == -1.0 and values[2] == -3.0 and np.isnan(values[1])
    assert [(i, str(e)) for i, e in errors] == [(1, "positive")]


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"workers": 0}, ValueError, "workers must be a positive integer; got 0"),
        ({"workers": "2"}, TypeError, "workers must be a positive integer; got '2'"),
        ({"workers": True}, TypeError, "workers must be a positive integer"),
        ({"vectorized": "yes"}, TypeError, "vectorized must be True or False"),
        ({"progress": 1}, TypeError, "progress must be True or False"),
        ({"executor": object()}, TypeError, "executor must have a submit method"),
        (
            {"executor": concurrent.futures.ThreadPoolExecutor(1), "workers": 2},
            ValueError,
            "give workers or executor, not both",
        ),
        ({"evaluator": "serial"}, TypeError, "evaluator must be a fastdiff.Evaluator"),
        ({"evaluator": Evaluator(), "workers": 2}, ValueError, "give evaluator alone"),
        ({"parallel": True}, ValueError, "parallel=True applies to Numba-compiled f"),
    ],
)
def test_bad_evaluation_options(options, error, match):
    with pytest.raises(error, match=match):
        fastdiff.gradient(_python_rosenbrock, X, **options)


def test_wrong_return_types_of_python_f():
    with pytest.raises(
        TypeError,
        match=r"must return a real number for a gradient or Hessian; it returned an array of shape \(4,\)",
    ):
        fastdiff.gradient(lambda x: x * 2, X)
    with pytest.raises(
        TypeError, match=r"a 1-D array of real numbers for a Jacobian; .*returned shape \(4, 4\)"
    ):
        fastdiff.jacobian(lambda x: np.outer(x, x), X)
    # A number is a Jacobian of one row, as in scipy.
    np.testing.assert_allclose(
        fastdiff.jacobian(lambda x: float(x[0]), X), [[1.0, 0, 0, 0]], atol=1e-9
    )
    with pytest.raises(ValueError, match="different lengths"):
        fastdiff.jacobian(lambda x: np.zeros(3 if x[0] > 0.3 else 2), X)
    with pytest.raises(
        ValueError, match=r"a vectorized f must return an array of shape \(8,\) for 8 points"
    ):
        fastdiff.gradient(lambda points: points, X, vectorized=True)


def test_unpicklable_f_for_workers():
    import threading

    lock = threading.Lock()

    def f(x):
        with lock:
            return float(np.sum(x))

    with pytest.raises(TypeError, match="f could not be pickled for the workers"):
        fastdiff.gradient(f, X, workers=2)


def test_executor_of_a_cluster_gets_a_few_tasks_per_worker_thread():
    # A Dask client's executor says nothing of its capacity, but its client
    # does: 32 points on two worker threads go out as 8 tasks, not 32.
    class Client:
        def nthreads(self):
            return {"tcp://a": 1, "tcp://b": 1}

    class ClientExecutor:
        def __init__(self):
            self._client = Client()
            self._inner = concurrent.futures.ThreadPoolExecutor(2)
            self.submitted = 0

        def submit(self, fn, *args):
            self.submitted += 1
            return self._inner.submit(fn, *args)

    executor = ClientExecutor()
    x = np.linspace(-1.0, 1.0, 16)
    try:
        on_executor = fastdiff.gradient(_python_rosenbrock, x, executor=executor)
    finally:
        executor._inner.shutdown()
    assert executor.submitted == 8
    assert np.array_equal(on_executor, fastdiff.gradient(_python_rosenbrock, x))
