"""Work that runs in other processes beside the test session.

Numba compiles on one core; the machines this suite runs on have two. Tests
whose work happens in processes of their own (compiling fastdiff's kernels
into the disk cache, running the example scripts, installing into a new
environment) hand it to :data:`QUEUE` when they are collected and collect
the outcome when they run, so that it uses the second core. One task runs at
a time, in the order submitted.
"""

from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

QUEUE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fastdiff-tests-background")
#: Work that must not wait behind the queue (a second pytest process).
BESIDE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fastdiff-tests-beside")
#: Futures of the test files run by a second pytest process, by file.
OFFLOADED: dict = {}
#: ``(command, seconds from session start to its start, to its end)`` of each task run.
TIMES: list[tuple[str, float, float]] = []
_T0 = time.monotonic()
_RUNNING: set[subprocess.Popen] = set()
_LOCK = threading.Lock()
_STOPPED = threading.Event()


def run(command: list[str], timeout: float, **options) -> subprocess.CompletedProcess:
    """``subprocess.run`` that :func:`stop` can end; output captured as text."""
    if _STOPPED.is_set():
        raise RuntimeError("the test session ended before this task started")
    started = time.monotonic() - _T0
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options
    )
    with _LOCK:
        _RUNNING.add(process)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise
    finally:
        with _LOCK:
            _RUNNING.discard(process)
        TIMES.append((" ".join(command[2:5]), started, time.monotonic() - _T0))
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def timeline() -> list[str]:
    """One line per task run so far: when it started and ended, in seconds of the session."""
    return [
        f"{start:6.0f} s - {end:6.0f} s  {name}"
        for name, start, end in sorted(TIMES, key=lambda t: t[1])
    ]


def running_pids() -> set[int]:
    """Process ids of the background processes running now (children of the test process)."""
    with _LOCK:
        return {process.pid for process in _RUNNING}


def submit(function, *arguments, **options) -> Future:
    """Queue ``function(*arguments, **options)``; returns its future."""
    return QUEUE.submit(function, *arguments, **options)


def submit_beside(function, *arguments, **options) -> Future:
    """Start ``function(*arguments, **options)`` now, beside the queue; returns its future."""
    return BESIDE.submit(function, *arguments, **options)


def stop() -> None:
    """End the session's background work: queued tasks are dropped, running processes killed."""
    _STOPPED.set()
    for pool in (QUEUE, BESIDE):
        pool.shutdown(wait=False, cancel_futures=True)
    with _LOCK:
        for process in list(_RUNNING):
            process.kill()
    for pool in (QUEUE, BESIDE):
        pool.shutdown(wait=True)
