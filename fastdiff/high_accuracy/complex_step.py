"""``method="complex"``: complex-step derivatives of gradients and Jacobians.

``f`` is evaluated at ``x + i h e_j`` (:mod:`fastdiff.kernels.complex_step`
for a compiled ``f``): nothing is subtracted, so there is no cancellation,
and the derivative is exact to rounding for analytic ``f`` with the tiny
default step ``1e-20 * max(1, |x_j|)``
(:data:`fastdiff.kernels.complex_step.COMPLEX_STEP_SCALE`).
"""

from __future__ import annotations

import numpy as np

from fastdiff.compiled import SCALAR, VECTOR, is_compiled, prepare_complex
from fastdiff.errors import raise_with_note
from fastdiff.high_accuracy.complex_step_check import check_complex_step
from fastdiff.kernels.complex_step import (
    COMPLEX_STEP_SCALE,
    complex_gradient_driver,
    complex_jacobian_driver,
)
from fastdiff.result import DerivativeResult
from fastdiff.status import NOT_FINITE, OK
from fastdiff.steps import default_steps
from fastdiff.threads import ThreadPolicy, threads_argument


def complex_step_derivative(
    f, x: np.ndarray, kind: str, step, parallel, evaluator
) -> DerivativeResult:
    """Gradient (kind "scalar") or Jacobian ("vector") by complex step.

    A compiled ``f`` runs in the complex-step kernels (Numba compiles a
    complex128 version of it); a Python ``f`` is called serially with complex
    arrays. ``step`` is None (default ``1e-20 * max(1, |x_j|)``) or absolute
    steps per coordinate.

    With an evaluator that is vectorized or runs on ``workers`` or an
    ``executor``, the ``n`` complex points go to it as one batch
    (:class:`ComplexParts`), a compiled ``f`` included.

    For a compiled ``f``, one more evaluation along a complex direction
    checks the result (:mod:`fastdiff.high_accuracy.complex_step_check`):
    Numba's complex powers of negative numbers would otherwise make it
    silently wrong. n + 1 evaluations for a gradient, n + 2 for a Jacobian
    (its real ``f(x)`` gives the output length); n for a Python ``f``.
    """
    n = x.shape[0]
    if evaluator is not None and (evaluator.parallel or evaluator.vectorized):
        return _on_evaluator(f, x, kind, step, evaluator)
    h = np.empty(n)
    status = np.empty(n, dtype=np.int8)
    if is_compiled(f):
        prepared = prepare_complex(f, kind)
        threads = ThreadPolicy(parallel, prepared)
        step_array = np.empty(0) if step is None else np.broadcast_to(step, (n,)).astype(np.float64)
        nfev = n
        if kind == SCALAR:
            out = np.empty(n)
            threads = threads(x, n)
            value, bad, failures = complex_gradient_driver(
                prepared.address, x, step_array, threads_argument(threads), h, out, status
            )
        else:
            m = np.asarray(f(x)).shape[0]  # the real f(x), for the output length
            nfev += 1
            out = np.empty((m, n))
            threads = threads(x, n, m)
            bad, failures = complex_jacobian_driver(
                prepared.address, x, step_array, threads_argument(threads), h, out, status
            )
            value = None
        if not failures:
            check_complex_step(f, x, out, value)
            nfev += 1
        return DerivativeResult(out, value, None, h, nfev, status, "complex")
    h[:] = default_steps(x, COMPLEX_STEP_SCALE) if step is None else step
    columns = []
    value = None
    for j in range(n):
        z = x.astype(np.complex128)
        z[j] += 1j * h[j]
        result = np.asarray(f(z))
        if kind != SCALAR:
            result = np.atleast_1d(result)  # a number-valued f: one Jacobian row
        if not np.iscomplexobj(result):
            raise TypeError(
                "method='complex' needs f to return complex values for complex input; "
                f"f returned {result.dtype} (does it use abs, real parts or comparisons?)"
            )
        columns.append(result.imag / h[j])
        value = result.real
        status[j] = OK if np.all(np.isfinite(result)) else NOT_FINITE
    out = np.array(columns) if kind == SCALAR else np.stack(columns, axis=1)
    return DerivativeResult(
        out, value if kind != SCALAR else float(value), None, h, n, status, "complex"
    )


class ComplexParts:
    """``f`` of complex points written as real ones, for evaluators (and their workers).

    Evaluators carry real points and real values. A point ``p`` of length
    ``2 n`` stands for ``z = p[:n] + 1j p[n:]``; the value is ``f(z)``'s real
    parts followed by its imaginary parts (``2`` or ``2 m`` numbers). With
    ``vectorized``, ``p`` is a (k, 2 n) batch and ``f`` takes (k, n) complex
    points. A module-level class, so that it pickles by reference with ``f``.
    """

    def __init__(self, f, vectorized: bool):
        self.f, self.vectorized = f, vectorized

    def __call__(self, p):
        p = np.asarray(p)
        n = p.shape[-1] // 2
        result = np.asarray(self.f(p[..., :n] + 1j * p[..., n:]))
        if not np.iscomplexobj(result):
            raise TypeError(
                "method='complex' needs f to return complex values for complex input; "
                f"f returned {result.dtype} (does it use abs, real parts or comparisons?)"
            )
        if self.vectorized:
            result = result.reshape(p.shape[0], -1)
            return np.concatenate([result.real, result.imag], axis=1)
        result = np.atleast_1d(result)
        return np.concatenate([result.real, result.imag])


def _on_evaluator(f, x: np.ndarray, kind: str, step, evaluator) -> DerivativeResult:
    """The complex step with the ``n`` points evaluated as one batch by ``evaluator``."""
    n = x.shape[0]
    h = default_steps(x, COMPLEX_STEP_SCALE) if step is None else np.broadcast_to(step, (n,))
    h = np.array(h, dtype=np.float64)

    def points(lo: int, hi: int) -> np.ndarray:
        rows = np.zeros((hi - lo, 2 * n))
        rows[:, :n] = x
        for j in range(lo, hi):
            rows[j - lo, n + j] = h[j]
        return rows

    points.describe = lambda j: f"at x + 1j * h[{j}] * e[{j}]"
    batch = evaluator.evaluate(ComplexParts(f, evaluator.vectorized), n, points, VECTOR)
    if batch.errors:
        index = min(batch.errors)
        raise_with_note(batch.errors[index], f"fastdiff: f raised {points.describe(index)}")
    values = batch.values
    m = values.shape[1] // 2
    real, imag = values[:, :m], values[:, m:]
    status = np.where(np.isfinite(values).all(axis=1), OK, NOT_FINITE).astype(np.int8)
    columns = imag / h[:, None]  # (n, m): row j is the column of coordinate j
    if kind == SCALAR:
        out = columns[:, 0].copy()
        value = float(real[-1, 0])
    else:
        out = np.asfortranarray(columns.T)
        value = real[-1].copy()
    nfev = n
    if is_compiled(f) and (status == OK).all():
        check_complex_step(f, x, out, value)
        nfev += 1
    return DerivativeResult(out, value, None, h, nfev, status, "complex")
