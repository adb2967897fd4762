"""Worker processes that fastdiff starts, watches and stops itself.

``workers=`` evaluates a Python ``f`` on a pool of processes. A user's
``f`` can do what no library function should: hang, crash the process
(``os._exit``, a segfault, a signal) or raise ``KeyboardInterrupt``. A
``concurrent.futures.ProcessPoolExecutor`` can neither stop a hung task
nor tell which point a dead worker was evaluating, and it waits for its
processes at exit. This pool owns its processes instead:

* each worker is a fresh interpreter (``subprocess``, so nothing of the
  parent's ``__main__`` is imported or replaced), talking over a socket pair;
* before each evaluation a worker writes the point's index and the time
  into a small memory-mapped file, so the parent knows the point being
  evaluated, and how long it has taken, without any message;
* the parent waits on all sockets at once with a deadline: a closed socket
  is a dead worker, a late point a hung one;
* any error, timeout or interrupt stops the whole pool (SIGTERM, then
  SIGKILL after :data:`STOP_SECONDS`), and the next batch starts a new one.

Workers ignore SIGINT (Ctrl-C reaches the parent, which stops them) and end
themselves when the parent process goes away. POSIX only (it passes file
descriptors to the children).
"""

from __future__ import annotations

import itertools
import mmap
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection, wait

#: Seconds a new worker process has to start (import numpy, Numba, fastdiff).
STARTUP_SECONDS = 180.0
#: Seconds a stopped worker gets to exit after SIGTERM before SIGKILL.
STOP_SECONDS = 1.0
#: Seconds a task may take to arrive and unpickle ``f`` before its first
#: point starts, on top of ``timeout`` (importing the modules ``f`` needs).
FIRST_POINT_ALLOWANCE = 30.0
#: Functions a worker keeps unpickled; the parent mirrors the same rule.
KEPT_FUNCTIONS = 16
#: Longest single wait of the parent. A SIGINT delivered to another thread
#: (Numba's, the user's) only raises KeyboardInterrupt in the main thread
#: when it runs Python code again: short waits keep Ctrl-C prompt.
WAIT_SLICE_SECONDS = 0.25

# The progress record of a worker: task number, point index within the
# task, time.monotonic() when that point started (system-wide on Linux).
_PROGRESS = struct.Struct("ddd")


class WorkerDiedError(BrokenProcessPool):
    """A worker process ended while it evaluated ``f``.

    Raised when ``f`` crashed its process (a segfault, ``os._exit``, a
    signal) or raised ``KeyboardInterrupt`` or ``SystemExit``. The message
    names the point; the pool was stopped and the next call starts a new one.
    A ``concurrent.futures.process.BrokenProcessPool``, as the standard pool
    raises in this case.
    """


class _Worker:
    """One worker process, its socket and its progress record."""

    def __init__(self):
        parent_socket, child_socket = socket.socketpair()
        with tempfile.TemporaryFile() as progress_file:
            progress_file.truncate(_PROGRESS.size)
            self.progress = mmap.mmap(progress_file.fileno(), _PROGRESS.size)
            child_fds = (child_socket.fileno(), progress_file.fileno())
            code = (
                f"import sys; sys.path[:] = {sys.path!r}; "
                f"from fastdiff.workers import serve; serve(*{child_fds!r})"
            )
            try:
                self.process = subprocess.Popen(
                    [sys.executable, "-c", code], pass_fds=child_fds, stdin=subprocess.DEVNULL
                )
            finally:
                child_socket.close()
        self.connection = Connection(parent_socket.detach())
        self.known_keys: set[str] = set()
        self.ready = False

    def current_point(self) -> tuple[int, int, float]:
        """(task number, point index, start time) last written by the worker."""
        first = _PROGRESS.unpack_from(self.progress)
        while True:  # a write may be under way: read until two reads agree
            second = _PROGRESS.unpack_from(self.progress)
            if second == first:
                return int(first[0]), int(first[1]), first[2]
            first = second

    def how_it_ended(self) -> str:
        """The exit code or signal of a worker that ended."""
        try:
            code = self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            return "its connection closed"
        if code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"


class WorkerPool:
    """A fixed number of worker processes evaluating chunks of points.

    One batch runs at a time (calls from several threads take turns); the
    processes start with the first batch. After an error, a timeout or an
    interrupt inside :meth:`evaluate` the pool is closed: ``closed`` is then
    True and the owner makes a new one.
    """

    def __init__(self, size: int):
        self.size = size
        self.closed = False
        self._workers: list[_Worker] = []
        self._batch_lock = threading.Lock()
        self._numbers = itertools.count(1)

    def pids(self) -> list[int]:
        """Process ids of the running workers."""
        return [worker.process.pid for worker in list(self._workers)]

    def evaluate(
        self,
        key: str,
        payload: bytes,
        chunks: list,
        kind: str,
        vectorized: bool,
        timeout: float | None,
        describe: Callable[[int], str],
    ) -> list | None:
        """Evaluate ``chunks``, a list of ``(lo, points)``: ``[(lo, values, errors), ...]``.

        Returns None if the pool was closed (by another thread) before the
        batch could start. Raises :class:`WorkerDiedError` or
        ``TimeoutError`` naming the point (``describe(index)``), the error a
        worker reported, or whatever interrupted the wait; in all these cases
        the pool is closed first.
        """
        with self._batch_lock:
            if self.closed:
                return None
            try:
                self._start()
                return self._run(key, payload, chunks, kind, vectorized, timeout, describe)
            except BaseException:
                self._stop(close_connections=True)
                raise

    def close(self) -> None:
        """Stop every worker now: SIGTERM, then SIGKILL; never waits on a hung task."""
        idle = self._batch_lock.acquire(blocking=False)
        try:
            # A batch under way sees its sockets close and stops the pool itself.
            self._stop(close_connections=idle)
        finally:
            if idle:
                self._batch_lock.release()

    def _stop(self, close_connections: bool) -> None:
        self.closed = True
        workers, self._workers = self._workers, []
        stop_processes([worker.process for worker in workers])
        if close_connections:
            for worker in workers:
                worker.connection.close()
                worker.progress.close()

    def _start(self) -> None:
        while len(self._workers) < self.size:
            self._workers.append(_Worker())
        deadline = time.monotonic() + STARTUP_SECONDS
        starting = {w.connection: w for w in self._workers if not w.ready}
        while starting:
            remaining = deadline - time.monotonic()
            ready = wait(list(starting), timeout=max(0.0, min(remaining, WAIT_SLICE_SECONDS)))
            if not ready and remaining > 0:
                continue
            if not ready:
                raise RuntimeError(f"worker processes did not start within {STARTUP_SECONDS:g} s")
            for connection in ready:
                worker = starting.pop(connection)
                try:
                    connection.recv()
                except (EOFError, OSError):
                    raise RuntimeError(
                        f"a worker process failed to start ({worker.how_it_ended()}); "
                        "its error output is above"
                    ) from None
                worker.ready = True

    def _run(self, key, payload, chunks, kind, vectorized, timeout, describe) -> list:
        pending = deque(chunks)
        busy: dict[_Worker, tuple[int, int, int, float]] = {}
        results = []
        while pending or busy:
            for worker in self._workers:
                if not pending:
                    break
                if worker in busy:
                    continue
                lo, points = pending.popleft()
                number = next(self._numbers)
                sent_payload = None if key in worker.known_keys else payload
                if sent_payload is not None:
                    if len(worker.known_keys) >= KEPT_FUNCTIONS:
                        worker.known_keys.clear()
                    worker.known_keys.add(key)
                busy[worker] = (number, lo, points.shape[0], time.monotonic())
                try:
                    worker.connection.send((number, key, sent_payload, points, kind, vectorized))
                except OSError:
                    raise self._died(worker, busy[worker], describe) from None
            by_connection = {worker.connection: worker for worker in busy}
            wait_seconds = WAIT_SLICE_SECONDS
            if timeout is not None:
                wait_seconds = min(wait_seconds, self._next_deadline(busy, timeout))
            for connection in wait(list(by_connection), timeout=wait_seconds):
                worker = by_connection[connection]
                try:
                    reply = connection.recv()
                except (EOFError, OSError):
                    raise self._died(worker, busy[worker], describe) from None
                if reply[0] == "done":
                    lo = busy.pop(worker)[1]
                    results.append((lo, reply[2], reply[3]))
                elif reply[0] == "error":  # f broke the contract (wrong return type...)
                    worker.known_keys.discard(key)
                    raise reply[2]
                else:  # "stopped": f raised KeyboardInterrupt or SystemExit
                    raise self._died(worker, busy[worker], describe, reply[2])
            if timeout is not None:
                self._check_timeouts(busy, timeout, describe)
        return results

    def _started_at(self, worker: _Worker, task: tuple) -> tuple[int | None, float]:
        """The point a busy worker evaluates (None before the first) and its deadline base."""
        number, _lo, _count, sent = task
        current, index, started = worker.current_point()
        if current == number:
            return index, started
        return None, sent + FIRST_POINT_ALLOWANCE

    def _next_deadline(self, busy: dict, timeout: float) -> float:
        now = time.monotonic()
        soonest = min(self._started_at(w, task)[1] for w, task in busy.items()) + timeout
        # Waking a little after the deadline is fine; never spin.
        return max(0.01, soonest - now)

    def _check_timeouts(self, busy: dict, timeout: float, describe) -> None:
        now = time.monotonic()
        for worker, task in busy.items():
            index, started = self._started_at(worker, task)
            if now - started > timeout:
                where = (
                    describe(task[1] + index)
                    if index is not None
                    else f"before its first point ({_points_of(task, describe)})"
                )
                raise TimeoutError(
                    f"f did not return within timeout={timeout:g} s {where}; "
                    "the worker processes were stopped (the next call starts new ones)"
                )

    def _died(self, worker: _Worker, task: tuple, describe, reason: str | None = None):
        number, lo, _count, _sent = task
        current, index, _started = worker.current_point()
        if reason is None:
            reason = worker.how_it_ended()
        else:
            reason = f"f raised {reason}"
        where = (
            describe(lo + index)
            if current == number
            else f"at one of the points of its task ({_points_of(task, describe)})"
        )
        return WorkerDiedError(
            f"a worker process died ({reason}) while evaluating f {where}; the worker "
            "processes were stopped (the next call starts new ones)"
        )


def _points_of(task: tuple, describe, limit: int = 3) -> str:
    _number, lo, count, _sent = task
    shown = [describe(point) for point in range(lo, lo + min(count, limit))]
    return "; ".join(shown) + ("; ..." if count > limit else "")


def stop_processes(processes: list) -> None:
    """SIGTERM ``processes``, SIGKILL those still alive after :data:`STOP_SECONDS`, reap all."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The worker's side --------------------------------------------------------


def serve(connection_fd: int, progress_fd: int) -> None:
    """Main loop of a worker process: evaluate tasks until the socket closes."""
    # Imported here: the parent never needs them to start a worker.
    import cloudpickle

    from fastdiff.point_evaluation import evaluate_points, picklable

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    connection = Connection(connection_fd)
    progress = mmap.mmap(progress_fd, _PROGRESS.size)
    os.close(progress_fd)
    _exit_with_parent(os.getppid())
    functions: dict = {}
    connection.send(("ready", os.getpid()))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        number, key, payload, points, kind, vectorized = message

        def started(index: int, number: int = number) -> None:
            _PROGRESS.pack_into(progress, 0, number, index, time.monotonic())

        try:
            f = functions.get(key)
            if f is None:
                if len(functions) >= KEPT_FUNCTIONS:
                    functions.clear()
                f = functions[key] = cloudpickle.loads(payload)
            values, errors = evaluate_points(f, points, kind, vectorized, started=started)
            reply = ("done", number, values, [(i, picklable(e)) for i, e in errors])
        except Exception as error:
            reply = ("error", number, picklable(error))
        except BaseException as error:  # KeyboardInterrupt or SystemExit from f
            connection.send(("stopped", number, type(error).__name__))
            os._exit(1)
        connection.send(reply)


def _exit_with_parent(parent: int) -> None:
    # A worker busy in f never reads its socket: a thread notices the orphaning.
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="fastdiff-parent-watch", daemon=True).start()
