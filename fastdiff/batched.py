"""Derivatives at many points, the rows of ``X`` (k, n): one compiled call or one batch.

:func:`fastdiff.gradients`, :func:`fastdiff.jacobians`, :func:`fastdiff.hessians`
and the ``at_points`` method of prepared derivatives
(:mod:`fastdiff.derivatives`) check their options once, as the one-point
forms do, and come here with ``f``'s backend (:mod:`fastdiff.backends`):

* a compiled ``f``: one call of a driver of :mod:`fastdiff.kernels.batched`,
  which fills the steps, evaluates ``f`` and combines the values for all
  points, in parallel over (point, perturbation) items when the
  :class:`~fastdiff.threads.ThreadPolicy` says so;
* any other ``f``: every stencil point of every row goes to the evaluator as
  one batch (one call of a vectorized ``f`` per evaluator chunk, one round
  of the worker pool), built and combined by
  :mod:`fastdiff.kernels.batched_points`.

Either way row ``p`` is computed at the points, with the steps and by the
formulas of a one-point call at ``X[p]``: the same result, bit for bit. A
pass does not handle failures: the points where an evaluation failed are
listed in :attr:`PointsPass.failed`, and the caller recomputes them on the
one-point path (fallback stencils, or the exception with its point).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fastdiff.errors import add_note
from fastdiff.evaluate import SCALAR
from fastdiff.kernels.batched import (
    fill_batch_steps,
    gradients_driver,
    hessians_driver,
    jacobians_driver,
)
from fastdiff.kernels.batched_points import (
    combine_gradients,
    combine_hessians,
    combine_jacobians,
    fill_first_derivative_points,
    fill_hessian_points,
)
from fastdiff.kernels.points import first_derivative_layout
from fastdiff.options import DerivativeOptions
from fastdiff.result import DerivativeResult
from fastdiff.status import OK
from fastdiff.stencil_positions import AXIS_OFFSETS, PAIR_OFFSETS
from fastdiff.stencils import Method, first_derivative_row, hessian_arrays
from fastdiff.steps import FLOAT64_EPS, working_eps
from fastdiff.validation import steps_for

_FLOAT64 = np.dtype(np.float64)


def as_points(X, name: str = "X") -> tuple[np.ndarray, float]:
    """``X`` as a C-contiguous, writable float64 array of shape (k, n), and its epsilon.

    Finiteness is checked where the points are evaluated (the compiled
    drivers, or :func:`check_finite_points`). The epsilon is that of
    ``X``'s precision (:func:`fastdiff.steps.working_eps`): float32 points
    get float32's default steps, as in the one-point functions.

    Raises
    ------
    TypeError
        ``X`` is not an array of real numbers.
    ValueError
        ``X`` is not 2-D, or has no point or no coordinate.
    """
    if type(X) is np.ndarray and X.dtype is _FLOAT64 and X.ndim == 2:
        array = X
    else:
        try:
            array = np.asarray(X)
        except Exception as error:
            raise TypeError(
                f"{name} must be a 2-D array of real numbers, shape (k, n); could not convert "
                f"it: {error}"
            ) from None
        if array.dtype.kind == "c":
            raise TypeError(f"{name} must be real; got complex dtype {array.dtype}")
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} must be a 2-D array of real numbers, shape (k, n); got dtype {array.dtype}"
            )
    if array.ndim != 2:
        hint = " (for one point x of shape (n,), pass X = x[None, :])" if array.ndim == 1 else ""
        raise ValueError(
            f"{name} must be a 2-D array of shape (k, n), one point per row; got shape "
            f"{array.shape}{hint}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape (k, n) with k >= 1 points and n >= 1 coordinates; "
            f"got shape {array.shape}"
        )
    eps = working_eps(array)
    if not (array.dtype is _FLOAT64 and array.flags.c_contiguous and array.flags.writeable):
        # A copy: the kernels are compiled for writable C-contiguous float64 points.
        array = np.array(array, dtype=np.float64, order="C")
    return array, eps


def non_finite_points_error(X: np.ndarray, p: int, j: int, name: str = "X") -> ValueError:
    """The error for a NaN or infinite entry ``X[p, j]``."""
    return ValueError(f"{name} must be finite; {name}[{p}, {j}] is {X[p, j]}")


def check_finite_points(X: np.ndarray, name: str = "X") -> None:
    """Raise :func:`non_finite_points_error` for the first non-finite entry of ``X``."""
    bad = np.argwhere(~np.isfinite(X))
    if bad.size:
        raise non_finite_points_error(X, int(bad[0, 0]), int(bad[0, 1]), name)


def check_points_options(options: DerivativeOptions) -> None:
    """Raise ``ValueError`` for options that derivatives at many points do not take.

    One stencil evaluated once per point is what makes a batch; Richardson
    extrapolation and the complex step decide per point, and ``step="auto"``
    chooses steps at one point.
    """
    method = options.method
    if not method.is_stencil:
        raise ValueError(
            f"method={method.name!r} is not supported for derivatives at many points "
            "(gradients, jacobians, hessians, at_points): use 'central', 'forward' or "
            f"'backward', or call the one-point function at each row with method={method.name!r}"
        )
    if options.auto_steps:
        raise ValueError(
            "step='auto' is not supported for derivatives at many points: choose the steps "
            "once with fastdiff.choose_steps(f, x) and pass them as abs_step="
        )


def sparsity_not_supported(name: str, option: str = "sparsity") -> ValueError:
    """The error for a sparse derivative asked at many points (``name``: what was called)."""
    return ValueError(
        f"{option} is not supported by {name} (derivatives at many points): a sparse "
        "derivative takes one point at a time; call it at each row of X"
    )


def batch_steps(X: np.ndarray, options: DerivativeOptions) -> np.ndarray:
    """The steps asked for, as the batched drivers take them: shape (0, n), (1, n) or (k, n).

    No rows: the default rule; one row: absolute steps (``step`` or
    ``abs_step``) shared by all points; k rows: ``rel_step`` times ``|X|``
    (scipy's meaning, as :func:`fastdiff.steps.user_steps` at each point).
    """
    n = X.shape[1]
    if options.rel_step is not None:
        return steps_for(options.rel_step, n, "rel_step") * np.abs(X)
    given = steps_for(options.step, n, options.step_name)
    return given.reshape(-1, n) if given.shape[0] else np.empty((0, n))


@dataclass
class PointsPass:
    """What one pass over all points computed.

    Attributes
    ----------
    derivative : ndarray
        (k, n), (k, m, n) or (k, n, n).
    values : ndarray or None
        ``f`` at each point, (k,) or (k, m), where the pass evaluated it.
    steps : ndarray, shape (k, n)
    status : ndarray of int8
        (k, n) per entry (per column of a Jacobian), or (k, n, n).
    failed : ndarray of intp
        The points where an evaluation failed, in order: their rows are to
        be recomputed on the one-point path.
    evaluations : int
        Evaluations of ``f`` (points, for a vectorized ``f``).
    """

    derivative: np.ndarray
    values: np.ndarray | None
    steps: np.ndarray
    status: np.ndarray
    failed: np.ndarray
    evaluations: int


def _failed_points(status: np.ndarray, value_status: np.ndarray | None = None) -> np.ndarray:
    bad = (status != OK).reshape(status.shape[0], -1).any(axis=1)
    if value_status is not None:
        bad |= value_status != OK
    return np.flatnonzero(bad)


# --- Compiled f -------------------------------------------------------------------


def compiled_gradients(
    backend, method: Method, X: np.ndarray, given: np.ndarray, eps: float, needs_value: bool
) -> PointsPass:
    """Gradients of a compiled ``f`` (``backend``: :class:`~fastdiff.backends.CompiledPasses`).

    ``given`` from :func:`batch_steps`; ``needs_value`` evaluates ``f`` at
    each point (forward and backward differences, ``value_and_grad``).
    Evaluations: ``k (e n + needs_value)``, ``e`` per entry of the method.
    """
    k, n = X.shape
    offsets, weights = first_derivative_row(method.base)
    per_point = method.evaluations_per_entry * n
    needs_value = bool(needs_value or method.uses_value)
    evaluations = k * (per_point + needs_value)
    values = np.empty(k)
    value_status = np.empty(k, dtype=np.int8)
    steps = np.empty((k, n))
    out = np.empty((k, n))
    status = np.empty((k, n), dtype=np.int8)
    bad_row, bad_column, failures = gradients_driver(
        backend.address,
        X,
        backend.args,
        given,
        method.first.step_exponent,
        eps,
        offsets,
        weights,
        needs_value,
        backend.threads(X[0], evaluations),
        values,
        value_status,
        steps,
        out,
        status,
    )
    if bad_row >= 0:
        raise non_finite_points_error(X, bad_row, bad_column)
    failed = _failed_points(status, value_status) if failures else np.empty(0, np.intp)
    return PointsPass(out, values if needs_value else None, steps, status, failed, evaluations)


def compiled_jacobians(
    backend,
    method: Method,
    X: np.ndarray,
    given: np.ndarray,
    eps: float,
    m: int,
    needs_value: bool,
) -> PointsPass:
    """Jacobians of a compiled vector ``f`` with ``m`` outputs; as :func:`compiled_gradients`.

    The result has shape (k, m, n), each point's Jacobian with contiguous
    columns (as the one-point Jacobian).
    """
    k, n = X.shape
    offsets, weights = first_derivative_row(method.base)
    per_point = method.evaluations_per_entry * n
    needs_value = bool(needs_value or method.uses_value)
    evaluations = k * (per_point + needs_value)
    values = np.empty((k, m))
    value_status = np.empty(k, dtype=np.int8)
    steps = np.empty((k, n))
    columns = np.empty((k, n, m))
    status = np.empty((k, n), dtype=np.int8)
    bad_row, bad_column, failures = jacobians_driver(
        backend.address,
        X,
        backend.args,
        given,
        method.first.step_exponent,
        eps,
        offsets,
        weights,
        needs_value,
        backend.threads(X[0], evaluations, m),
        values,
        value_status,
        steps,
        columns,
        status,
    )
    if bad_row >= 0:
        raise non_finite_points_error(X, bad_row, bad_column)
    failed = _failed_points(status, value_status) if failures else np.empty(0, np.intp)
    out = columns.transpose(0, 2, 1)  # (k, m, n), each Jacobian with contiguous columns
    return PointsPass(out, values if needs_value else None, steps, status, failed, evaluations)


def compiled_hessians(
    backend, method: Method, X: np.ndarray, given: np.ndarray, eps: float
) -> PointsPass:
    """Hessians of a compiled ``f``: ``k`` times the one-point count of ``method``."""
    k, n = X.shape
    stencil = hessian_arrays(method.base)
    per_point = method.second.evaluation_count(n)
    evaluations = k * per_point
    values = np.empty(k)
    value_status = np.empty(k, dtype=np.int8)
    steps = np.empty((k, n))
    out = np.empty((k, n, n))
    status = np.empty((k, n, n), dtype=np.int8)
    bad_row, bad_column, failures = hessians_driver(
        backend.address,
        X,
        backend.args,
        given,
        method.second.step_exponent,
        eps,
        stencil,
        backend.threads(X[0], evaluations),
        values,
        value_status,
        steps,
        out,
        status,
    )
    if bad_row >= 0:
        raise non_finite_points_error(X, bad_row, bad_column)
    failed = _failed_points(status, value_status) if failures else np.empty(0, np.intp)
    if failures:  # the pairs of a point whose value failed are not evaluated
        pair_points = stencil[PAIR_OFFSETS].shape[0] * (n * (n - 1) // 2)
        evaluations -= int((value_status != OK).sum()) * pair_points
    return PointsPass(out, values, steps, status, failed, evaluations)


# --- Any other f: one batch ---------------------------------------------------------


class _FirstDerivativeBatch:
    """The stencil points of all rows of ``X``, for an evaluator (point-major)."""

    def __init__(self, X, steps, offsets, weights, first: int):
        self.X, self.steps, self.offsets, self.first = X, steps, offsets, first
        self.coordinate, self.slot, _ = first_derivative_layout(offsets, weights, steps[0])
        self.per_point = first + self.coordinate.shape[0]
        self.count = X.shape[0] * self.per_point

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        points = np.empty((hi - lo, self.X.shape[1]))
        fill_first_derivative_points(
            self.X, self.steps, self.offsets, self.coordinate, self.slot, self.first, lo, hi, points
        )
        return points

    def point_of(self, index: int) -> int:
        return index // self.per_point

    def describe(self, index: int) -> str:
        p, local = divmod(index, self.per_point)
        if local < self.first:
            return f"at X[{p}]"
        q = local - self.first
        i = int(self.coordinate[q])
        offset = self.offsets[0, self.slot[q]]
        return f"at X[{p}] + {offset:g} * h[{p}, {i}] * e[{i}]"


class _HessianBatch:
    """The Hessian stencil points of all rows of ``X`` (see :func:`fill_hessian_points`)."""

    def __init__(self, X, steps, stencil):
        n = X.shape[1]
        self.X, self.steps, self.stencil = X, steps, stencil
        self.rows, self.cols = np.triu_indices(n, 1)
        self.axis_count = n * stencil[AXIS_OFFSETS].shape[0]
        self.per_point = 1 + self.axis_count + self.rows.shape[0] * stencil[PAIR_OFFSETS].shape[0]
        self.count = X.shape[0] * self.per_point

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        points = np.empty((hi - lo, self.X.shape[1]))
        axis_offsets, pair_offsets = self.stencil[AXIS_OFFSETS], self.stencil[PAIR_OFFSETS]
        fill_hessian_points(
            self.X, self.steps, axis_offsets, pair_offsets, self.rows, self.cols, lo, hi, points
        )
        return points

    def point_of(self, index: int) -> int:
        return index // self.per_point

    def describe(self, index: int) -> str:
        p, local = divmod(index, self.per_point)
        return f"at point {local} of the Hessian stencil of X[{p}]"


def _batch_failures(batch, points, k: int) -> np.ndarray:
    """Rows of ``X`` where ``f`` raised or returned a non-finite value."""
    values = batch.values.reshape(k, points.per_point, -1)
    bad = ~np.isfinite(values).all(axis=(1, 2)) if values.shape[2] else np.ones(k, dtype=bool)
    for index in batch.errors:
        bad[points.point_of(index)] = True
    return np.flatnonzero(bad)


def python_first_derivatives(
    backend, method: Method, X: np.ndarray, given: np.ndarray, eps: float, needs_value: bool
) -> PointsPass:
    """Gradients or Jacobians (by ``backend.kind``) of a Python ``f``: one batch for all points.

    ``backend`` is a :class:`~fastdiff.backends.PythonPasses`. A Jacobian
    evaluates ``f`` at each point too (it gives m), as the one-point
    Jacobian does. Evaluations: the points of the batch, ``k (e n + 1)`` or
    ``k e n`` (gradient without ``f(x)``).
    """
    check_finite_points(X)
    k, n = X.shape
    scalar = backend.kind == SCALAR
    offsets, weights = first_derivative_row(method.base)
    steps = fill_batch_steps(X, given, method.first.step_exponent, eps, np.empty((k, n)))
    first = int(bool(needs_value or method.uses_value or not scalar))
    points = _FirstDerivativeBatch(X, steps, offsets, weights, first)
    batch = backend.evaluator.evaluate(backend.function, points.count, points, backend.kind)
    status = np.empty((k, n), dtype=np.int8)
    if scalar:
        point_values = batch.values.reshape(k, points.per_point)
        out = np.empty((k, n))
        combine_gradients(
            point_values,
            first,
            points.coordinate,
            points.slot,
            offsets,
            weights,
            steps,
            out,
            status,
        )
        values = point_values[:, 0].copy() if first else None
    else:
        m = batch.values.shape[1]
        if m == 0:  # every point raised: nothing to combine
            failed = np.arange(k)
            out = np.full((k, 0, n), np.nan)
            return PointsPass(out, None, steps, status, failed, points.count)
        point_values = batch.values.reshape(k, points.per_point, m)
        out = np.empty((k, m, n))  # C-ordered, as the one-point Python path's J
        combine_jacobians(
            point_values, points.coordinate, points.slot, offsets, weights, steps, out, status
        )
        values = point_values[:, 0].copy()
    failed = _batch_failures(batch, points, k)
    return PointsPass(out, values, steps, status, failed, points.count)


def python_hessians(
    backend, method: Method, X: np.ndarray, given: np.ndarray, eps: float
) -> PointsPass:
    """Hessians of a Python ``f``: one batch of ``k`` times the one-point count of points."""
    check_finite_points(X)
    k, n = X.shape
    stencil = hessian_arrays(method.base)
    steps = fill_batch_steps(X, given, method.second.step_exponent, eps, np.empty((k, n)))
    points = _HessianBatch(X, steps, stencil)
    batch = backend.evaluator.evaluate(backend.function, points.count, points, SCALAR)
    point_values = batch.values.reshape(k, points.per_point)
    values = point_values[:, 0].copy()
    a, q = stencil[AXIS_OFFSETS].shape[0], stencil[PAIR_OFFSETS].shape[0]
    # Row-major copies: the combine kernel is compiled for C-ordered values
    # (as the one-point path passes), not for these strided views.
    axis_values = np.ascontiguousarray(point_values[:, 1 : 1 + points.axis_count]).reshape(k, n, a)
    pair_values = np.ascontiguousarray(point_values[:, 1 + points.axis_count :]).reshape(k, -1, q)
    out = np.empty((k, n, n))
    combine_hessians(values, axis_values, pair_values, stencil, steps, out)
    status = np.zeros((k, n, n), dtype=np.int8)
    return PointsPass(out, values, steps, status, _batch_failures(batch, points, k), points.count)


# --- Rows recomputed one point at a time, and the result ------------------------------


def at_one_point(derivative, X: np.ndarray, p: int, eps: float):
    """``derivative(X[p])`` (a prepared one-point derivative), its exceptions noting ``X[p]``.

    ``eps`` is that of the user's ``X`` (:func:`as_points`): points given in
    single precision are passed as float32, so that they get float32's
    default steps, as in the batch.
    """
    x = X[p] if eps == FLOAT64_EPS else X[p].astype(np.float32)
    try:
        return derivative(x)
    except Exception as error:
        add_note(error, f"fastdiff: at X[{p}] (row {p} of X)")
        raise


def points_result(
    batch: PointsPass, redone: dict, full_output: bool, with_value: bool, method: str, nfev: int
):
    """The result at all points: ``batch`` with the rows ``redone`` (point -> one-point result).

    Returns the derivatives; ``(values, derivatives)`` with ``with_value``;
    a :class:`~fastdiff.DerivativeResult` of per-point arrays with
    ``full_output`` (``nfev`` the evaluations of this call).
    """
    derivative, values, steps, status = batch.derivative, batch.values, batch.steps, batch.status
    for p, result in redone.items():
        if full_output:
            derivative[p] = result.derivative
            steps[p] = result.step
            status[p] = result.status
            if values is not None and result.value is not None:
                values[p] = result.value
        elif with_value:
            values[p], derivative[p] = result
        else:
            derivative[p] = result
    if full_output:
        return DerivativeResult(derivative, values, None, steps, nfev, status, method)
    return (values, derivative) if with_value else derivative


def stack_results(results: list, full_output: bool, with_value: bool, method: str):
    """The one-point results at every row, stacked as :func:`points_result` shapes them."""
    if full_output:
        values = [r.value for r in results]
        return DerivativeResult(
            np.stack([r.derivative for r in results]),
            None if any(v is None for v in values) else np.stack(values),
            None,
            np.stack([r.step for r in results]),
            sum(r.nfev for r in results),
            np.stack([r.status for r in results]),
            method,
        )
    if with_value:
        return np.array([r[0] for r in results]), np.stack([r[1] for r in results])
    return np.stack(results)
