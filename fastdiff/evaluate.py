"""How a batch of points is evaluated for a plain Python ``f``.

The derivative code builds every stencil point first and combines the
values afterwards; this module only evaluates. An :class:`Evaluator` runs
the batch serially, as one call of a vectorized ``f``, on a pool of worker
processes that is created once and reused, or on any object with the
``concurrent.futures.Executor`` interface (a Dask ``Client`` included, which
is how an expensive objective outgrows one machine).

A point at which ``f`` raises does not stop the batch: its exception is
kept, with the point's index, and the caller decides what to do (fall back
to another stencil, or raise it with its original type and message).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import hashlib
import math
import numbers
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fastdiff.point_evaluation import SCALAR, VECTOR, evaluate_pickled, evaluate_points
from fastdiff.workers import WorkerPool

__all__ = [
    "SCALAR",
    "VECTOR",
    "BatchResult",
    "Evaluator",
    "evaluate_points",
    "sharing_workers",
    "shutdown_workers",
]

#: Points built and evaluated at a time, so that huge batches (the Hessian
#: of a large problem) never sit in memory at once.
CHUNK_POINTS = 4096


@dataclass
class BatchResult:
    """Values of ``f`` at a batch of points.

    Attributes
    ----------
    values : ndarray, shape (count,) or (count, m)
        NaN where ``f`` raised.
    errors : dict of int to BaseException
        The exception raised at each failed point, by point index.
    """

    values: np.ndarray
    errors: dict = field(default_factory=dict)


class Evaluator:
    """Evaluates batches of points for a Python ``f``; owns its worker pool.

    Parameters
    ----------
    vectorized : bool
        ``f`` takes a ``(k, n)`` array of points and returns ``(k,)`` values
        (``(k, m)`` for a Jacobian): one call per batch.
    workers : int, optional
        Evaluate on this many worker processes. The pool is started on first
        use and reused until :meth:`close`. ``f`` is sent with cloudpickle,
        so lambdas, closures and functions defined in ``__main__`` work.
        A worker that dies (a crash, ``os._exit``, a signal) raises
        :class:`~fastdiff.workers.WorkerDiedError` naming the point; the
        pool is then stopped and the next evaluation starts a new one.
    timeout : float, optional
        Seconds one evaluation of ``f`` may take on a worker (needs
        ``workers``). A point that takes longer raises ``TimeoutError``
        naming it, and the worker processes are stopped.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Evaluate on this executor instead (not shut down by :meth:`close`).
    progress : bool
        Show a progress bar of evaluations done (needs ``tqdm``).

    Examples
    --------
    ``fastdiff.Evaluator(workers=4)`` keeps a pool of four worker processes
    until the ``with`` block ends; any executor works the same way:

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> import numpy as np, fastdiff
    >>> def model(x):
    ...     return float(np.sum(np.cos(x) * x))
    >>> with ThreadPoolExecutor(2) as pool, fastdiff.Evaluator(executor=pool) as evaluator:
    ...     g = fastdiff.gradient(model, np.array([0.0, 1.0]), evaluator=evaluator)
    >>> g.round(6)  # cos(x) - x sin(x)
    array([ 1.      , -0.301169])
    """

    def __init__(
        self,
        *,
        vectorized: bool = False,
        workers: int | None = None,
        executor=None,
        progress: bool = False,
        timeout: float | None = None,
    ):
        if not isinstance(vectorized, (bool, np.bool_)):
            raise TypeError(f"vectorized must be True or False; got {vectorized!r}")
        if not isinstance(progress, (bool, np.bool_)):
            raise TypeError(f"progress must be True or False; got {progress!r}")
        if workers is not None:
            if not isinstance(workers, numbers.Integral) or isinstance(workers, bool):
                raise TypeError(f"workers must be a positive integer; got {workers!r}")
            if workers < 1:
                raise ValueError(f"workers must be a positive integer; got {workers}")
        if executor is not None:
            if workers is not None:
                raise ValueError("give workers or executor, not both")
            if hasattr(executor, "get_executor"):  # a dask.distributed.Client
                executor = executor.get_executor()
            if not callable(getattr(executor, "submit", None)):
                raise TypeError(
                    "executor must have a submit method like concurrent.futures.Executor "
                    f"(or be a dask.distributed.Client); got {type(executor).__name__}"
                )
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
                raise TypeError(f"timeout must be a positive number of seconds; got {timeout!r}")
            if not (math.isfinite(timeout) and timeout > 0):
                raise ValueError(f"timeout must be a positive number of seconds; got {timeout}")
            if workers is None:
                raise ValueError(
                    "timeout needs workers=: only an evaluation in a worker process can be "
                    "stopped when it takes too long"
                )
        if progress:
            _require_tqdm()
        self.vectorized = bool(vectorized)
        self.workers = None if workers is None else int(workers)
        self.progress = bool(progress)
        self.timeout = None if timeout is None else float(timeout)
        self._executor = executor
        self._shared_pool = False
        self._pool: WorkerPool | None = None
        self._lock = threading.Lock()
        self._pickled: tuple[object, bytes, str] | None = None

    @property
    def parallel(self) -> bool:
        """Whether points are evaluated off the calling thread."""
        return self.workers is not None or self._executor is not None

    def evaluate(
        self, f: Callable, count: int, make_points: Callable[[int, int], np.ndarray], kind: str
    ) -> BatchResult:
        """Evaluate ``f`` at ``count`` points built by ``make_points(lo, hi)``.

        Parameters
        ----------
        f : callable
            The user's function.
        count : int
            Number of points.
        make_points : callable
            ``make_points(lo, hi)`` returns points ``lo`` to ``hi - 1`` as a
            ``(hi - lo, n)`` array.
        kind : {"scalar", "vector"}
            Whether ``f`` returns a number or a 1-D array.
        """
        bar = _progress_bar(count) if self.progress else None
        try:
            if self.parallel:
                parts = self._evaluate_on_executor(f, count, make_points, kind, bar)
            else:
                parts = []
                for lo in range(0, count, CHUNK_POINTS):
                    hi = min(lo + CHUNK_POINTS, count)
                    parts.append(
                        (lo, *evaluate_points(f, make_points(lo, hi), kind, self.vectorized, bar))
                    )
        finally:
            if bar is not None:
                bar.close()
        if len(parts) == 1 and parts[0][1].shape[0] == count:
            return BatchResult(parts[0][1], dict(parts[0][2]))  # one chunk: nothing to stitch
        return _assemble(parts, count, kind)

    def _evaluate_on_executor(self, f, count, make_points, kind, bar):
        payload, key = self._payload(f)
        slots = self.workers if self._executor is None else _executor_slots(self._executor)
        tasks = count if slots is None else max(1, min(count, 4 * slots))
        bounds = [(t * count // tasks, (t + 1) * count // tasks) for t in range(tasks)]
        chunks = [(lo, make_points(lo, hi)) for lo, hi in bounds if hi > lo]
        if self._executor is None:
            describe = getattr(make_points, "describe", None) or _describe_point
            while True:  # a pool closed by another thread's failure is replaced
                parts = self._worker_pool().evaluate(
                    key, payload, chunks, kind, self.vectorized, self.timeout, describe
                )
                if parts is not None:
                    break
            if bar is not None:
                bar.update(count)
            return parts
        futures = {
            self._executor.submit(evaluate_pickled, key, payload, points, kind, self.vectorized): lo
            for lo, points in chunks
        }
        parts = []
        try:
            for future in concurrent.futures.as_completed(futures):
                values, errors = future.result()
                parts.append((futures[future], values, errors))
                if bar is not None:
                    bar.update(len(values))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return parts

    def _payload(self, f) -> tuple[bytes, str]:
        cached = self._pickled
        if cached is not None and cached[0] is f:
            return cached[1], cached[2]
        import cloudpickle

        try:
            payload = cloudpickle.dumps(f)
        except Exception as error:
            raise TypeError(
                f"f could not be pickled for the workers ({type(error).__name__}: {error}); "
                "use a function that can be pickled, or evaluate serially"
            ) from error
        key = hashlib.sha1(payload).hexdigest()
        self._pickled = (f, payload, key)
        return payload, key

    def _worker_pool(self) -> WorkerPool:
        if self._shared_pool:
            return _shared_pool(self.workers)
        with self._lock:
            if self._pool is None or self._pool.closed:
                self._pool = WorkerPool(self.workers)
            return self._pool

    def worker_pids(self) -> list[int]:
        """Process ids of the running worker processes (empty before first use)."""
        pool = _SHARED.get(self.workers) if self._shared_pool else self._pool
        return [] if pool is None else pool.pids()

    def close(self) -> None:
        """Stop this evaluator's worker processes.

        They are terminated, not waited for: a hung evaluation does not keep
        ``close`` (or the ``with`` block's exit) waiting. A pool shared by
        calls with ``workers=`` is left running (see :func:`shutdown_workers`);
        an ``executor`` given by the user is never shut down here.
        """
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        where = (
            f"workers={self.workers}"
            if self.workers
            else f"executor={type(self._executor).__name__}"
            if self._executor
            else "serial"
        )
        return f"Evaluator({where}, vectorized={self.vectorized}, progress={self.progress})"


def _assemble(parts: list, count: int, kind: str) -> BatchResult:
    errors = {}
    if kind == SCALAR:
        values = np.empty(count)
    else:
        lengths = {p[1].shape[1] for p in parts if p[1].shape[0] > len(p[2])}
        if len(lengths) > 1:
            raise ValueError(
                f"f returned arrays of different lengths {sorted(lengths)}; it must return the "
                "same shape at every point"
            )
        values = np.full((count, lengths.pop() if lengths else 0), np.nan)
    for lo, part_values, part_errors in parts:
        if kind == SCALAR or part_values.shape[1] == values.shape[1]:
            values[lo : lo + part_values.shape[0]] = part_values
        for index, error in part_errors:
            errors[lo + index] = error
    return BatchResult(values, errors)


def _executor_slots(executor) -> int | None:
    """How many tasks ``executor`` runs at once, if it says."""
    slots = getattr(executor, "_max_workers", None)  # concurrent.futures pools
    if slots is not None:
        return int(slots)
    client = getattr(executor, "_client", None)  # a Dask client's executor
    if client is not None and callable(getattr(client, "nthreads", None)):
        try:
            threads = sum(client.nthreads().values())
        except Exception:  # a client that cannot answer: stay with one task per point
            return None
        return threads or None
    return None


def _describe_point(point: int) -> str:
    return f"at point {point} of the batch"


def _require_tqdm():
    try:
        import tqdm  # noqa: F401
    except ImportError:
        raise ImportError("progress=True needs tqdm: pip install 'fastdiff[progress]'") from None


def _progress_bar(total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="fastdiff", unit="eval", leave=False)


def sharing_workers(
    workers: int, *, vectorized: bool = False, progress: bool = False, timeout: float | None = None
) -> Evaluator:
    """An evaluator on the process pool shared by all calls with ``workers=``.

    The pool of each size is started on first use, reused by every later
    call (calls from several threads take turns), replaced after a worker
    died or timed out, and stopped at interpreter exit or by
    :func:`shutdown_workers`; :meth:`Evaluator.close` of this evaluator
    leaves it running.
    """
    evaluator = Evaluator(
        workers=workers, vectorized=vectorized, progress=progress, timeout=timeout
    )
    evaluator._shared_pool = True
    return evaluator


_SHARED: dict[int, WorkerPool] = {}
_SHARED_LOCK = threading.Lock()


def _shared_pool(workers: int) -> WorkerPool:
    with _SHARED_LOCK:
        pool = _SHARED.get(workers)
        if pool is None or pool.closed:
            pool = _SHARED[workers] = WorkerPool(workers)
        return pool


def shutdown_workers() -> None:
    """Stop the worker processes started by calls with ``workers=``.

    They are terminated, not waited for (a hung evaluation cannot delay
    this); the next call with ``workers=`` starts new ones. Runs at
    interpreter exit.
    """
    with _SHARED_LOCK:
        pools = list(_SHARED.values())
        _SHARED.clear()
    for pool in pools:
        pool.close()


atexit.register(shutdown_workers)
