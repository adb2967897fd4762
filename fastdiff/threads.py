"""The threads policy: when a compiled derivative runs its parallel kernel.

``parallel=False`` runs the serial kernel, ``parallel=True`` the parallel one
on all of Numba's threads, and ``parallel=None`` (the default) decides by the
estimated work: the number of evaluations times the cost of one evaluation
of ``f``, measured once per function and dimension
(:meth:`fastdiff.compiled.CompiledFunction.evaluation_cost`). Dense and
sparse derivatives and the complex step all ask :class:`ThreadPolicy`.
"""

from __future__ import annotations

import numba
import numpy as np

#: Below this estimated amount of work (seconds of evaluations), threads cost
#: more than they save and ``parallel=None`` runs serially. Measured: at 20 us
#: of work two threads were no faster than one (and much slower on a busy
#: machine); at 2 ms they were 1.9x faster.
PARALLEL_THRESHOLD_SECONDS = 200e-6


def threads_argument(threads: int):
    """A compiled driver's ``threads`` argument: None for one thread, else ``threads``.

    Drivers that take ``threads=None`` for their serial loop are compiled
    without their parallel branch for it (Numba prunes a branch on an
    argument that is None), so a serial call never compiles the parallel
    kernels.
    """
    return threads if threads > 1 else None


class ThreadPolicy:
    """Threads for each call of one prepared compiled function.

    Parameters
    ----------
    parallel : bool or None
        The user's option (already checked).
    compiled : CompiledFunction
        Knows the cost of one evaluation.
    args : tuple
        The extra arguments the kernels pass to ``f`` (timed with them).

    The automatic decision is remembered per problem size (dimension,
    evaluations, output length), so that a prepared derivative measures its
    ``f`` once.
    """

    __slots__ = ("parallel", "compiled", "args", "_too_small")

    def __init__(self, parallel: bool | None, compiled, args: tuple = ()):
        self.parallel = parallel
        self.compiled = compiled
        self.args = args
        self._too_small: dict[tuple[int, int, int], bool] = {}

    def __call__(self, x: np.ndarray, evaluations: int, m: int = 0) -> int:
        """Threads for a call at ``x`` costing ``evaluations``: 1 runs the serial kernel."""
        if self.parallel is False:
            return 1
        if self.parallel is None:
            key = (x.shape[0], evaluations, m)
            too_small = self._too_small.get(key)
            if too_small is None:
                seconds = evaluations * self.compiled.evaluation_cost(x, m, self.args)
                too_small = self._too_small[key] = seconds < PARALLEL_THRESHOLD_SECONDS
            if too_small:
                return 1
        # Asked only now: it costs a microsecond from Python.
        return numba.get_num_threads()
