"""The ``callback`` option: a Python function called with every iterate, as scipy does.

``callback(intermediate_result)`` receives, after every accepted iterate, an
``OptimizeResult`` with ``x``, ``fun``, ``jac``, ``nit``, ``nfev`` and
``start`` (the index of the start point, 0 for a single start). As in
``scipy.optimize.minimize``, a callback whose only parameter is not named
``intermediate_result`` receives a copy of ``x`` instead, and raising
``StopIteration`` ends the run with status
:data:`~fastdiff.optimize.status.STOPPED_BY_CALLBACK` (``success`` False),
even where that iterate met a tolerance. Any other exception propagates.

A Python function cannot run inside the compiled loop, so for a jitted ``f``
:func:`solve_stepwise` runs the compiled loop cut at every iterate
(:func:`~fastdiff.optimize.kernels.loops.solve_iteration`), coming back to
Python between iterations: every evaluation is still compiled and the
results are those of the uncut loop. The runs of a multi-start then go one
after another, whatever ``parallel`` says.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastdiff.optimize.kernels.iteration import DONE, FINISHED, advance
from fastdiff.optimize.kernels.loops import solve_iteration
from fastdiff.optimize.kernels.state import NFEV, NIT, PHASE, STATUS, F, G, State, X, run_view
from fastdiff.optimize.settings import Differences, Settings
from fastdiff.optimize.status import STOPPED_BY_CALLBACK

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult

#: ``notify(run, start) -> stop``: calls the user's callback with the current
#: iterate of ``run``; True if the callback stopped the run.
Notifier = Callable[[State, int], bool]


def make_notifier(callback) -> Notifier | None:
    """Check ``callback`` and wrap it in scipy's calling convention (None stays None).

    Raises
    ------
    TypeError
        ``callback`` is neither None nor callable.
    """
    if callback is None:
        return None
    if not callable(callback):
        raise TypeError(
            "callback must be None or a callable taking intermediate_result (or x); "
            f"got {type(callback).__name__}"
        )
    takes_result = _takes_intermediate_result(callback)

    def notify(run: State, start: int) -> bool:
        try:
            if takes_result:
                callback(intermediate_result=intermediate_result(run, start))
            else:
                callback(run.vectors[X].copy())
        except StopIteration:
            run.count[STATUS] = STOPPED_BY_CALLBACK
            run.count[PHASE] = FINISHED
            return True
        return False

    return notify


def _takes_intermediate_result(callback) -> bool:
    # scipy's rule: the new form only when the one parameter has this name.
    try:
        parameters = inspect.signature(callback).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False
    return set(parameters) == {"intermediate_result"}


def intermediate_result(run: State, start: int) -> OptimizeResult:
    """The current iterate of ``run`` as an ``OptimizeResult`` (arrays copied)."""
    # Imported here: scipy.optimize takes a second to import, fastdiff should not.
    from scipy.optimize import OptimizeResult

    return OptimizeResult(
        x=run.vectors[X].copy(),
        fun=float(run.real[F]),
        jac=run.vectors[G].copy(),
        nit=int(run.count[NIT]),
        nfev=int(run.count[NFEV]),
        start=start,
    )


def solve_stepwise(
    address: int,
    batch: State,
    args: tuple,
    settings: Settings,
    differences: Differences,
    notify: Notifier,
) -> None:
    """Run every solve of ``batch`` compiled, calling ``notify`` from Python after every iterate.

    ``args``: the extra arguments of ``f``, passed natively at every evaluation.
    """
    for start in range(batch.vectors.shape[0]):
        run = run_view(batch, start)
        request = advance(run, settings)
        iterations = run.count[NIT]
        while request != DONE:
            request = solve_iteration(address, run, args, settings, differences, request)
            if run.count[NIT] != iterations:
                iterations = run.count[NIT]
                if notify(run, start):
                    break
