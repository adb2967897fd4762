"""Backends: how a stencil pass over ``f`` is evaluated, compiled or through Python.

A *pass* evaluates a first-derivative stencil table (one row per
coordinate, zero rows skipped) or a Hessian stencil with explicit steps and
returns values, per-entry statuses and the evaluations spent. Both backends
offer the same three calls, ``value(x)``, ``run(...)`` (first derivatives)
and ``hessian(...)``:

* :class:`CompiledPasses` for a Numba-compiled ``f``: the kernels of
  :mod:`fastdiff.kernels`, serial or parallel as :class:`~fastdiff.threads.ThreadPolicy`
  decides;
* :class:`PythonPasses` for any other callable: all points as one batch
  through an :class:`~fastdiff.Evaluator` (:mod:`fastdiff.python_path`).

:func:`prepare_backend` picks one for a function and its options, once.
Extra arguments of ``f`` (``options.args``, ``options.kwargs``) are bound
there: a Python ``f`` becomes a :class:`~fastdiff.arguments.BoundFunction`
of ``x`` alone; a compiled ``f`` is prepared for the argument types and
the kernels get the tuple of arguments, passed natively to every call.
The careful path (:mod:`fastdiff.careful`) and Richardson refinement are
written against this interface only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fastdiff.arguments import argument_types, bind, positional_arguments
from fastdiff.compiled import is_compiled, prepare
from fastdiff.errors import RaisedAt, check_finite_value, raise_with_note
from fastdiff.evaluate import SCALAR, Evaluator
from fastdiff.kernels.drivers import jacobian_pass
from fastdiff.kernels.gradient import gradient_parallel, gradient_serial
from fastdiff.kernels.hessian import hessian_parallel, hessian_serial
from fastdiff.python_path import PythonDerivative, python_first_derivative, python_hessian
from fastdiff.status import RAISED
from fastdiff.stencils import hessian_arrays, writable
from fastdiff.threads import ThreadPolicy, threads_argument


@dataclass
class Pass:
    """Result of one pass: derivative entries, their statuses and the cost."""

    value: object
    derivative: np.ndarray
    status: np.ndarray
    errors: dict = field(default_factory=dict)
    evaluations: int = 0


class CompiledPasses:
    """Passes through the compiled kernels (``f`` wrapped by :mod:`fastdiff.compiled`).

    Attributes
    ----------
    function : callable
        What Python calls for ``f(x)``: the dispatcher, or it with its extra
        arguments bound (:class:`~fastdiff.arguments.BoundFunction`).
    compiled : CompiledFunction
        The address the kernels call, and the cost of one evaluation.
    kind : {"scalar", "vector"}
    threads : ThreadPolicy
    args : tuple
        The extra arguments the kernels pass to ``f`` after ``x`` (``()``
        for ``f(x)``).
    """

    def __init__(self, function, compiled, kind: str, threads: ThreadPolicy, args: tuple = ()):
        self.function, self.compiled, self.kind, self.threads = function, compiled, kind, threads
        self.address = compiled.address
        self.args = args

    def value(self, x: np.ndarray):
        """``f(x)``; exceptions propagate with a note."""
        try:
            value = self.function(x)
        except Exception as error:
            raise_with_note(error, "fastdiff: f raised at x")
        if self.kind == SCALAR:
            return float(value)
        # A number-valued f is a Jacobian row of one.
        return np.atleast_1d(np.asarray(value, dtype=np.float64))

    def run(self, x, h, offsets, weights, value, m: int = 0) -> Pass:
        """One first-derivative pass of the stencil table ``offsets``, ``weights``.

        ``value`` is ``f(x)`` (or None where no row uses it); ``m`` the
        output length of a vector ``f``.
        """
        n = x.shape[0]
        used = (weights != 0.0) & (offsets != 0.0)
        shared = offsets.shape[0] == 1
        evaluations = int(used.sum()) * (n if shared else 1)
        threads = self.threads(x, evaluations, m)
        status = np.empty(n, dtype=np.int8)
        # The kernels are compiled for writable tables (as compiled code
        # builds them): a read-only one would compile them again.
        offsets, weights = writable(offsets), writable(weights)
        if self.kind == SCALAR:
            out = np.empty(n)
            f0 = np.nan if value is None else value
            if threads > 1:
                gradient_parallel(
                    self.address, x, self.args, h, offsets, weights, f0, out, status, threads
                )
            else:
                gradient_serial(self.address, x, self.args, h, offsets, weights, f0, out, status)
        else:
            columns = np.empty((n, m))  # contiguous columns, as the fast path
            f0 = np.zeros(m) if value is None else value
            jacobian_pass(
                self.address,
                x,
                self.args,
                h,
                offsets,
                weights,
                f0,
                columns,
                status,
                threads_argument(threads),
            )
            out = columns.T
        errors = {}
        for i in np.flatnonzero(status == RAISED):
            # Recovered only if this entry's failure reaches the user
            # (fastdiff.careful): each recovery calls f from Python.
            errors[int(i)] = RaisedAt(self.function, x, h, offsets[0 if shared else i], int(i))
        return Pass(value, out, status, errors, evaluations)

    def hessian(self, x, h, method) -> PythonDerivative:
        """The Hessian stencil of ``method`` (a :class:`~fastdiff.stencils.Method`) at steps ``h``.

        ``f(x)`` is evaluated first (its exception or a non-finite value
        raises); failed entries are marked in ``status``.
        """
        n = x.shape[0]
        value = self.value(x)
        check_finite_value(value)
        out = np.empty((n, n))
        status = np.empty((n, n), dtype=np.int8)
        arrays = hessian_arrays(method.base)
        evaluations = method.second.evaluation_count(n)
        threads = self.threads(x, evaluations)
        if threads > 1:
            hessian_parallel(self.address, x, self.args, h, arrays, value, out, status, threads)
        else:
            hessian_serial(self.address, x, self.args, h, arrays, value, out, status)
        return PythonDerivative(value, out, status, {}, None, evaluations)


class PythonPasses:
    """Passes through an :class:`~fastdiff.evaluate.Evaluator` for a Python ``f``.

    Attributes
    ----------
    function : callable
    evaluator : Evaluator
    kind : {"scalar", "vector"}
    """

    compiled = None

    def __init__(self, function, evaluator: Evaluator, kind: str):
        self.function, self.evaluator, self.kind = function, evaluator, kind

    def value(self, x: np.ndarray):
        """``f(x)`` through the evaluator (a vectorized ``f`` gets a batch of one)."""
        batch = self.evaluator.evaluate(self.function, 1, _CenterPoint(x), self.kind)
        if 0 in batch.errors:
            raise_with_note(batch.errors[0], "fastdiff: f raised at x")
        return float(batch.values[0]) if self.kind == SCALAR else batch.values[0].copy()

    def run(self, x, h, offsets, weights, value, m: int = 0) -> Pass:
        """One first-derivative pass, as :meth:`CompiledPasses.run`."""
        result = python_first_derivative(
            self.function, x, h, offsets, weights, False, self.kind, self.evaluator, value
        )
        return Pass(value, result.derivative, result.status, result.errors, result.evaluations)

    def hessian(self, x, h, method) -> PythonDerivative:
        """The Hessian stencil of ``method`` at steps ``h``, ``f(x)`` included in the batch."""
        return python_hessian(self.function, x, h, hessian_arrays(method.base), self.evaluator)


class _CenterPoint:
    """The batch of one point, ``x``, for an evaluator (named "at x" in errors)."""

    def __init__(self, x: np.ndarray):
        self.x = x

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        return self.x[None, :].copy()

    def describe(self, point: int) -> str:
        return "at x"


def python_evaluator(f, options) -> Evaluator | None:
    """The evaluator of ``f`` under ``options``, or None: ``f`` runs in the kernels.

    A Numba-compiled ``f`` runs in the kernels unless an evaluation option
    asks for an evaluator; any other callable gets the evaluator asked for,
    or a serial one.
    """
    if options.evaluator is None and is_compiled(f):
        return None
    if options.parallel:
        raise ValueError(
            "parallel=True applies to Numba-compiled f; for a Python f use "
            "workers= or executor= to evaluate in parallel"
        )
    return options.evaluator if options.evaluator is not None else Evaluator()


def prepare_backend(f, options, kind: str) -> CompiledPasses | PythonPasses:
    """The backend of ``f`` (``kind`` "scalar" or "vector") under ``options``, built once.

    ``f`` is evaluated as ``f(x, *options.args, **options.kwargs)``. A
    compiled ``f`` is prepared once per tuple of argument types (keyword
    arguments placed by name, :func:`fastdiff.arguments.positional_arguments`).
    """
    evaluator = python_evaluator(f, options)
    bound = bind(f, options.args, options.kwargs)
    if evaluator is not None:
        return PythonPasses(bound, evaluator, kind)
    arguments = positional_arguments(f, options.args, options.kwargs)
    compiled = prepare(f, kind, argument_types(arguments))
    threads = ThreadPolicy(options.parallel, compiled, arguments)
    return CompiledPasses(bound, compiled, kind, threads, arguments)
