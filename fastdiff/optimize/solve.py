"""One entry point behind every optimizer: starts in, results out.

Normalises ``x0`` to a (k, n) array of starts, allocates the batch of runs,
runs it in the compiled loop (jitted ``f``, serial or parallel; cut at every
iterate when there is a callback) or in the Python loop, and builds the
results. Extra arguments of ``f`` (``f(x, *args)``) reach a jitted ``f``
natively in the compiled loop (compiled once per argument types).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from numba.core import types
from numpy.typing import ArrayLike

from fastdiff.arguments import argument_types, as_extra_arguments, check_argument_count
from fastdiff.compiled import SCALAR, is_compiled, prepare
from fastdiff.optimize.callbacks import make_notifier, solve_stepwise
from fastdiff.optimize.kernels.loops import solve_parallel, solve_serial
from fastdiff.optimize.kernels.state import PREVIOUS_X, new_batch, run_view
from fastdiff.optimize.python_loop import solve_python
from fastdiff.optimize.results import multistart_result, run_result
from fastdiff.optimize.settings import BFGS, NEWTON, Settings, make_differences
from fastdiff.optimize.status import START_FAILED
from fastdiff.validation import check_parallel

if TYPE_CHECKING:  # scipy.optimize is imported with the first result
    from scipy.optimize import OptimizeResult


def as_starts(x0: ArrayLike, name: str = "x0") -> tuple[np.ndarray, bool]:
    """``x0`` as starts of shape (k, n), and whether it was a single start.

    A scalar is one start of a 1-D problem, a 1-D array one start, a 2-D
    array (k, n) k starts.
    """
    try:
        array = np.asarray(x0)
    except Exception as error:
        raise TypeError(
            f"{name} must be an array of real numbers; could not convert it: {error}"
        ) from None
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real; got complex dtype {array.dtype}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    if array.ndim > 2:
        raise ValueError(
            f"{name} must be a number, a 1-D array (one start) or a 2-D array (k, n) of k "
            f"starts; got shape {array.shape}"
        )
    single = array.ndim < 2
    starts = np.array(array, dtype=np.float64, ndmin=2)
    if starts.size == 0:
        raise ValueError(
            f"{name} must have at least one start and one coordinate; got shape {array.shape}"
        )
    bad = np.argwhere(~np.isfinite(starts))
    if bad.size:
        where = f"[{bad[0][1]}]" if single else f"[{bad[0][0]}, {bad[0][1]}]"
        raise ValueError(f"{name} must be finite; {name}{where} is {starts[tuple(bad[0])]}")
    return starts, single


def solve(
    f,
    starts: np.ndarray,
    single: bool,
    settings: Settings,
    *,
    method: str,
    step,
    parallel,
    second_points: np.ndarray | None = None,
    callback=None,
    args: tuple = (),
) -> OptimizeResult:
    """Run ``settings`` from every start; the result (single) or the best of all (multi-start).

    ``second_points`` (k, n) are the secant method's second start points;
    ``callback`` is the optimizers' option (:mod:`fastdiff.optimize.callbacks`);
    ``args`` the extra arguments of ``f``.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable; got {type(f).__name__}")
    args = check_arguments(f, args)
    notify = make_notifier(callback)
    k, n = starts.shape
    differences = make_differences(method, step, n)
    parallel = check_parallel(parallel)
    matrix_size = n if settings.algorithm in (NEWTON, BFGS) else 0
    history_length = settings.maxiter + 1 if settings.history else 0
    batch = new_batch(starts, matrix_size, history_length)
    if second_points is not None:
        batch.vectors[:, PREVIOUS_X] = second_points
    if is_compiled(f):
        address = _address(f, starts[0], "x0" if single else "x0[0]", args)
        threads = numba.get_num_threads()
        use_threads = parallel if parallel is not None else (k > 1 and threads > 1)
        if notify is not None:
            solve_stepwise(address, batch, args, settings, differences, notify)
        elif use_threads:
            solve_parallel(address, batch, args, settings, differences)
        else:
            solve_serial(address, batch, args, settings, differences)
    else:
        solve_python(f, batch, settings, method, step, notify, args)
    runs = [run_result(run_view(batch, r), settings) for r in range(k)]
    _check_starts(f, runs, starts, single, args)
    return runs[0] if single else multistart_result(runs)


def check_arguments(f, args) -> tuple:
    """``args`` as a tuple that ``f`` takes after ``x``.

    Raises
    ------
    TypeError
        ``args`` is not a tuple (or list), has a number of values ``f``
        cannot take, or (for a jitted ``f``) holds something the compiled
        loop cannot pass, such as a list; each message names ``args``.
    """
    args, _ = as_extra_arguments(args, None)
    check_argument_count(f, len(args))
    if args and is_compiled(f):
        argument_types(args)
    return args


def _address(f, start: np.ndarray, where: str, args: tuple = ()) -> int:
    """The address of jitted ``f`` for the compiled loop.

    A function that raises on every path has the return type ``none`` for
    Numba, which :func:`fastdiff.compiled.prepare` rejects as a wrong return
    type; calling it once from Python shows the user the exception it
    raises instead.
    """
    try:
        return prepare(f, SCALAR, argument_types(args)).address
    except TypeError:
        if any(signature.return_type == types.none for signature in f.nopython_signatures):
            _reraise_from_python(
                f, start, where, "; Numba found no path through f that returns a value", args
            )
        raise


def _check_starts(
    f, runs: list[OptimizeResult], starts: np.ndarray, single: bool, args: tuple = ()
) -> None:
    for index, run in enumerate(runs):
        if run.status == START_FAILED:
            where = "x0" if single else f"x0[{index}]"
            if is_compiled(f):
                _reraise_from_python(f, starts[index], where, args=args)
            raise ValueError(
                f"f must be finite, with a finite gradient, at the start point; at {where} "
                f"f is {run.fun} (f or a finite-difference point near {where} returned "
                "inf/NaN or raised)"
            )


def _reraise_from_python(
    f, point: np.ndarray, where: str, detail: str = "", args: tuple = ()
) -> None:
    """Call jitted ``f`` at ``point`` from Python, so that an exception it raised inside the loop reaches the user."""
    try:
        f(point.copy(), *args)
    except Exception as error:
        if hasattr(error, "add_note"):
            error.add_note(f"fastdiff.optimize: f raised at the start point {where}{detail}")
        raise
