"""Dead and hung workers, interrupts, exit, and threads on ``workers=``.

After every scenario no child process of the test process remains.
"""

import ctypes
import os
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import fastdiff
from fastdiff.workers import WorkerDiedError
from tests.reliability.processes import assert_no_children, kill_all, run_script, wait_gone

pytestmark = [pytest.mark.reliability, pytest.mark.usefixtures("no_pools")]

X = np.array([0.3, -0.7, 1.2, 0.5])


def _sum_of_squares(x):
    return float(np.sum(x**2))


def _exit(x):
    os._exit(3)


def _segfault(x):
    ctypes.string_at(0)


def _interrupt(x):
    raise KeyboardInterrupt


def _dies_above_x1(death):
    def f(x):
        if x[1] > X[1]:  # the forward point of coordinate 1 only
            death(x)
        return float(np.sum(x))

    return f


@pytest.mark.parametrize(
    ("death", "how"),
    [
        (_exit, r"exit code 3"),
        (_segfault, r"killed by signal SIGSEGV"),
        (_interrupt, r"f raised KeyboardInterrupt"),
    ],
)
def test_dead_worker_names_the_point_and_the_next_call_starts_new_workers(death, how):
    with pytest.raises(
        WorkerDiedError, match=rf"died \({how}\) while evaluating f at x \+ 1 \* h\[1\] \* e\[1\]"
    ):
        fastdiff.gradient(_dies_above_x1(death), X, workers=2)
    assert_no_children()  # the broken pool was stopped, not left behind
    assert np.allclose(fastdiff.gradient(_sum_of_squares, X, workers=2), 2 * X, atol=1e-8)
    fastdiff.shutdown_workers()
    assert_no_children()


def _hangs_above_x2(x):
    if x[2] > X[2]:
        time.sleep(60)
    return float(np.sum(x**2))


def _vector_hangs_above_x2(x):
    return np.array([_hangs_above_x2(x), x[0]])


@pytest.mark.parametrize(
    ("derivative", "f"),
    [
        (fastdiff.gradient, _hangs_above_x2),
        (fastdiff.jacobian, _vector_hangs_above_x2),
        (fastdiff.hessian, _hangs_above_x2),
    ],
)
def test_hung_worker_times_out_naming_the_point(derivative, f):
    # Any point that moves x[2] up hangs: for a Hessian also the pairs (i, 2),
    # whichever a loaded machine reaches first.
    named = (
        r"within timeout=0\.5 s at x ([+-] \S+ \* h\[[01]\] \* e\[[01]\] )?\+ 1 \* h\[2\] \* e\[2\]"
    )
    with pytest.raises(TimeoutError, match=named):
        derivative(f, X, workers=2, timeout=0.5)
    assert_no_children()


def test_timeout_on_an_evaluator_and_its_validation():
    with fastdiff.Evaluator(workers=2, timeout=0.5) as evaluator:
        with pytest.raises(TimeoutError, match=r"at x \+ 1 \* h\[2\] \* e\[2\]"):
            fastdiff.gradient(_hangs_above_x2, X, evaluator=evaluator)
        # The same evaluator starts new workers for the next call.
        assert np.allclose(fastdiff.gradient(_sum_of_squares, X, evaluator=evaluator), 2 * X)
    assert_no_children()
    with pytest.raises(ValueError, match="timeout needs workers="):
        fastdiff.gradient(_sum_of_squares, X, timeout=1.0)
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds; got -1"):
        fastdiff.Evaluator(workers=2, timeout=-1)
    with pytest.raises(TypeError, match="timeout must be a positive number of seconds; got '1'"):
        fastdiff.gradient(_sum_of_squares, X, workers=2, timeout="1")
    with pytest.raises(ValueError, match="give evaluator alone"):
        fastdiff.gradient(_sum_of_squares, X, evaluator=fastdiff.Evaluator(), timeout=1.0)


HUNG_F = """
import os, sys, time
import numpy as np
import fastdiff

PIDS = sys.argv[0] + ".pids"

def f(x):
    if x[0] > 0.5:
        with open(PIDS, "a") as out:
            out.write(f"{os.getpid()}\\n")
        time.sleep(600)
    return float(np.sum(x))

def wait_for_hung_worker():
    while not (os.path.exists(PIDS) and open(PIDS).read().strip()):
        time.sleep(0.05)
"""


def _scenario(tmp_path, body: str):
    script = tmp_path / "scenario.py"
    script.write_text(textwrap.dedent(HUNG_F) + textwrap.dedent(body))
    pids_file = tmp_path / "scenario.py.pids"
    return script, pids_file


def _hung_pids(pids_file) -> list[int]:
    return [int(p) for p in pids_file.read_text().split()] if pids_file.exists() else []


def test_interrupt_inside_an_evaluator_stops_its_workers(tmp_path):
    script, pids_file = _scenario(
        tmp_path,
        """
        import signal, threading

        # Ctrl-C raises KeyboardInterrupt, even if this test run was started
        # in the background by a shell that ignores SIGINT (its children
        # inherit that, and Python then installs no handler).
        signal.signal(signal.SIGINT, signal.default_int_handler)

        def interrupt():
            wait_for_hung_worker()
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C

        threading.Thread(target=interrupt, daemon=True).start()
        try:
            with fastdiff.Evaluator(workers=2) as evaluator:
                fastdiff.gradient(f, np.array([0.5, 1.0]), evaluator=evaluator)
        except KeyboardInterrupt:
            print("interrupted", evaluator.worker_pids())
        """,
    )
    try:
        out = run_script(script, seconds=240)
        assert out.returncode == 0, out.stderr[-3000:]
        assert out.stdout.strip() == "interrupted []"
        pids = _hung_pids(pids_file)
        assert pids and wait_gone(pids)
    finally:
        kill_all(_hung_pids(pids_file))


def test_exit_with_a_hung_worker_does_not_wait_for_it(tmp_path):
    script, pids_file = _scenario(
        tmp_path,
        """
        import threading

        threading.Thread(
            target=fastdiff.gradient, args=(f, np.array([0.5, 1.0])), kwargs={"workers": 2}, daemon=True
        ).start()
        wait_for_hung_worker()
        print("exiting")
        """,
    )
    try:
        out = run_script(script, seconds=240)
        assert out.returncode == 0, out.stderr[-3000:]
        assert out.stdout.strip() == "exiting"
        pids = _hung_pids(pids_file)
        assert pids and wait_gone(pids)
    finally:
        kill_all(_hung_pids(pids_file))


def test_workers_from_eight_threads_leave_main_alone():
    main = sys.modules["__main__"]
    replaced = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            if sys.modules.get("__main__") is not main:
                replaced.append(sys.modules.get("__main__"))
            time.sleep(0.0002)

    points = [X + 0.1 * k for k in range(8)]
    results = [None] * 8

    def differentiate(k):
        results[k] = fastdiff.gradient(_sum_of_squares, points[k], workers=2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=differentiate, args=(k,)) for k in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        done.set()
        watcher.join()
    assert not any(thread.is_alive() for thread in threads)
    assert replaced == [] and sys.modules["__main__"] is main
    for k in range(8):
        assert np.allclose(results[k], 2 * points[k], atol=1e-7)
    fastdiff.shutdown_workers()
    assert_no_children()
