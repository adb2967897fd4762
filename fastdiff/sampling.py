"""Probing ``f`` at a few points, compiled or through an evaluator, with a count.

The noise estimate and the automatic step choice look at ``f`` along a line
and along the coordinate axes before any derivative is taken. A
:class:`Sampler` hides which path ``f`` takes (the compiled kernels of
:mod:`fastdiff.kernels.sampling`, or an :class:`~fastdiff.evaluate.Evaluator`
for a Python ``f``), always returns values in the same layout, with NaN
where ``f`` failed, and counts the evaluations.
"""

from __future__ import annotations

import numpy as np

from fastdiff.compiled import SCALAR, VECTOR, CompiledFunction, is_compiled, prepare
from fastdiff.evaluate import Evaluator
from fastdiff.kernels.sampling import (
    axis_points,
    axis_values_scalar,
    axis_values_vector,
    line_points,
    line_values_scalar,
    line_values_vector,
)


class Sampler:
    """Evaluates ``f`` at probe points and counts the evaluations.

    Parameters
    ----------
    f : callable
        The user's function.
    kind : {"scalar", "vector"}
        Whether ``f`` returns a number or a 1-D array.
    prepared : CompiledFunction, optional
        ``f`` prepared for the kernels; evaluated through ``evaluator`` if None.
    evaluator : Evaluator, optional
        For a Python ``f`` (a serial one if neither is given).

    Attributes
    ----------
    nfev : int
        Evaluations of ``f`` so far.
    outputs : int
        Length of ``f``'s output (1 for a scalar ``f``), known after
        :meth:`line`.
    """

    def __init__(self, f, kind: str, prepared: CompiledFunction | None = None, evaluator=None):
        self.function, self.kind = f, kind
        self.prepared = prepared
        self.evaluator = evaluator if evaluator is not None or prepared else Evaluator()
        self.nfev = 0
        self.outputs = 1 if kind == SCALAR else 0

    @classmethod
    def for_function(cls, f, kind: str, evaluator: Evaluator | None = None) -> Sampler:
        """The compiled path for a jitted ``f`` (unless an evaluator is given), else Python."""
        if evaluator is None and is_compiled(f):
            return cls(f, kind, prepare(f, kind))
        return cls(f, kind, None, evaluator or Evaluator())

    @classmethod
    def for_backend(cls, backend) -> Sampler:
        """The path of a derivative's backend (:mod:`fastdiff.backends`): its kernels or evaluator."""
        compiled = backend.compiled
        evaluator = None if compiled is not None else backend.evaluator
        return cls(backend.function, backend.kind, compiled, evaluator)

    def line(self, x: np.ndarray, direction: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """``f(x + offsets[j] * direction)``: shape (k, m); NaN rows where ``f`` failed."""
        k = offsets.shape[0]
        self.nfev += k
        if self.prepared is None:
            points = line_points(x, direction, offsets, np.empty((k, x.shape[0])))
            return self._python_values(points)
        if self.kind == SCALAR:
            values = line_values_scalar(self.prepared.address, x, direction, offsets, np.empty(k))
            return values[:, None]
        if self.outputs == 0:
            # The length of f's output is learnt from the centre, called from
            # Python (the same compiled code), and the other points follow.
            center = offsets == 0.0
            if center.any():
                value = _as_values(self.function(x))
                self.outputs = value.shape[0]
                values = np.empty((k, self.outputs))
                values[center] = value
                others = np.ascontiguousarray(offsets[~center])
                values[~center] = line_values_vector(
                    self.prepared.address, x, direction, others, values[~center]
                )
                return values
            self.outputs = _as_values(self.function(x)).shape[0]
            self.nfev += 1
        values = np.empty((k, self.outputs))
        return line_values_vector(self.prepared.address, x, direction, offsets, values)

    def axes(
        self, x: np.ndarray, coordinates: np.ndarray, h: np.ndarray, offsets: np.ndarray
    ) -> np.ndarray:
        """``f(x + offsets[j] * h[i] * e_i)`` for ``i`` in ``coordinates``: shape (c, k, m)."""
        c, k, m = coordinates.shape[0], offsets.shape[0], self.outputs
        self.nfev += c * k
        if self.prepared is None:
            points = axis_points(x, coordinates, h, offsets, np.empty((c * k, x.shape[0])))
            return self._python_values(points).reshape(c, k, m)
        if self.kind == SCALAR:
            values = np.empty((c, k))
            axis_values_scalar(self.prepared.address, x, coordinates, h, offsets, values)
            return values[:, :, None]
        values = np.empty((c, k, m))
        return axis_values_vector(self.prepared.address, x, coordinates, h, offsets, values)

    def _python_values(self, points: np.ndarray) -> np.ndarray:
        batch = self.evaluator.evaluate(
            self.function, points.shape[0], lambda lo, hi: points[lo:hi], self.kind
        )
        values = np.asarray(batch.values, dtype=np.float64)
        if self.kind == VECTOR:
            if values.ndim != 2:  # every point raised: no length to learn from
                values = np.full((points.shape[0], max(self.outputs, 1)), np.nan)
            self.outputs = self.outputs or values.shape[1]
            return values
        return values[:, None]


def _as_values(value) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"f must return a 1-D array; f(x) has shape {array.shape}")
    return array
