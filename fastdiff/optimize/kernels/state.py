"""The state of a run: every quantity an iteration reads or writes, in arrays.

A solve is a loop of :func:`fastdiff.optimize.kernels.iteration.advance`
calls, each of which leaves the state waiting for one evaluation. Keeping the
state explicit (rather than in local variables of a loop) is what lets the
compiled loop and the Python loop share one implementation of every method.

The state is a few arrays with named rows rather than one array per
quantity: every array a compiled function receives costs compile time, and
these functions are compiled for every new process without a disk cache.

A *batch* is a :class:`State` whose arrays have a leading axis of length k,
one run per start point; :func:`run_view` returns the state of run ``r``
as views, so that k runs can proceed in parallel without copying.

Shapes (one run): ``vectors`` (VECTOR_ROWS, n), rows indexed by ``X``,
``G``, ...; ``matrices`` (2, n, n) for Newton and BFGS, (2, 0, 0) otherwise,
indexed by ``MATRIX`` and ``FACTOR``; ``history_x`` (m, n), ``history_f``
and ``history_nfev`` (m,) with m = maxiter + 1 when histories are recorded,
0 otherwise; ``real`` (REAL_FIELDS,) and ``count`` (COUNT_FIELDS,) hold the
scalars.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

# Rows of ``State.vectors``.
X = 0  # the iterate
G = 1  # gradient at X
TRIAL = 2  # the point to evaluate next
TRIAL_G = 3  # gradient at TRIAL
DIRECTION = 4  # search direction (BFGS: the step s while updating)
VELOCITY = 5  # momentum
PREVIOUS_X = 6  # secant: previous iterate (first the second start point)
PREVIOUS_G = 7  # secant: gradient there; BFGS: the gradient change y while updating
WORK = 8
VECTOR_ROWS = 9

# Matrices of ``State.matrices``.
MATRIX = 0  # Newton: the Hessian; BFGS: the inverse-Hessian estimate
FACTOR = 1  # Newton: its factorisation

# Entries of ``State.real``.
F = 0  # f(x)
TRIAL_F = 1  # f(trial)
F0 = 2  # f(x0)
STEP_LENGTH = 3  # multiple of ``direction`` tried now
SLOPE = 4  # g . direction, for the sufficient-decrease test
STEP_NORM = 5  # max |step| proposed, then taken: for xtol and the message
G0_NORM = 6  # max |g(x0)|: a step test never declares convergence above it
CURVATURE = 7  # secant: its estimate of f'' where it stopped (for the message)
REAL_FIELDS = 8

# Entries of ``State.count``.
PHASE = 0  # where ``advance`` resumes
NIT = 1
NFEV = 2
NJEV = 3
NHEV = 4
STATUS = 5  # a code of fastdiff.optimize.status
BACKTRACKS = 6  # halvings in the current line search
EVALUATION_STATUS = 7  # a code of fastdiff.status for the last evaluation
HISTORY_LENGTH = 8
UPDATES = 9  # secant: probe done; BFGS: curvature updates made
NOISY = 10  # 1 if the current step's predicted decrease is below f's rounding
COUNT_FIELDS = 11


class State(NamedTuple):
    """Arrays of one run (or, with a leading axis, of a batch of runs)."""

    vectors: np.ndarray
    matrices: np.ndarray
    history_x: np.ndarray
    history_f: np.ndarray
    history_nfev: np.ndarray
    real: np.ndarray
    count: np.ndarray


def new_batch(starts: np.ndarray, matrix_size: int, history_length: int) -> State:
    """A batch of fresh runs, one per row of ``starts`` (k, n).

    The secant method reads its second start point from row ``PREVIOUS_X``;
    the caller fills it.
    """
    k, n = starts.shape
    vectors = np.zeros((k, VECTOR_ROWS, n))
    vectors[:, X] = starts
    return State(
        vectors=vectors,
        matrices=np.zeros((k, 2, matrix_size, matrix_size)),
        history_x=np.zeros((k, history_length, n)),
        history_f=np.zeros((k, history_length)),
        history_nfev=np.zeros((k, history_length), dtype=np.int64),
        real=np.zeros((k, REAL_FIELDS)),
        count=np.zeros((k, COUNT_FIELDS), dtype=np.int64),
    )


@njit(cache=True)
def run_view(batch, r):
    """The state of run ``r`` of ``batch``, as views into its arrays."""
    return State(
        batch.vectors[r],
        batch.matrices[r],
        batch.history_x[r],
        batch.history_f[r],
        batch.history_nfev[r],
        batch.real[r],
        batch.count[r],
    )
