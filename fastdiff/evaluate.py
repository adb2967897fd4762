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
import contextlib
import hashlib
import multiprocessing
import numbers
import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

SCALAR = "scalar"
VECTOR = "vector"

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
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Evaluate on this executor instead (not shut down by :meth:`close`).
    progress : bool
        Show a progress bar of evaluations done (needs ``tqdm``).

    Examples
    --------
    >>> import fastdiff
    >>> with fastdiff.Evaluator(workers=2) as evaluator:  # doctest: +SKIP
    ...     g = fastdiff.gradient(expensive_model, x0, evaluator=evaluator)
    """

    def __init__(
        self,
        *,
        vectorized: bool = False,
        workers: int | None = None,
        executor=None,
        progress: bool = False,
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
        if progress:
            _require_tqdm()
        self.vectorized = bool(vectorized)
        self.workers = None if workers is None else int(workers)
        self.progress = bool(progress)
        self._executor = executor
        self._shared_pool = False
        self._pool = None
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
        executor = self._executor or self._worker_pool()
        payload, key = self._payload(f)
        tasks = _task_count(count, executor, self.workers)
        bounds = [(t * count // tasks, (t + 1) * count // tasks) for t in range(tasks)]
        # Our own pools start their processes inside submit; see _main_module_hidden.
        hide_main = _main_module_hidden if self._executor is None else contextlib.nullcontext
        with hide_main():
            futures = {
                executor.submit(
                    evaluate_pickled, key, payload, make_points(lo, hi), kind, self.vectorized
                ): lo
                for lo, hi in bounds
                if hi > lo
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

    def _worker_pool(self):
        if self._shared_pool:
            return _shared_pool(self.workers)
        with self._lock:
            if self._pool is None:
                # "spawn": forking a process whose Numba threads are running is not safe.
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
                )
            return self._pool

    def worker_pids(self) -> list[int]:
        """Process ids of the running worker processes (empty before first use)."""
        pool = _SHARED.get(self.workers) if self._shared_pool else self._pool
        return [] if pool is None else [p.pid for p in (pool._processes or {}).values()]

    def close(self) -> None:
        """Shut this evaluator's worker pool down and wait for its processes to exit.

        A pool shared by calls with ``workers=`` is left running (see
        :func:`shutdown_workers`); an ``executor`` given by the user is never
        shut down here.
        """
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

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


def evaluate_points(f, points: np.ndarray, kind: str, vectorized: bool, bar=None):
    """Evaluate ``f`` at each row of ``points``, in this process.

    Returns
    -------
    values : ndarray, shape (k,) or (k, m)
    errors : list of (int, BaseException)
        Local point index and the exception raised there.
    """
    if vectorized:
        try:
            raw = f(points)
        except Exception as error:
            return _all_failed(points.shape[0], kind), [(i, error) for i in range(points.shape[0])]
        values = _check_vectorized(raw, points.shape[0], kind)
        if bar is not None:
            bar.update(points.shape[0])
        return values, []
    if kind == SCALAR:
        return _evaluate_scalars(f, points, bar)
    results: list = []
    errors = []
    for index in range(points.shape[0]):
        try:
            value = f(points[index].copy())
        except Exception as error:
            results.append(None)
            errors.append((index, error))
        else:
            results.append(_check_value(value, kind))
        if bar is not None:
            bar.update(1)
    return _stack(results, kind), errors


def _evaluate_scalars(f, points: np.ndarray, bar):
    # The loop a serial gradient of a cheap f spends its time in: a Python
    # float is taken as it is, anything else is checked.
    values = np.empty(points.shape[0])
    errors = []
    for index in range(points.shape[0]):
        try:
            value = f(points[index].copy())
        except Exception as error:
            values[index] = np.nan
            errors.append((index, error))
        else:
            values[index] = value if type(value) is float else _check_value(value, SCALAR)
        if bar is not None:
            bar.update(1)
    return values, errors


_UNPICKLED: dict[str, Callable] = {}


def evaluate_pickled(key: str, payload: bytes, points, kind: str, vectorized: bool):
    """Worker side: unpickle ``f`` (once per worker) and evaluate a chunk."""
    f = _UNPICKLED.get(key)
    if f is None:
        import cloudpickle

        f = cloudpickle.loads(payload)
        if len(_UNPICKLED) > 16:
            _UNPICKLED.clear()
        _UNPICKLED[key] = f
    values, errors = evaluate_points(f, points, kind, vectorized)
    return values, [(i, _picklable(error)) for i, error in errors]


@contextlib.contextmanager
def _main_module_hidden():
    """Start worker processes without re-running the user's script in them.

    A "spawn" child normally imports the parent's ``__main__`` script, which
    fails for a script without an ``if __name__ == "__main__"`` guard. ``f``
    travels by value (cloudpickle), so the workers never need ``__main__``:
    while processes start, a bare stand-in is shown to multiprocessing.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _picklable(error: BaseException) -> BaseException:
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


def _shape_error(message: str, kind=TypeError) -> Exception:
    # A contract violation (wrong return type or shape): raised at once, not
    # treated as a point where f failed.
    return kind(message)


def _check_value(value, kind: str):
    if kind == SCALAR:
        if np.ndim(value) != 0:
            raise _shape_error(
                f"f must return a real number for a gradient or Hessian; it returned an "
                f"array of shape {np.shape(value)}"
            )
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _shape_error(
                f"f must return a real number; it returned {type(value).__name__}"
            ) from None
    array = np.asarray(value)
    if array.ndim == 0:
        array = array.reshape(1)  # a number is a Jacobian row of one
    if array.ndim != 1 or array.dtype.kind not in "biuf":
        raise _shape_error(
            f"f must return a 1-D array of real numbers for a Jacobian; it returned "
            f"{'shape ' + str(array.shape) if array.ndim != 1 else 'dtype ' + str(array.dtype)}"
        )
    return array.astype(np.float64, copy=False)


def _check_vectorized(values, count: int, kind: str) -> np.ndarray:
    array = np.asarray(values)
    expected = f"({count},)" if kind == SCALAR else f"({count}, m)"
    if (
        array.dtype.kind not in "biuf"
        or (array.ndim != (1 if kind == SCALAR else 2))
        or (array.shape[0] != count)
    ):
        raise _shape_error(
            f"a vectorized f must return an array of shape {expected} for {count} points; "
            f"it returned shape {array.shape}, dtype {array.dtype}",
            ValueError,
        )
    return array.astype(np.float64, copy=False)


def _all_failed(count: int, kind: str) -> np.ndarray:
    return np.full(count, np.nan) if kind == SCALAR else np.full((count, 0), np.nan)


def _stack(results: list, kind: str) -> np.ndarray:
    if kind == SCALAR:
        return np.array([np.nan if r is None else r for r in results], dtype=np.float64)
    lengths = {r.shape[0] for r in results if r is not None}
    if len(lengths) > 1:
        raise _shape_error(
            f"f returned arrays of different lengths {sorted(lengths)}; it must return the "
            "same shape at every point",
            ValueError,
        )
    m = lengths.pop() if lengths else 0
    out = np.full((len(results), m), np.nan)
    for index, r in enumerate(results):
        if r is not None:
            out[index] = r
    return out


def _assemble(parts: list, count: int, kind: str) -> BatchResult:
    errors = {}
    if kind == SCALAR:
        values = np.empty(count)
    else:
        lengths = {p[1].shape[1] for p in parts if p[1].shape[0] > len(p[2])}
        if len(lengths) > 1:
            raise _shape_error(
                f"f returned arrays of different lengths {sorted(lengths)}; it must return the "
                "same shape at every point",
                ValueError,
            )
        values = np.full((count, lengths.pop() if lengths else 0), np.nan)
    for lo, part_values, part_errors in parts:
        if kind == SCALAR or part_values.shape[1] == values.shape[1]:
            values[lo : lo + part_values.shape[0]] = part_values
        for index, error in part_errors:
            errors[lo + index] = error
    return BatchResult(values, errors)


def _task_count(count: int, executor, workers: int | None) -> int:
    """Tasks for ``count`` points: four per slot (for balance), or one per point."""
    slots = workers or _executor_slots(executor)
    if slots is None:
        return count  # unknown capacity: one task per point
    return max(1, min(count, 4 * slots))


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


def _require_tqdm():
    try:
        import tqdm  # noqa: F401
    except ImportError:
        raise ImportError("progress=True needs tqdm: pip install 'fastdiff[progress]'") from None


def _progress_bar(total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="fastdiff", unit="eval", leave=False)


def sharing_workers(workers: int, *, vectorized: bool = False, progress: bool = False) -> Evaluator:
    """An evaluator on the process pool shared by all calls with ``workers=``.

    The pool of each size is started on first use, reused by every later
    call, and shut down at interpreter exit or by :func:`shutdown_workers`;
    :meth:`Evaluator.close` of this evaluator leaves it running.
    """
    evaluator = Evaluator(workers=workers, vectorized=vectorized, progress=progress)
    evaluator._shared_pool = True
    return evaluator


_SHARED: dict[int, concurrent.futures.ProcessPoolExecutor] = {}
_SHARED_LOCK = threading.Lock()


def _shared_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    with _SHARED_LOCK:
        pool = _SHARED.get(workers)
        if pool is None:
            pool = _SHARED[workers] = concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn")
            )
        return pool


def shutdown_workers() -> None:
    """Shut down the worker pools started by calls with ``workers=``."""
    with _SHARED_LOCK:
        pools = list(_SHARED.values())
        _SHARED.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_workers)
